/* user/placemany.c: many placements through the global scheduler, as `run
 * -n any` makes them (user/schedclient.h), for tests/sched and make bench.
 *
 *   placemany N TAG [SPEC]     N requests one after another (default SPEC
 *                              cpu=10), each running `echo TAG-i` on the
 *                              node chosen and waited for: every tag is
 *                              printed here once
 *   placemany -n K N TAG       the same without the scheduler, all on node
 *                              K (the latency baseline)
 *   placemany -n rr N TAG      the same without the scheduler, on nodes 1,
 *                              2, ... in turn: the nodes `any` spreads over,
 *                              so a spawn's cost, which differs from node to
 *                              node (this node's is local), weighs the same
 *                              on both sides of the comparison
 *   placemany -j L1,L2,... [SPEC]
 *                              a batch: `burn -c Li` (Li seconds of CPU) for
 *                              each, placed one after another (a request no
 *                              node can take yet waits), then all waited
 *                              for; the makespan, first request to last exit
 * Prints `placemany: N placed in T us (E us each), nodes K:n ...` (and
 * `makespan M ms` for a batch); exits 0 iff every one ran and exited 0. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/sched/spectext.h"
#include "user/schedclient.h"
#include "user/ulib.h"

#define JOBS_MAX 64

static int per_node[33];
/* Where the time goes: choosing (the PLACE request), starting (the spawn),
 * binding (the BIND request), summed over every start. */
static uint64_t choose_ns, spawn_ns, bind_ns;

/* Start one: through the scheduler unless fixed_node; the pid, or < 0. */
static int start(const struct sched_spec *spec, int fixed_node, char *const argv[])
{
    int node = fixed_node;
    uint64_t req_id = 0;
    uint64_t t0 = sys_clock();
    if (!fixed_node) {
        int rv = sched_choose(spec, 0, &req_id, &node, 0);
        if (rv) {
            printf("placemany: %s: %s\n", argv[1], err_str(rv));
            return rv;
        }
    }
    uint64_t t1 = sys_clock();
    int pid = (int)syscall3(SYS_SPAWN_NODE, node, argv[0], argv);
    uint64_t t2 = sys_clock();
    if (!fixed_node)
        sched_started(req_id, pid, node, spec);
    uint64_t t3 = sys_clock();
    choose_ns += t1 - t0;
    spawn_ns += t2 - t1;
    bind_ns += t3 - t2;
    if (pid < 0)
        printf("placemany: %s on node %d: %s\n", argv[1], node, err_str(pid));
    else if (node >= 1 && node <= 32)
        per_node[node]++;
    return pid;
}

static void summary(long ok, uint64_t t0)
{
    uint64_t us = (sys_clock() - t0) / 1000;
    printf("placemany: %ld placed in %llu us (%llu us each), nodes", ok, (unsigned long long)us,
           (unsigned long long)(ok ? us / (uint64_t)ok : 0));
    for (int k = 1; k <= 32; k++)
        if (per_node[k])
            printf(" %d:%d", k, per_node[k]);
    uint64_t each = ok ? (uint64_t)ok * 1000 : 1;
    printf("; each: choose %llu us, spawn %llu us, bind %llu us\n",
           (unsigned long long)(choose_ns / each), (unsigned long long)(spawn_ns / each),
           (unsigned long long)(bind_ns / each));
}

static int batch(const char *lengths, const struct sched_spec *spec)
{
    static int pids[JOBS_MAX];
    static char secs[JOBS_MAX][16], tags[JOBS_MAX][16];
    int n = 0;
    for (const char *p = lengths; *p && n < JOBS_MAX; n++) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof secs[0])
            return 2;
        memcpy(secs[n], p, len);
        secs[n][len] = 0;
        p += len + (p[len] == ',');
    }
    uint64_t t0 = sys_clock();
    long ok = 0;
    for (int i = 0; i < n; i++) {
        snprintf(tags[i], sizeof tags[i], "job%d", i);
        char *argv[] = {"burn", "-c", secs[i], tags[i], 0};
        pids[i] = start(spec, 0, argv);
    }
    for (int i = 0; i < n; i++) {
        int st = -1;
        if (pids[i] > 0 && sys_wait(pids[i], &st, 0) == pids[i] && st == 0)
            ok++;
    }
    uint64_t makespan = sys_clock() - t0;
    summary(ok, t0);
    printf("placemany: makespan %llu ms for %d jobs\n", (unsigned long long)(makespan / 1000000),
           n);
    return ok == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct sched_spec spec;
    long n, fixed = 0;
    if (argc >= 3 && argc <= 4 && !strcmp(argv[1], "-j")) {
        if (sched_spec_parse(argc == 4 ? argv[3] : "cpu=250", &spec))
            goto usage;
        int rv = batch(argv[2], &spec);
        if (rv == 2)
            goto usage;
        return rv;
    }
    bool turns = false;
    if (argc == 5 && !strcmp(argv[1], "-n")) {
        turns = !strcmp(argv[2], "rr");
        if (!turns && (parse_long(argv[2], &fixed) || fixed < 1))
            goto usage;
        argv += 2;
        argc -= 2;
    }
    if (argc < 3 || argc > 4 || parse_long(argv[1], &n) || n < 1 || n > 1000 ||
        sched_spec_parse(argc == 4 ? argv[3] : "cpu=10", &spec))
        goto usage;
    uint64_t t0 = sys_clock();
    long ok = 0;
    for (long i = 0; i < n; i++) {
        char tag[64];
        snprintf(tag, sizeof tag, "%s-%ld", argv[2], i);
        char *cargv[] = {"echo", tag, 0};
        if (turns)
            fixed = i % (long)syscall0(SYS_NODES) + 1;
        int pid = start(&spec, (int)fixed, cargv), st = -1;
        if (pid > 0 && sys_wait(pid, &st, 0) == pid && st == 0)
            ok++;
    }
    summary(ok, t0);
    return ok == n ? 0 : 1;
usage:
    fprintf(stderr, "usage: placemany [-n NODE|rr] N TAG [SPEC] | placemany -j L1,L2,... [SPEC]\n");
    return 2;
}
