/* user/burn.c: `burn SECONDS [TAG]` spins for SECONDS of wall-clock time
 * doing arithmetic, and prints how many loop iterations it managed plus its
 * start and end clock readings:
 *   burn TAG: iters N start_ns S end_ns E
 * Two burners started together must both progress and their [S, E] intervals
 * overlap: that is what shows preemption. */
#include <stdio.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    uint64_t ns;
    if (argc < 2 || argc > 3 || parse_seconds_ns(argv[1], &ns) != 0) {
        fprintf(stderr, "usage: burn SECONDS [TAG]\n");
        return 2;
    }
    const char *tag = argc == 3 ? argv[2] : "-";
    uint64_t start = sys_clock(), now = start, iters = 0;
    volatile uint64_t x = 1;
    while (now - start < ns) {
        /* A chunk of pure computation between clock reads: no syscalls, so
         * only the timer can take the CPU away. */
        for (int i = 0; i < 4096; i++)
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        iters += 4096;
        now = sys_clock();
    }
    printf("burn %s: iters %llu start_ns %llu end_ns %llu\n", tag, (unsigned long long)iters,
           (unsigned long long)start, (unsigned long long)now);
    return 0;
}
