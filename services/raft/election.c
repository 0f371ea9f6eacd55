/* services/raft/election.c: leader election (thesis §3.4), pre-vote (§9.6)
 * and the receiving side of leadership transfer (§3.10).
 *
 * Election timeouts are drawn from the caller-seeded PRNG in [T, 2T). A
 * candidate counts its own vote only once its term and vote are durable, so a
 * crash can never make a server vote twice in one term (§3.8). */
#include "services/raft/internal.h"

void election_reset_timer(struct raft *r)
{
    r->election_elapsed = 0;
    r->timeout = r->cfg.election_ms + (uint32_t)(raft_rand(r) % r->cfg.election_ms);
}

/* Become a follower of `leader` (0: unknown) in `term` (>= current term). */
void election_become_follower(struct raft *r, uint64_t term, uint32_t leader)
{
    if (term > r->term) {
        r->term = term;
        r->vote = 0;
        raft_mark_hs(r);
    }
    if (r->role == RAFT_LEADER)
        read_drop_all(r);
    r->role = RAFT_FOLLOWER;
    r->leader = leader;
    r->transfer_to = 0;
    election_reset_timer(r);
}

/* Start a pre-vote round (pre) or a real election. Only voters campaign.
 * `transfer` marks the election as requested by the old leader, which lets
 * it pass the other servers' leader lease (§3.10, §4.2.3). */
void election_campaign(struct raft *r, bool pre, bool transfer)
{
    if (!conf_is_voter(&r->conf, r->cfg.id))
        return;
    read_drop_unconfirmed(r); /* follower reads: no leader to ask now */
    uint64_t term = r->term + 1;
    if (pre) {
        r->role = RAFT_PRECANDIDATE;
    } else {
        r->role = RAFT_CANDIDATE;
        r->term = term;
        r->vote = r->cfg.id;
        raft_mark_hs(r);
    }
    r->leader = 0;
    election_reset_timer(r);
    for (uint32_t i = 0; i < r->n_pr; i++) {
        struct raft_progress *p = &r->pr[i];
        p->vote_granted = p->vote_rejected = false;
        if (p->id == r->cfg.id || !conf_is_voter(&r->conf, p->id))
            continue;
        struct raft_msg *m = raft_out(r, pre ? RAFT_MSG_PREVOTE : RAFT_MSG_VOTE, p->id, HOLD_HS);
        if (!m)
            continue;
        m->term = term;
        m->index = r->last;
        m->log_term = log_last_term(r);
        m->flags = transfer ? RAFT_FLAG_TRANSFER : 0;
    }
    election_tally(r);
}

/* Count votes; win, lose, or keep waiting. */
void election_tally(struct raft *r)
{
    bool pre = r->role == RAFT_PRECANDIDATE;
    if (!pre && r->role != RAFT_CANDIDATE)
        return;
    uint32_t q = conf_voters(&r->conf) / 2 + 1, granted = 0, rejected = 0;
    for (uint32_t i = 0; i < r->n_pr; i++) {
        const struct raft_progress *p = &r->pr[i];
        if (!conf_is_voter(&r->conf, p->id))
            continue;
        if (p->id == r->cfg.id)
            granted += pre || raft_hs_durable(r);
        else {
            granted += p->vote_granted;
            rejected += p->vote_rejected;
        }
    }
    if (granted >= q) {
        if (pre)
            election_campaign(r, false, false);
        else
            repl_become_leader(r);
    } else if (rejected >= q) {
        election_become_follower(r, r->term, 0);
    }
}

/* Followers and candidates: start an election when no leader was heard from
 * for a randomized timeout. */
void election_tick(struct raft *r, uint32_t ms)
{
    r->election_elapsed += ms;
    if (r->election_elapsed >= r->cfg.election_ms)
        r->boot_quiet = false; /* an election timeout since the restart */
    if (r->election_elapsed >= r->timeout && conf_is_voter(&r->conf, r->cfg.id))
        election_campaign(r, r->cfg.pre_vote, false);
}

/* RequestVote / PreVote (§3.4, §9.6). The caller (raft_step) already
 * adopted a higher term for a real vote request. Grant if we have not voted
 * for someone else in this term and the candidate's log is at least as
 * up-to-date as ours (§3.6.1). */
void election_on_vote(struct raft *r, const struct raft_msg *m)
{
    bool pre = m->type == RAFT_MSG_PREVOTE;
    bool can = r->vote == m->from || (r->vote == 0 && r->leader == 0) || (pre && m->term > r->term);
#ifdef MUTANT_VOTE_TWICE
    can = true;
#endif
    uint64_t lt = log_last_term(r);
    bool up_to_date = m->log_term > lt || (m->log_term == lt && m->index >= r->last);
#ifdef MUTANT_NO_UPTODATE_CHECK
    up_to_date = true;
#endif
    bool grant = can && up_to_date;
    if (grant && !pre) {
        r->vote = m->from;
        raft_mark_hs(r);
        election_reset_timer(r);
    }
    struct raft_msg *o =
        raft_out(r, pre ? RAFT_MSG_PREVOTE_RESP : RAFT_MSG_VOTE_RESP, m->from, HOLD_ALL);
    if (!o)
        return;
    o->term = grant ? m->term : r->term;
    o->reject = !grant;
}

void election_on_vote_resp(struct raft *r, const struct raft_msg *m)
{
    bool pre = m->type == RAFT_MSG_PREVOTE_RESP;
    if (pre ? (r->role != RAFT_PRECANDIDATE || m->term != r->term + 1 - m->reject)
            : (r->role != RAFT_CANDIDATE || m->term != r->term))
        return;
    struct raft_progress *p = progress_of(r, m->from);
    if (!p)
        return;
    if (m->reject)
        p->vote_rejected = true;
    else
        p->vote_granted = true;
    election_tally(r);
}

/* The leader chose us as its successor: campaign now, skipping pre-vote. */
void election_on_timeout_now(struct raft *r, const struct raft_msg *m)
{
    (void)m;
    if (r->role != RAFT_LEADER)
        election_campaign(r, false, true);
}
