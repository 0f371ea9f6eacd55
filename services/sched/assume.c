/* services/sched/assume.c: placements the leader has answered but not yet
 * written to the log (docs/sched.md, "Answering before the commit").
 *
 * A new request the leader can place at once is answered at once: the
 * client starts the program while nothing is committed, and its BIND then
 * writes the decision and the start together (a PLACE and a BIND command
 * proposed back to back: one commit). Until then the leader *assumes* the
 * placement, as the Kubernetes scheduler assumes a pod on a node before
 * its binding is confirmed: every later decision sees it (assume_view),
 * so nothing is overcommitted meanwhile.
 *
 * What can go wrong, and what then happens:
 *   - the client's start fails: its EXITED drops the assumption;
 *   - the client dies or its BIND never comes: after ASSUME_NS the PLACE is
 *     written alone; the leader's rule for a placement nothing started for
 *     (leader.c, UNBOUND_NS) withdraws it later;
 *   - this leader loses office: the assumptions go with it. The client's
 *     BIND reaches the next leader with the node and the spec, which is
 *     enough for the log to take the placement as it is (schedmachine.h,
 *     BIND). Until that BIND, the next leader does not count it.
 * Pending requests, restartable ones and retries of placements already in
 * the log are proposed and answered at the commit as before (clients.c). */
#include <string.h>

#include "services/sched/server.h"
#include "services/sched/view.h"

#define ASSUME_MAX 32
#define ASSUME_NS (15000 * 1000000ULL) /* beyond a remote spawn's 10 s */

struct assumed {
    bool used;
    bool written; /* its PLACE is proposed: kept until it applies */
    uint64_t since_ns;
    struct sched_request place; /* the PLACE command, decision and all */
};
static struct assumed assumed[ASSUME_MAX];
static uint32_t n_assumed;

/* the decisions' view: the log's placements (not by slot) and the assumed ones */
static struct sched_placement decide_p[SCHED_PLACEMENTS_MAX + ASSUME_MAX];

bool assume_add(const struct sched_request *place)
{
    for (int i = 0; i < ASSUME_MAX; i++) {
        if (!assumed[i].used) {
            assumed[i].used = true;
            assumed[i].written = false;
            assumed[i].since_ns = replica.now_ns;
            assumed[i].place = *place;
            /* written later as the server's command: the client's numbers
             * go with its BIND, the next of its requests */
            assumed[i].place.client = assumed[i].place.seq = 0;
            n_assumed++;
            return true;
        }
    }
    return false; /* full: the caller proposes it and answers at the commit */
}

const struct sched_request *assume_find(uint64_t req_id)
{
    for (int i = 0; req_id && i < ASSUME_MAX; i++)
        if (assumed[i].used && assumed[i].place.req_id == req_id)
            return &assumed[i].place;
    return 0;
}

bool assume_written(uint64_t req_id)
{
    for (int i = 0; req_id && i < ASSUME_MAX; i++)
        if (assumed[i].used && assumed[i].place.req_id == req_id)
            return assumed[i].written;
    return false;
}

bool assume_write(uint64_t req_id)
{
    for (int i = 0; req_id && i < ASSUME_MAX; i++) {
        struct assumed *a = &assumed[i];
        if (!a->used || a->place.req_id != req_id)
            continue;
        if (a->written)
            return true;
        int rv = clients_propose_cmd(&a->place);
        a->written = rv == 0;
        return a->written;
    }
    return false;
}

void assume_applied(void)
{
    for (int i = 0; n_assumed && i < ASSUME_MAX; i++) {
        if (assumed[i].used && assumed[i].written && schm_find(&sched_m, assumed[i].place.req_id)) {
            assumed[i].used = false;
            n_assumed--;
        }
    }
}

void assume_drop(uint64_t req_id)
{
    for (int i = 0; req_id && i < ASSUME_MAX; i++) {
        if (assumed[i].used && assumed[i].place.req_id == req_id) {
            assumed[i].used = false;
            n_assumed--;
        }
    }
}

struct sched_view assume_view(void)
{
    struct sched_view v = reports_view();
    if (!n_assumed)
        return v;
    uint32_t n = 0;
    for (uint32_t i = 0; i < v.nplacements; i++)
        if (v.placements[i].state != SCHED_FREE) /* pending ones too: the leader places them */
            decide_p[n++] = v.placements[i];
    /* reports_view's nodes are this module's to add to until the next view */
    struct sched_node *nodes = (struct sched_node *)v.nodes;
    for (int i = 0; i < ASSUME_MAX; i++) {
        if (!assumed[i].used)
            continue;
        struct sched_placement *p = &decide_p[n++];
        memset(p, 0, sizeof *p);
        p->req_id = assumed[i].place.req_id;
        p->state = SCHED_PLACED;
        p->node = assumed[i].place.node;
        p->spec = assumed[i].place.spec;
        p->since = sched_m.applied;
        sched_account(nodes, v.nnodes, p, 1);
    }
    v.placements = decide_p;
    v.nplacements = n;
    return v;
}

void assume_poll(void)
{
    for (int i = 0; n_assumed && i < ASSUME_MAX; i++) {
        struct assumed *a = &assumed[i];
        if (!a->used || a->written || replica.now_ns - a->since_ns < ASSUME_NS)
            continue;
        replica_log("request %llx answered %llu s ago, no BIND: written as placed",
                    (unsigned long long)a->place.req_id,
                    (unsigned long long)((replica.now_ns - a->since_ns) / 1000000000ULL));
        assume_write(a->place.req_id);
    }
}

void assume_lost_leadership(void)
{
    memset(assumed, 0, sizeof assumed);
    n_assumed = 0;
}
