/* user/deps.c: `deps PID` lists the nodes a process depends on: the
 * residual-dependency inspector for migration (kernel/migrate.h). A
 * process that moves takes everything it has with it, its ports included,
 * so it depends on the node it runs on; and, until it has answered them,
 * on the nodes where it took calls before a move (their callers wait
 * there: kernel/migrate_proxy.c), and until it has the result, on the node
 * where a call it moved in runs (kernel/migrate_call.c). Its output goes to the console of the node it was started from (or
 * the one that started it), which is shown but is not a dependency: if
 * that node dies, the output is lost and the process runs on. Exit 1 if no
 * node has the process. */
#include <stdio.h>

#include "user/ulib.h"

#define MAXP 128

int main(int argc, char **argv)
{
    long pid;
    if (argc != 2 || parse_long(argv[1], &pid) || pid <= 0) {
        fprintf(stderr, "usage: deps PID\n");
        return 2;
    }
    static struct proc_info procs[MAXP];
    int nodes = (int)syscall0(SYS_NODES);
    for (int node = 1; node <= nodes; node++) {
        int n = (int)syscall6(SYS_PROCLIST_NODE, node, (long)procs, MAXP, 0, 0, 0);
        for (int i = 0; i < n; i++) {
            const struct proc_info *p = &procs[i];
            if (p->pid != pid || p->state == PSTATE_ZOMBIE)
                continue;
            printf("pid %ld: runs on node %d (started on node %ld); output to node %d's console\n",
                   pid, p->node, (long)PID_NODE(pid), p->console_node);
            printf("depends on: node %d\n", p->node);
            if (p->owed_replies)
                printf("and, until it answers %d call(s) taken before a move, on the "
                       "node(s) it took them on\n",
                       p->owed_replies);
            if (p->call_node)
                printf("and, until the call it moved in ends, on node %d (where that call "
                       "runs)\n",
                       p->call_node);
            return 0;
        }
    }
    fprintf(stderr, "deps: no node has pid %ld\n", pid);
    return 1;
}
