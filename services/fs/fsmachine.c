/* services/fs/fsmachine.c: the file service's metadata state machine:
 * its commands (fsmachine.h; reads are in fsread.c, snapshots in fssnap.c,
 * the lookups both use in fslookup.c; semantics, errors and invariants in
 * docs/fs-machine.md).
 *
 * Deterministic by construction: no clock (times come from the command's
 * now_ns), no randomness, no allocation, and every choice that could differ
 * between replicas is a fixed rule over the machine's own contents: a new
 * inode's number is the command's log index and goes at the end of the
 * sorted inode table; entries and open references live in sorted tables;
 * sessions and clients take slots by sessiontab's and dedup's rules.
 *
 * Each command is checked completely before it changes anything: every
 * error return below comes before the first write, so a refused command
 * leaves the machine as it was (but for `applied` and the client table). */
#include "services/fs/fsmachine.h"

#include "services/fs/fstab.h"

/* ---- the tables ----------------------------------------------------------- */

/* Callers have checked that (parent, name) is absent and there is room. */
static void dirent_insert(struct fs_machine *m, uint64_t parent, const char *name, size_t len,
                          uint64_t ino)
{
    uint32_t i = fst_dirent_lower(m, parent, name, len);
    __builtin_memmove(&m->dirents[i + 1], &m->dirents[i],
                      (m->n_dirents - i) * sizeof m->dirents[0]);
    m->n_dirents++;
    fst_dirent_set(&m->dirents[i], parent, name, len, ino);
}

static void dirent_remove(struct fs_machine *m, uint32_t i)
{
    __builtin_memmove(&m->dirents[i], &m->dirents[i + 1],
                      (m->n_dirents - i - 1) * sizeof m->dirents[0]);
    m->n_dirents--;
    __builtin_memset(&m->dirents[m->n_dirents], 0, sizeof m->dirents[0]);
}

/* A new inode numbered index: the largest number yet (every existing one
 * came from an earlier index), so it goes at the end and the table stays
 * sorted. Callers have checked there is room. Returns its slot. */
static uint32_t inode_new(struct fs_machine *m, uint64_t index, uint8_t type, uint16_t mode,
                          uint64_t parent, uint64_t now)
{
    uint32_t i = m->n_inodes++;
    fst_inode_set(&m->inodes[i], index, parent, type, mode, type == FS_T_DIR ? 2 : 1, 0, now, now,
                  1);
    return i;
}

/* The chunk hook: the data of inode ino from chunk `from` on is no longer
 * reachable (a file shrank, was truncated, or is being freed). File data is
 * not part of this machine yet, so there is nothing to drop. When the chunk
 * table arrives (fsmachine.h, "reserved"), this removes the entries of ino
 * with chunk number >= from, in chunk order, and records them for the chunk
 * servers' garbage collection; the partial chunk below `from` is the data
 * path's business (it zeroes the tail past the new size). */
static void drop_chunks(struct fs_machine *m, uint64_t ino, uint64_t from)
{
    (void)m;
    (void)ino;
    (void)from;
}

/* The first chunk wholly past a file of `size` bytes. */
static uint64_t chunks_for(uint64_t size)
{
    return size / FS_CHUNK_SIZE + (size % FS_CHUNK_SIZE != 0);
}

/* Free the inode in slot i: it is not linked and nothing references it. */
static void inode_free(struct fs_machine *m, uint32_t i)
{
    drop_chunks(m, m->inodes[i].ino, 0);
    __builtin_memmove(&m->inodes[i], &m->inodes[i + 1],
                      (m->n_inodes - i - 1) * sizeof m->inodes[0]);
    m->n_inodes--;
    __builtin_memset(&m->inodes[m->n_inodes], 0, sizeof m->inodes[0]);
}

/* A data change: mtime and ctime to now, a new version. */
static void touch(struct fsm_inode *n, uint64_t now)
{
    n->mtime_ns = now;
    n->ctime_ns = now;
    n->version++;
}

/* A metadata-only change: ctime to now, a new version. */
static void changed(struct fsm_inode *n, uint64_t now)
{
    n->ctime_ns = now;
    n->version++;
}

/* A file's size to `size`, dropping the chunks past it when it shrinks. */
static void set_size(struct fs_machine *m, struct fsm_inode *n, uint64_t size, uint64_t now)
{
    if (size < n->size)
        drop_chunks(m, n->ino, chunks_for(size));
    n->size = size;
    touch(n, now);
}

/* ---- open references -------------------------------------------------------- */

/* The first slot at or after (session, pid, ino). */
static uint32_t open_lower(const struct fs_machine *m, uint64_t session, int32_t pid, uint64_t ino)
{
    uint32_t lo = 0, hi = m->n_opens;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct fsm_open *o = &m->opens[mid];
        if (fst_open_cmp(o->session, o->pid, o->ino, session, pid, ino) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int open_slot(const struct fs_machine *m, uint64_t session, int32_t pid, uint64_t ino)
{
    uint32_t i = open_lower(m, session, pid, ino);
    if (i < m->n_opens &&
        fst_open_cmp(m->opens[i].session, m->opens[i].pid, m->opens[i].ino, session, pid, ino) == 0)
        return (int)i;
    return -1;
}

static bool has_refs(const struct fs_machine *m, uint64_t ino)
{
    for (uint32_t i = 0; i < m->n_opens; i++)
        if (m->opens[i].ino == ino)
            return true;
    return false;
}

/* Could (session, pid) take one more reference to ino? 0, -ESTALE (no such
 * session), -EMFILE (it holds FS_OPEN_COUNT_MAX already) or -ENOSPC (a new
 * entry and the table is full). */
static int open_check(const struct fs_machine *m, uint64_t session, int32_t pid, uint64_t ino)
{
    if (!fsm_session_exists(m, session))
        return -ESTALE;
    int i = open_slot(m, session, pid, ino);
    if (i >= 0)
        return m->opens[i].count >= FS_OPEN_COUNT_MAX ? -EMFILE : 0;
    return m->n_opens >= FS_MAX_OPENS ? -ENOSPC : 0;
}

/* One more reference; open_check said yes. */
static void open_add(struct fs_machine *m, uint64_t session, int32_t pid, uint64_t ino)
{
    uint32_t i = open_lower(m, session, pid, ino);
    if (i < m->n_opens && m->opens[i].session == session && m->opens[i].pid == pid &&
        m->opens[i].ino == ino) {
        m->opens[i].count++;
        return;
    }
    __builtin_memmove(&m->opens[i + 1], &m->opens[i], (m->n_opens - i) * sizeof m->opens[0]);
    m->n_opens++;
    fst_open_set(&m->opens[i], session, pid, ino, 1);
}

static void open_remove(struct fs_machine *m, uint32_t i)
{
    __builtin_memmove(&m->opens[i], &m->opens[i + 1], (m->n_opens - i - 1) * sizeof m->opens[0]);
    m->n_opens--;
    __builtin_memset(&m->opens[m->n_opens], 0, sizeof m->opens[0]);
}

/* Free ino if it is an orphan nothing references any more; true if freed. */
static bool release_if_orphan(struct fs_machine *m, uint64_t ino)
{
    int i = fst_inode_slot(m, ino);
    if (i <= 0 || m->inodes[i].nlink != 0 || has_refs(m, ino))
        return false; /* gone already, the root, still linked, or still open */
    inode_free(m, (uint32_t)i);
    return true;
}

/* Drop every reference of session (of any pid, or of pid only), in table
 * order, freeing the orphans left unreferenced; the number of entries
 * dropped. */
static uint64_t drop_opens(struct fs_machine *m, uint64_t session, bool any_pid, int32_t pid)
{
    uint32_t i = open_lower(m, session, any_pid ? INT32_MIN : pid, 0);
    uint64_t n = 0;
    while (i < m->n_opens && m->opens[i].session == session &&
           (any_pid || m->opens[i].pid == pid)) {
        uint64_t ino = m->opens[i].ino;
        open_remove(m, i);
        n++;
        release_if_orphan(m, ino);
    }
    return n;
}

bool fsm_holds(const struct fs_machine *m, uint64_t session, int32_t pid)
{
    uint32_t i = open_lower(m, session, pid, 0);
    return i < m->n_opens && m->opens[i].session == session && m->opens[i].pid == pid;
}

/* ---- sessions --------------------------------------------------------------- */

uint64_t fsm_session_find(const struct fs_machine *m, uint32_t node, uint64_t nonce)
{
    return sessiontab_find(m->s, FS_MAX_SESSIONS, node, nonce);
}

bool fsm_session_exists(const struct fs_machine *m, uint64_t id)
{
    return sessiontab_slot(m->s, FS_MAX_SESSIONS, id) >= 0;
}

/* ---- taking an inode out of the namespace ----------------------------------- */

static struct fsm_inode *inode_of(struct fs_machine *m, uint64_t ino)
{
    return &m->inodes[fst_inode_slot(m, ino)]; /* callers know it exists */
}

/* Take inode ino out of the namespace (its entry is already gone): nlink 0
 * and no parent, then freed at once if nothing references it, else kept as
 * an orphan until its last reference goes. */
static void detach(struct fs_machine *m, uint64_t ino, uint64_t now)
{
    struct fsm_inode *n = inode_of(m, ino);
    n->nlink = 0;
    n->parent = 0;
    changed(n, now);
    release_if_orphan(m, ino);
}

/* ---- the commands ----------------------------------------------------------- */

/* What a command's answer names, besides its status. */
struct outcome {
    uint64_t ino;    /* the inode the answer names (0: none) */
    uint64_t value;  /* SESSION_OPEN's id; EXPIRE's and RELEASE's count */
    uint8_t created; /* CREATE made the file */
};

/* CREATE: a new regular file, or an existing one (opened and/or truncated
 * as flagged). Errors, in this order: the path's (ENOENT, ENOTDIR), EEXIST
 * (FS_F_EXCL and the name exists), EISDIR (it is a directory), ESTALE (an
 * open in a session that does not exist), EMFILE or ENOSPC (open table),
 * ENOSPC (inode table). */
static int op_create(struct fs_machine *m, const struct fs_request *q, uint64_t index,
                     struct outcome *o)
{
    struct fst_loc l;
    int rv = fst_locate(m, q->path, q->path_len, &l);
    if (rv)
        return rv;
    bool open = q->flags & FS_F_OPEN;
    if (l.in >= 0) {
        struct fsm_inode *n = &m->inodes[l.in];
        if (q->flags & FS_F_EXCL)
            return -EEXIST;
        if (n->type == FS_T_DIR)
            return -EISDIR;
        if (open && (rv = open_check(m, q->session, q->pid, n->ino)) != 0)
            return rv;
        if (q->flags & FS_F_TRUNC)
            set_size(m, n, 0, q->now_ns);
        if (open)
            open_add(m, q->session, q->pid, n->ino);
        o->ino = n->ino;
        return 0;
    }
    if (open && (rv = open_check(m, q->session, q->pid, index)) != 0)
        return rv;
    if (m->n_inodes >= FS_MAX_INODES)
        return -ENOSPC;
    inode_new(m, index, FS_T_FILE, q->mode, l.dir, q->now_ns);
    dirent_insert(m, l.dir, l.name, l.name_len, index);
    struct fsm_inode *p = inode_of(m, l.dir);
    p->size++;
    touch(p, q->now_ns);
    if (open)
        open_add(m, q->session, q->pid, index);
    o->ino = index;
    o->created = 1;
    return 0;
}

/* MKDIR: EEXIST if the name exists (file, directory, or "/"); ENOSPC. */
static int op_mkdir(struct fs_machine *m, const struct fs_request *q, uint64_t index,
                    struct outcome *o)
{
    struct fst_loc l;
    int rv = fst_locate(m, q->path, q->path_len, &l);
    if (rv)
        return rv;
    if (l.in >= 0)
        return -EEXIST;
    if (m->n_inodes >= FS_MAX_INODES)
        return -ENOSPC;
    inode_new(m, index, FS_T_DIR, q->mode, l.dir, q->now_ns);
    dirent_insert(m, l.dir, l.name, l.name_len, index);
    struct fsm_inode *p = inode_of(m, l.dir);
    p->size++;
    p->nlink++;
    touch(p, q->now_ns);
    o->ino = index;
    return 0;
}

/* UNLINK and RMDIR: remove the entry, then detach the inode. UNLINK:
 * ENOENT, EISDIR (a directory, "/" included). RMDIR: EBUSY ("/"), ENOENT,
 * ENOTDIR, ENOTEMPTY. */
static int op_remove(struct fs_machine *m, const struct fs_request *q, struct outcome *o)
{
    bool dir = q->op == FS_OP_RMDIR;
    struct fst_loc l;
    int rv = fst_locate(m, q->path, q->path_len, &l);
    if (rv)
        return rv;
    if (dir && l.dir == 0)
        return -EBUSY;
    if (l.in < 0)
        return -ENOENT;
    const struct fsm_inode *n = &m->inodes[l.in];
    if (!dir && n->type == FS_T_DIR)
        return -EISDIR;
    if (dir && n->type != FS_T_DIR)
        return -ENOTDIR;
    if (dir && n->size != 0)
        return -ENOTEMPTY;
    uint64_t ino = n->ino;
    dirent_remove(m, (uint32_t)l.de);
    struct fsm_inode *p = inode_of(m, l.dir);
    p->size--;
    if (dir)
        p->nlink--;
    touch(p, q->now_ns);
    detach(m, ino, q->now_ns);
    o->ino = ino;
    return 0;
}

/* Is directory `anc` the directory `dir` or one of its ancestors? */
static bool is_ancestor(const struct fs_machine *m, uint64_t anc, uint64_t dir)
{
    while (dir != 0) {
        if (dir == anc)
            return true;
        dir = m->inodes[fst_inode_slot(m, dir)].parent; /* the root's parent is 0 */
    }
    return false;
}

/* RENAME path -> path2, atomically. Errors, in this order: EBUSY (either is
 * "/"), the source path's, ENOENT (no source), the destination path's,
 * EINVAL (a directory into its own subtree), then for an existing
 * destination EISDIR (file over directory), ENOTDIR (directory over file),
 * ENOTEMPTY (directory over a non-empty one). Source and destination the
 * same entry: 0 and nothing changes. A replaced destination is detached as
 * an UNLINK or RMDIR would. */
static int op_rename(struct fs_machine *m, const struct fs_request *q, struct outcome *o)
{
    struct fst_loc ls, ld;
    if (q->path_len == 1 || q->path2_len == 1)
        return -EBUSY;
    int rv = fst_locate(m, q->path, q->path_len, &ls);
    if (rv)
        return rv;
    if (ls.in < 0)
        return -ENOENT;
    if ((rv = fst_locate(m, q->path2, q->path2_len, &ld)) != 0)
        return rv;
    const struct fsm_inode *s = &m->inodes[ls.in];
    uint64_t sino = s->ino, now = q->now_ns;
    bool sdir = s->type == FS_T_DIR;
    o->ino = sino;
    if (ls.de == ld.de)
        return 0; /* the same entry (paths are canonical, no hard links) */
    if (sdir && is_ancestor(m, sino, ld.dir))
        return -EINVAL;
    uint64_t dino = 0;
    if (ld.in >= 0) {
        const struct fsm_inode *d = &m->inodes[ld.in];
        if (!sdir && d->type == FS_T_DIR)
            return -EISDIR;
        if (sdir && d->type != FS_T_DIR)
            return -ENOTDIR;
        if (sdir && d->size != 0)
            return -ENOTEMPTY;
        dino = d->ino;
    }
    /* Checked; now act. Replacing keeps the destination entry's key, so it
     * is rewritten in place; otherwise the source entry goes and a new one
     * is inserted at its sorted place. */
    if (dino) {
        m->dirents[ld.de].ino = sino;
        dirent_remove(m, (uint32_t)ls.de);
    } else {
        dirent_remove(m, (uint32_t)ls.de);
        dirent_insert(m, ld.dir, ld.name, ld.name_len, sino);
    }
    struct fsm_inode *from = inode_of(m, ls.dir);
    from->size--;
    if (sdir)
        from->nlink--;
    touch(from, now);
    struct fsm_inode *to = inode_of(m, ld.dir);
    if (!dino) {
        to->size++;
        if (sdir)
            to->nlink++;
    } /* else one entry (and for directories one subdirectory) for another */
    if (to != from)
        touch(to, now);
    struct fsm_inode *n = inode_of(m, sino);
    n->parent = ld.dir;
    changed(n, now);
    if (dino)
        detach(m, dino, now); /* last: freeing it moves inode slots */
    return 0;
}

/* SETATTR by inode (orphans included): ENOENT, EISDIR (a size for a
 * directory), EFBIG (a size above FS_FILE_MAX). A size sets mtime to now;
 * an explicit mtime wins over that. */
static int op_setattr(struct fs_machine *m, const struct fs_request *q, struct outcome *o)
{
    int i = fst_inode_slot(m, q->ino);
    if (i < 0)
        return -ENOENT;
    struct fsm_inode *n = &m->inodes[i];
    if (q->flags & FS_F_SIZE) {
        if (n->type == FS_T_DIR)
            return -EISDIR;
        if (q->size > FS_FILE_MAX)
            return -EFBIG;
        set_size(m, n, q->size, q->now_ns);
    } else {
        changed(n, q->now_ns);
    }
    if (q->flags & FS_F_MTIME)
        n->mtime_ns = q->mtime_ns;
    if (q->flags & FS_F_MODE)
        n->mode = q->mode;
    o->ino = n->ino;
    return 0;
}

/* EXTEND after a write of a file's bytes up to `size`: the size grows to
 * cover them (never shrinks), and the data changed: mtime and ctime to now,
 * a new version. RESERVE for an append of `size` bytes: the size grows by
 * that much, and the answer's value is where the file ended (the appender
 * writes there; concurrent appenders never overlap). Both by inode (orphans
 * included): ENOENT, EISDIR, EFBIG (past FS_FILE_MAX). */
static int op_grow(struct fs_machine *m, const struct fs_request *q, struct outcome *o)
{
    int i = fst_inode_slot(m, q->ino);
    if (i < 0)
        return -ENOENT;
    struct fsm_inode *n = &m->inodes[i];
    if (n->type == FS_T_DIR)
        return -EISDIR;
    bool reserve = q->op == FS_OP_RESERVE;
    if (reserve ? q->size > FS_FILE_MAX - n->size : q->size > FS_FILE_MAX)
        return -EFBIG;
    if (reserve) {
        o->value = n->size;
        n->size += q->size;
    } else if (q->size > n->size) {
        n->size = q->size;
    }
    touch(n, q->now_ns);
    o->ino = n->ino;
    return 0;
}

/* OPEN: a reference to an existing file or directory. Errors, in order: the
 * path's, ENOENT, ESTALE (no such session), EISDIR (FS_F_TRUNC of a
 * directory), EMFILE, ENOSPC. */
static int op_open(struct fs_machine *m, const struct fs_request *q, struct outcome *o)
{
    struct fst_loc l;
    int rv = fst_locate(m, q->path, q->path_len, &l);
    if (rv)
        return rv;
    if (l.in < 0)
        return -ENOENT;
    struct fsm_inode *n = &m->inodes[l.in];
    if (!fsm_session_exists(m, q->session))
        return -ESTALE;
    if ((q->flags & FS_F_TRUNC) && n->type == FS_T_DIR)
        return -EISDIR;
    if ((rv = open_check(m, q->session, q->pid, n->ino)) != 0)
        return rv;
    if (q->flags & FS_F_TRUNC)
        set_size(m, n, 0, q->now_ns);
    open_add(m, q->session, q->pid, n->ino);
    o->ino = n->ino;
    return 0;
}

/* CLOSE: ESTALE (no such session), EBADF (no such reference). The last
 * reference to an orphan frees it. */
static int op_close(struct fs_machine *m, const struct fs_request *q, struct outcome *o)
{
    if (!fsm_session_exists(m, q->session))
        return -ESTALE;
    int i = open_slot(m, q->session, q->pid, q->ino);
    if (i < 0)
        return -EBADF;
    if (--m->opens[i].count == 0)
        open_remove(m, (uint32_t)i);
    release_if_orphan(m, q->ino);
    o->ino = q->ino;
    return 0;
}

static int apply_op(struct fs_machine *m, const struct fs_request *q, uint64_t index,
                    struct outcome *o)
{
    switch (q->op) {
    case FS_OP_CREATE:
        return op_create(m, q, index, o);
    case FS_OP_MKDIR:
        return op_mkdir(m, q, index, o);
    case FS_OP_UNLINK:
    case FS_OP_RMDIR:
        return op_remove(m, q, o);
    case FS_OP_RENAME:
        return op_rename(m, q, o);
    case FS_OP_SETATTR:
        return op_setattr(m, q, o);
    case FS_OP_OPEN:
        return op_open(m, q, o);
    case FS_OP_CLOSE:
        return op_close(m, q, o);
    case FS_OP_EXTEND:
    case FS_OP_RESERVE:
        return op_grow(m, q, o);
    case FS_OP_SESSION_OPEN:
        return sessiontab_open(m->s, FS_MAX_SESSIONS, index, q->owner_node, q->nonce, &o->value);
    case FS_OP_SESSION_EXPIRE:
        if (!sessiontab_close(m->s, FS_MAX_SESSIONS, q->session))
            return 0; /* already gone: a repeated expiry */
        o->value = drop_opens(m, q->session, true, 0);
        return 0;
    case FS_OP_RELEASE:
        o->value = drop_opens(m, q->session, false, q->pid);
        return 0;
    case FS_OP_NODE_OUT: /* owner_node is 1..FS_OUT_NODES_MAX (fsproto.c) */
        m->out_nodes |= 1ULL << (q->owner_node - 1);
        return 0;
    case FS_OP_NODE_IN:
        m->out_nodes &= ~(1ULL << (q->owner_node - 1));
        return 0;
    default:
        return -EINVAL; /* a read in the log: never proposed by a server */
    }
}

/* ---- apply -------------------------------------------------------------------- */

/* The attributes of inode ino as it is now, or just its number if it is gone. */
static void attr_of(const struct fs_machine *m, uint64_t ino, struct fs_attr *a)
{
    int i = fst_inode_slot(m, ino);
    if (i >= 0)
        fst_attr_fill(&m->inodes[i], a);
    else
        a->ino = ino;
}

/* A client write (client != 0) goes through the dedup table
 * (services/replica/dedup.h, Raft thesis §6.3): a repeat of the last request
 * is answered from the table (status, the inode it named, its index; the
 * attributes are not re-read, so a repeat's attr holds only ino, and
 * `created` is recovered from "the file's number is the index of the
 * command that created it"); an older or forgotten one is -ESTALE; anything
 * else is applied and its answer recorded. The table keeps one value per
 * answer: the inode number, but for a RESERVE the offset it answered (the
 * request names the inode, and a retried append must get the same place). */
int fsm_apply(struct fs_machine *m, uint64_t index, const uint8_t *cmd, size_t len,
              struct fs_reply *rep)
{
    struct fs_request q;
    struct outcome o = {0, 0, 0};
    int status;
    uint64_t rindex = index;
    bool repeat = false;
    if (index <= m->applied) {
        if (rep) {
            fst_rep_clear(rep, 0);
            rep->status = -EINVAL;
            rep->index = m->applied;
        }
        return -EINVAL; /* the caller's bug: nothing changes */
    }
    if (fs_request_decode(cmd, len, &q)) {
        status = -EBADMSG;
    } else if (!fs_op_is_write(q.op)) {
        status = -EINVAL;
    } else if (fs_op_is_client_write(q.op) && q.client != 0) {
        struct dedup_client *prev;
        switch (dedup_check(m->c, FS_MAX_CLIENTS, q.client, q.seq, index, &prev)) {
        case DEDUP_REPEAT:
            status = prev->status;
            o.ino = prev->version;
            if (q.op == FS_OP_RESERVE && status == 0) {
                o.value = prev->version;
                o.ino = q.ino;
            }
            rindex = prev->index;
            o.created = q.op == FS_OP_CREATE && status == 0 && o.ino == rindex;
            repeat = true;
            break;
        case DEDUP_STALE:
            status = -ESTALE;
            break;
        default:
            status = apply_op(m, &q, index, &o);
            dedup_record(m->c, FS_MAX_CLIENTS, prev, q.client, q.seq, index, status,
                         status != 0             ? 0
                         : q.op == FS_OP_RESERVE ? o.value
                                                 : o.ino);
            break;
        }
    } else {
        status = apply_op(m, &q, index, &o);
    }
    m->applied = index;
    if (rep) {
        fst_rep_clear(rep, q.op);
        rep->status = status;
        rep->index = rindex;
        if (status == 0) {
            rep->created = o.created;
            rep->value = o.value;
            if (repeat)
                rep->attr.ino = o.ino;
            else if (o.ino)
                attr_of(m, o.ino, &rep->attr);
        }
    }
    return status;
}

void fsm_skip(struct fs_machine *m, uint64_t index)
{
    if (index > m->applied)
        m->applied = index;
}

void fsm_init(struct fs_machine *m)
{
    __builtin_memset(m, 0, sizeof *m);
    fst_inode_set(&m->inodes[0], FS_ROOT_INO, 0, FS_T_DIR, 0755, 2, 0, 0, 0, 1);
    m->n_inodes = 1;
    m->applied = FS_ROOT_INO; /* the root counts as made by the command at index 1 */
}
