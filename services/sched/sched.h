/* services/sched/sched.h: what the global scheduler knows and decides with
 * (docs/sched.md).
 *
 * The scheduler is a replicated service (services/replica/): its leader
 * decides, the log records each decision. Everything declared here is pure
 * and freestanding (no I/O, no clock, no allocation), built for the target
 * and for host tests and the seeded simulator alike.
 *
 *   sched.h         the types: a node as the scheduler sees it, a process's
 *                   request (its spec), a placement, a move; the policy
 *                   interface
 *   filters.c       the framework's filters, applied whatever the policy:
 *                   node up, not cordoned, requests fit, selector, taints,
 *                   affinity and anti-affinity, topology spread
 *   place.c         one placement: filter every node, score the survivors
 *                   with the policy, take the best (ties: lowest node);
 *                   and the moves of a drain
 *   view.c          questions about a view: live placements, a node's
 *                   expected load, requests accounted against capacity
 *   balance.c       rebalancing: NoExecute evictions, shedding by a node
 *                   short of memory, MOSIX-style load balancing with
 *                   hysteresis (used by the policies)
 *   policy_*.c      one file per policy (least-allocated, mosix, random,
 *                   round-robin), each a struct sched_policy
 *   policies.c      the table of policies, looked up by name
 *   schedmachine.c  the replicated state machine: placements, cordons,
 *   schedread.c     labels and taints set by command, the policy, recent
 *   schedsnap.c     decisions and moves; its reads; its snapshots
 *   schedproto.c    the wire: client requests, log commands, load reports;
 *   schedreply.c    replies; the pieces they share (schedwire.c)
 *   schedwire.c
 *   spectext.c      the text forms: "cpu=500,sel=disk=ssd,...", labels, taints
 *   schedstr.h      bounded string helpers for the fixed arrays
 *
 * Load reaches the leader in reports from every node (not gossip: the
 * leader needs every node's figures anyway, and a node that stops
 * reporting is how it learns the node is gone: docs/sched.md). */
#ifndef SERVICES_SCHED_SCHED_H
#define SERVICES_SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_NODES_MAX 32           /* nodes 1..32 */
#define SCHED_KEY_MAX 16             /* a label or taint key, with its NUL */
#define SCHED_VALUE_MAX 24           /* a label or taint value, with its NUL */
#define SCHED_NODE_LABELS 8          /* labels per node */
#define SCHED_NODE_TAINTS 4          /* taints per node */
#define SCHED_SPEC_TERMS 4           /* selector terms, tolerations, labels per process */
#define SCHED_NODE_PROCS 64          /* processes per node a report lists */
#define SCHED_NODE_EXITED 16         /* exits per node a report lists */
#define SCHED_REASON_MAX 64          /* why a request is pending, with its NUL */
#define SCHED_POLICY_NAME_MAX 16     /* a policy's name, with its NUL */
#define SCHED_CMD_MAX 96             /* a restartable request's command line (struct sched_cmd) */
#define SCHED_DEFAULT_CPU_MILLI 250  /* a spec's request when it names none, and */
#define SCHED_DEFAULT_MEM_KIB 1024   /* what a process not placed by us is assumed to ask */
#define SCHED_CPU_MILLI_MAX 1000000  /* largest cpu request a spec may make (1000 harts) */
#define SCHED_MEM_KIB_MAX (1u << 30) /* largest memory request (1 TiB) */

/* "key=value". An empty value matches any value where a term allows it. */
struct sched_label {
    char key[SCHED_KEY_MAX];
    char value[SCHED_VALUE_MAX];
};

enum sched_effect {
    SCHED_NO_SCHEDULE = 1, /* no new placements without a toleration */
    SCHED_NO_EXECUTE = 2,  /* and processes already there without one move off */
};

struct sched_taint {
    struct sched_label kv;
    uint8_t effect; /* enum sched_effect */
};

/* A process running on a node, as the node's last report lists it. */
struct sched_proc {
    int32_t pid;
    uint32_t cpu_milli; /* CPU it used over the last report interval (1000: one hart) */
    uint32_t mem_kib;   /* resident memory */
    uint8_t movable;    /* not a service, not pinned (`run -n K` pins nothing) */
    uint8_t leaving;    /* being moved away (PROC_F_MOVING): a copy in progress, however long */
    uint64_t req_id;    /* the placement it belongs to, 0 if none */
};

/* One node, as the leader sees it: its last load report plus what the log
 * says (cordon, labels and taints set by command, what is placed there). */
struct sched_node {
    uint32_t id;   /* 1..SCHED_NODES_MAX; 0: unused slot */
    bool up;       /* reported within the staleness bound */
    bool cordoned; /* no new placements (`cordon`) */
    /* capacity */
    uint32_t cpu_cap_milli; /* harts x 1000 */
    uint32_t mem_cap_kib;
    /* load, from its last report */
    uint32_t runq_milli;    /* run-queue length averaged over the interval, x1000 */
    uint32_t cpu_use_milli; /* CPU used over the interval, 1000 per busy hart */
    uint32_t mem_free_kib;
    uint32_t nprocs;
    /* requests of live placements there (the filters' "allocated") */
    uint32_t cpu_req_milli, mem_req_kib;
    uint32_t nlabels, ntaints;
    struct sched_label labels[SCHED_NODE_LABELS];
    struct sched_taint taints[SCHED_NODE_TAINTS];
    uint32_t nprocs_listed;
    struct sched_proc procs[SCHED_NODE_PROCS];
    /* processes that ended on the node since its report before (gone
     * everywhere, not moved): the leader frees their placements at once */
    uint32_t nexited;
    int32_t exited[SCHED_NODE_EXITED];
};

/* The program a request runs and its arguments, for a restart: argv[0]
 * (the program) and each argument, each ended by a NUL, len bytes in all
 * (0: none; only a spec with restart carries one, since only then does
 * anyone but the client start it). */
struct sched_cmd {
    uint8_t len;
    char bytes[SCHED_CMD_MAX];
};

/* What a `run -n any` asks for. */
struct sched_spec {
    uint32_t cpu_milli; /* request: 1000 is one hart (default SCHED_DEFAULT_CPU_MILLI, 250) */
    uint32_t mem_kib;   /* request (default 1024) */
    uint32_t nselector, ntolerations, nlabels;
    struct sched_label selector[SCHED_SPEC_TERMS];    /* the node has each label */
    struct sched_taint tolerations[SCHED_SPEC_TERMS]; /* key, value ("" any), effect (0 any) */
    struct sched_label labels[SCHED_SPEC_TERMS];      /* the process's own labels */
    struct sched_label affinity;      /* key "": none; else only beside a process with it */
    struct sched_label anti_affinity; /* key "": none; else never beside a process with it */
    char
        spread_key[SCHED_KEY_MAX]; /* "": none; else node label whose values share it (skew <= 1) */
    uint8_t restart;               /* started again elsewhere if its node is lost */
};

enum sched_pstate {
    SCHED_FREE = 0,
    SCHED_PENDING, /* no node could take it: reason says why */
    SCHED_PLACED,  /* a node chosen; the client starts it there */
    SCHED_RUNNING, /* started: pid known */
    SCHED_LOST,    /* its node died and it did not ask to restart */
};

/* One request and where it went (part of the replicated state). */
struct sched_placement {
    uint64_t req_id; /* the client's id for it (retries carry the same) */
    uint8_t state;   /* enum sched_pstate */
    uint32_t node;   /* PLACED/RUNNING: where; LOST: where it was */
    int32_t pid;     /* RUNNING: its pid; LOST: the pid it had (0 if never bound) */
    uint64_t since;  /* log index at which it entered its state */
    struct sched_spec spec;
    char reason[SCHED_REASON_MAX]; /* PENDING: the filter that turned the last node away */
    struct sched_cmd cmd;          /* spec.restart: what to start again after a lost node */
    uint8_t restarts;              /* times its node was lost and it went back to pending
                           * (> 0: the leader starts it, not its client) */
};

/* What the filters and the policy look at. */
struct sched_view {
    const struct sched_node *nodes; /* nnodes entries, by id order */
    uint32_t nnodes;
    const struct sched_placement *placements;
    uint32_t nplacements;
    /* A placement whose move is being judged (0: none): the filters count it
     * on no node, so its own requests, labels and spread share do not stand
     * in the way of where it is going (filters.h). */
    uint64_t moving_req_id;
};

/* A move the rebalancer proposes. */
struct sched_move {
    int32_t pid;
    uint32_t from, to;
    int32_t gain; /* what the policy expects it to win (its own units) */
};

/* The knobs a policy is (re)started with (sched_policies_reset, policies.h).
 * Zero fields take the defaults of balance.h. */
struct sched_tunables {
    uint64_t seed;          /* random policy's generator */
    uint32_t margin_milli;  /* a move must cut the busier node's load per hart by this */
    uint32_t cooldown_ms;   /* a process moved is not moved again for this long */
    uint32_t no_return_ms;  /* nor back to the node it left for this long */
    uint32_t mem_floor_pct; /* a node with less free memory than this % of its own sheds */
};

/* A policy: one file, one of these. Only the leader runs it; its choices
 * are written in the log, so it may keep state of its own (a cursor, a
 * random generator) that replicas need not share. */
struct sched_policy {
    const char *name;
    /* Extra filter beyond the framework's (NULL: none). True if node may
     * take spec; false with *reason set. */
    bool (*filter)(void *state, const struct sched_view *v, const struct sched_node *n,
                   const struct sched_spec *spec, const char **reason);
    /* 0..100, higher better, for a node every filter passed. */
    int (*score)(void *state, const struct sched_view *v, const struct sched_node *n,
                 const struct sched_spec *spec);
    /* Up to max moves that would even the load out (NULL: never moves).
     * now_ms lets it keep its own hysteresis (no process moved again
     * soon, none back where it came from). */
    int (*rebalance)(void *state, const struct sched_view *v, uint64_t now_ms,
                     struct sched_move *out, int max);
    /* The request placed on node (sched_place calls it after choosing; NULL:
     * nothing to note). Round robin moves its cursor here. */
    void (*placed)(void *state, const struct sched_view *v, uint32_t node,
                   const struct sched_spec *spec);
    /* A move made other than by this policy's rebalance (a drain, or one a
     * previous leader made, from the log's recent moves): it cools down and
     * may not return like the policy's own (NULL: nothing to note). */
    void (*moved)(void *state, const struct sched_view *v, const struct sched_move *m,
                  uint64_t now_ms);
    /* Forget everything (a new leader, a test): NULL if stateless. */
    void (*reset)(void *state, const struct sched_tunables *t);
    void *state;
};

#endif
