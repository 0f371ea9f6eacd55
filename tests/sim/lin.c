/* tests/sim/lin.c: the simulator's histories checked by the project's one
 * linearizability checker, tests/lincheck/search.c (see lin.h). The
 * simulator records puts and gets of integer values on integer keys; this
 * file turns each key's operations into the checker's (struct lc_op, values
 * as dense ids) and runs its search on them, key by key. */
#include "tests/sim/lin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lincheck/lincheck.h"

/* The simulator's histories are small (a few thousand operations); a key
 * that needs more than this is reported, never waved through. */
#define STEP_BUDGET (200ULL * 1000 * 1000)
#define MEMO_BUDGET ((size_t)1 << 30)

int lin_add(struct lin_history *h, struct lin_op op)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 256;
        h->ops = realloc(h->ops, (size_t)h->cap * sizeof *h->ops);
        if (!h->ops)
            abort();
    }
    h->ops[h->n] = op;
    return h->n++;
}

void lin_free(struct lin_history *h)
{
    free(h->ops);
    h->ops = NULL;
    h->n = h->cap = 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The id of value v among the sorted distinct values vals[0..n): 1-based,
 * as the checker's ids are (0 is "absent", which a key here never is). */
static uint32_t value_id(const int64_t *vals, int n, int64_t v)
{
    const int64_t *p = bsearch(&v, vals, (size_t)n, sizeof *vals, cmp_i64);
    return (uint32_t)(p - vals) + 1;
}

/* Check the operations of one key (indices idx[0..n) into h). */
static enum lc_verdict check_key(const struct lin_history *h, const int *idx, int n)
{
    /* Every value of the key, and 0 (its value before any put). */
    int64_t *vals = malloc(((size_t)n + 1) * sizeof *vals);
    struct lc_op *ops = calloc((size_t)n + 1, sizeof *ops);
    if (!vals || !ops)
        abort();
    int nv = 0;
    vals[nv++] = 0;
    for (int i = 0; i < n; i++)
        vals[nv++] = h->ops[idx[i]].value;
    qsort(vals, (size_t)nv, sizeof *vals, cmp_i64);
    int distinct = 0;
    for (int i = 0; i < nv; i++)
        if (distinct == 0 || vals[i] != vals[distinct - 1])
            vals[distinct++] = vals[i];

    int m = 0;
    for (int i = 0; i < n; i++) {
        const struct lin_op *o = &h->ops[idx[i]];
        bool open = o->ret == LIN_INF;
        if (o->kind == LIN_GET && open)
            continue; /* a read nobody saw the answer of constrains nothing */
        ops[m++] = (struct lc_op){
            .kind = o->kind == LIN_PUT ? LC_PUT : LC_GET,
            .res = open                 ? LC_UNKNOWN
                   : o->kind == LIN_PUT ? LC_OK
                                        : LC_VALUE,
            .val = value_id(vals, distinct, o->value),
            .call = o->call,
            .ret = open ? LC_INF : o->ret,
        };
    }
    /* Every key starts out holding 0; versions are not recorded. */
    struct lc_state init = {.val = value_id(vals, distinct, 0), .ver = 1};
    struct lc_limits lim = {.max_steps = STEP_BUDGET, .max_bytes = MEMO_BUDGET};
    enum lc_verdict v = lc_check_key(ops, m, init, &lim, NULL);
    free(vals);
    free(ops);
    return v;
}

bool lin_check(const struct lin_history *h, int *bad_key)
{
    int *idx = malloc(((size_t)h->n + 1) * sizeof *idx);
    bool *done = calloc((size_t)h->n + 1, sizeof *done);
    if (!idx || !done)
        abort();
    bool ok = true;
    for (int i = 0; i < h->n && ok; i++) {
        if (done[i])
            continue;
        int key = h->ops[i].key, n = 0;
        for (int j = i; j < h->n; j++) {
            if (h->ops[j].key != key)
                continue;
            done[j] = true;
            if (!h->ops[j].failed)
                idx[n++] = j;
        }
        enum lc_verdict v = check_key(h, idx, n);
        if (v != LC_LINEARIZABLE) {
            if (v == LC_BUDGET)
                fprintf(stderr, "lin: key %d: the search ran out of its budget\n", key);
            if (bad_key)
                *bad_key = key;
            ok = false;
        }
    }
    free(idx);
    free(done);
    return ok;
}
