/* services/sched/policy_least.c: least-allocated, the default policy
 * (policies.h).
 *
 * Placement by requests against capacity, as Kubernetes' LeastAllocated
 * score: after the request, a node would have free cpu% and free memory%;
 * the score is their mean, so the emptiest node (by what is asked, not
 * what is used) wins and equal nodes fill evenly. Requests are what the
 * filters guarantee, so this is stable between load reports: a burst of
 * requests spreads at once, with no report needed in between.
 *
 * Requests say nothing about what a process really uses, so it rebalances
 * by measured load like mosix (balance.h): placement keeps requests even,
 * rebalancing fixes what the requests got wrong. */
#include "services/sched/balance.h"
#include "services/sched/policies.h"
#include "services/sched/view.h"

struct least_state {
    bool ready; /* reset at least once (a zero state is in .bss, not the image) */
    struct sched_balancer bal;
};
static struct least_state least_state;

/* free% of cap after taking want out of what is left (the filters saw it fit) */
static int free_pct_after(uint32_t cap, uint32_t used, uint32_t want)
{
    uint32_t left = sched_free(cap, used);
    left = left > want ? left - want : 0;
    return cap ? (int)((uint64_t)left * 100 / cap) : 0;
}

static int least_score(void *state, const struct sched_view *v, const struct sched_node *n,
                       const struct sched_spec *s)
{
    (void)state, (void)v;
    return (free_pct_after(n->cpu_cap_milli, n->cpu_req_milli, s->cpu_milli) +
            free_pct_after(n->mem_cap_kib, n->mem_req_kib, s->mem_kib)) /
           2;
}

static void least_reset(void *state, const struct sched_tunables *t)
{
    struct least_state *st = state;
    sched_balancer_reset(&st->bal, t, true);
    st->ready = true;
}

static void least_moved(void *state, const struct sched_view *v, const struct sched_move *m,
                        uint64_t now_ms)
{
    struct least_state *st = state;
    if (!st->ready)
        least_reset(st, 0);
    sched_balancer_note_move(&st->bal, v, m, now_ms);
}

static int least_rebalance(void *state, const struct sched_view *v, uint64_t now_ms,
                           struct sched_move *out, int max)
{
    struct least_state *st = state;
    if (!st->ready)
        least_reset(st, 0);
    return sched_balance(&st->bal, v, now_ms, out, max);
}

const struct sched_policy sched_policy_least = {
    .name = "least",
    .score = least_score,
    .rebalance = least_rebalance,
    .moved = least_moved,
    .reset = least_reset,
    .state = &least_state,
};
