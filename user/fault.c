/* user/fault.c: `fault KIND` makes one kind of bad access; the kernel must
 * kill this process (status 139 for a memory fault, 132 for an illegal
 * instruction) with a one-line report, and nothing else. If we are still
 * alive afterwards, that is a kernel bug: we say so and exit 1. */
#include <stdio.h>
#include <string.h>

#include "user/ulib.h"

static volatile uint64_t sink;

/* Recurses until the stack runs into the guard page below it (the depth
 * check against a volatile limit is never true, but the compiler cannot
 * know that). */
static volatile int depth_limit = 1 << 30;
static int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    sink += (uint64_t)pad[0];
    if (depth > depth_limit)
        return 0;
    return recurse(depth + 1) + pad[0];
}

extern char fault_text_word[];
asm(".text\n.globl fault_text_word\nfault_text_word: ret\n");

int main(int argc, char **argv)
{
    const char *k = argc == 2 ? argv[1] : "";
    if (strcmp(k, "null") == 0) {
        *(volatile uint64_t *)0 = 1;
    } else if (strcmp(k, "kread") == 0) {
        sink = *(volatile uint64_t *)0x80200000UL;
    } else if (strcmp(k, "kwrite") == 0) {
        *(volatile uint64_t *)0x80200000UL = 0;
    } else if (strcmp(k, "wild") == 0) {
        /* Not even a canonical Sv39 address. */
        sink = *(volatile uint64_t *)0x5555deadbeef0000UL;
    } else if (strcmp(k, "unmapped") == 0) {
        sink = *(volatile uint64_t *)0x2000000000UL;
    } else if (strcmp(k, "textwrite") == 0) {
        *(volatile uint32_t *)fault_text_word = 0;
    } else if (strcmp(k, "exec") == 0) {
        /* Jump into the (non-executable) stack: a valid `ret` is there, so
         * only the missing X permission stops it. */
        volatile uint32_t code[2] = {0x00008067u, 0};
        void (*fn)(void) = (void (*)(void))(uintptr_t)code;
        fn();
    } else if (strcmp(k, "ill") == 0) {
        asm volatile(".word 0"); /* all-zero is defined to be illegal */
    } else if (strcmp(k, "stack") == 0) {
        sink = (uint64_t)recurse(0);
    } else {
        fprintf(stderr, "usage: fault null|kread|kwrite|wild|unmapped|textwrite|exec|ill|stack\n");
        return 2;
    }
    printf("fault: %s: still alive, the kernel did not stop it\n", k);
    return 1;
}
