/* kernel/pidroute.c: forwarding entries, redirects and locate for pids
 * that moved (kernel/pidroute.h). */
#include "kernel/pidroute.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/proc.h"

#define ROUTES 256
#define MAX_HOPS 8
#define LOCATE_TIMEOUT_NS 1000000000ULL

/* One pid's whereabouts. A forwarding entry (this node is one the process
 * left, or its home) answers other nodes with a redirect; a hint (learnt
 * by following redirects) only says where this node's own requests start.
 * Forwarding entries of this node's own pids are kept until the process is
 * gone (its pid must not be handed out again meanwhile); the rest may be
 * replaced when the table is full. */
static struct route {
    int pid;       /* 0: free */
    uint32_t node; /* where it went */
    uint8_t forward, pinned;
} routes[ROUTES];
static int next_victim;

static struct route *find(int pid)
{
    for (int i = 0; i < ROUTES; i++)
        if (routes[i].pid == pid)
            return &routes[i];
    return 0;
}

static struct route *slot_for(int pid)
{
    struct route *r = find(pid);
    if (r)
        return r;
    for (int i = 0; i < ROUTES; i++)
        if (!routes[i].pid)
            return &routes[i];
    for (int tries = 0; tries < ROUTES; tries++) {
        struct route *v = &routes[next_victim];
        next_victim = (next_victim + 1) % ROUTES;
        if (!v->pinned)
            return v;
    }
    return 0; /* every entry is a pinned pid of ours */
}

static void put(int pid, uint32_t node, int forward)
{
    if (node == kernel_node_id) {
        pidroute_gone(pid); /* back here: proc_find answers for it */
        return;
    }
    struct route *r = slot_for(pid);
    if (!r)
        return;
    if (r->pid == pid && r->forward && !forward) {
        r->node = node; /* a hint never weakens a forwarding entry */
        return;
    }
    r->pid = pid;
    r->node = node;
    r->forward = (uint8_t)forward;
    r->pinned = (uint8_t)(forward && (uint64_t)PID_NODE(pid) == kernel_node_id);
}

void pidroute_moved(int pid, uint32_t node) { put(pid, node, 1); }

uint32_t pidroute_where(int pid)
{
    struct route *r = find(pid);
    return r ? r->node : 0;
}

int pidroute_reserved(int pid)
{
    struct route *r = find(pid);
    return r && r->pinned;
}

void pidroute_gone(int pid)
{
    struct route *r = find(pid);
    if (r)
        *r = (struct route){0, 0, 0, 0};
}

struct msg *pidroute_redirect(int pid, int *error)
{
    struct route *r = find(pid);
    if (!r || !r->forward)
        return 0;
    int32_t body[2] = {-EREMOTE, (int32_t)r->node};
    struct msg *m = msg_alloc(sizeof body);
    if (!m) {
        *error = -ENOBUFS;
        return 0;
    }
    msg_write(m, 0, body, sizeof body);
    return m;
}

/* Ask every other node whether pid runs there: the node, or 0. */
static uint32_t locate(int pid, uint32_t skip)
{
    struct kreq rq = {KREQ_LOCATE, pid, 0, 0};
    return kreq_ask_all(&rq, 0, 0, skip, LOCATE_TIMEOUT_NS);
}

int pidroute_call(int pid, uint32_t hint, const struct kreq *rq, uint64_t timeout_ns,
                  int32_t *result)
{
    uint32_t node = hint ? hint : pidroute_where(pid);
    if (!node || node > kernel_nodes)
        node = (uint32_t)PID_NODE(pid);
    int rv = -ESRCH, located = 0;
    for (int hop = 0; hop < MAX_HOPS; hop++) {
        uint32_t moved = 0;
        if (node == kernel_node_id) {
            int here = 0;
            int32_t r = kreq_pid_local(rq, kernel_node_id, &moved, &here);
            /* Not here and no forwarding entry: final for a pid of this
             * home (it is gone), but only a stale hint for another's. */
            if (!moved && (here || (uint64_t)PID_NODE(pid) == kernel_node_id || located)) {
                *result = r;
                return 0;
            }
            rv = 0;
        } else if (node >= 1 && node <= kernel_nodes) {
            struct msg *reply = 0;
            rv = kreq_call(node, rq, 0, 0, timeout_ns, &reply);
            if (rv == -EINTR)
                return rv;
            if (rv == 0) {
                int32_t v[2] = {-EPROTO, 0};
                uint32_t len = reply->len;
                if (len == 4 || len == PIDROUTE_REDIRECT_LEN)
                    msg_read(reply, 0, v, len);
                msg_free(reply);
                if (len != PIDROUTE_REDIRECT_LEN || v[0] != -EREMOTE) {
                    *result = v[0];
                    return 0;
                }
                moved = (uint32_t)v[1];
            }
        }
        if (moved && moved != node) {
            put(pid, moved, 0);
            node = moved;
            continue;
        }
        if (located)
            break;
        /* That node does not answer (or sent us back): look everywhere. */
        located = 1;
        uint32_t found = locate(pid, node);
        if (!found)
            return rv == 0 ? -ESRCH : rv;
        put(pid, found, 0);
        node = found;
    }
    return rv == 0 ? -ELOOP : rv;
}
