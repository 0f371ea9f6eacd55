/* tests/sim/sim.h: a deterministic, seeded simulator for the Raft core.
 *
 * One process runs N nodes, each a struct raft with its own ring, a simulated
 * disk and a key-value state machine. A single event queue orders ticks,
 * message deliveries, disk-write completions and client actions by simulated
 * time; all randomness comes from one PRNG seeded by the run's seed, so a seed
 * replays a run exactly. Messages cross the network as encoded bytes (so the
 * wire codec is exercised on every delivery) and may be dropped, delayed,
 * reordered, duplicated or cut by partitions. A crash loses everything that
 * was not yet written to the node's disk. Invariants are checked after every
 * event (check.c); the client history is checked for linearizability at the
 * end (lin.c). */
#ifndef TESTS_SIM_SIM_H
#define TESTS_SIM_SIM_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "services/raft/raft.h"
#include "tests/sim/lin.h"

#define SIM_MAX_NODES 9
#define SIM_RING 512
#define SIM_SNAP_CAP 4096
#define SIM_KEYS 4
#define SIM_MAX_CLIENTS 8
#define SIM_TRACE_LINES 4096

struct sim_disk {
    bool has_hs;
    uint64_t term;
    uint32_t vote;
    bool has_snap;
    uint64_t snap_index, snap_term;
    struct raft_conf snap_conf;
    uint8_t snap[SIM_SNAP_CAP];
    uint32_t snap_len;
    uint64_t first;          /* index of ents[0] */
    struct raft_entry *ents; /* entries [first, first + n) */
    uint64_t n, cap;
};

/* A persistence batch captured at raft_ready time, written at completion. */
struct sim_write {
    bool hs, snap;
    uint64_t term;
    uint32_t vote;
    uint64_t snap_index, snap_term;
    struct raft_conf snap_conf;
    uint8_t snap_data[SIM_SNAP_CAP];
    uint32_t snap_len;
    uint64_t ents_from;
    uint64_t n_ents;
    struct raft_entry *ents;
};

struct sim_node {
    uint32_t id;
    bool up;
    bool member;  /* started (bootstrapped or added) */
    uint32_t gen; /* bumped by each crash: stale events are ignored */
    struct raft r;
    struct raft_entry ring[SIM_RING];
    uint8_t snap[SIM_SNAP_CAP];
    struct sim_disk disk;
    bool writing;
    struct sim_write w;
    int64_t kv[SIM_KEYS];
    uint64_t applied;
    uint64_t last_commit;
    uint8_t last_role;
    uint64_t last_term, leader_last, last_term_at_leader_last;
    uint64_t compacted;
    /* the node's clock (raft_tick): it runs at (1000 + rate_pm) / 1000 of
     * simulated time; sim_node_clock brings it up to now */
    int32_t rate_pm;
    uint64_t clock_at, clock_frac;
    uint64_t paused_until; /* a paused node handles nothing before this */
};

struct sim_client {
    bool busy;
    int node; /* node index the op went to */
    uint32_t gen;
    int guess;
    uint32_t seq;
    bool is_get;
    int key;
    int64_t value;
    uint64_t index; /* put: log index */
    uint64_t deadline;
    uint64_t issued; /* when the op went out */
    int hist;        /* index into history */
};

struct sim_event;

struct sim {
    uint64_t seed, rng;
    uint64_t now;
    uint64_t stamp; /* strictly increasing: orders history events */
    uint64_t steps;
    int n; /* node slots in use */
    struct sim_node *nodes[SIM_MAX_NODES];
    /* network */
    bool link[SIM_MAX_NODES][SIM_MAX_NODES];
    uint32_t loss_pct, dup_pct, delay_min, delay_max;
    uint32_t disk_min, disk_max;
    uint64_t msgs_sent, msgs_delivered, bytes_sent;
    /* event queue (binary heap) */
    struct sim_event **heap;
    uint64_t heap_n, heap_cap, ev_seq;
    /* raft parameters */
    uint32_t election_ms, heartbeat_ms, tick_ms;
    bool pre_vote, check_quorum;
    uint32_t lease_read_ms; /* raft_config.lease_read_ms of every node */
    bool follower_reads;    /* raft_config.follower_reads: clients read at any node */
    uint32_t compact_every; /* snapshot every so many applied entries; 0: never */
    uint32_t ring_cap;      /* log ring slots per node, <= SIM_RING */
    /* clients */
    int n_clients;
    bool clients_on, reads_on;
    bool gets_only;         /* clients only read (a follower cut off stays up to date) */
    uint64_t follower_gets; /* reads a follower served (follower_reads) */
    uint32_t client_gap;
    struct sim_client clients[SIM_MAX_CLIENTS];
    struct lin_history hist;
    struct {
        int64_t value;
        uint64_t stamp;
    } * applied_vals; /* first apply of each put */
    uint64_t applied_cap, applied_n;
    uint64_t ops_ok, ops_unknown, ops_failed;
    uint64_t gets_done, gets_at_once; /* gets answered, of them in the instant they were asked */
    /* checker state */
    uint32_t *leader_of_term;
    uint64_t n_terms;
    /* per index: the committed entry's term and content, and the term its
     * first applier was in (at least the term it was committed in) */
    struct {
        uint64_t term, hash, at_term;
    } * committed;
    uint64_t n_committed, committed_cap;
    void *logmap;                  /* (index,term) -> content, see check.c */
    bool check_durable;            /* committed => on a majority of disks (static membership) */
    uint32_t crash_after_vote_pct; /* crash a node right after it grants a vote */
    /* failure reporting */
    jmp_buf fail_jmp;
    char fail[512];
    bool trace_live;
    char (*trace)[160];
    uint64_t trace_n;
};

/* sim.c */
void sim_init(struct sim *s, uint64_t seed, int nodes);
/* Advance node nd's Raft clock to the simulated now, at its own rate. */
void sim_node_clock(struct sim *s, struct sim_node *nd);
/* Pause node i for ms (a stopped VM, a long GC): it handles no message,
 * timer, disk completion or client request until then, and then sees its
 * clock jump. */
void sim_pause(struct sim *s, int i, uint64_t ms);
/* Give every node a clock rate drawn from [-max_pm, +max_pm] per mille. */
void sim_set_drift(struct sim *s, int32_t max_pm);
void sim_free(struct sim *s);
void sim_start(struct sim *s); /* bootstrap all initial nodes as voters */
void sim_run_for(struct sim *s, uint64_t ms);
void sim_crash(struct sim *s, int i);
void sim_restart(struct sim *s, int i);
void sim_isolate(struct sim *s, int i);
void sim_connect_all(struct sim *s);
void sim_partition(struct sim *s, const int *group, int n_group); /* group vs rest */
void sim_partition_random(struct sim *s);
void sim_set_unreliable(struct sim *s, bool on);
int sim_leader(struct sim *s); /* index of the leader of the highest term, or -1 */
int sim_wait_leader(struct sim *s, uint64_t max_ms);
uint64_t sim_rand(struct sim *s);
void sim_tracef(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_failf(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void sim_print_trace(struct sim *s, uint64_t last);
void sim_node_ready(struct sim *s, struct sim_node *nd);
void sim_schedule_client(struct sim *s, int c);
int sim_add_node(struct sim *s); /* new empty node slot (not in any conf) */
int sim_propose(struct sim *s, int node, int key, int64_t value, uint64_t *index);
bool sim_converged(struct sim *s); /* every up node applied the same commit */
void sim_wait_converged(struct sim *s, uint64_t max_ms);

#define SIM_REQUIRE(s, cond, ...)                                                                  \
    do {                                                                                           \
        if (!(cond))                                                                               \
            sim_failf((s), __VA_ARGS__);                                                           \
    } while (0)

/* check.c */
void check_init(struct sim *s);
void check_free(struct sim *s);
void check_entries(struct sim *s, struct sim_node *nd, const struct raft_ready *rd);
void check_apply(struct sim *s, struct sim_node *nd, uint64_t index, const struct raft_entry *e);
void check_node(struct sim *s, struct sim_node *nd);
uint64_t check_hash_entry(const struct raft_entry *e);

/* kv.c: the replicated key-value store and its clients */
void kv_apply(struct sim *s, struct sim_node *nd, uint64_t index, const struct raft_entry *e);
void kv_restore(struct sim_node *nd, const uint8_t *data, uint32_t len);
uint32_t kv_snapshot(const struct sim_node *nd, uint8_t *buf);
void kv_read_ready(struct sim *s, struct sim_node *nd, const struct raft_read *rd);
void kv_client_step(struct sim *s, int c);
void kv_node_crashed(struct sim *s, int i);
void kv_clients_start(struct sim *s, int n, bool reads);
void kv_clients_stop(struct sim *s);
void kv_finish(struct sim *s); /* close open ops and check linearizability */

#endif
