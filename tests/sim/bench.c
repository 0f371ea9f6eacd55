/* tests/sim/bench.c: `make raft-bench`. Figures, not tests:
 *
 *  1. committed entries per second through the core: 3 nodes in one process,
 *     zero network latency and instant disks, every message encoded and
 *     decoded; the leader is kept fed with proposals. This is the core's own
 *     ceiling on this machine.
 *  2. bytes of memory per log entry (the ring slot) and per node.
 *  3. messages per committed entry in steady state, from the simulator with a
 *     reliable network, for one client and for eight concurrent clients. */
#define _POSIX_C_SOURCE 200809L
#include "tests/sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 3
#define RING 1024

static struct raft nodes[N];
static struct raft_entry rings[N][RING];
static uint8_t snaps[N][64];
static uint64_t applied[N], msgs;

struct qmsg {
    int to;
    size_t len;
    uint8_t buf[4096];
};
static struct qmsg *q;
static size_t qh, qt, qcap = 4096; /* never more than a few hundred queued */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pump(int i)
{
    struct raft_ready rd;
    raft_ready(&nodes[i], &rd);
    if (rd.apply_from)
        applied[i] = rd.apply_to;
    for (uint32_t k = 0; k < rd.n_msgs; k++) {
        struct qmsg *m = &q[qt++ % qcap];
        m->to = (int)rd.msgs[k].to - 1;
        int n = raft_encode(&rd.msgs[k], m->buf, sizeof m->buf);
        if (n < 0)
            abort();
        m->len = (size_t)n;
        msgs++;
    }
    if (rd.persist) /* instant disk */
        raft_persisted(&nodes[i]);
    if (applied[i] >= raft_snap_index(&nodes[i]) + RING / 2)
        raft_compact(&nodes[i], applied[i], (const uint8_t *)"s", 1);
}

static void drain(void)
{
    static struct raft_entry ents[64];
    while (qh != qt) {
        struct qmsg *m = &q[qh++ % qcap];
        struct raft_msg d;
        if (raft_decode(m->buf, m->len, &d, ents, 64) || raft_step(&nodes[m->to], &d))
            abort();
        pump(m->to);
        for (int i = 0; i < N; i++)
            pump(i);
    }
}

static void core_throughput(void)
{
    q = malloc(qcap * sizeof *q);
    struct raft_conf conf = {.n = N};
    for (int i = 0; i < N; i++)
        conf.m[i] = (struct raft_member){(uint32_t)i + 1, RAFT_VOTER};
    for (int i = 0; i < N; i++) {
        struct raft_config cfg = {.id = (uint32_t)i + 1,
                                  .election_ms = 1000,
                                  .heartbeat_ms = 100,
                                  .seed = 7,
                                  .ring = rings[i],
                                  .ring_cap = RING,
                                  .snap_buf = snaps[i],
                                  .snap_cap = sizeof snaps[i],
                                  .pre_vote = true,
                                  .check_quorum = true};
        raft_init(&nodes[i], &cfg);
        raft_bootstrap(&nodes[i], &conf);
        pump(i);
    }
    raft_tick(&nodes[0], 2000); /* node 1 campaigns */
    pump(0);
    drain();
    if (raft_role(&nodes[0]) != RAFT_LEADER) {
        printf("bench: no leader\n");
        exit(1);
    }
    uint8_t payload[16] = "0123456789abcdef";
    uint64_t start_commit = raft_commit(&nodes[0]), m0 = msgs;
    double t0 = now_s(), t;
    do {
        for (int k = 0; k < 64; k++) {
            uint64_t idx;
            if (raft_propose(&nodes[0], payload, sizeof payload, &idx))
                break;
        }
        pump(0);
        drain();
        t = now_s();
    } while (t - t0 < 2.0);
    uint64_t done = raft_commit(&nodes[0]) - start_commit;
    printf("core throughput: %.0f committed entries/s (3 nodes, zero latency, instant disk, "
           "16-byte payloads, codec included; %llu entries in %.2f s, %.2f messages/entry)\n",
           done / (t - t0), (unsigned long long)done, t - t0, (double)(msgs - m0) / (double)done);
    free(q);
}

static void steady(int clients)
{
    static struct sim s;
    sim_init(&s, 42, 3);
    if (setjmp(s.fail_jmp)) {
        printf("bench: simulator failed: %s\n", s.fail);
        exit(1);
    }
    sim_start(&s);
    sim_wait_leader(&s, 1000);
    sim_run_for(&s, 200);
    uint64_t m0 = s.msgs_sent;
    sim_run_for(&s, 1000);
    uint64_t idle = s.msgs_sent - m0;
    kv_clients_start(&s, clients, false);
    sim_run_for(&s, 200);
    uint64_t c0 = s.ops_ok, l = (uint64_t)sim_leader(&s), ci = raft_commit(&s.nodes[l]->r);
    m0 = s.msgs_sent;
    uint64_t b0 = s.bytes_sent;
    sim_run_for(&s, 5000);
    uint64_t ops = s.ops_ok - c0, m = s.msgs_sent - m0;
    uint64_t ents = raft_commit(&s.nodes[l]->r) - ci;
    printf("steady state, %d client%s: %.2f messages per committed entry (%.2f excluding "
           "heartbeats), %.0f wire bytes per entry; idle: %llu messages/s "
           "(heartbeats every %u ms)\n",
           clients, clients > 1 ? "s" : "", (double)m / (double)ents,
           (double)(m - idle * 5) / (double)ents, (double)(s.bytes_sent - b0) / (double)ents,
           (unsigned long long)idle, s.heartbeat_ms);
    (void)ops;
    sim_free(&s);
}

int main(void)
{
    core_throughput();
    printf("memory: %zu bytes per log entry (ring slot, RAFT_MAX_DATA=%d payload bytes), "
           "%zu bytes per node (struct raft) + ring + snapshot buffer\n",
           sizeof(struct raft_entry), RAFT_MAX_DATA, sizeof(struct raft));
    steady(1);
    steady(8);
    return 0;
}
