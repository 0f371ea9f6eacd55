/* tests/fs/main.c: runs the file service's metadata host tests (the wire
 * codec and the replicated state machine of services/fs/).
 *
 * Usage: build/host/fs_tests [FILTER]
 * Runs every test whose name contains FILTER, each in its own process, prints
 * `PASS name` or `FAIL name: file:line: message (FS_SEED=S)` per test and
 * ends with `N passed, M failed`; exit status 1 if any failed (the runner is
 * tests/common/hosttest.c). FS_SEED=S changes the random streams (a failure
 * prints the seed that reproduces it; the random tests also print theirs). */
#include <stdlib.h>

#include "tests/fs/harness.h"

/* The op error table (test_ops.c) as a table of tests: row i is the test
 * case_tests[i], of the row's name, which runs ft_run_case on that row. */
static struct ft_test *case_tests;

static void run_case(void) { ft_run_case(&ft_op_cases[hosttest_current() - case_tests]); }

int main(int argc, char **argv)
{
    size_t n = 0;
    while (ft_op_cases[n].name)
        n++;
    case_tests = calloc(n + 1, sizeof *case_tests); /* ends with {NULL, NULL} */
    if (!case_tests) {
        perror("fs_tests");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        case_tests[i] = (struct ft_test){ft_op_cases[i].name, run_case};

    /* the op error table comes right after the codec's tests */
    const struct ft_test *const tables[] = {ft_proto_tests,    ft_reply_tests, case_tests,
                                            ft_machine_tests,  ft_refs_tests,  ft_model_tests,
                                            ft_snapshot_tests, ft_data_tests};
    const struct hosttest_suite suite = {
        .tables = tables,
        .ntables = sizeof tables / sizeof tables[0],
        .seed_env = "FS_SEED",
    };
    int rv = hosttest_main(&suite, argc, argv);
    free(case_tests);
    return rv;
}
