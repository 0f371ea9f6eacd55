/* services/fs/chunkstore.c: the chunk store (chunkstore.h; the format and
 * the recovery rules are in docs/chunkstore.md). Encodings, format and open
 * come first, then the copy-on-write engine every change goes through, then
 * the calls. The comments say why each check is there. */
#include "services/fs/chunkstore.h"

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "lib/lebytes.h"

#define SEC CHUNKSTORE_SECTOR
#define BLOCK_SECTORS (CHUNK_BLOCK / SEC)
#define SB_MAGIC "CHUNKST1"
#define HDR_MAGIC 0x31484b43u  /* "CKH1" */
#define CRC_AT 508u            /* superblock and header: CRC of bytes 0..507 */
#define READ_BATCH 128u        /* header sectors per read at open (one buffer) */
#define SEQ_LIMIT (1ull << 62) /* larger is a crafted header: next_seq never wraps */
#define NO_SLOT 0xffffffffu

enum { SLOT_FREE, SLOT_LIVE, SLOT_STALE };

/* What the store knows of a slot: the header on disk, decoded. LIVE: the
 * newest version of its chunk. STALE: an older version whose header is still
 * on disk (its slot may be reused: the new header overwrites it). FREE: no
 * valid header. Every valid header on disk is LIVE or STALE here. */
struct chunkstore_slot {
    uint64_t ino, version, token, seq;
    uint32_t index, length;
    uint32_t crc[CHUNK_BLOCKS];
    uint32_t known_bad; /* blocks copied over already failing their CRC */
    uint32_t state;
};

_Static_assert(sizeof(struct chunkstore_slot) % 8 == 0, "slot table keeps 8-byte alignment");
_Static_assert(CHUNK_BLOCK *CHUNK_BLOCKS == CHUNK_SIZE, "a chunk is 16 blocks");
_Static_assert(CHUNKSTORE_SLOT_SECTORS *SEC == CHUNK_SIZE, "a slot is one chunk");

/* ---- small helpers -------------------------------------------------------- */

/* Compiler builtins, no header: a freestanding build still gets memset and
 * memcpy from its environment (GCC requires them; picolibc has them), and
 * 64 KiB copies want the fast ones. */
static void zero(void *dst, size_t n) { __builtin_memset(dst, 0, n); }

static void copy(void *dst, const void *src, size_t n) { __builtin_memcpy(dst, src, n); }

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static uint32_t nblocks(uint32_t len) { return (len + CHUNK_BLOCK - 1) / CHUNK_BLOCK; }

static uint32_t get32(const uint8_t *p)
{
    struct le_reader r = le_reader(p, 4);
    return (uint32_t)le_get(&r, 4);
}

static int id_cmp(uint64_t ino_a, uint32_t idx_a, uint64_t ino_b, uint32_t idx_b)
{
    if (ino_a != ino_b)
        return ino_a < ino_b ? -1 : 1;
    if (idx_a != idx_b)
        return idx_a < idx_b ? -1 : 1;
    return 0;
}

static uint32_t block_crc(const struct chunkstore *cs, const uint8_t *block)
{
    return crc32c_update(cs->crc_seed, block, CHUNK_BLOCK);
}

static uint64_t data_sector(const struct chunkstore *cs, uint32_t slot)
{
    return cs->data_start + (uint64_t)slot * CHUNKSTORE_SLOT_SECTORS;
}

/* First sector of the data area for n slots: after the header table, on a
 * 4 KiB boundary. */
static uint64_t data_start_for(uint64_t n) { return (CHUNKSTORE_HDR_START + n + 7) & ~7ull; }

/* ---- error messages ------------------------------------------------------- */

struct msg {
    char *buf;
    uint32_t n;
};

static void msg_str(struct msg *m, const char *s)
{
    while (*s && m->n + 1 < CHUNKSTORE_MSG_MAX)
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

/* Records why open failed (sector: where, or 0) and returns err. A store
 * that did not open is broken: every call on it returns -EIO. */
static int fail(struct chunkstore *cs, int err, uint64_t sector, const char *what)
{
    struct msg m = {cs->error_msg, 0};
    cs->broken = true;
    cs->error_sector = sector;
    msg_str(&m, what);
    if (sector) {
        msg_str(&m, " (sector ");
        msg_u64(&m, sector);
        msg_str(&m, ")");
    }
    return err;
}

/* ---- the device ----------------------------------------------------------- */

static int dev_read(struct chunkstore *cs, uint64_t sector, void *buf, uint32_t count)
{
    if (cs->dev->read(cs->dev->ctx, sector, buf, count) != 0)
        return -EIO;
    cs->stats.reads++;
    cs->stats.sectors_read += count;
    return 0;
}

/* A failed write or flush leaves the disk in a state only recovery knows how
 * to read: the store is broken until reopened. */
static int dev_write(struct chunkstore *cs, uint64_t sector, const void *buf, uint32_t count)
{
    if (cs->dev->write(cs->dev->ctx, sector, buf, count) != 0) {
        cs->broken = true;
        return -EIO;
    }
    cs->stats.writes++;
    cs->stats.sectors_written += count;
    return 0;
}

static int dev_flush(struct chunkstore *cs)
{
    if (cs->dev->flush(cs->dev->ctx) != 0) {
        cs->broken = true;
        return -EIO;
    }
    cs->stats.flushes++;
    return 0;
}

/* ---- superblock ------------------------------------------------------------ */

struct sb {
    uint64_t nsectors, format_id, hdr_start, data_start;
    uint32_t node_id, nslots;
};

static void sb_encode(uint8_t *p, const struct sb *sb)
{
    zero(p, SEC);
    struct le_writer w = {p, SEC, 0};
    le_put_bytes(&w, SB_MAGIC, 8);
    le_put(&w, CHUNKSTORE_VERSION, 4);
    le_put(&w, SEC, 4);
    le_put(&w, sb->nsectors, 8);
    le_put(&w, sb->format_id, 8);
    le_put(&w, sb->node_id, 4);
    le_put(&w, sb->nslots, 4);
    le_put(&w, CHUNK_SIZE, 4);
    le_put(&w, CHUNK_BLOCK, 4);
    le_put(&w, sb->hdr_start, 8);
    le_put(&w, sb->data_start, 8);
    uint32_t crc = crc32c(p, CRC_AT);
    for (int i = 0; i < 4; i++)
        p[CRC_AT + i] = (uint8_t)(crc >> (8 * i));
}

/* Only magic and CRC: does this sector hold a superblock at all? */
static bool sb_intact(const uint8_t *p)
{
    for (int i = 0; i < 8; i++)
        if (p[i] != (uint8_t)SB_MAGIC[i])
            return false;
    return crc32c(p, CRC_AT) == get32(p + CRC_AT);
}

/* Decodes and checks a superblock for a region of dev_sectors. 0, or
 * -EBADMSG / -ENOTSUP with *why saying what is wrong. */
static int sb_decode(const uint8_t *p, uint64_t dev_sectors, struct sb *sb, const char **why)
{
    for (int i = 0; i < 8; i++)
        if (p[i] != (uint8_t)SB_MAGIC[i]) {
            *why = "superblock: no chunk store magic (not a chunk store)";
            return -EBADMSG;
        }
    if (crc32c(p, CRC_AT) != get32(p + CRC_AT)) {
        *why = "superblock: checksum mismatch";
        return -EBADMSG;
    }
    struct le_reader r = le_reader(p + 8, CRC_AT - 8);
    uint32_t version = (uint32_t)le_get(&r, 4), sector = (uint32_t)le_get(&r, 4);
    sb->nsectors = le_get(&r, 8);
    sb->format_id = le_get(&r, 8);
    sb->node_id = (uint32_t)le_get(&r, 4);
    sb->nslots = (uint32_t)le_get(&r, 4);
    uint32_t chunk = (uint32_t)le_get(&r, 4), block = (uint32_t)le_get(&r, 4);
    sb->hdr_start = le_get(&r, 8);
    sb->data_start = le_get(&r, 8);
    if (version != CHUNKSTORE_VERSION) {
        *why = "superblock: unsupported format version";
        return -ENOTSUP;
    }
    if (sector != SEC || chunk != CHUNK_SIZE || block != CHUNK_BLOCK) {
        *why = "superblock: sector, chunk or block size is not this build's";
        return -EBADMSG;
    }
    /* The store inside the region, and every slot, header and data, inside
     * the store: no later access can leave the region (and with nsectors
     * bounded by a real region, none of the sums below can wrap). */
    if (sb->nsectors > dev_sectors) {
        *why = "superblock: the store is larger than the region";
        return -EBADMSG;
    }
    if (sb->nslots < 2 || sb->nslots > CHUNKSTORE_MAX_SLOTS || sb->hdr_start < 2 ||
        sb->hdr_start > sb->nsectors || sb->data_start < sb->hdr_start + sb->nslots ||
        sb->data_start > sb->nsectors ||
        (uint64_t)sb->nslots * CHUNKSTORE_SLOT_SECTORS > sb->nsectors - sb->data_start) {
        *why = "superblock: bad geometry";
        return -EBADMSG;
    }
    return 0;
}

/* ---- headers --------------------------------------------------------------- */

static void hdr_encode(const struct chunkstore *cs, uint8_t *p, uint32_t slot,
                       const struct chunkstore_slot *s)
{
    zero(p, SEC);
    struct le_writer w = {p, SEC, 0};
    le_put(&w, HDR_MAGIC, 4);
    le_put(&w, slot, 4);
    le_put(&w, s->ino, 8);
    le_put(&w, s->index, 4);
    le_put(&w, s->length, 4);
    le_put(&w, s->version, 8);
    le_put(&w, s->token, 8);
    le_put(&w, s->seq, 8);
    for (uint32_t b = 0; b < CHUNK_BLOCKS; b++)
        le_put(&w, s->crc[b], 4);
    le_put(&w, s->known_bad, 4);
    w.n = CRC_AT;
    le_put(&w, crc32c_update(cs->crc_seed, p, CRC_AT), 4);
}

/* True if p is a valid header for this slot under this format id. A header
 * written under an earlier format, torn, garbled, or found in the wrong
 * sector fails; so does one whose fields we would never have written. */
static bool hdr_decode(const struct chunkstore *cs, const uint8_t *p, uint32_t slot,
                       struct chunkstore_slot *s)
{
    struct le_reader r = le_reader(p, SEC);
    if (le_get(&r, 4) != HDR_MAGIC)
        return false;
    if (crc32c_update(cs->crc_seed, p, CRC_AT) != get32(p + CRC_AT))
        return false;
    if (le_get(&r, 4) != slot)
        return false;
    s->ino = le_get(&r, 8);
    s->index = (uint32_t)le_get(&r, 4);
    s->length = (uint32_t)le_get(&r, 4);
    s->version = le_get(&r, 8);
    s->token = le_get(&r, 8);
    s->seq = le_get(&r, 8);
    for (uint32_t b = 0; b < CHUNK_BLOCKS; b++)
        s->crc[b] = (uint32_t)le_get(&r, 4);
    s->known_bad = (uint32_t)le_get(&r, 4);
    if (s->length > CHUNK_SIZE || s->seq >= SEQ_LIMIT || s->known_bad >> nblocks(s->length))
        return false;
    for (uint32_t b = nblocks(s->length); b < CHUNK_BLOCKS; b++)
        if (s->crc[b])
            return false;
    return true;
}

/* ---- the index of live chunks ----------------------------------------------- */

/* Position of id in cs->live (or where it would go); *found says which. */
static uint32_t live_search(const struct chunkstore *cs, struct chunk_id id, bool *found)
{
    uint32_t lo = 0, hi = cs->nlive;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct chunkstore_slot *s = &cs->slot[cs->live[mid]];
        if (id_cmp(s->ino, s->index, id.ino, id.index) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const struct chunkstore_slot *s = lo < cs->nlive ? &cs->slot[cs->live[lo]] : 0;
    *found = s && s->ino == id.ino && s->index == id.index;
    return lo;
}

static uint32_t find(const struct chunkstore *cs, struct chunk_id id, uint32_t *pos)
{
    bool found;
    uint32_t at = live_search(cs, id, &found);
    if (pos)
        *pos = at;
    return found ? cs->live[at] : NO_SLOT;
}

static void live_insert(struct chunkstore *cs, uint32_t pos, uint32_t slot)
{
    for (uint32_t i = cs->nlive; i > pos; i--)
        cs->live[i] = cs->live[i - 1];
    cs->live[pos] = slot;
    cs->nlive++;
}

static void live_erase(struct chunkstore *cs, uint32_t pos)
{
    for (uint32_t i = pos; i + 1 < cs->nlive; i++)
        cs->live[i] = cs->live[i + 1];
    cs->nlive--;
}

/* Order of candidate headers at open: by chunk id, then newest first (version,
 * then seq, then slot so that even a crafted tie has one answer). */
static int cand_cmp(const struct chunkstore *cs, uint32_t a, uint32_t b)
{
    const struct chunkstore_slot *x = &cs->slot[a], *y = &cs->slot[b];
    int c = id_cmp(x->ino, x->index, y->ino, y->index);
    if (c)
        return c;
    if (x->version != y->version)
        return x->version > y->version ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq > y->seq ? -1 : 1;
    return a > b ? -1 : a < b;
}

static void sift_down(const struct chunkstore *cs, uint32_t *v, uint32_t root, uint32_t n)
{
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && cand_cmp(cs, v[child], v[child + 1]) < 0)
            child++;
        if (cand_cmp(cs, v[root], v[child]) >= 0)
            return;
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

/* Heapsort: no recursion, no extra memory, O(n log n) for any input. */
static void sort_candidates(const struct chunkstore *cs, uint32_t *v, uint32_t n)
{
    for (uint32_t i = n / 2; i-- > 0;)
        sift_down(cs, v, i, n);
    for (uint32_t end = n; end-- > 1;) {
        uint32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift_down(cs, v, 0, end);
    }
}

/* ---- format ------------------------------------------------------------------ */

uint32_t chunkstore_slots_for(uint64_t nsectors)
{
    uint64_t most = data_start_for(CHUNKSTORE_MAX_SLOTS) +
                    (uint64_t)CHUNKSTORE_MAX_SLOTS * CHUNKSTORE_SLOT_SECTORS;
    if (nsectors > most)
        nsectors = most; /* also keeps the sums below from wrapping */
    if (nsectors < data_start_for(2) + 2 * CHUNKSTORE_SLOT_SECTORS)
        return 0;
    uint64_t n = (nsectors - CHUNKSTORE_HDR_START) / (CHUNKSTORE_SLOT_SECTORS + 1);
    while (n > 2 && data_start_for(n) + n * CHUNKSTORE_SLOT_SECTORS > nsectors)
        n--;
    while (data_start_for(n + 1) + (n + 1) * CHUNKSTORE_SLOT_SECTORS <= nsectors)
        n++;
    return n > CHUNKSTORE_MAX_SLOTS ? CHUNKSTORE_MAX_SLOTS : (uint32_t)n;
}

size_t chunkstore_work_size(uint32_t nslots)
{
    size_t index = ((size_t)nslots * sizeof(uint32_t) + 7) & ~(size_t)7;
    return (size_t)nslots * sizeof(struct chunkstore_slot) + index + CHUNK_SIZE;
}

int chunkstore_format(const struct blockdev *dev, uint32_t node_id, uint64_t format_id)
{
    if (!dev || dev->sector_size != SEC || !dev->read || !dev->write || !dev->flush ||
        format_id == 0)
        return -EINVAL;
    uint32_t nslots = chunkstore_slots_for(dev->nsectors);
    if (nslots < 2)
        return -ENOSPC;

    /* An id unlike any superblock already here, so none of the old headers
     * and blocks check out under the new one. */
    uint8_t old[2][SEC];
    uint64_t old_id[2] = {0, 0};
    for (uint32_t i = 0; i < 2; i++)
        if (dev->read(dev->ctx, i, old[i], 1) == 0 && sb_intact(old[i])) {
            struct le_reader r = le_reader(old[i] + 24, 8);
            old_id[i] = le_get(&r, 8);
        }
    while (format_id == 0 || format_id == old_id[0] || format_id == old_id[1])
        format_id = format_id * 0x9e3779b97f4a7c15ull + 1;

    struct sb sb = {.nsectors = dev->nsectors,
                    .format_id = format_id,
                    .hdr_start = CHUNKSTORE_HDR_START,
                    .data_start = data_start_for(nslots),
                    .node_id = node_id,
                    .nslots = nslots};
    uint8_t p[SEC];
    sb_encode(p, &sb);
    /* The copy first: until sector 0 changes, open sees what was there before
     * (a blank region, or the old store); once it has, the copy is durable. */
    if (dev->write(dev->ctx, 1, p, 1) || dev->flush(dev->ctx) || dev->write(dev->ctx, 0, p, 1) ||
        dev->flush(dev->ctx))
        return -EIO;
    return 0;
}

/* ---- open --------------------------------------------------------------------- */

/* Reads the chunk in slot and checks every block inside its length against
 * its CRC: bit b of *bad for each block that fails. 0 or -EIO. */
static int check_data(struct chunkstore *cs, uint32_t slot, uint32_t *bad)
{
    const struct chunkstore_slot *s = &cs->slot[slot];
    uint32_t nb = nblocks(s->length);
    *bad = 0;
    if (nb == 0)
        return 0;
    if (dev_read(cs, data_sector(cs, slot), cs->buf, nb * BLOCK_SECTORS))
        return -EIO;
    for (uint32_t b = 0; b < nb; b++)
        if (block_crc(cs, cs->buf + b * CHUNK_BLOCK) != s->crc[b])
            *bad |= 1u << b;
    return 0;
}

/* Which superblock copy to trust: sector 0 if it holds one; the copy in
 * sector 1 only when sector 0 is not a superblock at all (torn or rotten),
 * never over a sector 0 that is intact but unacceptable. Leaves the chosen
 * one in cs->sec and says which copies need rewriting. */
static int choose_sb(struct chunkstore *cs, const uint8_t *s0, const uint8_t *s1, struct sb *sb,
                     bool repair[2])
{
    const char *why0 = 0, *why1 = 0;
    struct sb sb1;
    repair[0] = repair[1] = false;
    if (all_zero(s0, SEC))
        return fail(cs, -ENOENT, 0, "blank region (sector 0 is all zeros): format it");
    int rv0 = sb_decode(s0, cs->dev->nsectors, sb, &why0);
    int rv1 = sb_decode(s1, cs->dev->nsectors, &sb1, &why1);
    if (rv0 == 0) {
        copy(cs->sec, s0, SEC);
        for (uint32_t i = 0; i < SEC; i++)
            if (s0[i] != s1[i])
                repair[1] = true;
        return 0;
    }
    if (!sb_intact(s0) && rv1 == 0) {
        *sb = sb1;
        copy(cs->sec, s1, SEC);
        repair[0] = true;
        return 0;
    }
    return fail(cs, rv0, 0, why0);
}

int chunkstore_open(struct chunkstore *cs, const struct blockdev *dev, void *work, size_t work_len)
{
    zero(cs, sizeof *cs);
    cs->dev = dev;
    if (!dev || dev->sector_size != SEC || !dev->read || !dev->write || !dev->flush || !work ||
        (uintptr_t)work % 8 || dev->nsectors < 2)
        return fail(cs, -EINVAL, 0, "bad arguments (device, sector size, work memory)");
    if (work_len < 2 * SEC)
        return fail(cs, -ENOMEM, 0, "work memory too small");

    /* 1. The superblock, from either copy. */
    uint8_t *w = work;
    if (dev_read(cs, 0, w, 2))
        return fail(cs, -EIO, 0, "cannot read the superblock");
    struct sb sb;
    bool repair[2];
    int rv = choose_sb(cs, w, w + SEC, &sb, repair);
    if (rv)
        return rv;
    cs->format_id = sb.format_id;
    cs->node_id = sb.node_id;
    cs->nslots = sb.nslots;
    cs->hdr_start = sb.hdr_start;
    cs->data_start = sb.data_start;
    uint8_t id[8];
    struct le_writer iw = {id, 8, 0};
    le_put(&iw, cs->format_id, 8);
    cs->crc_seed = crc32c(id, 8);

    /* 2. Work memory: the slot table, the index, one chunk buffer. */
    if (work_len < chunkstore_work_size(cs->nslots))
        return fail(cs, -ENOMEM, 0, "work memory too small for the slot table");
    cs->slot = (struct chunkstore_slot *)work;
    cs->live = (uint32_t *)(w + (size_t)cs->nslots * sizeof(struct chunkstore_slot));
    cs->buf = w + chunkstore_work_size(cs->nslots) - CHUNK_SIZE;

    /* CRC32C is affine: for blocks of one size, seeded ^ unseeded is the same
     * for all data, so digests can use the unseeded CRCs every replica shares. */
    zero(cs->buf, CHUNK_BLOCK);
    cs->digest_xor = block_crc(cs, cs->buf) ^ crc32c(cs->buf, CHUNK_BLOCK);

    /* 3. The header table, in large reads. Every valid header is a candidate
     * (listed in cs->live for now); the one written last may be the write a
     * crash cut short. */
    uint32_t ncand = 0, last = NO_SLOT;
    for (uint32_t s0 = 0; s0 < cs->nslots; s0 += READ_BATCH) {
        uint32_t n = min32(READ_BATCH, cs->nslots - s0);
        if (dev_read(cs, cs->hdr_start + s0, cs->buf, n))
            return fail(cs, -EIO, cs->hdr_start + s0, "cannot read the header table");
        for (uint32_t i = 0; i < n; i++) {
            struct chunkstore_slot *s = &cs->slot[s0 + i];
            zero(s, sizeof *s);
            if (!hdr_decode(cs, cs->buf + (size_t)i * SEC, s0 + i, s)) {
                zero(s, sizeof *s);
                continue;
            }
            s->state = SLOT_LIVE;
            cs->live[ncand++] = s0 + i;
            if (last == NO_SLOT || s->seq > cs->slot[last].seq)
                last = s0 + i;
        }
    }
    cs->stats.open_headers = ncand;
    cs->next_seq = last == NO_SLOT ? 1 : cs->slot[last].seq + 1;

    /* 4. Every change writes one header and flushes before the next begins, so
     * only the header with the highest seq can belong to an unfinished write:
     * every other header was flushed with its data. Check that one's data; if
     * it fails (torn, or damage to the newest write, which looks the same),
     * drop it: the chunk falls back to its previous version, or is absent.
     * Blocks that write copied over already failing do not count: they fail
     * whether or not the write finished. */
    uint32_t dropped = NO_SLOT;
    if (last != NO_SLOT) {
        uint32_t bad;
        if (check_data(cs, last, &bad))
            return fail(cs, -EIO, data_sector(cs, last), "cannot read the newest chunk");
        if (bad & ~cs->slot[last].known_bad) {
            dropped = last;
            cs->slot[last].state = SLOT_FREE;
            uint32_t k = 0;
            for (uint32_t i = 0; i < ncand; i++)
                if (cs->live[i] != last)
                    cs->live[k++] = cs->live[i];
            ncand = k;
            cs->stats.open_dropped = 1;
        }
    }

    /* 5. Per chunk, the newest candidate is live, the rest stale. */
    sort_candidates(cs, cs->live, ncand);
    for (uint32_t i = 0; i < ncand; i++) {
        struct chunkstore_slot *s = &cs->slot[cs->live[i]];
        if (cs->nlive > 0) {
            const struct chunkstore_slot *p = &cs->slot[cs->live[cs->nlive - 1]];
            if (p->ino == s->ino && p->index == s->index) {
                s->state = SLOT_STALE;
                cs->stats.open_stale++;
                continue;
            }
        }
        cs->live[cs->nlive++] = cs->live[i];
    }

    /* 6. Repairs, durable before anything else is written: the dropped header
     * must go (once it is no longer the newest, nothing would check it), and
     * both superblock copies should agree. */
    bool wrote = false;
    if (dropped != NO_SLOT) {
        zero(cs->buf, SEC);
        if (dev_write(cs, cs->hdr_start + dropped, cs->buf, 1))
            return fail(cs, -EIO, cs->hdr_start + dropped, "cannot clear a torn header");
        wrote = true;
    }
    for (uint32_t i = 0; i < 2; i++)
        if (repair[i]) {
            if (dev_write(cs, i, cs->sec, 1))
                return fail(cs, -EIO, i, "cannot repair the superblock");
            cs->stats.open_sb_repaired = true;
            wrote = true;
        }
    if (wrote && dev_flush(cs))
        return fail(cs, -EIO, 0, "flush failed");
    return 0;
}

/* ---- the copy-on-write engine -------------------------------------------------- */

/* A change: bytes data[0..len) at off (len 0: none), the new length, version
 * and token. Everything else of the old version is kept. */
struct edit {
    const uint8_t *data;
    uint32_t off, len, new_len;
    uint64_t version, token;
};

enum {
    BLK_BUILD,  /* nothing of the old block survives: zeros and new bytes */
    BLK_COPY,   /* unchanged: copied as it is, with its CRC (known_bad if it fails) */
    BLK_MODIFY, /* old bytes and new: the old block must check out */
};

static int block_kind(uint32_t b, uint32_t old_len, const struct edit *e)
{
    uint32_t lo = b * CHUNK_BLOCK, hi = lo + CHUNK_BLOCK;
    uint32_t keep_hi = min32(hi, min32(old_len, e->new_len)); /* old bytes still wanted */
    bool touched = e->len && e->off < hi && e->off + e->len > lo;
    bool covered = e->len && e->off <= lo && e->off + e->len >= keep_hi;
    if (keep_hi <= lo || covered)
        return BLK_BUILD;
    /* Same bytes inside the length and past it: a gap the old length left,
     * or a cut, changes the block even where no new byte lands. */
    bool same_tail = old_len == e->new_len || (old_len >= hi && e->new_len >= hi);
    return !touched && same_tail ? BLK_COPY : BLK_MODIFY;
}

/* A slot with no live chunk, from the cursor on (spreads writes over the
 * region, and leaves a stale copy in place for about one sweep). */
static uint32_t pick_slot(const struct chunkstore *cs)
{
    for (uint32_t i = 0; i < cs->nslots; i++) {
        uint32_t s = cs->cursor + i;
        if (s >= cs->nslots)
            s -= cs->nslots;
        if (cs->slot[s].state != SLOT_LIVE)
            return s;
    }
    return NO_SLOT;
}

/* Writes the new version of chunk id (now in slot old, NO_SLOT if none; pos
 * is its place in cs->live) into a free slot: data, header, one flush. Only
 * then does memory change, and the old slot become reusable. */
static int apply(struct chunkstore *cs, struct chunk_id id, uint32_t old, uint32_t pos,
                 const struct edit *e)
{
    const struct chunkstore_slot *o = old != NO_SLOT ? &cs->slot[old] : 0;
    uint32_t old_len = o ? o->length : 0;
    /* One slot stays in reserve for new chunks, so that every stored chunk
     * can always be rewritten, truncated and fenced. */
    if (cs->nslots - cs->nlive < (o ? 1u : 2u))
        return -ENOSPC;
    uint32_t n = pick_slot(cs);
    if (n == NO_SLOT)
        return -ENOSPC;

    uint32_t nb = nblocks(e->new_len);
    uint8_t kind[CHUNK_BLOCKS];
    for (uint32_t b = 0; b < nb; b++)
        kind[b] = (uint8_t)block_kind(b, old_len, e);
    /* Old blocks still needed, in runs of adjacent ones: one read per run. */
    for (uint32_t b = 0; b < nb;) {
        if (kind[b] == BLK_BUILD) {
            b++;
            continue;
        }
        uint32_t r = b;
        while (r < nb && kind[r] != BLK_BUILD)
            r++;
        if (dev_read(cs, data_sector(cs, old) + b * BLOCK_SECTORS, cs->buf + b * CHUNK_BLOCK,
                     (r - b) * BLOCK_SECTORS))
            return -EIO;
        b = r;
    }

    struct chunkstore_slot ns;
    zero(&ns, sizeof ns);
    ns.ino = id.ino;
    ns.index = id.index;
    ns.length = e->new_len;
    ns.version = e->version;
    ns.token = e->token;
    ns.seq = cs->next_seq;
    ns.state = SLOT_LIVE;
    for (uint32_t b = 0; b < nb; b++) {
        uint8_t *p = cs->buf + b * CHUNK_BLOCK;
        uint32_t lo = b * CHUNK_BLOCK, hi = lo + CHUNK_BLOCK;
        if (kind[b] == BLK_COPY) {
            /* A rotten block keeps its old CRC and stays detectably rotten
             * (never a fresh CRC over bad bytes), marked so that open does
             * not take it for a torn write. The chunk stays fenceable and
             * writable elsewhere until a put() repairs it. */
            ns.crc[b] = o->crc[b];
            if (block_crc(cs, p) != o->crc[b])
                ns.known_bad |= 1u << b;
            continue;
        }
        if (kind[b] == BLK_MODIFY) {
            if (block_crc(cs, p) != o->crc[b])
                return -EBADMSG;
            if (old_len < hi)
                zero(p + (old_len - lo), hi - old_len);
        } else {
            zero(p, CHUNK_BLOCK);
        }
        if (e->len && e->off < hi && e->off + e->len > lo) {
            uint32_t from = e->off > lo ? e->off : lo, to = min32(e->off + e->len, hi);
            copy(p + (from - lo), e->data + (from - e->off), to - from);
        }
        if (e->new_len < hi)
            zero(p + (e->new_len - lo), hi - e->new_len);
        ns.crc[b] = block_crc(cs, p);
    }

    hdr_encode(cs, cs->sec, n, &ns);
    cs->next_seq++;
    if (nb && dev_write(cs, data_sector(cs, n), cs->buf, nb * BLOCK_SECTORS))
        return -EIO;
    if (dev_write(cs, cs->hdr_start + n, cs->sec, 1) || dev_flush(cs))
        return -EIO;

    /* Durable. The old header stays on disk, older than the new one: stale. */
    if (o)
        cs->slot[old].state = SLOT_STALE;
    cs->slot[n] = ns;
    if (o)
        cs->live[pos] = n;
    else
        live_insert(cs, pos, n);
    cs->cursor = n + 1 == cs->nslots ? 0 : n + 1;
    return 0;
}

/* The stored chunk's version, token and length (zeros if none). */
static void current(const struct chunkstore *cs, uint32_t slot, uint64_t *version, uint64_t *token,
                    uint32_t *length)
{
    const struct chunkstore_slot *s = slot != NO_SLOT ? &cs->slot[slot] : 0;
    *version = s ? s->version : 0;
    *token = s ? s->token : 0;
    *length = s ? s->length : 0;
}

/* ---- the calls --------------------------------------------------------------------- */

int chunkstore_write(struct chunkstore *cs, struct chunk_id id, uint32_t off, const void *data,
                     uint32_t len, uint64_t new_version, uint64_t token)
{
    if (cs->broken)
        return -EIO;
    if (off > CHUNK_SIZE || len > CHUNK_SIZE - off || (len && !data))
        return -EINVAL;
    uint32_t pos, slot = find(cs, id, &pos), length;
    uint64_t version, stored_token;
    current(cs, slot, &version, &stored_token, &length);
    if (new_version <= version || token < stored_token)
        return -ESTALE;
    struct edit e = {data, off, len, length, new_version, token};
    if (len && off + len > length)
        e.new_len = off + len;
    return apply(cs, id, slot, pos, &e);
}

int chunkstore_put(struct chunkstore *cs, struct chunk_id id, const void *data, uint32_t length,
                   uint64_t version, uint64_t token)
{
    if (cs->broken)
        return -EIO;
    if (length > CHUNK_SIZE || (length && !data))
        return -EINVAL;
    uint32_t pos, slot = find(cs, id, &pos), old_len;
    uint64_t old_version, stored_token;
    current(cs, slot, &old_version, &stored_token, &old_len);
    if (version < old_version || token < stored_token)
        return -ESTALE;
    struct edit e = {data, 0, length, length, version, token};
    return apply(cs, id, slot, pos, &e);
}

int chunkstore_truncate(struct chunkstore *cs, struct chunk_id id, uint32_t new_length,
                        uint64_t new_version, uint64_t token)
{
    if (cs->broken)
        return -EIO;
    if (new_length > CHUNK_SIZE)
        return -EINVAL;
    uint32_t pos, slot = find(cs, id, &pos), length;
    uint64_t version, stored_token;
    current(cs, slot, &version, &stored_token, &length);
    if (new_version <= version || token < stored_token)
        return -ESTALE;
    struct edit e = {0, 0, 0, new_length, new_version, token};
    return apply(cs, id, slot, pos, &e);
}

int chunkstore_fence(struct chunkstore *cs, struct chunk_id id, uint64_t token)
{
    if (cs->broken)
        return -EIO;
    uint32_t pos, slot = find(cs, id, &pos), length;
    uint64_t version, stored_token;
    current(cs, slot, &version, &stored_token, &length);
    if (token < stored_token)
        return -ESTALE;
    if (token == stored_token)
        return 0; /* already durable (or 0 on a missing chunk: nothing to keep) */
    struct edit e = {0, 0, 0, length, version, token};
    return apply(cs, id, slot, pos, &e);
}

int chunkstore_remove(struct chunkstore *cs, struct chunk_id id)
{
    if (cs->broken)
        return -EIO;
    uint32_t pos, slot = find(cs, id, &pos);
    if (slot == NO_SLOT)
        return -ENOENT;
    /* Older copies first and durably: if the current header went first and
     * the crash came before the rest, an older version would come back. */
    zero(cs->sec, SEC);
    bool stale = false;
    for (uint32_t s = 0; s < cs->nslots; s++) {
        const struct chunkstore_slot *p = &cs->slot[s];
        if (p->state == SLOT_STALE && p->ino == id.ino && p->index == id.index) {
            if (dev_write(cs, cs->hdr_start + s, cs->sec, 1))
                return -EIO;
            stale = true;
        }
    }
    if (stale && dev_flush(cs))
        return -EIO;
    if (dev_write(cs, cs->hdr_start + slot, cs->sec, 1) || dev_flush(cs))
        return -EIO;
    for (uint32_t s = 0; s < cs->nslots; s++) {
        struct chunkstore_slot *p = &cs->slot[s];
        if (p->state != SLOT_FREE && p->ino == id.ino && p->index == id.index)
            zero(p, sizeof *p);
    }
    live_erase(cs, pos);
    return 0;
}

int chunkstore_read(struct chunkstore *cs, struct chunk_id id, uint32_t off, uint32_t len,
                    void *buf)
{
    if (cs->broken)
        return -EIO;
    if (off > CHUNK_SIZE || len > CHUNK_SIZE - off || (len && !buf))
        return -EINVAL;
    zero(buf, len);
    uint32_t slot = find(cs, id, 0);
    if (slot == NO_SLOT)
        return -ENOENT;
    const struct chunkstore_slot *s = &cs->slot[slot];
    uint32_t end = min32(off + len, s->length);
    if (off >= end)
        return 0;
    uint32_t b0 = off / CHUNK_BLOCK, b1 = (end - 1) / CHUNK_BLOCK + 1;
    if (dev_read(cs, data_sector(cs, slot) + b0 * BLOCK_SECTORS, cs->buf + b0 * CHUNK_BLOCK,
                 (b1 - b0) * BLOCK_SECTORS))
        return -EIO;
    for (uint32_t b = b0; b < b1; b++)
        if (block_crc(cs, cs->buf + b * CHUNK_BLOCK) != s->crc[b])
            return -EBADMSG;
    copy(buf, cs->buf + off, end - off);
    return 0;
}

int chunkstore_verify(struct chunkstore *cs, struct chunk_id id, uint32_t *bad_blocks)
{
    if (bad_blocks)
        *bad_blocks = 0;
    if (cs->broken)
        return -EIO;
    uint32_t slot = find(cs, id, 0), bad;
    if (slot == NO_SLOT)
        return -ENOENT;
    if (check_data(cs, slot, &bad))
        return -EIO;
    if (bad_blocks)
        *bad_blocks = bad;
    return bad ? -EBADMSG : 0;
}

int chunkstore_info(const struct chunkstore *cs, struct chunk_id id, uint64_t *version,
                    uint64_t *token, uint32_t *length)
{
    if (cs->broken)
        return -EIO;
    uint32_t slot = find(cs, id, 0);
    if (slot == NO_SLOT)
        return -ENOENT;
    const struct chunkstore_slot *s = &cs->slot[slot];
    if (version)
        *version = s->version;
    if (token)
        *token = s->token;
    if (length)
        *length = s->length;
    return 0;
}

static void fill_entry(const struct chunkstore *cs, const struct chunkstore_slot *s,
                       struct chunkstore_entry *e);

int chunkstore_next(const struct chunkstore *cs, const struct chunk_id *after,
                    struct chunkstore_entry *e)
{
    if (cs->broken)
        return -EIO;
    uint32_t pos = 0;
    if (after) {
        bool found;
        pos = live_search(cs, *after, &found);
        if (found)
            pos++;
    }
    if (pos >= cs->nlive)
        return -ENOENT;
    fill_entry(cs, &cs->slot[cs->live[pos]], e);
    return 0;
}

int chunkstore_entry(const struct chunkstore *cs, struct chunk_id id, struct chunkstore_entry *e)
{
    if (cs->broken)
        return -EIO;
    uint32_t slot = find(cs, id, 0);
    if (slot == NO_SLOT)
        return -ENOENT;
    fill_entry(cs, &cs->slot[slot], e);
    return 0;
}

static void fill_entry(const struct chunkstore *cs, const struct chunkstore_slot *s,
                       struct chunkstore_entry *e)
{
    uint8_t d[CHUNK_BLOCKS * 4 + 12];
    struct le_writer w = {d, sizeof d, 0};
    uint32_t nb = nblocks(s->length);
    for (uint32_t b = 0; b < CHUNK_BLOCKS; b++)
        le_put(&w, b < nb ? s->crc[b] ^ cs->digest_xor : 0, 4);
    le_put(&w, s->version, 8);
    le_put(&w, s->length, 4);
    e->id = (struct chunk_id){s->ino, s->index};
    e->version = s->version;
    e->token = s->token;
    e->length = s->length;
    e->digest = crc32c(d, sizeof d);
}

void chunkstore_stats(const struct chunkstore *cs, struct chunkstore_stats *st)
{
    *st = cs->stats;
    st->nslots = cs->nslots;
    st->used = cs->nlive;
    st->free = cs->nslots - cs->nlive;
    st->bytes_used = 0;
    for (uint32_t i = 0; i < cs->nlive; i++)
        st->bytes_used += cs->slot[cs->live[i]].length;
    st->bytes_free = st->free > 1 ? (uint64_t)(st->free - 1) * CHUNK_SIZE : 0;
}
