/* services/replica/sessions.c: sessions, leases and the pids that hold
 * something under them.
 *
 * Some state must not outlive the process that made it: naming's ephemeral
 * bindings (ZooKeeper's ephemeral nodes, Chubby's sessions), the file
 * service's open files. Here the owner is a process, and the session
 * belongs to its node's server:
 *
 * - Each server opens one session for its node (a SESSION_OPEN command
 *   through the leader, told apart from retries by a random nonce) and
 *   renews it with a keepalive datagram to the leader every lease/4.
 * - A process that will hold something asks its node's server, which then
 *   watches that pid (replica_watch_pid); when the pid has exited, the
 *   server proposes RELEASE(session, pid) until its replica shows nothing
 *   left for that pid (svc->holds).
 * - The leader measures leases with its own clock: a session with no
 *   keepalive for lease_ms is expired through the log (SESSION_EXPIRE),
 *   which drops what it held on every replica. A new leader first grants
 *   every session a whole lease, since it has not been receiving
 *   keepalives. So a dead node's holdings go between lease_ms and about
 *   twice that after its death (plus an election if it was the leader).
 * - A server whose session expired (it was cut off for longer than the
 *   lease) opens a new one; what the old one held is gone, as in
 *   ZooKeeper, and its owners must make it again.
 *
 * The session table itself is replicated state (sessiontab.h, in the
 * service's machine); this file is the part that runs on each server. */
#include <string.h>

#include "services/replica/internal.h"
#include "user/ulib.h"

#define MAX_PIDS 64
#define MAX_LEASES 64

struct lease {
    uint64_t id, seen_ns, expire_sent_ns;
};

static uint64_t my_nonce, my_session, next_poll_ns;
static int32_t pids[MAX_PIDS];
static struct lease leases[MAX_LEASES];

static bool session_exists(uint64_t id)
{
    uint32_t cap;
    const struct session_entry *tab = replica.svc->sessions(&cap);
    return sessiontab_slot(tab, cap, id) >= 0;
}

uint64_t replica_session(void) { return my_session && session_exists(my_session) ? my_session : 0; }

static uint64_t new_nonce(void) { return (sys_clock() * 0x9e3779b97f4a7c15ULL) ^ replica.cfg.node; }

void sessions_init(void) { my_nonce = new_nonce(); }

void replica_watch_pid(int32_t pid)
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
    replica_log("too many local processes holding state; pid %d not watched", (int)pid);
}

/* A server command of this kind, to the leader. */
static void command(enum replica_session_cmd kind, uint64_t session, int32_t pid)
{
    static uint8_t buf[REPLICA_REQUEST_MAX];
    long n =
        replica.svc->session_cmd(kind, session, replica.cfg.node, my_nonce, pid, buf, sizeof buf);
    if (n > 0)
        replica_forward(buf, (uint32_t)n);
}

static struct lease *lease_of(uint64_t id, bool create)
{
    for (int i = 0; i < MAX_LEASES; i++)
        if (leases[i].id == id)
            return &leases[i];
    if (!create)
        return 0;
    for (int i = 0; i < MAX_LEASES; i++) {
        if (!leases[i].id || !session_exists(leases[i].id)) {
            leases[i] = (struct lease){id, replica.now_ns, 0};
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
    if (!session_exists(id))
        return;
    struct lease *l = lease_of(id, true);
    if (l)
        l->seen_ns = replica.now_ns;
}

void sessions_became_leader(void)
{
    /* We heard no keepalives while following: every session starts afresh. */
    for (int i = 0; i < MAX_LEASES; i++)
        leases[i].seen_ns = replica.now_ns, leases[i].expire_sent_ns = 0;
}

static void expire_leases(void)
{
    uint64_t lease_ns = (uint64_t)replica.cfg.lease_ms * 1000000ULL;
    uint32_t cap;
    const struct session_entry *tab = replica.svc->sessions(&cap);
    for (uint32_t i = 0; i < cap; i++) {
        const struct session_entry *s = &tab[i];
        if (!s->id)
            continue;
        struct lease *l = lease_of(s->id, true);
        if (!l || replica.now_ns - l->seen_ns <= lease_ns)
            continue;
        if (l->expire_sent_ns && replica.now_ns - l->expire_sent_ns < lease_ns / 4)
            continue;
        l->expire_sent_ns = replica.now_ns;
        replica_log("session %lu of node %u: no keepalive for %u ms, expiring it",
                    (unsigned long)s->id, s->node, replica.cfg.lease_ms);
        command(REPLICA_SESSION_EXPIRE, s->id, 0);
    }
}

static bool pid_alive(int32_t pid)
{
    static struct proc_info procs[64];
    int n = sys_proclist(procs, 64);
    for (int i = 0; i < n; i++)
        if (procs[i].pid == pid)
            return procs[i].state != PSTATE_ZOMBIE; /* exited, not yet reaped: dead */
    if (n < 0)
        return true; /* cannot tell: assume alive */
    /* Not here: it may have moved to another node (kernel/migrate.h) and
     * live on there; what it holds stays until it exits. If that cannot
     * be told (its node does not answer), it is taken as gone, as a
     * process whose node died is. */
    return sys_kill(pid, 0) == 0;
}

static void release_dead_pids(void)
{
    for (int i = 0; i < MAX_PIDS; i++) {
        if (!pids[i] || pid_alive(pids[i]))
            continue;
        if (!my_session || !replica.svc->holds(my_session, pids[i])) {
            pids[i] = 0; /* nothing (left) to release */
            continue;
        }
        replica_log("pid %d exited: releasing what it held", (int)pids[i]);
        command(REPLICA_SESSION_RELEASE, my_session, pids[i]);
    }
}

void sessions_applied(void)
{
    if (!my_session) {
        uint32_t cap;
        const struct session_entry *tab = replica.svc->sessions(&cap);
        uint64_t s = sessiontab_find(tab, cap, replica.cfg.node, my_nonce);
        if (s) {
            my_session = s;
            replica_log("session %lu open", (unsigned long)s);
        }
    } else if (!session_exists(my_session)) {
        replica_log("session %lu expired; what it held is gone; opening a new one",
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
    if (replica.now_ns < next_poll_ns)
        return;
    uint64_t period_ms = replica.cfg.lease_ms / 4;
    next_poll_ns = replica.now_ns + period_ms * 1000000ULL;
    sessions_applied();
    uint32_t leader = replica_leader();
    if (!leader)
        return;
    if (!my_session) {
        command(REPLICA_SESSION_OPEN, 0, 0);
    } else {
        uint8_t ka[8];
        for (int i = 0; i < 8; i++)
            ka[i] = (uint8_t)(my_session >> (8 * i));
        if (leader == replica.cfg.node)
            sessions_keepalive(ka, sizeof ka);
        else
            replica_send_tagged(leader, REPLICA_TAG_KEEPALIVE, ka, sizeof ka);
    }
    if (leader == replica.cfg.node && raft_role(&replica.raft) == RAFT_LEADER)
        expire_leases();
    release_dead_pids();
}
