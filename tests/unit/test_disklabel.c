/* tests/unit/test_disklabel.c: lib/disklabel.c, the table of regions that
 * lets several services share a node's disk. */
#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/disklabel.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

#define MIB 2048u /* sectors */

/* A disk in memory, counting writes and flushes. */
struct memdisk {
    uint8_t *bytes;
    uint64_t sectors;
    int writes, flushes;
};

static int md_read(void *ctx, uint64_t s, void *buf, uint32_t n)
{
    struct memdisk *d = ctx;
    if (s + n > d->sectors)
        return -EIO;
    memcpy(buf, d->bytes + s * 512, (size_t)n * 512);
    return 0;
}

static int md_write(void *ctx, uint64_t s, const void *buf, uint32_t n)
{
    struct memdisk *d = ctx;
    if (s + n > d->sectors)
        return -EIO;
    memcpy(d->bytes + s * 512, buf, (size_t)n * 512);
    d->writes++;
    return 0;
}

static int md_flush(void *ctx)
{
    ((struct memdisk *)ctx)->flushes++;
    return 0;
}

static struct blockdev memdisk(struct memdisk *d, uint64_t sectors)
{
    d->bytes = calloc(sectors, 512);
    d->sectors = sectors;
    d->writes = d->flushes = 0;
    return (struct blockdev){d, 512, sectors, md_read, md_write, md_flush};
}

/* Regions in order, 1 MiB aligned, after the first MiB, inside the disk,
 * the services' names. */
static void disklabel_default_layout(void)
{
    static const uint64_t sizes[] = {8 * MIB, 32 * MIB, 256 * MIB, 256 * MIB + 77, 4096 * MIB};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct disklabel l;
        CHECK_EQ(disklabel_default(sizes[k], &l), 0);
        CHECK_EQ(l.n, 4);
        CHECK_STR(l.r[0].name, "naming");
        CHECK_STR(l.r[1].name, "fs");
        CHECK_STR(l.r[2].name, "chunks");
        CHECK_STR(l.r[3].name, "sched");
        uint64_t at = MIB;
        for (uint32_t i = 0; i < l.n; i++) {
            CHECK_EQ(l.r[i].start, at);
            CHECK_EQ(l.r[i].start % MIB, 0);
            CHECK(l.r[i].sectors >= MIB);
            at += l.r[i].sectors;
        }
        CHECK(at <= sizes[k]);
        CHECK(sizes[k] - at < MIB); /* nothing but the last partial MiB is lost */
    }
    struct disklabel l;
    CHECK_EQ(disklabel_default(256 * MIB, &l), 0);
    CHECK_EQ(l.r[0].sectors, 16 * MIB);
    CHECK_EQ(l.r[1].sectors, 32 * MIB);
    CHECK_EQ(l.r[3].sectors, 2 * MIB);
    CHECK_EQ(l.r[2].sectors, 256 * MIB - MIB - 16 * MIB - 32 * MIB - 2 * MIB);
    CHECK_EQ(disklabel_default(8 * MIB - 1, &l), -ENOSPC);
}

static void disklabel_round_trip(void)
{
    struct disklabel l, back;
    uint8_t sector[512];
    CHECK_EQ(disklabel_default(64 * MIB, &l), 0);
    disklabel_encode(&l, sector);
    CHECK(memcmp(sector, DISKLABEL_MAGIC, 8) == 0);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), 0);
    CHECK(memcmp(&l, &back, sizeof l) == 0);
    memset(sector, 0, sizeof sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -ENOENT);
}

/* Any one byte changed: refused (the CRC covers all 508 bytes and itself). */
static void disklabel_rejects_corruption(void)
{
    struct disklabel l, back;
    uint8_t good[512], bad[512];
    CHECK_EQ(disklabel_default(64 * MIB, &l), 0);
    disklabel_encode(&l, good);
    for (int i = 0; i < 512; i++) {
        memcpy(bad, good, 512);
        bad[i] ^= 0x10;
        CHECK_EQ(disklabel_decode(bad, 64 * MIB, &back), -EBADMSG);
    }
    /* A table made for a larger disk does not fit this one. */
    CHECK_EQ(disklabel_decode(good, 32 * MIB, &back), -EBADMSG);
}

/* Tables with a valid CRC but inconsistent contents are refused too. */
static void disklabel_rejects_bad_tables(void)
{
    struct disklabel base, l, back;
    uint8_t sector[512];
    CHECK_EQ(disklabel_default(64 * MIB, &base), 0);
    l = base; /* overlapping regions */
    l.r[1].start -= 1;
    disklabel_encode(&l, sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -EBADMSG);
    l = base; /* a name twice */
    memcpy(l.r[2].name, "fs\0\0", 4);
    disklabel_encode(&l, sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -EBADMSG);
    l = base; /* a region over the table */
    l.r[0].start = 0;
    disklabel_encode(&l, sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -EBADMSG);
    l = base; /* an empty name, a space in a name */
    memset(l.r[0].name, 0, sizeof l.r[0].name);
    disklabel_encode(&l, sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -EBADMSG);
    l = base;
    l.r[0].name[2] = ' ';
    disklabel_encode(&l, sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -EBADMSG);
    l = base; /* an empty region */
    l.r[2].sectors = 0;
    disklabel_encode(&l, sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -EBADMSG);
    l = base; /* no regions */
    l.n = 0;
    disklabel_encode(&l, sector);
    CHECK_EQ(disklabel_decode(sector, 64 * MIB, &back), -EBADMSG);
}

/* A blank disk gets the standard table (written and flushed once); a region
 * is a disk of its own: offset, and bounded at its end. */
static void disklabel_open_blank_disk(void)
{
    struct memdisk md;
    struct blockdev disk = memdisk(&md, 64 * MIB);
    struct disklabel_dev ctx;
    struct blockdev fs;
    CHECK_EQ(disklabel_open(&disk, "fs", &ctx, &fs), 0);
    CHECK_EQ(md.writes, 1);
    CHECK_EQ(md.flushes, 1);
    struct disklabel l;
    CHECK_EQ(disklabel_decode(md.bytes, md.sectors, &l), 0);
    CHECK_EQ(fs.nsectors, l.r[1].sectors);
    uint8_t in[1024], out[1024];
    memset(in, 0xa5, sizeof in);
    CHECK_EQ(fs.write(fs.ctx, 3, in, 2), 0);
    CHECK(memcmp(md.bytes + (l.r[1].start + 3) * 512, in, sizeof in) == 0);
    CHECK_EQ(fs.read(fs.ctx, 3, out, 2), 0);
    CHECK(memcmp(in, out, sizeof in) == 0);
    CHECK_EQ(fs.write(fs.ctx, fs.nsectors - 1, in, 2), -EINVAL); /* past its end */
    CHECK_EQ(fs.read(fs.ctx, fs.nsectors, out, 1), -EINVAL);
    CHECK_EQ(fs.write(fs.ctx, ~0ull, in, 2), -EINVAL);
    CHECK_EQ(fs.flush(fs.ctx), 0);
    /* The second open finds the table and writes nothing. */
    struct disklabel_dev ctx2;
    struct blockdev naming;
    int writes = md.writes;
    CHECK_EQ(disklabel_open(&disk, "naming", &ctx2, &naming), 0);
    CHECK_EQ(md.writes, writes);
    CHECK_EQ(naming.nsectors, l.r[0].sectors);
    CHECK_EQ(disklabel_open(&disk, "nope", &ctx2, &naming), -ENOENT);
    CHECK_EQ(disklabel_open(&disk, "fsx", &ctx2, &naming), -ENOENT);
    CHECK_EQ(disklabel_open(&disk, "f", &ctx2, &naming), -ENOENT);
    free(md.bytes);
}

/* A disk whose first sector is something else (an older whole-disk log
 * store) is refused and left as it was. */
static void disklabel_open_foreign_disk(void)
{
    struct memdisk md;
    struct blockdev disk = memdisk(&md, 64 * MIB);
    memcpy(md.bytes, "LOGSTOR1", 8);
    struct disklabel_dev ctx;
    struct blockdev r;
    CHECK_EQ(disklabel_open(&disk, "naming", &ctx, &r), -EBADMSG);
    CHECK_EQ(md.writes, 0);
    CHECK(memcmp(md.bytes, "LOGSTOR1", 8) == 0);
    free(md.bytes);
    struct blockdev small = memdisk(&md, 4 * MIB); /* too small for the table */
    CHECK_EQ(disklabel_open(&small, "naming", &ctx, &r), -ENOSPC);
    CHECK_EQ(md.writes, 0);
    free(md.bytes);
}

const struct unit_test unit_disklabel_tests[] = {
    {"disklabel_default_layout", disklabel_default_layout},
    {"disklabel_round_trip", disklabel_round_trip},
    {"disklabel_rejects_corruption", disklabel_rejects_corruption},
    {"disklabel_rejects_bad_tables", disklabel_rejects_bad_tables},
    {"disklabel_open_blank_disk", disklabel_open_blank_disk},
    {"disklabel_open_foreign_disk", disklabel_open_foreign_disk},
    {NULL, NULL},
};
