/* tests/sched/test_sim.c: the seeded simulator's scenarios (sim.h), run
 * for every policy: constraints always met and requests never
 * overcommitted (checked independently at every decision), rebalancing
 * converging within a bound and then standing still, no ping-pong, the
 * makespan of a batch against its lower bound, and the checker catching a
 * scheduler that ignores a constraint. SCHED_SEED=S changes every stream. */
#include <stdio.h>
#include <stdlib.h>

#include "services/sched/balance.h"
#include "tests/sched/sim.h"

static struct sim s;

static const char *const policies[] = {"least", "mosix", "random", "rr"};
#define NPOLICIES 4

#define COOLDOWN_MS 10000
#define NO_RETURN_MS 60000

static void fail_on_violation(int line)
{
    if (s.violations)
        st_fail(__FILE__, line, "%llu violation(s); first: %s", (unsigned long long)s.violations,
                s.first);
}

/* ---- constraints, failures, evictions, retries ---------------------------------- */

static const char *const templates[] = {
    "",
    "cpu=500,mem=4096",
    "cpu=250,sel=disk=ssd",
    "cpu=500,tol=gpu:NoSchedule,sel=gpu=yes",
    "cpu=200,label=app=web,anti=app=web,restart",
    "cpu=200,label=app=api,spread=zone",
    "cpu=200,label=app=api,spread=zone,sel=disk=ssd",
    "cpu=200,label=app=db",
    "cpu=200,label=app=cache,aff=app=db",
    "cpu=300,restart",
    "cpu=100,mem=512,tol=maint:NoExecute",
};

static void constraints_cfg(struct sim_cfg *cfg, const char *policy, enum sim_break brk)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->policy = policy;
    cfg->nnodes = 6;
    static const char *const labels[6] = {
        "zone=a,disk=ssd", "zone=a,disk=hdd", "zone=b,disk=ssd",
        "zone=b,disk=hdd", "zone=c,disk=ssd", "zone=c,disk=hdd,gpu=yes",
    };
    for (int i = 0; i < 6; i++) {
        cfg->nodes[i].harts = 4;
        cfg->nodes[i].mem_kib = 65536;
        cfg->nodes[i].labels = labels[i];
    }
    cfg->nodes[5].taint = "gpu=yes:NoSchedule";
    cfg->step_ms = 100;
    cfg->report_ms = 1000;
    cfg->migrate_ms = 100;
    cfg->tun.seed = st_seed();
    cfg->tun.cooldown_ms = COOLDOWN_MS;
    cfg->tun.no_return_ms = NO_RETURN_MS;
    cfg->brk = brk;
    cfg->quiet = brk != SIM_HONEST;
}

static uint32_t evict_at_taint; /* what the taint should do */

/* 150 processes over the first minute; node 4 dies at 30 s; node 2 gets a
 * NoExecute taint at 40 s; run to 150 s. */
static void run_constraints(const char *policy, enum sim_break brk)
{
    struct sim_cfg cfg;
    constraints_cfg(&cfg, policy, brk);
    sim_init(&s, &cfg);
    s.retries = true;
    for (int i = 0; i < 150; i++)
        sim_add(&s, templates[st_below(sizeof templates / sizeof templates[0])], st_below(60000),
                1000 + st_below(19000), 200 + (uint32_t)st_below(801),
                256 + (uint32_t)st_below(2048));
    sim_run(&s, 30000);
    sim_kill(&s, 4);
    evict_at_taint = 0;
    sim_run(&s, 40000);
    sim_taint(&s, 2, "maint=yes:NoExecute");
    for (uint32_t i = 0; i < s.nprocs; i++) {
        const struct sim_proc *p = &s.procs[i];
        evict_at_taint += p->st == SP_RUNNING && p->node == 2 && simcheck_noexecute(&s, p, 2);
    }
    sim_run(&s, 50000);
    if (brk != SIM_HONEST)
        return;
    sim_run(&s, 150000);
    sim_check_replicas(&s);
    /* nothing pending that some node could take; no ping-pong */
    uint64_t life = s.now;
    for (uint32_t i = 0; i < s.nprocs; i++) {
        const struct sim_proc *p = &s.procs[i];
        if (p->st == SP_PENDING)
            for (uint32_t k = 1; k <= cfg.nnodes; k++)
                if (!simcheck_fits(&s, p, k))
                    sim_violation(&s, "%d pending though node %u takes it", p->pid, k);
        if (p->moves > 1 + life / COOLDOWN_MS + p->evictions)
            sim_violation(&s, "%d moved %u times", p->pid, p->moves);
        if (p->st == SP_FUTURE)
            sim_violation(&s, "%d never arrived", p->pid);
    }
}

static void constraints_test(const char *policy)
{
    run_constraints(policy, SIM_HONEST);
    fail_on_violation(__LINE__);
    CHECK_OK();
    /* the scenario did what it is for: most finished, the dead node took
     * processes with it (lost, or restarted elsewhere) or the taint had
     * processes to evict (every round that could evict did: sim.c) */
    uint32_t done = 0, lost = 0;
    for (uint32_t i = 0; i < s.nprocs; i++) {
        done += s.procs[i].st == SP_DONE;
        lost += s.procs[i].st == SP_LOST;
    }
    CHECK(done > 100);
    CHECK(lost <= s.killed);
    CHECK(s.killed + evict_at_taint > 0);
}

static void sim_constraints_least(void) { constraints_test("least"); }
static void sim_constraints_mosix(void) { constraints_test("mosix"); }
static void sim_constraints_random(void) { constraints_test("random"); }
static void sim_constraints_rr(void) { constraints_test("rr"); }

/* The checker is not a rubber stamp: for each constraint, a burst that
 * leans on it passes when the scheduler is honest and is caught when the
 * scheduler is shown doctored input that hides the constraint. */
struct focus {
    enum sim_break brk;
    const char *name, *spec;
    int count;
    bool lopsided_zones; /* zone a on four nodes, b and c on one each */
};

static const struct focus focus[] = {
    {SIM_NO_CAPACITY, "capacity", "cpu=1000", 40, false},
    {SIM_NO_SELECTOR, "selector", "cpu=100,sel=disk=ssd", 20, false},
    {SIM_NO_TAINTS, "taints", "cpu=100", 30, false},
    {SIM_NO_ANTI, "anti-affinity", "cpu=100,label=app=web,anti=app=web", 12, false},
    {SIM_NO_SPREAD, "spread", "cpu=100,label=app=api,spread=zone", 12, true},
};

static void run_focus(const struct focus *f, enum sim_break brk)
{
    struct sim_cfg cfg;
    constraints_cfg(&cfg, "least", brk);
    if (f->lopsided_zones) {
        static const char *const zones[6] = {"zone=a", "zone=a", "zone=a",
                                             "zone=a", "zone=b", "zone=c"};
        for (int i = 0; i < 6; i++)
            cfg.nodes[i].labels = zones[i];
    }
    sim_init(&s, &cfg);
    for (int i = 0; i < f->count; i++)
        sim_add(&s, f->spec, 0, 5000, 100, 1024);
    sim_run(&s, 20000);
}

static void sim_catches_broken_filters(void)
{
    for (size_t i = 0; i < sizeof focus / sizeof focus[0]; i++) {
        run_focus(&focus[i], SIM_HONEST);
        fail_on_violation(__LINE__);
        CHECK_OK();
        run_focus(&focus[i], focus[i].brk);
        CHECK_OK();
        if (s.violations == 0) {
            st_fail(__FILE__, __LINE__, "a scheduler ignoring %s went unnoticed", focus[i].name);
            return;
        }
    }
}

/* ---- rebalancing converges, then stands still ----------------------------------- */

#define BURNERS 8

/* SIM_TRACE=1: each round's processes (their demand) and load per node. */
static void trace_round(int round, uint32_t bound)
{
    if (!getenv("SIM_TRACE"))
        return;
    printf("    round %d:", round);
    for (uint32_t k = 1; k <= s.cfg.nnodes; k++) {
        printf(" [");
        for (uint32_t i = 0; i < s.nprocs; i++)
            if (s.procs[i].node == k && s.procs[i].st == SP_RUNNING)
                printf(" %u", s.procs[i].demand);
        printf(" ]=%u", sim_load(&s, k));
    }
    printf(" bound %u moves %llu\n", bound, (unsigned long long)s.moves);
    fflush(stdout);
}
#define CONVERGE_ROUNDS 5 /* load spread within the bound by then */
#define SETTLE_ROUNDS 40  /* and no more moves by then */

static uint32_t spread_of_loads(void)
{
    uint32_t min = UINT32_MAX, max = 0;
    for (uint32_t k = 1; k <= s.cfg.nnodes; k++) {
        uint32_t l = sim_load(&s, k);
        min = l < min ? l : min;
        max = l > max ? l : max;
    }
    return max - min;
}

static void converge_test(const char *policy)
{
    struct sim_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.policy = policy;
    cfg.nnodes = 4;
    for (int i = 0; i < 4; i++) {
        cfg.nodes[i].harts = 2;
        cfg.nodes[i].mem_kib = 1 << 20;
    }
    cfg.step_ms = 100;
    cfg.report_ms = 1000;
    cfg.migrate_ms = 100;
    cfg.tun.seed = st_seed();
    cfg.tun.cooldown_ms = COOLDOWN_MS;
    cfg.tun.no_return_ms = NO_RETURN_MS;
    sim_init(&s, &cfg);
    uint32_t cmax = 0;
    for (int i = 0; i < BURNERS; i++) {
        uint32_t d = 300 + (uint32_t)st_below(701);
        cmax = d > cmax ? d : cmax;
        /* mostly on node 1, like `run -n 1` six times, a few elsewhere */
        sim_add_pinned(&s, st_below(4) ? 1 : 1 + (uint32_t)st_below(4), 0, SIM_FOREVER, d, 4096);
    }
    bool balances = !strcmp(policy, "least") || !strcmp(policy, "mosix");
    /* the bound: two nodes whose loads differ by more than one process (per
     * hart) plus the margin are not left so by the balancer (every process
     * here accounts for at least the margin, so each one could move) */
    uint32_t bound = cmax / 2 + SCHED_MARGIN_MILLI_DEFAULT;
    int converged_at = -1, round = 0;
    for (round = 1; round <= CONVERGE_ROUNDS; round++) {
        sim_round(&s);
        trace_round(round, bound);
        if (converged_at < 0 && spread_of_loads() <= bound)
            converged_at = round;
    }
    fail_on_violation(__LINE__);
    CHECK_OK();
    if (!balances) {
        CHECK_EQ(s.moves, 0); /* a baseline never balances */
        return;
    }
    CHECK(converged_at > 0);
    /* it settles: no move for a whole cool-down (a process that moved may
     * make one more move once it has cooled down: that is not ping-pong) */
    uint64_t quiet_rounds = COOLDOWN_MS / 1000 + 1, last = s.moves, since = 0;
    for (; round <= SETTLE_ROUNDS && since < quiet_rounds; round++) {
        sim_round(&s);
        trace_round(round, bound);
        since = s.moves == last ? since + 1 : 0;
        last = s.moves;
    }
    CHECK(since >= quiet_rounds);
    CHECK(spread_of_loads() <= bound);
    printf("    %s: within bound after %d rounds (s), last move at %llu s, %llu moves for %d "
           "burners\n",
           policy, converged_at, (unsigned long long)s.last_move_ms / 1000,
           (unsigned long long)s.moves, BURNERS);
    fflush(stdout);
    /* then 30 rounds (30 s) without a move: no ping-pong */
    for (int r = 0; r < 30; r++) {
        sim_round(&s);
        trace_round(++round, bound);
    }
    CHECK_EQ(s.moves, last);
    fail_on_violation(__LINE__);
    for (uint32_t i = 0; i < s.nprocs; i++)
        CHECK(s.procs[i].moves <= 3);
}

static void sim_converges_least(void) { converge_test("least"); }
static void sim_converges_mosix(void) { converge_test("mosix"); }
static void sim_converges_random(void) { converge_test("random"); }
static void sim_converges_rr(void) { converge_test("rr"); }

/* ---- makespan of a batch -------------------------------------------------------- */

#define JOBS 24

static uint64_t makespan(const char *policy, const uint64_t *work, uint64_t *moves)
{
    struct sim_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.policy = policy;
    cfg.nnodes = 4;
    for (int i = 0; i < 4; i++) {
        cfg.nodes[i].harts = 1;
        cfg.nodes[i].mem_kib = 1 << 20;
    }
    cfg.step_ms = 50;
    cfg.report_ms = 1000;
    cfg.migrate_ms = 50;
    cfg.tun.seed = st_seed() * 7919 + 1;
    cfg.tun.cooldown_ms = COOLDOWN_MS;
    cfg.tun.no_return_ms = NO_RETURN_MS;
    sim_init(&s, &cfg);
    for (int i = 0; i < JOBS; i++)
        sim_add(&s, "cpu=100,mem=1024", 0, work[i], 1000, 1024);
    while (!sim_all_finished(&s) && s.now < 1000000 && !st_failed()) {
        sim_round(&s);
        if (getenv("SIM_TRACE")) {
            printf("    t=%2llu", (unsigned long long)s.now / 1000);
            for (uint32_t k = 1; k <= 4; k++) {
                printf(" |");
                for (uint32_t i = 0; i < s.nprocs; i++)
                    if (s.procs[i].st == SP_RUNNING && s.procs[i].node == k)
                        printf(" %llu", (unsigned long long)s.procs[i].work / 1000);
            }
            printf("\n");
        }
    }
    uint64_t end = 0;
    for (uint32_t i = 0; i < s.nprocs; i++) {
        if (s.procs[i].st != SP_DONE)
            st_fail(__FILE__, __LINE__, "%s: job %u not done", policy, i);
        end = s.procs[i].done_ms > end ? s.procs[i].done_ms : end;
    }
    *moves = s.moves;
    return end;
}

#define BATCHES 4

/* BATCHES batches of JOBS jobs of 1-10 s on 4 one-hart nodes, every policy
 * on the same jobs; the makespan against the lower bound max(total work /
 * nodes, longest job), per batch and on average.
 *
 * In this model (processor sharing on each node; all 24 fit at once, so
 * placement alone decides only the first spread; rebalancing every second,
 * a move pausing the process 50 ms), least-allocated with rebalancing
 * averages 1.05x the bound over 500 seeds; a single batch was worse than
 * 1.15x once in those 500 (1.16x: the balancer counts runnable processes,
 * it cannot know which will run longest, and now and then gathers the long
 * ones on one node). Round robin averages 1.21x, random 1.46x; either may
 * beat it on a lucky batch, so that is not asserted. Asserted: least's mean
 * over the batches <= 1.15x, and no batch above 1.25x. */
static void sim_makespan(void)
{
    double sum[NPOLICIES] = {0}, worst[NPOLICIES] = {0};
    uint64_t moves_all[NPOLICIES] = {0};
    for (int b = 0; b < BATCHES; b++) {
        uint64_t work[JOBS], total = 0, longest = 0;
        for (int i = 0; i < JOBS; i++) {
            work[i] = 1000 + st_below(9001); /* 1-10 s of one hart */
            total += work[i];
            longest = work[i] > longest ? work[i] : longest;
        }
        uint64_t bound = total / 4 > longest ? total / 4 : longest;
        for (int p = 0; p < NPOLICIES; p++) {
            uint64_t moves;
            uint64_t ms = makespan(policies[p], work, &moves);
            fail_on_violation(__LINE__);
            CHECK_OK();
            double r = (double)ms / (double)bound;
            sum[p] += r;
            worst[p] = r > worst[p] ? r : worst[p];
            moves_all[p] += moves;
        }
    }
    printf("    makespan / lower bound, %d batches of %d jobs (1-10 s) on 4 one-hart nodes:\n",
           BATCHES, JOBS);
    for (int p = 0; p < NPOLICIES; p++)
        printf("    %-6s mean %.3fx  worst %.3fx  %.1f moves a batch\n", policies[p],
               sum[p] / BATCHES, worst[p], (double)moves_all[p] / BATCHES);
    fflush(stdout);
    CHECK(sum[0] / BATCHES <= 1.15);
    CHECK(worst[0] <= 1.25);
}

/* ---- memory pressure ------------------------------------------------------------- */

/* A node whose processes use more memory than they asked sheds them until
 * it is above its floor again. */
static void sim_sheds_memory(void)
{
    for (int p = 0; p < NPOLICIES; p++) {
        struct sim_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.policy = policies[p];
        cfg.nnodes = 3;
        for (int i = 0; i < 3; i++) {
            cfg.nodes[i].harts = 4;
            cfg.nodes[i].mem_kib = 100000;
        }
        cfg.tun.cooldown_ms = COOLDOWN_MS;
        cfg.tun.no_return_ms = NO_RETURN_MS;
        sim_init(&s, &cfg);
        for (int i = 0; i < 6; i++) /* each asks for 1 MiB, uses 16 */
            sim_add(&s, "cpu=100,mem=1024,sel=disk=any", 0, SIM_FOREVER, 100, 16000);
        /* no node has disk=any: they stay pending until node 1 gets it */
        static struct sched_reply rep;
        struct sched_request c = st_cmd(SCHED_OP_LABEL);
        c.node = 1;
        strcpy(c.kv.kv.key, "disk");
        strcpy(c.kv.kv.value, "any");
        sim_round(&s);
        CHECK_EQ(s.procs[0].st, SP_PENDING);
        uint8_t buf[SCHED_MSG_MAX];
        int n = sched_cmd_encode(&c, buf, sizeof buf);
        schm_apply(&s.m, s.m.applied + 1, buf, (size_t)n, &rep);
        schm_apply(&s.follower, s.follower.applied + 1, buf, (size_t)n, &rep);
        strcpy(s.truth[0].labels[s.truth[0].nlabels].key, "disk");
        strcpy(s.truth[0].labels[s.truth[0].nlabels++].value, "any");
        sim_round(&s); /* all six placed on node 1: 96% used */
        for (int i = 0; i < 6; i++)
            CHECK_EQ(s.procs[i].node, 1);
        /* nowhere else matches their selector: they must stay */
        for (int r = 0; r < 5; r++)
            sim_round(&s);
        CHECK_EQ(s.moves, 0);
        /* a process the scheduler did not place (default spec) can go */
        sim_add_pinned(&s, 1, s.now, SIM_FOREVER, 100, 8000);
        for (int r = 0; r < 5; r++)
            sim_round(&s);
        CHECK_EQ(s.procs[6].node == 1 ? 1 : 0, 0);
        fail_on_violation(__LINE__);
        CHECK_OK();
    }
}

/* ---- a dead node ------------------------------------------------------------------ */

static void sim_node_lost(void)
{
    struct sim_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.policy = "least";
    cfg.nnodes = 3;
    for (int i = 0; i < 3; i++) {
        cfg.nodes[i].harts = 2;
        cfg.nodes[i].mem_kib = 1 << 20;
    }
    cfg.tun.cooldown_ms = COOLDOWN_MS;
    cfg.tun.no_return_ms = NO_RETURN_MS;
    sim_init(&s, &cfg);
    for (int i = 0; i < 6; i++)
        sim_add(&s, i % 2 ? "cpu=500,restart" : "cpu=500", 0, SIM_FOREVER, 500, 1024);
    sim_round(&s);
    uint32_t on3 = 0;
    for (int i = 0; i < 6; i++)
        on3 += s.procs[i].node == 3;
    CHECK_EQ(on3, 2);
    sim_kill(&s, 3);
    sim_round(&s);
    for (int i = 0; i < 6; i++) {
        const struct sim_proc *p = &s.procs[i];
        CHECK(p->st != SP_RUNNING || p->node != 3);
        if (p->st == SP_LOST)
            CHECK(!p->spec.restart);
    }
    uint32_t lost = 0, running = 0;
    for (int i = 0; i < 6; i++) {
        lost += s.procs[i].st == SP_LOST;
        running += s.procs[i].st == SP_RUNNING;
    }
    CHECK_EQ(lost, 1);
    CHECK_EQ(running, 5); /* the restarted one runs elsewhere */
    /* new requests never go to the dead node */
    for (int i = 0; i < 4; i++)
        sim_add(&s, "cpu=100", s.now, SIM_FOREVER, 100, 1024);
    sim_round(&s);
    for (uint32_t i = 6; i < s.nprocs; i++)
        CHECK(s.procs[i].st == SP_RUNNING && s.procs[i].node != 3);
    sim_check_replicas(&s);
    fail_on_violation(__LINE__);
}

const struct st_test st_sim_tests[] = {
    {"sim_constraints_least", sim_constraints_least},
    {"sim_constraints_mosix", sim_constraints_mosix},
    {"sim_constraints_random", sim_constraints_random},
    {"sim_constraints_rr", sim_constraints_rr},
    {"sim_catches_broken_filters", sim_catches_broken_filters},
    {"sim_converges_least", sim_converges_least},
    {"sim_converges_mosix", sim_converges_mosix},
    {"sim_converges_random", sim_converges_random},
    {"sim_converges_rr", sim_converges_rr},
    {"sim_makespan", sim_makespan},
    {"sim_sheds_memory", sim_sheds_memory},
    {"sim_node_lost", sim_node_lost},
    {NULL, NULL},
};
