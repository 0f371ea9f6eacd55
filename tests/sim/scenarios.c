/* tests/sim/scenarios.c: the named simulator scenarios and the runner.
 *
 * Each scenario drives a fresh seeded cluster through a script of faults and
 * asserts liveness where Raft promises it; safety is checked after every
 * event by check.c and, at the end, the client history must be linearizable.
 *
 *   raft_sim [-l] [-s SUBSTR] [-seed N] [-n COUNT] [-w] [-k] [-v] [-q]
 *
 * runs every scenario whose name contains SUBSTR over seeds N..N+COUNT-1 and
 * prints `PASS name (k seeds)` or `FAIL name seed=S: reason` plus the trace
 * tail. -w multiplies COUNT by each scenario's weight; -k keeps running the
 * remaining seeds after a failure (soak). -v prints the whole trace of every
 * run (use it with one seed to replay a failure). The last line is
 * `P passed, F failed`. */
#include "tests/sim/sim.h"
#include "lib/errno.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void restart_all(struct sim *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->nodes[i] && !s->nodes[i]->up)
            sim_restart(s, i);
}

/* Heal everything, let the cluster settle, then judge the history. */
static void finish(struct sim *s)
{
    kv_clients_stop(s);
    sim_set_unreliable(s, false);
    sim_connect_all(s);
    restart_all(s);
    sim_run_for(s, 500); /* outstanding client operations complete or time out */
    sim_wait_converged(s, 5000);
    kv_finish(s);
}

static int wait_new_leader(struct sim *s, int not, uint64_t max_ms);

static int pick(struct sim *s, int not )
{
    int i;
    do
        i = (int)(sim_rand(s) % (uint64_t)s->n);
    while (i == not &&s->n > 1);
    return i;
}

static int up_count(struct sim *s)
{
    int k = 0;
    for (int i = 0; i < s->n; i++)
        k += s->nodes[i]->up;
    return k;
}

/* ---- elections ------------------------------------------------------------ */

static void sc_initial_election(struct sim *s)
{
    sim_start(s);
    int l = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l >= 0, "no leader elected within 3 s");
    uint64_t term = raft_term(&s->nodes[l]->r);
    sim_run_for(s, 1000);
    SIM_REQUIRE(s, sim_leader(s) == l && raft_term(&s->nodes[l]->r) == term,
                "leader or term changed on a quiet, reliable network");
    for (int i = 0; i < s->n; i++)
        SIM_REQUIRE(s, raft_leader(&s->nodes[i]->r) == (uint32_t)l + 1,
                    "n%d does not know the leader", i + 1);
    finish(s);
}

static void sc_reelection(struct sim *s)
{
    sim_start(s);
    int l1 = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l1 >= 0, "no initial leader");
    sim_isolate(s, l1);
    sim_run_for(s, 50);
    int l2 = -1;
    for (int t = 0; t < 300 && l2 < 0; t++) {
        sim_run_for(s, 10);
        for (int i = 0; i < s->n; i++)
            if (i != l1 && raft_role(&s->nodes[i]->r) == RAFT_LEADER)
                l2 = i;
    }
    SIM_REQUIRE(s, l2 >= 0, "no new leader after isolating n%d", l1 + 1);
    sim_connect_all(s);
    sim_run_for(s, 500);
    SIM_REQUIRE(s, raft_role(&s->nodes[l1]->r) != RAFT_LEADER || l1 == sim_leader(s),
                "old leader still leads a stale term");
    /* no quorum: no leader */
    int l = sim_leader(s);
    int other = pick(s, l);
    int keep[2] = {l, other};
    (void)keep;
    for (int i = 0; i < s->n; i++)
        if (i != l)
            sim_isolate(s, i);
    sim_run_for(s, 1000);
    SIM_REQUIRE(s, sim_leader(s) < 0, "a leader without a quorum (check-quorum failed)");
    sim_connect_all(s);
    SIM_REQUIRE(s, sim_wait_leader(s, 3000) >= 0, "no leader after healing");
    finish(s);
}

static void sc_many_elections(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 2, true);
    for (int round = 0; round < 8; round++) {
        int a = pick(s, -1), b = pick(s, a), c = pick(s, b);
        sim_isolate(s, a);
        sim_isolate(s, b);
        sim_isolate(s, c);
        sim_run_for(s, 200 + sim_rand(s) % 300);
        sim_connect_all(s);
        SIM_REQUIRE(s, sim_wait_leader(s, 3000) >= 0, "no leader after round %d", round);
    }
    finish(s);
}

/* ---- agreement -------------------------------------------------------------- */

static void sc_basic_agreement(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 3, true);
    sim_run_for(s, 1500);
    SIM_REQUIRE(s, s->ops_ok >= 30, "only %llu operations completed",
                (unsigned long long)s->ops_ok);
    finish(s);
}

static void sc_fail_follower(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 3, true);
    int l = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l >= 0, "no leader");
    sim_isolate(s, pick(s, l));
    uint64_t before = s->ops_ok;
    sim_run_for(s, 1000);
    SIM_REQUIRE(s, s->ops_ok >= before + 20, "no progress with one follower down");
    sim_connect_all(s);
    sim_run_for(s, 500);
    finish(s);
}

static void sc_no_quorum(struct sim *s)
{
    sim_start(s);
    int l = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l >= 0, "no leader");
    sim_run_for(s, 100);
    int down = 0;
    for (int i = 0; i < s->n && down < 3; i++)
        if (i != l) {
            sim_crash(s, i);
            down++;
        }
    uint64_t c0 = raft_commit(&s->nodes[l]->r), idx;
    for (int k = 0; k < 3; k++)
        sim_propose(s, l, k, 42 + k, &idx);
    sim_run_for(s, 1000);
    for (int i = 0; i < s->n; i++)
        SIM_REQUIRE(s, !s->nodes[i]->up || raft_commit(&s->nodes[i]->r) <= c0,
                    "n%d committed without a quorum", i + 1);
    restart_all(s);
    sim_wait_converged(s, 3000);
    finish(s);
}

static void sc_concurrent(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 8, true);
    sim_run_for(s, 1500);
    SIM_REQUIRE(s, s->ops_ok >= 100, "only %llu operations completed with 8 clients",
                (unsigned long long)s->ops_ok);
    finish(s);
}

static void sc_rejoin(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 2, true);
    int l1 = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l1 >= 0, "no leader");
    sim_isolate(s, l1);
    uint64_t idx;
    for (int k = 0; k < 3; k++)
        sim_propose(s, l1, k, 100 + k, &idx); /* never committed */
    /* split votes can repeat a few times: allow many election rounds */
    int l2 = wait_new_leader(s, l1, 3000);
    SIM_REQUIRE(s, l2 >= 0, "no new leader");
    sim_isolate(s, l2);
    for (int j = 0; j < s->n; j++) /* old leader rejoins the rest */
        if (j != l2)
            for (int k = 0; k < s->n; k++)
                if (k != l2)
                    s->link[j][k] = true;
    sim_run_for(s, 800);
    sim_connect_all(s);
    finish(s);
}

/* Lab 2B "backup": a leader with a minority accumulates many entries that a
 * new majority leader overwrites, then the roles swap again. */
static void sc_backup(struct sim *s)
{
    sim_start(s);
    int l = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l >= 0, "no leader");
    int f = pick(s, l);
    int minority[2] = {l, f};
    sim_partition(s, minority, 2);
    uint64_t idx;
    for (int k = 0; k < 60; k++)
        sim_propose(s, l, k % SIM_KEYS, 1000 + k, &idx);
    sim_run_for(s, 500);
    kv_clients_start(s, 3, false);
    sim_run_for(s, 1000);
    kv_clients_stop(s);
    int l2 = wait_new_leader(s, l, 3000);
    SIM_REQUIRE(s, l2 >= 0, "majority side has no leader");
    /* new minority: the majority leader and one more; old minority rejoins */
    int o = pick(s, l2);
    while (o == l || o == f)
        o = pick(s, l2);
    int grp[2] = {l2, o};
    sim_partition(s, grp, 2);
    for (int k = 0; k < 60; k++)
        sim_propose(s, l2, k % SIM_KEYS, 2000 + k, &idx);
    sim_run_for(s, 800);
    sim_connect_all(s);
    finish(s);
}

/* Steady state with a single client: messages per committed entry stay
 * bounded and an idle cluster sends only heartbeats. */
static void sc_steady_msgs(struct sim *s)
{
    sim_start(s);
    SIM_REQUIRE(s, sim_wait_leader(s, 3000) >= 0, "no leader");
    sim_run_for(s, 200);
    uint64_t m0 = s->msgs_sent;
    sim_run_for(s, 1000);
    uint64_t idle = s->msgs_sent - m0;
    uint64_t hb = 2 * (uint64_t)(s->n - 1) * (1000 / s->heartbeat_ms);
    SIM_REQUIRE(s, idle <= hb + 10, "idle cluster sent %llu messages in 1 s (heartbeats: %llu)",
                (unsigned long long)idle, (unsigned long long)hb);
    kv_clients_start(s, 1, false);
    sim_run_for(s, 100);
    uint64_t c0 = s->ops_ok;
    m0 = s->msgs_sent;
    sim_run_for(s, 1000);
    uint64_t ops = s->ops_ok - c0, msgs = s->msgs_sent - m0;
    SIM_REQUIRE(s, ops >= 20, "only %llu ops", (unsigned long long)ops);
    /* one append and one response per follower per entry, plus heartbeats;
     * entries in flight at either end of the window add a few */
    SIM_REQUIRE(s, msgs <= (ops + 2) * 2 * (uint64_t)(s->n - 1) + hb + 10,
                "%llu messages for %llu entries", (unsigned long long)msgs,
                (unsigned long long)ops);
    finish(s);
}

/* ---- persistence ------------------------------------------------------------ */

static void crash_rounds(struct sim *s, int rounds, int max_down, bool unreliable)
{
    sim_start(s);
    sim_set_unreliable(s, unreliable);
    kv_clients_start(s, 3, true);
    for (int r = 0; r < rounds; r++) {
        sim_run_for(s, 100 + sim_rand(s) % 300);
        int k = 1 + (int)(sim_rand(s) % (uint64_t)max_down);
        for (int j = 0; j < k; j++)
            sim_crash(s, pick(s, -1));
        sim_run_for(s, sim_rand(s) % 300);
        restart_all(s);
    }
    finish(s);
}

static void sc_persist_one(struct sim *s) { crash_rounds(s, 8, 1, false); }
static void sc_persist_several(struct sim *s) { crash_rounds(s, 8, 3, false); }

static void sc_persist_all(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 3, true);
    for (int r = 0; r < 5; r++) {
        sim_run_for(s, 200 + sim_rand(s) % 300);
        for (int i = 0; i < s->n; i++)
            sim_crash(s, i);
        sim_run_for(s, 50 + sim_rand(s) % 200);
        restart_all(s);
    }
    finish(s);
}

/* ---- Figure 8 (thesis Figure 3.7) ------------------------------------------ */

static void figure8(struct sim *s, bool unreliable)
{
    sim_start(s);
    sim_set_unreliable(s, unreliable);
    kv_clients_start(s, 3, true);
    for (int it = 0; it < 40; it++) {
        int l = sim_leader(s);
        if (l >= 0) { /* a burst longer than one AppendEntries batch */
            uint64_t idx, n = 1 + sim_rand(s) % 40;
            for (uint64_t k = 0; k < n; k++)
                sim_propose(s, l, (int)(k % SIM_KEYS), 100000 + it * 100 + (int64_t)k, &idx);
        }
        sim_run_for(s, sim_rand(s) % 100 < 10 ? 100 + sim_rand(s) % 400 : sim_rand(s) % 15);
        if (l >= 0 && s->nodes[l]->up && sim_rand(s) % 2)
            sim_crash(s, l);
        if (unreliable && sim_rand(s) % 8 == 0)
            sim_partition_random(s);
        if (unreliable && sim_rand(s) % 8 == 0)
            sim_connect_all(s);
        if (up_count(s) < (s->n + 1) / 2 + 0) {
            int i = pick(s, -1);
            while (s->nodes[i]->up)
                i = pick(s, -1);
            sim_restart(s, i);
        }
    }
    finish(s);
}

static void sc_figure8(struct sim *s) { figure8(s, false); }

/* Figure 8 (thesis Figure 3.7) played step by step, with tails longer than
 * one AppendEntries batch: (a) leader L1 replicates a long tail to one
 * follower only; (b) L2 wins the next term and appends its own tail, seen by
 * no one; (c) a holder of L1's tail wins, re-replicates the old-term tail and
 * is cut off the moment its commit index moves; (d) L2 comes back and may win
 * with its newer last term. If (c) committed an old-term entry by counting
 * replicas, L2 now leads without it. */
static int wait_new_leader(struct sim *s, int not, uint64_t max_ms)
{
    for (uint64_t t = 0; t < max_ms; t++) {
        int l = sim_leader(s);
        if (l >= 0 && l != not )
            return l;
        sim_run_for(s, 1);
    }
    return -1;
}

static void sc_figure8_script(struct sim *s)
{
    uint64_t idx;
    s->delay_min = 2; /* so a step of 1 ms can cut messages still in flight */
    sim_start(s);
    int l1 = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l1 >= 0, "no leader");
    sim_run_for(s, 50);
    /* (a) */
    int a = pick(s, l1), grp[2] = {l1, a};
    sim_partition(s, grp, 2);
    for (int k = 0; k < 40; k++)
        sim_propose(s, l1, k % SIM_KEYS, 300000 + k, &idx);
    sim_run_for(s, 30);
    sim_crash(s, l1);
    sim_isolate(s, a);
    /* (b) */
    int l2 = wait_new_leader(s, l1, 2000);
    SIM_REQUIRE(s, l2 >= 0, "(b) no leader on the majority side");
    sim_isolate(s, l2);
    for (int k = 0; k < 40; k++)
        sim_propose(s, l2, k % SIM_KEYS, 400000 + k, &idx);
    sim_run_for(s, 5);
    sim_crash(s, l2);
    /* (c) L1 returns; with a and l2 away it is the only possible winner */
    sim_connect_all(s);
    sim_isolate(s, a);
    sim_restart(s, l1);
    int l3 = wait_new_leader(s, -1, 3000);
    SIM_REQUIRE(s, l3 == l1, "(c) n%d won instead of n%d", l3 + 1, l1 + 1);
    uint64_t c0 = raft_commit(&s->nodes[l3]->r);
    for (int t = 0; t < 300 && raft_commit(&s->nodes[l3]->r) == c0; t++)
        sim_run_for(s, 1);
    sim_isolate(s, l3); /* cut its messages still in flight, then crash it */
    sim_crash(s, l3);
    /* (d) L2 returns: it can win only if no majority holds L1's new entry */
    sim_restart(s, l2);
    sim_run_for(s, 1000);
    finish(s);
}

/* Figure 8 with divergent tails longer than one AppendEntries batch: pairs
 * of nodes are cut off with a leader that accumulates entries, so a later
 * leader holds many entries of an older term and must not commit them by
 * counting replicas (§3.6.2). */
static void sc_figure8_deep(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 2, true);
    for (int it = 0; it < 30; it++) {
        int l = sim_leader(s);
        if (l >= 0) {
            int f = pick(s, l), grp[2] = {l, f};
            if (sim_rand(s) % 2)
                sim_partition(s, grp, 1 + (int)(sim_rand(s) % 2));
            uint64_t idx, n = 10 + sim_rand(s) % 50;
            for (uint64_t k = 0; k < n; k++)
                sim_propose(s, l, (int)(k % SIM_KEYS), 200000 + it * 100 + (int64_t)k, &idx);
            sim_run_for(s, sim_rand(s) % 10);
            sim_crash(s, l);
        }
        sim_connect_all(s);
        sim_run_for(s, sim_rand(s) % 300);
        for (int i = 0; i < s->n; i++)
            if (!s->nodes[i]->up && sim_rand(s) % 2)
                sim_restart(s, i);
        if (up_count(s) < 3)
            restart_all(s);
    }
    finish(s);
}
static void sc_figure8_unreliable(struct sim *s) { figure8(s, true); }

static void sc_unreliable_agreement(struct sim *s)
{
    sim_start(s);
    sim_set_unreliable(s, true);
    kv_clients_start(s, 4, true);
    sim_run_for(s, 2500);
    SIM_REQUIRE(s, s->ops_ok >= 20, "only %llu operations on an unreliable network",
                (unsigned long long)s->ops_ok);
    finish(s);
}

/* Lab 2C churn: crash, restart, partition and heal at random under load. */
static void churn(struct sim *s, bool unreliable)
{
    sim_start(s);
    sim_set_unreliable(s, unreliable);
    kv_clients_start(s, 4, true);
    for (int it = 0; it < 25; it++) {
        sim_run_for(s, sim_rand(s) % 150);
        uint64_t r = sim_rand(s) % 100;
        if (r < 20)
            sim_crash(s, pick(s, -1));
        else if (r < 45)
            restart_all(s);
        else if (r < 60)
            sim_partition_random(s);
        else if (r < 75)
            sim_connect_all(s);
    }
    finish(s);
}

static void sc_churn(struct sim *s) { churn(s, false); }
static void sc_churn_unreliable(struct sim *s) { churn(s, true); }

static void sc_partitions(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 4, true);
    for (int it = 0; it < 10; it++) {
        sim_run_for(s, 50 + sim_rand(s) % 250);
        sim_partition_random(s);
        sim_run_for(s, 100 + sim_rand(s) % 300);
        sim_connect_all(s);
    }
    finish(s);
}

/* ReadIndex: an isolated leader must not answer reads on its own. Without
 * check-quorum it keeps believing it leads, so only the heartbeat round
 * protects its readers. */
static void read_isolated_leader(struct sim *s, bool cq)
{
    s->check_quorum = cq;
    s->pre_vote = sim_rand(s) % 2;
    sim_start(s);
    kv_clients_start(s, 5, true);
    for (int it = 0; it < 8; it++) {
        sim_run_for(s, 100 + sim_rand(s) % 200);
        int l = sim_leader(s);
        if (l >= 0)
            sim_isolate(s, l);
        sim_run_for(s, 200 + sim_rand(s) % 300);
        sim_connect_all(s);
    }
    finish(s);
}

static void sc_read_isolated_leader(struct sim *s) { read_isolated_leader(s, false); }
static void sc_read_isolated_leader_cq(struct sim *s) { read_isolated_leader(s, true); }

/* Elections without pre-vote or check-quorum while voters crash right after
 * granting a vote: a vote that was not durable would be given twice. */
static void sc_vote_crash(struct sim *s)
{
    s->pre_vote = false;
    s->check_quorum = false;
    s->crash_after_vote_pct = 50;
    sim_start(s);
    sim_set_unreliable(s, true);
    kv_clients_start(s, 2, true);
    for (int it = 0; it < 10; it++) {
        sim_run_for(s, 100 + sim_rand(s) % 200);
        int l = sim_leader(s);
        if (l >= 0)
            sim_crash(s, l);
        sim_run_for(s, 50 + sim_rand(s) % 200);
        restart_all(s);
    }
    s->crash_after_vote_pct = 0;
    finish(s);
}

/* ---- snapshots ---------------------------------------------------------------- */

static void sc_snapshot_lagging(struct sim *s)
{
    s->compact_every = 16;
    sim_start(s);
    kv_clients_start(s, 4, true);
    int l = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l >= 0, "no leader");
    int f = pick(s, l);
    sim_crash(s, f);
    sim_run_for(s, 1500);
    l = wait_new_leader(s, f, 3000);
    SIM_REQUIRE(s, l >= 0 && raft_snap_index(&s->nodes[l]->r) > s->nodes[f]->disk.first + 16,
                "leader did not compact past the lagging follower");
    sim_restart(s, f);
    sim_run_for(s, 800);
    finish(s);
    SIM_REQUIRE(s, s->nodes[f]->disk.snap_index > 0, "n%d caught up without a snapshot", f + 1);
}

static void sc_snapshot_crash_install(struct sim *s)
{
    s->compact_every = 16;
    sim_start(s);
    kv_clients_start(s, 4, true);
    int l = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l >= 0, "no leader");
    int f = pick(s, l);
    for (int round = 0; round < 3; round++) {
        sim_crash(s, f);
        sim_run_for(s, 600);
        sim_restart(s, f);
        uint64_t before = raft_snap_index(&s->nodes[f]->r);
        /* crash as soon as the snapshot arrives, before or while it is written */
        for (int t = 0; t < 2000; t++) {
            sim_run_for(s, 1);
            if (raft_snap_index(&s->nodes[f]->r) > before) {
                sim_run_for(s, sim_rand(s) % 4);
                break;
            }
        }
        sim_crash(s, f);
        sim_run_for(s, 50);
        sim_restart(s, f);
        sim_run_for(s, 300);
    }
    finish(s);
}

/* A ring of 48 slots: the leader runs into flow control (-EAGAIN, -ENOSPC),
 * followers take only what fits, and compaction every 6 entries must keep
 * things moving through crashes and partitions. */
static void sc_small_ring(struct sim *s)
{
    s->ring_cap = 48;
    s->compact_every = 6;
    sim_start(s);
    sim_set_unreliable(s, sim_rand(s) % 2);
    kv_clients_start(s, 6, true);
    for (int it = 0; it < 12; it++) {
        sim_run_for(s, 100 + sim_rand(s) % 200);
        int l = sim_leader(s);
        if (l >= 0) { /* more than the ring holds */
            uint64_t idx;
            for (int k = 0; k < 50; k++)
                if (sim_propose(s, l, k % SIM_KEYS, 600000 + it * 100 + k, &idx))
                    break;
        }
        uint64_t r = sim_rand(s) % 4;
        if (r == 0)
            sim_crash(s, pick(s, -1));
        else if (r == 1)
            sim_partition_random(s);
        else
            restart_all(s), sim_connect_all(s);
    }
    finish(s);
}

/* ---- membership and transfer --------------------------------------------------- */

static int change(struct sim *s, uint32_t id, uint8_t role)
{
    for (int t = 0; t < 300; t++) {
        int l = sim_leader(s);
        if (l >= 0) {
            uint64_t idx;
            int rv = raft_change(&s->nodes[l]->r, id, role, &idx);
            sim_node_ready(s, s->nodes[l]);
            if (rv == 0) {
                sim_tracef(s, "membership: n%u -> %s", id,
                           role == RAFT_VOTER     ? "voter"
                           : role == RAFT_LEARNER ? "learner"
                                                  : "removed");
                return 0;
            }
            if (rv == -EINVAL)
                return rv;
        }
        sim_run_for(s, 10);
    }
    return -1;
}

static void wait_caught_up(struct sim *s, uint32_t id)
{
    for (int t = 0; t < 300; t++) {
        int l = sim_leader(s);
        if (l >= 0 && raft_match(&s->nodes[l]->r, id) + 2 >= raft_last_index(&s->nodes[l]->r))
            return;
        sim_run_for(s, 10);
    }
}

static void sc_membership(struct sim *s)
{
    s->check_durable = false;
    s->compact_every = 32;
    sim_start(s);
    sim_set_unreliable(s, sim_rand(s) % 2);
    kv_clients_start(s, 3, true);
    sim_run_for(s, 300);
    for (int round = 0; round < 4; round++) {
        if (s->n < 6) { /* grow: learner first, then promote (thesis §4.2.1) */
            int i = sim_add_node(s);
            SIM_REQUIRE(s, change(s, (uint32_t)i + 1, RAFT_LEARNER) == 0, "cannot add learner");
            wait_caught_up(s, (uint32_t)i + 1);
            if (sim_rand(s) % 3 == 0) {
                sim_crash(s, pick(s, -1));
                sim_run_for(s, 100);
                restart_all(s);
            }
            SIM_REQUIRE(s, change(s, (uint32_t)i + 1, RAFT_VOTER) == 0, "cannot promote");
        }
        sim_run_for(s, 200);
        /* shrink: remove a random voter, sometimes the leader itself */
        int l = sim_leader(s);
        const struct raft_conf *c = l >= 0 ? raft_conf(&s->nodes[l]->r) : NULL;
        if (c && c->n > 3) {
            uint32_t victim = c->m[sim_rand(s) % c->n].id;
            if (change(s, victim, RAFT_REMOVE) == 0) {
                sim_run_for(s, 300);
                s->nodes[victim - 1]->member = false;
            }
        }
        if (sim_rand(s) % 2)
            sim_partition_random(s);
        sim_run_for(s, 300);
        sim_connect_all(s);
        restart_all(s);
        sim_run_for(s, 200);
    }
    finish(s);
}

static void sc_transfer(struct sim *s)
{
    sim_start(s);
    kv_clients_start(s, 4, true);
    int moved = 0;
    for (int it = 0; it < 8; it++) {
        sim_run_for(s, 200);
        int l = sim_leader(s);
        if (l < 0)
            continue;
        int to = pick(s, l);
        int rv = raft_transfer(&s->nodes[l]->r, (uint32_t)to + 1);
        sim_node_ready(s, s->nodes[l]);
        if (rv)
            continue;
        sim_tracef(s, "transfer n%d -> n%d", l + 1, to + 1);
        sim_run_for(s, 150);
        moved += sim_leader(s) == to;
    }
    SIM_REQUIRE(s, moved >= 4, "only %d of 8 leadership transfers took effect", moved);
    finish(s);
}

/* Fast start (raft_campaign): one voter campaigns as soon as the cluster is
 * up and is leader within a few message delays, long before any election
 * timer ([100, 200) ms here) could fire; then the usual checks. */
static void sc_fast_start(struct sim *s)
{
    sim_start(s);
    uint64_t t0 = s->now;
    SIM_REQUIRE(s, raft_campaign(&s->nodes[0]->r) == 0, "n1 may not campaign");
    sim_node_ready(s, s->nodes[0]);
    SIM_REQUIRE(s, raft_campaign(&s->nodes[0]->r) == -EBUSY, "n1 campaigned twice");
    int l = sim_wait_leader(s, 3000);
    SIM_REQUIRE(s, l == 0, "n%d leads, not n1", l + 1);
    SIM_REQUIRE(s, s->now - t0 < 60, "elected after %llu ms", (unsigned long long)(s->now - t0));
    sim_run_for(s, 30); /* a heartbeat: every follower knows the leader */
    SIM_REQUIRE(s, raft_campaign(&s->nodes[1]->r) == -EBUSY, "n2 campaigns under a leader");
    kv_clients_start(s, 3, true);
    sim_run_for(s, 500);
    finish(s);
}

/* Every voter campaigns at the same instant, again and again, under loss:
 * never two leaders in a term (the checker), and a leader in the end. */
static void sc_fast_start_all(struct sim *s)
{
    sim_start(s);
    sim_set_unreliable(s, true);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < s->n; i++) {
            raft_campaign(&s->nodes[i]->r);
            sim_node_ready(s, s->nodes[i]);
        }
        sim_run_for(s, 20 + sim_rand(s) % 100);
    }
    sim_set_unreliable(s, false);
    SIM_REQUIRE(s, sim_wait_leader(s, 3000) >= 0, "no leader");
    kv_clients_start(s, 3, true);
    sim_run_for(s, 500);
    finish(s);
}

/* ---- lease reads (docs/raft.md, "Lease reads") ------------------------------- */

/* Clock rates within +-10% of real time: the lease is election_ms x 0.9 / 1.1. */
#define LEASE_DRIFT_PM 100

static void lease_on(struct sim *s)
{
    s->lease_read_ms = s->election_ms * (1000 - LEASE_DRIFT_PM) / (1000 + LEASE_DRIFT_PM);
}

/* Lease reads under everything that could make one stale: clocks drifting
 * apart within the bound, the leader cut off or paused (a stopped VM: its
 * clock jumps when it resumes), partitions, crashes and restarts, loss. */
static void sc_lease_reads(struct sim *s)
{
    lease_on(s);
    sim_start(s);
    sim_set_drift(s, LEASE_DRIFT_PM);
    kv_clients_start(s, 5, true);
    for (int it = 0; it < 12; it++) {
        sim_run_for(s, 60 + sim_rand(s) % 200);
        int l = sim_leader(s);
        uint64_t r = sim_rand(s) % 100;
        if (r < 30 && l >= 0)
            sim_isolate(s, l);
        else if (r < 60)
            sim_pause(s, l >= 0 && r < 50 ? l : pick(s, -1), 30 + sim_rand(s) % 300);
        else if (r < 70)
            sim_partition_random(s);
        else if (r < 80)
            sim_crash(s, pick(s, -1));
        else if (r < 90)
            restart_all(s);
        else
            sim_set_unreliable(s, sim_rand(s) % 2);
        sim_run_for(s, 50 + sim_rand(s) % 250);
        if (sim_rand(s) % 2)
            sim_connect_all(s);
    }
    SIM_REQUIRE(s, s->gets_at_once > 0, "no read was served on a lease");
    finish(s);
}

/* The leader's lease against the first moment another server could win an
 * election: f2 stops hearing from the leader (with clients only reading, its
 * log stays as up to date as anyone's, so it could win) and campaigns on its
 * timer; f1 still acknowledges rounds, then is cut off from the leader too.
 * From then on f2 wins as soon as f1 votes for it, and the checker (LEASE
 * SAFETY, check.c) fails the run if the old leader still trusts its lease.
 *   drift:   the leader's clock runs 10% slow and the others' 10% fast, the
 *            worst the lease allows for (election_ms x 0.9 / 1.1);
 *   restart: f1 restarts right before it is cut off: it must not vote until
 *            an election timeout has passed (it may have acknowledged a round
 *            just before it stopped). */
static void lease_cut(struct sim *s, bool drift, bool restart)
{
    lease_on(s);
    sim_start(s);
    kv_clients_start(s, 4, true);
    for (int it = 0; it < 6; it++) {
        s->gets_only = false;
        sim_connect_all(s);
        restart_all(s);
        sim_run_for(s, 150);
        int l = sim_leader(s);
        if (l < 0)
            continue;
        int f1 = pick(s, l), f2;
        do
            f2 = pick(s, l);
        while (f2 == f1);
        if (drift)
            for (int i = 0; i < s->n; i++) {
                sim_node_clock(s, s->nodes[i]);
                s->nodes[i]->rate_pm = i == l ? -LEASE_DRIFT_PM : LEASE_DRIFT_PM;
            }
        s->gets_only = true;
        sim_run_for(s, 10); /* writes in flight land everywhere */
        s->link[l][f2] = s->link[f2][l] = false;
        sim_tracef(s, "n%d cut off from leader n%d", f2 + 1, l + 1);
        sim_run_for(s, sim_rand(s) % (2 * s->election_ms));
        if (restart) {
            sim_crash(s, f1);
            sim_restart(s, f1);
        }
        s->link[l][f1] = s->link[f1][l] = false;
        sim_tracef(s, "n%d cut off from leader n%d", f1 + 1, l + 1);
        sim_run_for(s, 3 * s->election_ms);
    }
    s->gets_only = false;
    finish(s);
}

static void sc_lease_reads_restart(struct sim *s) { lease_cut(s, false, true); }
static void sc_lease_reads_drift(struct sim *s) { lease_cut(s, true, false); }

/* With the lease, reads cost no round: most are answered in the instant
 * they are asked, against none with ReadIndex (a round takes a message
 * delay), with the same seed. */
static void sc_lease_reads_fast(struct sim *s)
{
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) { /* a fresh cluster, same seed, lease on */
            uint64_t seed = s->seed;
            bool live = s->trace_live;
            jmp_buf back;
            memcpy(back, s->fail_jmp, sizeof back);
            sim_free(s);
            sim_init(s, seed, 3);
            memcpy(s->fail_jmp, back, sizeof back);
            s->trace_live = live;
            lease_on(s);
        }
        s->delay_min = 2;
        s->delay_max = 4;
        sim_start(s);
        SIM_REQUIRE(s, sim_wait_leader(s, 3000) >= 0, "no leader");
        kv_clients_start(s, 4, true);
        sim_run_for(s, 1000);
        uint64_t done = s->gets_done, once = s->gets_at_once;
        SIM_REQUIRE(s, done > 50, "only %llu reads", (unsigned long long)done);
        if (pass == 0)
            SIM_REQUIRE(s, once == 0, "%llu of %llu reads without a round, and no lease",
                        (unsigned long long)once, (unsigned long long)done);
        else
            SIM_REQUIRE(s, once * 10 >= done * 8, "only %llu of %llu reads on the lease",
                        (unsigned long long)once, (unsigned long long)done);
        finish(s);
    }
}

/* ---- runner ----------------------------------------------------------------- */

struct scenario {
    const char *name;
    int nodes;
    void (*run)(struct sim *s);
    int weight; /* relative seed count in a sweep */
};

/* ---- follower reads (docs/raft.md, "Follower reads") --------------------------- */

/* Clients read at any server: a follower asks the leader for a read index
 * and serves once it applied it. Under partitions, crashes, restarts and
 * loss, with writes going on, every read must still be linearizable: a
 * follower cut off from its leader (or behind it) must not answer from its
 * own state. */
static void follower_reads(struct sim *s, bool lease)
{
    s->follower_reads = true;
    if (lease)
        lease_on(s);
    sim_start(s);
    kv_clients_start(s, 5, true);
    for (int it = 0; it < 10; it++) {
        sim_run_for(s, 60 + sim_rand(s) % 200);
        int l = sim_leader(s);
        uint64_t r = sim_rand(s) % 100;
        if (r < 25)
            sim_isolate(s, pick(s, l)); /* a follower cut off (or the leader, if none) */
        else if (r < 45 && l >= 0)
            sim_isolate(s, l);
        else if (r < 65)
            sim_partition_random(s);
        else if (r < 80)
            sim_crash(s, pick(s, -1));
        else
            sim_set_unreliable(s, sim_rand(s) % 2);
        sim_run_for(s, 80 + sim_rand(s) % 250);
        sim_connect_all(s);
    }
    SIM_REQUIRE(s, s->follower_gets > 0, "no read was served by a follower");
    finish(s);
}

static void sc_follower_reads(struct sim *s) { follower_reads(s, false); }
static void sc_follower_reads_lease(struct sim *s) { follower_reads(s, true); }

static const struct scenario scenarios[] = {
    {"initial_election", 3, sc_initial_election, 1},
    {"fast_start", 3, sc_fast_start, 1},
    {"fast_start_all", 5, sc_fast_start_all, 1},
    {"reelection", 3, sc_reelection, 1},
    {"many_elections", 7, sc_many_elections, 1},
    {"basic_agreement", 3, sc_basic_agreement, 1},
    {"fail_follower", 3, sc_fail_follower, 1},
    {"no_quorum", 5, sc_no_quorum, 1},
    {"concurrent_proposals", 3, sc_concurrent, 1},
    {"rejoin_leader", 3, sc_rejoin, 1},
    {"backup", 5, sc_backup, 1},
    {"steady_msgs", 3, sc_steady_msgs, 1},
    {"persist_one", 3, sc_persist_one, 2},
    {"persist_several", 5, sc_persist_several, 2},
    {"persist_all", 3, sc_persist_all, 2},
    {"figure8", 5, sc_figure8, 3},
    {"figure8_unreliable", 5, sc_figure8_unreliable, 3},
    {"figure8_deep", 5, sc_figure8_deep, 3},
    {"figure8_script", 5, sc_figure8_script, 3},
    {"unreliable_agreement", 5, sc_unreliable_agreement, 1},
    {"churn", 5, sc_churn, 3},
    {"churn_unreliable", 5, sc_churn_unreliable, 3},
    {"partitions", 5, sc_partitions, 2},
    {"read_isolated_leader", 5, sc_read_isolated_leader, 2},
    {"read_isolated_leader_cq", 5, sc_read_isolated_leader_cq, 1},
    {"vote_crash", 3, sc_vote_crash, 2},
    {"snapshot_lagging", 3, sc_snapshot_lagging, 1},
    {"snapshot_crash_install", 3, sc_snapshot_crash_install, 2},
    {"small_ring", 5, sc_small_ring, 2},
    {"membership", 3, sc_membership, 2},
    {"transfer", 5, sc_transfer, 1},
    {"lease_reads", 5, sc_lease_reads, 3},
    {"lease_reads_restart", 3, sc_lease_reads_restart, 2},
    {"lease_reads_drift", 3, sc_lease_reads_drift, 2},
    {"lease_reads_fast", 3, sc_lease_reads_fast, 1},
    {"follower_reads", 5, sc_follower_reads, 3},
    {"follower_reads_lease", 3, sc_follower_reads_lease, 2},
};
#define N_SCENARIOS (int)(sizeof scenarios / sizeof scenarios[0])

/* Run one seed. Returns true on success; on failure leaves s->fail set. */
static bool run_one(const struct scenario *sc, uint64_t seed, bool live, struct sim *s)
{
    sim_init(s, seed, sc->nodes);
    s->trace_live = live;
    if (setjmp(s->fail_jmp))
        return false;
    sc->run(s);
    return true;
}

int main(int argc, char **argv)
{
    const char *filter = "";
    uint64_t seed = 1, count = 1;
    bool live = false, quiet = false, list = false, weighted = false, keep_going = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-s") && i + 1 < argc)
            filter = argv[++i];
        else if (!strcmp(argv[i], "-seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            count = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-w"))
            weighted = true; /* -n is per unit weight */
        else if (!strcmp(argv[i], "-k"))
            keep_going = true; /* run every seed even after a failure */
        else if (!strcmp(argv[i], "-v"))
            live = true;
        else if (!strcmp(argv[i], "-q"))
            quiet = true;
        else if (!strcmp(argv[i], "-l"))
            list = true;
        else {
            fprintf(stderr, "usage: %s [-l] [-s SUBSTR] [-seed N] [-n COUNT] [-w] [-k] [-v] [-q]\n",
                    argv[0]);
            return 2;
        }
    }
    int passed = 0, failed = 0;
    struct sim *s = malloc(sizeof *s);
    for (int k = 0; k < N_SCENARIOS; k++) {
        const struct scenario *sc = &scenarios[k];
        if (!strstr(sc->name, filter))
            continue;
        if (list) {
            printf("%s\n", sc->name);
            continue;
        }
        uint64_t n = weighted ? count * (uint64_t)sc->weight : count, ok = 0, steps = 0;
        uint64_t bad = 0;
        for (uint64_t sd = seed; sd < seed + n; sd++) {
            if (!run_one(sc, sd, live, s)) {
                printf("FAIL %s seed=%llu: %s\n", sc->name, (unsigned long long)sd, s->fail);
                if (!live && !bad) {
                    printf("  trace tail (replay: build/host/raft_sim -s %s -seed %llu -v):\n",
                           sc->name, (unsigned long long)sd);
                    sim_print_trace(s, 40);
                }
                sim_free(s);
                bad++;
                if (!keep_going)
                    break;
                continue;
            }
            steps += s->steps;
            ok++;
            sim_free(s);
        }
        if (bad) {
            failed++;
            if (keep_going)
                printf("  %s: %llu of %llu seeds failed\n", sc->name, (unsigned long long)bad,
                       (unsigned long long)n);
        } else {
            passed++;
            if (!quiet)
                printf("PASS %s (%llu seeds from %llu, %llu events)\n", sc->name,
                       (unsigned long long)ok, (unsigned long long)seed, (unsigned long long)steps);
        }
        fflush(stdout);
    }
    free(s);
    if (!list)
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
