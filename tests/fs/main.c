/* tests/fs/main.c: runs the file service's metadata host tests (the wire
 * codec and the replicated state machine of services/fs/).
 *
 * Usage: build/host/fs_tests [FILTER]
 * Runs every test whose name contains FILTER, each in its own process, prints
 * `PASS name` or `FAIL name: file:line: message (FS_SEED=S)` per test and
 * ends with `N passed, M failed`; exit status 1 if any failed. FS_SEED=S
 * changes the random streams (a failure prints the seed that reproduces it;
 * the random tests also print theirs). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/common/forkrun.h"
#include "tests/fs/harness.h"

static const struct ft_test *const tables[] = {ft_proto_tests, ft_reply_tests, ft_machine_tests,
                                               ft_refs_tests, ft_model_tests, ft_snapshot_tests,
                                               ft_data_tests};

static uint64_t base_seed = 1, rng;
static char seed_hint[40]; /* "(FS_SEED=S)": how to reproduce a failure */

void ft_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    forkrun_vfail(file, line, seed_hint, fmt, ap);
    va_end(ap);
}

int ft_failed(void) { return forkrun_failed(); }

uint64_t ft_seed(void) { return base_seed; }

/* splitmix64 */
uint64_t ft_rand(void)
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

/* The case a forked child runs: set in the parent just before the fork. */
static const struct ft_case *cur_case;
static void run_cur_case(void) { ft_run_case(cur_case); }

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    const char *s = getenv("FS_SEED");
    if (s && *s)
        base_seed = strtoull(s, NULL, 0);
    snprintf(seed_hint, sizeof seed_hint, "(FS_SEED=%llu)", (unsigned long long)base_seed);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        for (const struct ft_test *t = tables[i]; t->name; t++) {
            if (!strstr(t->name, filter))
                continue;
            if (forkrun_one(t->name, t->fn, seed_test, seed_hint))
                passed++;
            else
                failed++;
        }
        if (tables[i] != ft_reply_tests)
            continue;
        /* the op error table comes right after the codec's tests */
        for (const struct ft_case *c = ft_op_cases; c->name; c++) {
            if (!strstr(c->name, filter))
                continue;
            cur_case = c;
            if (forkrun_one(c->name, run_cur_case, seed_test, seed_hint))
                passed++;
            else
                failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
