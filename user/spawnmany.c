/* user/spawnmany.c: `spawnmany N [PROG ARGS...]` starts N children at once
 * (default `sleep 0.5`), then waits for all of them. Prints
 * `spawnmany: N ok` and exits 0 iff all were spawned and all exited 0. */
#include <stdio.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    long n;
    if (argc < 2 || parse_long(argv[1], &n) != 0 || n < 1 || n > 1000) {
        fprintf(stderr, "usage: spawnmany N [PROG ARGS...]\n");
        return 2;
    }
    char *def_argv[] = {"sleep", "0.5", NULL};
    char **cargv = argc > 2 ? argv + 2 : def_argv;
    long spawned = 0, failed = 0;
    for (long i = 0; i < n; i++) {
        int pid = sys_spawn(cargv[0], cargv);
        if (pid < 0) {
            printf("spawnmany: spawn %ld: %s\n", i, err_str(pid));
            failed++;
        } else {
            spawned++;
        }
    }
    int st, pid;
    while ((pid = sys_wait(-1, &st, 0)) > 0) {
        if (st != 0) {
            printf("spawnmany: pid %d exited %d\n", pid, st);
            failed++;
        }
    }
    if (failed) {
        printf("spawnmany: %ld of %ld failed\n", failed, n);
        return 1;
    }
    printf("spawnmany: %ld ok\n", spawned);
    return 0;
}
