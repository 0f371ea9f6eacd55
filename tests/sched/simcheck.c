/* tests/sched/simcheck.c: the simulator's independent checker (sim.h).
 *
 * Written from the rules in services/sched/filters.h, not from its code:
 * it looks at the simulator's truth (its processes and nodes), never at the
 * scheduler's view or its accounting, so a scheduler that ignores a
 * constraint, or counts wrong, is caught. */
#include "tests/sched/sim.h"

/* A live placement other than p: the processes the rules count. */
static bool live_other(const struct sim_proc *q, const struct sim_proc *p)
{
    return q != p && q->req_id && q->st == SP_RUNNING;
}

/* want (value "" = any) is one of n labels. */
static bool has(const struct sched_label *labels, uint32_t n, const struct sched_label *want)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(labels[i].key, want->key) &&
            (!want->value[0] || !strcmp(labels[i].value, want->value)))
            return true;
    return false;
}

static const char *value_of(const struct sched_node *n, const char *key)
{
    for (uint32_t i = 0; i < n->nlabels; i++)
        if (!strcmp(n->labels[i].key, key))
            return n->labels[i].value;
    return NULL;
}

static bool selector_holds(const struct sched_node *n, const struct sched_spec *sp)
{
    for (uint32_t i = 0; i < sp->nselector; i++)
        if (!has(n->labels, n->nlabels, &sp->selector[i]))
            return false;
    return true;
}

/* Every taint of n with an effect in mask is tolerated by sp. */
static bool tolerated(const struct sched_node *n, const struct sched_spec *sp, unsigned mask)
{
    for (uint32_t i = 0; i < n->ntaints; i++) {
        const struct sched_taint *t = &n->taints[i];
        if (!(mask & (1u << t->effect)))
            continue;
        bool ok = false;
        for (uint32_t j = 0; j < sp->ntolerations && !ok; j++) {
            const struct sched_taint *tol = &sp->tolerations[j];
            ok = !strcmp(tol->kv.key, t->kv.key) &&
                 (!tol->kv.value[0] || !strcmp(tol->kv.value, t->kv.value)) &&
                 (!tol->effect || tol->effect == t->effect);
        }
        if (!ok)
            return false;
    }
    return true;
}

bool simcheck_noexecute(const struct sim *s, const struct sim_proc *p, uint32_t node)
{
    return !tolerated(&s->truth[node - 1], &p->spec, 1u << SCHED_NO_EXECUTE);
}

/* The spread group's count per domain value; the domain of node in *mine.
 * Domains: values of the key on up nodes matching p's selector. */
static uint32_t spread_counts(const struct sim *s, const struct sim_proc *p, const char **values,
                              uint32_t *count)
{
    uint32_t nd = 0;
    for (uint32_t k = 1; k <= s->cfg.nnodes; k++) {
        const struct sched_node *n = &s->truth[k - 1];
        const char *v = value_of(n, p->spec.spread_key);
        if (!s->up[k] || !v || !selector_holds(n, &p->spec))
            continue;
        uint32_t d = 0;
        while (d < nd && strcmp(values[d], v))
            d++;
        if (d == nd) {
            values[nd] = v;
            count[nd++] = 0;
        }
    }
    for (uint32_t i = 0; i < s->nprocs; i++) {
        const struct sim_proc *q = &s->procs[i];
        if (!live_other(q, p) || strcmp(q->spec.spread_key, p->spec.spread_key))
            continue;
        bool all = true;
        for (uint32_t l = 0; l < p->spec.nlabels && all; l++) {
            bool found = false;
            for (uint32_t j = 0; j < q->spec.nlabels; j++)
                found |= !strcmp(q->spec.labels[j].key, p->spec.labels[l].key) &&
                         !strcmp(q->spec.labels[j].value, p->spec.labels[l].value);
            all = found;
        }
        const struct sched_node *n = &s->truth[q->node - 1];
        const char *v = value_of(n, p->spec.spread_key);
        if (!all || !v || !s->up[q->node] || !selector_holds(n, &p->spec))
            continue;
        for (uint32_t d = 0; d < nd; d++)
            if (!strcmp(values[d], v))
                count[d]++;
    }
    return nd;
}

const char *simcheck_fits(const struct sim *s, const struct sim_proc *p, uint32_t node)
{
    if (node < 1 || node > s->cfg.nnodes || !s->up[node])
        return "node down";
    const struct sched_node *n = &s->truth[node - 1];
    uint64_t cpu = p->spec.cpu_milli, mem = p->spec.mem_kib;
    for (uint32_t i = 0; i < s->nprocs; i++) {
        const struct sim_proc *q = &s->procs[i];
        if (live_other(q, p) && q->node == node) {
            cpu += q->spec.cpu_milli;
            mem += q->spec.mem_kib;
        }
    }
    if (cpu > n->cpu_cap_milli)
        return "cpu overcommitted";
    if (mem > n->mem_cap_kib)
        return "memory overcommitted";
    if (!selector_holds(n, &p->spec))
        return "selector not met";
    if (!tolerated(n, &p->spec, 1u << SCHED_NO_SCHEDULE | 1u << SCHED_NO_EXECUTE))
        return "taint not tolerated";
    const struct sched_spec *sp = &p->spec;
    if (sp->affinity.key[0]) {
        bool here = false, anywhere = false;
        for (uint32_t i = 0; i < s->nprocs; i++) {
            const struct sim_proc *q = &s->procs[i];
            if (live_other(q, p) && has(q->spec.labels, q->spec.nlabels, &sp->affinity)) {
                anywhere = true;
                here |= q->node == node;
            }
        }
        if (!here && (anywhere || !has(sp->labels, sp->nlabels, &sp->affinity)))
            return "affinity not met";
    }
    for (uint32_t i = 0; i < s->nprocs; i++) {
        const struct sim_proc *q = &s->procs[i];
        if (!live_other(q, p) || q->node != node)
            continue;
        if (sp->anti_affinity.key[0] && has(q->spec.labels, q->spec.nlabels, &sp->anti_affinity))
            return "anti-affinity broken";
        if (q->spec.anti_affinity.key[0] && has(sp->labels, sp->nlabels, &q->spec.anti_affinity))
            return "anti-affinity broken (theirs)";
    }
    if (sp->spread_key[0]) {
        const char *values[SIM_NODES];
        uint32_t count[SIM_NODES];
        uint32_t nd = spread_counts(s, p, values, count);
        const char *mine = value_of(n, sp->spread_key);
        if (!mine)
            return "spread: node has no such label";
        uint32_t min = UINT32_MAX, at = UINT32_MAX;
        for (uint32_t d = 0; d < nd; d++) {
            if (count[d] < min)
                min = count[d];
            if (!strcmp(values[d], mine))
                at = count[d];
        }
        if (at == UINT32_MAX || at > min)
            return "spread skew above 1";
    }
    return NULL;
}

int simcheck_spread_skew(const struct sim *s, const struct sim_proc *p)
{
    if (!p->spec.spread_key[0])
        return -1;
    const char *values[SIM_NODES];
    uint32_t count[SIM_NODES];
    uint32_t nd = spread_counts(s, p, values, count);
    uint32_t min = UINT32_MAX, max = 0;
    for (uint32_t d = 0; d < nd; d++) {
        min = count[d] < min ? count[d] : min;
        max = count[d] > max ? count[d] : max;
    }
    return nd ? (int)(max - min) : 0;
}

void simcheck_capacity(struct sim *s)
{
    for (uint32_t k = 1; k <= s->cfg.nnodes; k++) {
        uint64_t cpu = 0, mem = 0;
        for (uint32_t i = 0; i < s->nprocs; i++) {
            const struct sim_proc *q = &s->procs[i];
            if (q->req_id && q->st == SP_RUNNING && q->node == k) {
                cpu += q->spec.cpu_milli;
                mem += q->spec.mem_kib;
            }
        }
        if (cpu > s->truth[k - 1].cpu_cap_milli || mem > s->truth[k - 1].mem_cap_kib)
            sim_violation(s, "node %u overcommitted: cpu %llu mem %llu", k, (unsigned long long)cpu,
                          (unsigned long long)mem);
    }
}
