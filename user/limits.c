/* user/limits.c: checks per-process limits (SYS_SETLIMIT).
 *  - children: with LIMIT_CHILDREN lowered to 2, a third live child is
 *    refused with -EAGAIN (or -ENOMEM), not created;
 *  - raising a limit is refused (-EPERM);
 *  - heap: with LIMIT_PAGES lowered to what we hold plus 1 MiB, malloc
 *    eventually returns NULL (sbrk gets -ENOMEM) and we are not killed;
 *  - spawn: with LIMIT_PAGES lowered below what any program needs, spawn
 *    fails (children inherit the limit) and we keep running.
 * Prints one line per check; exits 0 iff all passed. */
#include <stdio.h>
#include <stdlib.h>

#include "user/ulib.h"

static int failed;

static void result(const char *what, int ok, const char *detail)
{
    printf("limits: %s %s%s%s\n", what, ok ? "ok" : "FAIL", *detail ? ": " : "", detail);
    if (!ok)
        failed++;
}

static uint64_t my_pages(void)
{
    static struct proc_info procs[256];
    int me = sys_getpid(), n = sys_proclist(procs, 256);
    for (int i = 0; i < n; i++)
        if (procs[i].pid == me)
            return procs[i].pages;
    return 0;
}

int main(void)
{
    char detail[128];

    /* children */
    int rv = sys_setlimit(LIMIT_CHILDREN, 2);
    char *sargv[] = {"sleep", "0.3", NULL};
    int a = sys_spawn("sleep", sargv), b = sys_spawn("sleep", sargv);
    int c = sys_spawn("sleep", sargv);
    snprintf(detail, sizeof detail, "setlimit %d, spawns %d %d, third %d (%s)", rv, a, b, c,
             c < 0 ? err_str(c) : "created");
    result("children", rv == 0 && a > 0 && b > 0 && (c == -EAGAIN || c == -ENOMEM), detail);
    while (sys_wait(-1, NULL, 0) > 0)
        ;

    /* raising is refused */
    rv = sys_setlimit(LIMIT_CHILDREN, 1000);
    snprintf(detail, sizeof detail, "setlimit children 1000 -> %d", rv);
    result("raise", rv == -EPERM, detail);

    /* heap */
    uint64_t have = my_pages();
    rv = sys_setlimit(LIMIT_PAGES, have + 256);
    size_t got = 0;
    for (int i = 0; i < 4096; i++) { /* at most 256 MiB: the limit must stop us first */
        char *p = malloc(64 * 1024);
        if (!p)
            break;
        for (int j = 0; j < 64 * 1024; j += 4096)
            p[j] = 1; /* touch: must not be killed */
        got += 64;
    }
    snprintf(detail, sizeof detail, "held %llu pages, setlimit %d, malloc stopped after %zu KiB",
             (unsigned long long)have, rv, got);
    result("heap", rv == 0 && got >= 512 && got <= 1024 + 64, detail);

    /* spawn under a page limit too small for any program */
    rv = sys_setlimit(LIMIT_PAGES, 4);
    char *targv[] = {"true", NULL};
    int pid = sys_spawn("true", targv);
    int st = -1;
    if (pid > 0)
        sys_wait(pid, &st, 0);
    snprintf(detail, sizeof detail, "setlimit %d, spawn true -> %d (%s)%s", rv, pid,
             pid < 0 ? err_str(pid) : "created", pid > 0 && st != 0 ? " and it died" : "");
    result("spawn", rv == 0 && (pid == -ENOMEM || pid == -EAGAIN), detail);

    printf("limits: %s\n", failed ? "FAILED" : "all ok");
    return failed ? 1 : 0;
}
