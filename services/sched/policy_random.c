/* services/sched/policy_random.c: random placement, a baseline
 * (policies.h).
 *
 * Each passing node gets a score drawn from a seeded xorshift64* generator
 * kept in the policy's state, so a run is reproducible from its seed (the
 * simulator's, or the leader's at start). It makes only the moves no policy
 * may skip (balance.h: evictions and shedding), never balancing ones. */
#include "services/sched/balance.h"
#include "services/sched/policies.h"

struct random_state {
    bool ready; /* reset at least once (a zero state is in .bss, not the image) */
    uint64_t x; /* never 0 once ready */
    struct sched_balancer bal;
};
static struct random_state random_state;

static uint64_t xorshift64s(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545f4914f6cdd1dULL;
}

static void random_reset(void *state, const struct sched_tunables *t)
{
    struct random_state *st = state;
    st->x = t && t->seed ? t->seed : 0x9e3779b97f4a7c15ULL;
    sched_balancer_reset(&st->bal, t, false);
    st->ready = true;
}

static struct random_state *ready(void *state)
{
    struct random_state *st = state;
    if (!st->ready)
        random_reset(st, 0);
    return st;
}

static int random_score(void *state, const struct sched_view *v, const struct sched_node *n,
                        const struct sched_spec *s)
{
    (void)v, (void)n, (void)s;
    return (int)(xorshift64s(&ready(state)->x) % 101);
}

static void random_moved(void *state, const struct sched_view *v, const struct sched_move *m,
                         uint64_t now_ms)
{
    sched_balancer_note_move(&ready(state)->bal, v, m, now_ms);
}

static int random_rebalance(void *state, const struct sched_view *v, uint64_t now_ms,
                            struct sched_move *out, int max)
{
    return sched_balance(&ready(state)->bal, v, now_ms, out, max);
}

const struct sched_policy sched_policy_random = {
    .name = "random",
    .score = random_score,
    .rebalance = random_rebalance,
    .moved = random_moved,
    .reset = random_reset,
    .state = &random_state,
};
