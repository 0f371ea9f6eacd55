/* services/naming/clients.c: client requests to the naming server.
 *
 * A request arrives as an IPC call to the naming port (nsproto.h). Only the
 * leader answers requests about names; any other server answers -EREMOTE
 * with the leader it knows, and the client library goes there.
 *
 * - Writes (PUT, CAS, RM) are proposed as Raft entries holding the request's
 *   own bytes (replica_propose); the caller is answered when the entry
 *   applies, or told to retry. Retries carry the same (client, seq), so the
 *   state machine applies each request at most once.
 * - Reads (GET, LIST) wait for a ReadIndex round (replica_read). With
 *   naming:reads=follower any server takes them: a follower asks the leader
 *   for the read index and answers from its own machine once it applied it.
 * - WATCH is a long poll: answered as soon as a matching change is applied
 *   (checked against the leader's state machine after every batch), or with
 *   -EAGAIN after WATCH_HOLD_NS so the client asks again.
 * - STATUS and SESSION are answered by any server, from its own state. */
#include <stdio.h>
#include <string.h>

#include "services/naming/server.h"
#include "user/ulib.h"

#define MAX_WATCHES 64
#define WATCH_HOLD_NS (10000 * 1000000ULL)

struct watch {
    bool used;
    uint64_t token, until_ns;
    struct ns_request req;
};

static struct watch watches[MAX_WATCHES];
static uint8_t rep_buf[NS_REPLY_MAX];
static struct ns_reply rep; /* large (a LIST): one, reused */
static struct ns_request req;

static void send_reply(uint64_t token, const struct ns_reply *r)
{
    int n = ns_reply_encode(r, rep_buf, sizeof rep_buf);
    if (n < 0) {
        replica_log("reply does not encode: %d", n);
        return;
    }
    ipc_reply(token, rep_buf, (size_t)n); /* -ENOENT: the caller gave up; nothing to do */
}

static void reply_clear(struct ns_reply *r, uint8_t op)
{
    memset(r, 0, sizeof *r - sizeof r->names);
    r->op = op;
    r->index = ns_machine.applied;
}

void clients_reply_status(uint64_t token, uint8_t op, int status)
{
    struct ns_reply r;
    reply_clear(&r, op);
    r.status = status;
    r.leader = replica_leader();
    if (r.leader == replica.cfg.node && status == -EREMOTE)
        r.leader = 0;
    send_reply(token, &r);
}

static void fill_status(struct ns_status *st)
{
    memset(st, 0, sizeof *st);
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
    st->applied = ns_machine.applied;
    st->session = replica_session();
    st->bindings = ns_machine.n_bindings;
    struct replica_health h;
    replica_health(&h);
    st->elections = h.elections;
    st->contact_ms = h.contact_ms;
    st->heard_mask = h.heard_mask;
    struct rpc_stats rs;
    if (syscall1(SYS_RPCSTAT, &rs) == 0) {
        st->rpc_retransmits = rs.retransmits;
        st->rpc_timeouts = rs.call_timeouts;
        st->rpc_bad_mac = rs.bad_mac;
    }
    st->wall_ns = sys_wallclock(); /* last: the clock offset's reference */
}

/* SESSION: "the session of your node; keep my ephemerals while I live". */
static void session_request(uint64_t token, const struct msg_info *info)
{
    uint64_t s = replica_session();
    bool local = (uint32_t)info->sender_node == replica.cfg.node;
    if (s && local)
        replica_watch_pid(info->sender_pid);
    if (!s || !local) {
        clients_reply_status(token, NS_OP_SESSION, s ? -EINVAL : -EAGAIN);
        return;
    }
    struct ns_reply r;
    reply_clear(&r, NS_OP_SESSION);
    r.version = s;
    send_reply(token, &r);
}

static void hold_watch(uint64_t token)
{
    nsm_read(&ns_machine, &req, &rep);
    if (rep.status != -EAGAIN) {
        send_reply(token, &rep);
        return;
    }
    for (int i = 0; i < MAX_WATCHES; i++) {
        if (!watches[i].used) {
            watches[i].used = true;
            watches[i].token = token;
            watches[i].until_ns = replica.now_ns + WATCH_HOLD_NS;
            watches[i].req = req;
            return;
        }
    }
    clients_reply_status(token, req.op, -EAGAIN);
}

void clients_request(const uint8_t *buf, long len, const struct msg_info *info)
{
    uint64_t token = info->reply_token;
    if (len < 0 || ns_request_decode(buf, (size_t)len, &req)) {
        clients_reply_status(token, 0, -EINVAL);
        return;
    }
    switch (req.op) {
    case NS_OP_STATUS: {
        struct ns_reply r;
        reply_clear(&r, req.op);
        fill_status(&r.st);
        r.leader = r.st.leader;
        send_reply(token, &r);
        return;
    }
    case NS_OP_SESSION:
        session_request(token, info);
        return;
    case NS_OP_SESSION_OPEN:
    case NS_OP_SESSION_EXPIRE:
    case NS_OP_RELEASE:
        clients_reply_status(token, req.op, -EPERM); /* servers only, forwarded */
        return;
    default:
        break;
    }
    bool any_server = (req.op == NS_OP_GET || req.op == NS_OP_LIST) && replica.cfg.follower_reads;
    if (!replica_leading() && !any_server) {
        clients_reply_status(token, req.op, -EREMOTE);
        return;
    }
    int rv;
    if (ns_op_is_write(req.op))
        rv = replica_propose(buf, (uint32_t)len, token, req.op);
    else if (req.op == NS_OP_WATCH)
        rv = (hold_watch(token), 0);
    else
        rv = replica_read(token, buf, (uint32_t)len, req.op); /* GET, LIST */
    if (rv)
        clients_reply_status(token, req.op, rv);
}

/* A read confirmed by ReadIndex: answer it from the machine. */
void clients_read(uint64_t token, const uint8_t *buf, uint32_t len)
{
    if (ns_request_decode(buf, len, &req)) {
        clients_reply_status(token, 0, -EINVAL);
        return;
    }
    nsm_read(&ns_machine, &req, &rep);
    send_reply(token, &rep);
}

void clients_lost_leadership(void)
{
    for (int i = 0; i < MAX_WATCHES; i++) {
        if (watches[i].used) {
            clients_reply_status(watches[i].token, NS_OP_WATCH, -EREMOTE);
            watches[i].used = false;
        }
    }
}

void clients_poll(void)
{
    /* A held watch can only be answered by something newly applied (each
     * check scans the names), or by its time running out. */
    static uint64_t checked_at;
    bool changed = ns_machine.applied != checked_at;
    checked_at = ns_machine.applied;
    for (int i = 0; i < MAX_WATCHES; i++) {
        struct watch *w = &watches[i];
        if (!w->used || (!changed && replica.now_ns < w->until_ns))
            continue;
        nsm_read(&ns_machine, &w->req, &rep);
        if (rep.status != -EAGAIN || replica.now_ns >= w->until_ns) {
            send_reply(w->token, &rep);
            w->used = false;
        }
    }
}
