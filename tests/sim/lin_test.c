/* tests/sim/lin_test.c: the linearizability checker, tested on histories whose
 * answer is known, including classic non-linearizable ones, and on random
 * histories produced by a real (atomic) register, which must always pass.
 * Prints `PASS lin_name` / `FAIL lin_name` and `N passed, M failed`. */
#include "tests/sim/lin.h"

#include <stdio.h>
#include <string.h>

#define P(c, k, v, a, b)                                                                           \
    {                                                                                              \
        c, LIN_PUT, k, v, a, b, false                                                              \
    }
#define G(c, k, v, a, b)                                                                           \
    {                                                                                              \
        c, LIN_GET, k, v, a, b, false                                                              \
    }
#define INF LIN_INF

struct lcase {
    const char *name;
    bool linearizable;
    int n;
    struct lin_op ops[8];
};

static const struct lcase cases[] = {
    {"lin_empty", true, 0, {{0}}},
    {"lin_sequential", true, 2, {P(0, 0, 1, 1, 2), G(1, 0, 1, 3, 4)}},
    {"lin_initial_zero", true, 1, {G(0, 0, 0, 1, 2)}},
    {"lin_stale_read", false, 2, {P(0, 0, 1, 1, 2), G(1, 0, 0, 3, 4)}},
    {"lin_read_from_future", false, 2, {G(1, 0, 1, 1, 2), P(0, 0, 1, 3, 4)}},
    {"lin_concurrent_read_old", true, 2, {P(0, 0, 1, 1, 4), G(1, 0, 0, 2, 3)}},
    {"lin_concurrent_read_new", true, 2, {P(0, 0, 1, 1, 4), G(1, 0, 1, 2, 3)}},
    {"lin_overwritten", false, 3, {P(0, 0, 1, 1, 2), P(0, 0, 2, 3, 4), G(1, 0, 1, 5, 6)}},
    /* two reads see the writes in opposite orders: a new-old inversion */
    {"lin_new_old_inversion",
     false,
     4,
     {P(0, 0, 1, 1, 2), P(1, 0, 2, 3, 10), G(2, 0, 2, 4, 5), G(3, 0, 1, 6, 7)}},
    {"lin_concurrent_writes_any_order",
     true,
     4,
     {P(0, 0, 1, 1, 10), P(1, 0, 2, 2, 11), G(2, 0, 2, 12, 13), G(3, 0, 2, 14, 15)}},
    {"lin_flip_flop",
     false,
     5,
     {P(0, 0, 1, 1, 10), P(1, 0, 2, 2, 11), G(2, 0, 1, 12, 13), G(3, 0, 2, 14, 15),
      G(2, 0, 1, 16, 17)}},
    {"lin_open_put_later_seen", true, 2, {P(0, 0, 7, 1, INF), G(1, 0, 7, 5, 6)}},
    {"lin_open_put_never_seen", true, 2, {P(0, 0, 7, 1, INF), G(1, 0, 0, 5, 6)}},
    {"lin_open_put_seen_before_call", false, 2, {G(1, 0, 7, 1, 2), P(0, 0, 7, 3, INF)}},
    {"lin_open_put_seen_then_unseen",
     false,
     3,
     {P(0, 0, 7, 1, INF), G(1, 0, 7, 5, 6), G(1, 0, 0, 7, 8)}},
    {"lin_keys_independent",
     true,
     4,
     {P(0, 0, 1, 1, 2), P(0, 1, 2, 3, 4), G(1, 1, 2, 5, 6), G(1, 0, 1, 7, 8)}},
    {"lin_keys_not_mixed", false, 2, {P(0, 1, 5, 1, 2), G(1, 0, 5, 3, 4)}},
    {"lin_failed_op_ignored", true, 2, {{0, LIN_PUT, 0, 9, 1, 2, true}, G(1, 0, 0, 3, 4)}},
};

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A register that really is atomic: each op takes effect at one instant
 * inside its [call, ret] interval, so the history must be linearizable. */
static bool random_atomic(int n_ops, bool corrupt)
{
    static struct lin_op ops[400];
    int64_t val[3] = {0};
    uint64_t t = 1;
    for (int i = 0; i < n_ops; i++) {
        struct lin_op *o = &ops[i];
        o->client = i % 4;
        o->key = (int)(next() % 3);
        o->kind = next() % 2 ? LIN_PUT : LIN_GET;
        o->call = t;
        t += 2;
        o->failed = false;
        if (o->kind == LIN_PUT) {
            o->value = i + 1;
            val[o->key] = o->value;
        } else {
            o->value = val[o->key];
        }
        o->ret = t + 2 * (next() % 6); /* overlap with later calls */
        t += 2;
        if (o->kind == LIN_PUT && next() % 10 == 0)
            o->ret = LIN_INF;
    }
    if (corrupt) { /* a read returns a value written strictly after it returned */
        for (int i = 0; i < n_ops; i++)
            if (ops[i].kind == LIN_GET && ops[i].ret != LIN_INF)
                for (int j = i + 1; j < n_ops; j++)
                    if (ops[j].kind == LIN_PUT && ops[j].key == ops[i].key &&
                        ops[j].call > ops[i].ret) {
                        ops[i].value = ops[j].value;
                        goto done;
                    }
        return false;
    }
done:;
    struct lin_history h = {ops, n_ops, n_ops};
    return lin_check(&h, NULL);
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct lcase *c = &cases[i];
        if (!strstr(c->name, filter))
            continue;
        struct lin_history h = {(struct lin_op *)c->ops, c->n, c->n};
        int bad = -1;
        bool got = lin_check(&h, &bad);
        if (got == c->linearizable) {
            printf("PASS %s\n", c->name);
            passed++;
        } else {
            printf("FAIL %s: expected %s\n", c->name,
                   c->linearizable ? "linearizable" : "violation");
            failed++;
        }
    }
    if (strstr("lin_random_atomic_histories", filter)) {
        int bad = 0;
        for (int k = 0; k < 300; k++)
            bad += !random_atomic(20 + k % 200, false);
        printf("%s lin_random_atomic_histories%s\n", bad ? "FAIL" : "PASS",
               bad ? " (rejected)" : "");
        bad ? failed++ : passed++;
    }
    if (strstr("lin_random_corrupted_histories", filter)) {
        int bad = 0;
        for (int k = 0; k < 300; k++)
            bad += random_atomic(20 + k % 200, true);
        printf("%s lin_random_corrupted_histories%s\n", bad ? "FAIL" : "PASS",
               bad ? " (accepted a corrupted history)" : "");
        bad ? failed++ : passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
