/* lib/elf.h: validating an ELF64 executable before the kernel loads it.
 *
 * elf_parse only decodes and checks; it never touches memory outside the
 * file it is given. The loader then maps, for each segment, the pages of
 * [vaddr, vaddr + memsz) with `flags`, copies filesz bytes from file offset
 * `offset`, and zeroes the rest (bss).
 *
 * For user programs (a note for user/user.mk): GNU ld's default layout for a
 * static RISC-V program already gives one R-X segment (ELF headers, text,
 * rodata) and one RW- segment (data, bss) on separate pages, e.g.
 *     riscv64-unknown-elf-gcc -nostdlib -static -Wl,-Ttext=0x1000010000 ...
 * (tests/unit/unit.mk builds such a program and the tests parse it). binutils
 * 2.40 ignores `-z separate-code` and has no `--no-rosegment`. A linker script
 * must keep W^X: put .text/.rodata and .data/.bss in separate PHDRS, with the
 * writable one starting on a new page (ALIGN(4096), or `. = DATA_SEGMENT_ALIGN`),
 * or elf_parse refuses it: an RWX segment (what ld warns about with "has a LOAD
 * segment with RWX permissions") fails here, as do two segments sharing a page.
 *
 * Freestanding: only our headers and <stdint.h>. */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stdint.h>

#define ELF_MAX_SEGS 8 /* at most this many PT_LOAD segments */
#define ELF_MAX_PHNUM 64
#define ELF_PAGE 4096ull

/* Segment permissions: the ELF p_flags bits PF_R, PF_W, PF_X. */
#define ELF_R 4
#define ELF_W 2
#define ELF_X 1

struct elf_segment {
    uint64_t vaddr, memsz;   /* memory image [vaddr, vaddr + memsz) */
    uint64_t offset, filesz; /* file bytes [offset, offset + filesz) go at vaddr */
    uint32_t flags;          /* ELF_R | ELF_W | ELF_X, never both W and X */
};

struct elf_image {
    uint64_t entry;
    int nseg; /* 1..ELF_MAX_SEGS, in program header order */
    struct elf_segment seg[ELF_MAX_SEGS];
};

/* Validates the ELF file data[0..len) as a static RISC-V (EM 243) little-endian
 * ELF64 ET_EXEC whose loadable segments all lie in [lo, hi), and describes it
 * in *out (unspecified on error).
 *
 * Checks: header fields (magic, class, data, versions, e_ehsize 64,
 * e_phentsize 56, e_phnum 1..64), the program header table inside the file,
 * and for each PT_LOAD (other types are ignored; 1..ELF_MAX_SEGS of them):
 * filesz <= memsz, memsz > 0, file bytes inside the file, vaddr + memsz does not
 * overflow and lies in [lo, hi), vaddr and offset congruent mod 4096 when
 * filesz > 0, p_align zero or a power of two, not both writable and executable;
 * no two segments share a 4 KiB page; the entry point lies in an executable
 * segment. All arithmetic is overflow-checked.
 *
 * Returns 0 or -ENOEXEC. */
int elf_parse(const void *data, uint64_t len, uint64_t lo, uint64_t hi, struct elf_image *out);

#endif
