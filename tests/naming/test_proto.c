/* tests/naming/test_proto.c: the wire codec (services/naming/nsproto.c). */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>

#include "tests/naming/harness.h"

static const uint8_t all_ops[] = {
    NS_OP_PUT,    NS_OP_CAS,    NS_OP_RM,      NS_OP_GET,          NS_OP_LIST,
    NS_OP_WATCH,  NS_OP_STATUS, NS_OP_SESSION, NS_OP_SESSION_OPEN, NS_OP_SESSION_EXPIRE,
    NS_OP_RELEASE};
#define N_OPS (sizeof all_ops / sizeof all_ops[0])

/* The flags each op may carry, as the protocol states them. */
static uint8_t allowed_flags(uint8_t op)
{
    switch (op) {
    case NS_OP_PUT:
        return NS_F_VALUE | NS_F_PORT | NS_F_EPHEMERAL;
    case NS_OP_CAS:
        return NS_F_VALUE | NS_F_PORT | NS_F_EPHEMERAL | NS_F_CMP_VALUE;
    case NS_OP_RM:
        return NS_F_VERSION;
    default:
        return 0;
    }
}

static uint16_t rand_name(char *dst, size_t min, size_t max)
{
    size_t n = min + nt_below(max - min + 1);
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)(0x21 + nt_below(0x7e - 0x21 + 1));
    return (uint16_t)n;
}

static uint64_t rand_u64(void)
{
    switch (nt_below(4)) {
    case 0:
        return 0;
    case 1:
        return nt_below(10);
    case 2:
        return UINT64_MAX - nt_below(3);
    default:
        return nt_rand();
    }
}

/* A random valid request of op, with junk in the fields op does not use. */
static void rand_request(struct ns_request *r, uint8_t op)
{
    for (size_t i = 0; i < sizeof *r; i++)
        ((uint8_t *)r)[i] = (uint8_t)nt_rand();
    r->op = op;
    r->flags = (uint8_t)(nt_rand() & allowed_flags(op));
    if ((op == NS_OP_PUT || op == NS_OP_CAS) && !(r->flags & (NS_F_VALUE | NS_F_PORT)))
        r->flags |= nt_below(2) ? NS_F_VALUE : NS_F_PORT;
    r->client = rand_u64();
    r->seq = rand_u64();
    if (r->client && !r->seq)
        r->seq = 1;
    r->version = rand_u64();
    r->session = rand_u64();
    if (!r->session)
        r->session = 7;
    r->nonce = rand_u64();
    r->owner_pid = (int32_t)nt_rand();
    r->owner_node = (uint32_t)nt_rand() | 1;
    bool empty_ok = op == NS_OP_LIST || op == NS_OP_WATCH;
    r->name_len = rand_name(r->name, empty_ok ? 0 : 1, NS_NAME_MAX);
    r->after_len = rand_name(r->after, 0, NS_NAME_MAX);
    r->value_len = (uint16_t)nt_below(NS_VALUE_MAX + 1);
    r->expect_len = (uint16_t)nt_below(NS_VALUE_MAX + 1);
}

/* What decoding r's encoding must give: the fields r's op uses, zero elsewhere. */
static void norm_request(const struct ns_request *r, struct ns_request *n)
{
    memset(n, 0, sizeof *n);
    n->op = r->op;
    n->flags = r->flags;
    uint8_t op = r->op, f = r->flags;
    bool write = op == NS_OP_PUT || op == NS_OP_CAS || op == NS_OP_RM;
    if (write) {
        n->client = r->client;
        n->seq = r->seq;
    }
    if (f & NS_F_EPHEMERAL) {
        n->session = r->session;
        n->owner_pid = r->owner_pid;
    }
    if (f & NS_F_PORT)
        n->port = r->port;
    if ((op == NS_OP_CAS && !(f & NS_F_CMP_VALUE)) || (f & NS_F_VERSION) || op == NS_OP_LIST ||
        op == NS_OP_WATCH)
        n->version = r->version;
    if (write || op == NS_OP_GET || op == NS_OP_LIST || op == NS_OP_WATCH) {
        n->name_len = r->name_len;
        memcpy(n->name, r->name, r->name_len);
    }
    if (op == NS_OP_LIST) {
        n->after_len = r->after_len;
        memcpy(n->after, r->after, r->after_len);
    }
    if (f & NS_F_VALUE) {
        n->value_len = r->value_len;
        memcpy(n->value, r->value, r->value_len);
    }
    if (f & NS_F_CMP_VALUE) {
        n->expect_len = r->expect_len;
        memcpy(n->expect, r->expect, r->expect_len);
    }
    if (op == NS_OP_SESSION_OPEN) {
        n->owner_node = r->owner_node;
        n->nonce = r->nonce;
    }
    if (op == NS_OP_SESSION_EXPIRE || op == NS_OP_RELEASE)
        n->session = r->session;
    if (op == NS_OP_RELEASE)
        n->owner_pid = r->owner_pid;
}

static void test_name_ok(void)
{
    CHECK(ns_name_ok("a", 1, false));
    CHECK(ns_name_ok("svc/fs.1", 8, false));
    CHECK(ns_name_ok("!~", 2, false));
    CHECK(!ns_name_ok("", 0, false));
    CHECK(ns_name_ok("", 0, true));
    CHECK(!ns_name_ok("a b", 3, true));
    CHECK(!ns_name_ok("a\x7f", 2, true));
    CHECK(!ns_name_ok("a\x80", 2, true));
    CHECK(!ns_name_ok("a\0b", 3, true));
    CHECK(!ns_name_ok("\n", 1, true));
    char big[NS_NAME_MAX + 1];
    memset(big, 'x', sizeof big);
    CHECK(ns_name_ok(big, NS_NAME_MAX, false));
    CHECK(!ns_name_ok(big, NS_NAME_MAX + 1, false));
    CHECK(!ns_name_ok(big, NS_NAME_MAX + 1, true));
}

static void test_op_is_write(void)
{
    for (int op = 0; op < 256; op++) {
        bool w = op == NS_OP_PUT || op == NS_OP_CAS || op == NS_OP_RM || op == NS_OP_SESSION_OPEN ||
                 op == NS_OP_SESSION_EXPIRE || op == NS_OP_RELEASE;
        CHECK_EQ(ns_op_is_write((uint8_t)op), w);
    }
}

/* Every op with random fields: decode(encode(r)) is r's used fields, the
 * encoding re-encodes to the same bytes, every truncation and any trailing
 * byte is refused, and a buffer one byte short is -EMSGSIZE. */
static void test_request_roundtrip(void)
{
    static struct ns_request r, want, got;
    uint8_t buf[NS_REQUEST_MAX + 8], again[NS_REQUEST_MAX];
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t op = all_ops[iter % N_OPS];
        rand_request(&r, op);
        int n = ns_request_encode(&r, buf, NS_REQUEST_MAX);
        CHECK(n > 0 && n <= NS_REQUEST_MAX);
        norm_request(&r, &want);
        CHECK_EQ(ns_request_decode(buf, (size_t)n, &got), 0);
        CHECK(memcmp(&got, &want, sizeof got) == 0);
        CHECK_EQ(ns_request_encode(&got, again, sizeof again), n);
        CHECK(memcmp(buf, again, (size_t)n) == 0);
        CHECK_EQ(ns_request_encode(&r, again, (size_t)n - 1), -EMSGSIZE);
        if (iter < 400) {
            for (int len = 0; len < n; len++) {
                CHECK_EQ(ns_request_decode(buf, (size_t)len, &got), -EBADMSG);
                CHECK_EQ(ns_request_encode(&r, again, (size_t)len), -EMSGSIZE);
            }
        }
        buf[n] = (uint8_t)nt_rand();
        CHECK_EQ(ns_request_decode(buf, (size_t)n + 1, &got), -EBADMSG);
        /* a refused decode leaves r zeroed */
        struct ns_request zero;
        memset(&zero, 0, sizeof zero);
        CHECK(memcmp(&got, &zero, sizeof got) == 0);
    }
}

/* The biggest request there is fits NS_REQUEST_MAX (a Raft entry). */
static void test_request_max_size(void)
{
    static struct ns_request r;
    memset(&r, 0x41, sizeof r);
    r.op = NS_OP_CAS;
    r.flags = NS_F_VALUE | NS_F_PORT | NS_F_EPHEMERAL | NS_F_CMP_VALUE;
    r.client = r.seq = r.session = 1;
    r.name_len = NS_NAME_MAX;
    r.value_len = r.expect_len = NS_VALUE_MAX;
    uint8_t buf[NS_REQUEST_MAX];
    int n = ns_request_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
    CHECK(n <= NS_REQUEST_MAX);
    r.flags &= (uint8_t)~NS_F_CMP_VALUE;
    n = ns_request_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
}

/* Flags an op does not use are refused both ways. */
static void test_request_bad_flags(void)
{
    static struct ns_request r, got;
    uint8_t buf[NS_REQUEST_MAX];
    for (size_t k = 0; k < N_OPS; k++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t op = all_ops[k];
            if (allowed_flags(op) & (1u << bit))
                continue;
            rand_request(&r, op);
            int n = ns_request_encode(&r, buf, sizeof buf);
            CHECK(n >= 2);
            CHECK_EQ(ns_request_decode(buf, (size_t)n, &got), 0);
            r.flags |= (uint8_t)(1u << bit);
            CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
            buf[1] |= (uint8_t)(1u << bit);
            CHECK_EQ(ns_request_decode(buf, (size_t)n, &got), -EBADMSG);
        }
    }
    /* PUT and CAS carry a value, a port or both */
    rand_request(&r, NS_OP_PUT);
    r.flags &= (uint8_t) ~(NS_F_VALUE | NS_F_PORT);
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    rand_request(&r, NS_OP_CAS);
    r.flags &= (uint8_t) ~(NS_F_VALUE | NS_F_PORT);
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    uint8_t bare[] = {NS_OP_PUT, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 'a'};
    CHECK_EQ(ns_request_decode(bare, sizeof bare, &got), -EBADMSG);
    bare[1] = NS_F_VALUE;
    uint8_t with_value[sizeof bare + 2];
    memcpy(with_value, bare, sizeof bare);
    with_value[sizeof bare] = 0;
    with_value[sizeof bare + 1] = 0;
    CHECK_EQ(ns_request_decode(with_value, sizeof with_value, &got), 0); /* empty value */
    CHECK_EQ(got.value_len, 0);
    CHECK_EQ(got.flags, NS_F_VALUE);
}

static void test_request_bad_names(void)
{
    static struct ns_request r, got;
    uint8_t buf[NS_REQUEST_MAX];
    const char *bad[] = {"a b", "tab\there", "del\x7f", "hi\x80", "nul\0x"};
    const size_t bad_len[] = {3, 8, 4, 3, 5};
    for (size_t k = 0; k < N_OPS; k++) {
        uint8_t op = all_ops[k];
        bool named = op == NS_OP_PUT || op == NS_OP_CAS || op == NS_OP_RM || op == NS_OP_GET ||
                     op == NS_OP_LIST || op == NS_OP_WATCH;
        if (!named)
            continue;
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            rand_request(&r, op);
            memcpy(r.name, bad[b], bad_len[b]);
            r.name_len = (uint16_t)bad_len[b];
            CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
            /* the same bytes with a good name, then the bad one swapped in */
            memcpy(r.name, "abcdefgh", bad_len[b]);
            int n = ns_request_encode(&r, buf, sizeof buf);
            CHECK(n > 0);
            uint8_t *at = memmem(buf, (size_t)n, "abcdefgh", bad_len[b]);
            CHECK(at != NULL);
            memcpy(at, bad[b], bad_len[b]);
            CHECK_EQ(ns_request_decode(buf, (size_t)n, &got), -EBADMSG);
        }
        /* empty: only a LIST or WATCH prefix */
        rand_request(&r, op);
        r.name_len = 0;
        int n = ns_request_encode(&r, buf, sizeof buf);
        if (op == NS_OP_LIST || op == NS_OP_WATCH)
            CHECK(n > 0);
        else
            CHECK_EQ(n, -EINVAL);
        /* too long */
        rand_request(&r, op);
        r.name_len = NS_NAME_MAX + 1;
        CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    }
    /* a length byte above NS_NAME_MAX on the wire */
    uint8_t get[2 + 1 + NS_NAME_MAX + 1] = {NS_OP_GET, 0, NS_NAME_MAX + 1};
    memset(get + 3, 'a', NS_NAME_MAX + 1);
    CHECK_EQ(ns_request_decode(get, sizeof get, &got), -EBADMSG);
    get[2] = NS_NAME_MAX;
    CHECK_EQ(ns_request_decode(get, sizeof get - 1, &got), 0);
    CHECK_EQ(got.name_len, NS_NAME_MAX);
    /* LIST's `after` is checked too */
    rand_request(&r, NS_OP_LIST);
    memcpy(r.after, "x y", 3);
    r.after_len = 3;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    r.after_len = NS_NAME_MAX + 1;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
}

static void test_request_rules(void)
{
    static struct ns_request r, got;
    uint8_t buf[NS_REQUEST_MAX];
    /* ephemeral needs a session */
    rand_request(&r, NS_OP_PUT);
    r.flags |= NS_F_EPHEMERAL;
    r.session = 0;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    r.session = 9;
    int n = ns_request_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
    memset(buf + 18, 0, 8); /* session follows op, flags, client, seq */
    CHECK_EQ(ns_request_decode(buf, (size_t)n, &got), -EBADMSG);
    /* value and expect lengths */
    rand_request(&r, NS_OP_CAS);
    r.flags |= NS_F_VALUE;
    r.value_len = NS_VALUE_MAX + 1;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    rand_request(&r, NS_OP_CAS);
    r.flags |= NS_F_CMP_VALUE;
    r.expect_len = NS_VALUE_MAX + 1;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    /* a numbered client starts at 1 */
    rand_request(&r, NS_OP_RM);
    r.client = 5;
    r.seq = 0;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    r.client = 0; /* a server's own command */
    CHECK(ns_request_encode(&r, buf, sizeof buf) > 0);
    /* server commands */
    rand_request(&r, NS_OP_SESSION_OPEN);
    r.owner_node = 0;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    rand_request(&r, NS_OP_SESSION_EXPIRE);
    r.session = 0;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    rand_request(&r, NS_OP_RELEASE);
    r.session = 0;
    CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
    /* unknown ops, both ways */
    for (int op = 0; op < 256; op++) {
        bool known = false;
        for (size_t k = 0; k < N_OPS; k++)
            known |= all_ops[k] == op;
        if (known)
            continue;
        memset(&r, 0, sizeof r);
        r.op = (uint8_t)op;
        CHECK_EQ(ns_request_encode(&r, buf, sizeof buf), -EINVAL);
        uint8_t two[2] = {(uint8_t)op, 0};
        CHECK_EQ(ns_request_decode(two, 2, &got), -EBADMSG);
    }
    /* STATUS and SESSION are two bytes; nothing may follow */
    uint8_t st[3] = {NS_OP_STATUS, 0, 0};
    CHECK_EQ(ns_request_decode(st, 2, &got), 0);
    CHECK_EQ(got.op, NS_OP_STATUS);
    CHECK_EQ(ns_request_decode(st, 3, &got), -EBADMSG);
    CHECK_EQ(ns_request_decode(st, 0, &got), -EBADMSG);
    CHECK_EQ(ns_request_decode(NULL, 0, &got), -EBADMSG);
    /* a value length running past the end */
    memset(&r, 0, sizeof r);
    r.op = NS_OP_PUT;
    r.flags = NS_F_VALUE;
    memcpy(r.name, "k", 1);
    r.name_len = 1;
    r.value_len = 3;
    n = ns_request_encode(&r, buf, sizeof buf);
    CHECK(n > 0);
    buf[n - 5] = 4; /* value_len low byte */
    CHECK_EQ(ns_request_decode(buf, (size_t)n, &got), -EBADMSG);
    buf[n - 5] = 2;
    CHECK_EQ(ns_request_decode(buf, (size_t)n, &got), -EBADMSG); /* a trailing byte */
}

/* A random valid reply of op (status 0 with its payload, or an error). */
static void rand_reply(struct ns_reply *r, uint8_t op)
{
    memset(r, 0, sizeof *r);
    r->op = op;
    r->leader = (uint32_t)nt_rand();
    r->index = rand_u64();
    r->version = rand_u64();
    static const int32_t errs[] = {-EREMOTE, -ENOENT, -ECANCELED, -ENOSPC,
                                   -ESTALE,  -EINVAL, -EAGAIN,    -EBADMSG};
    if (nt_below(4) == 0) {
        r->status = errs[nt_below(sizeof errs / sizeof errs[0])];
        return;
    }
    struct ns_binding *b = &r->b;
    switch (op) {
    case NS_OP_WATCH:
        r->event = nt_below(2) ? NS_EV_PUT : NS_EV_RM;
        /* fall through */
    case NS_OP_GET:
        b->version = rand_u64();
        b->create_index = rand_u64();
        b->mod_index = rand_u64();
        b->session = rand_u64();
        b->owner_pid = (int32_t)nt_rand();
        b->flags = (uint8_t)nt_below(4);
        if (b->flags & NS_F_PORT)
            b->port.a = nt_rand(), b->port.b = nt_rand();
        b->name_len = rand_name(b->name, 1, NS_NAME_MAX);
        if (b->flags & NS_F_VALUE) {
            b->value_len = (uint16_t)nt_below(NS_VALUE_MAX + 1);
            for (int i = 0; i < b->value_len; i++)
                b->value[i] = (uint8_t)nt_rand();
        }
        break;
    case NS_OP_STATUS:
        /* field by field: a compound literal may leave garbage in the padding,
         * and the test compares whole structs */
        r->st.node = (uint32_t)nt_rand();
        r->st.leader = (uint32_t)nt_rand();
        r->st.role = (uint8_t)nt_rand();
        r->st.member = (uint8_t)nt_rand();
        r->st.term = rand_u64();
        r->st.commit = rand_u64();
        r->st.applied = rand_u64();
        r->st.last_index = rand_u64();
        r->st.snap_index = rand_u64();
        r->st.session = rand_u64();
        r->st.bindings = (uint32_t)nt_rand();
        break;
    case NS_OP_LIST:
        r->more = (uint8_t)nt_below(2);
        r->n_names = (uint32_t)nt_below(NS_LIST_MAX + 1);
        if (nt_below(3) == 0)
            r->n_names = (uint32_t)nt_below(4);
        for (uint32_t k = 0; k < r->n_names; k++) {
            r->names_len += rand_name(r->names + r->names_len, 1, NS_NAME_MAX);
            r->names[r->names_len++] = 0;
        }
        break;
    default:
        break;
    }
}

static void test_reply_roundtrip(void)
{
    static struct ns_reply r, got;
    static uint8_t buf[NS_REPLY_MAX + 8], again[NS_REPLY_MAX];
    uint8_t ops[N_OPS + 1];
    memcpy(ops, all_ops, N_OPS);
    ops[N_OPS] = 0; /* a refusal before the op was known */
    for (int iter = 0; iter < 1500; iter++) {
        uint8_t op = ops[iter % (N_OPS + 1)];
        rand_reply(&r, op);
        int n = ns_reply_encode(&r, buf, NS_REPLY_MAX);
        CHECK(n >= 27);
        CHECK_EQ(ns_reply_decode(buf, (size_t)n, &got), 0);
        /* names beyond names_len were zero in r too */
        CHECK(memcmp(&got, &r, sizeof got) == 0);
        CHECK_EQ(ns_reply_encode(&got, again, sizeof again), n);
        CHECK(memcmp(buf, again, (size_t)n) == 0);
        CHECK_EQ(ns_reply_encode(&r, again, (size_t)n - 1), -EMSGSIZE);
        int step = n > 2000 ? 97 : 1;
        for (int len = 0; len < n; len += step)
            CHECK_EQ(ns_reply_decode(buf, (size_t)len, &got), -EBADMSG);
        CHECK_EQ(ns_reply_decode(buf, (size_t)n - 1, &got), -EBADMSG);
        buf[n] = 0;
        CHECK_EQ(ns_reply_decode(buf, (size_t)n + 1, &got), -EBADMSG);
    }
}

/* A LIST of NS_LIST_MAX names of NS_NAME_MAX bytes fits NS_REPLY_MAX. */
static void test_reply_full_list_fits(void)
{
    static struct ns_reply r, got;
    static uint8_t buf[NS_REPLY_MAX];
    memset(&r, 0, sizeof r);
    r.op = NS_OP_LIST;
    r.more = 1;
    r.index = r.version = UINT64_MAX;
    r.n_names = NS_LIST_MAX;
    for (uint32_t k = 0; k < r.n_names; k++) {
        memset(r.names + r.names_len, 'n', NS_NAME_MAX);
        r.names_len += NS_NAME_MAX;
        r.names[r.names_len++] = 0;
    }
    CHECK_EQ(r.names_len, sizeof r.names);
    int n = ns_reply_encode(&r, buf, sizeof buf);
    CHECK(n > 0 && n <= NS_REPLY_MAX);
    CHECK(NS_REPLY_MAX <= 65536);
    CHECK_EQ(ns_reply_decode(buf, (size_t)n, &got), 0);
    CHECK_EQ(got.n_names, NS_LIST_MAX);
    /* and a full GET */
    memset(&r, 0, sizeof r);
    r.op = NS_OP_GET;
    r.b.flags = NS_F_VALUE | NS_F_PORT;
    r.b.name_len = NS_NAME_MAX;
    memset(r.b.name, 'g', NS_NAME_MAX);
    r.b.value_len = NS_VALUE_MAX;
    CHECK(ns_reply_encode(&r, buf, sizeof buf) > 0);
}

static void test_reply_rejects(void)
{
    static struct ns_reply r, got;
    static uint8_t buf[NS_REPLY_MAX];
    rand_reply(&r, NS_OP_PUT);
    r.status = 5;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.status = -5000;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.status = 0;
    r.op = 99;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.op = NS_OP_PUT;
    r.event = NS_EV_PUT;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.event = 0;
    r.more = 1;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.more = 0;
    int n = ns_reply_encode(&r, buf, sizeof buf);
    CHECK_EQ(n, 27);
    /* the head's fields on the wire */
    buf[0] = 1; /* status 1 */
    CHECK_EQ(ns_reply_decode(buf, 27, &got), -EBADMSG);
    buf[0] = 0;
    buf[8] = 77; /* op */
    CHECK_EQ(ns_reply_decode(buf, 27, &got), -EBADMSG);
    buf[8] = NS_OP_PUT;
    buf[10] = 1; /* more */
    CHECK_EQ(ns_reply_decode(buf, 27, &got), -EBADMSG);
    buf[10] = 0;
    CHECK_EQ(ns_reply_decode(buf, 27, &got), 0);

    /* WATCH: status 0 needs an event, an error has none */
    memset(&r, 0, sizeof r);
    r.op = NS_OP_WATCH;
    r.b.name_len = 1;
    r.b.name[0] = 'w';
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.event = 3;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.event = NS_EV_RM;
    CHECK(ns_reply_encode(&r, buf, sizeof buf) > 0);
    r.status = -EAGAIN;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.event = 0;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), 27);

    /* GET: a bad binding */
    memset(&r, 0, sizeof r);
    r.op = NS_OP_GET;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL); /* empty name */
    r.b.name_len = 2;
    memcpy(r.b.name, "a ", 2);
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    memcpy(r.b.name, "ab", 2);
    r.b.flags = 4;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.b.flags = 0;
    r.b.value_len = 1; /* a value without NS_F_VALUE */
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.b.value_len = 0;
    n = ns_reply_encode(&r, buf, sizeof buf);
    CHECK(n > 27);
    buf[27 + 36] = 4; /* the binding's flags on the wire */
    CHECK_EQ(ns_reply_decode(buf, (size_t)n, &got), -EBADMSG);

    /* LIST: names must be n_names terminated valid names, exactly */
    memset(&r, 0, sizeof r);
    r.op = NS_OP_LIST;
    memcpy(r.names, "ab\0cd\0", 6);
    r.names_len = 6;
    r.n_names = 2;
    CHECK(ns_reply_encode(&r, buf, sizeof buf) > 0);
    r.n_names = 1;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.n_names = 3;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.n_names = 2;
    r.names_len = 5; /* the last not terminated */
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    memcpy(r.names, "ab\0\0cd\0", 7); /* an empty name */
    r.names_len = 7;
    r.n_names = 3;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.names_len = sizeof r.names + 1;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.n_names = NS_LIST_MAX + 1;
    CHECK_EQ(ns_reply_encode(&r, buf, sizeof buf), -EINVAL);
    /* names_len on the wire larger than the array */
    memset(&r, 0, sizeof r);
    r.op = NS_OP_LIST;
    n = ns_reply_encode(&r, buf, sizeof buf);
    CHECK_EQ(n, 31);
    buf[29] = 0xff;
    buf[30] = 0xff;
    CHECK_EQ(ns_reply_decode(buf, (size_t)n, &got), -EBADMSG);
}

/* Random bytes: decoders never misbehave (ASan), and what decodes re-encodes
 * to the same bytes. Half the inputs start from a valid encoding, mutated. */
static void test_decode_random_bytes(void)
{
    static struct ns_request r;
    static struct ns_reply rep;
    static uint8_t buf[NS_REPLY_MAX], again[NS_REPLY_MAX];
    int decoded = 0;
    for (int iter = 0; iter < 60000; iter++) {
        size_t n;
        if (iter & 1) {
            rand_request(&r, all_ops[nt_below(N_OPS)]);
            n = (size_t)ns_request_encode(&r, buf, NS_REQUEST_MAX);
            for (int k = (int)nt_below(3); k >= 0; k--)
                buf[nt_below(n)] ^= (uint8_t)(1u << nt_below(8));
        } else {
            n = nt_below(64);
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)nt_rand();
            buf[0] = all_ops[nt_below(N_OPS)];
            if (n > 1)
                buf[1] &= 0x1f;
        }
        if (ns_request_decode(buf, n, &r) == 0) {
            decoded++;
            CHECK_EQ(ns_request_encode(&r, again, NS_REQUEST_MAX), (int)n);
            CHECK(memcmp(buf, again, n) == 0);
        }
        if (ns_reply_decode(buf, n, &rep) == 0) {
            CHECK_EQ(ns_reply_encode(&rep, again, sizeof again), (int)n);
            CHECK(memcmp(buf, again, n) == 0);
        }
    }
    CHECK(decoded > 1000);
}

const struct nt_test nt_proto_tests[] = {
    {"proto_name_ok", test_name_ok},
    {"proto_op_is_write", test_op_is_write},
    {"proto_request_roundtrip", test_request_roundtrip},
    {"proto_request_max_size", test_request_max_size},
    {"proto_request_bad_flags", test_request_bad_flags},
    {"proto_request_bad_names", test_request_bad_names},
    {"proto_request_rules", test_request_rules},
    {"proto_reply_roundtrip", test_reply_roundtrip},
    {"proto_reply_full_list_fits", test_reply_full_list_fits},
    {"proto_reply_rejects", test_reply_rejects},
    {"proto_decode_random_bytes", test_decode_random_bytes},
    {NULL, NULL},
};
