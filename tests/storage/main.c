/* tests/storage/main.c: runs the log store tests whose name contains the
 * filter (argv[1]); prints `PASS name` or `FAIL name: why` for each and ends
 * with `N passed, M failed`; exits 1 if any failed. SOAK=1 lengthens the crash
 * sweeps. `--gen-corpus DIR` writes fuzzing seeds instead (see gen_corpus). */
#include <stdlib.h>
#include <string.h>

#include "tests/storage/harness.h"

char test_why[512];
bool test_soak;
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

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--gen-corpus") == 0)
        return gen_corpus(argv[2]);
    const char *filter = argc > 1 ? argv[1] : "";
    const char *soak = getenv("SOAK");
    test_soak = soak && *soak && strcmp(soak, "0") != 0;
    const struct table_test *const tables[] = {basic_tests, crash_tests};
    return table_run(tables, sizeof tables / sizeof tables[0], filter, test_why) ? 1 : 0;
}
