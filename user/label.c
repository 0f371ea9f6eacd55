/* user/label.c: `label NODE KEY=VALUE` sets a label of NODE for the
 * scheduler's selectors and spreads (over the labels it booted with, its
 * labels= bootarg); `label NODE -KEY` removes one. */
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
        fprintf(stderr, "usage: label NODE KEY=VALUE | label NODE -KEY\n");
        return 2;
    }
    req.op = SCHED_OP_LABEL;
    req.node = (uint32_t)node;
    const char *text = argv[2];
    if (text[0] == '-') {
        req.flags = SCHED_F_REMOVE;
        text++;
    }
    uint32_t n = 0;
    if (sched_labels_parse(text, &req.kv.kv, 1, &n) || n != 1 ||
        (req.flags && req.kv.kv.value[0])) {
        fprintf(stderr, "label: bad label %s\n", argv[2]);
        return 2;
    }
    return sched_cmd(&req, "label");
}
