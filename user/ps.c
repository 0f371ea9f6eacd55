/* user/ps.c: lists every process (SYS_PROCLIST). */
#include <stdio.h>

#include "user/ulib.h"

#define MAXP 256

static const char *state_name(int s)
{
    switch (s) {
    case PSTATE_RUNNABLE: return "runnable";
    case PSTATE_RUNNING: return "running";
    case PSTATE_SLEEPING: return "sleeping";
    case PSTATE_ZOMBIE: return "zombie";
    default: return "?";
    }
}

int main(void)
{
    static struct proc_info procs[MAXP];
    int n = sys_proclist(procs, MAXP);
    if (n < 0) {
        fprintf(stderr, "ps: %s\n", err_str(n));
        return 1;
    }
    printf("%8s %8s %-9s %4s %6s %10s %s\n", "PID", "PPID", "STATE", "NODE", "PAGES", "CPU",
           "NAME");
    for (int i = 0; i < n; i++) {
        struct proc_info *p = &procs[i];
        p->name[PROC_NAME_MAX - 1] = 0;
        unsigned long long ms = p->cpu_ns / 1000000ULL;
        printf("%8d %8d %-9s %4d %6llu %6llu.%03llu %s\n", (int)p->pid, (int)p->ppid,
               state_name(p->state), (int)p->node, (unsigned long long)p->pages, ms / 1000,
               ms % 1000, p->name);
    }
    return 0;
}
