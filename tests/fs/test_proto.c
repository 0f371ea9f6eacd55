/* tests/fs/test_proto.c: the metadata wire codec (services/fs/fsproto.c):
 * path rules, round trips of requests of every op, and every rejection.
 * Replies are in test_reply.c. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fs/harness.h"

/* The flags each op may carry, as the protocol states them. */
static uint8_t allowed_flags(uint8_t op)
{
    switch (op) {
    case FS_OP_CREATE:
        return FS_F_EXCL | FS_F_TRUNC | FS_F_OPEN;
    case FS_OP_OPEN:
        return FS_F_TRUNC;
    case FS_OP_SETATTR:
        return FS_F_SIZE | FS_F_MTIME | FS_F_MODE;
    default:
        return 0;
    }
}

static bool has_path(uint8_t op)
{
    return op == FS_OP_CREATE || op == FS_OP_MKDIR || op == FS_OP_UNLINK || op == FS_OP_RMDIR ||
           op == FS_OP_RENAME || op == FS_OP_OPEN || op == FS_OP_STAT || op == FS_OP_READDIR;
}

static bool client_write(uint8_t op) { return op >= FS_OP_CREATE && op <= FS_OP_RESERVE; }

static bool write_op(uint8_t op)
{
    return client_write(op) || op == FS_OP_SESSION_OPEN || op == FS_OP_SESSION_EXPIRE ||
           op == FS_OP_RELEASE || op == FS_OP_NODE_OUT || op == FS_OP_NODE_IN;
}

/* ---- path rules --------------------------------------------------------------- */

static void test_path_check(void)
{
    static const struct {
        const char *p;
        size_t len;
        int want;
    } cases[] = {
        {"/", 1, 0},
        {"/a", 2, 0},
        {"/a/b", 4, 0},
        {"/...", 4, 0},
        {"/.a", 3, 0},
        {"/a.", 3, 0},
        {"/..a/b..", 8, 0},
        {"/ \x01\xff", 4, 0},
        {"", 0, -EINVAL},
        {"a", 1, -EINVAL},
        {"a/b", 3, -EINVAL},
        {"//", 2, -EINVAL},
        {"/a/", 3, -EINVAL},
        {"/a//b", 5, -EINVAL},
        {"/.", 2, -EINVAL},
        {"/..", 3, -EINVAL},
        {"/a/.", 4, -EINVAL},
        {"/a/./b", 6, -EINVAL},
        {"/a/../b", 7, -EINVAL},
        {"/a\0b", 4, -EINVAL},
        {"/\0", 2, -EINVAL},
        {".", 1, -EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rv = fs_path_check(cases[i].p, cases[i].len);
        if (rv != cases[i].want) {
            ft_fail(__FILE__, __LINE__, "path case %zu: %d, want %d", i, rv, cases[i].want);
            return;
        }
    }
    CHECK_EQ(fs_path_check(NULL, 0), -EINVAL);
    char p[FS_PATH_MAX + 8];
    /* a component of FS_NAME_MAX bytes, and one more */
    p[0] = '/';
    memset(p + 1, 'n', FS_NAME_MAX + 1);
    CHECK_EQ(fs_path_check(p, 1 + FS_NAME_MAX), 0);
    CHECK_EQ(fs_path_check(p, 2 + FS_NAME_MAX), -ENAMETOOLONG);
    /* the first problem from the left decides */
    p[2 + FS_NAME_MAX] = '/';
    CHECK_EQ(fs_path_check(p, 3 + FS_NAME_MAX), -ENAMETOOLONG); /* long, then empty */
    memcpy(p, "//", 2);
    memset(p + 2, 'n', FS_NAME_MAX + 1);
    CHECK_EQ(fs_path_check(p, 3 + FS_NAME_MAX), -EINVAL); /* empty, then long */
    /* a whole path of FS_PATH_MAX bytes, and one more */
    size_t n = 0;
    while (n < FS_PATH_MAX) {
        p[n++] = '/';
        size_t c = FS_PATH_MAX - n < 50 ? FS_PATH_MAX - n : 50;
        if (c == 0)
            c = 1, n--; /* never end on a '/' */
        memset(p + n, 'd', c);
        n += c;
    }
    CHECK_EQ(n, FS_PATH_MAX);
    CHECK_EQ(fs_path_check(p, FS_PATH_MAX), 0);
    p[FS_PATH_MAX] = 'd';
    CHECK_EQ(fs_path_check(p, FS_PATH_MAX + 1), -ENAMETOOLONG);
    p[5] = '\0'; /* over-long wins over anything else */
    CHECK_EQ(fs_path_check(p, FS_PATH_MAX + 1), -ENAMETOOLONG);
    CHECK_EQ(fs_path_check(p, FS_PATH_MAX), -EINVAL);
}

static void test_name_check(void)
{
    CHECK_EQ(fs_name_check("a", 1), 0);
    CHECK_EQ(fs_name_check("...", 3), 0);
    CHECK_EQ(fs_name_check(".x", 2), 0);
    CHECK_EQ(fs_name_check("a b", 3), 0);
    CHECK_EQ(fs_name_check("", 0), -EINVAL);
    CHECK_EQ(fs_name_check(".", 1), -EINVAL);
    CHECK_EQ(fs_name_check("..", 2), -EINVAL);
    CHECK_EQ(fs_name_check("a/b", 3), -EINVAL);
    CHECK_EQ(fs_name_check("a\0", 2), -EINVAL);
    char big[FS_NAME_MAX + 1];
    memset(big, 'x', sizeof big);
    CHECK_EQ(fs_name_check(big, FS_NAME_MAX), 0);
    CHECK_EQ(fs_name_check(big, FS_NAME_MAX + 1), -ENAMETOOLONG);
}

static void test_op_classes(void)
{
    for (int op = 0; op < 256; op++) {
        CHECK_EQ(fs_op_is_write((uint8_t)op), write_op((uint8_t)op));
        CHECK_EQ(fs_op_is_client_write((uint8_t)op), client_write((uint8_t)op));
    }
}

/* ---- random valid requests ------------------------------------------------------ */

/* A random canonical path (short ones often, up to FS_PATH_MAX bytes). */
static uint16_t rand_path(char *dst)
{
    size_t budget = ft_below(4) ? 1 + ft_below(40) : FS_PATH_MAX;
    size_t n = 0;
    int parts = (int)ft_below(6);
    for (int i = 0; i < parts && budget - n >= 2; i++) {
        dst[n++] = '/';
        size_t room = budget - n < FS_NAME_MAX ? budget - n : FS_NAME_MAX;
        n += ft_rand_name(dst + n, room);
    }
    if (n == 0)
        dst[n++] = '/';
    return (uint16_t)n;
}

/* A random valid request of op, with junk in the fields op does not use. */
static void rand_request(struct fs_request *r, uint8_t op)
{
    for (size_t i = 0; i < sizeof *r; i++)
        ((uint8_t *)r)[i] = (uint8_t)ft_rand();
    r->op = op;
    r->flags = (uint8_t)(ft_rand() & allowed_flags(op));
    if (op == FS_OP_SETATTR && !r->flags)
        r->flags = FS_F_MTIME;
    r->client = ft_rand_u64();
    r->seq = ft_rand_u64();
    if (r->client && !r->seq)
        r->seq = 1;
    r->now_ns = ft_rand_u64();
    r->session = ft_rand_u64() | (ft_below(2) ? 0 : 1);
    if (op == FS_OP_SESSION_EXPIRE || op == FS_OP_RELEASE)
        r->session |= 1;
    r->nonce = ft_rand_u64();
    r->pid = (int32_t)ft_rand();
    r->owner_node = (uint32_t)ft_rand() | 1;
    if (op == FS_OP_NODE_OUT || op == FS_OP_NODE_IN)
        r->owner_node = 1 + (uint32_t)ft_below(FS_OUT_NODES_MAX);
    r->mode = (uint16_t)ft_below(FS_MODE_MASK + 1);
    r->ino = ft_rand_u64() | 1;
    r->size = ft_rand_u64();
    r->mtime_ns = ft_rand_u64();
    r->max = (uint32_t)ft_below(FS_READDIR_MAX + 1);
    r->path_len = rand_path(r->path);
    r->path2_len = rand_path(r->path2);
    r->after_len = ft_below(3) ? ft_rand_name(r->after, FS_NAME_MAX) : 0;
}

/* What decoding r's encoding must give: the fields r's op uses, zero elsewhere. */
static void norm_request(const struct fs_request *r, struct fs_request *n)
{
    memset(n, 0, sizeof *n);
    uint8_t op = r->op, f = r->flags;
    n->op = op;
    n->flags = f;
    if (client_write(op)) {
        n->client = r->client;
        n->seq = r->seq;
    }
    if (write_op(op))
        n->now_ns = r->now_ns;
    if (has_path(op)) {
        n->path_len = r->path_len;
        memcpy(n->path, r->path, r->path_len);
    }
    if (op == FS_OP_CREATE || op == FS_OP_MKDIR || (op == FS_OP_SETATTR && (f & FS_F_MODE)))
        n->mode = r->mode;
    if ((op == FS_OP_CREATE && (f & FS_F_OPEN)) || op == FS_OP_OPEN || op == FS_OP_CLOSE ||
        op == FS_OP_RELEASE) {
        n->session = r->session;
        n->pid = r->pid;
    }
    if (op == FS_OP_SESSION_EXPIRE)
        n->session = r->session;
    if (op == FS_OP_RENAME) {
        n->path2_len = r->path2_len;
        memcpy(n->path2, r->path2, r->path2_len);
    }
    if (op == FS_OP_SETATTR || op == FS_OP_CLOSE || op == FS_OP_FSTAT || op == FS_OP_EXTEND ||
        op == FS_OP_RESERVE || op == FS_OP_LEASE)
        n->ino = r->ino;
    if ((op == FS_OP_SETATTR && (f & FS_F_SIZE)) || op == FS_OP_EXTEND || op == FS_OP_RESERVE ||
        op == FS_OP_LEASE)
        n->size = r->size;
    if (op == FS_OP_LEASE)
        n->owner_node = r->owner_node;
    if (op == FS_OP_SETATTR && (f & FS_F_MTIME))
        n->mtime_ns = r->mtime_ns;
    if (op == FS_OP_READDIR) {
        n->max = r->max;
        n->after_len = r->after_len;
        memcpy(n->after, r->after, r->after_len);
    }
    if (op == FS_OP_SESSION_OPEN) {
        n->owner_node = r->owner_node;
        n->nonce = r->nonce;
    }
    if (op == FS_OP_NODE_OUT || op == FS_OP_NODE_IN)
        n->owner_node = r->owner_node;
}

/* Every op with random fields: decode(encode(r)) is r's used fields, the
 * encoding re-encodes to the same bytes, every truncation and any trailing
 * byte is refused (leaving the struct zeroed), and a buffer one byte short
 * is -EMSGSIZE. */
static void test_request_roundtrip(void)
{
    static struct fs_request r, want, got, zero;
    uint8_t buf[FS_REQUEST_MAX + 8], again[FS_REQUEST_MAX];
    for (int iter = 0; iter < 4000; iter++) {
        uint8_t op = ft_all_ops[iter % FT_N_OPS];
        rand_request(&r, op);
        int n = fs_request_encode(&r, buf, FS_REQUEST_MAX);
        CHECK(n >= 2 && n <= FS_REQUEST_MAX);
        norm_request(&r, &want);
        CHECK_EQ(fs_request_decode(buf, (size_t)n, &got), 0);
        CHECK(memcmp(&got, &want, sizeof got) == 0);
        CHECK_EQ(fs_request_encode(&got, again, sizeof again), n);
        CHECK(memcmp(buf, again, (size_t)n) == 0);
        CHECK_EQ(fs_request_encode(&r, again, (size_t)n - 1), -EMSGSIZE);
        if (iter < 400)
            for (int len = 0; len < n; len++)
                CHECK_EQ(fs_request_decode(buf, (size_t)len, &got), -EBADMSG);
        buf[n] = (uint8_t)ft_rand();
        CHECK_EQ(fs_request_decode(buf, (size_t)n + 1, &got), -EBADMSG);
        CHECK(memcmp(&got, &zero, sizeof got) == 0);
    }
}

/* The largest requests fit FS_REQUEST_MAX (a Raft entry). */
static void test_request_max_size(void)
{
    static struct fs_request r;
    uint8_t buf[FS_REQUEST_MAX];
    memset(&r, 0, sizeof r);
    r.op = FS_OP_RENAME;
    r.client = r.seq = 1;
    r.path_len = r.path2_len = FS_PATH_MAX;
    for (int i = 0; i < FS_PATH_MAX; i++)
        r.path[i] = r.path2[i] = i % 65 == 0 ? '/' : 'r';
    int n = fs_request_encode(&r, buf, sizeof buf);
    CHECK_EQ(n, 2 + 16 + 8 + 2 * (2 + FS_PATH_MAX));
    CHECK(n <= FS_REQUEST_MAX && FS_REQUEST_MAX <= 600);
    r.op = FS_OP_CREATE;
    r.flags = FS_F_OPEN | FS_F_EXCL | FS_F_TRUNC;
    r.session = 1;
    CHECK(fs_request_encode(&r, buf, sizeof buf) < n);
    r.op = FS_OP_READDIR;
    r.flags = 0;
    r.after_len = FS_NAME_MAX;
    memset(r.after, 'a', FS_NAME_MAX);
    CHECK(fs_request_encode(&r, buf, sizeof buf) < n);
}

/* Flags an op does not use are refused both ways. */
static void test_request_bad_flags(void)
{
    static struct fs_request r, got;
    uint8_t buf[FS_REQUEST_MAX];
    for (size_t k = 0; k < FT_N_OPS; k++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t op = ft_all_ops[k];
            if (allowed_flags(op) & (1u << bit))
                continue;
            rand_request(&r, op);
            int n = fs_request_encode(&r, buf, sizeof buf);
            CHECK(n >= 2);
            r.flags |= (uint8_t)(1u << bit);
            CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
            buf[1] |= (uint8_t)(1u << bit);
            CHECK_EQ(fs_request_decode(buf, (size_t)n, &got), -EBADMSG);
        }
    }
    rand_request(&r, FS_OP_SETATTR); /* SETATTR sets something */
    r.flags = 0;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    r.flags = FS_F_MTIME;
    int n = fs_request_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
    buf[1] = 0;
    CHECK_EQ(fs_request_decode(buf, (size_t)n - 8, &got), -EBADMSG);
}

/* The last place needle occurs in hay (a path comes last, path2 after path). */
static uint8_t *last_match(uint8_t *hay, size_t n, const char *needle, size_t len)
{
    for (size_t i = n - len + 1; i-- > 0;)
        if (memcmp(hay + i, needle, len) == 0)
            return hay + i;
    return NULL;
}

/* A bad path or `after` name: the encoder gives its own error, and the same
 * bytes on the wire are refused. */
static void test_request_bad_paths(void)
{
    static struct fs_request r, got;
    uint8_t buf[FS_REQUEST_MAX];
    static const struct {
        const char *p;
        uint16_t len;
        int err;
    } bad[] = {
        {"abcdefgh", 8, -EINVAL},  {"/abc/efg", 8, 0},       {"//bcdefg", 8, -EINVAL},
        {"/abcdef/", 8, -EINVAL},  {"/ab/./gh", 8, -EINVAL}, {"/ab/../h", 8, -EINVAL},
        {"/abc\0efg", 8, -EINVAL}, {"/..", 3, -EINVAL},      {"", 0, -EINVAL},
    };
    for (size_t k = 0; k < FT_N_OPS; k++) {
        uint8_t op = ft_all_ops[k];
        if (!has_path(op))
            continue;
        for (int which = 0; which < (op == FS_OP_RENAME ? 2 : 1); which++) {
            for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                rand_request(&r, op);
                char *p = which ? r.path2 : r.path;
                uint16_t *pl = which ? &r.path2_len : &r.path_len;
                memcpy(p, bad[b].p, bad[b].len);
                *pl = bad[b].len;
                if (bad[b].err)
                    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), bad[b].err);
                else
                    CHECK(fs_request_encode(&r, buf, sizeof buf) > 0);
                if (bad[b].len != 8)
                    continue;
                /* the same bytes with a good path, then the bad one swapped in */
                memcpy(p, "/abc/efg", 8);
                int n = fs_request_encode(&r, buf, sizeof buf);
                CHECK(n > 0);
                uint8_t *at = last_match(buf, (size_t)n, "/abc/efg", 8);
                CHECK(at != NULL);
                memcpy(at, bad[b].p, 8);
                CHECK_EQ(fs_request_decode(buf, (size_t)n, &got), bad[b].err ? -EBADMSG : 0);
            }
            /* over-long: a component, then the whole path */
            rand_request(&r, op);
            char *p = which ? r.path2 : r.path;
            uint16_t *pl = which ? &r.path2_len : &r.path_len;
            p[0] = '/';
            memset(p + 1, 'n', FS_NAME_MAX + 1);
            *pl = FS_NAME_MAX + 2;
            CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -ENAMETOOLONG);
            *pl = FS_NAME_MAX + 1;
            int n = fs_request_encode(&r, buf, sizeof buf);
            CHECK(n > 0);
            *pl = FS_PATH_MAX + 1;
            CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -ENAMETOOLONG);
        }
    }
    /* lengths on the wire: a component of 65 bytes, a path of 257 */
    uint8_t stat[2 + 2 + FS_PATH_MAX + 1] = {FS_OP_STAT, 0, FS_NAME_MAX + 2, 0, '/'};
    memset(stat + 5, 'a', sizeof stat - 5);
    CHECK_EQ(fs_request_decode(stat, 4 + FS_NAME_MAX + 2, &got), -EBADMSG);
    stat[2] = FS_NAME_MAX + 1;
    CHECK_EQ(fs_request_decode(stat, 4 + FS_NAME_MAX + 1, &got), 0);
    CHECK_EQ(got.path_len, FS_NAME_MAX + 1);
    stat[2] = (FS_PATH_MAX + 1) & 0xff;
    stat[3] = (FS_PATH_MAX + 1) >> 8;
    for (int i = 1; i < FS_PATH_MAX + 1; i += 40)
        stat[4 + i] = '/';
    CHECK_EQ(fs_request_decode(stat, sizeof stat, &got), -EBADMSG);
    /* READDIR's `after`: a name, or empty */
    rand_request(&r, FS_OP_READDIR);
    memcpy(r.after, "a/b", 3);
    r.after_len = 3;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    memcpy(r.after, "..", 2);
    r.after_len = 2;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    memset(r.after, 'x', FS_NAME_MAX);
    r.after_len = FS_NAME_MAX + 1;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -ENAMETOOLONG);
    r.after_len = 0;
    int n = fs_request_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
    buf[n - 1] = FS_NAME_MAX + 1; /* after_len on the wire, the last byte */
    CHECK_EQ(fs_request_decode(buf, (size_t)n, &got), -EBADMSG);
    buf[n - 1] = 1;
    buf[n] = '.';
    CHECK_EQ(fs_request_decode(buf, (size_t)n + 1, &got), -EBADMSG);
    buf[n] = 'q';
    CHECK_EQ(fs_request_decode(buf, (size_t)n + 1, &got), 0);
}

static void test_request_rules(void)
{
    static struct fs_request r, got;
    uint8_t buf[FS_REQUEST_MAX];
    /* a numbered client starts at 1; a server's command has client 0 */
    for (uint8_t op = FS_OP_CREATE; op <= FS_OP_RESERVE; op++) {
        rand_request(&r, op);
        r.client = 5;
        r.seq = 0;
        CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
        r.client = 0;
        CHECK(fs_request_encode(&r, buf, sizeof buf) > 0);
    }
    /* modes */
    static const uint8_t mode_ops[] = {FS_OP_CREATE, FS_OP_MKDIR, FS_OP_SETATTR};
    for (size_t k = 0; k < sizeof mode_ops; k++) {
        rand_request(&r, mode_ops[k]);
        r.flags |= mode_ops[k] == FS_OP_SETATTR ? FS_F_MODE : 0;
        r.mode = FS_MODE_MASK;
        int n = fs_request_encode(&r, buf, sizeof buf);
        CHECK(n > 0);
        r.mode = FS_MODE_MASK + 1;
        CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    }
    /* inode numbers */
    static const uint8_t ino_ops[] = {FS_OP_SETATTR, FS_OP_CLOSE,   FS_OP_FSTAT,
                                      FS_OP_EXTEND,  FS_OP_RESERVE, FS_OP_LEASE};
    for (size_t k = 0; k < sizeof ino_ops; k++) {
        rand_request(&r, ino_ops[k]);
        r.ino = 0;
        CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    }
    rand_request(&r, FS_OP_FSTAT);
    r.ino = 7;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), 10);
    memset(buf + 2, 0, 8);
    CHECK_EQ(fs_request_decode(buf, 10, &got), -EBADMSG);
    /* READDIR's max */
    rand_request(&r, FS_OP_READDIR);
    r.max = FS_READDIR_MAX + 1;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    r.max = FS_READDIR_MAX;
    int n = fs_request_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
    buf[2] = FS_READDIR_MAX + 1;
    CHECK_EQ(fs_request_decode(buf, (size_t)n, &got), -EBADMSG);
    /* a lease is asked for a node */
    rand_request(&r, FS_OP_LEASE);
    r.owner_node = 0;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    r.owner_node = 3;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), 2 + 8 + 8 + 4);
    /* server commands */
    rand_request(&r, FS_OP_SESSION_OPEN);
    r.owner_node = 0;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    rand_request(&r, FS_OP_SESSION_EXPIRE);
    r.session = 0;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    rand_request(&r, FS_OP_RELEASE);
    r.session = 0;
    CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
    /* a client's OPEN may leave session 0 for the server to fill */
    rand_request(&r, FS_OP_OPEN);
    r.session = 0;
    CHECK(fs_request_encode(&r, buf, sizeof buf) > 0);
    /* unknown ops, both ways */
    for (int op = 0; op < 256; op++) {
        bool known = false;
        for (size_t k = 0; k < FT_N_OPS; k++)
            known |= ft_all_ops[k] == op;
        if (known)
            continue;
        memset(&r, 0, sizeof r);
        r.op = (uint8_t)op;
        CHECK_EQ(fs_request_encode(&r, buf, sizeof buf), -EINVAL);
        uint8_t two[2] = {(uint8_t)op, 0};
        CHECK_EQ(fs_request_decode(two, 2, &got), -EBADMSG);
    }
    /* STATUS, STATFS and SESSION are two bytes; nothing may follow */
    uint8_t st[3] = {FS_OP_STATUS, 0, 0};
    CHECK_EQ(fs_request_decode(st, 2, &got), 0);
    CHECK_EQ(got.op, FS_OP_STATUS);
    CHECK_EQ(fs_request_decode(st, 3, &got), -EBADMSG);
    st[0] = FS_OP_STATFS;
    CHECK_EQ(fs_request_decode(st, 2, &got), 0);
    st[0] = FS_OP_SESSION;
    CHECK_EQ(fs_request_decode(st, 2, &got), 0);
    CHECK_EQ(fs_request_decode(st, 3, &got), -EBADMSG);
    CHECK_EQ(fs_request_decode(st, 1, &got), -EBADMSG);
    CHECK_EQ(fs_request_decode(st, 0, &got), -EBADMSG);
    CHECK_EQ(fs_request_decode(NULL, 0, &got), -EBADMSG);
    /* a path length running past the end */
    r = ft_req(FS_OP_UNLINK, "/abc");
    n = fs_request_encode(&r, buf, sizeof buf);
    CHECK_EQ(n, 2 + 16 + 8 + 2 + 4);
    buf[26] = 5;
    CHECK_EQ(fs_request_decode(buf, (size_t)n, &got), -EBADMSG);
    buf[26] = 3;
    CHECK_EQ(fs_request_decode(buf, (size_t)n, &got), -EBADMSG); /* a trailing byte */
}

/* Random bytes: decoders never misbehave (ASan), and what decodes re-encodes
 * to the same bytes. Half the inputs start from a valid encoding, mutated. */
static void test_decode_random_bytes(void)
{
    static struct fs_request r;
    static struct fs_reply rep;
    static uint8_t buf[FS_REPLY_MAX], again[FS_REPLY_MAX];
    int decoded = 0;
    for (int iter = 0; iter < 60000; iter++) {
        size_t n;
        if (iter & 1) {
            rand_request(&r, ft_all_ops[ft_below(FT_N_OPS)]);
            n = (size_t)fs_request_encode(&r, buf, FS_REQUEST_MAX);
            for (int k = (int)ft_below(3); k >= 0; k--)
                buf[ft_below(n)] ^= (uint8_t)(1u << ft_below(8));
        } else {
            n = ft_below(64);
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)ft_rand();
            buf[0] = ft_all_ops[ft_below(FT_N_OPS)];
            if (n > 1)
                buf[1] &= 0x07;
        }
        int rv = fs_request_decode(buf, n, &r);
        CHECK(rv == 0 || rv == -EBADMSG);
        if (rv == 0) {
            decoded++;
            CHECK_EQ(fs_request_encode(&r, again, FS_REQUEST_MAX), (int)n);
            CHECK(memcmp(buf, again, n) == 0);
        }
        if (fs_reply_decode(buf, n, &rep) == 0) {
            CHECK_EQ(fs_reply_encode(&rep, again, sizeof again), (int)n);
            CHECK(memcmp(buf, again, n) == 0);
        }
    }
    CHECK(decoded > 1000);
}

const struct ft_test ft_proto_tests[] = {
    {"proto_path_check", test_path_check},
    {"proto_name_check", test_name_check},
    {"proto_op_classes", test_op_classes},
    {"proto_request_roundtrip", test_request_roundtrip},
    {"proto_request_max_size", test_request_max_size},
    {"proto_request_bad_flags", test_request_bad_flags},
    {"proto_request_bad_paths", test_request_bad_paths},
    {"proto_request_rules", test_request_rules},
    {"proto_decode_random_bytes", test_decode_random_bytes},
    {NULL, NULL},
};
