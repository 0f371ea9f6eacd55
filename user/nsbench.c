/* user/nsbench.c: load and latency for the naming service.
 *
 *   nsbench put N [PREFIX]   N binds of PREFIXK (K = 1..N; PREFIX default
 *                            "bench.<pid>."), one after the other
 *   nsbench get N [NAME]     N lookups of NAME (default: a name bound first)
 *   nsbench -c C put N       C clients at once (C copies of `nsbench put N
 *                            cI.`), then `nsbench: C clients: T ops in MS
 *                            ms: R ops/s` over all of them: the group
 *                            commit's throughput
 *
 * Prints `nsbench: OP N ops in T ms: R ops/s, mean L us, max M us, E errors`
 * (tests/bench/bench.py and the tests read it). Several copies at once (`&`
 * in the shell) measure concurrent clients. Exit status 1 if any op failed. */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

/* -c C put N: C copies at once, waited for; their ops per second together. */
static int clients(long c, char **argv)
{
    static int pids[128];
    long n;
    if (c < 1 || c > 128 || parse_long(argv[2], &n) || n < 1 || strcmp(argv[1], "put")) {
        printf("usage: nsbench -c C put N (C <= 128)\n");
        return 2;
    }
    uint64_t start = sys_clock();
    int started = 0, failed = 0;
    for (long i = 0; i < c; i++) {
        char prefix[24];
        snprintf(prefix, sizeof prefix, "c%ld.", i);
        char *args[] = {"nsbench", "put", argv[2], prefix, 0};
        int pid = sys_spawn("nsbench", args);
        if (pid < 0) {
            printf("nsbench: client %ld: %s\n", i, err_str(pid));
            failed++;
            continue;
        }
        pids[started++] = pid;
    }
    for (int i = 0; i < started; i++) {
        int st = -1;
        if (sys_wait(pids[i], &st, 0) != pids[i] || st != 0)
            failed++;
    }
    uint64_t total = sys_clock() - start;
    uint64_t ops = (uint64_t)started * (uint64_t)n;
    printf("nsbench: %ld clients: %lu ops in %lu ms: %lu ops/s, %d failed\n", c, (unsigned long)ops,
           (unsigned long)(total / 1000000),
           (unsigned long)(total ? ops * 1000000000ULL / total : 0), failed);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    long n;
    if (argc == 5 && !strcmp(argv[1], "-c")) {
        long c;
        if (parse_long(argv[2], &c))
            c = 0;
        return clients(c, argv + 2);
    }
    if (argc < 3 || parse_long(argv[2], &n) || n < 1 ||
        (strcmp(argv[1], "put") && strcmp(argv[1], "get"))) {
        printf("usage: nsbench put N [PREFIX] | nsbench get N [NAME]\n");
        return 2;
    }
    bool put = !strcmp(argv[1], "put");
    char prefix[40], name[NS_NAME_MAX + 1];
    if (argc > 3)
        snprintf(prefix, sizeof prefix, "%s", argv[3]);
    else
        snprintf(prefix, sizeof prefix, "bench.%d.", sys_getpid());
    if (!put && argc <= 3) {
        int rv = ns_put(prefix, "x", 1, 0, 0);
        if (rv) {
            printf("nsbench: cannot bind %s: %s\n", prefix, err_str(rv));
            return 1;
        }
    }
    long errors = 0;
    uint64_t max_ns = 0, start = sys_clock();
    struct ns_binding b;
    for (long k = 1; k <= n; k++) {
        uint64_t t0 = sys_clock();
        int rv;
        if (put) {
            snprintf(name, sizeof name, "%s%ld", prefix, k);
            rv = ns_put(name, name, strlen(name), 0, 0);
        } else {
            rv = ns_get(prefix, &b);
        }
        uint64_t dt = sys_clock() - t0;
        if (dt > max_ns)
            max_ns = dt;
        if (rv) {
            if (errors++ < 3)
                printf("nsbench: %s %ld: %s\n", argv[1], k, err_str(rv));
        }
    }
    uint64_t total = sys_clock() - start;
    printf("nsbench: %s %ld ops in %lu ms: %lu ops/s, mean %lu us, max %lu us, %ld errors\n",
           argv[1], n, (unsigned long)(total / 1000000),
           (unsigned long)(total ? (uint64_t)n * 1000000000ULL / total : 0),
           (unsigned long)(total / (uint64_t)n / 1000), (unsigned long)(max_ns / 1000), errors);
    return errors ? 1 : 0;
}
