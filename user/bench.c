/* user/bench.c: micro-benchmarks for `make bench`.
 *   bench null N    getpid round trip
 *   bench yield N   yield ping-pong with a child (`bench yieldpeer`): ns per switch
 *   bench spawn N   spawn(true) + wait
 *   bench trap N    the bare trap (SYS_BARE_TRAP): the floor for any syscall
 *   bench satp N    one satp write + sfence.vma, measured in the kernel
 *   bench mac N     encode + MAC of a header-only RPC frame, in the kernel
 * Each runs ROUNDS rounds of N operations timed with SYS_CLOCK and prints the
 * median as one line: `bench <kind> <n> <ns_per_op>`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ulib.h"

#define ROUNDS 5

static void bare_trap(void)
{
    register long a7 asm("a7") = SYS_BARE_TRAP;
    asm volatile("ecall" : : "r"(a7) : "memory");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One round of `kind`: ns per operation, or a negative error. */
/* ns per operation of a kernel-internal calibration (SYS_CALIBRATE), its
 * empty loop subtracted; a negative errno if the kernel refuses. */
static double calibrated(int cal, long n)
{
    long s = sys_calibrate(cal, (uint64_t)n);
    long z = sys_calibrate(CAL_NOP, (uint64_t)n);
    if (s < 0)
        return s;
    if (z < 0)
        return z;
    return (double)(s - z) / (double)n;
}

static double round_ns(const char *kind, long n)
{
    uint64_t t0, t1;
    if (strcmp(kind, "null") == 0) {
        t0 = sys_clock();
        for (long i = 0; i < n; i++)
            sys_getpid();
        t1 = sys_clock();
        return (double)(t1 - t0) / (double)n;
    }
    if (strcmp(kind, "trap") == 0) {
        t0 = sys_clock();
        for (long i = 0; i < n; i++)
            bare_trap();
        t1 = sys_clock();
        return (double)(t1 - t0) / (double)n;
    }
    if (strcmp(kind, "spawn") == 0) {
        char *argv[] = {"true", NULL};
        t0 = sys_clock();
        for (long i = 0; i < n; i++) {
            int pid = sys_spawn("true", argv);
            if (pid < 0)
                return pid;
            sys_wait(pid, NULL, 0);
        }
        t1 = sys_clock();
        return (double)(t1 - t0) / (double)n;
    }
    if (strcmp(kind, "yield") == 0) {
        char *argv[] = {"bench", "yieldpeer", NULL};
        int pid = sys_spawn("bench", argv);
        if (pid < 0)
            return pid;
        for (int i = 0; i < 20; i++) /* let the peer start */
            sys_yield();
        t0 = sys_clock();
        for (long i = 0; i < n; i++)
            sys_yield();
        t1 = sys_clock();
        sys_kill(pid, SIG_KILL);
        sys_wait(pid, NULL, 0);
        return (double)(t1 - t0) / (double)(2 * n); /* each yield: there and back */
    }
    if (strcmp(kind, "mac") == 0)
        return calibrated(CAL_MAC, n);
    if (strcmp(kind, "satp") == 0)
        return calibrated(CAL_SATP_SWITCH, n);
    return -EINVAL;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "yieldpeer") == 0) {
        /* Yields until killed by the parent (or 60 s pass, as a safety net). */
        uint64_t start = sys_clock();
        for (;;) {
            for (int i = 0; i < 1000; i++)
                sys_yield();
            if (sys_clock() - start > 60000000000ULL)
                return 1;
        }
    }
    long n;
    if (argc != 3 || parse_long(argv[2], &n) != 0 || n < 1 || n > 1000000) {
        fprintf(stderr, "usage: bench null|yield|spawn|trap|satp|mac N\n");
        return 2;
    }
    double r[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        r[i] = round_ns(argv[1], n);
        if (r[i] < 0) {
            fprintf(stderr, "bench %s: %s\n", argv[1], err_str((long)r[i]));
            return 1;
        }
    }
    qsort(r, ROUNDS, sizeof r[0], cmp_double);
    printf("bench %s %ld %.1f\n", argv[1], n, r[ROUNDS / 2]);
    return 0;
}
