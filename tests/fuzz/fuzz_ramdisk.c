/* tests/fuzz/fuzz_ramdisk.c: libFuzzer target for lib/ramdisk. The input is
 * the archive; every accessor must return a documented code, and every name
 * and data range it hands out must lie inside the archive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/ramdisk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *a = malloc(size ? size : 1);
    memcpy(a, data, size);
    int count = ramdisk_check(a, size);
    if (count != -EINVAL && (count < 0 || count > RAMDISK_MAX_ENTRIES))
        abort();
    const void *d;
    uint64_t n;
    int rv = ramdisk_find(a, size, "sh", &d, &n);
    if (rv != 0 && rv != -ENOENT && rv != -EINVAL)
        abort();
    for (int i = 0; i <= (count > 0 ? count : 0); i++) {
        const char *name;
        rv = ramdisk_name_at(a, size, i, &name);
        if (count < 0 ? rv != -EINVAL : (i < count ? rv != 0 : rv != -ENOENT))
            abort();
        if (rv != 0)
            continue;
        if ((const uint8_t *)name < a || (const uint8_t *)name + strlen(name) >= a + size)
            abort();
        if (ramdisk_find(a, size, name, &d, &n) != 0)
            abort();
        if ((const uint8_t *)d < a || n > size || (const uint8_t *)d + n > a + size)
            abort();
        volatile uint8_t sink = 0;
        if (n)
            sink ^= ((const uint8_t *)d)[0] ^ ((const uint8_t *)d)[n - 1];
        (void)sink;
    }
    free(a);
    return 0;
}
