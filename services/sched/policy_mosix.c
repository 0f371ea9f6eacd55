/* services/sched/policy_mosix.c: the MOSIX-like balancer (policies.h).
 *
 * Placement by measured load: the node whose run queue per hart, with the
 * new process added, would be shortest (view.h's expected load: the last
 * report, corrected for what the log placed or moved since, so a burst
 * between two reports does not all land on the node that looked idle).
 * Score = 100 x 1000 / (1000 + load per hart after): 100 for an idle node,
 * 50 with one runnable process per hart, 33 with two.
 *
 * Rebalancing is balance.h: from the most to the least loaded nodes, a
 * move only when it lowers the busier node's load by the margin, with a
 * cool-down per process and no return to the node it left. */
#include "services/sched/balance.h"
#include "services/sched/policies.h"
#include "services/sched/view.h"

struct mosix_state {
    bool ready; /* reset at least once (a zero state is in .bss, not the image) */
    struct sched_balancer bal;
};
static struct mosix_state mosix_state;

static int mosix_score(void *state, const struct sched_view *v, const struct sched_node *n,
                       const struct sched_spec *s)
{
    (void)state;
    uint64_t load = (uint64_t)sched_node_load(v, n) + (s->cpu_milli < 1000 ? s->cpu_milli : 1000);
    return (int)(100000 / (1000 + (uint64_t)sched_per_hart(load, n->cpu_cap_milli)));
}

static void mosix_reset(void *state, const struct sched_tunables *t)
{
    struct mosix_state *st = state;
    sched_balancer_reset(&st->bal, t, true);
    st->ready = true;
}

static void mosix_moved(void *state, const struct sched_view *v, const struct sched_move *m,
                        uint64_t now_ms)
{
    struct mosix_state *st = state;
    if (!st->ready)
        mosix_reset(st, 0);
    sched_balancer_note_move(&st->bal, v, m, now_ms);
}

static int mosix_rebalance(void *state, const struct sched_view *v, uint64_t now_ms,
                           struct sched_move *out, int max)
{
    struct mosix_state *st = state;
    if (!st->ready)
        mosix_reset(st, 0);
    return sched_balance(&st->bal, v, now_ms, out, max);
}

const struct sched_policy sched_policy_mosix = {
    .name = "mosix",
    .score = mosix_score,
    .rebalance = mosix_rebalance,
    .moved = mosix_moved,
    .reset = mosix_reset,
    .state = &mosix_state,
};
