/* services/raft/internal.h: functions shared between the core's files.
 * Not part of the API; callers include raft.h only. */
#ifndef SERVICES_RAFT_INTERNAL_H
#define SERVICES_RAFT_INTERNAL_H

#include "services/raft/raft.h"
#include "lib/errno.h"

/* log.c: the entry ring. Entries (snap_index, last] are present. */
struct raft_entry *log_at(const struct raft *r, uint64_t i);
uint64_t log_term(const struct raft *r, uint64_t i);
static inline uint64_t log_last_term(const struct raft *r) { return log_term(r, r->last); }
int log_append(struct raft *r, uint64_t term, uint8_t type, const uint8_t *data, uint32_t len);
void log_truncate(struct raft *r, uint64_t from);
void log_compact(struct raft *r, uint64_t index);
void log_reset(struct raft *r, uint64_t index, uint64_t term);
static inline bool log_full(const struct raft *r)
{
    return r->last - r->snap_index >= r->cfg.ring_cap;
}
/* Leader flow control: 0 if one more entry of ours may go into the log,
 * -EAGAIN if a quarter of the ring is already uncommitted (wait for commits),
 * -ENOSPC if the ring is nearly full (the caller must compact). Bounding the
 * uncommitted suffix is what guarantees that any future leader has room for
 * its no-op: a log never holds more than a few such suffixes. */
static inline int log_room(const struct raft *r)
{
    if (r->last - r->snap_index + 4 >= r->cfg.ring_cap)
        return -ENOSPC;
    if (r->last - r->commit >= r->cfg.ring_cap / 4)
        return -EAGAIN;
    return 0;
}

/* membership.c */
void conf_rebuild(struct raft *r);
bool conf_is_voter(const struct raft_conf *c, uint32_t id);
uint32_t conf_voters(const struct raft_conf *c);
void conf_sync_progress(struct raft *r);
struct raft_progress *progress_of(struct raft *r, uint32_t id);
void conf_committed(struct raft *r);

/* election.c */
void election_reset_timer(struct raft *r);
void election_become_follower(struct raft *r, uint64_t term, uint32_t leader);
void election_campaign(struct raft *r, bool pre, bool transfer);
void election_tally(struct raft *r);
void election_tick(struct raft *r, uint32_t ms);
void election_on_vote(struct raft *r, const struct raft_msg *m);
void election_on_vote_resp(struct raft *r, const struct raft_msg *m);
void election_on_timeout_now(struct raft *r, const struct raft_msg *m);

/* replication.c */
void repl_become_leader(struct raft *r);
void repl_send_append(struct raft *r, struct raft_progress *pr);
void repl_broadcast_append(struct raft *r);
void repl_broadcast_heartbeat(struct raft *r, uint64_t ctx);
bool repl_maybe_commit(struct raft *r);
void repl_on_append(struct raft *r, const struct raft_msg *m);
void repl_on_append_resp(struct raft *r, const struct raft_msg *m);
void repl_on_snapshot(struct raft *r, const struct raft_msg *m);
void repl_on_heartbeat(struct raft *r, const struct raft_msg *m);
void repl_on_heartbeat_resp(struct raft *r, const struct raft_msg *m);
void repl_tick(struct raft *r, uint32_t ms);

/* read.c */
void read_on_ack(struct raft *r);
void read_drop_all(struct raft *r);
void read_start_round(struct raft *r);
void read_flush(struct raft *r);
void read_lease_reset(struct raft *r);
void read_on_index_request(struct raft *r, const struct raft_msg *m);
void read_on_index_resp(struct raft *r, const struct raft_msg *m);
void read_drop_unconfirmed(struct raft *r);

/* raft.c: outbox and persistence gating */
enum { HOLD_NONE = 0, HOLD_HS, HOLD_ALL };
struct raft_msg *raft_out(struct raft *r, uint8_t type, uint32_t to, int hold);
void raft_mark_hs(struct raft *r);
void raft_mark_log(struct raft *r, uint64_t from);
bool raft_hs_durable(const struct raft *r);
uint64_t raft_rand(struct raft *r);

#endif
