/* tests/fs/test_reply.c: the metadata wire codec's replies
 * (services/fs/fsproto.c): round trips of every op's reply, the largest
 * one, and every rejection. */
#include <stdio.h>

#include "tests/fs/harness.h"

static void rand_attr(struct fs_attr *a)
{
    a->ino = ft_rand_u64();
    if (ft_below(4) == 0)
        return; /* type 0: the number alone */
    a->type = ft_below(2) ? FS_T_FILE : FS_T_DIR;
    a->mode = (uint16_t)ft_below(FS_MODE_MASK + 1);
    a->nlink = (uint32_t)ft_rand();
    a->size = ft_rand_u64();
    a->mtime_ns = ft_rand_u64();
    a->ctime_ns = ft_rand_u64();
    a->version = ft_rand_u64();
}

/* A random valid reply of op (status 0 with its payload, or an error). */
static void rand_reply(struct fs_reply *r, uint8_t op)
{
    memset(r, 0, sizeof *r);
    r->op = op;
    r->leader = (uint32_t)ft_rand();
    r->index = ft_rand_u64();
    r->value = ft_rand_u64();
    if (op == FS_OP_LEASE)
        r->lease_ms = (uint32_t)ft_rand(); /* whatever the status */
    static const int32_t errs[] = {-EREMOTE,   -ENOENT, -ENOTDIR, -EISDIR,  -EEXIST,
                                   -ENOTEMPTY, -ESTALE, -ENOSPC,  -EBADMSG, -4095};
    if (ft_below(4) == 0) {
        r->status = errs[ft_below(sizeof errs / sizeof errs[0])];
        if (ft_below(2))
            rand_attr(&r->attr);
        return;
    }
    rand_attr(&r->attr);
    switch (op) {
    case FS_OP_CREATE:
        r->created = (uint8_t)ft_below(2);
        break;
    case FS_OP_READDIR:
        r->more = (uint8_t)ft_below(2);
        r->n = (uint32_t)(ft_below(3) ? ft_below(5) : ft_below(FS_READDIR_MAX + 1));
        for (uint32_t i = 0; i < r->n; i++) {
            struct fs_dirent *e = &r->ents[i];
            e->name_len = (uint8_t)ft_rand_name(e->name, FS_NAME_MAX);
            e->ino = ft_rand_u64() | 1;
            e->type = ft_below(2) ? FS_T_FILE : FS_T_DIR;
        }
        break;
    case FS_OP_STATUS:
        r->st.node = (uint32_t)ft_rand();
        r->st.leader = (uint32_t)ft_rand();
        r->st.role = (uint8_t)ft_rand();
        r->st.member = (uint8_t)ft_rand();
        r->st.term = ft_rand_u64();
        r->st.commit = ft_rand_u64();
        r->st.applied = ft_rand_u64();
        r->st.last_index = ft_rand_u64();
        r->st.snap_index = ft_rand_u64();
        r->st.session = ft_rand_u64();
        r->st.inodes = (uint32_t)ft_rand();
        break;
    case FS_OP_STATFS:
        r->sf.inodes_used = (uint32_t)ft_rand();
        r->sf.inodes_total = (uint32_t)ft_rand();
        r->sf.opens_used = (uint32_t)ft_rand();
        r->sf.opens_total = (uint32_t)ft_rand();
        break;
    default:
        break;
    }
}

static void test_reply_roundtrip(void)
{
    static struct fs_reply r, got;
    static uint8_t buf[FS_REPLY_MAX + 8], again[FS_REPLY_MAX];
    uint8_t ops[FT_N_OPS + 1];
    memcpy(ops, ft_all_ops, FT_N_OPS);
    ops[FT_N_OPS] = 0; /* a refusal before the op was known */
    for (int iter = 0; iter < 2000; iter++) {
        uint8_t op = ops[iter % (FT_N_OPS + 1)];
        rand_reply(&r, op);
        int n = fs_reply_encode(&r, buf, FS_REPLY_MAX);
        CHECK(n >= 74);
        CHECK_EQ(fs_reply_decode(buf, (size_t)n, &got), 0);
        CHECK(memcmp(&got, &r, sizeof got) == 0);
        CHECK_EQ(fs_reply_encode(&got, again, sizeof again), n);
        CHECK(memcmp(buf, again, (size_t)n) == 0);
        CHECK_EQ(fs_reply_encode(&r, again, (size_t)n - 1), -EMSGSIZE);
        int step = n > 2000 ? 97 : 1;
        for (int len = 0; len < n; len += step)
            CHECK_EQ(fs_reply_decode(buf, (size_t)len, &got), -EBADMSG);
        CHECK_EQ(fs_reply_decode(buf, (size_t)n - 1, &got), -EBADMSG);
        buf[n] = 0;
        CHECK_EQ(fs_reply_decode(buf, (size_t)n + 1, &got), -EBADMSG);
    }
}

/* A READDIR of FS_READDIR_MAX names of FS_NAME_MAX bytes fits FS_REPLY_MAX. */
static void test_reply_full_readdir_fits(void)
{
    static struct fs_reply r, got;
    static uint8_t buf[FS_REPLY_MAX];
    memset(&r, 0, sizeof r);
    r.op = FS_OP_READDIR;
    r.more = 1;
    r.attr.ino = r.attr.version = UINT64_MAX;
    r.attr.type = FS_T_DIR;
    r.n = FS_READDIR_MAX;
    for (uint32_t i = 0; i < r.n; i++) {
        r.ents[i].ino = i + 1;
        r.ents[i].type = FS_T_FILE;
        r.ents[i].name_len = FS_NAME_MAX;
        memset(r.ents[i].name, 'n', FS_NAME_MAX);
    }
    int n = fs_reply_encode(&r, buf, sizeof buf);
    CHECK_EQ(n, 74 + 2 + FS_READDIR_MAX * (1 + FS_NAME_MAX + 8 + 1));
    CHECK(n <= FS_REPLY_MAX && FS_REPLY_MAX <= 16384);
    CHECK_EQ(fs_reply_decode(buf, (size_t)n, &got), 0);
    CHECK_EQ(got.n, FS_READDIR_MAX);
}

static void test_reply_rejects(void)
{
    static struct fs_reply r, got;
    static uint8_t buf[FS_REPLY_MAX];
    memset(&r, 0, sizeof r);
    r.op = FS_OP_MKDIR;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), 74);
    r.status = 1;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.status = -4096;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.status = 0;
    r.op = 99;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.op = FS_OP_MKDIR;
    r.created = 1; /* only CREATE */
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.op = FS_OP_CREATE;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), 74);
    r.created = 2;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.created = 1;
    r.status = -EEXIST; /* only on success */
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.created = 0;
    r.more = 1; /* only READDIR */
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.more = 0;
    r.status = 0;
    r.lease_ms = 1; /* only LEASE */
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.op = FS_OP_LEASE;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), 86);
    r.status = -EBUSY;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), 86);
    r.op = FS_OP_CREATE;
    r.lease_ms = 0;
    r.out_nodes = 1; /* only LEASE */
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.out_nodes = 0;
    r.lease_ms = 1;
    r.op = FS_OP_LEASE;
    r.status = 0;
    r.op = FS_OP_CREATE;
    r.lease_ms = 0;
    /* attributes */
    r.attr.type = 3;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.attr.type = FS_T_FILE;
    r.attr.mode = FS_MODE_MASK + 1;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.attr.type = 0;
    r.attr.mode = 0;
    r.attr.version = 1; /* type 0 carries the number alone */
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.attr.version = 0;
    r.attr.ino = 42;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), 74);
    /* the head on the wire */
    buf[0] = 1; /* status 1 */
    CHECK_EQ(fs_reply_decode(buf, 74, &got), -EBADMSG);
    buf[0] = 0;
    buf[8] = 77; /* op */
    CHECK_EQ(fs_reply_decode(buf, 74, &got), -EBADMSG);
    buf[8] = FS_OP_CREATE;
    buf[9] = 2; /* created */
    CHECK_EQ(fs_reply_decode(buf, 74, &got), -EBADMSG);
    buf[9] = 1;
    buf[10] = 1; /* more */
    CHECK_EQ(fs_reply_decode(buf, 74, &got), -EBADMSG);
    buf[10] = 0;
    buf[35] = 9; /* attr.type */
    CHECK_EQ(fs_reply_decode(buf, 74, &got), -EBADMSG);
    buf[35] = 0;
    CHECK_EQ(fs_reply_decode(buf, 74, &got), 0);
    CHECK_EQ(got.created, 1);
    CHECK_EQ(got.attr.ino, 42);
    /* READDIR entries */
    memset(&r, 0, sizeof r);
    r.op = FS_OP_READDIR;
    r.n = 1;
    r.ents[0].ino = 5;
    r.ents[0].type = FS_T_DIR;
    r.ents[0].name_len = 1;
    r.ents[0].name[0] = 'x';
    int n = fs_reply_encode(&r, buf, sizeof buf);
    CHECK_EQ(n, 74 + 2 + 1 + 1 + 8 + 1);
    r.ents[0].type = 0;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.ents[0].type = FS_T_FILE;
    r.ents[0].ino = 0;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.ents[0].ino = 5;
    r.ents[0].name[0] = '/';
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.ents[0].name[0] = '.';
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.ents[0].name_len = 0;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.ents[0].name_len = 1;
    r.ents[0].name[0] = 'x';
    r.n = FS_READDIR_MAX + 1;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.n = 1;
    r.status = -ENOTDIR; /* entries only on success */
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.status = 0;
    CHECK_EQ(fs_reply_encode(&r, buf, sizeof buf), n);
    buf[74] = FS_READDIR_MAX + 1; /* n on the wire */
    CHECK_EQ(fs_reply_decode(buf, (size_t)n, &got), -EBADMSG);
    buf[74] = 1;
    buf[77] = 0; /* a NUL in the name */
    CHECK_EQ(fs_reply_decode(buf, (size_t)n, &got), -EBADMSG);
    buf[77] = 'y';
    buf[76] = 2; /* name_len past the entry */
    CHECK_EQ(fs_reply_decode(buf, (size_t)n, &got), -EBADMSG);
}

const struct ft_test ft_reply_tests[] = {
    {"proto_reply_roundtrip", test_reply_roundtrip},
    {"proto_reply_full_readdir_fits", test_reply_full_readdir_fits},
    {"proto_reply_rejects", test_reply_rejects},
    {NULL, NULL},
};
