/* tests/chunkstore/harness.h: the chunk store tests' tables, fixtures, and
 * the in-memory model the crash and random tests compare against.
 *
 * A test returns 0 to pass; CHECK() records why it failed (with the seed,
 * when there is one) and returns 1 (tests/common/hosttest.h; these tests
 * run in the runner's process). The simulated disk is the log store's
 * (tests/storage/simdisk.h): durable and current images, every write and
 * flush an event, a crash at any event, and a reboot that lands any subset
 * of the unflushed writes, torn or garbled. */
#ifndef TESTS_CHUNKSTORE_HARNESS_H
#define TESTS_CHUNKSTORE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "services/fs/chunkstore.h"
#define HOSTTEST_TABLE
#include "tests/common/hosttest.h"
#include "tests/storage/simdisk.h"

extern const struct table_test basic_tests[], fault_tests[], crash_tests[];

/* Work memory for chunkstore_open: enough for a 200 MiB region. */
#define TEST_WORK (1u << 20)
extern uint8_t test_work[TEST_WORK];

/* Deterministic bytes from seed. */
void fill_bytes(uint8_t *buf, uint32_t len, uint64_t seed);
/* CHUNKSTORE_SEED=N if set, else dflt. */
uint64_t test_seed(uint64_t dflt);
/* Sectors of a region that chunkstore_format turns into exactly nslots slots. */
uint64_t region_sectors(uint32_t nslots);

/* The disk and store most tests use: test_setup() makes a fresh zeroed disk
 * of nslots slots, checks that open says -ENOENT, formats (node 7, format id
 * TEST_FORMAT_ID) and opens it; test_reopen() opens it again. */
#define TEST_FORMAT_ID 0x1234abcdull
extern struct simdisk test_disk;
extern struct chunkstore test_cs;
int test_setup(uint32_t nslots);
int test_reopen(void);
/* Writes len bytes of fill_bytes(seed) at off of chunk n; the result. */
int test_write(uint32_t n, uint32_t off, uint32_t len, uint64_t seed, uint64_t version,
               uint64_t token);

/* ---- the model -------------------------------------------------------------- */

struct mchunk {
    bool exists;
    uint64_t version, token;
    uint32_t length;
    uint8_t data[CHUNK_SIZE]; /* zeros past length */
};

enum { OP_WRITE, OP_PUT, OP_TRUNC, OP_FENCE, OP_REMOVE, OP_NKINDS };

struct op {
    int kind;
    uint32_t chunk;    /* model chunk number; chunk_of() gives its id */
    uint32_t off, len; /* write: range; put: len = length; trunc: len = new length */
    uint64_t version, token;
    uint64_t seed; /* the bytes written: fill_bytes(.., len, seed) */
};

struct chunk_id chunk_of(uint32_t n);
const char *op_name(int kind);
/* What op does to m (room: a new chunk would fit); returns the result the
 * store must give. m is unchanged unless that is 0. */
int model_apply(struct mchunk *m, const struct op *op, bool room);
/* Runs op on the store. */
int store_apply(struct chunkstore *cs, const struct op *op);
/* Does the store hold exactly m for chunk n (info, whole read, verify)?
 * 1 yes, 0 no (why in *why), negative: an unexpected error. */
int chunk_matches(struct chunkstore *cs, uint32_t n, const struct mchunk *m, char *why,
                  size_t whylen);

#endif
