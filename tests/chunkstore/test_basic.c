/* tests/chunkstore/test_basic.c: the chunk store without faults: format and
 * open, reads and writes at any offset, lengths and zeros, versions and
 * tokens, space, removal, listing and digests, and what each call costs in
 * device operations. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/crc32c.h"
#include "lib/disklabel.h"
#include "lib/errno.h"
#include "tests/chunkstore/harness.h"

#define D test_disk
#define CS test_cs

static uint8_t buf[CHUNK_SIZE], want[CHUNK_SIZE];

/* Chunk n holds exactly m (info, a whole read, verify). */
static int expect(uint32_t n, const struct mchunk *m)
{
    char why[256] = "";
    int rv = chunk_matches(&CS, n, m, why, sizeof why);
    CHECK(rv == 1, "chunk %u: %s (%d)", n, why, rv);
    return 0;
}

/* Applies op to model m and to the store; both must agree on the result. */
static int both(struct mchunk *m, const struct op *op, int want_rv)
{
    struct mchunk next = *m;
    int mrv = model_apply(&next, op, true);
    int rv = store_apply(&CS, op);
    CHECK(rv == mrv && rv == want_rv,
          "%s chunk %u off %u len %u v%llu t%llu: store %d model %d "
          "want %d",
          op_name(op->kind), op->chunk, op->off, op->len, (unsigned long long)op->version,
          (unsigned long long)op->token, rv, mrv, want_rv);
    if (rv == 0)
        *m = next;
    return 0;
}

static int t_format_open_round_trip(void)
{
    TRY(test_setup(16));
    CHECK(CS.node_id == 7 && CS.format_id == TEST_FORMAT_ID, "superblock fields");
    struct chunkstore_stats st;
    chunkstore_stats(&CS, &st);
    CHECK(st.nslots == 16 && st.used == 0 && st.free == 16 && st.bytes_used == 0 &&
              st.bytes_free == 15ull * CHUNK_SIZE,
          "empty stats: %u %u %u", st.nslots, st.used, st.free);
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, 10, buf) == -ENOENT, "read of nothing");
    CHECK(chunkstore_info(&CS, chunk_of(0), NULL, NULL, NULL) == -ENOENT, "info of nothing");

    fill_bytes(want, CHUNK_SIZE, 42);
    CHECK(chunkstore_write(&CS, chunk_of(0), 0, want, CHUNK_SIZE, 1, 3) == 0, "write");
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, CHUNK_SIZE, buf) == 0, "read");
    CHECK(memcmp(buf, want, CHUNK_SIZE) == 0, "read back differs");
    TRY(test_reopen());
    memset(buf, 0, sizeof buf);
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, CHUNK_SIZE, buf) == 0, "read after reopen");
    CHECK(memcmp(buf, want, CHUNK_SIZE) == 0, "after reopen differs");
    uint64_t v, t;
    uint32_t len;
    CHECK(chunkstore_info(&CS, chunk_of(0), &v, &t, &len) == 0 && v == 1 && t == 3 &&
              len == CHUNK_SIZE,
          "info: v%llu t%llu len %u", (unsigned long long)v, (unsigned long long)t, len);
    chunkstore_stats(&CS, &st);
    CHECK(st.used == 1 && st.free == 15 && st.bytes_used == CHUNK_SIZE && st.open_headers == 1,
          "stats after reopen");
    /* arguments outside the chunk */
    CHECK(chunkstore_read(&CS, chunk_of(0), 1, CHUNK_SIZE, buf) == -EINVAL, "read past 64K");
    CHECK(chunkstore_write(&CS, chunk_of(0), CHUNK_SIZE, want, 1, 9, 3) == -EINVAL, "write past");
    CHECK(chunkstore_truncate(&CS, chunk_of(0), CHUNK_SIZE + 1, 9, 3) == -EINVAL, "trunc past");
    CHECK(chunkstore_put(&CS, chunk_of(0), want, CHUNK_SIZE + 1, 9, 3) == -EINVAL, "put past");
    /* too small a region, a bad id */
    struct simdisk tiny;
    simdisk_init(&tiny, region_sectors(2) - 1);
    CHECK(chunkstore_format(&tiny.dev, 1, 5) == -ENOSPC, "region for 1 slot");
    CHECK(chunkstore_format(&tiny.dev, 1, 0) == -EINVAL, "format id 0");
    simdisk_free(&tiny);
    return 0;
}

/* Whole-chunk write: one data write, one header sector, one flush, no read;
 * a small write into a full chunk reads the chunk once; a read reads only the
 * blocks it touches. */
static int t_io_per_call(void)
{
    TRY(test_setup(16));
    uint64_t w0 = D.writes, f0 = D.flushes, r0 = D.reads;
    struct chunkstore_stats a, b;
    chunkstore_stats(&CS, &a);
    TRY(test_write(0, 0, CHUNK_SIZE, 1, 1, 0));
    chunkstore_stats(&CS, &b);
    CHECK(D.writes - w0 == 2 && D.flushes - f0 == 1 && D.reads == r0,
          "whole write: %llu writes %llu flushes %llu reads", (unsigned long long)(D.writes - w0),
          (unsigned long long)(D.flushes - f0), (unsigned long long)(D.reads - r0));
    CHECK(b.sectors_written - a.sectors_written == 129, "whole write: %llu sectors",
          (unsigned long long)(b.sectors_written - a.sectors_written));

    w0 = D.writes, f0 = D.flushes, r0 = D.reads;
    a = b;
    TRY(test_write(0, 5000, 100, 2, 2, 0));
    chunkstore_stats(&CS, &b);
    CHECK(D.writes - w0 == 2 && D.flushes - f0 == 1 && D.reads - r0 == 1,
          "small write: %llu writes %llu reads", (unsigned long long)(D.writes - w0),
          (unsigned long long)(D.reads - r0));

    r0 = D.reads;
    a = b;
    CHECK(chunkstore_read(&CS, chunk_of(0), 8190, 10, buf) == 0, "read");
    chunkstore_stats(&CS, &b);
    CHECK(D.reads - r0 == 1 && b.sectors_read - a.sectors_read == 16,
          "a 10-byte read across blocks 1-2 read %llu sectors",
          (unsigned long long)(b.sectors_read - a.sectors_read));

    /* a small chunk is written as the blocks it has, not 64 KiB */
    a = b;
    TRY(test_write(1, 0, 100, 3, 1, 0));
    chunkstore_stats(&CS, &b);
    CHECK(b.sectors_written - a.sectors_written == 9, "100-byte chunk: %llu sectors",
          (unsigned long long)(b.sectors_written - a.sectors_written));
    return 0;
}

/* Writes at odd offsets and lengths, across block boundaries, against a
 * model; the same after a reopen. */
static int t_partial_writes_odd_offsets(void)
{
    TRY(test_setup(8));
    static struct mchunk m[3];
    memset(m, 0, sizeof m);
    uint64_t rng = 77;
    static const uint32_t offs[] = {0, 1, 4095, 4096, 4097, 8191, 12345, 65535, 30000};
    static const uint32_t lens[] = {1, 2, 4095, 4096, 4097, 8193, 100, 20000};
    uint64_t seed = 1;
    for (int i = 0; i < 120; i++) {
        uint32_t n = (uint32_t)(sim_rand(&rng) % 3);
        uint32_t off = offs[sim_rand(&rng) % 9], len = lens[sim_rand(&rng) % 8];
        if (sim_rand(&rng) % 3 == 0) {
            off = (uint32_t)(sim_rand(&rng) % CHUNK_SIZE);
            len = 1 + (uint32_t)(sim_rand(&rng) % 9000);
        }
        if (len > CHUNK_SIZE - off)
            len = CHUNK_SIZE - off;
        struct op op = {OP_WRITE, n, off, len, m[n].version + 1, 0, seed++};
        TRY(both(&m[n], &op, 0));
        /* a read of an odd range */
        uint32_t ro = (uint32_t)(sim_rand(&rng) % CHUNK_SIZE);
        uint32_t rl = (uint32_t)(sim_rand(&rng) % (CHUNK_SIZE - ro + 1));
        CHECK(chunkstore_read(&CS, chunk_of(n), ro, rl, buf) == 0, "read");
        CHECK(memcmp(buf, m[n].data + ro, rl) == 0, "op %d: read %u+%u of chunk %u differs", i, ro,
              rl, n);
    }
    for (uint32_t n = 0; n < 3; n++)
        TRY(expect(n, &m[n]));
    TRY(test_reopen());
    for (uint32_t n = 0; n < 3; n++)
        TRY(expect(n, &m[n]));
    return 0;
}

static int t_read_past_length_zeros(void)
{
    TRY(test_setup(8));
    TRY(test_write(0, 0, 5000, 9, 1, 0));
    fill_bytes(want, 5000, 9);
    memset(buf, 0xee, sizeof buf);
    CHECK(chunkstore_read(&CS, chunk_of(0), 4000, 3000, buf) == 0, "read across the length");
    CHECK(memcmp(buf, want + 4000, 1000) == 0, "the data part");
    for (int i = 1000; i < 3000; i++)
        CHECK(buf[i] == 0, "byte %d past the length is %02x", 4000 + i, buf[i]);
    memset(buf, 0xee, sizeof buf);
    CHECK(chunkstore_read(&CS, chunk_of(0), 20000, 40000, buf) == 0, "read wholly past");
    for (int i = 0; i < 40000; i++)
        CHECK(buf[i] == 0, "byte %d is %02x", i, buf[i]);
    /* a write past the length fills the gap with zeros */
    TRY(test_write(0, 30000, 10, 10, 2, 0));
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, CHUNK_SIZE, buf) == 0, "read");
    CHECK(memcmp(buf, want, 5000) == 0, "old data kept");
    for (int i = 5000; i < 30000; i++)
        CHECK(buf[i] == 0, "gap byte %d is %02x", i, buf[i]);
    uint32_t len;
    CHECK(chunkstore_info(&CS, chunk_of(0), NULL, NULL, &len) == 0 && len == 30010, "length %u",
          len);
    return 0;
}

static int t_truncate_down_then_up_zeros(void)
{
    TRY(test_setup(8));
    static struct mchunk m;
    memset(&m, 0, sizeof m);
    struct op w = {OP_WRITE, 0, 0, CHUNK_SIZE, 1, 0, 5};
    TRY(both(&m, &w, 0));
    struct op down = {OP_TRUNC, 0, 0, 10001, 2, 0, 0};
    TRY(both(&m, &down, 0));
    struct op up = {OP_TRUNC, 0, 0, 50000, 3, 0, 0};
    TRY(both(&m, &up, 0));
    TRY(expect(0, &m));
    CHECK(chunkstore_read(&CS, chunk_of(0), 10000, 2, buf) == 0 && buf[1] == 0,
          "byte 10001 after down and up");
    fill_bytes(want, 10001, 5);
    CHECK(buf[0] == want[10000], "byte 10000 kept");
    /* to zero, and a truncate that creates a chunk */
    struct op zero = {OP_TRUNC, 0, 0, 0, 4, 0, 0};
    TRY(both(&m, &zero, 0));
    static struct mchunk m1;
    memset(&m1, 0, sizeof m1);
    struct op create = {OP_TRUNC, 1, 0, 7000, 1, 0, 0};
    TRY(both(&m1, &create, 0));
    TRY(test_reopen());
    TRY(expect(0, &m));
    TRY(expect(1, &m1));
    return 0;
}

static int t_version_and_token_refusals(void)
{
    TRY(test_setup(8));
    static struct mchunk m;
    memset(&m, 0, sizeof m);
    struct op o = {OP_WRITE, 0, 100, 200, 5, 10, 1};
    TRY(both(&m, &o, 0));
    uint64_t w0 = D.writes;
    o.version = 5; /* not newer */
    TRY(both(&m, &o, -ESTALE));
    o.version = 4;
    TRY(both(&m, &o, -ESTALE));
    o.version = 6, o.token = 9; /* fenced out */
    TRY(both(&m, &o, -ESTALE));
    struct op tr = {OP_TRUNC, 0, 0, 10, 5, 10, 0};
    TRY(both(&m, &tr, -ESTALE));
    struct op put = {OP_PUT, 0, 0, 300, 4, 10, 2};
    TRY(both(&m, &put, -ESTALE));
    put.version = 5, put.token = 9;
    TRY(both(&m, &put, -ESTALE));
    struct op fence = {OP_FENCE, 0, 0, 0, 0, 9, 0};
    TRY(both(&m, &fence, -ESTALE));
    CHECK(D.writes == w0, "a refused call wrote %llu times", (unsigned long long)(D.writes - w0));
    fence.token = 10; /* the same token: nothing to do */
    TRY(both(&m, &fence, 0));
    CHECK(D.writes == w0, "a fence with the stored token wrote");

    /* a new lease holder fences; the old one is refused, durably */
    fence.token = 20;
    TRY(both(&m, &fence, 0));
    TRY(test_reopen());
    TRY(expect(0, &m));
    o.version = 6, o.token = 10;
    TRY(both(&m, &o, -ESTALE));
    o.token = 20;
    TRY(both(&m, &o, 0));
    /* a higher token in a write raises the stored one */
    o.version = 7, o.token = 30;
    TRY(both(&m, &o, 0));
    o.version = 8, o.token = 20;
    TRY(both(&m, &o, -ESTALE));
    /* put: the same version is allowed (a repair), a lower one is not */
    put.version = 7, put.token = 30;
    TRY(both(&m, &put, 0));
    put.version = 6;
    TRY(both(&m, &put, -ESTALE));
    TRY(test_reopen());
    TRY(expect(0, &m));
    return 0;
}

/* A fence on a chunk this replica does not have yet stores the token (an
 * empty chunk of version 0), so the deposed writer cannot create it. */
static int t_fence_missing_chunk_holds_token(void)
{
    TRY(test_setup(8));
    static struct mchunk m;
    memset(&m, 0, sizeof m);
    struct op fence = {OP_FENCE, 2, 0, 0, 0, 50, 0};
    TRY(both(&m, &fence, 0));
    uint64_t v = 9, t = 0;
    uint32_t len = 9;
    CHECK(chunkstore_info(&CS, chunk_of(2), &v, &t, &len) == 0 && v == 0 && t == 50 && len == 0,
          "fenced missing chunk: v%llu t%llu len %u", (unsigned long long)v, (unsigned long long)t,
          len);
    TRY(test_reopen());
    struct op old = {OP_WRITE, 2, 0, 100, 1, 49, 3};
    TRY(both(&m, &old, -ESTALE));
    old.token = 50;
    TRY(both(&m, &old, 0));
    TRY(expect(2, &m));
    return 0;
}

/* Fill every slot but the reserve: a new chunk gets -ENOSPC and nothing is
 * written; every stored chunk can still be rewritten; removing one makes room. */
static int t_enospc_nothing_lost(void)
{
    const uint32_t ns = 6;
    TRY(test_setup(ns));
    static struct mchunk m[8];
    memset(m, 0, sizeof m);
    for (uint32_t n = 0; n < ns - 1; n++) {
        struct op o = {OP_WRITE, n, n * 1000, 3000, 1, 0, 100 + n};
        TRY(both(&m[n], &o, 0));
    }
    uint64_t w0 = D.writes;
    CHECK(test_write(ns - 1, 0, 10, 1, 1, 0) == -ENOSPC, "new chunk in a full store");
    CHECK(chunkstore_put(&CS, chunk_of(ns), want, 10, 1, 0) == -ENOSPC, "put");
    CHECK(chunkstore_truncate(&CS, chunk_of(ns), 10, 1, 0) == -ENOSPC, "truncate");
    CHECK(chunkstore_fence(&CS, chunk_of(ns), 5) == -ENOSPC, "fence");
    CHECK(D.writes == w0, "-ENOSPC wrote");
    struct chunkstore_stats st;
    chunkstore_stats(&CS, &st);
    CHECK(st.used == ns - 1 && st.free == 1 && st.bytes_free == 0, "stats when full");
    for (int round = 0; round < 3; round++)
        for (uint32_t n = 0; n < ns - 1; n++) {
            struct op o = {OP_WRITE,         n,          500 * (uint32_t)round,   700,
                           m[n].version + 1, m[n].token, (uint64_t)round * 10 + n};
            TRY(both(&m[n], &o, 0));
            struct op f = {OP_FENCE, n, 0, 0, 0, m[n].token + 1, 0};
            TRY(both(&m[n], &f, 0));
        }
    TRY(test_reopen());
    for (uint32_t n = 0; n < ns - 1; n++)
        TRY(expect(n, &m[n]));
    CHECK(test_write(ns - 1, 0, 10, 1, 1, 0) == -ENOSPC, "still full after reopen");
    struct op rm = {OP_REMOVE, 0, 0, 0, 0, 0, 0};
    TRY(both(&m[0], &rm, 0));
    struct op o = {OP_WRITE, ns - 1, 0, 10, 1, 0, 1};
    TRY(both(&m[ns - 1], &o, 0));
    TRY(test_reopen());
    for (uint32_t n = 0; n < ns; n++)
        TRY(expect(n, &m[n]));
    return 0;
}

/* remove frees the slot, forgets the chunk and its token, and no older copy
 * of it comes back at open. */
static int t_remove_frees_the_slot(void)
{
    TRY(test_setup(8));
    for (uint64_t v = 1; v <= 4; v++)
        TRY(test_write(0, 0, 9000, v, v, 7));
    TRY(test_write(1, 0, 100, 1, 1, 0));
    struct chunkstore_stats st;
    chunkstore_stats(&CS, &st);
    CHECK(st.used == 2 && st.free == 6, "before: used %u", st.used);
    CHECK(chunkstore_remove(&CS, chunk_of(0)) == 0, "remove");
    chunkstore_stats(&CS, &st);
    CHECK(st.used == 1 && st.free == 7 && st.bytes_used == 100, "after: used %u free %u", st.used,
          st.free);
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, 10, buf) == -ENOENT, "read removed");
    CHECK(chunkstore_remove(&CS, chunk_of(0)) == -ENOENT, "remove twice");
    TRY(test_reopen());
    chunkstore_stats(&CS, &st);
    CHECK(chunkstore_info(&CS, chunk_of(0), NULL, NULL, NULL) == -ENOENT,
          "an older copy of the removed chunk came back");
    CHECK(st.open_headers == 1 && st.used == 1, "headers on disk after remove: %u",
          st.open_headers);
    /* its token went with it */
    TRY(test_write(0, 0, 10, 1, 1, 0));
    /* and the freed slots are reused: cycle through them many times */
    for (uint64_t v = 2; v < 40; v++)
        TRY(test_write(0, 0, 10, v, v, 0));
    TRY(test_reopen());
    uint64_t ver;
    CHECK(chunkstore_info(&CS, chunk_of(0), &ver, NULL, NULL) == 0 && ver == 39, "v%llu",
          (unsigned long long)ver);
    return 0;
}

/* The digest chunkstore_next reports, computed from the data: CRC32C of the
 * 16 plain block CRCs, version and length. */
static uint32_t digest_of(const uint8_t *data, uint32_t length, uint64_t version)
{
    uint8_t d[76];
    for (uint32_t b = 0; b < CHUNK_BLOCKS; b++) {
        uint32_t c = b * CHUNK_BLOCK < length ? crc32c(data + b * CHUNK_BLOCK, CHUNK_BLOCK) : 0;
        for (int i = 0; i < 4; i++)
            d[b * 4 + (uint32_t)i] = (uint8_t)(c >> (8 * i));
    }
    for (int i = 0; i < 8; i++)
        d[64 + i] = (uint8_t)(version >> (8 * i));
    for (int i = 0; i < 4; i++)
        d[72 + i] = (uint8_t)(length >> (8 * i));
    return crc32c(d, sizeof d);
}

static int t_iterate_in_id_order(void)
{
    TRY(test_setup(16));
    static const uint32_t order[] = {7, 2, 9, 0, 4, 11, 1};
    for (int i = 0; i < 7; i++)
        TRY(test_write(order[i], 0, 1000 + order[i] * 3000, order[i], 1 + order[i], 0));
    struct chunkstore_entry e;
    int count = 0;
    const struct chunk_id *after = NULL;
    struct chunk_id prev = {0, 0};
    while (chunkstore_next(&CS, after, &e) == 0) {
        if (count)
            CHECK(e.id.ino > prev.ino || (e.id.ino == prev.ino && e.id.index > prev.index),
                  "not in id order");
        uint32_t n = (uint32_t)(e.id.ino - 1000) * 3 + e.id.index / 7;
        CHECK(e.version == 1 + n && e.length == 1000 + n * 3000, "entry of chunk %u", n);
        CHECK(chunkstore_read(&CS, e.id, 0, CHUNK_SIZE, buf) == 0, "read");
        CHECK(e.digest == digest_of(buf, e.length, e.version), "digest of chunk %u", n);
        struct chunkstore_entry one; /* the same entry, asked for by id */
        CHECK(chunkstore_entry(&CS, e.id, &one) == 0 && one.digest == e.digest &&
                  one.version == e.version && one.length == e.length && one.token == e.token,
              "chunkstore_entry of chunk %u", n);
        prev = e.id;
        after = &prev;
        count++;
        /* a change between calls does not disturb the walk */
        if (count == 3)
            CHECK(chunkstore_remove(&CS, chunk_of(order[0])) == 0, "remove during the walk");
    }
    CHECK(count == 6, "listed %d chunks", count);
    CHECK(chunkstore_entry(&CS, chunk_of(order[0]), &e) == -ENOENT, "entry of a removed chunk");
    return 0;
}

/* Two replicas with different format ids and the same chunk agree on its
 * digest; another version or other data gives another digest. */
static int t_digest_same_on_every_replica(void)
{
    struct simdisk d2;
    static uint8_t work2[1 << 18] __attribute__((aligned(8)));
    struct chunkstore cs2;
    TRY(test_setup(8));
    simdisk_init(&d2, region_sectors(8));
    CHECK(chunkstore_format(&d2.dev, 8, 0x9999) == 0, "format 2");
    CHECK(chunkstore_open(&cs2, &d2.dev, work2, sizeof work2) == 0, "open 2");
    fill_bytes(want, 40000, 3);
    CHECK(chunkstore_write(&CS, chunk_of(0), 0, want, 40000, 5, 0) == 0, "write 1");
    CHECK(chunkstore_write(&cs2, chunk_of(0), 0, want, 20000, 4, 0) == 0, "write 2a");
    CHECK(chunkstore_write(&cs2, chunk_of(0), 20000, want + 20000, 20000, 5, 0) == 0, "2b");
    struct chunkstore_entry a, b;
    CHECK(chunkstore_next(&CS, NULL, &a) == 0 && chunkstore_next(&cs2, NULL, &b) == 0, "next");
    CHECK(a.digest == b.digest, "digests differ: %08x %08x", a.digest, b.digest);
    CHECK(chunkstore_write(&cs2, chunk_of(0), 0, want, 1, 6, 0) == 0, "same bytes, v6");
    CHECK(chunkstore_next(&cs2, NULL, &b) == 0 && a.digest != b.digest, "version not in digest");
    want[100] ^= 1;
    CHECK(chunkstore_put(&cs2, chunk_of(0), want, 40000, 5, 0) == -ESTALE, "put below");
    CHECK(chunkstore_put(&cs2, chunk_of(0), want, 40000, 6, 0) == 0, "put");
    CHECK(chunkstore_write(&CS, chunk_of(0), 0, want, 1, 6, 0) == 0, "write v6");
    CHECK(chunkstore_next(&CS, NULL, &a) == 0 && chunkstore_next(&cs2, NULL, &b) == 0, "next");
    CHECK(a.digest != b.digest, "data not in digest");
    simdisk_free(&d2);
    return 0;
}

/* Format over a store keeps nothing of it, even with the same format id
 * asked for (the id is changed so old headers cannot check out). */
static int t_reformat_forgets(void)
{
    TRY(test_setup(8));
    TRY(test_write(0, 0, 5000, 1, 1, 0));
    CHECK(chunkstore_format(&D.dev, 7, TEST_FORMAT_ID) == 0, "reformat");
    TRY(test_reopen());
    CHECK(CS.format_id != TEST_FORMAT_ID, "the format id was reused");
    CHECK(chunkstore_info(&CS, chunk_of(0), NULL, NULL, NULL) == -ENOENT, "old chunk survived");
    struct chunkstore_stats st;
    chunkstore_stats(&CS, &st);
    CHECK(st.open_headers == 0, "old headers check out: %u", st.open_headers);
    return 0;
}

/* Work memory for real regions: a 200 MiB region, and the "chunks" region of
 * the standard table on the 256 MiB disk tools/cluster gives each node. */
static int t_work_size_for_real_regions(void)
{
    uint32_t n = chunkstore_slots_for(200ull << 11);
    size_t w = chunkstore_work_size(n);
    CHECK(n == 3175, "200 MiB: %u slots", n);
    CHECK(w == 433840, "200 MiB: %zu bytes of work memory", w);
    struct disklabel l;
    CHECK(disklabel_default(256ull << 11, &l) == 0, "label");
    uint64_t sectors = 0;
    for (uint32_t i = 0; i < l.n; i++)
        if (strcmp(l.r[i].name, "chunks") == 0)
            sectors = l.r[i].sectors;
    n = chunkstore_slots_for(sectors);
    /* 205 MiB: the sched region (2 MiB) comes after it */
    CHECK(n == 3254 && chunkstore_work_size(n) <= TEST_WORK, "chunks region of 256 MiB: %u", n);
    CHECK(chunkstore_slots_for(UINT64_MAX) == CHUNKSTORE_MAX_SLOTS, "huge region");
    CHECK(chunkstore_slots_for(0) == 0 && chunkstore_slots_for(region_sectors(2)) == 2, "tiny");
    /* the geometry format picks is the largest that fits */
    for (uint64_t s = region_sectors(2) - 3; s < region_sectors(2) + 300; s++) {
        uint32_t k = chunkstore_slots_for(s);
        CHECK(k == 0 ? s < region_sectors(2) : region_sectors(k) <= s && region_sectors(k + 1) > s,
              "%llu sectors: %u slots", (unsigned long long)s, k);
    }
    return 0;
}

/* A 200 MiB region with 3000 chunks: open reads the superblocks, the header
 * table in 64 KiB reads, and one chunk, nothing else. */
static int t_open_many_chunks_reads_only_the_table(void)
{
    const uint32_t ns = 3175;
    TRY(test_setup(ns));
    for (uint32_t i = 0; i < 3000; i++) {
        fill_bytes(want, 100, i);
        CHECK(chunkstore_write(&CS, (struct chunk_id){i * 7919u % 3001, i % 5}, 0, want, 100, 1,
                               0) == 0,
              "write %u", i);
    }
    uint64_t r0 = D.reads;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    TRY(test_reopen());
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    struct chunkstore_stats st;
    chunkstore_stats(&CS, &st);
    uint64_t table_reads = (ns + 127) / 128;
    CHECK(D.reads - r0 == 1 + table_reads + 1, "open made %llu reads, want %llu",
          (unsigned long long)(D.reads - r0), (unsigned long long)(table_reads + 2));
    CHECK(st.sectors_read == 2 + ns + 8, "open read %llu sectors",
          (unsigned long long)st.sectors_read);
    CHECK(st.used == 3000 && st.open_headers == 3000, "used %u", st.used);
    CHECK(ms < 2000, "open took %.1f ms", ms);
    printf("    open of %u slots, 3000 chunks: %.1f ms (sanitizers on), %llu reads\n", ns, ms,
           (unsigned long long)(D.reads - r0));
    for (uint32_t i = 0; i < 3000; i += 97) {
        fill_bytes(want, 100, i);
        CHECK(chunkstore_read(&CS, (struct chunk_id){i * 7919u % 3001, i % 5}, 0, 100, buf) == 0 &&
                  memcmp(buf, want, 100) == 0,
              "chunk %u", i);
    }
    simdisk_free(&D);
    return 0;
}

const struct table_test basic_tests[] = {
    {"format_open_round_trip", t_format_open_round_trip},
    {"io_per_call", t_io_per_call},
    {"partial_writes_odd_offsets", t_partial_writes_odd_offsets},
    {"read_past_length_zeros", t_read_past_length_zeros},
    {"truncate_down_then_up_zeros", t_truncate_down_then_up_zeros},
    {"version_and_token_refusals", t_version_and_token_refusals},
    {"fence_missing_chunk_holds_token", t_fence_missing_chunk_holds_token},
    {"enospc_nothing_lost", t_enospc_nothing_lost},
    {"remove_frees_the_slot", t_remove_frees_the_slot},
    {"iterate_in_id_order", t_iterate_in_id_order},
    {"digest_same_on_every_replica", t_digest_same_on_every_replica},
    {"reformat_forgets", t_reformat_forgets},
    {"work_size_for_real_regions", t_work_size_for_real_regions},
    {"open_many_chunks_reads_only_the_table", t_open_many_chunks_reads_only_the_table},
    {NULL, NULL},
};
