/* tests/chunkstore/main.c: runs the chunk store tests whose name contains the
 * filter (argv[1]); prints `PASS name` or `FAIL name: why` for each and ends
 * with `N passed, M failed`; exits 1 if any failed (the runner is
 * tests/common/hosttest.c). SOAK=1 lengthens the sweeps, CHUNKSTORE_SEED=N
 * replays a random test. `--gen-corpus DIR` writes seeds for
 * build/fuzz/fuzz_chunkstore instead (corpus.c). */
#include <stdlib.h>

#include "lib/errno.h"
#include "tests/chunkstore/harness.h"

uint8_t test_work[TEST_WORK] __attribute__((aligned(16)));

void fill_bytes(uint8_t *buf, uint32_t len, uint64_t seed)
{
    uint64_t s = seed;
    for (uint32_t i = 0; i < len; i++) {
        if (i % 8 == 0)
            s = sim_rand(&s) ^ seed;
        buf[i] = (uint8_t)(s >> (8 * (i % 8)));
    }
}

uint64_t test_seed(uint64_t dflt)
{
    const char *s = getenv("CHUNKSTORE_SEED");
    return s && *s ? strtoull(s, NULL, 10) : dflt;
}

uint64_t region_sectors(uint32_t nslots)
{
    uint64_t data = (CHUNKSTORE_HDR_START + (uint64_t)nslots + 7) & ~7ull;
    return data + (uint64_t)nslots * CHUNKSTORE_SLOT_SECTORS;
}

struct simdisk test_disk;
struct chunkstore test_cs;

int test_setup(uint32_t nslots)
{
    simdisk_free(&test_disk);
    simdisk_init(&test_disk, region_sectors(nslots));
    int rv = chunkstore_open(&test_cs, &test_disk.dev, test_work, TEST_WORK);
    CHECK(rv == -ENOENT, "open of a blank region: %d, want -ENOENT", rv);
    CHECK(chunkstore_format(&test_disk.dev, 7, TEST_FORMAT_ID) == 0, "format");
    rv = chunkstore_open(&test_cs, &test_disk.dev, test_work, TEST_WORK);
    CHECK(rv == 0, "open: %d %s", rv, test_cs.error_msg);
    CHECK(test_cs.nslots == nslots, "%u slots, want %u", test_cs.nslots, nslots);
    return 0;
}

int test_reopen(void)
{
    int rv = chunkstore_open(&test_cs, &test_disk.dev, test_work, TEST_WORK);
    CHECK(rv == 0, "reopen: %d %s", rv, test_cs.error_msg);
    return 0;
}

int test_write(uint32_t n, uint32_t off, uint32_t len, uint64_t seed, uint64_t version,
               uint64_t token)
{
    static uint8_t b[CHUNK_SIZE];
    fill_bytes(b, len, seed);
    return chunkstore_write(&test_cs, chunk_of(n), off, b, len, version, token);
}

int gen_corpus(const char *dir);

static const struct table_test *const tables[] = {basic_tests, fault_tests, crash_tests};

int main(int argc, char **argv)
{
    const struct hosttest_suite suite = {
        .table_tests = tables,
        .ntable_tests = sizeof tables / sizeof tables[0],
        .gen_corpus = gen_corpus,
    };
    return hosttest_main(&suite, argc, argv);
}
