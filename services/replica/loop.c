/* services/replica/loop.c: a replicated service's start-up and event loop.
 *
 * Started at boot on every node from bootargs (services=NAME[:opt=N...]);
 * the options every service takes:
 *   voters=N      nodes 1..N are Raft voters (default 3, or 5 from 5 nodes up)
 *   election=MS   base election timeout (default 1000; Raft picks [T, 2T))
 *   heartbeat=MS  leader heartbeat interval (default 150)
 *   lease=MS      session lease (default 4000)
 *   snapshot=N    compact the log every N applied entries (default 128)
 * and the service may take more (svc->option). Nodes beyond the voters up to
 * REPLICA_MAX_NODES hold a replica as Raft learners.
 *
 * The loop: take every queued message (Raft datagrams from peers, client
 * calls), advance Raft's clock, then drive the core once: send its
 * messages, persist what it asks (one flush for everything queued: group
 * commit), apply committed entries to the state machine and answer their
 * callers, serve confirmed reads. Then wait for the next message or tick. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/replica/internal.h"
#include "services/replica/timing.h"
#include "user/ulib.h"

#define RING_CAP 1024
#define DRAIN_MAX 32 /* messages taken per loop before Raft runs (group commit) */

struct replica replica;

static struct raft_entry ring[RING_CAP];
static uint8_t raft_snap[REPLICA_SNAP_CAP];
static uint8_t snap_tmp[REPLICA_SNAP_CAP];
static uint8_t rx[MSG_MAX];
static uint8_t last_role;
static uint32_t last_leader;
static uint64_t last_term;
static uint32_t elections;
static bool ready_printed;

void replica_log(const char *fmt, ...)
{
    char line[200];
    int n = snprintf(line, sizeof line, "%s: ", replica.svc->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    syscall2(SYS_LOG, line, strlen(line));
}

bool replica_leading(void) { return replica.member && raft_role(&replica.raft) == RAFT_LEADER; }

uint32_t replica_leader(void) { return replica.member ? raft_leader(&replica.raft) : 0; }

static int parse_opt(const char *arg, const char *key, uint32_t *out)
{
    size_t k = strlen(key);
    if (strncmp(arg, key, k) || arg[k] != '=')
        return 0;
    long v;
    if (parse_long(arg + k + 1, &v) || v <= 0 || v > 1000000) {
        replica_log("bad option %s", arg);
        return -1;
    }
    *out = (uint32_t)v;
    return 1;
}

static int configure(int argc, char **argv)
{
    struct replica_config *c = &replica.cfg;
    c->node = (uint32_t)sys_nodeid();
    c->nodes = (uint32_t)syscall0(SYS_NODES);
    c->voters = c->nodes >= 5 ? 5 : (c->nodes < 3 ? c->nodes : 3);
    c->election_ms = 1000;
    c->heartbeat_ms = 150;
    c->lease_ms = 4000;
    c->snapshot_every = RING_CAP / 8;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "reads=lease") || !strcmp(argv[i], "reads=index")) {
            c->lease_reads = !strcmp(argv[i], "reads=lease");
            continue;
        }
        if (!strcmp(argv[i], "reads=follower")) { /* (with reads=lease too, if given) */
            c->follower_reads = true;
            continue;
        }
        int hit = parse_opt(argv[i], "voters", &c->voters) |
                  parse_opt(argv[i], "election", &c->election_ms) |
                  parse_opt(argv[i], "heartbeat", &c->heartbeat_ms) |
                  parse_opt(argv[i], "lease", &c->lease_ms) |
                  parse_opt(argv[i], "snapshot", &c->snapshot_every);
        if (hit == 0 && replica.svc->option)
            hit = replica.svc->option(argv[i]);
        if (hit <= 0) {
            replica_log("unknown option %s", argv[i]);
            return -EINVAL;
        }
    }
    uint32_t members = c->nodes < REPLICA_MAX_NODES ? c->nodes : REPLICA_MAX_NODES;
    if (c->voters > members)
        c->voters = members;
    if (c->heartbeat_ms >= c->election_ms || c->snapshot_every > RING_CAP / 8 ||
        c->lease_ms < 4 * REPLICA_TICK_MS) {
        replica_log("inconsistent options (heartbeat < election, snapshot <= %d)", RING_CAP / 8);
        return -EINVAL;
    }
    replica.member = c->node <= REPLICA_MAX_NODES;
    return 0;
}

static int start_raft(void)
{
    struct raft_config rc = {
        .id = replica.cfg.node,
        .election_ms = replica.cfg.election_ms,
        .heartbeat_ms = replica.cfg.heartbeat_ms,
        .seed = sys_clock() ^ ((uint64_t)replica.cfg.node << 40),
        .pre_vote = true,
        .check_quorum = true,
        .ring = ring,
        .ring_cap = RING_CAP,
        .snap_buf = raft_snap,
        .snap_cap = sizeof raft_snap,
        .follower_reads = replica.cfg.follower_reads,
        .lease_read_ms = replica.cfg.lease_reads
                             ? replica.cfg.election_ms * (1000 - REPLICA_CLOCK_RATE_PM) /
                                       (1000 + REPLICA_CLOCK_RATE_PM) -
                                   1
                             : 0,
    };
    int rv = raft_init(&replica.raft, &rc);
    if (rv)
        return rv;
    if ((rv = disk_open()) != 0)
        return rv;
    if (disk_was_empty()) {
        /* A brand-new cluster: every initial member starts from the same
         * configuration (voters, then learners) as its snapshot at index 0. */
        struct raft_conf conf;
        memset(&conf, 0, sizeof conf);
        uint32_t members =
            replica.cfg.nodes < REPLICA_MAX_NODES ? replica.cfg.nodes : REPLICA_MAX_NODES;
        for (uint32_t k = 1; k <= members; k++) {
            conf.m[conf.n].id = k;
            conf.m[conf.n].role = k <= replica.cfg.voters ? RAFT_VOTER : RAFT_LEARNER;
            conf.n++;
        }
        rv = raft_bootstrap(&replica.raft, &conf);
    }
    return rv;
}

static void maybe_compact(void)
{
    uint64_t applied = replica.svc->applied();
    if (applied - raft_snap_index(&replica.raft) < replica.cfg.snapshot_every)
        return;
    long n = replica.svc->snapshot(snap_tmp, sizeof snap_tmp);
    if (n < 0) {
        replica_log("snapshot does not fit: %ld", n);
        return;
    }
    int rv = raft_compact(&replica.raft, applied, snap_tmp, (uint32_t)n);
    if (rv)
        replica_log("compaction at %lu refused: %d", (unsigned long)applied, rv);
}

/* A trace event of this service's (docs/trace.md): kind, then key=value
 * words after "service=NAME". */
static void trace_event(const char *kind, const char *fmt, ...)
{
    char attrs[TRACE_ATTRS_MAX];
    int n = snprintf(attrs, sizeof attrs, "service=%s ", replica.svc->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(attrs + n, sizeof attrs - (size_t)n, fmt, ap);
    va_end(ap);
    trace_emit(kind, attrs);
}

/* One pass of the Raft core's output (services/raft/raft.h, struct raft_ready). */
static void drive(void)
{
    for (int round = 0; round < 8; round++) {
        struct raft_ready rd;
        raft_ready(&replica.raft, &rd);
        if (!rd.persist && !rd.restore && !rd.apply_from && !rd.n_msgs && !rd.n_reads)
            return;
        /* Messages first: the core holds back any message that promises
         * durable state (a vote, an append's acknowledgement) until
         * raft_persisted, so what it hands out now is safe to send before
         * this batch is on disk. A leader's appends then reach the
         * followers while its own flush runs (Raft thesis §10.2.1). */
        for (uint32_t i = 0; i < rd.n_msgs; i++)
            peers_send(&rd.msgs[i]);
        if (rd.persist) {
            int rv = disk_persist(&rd);
            if (rv) {
                /* Raft must not go on as if it were durable. */
                replica_log("cannot persist Raft state: %s; stopping", err_str(rv));
                exit(1);
            }
        }
        if (rd.restore) {
            if (rd.snap_len == 0 && rd.snap_index == 0) {
                replica.svc->reset(); /* the bootstrap configuration: no state yet */
            } else if (replica.svc->restore(rd.snap_data, rd.snap_len)) {
                replica_log("snapshot from the leader does not check out; stopping");
                exit(1);
            }
            replica_log("installed a snapshot at index %lu", (unsigned long)rd.snap_index);
            trace_event("snapshot", "index=%lu", (unsigned long)rd.snap_index);
        }
        if (rd.apply_from) {
            trace_event("commit", "index=%lu term=%lu", (unsigned long)rd.apply_to,
                        (unsigned long)raft_term(&replica.raft));
            for (uint64_t i = rd.apply_from; i <= rd.apply_to; i++) {
                const struct raft_entry *e = raft_entry_at(&replica.raft, i);
                if (e)
                    requests_applied(i, e->term, e->data, e->len, e->type == RAFT_ENTRY_NORMAL);
            }
        }
        if (rd.n_reads)
            requests_reads_ready(rd.reads, rd.n_reads);
        if (rd.persist)
            raft_persisted(&replica.raft);
        if (rd.apply_from || rd.restore) {
            sessions_applied();
            if (replica.svc->after_apply)
                replica.svc->after_apply();
            maybe_compact();
        }
    }
}

/* Fast start: a fresh cluster (term 0, no leader yet) need not wait out a
 * randomized election timeout (1-2 s) once a majority of its voters is up.
 * The lowest-numbered voter among those up (this one, and the peers whose
 * servers' ports are known) campaigns at once; the others keep their
 * timers, so they do not split the vote. If its election fails (a peer not
 * listening yet), the timers decide as before. raft_campaign is safe at any
 * time (tests/sim: fast_start, fast_start_all). */
static void maybe_fast_start(void)
{
    static bool done;
    if (done)
        return;
    const struct replica_config *c = &replica.cfg;
    if (raft_term(&replica.raft) != 0 || raft_leader(&replica.raft) || c->node > c->voters) {
        done = true; /* not fresh, or not a voter: the timers as usual */
        return;
    }
    uint32_t up = 1;
    bool lowest = true;
    for (uint32_t k = 1; k <= c->voters; k++) {
        if (k == c->node || !peers_known(k))
            continue;
        up++;
        lowest &= k > c->node;
    }
    if (up < c->voters / 2 + 1 || !lowest)
        return;
    done = true;
    if (raft_campaign(&replica.raft) == 0)
        replica_log("fast start: %u of %u voters up, campaigning", up, c->voters);
}

/* Raft's clock: advanced by whole milliseconds of this node's clock, in
 * REPLICA_TICK_MS steps by the loop, and to the last millisecond before a
 * read that may be served on the lease (requests.c): a lease must never be
 * judged by a clock that lags, as it would after the process was stopped. */
static uint64_t tick_at_ns;

void replica_clock_now(void)
{
    uint64_t ms = (sys_clock() - tick_at_ns) / 1000000ULL;
    if (ms && replica.member) {
        raft_tick(&replica.raft, (uint32_t)ms);
        tick_at_ns += ms * 1000000ULL;
    }
}

static const char *role_name(uint8_t role)
{
    switch (role) {
    case RAFT_LEADER:
        return "leader";
    case RAFT_CANDIDATE:
        return "candidate";
    case RAFT_PRECANDIDATE:
        return "precandidate";
    default:
        return replica.cfg.node > replica.cfg.voters ? "learner" : "follower";
    }
}

static void watch_role(void)
{
    uint8_t role = raft_role(&replica.raft);
    uint32_t leader = raft_leader(&replica.raft);
    uint64_t term = raft_term(&replica.raft);
    if (role != last_role || term != last_term) {
        if (role == RAFT_CANDIDATE && (last_role != RAFT_CANDIDATE || term != last_term)) {
            elections++;
            trace_event("election", "term=%lu", (unsigned long)term);
        }
        trace_event("role", "role=%s term=%lu leader=%u", role_name(role), (unsigned long)term,
                    leader);
    }
    last_term = term;
    if (last_role == RAFT_LEADER && role != RAFT_LEADER) {
        requests_lost_leadership();
        if (replica.svc->lost_leadership)
            replica.svc->lost_leadership();
    }
    if (last_role != RAFT_LEADER && role == RAFT_LEADER)
        sessions_became_leader();
    if (leader != last_leader && leader) {
        replica_log("leader is node %u (term %lu)", leader,
                    (unsigned long)raft_term(&replica.raft));
        sessions_poke(); /* open or renew our session with it now */
    }
    last_role = role;
    last_leader = leader;
    uint32_t session_cap = 0;
    replica.svc->sessions(&session_cap); /* 0: a service without sessions (the scheduler) */
    if (!ready_printed && leader && (replica_session() || session_cap == 0)) {
        ready_printed = true;
        replica_log("ready: leader %u, term %lu", leader, (unsigned long)raft_term(&replica.raft));
    }
}

void replica_health(struct replica_health *out)
{
    uint64_t now = sys_clock(), window = replica.cfg.election_ms * 1000000ULL;
    uint32_t leader = replica_leader();
    out->elections = elections;
    out->contact_ms = 0;
    if (leader && leader != replica.cfg.node && replica_heard(leader))
        out->contact_ms = (uint32_t)((now - replica_heard(leader)) / 1000000ULL);
    out->heard_mask = 0;
    for (uint32_t k = 1; k <= replica.cfg.nodes && k <= 32; k++) {
        uint64_t t = replica_heard(k);
        if (k == replica.cfg.node || (t && now - t <= window))
            out->heard_mask |= 1u << (k - 1);
    }
}

#define BAD_LOGGED 10

void replica_refused(const char *what, uint32_t from, long len)
{
    if (++replica.bad_datagrams <= BAD_LOGGED)
        replica_log("refused a malformed %s datagram of %ld bytes from node %u%s", what, len, from,
                    replica.bad_datagrams == BAD_LOGGED ? " (from now on only counted)" : "");
}

static void dispatch(long n, const struct msg_info *info)
{
    if (info->reply_token) {
        replica.svc->request(rx, n, info);
        return;
    }
    uint32_t from = (uint32_t)info->sender_node;
    if (n < 1) {
        replica_refused("empty", from, n);
        return;
    }
    switch (rx[0]) {
    case REPLICA_TAG_RAFT:
        peers_input(from, &info->carried, rx, n);
        break;
    case REPLICA_TAG_FORWARD:
        requests_forwarded(rx + 1, n - 1);
        break;
    case REPLICA_TAG_KEEPALIVE:
        if (n != 9)
            replica_refused("keepalive", from, n);
        else
            sessions_keepalive(rx + 1, n - 1);
        break;
    case REPLICA_TAG_HELLO:
        peers_hello(from, &info->carried);
        break;
    default:
        if (!replica.svc->datagram || !replica.svc->datagram(rx, n, info))
            replica_refused("service", from, n);
        break;
    }
}

int replica_run(const struct replica_service *svc, int argc, char **argv)
{
    replica.svc = svc;
    if (configure(argc, argv))
        return 2;
    if (svc->snap_cap > REPLICA_SNAP_CAP) {
        replica_log("a full state machine (%lu bytes) exceeds the snapshot buffer",
                    (unsigned long)svc->snap_cap);
        return 1;
    }
    svc->reset();
    int rv = ipc_port_create(&replica.port);
    if (rv == 0)
        rv = ipc_register(svc->name, &replica.port);
    if (rv) {
        replica_log("cannot serve \"%s\": %s", svc->name, err_str(rv));
        return 1;
    }
    if (replica.member && (rv = start_raft()) != 0) {
        replica_log("cannot start Raft: %s", err_str(rv));
        return 1;
    }
    const struct replica_config *c = &replica.cfg;
    replica_log("node %u of %u: %s, %u voters, election %u ms, heartbeat %u ms, lease %u ms%s%s",
                c->node, c->nodes,
                !replica.member        ? "no replica (client only)"
                : c->node <= c->voters ? "voter"
                                       : "learner",
                c->voters, c->election_ms, c->heartbeat_ms, c->lease_ms,
                c->lease_reads ? ", reads on the leader's lease" : "",
                c->follower_reads ? ", followers serve reads" : "");
    peers_init();
    sessions_init();
    tick_at_ns = sys_clock();
    for (;;) {
        replica.now_ns = sys_clock();
        if ((replica.now_ns - tick_at_ns) / 1000000ULL >= REPLICA_TICK_MS)
            replica_clock_now();
        if (replica.member) {
            peers_poll();
            requests_poll();
            maybe_fast_start();
            drive();
            watch_role();
        }
        sessions_poll();
        if (svc->poll)
            svc->poll();
        uint64_t next = tick_at_ns + REPLICA_TICK_MS * 1000000ULL;
        if (peers_next_ns() && peers_next_ns() < next)
            next = peers_next_ns(); /* a snapshot is being paced out */
        uint64_t now = sys_clock();
        uint64_t wait = next > now ? next - now : 0;
        struct msg_info info;
        timing_mark(T_LOOP_WAITS);
        long n = ipc_recv(&replica.port, rx, sizeof rx, &info, wait);
        for (int k = 0; n != -EAGAIN && n != -ETIMEDOUT && k < DRAIN_MAX; k++) {
            if (n >= 0)
                dispatch(n, &info);
            else
                replica_log("receive: %s", err_str(n));
            n = ipc_recv(&replica.port, rx, sizeof rx, &info, 0);
        }
    }
}
