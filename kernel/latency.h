/* kernel/latency.h: call latency per port, as histograms (docs/trace.md,
 * "Latency"). Every call this node makes to a port on another node is
 * counted under that port (the round trip, as the caller waits it), and
 * every call from another node that a port here answers under this port
 * (from its arrival to the reply). SYS_TRACE TRACE_LATENCY reads the
 * percentiles; `latency` prints them. */
#ifndef KERNEL_LATENCY_H
#define KERNEL_LATENCY_H

#include <stdint.h>

#include "lib/syscall_abi.h"

#define LATENCY_PORTS 64 /* ports followed at once */

void latency_record(const struct port_id *port, int served, uint64_t ns);
/* At most max entries into out (kernel memory): how many. */
int latency_read(struct port_latency *out, int max);

#endif
