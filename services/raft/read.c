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

int raft_read(struct raft *r, uint64_t ctx)
{
    if (r->role != RAFT_LEADER)
        return -EPERM;
    if (log_term(r, r->commit) != r->term)
        return -EAGAIN;
    if (r->n_reads == RAFT_MAX_READS)
        return -ENOBUFS;
    struct raft_read *rd = &r->reads[r->n_reads++];
    rd->ctx = ctx;
    rd->index = r->commit;
    rd->round = r->read_round + 1;
    rd->confirmed = false;
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

/* raft_ready: start the round the reads asked for since the last ready. */
void read_flush(struct raft *r)
{
    if (!r->read_wanted)
        return;
    r->read_wanted = false;
    if (r->role != RAFT_LEADER)
        return;
    read_start_round(r);
    read_on_ack(r); /* a single voter confirms itself */
    for (uint32_t i = 0; i < r->n_reads; i++)
        if (!r->reads[i].confirmed) {
            repl_broadcast_heartbeat(r, r->read_round);
            return;
        }
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
