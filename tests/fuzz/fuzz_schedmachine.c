/* tests/fuzz/fuzz_schedmachine.c: libFuzzer target for the global
 * scheduler's replicated machine (services/sched/schedmachine.c,
 * schedread.c, schedsnap.c) and, over the placements it ends with, the
 * filters, the policies and the balancer.
 *
 * Input byte 0 chooses:
 *   even: the rest is a snapshot. schm_restore must refuse it (-EBADMSG,
 *         the machine untouched) or accept it, and then snapshot it back to
 *         exactly the same bytes.
 *   odd:  the rest is a series of commands, each a 2-byte little-endian
 *         length (mod 1024; 0x3ff: "skip an index" instead) and that many
 *         bytes, applied in order, every reply encoding. Then snapshot ->
 *         restore into a second machine -> snapshot gives the same bytes,
 *         every list reads and encodes, and on four fixed nodes (with the
 *         machine's cordons, labels, taints and placements) every policy
 *         places a request and rebalances: every move's target passes the
 *         filters. */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "services/sched/filters.h"
#include "services/sched/place.h"
#include "services/sched/policies.h"
#include "services/sched/schedmachine.h"
#include "services/sched/view.h"

static struct sched_machine m, m2, saved;
static struct sched_reply rep;
static uint8_t *snap_a, *snap_b;
static struct sched_node nodes[4];

static void encodes(const struct sched_reply *r)
{
    uint8_t buf[SCHED_MSG_MAX];
    if (sched_reply_encode(r, buf, sizeof buf) <= 0)
        abort();
}

static void lists(void)
{
    struct sched_request q;
    memset(&q, 0, sizeof q);
    q.op = SCHED_OP_STATUS;
    for (q.list = SCHED_LIST_PLACEMENTS; q.list <= SCHED_LIST_MOVES; q.list++) {
        q.after = 0;
        for (int page = 0; page < 100; page++) {
            schm_read(&m, &q, &rep);
            encodes(&rep);
            if (!rep.more)
                break;
            if (rep.next <= q.after)
                abort(); /* a cursor that does not advance */
            q.after = rep.next;
        }
    }
}

/* Four nodes, their load from the machine's placements (each one a process
 * using its cpu request), under the machine's overrides. */
static void policies(const uint8_t *data, size_t size)
{
    memset(nodes, 0, sizeof nodes);
    for (int i = 0; i < 4; i++) {
        nodes[i].id = (uint32_t)i + 1;
        nodes[i].up = i != 3 || !(size & 1);
        nodes[i].cpu_cap_milli = 2000;
        nodes[i].mem_cap_kib = 65536;
        nodes[i].mem_free_kib = 65536;
        strcpy(nodes[i].labels[0].key, "zone");
        nodes[i].labels[0].value[0] = (char)('a' + i % 2);
        nodes[i].nlabels = 1;
    }
    for (int k = 0; k < SCHED_PLACEMENTS_MAX; k++) {
        const struct sched_placement *p = &m.p[k];
        if (p->state != SCHED_RUNNING || p->node > 4)
            continue;
        struct sched_node *n = &nodes[p->node - 1];
        if (n->nprocs_listed == SCHED_NODE_PROCS)
            continue;
        struct sched_proc *q = &n->procs[n->nprocs_listed++];
        q->pid = p->pid;
        q->cpu_milli = p->spec.cpu_milli > 1000 ? 1000 : p->spec.cpu_milli;
        q->mem_kib = p->spec.mem_kib;
        q->movable = 1;
        q->req_id = p->req_id;
        n->runq_milli += q->cpu_milli;
        n->cpu_use_milli = n->runq_milli < 2000 ? n->runq_milli : 2000;
        n->mem_free_kib = n->mem_free_kib > q->mem_kib ? n->mem_free_kib - q->mem_kib : 0;
    }
    schm_fill_nodes(&m, nodes, 4);
    struct sched_view v = schm_view(&m, nodes, 4);
    struct sched_tunables t = {.seed = size + 1};
    sched_policies_reset(&t);
    struct sched_spec s;
    sched_spec_default(&s);
    if (size)
        s.cpu_milli = data[0] * 10u;
    for (int i = 0; i < SCHED_POLICIES; i++) {
        const struct sched_policy *p = sched_policy_table[i];
        uint32_t node;
        char reason[SCHED_REASON_MAX];
        int sc = sched_place(p, &v, &s, &node, reason, sizeof reason);
        if (sc >= 0 && (node < 1 || node > 4 || !sched_filter(&v, &nodes[node - 1], &s, 0)))
            abort();
        if (sc < 0 && (sc != -EAGAIN || node != 0 || !reason[0]))
            abort();
        struct sched_move mv[16];
        int n = p->rebalance(p->state, &v, 1000, mv, 16);
        for (int k = 0; k < n; k++) {
            if (mv[k].from < 1 || mv[k].from > 4 || mv[k].to < 1 || mv[k].to > 4 ||
                mv[k].from == mv[k].to)
                abort();
            struct sched_spec scratch;
            const struct sched_spec *ps = &scratch;
            const struct sched_node *from = &nodes[mv[k].from - 1];
            uint64_t req = 0;
            for (uint32_t j = 0; j < from->nprocs_listed; j++)
                if (from->procs[j].pid == mv[k].pid) {
                    ps = sched_proc_spec(&v, &from->procs[j], &scratch);
                    req = from->procs[j].req_id;
                }
            struct sched_view mvv = v;
            mvv.moving_req_id = req;
            if (!sched_filter(&mvv, &nodes[mv[k].to - 1], ps, 0))
                abort();
        }
        n = sched_drain(p, &v, 1, 2000, mv, 16);
        for (int k = 0; k < n; k++)
            if (mv[k].from != 1 || mv[k].to < 2 || mv[k].to > 4)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max = schm_snapshot_max();
    if (!snap_a) {
        snap_a = malloc(max);
        snap_b = malloc(max);
    }
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++, size--;
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);

    if (!(mode & 1)) {
        schm_init(&m);
        m.applied = 12345; /* something a refusal must leave alone */
        saved = m;
        int rv = schm_restore(&m, buf, size);
        if (rv == -EBADMSG) {
            if (memcmp(&m, &saved, sizeof m) != 0)
                abort();
        } else if (rv == 0) {
            long n = schm_snapshot(&m, snap_a, max);
            if (n != (long)size || memcmp(snap_a, buf, size) != 0)
                abort();
            lists();
        } else {
            abort();
        }
        free(buf);
        return 0;
    }

    schm_init(&m);
    size_t at = 0;
    while (size - at >= 2) {
        size_t len = (buf[at] | (size_t)buf[at + 1] << 8) & 0x3ff;
        at += 2;
        if (len == 0x3ff) {
            schm_skip(&m, m.applied + 1);
            continue;
        }
        if (len > size - at)
            len = size - at;
        int rv = schm_apply(&m, m.applied + 1, buf + at, len, &rep);
        if (rv != rep.status || rv > 0)
            abort();
        encodes(&rep);
        at += len;
    }
    long n = schm_snapshot(&m, snap_a, max);
    if (n <= 0)
        abort();
    schm_init(&m2);
    if (schm_restore(&m2, snap_a, (size_t)n) != 0)
        abort();
    long n2 = schm_snapshot(&m2, snap_b, max);
    if (n2 != n || memcmp(snap_a, snap_b, (size_t)n) != 0)
        abort();
    lists();
    policies(buf, size);
    free(buf);
    return 0;
}
