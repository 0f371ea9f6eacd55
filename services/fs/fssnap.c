/* services/fs/fssnap.c: snapshots of the file service's metadata machine
 * (fsm_snapshot, fsm_restore in fsmachine.h; the layout is tabled in
 * docs/fs-machine.md).
 *
 * Layout, little-endian, format 2:
 *   head     magic u32 "FSM1", format u32 = 2, applied u64, n_sessions u16,
 *            n_clients u16, n_inodes u16, n_dirents u16, n_opens u16,
 *            n_chunks u32 (reserved: 0), out_nodes u64 (the nodes chunks are
 *            placed without; format 1 had no such field)
 *   sessions (slot order)  sessiontab_put: slot u16, id u64, nonce u64, node u32
 *   clients  (slot order)  dedup_put: slot u16, id u64, seq u64, last_used u64,
 *                          status i32, version u64, index u64
 *   inodes   (ino order)   ino u64, parent u64, type u8, mode u16, size u64
 *                          (0 for a directory), mtime_ns u64, ctime_ns u64,
 *                          version u64: 51 bytes each
 *   dirents  ((parent, name) order)  parent u64, ino u64, name_len u8, name
 *   opens    ((session, pid, ino) order)  session u64, pid i32, ino u64, count u32
 *   chunks   none yet (a chunk table would go here, with a new format)
 *   crc32c u32 of everything before it
 * What the entries determine is not stored: every nlink and a directory's
 * size are recomputed by the restore, so they cannot disagree with the
 * entries. The layout is canonical: a machine gives one byte string, and a
 * snapshot that restores snapshots back to exactly itself.
 *
 * A restore checks the length and the CRC, then runs restore_pass twice over
 * the same bytes: first with no machine, only validating, then filling the
 * machine. One function does both, so nothing reaches the machine that the
 * first pass did not accept, and a refused snapshot leaves it untouched.
 * The first pass needs to look inodes up by number before it has a machine
 * to look in: inode records have a fixed size and are sorted by number, so
 * it binary-searches them in the snapshot bytes themselves. */
#include "lib/crc32c.h"
#include "services/fs/fstab.h"

#define SNAP_MAGIC 0x314d5346u /* "FSM1" */
#define SNAP_FORMAT 2
#define SNAP_HEAD (4 + 4 + 8 + 5 * 2 + 4 + 8)
#define SNAP_INODE (8 + 8 + 1 + 2 + 8 + 8 + 8 + 8)
#define SNAP_DIRENT_MAX (8 + 8 + 1 + FS_NAME_MAX)
#define SNAP_OPEN (8 + 4 + 8 + 4)

size_t fsm_snapshot_max(void)
{
    return SNAP_HEAD + FS_MAX_SESSIONS * SESSIONTAB_SNAP_ENTRY + FS_MAX_CLIENTS * DEDUP_SNAP_ENTRY +
           FS_MAX_INODES * SNAP_INODE + (FS_MAX_INODES - 1) * SNAP_DIRENT_MAX +
           FS_MAX_OPENS * SNAP_OPEN + 4;
}

long fsm_snapshot(const struct fs_machine *m, uint8_t *buf, size_t cap)
{
    struct le_writer w = {buf, cap, 0};
    le_put(&w, SNAP_MAGIC, 4);
    le_put(&w, SNAP_FORMAT, 4);
    le_put(&w, m->applied, 8);
    le_put(&w, sessiontab_count(m->s, FS_MAX_SESSIONS), 2);
    le_put(&w, dedup_count(m->c, FS_MAX_CLIENTS), 2);
    le_put(&w, m->n_inodes, 2);
    le_put(&w, m->n_dirents, 2);
    le_put(&w, m->n_opens, 2);
    le_put(&w, 0, 4); /* chunks: none */
    le_put(&w, m->out_nodes, 8);
    sessiontab_put(&w, m->s, FS_MAX_SESSIONS);
    dedup_put(&w, m->c, FS_MAX_CLIENTS);
    for (uint32_t i = 0; i < m->n_inodes; i++) {
        const struct fsm_inode *n = &m->inodes[i];
        le_put(&w, n->ino, 8);
        le_put(&w, n->parent, 8);
        le_put(&w, n->type, 1);
        le_put(&w, n->mode, 2);
        le_put(&w, n->type == FS_T_DIR ? 0 : n->size, 8);
        le_put(&w, n->mtime_ns, 8);
        le_put(&w, n->ctime_ns, 8);
        le_put(&w, n->version, 8);
    }
    for (uint32_t i = 0; i < m->n_dirents; i++) {
        const struct fsm_dirent *d = &m->dirents[i];
        le_put(&w, d->parent, 8);
        le_put(&w, d->ino, 8);
        le_put(&w, d->name_len, 1);
        le_put_bytes(&w, d->name, d->name_len);
    }
    for (uint32_t i = 0; i < m->n_opens; i++) {
        const struct fsm_open *o = &m->opens[i];
        le_put(&w, o->session, 8);
        le_put(&w, (uint32_t)o->pid, 4);
        le_put(&w, o->ino, 8);
        le_put(&w, o->count, 4);
    }
    if (w.n > w.cap || w.cap - w.n < 4)
        return -EMSGSIZE;
    le_put(&w, crc32c(buf, w.n), 4);
    return (long)w.n;
}

/* ---- restore ---------------------------------------------------------------- */

/* One inode record of the snapshot, decoded. */
struct rec {
    uint64_t ino, parent, size, mtime_ns, ctime_ns, version;
    uint16_t mode;
    uint8_t type;
};

/* The inode records: n of them at base, SNAP_INODE bytes each, all inside
 * the buffer (checked before any is read). */
struct recs {
    const uint8_t *base;
    uint32_t n;
};

static void rec_read(const struct recs *t, uint32_t k, struct rec *x)
{
    struct le_reader r = le_reader(t->base + (size_t)k * SNAP_INODE, SNAP_INODE);
    x->ino = le_get(&r, 8);
    x->parent = le_get(&r, 8);
    x->type = (uint8_t)le_get(&r, 1);
    x->mode = (uint16_t)le_get(&r, 2);
    x->size = le_get(&r, 8);
    x->mtime_ns = le_get(&r, 8);
    x->ctime_ns = le_get(&r, 8);
    x->version = le_get(&r, 8);
}

static uint64_t rec_ino(const struct recs *t, uint32_t k)
{
    struct le_reader r = le_reader(t->base + (size_t)k * SNAP_INODE, 8);
    return le_get(&r, 8);
}

/* The record number of inode ino, or -1 (a binary search: the first pass
 * checks the records are sorted, and until it has, a wrong answer here only
 * makes it refuse sooner or later). */
static int rec_find(const struct recs *t, uint64_t ino)
{
    uint32_t lo = 0, hi = t->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (rec_ino(t, mid) < ino)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && rec_ino(t, lo) == ino ? (int)lo : -1;
}

static uint64_t rec_parent(const struct recs *t, uint32_t k)
{
    struct le_reader r = le_reader(t->base + (size_t)k * SNAP_INODE + 8, 8);
    return le_get(&r, 8);
}

static uint8_t rec_type(const struct recs *t, uint32_t k)
{
    return t->base[(size_t)k * SNAP_INODE + 16];
}

#define BIT(set, k) ((set)[(k) / 8] & (1u << ((k) % 8)))
#define SET(set, k) ((set)[(k) / 8] |= (uint8_t)(1u << ((k) % 8)))

/* Is session id among the n entries at base (SESSIONTAB_SNAP_ENTRY each)? */
static bool session_listed(const uint8_t *base, uint32_t n, uint64_t id)
{
    for (uint32_t k = 0; k < n; k++) {
        struct le_reader r = le_reader(base + (size_t)k * SESSIONTAB_SNAP_ENTRY + 2, 8);
        if (le_get(&r, 8) == id)
            return true;
    }
    return false;
}

/* Inodes: sorted by number; the root first; types, modes, sizes and
 * versions in range; a parent, if any, an existing directory. With m, fill
 * them in (nlink from linked-ness alone; the entries add the rest). */
static bool pass_inodes(struct fs_machine *m, const struct recs *t, uint64_t applied)
{
    uint64_t prev = 0;
    for (uint32_t k = 0; k < t->n; k++) {
        struct rec x;
        rec_read(t, k, &x);
        if (k == 0 && (x.ino != FS_ROOT_INO || x.parent != 0 || x.type != FS_T_DIR))
            return false;
        if (x.ino <= prev || x.ino > applied || x.version == 0 || (x.mode & ~FS_MODE_MASK))
            return false;
        if (x.type == FS_T_FILE ? x.size > FS_FILE_MAX : (x.type != FS_T_DIR || x.size != 0))
            return false;
        if (x.parent != 0) {
            int p = rec_find(t, x.parent);
            if (p < 0 || x.parent == x.ino || rec_type(t, (uint32_t)p) != FS_T_DIR)
                return false;
        }
        prev = x.ino;
        if (m) {
            bool linked = x.parent != 0 || k == 0;
            uint32_t nlink = !linked ? 0 : (x.type == FS_T_DIR ? 2 : 1);
            fst_inode_set(&m->inodes[k], x.ino, x.parent, x.type, x.mode, nlink, x.size, x.mtime_ns,
                          x.ctime_ns, x.version);
        }
    }
    return true;
}

/* Entries: strictly sorted, names valid, each naming an existing inode other
 * than the root whose parent field agrees, no inode named twice (`linked`
 * marks the records named). With m, fill them in and count each into its
 * directory's size and (for a subdirectory) nlink. */
static bool pass_dirents(struct fs_machine *m, struct le_reader *r, const struct recs *t,
                         uint32_t nd, uint8_t *linked)
{
    uint64_t prev_parent = 0;
    const char *prev_name = 0;
    size_t prev_len = 0;
    for (uint32_t k = 0; k < nd; k++) {
        uint64_t parent = le_get(r, 8), ino = le_get(r, 8);
        size_t len = (size_t)le_get(r, 1);
        const char *name = (const char *)r->p + r->at;
        if (!le_get_bytes(r, 0, len) || fs_name_check(name, len) != 0)
            return false;
        if (prev_name && fst_dirent_cmp(prev_parent, prev_name, prev_len, parent, name, len) >= 0)
            return false;
        prev_parent = parent, prev_name = name, prev_len = len;
        int c = rec_find(t, ino);
        if (c <= 0 || rec_parent(t, (uint32_t)c) != parent || BIT(linked, c))
            return false; /* absent, the root, in another directory, or named twice */
        SET(linked, c);
        if (m) {
            fst_dirent_set(&m->dirents[k], parent, name, len, ino);
            struct fsm_inode *p = &m->inodes[rec_find(t, parent)];
            p->size++;
            if (rec_type(t, (uint32_t)c) == FS_T_DIR)
                p->nlink++;
        }
    }
    return true;
}

/* Every inode with a parent has an entry, and every one hangs from the root:
 * walking up its parents reaches the root, not an orphan or a cycle. Each
 * walk stops at the first inode already known to reach the root (`reach`),
 * and marks the ones it passed, so the whole check is O(n log n); a cycle
 * shows as a walk longer than there are inodes. */
static bool pass_tree(const struct recs *t, const uint8_t *linked, uint8_t *reach)
{
    SET(reach, 0); /* the root */
    for (uint32_t k = 1; k < t->n; k++) {
        uint64_t parent = rec_parent(t, k);
        if ((parent != 0) != (BIT(linked, k) != 0))
            return false;
        if (parent == 0)
            continue; /* an orphan: checked against the opens */
        uint32_t x = k, steps = 0;
        while (!BIT(reach, x)) {
            uint64_t up = rec_parent(t, x);
            if (up == 0 || ++steps > t->n)
                return false;              /* under an orphan directory, or in a cycle */
            x = (uint32_t)rec_find(t, up); /* exists: pass_inodes checked */
        }
        for (x = k; !BIT(reach, x); x = (uint32_t)rec_find(t, rec_parent(t, x)))
            SET(reach, x);
    }
    return true;
}

/* Opens: strictly sorted, counts in range, each of a listed session and an
 * existing inode (`opened` marks the records referenced). */
static bool pass_opens(struct fs_machine *m, struct le_reader *r, const struct recs *t, uint32_t no,
                       const uint8_t *sessions, uint32_t ns, uint8_t *opened)
{
    uint64_t ps = 0, pi = 0;
    int32_t pp = 0;
    for (uint32_t k = 0; k < no; k++) {
        uint64_t session = le_get(r, 8);
        int32_t pid = (int32_t)(uint32_t)le_get(r, 4);
        uint64_t ino = le_get(r, 8);
        uint32_t count = (uint32_t)le_get(r, 4);
        if (!r->ok || count == 0 || count > FS_OPEN_COUNT_MAX)
            return false;
        if (k > 0 && fst_open_cmp(ps, pp, pi, session, pid, ino) >= 0)
            return false;
        ps = session, pp = pid, pi = ino;
        int c = rec_find(t, ino);
        if (c < 0 || !session_listed(sessions, ns, session))
            return false;
        SET(opened, c);
        if (m)
            fst_open_set(&m->opens[k], session, pid, ino, count);
    }
    return true;
}

/* One pass over a snapshot whose length and CRC were checked (len excludes
 * the CRC): with m NULL it only validates; with m (cleared) it fills it. */
static bool restore_pass(struct fs_machine *m, const uint8_t *buf, size_t len)
{
    struct le_reader r = le_reader(buf, len);
    if (le_get(&r, 4) != SNAP_MAGIC || le_get(&r, 4) != SNAP_FORMAT)
        return false;
    uint64_t applied = le_get(&r, 8);
    uint32_t ns = (uint32_t)le_get(&r, 2), nc = (uint32_t)le_get(&r, 2);
    uint32_t ni = (uint32_t)le_get(&r, 2), nd = (uint32_t)le_get(&r, 2);
    uint32_t no = (uint32_t)le_get(&r, 2), nchunks = (uint32_t)le_get(&r, 4);
    uint64_t out_nodes = le_get(&r, 8);
    if (!r.ok || applied < FS_ROOT_INO || ns > FS_MAX_SESSIONS || nc > FS_MAX_CLIENTS || ni == 0 ||
        ni > FS_MAX_INODES || nd >= ni || no > FS_MAX_OPENS || nchunks != 0)
        return false;
    const uint8_t *sessions = buf + r.at;
    if (!sessiontab_get(&r, m ? m->s : 0, FS_MAX_SESSIONS, ns, applied) ||
        !dedup_get(&r, m ? m->c : 0, FS_MAX_CLIENTS, nc, applied))
        return false;
    if (le_left(&r) < (size_t)ni * SNAP_INODE)
        return false;
    struct recs t = {buf + r.at, ni};
    r.at += (size_t)ni * SNAP_INODE;
    uint8_t linked[FS_MAX_INODES / 8], reach[FS_MAX_INODES / 8], opened[FS_MAX_INODES / 8];
    __builtin_memset(linked, 0, sizeof linked);
    __builtin_memset(reach, 0, sizeof reach);
    __builtin_memset(opened, 0, sizeof opened);
    if (!pass_inodes(m, &t, applied) || !pass_dirents(m, &r, &t, nd, linked) ||
        !pass_tree(&t, linked, reach) || !pass_opens(m, &r, &t, no, sessions, ns, opened))
        return false;
    for (uint32_t k = 1; k < ni; k++)
        if (rec_parent(&t, k) == 0 && !BIT(opened, k))
            return false; /* an orphan nothing references would have been freed */
    if (m) {
        m->applied = applied;
        m->n_inodes = ni;
        m->n_dirents = nd;
        m->n_opens = no;
        m->out_nodes = out_nodes;
    }
    return r.ok && r.at == len;
}

int fsm_restore(struct fs_machine *m, const uint8_t *buf, size_t len)
{
    if (len < SNAP_HEAD + SNAP_INODE + 4 || len > fsm_snapshot_max())
        return -EBADMSG;
    uint32_t crc = 0;
    for (int i = 0; i < 4; i++)
        crc |= (uint32_t)buf[len - 4 + (size_t)i] << (8 * i);
    if (crc32c(buf, len - 4) != crc || !restore_pass(0, buf, len - 4))
        return -EBADMSG;
    __builtin_memset(m, 0, sizeof *m);
    restore_pass(m, buf, len - 4);
    return 0;
}
