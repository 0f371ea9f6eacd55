/* lib/kreqwire.h: the bodies of kernel-to-kernel requests that carry more
 * than fixed fields (kernel/kreq.h), and the check of registry requests.
 * Pure and freestanding, so the same decoder runs in the kernel and under
 * the fuzzer (tests/fuzz/fuzz_kreqwire.c). */
#ifndef LIB_KREQWIRE_H
#define LIB_KREQWIRE_H

#include <stdint.h>
#include "lib/syscall_abi.h"

/* A KREQ_SPAWN body: the path and then exactly argc arguments, each
 * NUL-terminated, filling the body exactly. */

/* Pack path and argv[0..argc) into body[0..cap): the length, or -E2BIG. */
int kreqwire_build_spawn(char *body, uint32_t cap, const char *path, char *const argv[], int argc);
/* Check and split body[0..len) (which the caller may not trust): *path
 * and argv[0..argc) point into body, argv[argc] = NULL. 0 or -EINVAL (argc
 * outside 0..USER_ARGV_MAX, an empty path, a string not terminated, or
 * bytes left over). */
int kreqwire_parse_spawn(const char *body, uint32_t len, int argc, const char **path,
                         const char *argv[USER_ARGV_MAX + 1]);

/* A registry request as received: 0, or -EINVAL (unknown op, or a name
 * that is empty or not NUL-terminated within REGISTRY_NAME_MAX). */
int kreqwire_check_registry(const struct registry_req *rq);

#endif
