/* services/sched/clients.c: client requests to the scheduler server
 * (schedproto.h; docs/sched.md, "Requests").
 *
 * Only the leader answers; any other server says -EREMOTE with the leader
 * it knows, and the client library goes there.
 * - PLACE: decided by the leader with its policy over its view (reports.c)
 *   and the placements it assumes (assume.c). A new request given a node
 *   is answered at once and assumed: its decision is written with the
 *   client's BIND (docs/sched.md, "Answering before the commit"). A
 *   pending one, a retry of one in the log or a restartable one is
 *   proposed as a PLACE command carrying the decision and answered when it
 *   applies; the next waits until it has, so each decision sees every one
 *   before it (a burst of requests is queued).
 * - WAIT: a long poll on a pending request, answered once it is placed (or
 *   after WAIT_HOLD_NS with what it is then, so the client asks again).
 * - STATUS: lists from the machine after a ReadIndex round; NODES from the
 *   leader's own view (the nodes' last reports).
 * - BIND, EXITED, CORDON, UNCORDON, LABEL, TAINT, POLICY: proposed as
 *   commands, answered when they apply. DRAIN: the leader cordons the node
 *   and starts moving its processes off (leader.c). */
#include <stdio.h>
#include <string.h>

#include "services/sched/place.h"
#include "services/sched/policies.h"
#include "services/sched/server.h"
#include "user/ulib.h"

#define WAIT_HOLD_NS (10000 * 1000000ULL)
#define PLACE_QUEUE 32
#define MAX_WAITS 32
#define INFLIGHT_MAX_NS (3000 * 1000000ULL) /* a proposal not applied by then is lost */

struct queued_place {
    uint64_t token;
    struct sched_request req;
};
static struct queued_place queue[PLACE_QUEUE];
static uint32_t q_head, q_len;
static uint64_t inflight_req, inflight_since;

struct wait {
    bool used;
    uint64_t token, req_id, until_ns;
};
static struct wait waits[MAX_WAITS];

static struct sched_request req;
static struct sched_reply rep;
static uint8_t rep_buf[SCHED_MSG_MAX], cmd_buf[SCHED_MSG_MAX];

static void send_reply(uint64_t token, const struct sched_reply *r)
{
    int n = sched_reply_encode(r, rep_buf, sizeof rep_buf);
    if (n < 0) {
        replica_log("reply does not encode: %d", n);
        return;
    }
    ipc_reply(token, rep_buf, (size_t)n); /* -ENOENT: the caller gave up */
}

void clients_reply_status(uint64_t token, uint8_t op, int status)
{
    static struct sched_reply r;
    schm_reply_init(&sched_m, &r, op);
    r.status = status;
    r.leader = replica_leader();
    if (r.leader == replica.cfg.node && status == -EREMOTE)
        r.leader = 0;
    send_reply(token, &r);
}

/* Propose r as a command; the proposer (token, 0: none) is answered when
 * it applies. 0 or -errno. */
static int propose(const struct sched_request *r, uint64_t token)
{
    int n = sched_cmd_encode(r, cmd_buf, sizeof cmd_buf);
    if (n < 0)
        return -EINVAL;
    return replica_propose(cmd_buf, (uint32_t)n, token, r->op);
}

int clients_propose_cmd(const struct sched_request *cmd)
{
    int rv = propose(cmd, 0);
    if (rv && rv != -EREMOTE)
        replica_log("command %u not proposed: %d", cmd->op, rv);
    return rv;
}

bool clients_placing(void) { return inflight_req != 0; }

/* An assumed placement's answer: PLACED on its node. */
static void answer_assumed(uint64_t token, const struct sched_request *place)
{
    static struct sched_reply r;
    schm_reply_init(&sched_m, &r, SCHED_OP_PLACE);
    r.req_id = place->req_id;
    r.state = SCHED_PLACED;
    r.node = place->node;
    r.score = place->score;
    send_reply(token, &r);
}

/* A BIND or EXITED of an assumed placement: the BIND writes the placement
 * and the start in one commit (answered when they apply); an EXITED (the
 * start failed) only forgets it, unless its PLACE is on its way. */
static int settle_assumed(uint64_t token, const struct sched_request *place)
{
    if (assume_written(place->req_id))
        return propose(&req, token); /* after the PLACE, in the log's order */
    if (req.op == SCHED_OP_EXITED) {
        assume_drop(req.req_id);
        schm_reply_init(&sched_m, &rep, req.op);
        rep.req_id = req.req_id;
        rep.state = SCHED_FREE;
        send_reply(token, &rep);
        return 0;
    }
    if (!assume_write(place->req_id))
        return -EAGAIN; /* the client asks again */
    return propose(&req, token);
}

/* Decide the next queued placement and propose it. */
static void place_next(void)
{
    if (inflight_req && replica.now_ns - inflight_since > INFLIGHT_MAX_NS)
        inflight_req = 0;
    if (inflight_req || q_len == 0 || !replica_leading())
        return;
    struct queued_place *qp = &queue[q_head];
    q_head = (q_head + 1) % PLACE_QUEUE;
    q_len--;
    static struct sched_request cmd;
    cmd = qp->req;
    bool fresh = !schm_find(&sched_m, cmd.req_id);
    if (fresh) {
        struct sched_view v = assume_view();
        uint32_t node = 0;
        char reason[SCHED_REASON_MAX];
        int score = sched_place(sched_policy, &v, &cmd.spec, &node, reason, sizeof reason);
        cmd.node = score >= 0 ? node : 0;
        cmd.score = score >= 0 ? (uint8_t)score : 0;
        memset(cmd.reason, 0, sizeof cmd.reason);
        if (score < 0)
            memcpy(cmd.reason, reason, strnlen(reason, sizeof cmd.reason - 1));
    } /* else a retry: the machine answers with the placement as it is */
    /* A new request given a node is answered now and written with its
     * BIND (assume.c). Pending ones, retries and restartable ones are
     * proposed now and answered at the commit. */
    if (fresh && cmd.node && !cmd.spec.restart && assume_add(&cmd)) {
        answer_assumed(qp->token, &cmd);
        return;
    }
    int rv = propose(&cmd, qp->token);
    if (rv) {
        clients_reply_status(qp->token, SCHED_OP_PLACE, rv);
        return;
    }
    inflight_req = cmd.req_id;
    inflight_since = replica.now_ns;
}

static void queue_place(uint64_t token)
{
    const struct sched_request *a = assume_find(req.req_id);
    if (a) { /* a retry of one answered already */
        answer_assumed(token, a);
        return;
    }
    if (q_len == PLACE_QUEUE) {
        clients_reply_status(token, req.op, -EAGAIN);
        return;
    }
    queue[(q_head + q_len) % PLACE_QUEUE] = (struct queued_place){token, req};
    q_len++;
    place_next();
}

/* WAIT: answered at once unless the request is pending. */
static void hold_wait(uint64_t token)
{
    const struct sched_placement *p = schm_find(&sched_m, req.req_id);
    if (!p || p->state != SCHED_PENDING) {
        schm_read(&sched_m, &req, &rep);
        send_reply(token, &rep);
        return;
    }
    for (int i = 0; i < MAX_WAITS; i++) {
        if (!waits[i].used) {
            waits[i] = (struct wait){true, token, req.req_id, replica.now_ns + WAIT_HOLD_NS};
            return;
        }
    }
    clients_reply_status(token, req.op, -EAGAIN);
}

static bool node_ok(uint32_t node) { return node >= 1 && node <= replica.cfg.nodes; }

void clients_request(const uint8_t *buf, long len, const struct msg_info *info)
{
    uint64_t token = info->reply_token;
    if (!token)
        return; /* a stray datagram: nothing to answer */
    if (len < 0 || sched_request_decode(buf, (size_t)len, &req)) {
        clients_reply_status(token, 0, -EINVAL);
        return;
    }
    if (!replica_leading()) {
        clients_reply_status(token, req.op, -EREMOTE);
        return;
    }
    int rv = 0;
    switch (req.op) {
    case SCHED_OP_PLACE:
        queue_place(token);
        return;
    case SCHED_OP_WAIT:
        hold_wait(token);
        return;
    case SCHED_OP_STATUS:
        if (req.list == SCHED_LIST_NODES) {
            struct sched_view v = reports_view();
            schm_reply_init(&sched_m, &rep, req.op);
            schm_read_nodes(&sched_m, v.nodes, v.nnodes, req.after, &rep);
            send_reply(token, &rep);
            return;
        }
        rv = replica_read(token, buf, (uint32_t)len, req.op);
        break;
    case SCHED_OP_DRAIN:
        if (!node_ok(req.node)) {
            rv = -EINVAL;
            break;
        }
        schm_reply_init(&sched_m, &rep, req.op);
        rep.count = (uint32_t)leader_drain(req.node); /* still there: the client asks again */
        rep.node = req.node;
        send_reply(token, &rep);
        return;
    case SCHED_OP_POLICY:
        if (!sched_policy_find(req.name)) {
            rv = -EINVAL;
            break;
        }
        rv = propose(&req, token);
        break;
    case SCHED_OP_CORDON:
    case SCHED_OP_UNCORDON:
    case SCHED_OP_LABEL:
    case SCHED_OP_TAINT:
        if (!node_ok(req.node)) {
            rv = -EINVAL;
            break;
        }
        rv = propose(&req, token);
        break;
    case SCHED_OP_BIND:
    case SCHED_OP_EXITED: {
        const struct sched_request *a = assume_find(req.req_id);
        rv = a ? settle_assumed(token, a) : propose(&req, token);
        break;
    }
    default:
        rv = -EINVAL; /* a server's command in a client's request */
    }
    if (rv)
        clients_reply_status(token, req.op, rv);
}

/* A list confirmed by ReadIndex: answer it from the machine. */
void clients_read(uint64_t token, const uint8_t *buf, uint32_t len)
{
    if (sched_request_decode(buf, len, &req)) {
        clients_reply_status(token, 0, -EINVAL);
        return;
    }
    schm_read(&sched_m, &req, &rep);
    send_reply(token, &rep);
}

void clients_after_apply(void)
{
    assume_applied();
    if (inflight_req && schm_find(&sched_m, inflight_req))
        inflight_req = 0;
    for (int i = 0; i < MAX_WAITS; i++) {
        struct wait *w = &waits[i];
        if (!w->used)
            continue;
        const struct sched_placement *p = schm_find(&sched_m, w->req_id);
        if (p && p->state == SCHED_PENDING)
            continue;
        memset(&req, 0, sizeof req);
        req.op = SCHED_OP_WAIT;
        req.req_id = w->req_id;
        schm_read(&sched_m, &req, &rep);
        send_reply(w->token, &rep);
        w->used = false;
    }
    place_next();
}

void clients_poll(void)
{
    place_next();
    if (replica_leading())
        assume_poll();
    for (int i = 0; i < MAX_WAITS; i++) {
        struct wait *w = &waits[i];
        if (!w->used || replica.now_ns < w->until_ns)
            continue;
        memset(&req, 0, sizeof req);
        req.op = SCHED_OP_WAIT;
        req.req_id = w->req_id;
        schm_read(&sched_m, &req, &rep); /* still pending: the client asks again */
        send_reply(w->token, &rep);
        w->used = false;
    }
}

void clients_lost_leadership(void)
{
    for (int i = 0; i < MAX_WAITS; i++) {
        if (waits[i].used) {
            clients_reply_status(waits[i].token, SCHED_OP_WAIT, -EREMOTE);
            waits[i].used = false;
        }
    }
    while (q_len) {
        clients_reply_status(queue[q_head].token, SCHED_OP_PLACE, -EREMOTE);
        q_head = (q_head + 1) % PLACE_QUEUE;
        q_len--;
    }
    inflight_req = 0;
    assume_lost_leadership();
}
