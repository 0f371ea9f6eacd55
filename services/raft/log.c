/* services/raft/log.c: the in-memory log, a ring of caller-provided entries.
 *
 * Index i (snap_index < i <= last) lives in ring[i % ring_cap]. Entries at or
 * below snap_index are covered by the snapshot (thesis §5.1); its last term is
 * kept so the log-matching check still works at the boundary. The ring never
 * holds more than ring_cap entries: the leader refuses proposals when full and
 * followers accept only what fits, so compaction keeps memory bounded. */
#include "services/raft/internal.h"

/* Entry i, or NULL if it is not in memory. */
struct raft_entry *log_at(const struct raft *r, uint64_t i)
{
    if (i <= r->snap_index || i > r->last)
        return NULL;
    return &r->cfg.ring[i % r->cfg.ring_cap];
}

/* Term of entry i; 0 if unknown (compacted away or beyond the end). */
uint64_t log_term(const struct raft *r, uint64_t i)
{
    if (i == r->snap_index)
        return r->snap_term;
    const struct raft_entry *e = log_at(r, i);
    return e ? e->term : 0;
}

/* Append one entry at last+1. -ENOSPC if the ring is full. Marks it dirty for
 * persistence and applies a configuration entry at once (§4.1: a server uses
 * the latest configuration in its log, committed or not). */
int log_append(struct raft *r, uint64_t term, uint8_t type, const uint8_t *data, uint32_t len)
{
    if (log_full(r))
        return -ENOSPC;
    if (len > RAFT_MAX_DATA)
        return -EMSGSIZE;
    struct raft_entry *e = &r->cfg.ring[(r->last + 1) % r->cfg.ring_cap];
    e->term = term;
    e->type = type;
    e->len = (uint16_t)len;
    for (uint32_t k = 0; k < len; k++)
        e->data[k] = data[k];
    r->last++;
    raft_mark_log(r, r->last);
    if (type == RAFT_ENTRY_CONF) {
        struct raft_conf c;
        if (raft_conf_decode(e->data, e->len, &c) == 0) {
            r->conf = c;
            r->conf_index = r->last;
            conf_sync_progress(r);
        }
    }
    return 0;
}

/* Drop entries >= from (a conflict with the leader's log, §3.5). Never called
 * at or below commit. Rolls back a configuration that came from them. */
void log_truncate(struct raft *r, uint64_t from)
{
    if (from > r->last)
        return;
    r->last = from - 1;
    raft_mark_log(r, from);
    if (r->durable_index > r->last)
        r->durable_index = r->last;
    if (r->inflight_to > r->last)
        r->inflight_to = r->last;
    if (r->conf_index >= from)
        conf_rebuild(r);
}

/* Forget entries <= index; the caller's snapshot covers them. */
void log_compact(struct raft *r, uint64_t index)
{
    r->snap_term = log_term(r, index);
    r->snap_index = index;
    if (r->dirty_from && r->dirty_from <= index)
        r->dirty_from = index + 1;
}

/* Empty the log so that it starts after (index, term): InstallSnapshot. */
void log_reset(struct raft *r, uint64_t index, uint64_t term)
{
    r->snap_index = index;
    r->snap_term = term;
    r->last = index;
    r->dirty_from = index + 1; /* the disk must drop everything above */
    if (r->durable_index > index)
        r->durable_index = index;
    if (r->inflight_to > index)
        r->inflight_to = index;
}
