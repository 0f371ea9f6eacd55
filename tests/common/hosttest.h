/* tests/common/hosttest.h: the runner of the host test programs (tests/unit,
 * tests/storage, tests/chunkstore, tests/naming, tests/fs, tests/sched).
 *
 * A suite lists its tests in tables of named tests, each table ending with
 * {NULL, NULL}, and its main() hands them to hosttest_main(). That runs
 * every test whose name contains the filter (argv[1]; none: all), prints
 * `PASS name` or `FAIL name: why` for each and ends with the line
 * `N passed, M failed` that tests/run_parts.py counts; the exit status is 1
 * if any failed.
 *
 * There are two kinds of test:
 *
 *  - struct hosttest, `void fn(void)`: runs in a process of its own, so a
 *    crash or a sanitizer report fails that test only. A failed check
 *    records file:line and a message (only the first counts) and returns
 *    from the test. Random tests draw from hosttest_rand(), seeded per test
 *    from the suite's base seed and the test's name, and a failure ends with
 *    the seed that reproduces it, e.g. `(FS_SEED=1)`.
 *
 *  - struct table_test, `int fn(void)`: runs in the runner's own process (so
 *    LeakSanitizer judges the whole run) and returns 0 to pass, else 1 with
 *    the reason in test_why.
 *
 * The checks below are those of the first kind; a suite of the second kind
 * defines HOSTTEST_TABLE before including this header to get checks that
 * write test_why and return 1 instead. */
#ifndef TESTS_COMMON_HOSTTEST_H
#define TESTS_COMMON_HOSTTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct hosttest {
    const char *name;
    void (*fn)(void);
};

struct table_test {
    const char *name;
    int (*fn)(void); /* 0: passed; else test_why says why */
};

struct hosttest_suite {
    /* Tests run each in its own process: ntables tables (a NULL one, e.g. a
     * weak table whose file is not linked in, is skipped). */
    const struct hosttest *const *tables;
    size_t ntables;
    /* Tests run in the runner's process: ntable_tests tables. */
    const struct table_test *const *table_tests;
    size_t ntable_tests;
    /* The environment variable that sets the base seed (e.g. "FS_SEED",
     * default 1) and that a failure names; NULL: the suite has none. */
    const char *seed_env;
    /* `PROG --gen-corpus DIR` calls this instead of running tests (it
     * writes the fuzzers' seed inputs); NULL: the suite has none. */
    int (*gen_corpus)(const char *dir);
};

/* Runs the suite as its program's main (argc, argv as main got them) and
 * returns main's exit status. Also sets test_soak from SOAK. */
int hosttest_main(const struct hosttest_suite *suite, int argc, char **argv);

/* ---- inside a test of its own process ------------------------------------ */

/* Records a failure of the running test (only the first counts). */
void hosttest_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* True once the running test has failed; helpers use it to stop early. */
int hosttest_failed(void);
/* The test now running (an entry of one of the suite's tables). */
const struct hosttest *hosttest_current(void);
/* The base seed every test's random stream derives from. */
uint64_t hosttest_seed(void);
/* The running test's random stream (splitmix64). */
uint64_t hosttest_rand(void);
static inline uint64_t hosttest_below(uint64_t n) { return n ? hosttest_rand() % n : 0; }

/* ---- inside a test of the runner's process ----------------------------- */

/* Why the running test failed; cleared before each test. */
extern char test_why[1024];
/* SOAK set and not "0": run the long sweeps. */
extern bool test_soak;

/* ---- the checks ---------------------------------------------------------- */

#ifndef HOSTTEST_TABLE

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            hosttest_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                 \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            hosttest_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (strcmp(a_, b_) != 0) {                                                                 \
            hosttest_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, a_, b_);       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Returns from the test when a helper called inside it has failed. */
#define CHECK_OK()                                                                                 \
    do {                                                                                           \
        if (hosttest_failed())                                                                     \
            return;                                                                                \
    } while (0)

#else /* HOSTTEST_TABLE */

/* CHECK(cond, fmt, ...): if cond is false, "file:line: message" into
 * test_why, and the test (or helper) returns 1. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            int n_ = snprintf(test_why, sizeof test_why, "%s:%d: ", __FILE__, __LINE__);           \
            snprintf(test_why + n_, sizeof test_why - (size_t)n_, __VA_ARGS__);                    \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* Runs expr (an int test helper) and fails the caller if it failed. */
#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) != 0)                                                                           \
            return 1;                                                                              \
    } while (0)

#endif /* HOSTTEST_TABLE */

#endif
