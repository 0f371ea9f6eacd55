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
#include <sys/wait.h>
#include <unistd.h>

#include "tests/naming/harness.h"

static const struct nt_test *const tables[] = {nt_proto_tests, nt_machine_tests,
                                               nt_snapshot_tests};

static int fail_fd = -1;
static int has_failed;
static uint64_t base_seed = 1, seed, rng;

void nt_fail(const char *file, int line, const char *fmt, ...)
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
    if (n < (int)sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, " (NAMING_SEED=%llu)",
                 (unsigned long long)base_seed);
    if (fail_fd >= 0 && write(fail_fd, msg, strlen(msg)) < 0)
        perror("nt_fail");
}

int nt_failed(void) { return has_failed; }

/* splitmix64 */
uint64_t nt_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int run_one(const struct nt_test *t)
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
        seed = base_seed;
        for (const char *p = t->name; *p; p++)
            seed = (seed ^ (uint8_t)*p) * 0x100000001b3ULL;
        rng = seed;
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
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == 0) {
        printf("PASS %s\n", t->name);
        return 1;
    }
    if (n > 0)
        printf("FAIL %s: %s\n", t->name, msg);
    else if (WIFSIGNALED(status))
        printf("FAIL %s: killed by signal %d (NAMING_SEED=%llu)\n", t->name, WTERMSIG(status),
               (unsigned long long)base_seed);
    else
        printf("FAIL %s: exited with status %d (sanitizer report above?) (NAMING_SEED=%llu)\n",
               t->name, WEXITSTATUS(status), (unsigned long long)base_seed);
    return 0;
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : "";
    const char *s = getenv("NAMING_SEED");
    if (s && *s)
        base_seed = strtoull(s, NULL, 0);
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
