/* user/cordon.c: `cordon NODE`: the scheduler places nothing new on NODE
 * (what runs there stays; `uncordon` lifts it, `drain` also empties it). */
#include <stdio.h>

#include "user/schedclient.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long node;
    if (argc != 2 || parse_long(argv[1], &node) || node < 1) {
        fprintf(stderr, "usage: cordon NODE\n");
        return 2;
    }
    return sched_node_cmd(SCHED_OP_CORDON, (uint32_t)node, "cordon");
}
