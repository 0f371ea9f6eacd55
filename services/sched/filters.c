/* services/sched/filters.c: the framework's filters (filters.h). */
#include "services/sched/filters.h"

#include "services/sched/schedstr.h"
#include "services/sched/view.h"

const char *const sched_filter_reasons[SCHED_FILTER_REASONS] = {
    "down", "cordoned", "cpu", "memory", "selector", "taint", "affinity", "anti-affinity", "spread",
};

static uint32_t nlabels(const struct sched_node *n)
{
    return n->nlabels < SCHED_NODE_LABELS ? n->nlabels : SCHED_NODE_LABELS;
}

static uint32_t nterms(uint32_t n) { return n < SCHED_SPEC_TERMS ? n : SCHED_SPEC_TERMS; }

static bool selector_ok(const struct sched_node *n, const struct sched_spec *s)
{
    for (uint32_t i = 0; i < nterms(s->nselector); i++)
        if (!sched_has_label(n->labels, nlabels(n), &s->selector[i]))
            return false;
    return true;
}

bool sched_tolerates(const struct sched_spec *s, const struct sched_taint *t)
{
    for (uint32_t i = 0; i < nterms(s->ntolerations); i++) {
        const struct sched_taint *tol = &s->tolerations[i];
        if (sched_label_match(&tol->kv, &t->kv) && (tol->effect == 0 || tol->effect == t->effect))
            return true;
    }
    return false;
}

/* Every taint of n with one of the effects in mask is tolerated. */
static bool taints_ok(const struct sched_node *n, const struct sched_spec *s, unsigned mask)
{
    uint32_t nt = n->ntaints < SCHED_NODE_TAINTS ? n->ntaints : SCHED_NODE_TAINTS;
    for (uint32_t i = 0; i < nt; i++) {
        const struct sched_taint *t = &n->taints[i];
        if (t->effect < 8 && (mask & (1u << t->effect)) && !sched_tolerates(s, t))
            return false;
    }
    return true;
}

bool sched_noexecute_violated(const struct sched_node *n, const struct sched_spec *s)
{
    return !taints_ok(n, s, 1u << SCHED_NO_EXECUTE);
}

/* A placement p's own labels include a match for term. */
static bool carries(const struct sched_placement *p, const struct sched_label *term)
{
    return sched_has_label(p->spec.labels, nterms(p->spec.nlabels), term);
}

static bool affinity_ok(const struct sched_view *v, const struct sched_node *n,
                        const struct sched_spec *s)
{
    if (!s->affinity.key[0])
        return true;
    bool anywhere = false;
    for (uint32_t i = 0; i < v->nplacements; i++) {
        const struct sched_placement *p = &v->placements[i];
        if (!sched_counts(v, p) || !carries(p, &s->affinity))
            continue;
        if (p->node == n->id)
            return true;
        anywhere = true;
    }
    /* The first of its group: nothing to be beside yet. */
    return !anywhere && sched_has_label(s->labels, nterms(s->nlabels), &s->affinity);
}

static bool anti_affinity_ok(const struct sched_view *v, const struct sched_node *n,
                             const struct sched_spec *s)
{
    for (uint32_t i = 0; i < v->nplacements; i++) {
        const struct sched_placement *p = &v->placements[i];
        if (!sched_counts(v, p) || p->node != n->id)
            continue;
        if (s->anti_affinity.key[0] && carries(p, &s->anti_affinity))
            return false;
        if (p->spec.anti_affinity.key[0] &&
            sched_has_label(s->labels, nterms(s->nlabels), &p->spec.anti_affinity))
            return false;
    }
    return true;
}

/* n's value of label key, NULL if it has none. */
static const char *label_value(const struct sched_node *n, const char *key)
{
    for (uint32_t i = 0; i < nlabels(n); i++)
        if (sched_streq(n->labels[i].key, key, SCHED_KEY_MAX))
            return n->labels[i].value;
    return 0;
}

/* p belongs to s's spread group: same key, and every label of s. */
static bool in_group(const struct sched_placement *p, const struct sched_spec *s)
{
    if (!sched_streq(p->spec.spread_key, s->spread_key, SCHED_KEY_MAX))
        return false;
    for (uint32_t i = 0; i < nterms(s->nlabels); i++) {
        bool found = false;
        for (uint32_t j = 0; j < nterms(p->spec.nlabels) && !found; j++)
            found = sched_streq(p->spec.labels[j].key, s->labels[i].key, SCHED_KEY_MAX) &&
                    sched_streq(p->spec.labels[j].value, s->labels[i].value, SCHED_VALUE_MAX);
        if (!found)
            return false;
    }
    return true;
}

static bool spread_ok(const struct sched_view *v, const struct sched_node *n,
                      const struct sched_spec *s)
{
    if (!s->spread_key[0])
        return true;
    const char *mine = label_value(n, s->spread_key);
    if (!mine)
        return false;
    /* Domains: distinct values over eligible nodes (at most one per node);
     * dom[i] is node i's domain, or -1 if it is not eligible. */
    const char *values[SCHED_NODES_MAX];
    uint32_t count[SCHED_NODES_MAX];
    int dom[SCHED_NODES_MAX];
    uint32_t ndom = 0, nn = v->nnodes < SCHED_NODES_MAX ? v->nnodes : SCHED_NODES_MAX;
    int my_dom = -1;
    for (uint32_t i = 0; i < nn; i++) {
        const struct sched_node *m = &v->nodes[i];
        const char *val = label_value(m, s->spread_key);
        dom[i] = -1;
        if (!m->id || !m->up || m->cordoned || !val || !selector_ok(m, s))
            continue;
        uint32_t d = 0;
        while (d < ndom && !sched_streq(values[d], val, SCHED_VALUE_MAX))
            d++;
        if (d == ndom) {
            values[ndom] = val;
            count[ndom++] = 0;
        }
        dom[i] = (int)d;
    }
    for (uint32_t d = 0; d < ndom; d++)
        if (sched_streq(values[d], mine, SCHED_VALUE_MAX))
            my_dom = (int)d;
    if (my_dom < 0)
        return false; /* n itself is not eligible (cannot happen past the filters before) */
    for (uint32_t k = 0; k < v->nplacements; k++) {
        const struct sched_placement *p = &v->placements[k];
        if (!sched_counts(v, p) || !in_group(p, s))
            continue;
        for (uint32_t i = 0; i < nn; i++)
            if (v->nodes[i].id == p->node && dom[i] >= 0)
                count[dom[i]]++;
    }
    uint32_t min = count[0];
    for (uint32_t d = 1; d < ndom; d++)
        if (count[d] < min)
            min = count[d];
    return count[my_dom] + 1 - min <= 1;
}

bool sched_filter(const struct sched_view *v, const struct sched_node *n,
                  const struct sched_spec *s, const char **reason)
{
    int why; /* index into sched_filter_reasons, -1: passed */
    if (!n->id || !n->up)
        why = 0;
    else if (n->cordoned)
        why = 1;
    else if (sched_free(n->cpu_cap_milli, n->cpu_req_milli) < s->cpu_milli)
        why = 2;
    else if (sched_free(n->mem_cap_kib, n->mem_req_kib) < s->mem_kib)
        why = 3;
    else if (!selector_ok(n, s))
        why = 4;
    else if (!taints_ok(n, s, 1u << SCHED_NO_SCHEDULE | 1u << SCHED_NO_EXECUTE))
        why = 5;
    else if (!affinity_ok(v, n, s))
        why = 6;
    else if (!anti_affinity_ok(v, n, s))
        why = 7;
    else if (!spread_ok(v, n, s))
        why = 8;
    else
        why = -1;
    if (why >= 0 && reason)
        *reason = sched_filter_reasons[why];
    return why < 0;
}
