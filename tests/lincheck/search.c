/* tests/lincheck/search.c: the model of one key, and the search for a
 * linearization of that key's operations.
 *
 * The search is Wing & Gong's (J. Parallel Distrib. Comput. 1993) with
 * Lowe's memoisation ("Testing for linearizability", CCPE 2017), as in
 * tests/sim/lin.c: the calls and returns of the operations form one
 * time-ordered doubly linked list. Walking it from the head, at a call we try
 * to linearize that operation now: the model must accept it in the current
 * state, and the pair (set of operations linearized, state after) must be new,
 * since a pair already explored leads nowhere new (Lowe). If so, its call and
 * return are lifted out of the list and the walk restarts from the head. At
 * the return of an operation not yet linearized, that operation should have
 * taken effect by now and nothing pending fits, so we undo the last choice.
 * The list is empty, or only returns at infinity (open operations) are left:
 * every completed operation is placed, and a linearization exists.
 *
 * On top of that, each sound (it never hides a linearization) and each
 * there because some concurrent history was out of reach without it:
 *   - reads that fit go first, without trying alternatives (PASS_READ);
 *   - open ops are tried last, and only the first of identical ones
 *     (find_twins); a configuration is cut when the same one without some
 *     open op has failed (dominated);
 *   - values nobody reads are one value (anonymize), and versions are left
 *     out of the state when no result names one;
 *   - replacing a value for good while a completed op still needs it is cut
 *     at once (linearize), and an op needing a value nobody writes, or a
 *     version beyond the writes so far, fails the key before any search.
 * docs/lincheck.md has the arguments in prose; the tests check the verdicts
 * against a brute-force checker on over a thousand small random histories. */
#include "tests/lincheck/lincheck.h"

#include <stdlib.h>
#include <string.h>

bool lc_step(const struct lc_op *op, struct lc_state s, struct lc_state *out)
{
    bool open = op->res == LC_UNKNOWN;
    bool present = s.val != 0;
    *out = s;
    switch (op->kind) {
    case LC_PUT:
        *out = (struct lc_state){op->val, present ? s.ver + 1 : 1};
        return open || !op->version || op->version == out->ver;
    case LC_GET:
        if (op->res == LC_ABSENT)
            return !present;
        return op->res == LC_VALUE && present && s.val == op->val &&
               (!op->version || op->version == s.ver);
    case LC_CAS: {
        bool match = present && s.val == op->old; /* by value, as `ns cas` */
        if (op->res == LC_MISMATCH)
            return !match;
        *out = (struct lc_state){op->val, s.ver + 1};
        return match && (open || !op->version || op->version == out->ver);
    }
    case LC_RM:
        if (op->res == LC_ABSENT)
            return !present;
        *out = (struct lc_state){0, 0};
        return present;
    }
    return false;
}

/* ---- the memo: (linearized set, state) pairs already explored ---------- */

/* A set is stored as its 128-bit fingerprint: the xor of two random words
 * per operation in it (Zobrist hashing), so adding or removing an operation
 * is O(1) and an entry is 32 bytes whatever the history's length. Two of the
 * N sets explored share a fingerprint with probability about N^2 / 2^129
 * (1e-25 for ten million states); the only harm would be a branch wrongly
 * taken as explored. */
struct fp {
    uint64_t a, b;
};

struct memo_ent {
    uint64_t a, b; /* a == 0: empty slot */
    uint64_t ver;
    uint32_t val;
};

struct memo {
    struct memo_ent *tab;
    size_t cap, n;
    size_t bytes, max_bytes;
};

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull; /* splitmix64's finaliser */
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The slot of (f, s), or of the empty slot where it would go. */
static struct memo_ent *memo_slot(const struct memo *m, struct fp f, struct lc_state s)
{
    uint64_t a = (f.a ^ mix(mix(s.val) + s.ver)) | 1;
    size_t i = a & (m->cap - 1);
    for (;; i = (i + 1) & (m->cap - 1)) {
        struct memo_ent *e = &m->tab[i];
        if (!e->a || (e->a == a && e->b == f.b && e->val == s.val && e->ver == s.ver))
            return e;
    }
}

static bool memo_has(const struct memo *m, struct fp f, struct lc_state s)
{
    return m->cap && memo_slot(m, f, s)->a;
}

static int memo_grow(struct memo *m)
{
    size_t cap = m->cap ? 2 * m->cap : 4096;
    if (m->bytes + cap * sizeof(struct memo_ent) > m->max_bytes)
        return -1;
    struct memo_ent *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->tab[i].a)
            continue;
        size_t j = m->tab[i].a & (cap - 1);
        while (tab[j].a)
            j = (j + 1) & (cap - 1);
        tab[j] = m->tab[i];
    }
    m->bytes += (cap - m->cap) * sizeof *tab;
    free(m->tab);
    m->tab = tab;
    m->cap = cap;
    return 0;
}

/* Record (f, s). Returns 1 if it was new, 0 if already there, -1 if the
 * memory bound is reached. */
static int memo_add(struct memo *m, struct fp f, struct lc_state s)
{
    if (2 * (m->n + 1) > m->cap && memo_grow(m) < 0)
        return -1;
    struct memo_ent *e = memo_slot(m, f, s);
    if (e->a)
        return 0;
    *e = (struct memo_ent){(f.a ^ mix(mix(s.val) + s.ver)) | 1, f.b, s.ver, s.val};
    m->n++;
    return 1;
}

/* ---- the event list ---------------------------------------------------- */

struct ev {
    struct ev *prev, *next, *match; /* match: call <-> return */
    int op;
    bool is_call;
    uint64_t t;
};

/* Time order. At equal stamps calls come first, so two operations whose
 * stamps touch count as concurrent (the permissive reading). */
static int cmp_ev(const void *a, const void *b)
{
    const struct ev *x = *(const struct ev *const *)a, *y = *(const struct ev *const *)b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->is_call != y->is_call)
        return x->is_call ? -1 : 1;
    return x->op - y->op;
}

static void lift(struct ev *call)
{
    struct ev *ret = call->match;
    call->prev->next = call->next;
    call->next->prev = call->prev; /* a call is never last: its return follows */
    ret->prev->next = ret->next;
    if (ret->next)
        ret->next->prev = ret->prev;
}

static void unlift(struct ev *call)
{
    struct ev *ret = call->match;
    ret->prev->next = ret;
    if (ret->next)
        ret->next->prev = ret;
    call->prev->next = call;
    call->next->prev = call;
}

/* ---- the search -------------------------------------------------------- */

/* The order in which a configuration tries the pending operations:
 *   PASS_READ: a completed op that leaves the state as it is (a get, a cas
 *     that answered mismatch, an rm that answered absent). If one fits now,
 *     it goes now and nothing else is tried here: putting it first keeps every
 *     other op's state and only lifts a constraint, so if any linearization
 *     exists from here, one exists that starts with it (a partial-order
 *     reduction). Reads pending across many writes would otherwise multiply
 *     the configurations by every subset of them already placed.
 *   PASS_WRITE: a completed op that changes the state; each is a choice.
 *   PASS_OPEN: an open op, which is tried only when the completed ops lead
 *     nowhere: it is used when something needs it, not eagerly. */
enum { PASS_READ, PASS_WRITE, PASS_OPEN };

static int pass_of(const struct lc_op *op)
{
    if (op->res == LC_UNKNOWN)
        return PASS_OPEN;
    if (op->kind == LC_GET || op->res == LC_MISMATCH || op->res == LC_ABSENT)
        return PASS_READ;
    return PASS_WRITE;
}

struct frame {
    struct ev *call;
    struct lc_state before;
    int pass; /* the pass the call was chosen in */
};

struct search {
    const struct lc_op *ops;
    int n;
    bool versions;       /* some result of this key names a version */
    struct lc_state st;  /* the state after the ops linearized */
    struct fp f;         /* their fingerprint */
    struct fp *z;        /* per op */
    struct frame *stack; /* the ops linearized, in order */
    int depth;
    int *open_lin; /* the open ops among them */
    int nopen;
    bool *placed;     /* per op: linearized */
    int *twin;        /* per open op: the open op called before it with the same effect, or -1 */
    uint32_t *need;   /* per value: completed ops not linearized that need it as the state */
    uint32_t *writes; /* per value: ops not linearized that may write it */
    struct memo memo;
};

/* Add delta to the needs and writes of op i. A completed get of v or a
 * successful cas from v needs v; a put of v, or a cas to v that succeeded or
 * is open, may write v. */
static void count_op(struct search *s, int i, int delta)
{
    const struct lc_op *op = &s->ops[i];
    if (op->kind == LC_GET && op->res == LC_VALUE)
        s->need[op->val] += delta;
    if (op->kind == LC_CAS && op->res == LC_OK)
        s->need[op->old] += delta;
    if (op->kind == LC_PUT || (op->kind == LC_CAS && op->res != LC_MISMATCH))
        s->writes[op->val] += delta;
}

/* Would linearizing op i (to fingerprint nf, state next) reach a
 * configuration known to fail? Besides the memo's exact match (Lowe), a
 * configuration is dominated by the same one without a linearized open op u:
 * u blocks nothing (its return is at infinity) and may stay unused, so every
 * way on from (S + u, s) is also open to (S, s). All memo entries off the
 * current path were explored and failed (the search stops at success), and
 * (S + i - u, next) is never on the path: it has as many ops as the current
 * configuration, which would make u = i a no-op, and open no-ops are not
 * tried. So an entry found for (S + i - u, next) has failed. */
static bool dominated(const struct search *s, int i, struct fp nf, struct lc_state next)
{
    if (s->ops[i].res == LC_UNKNOWN &&
        memo_has(&s->memo, (struct fp){nf.a ^ s->z[i].a, nf.b ^ s->z[i].b}, next))
        return true;
    for (int k = 0; k < s->nopen; k++) {
        struct fp u = s->z[s->open_lin[k]];
        if (memo_has(&s->memo, (struct fp){nf.a ^ u.a, nf.b ^ u.b}, next))
            return true;
    }
    return false;
}

enum { LIN_UNFIT, LIN_SEEN, LIN_DEAD, LIN_DONE, LIN_FULL };

/* Values that no op of this key compares the state with (read by no get,
 * the OLD of no cas) cannot be told apart: they all become one value, id
 * anon, so that states differing only in such values meet in the memo, and
 * open puts of them are twins (below). */
static void anonymize(struct lc_op *ops, int n, struct lc_state *init, uint32_t anon)
{
    bool *seen = calloc(anon + 1, sizeof *seen);
    if (!seen)
        abort();
    for (int i = 0; i < n; i++) {
        if (ops[i].kind == LC_GET && ops[i].res == LC_VALUE)
            seen[ops[i].val] = true;
        if (ops[i].kind == LC_CAS)
            seen[ops[i].old] = true;
    }
    for (int i = 0; i < n; i++)
        if ((ops[i].kind == LC_PUT || ops[i].kind == LC_CAS) && !seen[ops[i].val])
            ops[i].val = anon;
    if (init->val && !seen[init->val])
        init->val = anon;
    free(seen);
}

/* Open ops with the same effect on every state (same kind and arguments)
 * are interchangeable once both are called, since neither has a deadline:
 * of such twins only the first called is tried, which cuts the subsets of
 * them used so far down to their number. twin[i] links each open op to the
 * previous one of its kind; the twins placed are always the first ones. */
static void find_twins(const struct lc_op *ops, int n, int *twin)
{
    for (int i = 0; i < n; i++) {
        twin[i] = -1;
        if (ops[i].res != LC_UNKNOWN)
            continue;
        for (int j = 0; j < n; j++) {
            const struct lc_op *a = &ops[i], *b = &ops[j];
            bool before = b->call < a->call || (b->call == a->call && j < i);
            if (j == i || b->res != LC_UNKNOWN || !before || a->kind != b->kind ||
                a->val != b->val || a->old != b->old)
                continue;
            if (twin[i] < 0 || ops[twin[i]].call < b->call ||
                (ops[twin[i]].call == b->call && twin[i] < j))
                twin[i] = j; /* the latest such op before i */
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A version counts the writes since the key was created, so no op can see a
 * version above the initial one plus the writes called before it returned.
 * Returns an op that does (and *bound), or -1. */
static int version_bound(const struct lc_op *ops, int n, struct lc_state init, uint64_t *bound)
{
    uint64_t *calls = malloc(((size_t)n + 1) * sizeof *calls);
    int nw = 0, bad = -1;
    if (!calls)
        abort();
    for (int i = 0; i < n; i++)
        if (ops[i].kind == LC_PUT || (ops[i].kind == LC_CAS && ops[i].res != LC_MISMATCH))
            calls[nw++] = ops[i].call;
    qsort(calls, (size_t)nw, sizeof *calls, cmp_u64);
    for (int i = 0; i < n && bad < 0; i++) {
        if (!ops[i].version)
            continue;
        int lo = 0, hi = nw; /* writes called at or before ops[i].ret */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (calls[mid] <= ops[i].ret)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (ops[i].version > init.ver + (uint64_t)lo) {
            bad = i;
            *bound = init.ver + (uint64_t)lo;
        }
    }
    free(calls);
    return bad;
}

/* Try to linearize the op of call, chosen in pass `pass`, now. Returns
 * LIN_DONE (it is on the stack), LIN_UNFIT (the model refuses it here),
 * LIN_SEEN (it fits, but leads to a configuration known to fail), LIN_DEAD
 * (it would strand a value still needed) or LIN_FULL (the memo reached its
 * memory bound). */
static int linearize(struct search *s, struct ev *call, int pass)
{
    int i = call->op;
    struct lc_state next;
    if (!lc_step(&s->ops[i], s->st, &next))
        return LIN_UNFIT;
    if (!s->versions)
        next.ver = 0;
    if (pass == PASS_OPEN && next.val == s->st.val && next.ver == s->st.ver)
        return LIN_UNFIT; /* an open op with no effect here: the same as leaving it out */
    /* Leaving value v for good while a completed op still needs v and
     * nothing left can write it again is a dead end, whatever comes next:
     * cut it now rather than when that op's return is reached. */
    uint32_t was = s->st.val;
    count_op(s, i, -1);
    if (was && next.val != was && s->need[was] && !s->writes[was]) {
        count_op(s, i, +1);
        return LIN_DEAD;
    }
    struct fp nf = {s->f.a ^ s->z[i].a, s->f.b ^ s->z[i].b};
    int added = dominated(s, i, nf, next) ? 0 : memo_add(&s->memo, nf, next);
    if (added <= 0) {
        count_op(s, i, +1);
        return added < 0 ? LIN_FULL : LIN_SEEN;
    }
    s->stack[s->depth++] = (struct frame){call, s->st, pass};
    if (pass == PASS_OPEN)
        s->open_lin[s->nopen++] = i;
    s->placed[i] = true;
    s->st = next;
    s->f = nf;
    lift(call);
    return LIN_DONE;
}

/* Undo the last linearization; returns its frame. */
static struct frame *undo(struct search *s)
{
    struct frame *fr = &s->stack[--s->depth];
    int i = fr->call->op;
    if (fr->pass == PASS_OPEN)
        s->nopen--;
    s->placed[i] = false;
    count_op(s, i, +1);
    s->st = fr->before;
    s->f.a ^= s->z[i].a;
    s->f.b ^= s->z[i].b;
    unlift(fr->call);
    return fr;
}

enum lc_verdict lc_check_key(const struct lc_op *ops, int n, struct lc_state init,
                             const struct lc_limits *lim, struct lc_report *rep)
{
    uint32_t anon = init.val;
    for (int i = 0; i < n; i++) {
        anon = ops[i].val > anon ? ops[i].val : anon;
        anon = ops[i].old > anon ? ops[i].old : anon;
    }
    anon++;
    struct lc_op *mops = malloc(((size_t)n + 1) * sizeof *mops);
    struct search s = {.ops = mops, .n = n, .st = init, .memo = {.max_bytes = lim->max_bytes}};
    struct ev *evs = calloc((size_t)2 * n + 1, sizeof *evs);
    struct ev **order = malloc(((size_t)2 * n + 1) * sizeof *order);
    s.stack = malloc(((size_t)n + 1) * sizeof *s.stack);
    s.z = malloc(((size_t)n + 1) * sizeof *s.z);
    s.open_lin = malloc(((size_t)n + 1) * sizeof *s.open_lin);
    s.placed = calloc((size_t)n + 1, sizeof *s.placed);
    s.twin = malloc(((size_t)n + 1) * sizeof *s.twin);
    s.need = calloc(anon + 1, sizeof *s.need);
    s.writes = calloc(anon + 1, sizeof *s.writes);
    int *best = malloc(((size_t)n + 1) * sizeof *best);
    struct lc_state *best_after = malloc(((size_t)n + 1) * sizeof *best_after);
    if (!mops || !evs || !order || !s.stack || !s.z || !s.open_lin || !s.placed || !s.twin ||
        !s.need || !s.writes || !best || !best_after)
        abort();
    memcpy(mops, ops, (size_t)n * sizeof *mops);
    anonymize(mops, n, &s.st, anon);
    find_twins(mops, n, s.twin);

    for (int i = 0; i < n; i++) {
        struct ev *c = &evs[1 + 2 * i], *r = &evs[2 + 2 * i];
        *c = (struct ev){.op = i, .is_call = true, .t = ops[i].call, .match = r};
        *r = (struct ev){.op = i, .is_call = false, .t = ops[i].ret, .match = c};
        order[2 * i] = c;
        order[2 * i + 1] = r;
        s.z[i] = (struct fp){mix(2 * (uint64_t)i + 1), mix(~(2 * (uint64_t)i))};
        count_op(&s, i, +1);
        /* When no result of this key names a version, versions cannot
         * matter: leave them out of the state, so that orders differing
         * only in the version they would give meet in the memo. */
        s.versions |= ops[i].version != 0;
    }
    if (!s.versions)
        s.st.ver = 0;
    qsort(order, (size_t)2 * n, sizeof *order, cmp_ev);
    struct ev *head = &evs[0], *p = head;
    for (int i = 0; i < 2 * n; i++) {
        p->next = order[i];
        order[i]->prev = p;
        p = order[i];
    }
    p->next = NULL;

    enum lc_verdict v = LC_NOT;
    uint64_t steps = 0, rep_bound = 0;
    int nbest = 0, stable = 0, stuck = -1, strander = -1, unwritten = -1, pass = PASS_READ;
    bool stuck_set = false;
    /* A completed op that needs a value no op writes (and the key does not
     * start with) can never fit: no need to search. */
    for (int i = 0; i < n && unwritten < 0; i++) {
        uint32_t want = mops[i].kind == LC_GET && mops[i].res == LC_VALUE ? mops[i].val
                        : mops[i].kind == LC_CAS && mops[i].res == LC_OK  ? mops[i].old
                                                                          : 0;
        if (want && !s.writes[want] && want != s.st.val)
            unwritten = i;
    }
    int overversion = unwritten < 0 ? version_bound(ops, n, init, &rep_bound) : -1;
    struct ev *e = head->next;
    while (unwritten < 0 && overversion < 0) {
        if (++steps > lim->max_steps) {
            v = LC_BUDGET;
            break;
        }
        if (!e || (!e->is_call && e->t == LC_INF)) {
            v = LC_LINEARIZABLE; /* nothing left but open operations */
            break;
        }
        if (e->is_call) {
            int i = e->op, r = LIN_UNFIT;
            bool later_twin = s.twin[i] >= 0 && !s.placed[s.twin[i]]; /* see find_twins() */
            if (pass_of(&mops[i]) == pass && !later_twin)
                r = linearize(&s, e, pass);
            if (r == LIN_FULL) {
                v = LC_BUDGET;
                break;
            }
            if (r == LIN_DONE) {
                e = head->next;
                pass = PASS_READ;
                if (s.depth > nbest) { /* a longer prefix: keep it for the report */
                    for (int k = stable; k < s.depth; k++)
                        best[k] = s.stack[k].call->op;
                    nbest = stable = s.depth;
                    stuck_set = false;
                    strander = -1;
                }
                continue;
            }
            if (r == LIN_DEAD && s.depth == nbest && !stuck_set && strander < 0)
                strander = e->op; /* for the report */
            if (r == LIN_UNFIT || pass != PASS_READ) {
                e = e->next;
                continue;
            }
            /* a read that fits but leads where the search has been: fail */
        } else if (pass != PASS_OPEN) {
            pass++; /* the end of the pending ops: try the next kind */
            e = head->next;
            continue;
        } else if (s.depth == nbest && !stuck_set) {
            stuck = e->op; /* a return, and nothing pending fits */
            stuck_set = true;
        }
        /* this configuration fails: undo choices up to one with alternatives */
        struct frame *fr = NULL;
        while (s.depth > 0 && (fr = undo(&s))->pass == PASS_READ)
            fr = NULL;
        if (!fr)
            break;
        if (s.depth < stable)
            stable = s.depth;
        e = fr->call->next;
        pass = fr->pass;
    }

    if (rep) {
        /* the state after each op of the best prefix, replayed through the model */
        struct lc_state st = init;
        for (int k = 0; k < nbest; k++) {
            lc_step(&ops[best[k]], st, &st);
            best_after[k] = st;
        }
        *rep = (struct lc_report){.prefix = best,
                                  .after = best_after,
                                  .nprefix = nbest,
                                  .stuck = stuck,
                                  .strander = strander,
                                  .unwritten = unwritten,
                                  .overversion = overversion,
                                  .version_bound = rep_bound,
                                  .steps = steps,
                                  .states = s.memo.n,
                                  .bytes = s.memo.bytes};
    } else {
        free(best);
        free(best_after);
    }
    free(s.memo.tab);
    free(s.placed);
    free(s.twin);
    free(mops);
    free(s.need);
    free(s.writes);
    free(s.open_lin);
    free(s.z);
    free(s.stack);
    free(order);
    free(evs);
    return v;
}

void lc_report_free(struct lc_report *rep)
{
    free(rep->prefix);
    free(rep->after);
    rep->prefix = NULL;
    rep->after = NULL;
}
