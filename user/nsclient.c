/* user/nsclient.c: the naming service's client library (user/nsclient.h).
 *
 * One request: encode it, call a naming server, decode the reply. Where to
 * call: the leader last seen, else this node's server. On -EREMOTE go to
 * the leader named in the reply (or the next node when none is named); on a
 * timeout or a dead node, the next node; on -EAGAIN (busy, or the leader has
 * not yet committed an entry of its term) wait a little and ask again. All
 * within the call's overall deadline. The finding is user/leadercall.c's,
 * shared with the file service's library. */
#include <string.h>

#include "user/ipc.h"
#include "user/leadercall.h"
#include "user/nsclient.h"
#include "user/ulib.h"

#define TRY_TIMEOUT_NS (1500 * 1000000ULL)
#define WATCH_TRY_NS (13000 * 1000000ULL) /* the server holds a watch up to 10 s */

static uint64_t overall_ns = 10 * IPC_SECOND;
static uint64_t client_id, seq;
static struct leader_cache servers = {.service = "naming"};
static uint8_t req_buf[NS_REQUEST_MAX];
static uint8_t rep_buf[NS_REPLY_MAX];
static struct ns_reply scratch;

void ns_set_timeout(uint64_t t) { overall_ns = t; }

static void new_client(void)
{
    uint64_t x = sys_clock() * 0x9e3779b97f4a7c15ULL;
    client_id = ((uint64_t)(uint32_t)sys_getpid() << 32) ^ x ^ (x >> 29);
    if (!client_id)
        client_id = 1;
    seq = 0;
}

/* What a reply says, for leader_call (user/leadercall.h). */
struct judge_ctx {
    struct ns_reply *rep;
    uint8_t op;
    bool write;
    uint64_t seq;
};

static int judge(void *ctx, long n, uint32_t *hint)
{
    struct judge_ctx *j = ctx;
    if (ns_reply_decode(rep_buf, (size_t)n, j->rep))
        return -1;
    if (j->rep->status == -EREMOTE) {
        *hint = j->rep->leader;
        return LEADER_NOT_HERE;
    }
    if (j->rep->status == -EAGAIN && j->op != NS_OP_WATCH)
        return LEADER_BUSY; /* busy or not ready: same server, a little later */
    if (j->rep->status == -ESTALE && j->write && j->seq > 1)
        return LEADER_FORGOTTEN; /* least recently used, or an earlier request timed out */
    return LEADER_ANSWERED;
}

/* Send req until a server that can answer does, or the deadline. */
static int request(struct ns_request *req, struct ns_reply *rep)
{
    bool write = ns_op_is_write(req->op);
    if (write) {
        if (!client_id)
            new_client();
        req->client = client_id;
        req->seq = ++seq;
    }
    int len = ns_request_encode(req, req_buf, sizeof req_buf);
    if (len < 0)
        return -EINVAL;
    struct judge_ctx jc = {rep, req->op, write, req->seq};
    struct leader_call c = {
        .req = req_buf,
        .len = (size_t)len,
        .rep = rep_buf,
        .rep_cap = sizeof rep_buf,
        .try_ns = req->op == NS_OP_WATCH ? WATCH_TRY_NS : TRY_TIMEOUT_NS,
        .deadline_ns = sys_clock() + overall_ns,
        .judge = judge,
        .ctx = &jc,
        .local_first = req->op == NS_OP_GET || req->op == NS_OP_LIST,
    };
    bool sent = false;
    for (;;) {
        int rv = leader_call(&servers, &c);
        sent |= c.sent;
        if (rv == 0)
            return rep->status;
        if (rv != 1)
            return rv == -ETIMEDOUT && write && sent ? (new_client(), -ETIMEDOUT) : rv;
        /* The service forgot this client: start afresh. Safe to send again
         * only if no earlier attempt of this request went out. */
        new_client();
        if (c.tries > 1)
            return -ESTALE;
        req->client = client_id;
        req->seq = ++seq;
        jc.seq = req->seq;
        if ((len = ns_request_encode(req, req_buf, sizeof req_buf)) < 0)
            return -EINVAL;
        c.len = (size_t)len;
    }
}

static int set_name(struct ns_request *r, const char *name)
{
    size_t n = strlen(name);
    if (n > NS_NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(r->name, name, n);
    r->name_len = (uint16_t)n;
    return 0;
}

static int set_value(struct ns_request *r, const void *v, size_t len)
{
    if (len > NS_VALUE_MAX)
        return -EMSGSIZE;
    if (v) {
        memcpy(r->value, v, len);
        r->value_len = (uint16_t)len;
        r->flags |= NS_F_VALUE;
    }
    return 0;
}

/* The one request being built (the library serves one caller at a time). */
static struct ns_request the_req;

static struct ns_request *new_request(uint8_t op, const char *name, int *rv)
{
    memset(&the_req, 0, sizeof the_req);
    the_req.op = op;
    *rv = set_name(&the_req, name);
    return &the_req;
}

static int put(const char *name, const void *value, size_t len, const struct port_id *port,
               uint64_t *version, bool ephemeral)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_PUT, name, &rv);
    if (rv || (rv = set_value(r, value, len)))
        return rv;
    if (port) {
        r->port = *port;
        r->flags |= NS_F_PORT;
    }
    if (ephemeral) {
        /* The session is this node's server's; it watches us from now on. */
        static struct ns_request q;
        memset(&q, 0, sizeof q);
        q.op = NS_OP_SESSION;
        struct port_id local;
        uint64_t deadline = sys_clock() + overall_ns;
        for (;;) {
            rv = leader_port(&servers, (uint32_t)sys_nodeid(), &local);
            int len2 = rv ? rv : ns_request_encode(&q, req_buf, sizeof req_buf);
            long n = len2 < 0 ? len2
                              : ipc_call(&local, req_buf, (size_t)len2, rep_buf, sizeof rep_buf,
                                         TRY_TIMEOUT_NS);
            if (n >= 0 && ns_reply_decode(rep_buf, (size_t)n, &scratch) == 0 &&
                scratch.status == 0) {
                r->session = scratch.version;
                break;
            }
            if (n == -ECONNREFUSED)
                leader_forget(&servers, (uint32_t)sys_nodeid());
            if (sys_clock() >= deadline)
                return n < 0 ? (int)n : -ETIMEDOUT;
            sys_sleep(100 * 1000000ULL); /* the server has no session yet */
        }
        r->owner_pid = sys_getpid();
        r->flags |= NS_F_EPHEMERAL;
    }
    rv = request(r, &scratch);
    if (rv == 0 && version)
        *version = scratch.version;
    return rv;
}

int ns_put(const char *name, const void *value, size_t len, const struct port_id *port,
           uint64_t *version)
{
    return put(name, value, len, port, version, false);
}

int ns_put_ephemeral(const char *name, const void *value, size_t len, const struct port_id *port,
                     uint64_t *version)
{
    return put(name, value, len, port, version, true);
}

int ns_get(const char *name, struct ns_binding *out)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_GET, name, &rv);
    if (rv)
        return rv;
    rv = request(r, &scratch);
    if (rv == 0 && out)
        *out = scratch.b;
    return rv;
}

int ns_cas_value(const char *name, const void *old, size_t old_len, const void *new_value,
                 size_t new_len, uint64_t *version)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_CAS, name, &rv);
    if (rv || (rv = set_value(r, new_value, new_len)))
        return rv;
    if (old_len > NS_VALUE_MAX)
        return -EMSGSIZE;
    memcpy(r->expect, old, old_len);
    r->expect_len = (uint16_t)old_len;
    r->flags |= NS_F_CMP_VALUE;
    rv = request(r, &scratch);
    if (version)
        *version = scratch.version;
    return rv;
}

int ns_cas_version(const char *name, uint64_t expect, const void *new_value, size_t new_len,
                   uint64_t *version)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_CAS, name, &rv);
    if (rv || (rv = set_value(r, new_value, new_len)))
        return rv;
    r->version = expect;
    rv = request(r, &scratch);
    if (version)
        *version = scratch.version;
    return rv;
}

int ns_rm(const char *name, uint64_t version)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_RM, name, &rv);
    if (rv)
        return rv;
    if (version) {
        r->version = version;
        r->flags |= NS_F_VERSION;
    }
    return request(r, &scratch);
}

int ns_list(const char *prefix, const char *after, struct ns_reply *rep)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_LIST, prefix, &rv);
    if (rv)
        return rv;
    size_t n = strlen(after);
    if (n > NS_NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(r->after, after, n);
    r->after_len = (uint16_t)n;
    return request(r, rep);
}

int ns_watch(const char *prefix, uint64_t after, struct ns_reply *rep)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_WATCH, prefix, &rv);
    if (rv)
        return rv;
    r->version = after;
    return request(r, rep);
}

int ns_status(int node, struct ns_status *out, uint64_t timeout_ns)
{
    int rv;
    struct ns_request *r = new_request(NS_OP_STATUS, "", &rv);
    int len = ns_request_encode(r, req_buf, sizeof req_buf);
    struct port_id port;
    rv = len < 0 ? -EINVAL : ipc_lookup_timeout(node, "naming", &port, timeout_ns);
    if (rv)
        return rv;
    long n = ipc_call(&port, req_buf, (size_t)len, rep_buf, sizeof rep_buf, timeout_ns);
    if (n < 0)
        return (int)n;
    if (ns_reply_decode(rep_buf, (size_t)n, &scratch))
        return -EPROTO;
    if (scratch.status)
        return scratch.status;
    *out = scratch.st;
    return 0;
}

int ns_register(const char *name, const struct port_id *port)
{
    return ns_put_ephemeral(name, 0, 0, port, 0);
}

int ns_lookup(const char *name, struct port_id *out)
{
    struct ns_binding b;
    int rv = ns_get(name, &b);
    if (rv)
        return rv;
    if (!(b.flags & NS_F_PORT))
        return -ENOENT;
    *out = b.port;
    return 0;
}
