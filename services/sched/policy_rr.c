/* services/sched/policy_rr.c: round robin over the nodes that pass, a
 * baseline (policies.h).
 *
 * The state is the last node chosen; the next node after it in id order
 * (wrapping round) that passes the filters scores highest: score = 100 -
 * 3 x (how many ids after the last one it is, 0..31). sched_place tells the
 * policy what it chose (the placed hook), which moves the cursor. Like
 * random, it makes only the moves no policy may skip. */
#include "services/sched/balance.h"
#include "services/sched/policies.h"

struct rr_state {
    bool ready;    /* reset at least once (a zero state is in .bss, not the image) */
    uint32_t last; /* node chosen last, 0: none yet */
    struct sched_balancer bal;
};
static struct rr_state rr_state;

static void rr_reset(void *state, const struct sched_tunables *t)
{
    struct rr_state *st = state;
    st->last = 0;
    sched_balancer_reset(&st->bal, t, false);
    st->ready = true;
}

static struct rr_state *ready(void *state)
{
    struct rr_state *st = state;
    if (!st->ready)
        rr_reset(st, 0);
    return st;
}

static int rr_score(void *state, const struct sched_view *v, const struct sched_node *n,
                    const struct sched_spec *s)
{
    (void)v, (void)s;
    uint32_t last = ready(state)->last % SCHED_NODES_MAX;
    uint32_t after = (n->id + 2 * SCHED_NODES_MAX - last - 1) % SCHED_NODES_MAX;
    return 100 - 3 * (int)after;
}

static void rr_placed(void *state, const struct sched_view *v, uint32_t node,
                      const struct sched_spec *s)
{
    (void)v, (void)s;
    ready(state)->last = node;
}

static void rr_moved(void *state, const struct sched_view *v, const struct sched_move *m,
                     uint64_t now_ms)
{
    sched_balancer_note_move(&ready(state)->bal, v, m, now_ms);
}

static int rr_rebalance(void *state, const struct sched_view *v, uint64_t now_ms,
                        struct sched_move *out, int max)
{
    return sched_balance(&ready(state)->bal, v, now_ms, out, max);
}

const struct sched_policy sched_policy_rr = {
    .name = "rr",
    .score = rr_score,
    .rebalance = rr_rebalance,
    .placed = rr_placed,
    .moved = rr_moved,
    .reset = rr_reset,
    .state = &rr_state,
};
