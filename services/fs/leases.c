/* services/fs/leases.c: chunk leases, granted by the metadata leader.
 *
 * A chunk's writes are ordered by one primary at a time: the node holding
 * its lease (services/fs/primary/). The leader keeps the table of leases in
 * memory, not in the Raft log: a lease is only ever checked against time,
 * and a grant need not survive the leader. What makes that safe:
 *
 *   - a grant is answered only after a ReadIndex round (replica_read)
 *     confirmed this server still leads, so a deposed leader grants nothing;
 *   - a new leader grants nothing for one lease length plus a margin after
 *     its election, so every lease an earlier leader granted has ended;
 *   - the fencing token is term << 32 | a number counted up by this leader,
 *     so tokens only grow, across leaders too, and every replica's store
 *     refuses a token below the highest it has seen (seed scenario 1: a
 *     primary cut off from the cluster cannot change a majority).
 *
 * Clock assumption (docs/fs.md): the holder counts its lease from before it
 * asked, and uses 8/10 of it; the leader counts from when it granted, plus
 * the margin. Clocks may be anywhere, but must run at rates within 20% of
 * each other. The tokens make even that failure safe: a primary whose clock
 * ran slow can do no harm once the next holder has fenced the replicas. */
#include <stdio.h>
#include <string.h>

#include "services/fs/placement.h"
#include "services/fs/server.h"
#include "user/ulib.h"

#define MAX_LEASES 1024
#define MARGIN_MS 1000

struct lease {
    uint64_t ino; /* 0: free */
    uint32_t index, node;
    uint64_t token;
    uint64_t until_ns; /* the leader's clock */
};

static struct lease leases[MAX_LEASES];
static uint64_t grants_from_ns; /* no grants before (a new leader's wait) */
static uint32_t lease_ms = 4000;
static uint32_t counter;

uint32_t leases_ms(void) { return lease_ms; }

int leases_option(const char *arg)
{
    if (strncmp(arg, "chunklease=", 11))
        return 0;
    long v;
    if (parse_long(arg + 11, &v) || v < 500 || v > 60000)
        return -1;
    lease_ms = (uint32_t)v;
    return 1;
}

void leases_became_leader(void)
{
    memset(leases, 0, sizeof leases);
    counter = 0;
    grants_from_ns = replica.now_ns + ((uint64_t)lease_ms + MARGIN_MS) * 1000000ULL;
}

static void reply(uint64_t token, int status, uint64_t value)
{
    struct fs_reply r;
    memset(&r, 0, sizeof r - sizeof r.ents);
    r.op = FS_OP_LEASE;
    r.status = status;
    r.value = value;
    r.lease_ms = lease_ms;
    r.out_nodes = fs_machine.out_nodes;
    r.index = fs_machine.applied;
    clients_send(token, &r);
}

void leases_request(uint64_t token, const struct fs_request *req)
{
    uint64_t now = replica.now_ns;
    uint32_t index = (uint32_t)req->size, node = req->owner_node;
    if (now < grants_from_ns) {
        reply(token, -EAGAIN, 0); /* an earlier leader's leases may still run */
        return;
    }
    /* The chunk must belong to a file, and the node be one of its replicas. */
    struct fs_request st;
    static struct fs_reply sr;
    memset(&st, 0, sizeof st);
    st.op = FS_OP_FSTAT;
    st.ino = req->ino;
    fsm_read(&fs_machine, &st, &sr);
    if (sr.status || sr.attr.type != FS_T_FILE) {
        reply(token, sr.status ? sr.status : -EISDIR, 0);
        return;
    }
    if (!placement_holds(req->ino, index, replica.cfg.nodes, fs_machine.out_nodes, node)) {
        reply(token, -EINVAL, 0);
        return;
    }
    struct lease *l = 0, *free_slot = 0;
    for (int i = 0; i < MAX_LEASES; i++) {
        struct lease *e = &leases[i];
        if (e->ino == req->ino && e->index == index)
            l = e;
        if ((!e->ino || e->until_ns < now) && !free_slot)
            free_slot = e;
    }
    uint64_t until = now + ((uint64_t)lease_ms + MARGIN_MS) * 1000000ULL;
    if (l && l->until_ns >= now && l->node != node) {
        reply(token, -EBUSY, l->node); /* held: the client goes there */
        return;
    }
    if (l && (l->until_ns >= now || l->node == node)) {
        /* A renewal: the same token, nothing to fence. Also after the lease
         * lapsed, if this node held it last: the entry would name anyone
         * who held it since, so no one did, no one wrote, and what the
         * holder knows of the replicas still holds. (An entry reused for
         * another chunk is gone: a new token then.) */
        l->until_ns = until;
        reply(token, 0, l->token);
        return;
    }
    if (!l)
        l = free_slot;
    if (!l) {
        reply(token, -EAGAIN, 0); /* every slot holds a running lease */
        return;
    }
    l->ino = req->ino;
    l->index = index;
    l->node = node;
    uint32_t before = l->ino == req->ino && l->index == index ? l->node : 0; /* its last holder */
    l->ino = req->ino;
    l->index = index;
    l->node = node;
    l->token = raft_term(&replica.raft) << 32 | ++counter;
    l->until_ns = until;
    /* a new lease: the chunk's primary is (or changes to) node (docs/trace.md) */
    char attrs[TRACE_ATTRS_MAX];
    snprintf(attrs, sizeof attrs, "service=fs what=grant chunk=%lu/%u primary=%u token=%lx%s",
             (unsigned long)req->ino, index, node, (unsigned long)l->token,
             before && before != node ? " changed=1" : "");
    trace_emit("lease", attrs);
    reply(token, 0, l->token);
}
