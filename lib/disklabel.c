/* lib/disklabel.c: the table of regions in a disk's first sector
 * (disklabel.h). */
#include "lib/disklabel.h"

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "lib/lebytes.h"

#define MIB_SECTORS 2048u
#define ENTRY 32u

static void set_region(struct disklabel_region *r, const char *name, uint64_t start,
                       uint64_t sectors)
{
    __builtin_memset(r, 0, sizeof *r);
    for (int i = 0; name[i] && i < DISKLABEL_NAME_MAX; i++)
        r->name[i] = name[i];
    r->start = start;
    r->sectors = sectors;
}

int disklabel_default(uint64_t nsectors, struct disklabel *l)
{
    __builtin_memset(l, 0, sizeof *l);
    if (nsectors < 8 * MIB_SECTORS)
        return -ENOSPC;
    uint64_t usable = (nsectors / MIB_SECTORS - 1) * MIB_SECTORS; /* whole MiBs after the first */
    uint64_t quarter = usable / 4 / MIB_SECTORS * MIB_SECTORS;
    uint64_t naming = 16 * MIB_SECTORS < quarter ? 16 * MIB_SECTORS : quarter;
    uint64_t fs = 32 * MIB_SECTORS < quarter ? 32 * MIB_SECTORS : quarter;
    /* The scheduler's log store holds its small machine (docs/sched.md):
     * 2 MiB, last, so the other regions stay where they were before it. */
    uint64_t sched = 2 * MIB_SECTORS < quarter ? 2 * MIB_SECTORS : quarter;
    uint64_t chunks = usable - naming - fs - sched;
    set_region(&l->r[0], "naming", MIB_SECTORS, naming);
    set_region(&l->r[1], "fs", MIB_SECTORS + naming, fs);
    set_region(&l->r[2], "chunks", MIB_SECTORS + naming + fs, chunks);
    set_region(&l->r[3], "sched", MIB_SECTORS + naming + fs + chunks, sched);
    l->n = 4;
    return 0;
}

void disklabel_encode(const struct disklabel *l, uint8_t sector[512])
{
    __builtin_memset(sector, 0, 512);
    struct le_writer w = {sector, 508, 0};
    le_put_bytes(&w, DISKLABEL_MAGIC, 8);
    le_put(&w, DISKLABEL_VERSION, 4);
    le_put(&w, l->n, 4);
    for (uint32_t i = 0; i < l->n && i < DISKLABEL_MAX; i++) {
        le_put_bytes(&w, l->r[i].name, 16);
        le_put(&w, l->r[i].start, 8);
        le_put(&w, l->r[i].sectors, 8);
    }
    uint32_t crc = crc32c(sector, 508);
    for (int i = 0; i < 4; i++)
        sector[508 + i] = (uint8_t)(crc >> (8 * i));
}

static bool name_ok(const char *name)
{
    int n = 0;
    while (n < 16 && name[n])
        n++;
    if (n == 0 || n > DISKLABEL_NAME_MAX)
        return false;
    for (int i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return false;
    for (int i = n; i < 16; i++)
        if (name[i])
            return false; /* NUL-padded, nothing after */
    return true;
}

int disklabel_decode(const uint8_t sector[512], uint64_t nsectors, struct disklabel *l)
{
    __builtin_memset(l, 0, sizeof *l);
    bool blank = true;
    for (int i = 0; i < 512 && blank; i++)
        blank = sector[i] == 0;
    if (blank)
        return -ENOENT;
    uint32_t crc = 0;
    for (int i = 0; i < 4; i++)
        crc |= (uint32_t)sector[508 + i] << (8 * i);
    if (__builtin_memcmp(sector, DISKLABEL_MAGIC, 8) || crc32c(sector, 508) != crc)
        return -EBADMSG;
    struct le_reader r = le_reader(sector + 8, 500);
    uint32_t version = (uint32_t)le_get(&r, 4), n = (uint32_t)le_get(&r, 4);
    if (version != DISKLABEL_VERSION || n == 0 || n > DISKLABEL_MAX)
        return -EBADMSG;
    struct disklabel t;
    __builtin_memset(&t, 0, sizeof t);
    for (uint32_t i = 0; i < n; i++) {
        struct disklabel_region *g = &t.r[i];
        le_get_bytes(&r, g->name, 16);
        g->start = le_get(&r, 8);
        g->sectors = le_get(&r, 8);
        if (!name_ok(g->name) || g->start < MIB_SECTORS || g->sectors == 0 || g->start > nsectors ||
            g->sectors > nsectors - g->start)
            return -EBADMSG;
        for (uint32_t j = 0; j < i; j++) {
            const struct disklabel_region *h = &t.r[j];
            if (__builtin_memcmp(h->name, g->name, 16) == 0 ||
                (g->start < h->start + h->sectors && h->start < g->start + g->sectors))
                return -EBADMSG; /* a name twice, or overlapping regions */
        }
    }
    for (size_t i = 8 + 8 + (size_t)n * ENTRY; i < 508; i++)
        if (sector[i])
            return -EBADMSG;
    t.n = n;
    *l = t;
    return 0;
}

static int region_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
    struct disklabel_dev *d = ctx;
    if (sector > d->sectors || count > d->sectors - sector)
        return -EINVAL;
    return d->disk->read(d->disk->ctx, d->start + sector, buf, count);
}

static int region_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
    struct disklabel_dev *d = ctx;
    if (sector > d->sectors || count > d->sectors - sector)
        return -EINVAL;
    return d->disk->write(d->disk->ctx, d->start + sector, buf, count);
}

static int region_flush(void *ctx)
{
    struct disklabel_dev *d = ctx;
    return d->disk->flush(d->disk->ctx);
}

int disklabel_open(const struct blockdev *disk, const char *name, struct disklabel_dev *ctx,
                   struct blockdev *out)
{
    uint8_t sector[512];
    struct disklabel l;
    if (disk->sector_size != 512)
        return -EINVAL;
    if (disk->read(disk->ctx, 0, sector, 1))
        return -EIO;
    int rv = disklabel_decode(sector, disk->nsectors, &l);
    if (rv == -ENOENT) {
        if ((rv = disklabel_default(disk->nsectors, &l)) != 0)
            return rv;
        disklabel_encode(&l, sector);
        if (disk->write(disk->ctx, 0, sector, 1) || disk->flush(disk->ctx))
            return -EIO;
    } else if (rv) {
        return rv;
    }
    for (uint32_t i = 0; i < l.n; i++) {
        const struct disklabel_region *g = &l.r[i];
        int k = 0;
        while (k < DISKLABEL_NAME_MAX && name[k] && name[k] == g->name[k])
            k++;
        if (name[k] != g->name[k] || (k == DISKLABEL_NAME_MAX && name[k]))
            continue;
        ctx->disk = disk;
        ctx->start = g->start;
        ctx->sectors = g->sectors;
        out->ctx = ctx;
        out->sector_size = 512;
        out->nsectors = g->sectors;
        out->read = region_read;
        out->write = region_write;
        out->flush = region_flush;
        return 0;
    }
    return -ENOENT;
}
