/* services/fs/clients.c: client requests to a metadata server.
 *
 * A request is an IPC call to the "fs" port (fsproto.h). Only the leader
 * answers about the namespace; any other server answers -EREMOTE with the
 * leader it knows, and the client library goes there.
 *
 * - Writes (CREATE .. CLOSE) are proposed as Raft entries holding the
 *   request's encoding (replica_propose), after the leader stamped its wall
 *   clock (now_ns: a file's times) and, for an open, the session of the
 *   caller's node and the caller's pid, so the open reference goes when the
 *   process or its node dies (services/replica/sessions.c). A caller on
 *   another node than the leader passes its node's session itself (the
 *   client library asks its own server for it: FS_OP_STATUS).
 * - Reads (STAT, FSTAT, READDIR) and lease requests wait for a ReadIndex
 *   round (replica_read): answered by a server that is still the leader,
 *   from a machine that has applied everything committed before they came.
 * - STATUS and STATFS are answered by any server, from its own state.
 * A call that does not decode, or names an op clients may not send, is
 * answered with an error and counted (STATUS's bad_requests; df shows it). */
#include <string.h>

#include "services/fs/server.h"
#include "user/ulib.h"

static uint8_t rep_buf[FS_REPLY_MAX];
static uint8_t cmd_buf[FS_REQUEST_MAX];
static struct fs_reply rep; /* large (a READDIR): one, reused */
static struct fs_request req;
static uint32_t bad_requests;
#define BAD_LOGGED 10 /* the first few refusals are logged too */

void clients_send(uint64_t token, const struct fs_reply *r)
{
    int n = fs_reply_encode(r, rep_buf, sizeof rep_buf);
    if (n < 0) {
        replica_log("reply does not encode: %d", n);
        return;
    }
    ipc_reply(token, rep_buf, (size_t)n); /* -ENOENT: the caller gave up */
}

static void reply_clear(struct fs_reply *r, uint8_t op)
{
    memset(r, 0, sizeof *r - sizeof r->ents);
    r->op = op;
    r->index = fs_machine.applied;
}

void clients_reply_status(uint64_t token, uint8_t op, int status)
{
    struct fs_reply r;
    reply_clear(&r, op);
    r.status = status;
    r.leader = replica_leader();
    if (r.leader == replica.cfg.node && status == -EREMOTE)
        r.leader = 0;
    clients_send(token, &r);
}

static void status_reply(uint64_t token)
{
    struct fs_reply r;
    reply_clear(&r, FS_OP_STATUS);
    struct fs_status *st = &r.st;
    st->node = replica.cfg.node;
    if (replica.member) {
        const struct raft *rf = &replica.raft;
        st->leader = raft_leader(rf);
        st->role = raft_role(rf);
        st->member = raft_conf_role(raft_conf(rf), replica.cfg.node);
        st->term = raft_term(rf);
        st->commit = raft_commit(rf);
        st->last_index = raft_last_index(rf);
        st->snap_index = raft_snap_index(rf);
    }
    st->applied = fs_machine.applied;
    st->session = replica_session();
    st->inodes = fs_machine.n_inodes;
    st->bad_requests = bad_requests + replica.bad_datagrams;
    r.leader = st->leader;
    clients_send(token, &r);
}

/* SESSION: "the session of your node; release my open files when I die".
 * Only for a process on this node: it is this server that watches it. */
static void session_reply(uint64_t token, const struct msg_info *info)
{
    uint64_t s = replica_session();
    bool local = (uint32_t)info->sender_node == replica.cfg.node;
    if (!s || !local) {
        clients_reply_status(token, FS_OP_SESSION, s ? -EINVAL : -EAGAIN);
        return;
    }
    replica_watch_pid(info->sender_pid);
    struct fs_reply r;
    reply_clear(&r, FS_OP_SESSION);
    r.value = s;
    clients_send(token, &r);
}

/* Fill what only a server knows into a write, and propose it. */
static int propose(uint64_t token, const struct msg_info *info)
{
    req.now_ns = sys_wallclock();
    bool opens = req.op == FS_OP_OPEN || req.op == FS_OP_CLOSE ||
                 (req.op == FS_OP_CREATE && (req.flags & FS_F_OPEN));
    if (opens && req.session == 0) {
        /* The caller is on this node: our session, and we watch its pid. */
        if ((uint32_t)info->sender_node != replica.cfg.node)
            return -EINVAL;
        req.session = replica_session();
        if (!req.session)
            return -EAGAIN; /* no session yet: the client retries */
        req.pid = info->sender_pid;
    }
    if (opens && req.op != FS_OP_CLOSE && req.session == replica_session())
        replica_watch_pid(req.pid);
    int n = fs_request_encode(&req, cmd_buf, sizeof cmd_buf);
    if (n < 0)
        return -EINVAL;
    return replica_propose(cmd_buf, (uint32_t)n, token, req.op);
}

static void refused(long len, const struct msg_info *info)
{
    if (++bad_requests <= BAD_LOGGED)
        replica_log("refused a malformed request of %ld bytes from pid %d on node %d%s", len,
                    (int)info->sender_pid, (int)info->sender_node,
                    bad_requests == BAD_LOGGED ? " (from now on only counted)" : "");
}

void clients_request(const uint8_t *buf, long len, const struct msg_info *info)
{
    uint64_t token = info->reply_token;
    if (len < 0 || fs_request_decode(buf, (size_t)len, &req)) {
        refused(len, info);
        clients_reply_status(token, 0, -EINVAL);
        return;
    }
    int rv;
    switch (req.op) {
    case FS_OP_STATUS:
        status_reply(token);
        return;
    case FS_OP_STATFS:
        fsm_read(&fs_machine, &req, &rep);
        clients_send(token, &rep);
        return;
    case FS_OP_SESSION:
        session_reply(token, info);
        return;
    case FS_OP_SESSION_OPEN:
    case FS_OP_SESSION_EXPIRE:
    case FS_OP_RELEASE:
        refused(len, info);
        clients_reply_status(token, req.op, -EPERM); /* servers only, forwarded */
        return;
    default:
        break;
    }
    if (!replica_leading()) {
        clients_reply_status(token, req.op, -EREMOTE);
        return;
    }
    if (fs_op_is_write(req.op))
        rv = propose(token, info);
    else
        rv = replica_read(token, buf, (uint32_t)len, req.op); /* reads, leases */
    if (rv)
        clients_reply_status(token, req.op, rv);
}

/* A read (or lease request) confirmed by ReadIndex. */
void clients_read(uint64_t token, const uint8_t *buf, uint32_t len)
{
    if (fs_request_decode(buf, len, &req)) {
        bad_requests++; /* it decoded when it came: only if memory went bad */
        clients_reply_status(token, 0, -EINVAL);
        return;
    }
    if (req.op == FS_OP_LEASE) {
        leases_request(token, &req);
        return;
    }
    fsm_read(&fs_machine, &req, &rep);
    clients_send(token, &rep);
}
