/* tests/chunkstore/test_crash.c: crash the chunk store at every device
 * write and flush, let the simulated disk keep any subset of the unflushed
 * writes (whole, torn, garbled), reopen, and compare with the model:
 *
 *   - every call that returned 0 is there;
 *   - every chunk is its last acknowledged state, or, for the chunk of the
 *     call in flight, the state that call would have made; never a mix,
 *     never garbage, never an older version;
 *   - no chunk the model does not have.
 *
 * Then the recovered store works on and is reopened again. A failure prints
 * what replays it: the script's crash event, model and disk seed, or the
 * random test's seed (CHUNKSTORE_SEED=N). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/errno.h"
#include "tests/chunkstore/harness.h"

#define NCH 6 /* chunk ids the workloads use */

struct world {
    struct mchunk c[NCH]; /* acknowledged state */
    int pend;             /* the chunk of the call in flight, -1: none */
    struct mchunk next;   /* its state had that call finished */
    uint32_t nslots;
    char ctx[200]; /* how to replay, for messages */
};

static struct world W, saved;

static uint32_t live_count(void)
{
    uint32_t n = 0;
    for (int i = 0; i < NCH; i++)
        n += W.c[i].exists;
    return n;
}

/* One call on the store and the model. 0, -EIO (the disk died: the call is
 * left in flight), or 1 when they disagree. */
static int step(const struct op *op)
{
    W.next = W.c[op->chunk];
    bool room = W.c[op->chunk].exists || live_count() < W.nslots - 1;
    int want = model_apply(&W.next, op, room);
    W.pend = (int)op->chunk;
    int rv = store_apply(&test_cs, op);
    if (rv == -EIO)
        return -EIO;
    W.pend = -1;
    CHECK(rv == want, "%s: %s chunk %u off %u len %u v%llu t%llu: %d, want %d", W.ctx,
          op_name(op->kind), op->chunk, op->off, op->len, (unsigned long long)op->version,
          (unsigned long long)op->token, rv, want);
    if (rv == 0)
        W.c[op->chunk] = W.next;
    return 0;
}

/* The open store against the world; the world then becomes what was found. */
static int verify(void)
{
    char why[256] = "", why2[256] = "";
    for (uint32_t n = 0; n < NCH; n++) {
        int rv = chunk_matches(&test_cs, n, &W.c[n], why, sizeof why);
        if (rv == 1)
            continue;
        if (rv == 0 && (int)n == W.pend) {
            rv = chunk_matches(&test_cs, n, &W.next, why2, sizeof why2);
            if (rv == 1) {
                W.c[n] = W.next;
                continue;
            }
        }
        CHECK(0, "%s: chunk %u is neither acknowledged nor in flight: %s%s%s (%d)", W.ctx, n, why,
              W.pend == (int)n ? "; in flight: " : "", W.pend == (int)n ? why2 : "", rv);
    }
    uint32_t listed = 0;
    struct chunkstore_entry e;
    for (const struct chunk_id *after = NULL; chunkstore_next(&test_cs, after, &e) == 0;
         after = &e.id)
        listed++;
    CHECK(listed == live_count(), "%s: %u chunks listed, the model has %u", W.ctx, listed,
          live_count());
    W.pend = -1;
    return 0;
}

/* Power comes back: reopen (sometimes crashing again inside open, which may
 * write repairs), then verify. */
static int recover(struct simdisk *d, uint64_t seed, int model)
{
    simdisk_reboot(d, seed, model);
    uint64_t rng = seed ^ 0xabcdef;
    if (sim_rand(&rng) % 4 == 0) {
        d->crash_at = (int64_t)(d->events + sim_rand(&rng) % 3);
        int rv = chunkstore_open(&test_cs, &d->dev, test_work, TEST_WORK);
        CHECK(rv == 0 || rv == -EIO, "%s: open with a crash: %d %s", W.ctx, rv, test_cs.error_msg);
        simdisk_reboot(d, seed + 1, SIM_CRASH_RANDOM);
    }
    int rv = chunkstore_open(&test_cs, &d->dev, test_work, TEST_WORK);
    CHECK(rv == 0, "%s: open after the crash: %d %s", W.ctx, rv, test_cs.error_msg);
    return verify();
}

/* ---- the script ----------------------------------------------------------------- */

/* Chunks 0 (A), 1 (B), 2 (C) in a store of 6 slots, so slots holding stale
 * copies are reused within a few calls. */
static const struct op script[] = {
    {OP_WRITE, 0, 0, CHUNK_SIZE, 1, 1, 1}, /* A whole */
    {OP_WRITE, 1, 5000, 9000, 1, 1, 2},    /* B with a gap, across blocks */
    {OP_WRITE, 0, 4095, 2, 2, 1, 3},       /* A: two bytes across blocks 0-1 */
    {OP_TRUNC, 1, 0, 7000, 2, 1, 0},       /* B cut inside block 1 */
    {OP_FENCE, 0, 0, 0, 0, 5, 0},          /* A fenced */
    {OP_WRITE, 0, 60000, 5536, 3, 5, 4},   /* A's end */
    {OP_PUT, 2, 0, 12345, 7, 2, 5},        /* C whole, at version 7 */
    {OP_TRUNC, 1, 0, 30000, 3, 1, 0},      /* B grows: zeros */
    {OP_REMOVE, 0, 0, 0, 0, 0, 0},         /* A goes, stale copies too */
    {OP_WRITE, 0, 100, 50, 1, 0, 6},       /* A again, token forgotten */
    {OP_WRITE, 2, 12345, 100, 8, 2, 7},    /* C extended at its length */
    {OP_FENCE, 1, 0, 0, 0, 3, 0},
    {OP_REMOVE, 2, 0, 0, 0, 0, 0},
    {OP_PUT, 1, 0, CHUNK_SIZE, 9, 3, 8}, /* B replaced whole */
    {OP_WRITE, 0, 0, 0, 2, 0, 0},        /* A: a new version, no bytes */
    {OP_FENCE, 2, 0, 0, 0, 4, 0},        /* C missing: fenced into being */
    {OP_WRITE, 2, 1, 1, 1, 4, 9},
    {OP_PUT, 1, 0, 3, 9, 3, 10},          /* B repaired at the same version */
    {OP_WRITE, 1, 4096, 8192, 10, 3, 11}, /* B: two whole blocks past its end */
};
#define NSCRIPT (sizeof script / sizeof script[0])

static void world_empty(uint32_t nslots)
{
    memset(&W, 0, sizeof W);
    W.pend = -1;
    W.nslots = nslots;
}

/* Runs the script until it ends (0) or the disk dies (-EIO). */
static int run_script(void)
{
    for (size_t i = 0; i < NSCRIPT; i++) {
        int rv = step(&script[i]);
        if (rv)
            return rv;
    }
    return 0;
}

/* After recovery: more work (each chunk rewritten, one removed, one
 * created), and a clean reopen agrees. */
static int phase2(void)
{
    for (uint32_t n = 0; n < 3; n++) {
        const struct mchunk *m = &W.c[n];
        struct op o = {OP_WRITE, n, 1000 * n, 3000, m->version + 1, m->token, 100 + n};
        if (!m->exists)
            o = (struct op){OP_PUT, n, 0, 2000, 1, 0, 200 + n};
        CHECK(step(&o) == 0, "%s, phase 2", W.ctx);
    }
    struct op rm = {OP_REMOVE, 1, 0, 0, 0, 0, 0};
    CHECK(step(&rm) == 0, "%s, phase 2 remove", W.ctx);
    struct op add = {OP_WRITE, 3, 70, 7000, 1, 0, 300};
    CHECK(step(&add) == 0, "%s, phase 2 add", W.ctx);
    int rv = chunkstore_open(&test_cs, &test_disk.dev, test_work, TEST_WORK);
    CHECK(rv == 0, "%s, phase 2 reopen: %d %s", W.ctx, rv, test_cs.error_msg);
    return verify();
}

/* Every crash point of the script; at each, every crash model: all writes
 * land, none, each subset whole (MASK), and random subsets torn, reordered
 * and garbled. */
static int t_crash_at_every_write(void)
{
    const uint32_t ns = 6;
    int random_variants = test_soak ? 64 : 10;
    TRY(test_setup(ns));
    struct simdisk base;
    simdisk_clone(&base, &test_disk);
    /* dry run: the events the script makes */
    world_empty(ns);
    snprintf(W.ctx, sizeof W.ctx, "dry run");
    uint64_t ev0 = test_disk.events;
    TRY(run_script());
    int64_t events = (int64_t)(test_disk.events - ev0);
    uint64_t recoveries = 0;
    for (int64_t k = 0; k <= events; k++) {
        struct simdisk d;
        simdisk_clone(&d, &base);
        world_empty(ns);
        snprintf(W.ctx, sizeof W.ctx, "crash at event %lld", (long long)k);
        CHECK(chunkstore_open(&test_cs, &d.dev, test_work, TEST_WORK) == 0, "open");
        d.crash_at = (int64_t)d.events + k;
        int rv = run_script();
        CHECK(rv == 0 || rv == -EIO, "%s: %d", W.ctx, rv);
        saved = W;
        uint32_t masks = d.npend >= 6 ? 64 : 1u << d.npend;
        uint32_t nvar = 2 + masks + (uint32_t)random_variants;
        for (uint32_t v = 0; v < nvar; v++) {
            int model;
            uint64_t dseed;
            if (v < 2) {
                model = v == 0 ? SIM_CRASH_KEEP : SIM_CRASH_DROP;
                dseed = (uint64_t)k * 7 + v;
            } else if (v < 2 + masks) {
                model = SIM_CRASH_MASK;
                dseed = v - 2;
            } else {
                model = SIM_CRASH_RANDOM;
                dseed = (uint64_t)k * 1000003u + v;
            }
            struct simdisk e;
            simdisk_clone(&e, &d);
            W = saved;
            snprintf(W.ctx, sizeof W.ctx, "crash at event %lld of %lld, model %d, disk seed %llu",
                     (long long)k, (long long)events, model, (unsigned long long)dseed);
            int bad = recover(&e, dseed, model);
            if (!bad) {
                simdisk_free(&test_disk);
                test_disk = e; /* phase2 reopens test_disk */
                test_disk.dev.ctx = &test_disk;
                int rv2 = chunkstore_open(&test_cs, &test_disk.dev, test_work, TEST_WORK);
                bad = rv2 != 0 || phase2();
                if (rv2)
                    snprintf(test_why, sizeof test_why, "%s: reopen %d", W.ctx, rv2);
                memset(&e, 0, sizeof e);
            }
            simdisk_free(&e);
            recoveries++;
            if (bad) {
                simdisk_free(&d);
                simdisk_free(&base);
                return 1;
            }
        }
        simdisk_free(&d);
    }
    simdisk_free(&base);
    printf("    %lld crash points, %llu recoveries\n", (long long)events + 1,
           (unsigned long long)recoveries);
    return 0;
}

/* ---- seeded random operations ------------------------------------------------------ */

static uint32_t pick_len(uint64_t *rng, uint32_t off)
{
    uint32_t room = CHUNK_SIZE - off, k = (uint32_t)(sim_rand(rng) % 10), len;
    if (k < 4)
        len = 1 + (uint32_t)(sim_rand(rng) % 300);
    else if (k < 8)
        len = 1 + (uint32_t)(sim_rand(rng) % 20000);
    else if (k < 9)
        len = CHUNK_BLOCK * (1 + (uint32_t)(sim_rand(rng) % 4));
    else
        len = room;
    return len > room ? room : len;
}

/* Mostly the next version; sometimes the stored one (refused by write and
 * truncate, a repair for put) or an older one. */
static uint64_t pick_version(uint64_t *rng, uint64_t v)
{
    uint32_t r = (uint32_t)(sim_rand(rng) % 100);
    if (r < 85)
        return v + 1 + sim_rand(rng) % 2;
    if (r < 95 || v == 0)
        return v;
    return v - 1;
}

static uint64_t pick_token(uint64_t *rng, uint64_t t)
{
    uint32_t r = (uint32_t)(sim_rand(rng) % 100);
    if (r < 85)
        return t;
    if (r < 93 || t == 0)
        return t + 1 + sim_rand(rng) % 3;
    return t - 1;
}

static struct op gen_op(uint64_t *rng, uint64_t *seq)
{
    struct op o = {0};
    o.chunk = (uint32_t)(sim_rand(rng) % NCH);
    const struct mchunk *m = &W.c[o.chunk];
    uint64_t v = m->exists ? m->version : 0, t = m->exists ? m->token : 0;
    uint32_t r = (uint32_t)(sim_rand(rng) % 100);
    o.seed = ++*seq;
    if (r < 45) {
        o.kind = OP_WRITE;
        uint32_t k = (uint32_t)(sim_rand(rng) % 4);
        o.off = k == 0 ? 0 : k == 1 ? m->length : (uint32_t)(sim_rand(rng) % CHUNK_SIZE);
        if (o.off >= CHUNK_SIZE)
            o.off = 0;
        o.len = sim_rand(rng) % 20 == 0 ? 0 : pick_len(rng, o.off);
        o.version = pick_version(rng, v);
        o.token = pick_token(rng, t);
    } else if (r < 60) {
        o.kind = OP_PUT;
        o.len = sim_rand(rng) % 8 == 0 ? 0 : pick_len(rng, 0);
        o.version = pick_version(rng, v);
        o.token = pick_token(rng, t);
    } else if (r < 72) {
        o.kind = OP_TRUNC;
        o.len = (uint32_t)(sim_rand(rng) % (CHUNK_SIZE + 1));
        o.version = pick_version(rng, v);
        o.token = pick_token(rng, t);
    } else if (r < 84) {
        o.kind = OP_FENCE;
        uint32_t k = (uint32_t)(sim_rand(rng) % 10);
        o.token = k < 6 ? t + 1 + sim_rand(rng) % 5 : k < 8 || t == 0 ? t : t - 1;
    } else {
        o.kind = OP_REMOVE;
    }
    return o;
}

/* A read of a random range against the model. */
static int check_read(uint64_t *rng)
{
    static uint8_t b[CHUNK_SIZE];
    uint32_t n = (uint32_t)(sim_rand(rng) % NCH);
    uint32_t off = (uint32_t)(sim_rand(rng) % CHUNK_SIZE);
    uint32_t len = (uint32_t)(sim_rand(rng) % (CHUNK_SIZE - off + 1));
    int rv = chunkstore_read(&test_cs, chunk_of(n), off, len, b);
    if (rv == -EIO)
        return -EIO;
    CHECK(rv == (W.c[n].exists ? 0 : -ENOENT), "%s: read chunk %u: %d", W.ctx, n, rv);
    CHECK(memcmp(b, W.c[n].data + off, len) == 0 || !W.c[n].exists,
          "%s: read chunk %u %u+%u differs", W.ctx, n, off, len);
    return 0;
}

static int random_run(uint64_t seed, int rounds)
{
    const uint32_t ns = 5; /* 6 chunk ids, room for 4: -ENOSPC happens */
    uint64_t rng = seed, seq = 0;
    TRY(test_setup(ns));
    world_empty(ns);
    uint64_t crashes = 0, calls = 0;
    for (int round = 0; round < rounds; round++) {
        int nops = 1 + (int)(sim_rand(&rng) % 25);
        bool crash = sim_rand(&rng) % 4 != 0;
        if (crash)
            test_disk.crash_at =
                (int64_t)(test_disk.events + sim_rand(&rng) % (3 * (uint64_t)nops));
        snprintf(W.ctx, sizeof W.ctx, "seed %llu (CHUNKSTORE_SEED=%llu) round %d",
                 (unsigned long long)seed, (unsigned long long)seed, round);
        int rv = 0;
        for (int i = 0; i < nops && rv == 0; i++) {
            if (sim_rand(&rng) % 5 == 0) {
                rv = check_read(&rng);
            } else {
                struct op o = gen_op(&rng, &seq);
                rv = step(&o);
                calls++;
            }
        }
        if (rv != 0 && rv != -EIO)
            return 1;
        if (crash) {
            uint32_t k = (uint32_t)(sim_rand(&rng) % 8);
            int model = k == 0   ? SIM_CRASH_KEEP
                        : k == 1 ? SIM_CRASH_DROP
                        : k == 2 ? SIM_CRASH_MASK
                                 : SIM_CRASH_RANDOM;
            uint64_t dseed = sim_rand(&rng);
            snprintf(W.ctx, sizeof W.ctx, "seed %llu (CHUNKSTORE_SEED=%llu) round %d, model %d",
                     (unsigned long long)seed, (unsigned long long)seed, round, model);
            TRY(recover(&test_disk, dseed, model));
            crashes++;
        } else if (sim_rand(&rng) % 4 == 0) {
            int orv = chunkstore_open(&test_cs, &test_disk.dev, test_work, TEST_WORK);
            CHECK(orv == 0, "%s: clean reopen: %d %s", W.ctx, orv, test_cs.error_msg);
            TRY(verify());
        }
    }
    (void)crashes;
    (void)calls;
    return 0;
}

static int t_random_ops_model(void)
{
    uint64_t seed = test_seed(test_soak ? (uint64_t)time(NULL) : 20240601);
    int runs = getenv("CHUNKSTORE_SEED") ? 1 : test_soak ? 200 : 8;
    printf("    random_ops_model: seed %llu (%d runs; CHUNKSTORE_SEED=N replays one)\n",
           (unsigned long long)seed, runs);
    for (int r = 0; r < runs; r++)
        TRY(random_run(seed + (uint64_t)r, test_soak ? 800 : 300));
    return 0;
}

const struct table_test crash_tests[] = {
    {"crash_at_every_write", t_crash_at_every_write},
    {"random_ops_model_with_crashes", t_random_ops_model},
    {NULL, NULL},
};
