/* user/burn.c: `burn SECONDS [TAG]` spins for SECONDS of wall-clock time
 * doing arithmetic, and prints how many loop iterations it managed plus its
 * start and end clock readings:
 *   burn TAG: iters N start_ns S end_ns E
 * Two burners started together must both progress and their [S, E] intervals
 * overlap: that is what shows preemption.
 *
 * `burn -c SECONDS [TAG]` spins until it has had SECONDS of CPU time (its
 * own, wherever it runs: it may be moved meanwhile): a job of fixed work,
 * which takes longer on a shared hart (the scheduler's makespan bench). */
#include <stdio.h>

#include "user/ulib.h"

/* This process's CPU time so far (the process list of its node). */
static uint64_t cpu_time(void)
{
    static struct proc_info procs[128];
    int n = sys_proclist(procs, 128), me = sys_getpid();
    for (int i = 0; i < n; i++)
        if (procs[i].pid == me)
            return procs[i].cpu_ns;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t ns;
    int cpu = argc >= 2 && argv[1][0] == '-' && argv[1][1] == 'c' && !argv[1][2];
    argv += cpu;
    argc -= cpu;
    if (argc < 2 || argc > 3 || parse_seconds_ns(argv[1], &ns) != 0) {
        fprintf(stderr, "usage: burn [-c] SECONDS [TAG]\n");
        return 2;
    }
    const char *tag = argc == 3 ? argv[2] : "-";
    uint64_t start = sys_clock(), now = start, iters = 0;
    uint64_t cpu0 = cpu ? cpu_time() : 0, used = 0;
    volatile uint64_t x = 1;
    while (cpu ? used < ns : now - start < ns) {
        /* A chunk of pure computation between clock reads: no syscalls, so
         * only the timer can take the CPU away. */
        for (int i = 0; i < 4096; i++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        iters += 4096;
        now = sys_clock();
        if (cpu && iters % (4096 * 64) == 0)
            used = cpu_time() - cpu0;
    }
    printf("burn %s: iters %llu start_ns %llu end_ns %llu\n", tag, (unsigned long long)iters,
           (unsigned long long)start, (unsigned long long)now);
    return 0;
}
