/* tests/unit/unit.h: the unit tests' names for the host test runner
 * (tests/common/hosttest.h) and their own helpers.
 *
 * A test is a named `void fn(void)`. Each test file exports a table
 * `const struct unit_test unit_<module>_tests[]` ending with a {NULL, NULL}
 * entry; runner.c lists the tables. The runner forks a process per test, so a
 * crash (ASan report, signal) fails that test only. A CHECK that fails records
 * file:line and a message and returns from the test function. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <stdint.h>

#include "tests/common/hosttest.h"

/* The runner's names under this suite's prefix. */
#define unit_test hosttest
#define unit_fail hosttest_fail
#define unit_failed hosttest_failed

/* Reads a whole file into a malloc'd buffer; NULL (and a recorded failure) if
 * it cannot. Test data lives under tests/unit/data/ and build/host/. */
void *unit_read_file(const char *path, uint64_t *len);

/* The unit tests compare addresses, masks and wire fields: a mismatch shows
 * both values in hex and in decimal. */
#undef CHECK_EQ
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        unsigned long long a_ = (unsigned long long)(a);                                           \
        unsigned long long b_ = (unsigned long long)(b);                                           \
        if (a_ != b_) {                                                                            \
            unit_fail(__FILE__, __LINE__, "%s == %s: 0x%llx (%lld) != 0x%llx (%lld)", #a, #b, a_,  \
                      (long long)a_, b_, (long long)b_);                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#endif
