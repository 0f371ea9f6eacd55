/* services/naming/main.c: the naming service on the replicated-service
 * runtime (services/replica/replica.h).
 *
 * Started at boot on every node from bootargs (services=naming[:opt=N...]),
 * with the runtime's options (voters, election, heartbeat, lease, snapshot:
 * services/replica/loop.c). What naming gives the runtime: its state machine
 * (nsmachine.c), how it answers requests (clients.c), which server commands
 * it accepts from another server, and its side of sessions: a pid "holds"
 * something while it owns an ephemeral binding. */
#include <string.h>

#include "services/naming/server.h"
#include "user/ulib.h"

struct ns_machine ns_machine;
static struct ns_reply apply_rep;

static void reset(void) { nsm_init(&ns_machine); }
static uint64_t applied(void) { return ns_machine.applied; }
static void skip(uint64_t index) { nsm_skip(&ns_machine, index); }

static long apply(uint64_t index, const uint8_t *cmd, uint32_t len, bool want_reply, uint8_t *rep,
                  uint32_t cap)
{
    nsm_apply(&ns_machine, index, cmd, len, want_reply ? &apply_rep : 0);
    return want_reply ? ns_reply_encode(&apply_rep, rep, cap) : -1;
}

static long snapshot(uint8_t *buf, uint32_t cap) { return nsm_snapshot(&ns_machine, buf, cap); }
static int restore(const uint8_t *buf, uint32_t len) { return nsm_restore(&ns_machine, buf, len); }

/* A server's own command: a session's, or one of its bindings (client 0). */
static bool forward_ok(const uint8_t *cmd, uint32_t len)
{
    static struct ns_request req;
    if (ns_request_decode(cmd, len, &req))
        return false;
    return req.op == NS_OP_SESSION_OPEN || req.op == NS_OP_SESSION_EXPIRE ||
           req.op == NS_OP_RELEASE || (req.op == NS_OP_PUT && req.client == 0);
}

static const struct session_entry *sessions(uint32_t *cap)
{
    *cap = NS_MAX_SESSIONS;
    return ns_machine.s;
}

static bool holds(uint64_t session, int32_t pid)
{
    for (uint32_t i = 0; i < ns_machine.n_bindings; i++) {
        const struct ns_binding *b = &ns_machine.e[i].b;
        if (b->session == session && b->owner_pid == pid)
            return true;
    }
    return false;
}

static long session_cmd(enum replica_session_cmd kind, uint64_t session, uint32_t node,
                        uint64_t nonce, int32_t pid, uint8_t *buf, uint32_t cap)
{
    struct ns_request req;
    memset(&req, 0, sizeof req);
    req.op = kind == REPLICA_SESSION_OPEN     ? NS_OP_SESSION_OPEN
             : kind == REPLICA_SESSION_EXPIRE ? NS_OP_SESSION_EXPIRE
                                              : NS_OP_RELEASE;
    req.session = session;
    req.owner_node = node;
    req.nonce = nonce;
    req.owner_pid = pid;
    return ns_request_encode(&req, buf, cap);
}

static void poll(void)
{
    clients_poll();
    console_poll();
}

static const struct replica_service naming = {
    .name = "naming",
    .reset = reset,
    .applied = applied,
    .apply = apply,
    .skip = skip,
    .snapshot = snapshot,
    .restore = restore,
    .request = clients_request,
    .read = clients_read,
    .reply_status = clients_reply_status,
    .forward_ok = forward_ok,
    .sessions = sessions,
    .holds = holds,
    .session_cmd = session_cmd,
    .poll = poll,
    .lost_leadership = clients_lost_leadership,
};

int main(int argc, char **argv)
{
    static struct replica_service svc;
    svc = naming;
    svc.snap_cap = (uint32_t)nsm_snapshot_max();
    console_init();
    return replica_run(&svc, argc, argv);
}
