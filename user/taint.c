/* user/taint.c: `taint NODE KEY=VALUE:EFFECT` taints NODE for the
 * scheduler: NoSchedule keeps processes that do not tolerate it from being
 * placed there, NoExecute also moves them off; `taint NODE -KEY` removes
 * the taint. */
#include <stdio.h>
#include <string.h>

#include "services/sched/spectext.h"
#include "user/schedclient.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long node;
    static struct sched_request req;
    if (argc != 3 || parse_long(argv[1], &node) || node < 1) {
        fprintf(stderr, "usage: taint NODE KEY[=VALUE]:NoSchedule|NoExecute | taint NODE -KEY\n");
        return 2;
    }
    req.op = SCHED_OP_TAINT;
    req.node = (uint32_t)node;
    int bad;
    if (argv[2][0] == '-') {
        req.flags = SCHED_F_REMOVE;
        uint32_t n = 0;
        bad = sched_labels_parse(argv[2] + 1, &req.kv.kv, 1, &n) || n != 1 || req.kv.kv.value[0];
    } else {
        bad = sched_taint_parse(argv[2], &req.kv);
    }
    if (bad) {
        fprintf(stderr, "taint: bad taint %s\n", argv[2]);
        return 2;
    }
    return sched_cmd(&req, "taint");
}
