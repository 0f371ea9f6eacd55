/* user/fpu.c: checks that floating-point state survives context switches.
 *
 * `fpu [N]` spawns N (default 3) workers `fpu worker K`. Each worker keeps
 * several double accumulators live in FP registers across yields and timer
 * preemptions, adding K-scaled halves and quarters: every partial sum is an
 * exact binary fraction, so the result must equal the closed form exactly.
 * Workers use different K, so a register leaked between processes shows up
 * as a mismatch. Exit 0 iff every worker matched. */
#include <stdio.h>
#include <string.h>

#include "user/ulib.h"

#define ITERS 2000000
#define YIELD_EVERY 50000

static int worker(long k)
{
    double a = 0, b = 0, c = 0, d = 0;
    double ka = (double)k * 0.5, kb = (double)k * 0.25, kc = (double)k * 2.0;
    for (long i = 0; i < ITERS; i++) {
        double x = (double)i;
        a += x * ka;
        b += x * kb;
        c -= x * kc;
        d += ka + kb;
        if (i % YIELD_EVERY == 0)
            sys_yield();
    }
    /* sum_{i<n} i = n(n-1)/2, exact in double for n = 2000000 */
    double s = (double)ITERS * (double)(ITERS - 1) / 2.0;
    double ea = s * ka, eb = s * kb, ec = -s * kc, ed = (double)ITERS * (ka + kb);
    if (a != ea || b != eb || c != ec || d != ed) {
        printf("fpu: worker %ld: MISMATCH a=%.17g/%.17g b=%.17g/%.17g c=%.17g/%.17g d=%.17g/%.17g\n",
               k, a, ea, b, eb, c, ec, d, ed);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long n = 3;
    if (argc == 3 && strcmp(argv[1], "worker") == 0) {
        long k;
        if (parse_long(argv[2], &k) != 0)
            return 2;
        return worker(k);
    }
    if (argc == 2 && (parse_long(argv[1], &n) != 0 || n < 1 || n > 32)) {
        fprintf(stderr, "usage: fpu [N]\n");
        return 2;
    }
    int bad = 0;
    for (long k = 1; k <= n; k++) {
        char kbuf[24];
        snprintf(kbuf, sizeof kbuf, "%ld", k + 2);
        char *wargv[] = {"fpu", "worker", kbuf, NULL};
        int pid = sys_spawn("fpu", wargv);
        if (pid < 0) {
            printf("fpu: spawn: %s\n", err_str(pid));
            bad++;
        }
    }
    /* The parent does FP work too while the workers run. */
    bad += worker(1);
    int st, pid;
    while ((pid = sys_wait(-1, &st, 0)) > 0)
        if (st != 0) {
            printf("fpu: worker pid %d exited %d\n", pid, st);
            bad++;
        }
    printf("fpu: %s\n", bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}
