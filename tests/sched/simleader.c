/* tests/sched/simleader.c: the simulated scheduler leader (sim.h): it
 * builds its view from the last reports and the replicated machine, places
 * with the policy, records every decision in the log (applied by the
 * leader's machine and a follower's), retries pending requests, carries
 * out the rebalancer's moves, and has the checker (simcheck.c) judge each
 * decision as it is made. */
#include <stdio.h>

#include "services/sched/place.h"
#include "services/sched/view.h"
#include "services/sched/spectext.h"
#include "tests/sched/sim.h"

static struct sim_proc *by_pid(struct sim *s, int32_t pid)
{
    int i = pid - 1000;
    return i >= 0 && (uint32_t)i < s->nprocs ? &s->procs[i] : NULL;
}

/* ---- the log ------------------------------------------------------------------ */

/* Apply cmd to the leader's machine and the follower's; the status. */
static int command(struct sim *s, const struct sched_request *cmd, struct sched_reply *rep)
{
    static struct sched_reply r2;
    uint8_t buf[SCHED_MSG_MAX];
    int n = sched_cmd_encode(cmd, buf, sizeof buf);
    if (n < 0) {
        sim_violation(s, "command op %u does not encode (%d)", cmd->op, n);
        return n;
    }
    uint64_t index = s->m.applied + 1;
    int rv = schm_apply(&s->m, index, buf, (size_t)n, rep);
    if (schm_apply(&s->follower, index, buf, (size_t)n, &r2) != rv)
        sim_violation(s, "the follower answered op %u differently", cmd->op);
    s->commands++;
    return rv;
}

/* ---- the leader's view -------------------------------------------------------- */

static struct sched_node view_nodes[SIM_NODES];

static struct sched_view leader_view(struct sim *s)
{
    for (uint32_t i = 0; i < s->cfg.nnodes; i++)
        view_nodes[i] = s->reports[i];
    schm_fill_nodes(&s->m, view_nodes, s->cfg.nnodes);
    return schm_view(&s->m, view_nodes, s->cfg.nnodes);
}

/* ---- placing ------------------------------------------------------------------ */

static void start(struct sim *s, struct sim_proc *p, uint32_t node)
{
    static struct sched_reply rep;
    p->st = SP_RUNNING;
    p->node = node;
    if (!p->req_id)
        return;
    struct sched_request b = st_cmd(SCHED_OP_BIND);
    b.req_id = p->req_id;
    b.pid = p->pid;
    if (command(s, &b, &rep) != 0)
        sim_violation(s, "BIND of %d refused: %d", p->pid, rep.status);
}

/* Decide for p with the policy (shown a doctored spec or view in a break
 * mode); the node, or 0 with reason. */
static uint32_t decide(struct sim *s, struct sim_proc *p, char *reason, size_t cap, int *score)
{
    struct sched_view v = leader_view(s);
    struct sched_spec spec = p->spec;
    switch (s->cfg.brk) {
    case SIM_NO_CAPACITY:
        for (uint32_t i = 0; i < s->cfg.nnodes; i++)
            view_nodes[i].cpu_req_milli = view_nodes[i].mem_req_kib = 0;
        break;
    case SIM_NO_TAINTS:
        for (uint32_t i = 0; i < s->cfg.nnodes; i++)
            view_nodes[i].ntaints = 0;
        break;
    case SIM_NO_SELECTOR:
        spec.nselector = 0;
        break;
    case SIM_NO_ANTI:
        memset(&spec.anti_affinity, 0, sizeof spec.anti_affinity);
        spec.nlabels = 0;
        break;
    case SIM_NO_SPREAD:
        spec.spread_key[0] = 0;
        break;
    default:
        break;
    }
    uint32_t node = 0;
    *score = sched_place(s->policy, &v, &spec, &node, reason, cap);
    return *score >= 0 ? node : 0;
}

static void check_decision(struct sim *s, const struct sim_proc *p, uint32_t node)
{
    const char *why = simcheck_fits(s, p, node);
    if (why)
        sim_violation(s, "placed %d on node %u: %s", p->pid, node, why);
}

void sim_leader_arrive(struct sim *s, struct sim_proc *p)
{
    static struct sched_reply rep;
    char reason[SCHED_REASON_MAX];
    int score;
    uint32_t node = decide(s, p, reason, sizeof reason, &score);
    struct sched_request c = st_cmd(SCHED_OP_PLACE);
    c.client = 1;
    c.seq = s->commands + 1;
    c.req_id = p->req_id;
    c.spec = p->spec;
    c.node = node;
    c.score = node ? (uint8_t)score : 0;
    if (!node)
        memcpy(c.reason, reason, sizeof reason);
    if (command(s, &c, &rep) != 0 || rep.node != node) {
        sim_violation(s, "PLACE of %d: %d", p->pid, rep.status);
        return;
    }
    if (s->retries && st_below(4) == 0) {
        /* the same request again: a client's retry (same seq) or, through a
         * new leader that decided otherwise, a new proposal of it: either
         * way the first decision stands */
        struct sched_request again = c;
        again.node = 1 + (uint32_t)st_below(s->cfg.nnodes);
        again.score = 1;
        again.reason[0] = 0;
        if (st_below(2))
            again.seq = s->commands + 1;
        if (command(s, &again, &rep) != 0 || rep.node != node || rep.req_id != p->req_id)
            sim_violation(s, "PLACE of %d again: %d, node %u not %u", p->pid, rep.status, rep.node,
                          node);
    }
    if (node) {
        check_decision(s, p, node);
        start(s, p, node);
    } else {
        p->st = SP_PENDING;
    }
}

/* Pending requests, in the machine's order, placed when a node can. */
static void retry_pending(struct sim *s)
{
    static struct sched_reply rep;
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++) {
        const struct sched_placement *pl = &s->m.p[i];
        if (pl->state != SCHED_PENDING)
            continue;
        struct sim_proc *p = &s->procs[pl->req_id - 1];
        char reason[SCHED_REASON_MAX];
        int score;
        uint32_t node = decide(s, p, reason, sizeof reason, &score);
        if (!node)
            continue;
        struct sched_request c = st_cmd(SCHED_OP_PENDING_PLACED);
        c.req_id = p->req_id;
        c.node = node;
        c.score = (uint8_t)score;
        if (command(s, &c, &rep) != 0) {
            sim_violation(s, "PENDING_PLACED of %d: %d", p->pid, rep.status);
            continue;
        }
        check_decision(s, p, node);
        start(s, p, node);
    }
}

void sim_leader_exited(struct sim *s, struct sim_proc *p)
{
    static struct sched_reply rep;
    struct sched_request e = st_cmd(SCHED_OP_EXITED);
    e.req_id = p->req_id;
    e.pid = p->pid;
    if (command(s, &e, &rep) != 0)
        sim_violation(s, "EXITED of %d: %d", p->pid, rep.status);
}

/* The leader learns node died (it stopped reporting): NODE_LOST, and the
 * lost withdrawn once reported. */
void sim_leader_node_lost(struct sim *s, uint32_t node)
{
    static struct sched_reply rep;
    struct sched_request c = st_cmd(SCHED_OP_NODE_LOST);
    c.node = node;
    command(s, &c, &rep);
    /* the lost are withdrawn once reported */
    for (uint32_t i = 0; i < s->nprocs; i++) {
        struct sim_proc *p = &s->procs[i];
        const struct sched_placement *pl = schm_find(&s->m, p->req_id);
        if (p->req_id && p->st == SP_LOST && pl && pl->state == SCHED_LOST) {
            struct sched_request e = st_cmd(SCHED_OP_EXITED);
            e.req_id = p->req_id;
            command(s, &e, &rep);
        }
    }
}

void sim_taint(struct sim *s, uint32_t node, const char *taint)
{
    static struct sched_reply rep;
    struct sched_request c = st_cmd(SCHED_OP_TAINT);
    c.node = node;
    if (sched_taint_parse(taint, &c.kv)) {
        st_fail(__FILE__, __LINE__, "taint %s", taint);
        return;
    }
    struct sched_node *t = &s->truth[node - 1];
    uint32_t i = 0;
    while (i < t->ntaints && strcmp(t->taints[i].kv.key, c.kv.kv.key) != 0)
        i++;
    if (i == t->ntaints)
        t->ntaints++;
    t->taints[i] = c.kv;
    if (command(s, &c, &rep) != 0)
        sim_violation(s, "TAINT refused: %d", rep.status);
}

/* A process that must leave its node (NoExecute) and that some other node
 * takes, by the checker: its pid and that node, or 0. */
static int32_t evictable(const struct sim *s, uint32_t *to)
{
    for (uint32_t i = 0; i < s->nprocs; i++) {
        const struct sim_proc *p = &s->procs[i];
        if (p->st != SP_RUNNING || !simcheck_noexecute(s, p, p->node))
            continue;
        for (uint32_t k = 1; k <= s->cfg.nnodes; k++)
            if (k != p->node && !simcheck_fits(s, p, k)) {
                *to = k;
                return p->pid;
            }
    }
    return 0;
}

static void rebalance(struct sim *s)
{
    static struct sched_reply rep;
    struct sched_move moves[32];
    struct sched_view v = leader_view(s);
    if (!s->policy->rebalance)
        return;
    uint32_t could_go = 0;
    int32_t must_leave = evictable(s, &could_go);
    uint64_t evictions = s->evictions;
    int n = s->policy->rebalance(s->policy->state, &v, s->now, moves, 32);
    for (int k = 0; k < n; k++) {
        const struct sched_move *mv = &moves[k];
        struct sim_proc *p = by_pid(s, mv->pid);
        if (!p || p->st != SP_RUNNING || p->node != mv->from) {
            sim_violation(s, "moved %d from node %u where it is not", mv->pid, mv->from);
            continue;
        }
        const char *why = simcheck_fits(s, p, mv->to);
        if (why)
            sim_violation(s, "moved %d to node %u: %s", p->pid, mv->to, why);
        bool eviction = simcheck_noexecute(s, p, mv->from);
        uint64_t since = s->now - p->last_move_ms;
        if (p->last_from && since < s->cfg.tun.cooldown_ms && !eviction)
            sim_violation(s, "moved %d again after %llu ms", p->pid, (unsigned long long)since);
        if (p->last_from == mv->to && since < s->cfg.tun.no_return_ms && !eviction)
            sim_violation(s, "moved %d back to node %u after %llu ms", p->pid, mv->to,
                          (unsigned long long)since);
        struct sched_request c = st_cmd(SCHED_OP_MOVED);
        c.pid = p->pid;
        c.node = mv->from;
        c.to = mv->to;
        int rv = command(s, &c, &rep);
        if (rv != 0 && !(rv == -ENOENT && !p->req_id))
            sim_violation(s, "MOVED of %d: %d", p->pid, rv);
        p->node = mv->to;
        p->frozen_until = s->now + s->cfg.migrate_ms;
        p->moves++;
        p->evictions += eviction;
        p->last_from = mv->from;
        p->last_move_ms = s->now;
        s->moves++;
        s->evictions += eviction;
        s->last_move_ms = s->now;
    }
    /* a round evicts something whenever something could be evicted */
    if (must_leave && s->evictions == evictions)
        sim_violation(s, "%d stays on a NoExecute node, though node %u takes it", must_leave,
                      could_go);
}

void sim_leader_tick(struct sim *s)
{
    retry_pending(s);
    rebalance(s);
}

/* ---- replicas and truth agree ------------------------------------------------- */

void sim_check_replicas(struct sim *s)
{
    static uint8_t a[1 << 19], b[1 << 19];
    long na = schm_snapshot(&s->m, a, sizeof a), nb = schm_snapshot(&s->follower, b, sizeof b);
    if (na <= 0 || na != nb || memcmp(a, b, (size_t)na) != 0)
        sim_violation(s, "the follower's machine differs from the leader's");
    for (uint32_t i = 0; i < s->nprocs; i++) {
        const struct sim_proc *p = &s->procs[i];
        if (!p->req_id)
            continue;
        const struct sched_placement *pl = schm_find(&s->m, p->req_id);
        bool ok;
        switch (p->st) {
        case SP_PENDING:
            ok = pl && pl->state == SCHED_PENDING;
            break;
        case SP_RUNNING:
            ok = pl && pl->state == SCHED_RUNNING && pl->node == p->node && pl->pid == p->pid;
            break;
        default:
            ok = !pl;
            break;
        }
        if (!ok)
            sim_violation(s, "the log disagrees about %d (state %u)", p->pid, p->st);
    }
}
