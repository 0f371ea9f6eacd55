/* services/sched/reports.c: load reports and move orders (docs/sched.md,
 * "Load").
 *
 * Every server measures its node (load.c) and sends the leader a report
 * each SCHED_REPORT_MS, and at once when its run queue fell (load.h): capacity, run queue, CPU use, free memory, its
 * labels and taints from bootargs (labels=disk=ssd,zone=a and
 * taints=gpu=yes:NoSchedule,...) and the processes it runs. Reports, not
 * gossip: the leader needs every node's figures anyway, and a node whose
 * reports stop is how it learns the node is gone, with staleness bounded
 * by SCHED_DOWN_MS.
 *
 * The leader keeps each node's last report (soft state: a new leader
 * rebuilds it within a report interval). A move order from the leader
 * (SCHED_TAG_MOVE: pid, to) is carried out here by asking this node's
 * kernel to move the process, without waiting for the move (the next
 * reports show where it went). Orders are taken only from the server this
 * one knows as leader. */
#include <stdio.h>
#include <string.h>

#include "lib/lebytes.h"
#include "services/sched/load.h"
#include "services/sched/server.h"
#include "services/sched/spectext.h"
#include "user/ulib.h"

static struct load_sampler sampler;
static struct sched_node me; /* this node's report, refilled each time */
static uint64_t next_report_ns;
static struct sched_node nodes[SCHED_NODES_MAX]; /* the leader's: last report of node k at k-1 */
static uint64_t heard[SCHED_NODES_MAX];
static struct sched_node view_nodes[SCHED_NODES_MAX];
static uint8_t buf[SCHED_MSG_MAX + 2048];

/* Labels and taints from bootargs. */
static void read_boot_labels(void)
{
    static char text[256];
    if (sys_bootarg("labels", text, sizeof text) > 0 &&
        sched_labels_parse(text, me.labels, SCHED_NODE_LABELS, &me.nlabels) != 0) {
        replica_log("bad labels=%s: none taken", text);
        me.nlabels = 0;
    }
    if (sys_bootarg("taints", text, sizeof text) > 0) {
        char *t = text;
        while (t && *t && me.ntaints < SCHED_NODE_TAINTS) {
            char *comma = strchr(t, ',');
            if (comma)
                *comma = 0;
            if (sched_taint_parse(t, &me.taints[me.ntaints]) == 0)
                me.ntaints++;
            else
                replica_log("bad taint %s: not taken", t);
            t = comma ? comma + 1 : 0;
        }
    }
}

void reports_init(void)
{
    memset(&me, 0, sizeof me);
    me.id = (uint32_t)sys_nodeid();
    read_boot_labels();
    load_init(&sampler, sys_clock());
}

static void keep_report(const struct sched_node *n)
{
    nodes[n->id - 1] = *n;
    heard[n->id - 1] = replica.now_ns ? replica.now_ns : sys_clock();
}

/* A report sent early (the run queue fell) comes at least this long after
 * the one before: a burst of exits makes a few reports, not one each. */
#define EARLY_REPORT_GAP_NS (200 * 1000000ULL)

void reports_poll(void)
{
    uint64_t now = replica.now_ns;
    load_tick(&sampler, now);
    bool early = sampler.fell && now - sampler.last_report_ns >= EARLY_REPORT_GAP_NS;
    if (now < next_report_ns && !early)
        return;
    next_report_ns = now + SCHED_REPORT_MS * 1000000ULL;
    uint32_t leader = replica_leader();
    if (!leader)
        return;
    load_report(&sampler, now, &me);
    if (leader == me.id) {
        keep_report(&me);
        return;
    }
    long n = sched_report_encode(&me, buf, sizeof buf);
    if (n > 0)
        replica_send_tagged(leader, SCHED_TAG_REPORT, buf, n);
}

static void move_order(const uint8_t *b, long len, const struct msg_info *info)
{
    if (len != 8 || (uint32_t)info->sender_node != replica_leader())
        return; /* only the leader this server knows may order moves */
    struct le_reader r = le_reader(b, 8);
    int32_t pid = (int32_t)(uint32_t)le_get(&r, 4);
    uint32_t to = (uint32_t)le_get(&r, 4);
    long rv = sys_migrate(pid, (int)(to | MIGRATE_NOWAIT));
    if (rv)
        replica_log("move of pid %d to node %u: %s", (int)pid, to, err_str((int)rv));
}

bool reports_datagram(const uint8_t *b, long len, const struct msg_info *info)
{
    if (len < 1)
        return false;
    if (b[0] == SCHED_TAG_MOVE) {
        move_order(b + 1, len - 1, info);
        return true;
    }
    if (restarts_datagram(b, len, info))
        return true;
    if (b[0] != SCHED_TAG_REPORT)
        return false; /* no tag of ours: counted by the runtime */
    static struct sched_node n;
    if (sched_report_decode(b + 1, (size_t)(len - 1), &n) != 0 ||
        n.id != (uint32_t)info->sender_node || n.id > replica.cfg.nodes)
        return false; /* malformed, or a node reporting for another */
    if (replica_leading())
        keep_report(&n);
    return true;
}

void reports_order_move(uint32_t node, int32_t pid, uint32_t to)
{
    uint8_t b[8];
    struct le_writer w = {b, sizeof b, 0};
    le_put(&w, (uint32_t)pid, 4);
    le_put(&w, to, 4);
    if (node == me.id) {
        struct msg_info self = {.sender_node = (int32_t)me.id};
        move_order(b, 8, &self);
        return;
    }
    replica_send_tagged(node, SCHED_TAG_MOVE, b, 8);
}

uint64_t reports_heard(uint32_t node)
{
    return node >= 1 && node <= SCHED_NODES_MAX ? heard[node - 1] : 0;
}

struct sched_view reports_view(void)
{
    uint32_t n = replica.cfg.nodes < SCHED_NODES_MAX ? replica.cfg.nodes : SCHED_NODES_MAX;
    for (uint32_t k = 1; k <= n; k++) {
        struct sched_node *v = &view_nodes[k - 1];
        if (heard[k - 1]) {
            *v = nodes[k - 1];
            v->up = replica.now_ns - heard[k - 1] <= SCHED_DOWN_MS * 1000000ULL;
        } else {
            memset(v, 0, sizeof *v);
            v->id = k;
            v->up = false;
        }
        v->cordoned = false;
        v->cpu_req_milli = v->mem_req_kib = 0;
    }
    schm_fill_nodes(&sched_m, view_nodes, n);
    return schm_view(&sched_m, view_nodes, n);
}

void reports_lost_leadership(void)
{
    memset(heard, 0, sizeof heard); /* a later term starts from fresh reports */
}
