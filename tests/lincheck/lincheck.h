/* tests/lincheck/lincheck.h: a linearizability checker for histories of the
 * naming service (a map from string keys to string values, with versions),
 * recorded by tests on QEMU clusters. docs/lincheck.md has the file format,
 * the model and the algorithm.
 *
 * parse.c reads a history file into struct lc_history; search.c checks the
 * operations of one key (keys are independent: P-compositionality, Herlihy &
 * Wing §3.3); lincheck.c is the command that ties them together. */
#ifndef TESTS_LINCHECK_LINCHECK_H
#define TESTS_LINCHECK_LINCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LC_INF UINT64_MAX /* the return time of an operation whose outcome is unknown */

enum lc_kind { LC_PUT = 1, LC_GET, LC_CAS, LC_RM };

/* What the client learned. LC_UNKNOWN: nothing (the op is open: it may take
 * effect at any time after its call, or never). LC_FAILED: it definitely had
 * no effect (refused before it was sent), so the check ignores it. */
enum lc_res { LC_OK = 1, LC_VALUE, LC_ABSENT, LC_MISMATCH, LC_UNKNOWN, LC_FAILED };

/* A key's state: absent (val 0), or value id val >= 1 at version ver >= 1. */
struct lc_state {
    uint32_t val;
    uint64_t ver;
};

struct lc_op {
    uint8_t kind;     /* enum lc_kind */
    uint8_t res;      /* enum lc_res */
    uint32_t key;     /* key id */
    uint32_t val;     /* put: value written; cas: NEW; get with LC_VALUE: value read */
    uint32_t old;     /* cas: OLD */
    uint64_t version; /* version returned (put/cas ok, get value); 0 = not given */
    uint64_t call;    /* invocation time */
    uint64_t ret;     /* response time; LC_INF when res is LC_UNKNOWN */
    int line;         /* line number in the history file */
    const char *text; /* the line as written, for reports */
};

/* Interned strings: ids are 1..n (0 is reserved for "none"). */
struct lc_strtab {
    char **str; /* str[id], str[0] unused */
    uint32_t n, cap;
    uint32_t *slot; /* open-addressing index: ids, 0 = empty */
    uint32_t nslot;
};

struct lc_history {
    struct lc_op *ops;
    int n, cap;
    struct lc_strtab keys, vals;
    struct lc_state
        *init;    /* per key id (keys.n + 1 entries): initial state, absent unless `init` */
    int n_failed; /* LC_FAILED ops (kept in ops, ignored by the check) */
};

/* Read a history from f (name is used in messages only). Returns 0, or -1
 * with a one-line message "NAME:LINE: what" in err. h must be zeroed; on
 * error it holds what was read so far and must still be freed. */
int lc_parse(FILE *f, const char *name, struct lc_history *h, char *err, size_t errlen);
void lc_free(struct lc_history *h);
/* The string behind an interned id. */
const char *lc_str(const struct lc_strtab *t, uint32_t id);

/* The sequential model: apply op to state s. Returns false if op cannot
 * happen in state s (its recorded result contradicts s); else *out is the
 * state after it. For an open op, only the outcomes that change the state are
 * legal (an open op with no effect is the same as the op left out). */
bool lc_step(const struct lc_op *op, struct lc_state s, struct lc_state *out);

/* Bounds on one key's search. */
struct lc_limits {
    uint64_t max_steps; /* search steps (each is O(1) amortised) */
    size_t max_bytes;   /* memory of the memo table */
};

enum lc_verdict { LC_LINEARIZABLE = 0, LC_NOT = 1, LC_BUDGET = 3 };

/* What a search found besides its verdict. On LC_NOT: the longest
 * linearizable prefix it reached (prefix[0..nprefix), op indices in order,
 * with the state after each in after[]); the op whose return came while that
 * prefix was current without any pending op fitting (stuck, -1 if none); and
 * an op that fitted there but was cut because it would replace the current
 * value for good while a pending op still needs it (strander, -1 if none).
 * Or, found before any search: a completed op that reads (or a cas that
 * succeeds from) a value that nothing writes (unwritten, -1 if none); an op
 * that reports a version above version_bound, the initial version plus the
 * writes called before it returned (overversion, -1 if none). */
struct lc_report {
    int *prefix;
    struct lc_state *after;
    int nprefix;
    int stuck;
    int strander;
    int unwritten;
    int overversion;
    uint64_t version_bound;
    uint64_t steps, states;
    size_t bytes;
};

/* Check the n ops of one key, in ops[] (none LC_FAILED, no open gets),
 * starting from state init. Wing & Gong's search with Lowe's memoisation.
 * rep may be NULL; else its prefix/after arrays are allocated here
 * (free with lc_report_free). */
enum lc_verdict lc_check_key(const struct lc_op *ops, int n, struct lc_state init,
                             const struct lc_limits *lim, struct lc_report *rep);
void lc_report_free(struct lc_report *rep);

#endif
