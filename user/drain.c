/* user/drain.c: `drain NODE`: cordon NODE and move every process the
 * scheduler may move off it (as kubectl drain), while they keep running;
 * returns when none is left there (docs/sched.md). Its services and shell
 * stay. Exit 1 if the scheduler does not answer or processes are still
 * there after two minutes. */
#include <stdio.h>
#include <string.h>

#include "user/schedclient.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long node;
    if (argc != 2 || parse_long(argv[1], &node) || node < 1) {
        fprintf(stderr, "usage: drain NODE\n");
        return 2;
    }
    static struct sched_request req;
    static struct sched_reply rep;
    uint64_t t0 = sys_clock();
    uint32_t first = 0;
    for (int round = 0;; round++) {
        memset(&req, 0, sizeof req);
        req.op = SCHED_OP_DRAIN;
        req.node = (uint32_t)node;
        int rv = sched_call(&req, &rep);
        if (rv || rep.status) {
            fprintf(stderr, "drain: node %ld: %s\n", node, err_str(rv ? rv : rep.status));
            return 1;
        }
        if (round == 0)
            first = rep.count;
        if (rep.count == 0)
            break;
        if (sys_clock() - t0 > 120 * 1000000000ULL) {
            fprintf(stderr, "drain: node %ld: %u processes still there\n", node, rep.count);
            return 1;
        }
        sys_sleep(1000 * 1000000ULL); /* the next report shows the moves */
    }
    printf("drain: node %ld cordoned, %u processes moved off in %llu ms\n", node, first,
           (unsigned long long)((sys_clock() - t0) / 1000000));
    return 0;
}
