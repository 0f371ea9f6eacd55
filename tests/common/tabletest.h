/* tests/common/tabletest.h: a table of named tests and the loop that runs
 * them, for the host runners whose tests return 0 to pass and leave the
 * reason of a failure in a string (tests/storage, tests/chunkstore). */
#ifndef TESTS_COMMON_TABLETEST_H
#define TESTS_COMMON_TABLETEST_H

#include <stddef.h>

struct table_test {
    const char *name;
    int (*fn)(void); /* 0: passed; else why[] says why */
};

/* Run every test of the n NULL-terminated tables whose name contains
 * filter, printing "PASS name" or "FAIL name: why" each and the final
 * "N passed, N failed". why is cleared before each test. Returns the
 * number that failed. */
int table_run(const struct table_test *const *tables, size_t n, const char *filter,
              char *why);

#endif
