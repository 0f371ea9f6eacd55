/* tests/fs/test_model.c: the metadata machine against a plain model.
 *
 * The model keeps the same file system the simple way (unordered arrays,
 * linear scans, link counts and directory sizes computed when asked) and
 * implements docs/fs-machine.md's rules on its own. A seeded stream of
 * random commands (tests/fs/util.c) goes to both; every reply must match
 * the model's (status, index, attributes, created, value) and encode, the
 * machine's invariants must hold after every one, and every so often the
 * whole visible state is compared: every inode by FSTAT, every directory by
 * READDIR, paths by STAT, the open references. The seed is printed; FS_SEED=N replays another. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fs/harness.h"

struct mnode {
    bool used;
    uint64_t ino, parent; /* parent 0: the root, or an orphan */
    uint8_t type;
    uint16_t mode;
    uint64_t size, mtime, ctime, version;
    uint8_t name_len;
    char name[FS_NAME_MAX];
};

struct mopen {
    uint64_t session, ino;
    int32_t pid;
    uint32_t count;
};

struct mclient {
    uint64_t id, seq;
    uint64_t one; /* the answer's inode number; for a RESERVE, its offset */
    uint64_t index;
    int32_t status;
};

static struct model {
    struct mnode n[FS_MAX_INODES];
    struct mopen o[FS_MAX_OPENS];
    int n_open;
    struct session_entry s[FS_MAX_SESSIONS];
    struct mclient c[64];
} md;

static struct fs_machine M;
static struct fs_reply R;

/* ---- the model's file system ------------------------------------------------ */

static struct mnode *m_find(uint64_t ino)
{
    for (int i = 0; i < FS_MAX_INODES; i++)
        if (md.n[i].used && md.n[i].ino == ino)
            return &md.n[i];
    return NULL;
}

static struct mnode *m_child(uint64_t dir, const char *name, size_t len)
{
    for (int i = 0; i < FS_MAX_INODES; i++) {
        struct mnode *x = &md.n[i];
        if (x->used && x->parent == dir && x->ino != FS_ROOT_INO && x->name_len == len &&
            memcmp(x->name, name, len) == 0)
            return x;
    }
    return NULL;
}

static int m_count(void)
{
    int k = 0;
    for (int i = 0; i < FS_MAX_INODES; i++)
        k += md.n[i].used;
    return k;
}

static uint64_t m_entries(uint64_t dir, bool dirs_only)
{
    uint64_t k = 0;
    for (int i = 0; i < FS_MAX_INODES; i++) {
        const struct mnode *x = &md.n[i];
        k += x->used && x->parent == dir && x->ino != FS_ROOT_INO &&
             (!dirs_only || x->type == FS_T_DIR);
    }
    return k;
}

static bool m_linked(const struct mnode *x) { return x->ino == FS_ROOT_INO || x->parent != 0; }

static void m_attr(const struct mnode *x, struct fs_attr *a)
{
    memset(a, 0, sizeof *a);
    a->ino = x->ino;
    a->type = x->type;
    a->mode = x->mode;
    a->nlink = !m_linked(x) ? 0 : x->type == FS_T_FILE ? 1 : 2 + (uint32_t)m_entries(x->ino, true);
    a->size = x->type == FS_T_DIR ? m_entries(x->ino, false) : x->size;
    a->mtime_ns = x->mtime;
    a->ctime_ns = x->ctime;
    a->version = x->version;
}

/* Resolve p: 0 with the parent directory, the last name and its node (NULL
 * if absent; the root for "/" with dir 0); -ENOENT / -ENOTDIR on the way. */
static int m_resolve(const char *p, size_t len, uint64_t *dir, const char **name, size_t *nl,
                     struct mnode **node)
{
    *dir = 0;
    *node = m_find(FS_ROOT_INO);
    if (len == 1)
        return 0;
    uint64_t cur = FS_ROOT_INO;
    const char *s = p + 1;
    for (;;) {
        const char *slash = memchr(s, '/', (size_t)(p + len - s));
        size_t l = slash ? (size_t)(slash - s) : (size_t)(p + len - s);
        struct mnode *x = m_child(cur, s, l);
        if (!slash) {
            *dir = cur, *name = s, *nl = l, *node = x;
            return 0;
        }
        if (!x)
            return -ENOENT;
        if (x->type != FS_T_DIR)
            return -ENOTDIR;
        cur = x->ino;
        s = slash + 1;
    }
}

static bool m_session(uint64_t id)
{
    for (int i = 0; i < FS_MAX_SESSIONS; i++)
        if (id && md.s[i].id == id)
            return true;
    return false;
}

static struct mopen *m_open_find(uint64_t session, int32_t pid, uint64_t ino)
{
    for (int i = 0; i < md.n_open; i++)
        if (md.o[i].session == session && md.o[i].pid == pid && md.o[i].ino == ino)
            return &md.o[i];
    return NULL;
}

static void m_free_if_orphan(uint64_t ino)
{
    struct mnode *x = m_find(ino);
    if (!x || m_linked(x))
        return;
    for (int i = 0; i < md.n_open; i++)
        if (md.o[i].ino == ino)
            return;
    x->used = false;
}

static void m_touch(struct mnode *x, uint64_t now)
{
    x->mtime = x->ctime = now;
    x->version++;
}

static void m_unlink_node(struct mnode *x, uint64_t now)
{
    x->parent = 0;
    x->ctime = now;
    x->version++;
    m_free_if_orphan(x->ino);
}

static int m_open_check(uint64_t session, int32_t pid, uint64_t ino)
{
    if (!m_session(session))
        return -ESTALE;
    struct mopen *o = m_open_find(session, pid, ino);
    if (o)
        return o->count >= FS_OPEN_COUNT_MAX ? -EMFILE : 0;
    return md.n_open >= FS_MAX_OPENS ? -ENOSPC : 0;
}

static void m_open_add(uint64_t session, int32_t pid, uint64_t ino)
{
    struct mopen *o = m_open_find(session, pid, ino);
    if (!o) {
        o = &md.o[md.n_open++];
        *o = (struct mopen){session, ino, pid, 0};
    }
    o->count++;
}

static struct mnode *m_new(uint64_t ino, uint64_t parent, const char *name, size_t nl, uint8_t type,
                           uint16_t mode, uint64_t now)
{
    for (int i = 0; i < FS_MAX_INODES; i++) {
        struct mnode *x = &md.n[i];
        if (x->used)
            continue;
        memset(x, 0, sizeof *x);
        *x = (struct mnode){true, ino, parent, type, mode, 0, now, now, 1, (uint8_t)nl, {0}};
        memcpy(x->name, name, nl);
        return x;
    }
    return NULL;
}

static int64_t m_drop(uint64_t session, bool any, int32_t pid)
{
    int64_t n = 0;
    for (int i = 0; i < md.n_open;) {
        struct mopen *o = &md.o[i];
        if (o->session != session || (!any && o->pid != pid)) {
            i++;
            continue;
        }
        uint64_t ino = o->ino;
        *o = md.o[--md.n_open];
        n++;
        m_free_if_orphan(ino);
    }
    return n;
}

/* ---- the model's commands ------------------------------------------------------- */

static int m_op(const struct fs_request *q, uint64_t index, uint64_t *ino, uint64_t *value,
                uint8_t *created)
{
    uint64_t dir, now = q->now_ns;
    const char *name = NULL;
    size_t nl = 0;
    struct mnode *x = NULL;
    int rv = 0;
    bool by_path = q->op == FS_OP_CREATE || q->op == FS_OP_MKDIR || q->op == FS_OP_UNLINK ||
                   q->op == FS_OP_RMDIR || q->op == FS_OP_OPEN;
    if (by_path && (rv = m_resolve(q->path, q->path_len, &dir, &name, &nl, &x)) != 0)
        return rv;
    switch (q->op) {
    case FS_OP_CREATE: {
        bool open = q->flags & FS_F_OPEN;
        if (x) {
            if (q->flags & FS_F_EXCL)
                return -EEXIST;
            if (x->type == FS_T_DIR)
                return -EISDIR;
            if (open && (rv = m_open_check(q->session, q->pid, x->ino)))
                return rv;
            if (q->flags & FS_F_TRUNC) {
                x->size = 0;
                m_touch(x, now);
            }
        } else {
            if (open && (rv = m_open_check(q->session, q->pid, index)))
                return rv;
            if (m_count() >= FS_MAX_INODES)
                return -ENOSPC;
            x = m_new(index, dir, name, nl, FS_T_FILE, q->mode, now);
            m_touch(m_find(dir), now);
            *created = 1;
        }
        if (open)
            m_open_add(q->session, q->pid, x->ino);
        *ino = x->ino;
        return 0;
    }
    case FS_OP_MKDIR:
        if (x)
            return -EEXIST;
        if (m_count() >= FS_MAX_INODES)
            return -ENOSPC;
        m_new(index, dir, name, nl, FS_T_DIR, q->mode, now);
        m_touch(m_find(dir), now);
        *ino = index;
        return 0;
    case FS_OP_UNLINK:
    case FS_OP_RMDIR: {
        bool rmdir = q->op == FS_OP_RMDIR;
        if (rmdir && dir == 0)
            return -EBUSY;
        if (!x)
            return -ENOENT;
        if (!rmdir && x->type == FS_T_DIR)
            return -EISDIR;
        if (rmdir && x->type != FS_T_DIR)
            return -ENOTDIR;
        if (rmdir && m_entries(x->ino, false))
            return -ENOTEMPTY;
        *ino = x->ino;
        m_touch(m_find(dir), now);
        m_unlink_node(x, now);
        return 0;
    }
    case FS_OP_RENAME: {
        uint64_t d1, d2;
        const char *n1, *n2;
        size_t l1, l2;
        struct mnode *s, *t;
        if (q->path_len == 1 || q->path2_len == 1)
            return -EBUSY;
        if ((rv = m_resolve(q->path, q->path_len, &d1, &n1, &l1, &s)) != 0)
            return rv;
        if (!s)
            return -ENOENT;
        if ((rv = m_resolve(q->path2, q->path2_len, &d2, &n2, &l2, &t)) != 0)
            return rv;
        *ino = s->ino;
        if (s == t)
            return 0;
        if (s->type == FS_T_DIR)
            for (uint64_t up = d2; up; up = m_find(up)->parent)
                if (up == s->ino)
                    return -EINVAL;
        if (t && s->type == FS_T_FILE && t->type == FS_T_DIR)
            return -EISDIR;
        if (t && s->type == FS_T_DIR && t->type == FS_T_FILE)
            return -ENOTDIR;
        if (t && t->type == FS_T_DIR && m_entries(t->ino, false))
            return -ENOTEMPTY;
        if (t)
            t->parent = 0; /* out of the directory before the name is reused */
        s->parent = d2;
        s->name_len = (uint8_t)l2;
        memcpy(s->name, n2, l2);
        m_touch(m_find(d1), now);
        if (d2 != d1)
            m_touch(m_find(d2), now);
        s->ctime = now;
        s->version++;
        if (t)
            m_unlink_node(t, now);
        return 0;
    }
    case FS_OP_SETATTR:
        if (!(x = m_find(q->ino)))
            return -ENOENT;
        if ((q->flags & FS_F_SIZE) && x->type == FS_T_DIR)
            return -EISDIR;
        if ((q->flags & FS_F_SIZE) && q->size > FS_FILE_MAX)
            return -EFBIG;
        x->ctime = now;
        x->version++;
        if (q->flags & FS_F_SIZE) {
            x->size = q->size;
            x->mtime = now;
        }
        if (q->flags & FS_F_MTIME)
            x->mtime = q->mtime_ns;
        if (q->flags & FS_F_MODE)
            x->mode = q->mode;
        *ino = x->ino;
        return 0;
    case FS_OP_EXTEND:
    case FS_OP_RESERVE:
        if (!(x = m_find(q->ino)))
            return -ENOENT;
        if (x->type == FS_T_DIR)
            return -EISDIR;
        if (q->op == FS_OP_EXTEND) {
            if (q->size > FS_FILE_MAX)
                return -EFBIG;
            if (q->size > x->size)
                x->size = q->size;
        } else {
            if (q->size > FS_FILE_MAX || x->size + q->size > FS_FILE_MAX)
                return -EFBIG;
            *value = x->size;
            x->size += q->size;
        }
        m_touch(x, now);
        *ino = x->ino;
        return 0;
    case FS_OP_OPEN:
        if (!x)
            return -ENOENT;
        if (!m_session(q->session))
            return -ESTALE;
        if ((q->flags & FS_F_TRUNC) && x->type == FS_T_DIR)
            return -EISDIR;
        if ((rv = m_open_check(q->session, q->pid, x->ino)))
            return rv;
        if (q->flags & FS_F_TRUNC) {
            x->size = 0;
            m_touch(x, now);
        }
        m_open_add(q->session, q->pid, x->ino);
        *ino = x->ino;
        return 0;
    case FS_OP_CLOSE: {
        if (!m_session(q->session))
            return -ESTALE;
        struct mopen *o = m_open_find(q->session, q->pid, q->ino);
        if (!o)
            return -EBADF;
        if (--o->count == 0)
            *o = md.o[--md.n_open];
        m_free_if_orphan(q->ino);
        *ino = q->ino;
        return 0;
    }
    case FS_OP_SESSION_OPEN:
        for (int i = 0; i < FS_MAX_SESSIONS; i++)
            if (md.s[i].id && md.s[i].node == q->owner_node && md.s[i].nonce == q->nonce) {
                *value = md.s[i].id;
                return 0;
            }
        for (int i = 0; i < FS_MAX_SESSIONS; i++)
            if (!md.s[i].id) {
                md.s[i].id = *value = index;
                md.s[i].node = q->owner_node;
                md.s[i].nonce = q->nonce;
                return 0;
            }
        return -ENOSPC;
    case FS_OP_SESSION_EXPIRE:
        if (!m_session(q->session))
            return 0;
        for (int i = 0; i < FS_MAX_SESSIONS; i++)
            if (md.s[i].id == q->session)
                md.s[i].id = 0;
        *value = (uint64_t)m_drop(q->session, true, 0);
        return 0;
    case FS_OP_RELEASE:
        *value = (uint64_t)m_drop(q->session, false, q->pid);
        return 0;
    case FS_OP_NODE_OUT:
    case FS_OP_NODE_IN:
        return 0; /* the mask itself is checked in test_refs.c (refs_out_nodes) */
    default:
        return -EINVAL;
    }
}

/* What fsm_apply must answer for cmd at index. */
static int m_apply(const uint8_t *cmd, size_t len, uint64_t index, struct fs_reply *want)
{
    static struct fs_request q;
    memset(want, 0, sizeof *want);
    want->index = index;
    if (fs_request_decode(cmd, len, &q))
        return want->status = -EBADMSG;
    want->op = q.op;
    uint64_t ino = 0, value = 0;
    uint8_t created = 0;
    bool repeat = false;
    int st;
    if (fs_op_is_client_write(q.op) && q.client) {
        struct mclient *c = NULL;
        for (int i = 0; i < 64 && !c; i++)
            if (md.c[i].id == q.client)
                c = &md.c[i];
        if (c && q.seq == c->seq) {
            /* the cached answer, read as this request's op reads it (a client
             * that reuses a number for another request gets nonsense back) */
            st = c->status;
            ino = c->one;
            if (q.op == FS_OP_RESERVE && st == 0) {
                value = c->one;
                ino = q.ino;
            }
            want->index = c->index;
            created = q.op == FS_OP_CREATE && st == 0 && ino == c->index;
            repeat = true;
        } else if ((c && q.seq < c->seq) || (!c && q.seq != 1)) {
            st = -ESTALE;
        } else {
            st = m_op(&q, index, &ino, &value, &created);
            for (int i = 0; i < 64 && !c; i++)
                if (!md.c[i].id)
                    c = &md.c[i];
            uint64_t one = st != 0 ? 0 : q.op == FS_OP_RESERVE ? value : ino;
            *c = (struct mclient){q.client, q.seq, one, index, st};
        }
    } else {
        st = fs_op_is_write(q.op) ? m_op(&q, index, &ino, &value, &created) : -EINVAL;
    }
    want->status = st;
    if (st == 0) {
        want->created = created;
        want->value = value;
        struct mnode *x = ino ? m_find(ino) : NULL;
        if (repeat || (ino && !x))
            want->attr.ino = ino;
        else if (x)
            m_attr(x, &want->attr);
    }
    return st;
}

/* ---- comparing ------------------------------------------------------------------- */

static int cmp_node(const void *a, const void *b)
{
    const struct mnode *x = *(const struct mnode *const *)a, *y = *(const struct mnode *const *)b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (int)x->name_len - (int)y->name_len;
}

/* Every inode by FSTAT, every linked directory's listing by READDIR. */
static void compare_all(void)
{
    static const struct mnode *kids[FS_MAX_INODES];
    CHECK_EQ(M.n_inodes, m_count());
    for (int i = 0; i < FS_MAX_INODES; i++) {
        const struct mnode *x = &md.n[i];
        if (!x->used)
            continue;
        struct fs_attr a;
        m_attr(x, &a);
        CHECK_EQ(ft_fstat(&M, x->ino, &R), 0);
        if (memcmp(&R.attr, &a, sizeof a) != 0) {
            ft_fail(__FILE__, __LINE__,
                    "inode %llu: attributes differ from the model's "
                    "(nlink %u/%u size %llu/%llu version %llu/%llu)",
                    (unsigned long long)x->ino, R.attr.nlink, a.nlink,
                    (unsigned long long)R.attr.size, (unsigned long long)a.size,
                    (unsigned long long)R.attr.version, (unsigned long long)a.version);
            return;
        }
        if (x->type != FS_T_DIR || !m_linked(x))
            continue;
        int n = 0;
        for (int j = 0; j < FS_MAX_INODES; j++)
            if (md.n[j].used && md.n[j].parent == x->ino && md.n[j].ino != FS_ROOT_INO)
                kids[n++] = &md.n[j];
        qsort(kids, (size_t)n, sizeof kids[0], cmp_node);
        /* x's path, from the model: its chain of names up to the root */
        static const struct mnode *chain[FS_MAX_INODES];
        int depth = 0;
        for (const struct mnode *up = x; up->ino != FS_ROOT_INO; up = m_find(up->parent))
            chain[depth++] = up;
        char path[FS_PATH_MAX + FS_NAME_MAX + 2];
        size_t pl = 0;
        for (int k = depth - 1; k >= 0 && pl <= FS_PATH_MAX; k--) {
            path[pl++] = '/';
            memcpy(path + pl, chain[k]->name, chain[k]->name_len);
            pl += chain[k]->name_len;
        }
        if (pl == 0)
            path[pl++] = '/';
        if (pl > FS_PATH_MAX)
            continue; /* deeper than a path can say */
        int got = 0;
        struct fs_request q = ft_req(FS_OP_READDIR, NULL);
        memcpy(q.path, path, pl);
        q.path_len = (uint16_t)pl;
        q.max = 1 + (uint32_t)ft_below(5);
        for (;;) {
            fsm_read(&M, &q, &R);
            CHECK_EQ(R.status, 0);
            CHECK_EQ(R.attr.ino, x->ino);
            for (uint32_t k = 0; k < R.n; k++, got++) {
                CHECK(got < n);
                const struct fs_dirent *e = &R.ents[k];
                CHECK(e->ino == kids[got]->ino && e->type == kids[got]->type &&
                      e->name_len == kids[got]->name_len &&
                      memcmp(e->name, kids[got]->name, e->name_len) == 0);
            }
            if (!R.more)
                break;
            q.after_len = R.ents[R.n - 1].name_len;
            memcpy(q.after, R.ents[R.n - 1].name, q.after_len);
        }
        CHECK_EQ(got, n);
    }
    /* the open references, as sets */
    CHECK_EQ((int)M.n_opens, md.n_open);
    for (uint32_t i = 0; i < M.n_opens; i++) {
        const struct fsm_open *o = &M.opens[i];
        const struct mopen *w = m_open_find(o->session, o->pid, o->ino);
        CHECK(w && w->count == o->count);
    }
}

static void compare_path(const char *p, size_t len)
{
    uint64_t dir;
    const char *name;
    size_t nl;
    struct mnode *x;
    int want = m_resolve(p, len, &dir, &name, &nl, &x);
    if (want == 0 && !x)
        want = -ENOENT;
    struct fs_request q = ft_req(FS_OP_STAT, NULL);
    memcpy(q.path, p, len);
    q.path_len = (uint16_t)len;
    fsm_read(&M, &q, &R);
    CHECK_EQ(R.status, want);
    if (want == 0)
        CHECK_EQ(R.attr.ino, x->ino);
}

static void test_model(void)
{
    static struct fs_reply want;
    static uint8_t out[FS_REPLY_MAX];
    printf("model_random_ops: FS_SEED=%llu (set it to replay another stream)\n",
           (unsigned long long)ft_seed());
    fflush(stdout);
    memset(&md, 0, sizeof md);
    md.n[0] = (struct mnode){true, FS_ROOT_INO, 0, FS_T_DIR, 0755, 0, 0, 0, 1, 0, {0}};
    fsm_init(&M);
    uint8_t cmd[FS_REQUEST_MAX];
    int applied = 0;
    for (int step = 0; step < 20000; step++) {
        if (ft_below(50) == 0) {
            fsm_skip(&M, M.applied + 1 + ft_below(3));
            continue;
        }
        size_t len = ft_random_command(&M, cmd, sizeof cmd);
        uint64_t index = M.applied + 1;
        m_apply(cmd, len, index, &want);
        int st = fsm_apply(&M, index, cmd, len, &R);
        applied += st == 0;
        if (st != want.status || R.index != want.index || R.created != want.created ||
            R.value != want.value || memcmp(&R.attr, &want.attr, sizeof R.attr) != 0) {
            ft_fail(__FILE__, __LINE__,
                    "step %d op %d: status %d index %llu ino %llu "
                    "created %u value %llu, model %d %llu %llu %u %llu",
                    step, len ? cmd[0] : -1, st, (unsigned long long)R.index,
                    (unsigned long long)R.attr.ino, R.created, (unsigned long long)R.value,
                    want.status, (unsigned long long)want.index, (unsigned long long)want.attr.ino,
                    want.created, (unsigned long long)want.value);
            return;
        }
        CHECK(fs_reply_encode(&R, out, sizeof out) > 0);
        const char *why = ft_invariants_used(&M); /* the unused slots: every 250 steps */
        if (why) {
            ft_fail(__FILE__, __LINE__, "step %d op %d: invariant: %s", step, len ? cmd[0] : -1,
                    why);
            return;
        }
        if (step % 16 == 0) {
            char p[FS_PATH_MAX];
            uint16_t pl = ft_random_path(p);
            compare_path(p, pl);
            CHECK_OK();
        }
        if (step % 250 == 0) {
            ft_check_invariants(&M);
            CHECK_OK();
            compare_all();
            CHECK_OK();
        }
    }
    ft_check_invariants(&M);
    CHECK_OK();
    compare_all();
    CHECK(applied > 5000); /* most commands did something */
}

const struct ft_test ft_model_tests[] = {
    {"model_random_ops", test_model},
    {NULL, NULL},
};
