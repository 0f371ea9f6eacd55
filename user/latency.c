/* user/latency.c: call latency per port on this node (kernel/latency.h,
 * docs/trace.md "Latency"): for each port on another node that processes
 * here called, the round trip as they waited it; for each port here that
 * answered calls from other nodes, the time from arrival to the reply.
 *
 *   latency      one line per port: node.index, calls or served, how
 *                many, p50, p99, max and mean in microseconds */
#include <stdio.h>

#include "user/ulib.h"

#define MAX 64

static struct port_latency t[MAX];

int main(void)
{
    long n = sys_trace(TRACE_LATENCY, (long)t, MAX, 0);
    if (n < 0) {
        fprintf(stderr, "latency: %s\n", err_str(n));
        return 1;
    }
    printf("%-12s %-7s %8s %9s %9s %9s %9s\n", "port", "side", "n", "p50 us", "p99 us", "max us",
           "mean us");
    for (long i = 0; i < n; i++) {
        char port[24];
        snprintf(port, sizeof port, "%lu.%lu", (unsigned long)(t[i].port.a >> 32),
                 (unsigned long)(t[i].port.a & 0xffffffffu));
        printf("%-12s %-7s %8lu %9lu %9lu %9lu %9lu\n", port, t[i].served ? "served" : "called",
               (unsigned long)t[i].calls, (unsigned long)(t[i].p50_ns / 1000),
               (unsigned long)(t[i].p99_ns / 1000), (unsigned long)(t[i].max_ns / 1000),
               (unsigned long)(t[i].mean_ns / 1000));
    }
    return 0;
}
