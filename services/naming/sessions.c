/* services/naming/sessions.c: sessions, leases and this node's own bindings.
 *
 * Ephemeral bindings (ZooKeeper's ephemeral nodes, Chubby's sessions) vanish
 * when their owner dies. Here the owner is a process, and the session
 * belongs to its node's naming server:
 *
 * - Each server opens one session for its node (SESSION_OPEN through the
 *   leader, told apart from retries by a random nonce) and renews it with a
 *   keepalive datagram to the leader every lease/4.
 * - A process that wants an ephemeral binding asks its node's server for
 *   the session id (NS_OP_SESSION); the server then watches that pid, and
 *   when it has exited proposes RELEASE(session, pid), until its replica
 *   shows no binding left for that pid.
 * - The leader measures leases with its own clock: a session with no
 *   keepalive for lease_ms is expired through the log (SESSION_EXPIRE), which
 *   removes its bindings on every replica. A new leader first grants every
 *   session a whole lease, since it has not been receiving keepalives.
 *   So a dead node's ephemerals go between lease_ms and about twice that
 *   after its death (plus an election if it was the leader).
 * - A server whose session expired (it was cut off for longer than the
 *   lease) opens a new one; bindings of the old one are gone, as in
 *   ZooKeeper, and their owners must bind again.
 *
 * The server also binds "console.N" to this node's console port, ephemeral
 * in its session, so programs anywhere find every console by name. */
#include <stdio.h>
#include <string.h>

#include "services/naming/server.h"
#include "user/ulib.h"

#define MAX_PIDS 64

struct lease {
    uint64_t id, seen_ns, expire_sent_ns;
};

static uint64_t my_nonce, my_session, next_poll_ns;
static int32_t pids[MAX_PIDS];
static struct lease leases[NS_MAX_SESSIONS];
static struct port_id console_port;
static bool console_known;
static int32_t my_pid;

uint64_t sessions_mine(void)
{
    return my_session && nsm_session_exists(&ns.machine, my_session) ? my_session : 0;
}

static uint64_t new_nonce(void) { return (sys_clock() * 0x9e3779b97f4a7c15ULL) ^ ns.cfg.node; }

void sessions_init(void)
{
    my_nonce = new_nonce();
    my_pid = sys_getpid();
    console_known = ipc_lookup(0, "console", &console_port) == 0;
}

void sessions_watch_pid(int32_t pid)
{
    for (int i = 0; i < MAX_PIDS; i++)
        if (pids[i] == pid)
            return;
    for (int i = 0; i < MAX_PIDS; i++) {
        if (!pids[i]) {
            pids[i] = pid;
            return;
        }
    }
    ns_log("too many local owners of ephemeral bindings; pid %d not watched", (int)pid);
}

/* A server command, to the leader (which may be this server). */
static void forward(const struct ns_request *req)
{
    static uint8_t buf[NS_REQUEST_MAX];
    uint32_t leader = ns.member ? raft_leader(&ns.raft) : 0;
    if (!leader)
        return;
    if (leader == ns.cfg.node) {
        uint64_t index;
        clients_propose(req, 0, &index);
        return;
    }
    int n = ns_request_encode(req, buf, sizeof buf);
    if (n > 0)
        peers_send_tagged(leader, NS_TAG_FORWARD, buf, n);
}

static struct lease *lease_of(uint64_t id, bool create)
{
    for (int i = 0; i < NS_MAX_SESSIONS; i++)
        if (leases[i].id == id)
            return &leases[i];
    if (!create)
        return 0;
    for (int i = 0; i < NS_MAX_SESSIONS; i++) {
        if (!leases[i].id || !nsm_session_exists(&ns.machine, leases[i].id)) {
            leases[i] = (struct lease){id, ns.now_ns, 0};
            return &leases[i];
        }
    }
    return 0;
}

void sessions_keepalive(const uint8_t *buf, long len)
{
    if (len != 8)
        return;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id |= (uint64_t)buf[i] << (8 * i);
    if (!nsm_session_exists(&ns.machine, id))
        return;
    struct lease *l = lease_of(id, true);
    if (l)
        l->seen_ns = ns.now_ns;
}

void sessions_became_leader(void)
{
    /* We heard no keepalives while following: every session starts afresh. */
    for (int i = 0; i < NS_MAX_SESSIONS; i++)
        leases[i].seen_ns = ns.now_ns, leases[i].expire_sent_ns = 0;
}

static void expire_leases(void)
{
    uint64_t lease_ns = (uint64_t)ns.cfg.lease_ms * 1000000ULL;
    for (int i = 0; i < NS_MAX_SESSIONS; i++) {
        const struct nsm_session *s = &ns.machine.s[i];
        if (!s->id)
            continue;
        struct lease *l = lease_of(s->id, true);
        if (!l || ns.now_ns - l->seen_ns <= lease_ns)
            continue;
        if (l->expire_sent_ns && ns.now_ns - l->expire_sent_ns < lease_ns / 4)
            continue;
        l->expire_sent_ns = ns.now_ns;
        ns_log("session %lu of node %u: no keepalive for %u ms, expiring it",
               (unsigned long)s->id, s->node, ns.cfg.lease_ms);
        struct ns_request req;
        memset(&req, 0, sizeof req);
        req.op = NS_OP_SESSION_EXPIRE;
        req.session = s->id;
        forward(&req);
    }
}

static bool owns_bindings(uint64_t session, int32_t pid)
{
    for (uint32_t i = 0; i < ns.machine.n_bindings; i++) {
        const struct ns_binding *b = &ns.machine.e[i].b;
        if (b->session == session && b->owner_pid == pid)
            return true;
    }
    return false;
}

static bool pid_alive(int32_t pid)
{
    static struct proc_info procs[64];
    int n = sys_proclist(procs, 64);
    for (int i = 0; i < n; i++)
        if (procs[i].pid == pid)
            return procs[i].state != PSTATE_ZOMBIE; /* exited, not yet reaped: dead */
    return n < 0; /* cannot tell: assume alive */
}

static void release_dead_pids(void)
{
    for (int i = 0; i < MAX_PIDS; i++) {
        if (!pids[i] || pid_alive(pids[i]))
            continue;
        if (!my_session || !owns_bindings(my_session, pids[i])) {
            pids[i] = 0; /* nothing (left) to release */
            continue;
        }
        ns_log("pid %d exited: releasing its bindings", (int)pids[i]);
        struct ns_request req;
        memset(&req, 0, sizeof req);
        req.op = NS_OP_RELEASE;
        req.session = my_session;
        req.owner_pid = pids[i];
        forward(&req);
    }
}

/* "console.N" -> this node's console port, ephemeral in our session. */
static void bind_console(void)
{
    if (!console_known || !my_session)
        return;
    struct ns_request req;
    memset(&req, 0, sizeof req);
    req.op = NS_OP_PUT;
    req.flags = NS_F_PORT | NS_F_EPHEMERAL;
    req.session = my_session;
    req.owner_pid = my_pid;
    req.port = console_port;
    req.name_len = (uint16_t)snprintf(req.name, sizeof req.name, "console.%u", ns.cfg.node);
    for (uint32_t i = 0; i < ns.machine.n_bindings; i++) {
        const struct ns_binding *b = &ns.machine.e[i].b;
        if (b->name_len == req.name_len && !memcmp(b->name, req.name, req.name_len))
            if (b->session == my_session && b->port.a == console_port.a &&
                b->port.b == console_port.b)
                return; /* in place */
    }
    forward(&req);
}

void sessions_applied(void)
{
    if (!my_session) {
        uint64_t s = nsm_session_find(&ns.machine, ns.cfg.node, my_nonce);
        if (s) {
            my_session = s;
            ns_log("session %lu open", (unsigned long)s);
        }
    } else if (!nsm_session_exists(&ns.machine, my_session)) {
        ns_log("session %lu expired; its ephemeral bindings are gone; opening a new one",
               (unsigned long)my_session);
        my_session = 0;
        my_nonce = new_nonce();
    }
}

/* Something changed (a leader became known): do the periodic work now,
 * so a new server's session opens without waiting for the next period. */
void sessions_poke(void) { next_poll_ns = 0; }

void sessions_poll(void)
{
    if (ns.now_ns < next_poll_ns)
        return;
    uint64_t period_ms = ns.cfg.lease_ms / 4;
    next_poll_ns = ns.now_ns + period_ms * 1000000ULL;
    sessions_applied();
    uint32_t leader = ns.member ? raft_leader(&ns.raft) : 0;
    if (!leader)
        return;
    if (!my_session) {
        struct ns_request req;
        memset(&req, 0, sizeof req);
        req.op = NS_OP_SESSION_OPEN;
        req.owner_node = ns.cfg.node;
        req.nonce = my_nonce;
        forward(&req);
    } else {
        uint8_t ka[8];
        for (int i = 0; i < 8; i++)
            ka[i] = (uint8_t)(my_session >> (8 * i));
        if (leader == ns.cfg.node)
            sessions_keepalive(ka, sizeof ka);
        else
            peers_send_tagged(leader, NS_TAG_KEEPALIVE, ka, sizeof ka);
    }
    if (leader == ns.cfg.node && raft_role(&ns.raft) == RAFT_LEADER)
        expire_leases();
    release_dead_pids();
    bind_console();
}
