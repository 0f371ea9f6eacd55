/* services/fs/repair/main.c: anti-entropy, one per node (services=...,repaird).
 *
 * Every ROUND_NS it compares this node's chunk store with one other node's
 * (round robin), over the chunks the two should both hold (placement.h).
 * The comparison is a Merkle tree over key ranges (chunk_key: ino and
 * index as one number): each store sums a hash of every shared chunk's
 * digest (version, length, data CRCs; services/fs/store/) in a range, so
 * two stores in sync exchange one pair of root hashes and are done. Where
 * the sums differ, the range is cut in 16 and each part compared, down to
 * ranges of a few chunks, which are listed from both stores (with every
 * block checked) and compared chunk by chunk.
 *
 * A chunk found to differ in two rounds (a write in flight differs once;
 * the rounds need not follow each other, since each compares with another
 * peer, and a replica may be missing on only some of them) is repaired
 * through its primary (CHUNK_OP_REPAIR): the replica that is missing,
 * stale or corrupt is rewritten from a good one. A difference not seen
 * again within a whole cycle of peers is forgotten. The stores'
 * scrubbing makes a corrupt block count as a difference even if nobody
 * reads it.
 *
 * Every GC_EVERY rounds it also collects garbage in its own store: the
 * chunks of files the metadata says are gone (an inode number is a log
 * index, never reused, so a file that is gone stays gone; an unlinked file
 * still open is not gone), and copies this node holds of chunks it is no
 * longer a replica of (a node declared gone came back, or the cluster
 * grew), once every replica holds the chunk at least as new.
 *
 * Nodes gone for good (docs/fs.md): the repaird beside the metadata
 * leader, and only it (one judge, so two nodes that see a third
 * differently cannot flap it in and out; and an idle cluster's other nodes
 * stay quiet), asks every other node's store for an empty hash each round
 * (a ping), and declares a node that has not answered for the grace
 * period (counted from when it became the judge at the latest) out
 * (FS_OP_NODE_OUT, through its own server): chunks are then placed
 * without it, each chunk that had a
 * replica there gains the next node in its order, and the comparisons
 * above fill that node in. A node that answers again is declared back in
 * (FS_OP_NODE_IN); its stale copies are then caught up the same way. At
 * most nodes - FS_REPLICAS nodes are ever out: with fewer left there is no
 * other node to copy to.
 *
 *   repaird [grace=S] [gc=ROUNDS]
 *                      run for ever; a node silent for S seconds (default
 *                      60) is gone for good; garbage is collected every
 *                      ROUNDS rounds (default GC_EVERY)
 *   repaird once PEER  compare with PEER once, repair nothing, print what it
 *                      found and how long it took (make bench) */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "services/fs/chunkproto.h"
#include "services/fs/fsproto.h"
#include "services/fs/placement.h"
#include "services/raft/raft.h"
#include "user/fsclient.h"
#include "user/ipc.h"
#include "user/ulib.h"

#define ROUND_NS (2000 * 1000000ULL)
#define KEY_END (1ULL << 50) /* inos below 2^35: far beyond any log index */
#define LEAF 16              /* chunks in a range that is listed, not split */
#define MAX_SUSPECTS 64
#define GC_EVERY 5 /* rounds */

struct diff {
    uint64_t key;
    uint32_t node;  /* the replica to rewrite (0: whichever is stale) */
    uint32_t round; /* when it was first seen */
    bool again;     /* seen again in a later round: repair it */
};

#define repair_log(...) ulog("repaird", __VA_ARGS__)

static uint32_t me, nodes;
static uint64_t gone;                          /* the out-node mask, as last read */
static uint64_t grace_ns = 60 * 1000000000ULL; /* silence after which a node is out */
static uint64_t heard_ns[FS_MAX_NODES + 1];    /* when each node's store last answered */
static bool silent_now[FS_MAX_NODES + 1];      /* it did not answer this round's ping */
static struct diff suspects[MAX_SUSPECTS];
static uint32_t nsuspects, round_no;
static uint64_t calls, differing;
static struct fsc_chunk_info mine[64], theirs[64];

static bool shared(uint64_t ino, uint32_t index, uint32_t peer)
{
    return placement_holds(ino, index, nodes, gone, me) &&
           placement_holds(ino, index, nodes, gone, peer);
}

static bool is_out(uint32_t k) { return k >= 1 && k <= 64 && (gone >> (k - 1) & 1); }

/* The shared chunks of node's store with keys in [lo, hi), up to 64. */
static int list_range(uint32_t node, uint32_t peer, uint64_t lo, uint64_t hi,
                      struct fsc_chunk_info *out)
{
    struct fsc_chunk_info page[64];
    int n =
        fsc_store_list(node, lo == 0, (lo - 1) >> 15, (uint32_t)((lo - 1) & 0x7fff), 1, page, 64);
    calls++;
    if (n < 0)
        return n;
    int k = 0;
    for (int i = 0; i < n && k < 64; i++) {
        if (chunk_key(page[i].ino, page[i].index) >= hi)
            break;
        if (shared(page[i].ino, page[i].index, node == me ? peer : me))
            out[k++] = page[i];
    }
    return k;
}

static void note(uint64_t key, uint32_t node)
{
    differing++;
    for (uint32_t i = 0; i < nsuspects; i++) {
        if (suspects[i].key == key) {
            if (suspects[i].round != round_no) {
                suspects[i].again = true;
                suspects[i].node = node;
            }
            return;
        }
    }
    if (nsuspects < MAX_SUSPECTS)
        suspects[nsuspects++] = (struct diff){key, node, round_no, false};
}

static const struct fsc_chunk_info *find(const struct fsc_chunk_info *v, int n, uint64_t key)
{
    for (int i = 0; i < n; i++)
        if (chunk_key(v[i].ino, v[i].index) == key)
            return &v[i];
    return 0;
}

/* Compare a few chunks one by one: which replica, if any, is behind. */
static void leaf(uint32_t peer, uint64_t lo, uint64_t hi)
{
    int a = list_range(me, peer, lo, hi, mine), b = list_range(peer, peer, lo, hi, theirs);
    if (a < 0 || b < 0)
        return;
    for (int pass = 0; pass < 2; pass++) {
        const struct fsc_chunk_info *v = pass ? theirs : mine, *w = pass ? mine : theirs;
        int n = pass ? b : a, m = pass ? a : b;
        for (int i = 0; i < n; i++) {
            uint64_t key = chunk_key(v[i].ino, v[i].index);
            const struct fsc_chunk_info *o = find(w, m, key);
            uint32_t self = pass ? peer : me, other = pass ? me : peer;
            if (!o) {
                note(key, other);   /* missing there */
            } else if (pass == 0) { /* each pair once */
                if (v[i].bad)
                    note(key, self);
                else if (o->bad)
                    note(key, other);
                else if (v[i].version != o->version)
                    note(key, v[i].version < o->version ? self : other);
                else if (v[i].digest != o->digest)
                    note(key, 0);
            }
        }
    }
}

static void compare(uint32_t peer, uint64_t lo, uint64_t hi)
{
    uint64_t ha, hb;
    uint32_t ca, cb;
    calls += 2;
    if (fsc_store_hash(me, peer, lo, hi, &ha, &ca) || fsc_store_hash(peer, me, lo, hi, &hb, &cb))
        return; /* a store does not answer: another round */
    if (ha == hb && ca == cb)
        return; /* in sync */
    if (ca + cb <= LEAF || hi - lo <= 16) {
        leaf(peer, lo, hi);
        return;
    }
    uint64_t step = (hi - lo + 15) / 16;
    for (uint64_t at = lo; at < hi; at += step)
        compare(peer, at, at + step < hi ? at + step : hi);
}

/* The peer to compare with after k: the other nodes in turn, past those
 * declared out and those silent at this round's ping. A comparison with a
 * store that does not answer only waits out its timeouts, and the round
 * with it; a judge's rounds stretched so would declare a dead node out
 * well after its grace period. 0 if there is none. */
static uint32_t next_peer(uint32_t k)
{
    for (uint32_t i = 0; i < nodes; i++) {
        k = k % nodes + 1;
        if (k != me && !is_out(k) && !silent_now[k])
            return k;
    }
    return 0;
}

/* Repair what differed in two rounds; forget what has not been seen again
 * for a cycle of peers. */
static void repair_seen_twice(void)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nsuspects; i++) {
        struct diff d = suspects[i];
        if (d.again) {
            uint64_t ino = d.key >> 15;
            uint32_t index = (uint32_t)(d.key & 0x7fff);
            int rv = fsc_chunk_repair(ino, index, d.node);
            if (rv > 0)
                repair_log("chunk %lu/%u: rewrote %d replica(s) (node %u behind)",
                           (unsigned long)ino, index, rv, d.node);
            else if (rv < 0 && rv != -ENOENT)
                repair_log("chunk %lu/%u: repair failed: %s", (unsigned long)ino, index,
                           err_str(rv));
            continue;
        }
        if (round_no - d.round <= nodes)
            suspects[kept++] = d;
    }
    nsuspects = kept;
    round_no++;
}

/* Does every replica of the chunk (placed without the out nodes) hold it,
 * intact, at version v or newer? Then this node's copy, on a node that is
 * not a replica, can go. */
static bool held_elsewhere(uint64_t ino, uint32_t index, uint64_t v)
{
    uint32_t reps[FS_REPLICAS];
    uint32_t n = placement_replicas(ino, index, nodes, gone, reps);
    uint64_t before = chunk_key(ino, index) - 1; /* list from just before it */
    for (uint32_t i = 0; i < n; i++) {
        struct fsc_chunk_info c;
        if (fsc_store_list(reps[i], 0, before >> 15, (uint32_t)(before & 0x7fff), 1, &c, 1) != 1 ||
            c.ino != ino || c.index != index || c.version < v || c.bad)
            return false;
    }
    return n > 0;
}

/* Remove this store's chunks of files that are gone, and its copies of
 * chunks placed elsewhere now that every replica has them. */
static void collect_garbage(void)
{
    static struct fsc_chunk_info page[256];
    uint64_t ino = 0, gone_ino = 0, kept_ino = 0;
    uint32_t index = 0, removed = 0, moved = 0;
    int first = 1;
    for (;;) {
        int n = fsc_store_list(me, first, ino, index, 0, page, 256);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++) {
            uint64_t f = page[i].ino;
            if (f != gone_ino && f != kept_ino) {
                int e = fsc_ino_exists(f);
                if (e < 0)
                    return; /* the metadata does not answer: later */
                if (e)
                    kept_ino = f;
                else
                    gone_ino = f;
            }
            if (f == gone_ino && fsc_store_remove_gone(me, f, page[i].index, 0) == 0)
                removed++;
            else if (f == kept_ino && !is_out(me) &&
                     !placement_holds(f, page[i].index, nodes, gone, me) &&
                     held_elsewhere(f, page[i].index, page[i].version) &&
                     fsc_store_remove_gone(me, f, page[i].index, page[i].version) == 0)
                moved++;
        }
        if (n < 256)
            break;
        first = 0;
        ino = page[n - 1].ino;
        index = page[n - 1].index;
    }
    if (removed)
        repair_log("removed %u chunks of files that are gone", removed);
    if (moved)
        repair_log("removed %u copies of chunks now placed on other nodes", moved);
}

/* Is this node's metadata server the Raft leader? (Asked of it directly:
 * the judge of which nodes are out is the repaird beside the leader.) */
static bool local_server_leads(void)
{
    struct fs_status st;
    return fsc_server_status(0, &st) == 0 && st.role == RAFT_LEADER && st.leader == me;
}

/* Ask this node's metadata server to propose NODE_OUT or NODE_IN for k
 * (a datagram: the next round reads the mask and asks again if it was
 * lost). */
static void declare(uint8_t op, uint32_t k)
{
    uint8_t buf[FS_REQUEST_MAX];
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = op;
    req.owner_node = k;
    int n = fs_request_encode(&req, buf, sizeof buf);
    struct port_id port;
    if (n > 0 && ipc_lookup_timeout(0, "fs", &port, 500 * 1000000ULL) == 0)
        ipc_send_datagram(&port, buf, (size_t)n, 0);
}

/* Ping every other node's store (an empty hash range), and if this node's
 * server leads, declare out the nodes silent for the grace period and back
 * in the ones that answer again. */
static void watch_nodes(void)
{
    static bool judging;
    uint64_t now = sys_clock();
    uint32_t out = 0;
    if (!local_server_leads()) {
        judging = false; /* only the judge pings: an idle cluster stays quiet */
        memset(silent_now, 0, sizeof silent_now);
        return;
    }
    if (!judging) {
        /* Newly the judge: every node's silence counts from now. */
        for (uint32_t k = 1; k <= nodes; k++)
            heard_ns[k] = now;
        judging = true;
    }
    heard_ns[me] = now;
    for (uint32_t k = 1; k <= nodes; k++) {
        silent_now[k] = k != me && fsc_store_ping(k) != 0;
        if (k != me && !silent_now[k])
            heard_ns[k] = now;
        out += is_out(k);
    }
    for (uint32_t k = 1; k <= nodes; k++) {
        bool silent = now - heard_ns[k] > grace_ns, answers = heard_ns[k] == now;
        if (!is_out(k) && silent && out + 1 + FS_REPLICAS <= nodes) {
            repair_log("node %u: no answer for %lu s: placing chunks without it", k,
                       (unsigned long)((now - heard_ns[k]) / 1000000000ULL));
            declare(FS_OP_NODE_OUT, k);
            out++;
        } else if (is_out(k) && answers) {
            repair_log("node %u answers again: placing chunks on it again", k);
            declare(FS_OP_NODE_IN, k);
        }
    }
}

int main(int argc, char **argv)
{
    me = (uint32_t)sys_nodeid();
    nodes = (uint32_t)syscall0(SYS_NODES);
    if (nodes > FS_MAX_NODES)
        nodes = FS_MAX_NODES;
    struct fsc_mount m = {0, 1500, 3};
    fsc_set_mount(&m);
    long peer;
    if (argc == 3 && !strcmp(argv[1], "once") && !parse_long(argv[2], &peer) && peer > 0) {
        uint64_t t0 = sys_clock(), h;
        uint32_t count;
        int rv = fsc_store_hash(me, (uint32_t)peer, 0, KEY_END, &h, &count);
        compare((uint32_t)peer, 0, KEY_END);
        printf("repaird: node %u with node %ld: %u shared chunks, %lu differ, %lu calls, %lu us\n",
               me, peer, rv ? 0 : count, (unsigned long)differing, (unsigned long)calls,
               (unsigned long)((sys_clock() - t0) / 1000));
        return rv ? 1 : 0;
    }
    long grace_s = 60, gc_every = GC_EVERY;
    for (int i = 1; i < argc; i++) {
        long *v = !strncmp(argv[i], "grace=", 6) ? &grace_s
                  : !strncmp(argv[i], "gc=", 3)  ? &gc_every
                                                 : 0;
        if (!v || parse_long(strchr(argv[i], '=') + 1, v) || *v < 1) {
            fprintf(stderr, "usage: repaird [grace=S] [gc=ROUNDS] | repaird once PEER\n");
            return 2;
        }
    }
    grace_ns = (uint64_t)grace_s * 1000000000ULL;
    repair_log("node %u of %u: comparing with a peer every %lu ms, collecting garbage every "
               "%ld; a node silent for %ld s is gone",
               me, nodes, (unsigned long)(ROUND_NS / 1000000), gc_every, grace_s);
    uint32_t peer_k = me, round = 0;
    for (;;) {
        sys_sleep(ROUND_NS);
        gone = fsc_out_nodes(0); /* asked again every few seconds (fsclient.c) */
        watch_nodes();
        if (++round % (uint32_t)gc_every == 0)
            collect_garbage();
        if (nodes < 2)
            continue;
        peer_k = next_peer(peer_k);
        if (peer_k)
            compare(peer_k, 0, KEY_END);
        repair_seen_twice();
    }
}
