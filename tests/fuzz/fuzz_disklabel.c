/* tests/fuzz/fuzz_disklabel.c: libFuzzer target for lib/disklabel. Input: a
 * disk size (8 bytes) and a first sector (the rest, zero padded to 512).
 * Decoding must return a documented code; a table it accepts must lie in the
 * disk, in order-free but non-overlapping regions after the first MiB, and
 * encode back to the same sector. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/disklabel.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t nsectors = 0;
    for (size_t i = 0; i < 8 && i < size; i++)
        nsectors |= (uint64_t)data[i] << (8 * i);
    uint8_t sector[512], again[512];
    memset(sector, 0, sizeof sector);
    if (size > 8)
        memcpy(sector, data + 8, size - 8 < 512 ? size - 8 : 512);
    struct disklabel l;
    int rv = disklabel_decode(sector, nsectors, &l);
    if (rv != 0 && rv != -ENOENT && rv != -EBADMSG)
        abort();
    if (rv)
        return 0;
    if (l.n == 0 || l.n > DISKLABEL_MAX)
        abort();
    for (uint32_t i = 0; i < l.n; i++) {
        if (l.r[i].start < DISKLABEL_ALIGN || l.r[i].sectors == 0 ||
            l.r[i].start + l.r[i].sectors > nsectors ||
            l.r[i].start + l.r[i].sectors < l.r[i].start)
            abort();
        for (uint32_t j = 0; j < i; j++)
            if (l.r[i].start < l.r[j].start + l.r[j].sectors &&
                l.r[j].start < l.r[i].start + l.r[i].sectors)
                abort();
    }
    disklabel_encode(&l, again);
    if (memcmp(sector, again, 512))
        abort();
    return 0;
}
