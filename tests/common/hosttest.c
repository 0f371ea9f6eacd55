/* tests/common/hosttest.c: the runner of the host test programs
 * (tests/common/hosttest.h). */
#define _POSIX_C_SOURCE 200809L
#include "tests/common/hosttest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

char test_why[1024];
bool test_soak;

static uint64_t base_seed = 1;
static char seed_hint[64]; /* "(FS_SEED=S)": how to reproduce a failure; "" if no seed */
static const struct hosttest *current;

/* In a test's own process. */
static uint64_t rng;
static int fail_fd = -1; /* the child's end of the message pipe */
static int has_failed;

void hosttest_fail(const char *file, int line, const char *fmt, ...)
{
    if (has_failed)
        return;
    has_failed = 1;
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof msg && seed_hint[0])
        snprintf(msg + n, sizeof msg - (size_t)n, " %s", seed_hint);
    if (fail_fd >= 0 && write(fail_fd, msg, strlen(msg)) < 0)
        perror("hosttest_fail");
}

int hosttest_failed(void) { return has_failed; }

const struct hosttest *hosttest_current(void) { return current; }

uint64_t hosttest_seed(void) { return base_seed; }

/* splitmix64 */
uint64_t hosttest_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The test's random stream: FNV-1a of its name over the base seed. */
static void seed_stream(const char *name)
{
    uint64_t seed = base_seed;
    for (const char *p = name; *p; p++)
        seed = (seed ^ (uint8_t)*p) * 0x100000001b3ULL;
    rng = seed;
}

/* Runs t in a child process and prints its result; 1 if it passed. The
 * child sends its failure message, if any, down a pipe. */
static int run_forked(const struct hosttest *t)
{
    int fds[2];
    if (pipe(fds) != 0) {
        printf("FAIL %s: runner: pipe failed\n", t->name);
        return 0;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s: runner: fork failed\n", t->name);
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    if (pid == 0) {
        close(fds[0]);
        fail_fd = fds[1];
        seed_stream(t->name);
        t->fn();
        _exit(has_failed ? 1 : 0);
    }
    close(fds[1]);
    char msg[1100];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fds[0], msg + n, sizeof msg - 1 - n)) > 0)
        n += (size_t)r;
    msg[n] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    const char *sep = seed_hint[0] ? " " : "";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == 0) {
        printf("PASS %s\n", t->name);
        return 1;
    }
    if (n > 0)
        printf("FAIL %s: %s\n", t->name, msg);
    else if (WIFSIGNALED(status))
        printf("FAIL %s: killed by signal %d%s%s\n", t->name, WTERMSIG(status), sep, seed_hint);
    else
        printf("FAIL %s: exited with status %d (sanitizer report above?)%s%s\n", t->name,
               WEXITSTATUS(status), sep, seed_hint);
    return 0;
}

/* Runs t here and prints its result; 1 if it passed. */
static int run_here(const struct table_test *t)
{
    test_why[0] = '\0';
    int ok = t->fn() == 0;
    if (ok)
        printf("PASS %s\n", t->name);
    else
        printf("FAIL %s: %s\n", t->name, test_why);
    fflush(stdout);
    return ok;
}

int hosttest_main(const struct hosttest_suite *suite, int argc, char **argv)
{
    if (argc == 3 && suite->gen_corpus && strcmp(argv[1], "--gen-corpus") == 0)
        return suite->gen_corpus(argv[2]);
    const char *filter = argc > 1 ? argv[1] : "";
    const char *soak = getenv("SOAK");
    test_soak = soak && *soak && strcmp(soak, "0") != 0;
    if (suite->seed_env) {
        const char *s = getenv(suite->seed_env);
        if (s && *s)
            base_seed = strtoull(s, NULL, 0);
        snprintf(seed_hint, sizeof seed_hint, "(%s=%llu)", suite->seed_env,
                 (unsigned long long)base_seed);
    }

    int passed = 0, failed = 0;
    for (size_t i = 0; i < suite->ntables; i++) {
        for (const struct hosttest *t = suite->tables[i]; t && t->name; t++) {
            if (!strstr(t->name, filter))
                continue;
            current = t;
            if (run_forked(t))
                passed++;
            else
                failed++;
        }
    }
    for (size_t i = 0; i < suite->ntable_tests; i++) {
        for (const struct table_test *t = suite->table_tests[i]; t && t->name; t++) {
            if (!strstr(t->name, filter))
                continue;
            if (run_here(t))
                passed++;
            else
                failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout); /* before LeakSanitizer's report, which exits without flushing */
    return failed ? 1 : 0;
}
