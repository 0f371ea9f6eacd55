/* kernel/kernel.h: node-wide facts learned at boot, and small helpers. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include "lib/errno.h"
#include "lib/fdt.h"
#include "lib/rand.h"

#define PAGE_SIZE 4096UL
#define PAGE_ROUND_UP(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

extern uint64_t kernel_node_id;  /* bootargs node=, default 1 */
extern uint64_t kernel_nodes;    /* bootargs nodes=, default 1 */
extern struct fdt_info boot_fdt; /* everything the device tree told us */

/* Linker-script symbols (see linker.ld). */
extern char kernel_start[], text_end[], rodata_end[], bss_start[], bss_end[], kernel_end[];

/* Code on the path of a system call and of a local IPC round trip (trap
 * entry and exit, call/recv/reply, the process switch). It is linked
 * together (linker.ld puts .text.hot first) because under QEMU each distinct
 * code page run after an address-space switch, which flushes the whole TLB,
 * costs a refill, and a jump to another page cannot be chained from one
 * translated block to the next. */
#define HOT_PATH __attribute__((section(".text.hot")))
/* The IPC fastpath (kernel/ipc_fast.c) and what it calls: linked right
 * after the trap vector, in the same page, so a fast round trip runs in one
 * code page (and direct jumps between its blocks can be chained). */
#define FAST_PATH __attribute__((section(".text.hot.fast")))
/* Small variables that path reads on every call, kept in one data page
 * (.data.hot, first in .data) for the same reason. */
#define HOT_DATA __attribute__((section(".data.hot")))

/* Freestanding memory helpers (kernel/string.c). */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
/* Copy at most n-1 bytes and NUL-terminate; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t n);

/* A random 64-bit value from the kernel's generator (seeded from the device
 * tree's /chosen/rng-seed). */
extern struct rand kernel_rng;
static inline uint64_t kernel_random(void) { return rand_step(&kernel_rng); }

#endif
