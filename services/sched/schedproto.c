/* services/sched/schedproto.c: requests, log commands and load reports
 * (schedproto.h). Replies are in schedreply.c. */
#include "services/sched/schedproto.h"

#include "lib/errno.h"
#include "services/sched/schedstr.h"
#include "services/sched/schedwire.h"

bool sched_op_is_write(uint8_t op) { return op >= SCHED_OP_PLACE && op <= SCHED_OP_POLICY; }

/* Which form is being encoded or decoded. */
enum form { FORM_REQUEST, FORM_CMD };

/* Does the form carry op? */
static bool carries(enum form f, uint8_t op)
{
    if (sched_op_is_write(op))
        return true;
    if (f == FORM_REQUEST)
        return op == SCHED_OP_WAIT || op == SCHED_OP_STATUS || op == SCHED_OP_DRAIN;
    return op == SCHED_OP_PENDING_PLACED || op == SCHED_OP_NODE_LOST || op == SCHED_OP_MOVED;
}

static bool node_ok(uint32_t node) { return node >= 1 && node <= SCHED_NODES_MAX; }

static void put_body(enum form f, const struct sched_request *r, struct le_writer *w)
{
    switch (r->op) {
    case SCHED_OP_PLACE:
        le_put(w, r->req_id, 8);
        sched_put_spec(w, &r->spec);
        sched_put_cmd(w, &r->cmd);
        if (f == FORM_CMD) {
            le_put(w, r->node, 4);
            if (r->node)
                le_put(w, r->score, 1);
            else
                sched_put_str(w, r->reason, SCHED_REASON_MAX);
        }
        break;
    case SCHED_OP_WAIT:
        le_put(w, r->req_id, 8);
        break;
    case SCHED_OP_BIND:
        le_put(w, r->req_id, 8);
        le_put(w, (uint32_t)r->pid, 4);
        le_put(w, r->node, 4);
        sched_put_spec(w, &r->spec);
        break;
    case SCHED_OP_EXITED:
        le_put(w, r->req_id, 8);
        le_put(w, r->node, 4);
        le_put(w, (uint32_t)r->pid, 4);
        break;
    case SCHED_OP_CORDON:
    case SCHED_OP_UNCORDON:
    case SCHED_OP_DRAIN:
    case SCHED_OP_NODE_LOST:
        le_put(w, r->node, 4);
        break;
    case SCHED_OP_LABEL:
    case SCHED_OP_TAINT:
        le_put(w, r->node, 4);
        le_put(w, r->flags, 1);
        sched_put_label(w, &r->kv.kv);
        if (r->op == SCHED_OP_TAINT)
            le_put(w, r->kv.effect, 1);
        break;
    case SCHED_OP_POLICY:
        sched_put_str(w, r->name, SCHED_POLICY_NAME_MAX);
        break;
    case SCHED_OP_STATUS:
        le_put(w, r->list, 1);
        le_put(w, r->after, 8);
        break;
    case SCHED_OP_PENDING_PLACED:
        le_put(w, r->req_id, 8);
        le_put(w, r->node, 4);
        le_put(w, r->score, 1);
        break;
    case SCHED_OP_MOVED:
        le_put(w, (uint32_t)r->pid, 4);
        le_put(w, r->node, 4);
        le_put(w, r->to, 4);
        break;
    }
}

static int encode(enum form f, const struct sched_request *r, uint8_t *buf, size_t cap)
{
    if (!carries(f, r->op))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, r->op, 1);
    le_put(&w, r->client, 8);
    le_put(&w, r->seq, 8);
    put_body(f, r, &w);
    if (le_overflow(&w) || w.n > SCHED_MSG_MAX)
        return -EMSGSIZE;
    return (int)w.n;
}

int sched_request_encode(const struct sched_request *r, uint8_t *buf, size_t cap)
{
    return encode(FORM_REQUEST, r, buf, cap);
}

int sched_cmd_encode(const struct sched_request *r, uint8_t *buf, size_t cap)
{
    return encode(FORM_CMD, r, buf, cap);
}

/* Read and check the body of op; false if anything is out of range. */
static bool get_body(enum form f, struct le_reader *rd, struct sched_request *r)
{
    switch (r->op) {
    case SCHED_OP_PLACE:
        r->req_id = le_get(rd, 8);
        sched_get_spec(rd, &r->spec);
        sched_get_cmd(rd, &r->cmd);
        if (r->cmd.len && !r->spec.restart)
            return false; /* only a restartable request needs its command */
        if (f == FORM_CMD) {
            r->node = (uint32_t)le_get(rd, 4);
            if (r->node) {
                r->score = (uint8_t)le_get(rd, 1);
                if (!node_ok(r->node) || r->score > 100)
                    return false;
            } else {
                sched_get_str(rd, r->reason, SCHED_REASON_MAX, SCHED_STR_TEXT, 0);
            }
        }
        return r->req_id != 0;
    case SCHED_OP_WAIT:
        r->req_id = le_get(rd, 8);
        return r->req_id != 0;
    case SCHED_OP_BIND:
        r->req_id = le_get(rd, 8);
        r->pid = (int32_t)(uint32_t)le_get(rd, 4);
        r->node = (uint32_t)le_get(rd, 4);
        sched_get_spec(rd, &r->spec);
        return r->req_id != 0 && r->pid > 0 && r->node <= SCHED_NODES_MAX;
    case SCHED_OP_EXITED:
        r->req_id = le_get(rd, 8);
        r->node = (uint32_t)le_get(rd, 4);
        r->pid = (int32_t)(uint32_t)le_get(rd, 4);
        return r->node <= SCHED_NODES_MAX && r->pid >= 0 && (r->req_id != 0 || r->pid > 0);
    case SCHED_OP_CORDON:
    case SCHED_OP_UNCORDON:
    case SCHED_OP_DRAIN:
    case SCHED_OP_NODE_LOST:
        r->node = (uint32_t)le_get(rd, 4);
        return node_ok(r->node);
    case SCHED_OP_LABEL:
    case SCHED_OP_TAINT: {
        r->node = (uint32_t)le_get(rd, 4);
        r->flags = (uint8_t)le_get(rd, 1);
        sched_get_label(rd, &r->kv.kv, true);
        bool remove = r->flags & SCHED_F_REMOVE;
        if (r->op == SCHED_OP_TAINT) {
            r->kv.effect = (uint8_t)le_get(rd, 1);
            if (remove ? r->kv.effect != 0
                       : r->kv.effect != SCHED_NO_SCHEDULE && r->kv.effect != SCHED_NO_EXECUTE)
                return false;
        }
        return node_ok(r->node) && !(r->flags & ~SCHED_F_REMOVE) && !(remove && r->kv.kv.value[0]);
    }
    case SCHED_OP_POLICY:
        sched_get_str(rd, r->name, SCHED_POLICY_NAME_MAX, SCHED_STR_NAME, 1);
        return true;
    case SCHED_OP_STATUS:
        r->list = (uint8_t)le_get(rd, 1);
        r->after = le_get(rd, 8);
        return r->list >= SCHED_LIST_PLACEMENTS && r->list <= SCHED_LIST_NODES;
    case SCHED_OP_PENDING_PLACED:
        r->req_id = le_get(rd, 8);
        r->node = (uint32_t)le_get(rd, 4);
        r->score = (uint8_t)le_get(rd, 1);
        return r->req_id != 0 && node_ok(r->node) && r->score <= 100;
    case SCHED_OP_MOVED:
        r->pid = (int32_t)(uint32_t)le_get(rd, 4);
        r->node = (uint32_t)le_get(rd, 4);
        r->to = (uint32_t)le_get(rd, 4);
        return r->pid > 0 && node_ok(r->node) && node_ok(r->to) && r->node != r->to;
    }
    return false;
}

static int decode(enum form f, const uint8_t *buf, size_t len, struct sched_request *r)
{
    __builtin_memset(r, 0, sizeof *r);
    if (len > SCHED_MSG_MAX)
        return -EBADMSG;
    struct le_reader rd = le_reader(buf, len);
    r->op = (uint8_t)le_get(&rd, 1);
    r->client = le_get(&rd, 8);
    r->seq = le_get(&rd, 8);
    bool ok = rd.ok && carries(f, r->op) && (r->client == 0) == (r->seq == 0) &&
              get_body(f, &rd, r) && rd.ok && rd.at == len;
    /* a server's command never carries a client's numbers; a client's
     * write may (reads never do) */
    if (ok && !sched_op_is_write(r->op) && r->client)
        ok = false;
    if (!ok) {
        __builtin_memset(r, 0, sizeof *r);
        return -EBADMSG;
    }
    return 0;
}

int sched_request_decode(const uint8_t *buf, size_t len, struct sched_request *r)
{
    return decode(FORM_REQUEST, buf, len, r);
}

int sched_cmd_decode(const uint8_t *buf, size_t len, struct sched_request *r)
{
    return decode(FORM_CMD, buf, len, r);
}

/* ---- load reports ------------------------------------------------------------------------ */

#define REPORT_VERSION 1

long sched_report_encode(const struct sched_node *n, uint8_t *buf, size_t cap)
{
    struct sched_node copy = *n;
    copy.cordoned = false; /* the leader's to say, not the node's */
    copy.up = true;
    copy.cpu_req_milli = copy.mem_req_kib = 0;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, REPORT_VERSION, 1);
    sched_put_node(&w, &copy, true);
    return le_overflow(&w) ? -EMSGSIZE : (long)w.n;
}

int sched_report_decode(const uint8_t *buf, size_t len, struct sched_node *n)
{
    struct le_reader r = le_reader(buf, len);
    if (le_get(&r, 1) != REPORT_VERSION) {
        __builtin_memset(n, 0, sizeof *n);
        return -EBADMSG;
    }
    sched_get_node(&r, n, true);
    if (!r.ok || r.at != len || !n->up || n->cordoned || n->cpu_req_milli || n->mem_req_kib) {
        __builtin_memset(n, 0, sizeof *n);
        return -EBADMSG;
    }
    return 0;
}
