/* kernel/exec.h: loading an ELF program into a fresh address space. */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include <stdint.h>
#include "kernel/vm.h"

struct user_start {
    uint64_t entry, sp, argc, argv;
};

/* Validate the ELF image (lib/elf.c), map and fill its segments, build the
 * stack with argv, and set the heap after the highest segment. On error the
 * caller destroys `as`. Returns 0, -ENOEXEC, -ENOMEM or -E2BIG. */
int exec_load(struct addrspace *as, const void *elf, uint64_t len, char *const argv[], int argc,
              struct user_start *out);

/* Where an image is when it is not in the kernel's memory: len bytes at
 * user address va of address space as (a program read from the file
 * service by its parent: spawn_image). */
struct exec_user_image {
    const struct addrspace *as;
    uint64_t va, len;
};

/* exec_load for an image in another process's memory. Its ELF and program
 * headers must lie in its first page (every linker puts them there); the
 * segments are copied a page at a time. Returns as exec_load, or -EFAULT
 * if the image's memory cannot be read. */
int exec_load_user(struct addrspace *as, const struct exec_user_image *img, char *const argv[],
                   int argc, struct user_start *out);

#endif
