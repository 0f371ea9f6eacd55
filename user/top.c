/* user/top.c: `top`: every node as the global scheduler sees it (its last
 * load report, docs/sched.md): up or down, cordoned, run queue, CPU use,
 * free memory, processes, the cpu and memory requests placed there against
 * its capacity, its labels and taints. Exit 1 if the scheduler does not
 * answer. */
#include <stdio.h>
#include <string.h>

#include "services/sched/spectext.h"
#include "user/schedclient.h"
#include "user/ulib.h"

int main(void)
{
    static struct sched_request req;
    static struct sched_reply rep;
    uint64_t after = 0;
    printf("NODE STATE     RUNQ  CPU%%  MEM-FREE/TOTAL KiB  PROCS  REQ-CPU/CAP  REQ-MEM KiB  "
           "LABELS TAINTS\n");
    for (;;) {
        memset(&req, 0, sizeof req);
        req.op = SCHED_OP_STATUS;
        req.list = SCHED_LIST_NODES;
        req.after = after;
        int rv = sched_call(&req, &rep);
        if (rv || rep.status) {
            fprintf(stderr, "top: the scheduler: %s\n", err_str(rv ? rv : rep.status));
            return 1;
        }
        for (uint32_t i = 0; i < rep.n; i++) {
            const struct sched_node *n = &rep.nodes[i];
            char labels[160] = "", taints[160] = "", one[64];
            for (uint32_t k = 0; k < n->nlabels; k++) {
                sched_label_format(&n->labels[k], one, sizeof one);
                snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s%s",
                         k ? "," : "", one);
            }
            for (uint32_t k = 0; k < n->ntaints; k++) {
                sched_taint_format(&n->taints[k], one, sizeof one);
                snprintf(taints + strlen(taints), sizeof taints - strlen(taints), "%s%s",
                         k ? "," : "", one);
            }
            printf("%4u %-9s %2u.%02u %5u  %8u/%-8u %6u  %5u/%-5u  %10u   %s %s\n", n->id,
                   !n->up        ? "down"
                   : n->cordoned ? "cordoned"
                                 : "up",
                   n->runq_milli / 1000, n->runq_milli % 1000 / 10, n->cpu_use_milli / 10,
                   n->mem_free_kib, n->mem_cap_kib, n->nprocs, n->cpu_req_milli, n->cpu_cap_milli,
                   n->mem_req_kib, labels[0] ? labels : "-", taints[0] ? taints : "-");
        }
        if (!rep.more)
            break;
        after = rep.next;
    }
    printf("policy %s\n", rep.policy);
    return 0;
}
