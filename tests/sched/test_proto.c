/* tests/sched/test_proto.c: the wire codecs (services/sched/schedproto.c,
 * schedreply.c, schedwire.c). */
#include <stdio.h>

#include "services/sched/schedwire.h"
#include "tests/sched/harness.h"

typedef int (*encode_fn)(const struct sched_request *, uint8_t *, size_t);
typedef int (*decode_fn)(const uint8_t *, size_t, struct sched_request *);

/* r encodes, decodes to the same encoding, and every shorter prefix and
 * every longer buffer is refused. */
static void round_trip(const struct sched_request *r, encode_fn enc, decode_fn dec)
{
    uint8_t buf[SCHED_MSG_MAX + 8], again[SCHED_MSG_MAX];
    int n = enc(r, buf, sizeof buf);
    if (n <= 0 || n > SCHED_MSG_MAX) {
        st_fail(__FILE__, __LINE__, "op %u: encode gave %d", r->op, n);
        return;
    }
    struct sched_request d;
    if (dec(buf, (size_t)n, &d) != 0) {
        st_fail(__FILE__, __LINE__, "op %u: does not decode", r->op);
        return;
    }
    if (enc(&d, again, sizeof again) != n || memcmp(buf, again, (size_t)n) != 0) {
        st_fail(__FILE__, __LINE__, "op %u: decodes to something else", r->op);
        return;
    }
    for (int k = 0; k < n; k++)
        if (dec(buf, (size_t)k, &d) != -EBADMSG) {
            st_fail(__FILE__, __LINE__, "op %u: a %d-byte prefix decoded", r->op, k);
            return;
        }
    buf[n] = 0;
    if (dec(buf, (size_t)n + 1, &d) != -EBADMSG)
        st_fail(__FILE__, __LINE__, "op %u: a trailing byte was accepted", r->op);
    if (enc(r, buf, (size_t)n - 1) != -EMSGSIZE)
        st_fail(__FILE__, __LINE__, "op %u: encoded into too small a buffer", r->op);
}

static struct sched_request sample(uint8_t op)
{
    struct sched_request r = st_cmd(op);
    if (sched_op_is_write(op))
        r.client = 0x1122334455667788ULL, r.seq = 7;
    r.req_id = 99;
    r.node = 3;
    r.pid = 300042;
    switch (op) {
    case SCHED_OP_PLACE:
        r.spec = st_spec("cpu=500,sel=disk=ssd,tol=gpu:NoSchedule,label=app=web,anti=app=web");
        r.score = 77;
        break;
    case SCHED_OP_EXITED:
        r.req_id = 0;
        break;
    case SCHED_OP_LABEL:
    case SCHED_OP_TAINT:
        strcpy(r.kv.kv.key, "disk");
        strcpy(r.kv.kv.value, "ssd");
        r.kv.effect = op == SCHED_OP_TAINT ? SCHED_NO_EXECUTE : 0;
        break;
    case SCHED_OP_POLICY:
        strcpy(r.name, "mosix");
        break;
    case SCHED_OP_STATUS:
        r.list = SCHED_LIST_DECISIONS;
        r.after = 1234;
        break;
    case SCHED_OP_PENDING_PLACED:
        r.score = 100;
        break;
    case SCHED_OP_MOVED:
        r.to = 4;
        break;
    }
    return r;
}

static const uint8_t request_ops[] = {
    SCHED_OP_PLACE,    SCHED_OP_BIND,   SCHED_OP_EXITED, SCHED_OP_CORDON,
    SCHED_OP_UNCORDON, SCHED_OP_LABEL,  SCHED_OP_TAINT,  SCHED_OP_POLICY,
    SCHED_OP_WAIT,     SCHED_OP_STATUS, SCHED_OP_DRAIN,
};
static const uint8_t cmd_ops[] = {
    SCHED_OP_PLACE,          SCHED_OP_BIND,      SCHED_OP_EXITED, SCHED_OP_CORDON,
    SCHED_OP_UNCORDON,       SCHED_OP_LABEL,     SCHED_OP_TAINT,  SCHED_OP_POLICY,
    SCHED_OP_PENDING_PLACED, SCHED_OP_NODE_LOST, SCHED_OP_MOVED,
};

static void proto_requests_round_trip(void)
{
    for (size_t i = 0; i < sizeof request_ops; i++) {
        struct sched_request r = sample(request_ops[i]);
        round_trip(&r, sched_request_encode, sched_request_decode);
        CHECK_OK();
    }
}

static void proto_commands_round_trip(void)
{
    for (size_t i = 0; i < sizeof cmd_ops; i++) {
        struct sched_request r = sample(cmd_ops[i]);
        round_trip(&r, sched_cmd_encode, sched_cmd_decode);
        CHECK_OK();
    }
    /* a pending PLACE carries its reason instead of a score */
    struct sched_request r = sample(SCHED_OP_PLACE);
    r.node = 0;
    r.score = 0;
    strcpy(r.reason, "0/4 nodes: 4 cpu");
    round_trip(&r, sched_cmd_encode, sched_cmd_decode);
    CHECK_OK();
    uint8_t buf[SCHED_MSG_MAX];
    struct sched_request d;
    int n = sched_cmd_encode(&r, buf, sizeof buf);
    CHECK_EQ(sched_cmd_decode(buf, (size_t)n, &d), 0);
    CHECK_STR(d.reason, "0/4 nodes: 4 cpu");
    /* the request form of PLACE carries no decision */
    n = sched_request_encode(&r, buf, sizeof buf);
    CHECK_EQ(sched_request_decode(buf, (size_t)n, &d), 0);
    CHECK_EQ(d.node, 0);
    CHECK_STR(d.reason, "");
}

/* A restartable PLACE carries its command line, both forms; argv and back. */
static void proto_place_cmd(void)
{
    struct sched_request r = sample(SCHED_OP_PLACE);
    r.spec.restart = 1;
    char *argv[] = {"burn", "60", "tag one", 0};
    CHECK_EQ(sched_cmd_from_argv(&r.cmd, 3, argv), 0);
    CHECK_EQ(r.cmd.len, 5 + 3 + 8);
    round_trip(&r, sched_cmd_encode, sched_cmd_decode);
    round_trip(&r, sched_request_encode, sched_request_decode);
    CHECK_OK();
    uint8_t buf[SCHED_MSG_MAX];
    struct sched_request d;
    int n = sched_cmd_encode(&r, buf, sizeof buf);
    CHECK_EQ(sched_cmd_decode(buf, (size_t)n, &d), 0);
    char *back[8];
    CHECK_EQ(sched_cmd_argv(&d.cmd, back, 8), 3);
    CHECK_STR(back[0], "burn");
    CHECK_STR(back[2], "tag one");
    CHECK(back[3] == NULL);
    /* too long, empty, unprintable */
    char big[SCHED_CMD_MAX + 1];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0; /* SCHED_CMD_MAX bytes, and its NUL: one too many */
    char *too_long[] = {big, 0};
    CHECK_EQ(sched_cmd_from_argv(&r.cmd, 1, too_long), -E2BIG);
    big[SCHED_CMD_MAX - 1] = 0; /* exactly SCHED_CMD_MAX with its NUL */
    CHECK_EQ(sched_cmd_from_argv(&r.cmd, 1, too_long), 0);
    CHECK_EQ(r.cmd.len, SCHED_CMD_MAX);
    char *empty[] = {"", 0};
    CHECK_EQ(sched_cmd_from_argv(&r.cmd, 1, empty), -EINVAL);
    char *tab[] = {"a\tb", 0};
    CHECK_EQ(sched_cmd_from_argv(&r.cmd, 1, tab), -EINVAL);
}

/* Each form refuses the other's own ops. */
static void proto_forms_apart(void)
{
    uint8_t buf[SCHED_MSG_MAX];
    struct sched_request d;
    static const uint8_t server_only[] = {SCHED_OP_PENDING_PLACED, SCHED_OP_NODE_LOST,
                                          SCHED_OP_MOVED};
    static const uint8_t request_only[] = {SCHED_OP_WAIT, SCHED_OP_STATUS, SCHED_OP_DRAIN};
    for (size_t i = 0; i < sizeof server_only; i++) {
        struct sched_request r = sample(server_only[i]);
        CHECK_EQ(sched_request_encode(&r, buf, sizeof buf), -EINVAL);
        int n = sched_cmd_encode(&r, buf, sizeof buf);
        CHECK_EQ(sched_request_decode(buf, (size_t)n, &d), -EBADMSG);
    }
    for (size_t i = 0; i < sizeof request_only; i++) {
        struct sched_request r = sample(request_only[i]);
        CHECK_EQ(sched_cmd_encode(&r, buf, sizeof buf), -EINVAL);
        int n = sched_request_encode(&r, buf, sizeof buf);
        CHECK_EQ(sched_cmd_decode(buf, (size_t)n, &d), -EBADMSG);
    }
}

/* Encodes through the command form, then decodes: the status. */
static int cmd_status(const struct sched_request *r)
{
    uint8_t buf[SCHED_MSG_MAX];
    struct sched_request d;
    int n = sched_cmd_encode(r, buf, sizeof buf);
    return n < 0 ? n : sched_cmd_decode(buf, (size_t)n, &d);
}

static void proto_fields_checked(void)
{
    struct sched_request r;
#define BAD(op, mutate)                                                                            \
    do {                                                                                           \
        r = sample(op);                                                                            \
        mutate;                                                                                    \
        if (cmd_status(&r) != -EBADMSG) {                                                          \
            st_fail(__FILE__, __LINE__, "accepted: %s", #mutate);                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)
    BAD(SCHED_OP_PLACE, r.req_id = 0);
    BAD(SCHED_OP_PLACE, r.node = 33);
    BAD(SCHED_OP_PLACE, r.score = 101);
    BAD(SCHED_OP_PLACE, (r.node = 0, strcpy(r.reason, "tab\there")));
    BAD(SCHED_OP_PLACE, r.spec.cpu_milli = SCHED_CPU_MILLI_MAX + 1);
    BAD(SCHED_OP_PLACE, r.spec.restart = 2);
    /* a command without restart; one not NUL-ended, or with an empty program */
    BAD(SCHED_OP_PLACE, (r.cmd.len = 3, memcpy(r.cmd.bytes, "ab", 3)));
    BAD(SCHED_OP_PLACE, (r.spec.restart = 1, r.cmd.len = 2, memcpy(r.cmd.bytes, "ab", 2)));
    BAD(SCHED_OP_PLACE, (r.spec.restart = 1, r.cmd.len = 2, memcpy(r.cmd.bytes, "\0a", 2)));
    BAD(SCHED_OP_PLACE, (r.spec.restart = 1, r.cmd.len = 3, memcpy(r.cmd.bytes, "a\n", 3)));
    BAD(SCHED_OP_PLACE, r.spec.tolerations[0].effect = 3);
    BAD(SCHED_OP_PLACE, strcpy(r.spec.selector[0].key, "a b"));
    BAD(SCHED_OP_PLACE, r.spec.selector[0].key[0] = 0);
    BAD(SCHED_OP_PLACE, (r.spec.anti_affinity.key[0] = 0));
    BAD(SCHED_OP_PLACE, r.seq = 0);
    BAD(SCHED_OP_PLACE, (r.client = 0));
    BAD(SCHED_OP_BIND, r.pid = 0);
    BAD(SCHED_OP_BIND, r.pid = -5);
    BAD(SCHED_OP_BIND, r.node = 33);
    BAD(SCHED_OP_BIND, r.spec.restart = 2);
    BAD(SCHED_OP_EXITED, r.pid = 0); /* neither req_id nor pid */
    BAD(SCHED_OP_EXITED, (r.req_id = 5, r.pid = -1));
    BAD(SCHED_OP_EXITED, r.node = 33);
    BAD(SCHED_OP_CORDON, r.node = 0);
    BAD(SCHED_OP_NODE_LOST, r.node = 33);
    BAD(SCHED_OP_NODE_LOST, (r.client = 1, r.seq = 1)); /* a server's, never a client's */
    BAD(SCHED_OP_LABEL, r.kv.kv.key[0] = 0);
    BAD(SCHED_OP_LABEL, r.flags = SCHED_F_REMOVE); /* a removal carries no value */
    BAD(SCHED_OP_LABEL, r.flags = 2);
    BAD(SCHED_OP_LABEL, strcpy(r.kv.kv.value, "x=y"));
    BAD(SCHED_OP_TAINT, r.kv.effect = 0);
    BAD(SCHED_OP_TAINT, r.kv.effect = 3);
    BAD(SCHED_OP_TAINT, (r.flags = SCHED_F_REMOVE, r.kv.kv.value[0] = 0)); /* effect kept */
    BAD(SCHED_OP_POLICY, r.name[0] = 0);
    BAD(SCHED_OP_POLICY, strcpy(r.name, "a,b"));
    BAD(SCHED_OP_PENDING_PLACED, r.score = 101);
    BAD(SCHED_OP_PENDING_PLACED, r.req_id = 0);
    BAD(SCHED_OP_MOVED, r.to = r.node);
    BAD(SCHED_OP_MOVED, r.pid = 0);
    BAD(SCHED_OP_MOVED, r.to = 0);
#undef BAD
    /* removals that are well formed */
    r = sample(SCHED_OP_TAINT);
    r.flags = SCHED_F_REMOVE;
    r.kv.kv.value[0] = 0;
    r.kv.effect = 0;
    CHECK_EQ(cmd_status(&r), 0);
    /* an unknown op, and an empty message */
    uint8_t buf[SCHED_MSG_MAX];
    struct sched_request d;
    memset(buf, 0, sizeof buf);
    buf[0] = 99;
    CHECK_EQ(sched_cmd_decode(buf, 17, &d), -EBADMSG);
    CHECK_EQ(sched_request_decode(buf, 0, &d), -EBADMSG);
    /* a STATUS of no list */
    r = sample(SCHED_OP_STATUS);
    r.list = 9;
    int n = sched_request_encode(&r, buf, sizeof buf);
    CHECK_EQ(sched_request_decode(buf, (size_t)n, &d), -EBADMSG);
}

static void proto_reply_round_trip(void)
{
    static struct sched_reply r, d;
    uint8_t buf[SCHED_MSG_MAX + 1], again[SCHED_MSG_MAX];
    for (uint8_t list = 0; list <= SCHED_LIST_NODES; list++) {
        memset(&r, 0, sizeof r);
        r.status = -EAGAIN;
        r.op = SCHED_OP_STATUS;
        r.leader = 2;
        r.index = 1000;
        r.req_id = 5;
        r.state = SCHED_PENDING;
        r.score = 9;
        r.count = 3;
        strcpy(r.reason, "0/4 nodes: 3 cpu, 1 taint");
        strcpy(r.policy, "least");
        r.list = list;
        r.more = 1;
        r.next = 77;
        switch (list) {
        case SCHED_LIST_PLACEMENTS:
            r.n = SCHED_PAGE_PLACEMENTS;
            for (int i = 0; i < r.n; i++) {
                r.pl[i].req_id = (uint64_t)i + 1;
                r.pl[i].state = SCHED_PENDING;
                memset(r.pl[i].reason, 'x', SCHED_REASON_MAX - 1);
            }
            break;
        case SCHED_LIST_DECISIONS:
            r.n = SCHED_PAGE_DECISIONS;
            for (int i = 0; i < r.n; i++) {
                r.dec[i].index = r.dec[i].req_id = (uint64_t)i + 1;
                memset(r.dec[i].policy, 'p', SCHED_POLICY_NAME_MAX - 1);
                memset(r.dec[i].reason, 'y', SCHED_REASON_MAX - 1);
            }
            break;
        case SCHED_LIST_MOVES:
            r.n = SCHED_PAGE_MOVES;
            for (int i = 0; i < r.n; i++) {
                r.mv[i].index = (uint64_t)i + 1;
                r.mv[i].pid = 100 + i;
                r.mv[i].from = 1;
                r.mv[i].to = 32;
            }
            break;
        case SCHED_LIST_NODES: {
            r.n = 1;
            struct sched_node *n = &r.nodes[0];
            n->id = 32;
            n->up = true;
            n->cpu_cap_milli = 4000;
            n->nlabels = SCHED_NODE_LABELS;
            for (int i = 0; i < SCHED_NODE_LABELS; i++) {
                memset(n->labels[i].key, 'a' + i, SCHED_KEY_MAX - 1);
                memset(n->labels[i].value, 'v', SCHED_VALUE_MAX - 1);
            }
            n->ntaints = SCHED_NODE_TAINTS;
            for (int i = 0; i < SCHED_NODE_TAINTS; i++) {
                n->taints[i].kv = n->labels[i];
                n->taints[i].effect = SCHED_NO_SCHEDULE;
            }
            break;
        }
        }
        int len = sched_reply_encode(&r, buf, sizeof buf);
        CHECK(len > 0 && len <= SCHED_MSG_MAX);
        CHECK_EQ(sched_reply_decode(buf, (size_t)len, &d), 0);
        CHECK_EQ(sched_reply_encode(&d, again, sizeof again), len);
        CHECK(memcmp(buf, again, (size_t)len) == 0);
        CHECK_EQ(d.status, -EAGAIN);
        CHECK_STR(d.reason, r.reason);
        for (int k = 0; k < len; k++)
            CHECK_EQ(sched_reply_decode(buf, (size_t)k, &d), -EBADMSG);
    }
    /* too many items, a positive status, a bad state */
    memset(&r, 0, sizeof r);
    r.list = SCHED_LIST_NODES;
    r.n = 2;
    CHECK_EQ(sched_reply_encode(&r, buf, sizeof buf), -EINVAL);
    r.n = 0;
    r.status = 5;
    int len = sched_reply_encode(&r, buf, sizeof buf);
    CHECK_EQ(sched_reply_decode(buf, (size_t)len, &d), -EBADMSG);
    r.status = 0;
    r.state = 9;
    len = sched_reply_encode(&r, buf, sizeof buf);
    CHECK_EQ(sched_reply_decode(buf, (size_t)len, &d), -EBADMSG);
}

static void proto_report_round_trip(void)
{
    static struct sched_node n, d;
    memset(&n, 0, sizeof n);
    n.id = 7;
    n.up = true;
    n.cordoned = true; /* not the node's to say: sent as false */
    n.cpu_cap_milli = 2000;
    n.mem_cap_kib = 1 << 20;
    n.runq_milli = 3500;
    n.cpu_use_milli = 2000;
    n.mem_free_kib = 12345;
    n.nprocs = 70;
    n.nlabels = 2;
    strcpy(n.labels[0].key, "disk");
    strcpy(n.labels[0].value, "ssd");
    strcpy(n.labels[1].key, "zone");
    n.nprocs_listed = SCHED_NODE_PROCS;
    for (int i = 0; i < SCHED_NODE_PROCS; i++) {
        n.procs[i].pid = 700000 + i;
        n.procs[i].cpu_milli = (uint32_t)i * 10;
        n.procs[i].movable = (uint8_t)(i & 1);
        n.procs[i].leaving = (uint8_t)(i % 3 == 0);
        n.procs[i].req_id = (uint64_t)i;
    }
    n.nexited = SCHED_NODE_EXITED;
    for (int i = 0; i < SCHED_NODE_EXITED; i++)
        n.exited[i] = 800000 + i;
    static uint8_t buf[SCHED_WIRE_REPORT + 1];
    long len = sched_report_encode(&n, buf, sizeof buf);
    CHECK(len > 0 && len <= SCHED_WIRE_REPORT);
    CHECK_EQ(sched_report_decode(buf, (size_t)len, &d), 0);
    CHECK(!d.cordoned);
    CHECK_EQ(d.nprocs_listed, SCHED_NODE_PROCS);
    CHECK_EQ(d.procs[63].pid, 700063);
    CHECK(d.procs[3].leaving && d.procs[3].movable && !d.procs[4].leaving);
    CHECK_EQ(d.nexited, SCHED_NODE_EXITED);
    CHECK_EQ(d.exited[15], 800015);
    CHECK_STR(d.labels[0].value, "ssd");
    CHECK_EQ(sched_report_decode(buf, (size_t)len - 1, &d), -EBADMSG);
    CHECK_EQ(sched_report_encode(&n, buf, (size_t)len - 1), -EMSGSIZE);
    /* duplicate label keys, a zero pid, node 0 */
    strcpy(n.labels[1].key, "disk");
    len = sched_report_encode(&n, buf, sizeof buf);
    CHECK_EQ(sched_report_decode(buf, (size_t)len, &d), -EBADMSG);
    strcpy(n.labels[1].key, "zone");
    n.procs[5].pid = 0;
    len = sched_report_encode(&n, buf, sizeof buf);
    CHECK_EQ(sched_report_decode(buf, (size_t)len, &d), -EBADMSG);
    n.procs[5].pid = 5;
    n.exited[3] = 0; /* an ended pid is a pid too */
    len = sched_report_encode(&n, buf, sizeof buf);
    CHECK_EQ(sched_report_decode(buf, (size_t)len, &d), -EBADMSG);
    n.exited[3] = 3;
    n.id = 0;
    len = sched_report_encode(&n, buf, sizeof buf);
    CHECK_EQ(sched_report_decode(buf, (size_t)len, &d), -EBADMSG);
}

/* Random bytes never crash a decoder, and what decodes re-encodes to the
 * same bytes (the fuzzers do this at length). */
static void proto_random_bytes(void)
{
    uint8_t buf[SCHED_MSG_MAX], again[SCHED_MSG_MAX];
    static struct sched_reply rep;
    for (int it = 0; it < 20000; it++) {
        struct sched_request r = sample(cmd_ops[st_below(sizeof cmd_ops)]);
        int n = sched_cmd_encode(&r, buf, sizeof buf);
        CHECK(n > 0);
        int flips = 1 + (int)st_below(3);
        for (int f = 0; f < flips; f++)
            buf[st_below((uint64_t)n)] ^= (uint8_t)(1u << st_below(8));
        struct sched_request d;
        if (sched_cmd_decode(buf, (size_t)n, &d) == 0) {
            CHECK_EQ(sched_cmd_encode(&d, again, sizeof again), n);
            CHECK(memcmp(buf, again, (size_t)n) == 0);
        }
        (void)sched_request_decode(buf, (size_t)n, &d);
        (void)sched_reply_decode(buf, (size_t)n, &rep);
    }
}

const struct st_test st_proto_tests[] = {
    {"proto_requests_round_trip", proto_requests_round_trip},
    {"proto_commands_round_trip", proto_commands_round_trip},
    {"proto_forms_apart", proto_forms_apart},
    {"proto_fields_checked", proto_fields_checked},
    {"proto_place_cmd", proto_place_cmd},
    {"proto_reply_round_trip", proto_reply_round_trip},
    {"proto_report_round_trip", proto_report_round_trip},
    {"proto_random_bytes", proto_random_bytes},
    {NULL, NULL},
};
