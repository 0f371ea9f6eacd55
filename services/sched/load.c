/* services/sched/load.c: this node's load, measured (services/sched/load.h). */
#include "services/sched/load.h"

#include <string.h>

#include "user/ulib.h"

#define MAXP (SCHED_NODE_PROCS * 2)
static struct proc_info procs[MAXP];

void load_init(struct load_sampler *s, uint64_t now_ns)
{
    memset(s, 0, sizeof *s);
    s->last_report_ns = s->last_sample_ns = now_ns;
    s->self = sys_getpid();
}

void load_tick(struct load_sampler *s, uint64_t now_ns)
{
    if (now_ns - s->last_sample_ns < (uint64_t)SCHED_SAMPLE_MS * 1000000ULL)
        return;
    s->last_sample_ns = now_ns;
    int n = sys_proclist(procs, MAXP);
    uint32_t ready = 0;
    for (int i = 0; i < n; i++)
        if (procs[i].pid != s->self &&
            (procs[i].state == PSTATE_RUNNABLE || procs[i].state == PSTATE_RUNNING))
            ready++;
    s->runq_sum += ready;
    s->samples++;
    if (ready < s->last_ready)
        s->fell = true;
    s->last_ready = ready;
}

static uint64_t prev_cpu(const struct load_sampler *s, int32_t pid, int *found)
{
    for (uint32_t i = 0; i < s->nprev; i++)
        if (s->prev[i].pid == pid) {
            *found = 1;
            return s->prev[i].cpu_ns;
        }
    *found = 0;
    return 0;
}

void load_report(struct load_sampler *s, uint64_t now_ns, struct sched_node *r)
{
    uint64_t span = now_ns - s->last_report_ns;
    if (span == 0)
        span = 1;
    struct mem_info mi;
    if (sys_meminfo(&mi) == 0) {
        r->mem_cap_kib = (uint32_t)(mi.total_pages * 4);
        r->mem_free_kib = (uint32_t)(mi.free_pages * 4);
    }
    r->cpu_cap_milli = 1000; /* this kernel runs on one hart */
    r->runq_milli = s->samples ? s->runq_sum * 1000 / s->samples : 0;
    int n = sys_proclist(procs, MAXP);
    uint64_t used = 0;
    r->nprocs = 0;
    r->nprocs_listed = 0;
    uint32_t nprev = 0;
    for (int i = 0; i < n; i++) {
        const struct proc_info *q = &procs[i];
        if (q->state == PSTATE_ZOMBIE)
            continue;
        int found;
        uint64_t before = prev_cpu(s, q->pid, &found);
        /* New here (started or moved in this interval): its CPU time
         * before is not this node's; count at most the interval. */
        uint64_t gained = found && q->cpu_ns >= before ? q->cpu_ns - before : q->cpu_ns;
        if (gained > span)
            gained = span;
        if (q->pid != s->self)
            used += gained;
        r->nprocs++;
        if (r->nprocs_listed < SCHED_NODE_PROCS) {
            struct sched_proc *sp = &r->procs[r->nprocs_listed++];
            *sp = (struct sched_proc){q->pid,
                                      (uint32_t)(gained * 1000 / span),
                                      (uint32_t)(q->pages * 4),
                                      !(q->flags & PROC_F_PINNED),
                                      (q->flags & PROC_F_MOVING) != 0,
                                      0};
        }
        if (nprev < MAXP)
            s->prev[nprev++] = (typeof(s->prev[0])){q->pid, q->cpu_ns};
    }
    /* What was here at the last report and is not now either moved away
     * or ended: the kernel tells them apart (kill with signal 0 follows a
     * move, and finds no process that ended). A zombie has ended too. */
    r->nexited = 0;
    for (uint32_t i = 0; i < s->nprev && r->nexited < SCHED_NODE_EXITED; i++) {
        int32_t pid = s->prev[i].pid, zombie = 0, here = 0;
        for (int j = 0; j < n; j++)
            if (procs[j].pid == pid) {
                here = 1;
                zombie = procs[j].state == PSTATE_ZOMBIE;
            }
        if (zombie || (!here && sys_kill(pid, 0) == -ESRCH))
            r->exited[r->nexited++] = pid;
    }
    s->nprev = nprev;
    uint64_t use = used * 1000 / span;
    r->cpu_use_milli = use > 1000 ? 1000 : (uint32_t)use;
    s->last_report_ns = now_ns;
    s->runq_sum = 0;
    s->samples = 0;
    s->fell = false;
}
