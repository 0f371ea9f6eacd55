/* tests/storage/main.c: runs the log store tests whose name contains the
 * filter (argv[1]); prints `PASS name` or `FAIL name: why` for each and ends
 * with `N passed, M failed`; exits 1 if any failed (the runner is
 * tests/common/hosttest.c). SOAK=1 lengthens the crash sweeps.
 * `--gen-corpus DIR` writes fuzzing seeds instead (see gen_corpus). */
#include "tests/storage/harness.h"

uint8_t test_work[TEST_WORK] __attribute__((aligned(16)));

void fill_payload(uint8_t *buf, uint32_t len, uint64_t seed)
{
    uint64_t s = seed;
    for (uint32_t i = 0; i < len; i++) {
        if (i % 8 == 0)
            s = sim_rand(&s) ^ seed;
        buf[i] = (uint8_t)(s >> (8 * (i % 8)));
    }
}

int gen_corpus(const char *dir);

static const struct table_test *const tables[] = {basic_tests, crash_tests};

int main(int argc, char **argv)
{
    const struct hosttest_suite suite = {
        .table_tests = tables,
        .ntable_tests = sizeof tables / sizeof tables[0],
        .gen_corpus = gen_corpus,
    };
    return hosttest_main(&suite, argc, argv);
}
