/* services/raft/read.c: linearizable reads with ReadIndex (thesis §6.4), and
 * with a leader lease (§6.4.1) when configured.
 *
 * ReadIndex: the leader records its commit index as the read's index, then
 * confirms it is still the leader with a heartbeat round acknowledged by a
 * majority: a newer leader would have stopped that majority from answering.
 * The read is released once the state machine has applied the read index. A
 * leader must have committed an entry of its own term first, or its commit
 * index might be behind the previous leader's. Reads asked for between two
 * readies wait for the same round, started by the next ready (batching: one
 * heartbeat for any number of concurrent reads).
 *
 * Lease: a server that heard from its leader ignores requests for a new term
 * for election_ms of its own clock (check-quorum's leader stickiness, raft.c
 * raft_step). So once a majority acknowledged a heartbeat round sent at time
 * t, no other leader can exist before t + election_ms of those servers'
 * clocks; with clock rates within 1 +- r of real time, the leader may trust
 * its own clock up to t + election_ms x (1 - r) / (1 + r) (cfg.lease_read_ms,
 * chosen by the caller), and serve reads at its commit index meanwhile with
 * no round at all. A leadership transfer (whose vote passes the stickiness),
 * a configuration change or a new term ends the lease; rounds sent before
 * then never renew it. */
#include "services/raft/internal.h"

bool raft_lease_valid(const struct raft *r)
{
    return r->cfg.lease_read_ms && r->role == RAFT_LEADER && !r->transfer_to &&
           r->clock_ms < r->lease_until && log_term(r, r->commit) == r->term;
}

/* A follower's read: it waits for the leader's read index (follower_send). */
static int follower_read(struct raft *r, uint64_t ctx)
{
    if (!r->cfg.follower_reads || r->role != RAFT_FOLLOWER)
        return -EPERM;
    if (!r->leader)
        return -EAGAIN;
    if (r->n_reads == RAFT_MAX_READS)
        return -ENOBUFS;
    r->reads[r->n_reads++] = (struct raft_read){.ctx = ctx};
#ifdef MUTANT_FOLLOWER_READ_LOCAL
    r->reads[r->n_reads - 1].index = r->commit; /* served from what it has: no leader asked */
    r->reads[r->n_reads - 1].confirmed = true;
#endif
    return 0;
}

int raft_read(struct raft *r, uint64_t ctx)
{
    if (r->role != RAFT_LEADER)
        return follower_read(r, ctx);
    if (log_term(r, r->commit) != r->term)
        return -EAGAIN;
    if (r->n_reads == RAFT_MAX_READS)
        return -ENOBUFS;
    struct raft_read *rd = &r->reads[r->n_reads++];
    *rd = (struct raft_read){.ctx = ctx, .index = r->commit, .round = r->read_round + 1};
#ifdef MUTANT_READ_NO_HEARTBEAT
    rd->confirmed = true;
    return 0;
#endif
    if (raft_lease_valid(r)) {
        rd->confirmed = true;
        return 0;
    }
    r->read_wanted = true;
    return 0;
}

void read_start_round(struct raft *r)
{
    r->read_round++;
    r->round_sent[r->read_round % RAFT_ROUND_RING] = r->clock_ms;
}

/* Leader: answer the followers' reads a round has confirmed. */
static void answer_followers(struct raft *r)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < r->n_reads; i++) {
        struct raft_read *q = &r->reads[i];
        if (q->from && q->confirmed) {
            struct raft_msg *o = raft_out(r, RAFT_MSG_READ_INDEX_RESP, q->from, HOLD_HS);
            if (o) {
                o->ctx = q->batch;
                o->index = q->index;
                continue;
            }
        }
        r->reads[keep++] = *q; /* (or the outbox is full: next ready) */
    }
    r->n_reads = keep;
}

/* A follower asks its leader again after this long without an answer (the
 * request or the answer lost), and after a heartbeat interval if the leader
 * said not now. */
static uint64_t resend_after(const struct raft *r, const struct raft_read *q)
{
    return q->refused ? r->cfg.heartbeat_ms : r->cfg.election_ms;
}

/* Follower: one READ_INDEX to the leader for the reads not yet asked (or to
 * ask again); a new leader is asked for all of them. */
static void follower_send(struct raft *r)
{
    if (!r->leader)
        return;
    if (r->leader != r->fread_leader) {
        for (uint32_t i = 0; i < r->n_reads; i++)
            if (!r->reads[i].confirmed)
                r->reads[i].batch = 0;
        r->fread_leader = r->leader;
    }
    uint64_t batch = 0;
    for (uint32_t i = 0; i < r->n_reads; i++) {
        struct raft_read *q = &r->reads[i];
        if (q->confirmed || (q->batch && r->clock_ms - q->sent_ms < resend_after(r, q)))
            continue;
        if (!batch) {
            struct raft_msg *o = raft_out(r, RAFT_MSG_READ_INDEX, r->leader, HOLD_HS);
            if (!o)
                return;
            batch = o->ctx = ++r->fread_batch;
        }
        q->batch = batch;
        q->sent_ms = r->clock_ms;
        q->refused = false;
    }
}

/* raft_ready: start the round the reads asked for since the last ready; a
 * leader answers its followers' confirmed reads, a follower asks for the
 * read index of its new ones. */
void read_flush(struct raft *r)
{
    if (r->role == RAFT_FOLLOWER && r->cfg.follower_reads)
        follower_send(r);
    if (r->role != RAFT_LEADER) {
        r->read_wanted = false;
        return;
    }
    if (r->read_wanted) {
        r->read_wanted = false;
        read_start_round(r);
        read_on_ack(r); /* a single voter confirms itself */
        for (uint32_t i = 0; i < r->n_reads; i++)
            if (!r->reads[i].confirmed) {
                repl_broadcast_heartbeat(r, r->read_round);
                break;
            }
    }
    answer_followers(r);
}

/* Leader: a follower asks for a read index for its batch of reads. Like
 * raft_read: the commit index now, confirmed by a round started after this
 * (or at once under a valid lease). */
void read_on_index_request(struct raft *r, const struct raft_msg *m)
{
    if (log_term(r, r->commit) != r->term || r->n_reads == RAFT_MAX_READS) {
        struct raft_msg *o = raft_out(r, RAFT_MSG_READ_INDEX_RESP, m->from, HOLD_HS);
        if (o) {
            o->ctx = m->ctx;
            o->reject = 1;
        }
        return;
    }
    struct raft_read *rd = &r->reads[r->n_reads++];
    *rd = (struct raft_read){
        .ctx = 0, .index = r->commit, .round = r->read_round + 1, .from = m->from, .batch = m->ctx};
    if (raft_lease_valid(r))
        rd->confirmed = true;
    else
        r->read_wanted = true;
}

/* Follower: the leader's answer for a batch. The read index it names was
 * the leader's commit index after the reads were asked, confirmed by a
 * majority: once applied here, the reads see every write that completed
 * before they began. */
void read_on_index_resp(struct raft *r, const struct raft_msg *m)
{
    if (m->from != r->fread_leader || !m->ctx)
        return;
    for (uint32_t i = 0; i < r->n_reads; i++) {
        struct raft_read *q = &r->reads[i];
        if (q->confirmed || q->batch != m->ctx)
            continue;
        if (m->reject) {
            q->refused = true; /* ask again after a heartbeat interval (resend_after) */
            continue;
        }
        q->index = m->index;
#ifdef MUTANT_FOLLOWER_READ_OWN_COMMIT
        q->index = r->commit; /* its own commit index: may lag the leader's */
#endif
        q->confirmed = true;
    }
}

/* Starting an election: reads still waiting for a read index are dropped
 * (their callers retry); confirmed ones stay until applied. */
void read_drop_unconfirmed(struct raft *r)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < r->n_reads; i++)
        if (r->reads[i].confirmed)
            r->reads[keep++] = r->reads[i];
    r->n_reads = keep;
}

/* No lease until a round started from now on is acknowledged. */
void read_lease_reset(struct raft *r)
{
    r->lease_until = 0;
    r->lease_from = r->read_round + 1;
}

/* A heartbeat acknowledgement arrived: find the highest round a majority of
 * voters (the leader always counts for the round it is on) acknowledged. */
void read_on_ack(struct raft *r)
{
    uint64_t v[RAFT_MAX_NODES];
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->n_pr; i++) {
        const struct raft_progress *p = &r->pr[i];
        if (conf_is_voter(&r->conf, p->id))
            v[n++] = p->id == r->cfg.id ? r->read_round : p->read_ack;
    }
    if (n == 0)
        return;
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && v[j] > v[j - 1]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    uint64_t acked = v[n / 2];
    for (uint32_t i = 0; i < r->n_reads; i++)
        if (r->reads[i].round <= acked)
            r->reads[i].confirmed = true;
    /* The lease runs from when that round was sent, if it is still known
     * (the last RAFT_ROUND_RING rounds) and was sent after the last reset. */
    if (r->cfg.lease_read_ms && acked > r->lease_round && acked >= r->lease_from &&
        acked + RAFT_ROUND_RING > r->read_round) {
        r->lease_round = acked;
        uint64_t until = r->round_sent[acked % RAFT_ROUND_RING] + r->cfg.lease_read_ms;
#ifdef MUTANT_LEASE_FROM_ACK
        until = r->clock_ms + r->cfg.lease_read_ms; /* counted from the ack, not the send */
#endif
#ifdef MUTANT_LEASE_NO_DRIFT
        until = r->round_sent[acked % RAFT_ROUND_RING] + r->cfg.election_ms; /* no margin */
#endif
        if (until > r->lease_until)
            r->lease_until = until;
    }
}

/* Leadership lost: pending reads can no longer be confirmed. The caller's
 * clients time out and retry elsewhere. */
void read_drop_all(struct raft *r)
{
    r->n_reads = 0;
    read_lease_reset(r);
}
