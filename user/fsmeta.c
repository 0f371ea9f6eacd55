/* user/fsmeta.c: a request to the file service's metadata leader
 * (fsmeta.h), through leader_call (user/leadercall.c), as the naming
 * library's are. */
#include <string.h>

#include "user/fsmeta.h"
#include "user/ipc.h"
#include "user/leadercall.h"
#include "user/ulib.h"

static uint64_t client_id, seq;
static struct leader_cache servers = {.service = "fs"};
static uint8_t req_buf[FS_REQUEST_MAX];
static uint8_t rep_buf[FS_REPLY_MAX];

static void new_client(void)
{
    uint64_t x = sys_clock() * 0x9e3779b97f4a7c15ULL;
    client_id = ((uint64_t)(uint32_t)sys_getpid() << 32) ^ x ^ (x >> 29) ^ 0x5f5f;
    if (!client_id)
        client_id = 1;
    seq = 0;
}

/* What a reply says, for leader_call (user/leadercall.h). */
struct judge_ctx {
    struct fs_reply *rep;
    bool write;
    uint64_t seq;
};

static int judge(void *ctx, long n, uint32_t *hint)
{
    struct judge_ctx *j = ctx;
    if (fs_reply_decode(rep_buf, (size_t)n, j->rep))
        return -1;
    if (j->rep->status == -EREMOTE) {
        *hint = j->rep->leader;
        return LEADER_NOT_HERE;
    }
    if (j->rep->status == -EAGAIN)
        return LEADER_BUSY; /* busy, or no leader yet */
    if (j->rep->status == -ESTALE && j->write && j->seq > 1)
        return LEADER_FORGOTTEN; /* the service forgot this client (least recently used) */
    return LEADER_ANSWERED;
}

int fsmeta_request(struct fs_request *req, struct fs_reply *rep, const struct fsmeta_policy *p)
{
    bool write = fs_op_is_client_write(req->op);
    if (write) {
        if (!client_id)
            new_client();
        req->client = client_id;
        req->seq = ++seq;
    }
    int len = fs_request_encode(req, req_buf, sizeof req_buf);
    if (len < 0)
        return len;
    struct judge_ctx jc = {rep, write, req->seq};
    struct leader_call c = {
        .req = req_buf,
        .len = (size_t)len,
        .rep = rep_buf,
        .rep_cap = sizeof rep_buf,
        .try_ns = p->try_ns,
        .max_tries = p->tries,
        .deadline_ns = p->deadline_ns,
        .judge = judge,
        .ctx = &jc,
    };
    bool sent = false;
    for (;;) {
        int rv = leader_call(&servers, &c);
        sent |= c.sent;
        if (rv == 0)
            return rep->status;
        if (rv == 1 && c.tries == 1) {
            /* Forgotten, and this request went out only once: safe to send
             * again as a new client's first. */
            new_client();
            req->client = client_id;
            req->seq = ++seq;
            jc.seq = req->seq;
            if ((len = fs_request_encode(req, req_buf, sizeof req_buf)) < 0)
                return len;
            c.len = (size_t)len;
            continue;
        }
        if (rv == 1)
            return -ESTALE;
        if (rv == -ETIMEDOUT && write && sent)
            new_client(); /* outcome unknown: later requests must not depend on this seq */
        return rv;
    }
}
