/* services/sched/balance.c: evictions, shedding and MOSIX-style load
 * balancing, with hysteresis (balance.h). */
#include "services/sched/balance.h"

#include "services/sched/filters.h"
#include "services/sched/view.h"

static uint32_t or_default(uint32_t v, uint32_t d) { return v ? v : d; }

void sched_balancer_reset(struct sched_balancer *b, const struct sched_tunables *t,
                          bool balance_load)
{
    __builtin_memset(b, 0, sizeof *b);
    b->margin_milli = or_default(t ? t->margin_milli : 0, SCHED_MARGIN_MILLI_DEFAULT);
    b->cooldown_ms = or_default(t ? t->cooldown_ms : 0, SCHED_COOLDOWN_MS_DEFAULT);
    b->no_return_ms = or_default(t ? t->no_return_ms : 0, SCHED_NO_RETURN_MS_DEFAULT);
    b->mem_floor_pct = or_default(t ? t->mem_floor_pct : 0, SCHED_MEM_FLOOR_PCT_DEFAULT);
    b->balance_load = balance_load;
}

/* ---- history ----------------------------------------------------------------- */

static struct sched_balance_entry *entry_of(struct sched_balancer *b, int32_t pid)
{
    for (int i = 0; i < SCHED_BALANCE_HISTORY; i++)
        if (b->h[i].pid && b->h[i].pid == pid)
            return &b->h[i];
    return 0;
}

void sched_balancer_note(struct sched_balancer *b, int32_t pid, uint64_t req_id, uint32_t from,
                         uint32_t to, uint32_t load, uint32_t mem_kib, uint64_t now_ms)
{
    struct sched_balance_entry *e = entry_of(b, pid);
    if (!e) { /* a free slot, else the oldest move's */
        e = &b->h[0];
        for (int i = 0; i < SCHED_BALANCE_HISTORY && e->pid; i++)
            if (!b->h[i].pid || b->h[i].at_ms < e->at_ms)
                e = &b->h[i];
    }
    e->pid = pid;
    e->req_id = req_id;
    e->from = from;
    e->to = to;
    e->load = load;
    e->mem_kib = mem_kib;
    e->at_ms = now_ms;
}

void sched_balancer_note_move(struct sched_balancer *b, const struct sched_view *v,
                              const struct sched_move *m, uint64_t now_ms)
{
    const struct sched_node *n = sched_view_node(v, m->from);
    uint32_t listed =
        n ? (n->nprocs_listed < SCHED_NODE_PROCS ? n->nprocs_listed : SCHED_NODE_PROCS) : 0;
    for (uint32_t k = 0; k < listed; k++) {
        const struct sched_proc *q = &n->procs[k];
        if (q->pid == m->pid) {
            sched_balancer_note(b, m->pid, q->req_id, m->from, m->to, sched_proc_load(n, q),
                                q->mem_kib, now_ms);
            return;
        }
    }
    sched_balancer_note(b, m->pid, 0, m->from, m->to, 0, 0, now_ms);
}

/* Moved less than a cool-down ago. */
static bool cooling(struct sched_balancer *b, int32_t pid, uint64_t now)
{
    const struct sched_balance_entry *e = entry_of(b, pid);
    return e && now < e->at_ms + b->cooldown_ms;
}

/* dst is the node pid last left, less than no_return_ms ago. */
static bool returning(struct sched_balancer *b, int32_t pid, uint32_t dst, uint64_t now)
{
    const struct sched_balance_entry *e = entry_of(b, pid);
    return e && e->from == dst && now < e->at_ms + b->no_return_ms;
}

/* ---- one round ------------------------------------------------------------------ */

enum role { ROLE_NONE, ROLE_SOURCE, ROLE_TARGET };

struct round {
    struct sched_balancer *b;
    const struct sched_view *v;
    uint64_t now;
    uint32_t nn;
    uint64_t load[SCHED_NODES_MAX];   /* expected runnable x1000 */
    int64_t memfree[SCHED_NODES_MAX]; /* expected free KiB */
    uint8_t role[SCHED_NODES_MAX];
    bool shed_now[SCHED_NODES_MAX]; /* it shed memory this round: no load moves off it */
    bool constrained_taken;
    struct sched_move *out;
    int n, max;
};

static uint32_t nlisted(const struct sched_node *n)
{
    return n->nprocs_listed < SCHED_NODE_PROCS ? n->nprocs_listed : SCHED_NODE_PROCS;
}

static bool usable(const struct sched_node *n) { return n->id && n->up; }

static bool listed_at(const struct sched_node *n, int32_t pid)
{
    for (uint32_t k = 0; k < nlisted(n); k++)
        if (n->procs[k].pid == pid)
            return true;
    return false;
}

/* Where a process n's report lists is believed to be now: where this
 * balancer sent it (within its cool-down), else where its placement says
 * (the log knows of moves before the reports do), else n. */
static uint32_t believed(struct round *r, const struct sched_node *n, const struct sched_proc *q)
{
    const struct sched_balance_entry *e = entry_of(r->b, q->pid);
    if (e && r->now < e->at_ms + r->b->cooldown_ms)
        return e->to;
    const struct sched_placement *pl = sched_view_find(r->v, q->req_id);
    if (pl && sched_live(pl))
        return pl->node;
    return n->id;
}

static uint64_t sub_sat(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

/* Loads and free memory as the moves already made will leave them. */
static void expect(struct round *r)
{
    const struct sched_view *v = r->v;
    for (uint32_t i = 0; i < r->nn; i++) {
        const struct sched_node *n = &v->nodes[i];
        if (!usable(n))
            continue;
        r->load[i] = n->runq_milli;
        r->memfree[i] = n->mem_free_kib;
        /* listed here, gone elsewhere, or leaving: a move still copying
         * (which can outlast a cool-down on a busy host) has all but
         * left; counting it here again would shed or move another */
        for (uint32_t k = 0; k < nlisted(n); k++) {
            const struct sched_proc *q = &n->procs[k];
            if (q->leaving || believed(r, n, q) != n->id) {
                r->load[i] = sub_sat(r->load[i], sched_proc_load(n, q));
                r->memfree[i] += q->mem_kib;
            }
        }
        /* here, not listed yet: sent by this balancer ... */
        for (int h = 0; h < SCHED_BALANCE_HISTORY; h++) {
            const struct sched_balance_entry *e = &r->b->h[h];
            if (e->pid && e->to == n->id && r->now < e->at_ms + r->b->cooldown_ms &&
                !listed_at(n, e->pid)) {
                r->load[i] += e->load;
                r->memfree[i] -= e->mem_kib;
            }
        }
        /* ... or placed here (or moved here) by the log */
        for (uint32_t p = 0; p < v->nplacements; p++) {
            const struct sched_placement *pl = &v->placements[p];
            if (!sched_live(pl) || pl->node != n->id)
                continue;
            const struct sched_balance_entry *e =
                pl->state == SCHED_RUNNING ? entry_of(r->b, pl->pid) : 0;
            if (e && r->now < e->at_ms + r->b->cooldown_ms)
                continue; /* counted above */
            bool seen = false;
            for (uint32_t k = 0; k < nlisted(n) && !seen; k++)
                seen = n->procs[k].req_id == pl->req_id ||
                       (pl->state == SCHED_RUNNING && n->procs[k].pid == pl->pid);
            if (!seen) {
                r->load[i] += pl->spec.cpu_milli < 1000 ? pl->spec.cpu_milli : 1000;
                r->memfree[i] -= pl->spec.mem_kib;
            }
        }
    }
}

static uint32_t per_hart(struct round *r, uint32_t i, uint64_t load)
{
    return sched_per_hart(load, r->v->nodes[i].cpu_cap_milli);
}

static int64_t mem_floor(struct round *r, uint32_t i)
{
    return (int64_t)((uint64_t)r->v->nodes[i].mem_cap_kib * r->b->mem_floor_pct / 100);
}

static bool moved_now(struct round *r, int32_t pid)
{
    for (int k = 0; k < r->n; k++)
        if (r->out[k].pid == pid)
            return true;
    return false;
}

/* q, listed on node i, may be moved in this round at all. */
static bool candidate(struct round *r, uint32_t i, const struct sched_proc *q,
                      const struct sched_spec *s)
{
    const struct sched_node *n = &r->v->nodes[i];
    return q->movable && !q->leaving && q->pid > 0 && r->role[i] != ROLE_TARGET &&
           believed(r, n, q) == n->id && !moved_now(r, q->pid) &&
           !(sched_spec_constrained(s) && r->constrained_taken);
}

/* Node d may take q (spec s) in this round: up, another node, not a
 * source or target yet, room for its memory, and every filter passes. A
 * voluntary move (shedding, balancing) also keeps d above its memory floor
 * and never takes q back where it just left; an eviction may (the taint,
 * not the balancer, is why it goes). */
static bool target_ok(struct round *r, uint32_t d, uint32_t src, const struct sched_proc *q,
                      const struct sched_spec *s, bool voluntary)
{
    const struct sched_node *t = &r->v->nodes[d];
    if (!usable(t) || d == src || r->role[d] != ROLE_NONE ||
        (voluntary && returning(r->b, q->pid, t->id, r->now)))
        return false;
    int64_t left = r->memfree[d] - (int64_t)q->mem_kib;
    if (left < 0 || (voluntary && left < mem_floor(r, d)))
        return false;
    struct sched_view mv = *r->v;
    mv.moving_req_id = q->req_id;
    return sched_filter(&mv, t, s, 0);
}

static void emit(struct round *r, uint32_t src, uint32_t dst, const struct sched_proc *q,
                 const struct sched_spec *s, int32_t gain)
{
    const struct sched_node *n = &r->v->nodes[src];
    uint32_t c = sched_proc_load(n, q);
    struct sched_move *m = &r->out[r->n++];
    m->pid = q->pid;
    m->from = n->id;
    m->to = r->v->nodes[dst].id;
    m->gain = gain;
    r->load[src] = sub_sat(r->load[src], c);
    r->load[dst] += c;
    r->memfree[src] += q->mem_kib;
    r->memfree[dst] -= q->mem_kib;
    r->role[src] = ROLE_SOURCE;
    r->role[dst] = ROLE_TARGET;
    r->constrained_taken |= sched_spec_constrained(s);
    sched_balancer_note(r->b, q->pid, q->req_id, m->from, m->to, c, q->mem_kib, r->now);
}

/* 1. NoExecute: every process whose spec does not tolerate its node's
 * NoExecute taints goes to the least loaded node that takes it. */
static void evict(struct round *r)
{
    for (uint32_t i = 0; i < r->nn && r->n < r->max; i++) {
        const struct sched_node *n = &r->v->nodes[i];
        if (!usable(n))
            continue;
        for (uint32_t k = 0; k < nlisted(n) && r->n < r->max; k++) {
            const struct sched_proc *q = &n->procs[k];
            struct sched_spec scratch;
            const struct sched_spec *s = sched_proc_spec(r->v, q, &scratch);
            if (!candidate(r, i, q, s) || !sched_noexecute_violated(n, s))
                continue;
            uint32_t c = sched_proc_load(n, q);
            int best = -1;
            uint32_t best_load = 0;
            for (uint32_t d = 0; d < r->nn; d++) {
                uint32_t l = per_hart(r, d, r->load[d] + c);
                if ((best < 0 || l < best_load) && target_ok(r, d, i, q, s, false)) {
                    best = (int)d;
                    best_load = l;
                }
            }
            if (best >= 0)
                emit(r, i, (uint32_t)best, q, s, 0);
        }
    }
}

/* 2. A node short of memory sheds its largest processes. */
/* This balancer moved a process off node id within a cool-down. */
static bool moved_off_lately(struct round *r, uint32_t id)
{
    for (int h = 0; h < SCHED_BALANCE_HISTORY; h++) {
        const struct sched_balance_entry *e = &r->b->h[h];
        if (e->pid && e->from == id && r->now < e->at_ms + r->b->cooldown_ms)
            return true;
    }
    return false;
}

/* A node sheds in one round as much as its memory needs by this round's
 * reckoning, and then not again for a cool-down: a process moved off may
 * have left its node's report before its memory shows free there (the
 * pages go when the move commits and the husk is reaped), and a round
 * every 0.5 s would shed a second one meanwhile. */
static void shed(struct round *r)
{
    for (uint32_t i = 0; i < r->nn && r->n < r->max; i++) {
        const struct sched_node *n = &r->v->nodes[i];
        if (!usable(n) || moved_off_lately(r, n->id))
            continue;
        while (r->n < r->max && r->memfree[i] < mem_floor(r, i)) {
            const struct sched_proc *bq = 0;
            const struct sched_spec *bs = 0;
            struct sched_spec bscratch;
            int bd = -1;
            for (uint32_t k = 0; k < nlisted(n); k++) {
                const struct sched_proc *q = &n->procs[k];
                struct sched_spec scratch;
                const struct sched_spec *s = sched_proc_spec(r->v, q, &scratch);
                if (!candidate(r, i, q, s) || cooling(r->b, q->pid, r->now))
                    continue;
                if (bq &&
                    (q->mem_kib < bq->mem_kib || (q->mem_kib == bq->mem_kib && q->pid > bq->pid)))
                    continue;
                int d_best = -1;
                for (uint32_t d = 0; d < r->nn; d++)
                    if ((d_best < 0 || r->memfree[d] > r->memfree[d_best]) &&
                        target_ok(r, d, i, q, s, true))
                        d_best = (int)d;
                if (d_best < 0)
                    continue;
                bq = q;
                bd = d_best;
                if (s == &scratch) {
                    bscratch = scratch;
                    bs = &bscratch;
                } else {
                    bs = s;
                }
            }
            if (!bq)
                break;
            emit(r, i, (uint32_t)bd, bq, bs, 0);
            r->shed_now[i] = true;
        }
    }
}

/* 3. The best move by gain, while one gains at least the margin and half
 * of the moved process's own load. Not off a node that shed memory this
 * round: what it keeps is judged again once its reports show it without
 * what it shed (else a node short of memory with two busy processes lost
 * both in one round: tests/sched balance_shed_node_not_also_unloaded). */
static void balance(struct round *r)
{
    while (r->n < r->max) {
        int64_t best_gain = (int64_t)r->b->margin_milli - 1;
        const struct sched_proc *bq = 0;
        uint32_t bs_node = 0, bd = 0;
        for (uint32_t i = 0; i < r->nn; i++) {
            const struct sched_node *n = &r->v->nodes[i];
            if (!usable(n) || r->shed_now[i])
                continue;
            int64_t before = per_hart(r, i, r->load[i]);
            for (uint32_t k = 0; k < nlisted(n); k++) {
                const struct sched_proc *q = &n->procs[k];
                struct sched_spec scratch;
                const struct sched_spec *s = sched_proc_spec(r->v, q, &scratch);
                uint32_t c = sched_proc_load(n, q);
                if (!c || !candidate(r, i, q, s) || cooling(r->b, q->pid, r->now))
                    continue;
                int64_t after_src = per_hart(r, i, sub_sat(r->load[i], c));
                /* And at least half of what the process itself weighs: two
                 * nodes about one process apart, whatever the noise of
                 * their services' own load, are not worth a move. */
                int64_t half_self = per_hart(r, i, c) / 2;
                for (uint32_t d = 0; d < r->nn; d++) {
                    if (!usable(&r->v->nodes[d]) || d == i)
                        continue;
                    int64_t after_dst = per_hart(r, d, r->load[d] + c);
                    int64_t gain = before - (after_src > after_dst ? after_src : after_dst);
                    if (gain <= best_gain || gain < half_self || !target_ok(r, d, i, q, s, true))
                        continue;
                    best_gain = gain;
                    bq = q;
                    bs_node = i;
                    bd = d;
                }
            }
        }
        if (!bq)
            return;
        struct sched_spec scratch;
        const struct sched_spec *s = sched_proc_spec(r->v, bq, &scratch);
        emit(r, bs_node, bd, bq, s, (int32_t)(best_gain > INT32_MAX ? INT32_MAX : best_gain));
    }
}

int sched_balance(struct sched_balancer *b, const struct sched_view *v, uint64_t now_ms,
                  struct sched_move *out, int max)
{
    struct round r;
    __builtin_memset(&r, 0, sizeof r);
    /* a balancer never reset (a policy's static state) takes the defaults */
    b->margin_milli = or_default(b->margin_milli, SCHED_MARGIN_MILLI_DEFAULT);
    b->cooldown_ms = or_default(b->cooldown_ms, SCHED_COOLDOWN_MS_DEFAULT);
    b->no_return_ms = or_default(b->no_return_ms, SCHED_NO_RETURN_MS_DEFAULT);
    b->mem_floor_pct = or_default(b->mem_floor_pct, SCHED_MEM_FLOOR_PCT_DEFAULT);
    r.b = b;
    r.v = v;
    r.now = now_ms;
    r.nn = v->nnodes < SCHED_NODES_MAX ? v->nnodes : SCHED_NODES_MAX;
    r.out = out;
    r.max = max;
    expect(&r);
    evict(&r);
    shed(&r);
    if (b->balance_load)
        balance(&r);
    return r.n;
}
