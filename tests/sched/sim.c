/* tests/sched/sim.c: the seeded simulator's world (sim.h): nodes and their
 * processes, CPU shared out step by step, reports, node deaths, and the
 * loop that calls the leader (simleader.c) at every arrival, exit and
 * report tick. */
#include <stdarg.h>
#include <stdio.h>

#include "services/sched/policies.h"
#include "services/sched/spectext.h"
#include "services/sched/view.h"
#include "tests/sched/sim.h"

void sim_violation(struct sim *s, const char *fmt, ...)
{
    if (s->violations++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        int n = snprintf(s->first, sizeof s->first, "t=%llu ms %s: ", (unsigned long long)s->now,
                         s->cfg.policy);
        vsnprintf(s->first + n, sizeof s->first - (size_t)n, fmt, ap);
        va_end(ap);
        if (!s->cfg.quiet)
            fprintf(stderr, "    sim: %s\n", s->first);
    }
}

void sim_init(struct sim *s, const struct sim_cfg *cfg)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    if (!s->cfg.step_ms)
        s->cfg.step_ms = 100;
    if (!s->cfg.report_ms)
        s->cfg.report_ms = 1000;
    s->policy = sched_policy_find(cfg->policy);
    if (!s->policy)
        st_fail(__FILE__, __LINE__, "no policy %s", cfg->policy);
    sched_policies_reset(&s->cfg.tun);
    schm_init(&s->m);
    schm_init(&s->follower);
    for (uint32_t i = 0; i < cfg->nnodes; i++) {
        struct sched_node *n = &s->truth[i];
        const struct sim_node_cfg *nc = &cfg->nodes[i];
        n->id = i + 1;
        n->up = true;
        n->cpu_cap_milli = nc->harts * 1000;
        n->mem_cap_kib = nc->mem_kib;
        if (nc->labels && sched_labels_parse(nc->labels, n->labels, SCHED_NODE_LABELS, &n->nlabels))
            st_fail(__FILE__, __LINE__, "labels %s", nc->labels);
        if (nc->taint && sched_taint_parse(nc->taint, &n->taints[n->ntaints++]))
            st_fail(__FILE__, __LINE__, "taint %s", nc->taint);
        s->up[i + 1] = true;
        s->reports[i] = *n; /* until the first report: capacity, labels, no load */
        s->reports[i].mem_free_kib = n->mem_cap_kib;
    }
}

static int add(struct sim *s, const char *spec, uint64_t arrive_ms, uint64_t work_ms,
               uint32_t demand, uint32_t mem_kib)
{
    if (s->nprocs == SIM_PROCS) {
        st_fail(__FILE__, __LINE__, "too many processes");
        return 0;
    }
    int i = (int)s->nprocs++;
    struct sim_proc *p = &s->procs[i];
    memset(p, 0, sizeof *p);
    p->pid = 1000 + i;
    if (spec && sched_spec_parse(spec, &p->spec))
        st_fail(__FILE__, __LINE__, "spec %s", spec);
    if (!spec)
        sched_spec_default(&p->spec);
    p->demand = demand;
    p->work0 = p->work = work_ms == SIM_FOREVER ? SIM_FOREVER : work_ms * 1000;
    p->mem_kib = mem_kib;
    p->arrive_ms = arrive_ms;
    return i;
}

int sim_add(struct sim *s, const char *spec, uint64_t arrive_ms, uint64_t work_ms, uint32_t demand,
            uint32_t mem_kib)
{
    int i = add(s, spec, arrive_ms, work_ms, demand, mem_kib);
    s->procs[i].req_id = (uint64_t)i + 1;
    return i;
}

int sim_add_pinned(struct sim *s, uint32_t node, uint64_t arrive_ms, uint64_t work_ms,
                   uint32_t demand, uint32_t mem_kib)
{
    int i = add(s, NULL, arrive_ms, work_ms, demand, mem_kib);
    s->procs[i].pin_node = node;
    return i;
}

/* ---- arrivals and running ------------------------------------------------------------------ */

static void arrive(struct sim *s, struct sim_proc *p)
{
    if (p->req_id) {
        sim_leader_arrive(s, p);
        return;
    }
    p->st = SP_RUNNING; /* started on its node directly, as `run -n K` */
    p->node = p->pin_node;
}

static bool runs(const struct sim *s, const struct sim_proc *p, uint32_t node)
{
    return p->st == SP_RUNNING && p->node == node && s->now >= p->frozen_until;
}

static uint64_t demand_on(const struct sim *s, uint32_t node)
{
    uint64_t d = 0;
    for (uint32_t i = 0; i < s->nprocs; i++)
        if (runs(s, &s->procs[i], node))
            d += s->procs[i].demand;
    return d;
}

/* p's share of its node's harts now (thousandths of a hart). */
static uint32_t share(const struct sim *s, const struct sim_proc *p)
{
    uint64_t d = demand_on(s, p->node), cap = s->truth[p->node - 1].cpu_cap_milli;
    return d <= cap ? p->demand : (uint32_t)((uint64_t)p->demand * cap / d);
}

uint32_t sim_load(const struct sim *s, uint32_t node)
{
    uint64_t d = 0; /* moving in included: it runs here once moved */
    for (uint32_t i = 0; i < s->nprocs; i++)
        if (s->procs[i].st == SP_RUNNING && s->procs[i].node == node)
            d += s->procs[i].demand;
    return sched_per_hart(d, s->truth[node - 1].cpu_cap_milli);
}

static void finish(struct sim *s, struct sim_proc *p)
{
    p->st = SP_DONE;
    if (p->req_id)
        sim_leader_exited(s, p);
}

/* One step of CPU: every running process progresses by its share. */
static void progress(struct sim *s, uint64_t from_ms)
{
    uint32_t shares[SIM_PROCS];
    for (uint32_t i = 0; i < s->nprocs; i++)
        shares[i] = runs(s, &s->procs[i], s->procs[i].node) ? share(s, &s->procs[i]) : 0;
    for (uint32_t i = 0; i < s->nprocs; i++) {
        struct sim_proc *p = &s->procs[i];
        if (!shares[i] || p->work == SIM_FOREVER)
            continue;
        uint64_t done = (uint64_t)shares[i] * s->cfg.step_ms; /* hart-microseconds */
        if (p->work > done) {
            p->work -= done;
            continue;
        }
        p->done_ms = from_ms + p->work / shares[i];
        p->work = 0;
        finish(s, p);
    }
}

/* ---- reports, node events, rebalancing ----------------------------------------- */

static void report(struct sim *s)
{
    for (uint32_t k = 1; k <= s->cfg.nnodes; k++) {
        struct sched_node *r = &s->reports[k - 1];
        if (!s->up[k]) {
            r->up = false;
            continue;
        }
        const struct sched_node *t = &s->truth[k - 1];
        memset(r, 0, sizeof *r);
        r->id = k;
        r->up = true;
        r->cpu_cap_milli = t->cpu_cap_milli;
        r->mem_cap_kib = t->mem_cap_kib;
        /* the node's own labels and boot taint; the log's come on top */
        const struct sim_node_cfg *nc = &s->cfg.nodes[k - 1];
        if (nc->labels)
            sched_labels_parse(nc->labels, r->labels, SCHED_NODE_LABELS, &r->nlabels);
        if (nc->taint)
            sched_taint_parse(nc->taint, &r->taints[r->ntaints++]);
        uint64_t d = demand_on(s, k), mem = 0;
        r->runq_milli = (uint32_t)d;
        r->cpu_use_milli = (uint32_t)(d < t->cpu_cap_milli ? d : t->cpu_cap_milli);
        for (uint32_t i = 0; i < s->nprocs; i++) {
            const struct sim_proc *p = &s->procs[i];
            if (p->st != SP_RUNNING || p->node != k)
                continue;
            mem += p->mem_kib;
            if (r->nprocs_listed < SCHED_NODE_PROCS) {
                struct sched_proc *q = &r->procs[r->nprocs_listed++];
                q->pid = p->pid;
                q->cpu_milli = runs(s, p, k) ? share(s, p) : 0;
                q->mem_kib = p->mem_kib;
                q->movable = 1;
                q->req_id = p->req_id;
            }
            r->nprocs++;
        }
        r->mem_free_kib = mem < t->mem_cap_kib ? (uint32_t)(t->mem_cap_kib - mem) : 0;
    }
}

void sim_kill(struct sim *s, uint32_t node) { s->kill_at_tick[node] = 1; }

static void kill_now(struct sim *s, uint32_t node)
{
    s->up[node] = false;
    s->truth[node - 1].up = false;
    for (uint32_t i = 0; i < s->nprocs; i++) {
        struct sim_proc *p = &s->procs[i];
        if (p->st != SP_RUNNING || p->node != node)
            continue;
        s->killed++;
        if (p->req_id && p->spec.restart) {
            p->st = SP_PENDING;
            p->work = p->work0;
            p->node = 0;
        } else {
            p->st = SP_LOST;
        }
    }
    sim_leader_node_lost(s, node);
}

/* ---- the loop ---------------------------------------------------------------- */

bool sim_all_finished(const struct sim *s)
{
    for (uint32_t i = 0; i < s->nprocs; i++)
        if (s->procs[i].st != SP_DONE && s->procs[i].st != SP_LOST)
            return false;
    return true;
}

static void tick(struct sim *s)
{
    for (uint32_t k = 1; k <= s->cfg.nnodes; k++)
        if (s->kill_at_tick[k]) {
            s->kill_at_tick[k] = 0;
            kill_now(s, k);
        }
    report(s);
    sim_leader_tick(s);
    simcheck_capacity(s);
    s->rounds++;
}

static void step(struct sim *s)
{
    uint64_t from = s->now;
    s->now += s->cfg.step_ms;
    for (uint32_t i = 0; i < s->nprocs; i++)
        if (s->procs[i].st == SP_FUTURE && s->procs[i].arrive_ms <= from)
            arrive(s, &s->procs[i]);
    progress(s, from);
    if (s->now % s->cfg.report_ms == 0)
        tick(s);
}

void sim_round(struct sim *s)
{
    do
        step(s);
    while (s->now % s->cfg.report_ms != 0);
}

void sim_run(struct sim *s, uint64_t until_ms)
{
    while (s->now < until_ms && !st_failed()) {
        step(s);
        if (sim_all_finished(s) && s->nprocs)
            return;
    }
}
