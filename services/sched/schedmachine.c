/* services/sched/schedmachine.c: the scheduler's replicated state machine
 * (schedmachine.h). Snapshots are in schedsnap.c.
 *
 * Deterministic by construction: no clock, no randomness, no allocation;
 * every choice that could differ between replicas (the slot a new
 * placement takes, which LOST slot is reused) is a fixed rule over the
 * machine's own contents: the lowest free slot, else the LOST one that has
 * been so longest (lowest `since`, lowest slot on a tie). Slots are written
 * field by field over zeros, so replicas hold the same bytes. */
#include "services/sched/schedmachine.h"

#include "lib/errno.h"
#include "services/sched/policies.h"
#include "services/sched/schedstr.h"
#include "services/sched/view.h"

void schm_init(struct sched_machine *m)
{
    __builtin_memset(m, 0, sizeof *m);
    sched_strcpy(m->policy, sizeof m->policy, SCHED_POLICY_DEFAULT, sizeof SCHED_POLICY_DEFAULT);
}

static struct sched_placement *find(struct sched_machine *m, uint64_t req_id)
{
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++)
        if (m->p[i].state != SCHED_FREE && m->p[i].req_id == req_id)
            return &m->p[i];
    return 0;
}

const struct sched_placement *schm_find(const struct sched_machine *m, uint64_t req_id)
{
    return req_id ? find((struct sched_machine *)m, req_id) : 0;
}

/* The RUNNING placement with pid (on node, unless node is 0), NULL if none. */
static struct sched_placement *find_pid(struct sched_machine *m, int32_t pid, uint32_t node)
{
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++) {
        struct sched_placement *p = &m->p[i];
        if (p->state == SCHED_RUNNING && p->pid == pid && (!node || p->node == node))
            return p;
    }
    return 0;
}

/* A slot for a new placement: the lowest free one, else the oldest LOST. */
static struct sched_placement *take_slot(struct sched_machine *m)
{
    struct sched_placement *lost = 0;
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++) {
        struct sched_placement *p = &m->p[i];
        if (p->state == SCHED_FREE)
            return p;
        if (p->state == SCHED_LOST && (!lost || p->since < lost->since))
            lost = p;
    }
    return lost;
}

/* ---- replies ------------------------------------------------------------------ */

void schm_reply_init(const struct sched_machine *m, struct sched_reply *rep, uint8_t op)
{
    __builtin_memset(rep, 0, sizeof *rep);
    rep->op = op;
    rep->index = m->applied;
    sched_strcpy(rep->policy, sizeof rep->policy, m->policy, sizeof m->policy);
}

void schm_reply_placement(struct sched_reply *rep, const struct sched_placement *p)
{
    rep->req_id = p->req_id;
    rep->state = p->state;
    rep->node = p->node;
    rep->pid = p->pid;
    sched_strcpy(rep->reason, sizeof rep->reason, p->reason, sizeof p->reason);
}

/* ---- rings -------------------------------------------------------------------- */

static void record_decision(struct sched_machine *m, uint64_t index,
                            const struct sched_placement *p, uint8_t score)
{
    struct sched_decision *d = &m->d[m->d_next];
    __builtin_memset(d, 0, sizeof *d);
    d->index = index;
    d->req_id = p->req_id;
    d->node = p->state == SCHED_PENDING ? 0 : p->node;
    d->score = d->node ? score : 0;
    sched_strcpy(d->policy, sizeof d->policy, m->policy, sizeof m->policy);
    sched_strcpy(d->reason, sizeof d->reason, p->reason, sizeof p->reason);
    m->d_next = (m->d_next + 1) % SCHED_DECISIONS;
}

static void record_move(struct sched_machine *m, uint64_t index, int32_t pid, uint32_t from,
                        uint32_t to)
{
    struct sched_moved *mv = &m->mv[m->mv_next];
    __builtin_memset(mv, 0, sizeof *mv);
    mv->index = index;
    mv->pid = pid;
    mv->from = from;
    mv->to = to;
    m->mv_next = (m->mv_next + 1) % SCHED_MOVES;
}

/* ---- commands ----------------------------------------------------------------- */

/* A new placement of req_id with spec in a slot (take_slot), cleared; NULL if none. */
static struct sched_placement *new_placement(struct sched_machine *m, uint64_t req_id,
                                             const struct sched_spec *spec)
{
    struct sched_placement *p = take_slot(m);
    if (p) {
        __builtin_memset(p, 0, sizeof *p);
        p->req_id = req_id;
        p->spec = *spec;
    }
    return p;
}

static int place(struct sched_machine *m, const struct sched_request *c, uint64_t index,
                 struct sched_reply *rep)
{
    struct sched_placement *p = find(m, c->req_id);
    if (p) { /* placed once already: the first decision stands */
        schm_reply_placement(rep, p);
        return 0;
    }
    p = new_placement(m, c->req_id, &c->spec);
    if (!p)
        return -ENOSPC;
    p->cmd = c->cmd;
    p->since = index;
    if (c->node) {
        p->state = SCHED_PLACED;
        p->node = c->node;
    } else {
        p->state = SCHED_PENDING;
        sched_strcpy(p->reason, sizeof p->reason, c->reason, sizeof c->reason);
    }
    record_decision(m, index, p, c->score);
    schm_reply_placement(rep, p);
    rep->score = c->node ? c->score : 0;
    return 0;
}

static int bind(struct sched_machine *m, const struct sched_request *c, uint64_t index,
                struct sched_reply *rep)
{
    struct sched_placement *p = find(m, c->req_id);
    if (!p && !c->node)
        return -ENOENT;
    if (p) {
        schm_reply_placement(rep, p);
        switch (p->state) {
        case SCHED_PENDING:
            return -EAGAIN;
        case SCHED_LOST:
            return -ESTALE;
        case SCHED_RUNNING:
            return p->pid == c->pid ? 0 : -EEXIST;
        default:
            break;
        }
    }
    if (find_pid(m, c->pid, 0))
        return -EEXIST;
    if (!p) {
        /* Started on an answer whose PLACE was lost with its leader (the
         * leader answers before the commit, clients.c): the log learns of
         * it now, from where it runs and what it asked for. */
        p = new_placement(m, c->req_id, &c->spec);
        if (!p)
            return -ENOSPC;
    }
    if (c->node)
        p->node = c->node; /* where it started, whatever was decided */
    p->state = SCHED_RUNNING;
    p->pid = c->pid;
    p->since = index;
    schm_reply_placement(rep, p);
    return 0;
}

static int exited(struct sched_machine *m, const struct sched_request *c, struct sched_reply *rep)
{
    struct sched_placement *p;
    if (c->req_id) {
        p = find(m, c->req_id);
        if (!p)
            return -ENOENT;
        if (c->pid && p->state == SCHED_RUNNING && p->pid != c->pid) {
            schm_reply_placement(rep, p);
            return -ESRCH;
        }
    } else {
        p = find_pid(m, c->pid, c->node);
        if (!p)
            return -ENOENT;
    }
    schm_reply_placement(rep, p);
    rep->state = SCHED_FREE;
    __builtin_memset(p, 0, sizeof *p);
    return 0;
}

static int pending_placed(struct sched_machine *m, const struct sched_request *c, uint64_t index,
                          struct sched_reply *rep)
{
    struct sched_placement *p = find(m, c->req_id);
    if (!p)
        return -ENOENT;
    if (p->state != SCHED_PENDING) {
        schm_reply_placement(rep, p);
        return p->state == SCHED_LOST ? -ESTALE : -EALREADY;
    }
    p->state = SCHED_PLACED;
    p->node = c->node;
    p->since = index;
    __builtin_memset(p->reason, 0, sizeof p->reason);
    record_decision(m, index, p, c->score);
    schm_reply_placement(rep, p);
    rep->score = c->score;
    return 0;
}

static uint32_t node_lost(struct sched_machine *m, uint32_t node, uint64_t index)
{
    uint32_t n = 0;
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++) {
        struct sched_placement *p = &m->p[i];
        if (!sched_live(p) || p->node != node)
            continue;
        n++;
        p->since = index;
        if (p->spec.restart) {
            p->state = SCHED_PENDING;
            p->node = 0;
            p->pid = 0;
            if (p->restarts < 255)
                p->restarts++;
            sched_strcpy(p->reason, sizeof p->reason, "restart", sizeof "restart");
        } else {
            p->state = SCHED_LOST;
        }
    }
    return n;
}

static int moved(struct sched_machine *m, const struct sched_request *c, uint64_t index,
                 struct sched_reply *rep)
{
    struct sched_placement *p = find_pid(m, c->pid, 0);
    if (p) {
        schm_reply_placement(rep, p);
        if (p->node == c->to)
            return 0; /* a repeat: recorded the first time */
        if (p->node != c->node)
            return -ESTALE;
        p->node = c->to;
        rep->node = c->to;
    }
    record_move(m, index, c->pid, c->node, c->to);
    return p ? 0 : -ENOENT;
}

/* Set (or, remove, tombstone) key's override in a table of n of max. */
static int label_set(struct schm_node *nd, const struct sched_request *c)
{
    bool remove = c->flags & SCHED_F_REMOVE;
    uint32_t i = 0;
    while (i < nd->nlabels && !sched_streq(nd->labels[i].kv.key, c->kv.kv.key, SCHED_KEY_MAX))
        i++;
    if (i == nd->nlabels) {
        if (nd->nlabels == SCHED_NODE_LABELS)
            return -ENOSPC;
        nd->nlabels++;
    }
    struct schm_label *l = &nd->labels[i];
    __builtin_memset(l, 0, sizeof *l);
    l->kv = c->kv.kv;
    if (remove) {
        __builtin_memset(l->kv.value, 0, sizeof l->kv.value);
        l->removed = 1;
    }
    return 0;
}

static int taint_set(struct schm_node *nd, const struct sched_request *c)
{
    bool remove = c->flags & SCHED_F_REMOVE;
    uint32_t i = 0;
    while (i < nd->ntaints && !sched_streq(nd->taints[i].t.kv.key, c->kv.kv.key, SCHED_KEY_MAX))
        i++;
    if (i == nd->ntaints) {
        if (nd->ntaints == SCHED_NODE_TAINTS)
            return -ENOSPC;
        nd->ntaints++;
    }
    struct schm_taint *t = &nd->taints[i];
    __builtin_memset(t, 0, sizeof *t);
    t->t = c->kv;
    if (remove) {
        __builtin_memset(t->t.kv.value, 0, sizeof t->t.kv.value);
        t->t.effect = 0;
        t->removed = 1;
    }
    return 0;
}

static int apply_op(struct sched_machine *m, const struct sched_request *c, uint64_t index,
                    struct sched_reply *rep)
{
    switch (c->op) {
    case SCHED_OP_PLACE:
        return place(m, c, index, rep);
    case SCHED_OP_BIND:
        return bind(m, c, index, rep);
    case SCHED_OP_EXITED:
        return exited(m, c, rep);
    case SCHED_OP_PENDING_PLACED:
        return pending_placed(m, c, index, rep);
    case SCHED_OP_NODE_LOST:
        rep->count = node_lost(m, c->node, index);
        return 0;
    case SCHED_OP_MOVED:
        return moved(m, c, index, rep);
    case SCHED_OP_CORDON:
    case SCHED_OP_UNCORDON:
        m->nodes[c->node - 1].cordoned = c->op == SCHED_OP_CORDON;
        rep->node = c->node;
        return 0;
    case SCHED_OP_LABEL:
        rep->node = c->node;
        return label_set(&m->nodes[c->node - 1], c);
    case SCHED_OP_TAINT:
        rep->node = c->node;
        return taint_set(&m->nodes[c->node - 1], c);
    case SCHED_OP_POLICY:
        sched_strcpy(m->policy, sizeof m->policy, c->name, sizeof c->name);
        return 0;
    default:
        return -EINVAL;
    }
}

/* A placement op: its repeat is answered from the placement as it is now. */
static bool about_placement(uint8_t op)
{
    return op == SCHED_OP_PLACE || op == SCHED_OP_BIND || op == SCHED_OP_EXITED;
}

int schm_apply(struct sched_machine *m, uint64_t index, const uint8_t *cmd, size_t len,
               struct sched_reply *rep)
{
    static struct sched_reply scratch; /* when the caller wants no reply (4 KiB) */
    struct sched_request c;
    if (!rep)
        rep = &scratch;
    if (index <= m->applied) {
        schm_reply_init(m, rep, 0);
        rep->status = -EINVAL; /* the caller's bug: nothing changes */
        return rep->status;
    }
    int status;
    if (sched_cmd_decode(cmd, len, &c)) {
        m->applied = index;
        schm_reply_init(m, rep, 0);
        rep->status = -EBADMSG;
        return rep->status;
    }
    schm_reply_init(m, rep, c.op);
    if (c.client) {
        struct dedup_client *cl;
        switch (dedup_check(m->c, SCHED_MAX_CLIENTS, c.client, c.seq, index, &cl)) {
        case DEDUP_REPEAT: {
            const struct sched_placement *p = schm_find(m, c.req_id);
            status = cl->status;
            rep->index = cl->index;
            rep->node = (uint32_t)cl->version;
            if (about_placement(c.op) && p)
                schm_reply_placement(rep, p);
            break;
        }
        case DEDUP_STALE:
            status = -ESTALE;
            break;
        case DEDUP_APPLY:
        default:
            status = apply_op(m, &c, index, rep);
            dedup_record(m->c, SCHED_MAX_CLIENTS, cl, c.client, c.seq, index, status, rep->node);
            rep->index = index;
            break;
        }
    } else {
        status = apply_op(m, &c, index, rep);
        rep->index = index;
    }
    m->applied = index;
    sched_strcpy(rep->policy, sizeof rep->policy, m->policy, sizeof m->policy);
    rep->status = status;
    return status;
}

void schm_skip(struct sched_machine *m, uint64_t index)
{
    if (index > m->applied)
        m->applied = index;
}
