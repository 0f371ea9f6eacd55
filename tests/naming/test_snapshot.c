/* tests/naming/test_snapshot.c: the state machine's snapshots, and the
 * determinism every replica relies on (services/naming/nsmachine.c). */
#include <stdio.h>
#include <stdlib.h>

#include "lib/crc32c.h"
#include "tests/naming/harness.h"

static struct ns_machine M, M2, M3, SAVED;
static struct ns_reply R, R2;

static uint8_t *snap_buf(void)
{
    static uint8_t *buf;
    if (!buf)
        buf = malloc(nsm_snapshot_max());
    return buf;
}

static long snap(const struct ns_machine *m, uint8_t *buf)
{
    return nsm_snapshot(m, buf, nsm_snapshot_max());
}

static void fix_crc(uint8_t *buf, size_t len)
{
    uint32_t c = crc32c(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
}

/* Two machines answer every read alike: GET of every name either holds,
 * LIST of everything, and watches from a spread of indexes. */
static void same_answers(const struct ns_machine *a, const struct ns_machine *b)
{
    CHECK_EQ(a->applied, b->applied);
    CHECK_EQ(a->n_bindings, b->n_bindings);
    for (uint32_t i = 0; i < a->n_bindings; i++) {
        struct ns_request q;
        memset(&q, 0, sizeof q);
        q.op = NS_OP_GET;
        q.name_len = a->e[i].b.name_len;
        memcpy(q.name, a->e[i].b.name, q.name_len);
        nsm_read(a, &q, &R);
        nsm_read(b, &q, &R2);
        CHECK_EQ(R.status, 0);
        CHECK_EQ(R2.status, 0);
        CHECK(R.b.version == R2.b.version && R.b.mod_index == R2.b.mod_index &&
              R.b.value_len == R2.b.value_len && memcmp(R.b.value, R2.b.value, R.b.value_len) == 0);
    }
    static const char *const prefixes[] = {"", "a/", "b/", "c", "svc.", "zz"};
    for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
        struct ns_request q;
        memset(&q, 0, sizeof q);
        q.op = NS_OP_LIST;
        q.name_len = (uint16_t)strlen(prefixes[k]);
        memcpy(q.name, prefixes[k], q.name_len);
        nsm_read(a, &q, &R);
        nsm_read(b, &q, &R2);
        CHECK(R.n_names == R2.n_names && R.names_len == R2.names_len && R.more == R2.more &&
              memcmp(R.names, R2.names, R.names_len) == 0);
        q.op = NS_OP_WATCH;
        for (uint64_t after = 0; after <= a->applied; after += 1 + a->applied / 16) {
            q.version = after;
            nsm_read(a, &q, &R);
            nsm_read(b, &q, &R2);
            CHECK(R.status == R2.status && R.index == R2.index && R.event == R2.event &&
                  R.b.name_len == R2.b.name_len && memcmp(R.b.name, R2.b.name, R.b.name_len) == 0);
        }
    }
}

static void test_empty(void)
{
    uint8_t *buf = snap_buf();
    nsm_init(&M);
    long n = snap(&M, buf);
    CHECK(n > 0);
    nt_random_history(&M2, 200);
    CHECK_EQ(nsm_restore(&M2, buf, (size_t)n), 0);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
}

/* restore(snapshot(m)) answers as m does, snapshots to the same bytes, and
 * goes on to behave as m does under the same commands. */
static void test_roundtrip(void)
{
    uint8_t *buf = snap_buf(), *buf2 = malloc(nsm_snapshot_max());
    static const int lengths[] = {1, 10, 100, 1000, 5000};
    uint8_t cmd[NS_REQUEST_MAX];
    for (size_t t = 0; t < sizeof lengths / sizeof lengths[0]; t++) {
        nsm_init(&M);
        nt_random_history(&M, lengths[t]);
        nt_check_invariants(&M);
        CHECK_OK();
        long n = snap(&M, buf);
        CHECK(n > 0 && (size_t)n <= nsm_snapshot_max());
        nsm_init(&M2);
        nt_random_history(&M2, 50); /* restore replaces whatever was there */
        CHECK_EQ(nsm_restore(&M2, buf, (size_t)n), 0);
        nt_check_invariants(&M2);
        CHECK_OK();
        CHECK(memcmp(&M, &M2, sizeof M) == 0); /* byte for byte, padding included */
        long n2 = snap(&M2, buf2);
        CHECK_EQ(n2, n);
        CHECK(memcmp(buf, buf2, (size_t)n) == 0);
        same_answers(&M, &M2);
        CHECK_OK();
        for (int i = 0; i < 2000; i++) {
            size_t len = nt_random_command(&M, cmd, sizeof cmd);
            uint64_t idx = M.applied + 1;
            int a = nsm_apply(&M, idx, cmd, len, &R);
            int b = nsm_apply(&M2, idx, cmd, len, &R2);
            CHECK(a == b && R.version == R2.version && R.index == R2.index);
        }
        CHECK_EQ(snap(&M, buf), snap(&M2, buf2));
        CHECK(memcmp(buf, buf2, (size_t)snap(&M, buf)) == 0);
        same_answers(&M, &M2);
        CHECK_OK();
    }
    free(buf2);
}

/* A machine with every table in use: the snapshot fits nsm_snapshot_max()
 * and the server's slot, and too small a buffer is -EMSGSIZE. */
static void test_full_machine(void)
{
    uint8_t *buf = snap_buf();
    nsm_init(&M);
    uint8_t cmd[NS_REQUEST_MAX];
    uint64_t sessions[NS_MAX_SESSIONS];
    for (int i = 0; i < NS_MAX_SESSIONS; i++) {
        struct ns_request o = nt_req(NS_OP_SESSION_OPEN, NULL);
        o.owner_node = 1 + (uint32_t)i;
        o.nonce = UINT64_MAX - (uint64_t)i;
        CHECK_EQ(nt_apply(&M, &o, &R), 0);
        sessions[i] = R.version;
    }
    for (int i = 0; i < NS_MAX_BINDINGS + NS_MAX_DELETES; i++) {
        struct ns_request p = nt_req(NS_OP_PUT, NULL);
        p.flags = NS_F_VALUE | NS_F_PORT | NS_F_EPHEMERAL;
        p.name_len = NS_NAME_MAX;
        snprintf(p.name, sizeof p.name, "%063d", i);
        p.name[63] = 'x';
        p.value_len = NS_VALUE_MAX;
        memset(p.value, i, NS_VALUE_MAX);
        p.port = (struct port_id){UINT64_MAX, (uint64_t)i};
        p.session = sessions[i % NS_MAX_SESSIONS];
        p.owner_pid = -1;
        p.client = 1 + (uint64_t)i;
        p.seq = 1;
        CHECK_EQ(nt_apply(&M, &p, &R), 0);
        if (i >= NS_MAX_BINDINGS - NS_MAX_DELETES && i < NS_MAX_BINDINGS) {
            struct ns_request r = nt_req(NS_OP_RM, NULL);
            r.name_len = p.name_len;
            memcpy(r.name, p.name, p.name_len);
            CHECK_EQ(nt_apply(&M, &r, &R), 0);
        }
    }
    CHECK_EQ(M.n_bindings, NS_MAX_BINDINGS);
    CHECK_EQ(M.d[NS_MAX_DELETES - 1].index != 0, 1);
    for (int i = 0; i < NS_MAX_CLIENTS; i++)
        CHECK(M.c[i].id != 0);
    (void)cmd;
    long n = snap(&M, buf);
    CHECK(n > 0);
    CHECK((size_t)n <= nsm_snapshot_max());
    CHECK(nsm_snapshot_max() <= 640 * 1024); /* NS_SNAP_CAP in services/naming/server.h */
    CHECK_EQ(nsm_snapshot(&M, buf, (size_t)n - 1), -EMSGSIZE);
    CHECK_EQ(nsm_snapshot(&M, buf, 10), -EMSGSIZE);
    CHECK_EQ(nsm_snapshot(&M, NULL, 0), -EMSGSIZE);
    CHECK_EQ(nsm_snapshot(&M, buf, (size_t)n), n);
    CHECK_EQ(nsm_restore(&M2, buf, (size_t)n), 0);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
    same_answers(&M, &M2);
    CHECK_OK();
    nt_check_invariants(&M2);
}

/* Try buf as a snapshot on M2 (holding SAVED): either refused with M2
 * unchanged, or, when `may_accept`, accepted with a machine that snapshots
 * back to exactly buf and keeps every invariant. */
static void try_restore(const uint8_t *buf, size_t len, bool may_accept, const char *what,
                        size_t pos)
{
    int rv = nsm_restore(&M2, buf, len);
    if (rv == -EBADMSG) {
        if (memcmp(&M2, &SAVED, sizeof M2) != 0)
            nt_fail(__FILE__, __LINE__, "%s at %zu: refused but the machine changed", what, pos);
        return;
    }
    if (rv != 0 || !may_accept) {
        nt_fail(__FILE__, __LINE__, "%s at %zu: restore returned %d", what, pos, rv);
        return;
    }
    static uint8_t *again;
    if (!again)
        again = malloc(nsm_snapshot_max());
    long n = snap(&M2, again);
    if (n != (long)len || memcmp(again, buf, len) != 0)
        nt_fail(__FILE__, __LINE__, "%s at %zu: accepted, but not canonical", what, pos);
    nt_check_invariants(&M2);
    memcpy(&M2, &SAVED, sizeof M2);
}

/* A machine small enough to sweep, with something in every table. */
static long sweep_snapshot(uint8_t *buf)
{
    nsm_init(&M);
    nt_random_history(&M, 400);
    /* make sure the ring has wrapped and a binding is ephemeral */
    struct ns_request o = nt_req(NS_OP_SESSION_OPEN, NULL);
    o.owner_node = 9;
    nt_apply(&M, &o, &R);
    uint64_t s = R.version;
    char name[16];
    for (int i = 0; i < NS_MAX_DELETES + 3; i++) {
        snprintf(name, sizeof name, "r%d", i % 5);
        struct ns_request p = nt_put(name, "v", NULL);
        nt_apply(&M, &p, NULL);
        p = nt_req(NS_OP_RM, name);
        nt_apply(&M, &p, NULL);
    }
    struct ns_request p = nt_put("eph", "v", NULL);
    p.flags |= NS_F_EPHEMERAL;
    p.session = s;
    p.owner_pid = 3;
    nt_apply(&M, &p, NULL);
    return snap(&M, buf);
}

static void test_corruption(void)
{
    uint8_t *buf = snap_buf();
    long n = sweep_snapshot(buf);
    CHECK(n > 0);
    CHECK(M.d_lost != 0);
    nsm_init(&M2);
    nt_random_history(&M2, 300);
    memcpy(&SAVED, &M2, sizeof SAVED);
    uint8_t *bad = malloc((size_t)n);
    /* every byte, every single-bit flip and a random other value: the CRC
     * refuses them all */
    for (long pos = 0; pos < n; pos++) {
        for (int k = 0; k < 9; k++) {
            memcpy(bad, buf, (size_t)n);
            bad[pos] ^= k < 8 ? (uint8_t)(1u << k) : (uint8_t)(1 + nt_below(255));
            try_restore(bad, (size_t)n, false, "corrupt byte", (size_t)pos);
            CHECK_OK();
        }
    }
    /* the same with the CRC made right again: the content checks refuse, or
     * the result is a valid machine that is exactly what the bytes say */
    int accepted = 0;
    for (long pos = 0; pos < n - 4; pos++) {
        for (int k = 0; k < 3; k++) {
            memcpy(bad, buf, (size_t)n);
            bad[pos] ^= k < 2 ? (uint8_t)(1u << nt_below(8)) : (uint8_t)(1 + nt_below(255));
            fix_crc(bad, (size_t)n);
            try_restore(bad, (size_t)n, true, "corrupt byte, CRC fixed", (size_t)pos);
            CHECK_OK();
            accepted += memcmp(&M2, &SAVED, sizeof M2) != 0;
        }
    }
    (void)accepted;
    free(bad);
}

static void test_truncation(void)
{
    uint8_t *buf = snap_buf();
    long n = sweep_snapshot(buf);
    CHECK(n > 0);
    nsm_init(&M2);
    nt_random_history(&M2, 300);
    memcpy(&SAVED, &M2, sizeof SAVED);
    uint8_t *bad = malloc((size_t)n + 16);
    for (long len = 0; len < n; len++) {
        memcpy(bad, buf, (size_t)len);
        try_restore(bad, (size_t)len, false, "truncated", (size_t)len);
        CHECK_OK();
        if (len >= 4) {
            fix_crc(bad, (size_t)len);
            try_restore(bad, (size_t)len, false, "truncated, CRC fixed", (size_t)len);
            CHECK_OK();
        }
    }
    for (int extra = 1; extra < 16; extra++) {
        memcpy(bad, buf, (size_t)n);
        memset(bad + n, 0, (size_t)extra);
        try_restore(bad, (size_t)n + (size_t)extra, false, "extended", (size_t)extra);
        CHECK_OK();
        /* bytes inserted before the CRC */
        memcpy(bad, buf, (size_t)n - 4);
        memset(bad + n - 4, 0, (size_t)extra);
        fix_crc(bad, (size_t)n + (size_t)extra);
        try_restore(bad, (size_t)n + (size_t)extra, false, "extended, CRC fixed", (size_t)extra);
        CHECK_OK();
    }
    CHECK_EQ(nsm_restore(&M2, buf, (size_t)n), 0);
    free(bad);
}

/* Hand-made inconsistencies behind a good CRC. */
static void test_rejects_inconsistent(void)
{
    uint8_t *buf = snap_buf(), *bad = malloc(4096);
    nsm_init(&M2);
    memcpy(&SAVED, &M2, sizeof SAVED);
    /* two sessions, two bindings "a" (ephemeral) and "b", nothing else */
    nsm_init(&M);
    struct ns_request o = nt_req(NS_OP_SESSION_OPEN, NULL);
    o.owner_node = 1;
    nt_apply(&M, &o, NULL); /* id 1 */
    o.owner_node = 2;
    nt_apply(&M, &o, NULL); /* id 2 */
    struct ns_request p = nt_put("a", NULL, NULL);
    p.flags = NS_F_EPHEMERAL | NS_F_VALUE;
    p.session = 1;
    p.owner_pid = 5;
    nt_apply(&M, &p, NULL);
    p = nt_put("b", "v", NULL);
    nt_apply(&M, &p, NULL);
    long n = snap(&M, buf);
    CHECK(n > 0);
    /* offsets: head 34; sessions at 34, 56 (22 bytes each); bindings at 78 */
    const size_t S0 = 34, S1 = 56, B0 = 78, B1 = B0 + 1 + 1 + 37 + 2;
    CHECK_EQ(buf[B0], 1);
    CHECK_EQ(buf[B0 + 1], 'a');
    CHECK_EQ(buf[B1 + 1], 'b');
    struct {
        const char *what;
        size_t at;
        uint8_t value;
    } cases[] = {
        {"magic", 0, 'X'},
        {"format", 4, 2},
        {"applied below an index", 8, 1},
        {"d_lost above applied", 16, 200},
        {"d_lost with a ring not full", 16, 1},
        {"too many sessions", 25, 1},
        {"too many clients", 27, 1},
        {"too many deletes", 29, 1},
        {"too many bindings", 31, 1},
        {"d_next with a ring not full", 32, 1},
        {"d_next out of range", 32, NS_MAX_DELETES},
        {"session slot order", S1, 0},
        {"session slot range", S1, NS_MAX_SESSIONS},
        {"session id 0", S0 + 2, 0},
        {"duplicate session id", S1 + 2, 1},
        {"duplicate session owner", S1 + 18, 1},
        {"session node 0", S0 + 18, 0},
        {"session id above applied", S1 + 2, 99},
        {"bindings out of order", B0 + 1, 'c'},
        {"duplicate binding", B1 + 1, 'a'},
        {"bad name byte", B0 + 1, ' '},
        {"empty name", B0, 0},
        {"name too long", B0, NS_NAME_MAX + 1},
        {"version 0", B0 + 2, 0},
        {"create index 0", B0 + 10, 0},
        {"create after mod", B0 + 10, 4},
        {"mod after applied", B1 + 18, 9},
        {"unknown session", B0 + 26, 3},
        {"pid without session", B1 + 34, 1},
        {"no flags", B1 + 38, 0},
        {"unknown flag", B1 + 38, NS_F_VALUE | NS_F_EPHEMERAL},
        {"value too long", B1 + 39 + 1, 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memcpy(bad, buf, (size_t)n);
        bad[cases[k].at] = cases[k].value;
        fix_crc(bad, (size_t)n);
        int rv = nsm_restore(&M2, bad, (size_t)n);
        if (rv != -EBADMSG) {
            nt_fail(__FILE__, __LINE__, "%s: restore returned %d", cases[k].what, rv);
            return;
        }
        CHECK(memcmp(&M2, &SAVED, sizeof M2) == 0);
    }
    fix_crc(buf, (size_t)n);
    CHECK_EQ(nsm_restore(&M2, buf, (size_t)n), 0);
    free(bad);
}

/* Replicas fed the same commands hold the same bytes; one that joins from a
 * snapshot halfway holds them too. */
static void test_determinism(void)
{
    uint8_t *a = snap_buf(), *b = malloc(nsm_snapshot_max()), *c = malloc(nsm_snapshot_max());
    uint8_t cmd[NS_REQUEST_MAX];
    nsm_init(&M);
    nsm_init(&M2);
    for (int step = 1; step <= 8000; step++) {
        uint64_t idx = M.applied + 1 + (nt_below(30) == 0);
        if (nt_below(40) == 0) {
            nsm_skip(&M, idx);
            nsm_skip(&M2, idx);
            if (step > 4000)
                nsm_skip(&M3, idx);
        } else {
            size_t len = nt_random_command(&M, cmd, sizeof cmd);
            nsm_apply(&M, idx, cmd, len, NULL);
            nsm_apply(&M2, idx, cmd, len, &R2);
            if (step > 4000)
                nsm_apply(&M3, idx, cmd, len, &R);
            if (step > 4000 &&
                (R.status != R2.status || R.version != R2.version || R.index != R2.index)) {
                nt_fail(__FILE__, __LINE__,
                        "step %d: the restored replica answered "
                        "differently",
                        step);
                return;
            }
        }
        if (step == 4000) {
            long n = snap(&M, a);
            CHECK(n > 0);
            CHECK_EQ(nsm_restore(&M3, a, (size_t)n), 0);
            CHECK(memcmp(&M, &M3, sizeof M) == 0);
        }
        if (step % 1000 == 0) {
            long na = snap(&M, a), nb = snap(&M2, b);
            CHECK(na > 0 && na == nb);
            CHECK(memcmp(a, b, (size_t)na) == 0);
            CHECK(memcmp(&M, &M2, sizeof M) == 0);
            if (step > 4000) {
                long nc = snap(&M3, c);
                CHECK(nc == na && memcmp(a, c, (size_t)na) == 0);
                CHECK(memcmp(&M, &M3, sizeof M) == 0);
            }
        }
    }
    free(b);
    free(c);
}

const struct nt_test nt_snapshot_tests[] = {
    {"snapshot_empty", test_empty},
    {"snapshot_roundtrip", test_roundtrip},
    {"snapshot_full_machine", test_full_machine},
    {"snapshot_corruption", test_corruption},
    {"snapshot_truncation", test_truncation},
    {"snapshot_rejects_inconsistent", test_rejects_inconsistent},
    {"snapshot_determinism", test_determinism},
    {NULL, NULL},
};
