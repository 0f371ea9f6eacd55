/* services/replica/requests.c: client requests waiting on Raft.
 *
 * Only the leader answers requests about the replicated state; a service
 * answers -EREMOTE with the leader it knows from any other server, and its
 * client library goes there.
 *
 * - A write is proposed as a Raft entry holding the request's own bytes; the
 *   caller's reply token waits in `pending` until the entry is applied, and
 *   gets the state machine's answer. If a different entry ends up at that
 *   index (a new leader overwrote it) or this server stops leading, the
 *   caller is told to retry; retries carry the same (client, seq), so the
 *   state machine applies each request at most once (dedup.h).
 * - A read uses ReadIndex (Raft thesis §6.4): it waits until a heartbeat
 *   round confirms this server still leads and the state machine has
 *   applied the commit index of when the read arrived. No read is ever
 *   answered from the local copy alone. With reads=follower a follower
 *   takes reads too: it asks the leader for the read index, and answers
 *   from its own copy once it has applied that index.
 * - A server command (REPLICA_TAG_FORWARD) is proposed without a caller: the
 *   server that sent it retries until it sees the effect in its replica. */
#include <string.h>

#include "services/replica/internal.h"
#include "services/replica/timing.h"
#include "user/ulib.h"

#define MAX_PENDING 256
#define MAX_READS 64
#define READ_GIVE_UP_NS (5000 * 1000000ULL) /* a read not confirmed by then: retry */

struct pending {
    bool used;
    uint8_t op;
    uint64_t index, term, token;
};

struct held_read {
    bool used, issued;
    uint8_t op;
    uint16_t len;
    uint64_t ctx, token, since_ns;
    uint8_t req[REPLICA_REQUEST_MAX];
};

static struct pending pending[MAX_PENDING];
static struct held_read reads[MAX_READS];
static uint64_t read_ctx_next = 1;
static uint8_t rep_buf[MSG_MAX];

int replica_propose(const void *cmd, uint32_t len, uint64_t token, uint8_t op)
{
    if (len > RAFT_MAX_DATA)
        return -EINVAL;
    int slot = -1;
    if (token) {
        for (int i = 0; i < MAX_PENDING && slot < 0; i++)
            if (!pending[i].used)
                slot = i;
        if (slot < 0)
            return -EAGAIN;
    }
    uint64_t index;
    int rv = raft_propose(&replica.raft, cmd, len, &index);
    if (rv == -EPERM)
        return -EREMOTE;
    if (rv)
        return -EAGAIN; /* flow control, a transfer, a full ring: the client retries */
    if (token)
        pending[slot] = (struct pending){true, op, index, raft_term(&replica.raft), token};
    return 0;
}

void requests_applied(uint64_t index, uint64_t term, const uint8_t *cmd, uint32_t len, bool command)
{
    bool want = false; /* a caller here proposed this very entry */
    for (int i = 0; i < MAX_PENDING; i++)
        want |= pending[i].used && pending[i].index == index && pending[i].term == term;
    want &= command;
    long n = -1;
    if (command)
        n = replica.svc->apply(index, cmd, len, want, rep_buf, sizeof rep_buf);
    else
        replica.svc->skip(index);
    for (int i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &pending[i];
        if (!p->used || p->index != index)
            continue;
        if (want && p->term == term && n >= 0)
            ipc_reply(p->token, rep_buf, (size_t)n); /* -ENOENT: the caller gave up */
        else
            replica.svc->reply_status(p->token, p->op, -EAGAIN); /* overwritten: retry */
        p->used = false;
    }
}

static void issue_read(struct held_read *h)
{
    if (replica.cfg.lease_reads)
        replica_clock_now(); /* the lease is judged by the clock as it is now */
    int rv = raft_read(&replica.raft, h->ctx);
    if (rv == 0)
        h->issued = true;
    else if (rv == -EPERM) {
        replica.svc->reply_status(h->token, h->op, -EREMOTE);
        h->used = false;
    }
    /* -EAGAIN (no entry of this term committed yet), -ENOBUFS: later */
}

int replica_read(uint64_t token, const void *req, uint32_t len, uint8_t op)
{
    if (len > REPLICA_REQUEST_MAX)
        return -EINVAL;
    timing_mark(T_READ_IN);
    for (int i = 0; i < MAX_READS; i++) {
        struct held_read *h = &reads[i];
        if (h->used)
            continue;
        h->used = true;
        h->issued = false;
        h->op = op;
        h->len = (uint16_t)len;
        h->ctx = read_ctx_next++;
        h->token = token;
        h->since_ns = replica.now_ns;
        memcpy(h->req, req, len);
        issue_read(h);
        return 0;
    }
    return -EAGAIN;
}

void requests_reads_ready(const struct raft_read *rr, uint32_t n)
{
    timing_mark(T_READ_READY);
    for (uint32_t k = 0; k < n; k++) {
        for (int i = 0; i < MAX_READS; i++) {
            struct held_read *h = &reads[i];
            if (!h->used || !h->issued || h->ctx != rr[k].ctx)
                continue;
            h->used = false;
            static bool said;
            if (!said && !replica_leading()) {
                said = true; /* once: the scenarios look for it */
                replica_log("a read served here, a follower (read index %lu from the leader)",
                            (unsigned long)rr[k].index);
            }
            replica.svc->read(h->token, h->req, h->len);
            timing_mark(T_ANSWERED);
        }
    }
}

void requests_lost_leadership(void)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending[i].used) {
            /* It may still commit under the new leader; the retry will find
             * it applied (same client and seq) instead of applying it again. */
            replica.svc->reply_status(pending[i].token, 0, -EREMOTE);
            pending[i].used = false;
        }
    }
    for (int i = 0; i < MAX_READS; i++) {
        if (reads[i].used) {
            replica.svc->reply_status(reads[i].token, reads[i].op, -EREMOTE);
            reads[i].used = false;
        }
    }
}

void requests_poll(void)
{
    for (int i = 0; i < MAX_READS; i++) {
        struct held_read *h = &reads[i];
        if (!h->used)
            continue;
        if (replica.now_ns - h->since_ns > READ_GIVE_UP_NS) {
            replica.svc->reply_status(h->token, h->op, -EAGAIN);
            h->used = false;
        } else if (!h->issued) {
            issue_read(h);
        }
    }
}

void replica_forward(const void *cmd, uint32_t len)
{
    uint32_t leader = replica_leader();
    if (!leader)
        return;
    if (leader == replica.cfg.node)
        replica_propose(cmd, len, 0, 0);
    else
        replica_send_tagged(leader, REPLICA_TAG_FORWARD, cmd, len);
}

void requests_forwarded(const uint8_t *buf, long len)
{
    if (len <= 0 || len > RAFT_MAX_DATA || !replica.svc->forward_ok(buf, (uint32_t)len)) {
        replica_refused("forwarded command", 0, len);
        return;
    }
    if (!replica_leading())
        return; /* a leader's old address: the sender tries again */
    replica_propose(buf, (uint32_t)len, 0, 0);
}
