/* tests/sched/sim.h: a seeded simulator of the global scheduler (the world
 * in sim.c, the leader in simleader.c, the checker in simcheck.c): nodes with
 * harts and memory, processes that arrive, run for a length of CPU work at
 * some CPU demand and exit, and the leader that places them with a policy
 * (services/sched/place.c), records every decision in the replicated
 * machine (schedmachine.c, with a follower applying the same commands), and
 * rebalances with the policy's rebalancer at every report.
 *
 * Time moves in steps (step_ms). A node shares its harts among its running
 * processes (processor sharing: each gets demand x min(1, harts x 1000 /
 * total demand)); a moved process makes no progress for migrate_ms. Every
 * report_ms each live node reports (run queue = total demand, CPU use, each
 * process's share and memory), then the leader retries pending requests and
 * rebalances. A node killed at a report tick is known dead at that tick
 * (NODE_LOST): its processes are lost, or pending again if they asked to
 * restart.
 *
 * Every decision (placement or move) is checked against the simulator's own
 * truth by an independent checker (simcheck.c), not by the filters' code:
 * capacity, selector, taints, affinity, anti-affinity, spread, node up;
 * moves also for hysteresis (cool-down, no return). A break mode doctors
 * what the policy sees (the spec or the nodes) so the tests can show the
 * checker catches a scheduler that ignores a constraint. */
#ifndef TESTS_SCHED_SIM_H
#define TESTS_SCHED_SIM_H

#include "tests/sched/harness.h"

#define SIM_NODES 8
#define SIM_PROCS 256
#define SIM_FOREVER UINT64_MAX

/* What the policy is shown instead of the truth (tests that the checker
 * catches a broken filter). */
enum sim_break {
    SIM_HONEST,
    SIM_NO_CAPACITY, /* nodes look empty of requests */
    SIM_NO_SELECTOR, /* specs lose their selector */
    SIM_NO_TAINTS,   /* nodes lose their taints */
    SIM_NO_ANTI,     /* specs lose their anti-affinity */
    SIM_NO_SPREAD,   /* specs lose their spread key */
};

struct sim_node_cfg {
    uint32_t harts;
    uint32_t mem_kib;
    const char *labels; /* boot labels, "k=v,k=v" */
    const char *taint;  /* a boot taint, "k=v:Effect", or NULL */
};

struct sim_cfg {
    const char *policy;
    uint32_t nnodes;
    struct sim_node_cfg nodes[SIM_NODES];
    uint32_t step_ms, report_ms, migrate_ms;
    struct sched_tunables tun;
    enum sim_break brk;
    bool quiet; /* no line on the first violation */
};

enum sim_pstate { SP_FUTURE, SP_PENDING, SP_RUNNING, SP_DONE, SP_LOST };

struct sim_proc {
    int32_t pid;
    uint64_t req_id; /* 0: started directly on pin_node, not placed by the scheduler */
    uint32_t pin_node;
    struct sched_spec spec;
    uint32_t demand;      /* thousandths of a hart it uses alone */
    uint64_t work0, work; /* hart-microseconds of CPU to do, left (SIM_FOREVER: never ends) */
    uint32_t mem_kib;     /* resident */
    uint64_t arrive_ms, done_ms;
    uint8_t st; /* enum sim_pstate */
    uint32_t node;
    uint64_t frozen_until; /* moving: no progress before */
    uint32_t moves, evictions;
    uint64_t last_move_ms;
    uint32_t last_from; /* 0: never moved */
};

struct sim {
    struct sim_cfg cfg;
    const struct sched_policy *policy;
    uint64_t now;
    struct sim_proc procs[SIM_PROCS];
    uint32_t nprocs;
    /* the truth about nodes */
    bool up[SIM_NODES + 1];
    struct sched_node truth[SIM_NODES]; /* labels, taints, capacity */
    /* what the leader has: the last reports, and the replicated state */
    struct sched_node reports[SIM_NODES];
    struct sched_machine m, follower;
    /* what happened */
    uint64_t violations, commands, moves, evictions, rounds;
    uint64_t killed; /* processes running on a node when it died */
    uint64_t last_move_ms;
    uint8_t kill_at_tick[SIM_NODES + 1];
    bool retries; /* propose PLACE again now and then, as a retry or a new leader would */
    char first[256];
};

void sim_init(struct sim *s, const struct sim_cfg *cfg);
/* A process placed by the scheduler, arriving at arrive_ms. work_ms of CPU
 * at demand (SIM_FOREVER: runs until the end). Its index. */
int sim_add(struct sim *s, const char *spec, uint64_t arrive_ms, uint64_t work_ms, uint32_t demand,
            uint32_t mem_kib);
/* A process started directly on node (like `run -n K`): movable, default spec. */
int sim_add_pinned(struct sim *s, uint32_t node, uint64_t arrive_ms, uint64_t work_ms,
                   uint32_t demand, uint32_t mem_kib);
/* Run until now >= until_ms, or until every process is done or lost. */
void sim_run(struct sim *s, uint64_t until_ms);
/* Run one report period. */
void sim_round(struct sim *s);
/* Node events, at the next step: kill (processes lost or pending again),
 * and a taint set on node through the log (also the truth). */
void sim_kill(struct sim *s, uint32_t node);
void sim_taint(struct sim *s, uint32_t node, const char *taint);
/* Load per hart (x1000) of node from the truth: the total demand of the
 * processes there (one moving in included). */
uint32_t sim_load(const struct sim *s, uint32_t node);
bool sim_all_finished(const struct sim *s);
/* The leader and the follower hold the same bytes; the machine agrees with
 * the truth about every placement. Records a violation if not. */
void sim_check_replicas(struct sim *s);
void sim_violation(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The leader (simleader.c), called by the world (sim.c): a request
 * arrives (PLACE, and BIND if placed); a process exited (EXITED); a node
 * died (NODE_LOST, the lost withdrawn); a report tick (pending retried,
 * then the rebalancer's moves carried out, each checked). */
void sim_leader_arrive(struct sim *s, struct sim_proc *p);
void sim_leader_exited(struct sim *s, struct sim_proc *p);
void sim_leader_node_lost(struct sim *s, uint32_t node);
void sim_leader_tick(struct sim *s);

/* The independent checker (simcheck.c). NULL if proc p may run on node
 * (for a move: as if it had left its node), else what is wrong. */
const char *simcheck_fits(const struct sim *s, const struct sim_proc *p, uint32_t node);
/* p on node has a NoExecute taint it does not tolerate (must be evicted). */
bool simcheck_noexecute(const struct sim *s, const struct sim_proc *p, uint32_t node);
/* Every node's requests within its capacity. */
void simcheck_capacity(struct sim *s);
/* The spread group of p, counted per domain: the skew (max - min), or -1
 * if p has no spread key. */
int simcheck_spread_skew(const struct sim *s, const struct sim_proc *p);

#endif
