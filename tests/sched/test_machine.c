/* tests/sched/test_machine.c: the replicated state machine
 * (services/sched/schedmachine.c, schedread.c, schedsnap.c). */
#include <stdio.h>
#include <stdlib.h>

#include "lib/crc32c.h"
#include "services/sched/schedwire.h"
#include "services/sched/spectext.h"
#include "services/sched/view.h"
#include "tests/sched/harness.h"

static struct sched_machine m, m2;
static struct sched_reply rep;

static struct sched_request place_cmd(uint64_t client, uint64_t seq, uint64_t req_id, uint32_t node,
                                      const char *spec)
{
    struct sched_request r = st_cmd(SCHED_OP_PLACE);
    r.client = client;
    r.seq = seq;
    r.req_id = req_id;
    r.node = node;
    r.score = node ? 50 : 0;
    if (!node)
        strcpy(r.reason, "0/3 nodes: 3 cpu");
    r.spec = st_spec(spec);
    return r;
}

static int apply_simple(uint8_t op, uint64_t req_id, uint32_t node, int32_t pid)
{
    struct sched_request r = st_cmd(op);
    r.req_id = req_id;
    r.node = node;
    r.pid = pid;
    return st_apply(&m, &r, &rep);
}

static uint32_t used_slots(const struct sched_machine *mm)
{
    uint32_t n = 0;
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++)
        n += mm->p[i].state != SCHED_FREE;
    return n;
}

/* ---- commands ----------------------------------------------------------------- */

static void machine_place_exactly_once(void)
{
    schm_init(&m);
    CHECK_STR(m.policy, "least");
    struct sched_request r = place_cmd(0, 0, 5, 2, "cpu=500");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(rep.state, SCHED_PLACED);
    CHECK_EQ(rep.node, 2);
    CHECK_EQ(rep.score, 50);
    /* the same request again, decided differently by a new leader: the
     * first decision stands */
    r = place_cmd(0, 0, 5, 3, "cpu=700");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(rep.node, 2);
    CHECK_EQ(rep.req_id, 5);
    CHECK_EQ(used_slots(&m), 1);
    CHECK_EQ(schm_find(&m, 5)->spec.cpu_milli, 500);
    /* one decision recorded */
    struct sched_request q = st_cmd(SCHED_OP_STATUS);
    q.list = SCHED_LIST_DECISIONS;
    schm_read(&m, &q, &rep);
    CHECK_EQ(rep.n, 1);
    CHECK_EQ(rep.dec[0].node, 2);
    CHECK_STR(rep.dec[0].policy, "least");
    /* req_id 0 never decodes */
    r = place_cmd(0, 0, 0, 2, "");
    uint8_t buf[SCHED_MSG_MAX];
    int n = sched_cmd_encode(&r, buf, sizeof buf);
    uint64_t before = m.applied;
    CHECK_EQ(schm_apply(&m, m.applied + 1, buf, (size_t)n, &rep), -EBADMSG);
    CHECK_EQ(m.applied, before + 1);
}

static void machine_dedup(void)
{
    schm_init(&m);
    struct sched_request r = place_cmd(9, 1, 100, 1, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    uint64_t first = rep.index;
    /* the retry reaches the log again: answered as the first time */
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(rep.index, first);
    CHECK_EQ(rep.node, 1);
    CHECK_EQ(rep.state, SCHED_PLACED);
    /* once it ran and exited, a retry still answers where it went */
    CHECK_EQ(apply_simple(SCHED_OP_EXITED, 100, 0, 0), 0);
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(rep.node, 1);
    CHECK_EQ(used_slots(&m), 0); /* and is not placed again */
    /* an older retry is refused; a forgotten client's too */
    r = place_cmd(9, 2, 101, 2, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    r = place_cmd(9, 1, 102, 2, "");
    CHECK_EQ(st_apply(&m, &r, &rep), -ESTALE);
    r = place_cmd(77, 5, 103, 2, "");
    CHECK_EQ(st_apply(&m, &r, &rep), -ESTALE);
    CHECK(!schm_find(&m, 102) && !schm_find(&m, 103));
    /* a failed write is remembered with its status */
    struct sched_request b = st_cmd(SCHED_OP_BIND);
    b.client = 9, b.seq = 3, b.req_id = 555, b.pid = 5;
    CHECK_EQ(st_apply(&m, &b, &rep), -ENOENT);
    CHECK_EQ(st_apply(&m, &b, &rep), -ENOENT);
}

static void machine_lifecycle(void)
{
    schm_init(&m);
    struct sched_request r = place_cmd(0, 0, 1, 2, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 9, 0, 200001), -ENOENT);
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 1, 0, 200001), 0);
    CHECK_EQ(rep.state, SCHED_RUNNING);
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 1, 0, 200001), 0);       /* again: fine */
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 1, 0, 200002), -EEXIST); /* another pid */
    /* another placement may not take a running pid */
    r = place_cmd(0, 0, 2, 2, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 2, 0, 200001), -EEXIST);
    /* pending: bind waits, PENDING_PLACED places it */
    r = place_cmd(0, 0, 3, 0, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(rep.state, SCHED_PENDING);
    CHECK_STR(rep.reason, "0/3 nodes: 3 cpu");
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 3, 0, 300001), -EAGAIN);
    struct sched_request pp = st_cmd(SCHED_OP_PENDING_PLACED);
    pp.req_id = 3, pp.node = 3, pp.score = 80;
    CHECK_EQ(st_apply(&m, &pp, &rep), 0);
    CHECK_EQ(rep.state, SCHED_PLACED);
    CHECK_STR(schm_find(&m, 3)->reason, "");
    CHECK_EQ(st_apply(&m, &pp, &rep), -EALREADY);
    CHECK_EQ(rep.node, 3);
    /* exits: by pid (on the wrong node: not found), by req_id with a wrong pid */
    CHECK_EQ(apply_simple(SCHED_OP_EXITED, 0, 3, 200001), -ENOENT);
    CHECK_EQ(apply_simple(SCHED_OP_EXITED, 1, 0, 999), -ESRCH);
    CHECK_EQ(apply_simple(SCHED_OP_EXITED, 0, 2, 200001), 0);
    CHECK_EQ(rep.req_id, 1);
    CHECK_EQ(rep.state, SCHED_FREE);
    CHECK(!schm_find(&m, 1));
    /* a pending request withdrawn */
    r = place_cmd(0, 0, 4, 0, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(apply_simple(SCHED_OP_EXITED, 4, 0, 0), 0);
    CHECK_EQ(apply_simple(SCHED_OP_EXITED, 4, 0, 0), -ENOENT);
    st_check_machine(&m);
}

/* A BIND that says where the process started: the placement is recorded
 * there; one the log never got (its PLACE was lost with a leader that had
 * answered early) is taken from the BIND. */
static void machine_bind_with_node(void)
{
    schm_init(&m);
    struct sched_request r = place_cmd(0, 0, 1, 2, "cpu=300");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    struct sched_request b = st_cmd(SCHED_OP_BIND);
    b.req_id = 1, b.pid = 300001, b.node = 3;
    CHECK_EQ(st_apply(&m, &b, &rep), 0);
    CHECK_EQ(schm_find(&m, 1)->node, 3);
    CHECK_EQ(schm_find(&m, 1)->spec.cpu_milli, 300); /* the PLACE's spec, not the BIND's */
    /* unknown to the log: a RUNNING placement of the BIND's spec */
    b = st_cmd(SCHED_OP_BIND);
    b.req_id = 2, b.pid = 400001, b.node = 4, b.spec = st_spec("cpu=700,label=app=web");
    CHECK_EQ(st_apply(&m, &b, &rep), 0);
    const struct sched_placement *p = schm_find(&m, 2);
    CHECK(p && p->state == SCHED_RUNNING && p->node == 4 && p->pid == 400001);
    CHECK_EQ(p->spec.cpu_milli, 700);
    CHECK_STR(p->spec.labels[0].value, "web");
    CHECK_EQ(st_apply(&m, &b, &rep), 0); /* again: the same */
    /* its PLACE, committed later by the next leader, changes nothing */
    r = place_cmd(0, 0, 2, 1, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(schm_find(&m, 2)->node, 4);
    CHECK_EQ(schm_find(&m, 2)->state, SCHED_RUNNING);
    /* a running pid cannot be taken by a new one; without node: ENOENT */
    b.req_id = 5;
    CHECK_EQ(st_apply(&m, &b, &rep), -EEXIST);
    CHECK(!schm_find(&m, 5));
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 6, 0, 500001), -ENOENT);
    st_check_machine(&m);
}

static void machine_node_lost(void)
{
    schm_init(&m);
    struct sched_request r = place_cmd(0, 0, 1, 2, "restart");
    char *argv[] = {"burn", "9", 0};
    CHECK_EQ(sched_cmd_from_argv(&r.cmd, 2, argv), 0);
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(schm_find(&m, 1)->restarts, 0);
    r = place_cmd(0, 0, 2, 2, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    r = place_cmd(0, 0, 3, 3, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 2, 0, 200002), 0);
    CHECK_EQ(apply_simple(SCHED_OP_NODE_LOST, 0, 2, 0), 0);
    CHECK_EQ(rep.count, 2);
    CHECK_EQ(schm_find(&m, 1)->state, SCHED_PENDING);
    CHECK_STR(schm_find(&m, 1)->reason, "restart");
    CHECK_EQ(schm_find(&m, 1)->node, 0);
    CHECK_EQ(schm_find(&m, 1)->restarts, 1);         /* the leader starts it now */
    CHECK_STR(schm_find(&m, 1)->cmd.bytes + 5, "9"); /* with its command */
    CHECK_EQ(schm_find(&m, 1)->cmd.len, 7);
    CHECK_EQ(schm_find(&m, 2)->state, SCHED_LOST);
    CHECK_EQ(schm_find(&m, 2)->pid, 200002);
    CHECK_EQ(schm_find(&m, 3)->state, SCHED_PLACED);
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 2, 0, 200002), -ESTALE);
    CHECK_EQ(apply_simple(SCHED_OP_NODE_LOST, 0, 2, 0), 0); /* again: nothing */
    CHECK_EQ(rep.count, 0);
    st_check_machine(&m);
}

/* A full table takes the oldest LOST slot, and refuses when none is LOST. */
static void machine_table_full(void)
{
    schm_init(&m);
    for (uint64_t i = 1; i <= SCHED_PLACEMENTS_MAX; i++) {
        struct sched_request r = place_cmd(0, 0, i, 1 + (uint32_t)(i % 3), "");
        CHECK_EQ(st_apply(&m, &r, &rep), 0);
    }
    struct sched_request r = place_cmd(0, 0, 1000, 1, "");
    CHECK_EQ(st_apply(&m, &r, &rep), -ENOSPC);
    CHECK_EQ(apply_simple(SCHED_OP_NODE_LOST, 0, 2, 0), 0); /* i % 3 == 1 */
    CHECK(rep.count > 0);
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK(!schm_find(&m, 1)); /* the first one lost on node 2 went */
    CHECK(schm_find(&m, 4) && schm_find(&m, 4)->state == SCHED_LOST);
    CHECK_EQ(used_slots(&m), SCHED_PLACEMENTS_MAX);
    st_check_machine(&m);
}

static void machine_moved(void)
{
    schm_init(&m);
    struct sched_request r = place_cmd(0, 0, 1, 2, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_EQ(apply_simple(SCHED_OP_BIND, 1, 0, 200001), 0);
    struct sched_request mv = st_cmd(SCHED_OP_MOVED);
    mv.pid = 200001, mv.node = 2, mv.to = 4;
    CHECK_EQ(st_apply(&m, &mv, &rep), 0);
    CHECK_EQ(schm_find(&m, 1)->node, 4);
    CHECK_EQ(st_apply(&m, &mv, &rep), 0); /* repeated: already there */
    mv.node = 1, mv.to = 3;
    CHECK_EQ(st_apply(&m, &mv, &rep), -ESTALE); /* it is on neither */
    mv.pid = 12345, mv.node = 1, mv.to = 2;
    CHECK_EQ(st_apply(&m, &mv, &rep), -ENOENT); /* not a placement's: recorded all the same */
    struct sched_request q = st_cmd(SCHED_OP_STATUS);
    q.list = SCHED_LIST_MOVES;
    schm_read(&m, &q, &rep);
    CHECK_EQ(rep.n, 2); /* the repeat and the stale one are not recorded */
    CHECK_EQ(rep.mv[0].to, 4);
    CHECK_EQ(rep.mv[1].pid, 12345);
    /* requests follow the placement */
    struct sched_node nodes[4];
    memset(nodes, 0, sizeof nodes);
    for (int i = 0; i < 4; i++)
        nodes[i].id = (uint32_t)i + 1;
    schm_fill_nodes(&m, nodes, 4);
    CHECK_EQ(nodes[3].cpu_req_milli, SCHED_DEFAULT_CPU_MILLI);
    CHECK_EQ(nodes[1].cpu_req_milli, 0);
}

static void machine_node_overrides(void)
{
    schm_init(&m);
    struct sched_request r = st_cmd(SCHED_OP_LABEL);
    r.node = 1;
    strcpy(r.kv.kv.key, "disk");
    strcpy(r.kv.kv.value, "nvme");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    strcpy(r.kv.kv.key, "zone");
    r.kv.kv.value[0] = 0;
    r.flags = SCHED_F_REMOVE;
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    strcpy(r.kv.kv.key, "gpu");
    r.flags = 0;
    strcpy(r.kv.kv.value, "yes");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    struct sched_request t = st_cmd(SCHED_OP_TAINT);
    t.node = 1;
    strcpy(t.kv.kv.key, "maint");
    t.kv.effect = SCHED_NO_EXECUTE;
    CHECK_EQ(st_apply(&m, &t, &rep), 0);
    CHECK_EQ(apply_simple(SCHED_OP_CORDON, 0, 1, 0), 0);
    /* node 1 booted with disk=ssd, zone=a, and a taint the log removes */
    struct sched_node nodes[2];
    memset(nodes, 0, sizeof nodes);
    nodes[0].id = 1;
    nodes[1].id = 2;
    CHECK_EQ(sched_labels_parse("disk=ssd,zone=a,rack=r1", nodes[0].labels, SCHED_NODE_LABELS,
                                &nodes[0].nlabels),
             0);
    nodes[0].ntaints = 1;
    strcpy(nodes[0].taints[0].kv.key, "old");
    nodes[0].taints[0].effect = SCHED_NO_SCHEDULE;
    strcpy(t.kv.kv.key, "old");
    t.flags = SCHED_F_REMOVE;
    t.kv.effect = 0;
    CHECK_EQ(st_apply(&m, &t, &rep), 0);
    schm_fill_nodes(&m, nodes, 2);
    CHECK(nodes[0].cordoned && !nodes[1].cordoned);
    CHECK_EQ(nodes[0].nlabels, 3);
    CHECK_STR(nodes[0].labels[0].key, "disk");
    CHECK_STR(nodes[0].labels[0].value, "nvme");
    CHECK_STR(nodes[0].labels[1].key, "rack");
    CHECK_STR(nodes[0].labels[2].key, "gpu");
    CHECK_EQ(nodes[0].ntaints, 1);
    CHECK_STR(nodes[0].taints[0].kv.key, "maint");
    CHECK_EQ(nodes[1].nlabels + nodes[1].ntaints, 0);
    CHECK_EQ(apply_simple(SCHED_OP_UNCORDON, 0, 1, 0), 0);
    CHECK(!m.nodes[0].cordoned);
    /* a node's overrides are bounded */
    r.flags = 0;
    for (int i = 0; i < SCHED_NODE_LABELS - 3; i++) {
        snprintf(r.kv.kv.key, sizeof r.kv.kv.key, "k%d", i);
        CHECK_EQ(st_apply(&m, &r, &rep), 0);
    }
    strcpy(r.kv.kv.key, "one-more");
    CHECK_EQ(st_apply(&m, &r, &rep), -ENOSPC);
    strcpy(r.kv.kv.key, "disk"); /* an existing key still changes */
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
}

static void machine_policy(void)
{
    schm_init(&m);
    struct sched_request r = st_cmd(SCHED_OP_POLICY);
    strcpy(r.name, "mosix");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_STR(m.policy, "mosix");
    CHECK_STR(rep.policy, "mosix");
    r = place_cmd(0, 0, 1, 1, "");
    CHECK_EQ(st_apply(&m, &r, &rep), 0);
    CHECK_STR(m.d[0].policy, "mosix");
}

static void machine_reads(void)
{
    schm_init(&m);
    for (uint64_t i = 1; i <= 10; i++) {
        struct sched_request r = place_cmd(0, 0, i, i % 2 ? 1 : 0, "");
        CHECK_EQ(st_apply(&m, &r, &rep), 0);
    }
    struct sched_request q = st_cmd(SCHED_OP_WAIT);
    q.req_id = 2;
    schm_read(&m, &q, &rep);
    CHECK_EQ(rep.status, 0);
    CHECK_EQ(rep.state, SCHED_PENDING);
    q.req_id = 42;
    schm_read(&m, &q, &rep);
    CHECK_EQ(rep.status, -ENOENT);
    /* pages of placements, then of decisions: all ten, in order, once */
    for (uint8_t list = SCHED_LIST_PLACEMENTS; list <= SCHED_LIST_DECISIONS; list++) {
        q = st_cmd(SCHED_OP_STATUS);
        q.list = list;
        uint64_t seen = 0;
        int pages = 0;
        do {
            schm_read(&m, &q, &rep);
            CHECK_EQ(rep.status, 0);
            CHECK_EQ(rep.list, list);
            for (int i = 0; i < rep.n; i++)
                CHECK_EQ(list == SCHED_LIST_PLACEMENTS ? rep.pl[i].req_id : rep.dec[i].req_id,
                         ++seen);
            uint8_t buf[SCHED_MSG_MAX];
            CHECK(sched_reply_encode(&rep, buf, sizeof buf) > 0);
            q.after = rep.next;
            pages++;
        } while (rep.more);
        CHECK_EQ(seen, 10);
        CHECK_EQ(pages, 3);
    }
    /* the decisions ring keeps the newest */
    for (uint64_t i = 11; i <= 50; i++) {
        struct sched_request r = place_cmd(0, 0, i, 1, "");
        CHECK_EQ(st_apply(&m, &r, &rep), 0);
    }
    q = st_cmd(SCHED_OP_STATUS);
    q.list = SCHED_LIST_DECISIONS;
    schm_read(&m, &q, &rep);
    CHECK_EQ(rep.dec[0].req_id, 50 - SCHED_DECISIONS + 1);
    /* a view's nodes, one a page */
    struct sched_node nodes[3];
    memset(nodes, 0, sizeof nodes);
    nodes[0].id = 1, nodes[1].id = 0, nodes[2].id = 3;
    nodes[2].nprocs_listed = 1;
    schm_read_nodes(&m, nodes, 3, 0, &rep);
    CHECK_EQ(rep.n, 1);
    CHECK_EQ(rep.nodes[0].id, 1);
    CHECK(rep.more);
    schm_read_nodes(&m, nodes, 3, rep.next, &rep);
    CHECK_EQ(rep.nodes[0].id, 3);
    CHECK_EQ(rep.nodes[0].nprocs_listed, 0);
    CHECK(!rep.more);
}

static void machine_bad_input(void)
{
    schm_init(&m);
    uint8_t junk[3] = {1, 2, 3};
    CHECK_EQ(schm_apply(&m, 1, junk, sizeof junk, &rep), -EBADMSG);
    CHECK_EQ(m.applied, 1);
    CHECK_EQ(schm_apply(&m, 1, junk, sizeof junk, &rep), -EINVAL); /* not after applied */
    CHECK_EQ(schm_apply(&m, 0, junk, sizeof junk, NULL), -EINVAL);
    CHECK_EQ(m.applied, 1);
    schm_skip(&m, 5);
    CHECK_EQ(m.applied, 5);
    schm_skip(&m, 3);
    CHECK_EQ(m.applied, 5);
    struct sched_request r = place_cmd(0, 0, 1, 1, "");
    uint8_t buf[SCHED_MSG_MAX];
    int n = sched_cmd_encode(&r, buf, sizeof buf);
    CHECK_EQ(schm_apply(&m, 6, buf, (size_t)n, NULL), 0); /* no reply wanted */
}

/* ---- random histories, replicas and snapshots ---------------------------------- */

static void machine_random_invariants(void)
{
    schm_init(&m);
    uint8_t buf[SCHED_MSG_MAX], out[SCHED_MSG_MAX];
    for (int i = 0; i < 5000; i++) {
        size_t len = st_random_command(&m, buf, sizeof buf);
        int rv = schm_apply(&m, m.applied + 1, buf, len, &rep);
        CHECK(rv <= 0 && rv == rep.status);
        CHECK(sched_reply_encode(&rep, out, sizeof out) > 0); /* every answer encodes */
        st_check_machine(&m);
        CHECK_OK();
    }
}

static void machine_replicas_agree(void)
{
    static uint8_t a[1 << 19], b[1 << 19];
    schm_init(&m);
    schm_init(&m2);
    uint8_t buf[SCHED_MSG_MAX];
    for (int i = 0; i < 3000; i++) {
        size_t len = st_random_command(&m, buf, sizeof buf);
        int r1 = schm_apply(&m, m.applied + 1, buf, len, NULL);
        int r2 = schm_apply(&m2, m2.applied + 1, buf, len, &rep);
        CHECK_EQ(r1, r2);
    }
    long na = schm_snapshot(&m, a, sizeof a), nb = schm_snapshot(&m2, b, sizeof b);
    CHECK(na > 0);
    CHECK_EQ(na, nb);
    CHECK(memcmp(a, b, (size_t)na) == 0);
}

static void machine_snapshot_round_trip(void)
{
    static uint8_t a[1 << 19], b[1 << 19];
    /* the empty machine, and one with only a one-letter policy */
    schm_init(&m);
    long n0 = schm_snapshot(&m, a, sizeof a);
    CHECK(n0 > 0);
    CHECK_EQ(schm_restore(&m2, a, (size_t)n0), 0);
    struct sched_request pol = st_cmd(SCHED_OP_POLICY);
    strcpy(pol.name, "x");
    CHECK_EQ(st_apply(&m, &pol, &rep), 0);
    n0 = schm_snapshot(&m, a, sizeof a);
    CHECK_EQ(schm_restore(&m2, a, (size_t)n0), 0);
    CHECK_STR(m2.policy, "x");
    for (int round = 0; round < 20; round++) {
        schm_init(&m);
        st_random_history(&m, (int)st_below(3000));
        CHECK_OK();
        long na = schm_snapshot(&m, a, sizeof a);
        CHECK(na > 0 && (size_t)na <= schm_snapshot_max());
        CHECK_EQ(schm_snapshot(&m, a, (size_t)na - 1), -EMSGSIZE);
        schm_init(&m2);
        CHECK_EQ(schm_restore(&m2, a, (size_t)na), 0);
        long nb = schm_snapshot(&m2, b, sizeof b);
        CHECK_EQ(na, nb);
        CHECK(memcmp(a, b, (size_t)na) == 0);
        /* the restored machine goes on exactly as the original */
        uint8_t buf[SCHED_MSG_MAX];
        for (int i = 0; i < 500; i++) {
            size_t len = st_random_command(&m, buf, sizeof buf);
            CHECK_EQ(schm_apply(&m, m.applied + 1, buf, len, NULL),
                     schm_apply(&m2, m2.applied + 1, buf, len, NULL));
        }
        na = schm_snapshot(&m, a, sizeof a);
        nb = schm_snapshot(&m2, b, sizeof b);
        CHECK(na == nb && memcmp(a, b, (size_t)na) == 0);
    }
    /* a full machine fits its bound */
    schm_init(&m);
    for (uint64_t i = 1; i <= SCHED_PLACEMENTS_MAX; i++) {
        struct sched_request r = place_cmd(i, 1, i, 0, "");
        r.spec = st_spec("cpu=1,sel=k23456789012345=v2345678901234567890123,"
                         "sel=a=b,sel=c=d,sel=e=f,tol=x,tol=y,tol=z,tol=w,"
                         "label=a=b,label=c=d,label=e=f,label=g=h,aff=a=b,anti=c=d,"
                         "spread=zone1234567890a,restart");
        memset(r.reason, 'r', SCHED_REASON_MAX - 1);
        r.cmd.len = SCHED_CMD_MAX;
        memset(r.cmd.bytes, 'c', SCHED_CMD_MAX - 1);
        r.cmd.bytes[SCHED_CMD_MAX - 1] = 0;
        CHECK_EQ(st_apply(&m, &r, &rep), 0);
    }
    long n = schm_snapshot(&m, a, sizeof a);
    CHECK(n > 0 && (size_t)n <= schm_snapshot_max());
}

static void put_crc(uint8_t *buf, size_t len)
{
    uint32_t crc = crc32c(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

/* Damage anywhere is refused and leaves the machine alone: by the CRC, and,
 * with the CRC made right again, by the checks of every field (or the
 * damage is a machine that snapshots to exactly those bytes). */
static void machine_restore_rejects_corrupt(void)
{
    static uint8_t a[1 << 19], b[1 << 19], held[1 << 19], now[1 << 19];
    schm_init(&m);
    st_random_history(&m, 400);
    CHECK_OK();
    long na = schm_snapshot(&m, a, sizeof a);
    CHECK(na > 0);
    schm_init(&m2);
    st_random_history(&m2, 50);
    long nheld = schm_snapshot(&m2, held, sizeof held); /* what m2 holds */
    int refused = 0;
    for (long k = 0; k < na; k++) {
        memcpy(b, a, (size_t)na);
        b[k] ^= (uint8_t)(1u << st_below(8));
        CHECK_EQ(schm_restore(&m2, b, (size_t)na), -EBADMSG); /* the CRC */
        if (k < na - 4) {
            put_crc(b, (size_t)na);
            if (schm_restore(&m2, b, (size_t)na) == 0) {
                /* accepted: then it is a machine that is exactly these bytes */
                nheld = schm_snapshot(&m2, held, sizeof held);
                CHECK(nheld == na && memcmp(b, held, (size_t)na) == 0);
            } else {
                refused++;
            }
        }
        long nn = schm_snapshot(&m2, now, sizeof now);
        CHECK(nn == nheld && memcmp(now, held, (size_t)nn) == 0); /* untouched */
    }
    CHECK(refused > na / 2); /* most damage is caught by a field check */
    for (long k = 0; k < na; k++)
        CHECK_EQ(schm_restore(&m2, a, (size_t)k), -EBADMSG);
    CHECK_EQ(schm_restore(&m2, a, (size_t)na), 0);
}

const struct st_test st_machine_tests[] = {
    {"machine_place_exactly_once", machine_place_exactly_once},
    {"machine_dedup", machine_dedup},
    {"machine_lifecycle", machine_lifecycle},
    {"machine_node_lost", machine_node_lost},
    {"machine_bind_with_node", machine_bind_with_node},
    {"machine_table_full", machine_table_full},
    {"machine_moved", machine_moved},
    {"machine_node_overrides", machine_node_overrides},
    {"machine_policy", machine_policy},
    {"machine_reads", machine_reads},
    {"machine_bad_input", machine_bad_input},
    {"machine_random_invariants", machine_random_invariants},
    {"machine_replicas_agree", machine_replicas_agree},
    {"machine_snapshot_round_trip", machine_snapshot_round_trip},
    {"machine_restore_rejects_corrupt", machine_restore_rejects_corrupt},
    {NULL, NULL},
};
