/* lib/logstore.c: the log store's on-disk encodings, format, and recovery
 * (logstore_open). Appends, commits, reads, truncations and snapshots are in
 * lib/logstore_io.c. The format and the recovery algorithm are in
 * docs/storage.md; the comments here say why each check is there. */
#include "lib/logstore.h"

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "lib/logstore_util.h"

/* ---- encodings ------------------------------------------------------------ */

uint32_t ls_crc_seed(const struct logstore *ls)
{
    uint8_t id[8];
    ls_put64(id, ls->format_id);
    return crc32c(id, 8);
}

uint32_t ls_crc(const struct logstore *ls, const void *buf, size_t len)
{
    return crc32c_update(ls_crc_seed(ls), buf, len);
}

void ls_bhdr_encode(const struct logstore *ls, uint8_t *p, const struct ls_bhdr *h)
{
    ls_zero(p, LOGSTORE_BATCH_HDR);
    ls_put32(p + 0, LS_BATCH_MAGIC);
    ls_put16(p + 4, (uint16_t)h->type);
    ls_put32(p + 8, h->log);
    ls_put32(p + 12, h->epoch);
    ls_put64(p + 16, h->lsn);
    ls_put64(p + 24, h->durable_lsn);
    ls_put64(p + 32, h->first);
    ls_put32(p + 40, h->count);
    ls_put32(p + 44, h->nsectors);
    ls_put32(p + 48, h->bytes);
    ls_put32(p + 60, ls_crc(ls, p, 60));
}

int ls_bhdr_decode(const struct logstore *ls, const uint8_t *p, struct ls_bhdr *h)
{
    if (ls_get32(p) != LS_BATCH_MAGIC || ls_get32(p + 60) != ls_crc(ls, p, 60))
        return -1;
    h->type = ls_get16(p + 4);
    h->log = ls_get32(p + 8);
    h->epoch = ls_get32(p + 12);
    h->lsn = ls_get64(p + 16);
    h->durable_lsn = ls_get64(p + 24);
    h->first = ls_get64(p + 32);
    h->count = ls_get32(p + 40);
    h->nsectors = ls_get32(p + 44);
    h->bytes = ls_get32(p + 48);
    if (h->type != LS_BATCH_DATA && h->type != LS_BATCH_TRUNC)
        return -1;
    if (h->nsectors < 1 || h->nsectors > ls->max_batch || h->durable_lsn > h->lsn)
        return -1;
    if (h->bytes > h->nsectors * LOGSTORE_SECTOR - LOGSTORE_BATCH_HDR ||
        ls_div_up(LOGSTORE_BATCH_HDR + h->bytes, LOGSTORE_SECTOR) != h->nsectors)
        return -1;
    if (h->type == LS_BATCH_TRUNC ? (h->count != 0 || h->bytes != 0)
                                  : (h->count == 0 || h->count > h->bytes / LOGSTORE_REC_HDR))
        return -1;
    if (h->first == 0 || h->first > UINT64_MAX / 2)
        return -1;
    return 0;
}

int64_t ls_batch_check(const struct logstore *ls, const uint8_t *buf, const struct ls_bhdr *h,
                       uint32_t *off)
{
    uint32_t pos = LOGSTORE_BATCH_HDR, end = LOGSTORE_BATCH_HDR + h->bytes;
    for (uint32_t i = 0; i < h->count; i++) {
        *off = pos;
        if (end - pos < LOGSTORE_REC_HDR)
            return i;
        const uint8_t *r = buf + pos;
        uint32_t len = ls_get32(r);
        if (len > end - pos - LOGSTORE_REC_HDR || ls_get32(r + 4) != h->log ||
            ls_get64(r + 8) != h->first + i || ls_get64(r + 16) != h->lsn ||
            ls_get32(r + 24) != h->epoch)
            return i;
        uint32_t crc = crc32c_update(ls_crc(ls, r, 28), r + LOGSTORE_REC_HDR, len);
        if (crc != ls_get32(r + 28))
            return i;
        pos += LOGSTORE_REC_HDR + len;
    }
    *off = pos;
    return pos == end ? -1 : (int64_t)h->count;
}

int ls_meta_write(struct logstore *ls, uint32_t log, uint64_t seq)
{
    struct logstore_log *lg = &ls->log[log];
    uint8_t *p = ls->stage; /* callers never hold a batch in stage here */
    ls->stage_log = LOGSTORE_NO_LOG;
    ls_zero(p, LOGSTORE_SECTOR);
    ls_put32(p + 0, LS_META_MAGIC);
    ls_put32(p + 4, log);
    ls_put64(p + 8, seq);
    ls_put32(p + 16, lg->epoch);
    ls_put32(p + 20, lg->hs_len);
    ls_put64(p + 24, lg->m_tail_lsn);
    ls_put32(p + 32, lg->m_tail_epoch);
    ls_put64(p + 40, lg->m_first);
    ls_copy(p + 48, lg->hs, lg->hs_len);
    ls_put32(p + LS_META_CRC, ls_crc(ls, p, LS_META_CRC));
    return ls_dev_write(ls, lg->meta_start + (seq & 1), p, 1);
}

/* ---- device --------------------------------------------------------------- */

int ls_dev_read(struct logstore *ls, uint64_t sector, void *buf, uint32_t count)
{
    ls->stats.sectors_read += count;
    return ls->dev->read(ls->dev->ctx, sector, buf, count) ? -EIO : 0;
}

int ls_dev_write(struct logstore *ls, uint64_t sector, const void *buf, uint32_t count)
{
    ls->stats.sectors_written += count;
    if (ls->dev->write(ls->dev->ctx, sector, buf, count)) {
        ls->broken = true;
        return -EIO;
    }
    return 0;
}

/* Ring addresses are logical sector numbers (lsn) that only grow; sector
 * lsn % ring_sectors of the region holds it. A batch may wrap the ring's end. */
static int ring_io(struct logstore *ls, uint32_t log, uint64_t lsn, uint8_t *buf, uint32_t count,
                   bool wr)
{
    struct logstore_log *lg = &ls->log[log];
    uint64_t off = lsn % lg->ring_sectors;
    uint32_t n1 = count;
    if (off + count > lg->ring_sectors)
        n1 = (uint32_t)(lg->ring_sectors - off);
    int rv = wr ? ls_dev_write(ls, lg->ring_start + off, buf, n1)
                : ls_dev_read(ls, lg->ring_start + off, buf, n1);
    if (rv == 0 && n1 < count)
        rv = wr ? ls_dev_write(ls, lg->ring_start, buf + n1 * LOGSTORE_SECTOR, count - n1)
                : ls_dev_read(ls, lg->ring_start, buf + n1 * LOGSTORE_SECTOR, count - n1);
    return rv;
}

int ls_ring_read(struct logstore *ls, uint32_t log, uint64_t lsn, void *buf, uint32_t count)
{
    return ring_io(ls, log, lsn, buf, count, false);
}

int ls_ring_write(struct logstore *ls, uint32_t log, uint64_t lsn, const void *buf, uint32_t count)
{
    return ring_io(ls, log, lsn, (uint8_t *)buf, count, true);
}

/* ---- batch table ---------------------------------------------------------- */

struct logstore_batch *ls_bt_at(struct logstore_log *lg, uint32_t i)
{
    return &lg->bt[(lg->bt_head + i) % lg->bt_cap];
}

int ls_bt_push(struct logstore_log *lg, const struct logstore_batch *b)
{
    if (lg->bt_count == lg->bt_cap)
        return -ENOMEM;
    lg->bt_count++;
    *ls_bt_at(lg, lg->bt_count - 1) = *b;
    return 0;
}

void ls_bt_truncate(struct logstore_log *lg, uint64_t from)
{
    while (lg->bt_count > 0) {
        struct logstore_batch *b = ls_bt_at(lg, lg->bt_count - 1);
        if (b->first >= from) {
            lg->bt_count--;
            continue;
        }
        if (b->first + b->count > from)
            b->count = (uint32_t)(from - b->first);
        break;
    }
    if (lg->next > from)
        lg->next = from;
}

/* ---- error messages ------------------------------------------------------- */

struct msg {
    char *buf;
    uint32_t n;
};

static void msg_str(struct msg *m, const char *s)
{
    while (*s && m->n + 1 < LOGSTORE_MSG_MAX)
        m->buf[m->n++] = *s++;
    m->buf[m->n] = 0;
}

static void msg_u64(struct msg *m, uint64_t v)
{
    char t[21];
    int i = 20;
    t[i] = 0;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    msg_str(m, t + i);
}

/* Records why open failed: which log (LOGSTORE_NO_LOG: the superblock), which
 * record index and sector, and "<what>" in words. Returns -EBADMSG. */
static int fail(struct logstore *ls, uint32_t log, uint64_t index, uint64_t sector,
                const char *what)
{
    struct msg m = {ls->error_msg, 0};
    ls->error_log = log;
    ls->error_index = index;
    ls->error_sector = sector;
    if (log == LOGSTORE_NO_LOG) {
        msg_str(&m, "superblock: ");
    } else {
        msg_str(&m, "log ");
        msg_u64(&m, log);
        if (index) {
            msg_str(&m, ": record ");
            msg_u64(&m, index);
        }
        if (sector) {
            msg_str(&m, " at sector ");
            msg_u64(&m, sector);
        }
        msg_str(&m, ": ");
    }
    msg_str(&m, what);
    return -EBADMSG;
}

/* ---- format --------------------------------------------------------------- */

struct region {
    uint64_t start, len;
};

/* Checks that the regions lie in [1, nsectors) and do not overlap. */
static bool regions_ok(const struct region *r, uint32_t n, uint64_t nsectors)
{
    for (uint32_t i = 0; i < n; i++) {
        if (r[i].start < 1 || r[i].start >= nsectors || r[i].len == 0 ||
            r[i].len > nsectors - r[i].start)
            return false;
        for (uint32_t j = 0; j < i; j++)
            if (r[i].start < r[j].start + r[j].len && r[j].start < r[i].start + r[i].len)
                return false;
    }
    return true;
}

static void log_regions(const struct logstore_log *lg, struct region *r)
{
    r[0] = (struct region){lg->meta_start, 2};
    r[1] = (struct region){lg->snap_start, 2 * lg->snap_sectors};
    r[2] = (struct region){lg->ring_start, lg->ring_sectors};
}

int logstore_format(const struct blockdev *dev, uint32_t node_id, uint32_t nlogs,
                    const struct logstore_format_opts *opts)
{
    static const struct logstore_format_opts none;
    if (!opts)
        opts = &none;
    if (!dev || dev->sector_size != LOGSTORE_SECTOR || nlogs < 1 || nlogs > LOGSTORE_MAX_LOGS)
        return -EINVAL;
    uint32_t maxb = opts->max_batch ? opts->max_batch : LOGSTORE_DEFAULT_BATCH;
    if (maxb > LOGSTORE_MAX_BATCH)
        return -EINVAL;

    /* The work buffer: a superblock and one sector of zeros. */
    uint8_t sb[LOGSTORE_SECTOR], zero[LOGSTORE_SECTOR];
    ls_zero(zero, sizeof zero);
    struct logstore tmp; /* only to borrow the encoders and counters */
    ls_zero(&tmp, sizeof tmp);
    tmp.dev = dev;
    tmp.nlogs = nlogs;
    tmp.max_batch = maxb;

    /* Layout: sector 0 superblock, then per log: 2 meta slots, 2 snapshot
     * slots, the ring. Zero sizes split what is left evenly. */
    bool deflt = true;
    for (uint32_t i = 0; i < nlogs; i++)
        if (opts->log[i].ring_sectors || opts->log[i].snap_sectors)
            deflt = false;
    uint64_t share = dev->nsectors > 1 ? (dev->nsectors - 1) / nlogs : 0;
    uint64_t at = 1;
    struct region reg[3 * LOGSTORE_MAX_LOGS];
    for (uint32_t i = 0; i < nlogs; i++) {
        struct logstore_log *lg = &tmp.log[i];
        uint64_t snap = opts->log[i].snap_sectors, ring = opts->log[i].ring_sectors;
        if (deflt) {
            snap = share / 8;
            ring = share > 2 + 2 * snap ? share - 2 - 2 * snap : 0;
        }
        if (snap < 2 || ring < (uint64_t)maxb + 1 || ring > LS_MAX_RING || snap > LS_MAX_RING)
            return -EINVAL;
        lg->meta_start = at;
        lg->snap_start = at + 2;
        lg->snap_sectors = snap;
        lg->ring_start = at + 2 + 2 * snap;
        lg->ring_sectors = ring;
        at = lg->ring_start + ring;
        log_regions(lg, &reg[3 * i]);
    }
    if (!regions_ok(reg, 3 * nlogs, dev->nsectors))
        return -EINVAL;

    /* A format id unlike the previous image's, so none of its records, meta or
     * snapshot slots check out under the new one. */
    uint64_t fid = opts->format_id;
    if (dev->read(dev->ctx, 0, sb, 1) == 0) {
        uint64_t old = ls_get64(sb + 24);
        bool was = crc32c(sb, LS_SB_CRC) == ls_get32(sb + LS_SB_CRC);
        if (fid == 0)
            fid = was ? old * 0x9e3779b97f4a7c15ull + 1 : 0x6c6f6773746f7265ull ^ node_id;
        else if (was && old == fid)
            fid++;
    }
    if (fid == 0)
        fid = 1;
    tmp.format_id = fid;

    /* 1. Invalidate the old superblock, so a crash below leaves no image that
     * looks whole. 2. Meta slot 0 (seq 1, empty), meta slot 1 and both snapshot
     * headers zeroed. 3. Flush; write the superblock; flush. */
    int rv = ls_dev_write(&tmp, 0, zero, 1);
    if (rv == 0)
        rv = dev->flush(dev->ctx) ? -EIO : 0;
    uint8_t meta[LOGSTORE_SECTOR];
    tmp.stage = meta;
    for (uint32_t i = 0; i < nlogs && rv == 0; i++) {
        struct logstore_log *lg = &tmp.log[i];
        lg->m_first = 1;
        rv = ls_meta_write(&tmp, i, 2); /* slot 0 */
        if (rv == 0)
            rv = ls_dev_write(&tmp, lg->meta_start + 1, zero, 1);
        if (rv == 0)
            rv = ls_dev_write(&tmp, lg->snap_start, zero, 1);
        if (rv == 0)
            rv = ls_dev_write(&tmp, lg->snap_start + lg->snap_sectors, zero, 1);
        if (rv == 0)
            rv = ls_dev_write(&tmp, lg->ring_start, zero, 1);
    }
    if (rv == 0)
        rv = dev->flush(dev->ctx) ? -EIO : 0;
    if (rv)
        return -EIO;

    ls_zero(sb, sizeof sb);
    ls_copy(sb, LS_SB_MAGIC, 8);
    ls_put32(sb + 8, LOGSTORE_VERSION);
    ls_put32(sb + 12, LOGSTORE_SECTOR);
    ls_put64(sb + 16, dev->nsectors);
    ls_put64(sb + 24, fid);
    ls_put32(sb + 32, node_id);
    ls_put32(sb + 36, nlogs);
    ls_put32(sb + 40, maxb);
    for (uint32_t i = 0; i < nlogs; i++) {
        uint8_t *e = sb + LS_SB_LOGTAB + i * LS_SB_LOGENT;
        const struct logstore_log *lg = &tmp.log[i];
        ls_put64(e + 0, lg->meta_start);
        ls_put64(e + 8, lg->snap_start);
        ls_put64(e + 16, lg->snap_sectors);
        ls_put64(e + 24, lg->ring_start);
        ls_put64(e + 32, lg->ring_sectors);
    }
    ls_put32(sb + LS_SB_CRC, crc32c(sb, LS_SB_CRC));
    if (ls_dev_write(&tmp, 0, sb, 1) || dev->flush(dev->ctx))
        return -EIO;
    return 0;
}

/* ---- open: superblock ----------------------------------------------------- */

static int read_superblock(struct logstore *ls, uint8_t *sb)
{
    const struct blockdev *dev = ls->dev;
    if (ls_dev_read(ls, 0, sb, 1))
        return -EIO;
    for (int i = 0; i < 8; i++)
        if (sb[i] != (uint8_t)LS_SB_MAGIC[i])
            return fail(ls, LOGSTORE_NO_LOG, 0, 0, "no log store magic (unformatted disk?)");
    if (crc32c(sb, LS_SB_CRC) != ls_get32(sb + LS_SB_CRC))
        return fail(ls, LOGSTORE_NO_LOG, 0, 0, "checksum mismatch (corrupt superblock)");
    if (ls_get32(sb + 8) != LOGSTORE_VERSION) {
        fail(ls, LOGSTORE_NO_LOG, 0, 0, "unsupported format version");
        return -ENOTSUP;
    }
    uint64_t nsectors = ls_get64(sb + 16);
    ls->format_id = ls_get64(sb + 24);
    ls->node_id = ls_get32(sb + 32);
    ls->nlogs = ls_get32(sb + 36);
    ls->max_batch = ls_get32(sb + 40);
    if (ls_get32(sb + 12) != LOGSTORE_SECTOR)
        return fail(ls, LOGSTORE_NO_LOG, 0, 0, "sector size is not 512");
    if (nsectors > dev->nsectors)
        return fail(ls, LOGSTORE_NO_LOG, 0, 0, "image is larger than the disk");
    if (ls->nlogs < 1 || ls->nlogs > LOGSTORE_MAX_LOGS || ls->max_batch < 1 ||
        ls->max_batch > LOGSTORE_MAX_BATCH)
        return fail(ls, LOGSTORE_NO_LOG, 0, 0, "bad log count or batch size");
    struct region reg[3 * LOGSTORE_MAX_LOGS];
    for (uint32_t i = 0; i < ls->nlogs; i++) {
        const uint8_t *e = sb + LS_SB_LOGTAB + i * LS_SB_LOGENT;
        struct logstore_log *lg = &ls->log[i];
        lg->meta_start = ls_get64(e + 0);
        lg->snap_start = ls_get64(e + 8);
        lg->snap_sectors = ls_get64(e + 16);
        lg->ring_start = ls_get64(e + 24);
        lg->ring_sectors = ls_get64(e + 32);
        if (lg->snap_sectors < 2 || lg->snap_sectors > LS_MAX_RING ||
            lg->ring_sectors < (uint64_t)ls->max_batch + 1 || lg->ring_sectors > LS_MAX_RING)
            return fail(ls, LOGSTORE_NO_LOG, 0, 0, "bad log region size");
        log_regions(lg, &reg[3 * i]);
    }
    if (!regions_ok(reg, 3 * ls->nlogs, nsectors))
        return fail(ls, LOGSTORE_NO_LOG, 0, 0, "log regions overlap or leave the disk");
    return 0;
}

size_t logstore_work_min(uint32_t max_batch, uint32_t nlogs)
{
    size_t stage = (size_t)max_batch * LOGSTORE_SECTOR;
    size_t tables = (size_t)nlogs * 4 * sizeof(struct logstore_batch);
    return 8 + stage + 2 * (stage > tables ? stage : tables) + 16;
}

/* Carves work memory: stage (max_batch sectors), then half of the rest for the
 * append buffer and half for the batch tables (no more than a ring can hold). */
static int carve(struct logstore *ls, void *work, size_t len)
{
    uintptr_t a = (uintptr_t)work, end = a + len;
    a = (a + 7) & ~(uintptr_t)7;
    size_t stage = (size_t)ls->max_batch * LOGSTORE_SECTOR;
    if (len < logstore_work_min(ls->max_batch, ls->nlogs) || end - a < stage)
        return -ENOMEM;
    ls->stage = (uint8_t *)a;
    a += stage;
    size_t rest = end - a, per = rest / 2 / ls->nlogs / sizeof(struct logstore_batch);
    for (uint32_t i = 0; i < ls->nlogs; i++) {
        struct logstore_log *lg = &ls->log[i];
        uint64_t cap = per < lg->ring_sectors ? per : lg->ring_sectors;
        if (cap > UINT32_MAX / 2)
            cap = UINT32_MAX / 2;
        lg->bt = (struct logstore_batch *)a;
        lg->bt_cap = (uint32_t)cap;
        a += cap * sizeof(struct logstore_batch);
    }
    size_t pend = (end - a) & ~(size_t)7;
    if (pend > UINT32_MAX / 2)
        pend = UINT32_MAX / 2;
    if (pend < stage)
        return -ENOMEM;
    ls->pend = (uint8_t *)a;
    ls->pend_cap = (uint32_t)pend;
    return 0;
}

/* ---- open: per log -------------------------------------------------------- */

/* Picks the newest valid meta slot. Both invalid: the log's anchor is gone,
 * and guessing it could resurrect stale records, so refuse. */
static int recover_meta(struct logstore *ls, uint32_t log)
{
    struct logstore_log *lg = &ls->log[log];
    uint8_t *p = ls->stage;
    if (ls_dev_read(ls, lg->meta_start, p, 2))
        return -EIO;
    int best = -1;
    uint64_t best_seq = 0;
    for (int s = 0; s < 2; s++) {
        const uint8_t *m = p + s * LOGSTORE_SECTOR;
        uint64_t seq = ls_get64(m + 8);
        if (ls_get32(m) != LS_META_MAGIC || ls_get32(m + 4) != log ||
            ls_get32(m + LS_META_CRC) != ls_crc(ls, m, LS_META_CRC) ||
            ls_get32(m + 20) > LOGSTORE_HARDSTATE_MAX || (seq & 1) != (uint64_t)s ||
            ls_get64(m + 40) == 0 || ls_get64(m + 40) > UINT64_MAX / 2 ||
            ls_get64(m + 24) > UINT64_MAX / 4)
            continue;
        if (best < 0 || seq > best_seq) {
            best = s;
            best_seq = seq;
        }
    }
    if (best < 0)
        return fail(ls, log, 0, lg->meta_start, "both meta slots are invalid");
    const uint8_t *m = p + best * LOGSTORE_SECTOR;
    lg->meta_seq = best_seq;
    lg->epoch = ls_get32(m + 16);
    lg->hs_len = ls_get32(m + 20);
    lg->m_tail_lsn = lg->tail_lsn = ls_get64(m + 24);
    lg->m_tail_epoch = ls_get32(m + 32);
    lg->m_first = lg->first = lg->next = ls_get64(m + 40);
    ls_copy(lg->hs, m + 48, lg->hs_len);
    return 0;
}

/* Picks the newest snapshot slot whose header and data check out; a slot that
 * does not was being written at a crash (or never was). */
static int recover_snapshot(struct logstore *ls, uint32_t log)
{
    struct logstore_log *lg = &ls->log[log];
    uint64_t max = (lg->snap_sectors - 1) * LOGSTORE_SECTOR;
    for (uint32_t s = 0; s < 2; s++) {
        uint64_t base = lg->snap_start + s * lg->snap_sectors;
        uint8_t *p = ls->stage;
        if (ls_dev_read(ls, base, p, 1))
            return -EIO;
        uint64_t seq = ls_get64(p + 8), index = ls_get64(p + 16);
        uint32_t len = ls_get32(p + 24), want = ls_get32(p + 28);
        if (ls_get32(p) != LS_SNAP_MAGIC || ls_get32(p + 4) != log || seq == 0 ||
            ls_get32(p + LS_SNAP_CRC) != ls_crc(ls, p, LS_SNAP_CRC) || len > max ||
            (lg->snap_seq && seq <= lg->snap_seq))
            continue;
        uint32_t crc = ls_crc_seed(ls), done = 0;
        while (done < len) {
            uint32_t n = len - done, maxn = ls->max_batch * LOGSTORE_SECTOR;
            n = n < maxn ? n : maxn;
            if (ls_dev_read(ls, base + 1 + done / LOGSTORE_SECTOR, p,
                            (uint32_t)ls_div_up(n, LOGSTORE_SECTOR)))
                return -EIO;
            crc = crc32c_update(crc, p, n);
            done += n;
        }
        if (crc != want)
            continue;
        lg->snap_seq = seq;
        lg->snap_slot = s;
        lg->snap_len = len;
        lg->snap_crc = want;
        lg->snap_index = index;
    }
    return 0;
}

/* Reads and checks the batch header at lsn (into stage). Returns 0 and fills h
 * if a batch of this log, this image and this ring pass is there. */
static int header_at(struct logstore *ls, uint32_t log, uint64_t lsn, struct ls_bhdr *h)
{
    if (ls_ring_read(ls, log, lsn, ls->stage, 1))
        return -EIO;
    if (ls_bhdr_decode(ls, ls->stage, h) || h->log != log || h->lsn != lsn)
        return 1;
    return 0;
}

/* The chain of batches stopped at stop. Is the bad spot a torn tail (written
 * by the last, unacknowledged commit) or damage to committed data? It is damage
 * if some later batch says, by its durable_lsn, that stop had been flushed when
 * it was written. Later batches start at stop + (length of the bad batch), so
 * look for headers in the next max_batch sectors and follow their chains. A
 * proof is no older than the last good batch (min_epoch).
 * Returns 1 if there is such proof, 0 if not, or -EIO. */
static int later_commit(struct logstore *ls, uint32_t log, uint64_t stop, uint64_t stop_end,
                        uint64_t limit, uint32_t min_epoch)
{
    uint64_t cand[9];
    uint32_t ncand = 0;
    if (stop_end > stop && stop_end < limit)
        cand[ncand++] = stop_end;
    uint64_t n = limit - stop - 1;
    n = n < ls->max_batch ? n : ls->max_batch;
    if (n && ls_ring_read(ls, log, stop + 1, ls->stage, (uint32_t)n))
        return -EIO;
    for (uint64_t i = 0; i < n && ncand < 9; i++) {
        struct ls_bhdr h;
        if (ls_bhdr_decode(ls, ls->stage + i * LOGSTORE_SECTOR, &h) == 0 && h.log == log &&
            h.lsn == stop + 1 + i && stop + 1 + i != stop_end)
            cand[ncand++] = stop + 1 + i;
    }
    for (uint32_t c = 0; c < ncand; c++) {
        for (uint64_t at = cand[c]; at < limit;) {
            struct ls_bhdr h;
            int rv = header_at(ls, log, at, &h);
            if (rv < 0)
                return rv;
            if (rv)
                break;
            if (h.durable_lsn > stop && h.epoch >= min_epoch)
                return 1;
            at += h.nsectors;
        }
    }
    return 0;
}

/* Scans the ring from the anchor to the last whole batch, building the batch
 * table; cuts a torn tail; refuses damage to committed batches. */
static int recover_ring(struct logstore *ls, uint32_t log, uint32_t *max_epoch)
{
    struct logstore_log *lg = &ls->log[log];
    uint64_t lsn = lg->tail_lsn, limit = lg->tail_lsn + lg->ring_sectors;
    uint32_t prev_epoch = lg->m_tail_epoch;
    struct ls_bhdr h;
    for (;;) {
        if (lsn >= limit)
            break;
        int rv = header_at(ls, log, lsn, &h);
        if (rv < 0)
            return rv;
        /* A batch older than its predecessor is the remnant of a torn tail cut
         * off by an earlier recovery: every batch written since is newer. */
        if (rv || h.epoch < prev_epoch || lsn + h.nsectors > limit)
            break;
        if (h.nsectors > 1 &&
            ls_ring_read(ls, log, lsn + 1, ls->stage + LOGSTORE_SECTOR, h.nsectors - 1))
            return -EIO;
        uint32_t off;
        int64_t bad = ls_batch_check(ls, ls->stage, &h, &off);
        if (bad >= 0) {
            rv = later_commit(ls, log, lsn, lsn + h.nsectors, limit, prev_epoch);
            if (rv < 0)
                return rv;
            if (rv) {
                uint64_t sec = lg->ring_start + (lsn + off / LOGSTORE_SECTOR) % lg->ring_sectors;
                return fail(ls, log, h.first + (uint64_t)bad, sec,
                            "checksum or header mismatch in committed data");
            }
            break;
        }
        /* The batch is whole: it must continue the index sequence. */
        if (h.type == LS_BATCH_TRUNC) {
            if (h.first < lg->first || h.first > lg->next)
                return fail(ls, log, h.first, lg->ring_start + lsn % lg->ring_sectors,
                            "truncation marker outside the log");
            ls_bt_truncate(lg, h.first);
        } else {
            bool at_tail = lg->bt_count == 0 && lsn == lg->tail_lsn;
            /* The anchor's batch may hold records below the log's first. */
            bool ok =
                at_tail ? h.first <= lg->next && lg->next - h.first < h.count : h.first == lg->next;
            if (!ok)
                return fail(ls, log, h.first, lg->ring_start + lsn % lg->ring_sectors,
                            "batch breaks the index sequence");
            struct logstore_batch b = {lsn, h.first, h.count, h.nsectors, h.epoch, 0};
            if (ls_bt_push(lg, &b)) {
                fail(ls, log, h.first, 0, "work memory too small for the batch table");
                return -ENOMEM;
            }
            lg->next = h.first + h.count;
        }
        if (h.epoch > *max_epoch)
            *max_epoch = h.epoch;
        prev_epoch = h.epoch;
        lsn += h.nsectors;
    }
    if (lsn < limit) {
        /* The header at lsn is not a batch of this chain: end of log, unless a
         * later commit proves this spot had been flushed (damaged header). */
        int rv = later_commit(ls, log, lsn, lsn, limit, prev_epoch);
        if (rv < 0)
            return rv;
        if (rv)
            return fail(ls, log, lg->next, lg->ring_start + lsn % lg->ring_sectors,
                        "batch header damaged in committed data");
    }
    lg->head_lsn = lg->durable_lsn = lsn;
    return 0;
}

int logstore_open(struct logstore *ls, const struct blockdev *dev, void *work_mem, size_t work_len)
{
    if (!ls)
        return -EINVAL;
    ls_zero(ls, sizeof *ls);
    ls->error_log = LOGSTORE_NO_LOG;
    ls->stage_log = LOGSTORE_NO_LOG;
    if (!dev || !dev->read || !dev->write || !dev->flush || !work_mem ||
        dev->sector_size != LOGSTORE_SECTOR || work_len < LOGSTORE_SECTOR + 8)
        return -EINVAL;
    ls->dev = dev;
    uint8_t *sb = (uint8_t *)(((uintptr_t)work_mem + 7) & ~(uintptr_t)7);
    int rv = read_superblock(ls, sb);
    if (rv)
        return rv;
    if (carve(ls, work_mem, work_len))
        return -ENOMEM;
    for (uint32_t i = 0; i < ls->nlogs; i++) {
        uint32_t max_epoch = 0;
        if ((rv = recover_meta(ls, i)) || (rv = recover_snapshot(ls, i)) ||
            (rv = recover_ring(ls, i, &max_epoch)))
            return rv;
        /* A new epoch, above every batch on disk (docs/storage.md, "Epochs"). */
        struct logstore_log *lg = &ls->log[i];
        if (max_epoch > lg->epoch)
            lg->epoch = max_epoch;
        if (lg->epoch == UINT32_MAX)
            return fail(ls, i, 0, 0, "epoch counter exhausted");
        lg->epoch++;
        lg->meta_dirty = true;
    }
    ls->stage_log = LOGSTORE_NO_LOG;
    rv = logstore_commit(ls);
    ls_zero(&ls->stats, sizeof ls->stats);
    return rv;
}
