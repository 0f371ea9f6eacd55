/* user/ps.c: lists the processes of every node of the cluster
 * (SYS_PROCLIST_NODE for each of SYS_NODES nodes); `ps -l` only this node's.
 * NODE is where a process runs now, HOME where it was started (its pid
 * says so: PID_NODE); they differ once it has moved (kernel/migrate.h).
 * A node that does not answer is reported and skipped. */
#include <stdio.h>
#include <string.h>

#include "user/ulib.h"

#define MAXP 256

static const char *state_name(int s)
{
    switch (s) {
    case PSTATE_RUNNABLE:
        return "runnable";
    case PSTATE_RUNNING:
        return "running";
    case PSTATE_SLEEPING:
        return "sleeping";
    case PSTATE_ZOMBIE:
        return "zombie";
    default:
        return "?";
    }
}

static void show(const struct proc_info *procs, int n);

int main(int argc, char **argv)
{
    static struct proc_info procs[MAXP];
    int local = argc == 2 && strcmp(argv[1], "-l") == 0;
    int nodes = local ? 1 : (int)syscall0(SYS_NODES), status = 0;
    printf("%8s %8s %-9s %4s %4s %6s %10s %s\n", "PID", "PPID", "STATE", "NODE", "HOME", "PAGES",
           "CPU", "NAME");
    for (int node = 1; node <= nodes; node++) {
        int n =
            local ? sys_proclist(procs, MAXP) : (int)syscall3(SYS_PROCLIST_NODE, node, procs, MAXP);
        if (n < 0) {
            fprintf(stderr, "ps: node %d: %s\n", node, err_str(n));
            status = 1;
            continue;
        }
        show(procs, n);
    }
    return status;
}

static void show(const struct proc_info *procs, int n)
{
    for (int i = 0; i < n; i++) {
        const struct proc_info *p = &procs[i];
        unsigned long long ms = p->cpu_ns / 1000000ULL;
        printf("%8d %8d %-9s %4d %4d %6llu %6llu.%03llu %.*s\n", (int)p->pid, (int)p->ppid,
               state_name(p->state), (int)p->node, (int)PID_NODE(p->pid),
               (unsigned long long)p->pages, ms / 1000, ms % 1000, PROC_NAME_MAX,
               p->name); /* not trusted to end in NUL */
    }
}
