/* tests/storage/bench.c: `make storage-bench`: log store appends per second
 * over a RAM disk whose flush busy-waits FLUSH_US microseconds (a stand-in for
 * the device's flush latency), for 64 B and 1 KiB records and several group
 * commit sizes (appends per commit). Compiled -O2 without sanitizers. The
 * ceiling with one append per commit is 1e6 / FLUSH_US; group commit is what
 * lifts it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/errno.h"
#include "lib/logstore.h"
#include "tests/storage/simdisk.h"

static uint8_t work[1 << 20] __attribute__((aligned(16)));

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Appends for about `secs` seconds in groups of `group`; returns appends/s. */
static double run(uint32_t len, uint32_t group, uint64_t flush_ns, double secs, double *fpa)
{
    struct simdisk d;
    simdisk_init(&d, 32768); /* 16 MiB */
    d.no_torn_copy = true;
    struct logstore_format_opts o = {.format_id = 1};
    if (logstore_format(&d.dev, 1, 1, &o) != 0)
        abort();
    struct logstore ls;
    if (logstore_open(&ls, &d.dev, work, sizeof work) != 0)
        abort();
    d.flush_cost_ns = flush_ns;
    static uint8_t rec[1024];
    uint64_t n = 0, idx = 0;
    double t0 = now(), t = t0;
    while (t - t0 < secs) {
        for (uint32_t i = 0; i < group; i++) {
            int rv = logstore_append(&ls, 0, rec, len, &idx);
            if (rv == -ENOSPC) {
                if (logstore_truncate_prefix(&ls, 0, idx) != 0)
                    abort();
                rv = logstore_append(&ls, 0, rec, len, &idx);
            }
            if (rv != 0)
                abort();
            n++;
        }
        if (logstore_commit(&ls) != 0)
            abort();
        t = now();
    }
    *fpa = (double)d.flushes / (double)n;
    simdisk_free(&d);
    return (double)n / (t - t0);
}

int main(int argc, char **argv)
{
    double flush_us = argc > 1 ? atof(argv[1]) : 100;
    double secs = argc > 2 ? atof(argv[2]) : 0.25;
    static const uint32_t lens[] = {64, 1024}, groups[] = {1, 8, 64, 256};
    printf("log store appends/s, RAM disk, flush cost %.0f us (ceiling %.0f commits/s)\n", flush_us,
           flush_us > 0 ? 1e6 / flush_us : 0.0);
    printf("%8s %8s %14s %12s %12s\n", "record", "group", "appends/s", "MB/s", "flush/app");
    for (int l = 0; l < 2; l++) {
        for (int g = 0; g < 4; g++) {
            double fpa;
            double r = run(lens[l], groups[g], (uint64_t)(flush_us * 1000), secs, &fpa);
            printf("%7uB %8u %14.0f %12.1f %12.4f\n", lens[l], groups[g], r, r * lens[l] / 1e6,
                   fpa);
        }
    }
    printf("no flush cost (CPU only):\n");
    for (int l = 0; l < 2; l++) {
        double fpa;
        double r = run(lens[l], 64, 0, secs, &fpa);
        printf("%7uB %8u %14.0f %12.1f %12.4f\n", lens[l], 64, r, r * lens[l] / 1e6, fpa);
    }
    return 0;
}
