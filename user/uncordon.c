/* user/uncordon.c: `uncordon NODE`: the scheduler may place on NODE again. */
#include <stdio.h>

#include "user/schedclient.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long node;
    if (argc != 2 || parse_long(argv[1], &node) || node < 1) {
        fprintf(stderr, "usage: uncordon NODE\n");
        return 2;
    }
    return sched_node_cmd(SCHED_OP_UNCORDON, (uint32_t)node, "uncordon");
}
