/* kernel/exec.h: loading an ELF program into a fresh address space. */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H

#include <stdint.h>
#include "kernel/vm.h"

struct user_start { uint64_t entry, sp, argc, argv; };

/* Validate the ELF image (lib/elf.c), map and fill its segments, build the
 * stack with argv, and set the heap after the highest segment. On error the
 * caller destroys `as`. Returns 0, -ENOEXEC, -ENOMEM or -E2BIG. */
int exec_load(struct addrspace *as, const void *elf, uint64_t len, char *const argv[], int argc,
              struct user_start *out);

#endif
