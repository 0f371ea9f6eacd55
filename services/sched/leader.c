/* services/sched/leader.c: what the scheduler's leader does on its own
 * (docs/sched.md, "The leader's rounds").
 *
 * Every ROUND_NS, once it has led long enough to have a report from every
 * live node (GRACE_NS: a new leader does not judge from silence it did not
 * wait for):
 *   - a node silent for SCHED_DOWN_MS with live placements is lost
 *     (NODE_LOST: its placements are reported LOST);
 *   - each RUNNING placement is looked for in the reports: on another node,
 *     it moved (MOVED: a rebalance, a drain, or anyone's `migrate`); in a
 *     node's list of ended processes, or on none for EXIT_GRACE_NS, it
 *     exited (EXITED); a PLACED one nothing
 *     started for UNBOUND_NS is withdrawn;
 *   - one pending request is placed if a node can take it now
 *     (PENDING_PLACED; its client, waiting, starts it; or, if it is being
 *     restarted after a lost node, the leader has it started: restarts.c);
 * and every BALANCE_NS the policy's rebalance and the drains in progress
 * give move orders to the nodes (reports.c). */
#include <stdio.h>
#include <string.h>

#include "services/sched/place.h"
#include "services/sched/policies.h"
#include "services/sched/view.h"
#include "services/sched/server.h"
#include "user/ulib.h"

#define ROUND_NS (200 * 1000000ULL)
#define BALANCE_NS (500 * 1000000ULL)
#define GRACE_NS ((SCHED_DOWN_MS + SCHED_REPORT_MS) * 1000000ULL)
#define EXIT_GRACE_NS (2500 * 1000000ULL)
#define UNBOUND_NS (30000 * 1000000ULL)
#define MAX_MOVES 8

static bool leading;
static uint64_t leading_since, next_round_ns, next_balance_ns;
static bool lost_sent[SCHED_NODES_MAX];
static bool draining[SCHED_NODES_MAX];
/* Per placement slot: since when its process is missing, or it is unbound. */
static uint64_t missing_since[SCHED_PLACEMENTS_MAX], unbound_since[SCHED_PLACEMENTS_MAX];
static uint64_t exit_sent_at[SCHED_PLACEMENTS_MAX]; /* EXITED proposed for a reported end */
static uint64_t slot_req[SCHED_PLACEMENTS_MAX];

static void cmd_node(uint8_t op, uint32_t node)
{
    static struct sched_request c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.node = node;
    clients_propose_cmd(&c);
}

static void lost_nodes(const struct sched_view *v)
{
    for (uint32_t i = 0; i < v->nnodes; i++) {
        const struct sched_node *n = &v->nodes[i];
        if (n->up) {
            lost_sent[i] = false;
            continue;
        }
        bool has = false;
        for (uint32_t j = 0; j < v->nplacements && !has; j++)
            has = sched_live(&v->placements[j]) && v->placements[j].node == n->id;
        if (has && !lost_sent[i]) {
            replica_log("node %u stopped reporting: its processes are lost", n->id);
            cmd_node(SCHED_OP_NODE_LOST, n->id);
            lost_sent[i] = true;
        }
    }
}

/* Where pid is listed: the node, 0 if on no node that lists all it runs,
 * or UINT32_MAX if some node's list is cut short (it may be there). */
static uint32_t find_pid(const struct sched_view *v, int32_t pid)
{
    bool unsure = false;
    for (uint32_t i = 0; i < v->nnodes; i++) {
        const struct sched_node *n = &v->nodes[i];
        if (!n->up)
            continue;
        for (uint32_t j = 0; j < n->nprocs_listed; j++)
            if (n->procs[j].pid == pid)
                return n->id;
        unsure |= n->nprocs_listed < n->nprocs;
    }
    return unsure ? UINT32_MAX : 0;
}

/* A node reported that pid ended (load.c: gone everywhere, not moved). */
static bool reported_ended(const struct sched_view *v, int32_t pid)
{
    for (uint32_t i = 0; i < v->nnodes; i++)
        for (uint32_t k = 0; k < v->nodes[i].nexited && k < SCHED_NODE_EXITED; k++)
            if (v->nodes[i].exited[k] == pid)
                return true;
    return false;
}

static void reconcile(const struct sched_view *v)
{
    uint64_t now = replica.now_ns;
    for (uint32_t j = 0; j < v->nplacements && j < SCHED_PLACEMENTS_MAX; j++) {
        const struct sched_placement *p = &v->placements[j];
        if (slot_req[j] != p->req_id) { /* a new request in this slot */
            slot_req[j] = p->req_id;
            missing_since[j] = unbound_since[j] = exit_sent_at[j] = 0;
        }
        static struct sched_request c;
        memset(&c, 0, sizeof c);
        if (p->state == SCHED_PLACED) {
            if (!unbound_since[j])
                unbound_since[j] = now;
            if (now - unbound_since[j] < UNBOUND_NS)
                continue;
            replica_log("request %llx placed on node %u: nothing started for it; withdrawn",
                        (unsigned long long)p->req_id, p->node);
            c.op = SCHED_OP_EXITED;
            c.req_id = p->req_id;
            clients_propose_cmd(&c);
            unbound_since[j] = now; /* once per UNBOUND_NS, if it is lost */
            continue;
        }
        if (p->state != SCHED_RUNNING)
            continue;
        const struct sched_node *home = sched_view_node(v, p->node);
        if (!home || !home->up)
            continue; /* lost_nodes judges that */
        if (reported_ended(v, p->pid)) {
            /* Its node saw it end: its requests are free now, not after
             * EXIT_GRACE_NS (which is for a process nobody reports, as one
             * in the middle of a move is). Once per grace, as below. */
            if (!exit_sent_at[j] || now - exit_sent_at[j] >= EXIT_GRACE_NS) {
                c.op = SCHED_OP_EXITED;
                c.req_id = p->req_id;
                clients_propose_cmd(&c);
                exit_sent_at[j] = now;
            }
            continue;
        }
        uint32_t at = find_pid(v, p->pid);
        if (at == p->node || at == UINT32_MAX) {
            missing_since[j] = 0;
            continue;
        }
        if (at) {
            c.op = SCHED_OP_MOVED;
            c.pid = p->pid;
            c.node = p->node;
            c.to = at;
            clients_propose_cmd(&c);
            missing_since[j] = 0;
            continue;
        }
        if (!missing_since[j])
            missing_since[j] = now;
        if (now - missing_since[j] >= EXIT_GRACE_NS) {
            c.op = SCHED_OP_EXITED;
            c.req_id = p->req_id;
            clients_propose_cmd(&c);
            missing_since[j] = now;
        }
    }
}

static void place_pending(const struct sched_view *v)
{
    if (clients_placing())
        return;
    for (uint32_t j = 0; j < v->nplacements; j++) {
        const struct sched_placement *p = &v->placements[j];
        if (p->state != SCHED_PENDING)
            continue;
        uint32_t node = 0;
        char reason[SCHED_REASON_MAX];
        int score = sched_place(sched_policy, v, &p->spec, &node, reason, sizeof reason);
        if (score < 0)
            continue;
        static struct sched_request c;
        memset(&c, 0, sizeof c);
        c.op = SCHED_OP_PENDING_PLACED;
        c.req_id = p->req_id;
        c.node = node;
        c.score = (uint8_t)score;
        clients_propose_cmd(&c);
        return; /* one a round: the next sees this one in the log */
    }
}

static void order(const struct sched_move *m, int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        replica_log("%s: pid %d from node %u to node %u (gain %d)", why, (int)m[i].pid, m[i].from,
                    m[i].to, (int)m[i].gain);
        reports_order_move(m[i].from, m[i].pid, m[i].to);
    }
}

/* sched_balance=off in bootargs: no moves but drains (the test parts of
 * other subsystems boot so, tests/net/run.py). */
static bool balance_enabled(void)
{
    static int on = -1;
    if (on < 0) {
        char v[8];
        on = !(sys_bootarg("sched_balance", v, sizeof v) > 0 && strcmp(v, "off") == 0);
        if (!on)
            replica_log("rebalancing off (sched_balance=off)");
    }
    return on;
}

static void balance_and_drain(const struct sched_view *v)
{
    static struct sched_move moves[MAX_MOVES];
    uint64_t now_ms = replica.now_ns / 1000000ULL;
    if (sched_policy->rebalance && balance_enabled()) {
        int n = sched_policy->rebalance(sched_policy->state, v, now_ms, moves, MAX_MOVES);
        order(moves, n, "rebalance");
    }
    for (uint32_t k = 1; k <= v->nnodes && k <= SCHED_NODES_MAX; k++) {
        if (!draining[k - 1])
            continue;
        const struct sched_node *n = sched_view_node(v, k);
        uint32_t movable = 0;
        for (uint32_t j = 0; n && j < n->nprocs_listed; j++)
            movable += n->procs[j].movable;
        if (!n || !n->up || movable == 0) {
            replica_log("drain of node %u: done", k);
            draining[k - 1] = false;
            continue;
        }
        int m = sched_drain(sched_policy, v, k, now_ms, moves, MAX_MOVES);
        order(moves, m, "drain");
    }
}

int leader_drain(uint32_t node)
{
    struct sched_view v = reports_view();
    const struct sched_node *n = sched_view_node(&v, node);
    if (!n || !n->cordoned)
        cmd_node(SCHED_OP_CORDON, node);
    uint32_t movable = 0;
    for (uint32_t j = 0; n && j < n->nprocs_listed; j++)
        movable += n->procs[j].movable;
    if (movable && !draining[node - 1]) {
        draining[node - 1] = true;
        static struct sched_move moves[MAX_MOVES];
        int m = sched_drain(sched_policy, &v, node, replica.now_ns / 1000000ULL, moves, MAX_MOVES);
        order(moves, m, "drain");
    }
    return (int)movable;
}

void leader_poll(void)
{
    uint64_t now = replica.now_ns;
    if (!replica_leading()) {
        if (leading)
            leader_lost();
        return;
    }
    if (!leading) {
        leading = true;
        leading_since = now;
        sched_policies_reset(sched_tunables_now());
        /* The last leader's moves cool down here too (its history was
         * its own): what the log recorded of them, as if made now. */
        if (sched_policy->moved) {
            struct sched_view v = reports_view();
            for (uint32_t i = 0; i < SCHED_MOVES; i++) {
                const struct sched_moved *mv = &sched_m.mv[i];
                if (!mv->index)
                    continue;
                struct sched_move m = {mv->pid, mv->from, mv->to, 0};
                sched_policy->moved(sched_policy->state, &v, &m, now / 1000000ULL);
            }
        }
        memset(lost_sent, 0, sizeof lost_sent);
        memset(missing_since, 0, sizeof missing_since);
        memset(unbound_since, 0, sizeof unbound_since);
        next_balance_ns = now + GRACE_NS;
    }
    if (now < next_round_ns || now - leading_since < GRACE_NS)
        return;
    next_round_ns = now + ROUND_NS;
    struct sched_view v = reports_view();
    lost_nodes(&v);
    reconcile(&v);
    struct sched_view dv = assume_view(); /* reconcile's v is by slot; this one is not */
    place_pending(&dv);
    v = reports_view();
    restarts_round(&v);
    if (now >= next_balance_ns) {
        next_balance_ns = now + BALANCE_NS;
        balance_and_drain(&v);
    }
}

void leader_after_apply(void) {}

void leader_lost(void)
{
    leading = false;
    memset(draining, 0, sizeof draining); /* a drain goes on when asked of the new leader */
    reports_lost_leadership();
    restarts_lost_leadership();
}
