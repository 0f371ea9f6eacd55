/* lib/disklabel.h: a node's one disk, shared by several services through a
 * table of named regions in its first sector (docs/storage.md, "Regions").
 *
 * Each replicated service keeps its own log store (lib/logstore.h) in its own
 * region, and the file service its chunks in another; a service sees only its
 * region, as a struct blockdev whose sector 0 is the region's first sector.
 * Why regions and not one storage owner: docs/decisions.md.
 *
 * The table is written once, on a blank disk, by the first service that finds
 * it blank. Its layout is a fixed rule over the disk's size
 * (disklabel_default), so two services that both find the disk blank write
 * the same bytes, and it does not matter which write lands last.
 *
 * Freestanding: the same code runs in the services and in host tests. */
#ifndef LIB_DISKLABEL_H
#define LIB_DISKLABEL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/logstore.h" /* struct blockdev */

#define DISKLABEL_MAGIC "DISKLBL1"
#define DISKLABEL_VERSION 1u
#define DISKLABEL_MAX 8       /* regions in a table */
#define DISKLABEL_NAME_MAX 15 /* bytes in a region's name (NUL-padded to 16) */
#define DISKLABEL_ALIGN 2048u /* regions start on 1 MiB boundaries */

struct disklabel_region {
    char name[DISKLABEL_NAME_MAX + 1];
    uint64_t start, sectors; /* in 512-byte sectors, from the disk's start */
};

struct disklabel {
    uint32_t n;
    struct disklabel_region r[DISKLABEL_MAX];
};

/* The standard table for a disk of nsectors: "naming" (Raft log of the naming
 * service) min(16 MiB, 1/4), "fs" (the file service's metadata log)
 * min(32 MiB, 1/4), "chunks" (file data) the rest, each 1 MiB aligned after
 * the table's first MiB. -ENOSPC if the disk is under 8 MiB. */
int disklabel_default(uint64_t nsectors, struct disklabel *l);

/* The table as its sector: magic[8] | version u32 | n u32 | n x (name[16] |
 * start u64 | sectors u64) | zeros | crc32c u32 at 508 (of bytes 0..507). */
void disklabel_encode(const struct disklabel *l, uint8_t sector[512]);
/* Decode and check a table for a disk of nsectors: 0; -ENOENT if the sector
 * is all zeros (a blank disk); -EBADMSG if it is anything else that is not a
 * valid table (bad magic, version, CRC, names, regions outside the disk, in
 * the first MiB or overlapping). */
int disklabel_decode(const uint8_t sector[512], uint64_t nsectors, struct disklabel *l);

/* A region seen as a disk of its own: reads and writes are offset by its
 * start and refused (-EINVAL) past its end. */
struct disklabel_dev {
    const struct blockdev *disk;
    uint64_t start, sectors;
};

/* Find region `name` on disk, writing (and flushing) the standard table first
 * if the disk is blank, and fill *out as that region's block device over *ctx
 * (keep both alive while *out is used). 0; -ENOENT (no such region); -EBADMSG
 * (sector 0 holds something else: never written over); -ENOSPC; -EIO. */
int disklabel_open(const struct blockdev *disk, const char *name, struct disklabel_dev *ctx,
                   struct blockdev *out);

#endif
