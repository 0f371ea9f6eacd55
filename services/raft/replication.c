/* services/raft/replication.c: log replication (thesis §3.5), the commit
 * rule (§3.6.2), InstallSnapshot (§5.1) and batching and pipelining with flow
 * control (§10.2.2).
 *
 * The leader keeps a progress record per follower. PROBE sends one
 * AppendEntries at a time until the follower's log matches; REPLICATE streams
 * up to RAFT_MAX_INFLIGHT batches optimistically; SNAPSHOT waits for an
 * InstallSnapshot to be acknowledged. A rejection carries the conflicting term
 * and its first index, so the leader skips a whole term per round trip instead
 * of one entry (the optimisation of §3.5). */
#include "services/raft/internal.h"

void repl_become_leader(struct raft *r)
{
    r->role = RAFT_LEADER;
    r->leader = r->cfg.id;
    r->transfer_to = 0;
    r->heartbeat_elapsed = 0;
    r->election_elapsed = 0;
    read_lease_reset(r);
    for (uint32_t i = 0; i < r->n_pr; i++) {
        struct raft_progress *p = &r->pr[i];
        *p = (struct raft_progress){.id = p->id, .next = r->last + 1, .active = true};
    }
    /* §6.4: a new leader commits a no-op so it learns the commit index and
     * can serve reads. The ring reserves room for it (raft_propose). */
    log_append(r, r->term, RAFT_ENTRY_NOOP, NULL, 0);
    repl_broadcast_append(r);
    repl_maybe_commit(r);
}

static void send_snapshot(struct raft *r, struct raft_progress *p)
{
    struct raft_msg *m = raft_out(r, RAFT_MSG_SNAPSHOT, p->id, HOLD_HS);
    if (!m)
        return;
    m->index = r->snap_index;
    m->log_term = r->snap_term;
    m->conf = r->snap_conf;
    m->snap_len = r->snap_len;
    p->state = RAFT_PR_SNAPSHOT;
    p->pending_snap = r->snap_index;
    p->snap_elapsed = 0;
}

/* Send p one AppendEntries if flow control allows. Returns true if sent. */
static bool send_one(struct raft *r, struct raft_progress *p)
{
    if (p->id == r->cfg.id || p->state == RAFT_PR_SNAPSHOT)
        return false;
    if (p->state == RAFT_PR_PROBE && p->paused)
        return false;
    if (p->state == RAFT_PR_REPLICATE && p->in_count == RAFT_MAX_INFLIGHT)
        return false;
    uint64_t prev = p->next - 1;
    if (prev < r->snap_index) {
        send_snapshot(r, p);
        return false;
    }
    uint64_t n = r->last - prev;
    if (n > RAFT_MAX_BATCH)
        n = RAFT_MAX_BATCH;
    uint64_t start = (prev + 1) % r->cfg.ring_cap; /* batches never wrap the ring */
    if (start + n > r->cfg.ring_cap)
        n = r->cfg.ring_cap - start;
    if (p->state == RAFT_PR_REPLICATE && n == 0)
        return false;
    struct raft_msg *m = raft_out(r, RAFT_MSG_APPEND, p->id, HOLD_HS);
    if (!m)
        return false;
    m->index = prev;
    m->log_term = log_term(r, prev);
    m->commit = r->commit;
    m->n_entries = (uint32_t)n;
    if (p->state == RAFT_PR_REPLICATE) {
        p->next = prev + n + 1;
        p->inflight[(p->in_head + p->in_count) % RAFT_MAX_INFLIGHT] = prev + n;
        p->in_count++;
    } else {
        p->paused = true;
    }
    return true;
}

/* Send p everything flow control allows. */
void repl_send_append(struct raft *r, struct raft_progress *p)
{
    while (send_one(r, p) && p->state == RAFT_PR_REPLICATE)
        ;
}

void repl_broadcast_append(struct raft *r)
{
    for (uint32_t i = 0; i < r->n_pr; i++)
        repl_send_append(r, &r->pr[i]);
}

/* Heartbeats carry the commit index (capped at what the follower is known to
 * hold, so it never commits an entry it might not have) and a ReadIndex
 * round. They do no log check, so pipelined appends are not disturbed. */
void repl_broadcast_heartbeat(struct raft *r, uint64_t ctx)
{
    for (uint32_t i = 0; i < r->n_pr; i++) {
        struct raft_progress *p = &r->pr[i];
        if (p->id == r->cfg.id)
            continue;
        struct raft_msg *m = raft_out(r, RAFT_MSG_HEARTBEAT, p->id, HOLD_HS);
        if (!m)
            continue;
        m->commit = p->match < r->commit ? p->match : r->commit;
        m->ctx = ctx;
    }
}

/* §3.6.2: the commit index is the highest index stored on a majority of
 * voters, but only an entry of the leader's current term is committed by
 * counting; earlier entries are committed with it (Figure 3.7). The leader's
 * own copy counts only once durable. Returns true if commit advanced. */
bool repl_maybe_commit(struct raft *r)
{
    uint64_t v[RAFT_MAX_NODES];
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->n_pr; i++) {
        const struct raft_progress *p = &r->pr[i];
        if (!conf_is_voter(&r->conf, p->id))
            continue;
        v[n++] = p->id == r->cfg.id ? r->durable_index : p->match;
    }
    if (n == 0)
        return false;
    for (uint32_t i = 1; i < n; i++) /* insertion sort, descending */
        for (uint32_t j = i; j > 0 && v[j] > v[j - 1]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    uint64_t idx = v[n / 2];
    if (idx > r->last)
        idx = r->last;
    bool term_ok = log_term(r, idx) == r->term;
#ifdef MUTANT_COMMIT_OLD_TERM
    term_ok = true;
#endif
    if (idx <= r->commit || !term_ok)
        return false;
    r->commit = idx;
    conf_committed(r);
    return true;
}

/* Follower side of AppendEntries. raft_step made sure m->term == r->term. */
void repl_on_append(struct raft *r, const struct raft_msg *m)
{
    if (r->role != RAFT_FOLLOWER)
        election_become_follower(r, r->term, m->from);
    r->leader = m->from;
    r->election_elapsed = 0;
    bool reject = false;
    uint64_t index, conflict_term = 0, hint = 0;
    if (m->index < r->commit) {
        index = r->commit; /* already committed: nothing to check */
    } else if (m->index > r->last) {
        reject = true;
        index = m->index;
        hint = r->last + 1;
    } else if (log_term(r, m->index) != m->log_term
#ifdef MUTANT_SKIP_LOG_MATCH
               && 0
#endif
    ) {
        /* §3.5 optimisation: report the conflicting term and its first index. */
        reject = true;
        index = m->index;
        conflict_term = log_term(r, m->index);
        hint = m->index;
        while (hint > r->commit + 1 && hint > r->snap_index + 1 &&
               log_term(r, hint - 1) == conflict_term)
            hint--;
    } else {
        index = m->index;
        for (uint32_t k = 0; k < m->n_entries; k++) {
            const struct raft_entry *e = &m->entries[k];
            uint64_t i = m->index + 1 + k;
            if (i <= r->last) {
                if (log_term(r, i) == e->term) {
                    index = i;
                    continue;
                }
                if (i <= r->commit)
                    break; /* never rewrite a committed entry */
                log_truncate(r, i);
            }
            if (log_append(r, e->term, e->type, e->data, e->len))
                break; /* ring full: acknowledge the prefix we took */
            index = i;
        }
        uint64_t c = m->commit < index ? m->commit : index;
        if (c > r->commit)
            r->commit = c;
    }
#ifdef MUTANT_ACK_BEFORE_PERSIST
    struct raft_msg *o = raft_out(r, RAFT_MSG_APPEND_RESP, m->from, HOLD_NONE);
#else
    struct raft_msg *o = raft_out(r, RAFT_MSG_APPEND_RESP, m->from, HOLD_ALL);
#endif
    if (!o)
        return;
    o->reject = reject;
    o->index = index;
    o->log_term = conflict_term;
    o->hint = hint;
}

void repl_on_append_resp(struct raft *r, const struct raft_msg *m)
{
    struct raft_progress *p = progress_of(r, m->from);
    if (!p || m->index > r->last)
        return; /* not a member, or acknowledges entries we never had */
    p->active = true;
    if (m->reject) {
        if (p->state == RAFT_PR_SNAPSHOT ||
            (p->state == RAFT_PR_REPLICATE && m->index <= p->match) ||
            (p->state == RAFT_PR_PROBE && m->index != p->next - 1))
            return; /* stale */
        uint64_t next = m->hint;
        if (m->log_term) {
            /* If we have entries of the conflicting term, resume after our
             * last one; otherwise skip the follower's whole term. */
            uint64_t j = m->index < r->last ? m->index : r->last;
            while (j > r->snap_index && log_term(r, j) > m->log_term)
                j--;
            if (log_term(r, j) == m->log_term)
                next = j + 1;
        }
        if (next > m->index)
            next = m->index;
        if (next <= p->match)
            next = p->match + 1;
        p->next = next;
        p->state = RAFT_PR_PROBE;
        p->paused = false;
        p->in_count = 0;
        repl_send_append(r, p);
        return;
    }
    bool advanced = false;
    if (m->index > p->match) {
        p->match = m->index;
        advanced = true;
    }
    if (p->next < m->index + 1)
        p->next = m->index + 1;
    if (p->state == RAFT_PR_REPLICATE) {
        while (p->in_count && p->inflight[p->in_head] <= m->index) {
            p->in_head = (p->in_head + 1) % RAFT_MAX_INFLIGHT;
            p->in_count--;
        }
    } else if (p->state == RAFT_PR_PROBE || p->match >= p->pending_snap) {
        p->state = RAFT_PR_REPLICATE;
        p->next = p->match + 1;
        p->paused = false;
        p->in_count = 0;
    }
    if (advanced && repl_maybe_commit(r) && r->role != RAFT_LEADER)
        return;
    if (r->transfer_to == p->id && p->match == r->last)
        raft_out(r, RAFT_MSG_TIMEOUT_NOW, p->id, HOLD_HS);
    repl_send_append(r, p);
}

/* InstallSnapshot (§5.1), whole snapshot in one message. */
void repl_on_snapshot(struct raft *r, const struct raft_msg *m)
{
    if (r->role != RAFT_FOLLOWER)
        election_become_follower(r, r->term, m->from);
    r->leader = m->from;
    r->election_elapsed = 0;
    uint64_t index = m->index;
    if (m->index <= r->commit) {
        index = r->commit;
    } else if (m->index <= r->last && log_term(r, m->index) == m->log_term) {
        r->commit = m->index; /* we already hold the prefix: keep our log */
    } else {
        if (m->snap_len > r->cfg.snap_cap)
            return; /* cannot store it; the leader will retry */
        for (uint32_t k = 0; k < m->snap_len; k++)
            r->cfg.snap_buf[k] = m->snap_data[k];
        r->snap_len = m->snap_len;
        r->snap_conf = m->conf;
        log_reset(r, m->index, m->log_term);
        r->commit = r->applied = m->index;
        r->conf = m->conf;
        r->conf_index = m->index;
        conf_sync_progress(r);
        r->snap_dirty = true;
        r->restore_pending = true;
    }
    struct raft_msg *o = raft_out(r, RAFT_MSG_APPEND_RESP, m->from, HOLD_ALL);
    if (o)
        o->index = index;
}

void repl_on_heartbeat(struct raft *r, const struct raft_msg *m)
{
    if (r->role != RAFT_FOLLOWER)
        election_become_follower(r, r->term, m->from);
    r->leader = m->from;
    r->election_elapsed = 0;
    uint64_t c = m->commit < r->last ? m->commit : r->last;
    if (c > r->commit)
        r->commit = c;
    struct raft_msg *o = raft_out(r, RAFT_MSG_HEARTBEAT_RESP, m->from, HOLD_HS);
    if (o)
        o->ctx = m->ctx;
}

void repl_on_heartbeat_resp(struct raft *r, const struct raft_msg *m)
{
    struct raft_progress *p = progress_of(r, m->from);
    if (!p)
        return;
    p->active = true;
    if (m->ctx > p->read_ack && m->ctx <= r->read_round) {
        p->read_ack = m->ctx;
        read_on_ack(r);
    }
    if (p->match >= r->last) {
        p->hb_match = p->match;
        return;
    }
    if (p->state == RAFT_PR_PROBE) {
        p->paused = false;
    } else if (p->state == RAFT_PR_REPLICATE && p->hb_match == p->match) {
        /* No progress over a whole heartbeat: appends were lost. Probe. */
        p->state = RAFT_PR_PROBE;
        p->next = p->match + 1;
        p->paused = false;
        p->in_count = 0;
    }
    p->hb_match = p->match;
    repl_send_append(r, p);
}

/* Leader timers: heartbeats, check-quorum (§6.2), transfer timeout (§3.10)
 * and snapshot retries. */
void repl_tick(struct raft *r, uint32_t ms)
{
    r->heartbeat_elapsed += ms;
    r->election_elapsed += ms;
    if (r->transfer_to) {
        r->transfer_elapsed += ms;
        if (r->transfer_elapsed >= r->cfg.election_ms) {
            r->transfer_to = 0;
            read_lease_reset(r); /* rounds acknowledged meanwhile may come from its voters */
        }
    }
    if (r->election_elapsed >= r->cfg.election_ms) {
        r->election_elapsed = 0;
        if (r->cfg.check_quorum) {
            uint32_t live = 0;
            for (uint32_t i = 0; i < r->n_pr; i++) {
                struct raft_progress *p = &r->pr[i];
                if (conf_is_voter(&r->conf, p->id) && (p->active || p->id == r->cfg.id))
                    live++;
                p->active = false;
            }
            if (live < conf_voters(&r->conf) / 2 + 1) {
                election_become_follower(r, r->term, 0);
                return;
            }
        }
    }
    if (r->heartbeat_elapsed >= r->cfg.heartbeat_ms) {
        r->heartbeat_elapsed = 0;
        /* The no-op could not be appended when we won (our ring was full of
         * entries from earlier terms): retry, or nothing would ever commit. */
        if (log_term(r, r->last) != r->term &&
            log_append(r, r->term, RAFT_ENTRY_NOOP, NULL, 0) == 0)
            repl_broadcast_append(r);
        if (r->cfg.lease_read_ms)
            read_start_round(r); /* each heartbeat can renew the lease */
        repl_broadcast_heartbeat(r, r->read_round);
        for (uint32_t i = 0; i < r->n_pr; i++) {
            struct raft_progress *p = &r->pr[i];
            if (p->state != RAFT_PR_SNAPSHOT)
                continue;
            p->snap_elapsed += r->cfg.heartbeat_ms;
            if (p->snap_elapsed >= r->cfg.election_ms) {
                p->state = RAFT_PR_PROBE;
                p->paused = false;
                repl_send_append(r, p);
            }
        }
    }
}
