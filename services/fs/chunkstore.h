/* services/fs/chunkstore.h: a chunk server's replicas of file data on its
 * node's disk (the "chunks" region, lib/disklabel.h), stored so that a crash
 * at any instant loses nothing acknowledged. The format and the recovery
 * rules are in docs/chunkstore.md.
 *
 * A chunk is (ino, index): the index-th 64 KiB of file ino. It holds up to
 * CHUNK_SIZE bytes as CHUNK_BLOCKS blocks of CHUNK_BLOCK bytes, each with a
 * CRC32C seeded with the store's random format id. With it the store keeps a
 * version (the writer's: every change must name a higher one), a fencing
 * token (the highest lease token seen: a change or fence carrying a lower
 * one is refused) and a length (bytes past it read as zeros).
 *
 * Crash safety is copy-on-write, never an overwrite of the only copy: every
 * change writes the whole new version into a slot that holds no live chunk
 * (data, then its header sector), flushes, and only then counts the old slot
 * as free. After a crash chunkstore_open() finds, for every chunk, the
 * newest version whose header and data check out: a change that returned 0
 * is there; one that did not return is there whole or not at all.
 *
 * Layout of the region (512-byte sectors, all integers little-endian):
 *
 *   | sectors                    | holds                                   |
 *   |----------------------------|-----------------------------------------|
 *   | 0                          | superblock                              |
 *   | 1                          | the same superblock (the copy)          |
 *   | 2..7                       | zeros                                   |
 *   | 8 .. 8+nslots-1            | header table: one sector per slot       |
 *   | data_start (8-aligned) ... | nslots data slots of 128 sectors each   |
 *
 *   superblock (CRC unseeded)       header of slot i (sector 8+i; CRC seeded)
 *   | off | size | field          | | off | size | field                    |
 *   | 0   | 8    | "CHUNKST1"     | | 0   | 4    | magic 0x31484b43 "CKH1"  |
 *   | 8   | 4    | version, 1     | | 4   | 4    | slot number i            |
 *   | 12  | 4    | sector size    | | 8   | 8    | ino                      |
 *   | 16  | 8    | region sectors | | 16  | 4    | index                    |
 *   | 24  | 8    | format id      | | 20  | 4    | length, 0..65536         |
 *   | 32  | 4    | node id        | | 24  | 8    | version                  |
 *   | 36  | 4    | nslots         | | 32  | 8    | fencing token            |
 *   | 40  | 4    | chunk size     | | 40  | 8    | seq (store-wide, grows)  |
 *   | 44  | 4    | block size     | | 48  | 64   | 16 block CRCs (0 past    |
 *   | 48  | 8    | header start   | |     |      | the length)              |
 *   | 56  | 8    | data start     | | 112 | 4    | known_bad: blocks copied |
 *   | 508 | 4    | CRC32C 0..507  | |     |      | over already failing     |
 *                                   | 116 | 392  | zeros                    |
 *                                   | 508 | 4    | CRC32C 0..507            |
 *
 * Not thread-safe: one caller at a time. Freestanding: only lib/ headers and
 * <stdint.h>/<stddef.h>/<stdbool.h> (and the memset/memcpy every freestanding
 * GCC build needs); it reaches the disk only through struct blockdev and
 * allocates nothing (the caller gives open its memory). */
#ifndef SERVICES_FS_CHUNKSTORE_H
#define SERVICES_FS_CHUNKSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/logstore.h" /* struct blockdev */

#define CHUNK_SIZE 65536u /* bytes of one chunk */
#define CHUNK_BLOCK 4096u /* bytes per checksummed block */
#define CHUNK_BLOCKS 16u  /* blocks per chunk */
#define CHUNKSTORE_SECTOR 512u
#define CHUNKSTORE_VERSION 1u
#define CHUNKSTORE_SLOT_SECTORS 128u    /* a data slot: one whole chunk */
#define CHUNKSTORE_HDR_START 8u         /* first sector of the header table */
#define CHUNKSTORE_MAX_SLOTS (1u << 20) /* a 64 GiB region */
#define CHUNKSTORE_MSG_MAX 128u

struct chunk_id {
    uint64_t ino;   /* the file */
    uint32_t index; /* which 64 KiB of it */
};

/* One stored chunk, as chunkstore_next() lists it (anti-entropy, fsck). */
struct chunkstore_entry {
    struct chunk_id id;
    uint64_t version, token;
    uint32_t length;
    /* CRC32C of the 16 block CRCs *unseeded* (as CRC32C of the block alone
     * would give: the same on every replica, whatever its format id; 0 for
     * blocks past the length), each u32 LE, then version u64 LE, then length
     * u32 LE. Equal digests: equal data (as far as CRC32C can tell), version
     * and length. A Merkle-tree leaf. */
    uint32_t digest;
};

struct chunkstore_stats {
    uint32_t nslots;     /* data slots in the region */
    uint32_t used;       /* chunks stored (live slots) */
    uint32_t free;       /* slots without a live chunk; one is kept in reserve */
    uint64_t bytes_used; /* sum of the chunks' lengths */
    uint64_t bytes_free; /* room for new chunks: (free - 1) x CHUNK_SIZE */
    /* device traffic since open */
    uint64_t reads, writes, flushes, sectors_read, sectors_written;
    /* what open found */
    uint32_t open_headers; /* valid headers in the table */
    uint32_t open_stale;   /* of them, older copies of a chunk (free for reuse) */
    uint32_t open_dropped; /* the newest header, dropped: its data did not check
                                out (a torn write, or damage to the newest write) */
    bool open_sb_repaired; /* one superblock copy was rewritten from the other */
};

struct chunkstore_slot; /* per-slot state, in work memory (chunkstore.c) */

struct chunkstore {
    const struct blockdev *dev;
    uint64_t format_id;
    uint32_t node_id;
    uint32_t nslots;
    uint64_t hdr_start, data_start; /* sectors */
    bool broken;                    /* a write or flush failed: -EIO until reopened */
    uint32_t crc_seed;              /* CRC32C of the format id (LE) */
    uint32_t digest_xor;            /* seeded ^ unseeded CRC of any CHUNK_BLOCK bytes */
    uint64_t next_seq;
    uint32_t cursor; /* where the next free-slot search starts */
    uint32_t nlive;
    struct chunkstore_slot *slot; /* [nslots] */
    uint32_t *live;               /* [nlive] live slot numbers, sorted by chunk id */
    uint8_t *buf;                 /* CHUNK_SIZE: staging for reads and writes */
    uint8_t sec[CHUNKSTORE_SECTOR];
    struct chunkstore_stats stats;
    /* why the last chunkstore_open() failed */
    uint64_t error_sector;
    char error_msg[CHUNKSTORE_MSG_MAX];
};

/* Data slots a region of nsectors gets at format (0: too small for 2; at
 * most CHUNKSTORE_MAX_SLOTS, the rest of a bigger region unused). */
uint32_t chunkstore_slots_for(uint64_t nsectors);

/* Work memory chunkstore_open() needs for nslots slots (112 bytes a slot,
 * 4 for the index, and one CHUNK_SIZE buffer). For a region of n sectors,
 * chunkstore_work_size(chunkstore_slots_for(n)) is always enough. */
size_t chunkstore_work_size(uint32_t nslots);

/* Writes a new, empty store on dev: the superblock copy (sector 1), a flush,
 * the superblock (sector 0), a flush. Nothing else: headers and data left by
 * an earlier format never check out, since every CRC but the superblock's is
 * seeded with format_id. Pass a random format_id; if it equals the id of a
 * superblock already on dev, another value is derived from it (read it from
 * the opened store). A crash during format leaves a blank first sector (open:
 * -ENOENT), the old store, or the new one.
 * Returns 0, -EINVAL (no dev, sector size not 512, format_id 0), -ENOSPC (the
 * region holds fewer than 2 slots), -EIO. */
int chunkstore_format(const struct blockdev *dev, uint32_t node_id, uint64_t format_id);

/* Opens the store on dev into *cs with work[0..work_len) (8-aligned) as all
 * its memory; keep dev and work alive while cs is used. Reads both superblock
 * copies and the whole header table (in 64 KiB reads), and the data of one
 * chunk: the one whose header was written last (it may be the write a crash
 * interrupted). If that data does not check out, its header is zeroed (one
 * write and a flush) and the chunk's previous version, if any, is used. A
 * superblock copy that is damaged or differs is rewritten from the other.
 * Returns 0; -ENOENT if sector 0 is all zeros (format it); -EBADMSG if
 * neither superblock copy is valid (error_msg says why, error_sector where);
 * -ENOTSUP (unknown format version); -ENOMEM (work_len below
 * chunkstore_work_size(nslots)); -EINVAL; -EIO. After a failure the store is
 * broken (every call returns -EIO) until an open succeeds. */
int chunkstore_open(struct chunkstore *cs, const struct blockdev *dev, void *work, size_t work_len);

/* Copies bytes off..off+len of chunk id into buf (off + len <= CHUNK_SIZE);
 * bytes past the chunk's length are zeros. Reads only the blocks the range
 * touches inside the length, and checks their CRCs. Returns 0; -ENOENT (no
 * such chunk: buf is zeroed); -EBADMSG (a block in the range is corrupt: buf
 * is zeroed, never wrong bytes; see chunkstore_verify); -EINVAL; -EIO. */
int chunkstore_read(struct chunkstore *cs, struct chunk_id id, uint32_t off, uint32_t len,
                    void *buf);

/* Writes data[0..len) at off (off + len <= CHUNK_SIZE) as version
 * new_version, creating the chunk if it does not exist. The length becomes
 * max(length, off + len) (len 0: unchanged); a gap before off reads as
 * zeros. Blocks the write covers only in part are read and must check out.
 * Durable on return 0 (one data write, one header sector, one flush).
 * Returns 0; -ESTALE (new_version <= the stored version, or token below the
 * stored token; nothing changes); -EBADMSG (a block the write keeps part of is
 * corrupt: put a good copy first); -ENOSPC (no free slot; nothing changes);
 * -EINVAL; -EIO (the store is broken: reopen it). The stored token becomes
 * max(token, stored). */
int chunkstore_write(struct chunkstore *cs, struct chunk_id id, uint32_t off, const void *data,
                     uint32_t len, uint64_t new_version, uint64_t token);

/* Stores a whole chunk (length bytes of data, length <= CHUNK_SIZE) as
 * version: the repair and re-replication path. Replaces a stored chunk of a
 * lower or the same version, corrupt or not; nothing of the old is read.
 * Returns 0, -ESTALE (version below the stored one, or token below the stored
 * token), -ENOSPC, -EINVAL, -EIO. */
int chunkstore_put(struct chunkstore *cs, struct chunk_id id, const void *data, uint32_t length,
                   uint64_t version, uint64_t token);

/* Sets the length to new_length (<= CHUNK_SIZE) as version new_version:
 * bytes past it read as zeros, now and if the chunk grows again. Creates an
 * all-zero chunk if there is none. Returns as chunkstore_write. */
int chunkstore_truncate(struct chunkstore *cs, struct chunk_id id, uint32_t new_length,
                        uint64_t new_version, uint64_t token);

/* Frees the chunk (its file was deleted, or the replica moved): every header
 * naming it is zeroed (older copies first, then a flush, then the current one
 * and a flush, so no older version can come back). Its token is forgotten.
 * Returns 0, -ENOENT, -EIO. */
int chunkstore_remove(struct chunkstore *cs, struct chunk_id id);

/* Raises the chunk's stored token to token without changing its data or
 * version (a new lease holder fences the old one), durably: a copy-on-write of
 * the chunk with the new token. A token equal to the stored one does nothing.
 * On a missing chunk it stores an empty chunk of version 0 that holds the
 * token, so a deposed writer cannot create the chunk either. Corrupt blocks
 * are copied as they are (still detected). Returns 0, -ESTALE (token below
 * the stored one), -ENOSPC, -EIO. */
int chunkstore_fence(struct chunkstore *cs, struct chunk_id id, uint64_t token);

/* The chunk's version, token and length (any pointer may be NULL).
 * Returns 0 or -ENOENT. */
int chunkstore_info(const struct chunkstore *cs, struct chunk_id id, uint64_t *version,
                    uint64_t *token, uint32_t *length);

/* Reads every block of the chunk inside its length and checks its CRC.
 * *bad_blocks (may be NULL) gets bit b set for each block b that fails.
 * Returns 0, -EBADMSG (some block failed), -ENOENT, -EIO. */
int chunkstore_verify(struct chunkstore *cs, struct chunk_id id, uint32_t *bad_blocks);

/* The first stored chunk with an id greater than *after (NULL: the first of
 * all), in (ino, index) order. Changes between calls are fine: iterate with
 * `after = &e.id`. Returns 0 or -ENOENT (no more). */
int chunkstore_next(const struct chunkstore *cs, const struct chunk_id *after,
                    struct chunkstore_entry *e);

/* The entry of one chunk, as chunkstore_next lists it (with its digest: a
 * primary's sync compares replicas by it). Returns 0, -ENOENT or -EIO. */
int chunkstore_entry(const struct chunkstore *cs, struct chunk_id id, struct chunkstore_entry *e);

/* Slots, bytes and device traffic. */
void chunkstore_stats(const struct chunkstore *cs, struct chunkstore_stats *st);

#endif
