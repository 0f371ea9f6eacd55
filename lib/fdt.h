/* lib/fdt.h: a validating parser for the flattened device tree (DTB, devicetree
 * spec v0.4, format version 17) that OpenSBI hands the kernel in a1.
 *
 * It does not build a tree: one pass over the structure block collects exactly
 * what the kernel needs from a QEMU `virt` machine into struct fdt_info. The blob
 * is untrusted input (the fuzzer proves it): every offset, length, alignment and
 * string is checked before it is used, and a malformed blob gives -EINVAL, never
 * a crash. The blob needs no particular alignment (it is read byte by byte).
 *
 * Freestanding: only our headers and <stdint.h>/<stdbool.h>. */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include <stdbool.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_SIZE 40
#define FDT_MAX_DEPTH 16 /* deeper nesting is rejected as malformed */
#define FDT_MAX_VIRTIO 16
#define FDT_BOOTARGS_MAX 256
#define FDT_RNG_SEED_MAX 64

struct fdt_mmio {
    uint64_t base, size; /* the node's first reg entry */
    uint32_t irq;        /* first cell of `interrupts`, 0 if absent */
};

struct fdt_info {
    uint64_t mem_base, mem_size; /* first memory node's first reg entry */
    struct fdt_mmio uart;        /* first node compatible with "ns16550a" */
    uint32_t uart_clock;         /* its clock-frequency, 0 if absent */
    struct fdt_mmio plic;        /* "riscv,plic0" or "sifive,plic-1.0.0" */
    struct fdt_mmio rtc;         /* "google,goldfish-rtc" (wall clock), base 0 if absent */
    uint32_t timebase_freq;      /* /cpus timebase-frequency (Hz) */
    uint32_t nharts;             /* number of /cpus/cpu@N nodes */
    bool has_sstc;               /* cpu@0 implements Sstc (stimecmp) */
    int nvirtio;                 /* "virtio,mmio" nodes, in FDT order; */
    struct fdt_mmio virtio[FDT_MAX_VIRTIO]; /* any past the 16th are ignored */
    char bootargs[FDT_BOOTARGS_MAX];        /* /chosen/bootargs, "" if absent */
    uint8_t rng_seed[FDT_RNG_SEED_MAX];     /* /chosen/rng-seed, truncated */
    uint32_t rng_seed_len;
    uint64_t initrd_start, initrd_end; /* /chosen linux,initrd-*, 0 if absent */
};

/* Parses the DTB at `blob`, of which at most `maxlen` bytes may be read, into
 * *out (fully overwritten; on error its contents are unspecified).
 *
 * Checks the header (magic, version 17 compatible, totalsize <= maxlen, every
 * block inside totalsize, structure block 4-aligned), every token, property
 * length and node name inside the structure block, every property name inside
 * the strings block and NUL-terminated there, nesting depth <= FDT_MAX_DEPTH,
 * properties before subnodes, and the shape of each property it decodes.
 * A `reg` is decoded with the parent's #address-cells/#size-cells (default 2/1),
 * which must be 1 or 2 for the nodes it reads. Nodes with status "disabled" are
 * ignored. Sstc: cpu@0's riscv,isa has an "_sstc" extension (whole name, any
 * case) or its riscv,isa-extensions list contains "sstc".
 *
 * Returns 0, or -EINVAL if the blob is malformed, /chosen/bootargs does not fit
 * in 255 characters, or there is no memory node, ns16550a UART, PLIC or
 * /cpus timebase-frequency. */
int fdt_parse(const void *blob, uint64_t maxlen, struct fdt_info *out);

/* Returns the header's totalsize if `blob` starts with the FDT magic, else 0.
 * Reads only the first 8 bytes: use it to learn how much to map or copy before
 * calling fdt_parse, which checks the rest. */
uint64_t fdt_totalsize(const void *blob);

#endif
