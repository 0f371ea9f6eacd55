/* services/sched/place.c: one placement decision, and a drain's moves
 * (place.h). */
#include "services/sched/place.h"

#include "lib/errno.h"
#include "services/sched/filters.h"
#include "services/sched/schedstr.h"
#include "services/sched/view.h"

/* ---- why nothing passed ------------------------------------------------------ */

#define REASON_KINDS 16 /* the framework's filters and a policy's own reasons */

struct tally {
    const char *reason[REASON_KINDS];
    uint32_t count[REASON_KINDS];
    uint32_t kinds, nodes, passed;
};

static void tally_add(struct tally *t, const char *why)
{
    uint32_t k = 0;
    while (k < t->kinds && !sched_streq(t->reason[k], why, SCHED_REASON_MAX))
        k++;
    if (k == t->kinds) {
        if (t->kinds == REASON_KINDS)
            k = REASON_KINDS - 1; /* more kinds than that: the last slot takes them */
        else
            t->reason[t->kinds++] = why;
    }
    t->count[k]++;
}

struct out {
    char *p;
    size_t cap, n;
};

static void out_str(struct out *o, const char *s)
{
    for (; *s; s++)
        if (o->n + 1 < o->cap)
            o->p[o->n++] = *s;
    if (o->cap)
        o->p[o->n < o->cap ? o->n : o->cap - 1] = 0;
}

static void out_u32(struct out *o, uint32_t v)
{
    char d[11];
    int i = 10;
    d[i] = 0;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_str(o, &d[i]);
}

/* "P/N nodes: c1 r1, c2 r2": kinds by count, most first; ties keep the order
 * they were first seen in, which is filter order for the framework's (every
 * node runs the filters in the same order). */
static void tally_format(struct tally *t, char *buf, size_t cap)
{
    struct out o = {buf, cap, 0};
    if (!cap)
        return;
    buf[0] = 0;
    /* the framework's reasons in filter order first, then the policy's */
    uint32_t order[REASON_KINDS], n = 0;
    for (int f = 0; f < SCHED_FILTER_REASONS; f++)
        for (uint32_t k = 0; k < t->kinds; k++)
            if (sched_streq(t->reason[k], sched_filter_reasons[f], SCHED_REASON_MAX))
                order[n++] = k;
    for (uint32_t k = 0; k < t->kinds; k++) {
        bool framework = false;
        for (int f = 0; f < SCHED_FILTER_REASONS; f++)
            framework |= sched_streq(t->reason[k], sched_filter_reasons[f], SCHED_REASON_MAX);
        if (!framework)
            order[n++] = k;
    }
    /* stable sort by count, descending (insertion sort: at most 16) */
    for (uint32_t i = 1; i < n; i++) {
        uint32_t k = order[i], j = i;
        while (j > 0 && t->count[order[j - 1]] < t->count[k]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    out_u32(&o, t->passed);
    out_str(&o, "/");
    out_u32(&o, t->nodes);
    out_str(&o, " nodes");
    for (uint32_t i = 0; i < n; i++) {
        out_str(&o, i ? ", " : ": ");
        out_u32(&o, t->count[order[i]]);
        out_str(&o, " ");
        out_str(&o, t->reason[order[i]]);
    }
}

/* ---- choosing a node ------------------------------------------------------------ */

static bool passes(const struct sched_policy *p, const struct sched_view *v,
                   const struct sched_node *n, const struct sched_spec *s, const char **why)
{
    if (!sched_filter(v, n, s, why))
        return false;
    if (p->filter && !p->filter(p->state, v, n, s, why)) {
        if (!*why)
            *why = "policy";
        return false;
    }
    return true;
}

static int score_of(const struct sched_policy *p, const struct sched_view *v,
                    const struct sched_node *n, const struct sched_spec *s)
{
    int sc = p->score ? p->score(p->state, v, n, s) : 0;
    return sc < 0 ? 0 : sc > 100 ? 100 : sc;
}

int sched_place(const struct sched_policy *p, const struct sched_view *v,
                const struct sched_spec *s, uint32_t *node, char *reason, size_t cap)
{
    struct tally t;
    __builtin_memset(&t, 0, sizeof t);
    const struct sched_node *best = 0;
    int best_score = -1;
    *node = 0;
    for (uint32_t i = 0; i < v->nnodes; i++) {
        const struct sched_node *n = &v->nodes[i];
        if (!n->id)
            continue;
        t.nodes++;
        const char *why = 0;
        if (!passes(p, v, n, s, &why)) {
            tally_add(&t, why);
            continue;
        }
        t.passed++;
        int sc = score_of(p, v, n, s);
        if (sc > best_score || (sc == best_score && n->id < best->id)) {
            best = n;
            best_score = sc;
        }
    }
    if (!best) {
        tally_format(&t, reason, cap);
        return -EAGAIN;
    }
    if (cap)
        reason[0] = 0;
    *node = best->id;
    if (p->placed)
        p->placed(p->state, v, best->id, s);
    return best_score;
}

/* ---- drain ------------------------------------------------------------------------ */

int sched_drain(const struct sched_policy *p, const struct sched_view *v, uint32_t node,
                uint64_t now_ms, struct sched_move *out, int max)
{
    const struct sched_node *from = sched_view_node(v, node);
    uint32_t nn = v->nnodes < SCHED_NODES_MAX ? v->nnodes : SCHED_NODES_MAX;
    /* What the moves chosen so far add to each target. */
    uint32_t add_cpu[SCHED_NODES_MAX] = {0}, add_mem[SCHED_NODES_MAX] = {0};
    uint32_t add_load[SCHED_NODES_MAX] = {0};
    bool constrained_taken = false;
    int nout = 0;
    if (!from)
        return 0;
    uint32_t listed =
        from->nprocs_listed < SCHED_NODE_PROCS ? from->nprocs_listed : SCHED_NODE_PROCS;
    for (uint32_t k = 0; k < listed && nout < max; k++) {
        const struct sched_proc *q = &from->procs[k];
        if (!q->movable || q->leaving || q->pid <= 0)
            continue; /* (one leaving already: the drain waits for it to go) */
        struct sched_spec scratch;
        const struct sched_spec *s = sched_proc_spec(v, q, &scratch);
        bool constrained = sched_spec_constrained(s);
        if (constrained && constrained_taken)
            continue;
        struct sched_view mv = *v;
        mv.moving_req_id = q->req_id;
        int best = -1, best_score = -1;
        for (uint32_t i = 0; i < nn; i++) {
            if (!v->nodes[i].id || v->nodes[i].id == node)
                continue;
            /* the target as it will be with the moves already chosen */
            struct sched_node t = v->nodes[i];
            t.cpu_req_milli += add_cpu[i];
            t.mem_req_kib += add_mem[i];
            t.runq_milli += add_load[i];
            const char *why = 0;
            if (!passes(p, &mv, &t, s, &why))
                continue;
            int sc = score_of(p, &mv, &t, s);
            if (sc > best_score) {
                best = (int)i;
                best_score = sc;
            }
        }
        if (best < 0)
            continue;
        add_cpu[best] += s->cpu_milli;
        add_mem[best] += s->mem_kib;
        add_load[best] += sched_proc_load(from, q);
        constrained_taken |= constrained;
        out[nout].pid = q->pid;
        out[nout].from = node;
        out[nout].to = v->nodes[best].id;
        out[nout].gain = best_score;
        if (p->placed)
            p->placed(p->state, &mv, v->nodes[best].id, s);
        if (p->moved)
            p->moved(p->state, v, &out[nout], now_ms);
        nout++;
    }
    return nout;
}
