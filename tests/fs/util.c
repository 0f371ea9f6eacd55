/* tests/fs/util.c: request builders, a small script language for setting a
 * machine up, and a random command generator for the metadata tests.
 *
 * Script verbs (one command each, separated by ';'; words by spaces):
 *   session                open a session (node 1, a new nonce): ft_sess
 *   nosession              make ft_sess an id no session has
 *   expire | release       SESSION_EXPIRE ft_sess | RELEASE ft_sess, pid 1
 *   mkdir P                mode 0755
 *   create P [excl] [trunc] [open]   mode 0644; open: in ft_sess, pid 1
 *   open P [trunc] [pid=N] in ft_sess
 *   close P|#INO [pid=N]   in ft_sess (P: the inode P names now)
 *   unlink P | rmdir P | rename P Q
 *   setattr P|#INO [size=N] [mtime=N] [mode=N]
 *   extend P|#INO N | reserve P|#INO N
 *   opens P N              open P N times (pid 1)
 *   fill                   create files under /fill until the inode table is full
 *   fillopens              open "/" from new pids until the open table is full
 *   fillsessions           open sessions until the session table is full
 *   stat P                 a STAT put in the log (refused: -EINVAL)
 *   garbage                bytes that do not decode (-EBADMSG) */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fs/harness.h"

struct fs_request ft_req(uint8_t op, const char *path)
{
    struct fs_request q;
    memset(&q, 0, sizeof q);
    q.op = op;
    if (path) {
        q.path_len = (uint16_t)strlen(path);
        memcpy(q.path, path, q.path_len);
    }
    return q;
}

int ft_apply(struct fs_machine *m, const struct fs_request *q, struct fs_reply *rep)
{
    static struct fs_request c;
    uint8_t buf[FS_REQUEST_MAX];
    c = *q;
    if (c.now_ns == 0)
        c.now_ns = (m->applied + 1) * 1000;
    int n = fs_request_encode(&c, buf, sizeof buf);
    if (n < 0) {
        ft_fail(__FILE__, __LINE__, "request op %d does not encode: %d", q->op, n);
        return n;
    }
    return fsm_apply(m, m->applied + 1, buf, (size_t)n, rep);
}

int ft_stat(const struct fs_machine *m, const char *path, struct fs_reply *rep)
{
    struct fs_request q = ft_req(FS_OP_STAT, path);
    fsm_read(m, &q, rep);
    return rep->status;
}

int ft_fstat(const struct fs_machine *m, uint64_t ino, struct fs_reply *rep)
{
    struct fs_request q = ft_req(FS_OP_FSTAT, NULL);
    q.ino = ino;
    fsm_read(m, &q, rep);
    return rep->status;
}

uint64_t ft_ino(const struct fs_machine *m, const char *path)
{
    static struct fs_reply r;
    return ft_stat(m, path, &r) == 0 ? r.attr.ino : 0;
}

uint64_t ft_session(struct fs_machine *m, uint32_t node, uint64_t nonce)
{
    static struct fs_reply r;
    struct fs_request q = ft_req(FS_OP_SESSION_OPEN, NULL);
    q.owner_node = node;
    q.nonce = nonce;
    return ft_apply(m, &q, &r) == 0 ? r.value : 0;
}

/* ---- scripts ------------------------------------------------------------------ */

uint64_t ft_sess;
static uint64_t next_nonce = 1;

/* A script command's words. */
struct words {
    int n;
    char w[8][FS_PATH_MAX + 1];
};

static void split(const char *s, size_t len, struct words *ws)
{
    ws->n = 0;
    size_t i = 0;
    while (i < len && ws->n < 8) {
        while (i < len && s[i] == ' ')
            i++;
        size_t start = i;
        while (i < len && s[i] != ' ')
            i++;
        if (i > start) {
            size_t l = i - start < FS_PATH_MAX ? i - start : FS_PATH_MAX;
            memcpy(ws->w[ws->n], s + start, l);
            ws->w[ws->n++][l] = 0;
        }
    }
}

static bool has_word(const struct words *ws, const char *w)
{
    for (int i = 1; i < ws->n; i++)
        if (strcmp(ws->w[i], w) == 0)
            return true;
    return false;
}

/* The number after "key=" among the words, or def. */
static uint64_t word_num(const struct words *ws, const char *key, uint64_t def, bool *found)
{
    size_t kl = strlen(key);
    for (int i = 1; i < ws->n; i++)
        if (strncmp(ws->w[i], key, kl) == 0 && ws->w[i][kl] == '=') {
            if (found)
                *found = true;
            return strtoull(ws->w[i] + kl + 1, NULL, 0);
        }
    return def;
}

/* "#INO" or a path, as an inode number. */
static uint64_t target_ino(const struct fs_machine *m, const char *w)
{
    return w[0] == '#' ? strtoull(w + 1, NULL, 0) : ft_ino(m, w);
}

static void set_path2(struct fs_request *q, const char *p)
{
    q->path2_len = (uint16_t)strlen(p);
    memcpy(q->path2, p, q->path2_len);
}

/* Run one command; its status. */
static int run_command(struct fs_machine *m, const struct words *ws, struct fs_reply *rep)
{
    const char *verb = ws->w[0], *arg = ws->n > 1 ? ws->w[1] : NULL;
    struct fs_request q = ft_req(0, NULL);
    if (strcmp(verb, "session") == 0) {
        q.op = FS_OP_SESSION_OPEN;
        q.owner_node = 1;
        q.nonce = next_nonce++;
        int rv = ft_apply(m, &q, rep);
        ft_sess = rv == 0 ? rep->value : 0;
        return rv;
    }
    if (strcmp(verb, "nosession") == 0) {
        ft_sess = 999999999;
        return 0;
    }
    if (strcmp(verb, "expire") == 0 || strcmp(verb, "release") == 0) {
        q.op = verb[0] == 'e' ? FS_OP_SESSION_EXPIRE : FS_OP_RELEASE;
        q.session = ft_sess;
        q.pid = 1;
        return ft_apply(m, &q, rep);
    }
    if (strcmp(verb, "fill") == 0) {
        q = ft_req(FS_OP_MKDIR, "/fill");
        ft_apply(m, &q, NULL);
        for (int i = 0;; i++) {
            char p[32];
            snprintf(p, sizeof p, "/fill/%d", i);
            q = ft_req(FS_OP_CREATE, p);
            int rv = ft_apply(m, &q, rep);
            if (rv == -ENOSPC)
                return m->n_inodes == FS_MAX_INODES ? 0 : rv;
            if (rv)
                return rv;
        }
    }
    if (strcmp(verb, "fillopens") == 0) {
        for (int32_t pid = 100000;; pid++) {
            q = ft_req(FS_OP_OPEN, "/");
            q.session = ft_sess;
            q.pid = pid;
            int rv = ft_apply(m, &q, rep);
            if (rv == -ENOSPC)
                return m->n_opens == FS_MAX_OPENS ? 0 : rv;
            if (rv)
                return rv;
        }
    }
    if (strcmp(verb, "fillsessions") == 0) {
        for (uint64_t k = 1;; k++)
            if (!ft_session(m, 2, k))
                return 0;
    }
    if (strcmp(verb, "garbage") == 0) {
        static const uint8_t junk[] = {0xff, 0x00};
        return fsm_apply(m, m->applied + 1, junk, sizeof junk, rep);
    }
    if (!arg)
        return -9999;
    if (strcmp(verb, "mkdir") == 0) {
        q = ft_req(FS_OP_MKDIR, arg);
        q.mode = 0755;
    } else if (strcmp(verb, "create") == 0) {
        q = ft_req(FS_OP_CREATE, arg);
        q.mode = 0644;
        q.flags = (has_word(ws, "excl") ? FS_F_EXCL : 0) |
                  (has_word(ws, "trunc") ? FS_F_TRUNC : 0) | (has_word(ws, "open") ? FS_F_OPEN : 0);
        q.session = ft_sess;
        q.pid = 1;
    } else if (strcmp(verb, "open") == 0 || strcmp(verb, "opens") == 0) {
        q = ft_req(FS_OP_OPEN, arg);
        q.flags = has_word(ws, "trunc") ? FS_F_TRUNC : 0;
        q.session = ft_sess;
        q.pid = (int32_t)word_num(ws, "pid", 1, NULL);
        if (verb[4] == 's') {
            long times = ws->n > 2 ? strtol(ws->w[2], NULL, 0) : 1;
            for (long i = 1; i < times; i++)
                if (ft_apply(m, &q, rep))
                    return rep ? rep->status : -9999;
        }
    } else if (strcmp(verb, "close") == 0) {
        q = ft_req(FS_OP_CLOSE, NULL);
        q.ino = target_ino(m, arg);
        q.session = ft_sess;
        q.pid = (int32_t)word_num(ws, "pid", 1, NULL);
    } else if (strcmp(verb, "unlink") == 0 || strcmp(verb, "rmdir") == 0) {
        q = ft_req(verb[0] == 'u' ? FS_OP_UNLINK : FS_OP_RMDIR, arg);
    } else if (strcmp(verb, "rename") == 0 && ws->n > 2) {
        q = ft_req(FS_OP_RENAME, arg);
        set_path2(&q, ws->w[2]);
    } else if (strcmp(verb, "setattr") == 0) {
        bool fs = false, fm = false, fmo = false;
        q = ft_req(FS_OP_SETATTR, NULL);
        q.ino = target_ino(m, arg);
        q.size = word_num(ws, "size", 0, &fs);
        q.mtime_ns = word_num(ws, "mtime", 0, &fm);
        q.mode = (uint16_t)word_num(ws, "mode", 0, &fmo);
        q.flags = (fs ? FS_F_SIZE : 0) | (fm ? FS_F_MTIME : 0) | (fmo ? FS_F_MODE : 0);
    } else if ((strcmp(verb, "extend") == 0 || strcmp(verb, "reserve") == 0) && ws->n > 2) {
        q = ft_req(verb[0] == 'e' ? FS_OP_EXTEND : FS_OP_RESERVE, NULL);
        q.ino = target_ino(m, arg);
        q.size = strtoull(ws->w[2], NULL, 0);
    } else if (strcmp(verb, "stat") == 0) {
        q = ft_req(FS_OP_STAT, arg);
    } else {
        return -9999;
    }
    return ft_apply(m, &q, rep);
}

int ft_script(struct fs_machine *m, const char *script, struct fs_reply *rep)
{
    static struct fs_reply scratch;
    if (!rep)
        rep = &scratch;
    int rv = 0;
    const char *s = script;
    while (*s) {
        const char *end = strchr(s, ';');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        struct words ws;
        split(s, len, &ws);
        s += len + (end != NULL);
        if (ws.n == 0)
            continue;
        if (rv != 0) {
            ft_fail(__FILE__, __LINE__, "script \"%s\": a command before \"%s\" gave %d", script,
                    ws.w[0], rv);
            return rv;
        }
        memset(rep, 0, sizeof *rep);
        rv = run_command(m, &ws, rep);
        if (rv == -9999) {
            ft_fail(__FILE__, __LINE__, "script \"%s\": cannot run \"%s\"", script, ws.w[0]);
            return rv;
        }
    }
    return rv;
}

/* ---- random fields --------------------------------------------------------- */

const uint8_t ft_all_ops[FT_N_OPS] = {
    FS_OP_CREATE,   FS_OP_MKDIR,   FS_OP_UNLINK,       FS_OP_RMDIR,          FS_OP_RENAME,
    FS_OP_SETATTR,  FS_OP_OPEN,    FS_OP_CLOSE,        FS_OP_EXTEND,         FS_OP_RESERVE,
    FS_OP_STAT,     FS_OP_FSTAT,   FS_OP_READDIR,      FS_OP_LEASE,          FS_OP_STATUS,
    FS_OP_STATFS,   FS_OP_SESSION, FS_OP_SESSION_OPEN, FS_OP_SESSION_EXPIRE, FS_OP_RELEASE,
    FS_OP_NODE_OUT, FS_OP_NODE_IN};

uint64_t ft_rand_u64(void)
{
    switch (ft_below(4)) {
    case 0:
        return 0;
    case 1:
        return ft_below(10);
    case 2:
        return UINT64_MAX - ft_below(3);
    default:
        return ft_rand();
    }
}

uint16_t ft_rand_name(char *dst, size_t max)
{
    size_t n = 1 + ft_below(max);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)(1 + ft_below(255));
        dst[i] = (char)(b == '/' ? 'z' : b);
    }
    if (dst[0] == '.' && (n == 1 || (n == 2 && dst[1] == '.')))
        dst[0] = 'x';
    return (uint16_t)n;
}

/* ---- random commands ---------------------------------------------------------- */

#define N_CLIENTS 10
static uint64_t client_seq[N_CLIENTS + 1];
static uint8_t client_last[N_CLIENTS + 1][FS_REQUEST_MAX]; /* each one's last request */
static size_t client_last_len[N_CLIENTS + 1];

uint16_t ft_random_path(char *dst)
{
    static const char *const names[] = {"a", "b", "c", "dd"};
    int depth = 1 + (int)ft_below(3);
    uint16_t n = 0;
    for (int i = 0; i < depth; i++) {
        dst[n++] = '/';
        if (ft_below(60) == 0) { /* now and then a name of FS_NAME_MAX bytes */
            memset(dst + n, 'L', FS_NAME_MAX);
            n += FS_NAME_MAX;
            continue;
        }
        const char *c = names[ft_below(4)];
        memcpy(dst + n, c, strlen(c));
        n += (uint16_t)strlen(c);
    }
    return n;
}

static uint64_t rand_session(const struct fs_machine *m)
{
    if (ft_below(10) == 0)
        return ft_below(m->applied + 2); /* most likely not a session */
    for (int tries = 0; tries < 16; tries++) {
        const struct session_entry *s = &m->s[ft_below(FS_MAX_SESSIONS)];
        if (s->id)
            return s->id;
    }
    for (int i = 0; i < FS_MAX_SESSIONS; i++)
        if (m->s[i].id)
            return m->s[i].id;
    return 1 + ft_below(5);
}

static uint64_t rand_ino(const struct fs_machine *m)
{
    if (ft_below(8) == 0)
        return 1 + ft_below(m->applied + 2);
    return m->inodes[ft_below(m->n_inodes)].ino;
}

size_t ft_random_command(const struct fs_machine *m, uint8_t *buf, size_t cap)
{
    static struct fs_request q;
    memset(&q, 0, sizeof q);
    unsigned pick = (unsigned)ft_below(100);
    if (pick < 2) { /* garbage */
        size_t n = ft_below(24);
        for (size_t i = 0; i < n && i < cap; i++)
            buf[i] = (uint8_t)ft_rand();
        return n < cap ? n : cap;
    }
    q.now_ns = m->applied * 1000 + ft_below(1000);
    if (pick < 6) {
        q.op = FS_OP_SESSION_OPEN;
        q.owner_node = 1 + (uint32_t)ft_below(4);
        q.nonce = ft_below(3);
    } else if (pick < 8) {
        q.op = FS_OP_SESSION_EXPIRE;
        q.session = rand_session(m);
        if (!q.session)
            q.session = 1;
    } else if (pick < 11) {
        q.op = FS_OP_RELEASE;
        q.session = rand_session(m);
        if (!q.session)
            q.session = 1;
        q.pid = (int32_t)ft_below(3);
    } else if (pick < 12) {
        q.op = ft_below(2) ? FS_OP_NODE_OUT : FS_OP_NODE_IN;
        q.owner_node = 1 + (uint32_t)ft_below(64);
    } else if (pick < 13) {
        q.op = FS_OP_STAT; /* a read in the log: refused */
        q.path_len = ft_random_path(q.path);
    } else {
        static const uint8_t ops[] = {FS_OP_CREATE, FS_OP_CREATE,  FS_OP_CREATE, FS_OP_MKDIR,
                                      FS_OP_MKDIR,  FS_OP_UNLINK,  FS_OP_RMDIR,  FS_OP_RENAME,
                                      FS_OP_RENAME, FS_OP_SETATTR, FS_OP_OPEN,   FS_OP_OPEN,
                                      FS_OP_CLOSE,  FS_OP_CLOSE,   FS_OP_EXTEND, FS_OP_RESERVE};
        q.op = ops[ft_below(sizeof ops)];
        q.path_len = ft_random_path(q.path);
        q.session = rand_session(m);
        q.pid = (int32_t)ft_below(3);
        switch (q.op) {
        case FS_OP_CREATE:
            q.mode = (uint16_t)ft_below(FS_MODE_MASK + 1);
            q.flags = (uint8_t)ft_below(8);
            break;
        case FS_OP_MKDIR:
            q.mode = 0700 | (uint16_t)ft_below(0100);
            break;
        case FS_OP_RENAME:
            q.path2_len = ft_random_path(q.path2);
            if (ft_below(20) == 0) { /* the root on either side */
                if (ft_below(2))
                    q.path_len = 1;
                else
                    q.path2_len = 1;
            }
            break;
        case FS_OP_SETATTR:
            q.ino = rand_ino(m);
            q.flags = (uint8_t)(FS_F_SIZE << ft_below(3)) | (uint8_t)(ft_below(2) ? FS_F_MODE : 0);
            q.size = ft_below(10) == 0 ? FS_FILE_MAX + ft_below(2) : ft_below(3 * FS_CHUNK_SIZE);
            q.mtime_ns = ft_rand();
            q.mode = (uint16_t)ft_below(FS_MODE_MASK + 1);
            break;
        case FS_OP_EXTEND:
        case FS_OP_RESERVE:
            q.ino = rand_ino(m);
            q.size = ft_below(10) == 0 ? FS_FILE_MAX - ft_below(2) : ft_below(2 * FS_CHUNK_SIZE);
            break;
        case FS_OP_OPEN:
            q.flags = ft_below(4) == 0 ? FS_F_TRUNC : 0;
            if (ft_below(10) == 0)
                q.path_len = 1;
            break;
        case FS_OP_CLOSE:
            if (m->n_opens && ft_below(4)) { /* mostly a reference that exists */
                const struct fsm_open *o = &m->opens[ft_below(m->n_opens)];
                q.session = o->session;
                q.pid = o->pid;
                q.ino = o->ino;
            } else {
                q.ino = rand_ino(m);
            }
            break;
        default:
            break;
        }
        /* the sender: a server (client 0) or one of a few clients */
        unsigned c = (unsigned)ft_below(N_CLIENTS + 1);
        if (c) {
            q.client = 0x1000 + c;
            unsigned how = (unsigned)ft_below(20);
            if (how == 0 && client_last_len[c] && client_last_len[c] <= cap && ft_below(5)) {
                memcpy(buf, client_last[c], client_last_len[c]); /* a retry, as sent */
                return client_last_len[c];
            }
            if (how == 0 && client_seq[c] > 0)
                q.seq = client_seq[c]; /* the same number for another request: a bad client */
            else if (how == 1 && client_seq[c] > 1)
                q.seq = 1 + ft_below(client_seq[c] - 1); /* an old one */
            else if (how == 2)
                q.seq = client_seq[c] + 2; /* after a lost request */
            else
                q.seq = client_seq[c] + 1;
            if (q.seq > client_seq[c])
                client_seq[c] = q.seq;
        }
    }
    int n = fs_request_encode(&q, buf, cap);
    if (n > 0 && q.client && q.seq == client_seq[q.client - 0x1000]) {
        memcpy(client_last[q.client - 0x1000], buf, (size_t)n);
        client_last_len[q.client - 0x1000] = (size_t)n;
    }
    return n < 0 ? 0 : (size_t)n;
}

void ft_random_history(struct fs_machine *m, int n)
{
    uint8_t buf[FS_REQUEST_MAX];
    for (int i = 0; i < n; i++) {
        if (ft_below(50) == 0) {
            fsm_skip(m, m->applied + 1 + ft_below(3));
            continue;
        }
        size_t len = ft_random_command(m, buf, sizeof buf);
        fsm_apply(m, m->applied + 1, buf, len, NULL);
    }
}

void ft_check_invariants(const struct fs_machine *m)
{
    const char *why = ft_invariants(m);
    if (why)
        ft_fail(__FILE__, __LINE__, "invariant: %s", why);
}
