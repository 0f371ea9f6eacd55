/* services/raft/raft.c: the node's entry points: init and restart, message
 * dispatch with the term rules (thesis §3.3), proposals, and the ready /
 * persisted handshake that keeps the core from acting on anything that is not
 * yet durable (§3.8, §10.2.1).
 *
 * Persistence runs one batch at a time: raft_ready hands out everything dirty
 * (hard state, snapshot, log suffix) as one batch, and nothing more until
 * raft_persisted confirms it. Batches therefore group-commit naturally. Each
 * outgoing message records the batch it depends on: a vote or an append
 * acknowledgement waits for all state written so far (HOLD_ALL), any other
 * message only for the term and vote it carries (HOLD_HS). The leader's own
 * log entry counts towards commit once durable (durable_index), so it may send
 * entries to followers before writing them itself (§10.2.1). */
#include "services/raft/internal.h"

uint64_t raft_rand(struct raft *r)
{
    uint64_t z = (r->rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool any_dirty(const struct raft *r)
{
    return r->hs_dirty || r->snap_dirty || r->dirty_from;
}

void raft_mark_hs(struct raft *r) { r->hs_dirty = true; }

void raft_mark_log(struct raft *r, uint64_t from)
{
    if (!r->dirty_from || from < r->dirty_from)
        r->dirty_from = from;
}

bool raft_hs_durable(const struct raft *r) { return !r->hs_dirty && r->hs_seq <= r->durable_seq; }

/* Queue a message. Returns NULL if the outbox is full: the message is lost,
 * which Raft tolerates like any network loss. */
struct raft_msg *raft_out(struct raft *r, uint8_t type, uint32_t to, int hold)
{
    if (r->n_out == RAFT_MAX_MSGS)
        return NULL;
    struct raft_msg *m = &r->outbox[r->n_out++];
    *m = (struct raft_msg){.type = type, .from = r->cfg.id, .to = to, .term = r->term};
    if (hold == HOLD_HS)
        m->hold = r->hs_dirty ? r->ps_seq + 1 : r->hs_seq;
    else if (hold == HOLD_ALL)
        m->hold = any_dirty(r) ? r->ps_seq + 1 : r->ps_seq;
    return m;
}

static bool conf_valid(const struct raft_conf *c)
{
    if (c->n > RAFT_MAX_NODES)
        return false;
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->m[i].id == 0 || (c->m[i].role != RAFT_VOTER && c->m[i].role != RAFT_LEARNER))
            return false;
        for (uint32_t j = 0; j < i; j++)
            if (c->m[j].id == c->m[i].id)
                return false;
    }
    return true;
}

int raft_init(struct raft *r, const struct raft_config *cfg)
{
    if (!cfg || cfg->id == 0 || cfg->heartbeat_ms == 0 || cfg->election_ms <= cfg->heartbeat_ms ||
        !cfg->ring || cfg->ring_cap < 2 * RAFT_MAX_BATCH || (!cfg->snap_buf && cfg->snap_cap) ||
        (cfg->lease_read_ms && (!cfg->check_quorum || cfg->lease_read_ms >= cfg->election_ms)))
        return -EINVAL;
    /* Plain loop instead of memset: the core links against nothing. */
    unsigned char *p = (unsigned char *)r;
    for (size_t i = 0; i < sizeof *r; i++)
        p[i] = 0;
    r->cfg = *cfg;
    r->rng = cfg->seed ^ ((uint64_t)cfg->id << 32);
    r->role = RAFT_FOLLOWER;
    election_reset_timer(r);
    return 0;
}

int raft_bootstrap(struct raft *r, const struct raft_conf *conf)
{
    if (!conf_valid(conf) || conf->n == 0 || r->last || r->term || r->snap_index)
        return -EINVAL;
    r->snap_conf = *conf;
    r->conf = *conf;
    r->conf_index = 0;
    r->snap_dirty = true;
    conf_sync_progress(r);
    return 0;
}

int raft_load_hard_state(struct raft *r, uint64_t term, uint32_t vote)
{
    r->term = term;
    r->vote = vote;
    /* It may have acknowledged a lease-giving heartbeat just before it
     * stopped: it votes for no one until an election timeout has passed. */
    r->boot_quiet = r->cfg.lease_read_ms && term > 0;
#ifdef MUTANT_LEASE_NO_BOOT_QUIET
    r->boot_quiet = false;
#endif
    return 0;
}

int raft_load_snapshot(struct raft *r, uint64_t index, uint64_t term, const struct raft_conf *conf,
                       const uint8_t *data, uint32_t len)
{
    if (!conf_valid(conf) || len > r->cfg.snap_cap || r->last)
        return -EINVAL;
    for (uint32_t k = 0; k < len; k++)
        r->cfg.snap_buf[k] = data[k];
    r->snap_len = len;
    r->snap_index = r->last = r->commit = r->applied = index;
    r->snap_term = term;
    r->snap_conf = *conf;
    r->conf = *conf;
    r->conf_index = index;
    r->durable_index = index;
    conf_sync_progress(r);
    return 0;
}

int raft_load_entry(struct raft *r, uint64_t index, const struct raft_entry *e)
{
    if (index != r->last + 1 || e->len > RAFT_MAX_DATA)
        return -EINVAL;
    int rv = log_append(r, e->term, e->type, e->data, e->len);
    if (rv)
        return rv;
    r->dirty_from = 0; /* it came from disk */
    r->durable_index = r->last;
    return 0;
}

void raft_tick(struct raft *r, uint32_t ms)
{
    r->clock_ms += ms;
    if (r->role == RAFT_LEADER)
        repl_tick(r, ms);
    else
        election_tick(r, ms);
}

/* Decode-check: a message must be addressed to us and self-consistent before
 * any state is touched. */
static int check_msg(const struct raft *r, const struct raft_msg *m)
{
    if (m->type == 0 || m->type >= RAFT_MSG_TYPE_END || m->from == 0 || m->from == r->cfg.id ||
        m->to != r->cfg.id || m->term == 0)
        return -EINVAL;
    if (m->type == RAFT_MSG_APPEND) {
        if (m->n_entries && !m->entries)
            return -EINVAL;
        if (m->log_term > m->term || m->index + m->n_entries < m->index ||
            (m->index == 0 && m->log_term != 0))
            return -EPROTO; /* index 0 is the empty log, of term 0 */
        uint64_t prev = m->log_term;
        for (uint32_t k = 0; k < m->n_entries; k++) {
            const struct raft_entry *e = &m->entries[k];
            if (e->len > RAFT_MAX_DATA || e->type < RAFT_ENTRY_NORMAL ||
                e->type > RAFT_ENTRY_CONF || e->term < prev || e->term > m->term)
                return -EPROTO;
            prev = e->term;
        }
    }
    if (m->type == RAFT_MSG_SNAPSHOT && ((m->snap_len && !m->snap_data) || !conf_valid(&m->conf) ||
                                         m->log_term > m->term || m->index == 0))
        return -EPROTO;
    return 0;
}

int raft_step(struct raft *r, const struct raft_msg *m)
{
    int rv = check_msg(r, m);
    if (rv)
        return rv;
    bool vote_req = m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_PREVOTE;
    bool from_leader =
        m->type == RAFT_MSG_APPEND || m->type == RAFT_MSG_HEARTBEAT || m->type == RAFT_MSG_SNAPSHOT;
    if (m->term > r->term) {
        /* Leader lease (§4.2.3, with check-quorum): while we hear from a
         * live leader, ignore servers that want a new term. */
        if (vote_req && r->cfg.check_quorum && !(m->flags & RAFT_FLAG_TRANSFER) &&
            (r->leader || r->boot_quiet) && r->election_elapsed < r->cfg.election_ms)
            return 0;
        if (m->type == RAFT_MSG_PREVOTE || (m->type == RAFT_MSG_PREVOTE_RESP && !m->reject))
            ; /* pre-vote never changes terms (§9.6) */
        else
            election_become_follower(r, m->term, from_leader ? m->from : 0);
    } else if (m->term < r->term) {
        /* A stale leader or pre-candidate learns our term from the reply. */
        if ((r->cfg.check_quorum || r->cfg.pre_vote) && from_leader)
            raft_out(r, RAFT_MSG_APPEND_RESP, m->from, HOLD_HS);
        else if (m->type == RAFT_MSG_PREVOTE) {
            struct raft_msg *o = raft_out(r, RAFT_MSG_PREVOTE_RESP, m->from, HOLD_HS);
            if (o)
                o->reject = 1;
        }
        return 0;
    }
    switch (m->type) {
    case RAFT_MSG_APPEND:
        if (r->role != RAFT_LEADER)
            repl_on_append(r, m);
        break;
    case RAFT_MSG_SNAPSHOT:
        if (r->role != RAFT_LEADER)
            repl_on_snapshot(r, m);
        break;
    case RAFT_MSG_HEARTBEAT:
        if (r->role != RAFT_LEADER)
            repl_on_heartbeat(r, m);
        break;
    case RAFT_MSG_APPEND_RESP:
        if (r->role == RAFT_LEADER)
            repl_on_append_resp(r, m);
        break;
    case RAFT_MSG_HEARTBEAT_RESP:
        if (r->role == RAFT_LEADER)
            repl_on_heartbeat_resp(r, m);
        break;
    case RAFT_MSG_VOTE:
    case RAFT_MSG_PREVOTE:
        election_on_vote(r, m);
        break;
    case RAFT_MSG_VOTE_RESP:
    case RAFT_MSG_PREVOTE_RESP:
        election_on_vote_resp(r, m);
        break;
    case RAFT_MSG_TIMEOUT_NOW:
        election_on_timeout_now(r, m);
        break;
    case RAFT_MSG_READ_INDEX:
        if (r->role == RAFT_LEADER)
            read_on_index_request(r, m);
        break;
    case RAFT_MSG_READ_INDEX_RESP:
        if (r->role == RAFT_FOLLOWER)
            read_on_index_resp(r, m);
        break;
    }
    return 0;
}

int raft_propose(struct raft *r, const uint8_t *data, uint32_t len, uint64_t *index)
{
    if (r->role != RAFT_LEADER)
        return -EPERM;
    if (r->transfer_to)
        return -EBUSY;
    if (len > RAFT_MAX_DATA)
        return -EMSGSIZE;
    int rv = log_room(r);
    if (rv)
        return rv;
    rv = log_append(r, r->term, RAFT_ENTRY_NORMAL, data, len);
    if (rv)
        return rv;
    if (index)
        *index = r->last;
    repl_broadcast_append(r);
    return 0;
}

int raft_campaign(struct raft *r)
{
    if (!conf_is_voter(&r->conf, r->cfg.id))
        return -EPERM;
    if (r->role != RAFT_FOLLOWER || r->leader)
        return -EBUSY;
    election_campaign(r, r->cfg.pre_vote, false);
    return 0;
}

int raft_transfer(struct raft *r, uint32_t to)
{
    if (r->role != RAFT_LEADER)
        return -EPERM;
    if (to == r->cfg.id || !conf_is_voter(&r->conf, to))
        return -EINVAL;
    if (r->transfer_to)
        return -EBUSY;
    r->transfer_to = to;
    r->transfer_elapsed = 0;
    read_lease_reset(r); /* the target's election passes the other servers' stickiness */
    struct raft_progress *p = progress_of(r, to);
    if (p->match == r->last)
        raft_out(r, RAFT_MSG_TIMEOUT_NOW, to, HOLD_HS);
    else
        repl_send_append(r, p);
    return 0;
}

int raft_compact(struct raft *r, uint64_t index, const uint8_t *data, uint32_t len)
{
    if (index <= r->snap_index || index > r->applied || index > r->last)
        return -EINVAL;
    if (len > r->cfg.snap_cap)
        return -EMSGSIZE;
    /* The snapshot's configuration is the latest one at or below index. */
    for (uint64_t i = index; i > r->snap_index; i--) {
        const struct raft_entry *e = log_at(r, i);
        struct raft_conf c;
        if (e->type == RAFT_ENTRY_CONF && raft_conf_decode(e->data, e->len, &c) == 0) {
            r->snap_conf = c;
            break;
        }
    }
    for (uint32_t k = 0; k < len; k++)
        r->cfg.snap_buf[k] = data[k];
    r->snap_len = len;
    log_compact(r, index);
    r->snap_dirty = true;
    return 0;
}

/* Move messages whose persistence dependency is met to the send buffer,
 * attaching entries and snapshot data as they are now. An append whose
 * entries changed since it was queued (leadership lost, log compacted) is
 * dropped rather than sent with the wrong content. */
static uint32_t release_msgs(struct raft *r)
{
    uint32_t n = 0, keep = 0;
    for (uint32_t i = 0; i < r->n_out; i++) {
        struct raft_msg *m = &r->outbox[i];
        if (m->hold > r->durable_seq) {
            r->outbox[keep++] = *m;
            continue;
        }
        if (m->type == RAFT_MSG_APPEND) {
            if (r->role != RAFT_LEADER || m->term != r->term || m->index < r->snap_index ||
                m->index + m->n_entries > r->last || log_term(r, m->index) != m->log_term)
                continue;
            m->entries = m->n_entries ? log_at(r, m->index + 1) : NULL;
        } else if (m->type == RAFT_MSG_SNAPSHOT) {
            if (r->role != RAFT_LEADER || m->term != r->term || m->index != r->snap_index)
                continue;
            m->snap_data = r->cfg.snap_buf;
            m->snap_len = r->snap_len;
            m->conf = r->snap_conf;
        }
        r->sendbuf[n++] = *m;
    }
    r->n_out = keep;
    return n;
}

void raft_ready(struct raft *r, struct raft_ready *rd)
{
    *rd = (struct raft_ready){0};
    if (r->durable_seq == r->ps_seq && any_dirty(r)) {
        rd->persist = true;
        r->ps_seq++;
        if (r->hs_dirty) {
            rd->hs = true;
            rd->term = r->term;
            rd->vote = r->vote;
#ifdef MUTANT_NO_PERSIST_VOTE
            rd->vote = 0; /* the vote never reaches the disk */
#endif
            r->hs_seq = r->ps_seq;
            r->hs_dirty = false;
        }
        if (r->snap_dirty) {
            rd->snap = true;
            r->snap_dirty = false;
        }
        if (r->dirty_from) {
            rd->ents_from = r->dirty_from;
            rd->ents_to = r->last;
            r->dirty_from = 0;
            r->inflight_to = r->last;
        } else {
            r->inflight_to = r->durable_index > r->snap_index ? r->durable_index : r->snap_index;
        }
    }
    if (r->restore_pending) {
        rd->restore = true;
        r->restore_pending = false;
    }
    rd->snap_index = r->snap_index;
    rd->snap_term = r->snap_term;
    rd->snap_conf = &r->snap_conf;
    rd->snap_data = r->cfg.snap_buf;
    rd->snap_len = r->snap_len;
    uint64_t to = r->commit;
#ifdef MUTANT_APPLY_BEFORE_COMMIT
    to = r->last;
#endif
    if (to > r->applied) {
        rd->apply_from = r->applied + 1;
        rd->apply_to = to;
        r->applied = to;
    }
    read_flush(r);
    rd->n_msgs = release_msgs(r);
    rd->msgs = r->sendbuf;
    uint32_t keep = 0;
    for (uint32_t i = 0; i < r->n_reads; i++) {
        struct raft_read *q = &r->reads[i];
        if (q->confirmed && q->index <= r->applied && !q->from) /* (a follower's: answered) */
            rd->reads[rd->n_reads++] = *q;
        else
            r->reads[keep++] = *q;
    }
    r->n_reads = keep;
}

void raft_persisted(struct raft *r)
{
    if (r->durable_seq == r->ps_seq)
        return;
    r->durable_seq++;
    r->durable_index = r->inflight_to;
    if (r->role == RAFT_LEADER)
        repl_maybe_commit(r);
    else
        election_tally(r);
}

const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t index)
{
    return log_at(r, index);
}

uint64_t raft_term_at(const struct raft *r, uint64_t index) { return log_term(r, index); }

uint64_t raft_match(const struct raft *r, uint32_t id)
{
    if (r->role != RAFT_LEADER)
        return 0;
    for (uint32_t i = 0; i < r->n_pr; i++)
        if (r->pr[i].id == id)
            return id == r->cfg.id ? r->durable_index : r->pr[i].match;
    return 0;
}
