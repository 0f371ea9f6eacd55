/* tests/sched/main.c: runs the global scheduler's host tests (the filters,
 * the policies, the replicated machine, the wire codecs, the text forms and
 * the seeded simulator of services/sched/).
 *
 * Usage: build/host/sched_tests [FILTER]
 *        build/host/sched_tests --gen-corpus DIR   (fuzzer seeds: corpus.c)
 * Runs every test whose name contains FILTER, each in its own process, prints
 * `PASS name` or `FAIL name: file:line: message (SCHED_SEED=S)` per test and
 * ends with `N passed, M failed`; exit status 1 if any failed (the runner is
 * tests/common/hosttest.c). SCHED_SEED=S changes the random streams (a
 * failure prints the seed that reproduces it). */
#include "tests/sched/harness.h"

int st_gen_corpus(const char *dir);

static const struct st_test *const tables[] = {st_spec_tests,  st_filter_tests,  st_policy_tests,
                                               st_proto_tests, st_machine_tests, st_sim_tests};

int main(int argc, char **argv)
{
    const struct hosttest_suite suite = {
        .tables = tables,
        .ntables = sizeof tables / sizeof tables[0],
        .seed_env = "SCHED_SEED",
        .gen_corpus = st_gen_corpus,
    };
    return hosttest_main(&suite, argc, argv);
}
