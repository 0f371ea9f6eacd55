/* user/schedclient.c: the global scheduler's client library
 * (user/schedclient.h). */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/leadercall.h"
#include "services/sched/view.h"
#include "user/schedclient.h"
#include "user/ulib.h"

#define TRY_TIMEOUT_NS (1500 * 1000000ULL)
#define WAIT_TRY_NS (13000 * 1000000ULL) /* the leader holds a WAIT up to 10 s */
#define OVERALL_NS (15 * IPC_SECOND)

static uint64_t client_id, seq;
static struct leader_cache servers = {.service = "sched"};
static uint8_t req_buf[SCHED_MSG_MAX], rep_buf[SCHED_MSG_MAX];

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 29);
}

static void new_client(void)
{
    client_id = mix(sys_clock() ^ ((uint64_t)(uint32_t)sys_getpid() << 32)) | 1;
    seq = 0;
}

uint64_t sched_new_req_id(void)
{
    static uint64_t n;
    uint64_t id = mix(sys_clock() + (uint64_t)sys_nodeid() * 0x10000000000ULL +
                      ((uint64_t)(uint32_t)sys_getpid() << 20) + ++n);
    return id ? id : 1;
}

struct judge_ctx {
    struct sched_reply *rep;
    bool write;
    uint64_t seq;
    uint8_t op;
};

static int judge(void *ctx, long n, uint32_t *hint)
{
    struct judge_ctx *j = ctx;
    if (sched_reply_decode(rep_buf, (size_t)n, j->rep))
        return -1;
    if (j->rep->status == -EREMOTE) {
        *hint = j->rep->leader;
        return LEADER_NOT_HERE;
    }
    if (j->rep->status == -EAGAIN && j->op != SCHED_OP_WAIT)
        return LEADER_BUSY;
    if (j->rep->status == -ESTALE && j->write && j->seq > 1)
        return LEADER_FORGOTTEN;
    return LEADER_ANSWERED;
}

int sched_call(struct sched_request *req, struct sched_reply *rep)
{
    bool write = sched_op_is_write(req->op);
    if (write) {
        if (!client_id)
            new_client();
        req->client = client_id;
        req->seq = ++seq;
    }
    int len = sched_request_encode(req, req_buf, sizeof req_buf);
    if (len < 0)
        return -EINVAL;
    struct judge_ctx jc = {rep, write, req->seq, req->op};
    struct leader_call c = {
        .req = req_buf,
        .len = (size_t)len,
        .rep = rep_buf,
        .rep_cap = sizeof rep_buf,
        .try_ns = req->op == SCHED_OP_WAIT ? WAIT_TRY_NS : TRY_TIMEOUT_NS,
        .deadline_ns = sys_clock() + (req->op == SCHED_OP_WAIT ? WAIT_TRY_NS : OVERALL_NS),
        .judge = judge,
        .ctx = &jc,
    };
    for (;;) {
        int rv = leader_call(&servers, &c);
        if (rv == 0)
            return 0;
        if (rv != 1)
            return rv;
        /* Forgotten: a placement is still safe to send again (its request
         * id makes it once), other writes only if nothing went out. */
        new_client();
        if (c.tries > 1 && req->op != SCHED_OP_PLACE)
            return -ESTALE;
        req->client = client_id;
        req->seq = ++seq;
        jc.seq = req->seq;
        if ((len = sched_request_encode(req, req_buf, sizeof req_buf)) < 0)
            return -EINVAL;
        c.len = (size_t)len;
    }
}

int sched_choose(const struct sched_spec *spec, const struct sched_cmd *cmd, uint64_t *req_id,
                 int *node, void (*say)(const char *line))
{
    static struct sched_request req;
    static struct sched_reply rep;
    memset(&req, 0, sizeof req);
    req.op = SCHED_OP_PLACE;
    req.req_id = sched_new_req_id();
    if (spec)
        req.spec = *spec;
    else
        sched_spec_default(&req.spec);
    if (cmd && req.spec.restart)
        req.cmd = *cmd;
    int rv = sched_call(&req, &rep);
    if (rv)
        return rv;
    if (rep.status)
        return rep.status;
    uint64_t id = req.req_id;
    bool said = false;
    while (rep.state == SCHED_PENDING) {
        if (!said && say) {
            char line[SCHED_REASON_MAX + 40];
            snprintf(line, sizeof line, "pending: %s", rep.reason);
            say(line);
            said = true;
        }
        memset(&req, 0, sizeof req);
        req.op = SCHED_OP_WAIT;
        req.req_id = id;
        rv = sched_call(&req, &rep);
        if (rv == -ETIMEDOUT) {
            rep.state = SCHED_PENDING; /* not answered yet: still pending */
            continue;
        }
        if (rv)
            return rv;
        if (rep.status && rep.status != -EAGAIN)
            return rep.status;
    }
    if (rep.state != SCHED_PLACED && rep.state != SCHED_RUNNING)
        return -ESTALE; /* lost meanwhile */
    *req_id = id;
    *node = (int)rep.node;
    return 0;
}

void sched_started(uint64_t req_id, int pid, int node, const struct sched_spec *spec)
{
    static struct sched_request req;
    static struct sched_reply rep;
    memset(&req, 0, sizeof req);
    req.req_id = req_id;
    if (pid < 0) {
        req.op = SCHED_OP_EXITED; /* withdrawn: nothing runs for it */
    } else {
        req.op = SCHED_OP_BIND;
        req.pid = pid;
        req.node = (uint32_t)node; /* where it started, and what it asked: */
        if (spec)                  /* the log may not have its PLACE yet */
            req.spec = *spec;
        else
            sched_spec_default(&req.spec);
    }
    /* If this is lost, the leader learns the pid from the node's report,
     * or drops a placement nothing runs for (docs/sched.md). */
    sched_call(&req, &rep);
}

int sched_cmd(struct sched_request *req, const char *name)
{
    static struct sched_reply rep;
    int rv = sched_call(req, &rep);
    if (rv || rep.status) {
        fprintf(stderr, "%s: %s\n", name, err_str(rv ? rv : rep.status));
        return 1;
    }
    return 0;
}

int sched_node_cmd(uint8_t op, uint32_t node, const char *name)
{
    static struct sched_request req;
    memset(&req, 0, sizeof req);
    req.op = op;
    req.node = node;
    return sched_cmd(&req, name);
}
