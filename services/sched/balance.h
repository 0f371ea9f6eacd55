/* services/sched/balance.h: moving running processes, MOSIX-style, for the
 * policies that rebalance (policy_least.c, policy_mosix.c), and the moves no
 * policy may skip (the baselines, policy_random.c and policy_rr.c, make
 * only these).
 *
 * One round (sched_balance) proposes, in this order:
 *   1. evictions: a process on a node with a NoExecute taint its spec does
 *      not tolerate goes to the least loaded node that passes the filters
 *      for it (filters.h), cool-down or not;
 *   2. shedding: a node whose free memory is below mem_floor_pct of its own
 *      sheds its largest movable processes (not cooling down) to the nodes
 *      with the most free memory that stay above their own floor after;
 *   3. balancing (balance_load only): the move that most lowers the load
 *      per hart of the busier of its two nodes: from src to dst of a
 *      process accounting for load c, the gain is
 *          load(src) - max(load(src) - c, load(dst) + c)   (per hart each)
 *      and a move is made only if the gain is at least margin_milli and at least
 *      half of c per hart of src (what services' own load adds to a node's
 *      run queue, a tenth to a third of a process here, is not a reason). Two
 *      nodes one process apart gain nothing from swapping it (the max stays
 *      the same), so they are left alone: no ping-pong between equals.
 * Load is the run queue (view.h), corrected for moves this balancer made
 * that the reports do not show yet (a process it moved counts where it was
 * sent, at the load it had, until its cool-down ends).
 *
 * Hysteresis: a process moved is not moved again for cooldown_ms, and
 * never to the node it last left for no_return_ms (an eviction is bound by
 * neither: the taint, not the balancer, sends it away).
 * Every target passes the filters for the process's spec (its placement's,
 * or the default spec for a process the scheduler did not place), judged
 * as if it had left (sched_view.moving_req_id).
 *
 * A round's moves may all be carried out together: a node is a source or a
 * target, never both; a target takes one move; at most one move is of a
 * constrained process (view.h), so no move changes what the filters said
 * about another.
 *
 * State is the leader's own (not replicated): a new leader starts with an
 * empty history, and may be told of recent moves (sched_balancer_note).
 * Pure and freestanding. */
#ifndef SERVICES_SCHED_BALANCE_H
#define SERVICES_SCHED_BALANCE_H

#include "services/sched/sched.h"

#define SCHED_MARGIN_MILLI_DEFAULT 100   /* a tenth of a process per hart */
#define SCHED_COOLDOWN_MS_DEFAULT 10000  /* a moved process stays put 10 s */
#define SCHED_NO_RETURN_MS_DEFAULT 60000 /* and not back where it was for 60 s */
#define SCHED_MEM_FLOOR_PCT_DEFAULT 10   /* shed below 10% free memory */
#define SCHED_BALANCE_HISTORY 256        /* moves remembered (one per process) */

struct sched_balance_entry {
    int32_t pid;     /* 0: free */
    uint64_t req_id; /* its placement, 0 if none */
    uint32_t from, to;
    uint32_t load;    /* the load it accounted for when moved (runnable x1000) */
    uint32_t mem_kib; /* and its memory */
    uint64_t at_ms;
};

struct sched_balancer {
    uint32_t margin_milli, cooldown_ms, no_return_ms, mem_floor_pct;
    bool balance_load; /* false: evictions and shedding only */
    struct sched_balance_entry h[SCHED_BALANCE_HISTORY];
};

/* Forget every move; take t's knobs (zero fields: the defaults above). */
void sched_balancer_reset(struct sched_balancer *b, const struct sched_tunables *t,
                          bool balance_load);

/* One round at now_ms: up to max moves into out; their number. Each is
 * remembered as made (the caller carries them out or lets them cool down
 * anyway). gain is the move's gain (balancing), or 0 (eviction, shedding). */
int sched_balance(struct sched_balancer *b, const struct sched_view *v, uint64_t now_ms,
                  struct sched_move *out, int max);

/* A move made otherwise (a drain, one a previous leader made): it cools
 * down and may not return like the balancer's own. */
void sched_balancer_note(struct sched_balancer *b, int32_t pid, uint64_t req_id, uint32_t from,
                         uint32_t to, uint32_t load, uint32_t mem_kib, uint64_t now_ms);
/* The same for move m, its process's request, load and memory taken from
 * where v's report of m->from lists it (zeros if it does not). */
void sched_balancer_note_move(struct sched_balancer *b, const struct sched_view *v,
                              const struct sched_move *m, uint64_t now_ms);

#endif
