/* tests/storage/test_crash.c: crash the machine at every write and flush of a
 * seeded workload, let the simulated disk keep any subset of the unflushed
 * writes (torn, reordered, garbled), reopen, and compare with a model:
 *
 *   - every record acknowledged by a commit is back, in order, unchanged;
 *   - beyond that, only a prefix of what was appended since (never garbage,
 *     never an older version of an index that a suffix truncation replaced);
 *   - hard state and snapshot are the committed value or the one in flight;
 *   - a truncation in flight is either done or not.
 *
 * Then the recovered store works on (a second crash phase, where remnants of
 * the cut tail must stay dead), and a clean reopen agrees. A failure prints the
 * workload seed, the crash event and the disk seed, which replay it exactly. */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "tests/storage/harness.h"

#define NL 2
#define MAXIDX 2048
#define MAXHS 64

struct mrec {
    uint32_t len;
    uint64_t seed;
};

struct mlog {
    uint64_t first, next;
    struct mrec rec[MAXIDX];
    uint32_t hs_len;
    uint8_t hs[MAXHS];
    bool snap;
    uint64_t snap_index, snap_seed;
    uint32_t snap_len;
};

struct model {
    struct mlog log[NL];
};

enum { OP_NONE, OP_TRUNC_SUFFIX, OP_TRUNC_PREFIX, OP_SNAPSHOT };

/* The state a crash leaves to check: committed C, current A (C plus appends and
 * hard state not yet committed) and the multi-step operation in flight. */
struct world {
    struct model c, a;
    int op;
    uint32_t op_log;
    uint64_t op_arg, op_seed;
    uint32_t op_len;
    uint64_t seq;  /* payload seeds */
    char ctx[160]; /* replay recipe for messages */
};

static struct world W;
static struct logstore LS;

static void model_empty(struct model *m)
{
    memset(m, 0, sizeof *m);
    for (int l = 0; l < NL; l++)
        m->log[l].first = m->log[l].next = 1;
}

static const struct logstore_format_opts *geometry(void)
{
    static struct logstore_format_opts o = {.format_id = 0x5eed, .max_batch = 8};
    o.log[0] = (struct logstore_log_geom){48, 8};
    o.log[1] = (struct logstore_log_geom){32, 8};
    return &o;
}

static size_t work_len(void)
{
    return logstore_work_min(8, NL); /* small: appends overflow into write-outs */
}

/* ---- workload ------------------------------------------------------------ */

/* One seeded operation on LS and the model; returns -EIO when the disk died. */
static int step(uint64_t *rng)
{
    static uint8_t buf[4096];
    uint32_t r = (uint32_t)(sim_rand(rng) % 100), log = (uint32_t)(sim_rand(rng) % NL);
    struct mlog *a = &W.a.log[log];
    int rv = 0;
    W.op = OP_NONE;
    if (r < 45) {
        uint32_t k = (uint32_t)(sim_rand(rng) % 10);
        uint32_t len = k < 6   ? 1 + (uint32_t)(sim_rand(rng) % 100)
                       : k < 9 ? 100 + (uint32_t)(sim_rand(rng) % 1100)
                               : 1200 + (uint32_t)(sim_rand(rng) % 2800);
        if (a->next >= MAXIDX)
            return 0;
        uint64_t seed = ++W.seq, idx = 0;
        fill_payload(buf, len, seed);
        rv = logstore_append(&LS, log, buf, len, &idx);
        if (rv == 0) {
            if (idx != a->next)
                return -EPROTO;
            a->rec[a->next++] = (struct mrec){len, seed};
        }
        if (rv == -ENOSPC)
            rv = 0;
    } else if (r < 65) {
        rv = logstore_commit(&LS);
        if (rv == 0)
            W.c = W.a;
    } else if (r < 72) {
        uint32_t len = 1 + (uint32_t)(sim_rand(rng) % MAXHS);
        fill_payload(a->hs, len, ++W.seq);
        a->hs_len = len;
        rv = logstore_set_hardstate(&LS, log, a->hs, len);
    } else if (r < 80) {
        uint64_t f = a->first + sim_rand(rng) % (a->next - a->first + 1);
        if (f >= a->next)
            return 0;
        W.op = OP_TRUNC_SUFFIX;
        W.op_log = log;
        W.op_arg = f;
        rv = logstore_truncate_suffix(&LS, log, f);
        if (rv == 0 || rv == -ENOSPC) {
            W.c = W.a; /* its first commit happened */
            if (rv == 0) {
                a->next = f;
                W.c = W.a;
            }
            rv = 0;
        }
    } else if (r < 88) {
        uint64_t u = a->first + sim_rand(rng) % (a->next - a->first + 2);
        if (u <= a->first)
            return 0;
        W.op = OP_TRUNC_PREFIX;
        W.op_log = log;
        W.op_arg = u;
        rv = logstore_truncate_prefix(&LS, log, u);
        if (rv == 0) {
            a->first = u;
            if (a->next < u)
                a->next = u;
            W.c = W.a;
        }
    } else if (r < 94) {
        uint32_t len = (uint32_t)(sim_rand(rng) % 3000);
        uint64_t seed = ++W.seq;
        fill_payload(buf, len, seed);
        W.op = OP_SNAPSHOT;
        W.op_log = log;
        W.op_arg = a->next - 1;
        W.op_seed = seed;
        W.op_len = len;
        rv = logstore_write_snapshot(&LS, log, buf, len, a->next - 1);
        if (rv == 0) {
            a->snap = true;
            a->snap_index = a->next - 1;
            a->snap_seed = seed;
            a->snap_len = len;
            W.c.log[log].snap = true;
            W.c.log[log].snap_index = a->snap_index;
            W.c.log[log].snap_seed = seed;
            W.c.log[log].snap_len = len;
        }
    } else if (a->next > a->first) {
        uint64_t i = a->first + sim_rand(rng) % (a->next - a->first);
        static uint8_t want[4096];
        uint32_t len = 0;
        rv = logstore_read(&LS, log, i, buf, sizeof buf, &len);
        fill_payload(want, a->rec[i].len, a->rec[i].seed);
        if (rv == 0 && (len != a->rec[i].len || memcmp(buf, want, len) != 0))
            return -EPROTO;
    }
    if (rv == 0)
        W.op = OP_NONE;
    return rv;
}

/* Runs nops operations; stops at the first failure. Returns 0 when all ran,
 * -EIO when the disk died, anything else is a bug. */
static int run_ops(uint64_t *rng, int nops)
{
    for (int i = 0; i < nops; i++) {
        int rv = step(rng);
        if (rv)
            return rv;
    }
    return 0;
}

/* ---- verification -------------------------------------------------------- */

static int check_records(uint32_t log, const struct mlog *m, uint64_t first, uint64_t next)
{
    static uint8_t buf[4096], want[4096];
    for (uint64_t i = first; i < next; i++) {
        uint32_t len = 0;
        int rv = logstore_read(&LS, log, i, buf, sizeof buf, &len);
        CHECK(rv == 0, "%s: log %u read %llu: %d", W.ctx, log, (unsigned long long)i, rv);
        fill_payload(want, m->rec[i].len, m->rec[i].seed);
        CHECK(len == m->rec[i].len && memcmp(buf, want, len) == 0,
              "%s: log %u record %llu is not what was appended (len %u want %u)", W.ctx, log,
              (unsigned long long)i, len, m->rec[i].len);
    }
    return 0;
}

/* Compares the open store with the model; on success the model becomes what
 * was recovered (committed = current). */
static int verify(void)
{
    struct model got = W.a;
    for (uint32_t l = 0; l < NL; l++) {
        const struct mlog *c = &W.c.log[l], *a = &W.a.log[l];
        uint64_t first = logstore_first(&LS, l), next = logstore_last(&LS, l) + 1;
        bool ok = false;
        /* committed plus a prefix of what was appended since */
        if (first == c->first && next >= c->next && next <= a->next)
            ok = true;
        if (W.op == OP_TRUNC_SUFFIX && W.op_log == l && first == c->first && next == W.op_arg)
            ok = true;
        if (W.op == OP_TRUNC_PREFIX && W.op_log == l && first == W.op_arg &&
            next == (a->next > W.op_arg ? a->next : W.op_arg))
            ok = true;
        CHECK(ok, "%s: log %u recovered [%llu,%llu) but committed [%llu,%llu), appended to %llu%s",
              W.ctx, l, (unsigned long long)first, (unsigned long long)next,
              (unsigned long long)c->first, (unsigned long long)c->next,
              (unsigned long long)a->next, W.op ? " (truncation in flight)" : "");
        TRY(check_records(l, a, first, next));
        got.log[l].first = first;
        got.log[l].next = next;

        uint8_t hs[LOGSTORE_HARDSTATE_MAX];
        uint32_t hl = 0;
        CHECK(logstore_get_hardstate(&LS, l, hs, sizeof hs, &hl) == 0, "get hs");
        bool is_c = hl == c->hs_len && memcmp(hs, c->hs, hl) == 0;
        bool is_a = hl == a->hs_len && memcmp(hs, a->hs, hl) == 0;
        CHECK(is_c || is_a, "%s: log %u hard state is neither committed nor pending (len %u)",
              W.ctx, l, hl);
        got.log[l].hs_len = hl;
        memcpy(got.log[l].hs, hs, hl);

        static uint8_t sb[4096], want[4096];
        uint32_t sl = 0;
        uint64_t si = 0;
        int rv = logstore_read_snapshot(&LS, l, sb, sizeof sb, &sl, &si);
        CHECK(rv == 0 || rv == -ENOENT, "%s: log %u snapshot: %d", W.ctx, l, rv);
        bool match = false;
        if (rv == -ENOENT) {
            match = !c->snap;
        } else {
            if (c->snap && sl == c->snap_len && si == c->snap_index) {
                fill_payload(want, sl, c->snap_seed);
                match = memcmp(sb, want, sl) == 0;
            }
            if (!match && W.op == OP_SNAPSHOT && W.op_log == l && sl == W.op_len &&
                si == W.op_arg) {
                fill_payload(want, sl, W.op_seed);
                match = memcmp(sb, want, sl) == 0;
                got.log[l].snap_seed = W.op_seed;
            } else {
                got.log[l].snap_seed = c->snap_seed;
            }
        }
        CHECK(match,
              "%s: log %u snapshot (%d, len %u, index %llu) is neither committed nor in "
              "flight",
              W.ctx, l, rv, sl, (unsigned long long)si);
        got.log[l].snap = rv == 0;
        got.log[l].snap_len = sl;
        got.log[l].snap_index = si;
    }
    W.a = W.c = got;
    W.op = OP_NONE;
    return 0;
}

/* Power back on a crashed disk: reopen (sometimes crashing again during the
 * recovery itself), then verify. */
static int recover(struct simdisk *d, uint64_t seed, int model)
{
    simdisk_reboot(d, seed, model);
    uint64_t rng = seed ^ 0xabcdef;
    if (sim_rand(&rng) % 4 == 0) {
        d->crash_at = (int64_t)(d->events + sim_rand(&rng) % (NL + 2));
        int rv = logstore_open(&LS, &d->dev, test_work, work_len());
        CHECK(rv == 0 || rv == -EIO, "%s: open with crash: %d %s", W.ctx, rv, LS.error_msg);
        simdisk_reboot(d, seed + 1, SIM_CRASH_RANDOM);
    }
    int rv = logstore_open(&LS, &d->dev, test_work, work_len());
    CHECK(rv == 0, "%s: open after crash: %d %s", W.ctx, rv, LS.error_msg);
    return verify();
}

/* One crash point: phase 1 (wseed) dies at event k; for each disk seed the
 * recovered store is verified, worked on with a second crash, verified again,
 * and reopened cleanly. */
static int crash_point(struct simdisk *base, const struct world *start, uint64_t wseed, int64_t k,
                       int nops, int variants)
{
    struct simdisk d;
    simdisk_clone(&d, base);
    W = *start;
    d.crash_at = (int64_t)d.events + k;
    int rv = logstore_open(&LS, &d.dev, test_work, work_len());
    if (rv == 0) {
        uint64_t rng = wseed;
        rv = run_ops(&rng, nops);
    }
    if (rv != 0 && rv != -EIO) {
        simdisk_free(&d);
        CHECK(0, "workload %llu crash %lld: op failed: %d", (unsigned long long)wseed, (long long)k,
              rv);
    }
    struct world crashed = W;
    for (int v = 0; v < variants; v++) {
        struct simdisk e;
        simdisk_clone(&e, &d);
        W = crashed;
        uint64_t dseed = wseed * 1000003u + (uint64_t)k * 101u + (uint64_t)v;
        int model = v == 0 ? SIM_CRASH_KEEP : v == 1 ? SIM_CRASH_DROP : SIM_CRASH_RANDOM;
        snprintf(W.ctx, sizeof W.ctx, "workload %llu crash at event %lld disk seed %llu model %d",
                 (unsigned long long)wseed, (long long)k, (unsigned long long)dseed, model);
        int bad = recover(&e, dseed, model);
        if (!bad) {
            /* phase 2: more work on the recovered store, another crash */
            uint64_t rng = dseed ^ 0x1234;
            e.crash_at = (int64_t)(e.events + sim_rand(&rng) % 60);
            rv = run_ops(&rng, 25);
            snprintf(W.ctx, sizeof W.ctx, "workload %llu crash %lld disk seed %llu, phase 2",
                     (unsigned long long)wseed, (long long)k, (unsigned long long)dseed);
            if (rv != 0 && rv != -EIO) {
                snprintf(test_why, sizeof test_why, "%s: op failed: %d", W.ctx, rv);
                bad = 1;
            }
            if (!bad)
                bad = recover(&e, dseed + 7, SIM_CRASH_RANDOM);
            if (!bad) {
                /* phase 3: a clean reopen sees the same */
                W.op = OP_NONE;
                bad = recover(&e, 0, SIM_CRASH_DROP);
            }
        }
        simdisk_free(&e);
        if (bad) {
            simdisk_free(&d);
            return 1;
        }
    }
    simdisk_free(&d);
    return 0;
}

/* Sweeps every crash point of nseeds workloads of nops operations. */
static int sweep(uint64_t seed0, int nseeds, int nops, int variants)
{
    for (uint64_t ws = seed0; ws < seed0 + (uint64_t)nseeds; ws++) {
        struct simdisk base;
        simdisk_init(&base, 512);
        CHECK(logstore_format(&base.dev, 1, NL, geometry()) == 0, "format");
        struct world start;
        memset(&start, 0, sizeof start);
        model_empty(&start.c);
        start.a = start.c;
        /* dry run: how many events does the workload make? */
        struct simdisk dry;
        simdisk_clone(&dry, &base);
        W = start;
        uint64_t ev0 = dry.events, rng = ws;
        int rv = logstore_open(&LS, &dry.dev, test_work, work_len());
        if (rv == 0)
            rv = run_ops(&rng, nops);
        int64_t events = (int64_t)(dry.events - ev0);
        simdisk_free(&dry);
        CHECK(rv == 0, "workload %llu fails without a crash: %d", (unsigned long long)ws, rv);
        for (int64_t k = 0; k <= events; k++) {
            if (crash_point(&base, &start, ws, k, nops, variants)) {
                simdisk_free(&base);
                return 1;
            }
        }
        simdisk_free(&base);
    }
    return 0;
}

/* SOAK_SEED=n starts the soak sweeps at another seed (to spread them out). */
static uint64_t soak_seed(uint64_t dflt)
{
    const char *s = getenv("SOAK_SEED");
    return s && *s ? strtoull(s, NULL, 10) : dflt;
}

static int t_crash_sweep(void)
{
    return test_soak ? sweep(soak_seed(1), 300, 60, 24) : sweep(1, 10, 40, 6);
}

static int t_crash_sweep_long(void)
{
    return test_soak ? sweep(soak_seed(1000), 40, 200, 10) : sweep(1000, 1, 120, 3);
}

const struct table_test crash_tests[] = {
    {"crash_sweep", t_crash_sweep},
    {"crash_sweep_long_workload", t_crash_sweep_long},
    {NULL, NULL},
};
