/* user/fsmeta.c: a request to the file service's metadata leader
 * (fsmeta.h). The same retry rules as the naming library (user/nsclient.c). */
#include <string.h>

#include "user/fsmeta.h"
#include "user/ipc.h"
#include "user/ulib.h"

#define LOOKUP_TIMEOUT_NS (500 * 1000000ULL)
#define MAX_NODES 16

static uint64_t client_id, seq;
static uint32_t leader;
static struct port_id ports[MAX_NODES + 1];
static uint8_t known[MAX_NODES + 1];
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
        int rv = ipc_lookup_timeout((int)node, "fs", &ports[node], LOOKUP_TIMEOUT_NS);
        if (rv)
            return rv;
        known[node] = 1;
    }
    *out = ports[node];
    return 0;
}

static uint32_t next_node(uint32_t k) { return k >= cluster_nodes() ? 1 : k + 1; }

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
    uint32_t target = leader ? leader : (uint32_t)sys_nodeid();
    uint64_t backoff = 10 * 1000000ULL;
    bool sent = false;
    uint32_t tries = 0, no_server = 0;
    for (;;) {
        uint64_t now = sys_clock();
        if ((p->deadline_ns && now >= p->deadline_ns) || (p->tries && tries >= p->tries))
            break;
        uint64_t t = p->try_ns;
        if (p->deadline_ns && p->deadline_ns - now < t)
            t = p->deadline_ns - now;
        struct port_id port;
        long n = port_of(target, &port);
        if (n == 0) {
            n = ipc_call(&port, req_buf, (size_t)len, rep_buf, sizeof rep_buf, t);
            sent = true;
            tries++;
        }
        if (n == -EINTR)
            return -EINTR;
        if (n >= 0) {
            if (fs_reply_decode(rep_buf, (size_t)n, rep))
                return -EPROTO;
            if (rep->status == -EREMOTE) {
                uint32_t hint = rep->leader;
                leader = 0;
                if (hint && hint != target) {
                    target = hint;
                    continue;
                }
                target = next_node(target);
            } else if (rep->status == -EAGAIN) {
                /* busy, or no leader yet: the same server, a little later */
            } else if (rep->status == -ESTALE && write && req->seq > 1 && tries == 1) {
                /* The service forgot this client (least recently used):
                 * start afresh; safe since this request went out only once. */
                new_client();
                req->client = client_id;
                req->seq = ++seq;
                if ((len = fs_request_encode(req, req_buf, sizeof req_buf)) < 0)
                    return len;
                tries = 0;
                continue;
            } else {
                leader = target;
                return rep->status;
            }
        } else {
            if (n == -ENOENT && ++no_server >= cluster_nodes())
                return -ECONNREFUSED; /* no node runs the file service */
            if (n != -ENOENT)
                no_server = 0;
            if (n == -ECONNREFUSED || n == -ECONNRESET)
                known[target] = 0; /* the server restarted: its port changed */
            target = next_node(target);
        }
        now = sys_clock();
        uint64_t nap = backoff;
        if (p->deadline_ns && (now >= p->deadline_ns || p->deadline_ns - now < nap))
            nap = now >= p->deadline_ns ? 0 : p->deadline_ns - now;
        if (nap && sys_sleep(nap) == -EINTR)
            return -EINTR;
        if (backoff < 200 * 1000000ULL)
            backoff *= 2;
    }
    if (write && sent)
        new_client(); /* outcome unknown: later requests must not depend on this seq */
    return -ETIMEDOUT;
}
