/* services/raft/membership.c: configurations, learners and single-server
 * membership changes (thesis §4.1-§4.2).
 *
 * A configuration lists every member with its role. Only voters count towards
 * quorums and may campaign; learners receive the log so that a new server can
 * catch up before it is promoted (§4.2.1). A configuration takes effect as soon
 * as its entry is in a server's log and is rolled back if that entry is
 * truncated. The leader allows one uncommitted change at a time, and only after
 * it committed an entry of its own term (the fix to the single-server change
 * bug, thesis errata). */
#include "services/raft/internal.h"

uint8_t raft_conf_role(const struct raft_conf *c, uint32_t id)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->m[i].id == id)
            return c->m[i].role;
    return 0;
}

bool conf_is_voter(const struct raft_conf *c, uint32_t id)
{
    return raft_conf_role(c, id) == RAFT_VOTER;
}

uint32_t conf_voters(const struct raft_conf *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n; i++)
        n += c->m[i].role == RAFT_VOTER;
    return n;
}

/* Payload: u8 count, then per member u32 id (little endian), u8 role. */
uint16_t raft_conf_encode(const struct raft_conf *c, uint8_t *buf)
{
    uint16_t p = 0;
    buf[p++] = (uint8_t)c->n;
    for (uint32_t i = 0; i < c->n; i++) {
        for (int b = 0; b < 4; b++)
            buf[p++] = (uint8_t)(c->m[i].id >> (8 * b));
        buf[p++] = c->m[i].role;
    }
    return p;
}

int raft_conf_decode(const uint8_t *buf, uint32_t len, struct raft_conf *c)
{
    if (len < 1 || buf[0] > RAFT_MAX_NODES || len != 1u + 5u * buf[0])
        return -EBADMSG;
    struct raft_conf t = {.n = buf[0]};
    for (uint32_t i = 0; i < t.n; i++) {
        const uint8_t *p = buf + 1 + 5 * i;
        t.m[i].id =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        t.m[i].role = p[4];
        if (t.m[i].id == 0 || (t.m[i].role != RAFT_VOTER && t.m[i].role != RAFT_LEARNER))
            return -EBADMSG;
        for (uint32_t j = 0; j < i; j++)
            if (t.m[j].id == t.m[i].id)
                return -EBADMSG;
    }
    *c = t;
    return 0;
}

struct raft_progress *progress_of(struct raft *r, uint32_t id)
{
    for (uint32_t i = 0; i < r->n_pr; i++)
        if (r->pr[i].id == id)
            return &r->pr[i];
    return NULL;
}

/* Make the progress table list exactly the members of r->conf, keeping the
 * state of members that stay. New members start probing at the end of the log. */
void conf_sync_progress(struct raft *r)
{
    struct raft_progress old[RAFT_MAX_NODES];
    uint32_t n_old = r->n_pr;
    for (uint32_t i = 0; i < n_old; i++)
        old[i] = r->pr[i];
    r->n_pr = 0;
    for (uint32_t i = 0; i < r->conf.n; i++) {
        struct raft_progress *p = &r->pr[r->n_pr++];
        uint32_t id = r->conf.m[i].id;
        uint32_t k;
        for (k = 0; k < n_old && old[k].id != id; k++)
            ;
        if (k < n_old) {
            *p = old[k];
        } else {
            *p = (struct raft_progress){.id = id, .next = r->last + 1, .active = true};
        }
    }
    if (r->transfer_to && !conf_is_voter(&r->conf, r->transfer_to))
        r->transfer_to = 0;
    read_lease_reset(r); /* another set of voters: a new lease from a new round */
}

/* Recompute the configuration after the entries that defined it were
 * truncated: the latest CONF entry still in the log, else the snapshot's. */
void conf_rebuild(struct raft *r)
{
    for (uint64_t i = r->last; i > r->snap_index; i--) {
        const struct raft_entry *e = log_at(r, i);
        struct raft_conf c;
        if (e->type == RAFT_ENTRY_CONF && raft_conf_decode(e->data, e->len, &c) == 0) {
            r->conf = c;
            r->conf_index = i;
            conf_sync_progress(r);
            return;
        }
    }
    r->conf = r->snap_conf;
    r->conf_index = r->snap_index;
    conf_sync_progress(r);
}

/* Called by the leader when commit advanced: a leader that is no longer a
 * voter of the committed configuration steps down (§4.2.2). */
void conf_committed(struct raft *r)
{
    if (r->role == RAFT_LEADER && r->conf_index <= r->commit && !conf_is_voter(&r->conf, r->cfg.id))
        election_become_follower(r, r->term, 0);
}

int raft_change(struct raft *r, uint32_t id, uint8_t role, uint64_t *index)
{
    if (r->role != RAFT_LEADER)
        return -EPERM;
    if (id == 0 || (role != RAFT_VOTER && role != RAFT_LEARNER && role != RAFT_REMOVE))
        return -EINVAL;
    if (r->conf_index > r->commit || log_term(r, r->commit) != r->term || r->transfer_to)
        return -EBUSY;
    struct raft_conf c = r->conf;
    uint32_t i;
    for (i = 0; i < c.n && c.m[i].id != id; i++)
        ;
    if (role == RAFT_REMOVE) {
        if (i == c.n)
            return -EINVAL;
        c.m[i] = c.m[--c.n];
    } else if (i == c.n) {
        if (c.n == RAFT_MAX_NODES)
            return -ENOSPC;
        c.m[c.n++] = (struct raft_member){.id = id, .role = role};
    } else {
        if (c.m[i].role == role)
            return -EINVAL;
        c.m[i].role = role;
    }
    if (conf_voters(&c) == 0)
        return -EINVAL;
    uint8_t buf[RAFT_MAX_DATA];
    uint16_t len = raft_conf_encode(&c, buf);
    int rv = log_room(r);
    if (rv == 0)
        rv = log_append(r, r->term, RAFT_ENTRY_CONF, buf, len);
    if (rv)
        return rv;
    if (index)
        *index = r->last;
    repl_broadcast_append(r);
    return 0;
}
