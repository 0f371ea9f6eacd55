/* lib/logstore.h: a crash-safe store of several independent append-only logs,
 * each with a hard-state record (Raft term + vote) and a snapshot, in one disk
 * image. The on-disk format and the recovery algorithm are in docs/storage.md.
 *
 * The store reaches the disk only through struct blockdev, so the same code runs
 * in a system service over the block-device system calls and in host tests over
 * a simulated disk. It allocates nothing: the caller hands logstore_open() all
 * the memory it may use.
 *
 * Durability contract: an append, a hard-state change or a suffix truncation is
 * durable once a later logstore_commit() (or a call documented as committing)
 * returns 0. After a crash at any instant, logstore_open() brings back every
 * committed record in order, plus possibly a prefix of the records appended
 * after the last commit; it never returns a record that was not appended, nor an
 * older version of a record index that was overwritten after a suffix
 * truncation. A record found corrupt in the committed part of a log (bit rot,
 * not a torn write) makes open fail with -EBADMSG, naming the log and index.
 *
 * Not thread-safe: one caller at a time (a service serializes its clients, which
 * is what makes group commit work: many appends, one commit).
 *
 * Freestanding: only our headers and <stdint.h>/<stddef.h>/<stdbool.h>. */
#ifndef LIB_LOGSTORE_H
#define LIB_LOGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The only door to the disk. Sector numbers and counts are in sector_size units.
 * read/write return 0 or -EIO; flush returns 0 once everything written before it
 * is durable. Writes issued before a flush may reach the medium in any order and
 * torn at any byte if power is lost before the flush returns. */
struct blockdev {
    void *ctx;
    uint32_t sector_size; /* must be LOGSTORE_SECTOR (512) */
    uint64_t nsectors;
    int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t count);
    int (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t count);
    int (*flush)(void *ctx);
};

#define LOGSTORE_SECTOR 512u
#define LOGSTORE_VERSION 1u
#define LOGSTORE_MAX_LOGS 8u
#define LOGSTORE_HARDSTATE_MAX 128u /* bytes of hard state per log */
#define LOGSTORE_BATCH_HDR 64u      /* bytes of a batch header */
#define LOGSTORE_REC_HDR 32u        /* bytes of a record header */
#define LOGSTORE_DEFAULT_BATCH 128u /* sectors: largest batch (64 KiB) */
#define LOGSTORE_MAX_BATCH 2048u    /* sectors: upper bound on max_batch (1 MiB) */
#define LOGSTORE_MSG_MAX 128u
#define LOGSTORE_NO_LOG 0xffffffffu /* error_log when the error is not in a log */

/* Geometry of one log, for logstore_format(). Zero fields take defaults. */
struct logstore_log_geom {
    uint64_t ring_sectors; /* the circular record region */
    uint64_t snap_sectors; /* per snapshot slot, header sector included */
};

/* Options for logstore_format(); pass NULL for all defaults. */
struct logstore_format_opts {
    uint64_t format_id; /* distinguishes this image from earlier formats of
                                  the same disk: pass a random value (0 = derive
                                  one from the old superblock, if any) */
    uint32_t max_batch; /* sectors per batch, 1..LOGSTORE_MAX_BATCH (0 = default) */
    struct logstore_log_geom log[LOGSTORE_MAX_LOGS]; /* all zero = split evenly */
};

/* Per-batch bookkeeping kept in work memory (docs/storage.md, "Memory"). */
struct logstore_batch {
    uint64_t lsn;   /* logical sector of the batch in its ring */
    uint64_t first; /* index of its first record */
    uint32_t count; /* live records (a suffix truncation lowers it) */
    uint32_t nsectors;
    uint32_t epoch;
    uint32_t pad;
};

struct logstore_log {
    /* layout, from the superblock */
    uint64_t meta_start, snap_start, snap_sectors, ring_start, ring_sectors;
    /* ring */
    uint64_t tail_lsn;    /* oldest live batch, durable anchor */
    uint64_t head_lsn;    /* next batch goes here */
    uint64_t durable_lsn; /* head at the last successful flush */
    uint64_t first, next; /* live indexes are [first, next) */
    /* meta record: newest durable seq, and the (maybe pending) content */
    uint64_t meta_seq;
    uint64_t m_tail_lsn, m_first;
    uint32_t m_tail_epoch;
    uint32_t epoch; /* this open's epoch, > every epoch on disk */
    uint32_t hs_len;
    bool meta_dirty;
    uint8_t hs[LOGSTORE_HARDSTATE_MAX];
    /* snapshot */
    uint64_t snap_seq; /* 0: none */
    uint32_t snap_slot, snap_len, snap_crc;
    uint64_t snap_index;
    /* batch table: a circular array of cap entries */
    struct logstore_batch *bt;
    uint32_t bt_cap, bt_head, bt_count;
    /* appends buffered since the last write-out, and the sectors/batches they
     * will take (the packing is replayed exactly when they are written) */
    uint32_t pend_count;
    uint32_t pend_cur;     /* bytes in the batch being packed, 0 = none open */
    uint64_t pend_sectors; /* sectors of the batches already closed */
    uint32_t pend_batches;
};

struct logstore_stats {
    uint64_t appends, commits, flushes, batches, sectors_written, sectors_read;
};

struct logstore {
    const struct blockdev *dev;
    uint64_t format_id;
    uint32_t node_id, nlogs, max_batch;
    bool broken;        /* a write or flush failed: reopen to recover */
    bool unflushed;     /* something was written since the last flush */
    uint8_t *stage;     /* max_batch sectors: batch building and reading */
    uint32_t stage_log; /* the batch cached in stage, or LOGSTORE_NO_LOG */
    uint64_t stage_lsn;
    uint8_t *pend; /* buffered appends */
    uint32_t pend_cap, pend_used;
    struct logstore_log log[LOGSTORE_MAX_LOGS];
    struct logstore_stats stats;
    /* why the last logstore_open() failed */
    uint32_t error_log;    /* LOGSTORE_NO_LOG for the superblock */
    uint64_t error_index;  /* record index, or 0 */
    uint64_t error_sector; /* absolute sector, or 0 */
    char error_msg[LOGSTORE_MSG_MAX];
};

/* Writes a new, empty image on dev: superblock (node_id, nlogs, layout), meta
 * slots and snapshot slot headers; every log starts empty with first index 1.
 * Destroys whatever was on the disk. Returns 0, -EINVAL (bad arguments or the
 * disk is too small for the layout) or -EIO. */
int logstore_format(const struct blockdev *dev, uint32_t node_id, uint32_t nlogs,
                    const struct logstore_format_opts *opts);

/* Smallest work memory logstore_open() accepts for an image with this max_batch:
 * the staging buffer plus a minimal append buffer and batch tables. More memory
 * means larger group commits and more batches per log (see docs/storage.md). */
size_t logstore_work_min(uint32_t max_batch, uint32_t nlogs);

/* Recovers the store on dev into *ls, using work_mem[0..work_len) (8-aligned) for
 * all its buffers; keep both alive until the store is no longer used. Validates
 * the superblock, then for each log picks the newest valid meta and snapshot
 * slots and scans the ring to the last whole batch; a torn tail is cut off. Then
 * starts a new epoch (one write per log and a flush).
 * Returns 0; -EBADMSG when the superblock or a committed record is corrupt, with
 * ls->error_* naming it and ls->error_msg saying it in words; -ENOTSUP for an
 * unknown format version; -ENOMEM if work_mem is too small; -EINVAL; -EIO. */
int logstore_open(struct logstore *ls, const struct blockdev *dev, void *work_mem, size_t work_len);

/* Buffers a record of len bytes (1..logstore_max_record()) at the end of log;
 * *index_out (may be NULL) receives its index. Not durable until the next
 * commit. When the append buffer is full the buffered records are written (not
 * flushed) first. Returns 0, -EINVAL, -EMSGSIZE, -ENOSPC (ring or batch table
 * full: truncate the prefix), -EIO. */
int logstore_append(struct logstore *ls, uint32_t log, const void *rec, uint32_t len,
                    uint64_t *index_out);

/* Group commit: writes every buffered append of every log and every changed
 * hard state, then flushes once. When it returns 0 all of them are durable.
 * Returns 0 or -EIO (the store is then broken: reopen it). */
int logstore_commit(struct logstore *ls);

/* Copies record index of log into buf (up to cap bytes); *len gets its full
 * length. Works for buffered records too. Returns 0, -ENOENT (outside
 * [first, last]), -EMSGSIZE (cap too small; *len is set), -EBADMSG (the record
 * no longer checks out on disk), -EIO, -EINVAL. */
int logstore_read(struct logstore *ls, uint32_t log, uint64_t index, void *buf, uint32_t cap,
                  uint32_t *len);

/* Index range of a log: records first..last are live; empty when last < first. */
uint64_t logstore_first(const struct logstore *ls, uint32_t log);
uint64_t logstore_last(const struct logstore *ls, uint32_t log);

/* Largest record logstore_append() accepts. */
uint32_t logstore_max_record(const struct logstore *ls);

/* Raft conflict (Raft §5.3): drops records >= from_index. Commits first, then
 * appends a truncation marker and commits again, so it is durable on return.
 * from_index must be >= first; past the end it does nothing. Returns 0,
 * -EINVAL, -ENOSPC, -EIO. */
int logstore_truncate_suffix(struct logstore *ls, uint32_t log, uint64_t from_index);

/* After a snapshot (Raft §7): records < upto_index may go. Commits, moves the
 * log's durable start, commits again; the ring space before the batch holding
 * upto_index is then free. upto_index past the end empties the log and the next
 * append gets index upto_index. Returns 0, -EINVAL, -EIO. */
int logstore_truncate_prefix(struct logstore *ls, uint32_t log, uint64_t upto_index);

/* Sets the log's hard state (len <= LOGSTORE_HARDSTATE_MAX bytes); durable at
 * the next commit, written so that a torn write leaves the previous value.
 * Returns 0 or -EINVAL. */
int logstore_set_hardstate(struct logstore *ls, uint32_t log, const void *state, uint32_t len);

/* Copies the newest hard state (set or recovered) into buf; *len gets its
 * length (0 if never set). Returns 0, -EINVAL, -EMSGSIZE (cap too small). */
int logstore_get_hardstate(const struct logstore *ls, uint32_t log, void *buf, uint32_t cap,
                           uint32_t *len);

/* Writes a snapshot covering the log up to last_index into the slot not holding
 * the current one, then flushes: on return 0 it is the log's snapshot, and a
 * crash before that leaves the previous one. Does not commit buffered appends.
 * Returns 0, -EINVAL, -EMSGSIZE (bigger than logstore_snapshot_max()), -EIO. */
int logstore_write_snapshot(struct logstore *ls, uint32_t log, const void *data, uint32_t len,
                            uint64_t last_index);

/* Reads the log's snapshot: copies up to cap bytes, *len gets its length and
 * *last_index (may be NULL) its index. Returns 0, -ENOENT (none), -EMSGSIZE,
 * -EBADMSG (no longer checks out), -EIO, -EINVAL. */
int logstore_read_snapshot(struct logstore *ls, uint32_t log, void *buf, uint32_t cap,
                           uint32_t *len, uint64_t *last_index);

/* Largest snapshot of a log. */
uint32_t logstore_snapshot_max(const struct logstore *ls, uint32_t log);

#endif
