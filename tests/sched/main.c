/* tests/sched/main.c: runs the global scheduler's host tests (the filters,
 * the policies, the replicated machine, the wire codecs, the text forms and
 * the seeded simulator of services/sched/).
 *
 * Usage: build/host/sched_tests [FILTER]
 *        build/host/sched_tests --gen-corpus DIR   (fuzzer seeds: corpus.c)
 * Runs every test whose name contains FILTER, each in its own process, prints
 * `PASS name` or `FAIL name: file:line: message (SCHED_SEED=S)` per test and
 * ends with `N passed, M failed`; exit status 1 if any failed. SCHED_SEED=S
 * changes the random streams (a failure prints the seed that reproduces it). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/common/forkrun.h"
#include "tests/sched/harness.h"

int st_gen_corpus(const char *dir);

static const struct st_test *const tables[] = {st_spec_tests, st_filter_tests, st_policy_tests,
                                               st_proto_tests, st_machine_tests, st_sim_tests};

static uint64_t base_seed = 1, rng;
static char seed_hint[40]; /* "(SCHED_SEED=S)": how to reproduce a failure */

void st_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    forkrun_vfail(file, line, seed_hint, fmt, ap);
    va_end(ap);
}

int st_failed(void) { return forkrun_failed(); }

uint64_t st_seed(void) { return base_seed; }

/* splitmix64 */
uint64_t st_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* In the test's process: its random stream, from the base seed and its name. */
static void seed_test(const char *name)
{
    uint64_t seed = base_seed;
    for (const char *p = name; *p; p++)
        seed = (seed ^ (uint8_t)*p) * 0x100000001b3ULL;
    rng = seed;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--gen-corpus") == 0)
        return st_gen_corpus(argv[2]);
    const char *filter = argc > 1 ? argv[1] : "";
    const char *s = getenv("SCHED_SEED");
    if (s && *s)
        base_seed = strtoull(s, NULL, 0);
    snprintf(seed_hint, sizeof seed_hint, "(SCHED_SEED=%llu)", (unsigned long long)base_seed);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        for (const struct st_test *t = tables[i]; t->name; t++) {
            if (!strstr(t->name, filter))
                continue;
            if (forkrun_one(t->name, t->fn, seed_test, seed_hint))
                passed++;
            else
                failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
