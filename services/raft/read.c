/* services/raft/read.c: linearizable reads with ReadIndex (thesis §6.4).
 *
 * The leader records its commit index as the read's index, then confirms it
 * is still the leader with a heartbeat round acknowledged by a majority: a
 * newer leader would have stopped that majority from answering. The read is
 * released once the state machine has applied the read index. A leader must
 * have committed an entry of its own term first, or its commit index might be
 * behind the previous leader's. */
#include "services/raft/internal.h"

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
    rd->round = ++r->read_round;
    rd->confirmed = false;
#ifdef MUTANT_READ_NO_HEARTBEAT
    rd->confirmed = true;
    return 0;
#endif
    read_on_ack(r); /* a single voter confirms itself */
    if (!rd->confirmed)
        repl_broadcast_heartbeat(r, rd->round);
    return 0;
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
}

/* Leadership lost: pending reads can no longer be confirmed. The caller's
 * clients time out and retry elsewhere. */
void read_drop_all(struct raft *r)
{
    r->n_reads = 0;
}
