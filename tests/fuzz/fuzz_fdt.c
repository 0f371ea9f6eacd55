/* tests/fuzz/fuzz_fdt.c: libFuzzer target for lib/fdt. The input is the blob;
 * fdt_parse must return 0 or -EINVAL without reading outside it (ASan) and,
 * when it accepts, leave a self-consistent struct fdt_info. */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/fdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so ASan flags any overread. */
    uint8_t *blob = malloc(size ? size : 1);
    memcpy(blob, data, size);
    struct fdt_info fi;
    int rv = fdt_parse(blob, size, &fi);
    if (rv != 0 && rv != -EINVAL)
        abort();
    if (rv == 0) {
        if (fi.nvirtio < 0 || fi.nvirtio > FDT_MAX_VIRTIO || fi.rng_seed_len > FDT_RNG_SEED_MAX)
            abort();
        if (strnlen(fi.bootargs, sizeof fi.bootargs) >= sizeof fi.bootargs)
            abort();
        if (fi.mem_size == 0 || size < FDT_HEADER_SIZE || fdt_totalsize(blob) > size)
            abort();
    }
    free(blob);
    return 0;
}
