/* services/sched/view.c: questions about a view (view.h). */
#include "services/sched/view.h"

#include "services/sched/schedstr.h"

void sched_spec_default(struct sched_spec *s)
{
    __builtin_memset(s, 0, sizeof *s);
    s->cpu_milli = SCHED_DEFAULT_CPU_MILLI;
    s->mem_kib = SCHED_DEFAULT_MEM_KIB;
}

bool sched_spec_constrained(const struct sched_spec *s)
{
    return s->nlabels || s->affinity.key[0] || s->anti_affinity.key[0] || s->spread_key[0];
}

bool sched_live(const struct sched_placement *p)
{
    return p->state == SCHED_PLACED || p->state == SCHED_RUNNING;
}

bool sched_counts(const struct sched_view *v, const struct sched_placement *p)
{
    return sched_live(p) && !(v->moving_req_id && p->req_id == v->moving_req_id);
}

const struct sched_node *sched_view_node(const struct sched_view *v, uint32_t id)
{
    if (id == 0)
        return 0;
    for (uint32_t i = 0; i < v->nnodes; i++)
        if (v->nodes[i].id == id)
            return &v->nodes[i];
    return 0;
}

const struct sched_placement *sched_view_find(const struct sched_view *v, uint64_t req_id)
{
    if (req_id == 0)
        return 0;
    for (uint32_t i = 0; i < v->nplacements; i++)
        if (v->placements[i].state != SCHED_FREE && v->placements[i].req_id == req_id)
            return &v->placements[i];
    return 0;
}

const struct sched_spec *sched_proc_spec(const struct sched_view *v, const struct sched_proc *p,
                                         struct sched_spec *scratch)
{
    const struct sched_placement *pl = sched_view_find(v, p->req_id);
    if (pl && sched_live(pl))
        return &pl->spec;
    sched_spec_default(scratch);
    return scratch;
}

bool sched_label_match(const struct sched_label *want, const struct sched_label *have)
{
    return sched_streq(want->key, have->key, SCHED_KEY_MAX) &&
           (!want->value[0] || sched_streq(want->value, have->value, SCHED_VALUE_MAX));
}

bool sched_has_label(const struct sched_label *labels, uint32_t n, const struct sched_label *want)
{
    for (uint32_t i = 0; i < n; i++)
        if (sched_label_match(want, &labels[i]))
            return true;
    return false;
}

/* ---- load ------------------------------------------------------------------ */

uint32_t sched_proc_load(const struct sched_node *n, const struct sched_proc *p)
{
    uint32_t use = n->cpu_use_milli, runq = n->runq_milli > use ? n->runq_milli : use;
    if (use == 0)
        return 0; /* the node says nothing ran: neither did this */
    uint64_t l = (uint64_t)p->cpu_milli * runq / use;
    return l > runq ? runq : (uint32_t)l;
}

static uint32_t listed(const struct sched_node *n)
{
    return n->nprocs_listed < SCHED_NODE_PROCS ? n->nprocs_listed : SCHED_NODE_PROCS;
}

/* The report of n lists the live placement p (by its request, or its pid). */
static bool reported(const struct sched_node *n, const struct sched_placement *p)
{
    for (uint32_t i = 0; i < listed(n); i++) {
        const struct sched_proc *q = &n->procs[i];
        if (q->req_id == p->req_id || (p->state == SCHED_RUNNING && q->pid == p->pid))
            return true;
    }
    return false;
}

uint32_t sched_node_load(const struct sched_view *v, const struct sched_node *n)
{
    uint64_t load = n->runq_milli;
    for (uint32_t i = 0; i < listed(n); i++) {
        const struct sched_placement *pl = sched_view_find(v, n->procs[i].req_id);
        if (pl && sched_live(pl) && pl->node != n->id) {
            uint32_t l = sched_proc_load(n, &n->procs[i]);
            load = load > l ? load - l : 0;
        }
    }
    for (uint32_t i = 0; i < v->nplacements; i++) {
        const struct sched_placement *pl = &v->placements[i];
        if (sched_live(pl) && pl->node == n->id && !reported(n, pl))
            load += pl->spec.cpu_milli < 1000 ? pl->spec.cpu_milli : 1000;
    }
    return load > UINT32_MAX ? UINT32_MAX : (uint32_t)load;
}

uint32_t sched_per_hart(uint64_t load, uint32_t cpu_cap_milli)
{
    uint64_t cap = cpu_cap_milli ? cpu_cap_milli : 1;
    uint64_t l = load * 1000 / cap;
    return l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
}

/* ---- accounting ------------------------------------------------------------ */

static uint32_t add_sat(uint32_t a, uint32_t b, int sign)
{
    if (sign < 0)
        return a > b ? a - b : 0;
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

void sched_account(struct sched_node *nodes, uint32_t nnodes, const struct sched_placement *p,
                   int sign)
{
    for (uint32_t i = 0; i < nnodes; i++) {
        if (nodes[i].id && nodes[i].id == p->node) {
            nodes[i].cpu_req_milli = add_sat(nodes[i].cpu_req_milli, p->spec.cpu_milli, sign);
            nodes[i].mem_req_kib = add_sat(nodes[i].mem_req_kib, p->spec.mem_kib, sign);
            return;
        }
    }
}

void sched_account_all(struct sched_node *nodes, uint32_t nnodes, const struct sched_placement *ps,
                       uint32_t np)
{
    for (uint32_t i = 0; i < nnodes; i++)
        nodes[i].cpu_req_milli = nodes[i].mem_req_kib = 0;
    for (uint32_t i = 0; i < np; i++)
        if (sched_live(&ps[i]))
            sched_account(nodes, nnodes, &ps[i], 1);
}
