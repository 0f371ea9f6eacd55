/* services/fs/primary/main.c: the chunk primary's loop (primary.h).
 *
 * One request at a time from clients: READ, WRITE or TRUNC of one chunk.
 * Each gets a valid lease first (lease.c), then:
 *   - WRITE and TRUNC become version v+1 of the chunk, sent to every
 *     replica's store with the lease's token (this node's own first):
 *     REPLICATE (apply this change if you hold v), and to a replica that
 *     holds something else, the whole new chunk (PUT). Answered as soon as
 *     a majority of the replicas have it on disk, and the remaining copies
 *     are made after that, while the client goes on; with no majority,
 *     -EAGAIN, and the client tries again.
 *   - READ is served by a replica known to hold the chunk's newest version
 *     (this node's own store first). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "services/fs/primary/primary.h"
#include "user/ipc.h"
#include "user/ulib.h"

uint32_t primary_node, primary_nodes;

/* rx takes the largest message the IPC layer carries, not just the largest
 * request: a longer one would stay queued (EMSGSIZE) and wedge the loop. */
static uint8_t rx[MSG_MAX];
static uint8_t tx[CHUNK_MSG_MAX];
/* Requests refused as malformed (they do not decode, or name an op a
 * primary does not serve) and datagrams: STATFS's count (df shows it).
 * The first few are also logged, with their sender. */
#define BAD_LOGGED 10
static uint32_t bad_requests;
static uint8_t whole[FS_CHUNK_SIZE];

/* The whole chunk at version v, from a replica that holds it and whose
 * blocks all check out (a corrupt one answers -EBADMSG: the next is tried).
 * skip: a node not to take it from (0: none). */
static int fetch_whole_from(struct pchunk *c, uint64_t v, uint32_t *length, uint32_t skip)
{
    struct chunk_req q;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_GET;
    q.ino = c->ino;
    q.index = c->index;
    q.token = c->token;
    for (uint32_t i = 0; i < c->nrep; i++) {
        struct chunk_rep r;
        if (c->have[i] != v || c->rep[i] == skip || store_call(c->rep[i], &q, &r) || r.status ||
            r.version != v)
            continue;
        memcpy(whole, r.data, r.data_len);
        memset(whole + r.data_len, 0, sizeof whole - r.data_len);
        *length = r.length;
        return 0;
    }
    return -EAGAIN;
}

static int fetch_whole(struct pchunk *c, uint64_t v, uint32_t *length)
{
    return fetch_whole_from(c, v, length, 0);
}

/* The client of the change in progress, answered as soon as a majority
 * has it (answer_early): the copies to the remaining replicas then go on
 * while the client is already on its way (its size update, its next
 * write). 0 once answered. */
static uint64_t early_token;

static void answer_early(struct pchunk *c, uint64_t v, uint32_t length)
{
    if (!early_token)
        return;
    c->version = v;
    c->length = length;
    struct chunk_rep r;
    memset(&r, 0, sizeof r);
    r.version = v;
    r.length = length;
    long n = chunk_rep_encode(&r, tx, sizeof tx);
    if (n >= 0)
        ipc_reply(early_token, tx, (size_t)n);
    early_token = 0;
}

/* Send change q (REPLICATE or TRUNC, as version v over base) to every
 * replica; the ones that hold another version get the whole chunk. Returns
 * how many replicas have v on disk, or -ESTALE if a newer lease fenced one;
 * *full: how many refused it for want of space (-ENOSPC). */
static int fan_out(struct pchunk *c, struct chunk_req *q, uint64_t v, uint32_t *full)
{
    int acks = 0;
    *full = 0;
    bool need_full[FS_REPLICAS] = {false};
    /* This node's own store first (a local call, no network): with it and
     * one more, a write of a chunk placed here has its majority after a
     * single remote copy. */
    uint32_t order[FS_REPLICAS], n = 0;
    for (uint32_t i = 0; i < c->nrep; i++)
        if (c->rep[i] == primary_node)
            order[n++] = i;
    for (uint32_t i = 0; i < c->nrep; i++)
        if (c->rep[i] != primary_node)
            order[n++] = i;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = order[k];
        struct chunk_rep r;
        /* With the first copy made, a write's second copy carries the
         * third on to the last replica (store/main.c, forward()): the
         * majority is then complete with this call, and the last copy
         * costs that store, not us. Only when nothing failed so far; else
         * every replica is asked here, as below. */
        if (c->have[i] == HAVE_DIVERGED) {
            need_full[i] = true; /* its bytes are not the chunk's: never built on */
            continue;
        }
        bool chain = q->op == CHUNK_OP_REPLICATE && n == 3 && k == 1 && acks == 1 &&
                     c->have[order[2]] != HAVE_DIVERGED;
        struct chunk_req f = *q;
        if (chain) {
            f.flags |= CHUNK_F_FORWARD;
            f.node = c->rep[order[2]];
        }
        if (store_call(c->rep[i], &f, &r))
            continue;
        if (r.status == -ESTALE)
            return -ESTALE;
        if (r.status == -EAGAIN) { /* it holds another version */
            need_full[i] = true;
            continue;
        }
        *full += r.status == -ENOSPC;
        if (r.status)
            continue;
        c->have[i] = v;
        if (++acks == (int)(c->nrep / 2 + 1))
            answer_early(c, v, q->length);
        if (chain) {
            /* the last replica gets it passed on, or anti-entropy catches
             * it up: which version it holds is not known from here */
            c->have[order[2]] = 0;
            break;
        }
    }
    uint32_t length = 0;
    bool fetched = false;
    for (uint32_t i = 0; i < c->nrep; i++) {
        if (!need_full[i] || acks == 0)
            continue;
        if (!fetched && fetch_whole(c, v, &length))
            break;
        fetched = true;
        struct chunk_req p;
        memset(&p, 0, sizeof p);
        p.op = CHUNK_OP_PUT;
        p.ino = c->ino;
        p.index = c->index;
        p.token = c->token;
        p.version = v;
        p.length = length;
        p.data_len = length;
        p.data = whole;
        struct chunk_rep r;
        if (store_call(c->rep[i], &p, &r))
            continue;
        *full += r.status == -ENOSPC;
        if (r.status == 0) {
            c->have[i] = v;
            if (++acks == (int)(c->nrep / 2 + 1))
                answer_early(c, v, q->length);
        }
    }
    return acks;
}

static void change(const struct chunk_req *q, struct chunk_rep *r)
{
    struct pchunk *c;
    int rv = lease_ensure(q->ino, q->index, true, &c, &r->hint);
    if (rv) {
        r->status = rv;
        return;
    }
    uint64_t v = (c->version > c->floor ? c->version : c->floor) + 1;
    struct chunk_req s = *q;
    s.token = c->token;
    s.version = v;
    s.base = c->version;
    if (q->op == CHUNK_OP_WRITE) {
        s.op = CHUNK_OP_REPLICATE;
        s.length = q->off + q->len > c->length ? q->off + q->len : c->length;
    } else {
        s.op = CHUNK_OP_TRUNC;
        s.length = q->length;
    }
    uint32_t full;
    int acks = fan_out(c, &s, v, &full);
    if (acks == -ESTALE) {
        primary_log("chunk %lu/%u: a newer lease fenced us", (unsigned long)c->ino, c->index);
        c->token = 0;
        r->status = -EAGAIN;
        return;
    }
    if (acks > 0) {
        c->version = v;
        c->length = s.length;
        c->prepared = false; /* written: it stays */
    }
    uint32_t majority = c->nrep / 2 + 1;
    r->status = acks >= (int)majority ? 0 : -EAGAIN;
    /* Full stores will not take it on a retry either, unless space is
     * freed: the client gets ENOSPC, not a wait. (A replica that did not
     * answer may yet: then this is a retry like any other.) */
    if (r->status && c->nrep - full < majority)
        r->status = -ENOSPC;
    r->version = c->version;
    r->length = c->length;
}

/* REPAIR: rewrite replica q->node (0: every replica not known to hold the
 * newest version) with the whole chunk from a good replica. r->count: how
 * many were rewritten. fsck (user/fsck.c) asks for it. */
static void repair(const struct chunk_req *q, struct chunk_rep *r)
{
    struct pchunk *c;
    int rv = lease_ensure(q->ino, q->index, true, &c, &r->hint);
    if (rv) {
        r->status = rv;
        return;
    }
    r->status = 0;
    r->version = c->version;
    if (c->version == 0)
        return; /* a hole: nothing to copy */
    uint32_t length;
    if (fetch_whole_from(c, c->version, &length, q->node)) {
        r->status = -EAGAIN; /* no replica with a good copy answered */
        return;
    }
    for (uint32_t i = 0; i < c->nrep; i++) {
        if (q->node ? c->rep[i] != q->node : c->have[i] == c->version)
            continue;
        struct chunk_req p;
        memset(&p, 0, sizeof p);
        p.op = CHUNK_OP_PUT;
        p.ino = c->ino;
        p.index = c->index;
        p.token = c->token;
        p.version = c->version;
        p.length = length;
        p.data_len = length;
        p.data = whole;
        struct chunk_rep pr;
        if (store_call(c->rep[i], &p, &pr) == 0 && pr.status == 0) {
            c->have[i] = c->version;
            r->count++;
            primary_log("chunk %lu/%u: replica on node %u rewritten at version %lu",
                        (unsigned long)c->ino, c->index, c->rep[i], (unsigned long)c->version);
        } else {
            r->status = -EAGAIN;
        }
    }
}

static void read_chunk(const struct chunk_req *q, struct chunk_rep *r)
{
    struct pchunk *c;
    int rv = lease_ensure(q->ino, q->index, false, &c, &r->hint);
    if (rv) {
        r->status = rv;
        return;
    }
    struct chunk_req s = *q;
    s.token = c->token;
    s.version = c->version;
    r->status = -EAGAIN;
    /* This node's store first, then the others that hold the version. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < c->nrep; i++) {
            if ((c->rep[i] == primary_node) != (pass == 0) || c->have[i] != c->version)
                continue;
            if (c->version == 0) { /* no replica has ever had data: a hole */
                r->status = 0;
                r->version = 0;
                r->length = 0;
                return;
            }
            struct chunk_rep sr;
            if (store_call(c->rep[i], &s, &sr) || sr.status)
                continue;
            *r = sr;
            return;
        }
    }
}

/* The ops a primary serves: a client's READ, WRITE, TRUNC and REPAIR, and
 * STATFS, which it answers with only its count of refused requests (it
 * stores nothing itself). */
static bool serves(uint8_t op)
{
    return (op >= CHUNK_OP_READ && op <= CHUNK_OP_REPAIR) || op == CHUNK_OP_STATFS;
}

static void refused(long len, const struct msg_info *info)
{
    if (++bad_requests <= BAD_LOGGED)
        primary_log("refused a malformed %s of %ld bytes from pid %d on node %d%s",
                    info->reply_token ? "request" : "datagram", len, (int)info->sender_pid,
                    (int)info->sender_node,
                    bad_requests == BAD_LOGGED ? " (from now on only counted)" : "");
}

/* A chunk fenced for a PREPARE that no write used (its lease ended): each
 * replica drops it if it still holds nothing (CHUNK_F_EMPTY), so a file
 * whose last write ended where a chunk does leaves no empty chunk past its
 * end. One that does not answer keeps it; fsck counts it as an orphan. */
static void drop_unused(struct pchunk *c)
{
    struct chunk_req q;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_REMOVE;
    q.flags = CHUNK_F_EMPTY;
    q.ino = c->ino;
    q.index = c->index;
    q.token = c->token;
    uint32_t removed = 0;
    for (uint32_t i = 0; i < c->nrep; i++) {
        struct chunk_rep r;
        removed += store_call(c->rep[i], &q, &r) == 0 && r.status == 0;
        c->have[i] = 0;
    }
    c->synced = c->fenced = false; /* a write after this syncs and fences anew */
    primary_log("chunk %lu/%u: fenced for a write that did not come; removed from %u replicas",
                (unsigned long)c->ino, c->index, removed);
}

#define UNUSED_CHECK_NS (1000 * 1000000ULL)

/* A datagram: a writer's hint that it will write a chunk next (PREPARE;
 * user/fsclient.c sends it when a write ends where a chunk does), so the
 * chunk's lease is asked for while the writer commits its size. Anything
 * else is refused and counted. */
static void datagram(long n, const struct msg_info *info)
{
    struct chunk_req q;
    if (chunk_req_decode(rx, (size_t)n, &q) || q.op != CHUNK_OP_PREPARE) {
        refused(n, info);
        return;
    }
    lease_prefetch(q.ino, q.index);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    primary_node = (uint32_t)sys_nodeid();
    primary_nodes = (uint32_t)syscall0(SYS_NODES);
    if (primary_nodes > FS_MAX_NODES)
        primary_nodes = FS_MAX_NODES;
    struct port_id port;
    int rv = ipc_port_create(&port);
    if (rv == 0)
        rv = ipc_register("primary", &port);
    if (rv) {
        primary_log("cannot serve \"primary\": %s", err_str(rv));
        return 1;
    }
    primary_log("node %u of %u: serving", primary_node, primary_nodes);
    uint64_t token = 0, checked_ns = 0;
    long len = 0;
    for (;;) {
        struct msg_info info;
        long n =
            ipc_reply_recv(token, tx, (size_t)len, &port, rx, sizeof rx, &info, UNUSED_CHECK_NS);
        token = 0;
        len = 0;
        if (sys_clock() - checked_ns >= UNUSED_CHECK_NS) {
            checked_ns = sys_clock();
            lease_unused_prepared(drop_unused);
        }
        if (n >= 0 && !info.reply_token)
            datagram(n, &info);
        if (n < 0 || !info.reply_token)
            continue; /* a datagram: nobody to answer */
        token = info.reply_token;
        struct chunk_req q;
        struct chunk_rep r;
        memset(&r, 0, sizeof r);
        if (chunk_req_decode(rx, (size_t)n, &q) || !serves(q.op)) {
            refused(n, &info);
            r.status = -EINVAL;
        } else if (q.op == CHUNK_OP_STATFS) {
            r.count = bad_requests;
        } else if (q.op == CHUNK_OP_READ) {
            read_chunk(&q, &r);
        } else if (q.op == CHUNK_OP_REPAIR) {
            repair(&q, &r);
        } else {
            early_token = token;
            change(&q, &r);
            if (!early_token) {
                token = 0; /* answered as soon as a majority had it */
                continue;
            }
            early_token = 0;
        }
        len = chunk_rep_encode(&r, tx, sizeof tx);
        if (len < 0)
            len = 0;
    }
}
