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
 * A chunk found to differ twice in a row (a write in flight differs once)
 * is repaired through its primary (CHUNK_OP_REPAIR): the replica that is
 * missing, stale or corrupt is rewritten from a good one. The stores'
 * scrubbing makes a corrupt block count as a difference even if nobody
 * reads it.
 *
 * Every GC_EVERY rounds it also collects garbage in its own store: the
 * chunks of files the metadata says are gone (an inode number is a log
 * index, never reused, so a file that is gone stays gone; an unlinked file
 * still open is not gone).
 *
 *   repaird            run for ever
 *   repaird once PEER  compare with PEER once, repair nothing, print what it
 *                      found and how long it took (make bench) */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "services/fs/chunkproto.h"
#include "services/fs/placement.h"
#include "user/fsclient.h"
#include "user/ulib.h"

#define ROUND_NS (2000 * 1000000ULL)
#define KEY_END (1ULL << 50) /* inos below 2^35: far beyond any log index */
#define LEAF 16              /* chunks in a range that is listed, not split */
#define MAX_SUSPECTS 64
#define GC_EVERY 5 /* rounds */

struct diff {
    uint64_t key;
    uint32_t node; /* the replica to rewrite (0: whichever is stale) */
};

#define repair_log(...) ulog("repaird", __VA_ARGS__)

static uint32_t me, nodes;
static struct diff seen[MAX_SUSPECTS], now[MAX_SUSPECTS];
static uint32_t nseen, nnow;
static uint64_t calls, differing;
static struct fsc_chunk_info mine[64], theirs[64];


static bool shared(uint64_t ino, uint32_t index, uint32_t peer)
{
    uint32_t reps[FS_REPLICAS];
    uint32_t n = placement_replicas(ino, index, nodes, reps);
    bool a = false, b = false;
    for (uint32_t i = 0; i < n; i++)
        a |= reps[i] == me, b |= reps[i] == peer;
    return a && b;
}

/* The shared chunks of node's store with keys in [lo, hi), up to 64. */
static int list_range(uint32_t node, uint32_t peer, uint64_t lo, uint64_t hi,
                      struct fsc_chunk_info *out)
{
    struct fsc_chunk_info page[64];
    int n = fsc_store_list(node, lo == 0, (lo - 1) >> 15, (uint32_t)((lo - 1) & 0x7fff), 1,
                           page, 64);
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
    if (nnow < MAX_SUSPECTS)
        now[nnow++] = (struct diff){key, node};
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
                note(key, other); /* missing there */
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

/* Repair what differed in this round and the one before. */
static void repair_seen_twice(void)
{
    for (uint32_t i = 0; i < nnow; i++) {
        bool twice = false;
        for (uint32_t j = 0; j < nseen && !twice; j++)
            twice = seen[j].key == now[i].key;
        if (!twice)
            continue;
        uint64_t ino = now[i].key >> 15;
        uint32_t index = (uint32_t)(now[i].key & 0x7fff);
        int rv = fsc_chunk_repair(ino, index, now[i].node);
        if (rv > 0)
            repair_log("chunk %lu/%u: rewrote %d replica(s) (node %u behind)",
                       (unsigned long)ino, index, rv, now[i].node);
        else if (rv < 0 && rv != -ENOENT)
            repair_log("chunk %lu/%u: repair failed: %s", (unsigned long)ino, index,
                       err_str(rv));
    }
    memcpy(seen, now, sizeof now);
    nseen = nnow;
    nnow = 0;
}

/* Remove this store's chunks of files that are gone. */
static void collect_garbage(void)
{
    static struct fsc_chunk_info page[256];
    uint64_t ino = 0, gone_ino = 0, kept_ino = 0;
    uint32_t index = 0, removed = 0;
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
            if (f == gone_ino && fsc_store_remove_gone(me, f, page[i].index) == 0)
                removed++;
        }
        if (n < 256)
            break;
        first = 0;
        ino = page[n - 1].ino;
        index = page[n - 1].index;
    }
    if (removed)
        repair_log("removed %u chunks of files that are gone", removed);
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
    if (argc != 1) {
        fprintf(stderr, "usage: repaird [once PEER]\n");
        return 2;
    }
    repair_log("node %u of %u: comparing with a peer every %lu ms", me, nodes,
               (unsigned long)(ROUND_NS / 1000000));
    uint32_t peer_k = me, round = 0;
    for (;;) {
        sys_sleep(ROUND_NS);
        if (++round % GC_EVERY == 0)
            collect_garbage();
        if (nodes < 2)
            continue;
        peer_k = peer_k % nodes + 1;
        if (peer_k == me)
            peer_k = peer_k % nodes + 1;
        compare(peer_k, 0, KEY_END);
        repair_seen_twice();
    }
}
