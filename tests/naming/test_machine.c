/* tests/naming/test_machine.c: the state machine's commands and reads
 * (services/naming/nsmachine.c), one behaviour per test, then a randomized
 * comparison against a plain reference model. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/naming/harness.h"

static struct ns_machine M, M2;
static struct ns_reply R;

static int get(const struct ns_machine *m, const char *name, struct ns_reply *rep)
{
    struct ns_request q = nt_req(NS_OP_GET, name);
    nsm_read(m, &q, rep);
    return rep->status;
}

static bool value_is(const struct ns_binding *b, const char *v)
{
    return b->value_len == strlen(v) && memcmp(b->value, v, b->value_len) == 0;
}

static void test_put_create_replace(void)
{
    nsm_init(&M);
    struct ns_request p = nt_put("k", "v1", NULL);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.op, NS_OP_PUT);
    CHECK_EQ(R.version, 1);
    CHECK_EQ(R.index, 1);
    CHECK_EQ(M.applied, 1);
    CHECK_EQ(get(&M, "k", &R), 0);
    CHECK_EQ(R.b.version, 1);
    CHECK_EQ(R.b.create_index, 1);
    CHECK_EQ(R.b.mod_index, 1);
    CHECK_EQ(R.b.flags, NS_F_VALUE);
    CHECK(value_is(&R.b, "v1"));
    CHECK_EQ(R.index, 1);
    CHECK_EQ(R.version, 1);
    nsm_skip(&M, 5);
    struct port_id port = {0x200000001ULL, 77};
    p = nt_put("k", NULL, &port); /* replaces both: the value goes */
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(R.index, 6);
    CHECK_EQ(get(&M, "k", &R), 0);
    CHECK_EQ(R.b.version, 2);
    CHECK_EQ(R.b.create_index, 1);
    CHECK_EQ(R.b.mod_index, 6);
    CHECK_EQ(R.b.flags, NS_F_PORT);
    CHECK_EQ(R.b.value_len, 0);
    CHECK(R.b.port.a == port.a && R.b.port.b == port.b);
    p = nt_put("k", "", &port); /* an empty value is a value */
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(get(&M, "k", &R), 0);
    CHECK_EQ(R.b.flags, NS_F_VALUE | NS_F_PORT);
    CHECK_EQ(R.b.version, 3);
    CHECK_EQ(get(&M, "k2", &R), -ENOENT);
    CHECK_EQ(get(&M, "", &R), -ENOENT);
    nt_check_invariants(&M);
}

/* Names sort bytewise, shorter first; lookups find each of many. */
static void test_put_order_and_lookup(void)
{
    nsm_init(&M);
    char name[NS_NAME_MAX + 1];
    for (int i = 0; i < 500; i++) {
        int k = (int)((i * 7919) % 500);
        snprintf(name, sizeof name, "n%d", k);
        struct ns_request p = nt_put(name, name, NULL);
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    }
    const char *odd[] = {"a", "a!", "a/", "aa", "A", "~", "!"};
    for (size_t i = 0; i < 7; i++) {
        struct ns_request p = nt_put(odd[i], "x", NULL);
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    }
    CHECK_EQ(M.n_bindings, 507);
    nt_check_invariants(&M);
    CHECK_OK();
    for (int k = 0; k < 500; k++) {
        snprintf(name, sizeof name, "n%d", k);
        CHECK_EQ(get(&M, name, &R), 0);
        CHECK(value_is(&R.b, name));
    }
    CHECK_EQ(get(&M, "n500", &R), -ENOENT);
    CHECK_EQ(get(&M, "n", &R), -ENOENT);
    CHECK(memcmp(M.e[0].b.name, "!", 1) == 0);
    CHECK(memcmp(M.e[506].b.name, "~", 1) == 0);
}

static void test_put_full(void)
{
    nsm_init(&M);
    char name[16];
    for (int i = 0; i < NS_MAX_BINDINGS; i++) {
        snprintf(name, sizeof name, "k%04d", i);
        struct ns_request p = nt_put(name, "v", NULL);
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    }
    struct ns_request p = nt_put("new", "v", NULL);
    CHECK_EQ(nt_apply(&M, &p, &R), -ENOSPC);
    CHECK_EQ(R.version, 0);
    p = nt_put("k0007", "w", NULL); /* replacing still works */
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 2);
    p = nt_req(NS_OP_CAS, "new");
    p.flags = NS_F_VALUE;
    CHECK_EQ(nt_apply(&M, &p, &R), -ENOSPC);
    p = nt_req(NS_OP_RM, "k0000");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    p = nt_put("new", "v", NULL);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    nt_check_invariants(&M);
}

static void test_cas_version(void)
{
    nsm_init(&M);
    struct ns_request c = nt_req(NS_OP_CAS, "lock");
    c.flags = NS_F_VALUE;
    c.value_len = 1;
    c.value[0] = 'A';
    c.version = 0; /* create */
    CHECK_EQ(nt_apply(&M, &c, &R), 0);
    CHECK_EQ(R.version, 1);
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED); /* exists now */
    CHECK_EQ(R.version, 1);
    c.version = 2;
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED);
    CHECK_EQ(R.version, 1);
    c.version = 1;
    c.value[0] = 'B';
    CHECK_EQ(nt_apply(&M, &c, &R), 0);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(R.index, M.applied);
    CHECK_EQ(get(&M, "lock", &R), 0);
    CHECK(value_is(&R.b, "B"));
    CHECK_EQ(R.b.create_index, 1);
    CHECK_EQ(R.b.mod_index, M.applied);
    /* absent with a non-zero expected version: lost the race, not ENOENT */
    c = nt_req(NS_OP_CAS, "absent");
    c.flags = NS_F_PORT;
    c.version = 3;
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED);
    CHECK_EQ(R.version, 0);
    CHECK_EQ(get(&M, "absent", &R), -ENOENT);
    nt_check_invariants(&M);
}

static void test_cas_value(void)
{
    nsm_init(&M);
    struct ns_request p = nt_put("cfg", "old", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    struct ns_request c = nt_req(NS_OP_CAS, "cfg");
    c.flags = NS_F_VALUE | NS_F_CMP_VALUE;
    c.version = 99; /* ignored: not even encoded */
    memcpy(c.expect, "ol", 2);
    c.expect_len = 2; /* a prefix is not equal */
    memcpy(c.value, "new", 3);
    c.value_len = 3;
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED);
    CHECK_EQ(R.version, 1);
    memcpy(c.expect, "old!", 4);
    c.expect_len = 4;
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED);
    c.expect_len = 3;
    CHECK_EQ(nt_apply(&M, &c, &R), 0);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED); /* now "new" */
    CHECK_EQ(R.version, 2);
    /* absent: always a mismatch, even expecting the empty value */
    c = nt_req(NS_OP_CAS, "none");
    c.flags = NS_F_VALUE | NS_F_CMP_VALUE;
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED);
    CHECK_EQ(R.version, 0);
    /* a binding without a value has the empty value */
    struct port_id port = {1, 2};
    p = nt_put("portonly", NULL, &port);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    c = nt_req(NS_OP_CAS, "portonly");
    c.flags = NS_F_VALUE | NS_F_CMP_VALUE;
    c.value_len = 1;
    c.value[0] = 'x';
    CHECK_EQ(nt_apply(&M, &c, &R), 0);
    CHECK_EQ(get(&M, "portonly", &R), 0);
    CHECK_EQ(R.b.flags, NS_F_VALUE);
    nt_check_invariants(&M);
}

static void test_rm(void)
{
    nsm_init(&M);
    struct ns_request p = nt_put("x", "1", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0); /* version 2 */
    struct ns_request r = nt_req(NS_OP_RM, "y");
    CHECK_EQ(nt_apply(&M, &r, &R), -ENOENT);
    CHECK_EQ(R.version, 0);
    r = nt_req(NS_OP_RM, "x");
    r.flags = NS_F_VERSION;
    r.version = 1;
    CHECK_EQ(nt_apply(&M, &r, &R), -ECANCELED);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(get(&M, "x", &R), 0);
    r.version = 2;
    CHECK_EQ(nt_apply(&M, &r, &R), 0);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(R.index, M.applied);
    CHECK_EQ(get(&M, "x", &R), -ENOENT);
    CHECK_EQ(M.n_bindings, 0);
    CHECK_EQ(M.d[0].index, M.applied);
    CHECK(M.d[0].name_len == 1 && M.d[0].name[0] == 'x');
    CHECK_EQ(nt_apply(&M, &r, &R), -ENOENT);
    /* a new binding of the same name starts again at version 1 */
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 1);
    CHECK_EQ(get(&M, "x", &R), 0);
    CHECK_EQ(R.b.create_index, M.applied);
    nt_check_invariants(&M);
}

/* Commands that are not: garbage, reads, replays of old indexes. */
static void test_bad_commands(void)
{
    nsm_init(&M);
    uint8_t junk[] = {1, 2, 3};
    CHECK_EQ(nsm_apply(&M, 1, junk, sizeof junk, &R), -EBADMSG);
    CHECK_EQ(R.status, -EBADMSG);
    CHECK_EQ(R.index, 1);
    CHECK_EQ(M.applied, 1);
    CHECK_EQ(nsm_apply(&M, 2, NULL, 0, NULL), -EBADMSG);
    CHECK_EQ(M.applied, 2);
    struct ns_request g = nt_req(NS_OP_GET, "k");
    CHECK_EQ(nt_apply(&M, &g, &R), -EINVAL);
    CHECK_EQ(R.op, NS_OP_GET);
    CHECK_EQ(M.applied, 3);
    struct ns_request st = nt_req(NS_OP_STATUS, NULL);
    CHECK_EQ(nt_apply(&M, &st, &R), -EINVAL);
    /* an index at or below applied changes nothing */
    memcpy(&M2, &M, sizeof M);
    uint8_t buf[NS_REQUEST_MAX];
    struct ns_request p = nt_put("k", "v", NULL);
    int n = ns_request_encode(&p, buf, sizeof buf);
    CHECK_EQ(nsm_apply(&M, M.applied, buf, (size_t)n, &R), -EINVAL);
    CHECK_EQ(nsm_apply(&M, 1, buf, (size_t)n, NULL), -EINVAL);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
    /* nsm_skip moves applied forward only */
    nsm_skip(&M, 10);
    CHECK_EQ(M.applied, 10);
    nsm_skip(&M, 9);
    CHECK_EQ(M.applied, 10);
    CHECK_EQ(nsm_apply(&M, 12, buf, (size_t)n, &R), 0);
    CHECK_EQ(M.applied, 12);
    CHECK_EQ(R.index, 12);
    /* reads of a non-read op */
    nsm_read(&M, &p, &R);
    CHECK_EQ(R.status, -EINVAL);
}

/* ---- duplicate suppression ---------------------------------------------- */

static struct ns_request client_put(uint64_t client, uint64_t seq, const char *name,
                                    const char *value)
{
    struct ns_request p = nt_put(name, value, NULL);
    p.client = client;
    p.seq = seq;
    return p;
}

static void test_dedup_retry(void)
{
    nsm_init(&M);
    struct ns_request p = client_put(42, 1, "k", "a");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 1);
    CHECK_EQ(R.index, 1);
    CHECK_EQ(nt_apply(&M, &p, &R), 0); /* the retry: the first answer, not applied */
    CHECK_EQ(R.version, 1);
    CHECK_EQ(R.index, 1);
    CHECK_EQ(M.applied, 2);
    CHECK_EQ(get(&M, "k", &R), 0);
    CHECK_EQ(R.b.version, 1);
    CHECK_EQ(R.b.mod_index, 1);
    p = client_put(42, 2, "k", "b");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(R.index, 3);
    /* a failure is remembered too */
    struct ns_request c = nt_req(NS_OP_CAS, "k");
    c.flags = NS_F_VALUE;
    c.client = 42;
    c.seq = 3;
    c.version = 1;
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(R.index, 4);
    struct ns_request p2 = client_put(7, 1, "k", "z"); /* someone else moves it on */
    CHECK_EQ(nt_apply(&M, &p2, NULL), 0);
    c.version = 3; /* would now succeed, but it is a retry of seq 3 */
    CHECK_EQ(nt_apply(&M, &c, &R), -ECANCELED);
    CHECK_EQ(R.version, 2);
    CHECK_EQ(R.index, 4);
    /* an RM retried after it succeeded is not -ENOENT */
    struct ns_request r = nt_req(NS_OP_RM, "k");
    r.client = 42;
    r.seq = 4;
    CHECK_EQ(nt_apply(&M, &r, &R), 0);
    CHECK_EQ(R.version, 3);
    CHECK_EQ(nt_apply(&M, &r, &R), 0);
    CHECK_EQ(R.version, 3);
    CHECK_EQ(M.d[1].index, 0); /* one removal recorded */
    /* seq gaps are fine (requests that never reached the log) */
    p = client_put(42, 9, "k", "c");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 1);
}

static void test_dedup_old_seq(void)
{
    nsm_init(&M);
    for (uint64_t s = 1; s <= 3; s++) {
        struct ns_request p = client_put(5, s, "k", "v");
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    }
    struct ns_request p = client_put(5, 2, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), -ESTALE);
    CHECK_EQ(get(&M, "k", &R), 0);
    CHECK_EQ(R.b.version, 3);
    /* the table still holds seq 3 */
    p = client_put(5, 3, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 3);
}

static void test_dedup_forgotten_client(void)
{
    nsm_init(&M);
    struct ns_request p = client_put(9, 4, "k", "v"); /* never seen, seq > 1 */
    CHECK_EQ(nt_apply(&M, &p, &R), -ESTALE);
    CHECK_EQ(get(&M, "k", &R), -ENOENT);
    CHECK_EQ(M.c[0].id, 0); /* not entered */
    p.seq = 1;
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(M.c[0].id, 9);
    /* server commands (client 0) are never suppressed */
    p = client_put(0, 0, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(R.version, 3);
    for (int i = 1; i < NS_MAX_CLIENTS; i++)
        CHECK_EQ(M.c[i].id, 0);
}

/* A full table forgets the least recently used client; the choice depends
 * only on the commands, so two machines make the same one. */
static void test_dedup_lru_eviction(void)
{
    nsm_init(&M);
    for (uint64_t c = 1; c <= NS_MAX_CLIENTS; c++) {
        struct ns_request p = client_put(1000 + c, 1, "k", "v");
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    }
    /* touch client 1001 (a retry counts as use) and 1002 (an old seq does too) */
    struct ns_request p = client_put(1001, 1, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    p = client_put(1002, 2, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    p = client_put(1002, 1, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), -ESTALE);
    /* a forgotten-client refusal is not a use: 1003 stays the oldest */
    p = client_put(700000, 2, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), -ESTALE);
    memcpy(&M2, &M, sizeof M);
    p = client_put(900000, 1, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    CHECK_EQ(nt_apply(&M2, &p, NULL), 0);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
    CHECK_EQ(M.c[2].id, 900000); /* 1003's slot */
    p = client_put(1003, 2, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), -ESTALE);
    p = client_put(1001, 2, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    p = client_put(1004, 2, "k", "v");
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    /* next evictions, in order of last use: 1005, 1006, ... */
    for (uint64_t c = 0; c < 5; c++) {
        p = client_put(800000 + c, 1, "k", "v");
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
        CHECK_EQ(M.c[4 + c].id, 800000 + c);
    }
    nt_check_invariants(&M);
}

/* ---- sessions and ephemeral bindings ------------------------------------ */

static uint64_t open_session(struct ns_machine *m, uint32_t node, uint64_t nonce)
{
    struct ns_request o = nt_req(NS_OP_SESSION_OPEN, NULL);
    o.owner_node = node;
    o.nonce = nonce;
    struct ns_reply rep;
    if (nt_apply(m, &o, &rep) != 0)
        return 0;
    return rep.version;
}

static struct ns_request eph_put(const char *name, uint64_t session, int32_t pid)
{
    struct port_id port = {session, (uint64_t)pid};
    struct ns_request p = nt_put(name, NULL, &port);
    p.flags |= NS_F_EPHEMERAL;
    p.session = session;
    p.owner_pid = pid;
    return p;
}

static void test_session_open(void)
{
    nsm_init(&M);
    nsm_skip(&M, 4);
    uint64_t s1 = open_session(&M, 1, 111);
    CHECK_EQ(s1, 5);
    CHECK_EQ(open_session(&M, 1, 111), 5); /* a retry */
    CHECK_EQ(nsm_session_find(&M, 1, 111), 5);
    CHECK_EQ(nsm_session_find(&M, 1, 112), 0);
    CHECK_EQ(nsm_session_find(&M, 2, 111), 0);
    CHECK(nsm_session_exists(&M, 5));
    CHECK(!nsm_session_exists(&M, 6));
    CHECK(!nsm_session_exists(&M, 0));
    uint64_t s2 = open_session(&M, 1, 222); /* node 1 restarted */
    CHECK_EQ(s2, 7);
    CHECK(nsm_session_exists(&M, s1) && nsm_session_exists(&M, s2));
    for (int i = 2; i < NS_MAX_SESSIONS; i++)
        CHECK(open_session(&M, 2, (uint64_t)i) != 0);
    struct ns_request o = nt_req(NS_OP_SESSION_OPEN, NULL);
    o.owner_node = 3;
    CHECK_EQ(nt_apply(&M, &o, &R), -ENOSPC);
    CHECK_EQ(open_session(&M, 1, 111), 5); /* existing ones still answer */
    struct ns_request x = nt_req(NS_OP_SESSION_EXPIRE, NULL);
    x.session = s1;
    CHECK_EQ(nt_apply(&M, &x, &R), 0);
    CHECK(!nsm_session_exists(&M, s1));
    CHECK_EQ(nt_apply(&M, &x, &R), 0); /* absent: a no-op */
    CHECK_EQ(nt_apply(&M, &o, &R), 0); /* room again, in the freed slot */
    CHECK_EQ(M.s[0].id, R.version);
    nt_check_invariants(&M);
}

static void test_ephemeral(void)
{
    nsm_init(&M);
    struct ns_request p = eph_put("svc.a", 77, 10);
    CHECK_EQ(nt_apply(&M, &p, &R), -ESTALE); /* no such session */
    CHECK_EQ(get(&M, "svc.a", &R), -ENOENT);
    uint64_t s = open_session(&M, 1, 1), t = open_session(&M, 2, 1);
    CHECK(s && t);
    p = eph_put("svc.a", s, 10);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    p = eph_put("svc.b", s, 11);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    p = eph_put("svc.c", s, 10);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    p = eph_put("svc.t", t, 10);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    p = nt_put("perm", "v", NULL);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(get(&M, "svc.a", &R), 0);
    CHECK_EQ(R.b.session, s);
    CHECK_EQ(R.b.owner_pid, 10);
    CHECK_EQ(R.b.flags, NS_F_PORT);
    /* permanent <-> ephemeral by replacement */
    p = nt_put("svc.b", "now permanent", NULL);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    CHECK_EQ(get(&M, "svc.b", &R), 0);
    CHECK_EQ(R.b.session, 0);
    CHECK_EQ(R.b.owner_pid, 0);
    CHECK_EQ(R.b.version, 2);
    p = eph_put("perm", s, 12);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    p = nt_put("perm", "v", NULL);
    CHECK_EQ(nt_apply(&M, &p, &R), 0);
    /* an ephemeral CAS needs the session too */
    struct ns_request c = nt_req(NS_OP_CAS, "svc.new");
    c.flags = NS_F_VALUE | NS_F_EPHEMERAL;
    c.session = 999;
    CHECK_EQ(nt_apply(&M, &c, &R), -ESTALE);
    c.session = s;
    c.owner_pid = 13;
    CHECK_EQ(nt_apply(&M, &c, &R), 0);
    /* RELEASE drops one pid's bindings of one session */
    struct ns_request rel = nt_req(NS_OP_RELEASE, NULL);
    rel.session = s;
    rel.owner_pid = 10;
    uint64_t before = M.applied;
    CHECK_EQ(nt_apply(&M, &rel, &R), 0);
    CHECK_EQ(R.version, 2); /* svc.a, svc.c */
    CHECK_EQ(get(&M, "svc.a", &R), -ENOENT);
    CHECK_EQ(get(&M, "svc.c", &R), -ENOENT);
    CHECK_EQ(get(&M, "svc.t", &R), 0); /* same pid, other session */
    CHECK_EQ(get(&M, "svc.new", &R), 0);
    CHECK_EQ(M.d[0].index, before + 1);
    CHECK_EQ(M.d[1].index, before + 1);
    CHECK(memcmp(M.d[0].name, "svc.a", 5) == 0 && memcmp(M.d[1].name, "svc.c", 5) == 0);
    CHECK_EQ(nt_apply(&M, &rel, &R), 0); /* nothing left: a no-op */
    CHECK_EQ(R.version, 0);
    /* EXPIRE drops the session and all its bindings */
    struct ns_request x = nt_req(NS_OP_SESSION_EXPIRE, NULL);
    x.session = s;
    CHECK_EQ(nt_apply(&M, &x, &R), 0);
    CHECK_EQ(R.version, 1); /* svc.new */
    CHECK_EQ(get(&M, "svc.new", &R), -ENOENT);
    CHECK_EQ(get(&M, "svc.b", &R), 0);
    CHECK_EQ(get(&M, "perm", &R), 0);
    CHECK_EQ(get(&M, "svc.t", &R), 0);
    CHECK(!nsm_session_exists(&M, s));
    CHECK_EQ(M.n_bindings, 3);
    p = eph_put("svc.a", s, 10);
    CHECK_EQ(nt_apply(&M, &p, &R), -ESTALE);
    nt_check_invariants(&M);
}

/* An expiry that removes more bindings than the ring holds. */
static void test_expire_overflows_ring(void)
{
    nsm_init(&M);
    uint64_t s = open_session(&M, 1, 1);
    char name[16];
    for (int i = 0; i < NS_MAX_DELETES + 20; i++) {
        snprintf(name, sizeof name, "e%03d", i);
        struct ns_request p = eph_put(name, s, 1);
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    }
    uint64_t before = M.applied;
    struct ns_request x = nt_req(NS_OP_SESSION_EXPIRE, NULL);
    x.session = s;
    CHECK_EQ(nt_apply(&M, &x, &R), 0);
    CHECK_EQ(R.version, NS_MAX_DELETES + 20);
    CHECK_EQ(M.n_bindings, 0);
    CHECK_EQ(M.d_lost, before + 1);
    nt_check_invariants(&M);
    CHECK_OK();
    struct ns_request w = nt_req(NS_OP_WATCH, "");
    w.version = before;
    nsm_read(&M, &w, &R);
    CHECK_EQ(R.status, -ESTALE);
    CHECK_EQ(R.index, M.applied);
    w.version = M.applied;
    nsm_read(&M, &w, &R);
    CHECK_EQ(R.status, -EAGAIN);
}

/* ---- watches -------------------------------------------------------------- */

static int watch(const struct ns_machine *m, const char *prefix, uint64_t after)
{
    struct ns_request w = nt_req(NS_OP_WATCH, prefix);
    w.version = after;
    nsm_read(m, &w, &R);
    return R.status;
}

static void test_watch_events(void)
{
    nsm_init(&M);
    CHECK_EQ(watch(&M, "", 0), -EAGAIN);
    CHECK_EQ(R.op, NS_OP_WATCH);
    struct ns_request p = nt_put("a/1", "x", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0); /* 1 */
    p = nt_put("b/1", "x", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0); /* 2 */
    p = nt_put("a/2", "x", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0); /* 3 */
    struct ns_request r = nt_req(NS_OP_RM, "a/1");
    CHECK_EQ(nt_apply(&M, &r, NULL), 0); /* 4 */
    nsm_skip(&M, 5);
    CHECK_EQ(watch(&M, "a/", 0), 0);
    CHECK_EQ(R.event, NS_EV_PUT); /* a/2 at 3: a/1's put is gone, its removal is at 4 */
    CHECK_EQ(R.index, 3);
    CHECK(R.b.name_len == 3 && memcmp(R.b.name, "a/2", 3) == 0);
    CHECK_EQ(R.version, 1);
    CHECK_EQ(R.b.mod_index, 3);
    CHECK_EQ(watch(&M, "a/", 3), 0);
    CHECK_EQ(R.event, NS_EV_RM);
    CHECK_EQ(R.index, 4);
    CHECK(R.b.name_len == 3 && memcmp(R.b.name, "a/1", 3) == 0);
    CHECK_EQ(R.b.version, 0);
    CHECK_EQ(watch(&M, "a/", 4), -EAGAIN);
    CHECK_EQ(R.index, 5);
    CHECK_EQ(watch(&M, "b", 0), 0);
    CHECK_EQ(R.index, 2);
    CHECK_EQ(watch(&M, "b/1", 0), 0); /* a whole name is a prefix too */
    CHECK_EQ(watch(&M, "b/1/", 0), -EAGAIN);
    CHECK_EQ(watch(&M, "c", 0), -EAGAIN);
    CHECK_EQ(watch(&M, "", 1), 0);
    CHECK_EQ(R.index, 2);
    /* a name changed twice after the index: only its latest version */
    p = nt_put("b/1", "y", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0); /* 6 */
    CHECK_EQ(nt_apply(&M, &p, NULL), 0); /* 7 */
    CHECK_EQ(watch(&M, "b/", 2), 0);
    CHECK_EQ(R.index, 7);
    CHECK_EQ(R.version, 3);
    /* put after remove of the same name: both are reported, in order */
    r = nt_req(NS_OP_RM, "b/1");
    CHECK_EQ(nt_apply(&M, &r, NULL), 0); /* 8 */
    CHECK_EQ(nt_apply(&M, &p, NULL), 0); /* 9 */
    CHECK_EQ(watch(&M, "b/", 7), 0);
    CHECK_EQ(R.event, NS_EV_RM);
    CHECK_EQ(R.index, 8);
    CHECK_EQ(watch(&M, "b/", 8), 0);
    CHECK_EQ(R.event, NS_EV_PUT);
    CHECK_EQ(R.index, 9);
    CHECK_EQ(R.b.version, 1);
}

/* Deletes beyond the ring's memory make an old watch -ESTALE. */
static void test_watch_stale(void)
{
    nsm_init(&M);
    char name[16];
    struct ns_request p = nt_put("keep", "v", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    for (int i = 0; i < NS_MAX_DELETES; i++) {
        snprintf(name, sizeof name, "t%d", i);
        p = nt_put(name, "v", NULL);
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
        struct ns_request r = nt_req(NS_OP_RM, name);
        CHECK_EQ(nt_apply(&M, &r, NULL), 0);
    }
    CHECK_EQ(M.d_lost, 0);
    CHECK_EQ(watch(&M, "", 0), 0); /* everything still known */
    CHECK_EQ(R.index, 1);
    p = nt_put("t-last", "v", NULL);
    CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    struct ns_request r = nt_req(NS_OP_RM, "t-last");
    CHECK_EQ(nt_apply(&M, &r, NULL), 0);
    CHECK_EQ(M.d_lost, 3); /* t0's removal */
    CHECK_EQ(watch(&M, "", 0), -ESTALE);
    CHECK_EQ(R.index, M.applied);
    CHECK_EQ(watch(&M, "keep", 2), -ESTALE); /* another prefix: still may have missed it */
    CHECK_EQ(watch(&M, "", 3), 0);           /* t1's removal: its put at 4 is gone */
    CHECK_EQ(R.event, NS_EV_RM);
    CHECK_EQ(R.index, 5);
    CHECK(R.b.name_len == 2 && memcmp(R.b.name, "t1", 2) == 0);
}

/* Following a watch from index to index reports every name changed after
 * the start at least once, in increasing index order. */
static void test_watch_chain(void)
{
    nsm_init(&M);
    static bool changed[64];
    static bool seen[64];
    char name[16];
    for (int i = 0; i < 300; i++) {
        int k = (int)nt_below(64);
        snprintf(name, sizeof name, "%c/%d", k < 32 ? 'p' : 'q', k);
        struct ns_request q = nt_below(3) ? nt_put(name, "v", NULL) : nt_req(NS_OP_RM, name);
        if (nt_apply(&M, &q, NULL) == 0 && k < 32)
            changed[k] = true;
        if (nt_below(5) == 0)
            nsm_skip(&M, M.applied + 1);
    }
    CHECK(M.d_lost == 0);
    uint64_t at = 0;
    int events = 0;
    while (watch(&M, "p/", at) == 0) {
        CHECK(R.index > at);
        at = R.index;
        events++;
        int k = atoi(R.b.name + 2);
        CHECK(R.b.name[0] == 'p' && k >= 0 && k < 32);
        seen[k] = true;
    }
    CHECK_EQ(R.status, -EAGAIN);
    CHECK(events > 0);
    for (int k = 0; k < 32; k++)
        CHECK_EQ(seen[k], changed[k]);
}

/* ---- LIST ----------------------------------------------------------------- */

/* Page through prefix with pages of `max` (0: the default); the names, in
 * order, appended to out (NUL-separated); their count. */
static int list_all(const struct ns_machine *m, const char *prefix, uint64_t max, char *out,
                    int *pages)
{
    struct ns_request q = nt_req(NS_OP_LIST, prefix);
    q.version = max;
    int n = 0;
    size_t used = 0;
    *pages = 0;
    for (;;) {
        nsm_read(m, &q, &R);
        if (R.status != 0)
            return -1;
        (*pages)++;
        uint64_t lim = max == 0 || max > NS_LIST_MAX ? NS_LIST_MAX : max;
        if (R.n_names > lim || (R.more && R.n_names != lim))
            return -2;
        /* the reply encodes */
        static uint8_t buf[NS_REPLY_MAX];
        if (ns_reply_encode(&R, buf, sizeof buf) <= 0)
            return -3;
        const char *p = R.names;
        for (uint32_t k = 0; k < R.n_names; k++) {
            size_t len = strlen(p);
            memcpy(out + used, p, len + 1);
            used += len + 1;
            n++;
            q.after_len = (uint16_t)len;
            memcpy(q.after, p, len);
            p += len + 1;
        }
        if ((size_t)(p - R.names) != R.names_len)
            return -4;
        if (!R.more)
            return n;
    }
}

static void test_list_paging(void)
{
    nsm_init(&M);
    char name[NS_NAME_MAX + 1];
    int n_dir = 0;
    for (int i = 0; i < 700; i++) {
        /* 600 under "dir/", with the longest names; the rest around them */
        if (i < 600)
            snprintf(name, sizeof name, "dir/%058d%02d", i, i % 7);
        else
            snprintf(name, sizeof name, "%s%d", i % 2 ? "di" : "dis", i);
        n_dir += i < 600;
        struct ns_request p = nt_put(name, "v", NULL);
        CHECK_EQ(nt_apply(&M, &p, NULL), 0);
    }
    static char out[800 * (NS_NAME_MAX + 1)];
    int pages;
    CHECK_EQ(list_all(&M, "dir/", 0, out, &pages), n_dir);
    CHECK_EQ(pages, 3);
    /* sorted, strictly, and all under the prefix */
    const char *p = out, *prev = NULL;
    for (int k = 0; k < n_dir; k++) {
        CHECK(strncmp(p, "dir/", 4) == 0);
        CHECK(!prev || strcmp(prev, p) < 0);
        prev = p;
        p += strlen(p) + 1;
    }
    CHECK_EQ(list_all(&M, "", 0, out, &pages), 700);
    CHECK_EQ(pages, 3);
    CHECK_EQ(list_all(&M, "", 7, out, &pages), 700);
    CHECK_EQ(pages, 100);
    CHECK_EQ(list_all(&M, "dir/", 600, out, &pages), 600); /* max above NS_LIST_MAX */
    CHECK_EQ(list_all(&M, "dis", 1, out, &pages), 50);
    CHECK_EQ(list_all(&M, "nothing", 0, out, &pages), 0);
    CHECK_EQ(pages, 1);
    /* exactly NS_LIST_MAX names: one page, no `more` */
    nsm_init(&M);
    for (int i = 0; i < NS_LIST_MAX; i++) {
        snprintf(name, sizeof name, "x%03d", i);
        struct ns_request q = nt_put(name, "v", NULL);
        CHECK_EQ(nt_apply(&M, &q, NULL), 0);
    }
    CHECK_EQ(list_all(&M, "x", 0, out, &pages), NS_LIST_MAX);
    CHECK_EQ(pages, 1);
    /* `after` need not exist, and may sort before the prefix */
    struct ns_request q = nt_req(NS_OP_LIST, "x1");
    memcpy(q.after, "x10", 3);
    q.after_len = 3;
    q.version = 2;
    nsm_read(&M, &q, &R);
    CHECK_EQ(R.n_names, 2);
    CHECK(memcmp(R.names, "x100\0x101\0", 10) == 0);
    CHECK_EQ(R.more, 1);
    CHECK_EQ(R.index, M.applied);
    memcpy(q.after, "a", 1);
    q.after_len = 1;
    nsm_read(&M, &q, &R);
    CHECK(memcmp(R.names, "x100\0x101\0", 10) == 0);
    memcpy(q.after, "x2", 2);
    q.after_len = 2;
    nsm_read(&M, &q, &R);
    CHECK_EQ(R.n_names, 0);
    CHECK_EQ(R.more, 0);
}

/* ---- the model ------------------------------------------------------------ */

/* A reference naming map with no cleverness: unsorted arrays, linear
 * searches, a full list of every removal. */
struct ref_binding {
    bool used;
    struct ns_binding b;
};
struct ref_client {
    uint64_t id, seq, version, index;
    int32_t status;
};
static struct ref {
    struct ref_binding b[NS_MAX_BINDINGS];
    struct session_entry s[NS_MAX_SESSIONS];
    struct ref_client c[64];
    struct nsm_delete del[20000];
    int n_del;
    uint64_t applied;
} ref;

static struct ref_binding *ref_find(const char *name, size_t len)
{
    for (int i = 0; i < NS_MAX_BINDINGS; i++)
        if (ref.b[i].used && ref.b[i].b.name_len == len && memcmp(ref.b[i].b.name, name, len) == 0)
            return &ref.b[i];
    return NULL;
}

static int ref_count(void)
{
    int n = 0;
    for (int i = 0; i < NS_MAX_BINDINGS; i++)
        n += ref.b[i].used;
    return n;
}

static bool ref_session(uint64_t id)
{
    for (int i = 0; i < NS_MAX_SESSIONS; i++)
        if (id && ref.s[i].id == id)
            return true;
    return false;
}

static void ref_remove(struct ref_binding *rb, uint64_t index)
{
    struct nsm_delete *d = &ref.del[ref.n_del++];
    memset(d, 0, sizeof *d);
    d->index = index;
    d->name_len = rb->b.name_len;
    memcpy(d->name, rb->b.name, rb->b.name_len);
    rb->used = false;
}

static int ref_bind(const struct ns_request *q, uint64_t index, uint64_t *version)
{
    if ((q->flags & NS_F_EPHEMERAL) && !ref_session(q->session))
        return -ESTALE;
    struct ref_binding *rb = ref_find(q->name, q->name_len);
    if (!rb) {
        if (ref_count() == NS_MAX_BINDINGS)
            return -ENOSPC;
        for (int i = 0; !rb; i++)
            if (!ref.b[i].used)
                rb = &ref.b[i];
        memset(rb, 0, sizeof *rb);
        rb->b.create_index = index;
    }
    struct ns_binding *b = &rb->b;
    struct ns_binding nb;
    memset(&nb, 0, sizeof nb);
    nb.version = rb->used ? b->version + 1 : 1;
    nb.create_index = b->create_index;
    nb.mod_index = index;
    nb.flags = q->flags & 3;
    if (q->flags & NS_F_EPHEMERAL) {
        nb.session = q->session;
        nb.owner_pid = q->owner_pid;
    }
    if (q->flags & NS_F_PORT)
        nb.port = q->port;
    nb.name_len = q->name_len;
    memcpy(nb.name, q->name, q->name_len);
    if (q->flags & NS_F_VALUE) {
        nb.value_len = q->value_len;
        memcpy(nb.value, q->value, q->value_len);
    }
    rb->used = true;
    rb->b = nb;
    *version = nb.version;
    return 0;
}

static int ref_op(const struct ns_request *q, uint64_t index, uint64_t *version)
{
    struct ref_binding *rb = q->op <= NS_OP_RM ? ref_find(q->name, q->name_len) : NULL;
    switch (q->op) {
    case NS_OP_PUT:
        return ref_bind(q, index, version);
    case NS_OP_CAS: {
        if ((q->flags & NS_F_EPHEMERAL) && !ref_session(q->session))
            return -ESTALE;
        bool ok;
        if (q->flags & NS_F_CMP_VALUE)
            ok = rb && rb->b.value_len == q->expect_len &&
                 memcmp(rb->b.value, q->expect, q->expect_len) == 0;
        else
            ok = q->version ? rb && rb->b.version == q->version : !rb;
        if (!ok) {
            *version = rb ? rb->b.version : 0;
            return -ECANCELED;
        }
        return ref_bind(q, index, version);
    }
    case NS_OP_RM:
        if (!rb)
            return -ENOENT;
        *version = rb->b.version;
        if ((q->flags & NS_F_VERSION) && rb->b.version != q->version)
            return -ECANCELED;
        ref_remove(rb, index);
        return 0;
    case NS_OP_SESSION_OPEN:
        for (int i = 0; i < NS_MAX_SESSIONS; i++) {
            if (ref.s[i].id && ref.s[i].node == q->owner_node && ref.s[i].nonce == q->nonce) {
                *version = ref.s[i].id;
                return 0;
            }
        }
        for (int i = 0; i < NS_MAX_SESSIONS; i++) {
            if (!ref.s[i].id) {
                ref.s[i] = (struct session_entry){index, q->nonce, q->owner_node};
                *version = index;
                return 0;
            }
        }
        return -ENOSPC;
    case NS_OP_SESSION_EXPIRE:
    case NS_OP_RELEASE: {
        bool expire = q->op == NS_OP_SESSION_EXPIRE;
        if (expire) {
            if (!ref_session(q->session))
                return 0;
            for (int i = 0; i < NS_MAX_SESSIONS; i++)
                if (ref.s[i].id == q->session)
                    ref.s[i].id = 0;
        }
        /* removals in name order, as the ring records them */
        for (;;) {
            struct ref_binding *first = NULL;
            for (int i = 0; i < NS_MAX_BINDINGS; i++) {
                struct ref_binding *x = &ref.b[i];
                if (!x->used || x->b.session != q->session ||
                    (!expire && x->b.owner_pid != q->owner_pid))
                    continue;
                if (!first || strncmp(x->b.name, first->b.name, NS_NAME_MAX) < 0)
                    first = x;
            }
            if (!first)
                break;
            ref_remove(first, index);
            (*version)++;
        }
        return 0;
    }
    default:
        return -EINVAL;
    }
}

/* Apply to the model what nsm_apply does, dedup included (no eviction: the
 * model test uses fewer clients than the table holds). */
static int ref_apply(const uint8_t *cmd, size_t len, uint64_t index, uint64_t *version,
                     uint64_t *rindex)
{
    static struct ns_request q;
    ref.applied = index;
    *version = 0;
    *rindex = index;
    if (ns_request_decode(cmd, len, &q))
        return -EBADMSG;
    if (q.client == 0)
        return ref_op(&q, index, version);
    struct ref_client *c = NULL;
    for (int i = 0; i < 64 && !c; i++)
        if (ref.c[i].id == q.client)
            c = &ref.c[i];
    if (c && q.seq == c->seq) {
        *version = c->version;
        *rindex = c->index;
        return c->status;
    }
    if ((c && q.seq < c->seq) || (!c && q.seq != 1))
        return -ESTALE;
    int st = ref_op(&q, index, version);
    for (int i = 0; i < 64 && !c; i++)
        if (!ref.c[i].id)
            c = &ref.c[i];
    *c = (struct ref_client){q.client, q.seq, *version, index, st};
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The model's names under prefix, sorted, as NUL-separated strings. */
static int ref_list(const char *prefix, char *out)
{
    static char names[NS_MAX_BINDINGS][NS_NAME_MAX + 1];
    static const char *ptr[NS_MAX_BINDINGS];
    int n = 0;
    size_t pl = strlen(prefix);
    for (int i = 0; i < NS_MAX_BINDINGS; i++) {
        const struct ns_binding *b = &ref.b[i].b;
        if (!ref.b[i].used || b->name_len < pl || memcmp(b->name, prefix, pl))
            continue;
        memcpy(names[n], b->name, b->name_len);
        names[n][b->name_len] = 0;
        ptr[n] = names[n];
        n++;
    }
    qsort(ptr, (size_t)n, sizeof ptr[0], cmp_str);
    size_t used = 0;
    for (int k = 0; k < n; k++) {
        size_t l = strlen(ptr[k]);
        memcpy(out + used, ptr[k], l + 1);
        used += l + 1;
    }
    return n;
}

/* The model's answer to a watch: the earliest of (bindings changed after
 * `after`, removals after it among the newest NS_MAX_DELETES), or -ESTALE if
 * an older removal forgotten by the ring came after it. */
static int ref_watch(const char *prefix, uint64_t after, uint64_t *index, uint8_t *event,
                     char *name)
{
    size_t pl = strlen(prefix);
    int first_kept = ref.n_del > NS_MAX_DELETES ? ref.n_del - NS_MAX_DELETES : 0;
    for (int i = 0; i < first_kept; i++)
        if (ref.del[i].index > after)
            return -ESTALE;
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < NS_MAX_BINDINGS; i++) {
        const struct ns_binding *b = &ref.b[i].b;
        if (ref.b[i].used && b->mod_index > after && b->mod_index < best && b->name_len >= pl &&
            memcmp(b->name, prefix, pl) == 0) {
            best = b->mod_index;
            *event = NS_EV_PUT;
            memcpy(name, b->name, b->name_len);
            name[b->name_len] = 0;
        }
    }
    for (int i = first_kept; i < ref.n_del; i++) {
        const struct nsm_delete *d = &ref.del[i];
        if (d->index > after && d->index < best && d->name_len >= pl &&
            memcmp(d->name, prefix, pl) == 0) {
            best = d->index;
            *event = NS_EV_RM;
            memcpy(name, d->name, d->name_len);
            name[d->name_len] = 0;
        }
    }
    *index = best;
    return best == UINT64_MAX ? -EAGAIN : 0;
}

static void compare_binding(const char *name)
{
    struct ref_binding *rb = ref_find(name, strlen(name));
    int st = get(&M, name, &R);
    if (!rb) {
        CHECK_EQ(st, -ENOENT);
        return;
    }
    CHECK_EQ(st, 0);
    const struct ns_binding *a = &R.b, *b = &rb->b;
    CHECK(a->version == b->version && a->create_index == b->create_index &&
          a->mod_index == b->mod_index && a->session == b->session &&
          a->owner_pid == b->owner_pid && a->flags == b->flags && a->port.a == b->port.a &&
          a->port.b == b->port.b && a->name_len == b->name_len && a->value_len == b->value_len);
    CHECK(memcmp(a->name, b->name, a->name_len) == 0);
    CHECK(memcmp(a->value, b->value, a->value_len) == 0);
}

static void test_model(void)
{
    static const char *const prefixes[] = {"", "a/", "a/b/", "b/", "c", "svc.", "zz", "a", "q"};
    static char got[NS_MAX_BINDINGS * (NS_NAME_MAX + 1)], want[NS_MAX_BINDINGS * (NS_NAME_MAX + 1)];
    memset(&ref, 0, sizeof ref);
    nsm_init(&M);
    uint8_t cmd[NS_REQUEST_MAX];
    for (int step = 0; step < 6000; step++) {
        if (nt_below(40) == 0) {
            uint64_t to = M.applied + 1 + nt_below(3);
            nsm_skip(&M, to);
            ref.applied = to;
            continue;
        }
        size_t len = nt_random_command(&M, cmd, sizeof cmd);
        uint64_t index = M.applied + 1, v, ri;
        int want_st = ref_apply(cmd, len, index, &v, &ri);
        int st = nsm_apply(&M, index, cmd, len, &R);
        if (st != want_st || R.version != v || R.index != ri) {
            nt_fail(__FILE__, __LINE__,
                    "step %d op %d: status %d version %llu index %llu, "
                    "model %d %llu %llu",
                    step, len ? cmd[0] : -1, st, (unsigned long long)R.version,
                    (unsigned long long)R.index, want_st, (unsigned long long)v,
                    (unsigned long long)ri);
            return;
        }
        CHECK_EQ(R.status, st);
        CHECK_EQ(M.n_bindings, ref_count());
        if (step % 8 == 0) {
            char name[NS_NAME_MAX + 2];
            name[nt_random_name(name)] = 0;
            compare_binding(name);
            CHECK_OK();
        }
        if (step % 50 == 0) {
            for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
                int pages;
                int n = list_all(&M, prefixes[k], 1 + nt_below(40), got, &pages);
                int m = ref_list(prefixes[k], want);
                CHECK_EQ(n, m);
                size_t bytes = 0;
                for (int i = 0; i < m; i++)
                    bytes += strlen(want + bytes) + 1;
                CHECK(memcmp(got, want, bytes) == 0);
                uint64_t after = nt_below(M.applied + 2), idx = 0;
                uint8_t ev = 0;
                char wname[NS_NAME_MAX + 1];
                int wst = ref_watch(prefixes[k], after, &idx, &ev, wname);
                CHECK_EQ(watch(&M, prefixes[k], after), wst);
                if (wst == 0) {
                    CHECK_EQ(R.index, idx);
                    CHECK_EQ(R.event, ev);
                    CHECK(R.b.name_len == strlen(wname) &&
                          memcmp(R.b.name, wname, R.b.name_len) == 0);
                } else {
                    CHECK_EQ(R.index, M.applied);
                }
            }
            nt_check_invariants(&M);
            CHECK_OK();
            for (int i = 0; i < NS_MAX_BINDINGS; i++)
                if (ref.b[i].used) {
                    char nm[NS_NAME_MAX + 1];
                    memcpy(nm, ref.b[i].b.name, ref.b[i].b.name_len);
                    nm[ref.b[i].b.name_len] = 0;
                    compare_binding(nm);
                    CHECK_OK();
                }
        }
    }
}

const struct nt_test nt_machine_tests[] = {
    {"machine_put_create_replace", test_put_create_replace},
    {"machine_put_order_and_lookup", test_put_order_and_lookup},
    {"machine_put_full", test_put_full},
    {"machine_cas_version", test_cas_version},
    {"machine_cas_value", test_cas_value},
    {"machine_rm", test_rm},
    {"machine_bad_commands", test_bad_commands},
    {"machine_dedup_retry", test_dedup_retry},
    {"machine_dedup_old_seq", test_dedup_old_seq},
    {"machine_dedup_forgotten_client", test_dedup_forgotten_client},
    {"machine_dedup_lru_eviction", test_dedup_lru_eviction},
    {"machine_session_open", test_session_open},
    {"machine_ephemeral", test_ephemeral},
    {"machine_expire_overflows_ring", test_expire_overflows_ring},
    {"machine_watch_events", test_watch_events},
    {"machine_watch_stale", test_watch_stale},
    {"machine_watch_chain", test_watch_chain},
    {"machine_list_paging", test_list_paging},
    {"machine_model", test_model},
    {NULL, NULL},
};
