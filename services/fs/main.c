/* services/fs/main.c: the file service's metadata server on the
 * replicated-service runtime (services/replica/replica.h).
 *
 * Started at boot on every node from bootargs (services=...,fs[:opt=N...])
 * with the runtime's options (voters, election, heartbeat, lease, snapshot:
 * services/replica/loop.c) and its own:
 *   chunklease=MS  how long a chunk lease lasts (default 4000)
 * What it gives the runtime: its state machine (fsmachine.c), how it answers
 * requests (clients.c), which server commands it accepts from another
 * server, and its side of sessions: a pid "holds" something while it has a
 * file open. */
#include <string.h>

#include "services/fs/server.h"
#include "user/ulib.h"

struct fs_machine fs_machine;
static struct fs_reply apply_rep;

static void reset(void) { fsm_init(&fs_machine); }
static uint64_t applied(void) { return fs_machine.applied; }
static void skip(uint64_t index) { fsm_skip(&fs_machine, index); }

static long apply(uint64_t index, const uint8_t *cmd, uint32_t len, bool want_reply, uint8_t *rep,
                  uint32_t cap)
{
    fsm_apply(&fs_machine, index, cmd, len, want_reply ? &apply_rep : 0);
    return want_reply ? fs_reply_encode(&apply_rep, rep, cap) : -1;
}

static long snapshot(uint8_t *buf, uint32_t cap) { return fsm_snapshot(&fs_machine, buf, cap); }
static int restore(const uint8_t *buf, uint32_t len) { return fsm_restore(&fs_machine, buf, len); }

/* A server's own command: its session's, or a close it passes on for a
 * process of its node (client 0: never a client's request in disguise). */
static bool forward_ok(const uint8_t *cmd, uint32_t len)
{
    static struct fs_request req;
    if (fs_request_decode(cmd, len, &req))
        return false;
    return req.op == FS_OP_SESSION_OPEN || req.op == FS_OP_SESSION_EXPIRE ||
           req.op == FS_OP_RELEASE || req.op == FS_OP_NODE_OUT || req.op == FS_OP_NODE_IN ||
           (req.op == FS_OP_CLOSE && req.client == 0);
}

/* A close, sent by a process of this node as a datagram: nobody waits for
 * it (close returns at once), and the server passes it to the leader as
 * its own command, for the caller's pid in this node's session, in a batch
 * with others (closes.c). If it is
 * lost, the reference goes when the process exits (RELEASE).
 * Also NODE_OUT and NODE_IN from this node's repaird (services/fs/repair/),
 * passed on the same way; repaird sees whether they took effect in the
 * out-node mask STATFS shows, and sends again if not. (Any process of the
 * node could send them: privileges are the membership issue's.) */
static bool datagram(const uint8_t *buf, long len, const struct msg_info *info)
{
    static struct fs_request req;
    static uint8_t cmd[FS_REQUEST_MAX];
    if ((uint32_t)info->sender_node != replica.cfg.node || len <= 0 ||
        fs_request_decode(buf, (size_t)len, &req))
        return false; /* from another node, or malformed: counted */
    if (req.op == FS_OP_NODE_OUT || req.op == FS_OP_NODE_IN) {
        req.now_ns = sys_wallclock();
        int n = fs_request_encode(&req, cmd, sizeof cmd);
        if (n > 0)
            replica_forward(cmd, (uint32_t)n);
        return true;
    }
    if (req.op != FS_OP_CLOSE)
        return false; /* only a close is ever sent so */
    if (!replica_session())
        return true; /* none yet: the process's exit releases it */
    closes_hold(req.ino, replica_session(), info->sender_pid);
    return true;
}

static const struct session_entry *sessions(uint32_t *cap)
{
    *cap = FS_MAX_SESSIONS;
    return fs_machine.s;
}

static bool holds(uint64_t session, int32_t pid) { return fsm_holds(&fs_machine, session, pid); }

static long session_cmd(enum replica_session_cmd kind, uint64_t session, uint32_t node,
                        uint64_t nonce, int32_t pid, uint8_t *buf, uint32_t cap)
{
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = kind == REPLICA_SESSION_OPEN     ? FS_OP_SESSION_OPEN
             : kind == REPLICA_SESSION_EXPIRE ? FS_OP_SESSION_EXPIRE
                                              : FS_OP_RELEASE;
    req.session = kind == REPLICA_SESSION_OPEN ? 0 : session;
    req.owner_node = kind == REPLICA_SESSION_OPEN ? node : 0;
    req.nonce = kind == REPLICA_SESSION_OPEN ? nonce : 0;
    req.pid = kind == REPLICA_SESSION_RELEASE ? pid : 0;
    if (kind == REPLICA_SESSION_RELEASE)
        closes_drop_pid(pid); /* the release takes them all */
    req.now_ns = sys_wallclock();
    return fs_request_encode(&req, buf, cap);
}

static uint8_t was_leader;

static void poll(void)
{
    bool leading = replica_leading();
    if (leading && !was_leader)
        leases_became_leader();
    was_leader = leading;
    closes_poll();
}

static const struct replica_service fs_service = {
    .name = "fs",
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
    .option = leases_option,
    .datagram = datagram,
    .poll = poll,
};

int main(int argc, char **argv)
{
    static struct replica_service svc;
    svc = fs_service;
    svc.snap_cap = (uint32_t)fsm_snapshot_max();
    return replica_run(&svc, argc, argv);
}
