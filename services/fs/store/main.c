/* services/fs/store/main.c: the chunk store server, one per node
 * (services=...,chunkd), port "chunks" (docs/fs.md).
 *
 * It keeps this node's replicas of file data in the disk's "chunks" region
 * (lib/disklabel.h) with the chunk store (services/fs/chunkstore.c: copy-on-
 * write, CRC32C per 4 KiB block, a version and a fencing token per chunk),
 * and answers the chunk primaries (services/fs/primary/): apply a change
 * (REPLICATE, TRUNC) if it holds the version the change builds on, take a
 * whole chunk (PUT), raise the token (FENCE), hand out a chunk (GET, READ);
 * and fsck and anti-entropy: list what it holds (LIST), space (STATFS).
 *
 * It calls nobody, so it answers every request on its own (docs/fs.md,
 * "Processes"). Every change carries a lease's fencing token; one below the
 * highest the chunk has seen is refused with -ESTALE, before anything else,
 * so a deposed primary changes nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/disklabel.h"
#include "lib/lebytes.h"
#include "services/fs/chunkproto.h"
#include "services/fs/chunkstore.h"
#include "user/diskdev.h"
#include "user/ipc.h"
#include "user/ulib.h"

static struct chunkstore cs;
static struct blockdev disk, region;
static struct disklabel_dev region_ctx;
/* rx takes the largest message the IPC layer carries, not just the largest
 * request: a longer one would stay queued (EMSGSIZE) and wedge the loop. */
static uint8_t rx[MSG_MAX];
static uint8_t tx[CHUNK_MSG_MAX];
static uint8_t data[FS_CHUNK_SIZE];
static uint32_t my_node, nodes;
/* Requests refused as malformed (they do not decode, or name an op a store
 * does not serve) and datagrams other than a forwarded copy: STATFS's count.
 * The first few are also logged, with their sender. */
#define BAD_LOGGED 10
static uint32_t bad_requests;
#define store_log(...) ulog("chunkd", __VA_ARGS__)

/* Scrubbing: while idle, one stored chunk at a time is read whole and its
 * blocks checked; the ones that fail are remembered here (until rewritten),
 * and anti-entropy (services/fs/repair/) sees them as differing from their
 * peers' copies, so the rot is repaired even if no one reads the chunk. */
#define MAX_BAD 64
#define SCRUB_EVERY_NS (500 * 1000000ULL)
static struct chunk_id bad[MAX_BAD];
static uint32_t nbad;
static struct chunk_id scrub_at;
static bool scrub_started;

static bool is_bad(struct chunk_id id)
{
    for (uint32_t i = 0; i < nbad; i++)
        if (bad[i].ino == id.ino && bad[i].index == id.index)
            return true;
    return false;
}

static void forget_bad(struct chunk_id id)
{
    for (uint32_t i = 0; i < nbad; i++) {
        if (bad[i].ino == id.ino && bad[i].index == id.index) {
            bad[i] = bad[--nbad];
            return;
        }
    }
}

static void scrub_one(void)
{
    struct chunkstore_entry e;
    if (chunkstore_next(&cs, scrub_started ? &scrub_at : 0, &e)) {
        scrub_started = false; /* the end: from the start again */
        return;
    }
    scrub_started = true;
    scrub_at = e.id;
    uint32_t blocks = 0;
    if (chunkstore_verify(&cs, e.id, &blocks) == -EBADMSG && !is_bad(e.id) && nbad < MAX_BAD) {
        store_log("scrub: chunk %lu/%u has bad blocks %#x", (unsigned long)e.id.ino, e.id.index,
                  blocks);
        bad[nbad++] = e.id;
    }
}

/* Does this chunk have replicas on both this node and `peer`, placed
 * without the nodes in `gone` (the out-node mask the asker uses)? */
static bool shared_with(struct chunk_id id, uint32_t peer, uint64_t gone)
{
    return placement_holds(id.ino, id.index, nodes, gone, my_node) &&
           placement_holds(id.ino, id.index, nodes, gone, peer);
}

/* HASH: the chunks shared with `peer` whose key is in [lo, hi), summed as
 * leaves (a mix of the key and the chunk's digest: version, length and data
 * CRCs), so the sum does not depend on order and two replicas in sync get
 * the same. A chunk known to be bad counts with a digest no peer has. */
static void hash_range(uint32_t peer, uint64_t lo, uint64_t hi, uint64_t gone, struct chunk_rep *r)
{
    uint64_t h = 0;
    uint32_t count = 0;
    /* chunkstore_next gives what is after a key: start after lo - 1 (keys
     * keep (ino, index) order, so lo - 1 names the place just before lo) */
    struct chunk_id after = {(lo - 1) >> 15, (uint32_t)((lo - 1) & 0x7fff)};
    struct chunkstore_entry e;
    while (chunkstore_next(&cs, lo ? &after : 0, &e) == 0) {
        if (chunk_key(e.id.ino, e.id.index) >= hi)
            break;
        after = e.id;
        lo = 1; /* from now on, always after the last one */
        if (!shared_with(e.id, peer, gone))
            continue;
        uint64_t d = is_bad(e.id) ? ~(uint64_t)e.digest : e.digest;
        h += placement_score(e.id.ino, e.id.index, 0) ^ (d * 0x9e3779b97f4a7c15ULL);
        count++;
    }
    r->token = h;
    r->count = count;
}

static int open_store(void)
{
    int rv = diskdev_open(&disk);
    if (rv) {
        store_log("no disk: %s", err_str(rv));
        return rv;
    }
    if ((rv = disklabel_open(&disk, "chunks", &region_ctx, &region)) != 0) {
        store_log("no \"chunks\" region on the disk: %s", err_str(rv));
        return rv;
    }
    uint32_t slots = chunkstore_slots_for(region.nsectors);
    size_t need = chunkstore_work_size(slots);
    void *work = malloc(need);
    if (!work) {
        store_log("no memory for %lu slots (%lu bytes)", (unsigned long)slots, (unsigned long)need);
        return -ENOMEM;
    }
    rv = chunkstore_open(&cs, &region, work, need);
    if (rv == -ENOENT) {
        uint64_t id = sys_clock() * 0x9e3779b97f4a7c15ULL ^ sys_wallclock() ^ sys_nodeid();
        store_log("blank region: formatting %lu slots", (unsigned long)slots);
        rv = chunkstore_format(&region, (uint32_t)sys_nodeid(), id ? id : 1);
        if (rv == 0)
            rv = chunkstore_open(&cs, &region, work, need);
    }
    if (rv) {
        store_log("cannot open the chunk store: %s: %s", err_str(rv), cs.error_msg);
        return rv;
    }
    struct chunkstore_stats st;
    chunkstore_stats(&cs, &st);
    store_log("%u chunks in %u slots%s", st.used, st.nslots,
              st.open_dropped ? " (a torn write was dropped)" : "");
    return 0;
}

/* A change builds on `base`: the chunk must hold exactly that version (0:
 * absent, or the empty chunk a fence left). -ESTALE: a newer lease fenced
 * it; -EAGAIN: it holds another version (r->version), send the whole. */
static int check_base(struct chunk_id id, const struct chunk_req *q, struct chunk_rep *r)
{
    uint64_t version = 0, token = 0;
    uint32_t length = 0;
    chunkstore_info(&cs, id, &version, &token, &length);
    r->version = version;
    r->length = length;
    if (q->token < token)
        return -ESTALE;
    return version == q->base ? 0 : -EAGAIN;
}

static void serve(const struct chunk_req *q, struct chunk_rep *r)
{
    struct chunk_id id = {q->ino, q->index};
    uint64_t version = 0, token = 0;
    uint32_t length = 0;
    int rv;
    switch (q->op) {
    case CHUNK_OP_REPLICATE:
        if ((rv = check_base(id, q, r)) == 0)
            rv = chunkstore_write(&cs, id, q->off, q->data, q->len, q->version, q->token);
        break;
    case CHUNK_OP_TRUNC:
        if ((rv = check_base(id, q, r)) == 0)
            rv = chunkstore_truncate(&cs, id, q->length, q->version, q->token);
        break;
    case CHUNK_OP_PUT:
        rv = chunkstore_put(&cs, id, q->data, q->length, q->version, q->token);
        break;
    case CHUNK_OP_FENCE:
        if (q->flags & CHUNK_F_PEEK) { /* a lease holder that only reads yet */
            rv = chunkstore_info(&cs, id, &version, &token, &length);
            rv = rv == -ENOENT ? 0 : rv;
            if (rv == 0 && q->token < token)
                rv = -ESTALE;
            break;
        }
        rv = chunkstore_fence(&cs, id, q->token);
        break;
    case CHUNK_OP_REMOVE:
        /* A garbage collector's (repaird, after the metadata said the file
         * is gone: inode numbers never come back) needs no token. Who may
         * send it is not checked yet: the privileges work. */
        rv = chunkstore_info(&cs, id, &version, &token, &length);
        if (rv == 0 && q->version && version != q->version)
            rv = -ESTALE; /* it changed since the sender looked: keep it */
        else if (rv == 0 && (q->flags & CHUNK_F_EMPTY) && (version || length))
            rv = -ESTALE; /* written since it was fenced: keep it */
        else if (rv == 0)
            rv =
                q->token < token && !(q->flags & CHUNK_F_GC) ? -ESTALE : chunkstore_remove(&cs, id);
        break;
    case CHUNK_OP_GET:
    case CHUNK_OP_READ: {
        rv = chunkstore_info(&cs, id, &version, &token, &length);
        bool whole = q->op == CHUNK_OP_GET;
        if (rv == -ENOENT && !whole && q->version == 0) {
            rv = 0; /* a hole that no replica ever stored */
            break;
        }
        if (rv)
            break;
        if (!whole && (version != q->version || q->token < token)) {
            rv = -ESTALE; /* not the version the primary serves */
            break;
        }
        uint32_t off = whole ? 0 : q->off;
        uint32_t n = whole ? length : (off >= length ? 0 : length - off);
        if (!whole && n > q->len)
            n = q->len;
        if (n && (rv = chunkstore_read(&cs, id, off, n, data)) != 0) {
            if (rv == -EBADMSG)
                store_log("chunk %lu/%u: a block fails its CRC", (unsigned long)id.ino, id.index);
            break;
        }
        r->data = data;
        r->data_len = n;
        break;
    }
    case CHUNK_OP_LIST: {
        struct chunk_id after = {q->ino, q->index};
        struct chunkstore_entry e;
        uint32_t max = q->len ? q->len : CHUNK_LIST_MAX;
        uint32_t n = 0;
        bool first = q->flags & CHUNK_F_FIRST;
        while (n < max && chunkstore_next(&cs, first && n == 0 ? 0 : &after, &e) == 0) {
            uint8_t *p = data + n * CHUNK_LIST_ENTRY;
            struct le_writer w = {p, CHUNK_LIST_ENTRY, 0};
            le_put(&w, e.id.ino, 8);
            le_put(&w, e.id.index, 4);
            le_put(&w, e.version, 8);
            le_put(&w, e.length, 4);
            le_put(&w, e.digest, 4);
            uint32_t bad = 0;
            if (q->flags & CHUNK_F_VERIFY)
                chunkstore_verify(&cs, e.id, &bad);
            le_put(&w, bad, 4);
            after = e.id;
            n++;
        }
        r->count = n;
        r->data = data;
        r->data_len = n * CHUNK_LIST_ENTRY;
        rv = 0;
        break;
    }
    case CHUNK_OP_HASH:
        hash_range(q->node, q->version, q->base, q->token, r); /* token: the out-node mask */
        r->status = 0;
        return;
    case CHUNK_OP_STATFS: {
        struct chunkstore_stats st;
        chunkstore_stats(&cs, &st);
        r->version = st.bytes_used;
        r->token = st.bytes_free;
        r->count = bad_requests;
        rv = 0;
        break;
    }
    default: /* not reached: main() refuses what serves() does not take */
        rv = -EINVAL;
        break;
    }
    if (rv == 0 && (q->op == CHUNK_OP_PUT || q->op == CHUNK_OP_REPLICATE ||
                    q->op == CHUNK_OP_TRUNC || q->op == CHUNK_OP_REMOVE))
        forget_bad(id); /* rewritten whole or in part: the scrub looks again */
    if (rv == 0 && q->op != CHUNK_OP_LIST && q->op != CHUNK_OP_STATFS &&
        chunkstore_info(&cs, id, &version, &token, &length) == 0) {
        r->version = version;
        r->length = length;
        r->token = token;
    }
    struct chunkstore_entry e;
    if (rv == 0 && q->op == CHUNK_OP_FENCE && chunkstore_entry(&cs, id, &e) == 0)
        r->digest = e.digest; /* the primary's sync compares copies by it */
    if (rv == -EIO && cs.broken) {
        store_log("the disk failed; stopping"); /* a restart reopens and recovers */
        exit(1);
    }
    r->status = rv;
}

/* The ops serve() handles: a primary's READ and TRUNC (passed on from
 * its client) and every peer op; not a client's WRITE or REPAIR, which go
 * to a primary, nor LEASE, which goes to the metadata leader. */
static bool serves(uint8_t op)
{
    return op == CHUNK_OP_READ || op == CHUNK_OP_TRUNC || chunk_op_is_peer(op);
}

/* The third copy of a write (docs/fs.md, "Writes and reads"): a primary
 * sends its change to one other replica with CHUNK_F_FORWARD, and that
 * replica, once it has applied and answered it, passes it on to the last
 * replica's store as a datagram. So the primary answers its client after
 * two copies and sends the data over the network once, not twice; the last
 * copy costs this node, not the primary's. A datagram lost on the way (or
 * refused: that store holds another version) leaves that replica stale,
 * which anti-entropy repairs (the write is on a majority already).
 *
 * Ports of the other stores, looked up again every FWD_PORT_TTL_NS (a
 * datagram to a restarted store's old port is lost without a word), and
 * not looked up for FWD_RETRY_NS after a lookup failed (a dead node would
 * cost every forward a lookup timeout). */
#define FWD_PORT_TTL_NS (10 * IPC_SECOND)
#define FWD_RETRY_NS (5 * IPC_SECOND)
#define FWD_LOOKUP_NS (300 * 1000000ULL)
static struct port_id fwd_port[FS_MAX_NODES + 1];
static uint64_t fwd_port_at[FS_MAX_NODES + 1], fwd_retry_at[FS_MAX_NODES + 1];

static void forward(const struct chunk_req *q)
{
    uint32_t node = q->node;
    uint64_t now = sys_clock();
    if (node == my_node || now < fwd_retry_at[node])
        return;
    if (!fwd_port_at[node] || now - fwd_port_at[node] > FWD_PORT_TTL_NS) {
        if (ipc_lookup_timeout((int)node, "chunks", &fwd_port[node], FWD_LOOKUP_NS)) {
            fwd_port_at[node] = 0;
            fwd_retry_at[node] = now + FWD_RETRY_NS;
            return;
        }
        fwd_port_at[node] = now;
    }
    struct chunk_req c = *q;
    c.flags &= (uint8_t)~CHUNK_F_FORWARD;
    c.node = 0;
    long n = chunk_req_encode(&c, tx, sizeof tx);
    if (n > 0)
        ipc_send_datagram(&fwd_port[node], tx, (size_t)n, 0);
}

static void refused(long len, const struct msg_info *info)
{
    if (++bad_requests <= BAD_LOGGED)
        store_log("refused a malformed %s of %ld bytes from pid %d on node %d%s",
                  info->reply_token ? "request" : "datagram", len, (int)info->sender_pid,
                  (int)info->sender_node,
                  bad_requests == BAD_LOGGED ? " (from now on only counted)" : "");
}

/* A datagram: only a copy passed on by another replica is taken (and
 * nobody is answered); anything else is refused and counted. */
static void datagram(long n, const struct msg_info *info)
{
    struct chunk_req q;
    struct chunk_rep r;
    memset(&r, 0, sizeof r);
    if (chunk_req_decode(rx, (size_t)n, &q) || q.op != CHUNK_OP_REPLICATE ||
        (q.flags & CHUNK_F_FORWARD)) {
        refused(n, info);
        return;
    }
    serve(&q, &r);
}

int main(void)
{
    my_node = (uint32_t)sys_nodeid();
    nodes = (uint32_t)syscall0(SYS_NODES);
    if (nodes > FS_MAX_NODES)
        nodes = FS_MAX_NODES;
    if (open_store())
        return 1;
    struct port_id port;
    int rv = ipc_port_create(&port);
    if (rv == 0)
        rv = ipc_register("chunks", &port);
    if (rv) {
        store_log("cannot serve \"chunks\": %s", err_str(rv));
        return 1;
    }
    uint64_t token = 0;
    long len = 0;
    for (;;) {
        struct msg_info info;
        long n =
            ipc_reply_recv(token, tx, (size_t)len, &port, rx, sizeof rx, &info, SCRUB_EVERY_NS);
        token = 0;
        len = 0;
        if (n == -ETIMEDOUT || n == -EAGAIN)
            scrub_one(); /* idle */
        if (n >= 0 && !info.reply_token)
            datagram(n, &info); /* nobody to answer */
        if (n < 0 || !info.reply_token)
            continue;
        token = info.reply_token;
        struct chunk_req q;
        struct chunk_rep r;
        memset(&r, 0, sizeof r);
        if (chunk_req_decode(rx, (size_t)n, &q) || !serves(q.op)) {
            refused(n, &info);
            r.status = -EINVAL;
        } else {
            serve(&q, &r);
        }
        len = chunk_rep_encode(&r, tx, sizeof tx);
        if (len < 0)
            len = 0;
        if (r.status == 0 && (q.flags & CHUNK_F_FORWARD)) {
            /* answered first: the primary goes on while the copy travels */
            ipc_reply(token, tx, (size_t)len);
            token = 0;
            len = 0;
            forward(&q);
        }
    }
}
