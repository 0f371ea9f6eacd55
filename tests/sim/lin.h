/* tests/sim/lin.h: the simulator's history of puts and gets on a key-value
 * map, checked for linearizability.
 *
 * The check itself is the project's one checker, tests/lincheck/search.c
 * (Wing & Gong's search with Lowe's memoisation, per key since operations
 * on different keys commute: docs/lincheck.md); lin.c only translates.
 * Operations whose outcome is unknown (a put that timed out) stay open:
 * their return is at infinity, so they may take effect at any point after
 * their call, or never. */
#ifndef TESTS_SIM_LIN_H
#define TESTS_SIM_LIN_H

#include <stdbool.h>
#include <stdint.h>

#define LIN_INF UINT64_MAX

enum lin_kind { LIN_PUT = 1, LIN_GET = 2 };

struct lin_op {
    int client;
    uint8_t kind;
    int key;
    int64_t value; /* put: value written; get: value observed */
    uint64_t call; /* invocation time (unique stamps) */
    uint64_t ret;  /* response time, LIN_INF if unknown */
    bool failed;   /* definitely had no effect: ignored */
};

struct lin_history {
    struct lin_op *ops;
    int n, cap;
};

int lin_add(struct lin_history *h, struct lin_op op);
void lin_free(struct lin_history *h);
/* true if h is linearizable; on false, *bad_key names a key whose history is
 * not. Values start at 0 for every key. */
bool lin_check(const struct lin_history *h, int *bad_key);

#endif
