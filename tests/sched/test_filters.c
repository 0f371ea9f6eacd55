/* tests/sched/test_filters.c: the framework's filters
 * (services/sched/filters.c). */
#include "services/sched/filters.h"
#include "tests/sched/harness.h"

static struct st_cluster c;

/* The filter's answer for spec text on node: "" if it passes, else why. */
static const char *verdict(uint32_t node, const char *spec)
{
    struct sched_view v = st_view(&c);
    struct sched_spec s = st_spec(spec);
    const char *why = "?";
    return sched_filter(&v, st_node(&c, node), &s, &why) ? "" : why;
}

static void filter_down_and_cordoned(void)
{
    st_cluster_init(&c, 3, 1, 65536);
    st_node(&c, 2)->up = false;
    st_node(&c, 3)->cordoned = true;
    CHECK_STR(verdict(1, ""), "");
    CHECK_STR(verdict(2, ""), "down");
    CHECK_STR(verdict(3, ""), "cordoned");
    struct sched_node unused;
    memset(&unused, 0, sizeof unused);
    struct sched_view v = st_view(&c);
    struct sched_spec s = st_spec("");
    const char *why = 0;
    CHECK(!sched_filter(&v, &unused, &s, &why));
    CHECK_STR(why, "down");
    CHECK(sched_filter(&v, st_node(&c, 1), &s, NULL)); /* reason may be NULL */
}

static void filter_cpu_and_memory_fit(void)
{
    st_cluster_init(&c, 2, 2, 4096);
    st_run(&c, 1, "cpu=1500,mem=1024", 0);
    CHECK_STR(verdict(1, "cpu=500,mem=3072"), ""); /* exactly what is left */
    CHECK_STR(verdict(1, "cpu=501,mem=1"), "cpu");
    CHECK_STR(verdict(1, "cpu=500,mem=3073"), "memory");
    CHECK_STR(verdict(1, "cpu=0,mem=0"), "");
    /* a node whose requests exceed its capacity (it reported less) */
    st_node(&c, 2)->cpu_req_milli = 5000;
    CHECK_STR(verdict(2, "cpu=1,mem=0"), "cpu");
    CHECK_STR(verdict(2, "cpu=0,mem=0"), "");
}

static void filter_selector(void)
{
    st_cluster_init(&c, 2, 4, 65536);
    st_node_labels(&c, 1, "disk=ssd,zone=a");
    st_node_labels(&c, 2, "disk=hdd");
    CHECK_OK();
    CHECK_STR(verdict(1, "sel=disk=ssd"), "");
    CHECK_STR(verdict(2, "sel=disk=ssd"), "selector");
    CHECK_STR(verdict(1, "sel=disk=ssd,sel=zone=a"), "");
    CHECK_STR(verdict(1, "sel=disk=ssd,sel=zone=b"), "selector");
    CHECK_STR(verdict(2, "sel=disk"), ""); /* any value */
    CHECK_STR(verdict(2, "sel=zone"), "selector");
}

static void filter_taints(void)
{
    st_cluster_init(&c, 3, 4, 65536);
    st_node_taint(&c, 1, "gpu=yes:NoSchedule");
    st_node_taint(&c, 2, "maint:NoExecute");
    CHECK_OK();
    CHECK_STR(verdict(1, ""), "taint");
    CHECK_STR(verdict(1, "tol=gpu=yes:NoSchedule"), "");
    CHECK_STR(verdict(1, "tol=gpu"), "");                /* any value, any effect */
    CHECK_STR(verdict(1, "tol=gpu:NoSchedule"), "");     /* any value */
    CHECK_STR(verdict(1, "tol=gpu=no"), "taint");        /* another value */
    CHECK_STR(verdict(1, "tol=gpu:NoExecute"), "taint"); /* another effect */
    CHECK_STR(verdict(1, "tol=cpu"), "taint");
    CHECK_STR(verdict(2, ""), "taint");
    CHECK_STR(verdict(2, "tol=maint:NoExecute"), "");
    CHECK_STR(verdict(3, ""), "");
    struct sched_spec plain = st_spec(""), tol = st_spec("tol=maint");
    CHECK(sched_noexecute_violated(st_node(&c, 2), &plain));
    CHECK(!sched_noexecute_violated(st_node(&c, 2), &tol));
    CHECK(!sched_noexecute_violated(st_node(&c, 1), &plain)); /* NoSchedule only */
}

static void filter_anti_affinity(void)
{
    st_cluster_init(&c, 3, 8, 65536);
    st_run(&c, 1, "label=app=web,anti=app=web", 0);
    CHECK_STR(verdict(1, "label=app=web,anti=app=web"), "anti-affinity");
    CHECK_STR(verdict(2, "label=app=web,anti=app=web"), "");
    /* symmetric: a web without the term still may not join the one that has it */
    CHECK_STR(verdict(1, "label=app=web"), "anti-affinity");
    CHECK_STR(verdict(1, "label=app=db"), "");
    CHECK_STR(verdict(1, "anti=app"), "anti-affinity"); /* any value of app */
    /* PLACED counts; PENDING, LOST and the one being moved do not */
    c.pl[0].state = SCHED_PLACED;
    CHECK_STR(verdict(1, "anti=app=web"), "anti-affinity");
    c.pl[0].state = SCHED_LOST;
    CHECK_STR(verdict(1, "anti=app=web"), "");
    c.pl[0].state = SCHED_RUNNING;
    struct sched_view v = st_view(&c);
    v.moving_req_id = c.pl[0].req_id;
    struct sched_spec s = st_spec("label=app=web,anti=app=web");
    CHECK(sched_filter(&v, st_node(&c, 1), &s, NULL));
}

static void filter_affinity(void)
{
    st_cluster_init(&c, 3, 8, 65536);
    /* nothing labelled db anywhere: a web wanting db is refused everywhere */
    CHECK_STR(verdict(1, "label=app=web,aff=app=db"), "affinity");
    /* ... but the first of a group that wants itself goes anywhere */
    CHECK_STR(verdict(2, "label=app=cache,aff=app=cache"), "");
    st_run(&c, 2, "label=app=db", 0);
    CHECK_STR(verdict(2, "label=app=web,aff=app=db"), "");
    CHECK_STR(verdict(1, "label=app=web,aff=app=db"), "affinity");
    st_run(&c, 3, "label=app=cache,aff=app=cache", 0);
    CHECK_STR(verdict(3, "label=app=cache,aff=app=cache"), "");
    CHECK_STR(verdict(1, "label=app=cache,aff=app=cache"), "affinity");
}

/* Zones a (nodes 1, 2), b (3), c (4); node 5 has no zone. */
static void spread_setup(void)
{
    st_cluster_init(&c, 5, 8, 65536);
    st_node_labels(&c, 1, "zone=a");
    st_node_labels(&c, 2, "zone=a");
    st_node_labels(&c, 3, "zone=b");
    st_node_labels(&c, 4, "zone=c");
}

static void filter_spread(void)
{
    spread_setup();
    CHECK_OK();
    const char *web = "label=app=web,spread=zone";
    CHECK_STR(verdict(1, web), "");
    CHECK_STR(verdict(5, web), "spread"); /* no zone label */
    st_run(&c, 1, web, 0);                /* a=1 b=0 c=0 */
    CHECK_STR(verdict(2, web), "spread"); /* zone a again: skew 2 */
    CHECK_STR(verdict(3, web), "");
    st_run(&c, 3, web, 0); /* a=1 b=1 c=0 */
    CHECK_STR(verdict(3, web), "spread");
    CHECK_STR(verdict(4, web), "");
    st_run(&c, 4, web, 0); /* a=1 b=1 c=1: any zone */
    CHECK_STR(verdict(2, web), "");
    CHECK_STR(verdict(3, web), "");
    /* another group (other labels) is counted apart */
    CHECK_STR(verdict(1, "label=app=db,spread=zone"), "");
    st_run(&c, 1, "label=app=db,spread=zone", 0);
    CHECK_STR(verdict(2, "label=app=db,spread=zone"), "spread");
    CHECK_STR(verdict(2, web), "");
    /* a process without the spread key is in no group */
    st_run(&c, 2, "label=app=web", 0);
    CHECK_STR(verdict(2, web), "");
}

static void filter_spread_domains(void)
{
    spread_setup();
    CHECK_OK();
    const char *web = "label=app=web,spread=zone";
    st_run(&c, 1, web, 0);
    st_run(&c, 3, web, 0); /* a=1 b=1 c=0 */
    CHECK_STR(verdict(1, web), "spread");
    /* zone c's only node goes down: its domain is gone, a and b are even */
    st_node(&c, 4)->up = false;
    CHECK_STR(verdict(1, web), "");
    st_node(&c, 4)->up = true;
    st_node(&c, 4)->cordoned = true; /* cordoned: likewise */
    CHECK_STR(verdict(2, web), "");
    st_node(&c, 4)->cordoned = false;
    /* the selector narrows the domains: only a and b carry disk=ssd */
    st_node_labels(&c, 1, "zone=a,disk=ssd");
    st_node_labels(&c, 3, "zone=b,disk=ssd");
    CHECK_STR(verdict(1, "label=app=web,spread=zone,sel=disk=ssd"), "");
    /* a move is judged as if the process had left */
    struct sched_view v = st_view(&c);
    v.moving_req_id = c.pl[0].req_id; /* the one in zone a */
    struct sched_spec s = st_spec(web);
    CHECK(sched_filter(&v, st_node(&c, 4), &s, NULL));  /* a=0 b=1 c=0 -> c */
    CHECK(!sched_filter(&v, st_node(&c, 3), &s, NULL)); /* b would be 2 */
}

/* The reason names the first filter that refused, in the documented order. */
static void filter_order(void)
{
    st_cluster_init(&c, 1, 1, 1024);
    st_node_taint(&c, 1, "gpu:NoSchedule");
    CHECK_STR(verdict(1, "cpu=2000,mem=4096,sel=x=y"), "cpu");
    CHECK_STR(verdict(1, "cpu=1,mem=4096,sel=x=y"), "memory");
    CHECK_STR(verdict(1, "cpu=1,mem=1,sel=x=y"), "selector");
    CHECK_STR(verdict(1, "cpu=1,mem=1"), "taint");
    st_node(&c, 1)->cordoned = true;
    CHECK_STR(verdict(1, "cpu=2000"), "cordoned");
    st_node(&c, 1)->up = false;
    CHECK_STR(verdict(1, "cpu=2000"), "down");
}

const struct st_test st_filter_tests[] = {
    {"filter_down_and_cordoned", filter_down_and_cordoned},
    {"filter_cpu_and_memory_fit", filter_cpu_and_memory_fit},
    {"filter_selector", filter_selector},
    {"filter_taints", filter_taints},
    {"filter_anti_affinity", filter_anti_affinity},
    {"filter_affinity", filter_affinity},
    {"filter_spread", filter_spread},
    {"filter_spread_domains", filter_spread_domains},
    {"filter_order", filter_order},
    {NULL, NULL},
};
