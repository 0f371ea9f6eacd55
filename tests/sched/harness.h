/* tests/sched/harness.h: the global scheduler's host tests: their tables
 * and the fixtures shared by the test files.
 *
 * A test is a named `void fn(void)` in a table ending with {NULL, NULL}; the
 * runner (tests/common/hosttest.h) runs each in its own process, so a
 * crash or a sanitizer report fails that test only. A CHECK that fails
 * records file:line, the message and the seed, and returns from the test
 * function. Random tests draw from st_rand(), seeded per test from
 * SCHED_SEED (default 1) and the test's name, so a failure reproduces with
 * the seed it prints. */
#ifndef TESTS_SCHED_HARNESS_H
#define TESTS_SCHED_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/errno.h"
#include "services/sched/schedmachine.h"
#include "services/sched/schedproto.h"
#include "services/sched/sched.h"
#include "tests/common/hosttest.h"

/* The runner's names under this suite's prefix. */
#define st_test hosttest
#define st_fail hosttest_fail
#define st_failed hosttest_failed
#define st_rand hosttest_rand
#define st_seed hosttest_seed
#define st_below hosttest_below

extern const struct st_test st_filter_tests[];
extern const struct st_test st_policy_tests[];
extern const struct st_test st_machine_tests[];
extern const struct st_test st_proto_tests[];
extern const struct st_test st_spec_tests[];
extern const struct st_test st_sim_tests[];

/* ---- a small cluster for the filter and policy tests (util.c) ---------------- */

#define ST_PLACEMENTS 64

struct st_cluster {
    struct sched_node nodes[SCHED_NODES_MAX];
    uint32_t nnodes;
    struct sched_placement pl[ST_PLACEMENTS];
    uint32_t npl;
    /* what each listed process would use alone, by pid (st_loads shares
     * the harts out by it) */
    int32_t demand_pid[ST_PLACEMENTS * 2];
    uint32_t demand[ST_PLACEMENTS * 2];
    uint32_t ndemand;
};

/* nnodes nodes 1..nnodes, up, each with harts x 1000 cpu and mem_kib. */
void st_cluster_init(struct st_cluster *c, uint32_t nnodes, uint32_t harts, uint32_t mem_kib);
struct sched_node *st_node(struct st_cluster *c, uint32_t id);
/* Labels ("k=v,k=v") and a taint ("k=v:NoSchedule") on a node. */
void st_node_labels(struct st_cluster *c, uint32_t id, const char *labels);
void st_node_taint(struct st_cluster *c, uint32_t id, const char *taint);
/* A spec from its text (fails the test if it does not parse). */
struct sched_spec st_spec(const char *text);
/* A RUNNING placement of spec text on node (its requests accounted), with
 * req_id = its index + 1 and pid = node * 100000 + index + 1; the process
 * listed on the node using cpu_milli of CPU (0: none listed). */
struct sched_placement *st_run(struct st_cluster *c, uint32_t node, const char *spec,
                               uint32_t cpu_milli);
/* A process the scheduler did not place, listed on node. */
void st_proc(struct st_cluster *c, uint32_t node, int32_t pid, uint32_t cpu_milli,
             uint32_t mem_kib);
/* Recompute each node's report from what it lists: the run queue is the
 * total demand, each process gets its demand x min(1, harts x 1000 / total)
 * (processor sharing), free memory what the processes leave. */
void st_loads(struct st_cluster *c);
struct sched_view st_view(const struct st_cluster *c);

/* ---- the state machine (util.c) ------------------------------------------------ */

/* A command of op with everything else zero. */
struct sched_request st_cmd(uint8_t op);
/* Encode cmd (command form) and apply it at the machine's next index. */
int st_apply(struct sched_machine *m, const struct sched_request *cmd, struct sched_reply *rep);
/* A random command for m (mostly valid, over few nodes and request ids,
 * with clients retrying, and some garbage); its length. */
size_t st_random_command(const struct sched_machine *m, uint8_t *buf, size_t cap);
/* n random commands applied to m. */
void st_random_history(struct sched_machine *m, int n);
/* The machine's invariants (unique req_ids and running pids, states agree
 * with nodes and pids, rings ordered). */
void st_check_machine(const struct sched_machine *m);

#endif
