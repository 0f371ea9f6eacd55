/* kernel/latency.c: call latency histograms per port (kernel/latency.h).
 *
 * A histogram has 4 buckets per power of two of microseconds (as HDR
 * histograms do, coarser): a percentile is read as the upper edge of its
 * bucket, at most 19% above the true value. LAT_PORTS ports are followed;
 * a new one takes the place of the one with the fewest calls. */
#include "kernel/latency.h"
#include "kernel/kernel.h"

#define LAT_PORTS LATENCY_PORTS
#define LAT_BUCKETS 128 /* 32 powers of two of us: up to about 70 minutes */

struct lat_port {
    struct port_id port;
    int served;
    uint64_t calls, sum_ns, max_ns;
    uint32_t count[LAT_BUCKETS];
};

static struct lat_port tab[LAT_PORTS];

static uint32_t bucket_of(uint64_t ns)
{
    uint64_t us = ns / 1000 ? ns / 1000 : 1;
    uint32_t o = 0; /* us in [2^o, 2^(o+1)); (the kernel links no libgcc clz) */
    while (us >> (o + 1))
        o++;
    uint32_t sub = o >= 2 ? (uint32_t)(us >> (o - 2)) & 3 : (uint32_t)(us << (2 - o)) & 3;
    uint32_t b = o * 4 + sub;
    return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

/* The upper edge of bucket b, in ns: (4 + sub + 1) / 4 x 2^o us. */
static uint64_t bucket_top_ns(uint32_t b)
{
    uint32_t o = b / 4, sub = b % 4;
    return ((uint64_t)(5 + sub) << o) * 1000 / 4;
}

void latency_record(const struct port_id *port, int served, uint64_t ns)
{
    struct lat_port *t = 0, *fewest = &tab[0];
    for (int i = 0; i < LAT_PORTS && !t; i++) {
        if (tab[i].calls && tab[i].port.a == port->a && tab[i].port.b == port->b &&
            tab[i].served == served)
            t = &tab[i];
        else if (tab[i].calls < fewest->calls)
            fewest = &tab[i];
    }
    if (!t) {
        t = fewest;
        memset(t, 0, sizeof *t);
        t->port = *port;
        t->served = served;
    }
    t->calls++;
    t->sum_ns += ns;
    if (ns > t->max_ns)
        t->max_ns = ns;
    t->count[bucket_of(ns)]++;
}

static uint64_t percentile(const struct lat_port *t, uint64_t per_mille)
{
    uint64_t rank = (t->calls * per_mille + 999) / 1000, seen = 0;
    for (uint32_t b = 0; b < LAT_BUCKETS; b++) {
        seen += t->count[b];
        if (seen >= rank) {
            uint64_t top = bucket_top_ns(b);
            return top < t->max_ns ? top : t->max_ns;
        }
    }
    return t->max_ns;
}

int latency_read(struct port_latency *out, int max)
{
    int n = 0;
    for (int i = 0; i < LAT_PORTS && n < max; i++) {
        const struct lat_port *t = &tab[i];
        if (!t->calls)
            continue;
        out[n++] = (struct port_latency){.port = t->port,
                                         .served = (uint32_t)t->served,
                                         .calls = t->calls,
                                         .p50_ns = percentile(t, 500),
                                         .p99_ns = percentile(t, 990),
                                         .max_ns = t->max_ns,
                                         .mean_ns = t->sum_ns / t->calls};
    }
    return n;
}
