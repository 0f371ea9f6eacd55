/* services/naming/clients.c: client requests to the naming server.
 *
 * A request arrives as an IPC call to the naming port (nsproto.h). Only the
 * leader answers requests about names; any other server answers -EREMOTE
 * with the leader it knows, and the client library goes there.
 *
 * - Writes (PUT, CAS, RM) are proposed as Raft entries holding the request's
 *   own bytes; the caller's reply token waits in `pending` until the entry
 *   is applied, and gets the state machine's answer. If a different entry
 *   ends up at that index (a new leader overwrote it) or this server stops
 *   leading, the caller is told to retry; retries carry the same (client,
 *   seq), so the state machine applies each request at most once.
 * - Reads (GET, LIST) use ReadIndex (Raft thesis §6.4): the read waits
 *   until a heartbeat round confirms this server still leads and the state
 *   machine has applied the commit index of when the read arrived. No read
 *   is ever answered from the local copy alone.
 * - WATCH is a long poll: answered as soon as a matching change is applied
 *   (checked against the leader's state machine after every batch), or with
 *   -EAGAIN after WATCH_HOLD_NS so the client asks again.
 * - STATUS and SESSION are answered by any server, from its own state. */
#include <stdio.h>
#include <string.h>

#include "services/naming/server.h"
#include "user/ulib.h"

#define MAX_PENDING 256
#define MAX_READS 64
#define MAX_WATCHES 64
#define READ_GIVE_UP_NS (5000 * 1000000ULL) /* a read not confirmed by then: retry */
#define WATCH_HOLD_NS (10000 * 1000000ULL)

struct pending {
    bool used;
    uint64_t index, term, token;
};

struct held_read {
    bool used, issued;
    uint64_t ctx, token, since_ns;
    struct ns_request req;
};

struct watch {
    bool used;
    uint64_t token, until_ns;
    struct ns_request req;
};

static struct pending pending[MAX_PENDING];
static struct held_read reads[MAX_READS];
static struct watch watches[MAX_WATCHES];
static uint64_t read_ctx_next = 1;
static uint8_t rep_buf[NS_REPLY_MAX];
static uint8_t cmd_buf[NS_REQUEST_MAX];
static struct ns_reply rep; /* large (a LIST): one, reused */

static void send_reply(uint64_t token, const struct ns_reply *r)
{
    int n = ns_reply_encode(r, rep_buf, sizeof rep_buf);
    if (n < 0) {
        ns_log("reply does not encode: %d", n);
        return;
    }
    ipc_reply(token, rep_buf, (size_t)n); /* -ENOENT: the caller gave up; nothing to do */
}

static void reply_status(uint64_t token, uint8_t op, int status)
{
    struct ns_reply r;
    memset(&r, 0, sizeof r - sizeof r.names);
    r.op = op;
    r.status = status;
    r.leader = raft_leader(&ns.raft);
    if (r.leader == ns.cfg.node && status == -EREMOTE)
        r.leader = 0;
    r.index = ns.machine.applied;
    send_reply(token, &r);
}

static bool leading(void) { return ns.member && raft_role(&ns.raft) == RAFT_LEADER; }

int clients_propose(const struct ns_request *req, uint64_t token, uint64_t *index)
{
    int n = ns_request_encode(req, cmd_buf, sizeof cmd_buf);
    if (n < 0)
        return -EINVAL;
    int slot = -1;
    if (token) {
        for (int i = 0; i < MAX_PENDING && slot < 0; i++)
            if (!pending[i].used)
                slot = i;
        if (slot < 0)
            return -EAGAIN;
    }
    int rv = raft_propose(&ns.raft, cmd_buf, (uint32_t)n, index);
    if (rv == -EPERM)
        return -EREMOTE;
    if (rv)
        return -EAGAIN; /* flow control, a transfer, a full ring: the client retries */
    if (token)
        pending[slot] = (struct pending){true, *index, raft_term(&ns.raft), token};
    return 0;
}

static void fill_status(struct ns_status *st)
{
    memset(st, 0, sizeof *st);
    st->node = ns.cfg.node;
    if (ns.member) {
        st->leader = raft_leader(&ns.raft);
        st->role = raft_role(&ns.raft);
        st->member = raft_conf_role(raft_conf(&ns.raft), ns.cfg.node);
        st->term = raft_term(&ns.raft);
        st->commit = raft_commit(&ns.raft);
        st->last_index = raft_last_index(&ns.raft);
        st->snap_index = raft_snap_index(&ns.raft);
    }
    st->applied = ns.machine.applied;
    st->session = sessions_mine();
    st->bindings = ns.machine.n_bindings;
}

static void issue_read(struct held_read *h)
{
    int rv = raft_read(&ns.raft, h->ctx);
    if (rv == 0)
        h->issued = true;
    else if (rv == -EPERM) {
        reply_status(h->token, h->req.op, -EREMOTE);
        h->used = false;
    }
    /* -EAGAIN (no entry of this term committed yet), -ENOBUFS: later */
}

void clients_request(const uint8_t *buf, long len, const struct msg_info *info)
{
    if (!info->reply_token)
        return; /* requests are calls; anything else is not for us */
    static struct ns_request req;
    if (ns_request_decode(buf, (size_t)len, &req)) {
        reply_status(info->reply_token, 0, -EINVAL);
        return;
    }
    uint64_t token = info->reply_token;
    switch (req.op) {
    case NS_OP_STATUS: {
        struct ns_reply r;
        memset(&r, 0, sizeof r - sizeof r.names);
        r.op = req.op;
        fill_status(&r.st);
        r.leader = r.st.leader;
        r.index = ns.machine.applied;
        send_reply(token, &r);
        return;
    }
    case NS_OP_SESSION: {
        uint64_t s = sessions_mine();
        if (s && (uint32_t)info->sender_node == ns.cfg.node)
            sessions_watch_pid(info->sender_pid);
        if (!s || (uint32_t)info->sender_node != ns.cfg.node) {
            reply_status(token, req.op, s ? -EINVAL : -EAGAIN);
            return;
        }
        struct ns_reply r;
        memset(&r, 0, sizeof r - sizeof r.names);
        r.op = req.op;
        r.version = s;
        r.index = ns.machine.applied;
        send_reply(token, &r);
        return;
    }
    case NS_OP_SESSION_OPEN:
    case NS_OP_SESSION_EXPIRE:
    case NS_OP_RELEASE:
        reply_status(token, req.op, -EPERM); /* servers only, through NS_TAG_FORWARD */
        return;
    default:
        break;
    }
    if (!leading()) {
        reply_status(token, req.op, -EREMOTE);
        return;
    }
    if (ns_op_is_write(req.op)) {
        uint64_t index;
        int rv = clients_propose(&req, token, &index);
        if (rv)
            reply_status(token, req.op, rv);
        return;
    }
    if (req.op == NS_OP_WATCH) {
        nsm_read(&ns.machine, &req, &rep);
        if (rep.status != -EAGAIN) {
            send_reply(token, &rep);
            return;
        }
        for (int i = 0; i < MAX_WATCHES; i++) {
            if (!watches[i].used) {
                watches[i] = (struct watch){true, token, ns.now_ns + WATCH_HOLD_NS, req};
                return;
            }
        }
        reply_status(token, req.op, -EAGAIN);
        return;
    }
    /* GET, LIST: ReadIndex */
    for (int i = 0; i < MAX_READS; i++) {
        if (!reads[i].used) {
            reads[i] = (struct held_read){true, false, read_ctx_next++, token, ns.now_ns, req};
            issue_read(&reads[i]);
            return;
        }
    }
    reply_status(token, req.op, -EAGAIN);
}

void clients_applied(uint64_t index, uint64_t term, const struct ns_reply *r)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &pending[i];
        if (!p->used || p->index != index)
            continue;
        if (p->term == term && r)
            send_reply(p->token, r);
        else
            reply_status(p->token, r ? r->op : 0, -EAGAIN); /* overwritten: retry */
        p->used = false;
    }
}

void clients_reads_ready(const struct raft_read *rr, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        for (int i = 0; i < MAX_READS; i++) {
            struct held_read *h = &reads[i];
            if (!h->used || !h->issued || h->ctx != rr[k].ctx)
                continue;
            nsm_read(&ns.machine, &h->req, &rep);
            send_reply(h->token, &rep);
            h->used = false;
        }
    }
}

void clients_lost_leadership(void)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending[i].used) {
            /* It may still commit under the new leader; the retry will find
             * it applied (same client and seq) instead of applying it again. */
            reply_status(pending[i].token, 0, -EREMOTE);
            pending[i].used = false;
        }
    }
    for (int i = 0; i < MAX_READS; i++) {
        if (reads[i].used) {
            reply_status(reads[i].token, reads[i].req.op, -EREMOTE);
            reads[i].used = false;
        }
    }
    for (int i = 0; i < MAX_WATCHES; i++) {
        if (watches[i].used) {
            reply_status(watches[i].token, NS_OP_WATCH, -EREMOTE);
            watches[i].used = false;
        }
    }
}

void clients_poll(void)
{
    for (int i = 0; i < MAX_READS; i++) {
        struct held_read *h = &reads[i];
        if (!h->used)
            continue;
        if (ns.now_ns - h->since_ns > READ_GIVE_UP_NS) {
            reply_status(h->token, h->req.op, -EAGAIN);
            h->used = false;
        } else if (!h->issued) {
            issue_read(h);
        }
    }
    /* A held watch can only be answered by something newly applied (each
     * check scans the names), or by its time running out. */
    static uint64_t checked_at;
    bool changed = ns.machine.applied != checked_at;
    checked_at = ns.machine.applied;
    for (int i = 0; i < MAX_WATCHES; i++) {
        struct watch *w = &watches[i];
        if (!w->used || (!changed && ns.now_ns < w->until_ns))
            continue;
        nsm_read(&ns.machine, &w->req, &rep);
        if (rep.status != -EAGAIN || ns.now_ns >= w->until_ns) {
            send_reply(w->token, &rep);
            w->used = false;
        }
    }
}

/* NS_TAG_FORWARD: a server's own command (a session, a release, or one of
 * its bindings) for the leader to propose. The sender retries until it sees
 * the effect in its own replica, so a lost one costs nothing. */
void clients_forward(const uint8_t *buf, long len)
{
    static struct ns_request req;
    if (!leading() || ns_request_decode(buf, (size_t)len, &req))
        return;
    bool server_cmd = req.op == NS_OP_SESSION_OPEN || req.op == NS_OP_SESSION_EXPIRE ||
                      req.op == NS_OP_RELEASE || (req.op == NS_OP_PUT && req.client == 0);
    if (!server_cmd)
        return;
    uint64_t index;
    clients_propose(&req, 0, &index);
}
