/* user/leadercall.c: one request to a replicated service's leader
 * (leadercall.h). */
#include "user/leadercall.h"

#include "user/ipc.h"
#include "user/ulib.h"

#define LOOKUP_TIMEOUT_NS (500 * 1000000ULL)

static uint32_t cluster_nodes(void)
{
    long n = syscall0(SYS_NODES);
    return n < 1 ? 1 : (n > LEADERCALL_MAX_NODES ? LEADERCALL_MAX_NODES : (uint32_t)n);
}

static uint32_t next_node(uint32_t k) { return k >= cluster_nodes() ? 1 : k + 1; }

int leader_port(struct leader_cache *lc, uint32_t node, struct port_id *out)
{
    if (node == 0 || node > LEADERCALL_MAX_NODES)
        return -EINVAL;
    if (!lc->known[node]) {
        int rv = ipc_lookup_timeout((int)node, lc->service, &lc->ports[node], LOOKUP_TIMEOUT_NS);
        if (rv)
            return rv;
        lc->known[node] = 1;
    }
    *out = lc->ports[node];
    return 0;
}

void leader_forget(struct leader_cache *lc, uint32_t node)
{
    if (node && node <= LEADERCALL_MAX_NODES)
        lc->known[node] = 0;
}

/* want, unless it did not answer lately: then the next node that did (want
 * if none did). */
static uint32_t choose(const struct leader_cache *lc, uint32_t want)
{
    uint64_t now = sys_clock();
    uint32_t k = want;
    for (uint32_t i = 0; i < cluster_nodes(); i++, k = next_node(k))
        if (k > LEADERCALL_MAX_NODES || now >= lc->suspect_until[k])
            return k;
    return want;
}

int leader_call(struct leader_cache *lc, struct leader_call *c)
{
    uint32_t me = (uint32_t)sys_nodeid();
    bool local = c->local_first && !lc->local_refuses;
    uint32_t target = local ? me : choose(lc, lc->leader ? lc->leader : me);
    uint64_t backoff = 10 * 1000000ULL;
    uint64_t full_backoff = 1000000ULL; /* the server's queue was full (see below) */
    uint32_t no_server = 0;             /* nodes in a row with no server in their registry */
    c->tries = 0;
    c->sent = false;
    for (;;) {
        uint64_t now = sys_clock();
        if ((c->deadline_ns && now >= c->deadline_ns) || (c->max_tries && c->tries >= c->max_tries))
            return -ETIMEDOUT;
        uint64_t t = c->try_ns;
        if (c->deadline_ns && c->deadline_ns - now < t)
            t = c->deadline_ns - now;
        struct port_id port;
        long n = leader_port(lc, target, &port);
        if (n == 0) {
            n = ipc_call(&port, c->req, c->len, c->rep, c->rep_cap, t);
            c->sent = true;
            c->tries++;
        }
        if (n == -EINTR)
            return -EINTR;
        if (n >= 0) {
            uint32_t hint = 0;
            int what = c->judge(c->ctx, n, &hint);
            if (what < 0)
                return -EPROTO;
            if (target <= LEADERCALL_MAX_NODES)
                lc->suspect_until[target] = 0; /* it answers */
            if (what == LEADER_ANSWERED || what == LEADER_FORGOTTEN) {
                if (!local || target != me) /* a follower's read names no leader */
                    lc->leader = target;
                return what == LEADER_FORGOTTEN;
            }
            if (what == LEADER_NOT_HERE) {
                if (local && target == me && hint && hint != me)
                    lc->local_refuses = true; /* it knows a leader, and sent us there */
                local = false;
                lc->leader = 0;
                if (hint && hint != target && choose(lc, hint) == hint) {
                    target = hint;
                    continue;
                }
                target = choose(lc, next_node(target));
            }
            /* LEADER_BUSY: the same server, a little later */
        } else if (n == -EAGAIN) {
            /* The server's queue is full (many clients at once) or its node
             * is short of message memory: it is there and busy, not dead.
             * The same server again, soon: a short wait that doubles, with
             * jitter so that the clients that were turned away together do
             * not all come back together. */
            no_server = 0;
            uint64_t nap = full_backoff + sys_clock() % full_backoff;
            if (c->deadline_ns && sys_clock() + nap >= c->deadline_ns)
                nap = c->deadline_ns > sys_clock() ? c->deadline_ns - sys_clock() : 0;
            if (nap && sys_sleep(nap) == -EINTR)
                return -EINTR;
            if (full_backoff < 50 * 1000000ULL)
                full_backoff *= 2;
            continue;
        } else {
            if (n == -ENOENT && ++no_server >= cluster_nodes())
                return -ECONNREFUSED;
            if (n != -ENOENT)
                no_server = 0;
            if (n == -ECONNREFUSED || n == -ECONNRESET) {
                leader_forget(lc, target); /* the server restarted: its port changed */
            } else if (n != -ENOENT && target <= LEADERCALL_MAX_NODES) {
                /* no answer in time: not to be asked again soon, by this
                 * call's hints or the next call's cache */
                lc->suspect_until[target] = sys_clock() + LEADERCALL_SUSPECT_NS;
                if (lc->leader == target)
                    lc->leader = 0;
            }
            target = choose(lc, next_node(target));
        }
        now = sys_clock();
        uint64_t nap = backoff;
        if (c->deadline_ns && (now >= c->deadline_ns || c->deadline_ns - now < nap))
            nap = now >= c->deadline_ns ? 0 : c->deadline_ns - now;
        if (nap && sys_sleep(nap) == -EINTR)
            return -EINTR;
        if (backoff < 200 * 1000000ULL)
            backoff *= 2;
    }
}
