/* lib/logstore_util.h: internals shared by lib/logstore.c (recovery, format)
 * and lib/logstore_io.c (append, commit, read, truncation, snapshots): the
 * on-disk encodings of docs/storage.md and the device helpers. Not for users of
 * the store. */
#ifndef LIB_LOGSTORE_UTIL_H
#define LIB_LOGSTORE_UTIL_H

#include "lib/logstore.h"

#define LS_SB_MAGIC "LOGSTOR1"
#define LS_BATCH_MAGIC 0x3142534cu /* "LSB1" */
#define LS_META_MAGIC 0x314d534cu  /* "LSM1" */
#define LS_SNAP_MAGIC 0x3153534cu  /* "LSS1" */
#define LS_BATCH_DATA 1u
#define LS_BATCH_TRUNC 2u
#define LS_SB_LOGTAB 48u /* offset of the superblock's log table */
#define LS_SB_LOGENT 40u /* bytes per log table entry */
#define LS_SB_CRC 508u
#define LS_META_CRC 176u
#define LS_SNAP_CRC 32u
#define LS_PEND_HDR 16u          /* buffered append: log, len, index */
#define LS_MAX_RING (1ull << 40) /* keeps lsn arithmetic far from overflow */

static inline uint16_t ls_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static inline uint32_t ls_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ls_get64(const uint8_t *p)
{
    return (uint64_t)ls_get32(p) | (uint64_t)ls_get32(p + 4) << 32;
}

static inline void ls_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void ls_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void ls_put64(uint8_t *p, uint64_t v)
{
    ls_put32(p, (uint32_t)v);
    ls_put32(p + 4, (uint32_t)(v >> 32));
}

static inline void ls_zero(void *dst, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = 0;
}

static inline void ls_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
}

static inline uint64_t ls_div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Decoded batch header (docs/storage.md, "Batch"). */
struct ls_bhdr {
    uint32_t type, log, epoch, count, nsectors, bytes;
    uint64_t lsn, durable_lsn, first;
};

/* CRC32C of buf seeded with the image's format id, so nothing from an earlier
 * format of the same disk ever checks out. */
uint32_t ls_crc(const struct logstore *ls, const void *buf, size_t len);
uint32_t ls_crc_seed(const struct logstore *ls);

int ls_dev_read(struct logstore *ls, uint64_t sector, void *buf, uint32_t count);
int ls_dev_write(struct logstore *ls, uint64_t sector, const void *buf, uint32_t count);
int ls_ring_read(struct logstore *ls, uint32_t log, uint64_t lsn, void *buf, uint32_t count);
int ls_ring_write(struct logstore *ls, uint32_t log, uint64_t lsn, const void *buf, uint32_t count);

/* Encodes/decodes a batch header at p. decode checks magic, type, CRC and the
 * internal consistency of the sizes, not its place in a chain; returns 0 or -1. */
void ls_bhdr_encode(const struct logstore *ls, uint8_t *p, const struct ls_bhdr *h);
int ls_bhdr_decode(const struct logstore *ls, const uint8_t *p, struct ls_bhdr *h);

/* Checks the records of the batch in buf (nsectors sectors, header decoded in
 * h). Returns -1 if all are whole, else the number of the first bad record
 * (h->count if the record area does not add up) and its byte offset in *off. */
int64_t ls_batch_check(const struct logstore *ls, const uint8_t *buf, const struct ls_bhdr *h,
                       uint32_t *off);

/* Writes the log's meta record (docs/storage.md, "Meta slots") with sequence
 * number seq to slot seq & 1. */
int ls_meta_write(struct logstore *ls, uint32_t log, uint64_t seq);

/* Batch table of a log: i-th oldest entry, append at the newest end. */
struct logstore_batch *ls_bt_at(struct logstore_log *lg, uint32_t i);
int ls_bt_push(struct logstore_log *lg, const struct logstore_batch *b);
/* Applies a suffix truncation at from: drops batches and records >= from. */
void ls_bt_truncate(struct logstore_log *lg, uint64_t from);

#endif
