/* tests/fuzz/fuzz_bootargs.c: libFuzzer target for lib/bootargs. Input: the
 * key, a NUL byte, then the command line (missing parts are empty). Both
 * lookups must return a documented code and never write past `out`. */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootargs.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 2);
    memcpy(buf, data, size);
    buf[size] = '\0';
    buf[size + 1] = '\0';
    const char *key = buf;
    const char *args = buf + strlen(buf) + 1;
    if (args > buf + size)
        args = buf + size + 1;

    for (uint64_t outlen = 0; outlen <= 64; outlen += 9) {
        char *out = malloc(outlen ? outlen : 1);
        int rv = bootargs_get(args, key, outlen ? out : NULL, outlen);
        if (rv != 0 && rv != -ENOENT && rv != -ENAMETOOLONG)
            abort();
        if (rv == 0 && strnlen(out, outlen) >= outlen)
            abort();
        free(out);
    }
    uint64_t v;
    int rv = bootargs_get_u64(args, key, &v);
    if (rv != 0 && rv != -ENOENT && rv != -EINVAL)
        abort();
    free(buf);
    return 0;
}
