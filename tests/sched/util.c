/* tests/sched/util.c: fixtures shared by the scheduler's tests (harness.h). */
#include <stdio.h>

#include "services/sched/schedwire.h"
#include "services/sched/spectext.h"
#include "services/sched/view.h"
#include "tests/sched/harness.h"

/* ---- a small cluster ------------------------------------------------------------ */

void st_cluster_init(struct st_cluster *c, uint32_t nnodes, uint32_t harts, uint32_t mem_kib)
{
    memset(c, 0, sizeof *c);
    c->nnodes = nnodes;
    for (uint32_t i = 0; i < nnodes; i++) {
        struct sched_node *n = &c->nodes[i];
        n->id = i + 1;
        n->up = true;
        n->cpu_cap_milli = harts * 1000;
        n->mem_cap_kib = mem_kib;
        n->mem_free_kib = mem_kib;
    }
}

struct sched_node *st_node(struct st_cluster *c, uint32_t id)
{
    if (id == 0 || id > c->nnodes) {
        st_fail(__FILE__, __LINE__, "no node %u", id);
        return &c->nodes[0];
    }
    return &c->nodes[id - 1];
}

void st_node_labels(struct st_cluster *c, uint32_t id, const char *labels)
{
    struct sched_node *n = st_node(c, id);
    if (sched_labels_parse(labels, n->labels, SCHED_NODE_LABELS, &n->nlabels) != 0)
        st_fail(__FILE__, __LINE__, "labels \"%s\" do not parse", labels);
}

void st_node_taint(struct st_cluster *c, uint32_t id, const char *taint)
{
    struct sched_node *n = st_node(c, id);
    if (n->ntaints == SCHED_NODE_TAINTS || sched_taint_parse(taint, &n->taints[n->ntaints++]) != 0)
        st_fail(__FILE__, __LINE__, "taint \"%s\" does not parse", taint);
}

struct sched_spec st_spec(const char *text)
{
    struct sched_spec s;
    if (sched_spec_parse(text, &s) != 0)
        st_fail(__FILE__, __LINE__, "spec \"%s\" does not parse", text);
    return s;
}

struct sched_placement *st_run(struct st_cluster *c, uint32_t node, const char *spec,
                               uint32_t cpu_milli)
{
    if (c->npl == ST_PLACEMENTS) {
        st_fail(__FILE__, __LINE__, "too many placements");
        return &c->pl[0];
    }
    struct sched_placement *p = &c->pl[c->npl++];
    memset(p, 0, sizeof *p);
    p->req_id = c->npl;
    p->state = SCHED_RUNNING;
    p->node = node;
    p->pid = (int32_t)(node * 100000 + c->npl);
    p->since = c->npl;
    p->spec = st_spec(spec);
    sched_account(c->nodes, c->nnodes, p, 1);
    if (cpu_milli) {
        struct sched_node *n = st_node(c, node);
        struct sched_proc *q = &n->procs[n->nprocs_listed++];
        q->pid = p->pid;
        q->cpu_milli = cpu_milli;
        q->mem_kib = p->spec.mem_kib;
        q->movable = 1;
        q->req_id = p->req_id;
        c->demand_pid[c->ndemand] = q->pid;
        c->demand[c->ndemand++] = cpu_milli;
        st_loads(c);
    }
    return p;
}

void st_proc(struct st_cluster *c, uint32_t node, int32_t pid, uint32_t cpu_milli, uint32_t mem_kib)
{
    struct sched_node *n = st_node(c, node);
    struct sched_proc *q = &n->procs[n->nprocs_listed++];
    q->pid = pid;
    q->cpu_milli = cpu_milli;
    q->mem_kib = mem_kib;
    q->movable = 1;
    c->demand_pid[c->ndemand] = pid;
    c->demand[c->ndemand++] = cpu_milli;
    st_loads(c);
}

static uint32_t demand_of(const struct st_cluster *c, int32_t pid)
{
    for (uint32_t i = 0; i < c->ndemand; i++)
        if (c->demand_pid[i] == pid)
            return c->demand[i];
    return 0;
}

void st_loads(struct st_cluster *c)
{
    for (uint32_t i = 0; i < c->nnodes; i++) {
        struct sched_node *n = &c->nodes[i];
        uint64_t demand = 0, mem = 0;
        for (uint32_t k = 0; k < n->nprocs_listed; k++) {
            demand += demand_of(c, n->procs[k].pid);
            mem += n->procs[k].mem_kib;
        }
        for (uint32_t k = 0; k < n->nprocs_listed; k++) {
            uint64_t d = demand_of(c, n->procs[k].pid);
            n->procs[k].cpu_milli =
                (uint32_t)(demand <= n->cpu_cap_milli ? d : d * n->cpu_cap_milli / demand);
        }
        n->runq_milli = (uint32_t)demand;
        n->cpu_use_milli = (uint32_t)(demand < n->cpu_cap_milli ? demand : n->cpu_cap_milli);
        n->mem_free_kib = mem < n->mem_cap_kib ? (uint32_t)(n->mem_cap_kib - mem) : 0;
        n->nprocs = n->nprocs_listed;
    }
}

struct sched_view st_view(const struct st_cluster *c)
{
    struct sched_view v;
    memset(&v, 0, sizeof v);
    v.nodes = c->nodes;
    v.nnodes = c->nnodes;
    v.placements = c->pl;
    v.nplacements = c->npl;
    return v;
}

/* ---- the state machine ------------------------------------------------------------ */

struct sched_request st_cmd(uint8_t op)
{
    struct sched_request r;
    memset(&r, 0, sizeof r);
    r.op = op;
    return r;
}

int st_apply(struct sched_machine *m, const struct sched_request *cmd, struct sched_reply *rep)
{
    uint8_t buf[SCHED_MSG_MAX];
    int n = sched_cmd_encode(cmd, buf, sizeof buf);
    if (n < 0) {
        st_fail(__FILE__, __LINE__, "command op %u does not encode: %d", cmd->op, n);
        return n;
    }
    return schm_apply(m, m->applied + 1, buf, (size_t)n, rep);
}

static const char *const rand_specs[] = {
    "",
    "cpu=500,mem=2048",
    "label=app=web,anti=app=web",
    "sel=disk=ssd,restart",
    "tol=gpu=yes:NoSchedule,label=app=db",
    "spread=zone,label=app=web,restart",
    "cpu=0,mem=0,aff=app=db",
};

static uint64_t client_seq[4];

size_t st_random_command(const struct sched_machine *m, uint8_t *buf, size_t cap)
{
    (void)m;
    if (st_below(20) == 0) { /* garbage */
        size_t n = (size_t)st_below(cap < 64 ? cap : 64);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)st_rand();
        return n;
    }
    static const uint8_t ops[] = {
        SCHED_OP_PLACE,          SCHED_OP_PLACE,     SCHED_OP_PLACE,  SCHED_OP_BIND,
        SCHED_OP_BIND,           SCHED_OP_EXITED,    SCHED_OP_EXITED, SCHED_OP_CORDON,
        SCHED_OP_UNCORDON,       SCHED_OP_LABEL,     SCHED_OP_TAINT,  SCHED_OP_POLICY,
        SCHED_OP_PENDING_PLACED, SCHED_OP_NODE_LOST, SCHED_OP_MOVED,  SCHED_OP_MOVED};
    struct sched_request r = st_cmd(ops[st_below(sizeof ops)]);
    if (sched_op_is_write(r.op) && st_below(3)) {
        uint32_t k = (uint32_t)st_below(4);
        r.client = k + 1;
        uint64_t roll = st_below(10);
        if (roll == 0 && client_seq[k] > 1)
            r.seq = client_seq[k] - 1; /* stale */
        else if (roll < 3 && client_seq[k])
            r.seq = client_seq[k]; /* a retry */
        else
            r.seq = ++client_seq[k];
    }
    r.req_id = 1 + st_below(12);
    r.node = 1 + (uint32_t)st_below(4);
    r.pid = (int32_t)(100 + st_below(10));
    switch (r.op) {
    case SCHED_OP_PLACE:
        r.spec = st_spec(rand_specs[st_below(sizeof rand_specs / sizeof rand_specs[0])]);
        if (r.spec.restart && st_below(2)) {
            char *argv[] = {"burn", "10", "a restarted one", 0};
            int argc = 1 + (int)st_below(3);
            argv[argc] = 0;
            sched_cmd_from_argv(&r.cmd, argc, argv);
        }
        if (st_below(3) == 0) {
            r.node = 0;
            snprintf(r.reason, sizeof r.reason, "0/4 nodes: %u cpu", (unsigned)st_below(5));
        } else {
            r.score = (uint8_t)st_below(101);
        }
        break;
    case SCHED_OP_BIND:
        if (st_below(2))
            r.node = 0; /* not said */
        else
            r.spec = st_spec(rand_specs[st_below(sizeof rand_specs / sizeof rand_specs[0])]);
        break;
    case SCHED_OP_EXITED:
        if (st_below(2)) {
            r.req_id = 0;
            r.node = (uint32_t)st_below(5);
        } else {
            r.pid = 0;
        }
        break;
    case SCHED_OP_LABEL:
    case SCHED_OP_TAINT:
        snprintf(r.kv.kv.key, sizeof r.kv.kv.key, "k%u", (unsigned)st_below(10));
        if (st_below(4) == 0) {
            r.flags = SCHED_F_REMOVE;
        } else {
            snprintf(r.kv.kv.value, sizeof r.kv.kv.value, "v%u", (unsigned)st_below(3));
            r.kv.effect = r.op == SCHED_OP_TAINT ? (uint8_t)(1 + st_below(2)) : 0;
        }
        break;
    case SCHED_OP_POLICY:
        snprintf(r.name, sizeof r.name, "%s", st_below(2) ? "mosix" : "least");
        break;
    case SCHED_OP_PENDING_PLACED:
        r.score = (uint8_t)st_below(101);
        break;
    case SCHED_OP_MOVED:
        r.to = 1 + (r.node % 4);
        break;
    default:
        break;
    }
    int n = sched_cmd_encode(&r, buf, cap);
    if (n < 0) {
        st_fail(__FILE__, __LINE__, "a random command does not encode: %d", n);
        return 0;
    }
    if (st_below(30) == 0 && n > 1) { /* damaged */
        if (st_below(2))
            n = (int)st_below((uint64_t)n);
        else
            buf[st_below((uint64_t)n)] ^= (uint8_t)(1 + st_below(255));
    }
    return (size_t)n;
}

void st_random_history(struct sched_machine *m, int n)
{
    uint8_t buf[SCHED_MSG_MAX];
    for (int i = 0; i < n && !st_failed(); i++) {
        if (st_below(25) == 0) {
            schm_skip(m, m->applied + 1 + st_below(3));
            continue;
        }
        size_t len = st_random_command(m, buf, sizeof buf);
        struct sched_reply rep;
        int rv = schm_apply(m, m->applied + 1, buf, len, &rep);
        if (rv != rep.status || rv > 0)
            st_fail(__FILE__, __LINE__, "apply returned %d, reply status %d", rv, rep.status);
    }
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

void st_check_machine(const struct sched_machine *m)
{
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++) {
        const struct sched_placement *p = &m->p[i];
        if (p->state == SCHED_FREE) {
            if (!all_zero(p, sizeof *p))
                st_fail(__FILE__, __LINE__, "free slot %d not zeroed", i);
            continue;
        }
        bool node_ok = p->node >= 1 && p->node <= SCHED_NODES_MAX;
        bool ok = p->req_id && p->since && p->since <= m->applied;
        switch (p->state) {
        case SCHED_PENDING:
            ok = ok && p->node == 0 && p->pid == 0;
            break;
        case SCHED_PLACED:
            ok = ok && node_ok && p->pid == 0 && !p->reason[0];
            break;
        case SCHED_RUNNING:
            ok = ok && node_ok && p->pid > 0 && !p->reason[0];
            break;
        case SCHED_LOST:
            ok = ok && node_ok && !p->reason[0];
            break;
        default:
            ok = false;
        }
        if (!ok) {
            st_fail(__FILE__, __LINE__, "slot %d: state %u node %u pid %d req %llu bad", i,
                    p->state, p->node, p->pid, (unsigned long long)p->req_id);
            return;
        }
        for (int j = 0; j < i; j++) {
            const struct sched_placement *q = &m->p[j];
            if (q->state != SCHED_FREE && q->req_id == p->req_id) {
                st_fail(__FILE__, __LINE__, "req_id %llu twice", (unsigned long long)p->req_id);
                return;
            }
            if (q->state == SCHED_RUNNING && p->state == SCHED_RUNNING && q->pid == p->pid) {
                st_fail(__FILE__, __LINE__, "pid %d running twice", p->pid);
                return;
            }
        }
    }
    uint64_t prev = 0;
    for (int k = 0; k < SCHED_DECISIONS; k++) {
        const struct sched_decision *d = &m->d[(m->d_next + k) % SCHED_DECISIONS];
        if (!d->index)
            continue;
        if (d->index < prev || d->index > m->applied) {
            st_fail(__FILE__, __LINE__, "decision ring out of order");
            return;
        }
        prev = d->index;
    }
}
