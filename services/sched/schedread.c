/* services/sched/schedread.c: what the scheduler's machine answers
 * without a command (schedmachine.h): WAIT, the STATUS lists, and the
 * views the leader decides with. */
#include "lib/errno.h"
#include "services/sched/schedmachine.h"
#include "services/sched/schedstr.h"
#include "services/sched/view.h"

/* ---- reads -------------------------------------------------------------------- */

static void pl_item(struct sched_pl_item *it, const struct sched_placement *p)
{
    it->req_id = p->req_id;
    it->since = p->since;
    it->state = p->state;
    it->restart = p->spec.restart;
    it->restarts = p->restarts;
    it->node = p->node;
    it->cpu_milli = p->spec.cpu_milli;
    it->mem_kib = p->spec.mem_kib;
    it->pid = p->pid;
    sched_strcpy(it->reason, sizeof it->reason, p->reason, sizeof p->reason);
}

/* PLACEMENTS: cursor = the slot after the last one shown. */
static void list_placements(const struct sched_machine *m, uint64_t after, struct sched_reply *rep)
{
    for (uint64_t i = after; i < SCHED_PLACEMENTS_MAX; i++) {
        if (m->p[i].state == SCHED_FREE)
            continue;
        if (rep->n == SCHED_PAGE_PLACEMENTS) {
            rep->more = 1;
            return;
        }
        pl_item(&rep->pl[rep->n++], &m->p[i]);
        rep->next = i + 1;
    }
}

/* DECISIONS and MOVES: oldest first (from the ring's next slot round),
 * cursor = the log index of the last one shown. */
static void list_decisions(const struct sched_machine *m, uint64_t after, struct sched_reply *rep)
{
    for (uint32_t k = 0; k < SCHED_DECISIONS; k++) {
        const struct sched_decision *d = &m->d[(m->d_next + k) % SCHED_DECISIONS];
        if (!d->index || d->index <= after)
            continue;
        if (rep->n == SCHED_PAGE_DECISIONS) {
            rep->more = 1;
            return;
        }
        rep->dec[rep->n++] = *d;
        rep->next = d->index;
    }
}

static void list_moves(const struct sched_machine *m, uint64_t after, struct sched_reply *rep)
{
    for (uint32_t k = 0; k < SCHED_MOVES; k++) {
        const struct sched_moved *mv = &m->mv[(m->mv_next + k) % SCHED_MOVES];
        if (!mv->index || mv->index <= after)
            continue;
        if (rep->n == SCHED_PAGE_MOVES) {
            rep->more = 1;
            return;
        }
        rep->mv[rep->n++] = *mv;
        rep->next = mv->index;
    }
}

void schm_read(const struct sched_machine *m, const struct sched_request *req,
               struct sched_reply *rep)
{
    schm_reply_init(m, rep, req->op);
    if (req->op == SCHED_OP_WAIT) {
        const struct sched_placement *p = schm_find(m, req->req_id);
        if (p)
            schm_reply_placement(rep, p);
        else
            rep->status = -ENOENT;
        return;
    }
    if (req->op != SCHED_OP_STATUS) {
        rep->status = -EINVAL;
        return;
    }
    rep->list = req->list;
    rep->next = req->after;
    switch (req->list) {
    case SCHED_LIST_PLACEMENTS:
        list_placements(m, req->after, rep);
        return;
    case SCHED_LIST_DECISIONS:
        list_decisions(m, req->after, rep);
        return;
    case SCHED_LIST_MOVES:
        list_moves(m, req->after, rep);
        return;
    default:
        rep->list = 0;
        rep->status = -EINVAL;
        return;
    }
}

void schm_read_nodes(const struct sched_machine *m, const struct sched_node *nodes, uint32_t nnodes,
                     uint64_t after, struct sched_reply *rep)
{
    schm_reply_init(m, rep, SCHED_OP_STATUS);
    rep->list = SCHED_LIST_NODES;
    rep->next = after;
    for (uint32_t i = 0; i < nnodes; i++) {
        const struct sched_node *n = &nodes[i];
        if (!n->id || n->id > SCHED_NODES_MAX || n->id <= after)
            continue;
        if (rep->n == SCHED_PAGE_NODES) {
            rep->more = 1;
            return;
        }
        struct sched_node *it = &rep->nodes[rep->n++];
        *it = *n;
        it->nprocs_listed = 0; /* a page carries no processes */
        __builtin_memset(it->procs, 0, sizeof it->procs);
        rep->next = n->id;
    }
}

/* ---- views -------------------------------------------------------------------- */

/* Remove labels[i] (keeping the order of the rest). */
static void label_drop(struct sched_node *n, uint32_t i)
{
    for (; i + 1 < n->nlabels; i++)
        n->labels[i] = n->labels[i + 1];
    __builtin_memset(&n->labels[--n->nlabels], 0, sizeof n->labels[0]);
}

static void taint_drop(struct sched_node *n, uint32_t i)
{
    for (; i + 1 < n->ntaints; i++)
        n->taints[i] = n->taints[i + 1];
    __builtin_memset(&n->taints[--n->ntaints], 0, sizeof n->taints[0]);
}

/* The overrides of nd over n's own labels and taints, in the order set. A
 * new key on a node whose table is full is left out. */
static void overlay(const struct schm_node *nd, struct sched_node *n)
{
    if (n->nlabels > SCHED_NODE_LABELS)
        n->nlabels = SCHED_NODE_LABELS;
    if (n->ntaints > SCHED_NODE_TAINTS)
        n->ntaints = SCHED_NODE_TAINTS;
    for (uint32_t k = 0; k < nd->nlabels; k++) {
        const struct schm_label *o = &nd->labels[k];
        uint32_t i = 0;
        while (i < n->nlabels && !sched_streq(n->labels[i].key, o->kv.key, SCHED_KEY_MAX))
            i++;
        if (o->removed) {
            if (i < n->nlabels)
                label_drop(n, i);
        } else if (i < n->nlabels || n->nlabels < SCHED_NODE_LABELS) {
            if (i == n->nlabels)
                n->nlabels++;
            n->labels[i] = o->kv;
        }
    }
    for (uint32_t k = 0; k < nd->ntaints; k++) {
        const struct schm_taint *o = &nd->taints[k];
        uint32_t i = 0;
        while (i < n->ntaints && !sched_streq(n->taints[i].kv.key, o->t.kv.key, SCHED_KEY_MAX))
            i++;
        if (o->removed) {
            if (i < n->ntaints)
                taint_drop(n, i);
        } else if (i < n->ntaints || n->ntaints < SCHED_NODE_TAINTS) {
            if (i == n->ntaints)
                n->ntaints++;
            n->taints[i] = o->t;
        }
    }
}

void schm_fill_nodes(const struct sched_machine *m, struct sched_node *nodes, uint32_t nnodes)
{
    for (uint32_t i = 0; i < nnodes; i++) {
        struct sched_node *n = &nodes[i];
        if (!n->id || n->id > SCHED_NODES_MAX)
            continue;
        const struct schm_node *nd = &m->nodes[n->id - 1];
        n->cordoned = nd->cordoned;
        overlay(nd, n);
    }
    sched_account_all(nodes, nnodes, m->p, SCHED_PLACEMENTS_MAX);
}

struct sched_view schm_view(const struct sched_machine *m, const struct sched_node *nodes,
                            uint32_t nnodes)
{
    struct sched_view v;
    __builtin_memset(&v, 0, sizeof v);
    v.nodes = nodes;
    v.nnodes = nnodes;
    v.placements = m->p;
    v.nplacements = SCHED_PLACEMENTS_MAX;
    return v;
}
