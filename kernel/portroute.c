/* kernel/portroute.c: forwarding entries and hints for ports that moved
 * (kernel/portroute.h). */
#include "kernel/portroute.h"
#include "kernel/kernel.h"
#include "kernel/kreq.h"

#define ROUTES 256

/* A forwarding entry is kept while this node has room (a sender that
 * never learnt the new place still needs it); a hint may be replaced. */
static struct route {
    uint64_t a, b; /* the port id; a == 0: free */
    uint32_t node;
    uint8_t forward;
} routes[ROUTES];
static int next_victim, in_use; /* in_use: entries ever filled (a fast "none") */

static struct route *find(const struct port_id *id)
{
    if (!in_use)
        return 0;
    for (int i = 0; i < ROUTES; i++)
        if (routes[i].a == id->a && routes[i].b == id->b && routes[i].a)
            return &routes[i];
    return 0;
}

static void put(const struct port_id *id, uint32_t node, int forward)
{
    struct route *r = find(id);
    if (node == kernel_node_id) {
        if (r)
            *r = (struct route){0, 0, 0, 0}; /* it is here (again) */
        return;
    }
    for (int i = 0; i < ROUTES && !r; i++)
        if (!routes[i].a)
            r = &routes[i];
    for (int tries = 0; tries < ROUTES && !r; tries++) {
        struct route *v = &routes[next_victim];
        next_victim = (next_victim + 1) % ROUTES;
        if (!v->forward || forward)
            r = v; /* a hint goes first; a forwarding entry only for another */
    }
    if (!r)
        return;
    if (r->a == id->a && r->b == id->b && r->forward && !forward) {
        r->node = node; /* fresher news; it stays a forwarding entry */
        return;
    }
    *r = (struct route){id->a, id->b, node, (uint8_t)forward};
    in_use = 1;
}

void portroute_moved(const struct port_id *id, uint32_t node) { put(id, node, 1); }
void portroute_hint(const struct port_id *id, uint32_t node) { put(id, node, 0); }

uint32_t portroute_node(const struct port_id *id)
{
    struct route *r = find(id);
    return r ? r->node : PORT_NODE(*id);
}

uint32_t portroute_forward(const struct port_id *id)
{
    struct route *r = find(id);
    return r && r->forward ? r->node : 0;
}

#define LOCATE_TIMEOUT_NS 500000000ULL /* per node asked: a dead one costs this */

uint32_t portroute_locate(const struct port_id *id, uint32_t skip)
{
    struct kreq rq = {KREQ_PORT_LOCATE, 0, 0, 0};
    uint32_t k = kreq_ask_all(&rq, id, sizeof *id, skip, LOCATE_TIMEOUT_NS);
    if (k)
        portroute_hint(id, k);
    return k;
}
