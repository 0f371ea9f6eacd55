/* user/sched.c: `sched`: the global scheduler's state (docs/sched.md).
 *
 *   sched                the policy; every request with its state (pending
 *                        ones with the reason no node takes them); recent
 *                        decisions with their scores; recent moves
 *   sched policy NAME    switch the policy (least, mosix, random, rr)
 * Exit 1 if the scheduler does not answer or refuses. */
#include <stdio.h>
#include <string.h>

#include "user/schedclient.h"
#include "user/ulib.h"

static struct sched_request req;
static struct sched_reply rep;

static const char *state_name(uint8_t s)
{
    static const char *const names[] = {"free", "pending", "placed", "running", "lost"};
    return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* Every page of one list, each item printed by show. */
static int list(uint8_t which, void (*show)(const struct sched_reply *r, uint32_t i))
{
    uint64_t after = 0;
    for (;;) {
        memset(&req, 0, sizeof req);
        req.op = SCHED_OP_STATUS;
        req.list = which;
        req.after = after;
        int rv = sched_call(&req, &rep);
        if (rv || rep.status) {
            fprintf(stderr, "sched: %s\n", err_str(rv ? rv : rep.status));
            return 1;
        }
        for (uint32_t i = 0; i < rep.n; i++)
            show(&rep, i);
        if (!rep.more)
            return 0;
        after = rep.next;
    }
}

static void show_placement(const struct sched_reply *r, uint32_t i)
{
    const struct sched_pl_item *p = &r->pl[i];
    char restarts[24] = "";
    if (p->restarts)
        snprintf(restarts, sizeof restarts, " (restarted %u)", p->restarts);
    printf("  %016llx %-8s node %-2u pid %-7d cpu %-5u mem %-6u%s%s%s%s\n",
           (unsigned long long)p->req_id, state_name(p->state), p->node, (int)p->pid, p->cpu_milli,
           p->mem_kib, p->restart ? " restart" : "", restarts, p->reason[0] ? "  " : "", p->reason);
}

static void show_decision(const struct sched_reply *r, uint32_t i)
{
    const struct sched_decision *d = &r->dec[i];
    if (d->node)
        printf("  #%-6llu %016llx -> node %u (score %u, %s)\n", (unsigned long long)d->index,
               (unsigned long long)d->req_id, d->node, d->score, d->policy);
    else
        printf("  #%-6llu %016llx pending: %s (%s)\n", (unsigned long long)d->index,
               (unsigned long long)d->req_id, d->reason, d->policy);
}

static void show_move(const struct sched_reply *r, uint32_t i)
{
    const struct sched_moved *m = &r->mv[i];
    printf("  #%-6llu pid %d: node %u -> node %u\n", (unsigned long long)m->index, (int)m->pid,
           m->from, m->to);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "policy") == 0) {
        memset(&req, 0, sizeof req);
        req.op = SCHED_OP_POLICY;
        if (strlen(argv[2]) >= sizeof req.name) {
            fprintf(stderr, "sched: no policy %s\n", argv[2]);
            return 1;
        }
        strcpy(req.name, argv[2]);
        int rv = sched_call(&req, &rep);
        if (rv || rep.status) {
            fprintf(stderr, "sched: policy %s: %s\n", argv[2], err_str(rv ? rv : rep.status));
            return 1;
        }
        printf("policy %s\n", rep.policy);
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: sched [policy NAME]\n");
        return 2;
    }
    printf("requests:\n");
    if (list(SCHED_LIST_PLACEMENTS, show_placement))
        return 1;
    printf("policy %s\n", rep.policy);
    printf("recent decisions:\n");
    if (list(SCHED_LIST_DECISIONS, show_decision))
        return 1;
    printf("recent moves:\n");
    return list(SCHED_LIST_MOVES, show_move);
}
