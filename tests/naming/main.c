/* tests/naming/main.c: runs the naming service's host tests (the wire codec
 * and the replicated state machine of services/naming/).
 *
 * Usage: build/host/naming_tests [FILTER]
 * Runs every test whose name contains FILTER, each in its own process, prints
 * `PASS name` or `FAIL name: file:line: message (NAMING_SEED=S)` per test and
 * ends with `N passed, M failed`; exit status 1 if any failed (the runner is
 * tests/common/hosttest.c). NAMING_SEED=S changes the random streams (a
 * failure prints the seed that reproduces it). */
#include "tests/naming/harness.h"

static const struct nt_test *const tables[] = {nt_proto_tests, nt_machine_tests, nt_snapshot_tests};

int main(int argc, char **argv)
{
    const struct hosttest_suite suite = {
        .tables = tables,
        .ntables = sizeof tables / sizeof tables[0],
        .seed_env = "NAMING_SEED",
    };
    return hosttest_main(&suite, argc, argv);
}
