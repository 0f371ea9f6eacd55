/* tests/storage/harness.h: the storage tests' tables and helpers. A test
 * returns 0 to pass; CHECK() records why it failed (with the seed, when there
 * is one) and returns 1 (tests/common/hosttest.h; these tests run in the
 * runner's process). */
#ifndef TESTS_STORAGE_HARNESS_H
#define TESTS_STORAGE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HOSTTEST_TABLE
#include "tests/common/hosttest.h"
#include "lib/logstore.h"
#include "tests/storage/simdisk.h"

extern const struct table_test basic_tests[], crash_tests[];

/* Work memory for logstore_open in tests. */
#define TEST_WORK (1u << 20)
extern uint8_t test_work[TEST_WORK];

/* Deterministic payload of a record: bytes from (seed, i). */
void fill_payload(uint8_t *buf, uint32_t len, uint64_t seed);

#endif
