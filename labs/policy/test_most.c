/* labs/policy/test_most.c: the tests that grade the scheduling-policy lab
 * (labs/policy/README.md): a policy called "most" in the scheduler's table
 * that places on the most allocated node that fits (bin packing), moves
 * nothing to even the load out, still makes the moves no policy may skip,
 * and never breaks a constraint in the seeded simulator.
 *
 * Built with the scheduler's pure code and the simulator of the tree being
 * graded (labs/policy/check). Each test prints PASS or FAIL with why. */
#include <stdio.h>

#include "services/sched/balance.h"
#include "services/sched/place.h"
#include "services/sched/policies.h"
#include "services/sched/view.h"
#include "tests/sched/harness.h"
#include "tests/sched/sim.h"

static struct st_cluster c;

static const struct sched_policy *most(void)
{
    const struct sched_policy *p = sched_policy_find("most");
    if (!p)
        st_fail(__FILE__, __LINE__, "no policy named \"most\" in policies.c's table");
    return p;
}

/* Where spec goes under "most" (0: nowhere). */
static uint32_t place(const char *spec)
{
    const struct sched_policy *p = most();
    if (!p)
        return 0;
    struct sched_view v = st_view(&c);
    struct sched_spec s = st_spec(spec);
    uint32_t node = 0;
    char why[SCHED_REASON_MAX];
    return sched_place(p, &v, &s, &node, why, sizeof why) < 0 ? 0 : node;
}

static void most_is_registered(void)
{
    const struct sched_policy *p = most();
    if (!p)
        return;
    CHECK_STR(p->name, "most");
    CHECK(p->score != NULL);
    CHECK(p->rebalance != NULL); /* the mandatory moves are everyone's */
}

static void most_packs_by_cpu(void)
{
    sched_policies_reset(NULL);
    st_cluster_init(&c, 3, 1, 65536);
    st_run(&c, 1, "cpu=250", 0);
    st_run(&c, 2, "cpu=500", 0);
    CHECK_EQ(place("cpu=250"), 2); /* the fullest that fits */
    st_run(&c, 2, "cpu=500", 0);   /* node 2 is full now */
    CHECK_EQ(place("cpu=250"), 1);
}

static void most_counts_memory(void)
{
    sched_policies_reset(NULL);
    st_cluster_init(&c, 3, 1, 65536);
    st_run(&c, 1, "cpu=200,mem=1024", 0);
    st_run(&c, 3, "cpu=200,mem=32768", 0); /* same cpu, half its memory asked */
    CHECK_EQ(place("cpu=100,mem=1024"), 3);
}

static void most_fills_nodes_in_turn(void)
{
    sched_policies_reset(NULL);
    st_cluster_init(&c, 4, 1, 65536);
    uint32_t want[8] = {1, 1, 1, 1, 2, 2, 2, 2}, got[8];
    for (int i = 0; i < 8; i++) {
        got[i] = place("cpu=250");
        if (got[i])
            st_run(&c, got[i], "cpu=250", 0);
    }
    for (int i = 0; i < 8; i++)
        CHECK_EQ(got[i], want[i]); /* empty nodes tie: the lowest id first */
}

static void most_scores_in_range(void)
{
    const struct sched_policy *p = most();
    if (!p)
        return;
    sched_policies_reset(NULL);
    st_cluster_init(&c, 2, 1, 65536);
    struct sched_view v = st_view(&c);
    struct sched_spec big = st_spec("cpu=4000,mem=1048576"), none = st_spec("cpu=0");
    for (uint32_t k = 1; k <= 2; k++) {
        const struct sched_node *n = sched_view_node(&v, k);
        int a = p->score(p->state, &v, n, &big), b = p->score(p->state, &v, n, &none);
        CHECK(a >= 0 && a <= 100);
        CHECK(b >= 0 && b <= 100);
        CHECK(a >= b);
    }
}

static void most_keeps_the_packing(void)
{
    const struct sched_policy *p = most();
    if (!p)
        return;
    sched_policies_reset(NULL);
    st_cluster_init(&c, 4, 1, 65536);
    for (int i = 0; i < 4; i++)
        st_run(&c, 1, "cpu=250", 1000); /* four busy processes on node 1 */
    st_loads(&c);
    struct sched_view v = st_view(&c);
    struct sched_move m[8];
    CHECK_EQ(p->rebalance(p->state, &v, 60000, m, 8), 0); /* load balancing would undo it */
}

static void most_still_evicts(void)
{
    const struct sched_policy *p = most();
    if (!p)
        return;
    sched_policies_reset(NULL);
    st_cluster_init(&c, 3, 4, 65536);
    st_run(&c, 1, "cpu=100", 300);
    st_node_taint(&c, 1, "maint:NoExecute");
    st_loads(&c);
    struct sched_view v = st_view(&c);
    struct sched_move m[8];
    int n = p->rebalance(p->state, &v, 1000, m, 8);
    CHECK_EQ(n, 1); /* a NoExecute taint sends it away, whatever the policy */
    if (n == 1)
        CHECK(m[0].from == 1 && m[0].to != 1);
}

/* The simulator (tests/sched/sim.h) under "most": 120 processes with
 * constraints over a minute on 6 nodes, one of which dies: every decision
 * is checked against the truth (capacity, selectors, taints, affinity,
 * spread), and the replicated machine agrees with it. */
static void most_in_the_simulator(void)
{
    if (!most())
        return;
    static const char *const templates[] = {
        "",
        "cpu=500",
        "cpu=250,mem=4096",
        "sel=disk=ssd",
        "tol=gpu:NoSchedule",
        "label=app=web,anti=app=web",
        "spread=zone",
        "cpu=100,label=app=db,aff=app=db",
    };
    static struct sim s;
    struct sim_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.policy = "most";
    cfg.nnodes = 6;
    static const char *const labels[6] = {
        "zone=a,disk=ssd", "zone=a,disk=hdd", "zone=b,disk=ssd",
        "zone=b,disk=hdd", "zone=c,disk=ssd", "zone=c,disk=hdd,gpu=yes",
    };
    for (int i = 0; i < 6; i++) {
        cfg.nodes[i].harts = 4;
        cfg.nodes[i].mem_kib = 65536;
        cfg.nodes[i].labels = labels[i];
    }
    cfg.nodes[5].taint = "gpu=yes:NoSchedule";
    cfg.step_ms = 100;
    cfg.report_ms = 1000;
    cfg.migrate_ms = 100;
    cfg.tun.seed = st_seed();
    sim_init(&s, &cfg);
    for (int i = 0; i < 120; i++)
        sim_add(&s, templates[st_below(sizeof templates / sizeof templates[0])], st_below(60000),
                1000 + st_below(19000), 200 + (uint32_t)st_below(801),
                256 + (uint32_t)st_below(2048));
    sim_run(&s, 30000);
    sim_kill(&s, 4);
    sim_run(&s, 120000);
    sim_check_replicas(&s);
    if (s.violations)
        st_fail(__FILE__, __LINE__, "%llu violation(s); first: %s",
                (unsigned long long)s.violations, s.first);
    /* no NoExecute taint to flee, memory to spare: a move would be load
     * balancing, which undoes the packing */
    CHECK_EQ(s.moves, 0);
}

static const struct st_test most_tests[] = {
    {"most_is_registered", most_is_registered},
    {"most_packs_by_cpu", most_packs_by_cpu},
    {"most_counts_memory", most_counts_memory},
    {"most_fills_nodes_in_turn", most_fills_nodes_in_turn},
    {"most_scores_in_range", most_scores_in_range},
    {"most_keeps_the_packing", most_keeps_the_packing},
    {"most_still_evicts", most_still_evicts},
    {"most_in_the_simulator", most_in_the_simulator},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    static const struct st_test *const tables[] = {most_tests};
    const struct hosttest_suite suite = {
        .tables = tables,
        .ntables = 1,
        .seed_env = "SCHED_SEED",
    };
    return hosttest_main(&suite, argc, argv);
}
