/* services/sched/restarts.c: starting a request again elsewhere after its
 * node was lost, when it asked to be (`run -s restart PROG ARGS`;
 * docs/sched.md, "Restart policy").
 *
 * A restartable request carries its command line in the log (struct
 * sched_cmd in its PLACE). When its node is lost, the machine puts it back
 * to pending and counts a restart; the leader places it again as any
 * pending request (leader.c). Its client is long gone, so the leader has
 * it started: every ORDER_NS while the placement is PLACED and unbound it
 * sends the chosen node's server a start order (SCHED_TAG_START: req_id
 * u64 | cmd). That server spawns the program as its own child, remembers
 * req_id -> pid, and answers (SCHED_TAG_STARTED: req_id u64 | pid i32, or
 * -errno). A repeated order, from this leader or the next one, gets the
 * pid it already started, so a request is started once on that node
 * however many orders reach it. The leader proposes BIND with the pid.
 *
 * The program's output goes to that node's console; its exit is seen in
 * the reports as any other's (the server reaps it here). */
#include <string.h>

#include "lib/lebytes.h"
#include "lib/syscall_abi.h"
#include "services/sched/schedwire.h"
#include "services/sched/server.h"
#include "user/spawnfiles.h"
#include "user/ulib.h"

#define ORDER_NS (1000 * 1000000ULL)
#define STARTED_MAX 32 /* starts a node's server remembers */

/* ---- on every node: carry out the leader's start orders ------------------------ */

struct started {
    uint64_t req_id;
    int32_t pid;
};
static struct started started[STARTED_MAX];
static uint32_t started_next;

static int32_t start(uint64_t req_id, struct sched_cmd *cmd)
{
    for (uint32_t i = 0; i < STARTED_MAX; i++)
        if (started[i].req_id == req_id)
            return started[i].pid; /* a repeated order: started once */
    char *argv[SCHED_CMD_MAX / 2 + 1];
    sched_cmd_argv(cmd, argv, (int)(sizeof argv / sizeof argv[0]));
    int pid = spawn_with_files(argv[0], argv, 0); /* a ramdisk program, or a path in /fs */
    if (pid < 0) {
        replica_log("restart of request %llx (%s): %s", (unsigned long long)req_id, argv[0],
                    err_str(pid));
        return pid; /* not remembered: the next order tries again */
    }
    replica_log("request %llx restarted here: %s, pid %d", (unsigned long long)req_id, argv[0],
                pid);
    started[started_next] = (struct started){req_id, pid};
    started_next = (started_next + 1) % STARTED_MAX;
    return pid;
}

static void answer(uint32_t to, uint64_t req_id, int32_t pid);

static void start_order(const uint8_t *b, long len, uint32_t from)
{
    if (from != replica_leader())
        return; /* only the leader this server knows may order starts */
    struct le_reader r = le_reader(b, (size_t)len);
    uint64_t req_id = le_get(&r, 8);
    static struct sched_cmd cmd;
    sched_get_cmd(&r, &cmd);
    if (!r.ok || r.at != (size_t)len || !req_id || !cmd.len) {
        replica_log("a malformed start order from node %u", from);
        return;
    }
    answer(from, req_id, start(req_id, &cmd));
}

/* ---- the leader: order starts, bind what started ------------------------------------- */

static uint64_t order_req[SCHED_PLACEMENTS_MAX], next_order_ns[SCHED_PLACEMENTS_MAX];

static void started_answer(const uint8_t *b, long len, uint32_t from)
{
    if (len != 12 || !replica_leading())
        return;
    struct le_reader r = le_reader(b, 12);
    uint64_t req_id = le_get(&r, 8);
    int32_t pid = (int32_t)(uint32_t)le_get(&r, 4);
    const struct sched_placement *p = schm_find(&sched_m, req_id);
    if (!p || p->state != SCHED_PLACED || p->node != from || !p->restarts)
        return; /* bound already, or not this node's to start */
    if (pid <= 0)
        return; /* logged there; the next order tries again */
    static struct sched_request c;
    memset(&c, 0, sizeof c);
    c.op = SCHED_OP_BIND;
    c.req_id = req_id;
    c.pid = pid;
    c.node = p->node;
    c.spec = p->spec;
    clients_propose_cmd(&c);
}

static void answer(uint32_t to, uint64_t req_id, int32_t pid)
{
    uint8_t b[12];
    struct le_writer w = {b, sizeof b, 0};
    le_put(&w, req_id, 8);
    le_put(&w, (uint32_t)pid, 4);
    if (to == (uint32_t)sys_nodeid())
        started_answer(b, 12, to);
    else
        replica_send_tagged(to, SCHED_TAG_STARTED, b, 12);
}

void restarts_round(const struct sched_view *v)
{
    uint64_t now = replica.now_ns;
    for (uint32_t j = 0; j < v->nplacements && j < SCHED_PLACEMENTS_MAX; j++) {
        const struct sched_placement *p = &v->placements[j];
        if (p->state != SCHED_PLACED || !p->restarts || !p->cmd.len)
            continue;
        if (order_req[j] != p->req_id) { /* newly placed again */
            order_req[j] = p->req_id;
            next_order_ns[j] = 0;
        }
        if (now < next_order_ns[j])
            continue;
        next_order_ns[j] = now + ORDER_NS;
        static uint8_t b[8 + 1 + SCHED_CMD_MAX];
        struct le_writer w = {b, sizeof b, 0};
        le_put(&w, p->req_id, 8);
        sched_put_cmd(&w, &p->cmd);
        if (p->node == (uint32_t)sys_nodeid())
            start_order(b, (long)w.n, p->node);
        else
            replica_send_tagged(p->node, SCHED_TAG_START, b, w.n);
    }
}

void restarts_lost_leadership(void) { memset(order_req, 0, sizeof order_req); }

/* ---- both --------------------------------------------------------------------------- */

bool restarts_datagram(const uint8_t *b, long len, const struct msg_info *info)
{
    uint32_t from = (uint32_t)info->sender_node;
    if (b[0] == SCHED_TAG_START)
        start_order(b + 1, len - 1, from);
    else if (b[0] == SCHED_TAG_STARTED)
        started_answer(b + 1, len - 1, from);
    else
        return false;
    return true;
}

void restarts_poll(void)
{
    int status;
    while (sys_wait(-1, &status, WAIT_NOHANG) > 0)
        ; /* a restarted program ended: the reports show it gone */
}
