/* tests/common/forkrun.c: one process per test (tests/common/forkrun.h). */
#define _POSIX_C_SOURCE 200809L
#include "tests/common/forkrun.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail_fd = -1; /* the child's end of the message pipe */
static int has_failed;

void forkrun_vfail(const char *file, int line, const char *hint, const char *fmt, va_list ap)
{
    if (has_failed)
        return;
    has_failed = 1;
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s:%d: ", file, line);
    n += vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    if (n < (int)sizeof msg && hint[0])
        snprintf(msg + n, sizeof msg - (size_t)n, " %s", hint);
    if (fail_fd >= 0 && write(fail_fd, msg, strlen(msg)) < 0)
        perror("forkrun_vfail");
}

int forkrun_failed(void) { return has_failed; }

int forkrun_one(const char *name, void (*fn)(void), void (*before)(const char *name),
                const char *hint)
{
    int fds[2];
    if (pipe(fds) != 0) {
        printf("FAIL %s: runner: pipe failed\n", name);
        return 0;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s: runner: fork failed\n", name);
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    if (pid == 0) {
        close(fds[0]);
        fail_fd = fds[1];
        if (before)
            before(name);
        fn();
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
    const char *sep = hint[0] ? " " : "";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && n == 0) {
        printf("PASS %s\n", name);
        return 1;
    }
    if (n > 0)
        printf("FAIL %s: %s\n", name, msg);
    else if (WIFSIGNALED(status))
        printf("FAIL %s: killed by signal %d%s%s\n", name, WTERMSIG(status), sep, hint);
    else
        printf("FAIL %s: exited with status %d (sanitizer report above?)%s%s\n", name,
               WEXITSTATUS(status), sep, hint);
    return 0;
}
