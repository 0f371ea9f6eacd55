/* tests/sim/lin.c: Wing-Gong / Lowe linearizability checking (see lin.h).
 *
 * For one key, the calls and returns form a time-ordered doubly linked list.
 * The search walks it: at a call, try to linearize that operation now (the
 * model accepts it and the resulting (set, state) was not already explored);
 * then lift its call and return out of the list and restart from the head. At
 * a return whose operation is not yet linearized, backtrack. Reaching the
 * return of an open operation means every completed operation is
 * linearized: open puts can always be placed after everything else. */
#include "tests/sim/lin.h"

#include <stdlib.h>
#include <string.h>

int lin_add(struct lin_history *h, struct lin_op op)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 256;
        h->ops = realloc(h->ops, (size_t)h->cap * sizeof *h->ops);
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

struct node {
    struct node *prev, *next, *match; /* match: call <-> return */
    int op;                           /* index into the per-key op array */
    bool is_call;
    uint64_t t;
};

struct cache_ent {
    uint64_t hash;
    int64_t state;
    uint64_t *bits;
};

struct cache {
    struct cache_ent *tab;
    size_t cap, n;
    int words;
};

static uint64_t hash_bits(const uint64_t *b, int words, int64_t state)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)state;
    for (int i = 0; i < words; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return h | 1;
}

static bool cache_seen(struct cache *c, const uint64_t *bits, int64_t state)
{
    uint64_t h = hash_bits(bits, c->words, state);
    size_t mask = c->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct cache_ent *e = &c->tab[i];
        if (!e->hash)
            break;
        if (e->hash == h && e->state == state && !memcmp(e->bits, bits, c->words * 8))
            return true;
    }
    if (2 * (c->n + 1) > c->cap) { /* grow */
        struct cache old = *c;
        c->cap *= 2;
        c->tab = calloc(c->cap, sizeof *c->tab);
        c->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.tab[i].hash) {
                size_t m = c->cap - 1, j;
                for (j = old.tab[i].hash & m; c->tab[j].hash; j = (j + 1) & m)
                    ;
                c->tab[j] = old.tab[i];
                c->n++;
            }
        free(old.tab);
        mask = c->cap - 1;
    }
    size_t i;
    for (i = h & mask; c->tab[i].hash; i = (i + 1) & mask)
        ;
    c->tab[i].hash = h;
    c->tab[i].state = state;
    c->tab[i].bits = malloc(c->words * 8);
    memcpy(c->tab[i].bits, bits, c->words * 8);
    c->n++;
    return false;
}

static int cmp_node(const void *a, const void *b)
{
    const struct node *x = *(const struct node *const *)a, *y = *(const struct node *const *)b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    /* open returns share LIN_INF and an instantaneous op has call == ret:
     * order by op, call before return, so the sort is total */
    if (x->op != y->op)
        return x->op - y->op;
    return y->is_call - x->is_call;
}

static void lift(struct node *call)
{
    call->prev->next = call->next;
    if (call->next)
        call->next->prev = call->prev;
    struct node *ret = call->match;
    ret->prev->next = ret->next;
    if (ret->next)
        ret->next->prev = ret->prev;
}

static void unlift(struct node *call)
{
    struct node *ret = call->match;
    ret->prev->next = ret;
    if (ret->next)
        ret->next->prev = ret;
    call->prev->next = call;
    if (call->next)
        call->next->prev = call;
}

static bool check_key(const struct lin_op *ops, int n)
{
    if (n == 0)
        return true;
    struct node *nodes = calloc((size_t)2 * n + 1, sizeof *nodes);
    struct node **order = malloc((size_t)2 * n * sizeof *order);
    for (int i = 0; i < n; i++) {
        struct node *c = &nodes[1 + 2 * i], *r = &nodes[2 + 2 * i];
        c->op = r->op = i;
        c->is_call = true;
        c->t = ops[i].call;
        r->t = ops[i].ret;
        c->match = r;
        r->match = c;
        order[2 * i] = c;
        order[2 * i + 1] = r;
    }
    qsort(order, (size_t)2 * n, sizeof *order, cmp_node);
    struct node *head = &nodes[0];
    struct node *p = head;
    for (int i = 0; i < 2 * n; i++) {
        p->next = order[i];
        order[i]->prev = p;
        p = order[i];
    }
    p->next = NULL;
    free(order);

    int words = (n + 63) / 64;
    uint64_t *bits = calloc((size_t)words, 8);
    struct cache c = {calloc(1024, sizeof(struct cache_ent)), 1024, 0, words};
    struct frame {
        struct node *call;
        int64_t state;
    } *stack = malloc((size_t)n * sizeof *stack);
    int depth = 0;
    int64_t state = 0;
    bool ok = false;
    struct node *e = head->next;
    while (1) {
        if (head->next == NULL) {
            ok = true;
            break;
        }
        if (!e)
            break; /* cannot happen: the list always ends with a return */
        if (e->is_call) {
            const struct lin_op *op = &ops[e->op];
            bool legal = op->kind == LIN_PUT || op->value == state;
            int64_t ns = op->kind == LIN_PUT ? op->value : state;
            if (legal) {
                bits[e->op / 64] |= 1ull << (e->op % 64);
                if (!cache_seen(&c, bits, ns)) {
                    stack[depth].call = e;
                    stack[depth].state = state;
                    depth++;
                    state = ns;
                    lift(e);
                    e = head->next;
                    continue;
                }
                bits[e->op / 64] &= ~(1ull << (e->op % 64));
            }
            e = e->next;
        } else {
            if (e->t == LIN_INF) { /* only open operations remain */
                ok = true;
                break;
            }
            if (depth == 0)
                break;
            depth--;
            struct node *call = stack[depth].call;
            state = stack[depth].state;
            bits[call->op / 64] &= ~(1ull << (call->op % 64));
            unlift(call);
            e = call->next;
        }
    }
    for (size_t i = 0; i < c.cap; i++)
        free(c.tab[i].bits);
    free(c.tab);
    free(stack);
    free(bits);
    free(nodes);
    return ok;
}

bool lin_check(const struct lin_history *h, int *bad_key)
{
    int max_key = -1;
    for (int i = 0; i < h->n; i++)
        if (h->ops[i].key > max_key)
            max_key = h->ops[i].key;
    struct lin_op *sub = malloc((size_t)(h->n + 1) * sizeof *sub);
    bool ok = true;
    for (int k = 0; k <= max_key && ok; k++) {
        int m = 0;
        for (int i = 0; i < h->n; i++) {
            const struct lin_op *o = &h->ops[i];
            if (o->key != k || o->failed)
                continue;
            if (o->kind == LIN_GET && o->ret == LIN_INF)
                continue; /* a read with no answer constrains nothing */
            sub[m++] = *o;
        }
        if (!check_key(sub, m)) {
            ok = false;
            if (bad_key)
                *bad_key = k;
        }
    }
    free(sub);
    return ok;
}
