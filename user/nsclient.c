/* user/nsclient.c: the naming service's client library (user/nsclient.h).
 *
 * One request: encode it, call a naming server, decode the reply. Where to
 * call: the leader last seen, else this node's server. On -EREMOTE go to
 * the leader named in the reply (or the next node when none is named); on a
 * timeout or a dead node, the next node; on -EAGAIN (busy, or the leader has
 * not yet committed an entry of its term) wait a little and ask again. All
 * within the call's overall deadline. */
#include <string.h>

#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

#define TRY_TIMEOUT_NS (1500 * 1000000ULL)
#define WATCH_TRY_NS (13000 * 1000000ULL) /* the server holds a watch up to 10 s */
#define LOOKUP_TIMEOUT_NS (500 * 1000000ULL)
#define MAX_NODES 16

static uint64_t overall_ns = 10 * IPC_SECOND;
static uint64_t client_id, seq;
static uint32_t leader;
static struct port_id ports[MAX_NODES + 1];
static uint8_t known[MAX_NODES + 1];
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

static uint32_t cluster_nodes(void)
{
    long n = syscall0(SYS_NODES);
    return n < 1 ? 1 : (n > MAX_NODES ? MAX_NODES : (uint32_t)n);
}

static int port_of(uint32_t node, struct port_id *out)
{
    if (node == 0 || node > MAX_NODES)
        return -EINVAL;
    if (!known[node]) {
        int rv = ipc_lookup_timeout((int)node, "naming", &ports[node], LOOKUP_TIMEOUT_NS);
        if (rv)
            return rv;
        known[node] = 1;
    }
    *out = ports[node];
    return 0;
}

static uint32_t next_node(uint32_t k)
{
    uint32_t n = cluster_nodes();
    return k >= n ? 1 : k + 1;
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
    uint64_t deadline = sys_clock() + overall_ns;
    uint32_t target = leader ? leader : (uint32_t)sys_nodeid();
    uint64_t backoff = 10 * 1000000ULL;
    bool sent = false;
    int tries = 0; /* calls made for this request */
    uint32_t no_server = 0; /* nodes in a row with no "naming" in their registry */
    for (;;) {
        uint64_t now = sys_clock();
        if (now >= deadline)
            break;
        uint64_t left = deadline - now;
        uint64_t try_ns = req->op == NS_OP_WATCH ? WATCH_TRY_NS : TRY_TIMEOUT_NS;
        struct port_id port;
        int rv = port_of(target, &port);
        long n = rv;
        if (rv == 0) {
            n = ipc_call(&port, req_buf, (size_t)len, rep_buf, sizeof rep_buf,
                         left < try_ns ? left : try_ns);
            sent = true;
            tries++;
        }
        if (n >= 0) {
            if (ns_reply_decode(rep_buf, (size_t)n, rep))
                return -EPROTO;
            if (rep->status == -EREMOTE) {
                uint32_t hint = rep->leader;
                leader = 0;
                if (hint && hint != target) {
                    target = hint;
                    continue;
                }
                target = next_node(target);
            } else if (rep->status == -EAGAIN && req->op != NS_OP_WATCH) {
                /* busy or not ready: same server, a little later */
            } else if (rep->status == -ESTALE && write && req->seq > 1) {
                /* The service forgot this client (least recently used, or
                 * its earlier request timed out): start afresh. Safe to send
                 * again only if no earlier attempt of this request went out. */
                new_client();
                if (tries > 1)
                    return -ESTALE;
                req->client = client_id;
                req->seq = ++seq;
                if ((len = ns_request_encode(req, req_buf, sizeof req_buf)) < 0)
                    return -EINVAL;
                tries = 0;
                continue;
            } else {
                leader = target;
                return rep->status;
            }
        } else {
            if (n == -ENOENT && ++no_server >= cluster_nodes())
                return -ECONNREFUSED; /* no node runs a naming server */
            if (n != -ENOENT)
                no_server = 0;
            if (n == -ECONNREFUSED || n == -ECONNRESET)
                known[target] = 0; /* the server restarted: its port changed */
            if (n != -EINTR)
                target = next_node(target);
        }
        now = sys_clock();
        if (now < deadline)
            sys_sleep(backoff < deadline - now ? backoff : deadline - now);
        if (backoff < 200 * 1000000ULL)
            backoff *= 2;
    }
    if (write && sent)
        new_client(); /* outcome unknown: later requests must not depend on this seq */
    return -ETIMEDOUT;
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
            rv = port_of((uint32_t)sys_nodeid(), &local);
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
                known[sys_nodeid()] = 0;
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

int ns_put_ephemeral(const char *name, const void *value, size_t len,
                     const struct port_id *port, uint64_t *version)
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
