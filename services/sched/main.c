/* services/sched/main.c: the global scheduler on the replicated-service
 * runtime (services/replica/replica.h; docs/sched.md).
 *
 * Started at boot on every node from bootargs (services=...,schedd), with
 * the runtime's options (voters, election, ...) and its own:
 *   margin=M     a rebalancing move must cut the busier node's load per hart
 *                by M thousandths of a process (default 100)
 *   cooldown=MS  a moved process stays put this long (default 10000)
 *   noreturn=MS  and does not go back where it was for this long (60000)
 *   memfloor=PCT a node with less free memory than PCT% of its own sheds
 *                processes (default 10)
 * What it gives the runtime: its state machine (schedmachine.c), how it
 * answers requests (clients.c), and its leader's work (leader.c). It has
 * no sessions: nothing it holds belongs to a process's lifetime (exits are
 * seen in the nodes' reports instead). */
#include <string.h>

#include "services/sched/balance.h"
#include "services/sched/policies.h"
#include "services/sched/server.h"
#include "user/ulib.h"

struct sched_machine sched_m;
const struct sched_policy *sched_policy = &sched_policy_least;
static struct sched_reply apply_rep;
static struct sched_tunables tunables;

static void reset(void) { schm_init(&sched_m); }
static uint64_t applied(void) { return sched_m.applied; }
static void skip(uint64_t index) { schm_skip(&sched_m, index); }

static long apply(uint64_t index, const uint8_t *cmd, uint32_t len, bool want_reply, uint8_t *rep,
                  uint32_t cap)
{
    schm_apply(&sched_m, index, cmd, len, want_reply ? &apply_rep : 0);
    return want_reply ? sched_reply_encode(&apply_rep, rep, cap) : -1;
}

static long snapshot(uint8_t *buf, uint32_t cap) { return schm_snapshot(&sched_m, buf, cap); }
static int restore(const uint8_t *buf, uint32_t len) { return schm_restore(&sched_m, buf, len); }

/* Only the leader proposes server commands, itself: none is forwarded. */
static bool forward_ok(const uint8_t *cmd, uint32_t len)
{
    (void)cmd;
    (void)len;
    return false;
}

static const struct session_entry *sessions(uint32_t *cap)
{
    *cap = 0;
    return 0;
}
static bool holds(uint64_t session, int32_t pid)
{
    (void)session;
    (void)pid;
    return false;
}
static long session_cmd(enum replica_session_cmd kind, uint64_t session, uint32_t node,
                        uint64_t nonce, int32_t pid, uint8_t *buf, uint32_t cap)
{
    (void)kind, (void)session, (void)node, (void)nonce, (void)pid, (void)buf, (void)cap;
    return -1; /* no sessions */
}

static int option(const char *arg)
{
    static const struct {
        const char *name;
        uint32_t *v;
    } opts[] = {
        {"margin=", &tunables.margin_milli},
        {"cooldown=", &tunables.cooldown_ms},
        {"noreturn=", &tunables.no_return_ms},
        {"memfloor=", &tunables.mem_floor_pct},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        size_t n = strlen(opts[i].name);
        if (strncmp(arg, opts[i].name, n) == 0) {
            long v;
            if (parse_long(arg + n, &v) || v < 0)
                return -1;
            *opts[i].v = (uint32_t)v;
            return 1;
        }
    }
    return 0;
}

static void poll(void)
{
    /* The policy the log names (a POLICY command switches it). */
    const struct sched_policy *p = sched_policy_find(sched_m.policy);
    if (p && p != sched_policy) {
        sched_policy = p;
        replica_log("policy %s", p->name);
    }
    reports_poll();
    restarts_poll();
    clients_poll();
    leader_poll();
}

static void after_apply(void)
{
    clients_after_apply();
    leader_after_apply();
}

static void lost_leadership(void)
{
    clients_lost_leadership();
    leader_lost();
}

static const struct replica_service sched = {
    .name = "sched",
    .reset = reset,
    .applied = applied,
    .apply = apply,
    .skip = skip,
    .snapshot = snapshot,
    .restore = restore,
    .request = clients_request,
    .read = clients_read,
    .reply_status = clients_reply_status,
    .forward_ok = forward_ok,
    .sessions = sessions,
    .holds = holds,
    .session_cmd = session_cmd,
    .option = option,
    .poll = poll,
    .after_apply = after_apply,
    .lost_leadership = lost_leadership,
    .datagram = reports_datagram,
};

int main(int argc, char **argv)
{
    static struct replica_service svc;
    svc = sched;
    svc.snap_cap = (uint32_t)schm_snapshot_max();
    tunables.seed = sys_clock() ^ ((uint64_t)sys_nodeid() << 40);
    reports_init();
    /* Heartbeats half as often as the other services' (options given at
     * boot come after, and win): the scheduler's log is quiet, and its
     * servers run on every node, learners included. */
    static char *args[64];
    int n = 0;
    args[n++] = argv[0];
    args[n++] = "heartbeat=300";
    for (int i = 1; i < argc && n < 63; i++)
        args[n++] = argv[i];
    args[n] = 0;
    return replica_run(&svc, n, args);
}

/* The policies' knobs, for leader.c when it starts leading. */
const struct sched_tunables *sched_tunables_now(void) { return &tunables; }
