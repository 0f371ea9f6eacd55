/* tests/naming/main.c: runs the naming service's host tests (the wire codec
 * and the replicated state machine of services/naming/).
 *
 * Usage: build/host/naming_tests [FILTER]
 * Runs every test whose name contains FILTER, each in its own process, prints
 * `PASS name` or `FAIL name: file:line: message (seed S)` per test and ends
 * with `N passed, M failed`; exit status 1 if any failed. NAMING_SEED=S
 * changes the random streams (a failure prints the seed that reproduces it). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/common/forkrun.h"
#include "tests/naming/harness.h"

static const struct nt_test *const tables[] = {nt_proto_tests, nt_machine_tests,
                                               nt_snapshot_tests};

static uint64_t base_seed = 1, rng;
static char seed_hint[40]; /* "(NAMING_SEED=S)": how to reproduce a failure */

void nt_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    forkrun_vfail(file, line, seed_hint, fmt, ap);
    va_end(ap);
}

int nt_failed(void) { return forkrun_failed(); }

/* splitmix64 */
uint64_t nt_rand(void)
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

static int run_one(const struct nt_test *t)
{
    return forkrun_one(t->name, t->fn, seed_test, seed_hint);
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    const char *s = getenv("NAMING_SEED");
    if (s && *s)
        base_seed = strtoull(s, NULL, 0);
    snprintf(seed_hint, sizeof seed_hint, "(NAMING_SEED=%llu)", (unsigned long long)base_seed);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        for (const struct nt_test *t = tables[i]; t->name; t++) {
            if (!strstr(t->name, filter))
                continue;
            if (run_one(t))
                passed++;
            else
                failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
