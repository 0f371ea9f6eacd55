/* lib/logstore_io.c: the log store after open: buffered appends, group commit,
 * reads, truncations, hard state and snapshots (docs/storage.md). Every write
 * goes to a place that holds no committed data (free ring space, the older meta
 * slot, the inactive snapshot slot), so a crash can tear it without harm. */
#include "lib/crc32c.h"
#include "lib/errno.h"
#include "lib/logstore.h"
#include "lib/logstore_util.h"

static bool bad_log(const struct logstore *ls, uint32_t log)
{
    return !ls || !ls->stage || log >= ls->nlogs;
}

uint32_t logstore_max_record(const struct logstore *ls)
{
    return ls->max_batch * LOGSTORE_SECTOR - LOGSTORE_BATCH_HDR - LOGSTORE_REC_HDR;
}

uint64_t logstore_first(const struct logstore *ls, uint32_t log)
{
    return bad_log(ls, log) ? 0 : ls->log[log].first;
}

uint64_t logstore_last(const struct logstore *ls, uint32_t log)
{
    return bad_log(ls, log) ? 0 : ls->log[log].next - 1;
}

static uint32_t pend_size(uint32_t len) { return LS_PEND_HDR + ((len + 7) & ~7u); }

/* Greedy packing of records into batches, shared by the space reservation in
 * append and the real packing in writeout so that both agree exactly: a record
 * starts a new batch when it would overflow the current one. */
static void pack_step(uint32_t *cur, uint64_t *closed, uint32_t *batches, uint32_t rec,
                      uint32_t max_bytes)
{
    if (*cur && *cur + rec > max_bytes) {
        *closed += ls_div_up(*cur, LOGSTORE_SECTOR);
        *cur = 0;
    }
    if (*cur == 0) {
        *cur = LOGSTORE_BATCH_HDR;
        (*batches)++;
    }
    *cur += rec;
}

/* Writes the batch being built in stage (records in [BATCH_HDR, used)). */
static int write_batch(struct logstore *ls, uint32_t log, uint32_t type, uint64_t first,
                       uint32_t count, uint32_t used)
{
    struct logstore_log *lg = &ls->log[log];
    uint32_t nsec = (uint32_t)ls_div_up(used, LOGSTORE_SECTOR);
    ls_zero(ls->stage + used, nsec * LOGSTORE_SECTOR - used);
    struct ls_bhdr h = {
        type, log, lg->epoch, count, nsec, used - LOGSTORE_BATCH_HDR, lg->head_lsn, lg->durable_lsn,
        first};
    ls_bhdr_encode(ls, ls->stage, &h);
    ls->stage_log = LOGSTORE_NO_LOG;
    ls->unflushed = true;
    int rv = ls_ring_write(ls, log, lg->head_lsn, ls->stage, nsec);
    if (rv)
        return rv;
    if (type == LS_BATCH_DATA) {
        struct logstore_batch b = {lg->head_lsn, first, count, nsec, lg->epoch, 0};
        if (ls_bt_push(lg, &b)) { /* append reserved room: cannot happen */
            ls->broken = true;
            return -EIO;
        }
    }
    lg->head_lsn += nsec;
    ls->stats.batches++;
    return 0;
}

/* Packs and writes the buffered appends of every log, without flushing. */
static int writeout(struct logstore *ls)
{
    uint32_t max_bytes = ls->max_batch * LOGSTORE_SECTOR;
    for (uint32_t log = 0; log < ls->nlogs; log++) {
        struct logstore_log *lg = &ls->log[log];
        if (lg->pend_count == 0)
            continue;
        uint32_t used = 0, count = 0;
        uint64_t first = 0;
        for (uint32_t at = 0; at < ls->pend_used;) {
            const uint8_t *e = ls->pend + at;
            uint32_t elog = ls_get32(e), len = ls_get32(e + 4);
            at += pend_size(len);
            if (elog != log)
                continue;
            uint32_t rec = LOGSTORE_REC_HDR + len;
            if (used && used + rec > max_bytes) {
                int rv = write_batch(ls, log, LS_BATCH_DATA, first, count, used);
                if (rv)
                    return rv;
                used = 0;
            }
            if (used == 0) {
                used = LOGSTORE_BATCH_HDR;
                count = 0;
                first = ls_get64(e + 8);
            }
            uint8_t *r = ls->stage + used;
            ls_put32(r + 0, len);
            ls_put32(r + 4, log);
            ls_put64(r + 8, ls_get64(e + 8));
            ls_put64(r + 16, lg->head_lsn);
            ls_put32(r + 24, lg->epoch);
            ls_copy(r + LOGSTORE_REC_HDR, e + LS_PEND_HDR, len);
            ls_put32(r + 28, crc32c_update(ls_crc(ls, r, 28), r + LOGSTORE_REC_HDR, len));
            used += rec;
            count++;
        }
        int rv = write_batch(ls, log, LS_BATCH_DATA, first, count, used);
        if (rv)
            return rv;
        lg->pend_count = 0;
        lg->pend_cur = 0;
        lg->pend_sectors = 0;
        lg->pend_batches = 0;
    }
    ls->pend_used = 0;
    return 0;
}

int logstore_append(struct logstore *ls, uint32_t log, const void *rec, uint32_t len,
                    uint64_t *index_out)
{
    if (bad_log(ls, log) || (len && !rec))
        return -EINVAL;
    if (ls->broken)
        return -EIO;
    if (len > logstore_max_record(ls))
        return -EMSGSIZE;
    struct logstore_log *lg = &ls->log[log];
    uint32_t need = pend_size(len);
    if (ls->pend_used + need > ls->pend_cap) {
        int rv = writeout(ls);
        if (rv)
            return rv;
    }
    /* Reserve ring space and batch-table room for the packing that writeout
     * will do, so that it can never run out half way. */
    uint32_t cur = lg->pend_cur, batches = lg->pend_batches;
    uint64_t closed = lg->pend_sectors;
    pack_step(&cur, &closed, &batches, LOGSTORE_REC_HDR + len, ls->max_batch * LOGSTORE_SECTOR);
    uint64_t sectors = closed + ls_div_up(cur, LOGSTORE_SECTOR);
    if (lg->head_lsn + sectors > lg->tail_lsn + lg->ring_sectors ||
        lg->bt_count + batches > lg->bt_cap)
        return -ENOSPC;
    lg->pend_cur = cur;
    lg->pend_batches = batches;
    lg->pend_sectors = closed;

    uint8_t *e = ls->pend + ls->pend_used;
    ls_put32(e, log);
    ls_put32(e + 4, len);
    ls_put64(e + 8, lg->next);
    ls_copy(e + LS_PEND_HDR, rec, len);
    ls->pend_used += need;
    lg->pend_count++;
    if (index_out)
        *index_out = lg->next;
    lg->next++;
    ls->stats.appends++;
    return 0;
}

int logstore_commit(struct logstore *ls)
{
    if (!ls || !ls->stage)
        return -EINVAL;
    if (ls->broken)
        return -EIO;
    ls->stats.commits++;
    int rv = writeout(ls);
    if (rv)
        return rv;
    /* Each changed meta record goes to the slot not holding the durable one. */
    for (uint32_t log = 0; log < ls->nlogs; log++) {
        struct logstore_log *lg = &ls->log[log];
        if (!lg->meta_dirty)
            continue;
        ls->unflushed = true;
        if ((rv = ls_meta_write(ls, log, lg->meta_seq + 1)))
            return rv;
    }
    if (!ls->unflushed)
        return 0;
    ls->stats.flushes++;
    if (ls->dev->flush(ls->dev->ctx)) {
        ls->broken = true;
        return -EIO;
    }
    ls->unflushed = false;
    for (uint32_t log = 0; log < ls->nlogs; log++) {
        struct logstore_log *lg = &ls->log[log];
        lg->durable_lsn = lg->head_lsn;
        if (lg->meta_dirty) {
            lg->meta_seq++;
            lg->meta_dirty = false;
            lg->tail_lsn = lg->m_tail_lsn; /* space before it is free now */
        }
    }
    return 0;
}

/* Finds index in the buffered appends. */
static const uint8_t *pend_find(const struct logstore *ls, uint32_t log, uint64_t index)
{
    for (uint32_t at = 0; at < ls->pend_used;) {
        const uint8_t *e = ls->pend + at;
        if (ls_get32(e) == log && ls_get64(e + 8) == index)
            return e;
        at += pend_size(ls_get32(e + 4));
    }
    return 0;
}

int logstore_read(struct logstore *ls, uint32_t log, uint64_t index, void *buf, uint32_t cap,
                  uint32_t *len)
{
    if (bad_log(ls, log) || !len || (cap && !buf))
        return -EINVAL;
    struct logstore_log *lg = &ls->log[log];
    if (index < lg->first || index >= lg->next)
        return -ENOENT;
    if (index >= lg->next - lg->pend_count) {
        const uint8_t *e = pend_find(ls, log, index);
        if (!e)
            return -EIO; /* broken invariant; never trust it */
        *len = ls_get32(e + 4);
        if (*len > cap)
            return -EMSGSIZE;
        ls_copy(buf, e + LS_PEND_HDR, *len);
        return 0;
    }
    /* Binary search for the last batch whose first <= index. */
    uint32_t lo = 0, hi = lg->bt_count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ls_bt_at(lg, mid)->first <= index)
            lo = mid;
        else
            hi = mid;
    }
    if (lg->bt_count == 0)
        return -EIO;
    const struct logstore_batch *b = ls_bt_at(lg, lo);
    if (index < b->first || index - b->first >= b->count)
        return -EIO;
    if (ls->stage_log != log || ls->stage_lsn != b->lsn) {
        ls->stage_log = LOGSTORE_NO_LOG;
        if (ls_ring_read(ls, log, b->lsn, ls->stage, b->nsectors))
            return -EIO;
        struct ls_bhdr h;
        uint32_t off;
        if (ls_bhdr_decode(ls, ls->stage, &h) || h.lsn != b->lsn || h.log != log ||
            h.first != b->first || ls_batch_check(ls, ls->stage, &h, &off) >= 0)
            return -EBADMSG;
        ls->stage_log = log;
        ls->stage_lsn = b->lsn;
    }
    /* The batch checked out as a whole when loaded; walk to the record. */
    const uint8_t *r = ls->stage + LOGSTORE_BATCH_HDR;
    for (uint64_t i = b->first; i < index; i++)
        r += LOGSTORE_REC_HDR + ls_get32(r);
    *len = ls_get32(r);
    if (*len > cap)
        return -EMSGSIZE;
    ls_copy(buf, r + LOGSTORE_REC_HDR, *len);
    return 0;
}

int logstore_truncate_suffix(struct logstore *ls, uint32_t log, uint64_t from_index)
{
    if (bad_log(ls, log))
        return -EINVAL;
    struct logstore_log *lg = &ls->log[log];
    if (from_index < lg->first)
        return -EINVAL;
    if (from_index >= lg->next)
        return 0;
    int rv = logstore_commit(ls);
    if (rv)
        return rv;
    if (lg->head_lsn + 1 > lg->tail_lsn + lg->ring_sectors)
        return -ENOSPC;
    /* A marker batch, appended like any other: the ring is never rewritten. */
    if ((rv = write_batch(ls, log, LS_BATCH_TRUNC, from_index, 0, LOGSTORE_BATCH_HDR)))
        return rv;
    ls_bt_truncate(lg, from_index);
    return logstore_commit(ls);
}

int logstore_truncate_prefix(struct logstore *ls, uint32_t log, uint64_t upto_index)
{
    if (bad_log(ls, log) || upto_index > UINT64_MAX / 2)
        return -EINVAL;
    struct logstore_log *lg = &ls->log[log];
    if (upto_index <= lg->first)
        return 0;
    int rv = logstore_commit(ls);
    if (rv)
        return rv;
    /* Drop whole batches below upto; the anchor moves to the first batch left
     * (or to the head if none is), and the space before it is freed once the
     * anchor is durable (logstore_commit). */
    while (lg->bt_count > 0) {
        struct logstore_batch *b = ls_bt_at(lg, 0);
        if (b->first + b->count > upto_index)
            break;
        lg->bt_head = (lg->bt_head + 1) % lg->bt_cap;
        lg->bt_count--;
    }
    if (lg->bt_count > 0) {
        lg->m_tail_lsn = ls_bt_at(lg, 0)->lsn;
        lg->m_tail_epoch = ls_bt_at(lg, 0)->epoch;
    } else {
        lg->m_tail_lsn = lg->head_lsn;
        lg->m_tail_epoch = lg->epoch;
    }
    lg->m_first = lg->first = upto_index;
    if (lg->next < upto_index)
        lg->next = upto_index;
    lg->meta_dirty = true;
    return logstore_commit(ls);
}

int logstore_set_hardstate(struct logstore *ls, uint32_t log, const void *state, uint32_t len)
{
    if (bad_log(ls, log) || len > LOGSTORE_HARDSTATE_MAX || (len && !state))
        return -EINVAL;
    struct logstore_log *lg = &ls->log[log];
    ls_copy(lg->hs, state, len);
    lg->hs_len = len;
    lg->meta_dirty = true;
    return 0;
}

int logstore_get_hardstate(const struct logstore *ls, uint32_t log, void *buf, uint32_t cap,
                           uint32_t *len)
{
    if (bad_log(ls, log) || !len || (cap && !buf))
        return -EINVAL;
    const struct logstore_log *lg = &ls->log[log];
    *len = lg->hs_len;
    if (lg->hs_len > cap)
        return -EMSGSIZE;
    ls_copy(buf, lg->hs, lg->hs_len);
    return 0;
}

uint32_t logstore_snapshot_max(const struct logstore *ls, uint32_t log)
{
    if (bad_log(ls, log))
        return 0;
    uint64_t max = (ls->log[log].snap_sectors - 1) * LOGSTORE_SECTOR;
    return max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
}

int logstore_write_snapshot(struct logstore *ls, uint32_t log, const void *data, uint32_t len,
                            uint64_t last_index)
{
    if (bad_log(ls, log) || (len && !data))
        return -EINVAL;
    if (ls->broken)
        return -EIO;
    if (len > logstore_snapshot_max(ls, log))
        return -EMSGSIZE;
    struct logstore_log *lg = &ls->log[log];
    uint32_t slot = lg->snap_seq ? 1 - lg->snap_slot : 0;
    uint64_t base = lg->snap_start + slot * lg->snap_sectors, seq = lg->snap_seq + 1;
    uint32_t chunk = ls->max_batch * LOGSTORE_SECTOR, crc = ls_crc(ls, data, len);
    ls->stage_log = LOGSTORE_NO_LOG;
    ls->unflushed = true;
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < chunk ? len - done : chunk;
        uint32_t nsec = (uint32_t)ls_div_up(n, LOGSTORE_SECTOR);
        ls_copy(ls->stage, (const uint8_t *)data + done, n);
        ls_zero(ls->stage + n, nsec * LOGSTORE_SECTOR - n);
        if (ls_dev_write(ls, base + 1 + done / LOGSTORE_SECTOR, ls->stage, nsec))
            return -EIO;
        done += n;
    }
    uint8_t *p = ls->stage;
    ls_zero(p, LOGSTORE_SECTOR);
    ls_put32(p + 0, LS_SNAP_MAGIC);
    ls_put32(p + 4, log);
    ls_put64(p + 8, seq);
    ls_put64(p + 16, last_index);
    ls_put32(p + 24, len);
    ls_put32(p + 28, crc);
    ls_put32(p + LS_SNAP_CRC, ls_crc(ls, p, LS_SNAP_CRC));
    if (ls_dev_write(ls, base, p, 1))
        return -EIO;
    ls->stats.flushes++;
    if (ls->dev->flush(ls->dev->ctx)) {
        ls->broken = true;
        return -EIO;
    }
    ls->unflushed = false;
    for (uint32_t i = 0; i < ls->nlogs; i++)
        ls->log[i].durable_lsn = ls->log[i].head_lsn;
    lg->snap_seq = seq;
    lg->snap_slot = slot;
    lg->snap_len = len;
    lg->snap_crc = crc;
    lg->snap_index = last_index;
    return 0;
}

int logstore_read_snapshot(struct logstore *ls, uint32_t log, void *buf, uint32_t cap,
                           uint32_t *len, uint64_t *last_index)
{
    if (bad_log(ls, log) || !len || (cap && !buf))
        return -EINVAL;
    struct logstore_log *lg = &ls->log[log];
    if (lg->snap_seq == 0)
        return -ENOENT;
    *len = lg->snap_len;
    if (last_index)
        *last_index = lg->snap_index;
    if (lg->snap_len > cap)
        return -EMSGSIZE;
    uint64_t base = lg->snap_start + lg->snap_slot * lg->snap_sectors;
    uint32_t chunk = ls->max_batch * LOGSTORE_SECTOR, crc = ls_crc_seed(ls);
    ls->stage_log = LOGSTORE_NO_LOG;
    for (uint32_t done = 0; done < lg->snap_len;) {
        uint32_t n = lg->snap_len - done < chunk ? lg->snap_len - done : chunk;
        if (ls_dev_read(ls, base + 1 + done / LOGSTORE_SECTOR, ls->stage,
                        (uint32_t)ls_div_up(n, LOGSTORE_SECTOR)))
            return -EIO;
        crc = crc32c_update(crc, ls->stage, n);
        ls_copy((uint8_t *)buf + done, ls->stage, n);
        done += n;
    }
    return crc == lg->snap_crc ? 0 : -EBADMSG;
}
