/* services/fs/primary/lease.c: leases from the metadata leader, and the
 * sync that makes a new lease holder safe to serve.
 *
 * A lease (docs/fs.md, "Leases") comes from the metadata leader
 * (FS_OP_LEASE) with a fencing token, term << 32 | lease number, and a
 * length. This primary counts the lease from the moment it asked, at
 * LEASE_USE of its length, so it stops using the lease before the leader
 * would grant it to anyone else, as long as the two clocks run at rates
 * within that margin of each other.
 *
 * A new token is followed by a sync, before anything is served: every
 * replica's store tells its version (and refuses if a newer lease has been
 * there). Once a majority answered, the newest version among them is the
 * chunk's: every acknowledged write is on a majority, and any two
 * majorities share a replica. Before the first change under the token the
 * replicas are also fenced (FENCE: each refuses lower tokens from now on,
 * durably, which costs a copy-on-write of the chunk), so the old holder's
 * writes can no longer reach a majority; a holder that only reads skips
 * that cost. A renewal (the same token) needs no sync. */
#include <stdio.h>
#include <string.h>

#include "services/fs/primary/primary.h"
#include "services/fs/primary/syncpick.h"
#include "user/fsmeta.h"
#include "user/ulib.h"

#define MAX_CHUNKS 512
/* A new lease's writes skip this many versions past the newest it found:
 * more than a deposed holder can have written to its own replica alone,
 * unacknowledged, before its lease ran out (one per try, a few per
 * millisecond at most, for a lease of seconds). So every version a later
 * lease writes is above any an earlier holder wrote, and a replica left
 * with such an orphan version is merely stale: no sync takes it for the
 * newest, and the next write or fsck -r replaces it. */
#define LEASE_VERSION_GAP (1ULL << 20)
#define LEASE_USE_NUM 8 /* use 8/10 of the lease, counted from the request */
#define LEASE_USE_DEN 10
#define RENEW_BEFORE_NS (1000 * 1000000ULL)
#define META_TRY_NS (1500 * 1000000ULL)
#define META_DEADLINE_NS (3000 * 1000000ULL)

static struct pchunk chunks[MAX_CHUNKS];

static struct pchunk *entry(uint64_t ino, uint32_t index)
{
    struct pchunk *lru = &chunks[0];
    for (int i = 0; i < MAX_CHUNKS; i++) {
        if (chunks[i].ino == ino && chunks[i].index == index)
            return &chunks[i];
        if (chunks[i].used_ns < lru->used_ns)
            lru = &chunks[i];
    }
    memset(lru, 0, sizeof *lru);
    lru->ino = ino;
    lru->index = index;
    lru->nrep = placement_replicas(ino, index, primary_nodes, 0, lru->rep);
    return lru;
}

/* Ask the replicas their version and copy (refusing our token if a newer
 * lease has been there); with fence, have each also refuse lower tokens
 * from now on (a copy-on-write of the chunk on each: only before a change).
 *
 * This node's store first (a local call); and no more once a majority
 * answered: it holds every acknowledged write (two majorities share a
 * replica), and once fenced it refuses the old holder, who can then never
 * again collect a majority. The rest learn the token from the first change
 * that reaches them. Unless the copies of the newest version differ: then
 * the others are asked too, and the copy a majority holds is the chunk's
 * (syncpick.h). */
static int sync_replicas(struct pchunk *c, bool fence)
{
    struct chunk_req q;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_FENCE;
    q.flags = fence ? 0 : CHUNK_F_PEEK;
    q.ino = c->ino;
    q.index = c->index;
    q.token = c->token;
    uint32_t full = 0, majority = c->nrep / 2 + 1;
    uint32_t order[FS_REPLICAS], n = 0;
    for (uint32_t i = 0; i < c->nrep; i++) {
        c->have[i] = 0;
        if (c->rep[i] == primary_node)
            order[n++] = i;
    }
    for (uint32_t i = 0; i < c->nrep; i++)
        if (c->rep[i] != primary_node)
            order[n++] = i;
    struct sync_answer ans[FS_REPLICAS];
    uint32_t answered = 0, chosen = 0, agree = 0;
    enum sync_pick_result picked = SYNC_UNDECIDED;
    for (uint32_t k = 0; k < n && picked != SYNC_PICKED; k++) {
        uint32_t i = order[k];
        struct chunk_rep r;
        if (store_call(c->rep[i], &q, &r))
            continue; /* unreachable: the others may still make a majority */
        if (r.status == -ESTALE) {
            /* A newer lease fenced this replica: ours is already deposed. */
            c->token = 0;
            return -EAGAIN;
        }
        full += r.status == -ENOSPC; /* a fence creating the chunk needs a slot */
        if (r.status)
            continue;
        ans[answered++] = (struct sync_answer){i, r.version, r.length, r.digest};
        if (answered >= majority)
            picked = sync_pick(ans, answered, c->nrep, &chosen, &agree);
    }
    if (picked != SYNC_PICKED) {
        c->token = 0; /* not synced: ask again (a new token then) */
        /* Full stores refuse the retry too: the writer is told ENOSPC */
        return answered < majority && c->nrep - full < majority ? -ENOSPC : -EAGAIN;
    }
    uint64_t newest = ans[chosen].version;
    for (uint32_t k = 0; k < answered; k++) {
        uint32_t i = ans[k].slot;
        bool same = agree & (1u << i);
        /* a copy of the newest version that is not the chunk's: it must be
         * rewritten whole, never built on */
        c->have[i] = same ? newest : ans[k].version == newest ? HAVE_DIVERGED : ans[k].version;
        if (!same && ans[k].version == newest)
            primary_log("chunk %lu/%u: node %u's copy of version %lu is not the majority's",
                        (unsigned long)c->ino, c->index, c->rep[i], (unsigned long)newest);
    }
    c->version = newest;
    c->floor = newest + LEASE_VERSION_GAP;
    c->length = ans[chosen].length;
    c->fenced = fence;
    c->synced = true;
    return 0;
}

/* The chunk's replicas under the out-node mask the lease was granted with
 * (the leader checked this node is one of them): true if they changed, as
 * when a node was declared gone for good or came back. Then the chunk is
 * synced and fenced again as if the lease were new, over the new set: the
 * node that joined holds nothing yet, so the majority that answers the sync
 * must come from the others, and anti-entropy gives it the data. */
static bool place(struct pchunk *c, uint64_t gone)
{
    uint32_t rep[FS_REPLICAS];
    uint32_t n = placement_replicas(c->ino, c->index, primary_nodes, gone, rep);
    if (n == c->nrep && !memcmp(rep, c->rep, n * sizeof rep[0]))
        return false;
    c->nrep = n;
    memcpy(c->rep, rep, sizeof rep);
    memset(c->have, 0, sizeof c->have);
    c->fenced = false;
    return true;
}

static bool valid(const struct pchunk *c, uint64_t now)
{
    return c->token && now + RENEW_BEFORE_NS < c->until_ns;
}

/* A lease (new or renewed) from the metadata leader, counted from `now`;
 * not synced if its token is new, or if the chunk's replicas changed. */
static int request_lease(struct pchunk *c, uint64_t now, uint32_t *hint)
{
    struct fs_request req;
    static struct fs_reply rep;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_LEASE;
    req.ino = c->ino;
    req.size = c->index;
    req.owner_node = primary_node;
    struct fsmeta_policy pol = {META_TRY_NS, 0, now + META_DEADLINE_NS};
    int rv = fsmeta_request(&req, &rep, &pol);
    if (rv == -EBUSY) {
        *hint = (uint32_t)rep.value; /* the node that holds it */
        if (c->token) {
            /* it held the chunk's lease before: another node leads it now */
            char attrs[TRACE_ATTRS_MAX];
            snprintf(attrs, sizeof attrs, "service=fs what=lost chunk=%lu/%u primary=%u",
                     (unsigned long)c->ino, c->index, *hint);
            trace_emit("lease", attrs);
        }
        return -EREMOTE;
    }
    if (rv == -ETIMEDOUT)
        return -EAGAIN;
    if (rv)
        return rv;
    uint64_t token = rep.value;
    bool moved = place(c, rep.out_nodes);
    if (c->token != token || moved) {
        c->synced = false;
        c->fenced = false;
    }
    c->token = token;
    c->until_ns = now + (uint64_t)rep.lease_ms * 1000000ULL * LEASE_USE_NUM / LEASE_USE_DEN;
    return 0;
}

int lease_ensure(uint64_t ino, uint32_t index, bool change, struct pchunk **out, uint32_t *hint)
{
    struct pchunk *c = entry(ino, index);
    uint64_t now = sys_clock();
    c->used_ns = now;
    *hint = 0;
    int rv = valid(c, now) ? 0 : request_lease(c, now, hint);
    if (rv == 0 && (!c->synced || (change && !c->fenced)))
        rv = sync_replicas(c, change);
    if (rv == 0)
        *out = c;
    return rv;
}

/* The lease, the sync and the fence a write would need, done now, while the
 * writer commits the size of its last write: the write then finds them
 * ready. A chunk that held nothing was created by the fence (an empty
 * chunk, version 0); if no write comes before the lease ends, it is
 * removed again (lease_unused_prepared). */
void lease_prefetch(uint64_t ino, uint32_t index)
{
    struct pchunk *c = entry(ino, index);
    uint64_t now = sys_clock();
    c->used_ns = now;
    uint32_t hint;
    if (!valid(c, now) && request_lease(c, now, &hint))
        return;
    if (c->synced && c->fenced)
        return;
    if (sync_replicas(c, true) == 0 && c->version == 0)
        c->prepared = true;
}

void lease_unused_prepared(void (*drop)(struct pchunk *c))
{
    uint64_t now = sys_clock();
    for (int i = 0; i < MAX_CHUNKS; i++) {
        struct pchunk *c = &chunks[i];
        if (c->prepared && !valid(c, now)) {
            c->prepared = false;
            drop(c);
        }
    }
}
