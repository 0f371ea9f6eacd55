/* tests/storage/harness.h: the storage test runner's table and checks. A test
 * returns 0 to pass; CHECK() records why it failed (with the seed, when there
 * is one) and returns 1. */
#ifndef TESTS_STORAGE_HARNESS_H
#define TESTS_STORAGE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/common/tabletest.h"
#include "lib/logstore.h"
#include "tests/storage/simdisk.h"

extern char test_why[512];
extern bool test_soak; /* SOAK=1: longer sweeps */

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            int n_ = snprintf(test_why, sizeof test_why, "%s:%d: ", __FILE__, __LINE__); \
            snprintf(test_why + n_, sizeof test_why - (size_t)n_, __VA_ARGS__);           \
            return 1;                                                                     \
        }                                                                                 \
    } while (0)

/* Runs expr (an int test helper) and fails the caller if it failed. */
#define TRY(expr)           \
    do {                    \
        if ((expr) != 0)    \
            return 1;       \
    } while (0)


extern const struct table_test basic_tests[], crash_tests[];

/* Work memory for logstore_open in tests. */
#define TEST_WORK (1u << 20)
extern uint8_t test_work[TEST_WORK];

/* Deterministic payload of a record: bytes from (seed, i). */
void fill_payload(uint8_t *buf, uint32_t len, uint64_t seed);

#endif
