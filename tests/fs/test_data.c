/* tests/fs/test_data.c: the pure parts of the data path: rendezvous
 * placement (services/fs/placement.c) and the chunk messages' codec
 * (services/fs/chunkproto.c). */
#include <string.h>

#include "lib/errno.h"
#include "services/fs/chunkproto.h"
#include "services/fs/placement.h"
#include "services/fs/primary/syncpick.h"
#include "tests/fs/harness.h"

/* Replicas are distinct nodes of 1..n, min(3, n) of them, and the same for
 * the same chunk every time. */
static void placement_distinct_stable(void)
{
    for (uint32_t n = 1; n <= 16; n++) {
        for (uint64_t ino = 1; ino < 40; ino++) {
            for (uint32_t idx = 0; idx < 20; idx++) {
                uint32_t a[FS_REPLICAS], b[FS_REPLICAS];
                uint32_t k = placement_replicas(ino, idx, n, 0, a);
                CHECK_EQ(k, n < 3 ? n : 3);
                CHECK_EQ(placement_replicas(ino, idx, n, 0, b), k);
                CHECK(memcmp(a, b, k * sizeof a[0]) == 0);
                for (uint32_t i = 0; i < k; i++) {
                    CHECK(a[i] >= 1 && a[i] <= n);
                    for (uint32_t j = 0; j < i; j++)
                        CHECK(a[i] != a[j]);
                }
            }
        }
    }
}

/* Adding node n+1 changes the replica set of about 3/(n+1) of the chunks
 * (it takes a place in the top three of those), and never reorders the
 * others: the rest of the chunks stay where they were. Preferred primaries
 * move for about 1/(n+1). Rendezvous hashing's promise. */
static void placement_moves_one_nth(void)
{
    for (uint32_t n = 3; n <= 9; n += 3) {
        uint32_t moved = 0, primary_moved = 0, total = 0;
        for (uint64_t ino = 2; ino < 202; ino++) {
            for (uint32_t idx = 0; idx < 50; idx++) {
                uint32_t a[FS_REPLICAS], b[FS_REPLICAS];
                placement_replicas(ino, idx, n, 0, a);
                placement_replicas(ino, idx, n + 1, 0, b);
                bool joined = false;
                for (int i = 0; i < 3; i++)
                    joined |= b[i] == n + 1;
                if (!joined)
                    CHECK(memcmp(a, b, sizeof a) == 0);
                moved += joined;
                primary_moved += a[0] != b[0];
                total++;
            }
        }
        double want = 3.0 / (n + 1), got = (double)moved / total;
        CHECK(got > want * 0.85 && got < want * 1.15);
        double pwant = 1.0 / (n + 1), pgot = (double)primary_moved / total;
        CHECK(pgot > pwant * 0.8 && pgot < pwant * 1.2);
    }
}

/* Each node is the preferred primary of about 1/n of the chunks. */
static void placement_balanced(void)
{
    uint32_t count[17] = {0}, n = 16, total = 0;
    for (uint64_t ino = 2; ino < 402; ino++)
        for (uint32_t idx = 0; idx < 50; idx++, total++) {
            uint32_t r[FS_REPLICAS];
            placement_replicas(ino, idx, n, 0, r);
            count[r[0]]++;
        }
    for (uint32_t k = 1; k <= n; k++)
        CHECK(count[k] > total / n * 8 / 10 && count[k] < total / n * 12 / 10);
}

/* A node declared gone for good is never chosen; a chunk that had a replica
 * there keeps its two others and gains the next node in its order (so only
 * the gone node's chunks get a new home: about 3/n of them), and every other
 * chunk stays exactly where it was. With every node gone the mask is
 * ignored, and a mask beyond the cluster changes nothing. */
static void placement_without_gone_nodes(void)
{
    for (uint32_t n = 4; n <= 8; n += 4) {
        uint32_t gained = 0, total = 0;
        for (uint32_t gone = 1; gone <= n; gone++) {
            uint64_t mask = 1ULL << (gone - 1);
            for (uint64_t ino = 2; ino < 102; ino++) {
                for (uint32_t idx = 0; idx < 20; idx++, total++) {
                    uint32_t a[FS_REPLICAS], b[FS_REPLICAS];
                    placement_replicas(ino, idx, n, 0, a);
                    CHECK_EQ(placement_replicas(ino, idx, n, mask, b), 3);
                    bool had = false;
                    for (int i = 0; i < 3; i++) {
                        CHECK(b[i] != gone);
                        had |= a[i] == gone;
                    }
                    CHECK_EQ(placement_holds(ino, idx, n, mask, gone), false);
                    if (!had) {
                        CHECK(memcmp(a, b, sizeof a) == 0);
                        continue;
                    }
                    gained++;
                    /* the two others keep their places, in their order */
                    uint32_t kept = 0;
                    for (int i = 0; i < 3; i++)
                        if (a[i] != gone)
                            CHECK_EQ(b[kept++], a[i]);
                    CHECK_EQ(kept, 2);
                    CHECK(b[2] != a[0] && b[2] != a[1] && b[2] != a[2]);
                }
            }
        }
        double want = 3.0 / n, got = (double)gained / total;
        CHECK(got > want * 0.85 && got < want * 1.15);
    }
    uint32_t r[FS_REPLICAS], s[FS_REPLICAS];
    CHECK_EQ(placement_replicas(5, 1, 3, 0x7, r), 3); /* all gone: ignored */
    placement_replicas(5, 1, 3, 0, s);
    CHECK(memcmp(r, s, sizeof r) == 0);
    CHECK_EQ(placement_replicas(5, 1, 3, 0x3, r), 1); /* one node left */
    CHECK_EQ(r[0], 3);
    CHECK_EQ(placement_replicas(5, 1, 3, 1ULL << 40, r), 3); /* beyond the cluster */
    CHECK(memcmp(r, s, sizeof r) == 0);
}

static void chunkproto_round_trip(void)
{
    static uint8_t buf[CHUNK_MSG_MAX], data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13);
    struct chunk_req q = {.op = CHUNK_OP_REPLICATE,
                          .ino = 77,
                          .index = 3,
                          .off = 100,
                          .len = 1000,
                          .token = (5ULL << 32) | 9,
                          .version = 12,
                          .base = 11,
                          .length = 1100,
                          .data_len = 1000,
                          .data = data};
    long n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(n, CHUNK_REQ_HDR + 1000);
    struct chunk_req d;
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), 0);
    CHECK(d.op == q.op && d.ino == 77 && d.index == 3 && d.off == 100 && d.len == 1000 &&
          d.token == q.token && d.version == 12 && d.base == 11 && d.length == 1100);
    CHECK(d.data == buf + CHUNK_REQ_HDR && memcmp(d.data, data, 1000) == 0);
    struct chunk_rep r = {.status = -EAGAIN,
                          .version = 4,
                          .length = 9,
                          .token = 3,
                          .hint = 2,
                          .lease_ms = 4000,
                          .digest = 0xdeadbeef,
                          .data_len = 10,
                          .data = data};
    n = chunk_rep_encode(&r, buf, sizeof buf);
    CHECK_EQ(n, CHUNK_REP_HDR + 10);
    struct chunk_rep e;
    CHECK_EQ(chunk_rep_decode(buf, (size_t)n, &e), 0);
    CHECK(e.status == -EAGAIN && e.version == 4 && e.hint == 2 && e.data_len == 10 &&
          e.digest == 0xdeadbeef && memcmp(e.data, data, 10) == 0);
}

/* Every malformed request is refused before anything reads its fields. */
static void chunkproto_refusals(void)
{
    static uint8_t buf[CHUNK_MSG_MAX], data[16];
    struct chunk_req base = {.op = CHUNK_OP_WRITE,
                             .ino = 5,
                             .index = 1,
                             .off = 10,
                             .len = 16,
                             .data_len = 16,
                             .data = data};
    struct chunk_req d, q;
    long n = chunk_req_encode(&base, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), 0);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n - 1, &d), -EBADMSG); /* short */
    buf[n] = 0;
    CHECK_EQ(chunk_req_decode(buf, (size_t)n + 1, &d), -EBADMSG); /* trailing byte */
    q = base, q.op = 99;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG); /* unknown op */
    q = base, q.ino = 0;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG); /* no file */
    q = base, q.off = FS_CHUNK_SIZE - 8;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG); /* past the chunk's end */
    q = base, q.index = CHUNK_MAX_INDEX;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG); /* past 1 GiB */
    q = base, q.len = 15;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG); /* len != data */
    q = base, q.op = CHUNK_OP_REPLICATE, q.token = 0;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG); /* a peer's change needs a token */
    q = base, q.op = CHUNK_OP_READ, q.data_len = 0, q.data = 0;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), 0);
    q.data_len = 16, q.data = data; /* a read carries no data */
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG);
    q = base, q.flags = 0x80;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG); /* unknown flag */
    /* A copy to pass on names the node it goes to, and only a replica's
     * copy is passed on */
    q = base, q.op = CHUNK_OP_REPLICATE, q.token = 9, q.flags = CHUNK_F_FORWARD, q.node = 3;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), 0);
    CHECK(d.node == 3 && (d.flags & CHUNK_F_FORWARD));
    q.node = 0;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG);
    q.node = FS_MAX_NODES + 1;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG);
    q = base, q.flags = CHUNK_F_FORWARD, q.node = 3; /* a client's write */
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG);
    /* "only if empty" is a removal's condition, nobody else's */
    q = (struct chunk_req){
        .op = CHUNK_OP_REMOVE, .ino = 5, .index = 1, .token = 9, .flags = CHUNK_F_EMPTY};
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), 0);
    q.op = CHUNK_OP_FENCE;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG);
    /* LIST's position is a cursor: just before a key range, any index under
     * 2^15, ino 0 too (not a chunk: nothing else may name one) */
    q = (struct chunk_req){.op = CHUNK_OP_LIST, .ino = 4, .index = 0x7fff};
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), 0);
    q.ino = 0;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), 0);
    q.index = 0x8000;
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG);
    q = (struct chunk_req){.op = CHUNK_OP_READ, .ino = 4, .index = 0x7fff};
    n = chunk_req_encode(&q, buf, sizeof buf);
    CHECK_EQ(chunk_req_decode(buf, (size_t)n, &d), -EBADMSG);
}

/* A sync's choice of copy (services/fs/primary/syncpick.h). */
static void sync_pick_newest(void)
{
    /* the newest version wins; every replica holding it agrees */
    struct sync_answer a[3] = {{0, 5, 100, 11}, {2, 9, 200, 22}, {1, 9, 200, 22}};
    uint32_t chosen = 99, agree = 0;
    CHECK_EQ(sync_pick(a, 2, 3, &chosen, &agree), SYNC_PICKED);
    CHECK(chosen == 1 && agree == 1u << 2);
    CHECK_EQ(sync_pick(a, 3, 3, &chosen, &agree), SYNC_PICKED);
    CHECK(chosen == 1 && agree == ((1u << 2) | (1u << 1)));
    /* nothing anywhere (absent, or only fenced: digests differ, no matter) */
    struct sync_answer z[2] = {{0, 0, 0, 0}, {1, 0, 0, 1234}};
    CHECK_EQ(sync_pick(z, 2, 3, &chosen, &agree), SYNC_PICKED);
    CHECK(agree == 3);
}

/* Two copies of one version with different bytes: a cut-off holder's own
 * replica (never acknowledged) and the next holder's acknowledged write,
 * which is on a majority. */
static void sync_pick_diverged(void)
{
    uint32_t chosen = 99, agree = 0;
    /* the majority's copy is known only once the third replica answers */
    struct sync_answer a[3] = {{0, 7, 10, 0xaaaa}, {1, 7, 20, 0xbbbb}, {2, 7, 20, 0xbbbb}};
    CHECK_EQ(sync_pick(a, 2, 3, &chosen, &agree), SYNC_UNDECIDED);
    CHECK_EQ(sync_pick(a, 3, 3, &chosen, &agree), SYNC_PICKED);
    CHECK(a[chosen].digest == 0xbbbb && agree == ((1u << 1) | (1u << 2)));
    /* in whatever order they answered */
    struct sync_answer b[3] = {{2, 7, 20, 0xbbbb}, {0, 7, 10, 0xaaaa}, {1, 7, 20, 0xbbbb}};
    CHECK_EQ(sync_pick(b, 3, 3, &chosen, &agree), SYNC_PICKED);
    CHECK(b[chosen].digest == 0xbbbb && agree == ((1u << 1) | (1u << 2)));
    /* a newer version beats both */
    struct sync_answer c[3] = {{0, 7, 10, 0xaaaa}, {1, 7, 20, 0xbbbb}, {2, 8, 20, 0xcccc}};
    CHECK_EQ(sync_pick(c, 3, 3, &chosen, &agree), SYNC_PICKED);
    CHECK(chosen == 2 && agree == 1u << 2);
    /* every replica answered and none is on a majority: none was ever
     * acknowledged, and any will do */
    struct sync_answer d[3] = {{0, 7, 10, 0xaaaa}, {1, 7, 20, 0xbbbb}, {2, 3, 20, 0xcccc}};
    CHECK_EQ(sync_pick(d, 3, 3, &chosen, &agree), SYNC_PICKED);
    CHECK(d[chosen].version == 7 && __builtin_popcount(agree) == 1);
    /* with five replicas, three of a copy are a majority even if two others
     * have not answered */
    struct sync_answer e[4] = {{0, 4, 1, 1}, {1, 4, 1, 2}, {2, 4, 1, 2}, {3, 4, 1, 2}};
    CHECK_EQ(sync_pick(e, 3, 5, &chosen, &agree), SYNC_UNDECIDED);
    CHECK_EQ(sync_pick(e, 4, 5, &chosen, &agree), SYNC_PICKED);
    CHECK(e[chosen].digest == 2 && agree == 0xe);
}

const struct ft_test ft_data_tests[] = {
    {"placement_distinct_stable", placement_distinct_stable},
    {"placement_moves_one_nth", placement_moves_one_nth},
    {"placement_balanced", placement_balanced},
    {"placement_without_gone_nodes", placement_without_gone_nodes},
    {"chunkproto_round_trip", chunkproto_round_trip},
    {"chunkproto_refusals", chunkproto_refusals},
    {"sync_pick_newest", sync_pick_newest},
    {"sync_pick_diverged", sync_pick_diverged},
    {NULL, NULL},
};
