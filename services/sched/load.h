/* services/sched/load.h: measuring this node's load for its report to the
 * leader (schedproto.h sched_report_encode), in the scheduler server on
 * every node.
 *
 * From what every process can see: the process list (state, CPU time,
 * pages, service flag) and the memory counters. The run queue is sampled
 * every SCHED_SAMPLE_MS (four times a second) and averaged over the report
 * interval; CPU use is the CPU time processes gained over the interval (one
 * hart: 1000). A sample that finds the run queue shorter than the one
 * before (a process ended, slept or left) marks the interval `fell`: the
 * server then reports at once rather than at the end of its interval, so
 * the leader frees what an ended process held, and sees an idle node, a
 * fraction of a second after it happened (reports.c). */
#ifndef SERVICES_SCHED_LOAD_H
#define SERVICES_SCHED_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "services/sched/sched.h"

#define SCHED_SAMPLE_MS 250

struct load_sampler {
    uint64_t last_report_ns, last_sample_ns;
    uint32_t runq_sum, samples;
    uint32_t last_ready; /* the run queue at the last sample */
    bool fell;           /* it shrank at a sample since the last report */
    uint32_t nprev;
    struct {
        int32_t pid;
        uint64_t cpu_ns;
    } prev[SCHED_NODE_PROCS * 2];
    int32_t self; /* the sampler's own pid: not counted in the run queue */
};

void load_init(struct load_sampler *s, uint64_t now_ns);
/* Take a run-queue sample if one is due. */
void load_tick(struct load_sampler *s, uint64_t now_ns);
/* Fill n's capacity, load and process list for the interval since the
 * last report and start a new one (n's id, labels and taints are the
 * caller's). */
void load_report(struct load_sampler *s, uint64_t now_ns, struct sched_node *n);

#endif
