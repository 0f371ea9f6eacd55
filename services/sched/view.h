/* services/sched/view.h: questions about a struct sched_view that the
 * filters, the policies, the balancer and the service all ask: which node
 * has an id, which placements are live, what a node's load is expected to
 * be, and the accounting of requests against capacity.
 *
 * Pure and freestanding (sched.h). */
#ifndef SERVICES_SCHED_VIEW_H
#define SERVICES_SCHED_VIEW_H

#include "services/sched/sched.h"

/* A spec with the defaults: SCHED_DEFAULT_CPU_MILLI, SCHED_DEFAULT_MEM_KIB,
 * no terms. Also the spec of a process the scheduler did not place. */
void sched_spec_default(struct sched_spec *s);

/* s has labels, affinity, anti-affinity or a spread key: moving a process of
 * s can change what the filters say about another process, so a batch of
 * moves (balance.c, sched_drain) holds at most one such move. */
bool sched_spec_constrained(const struct sched_spec *s);

/* PLACED or RUNNING: it holds its requests on its node. */
bool sched_live(const struct sched_placement *p);
/* Live and not the placement being moved (v->moving_req_id): the
 * placements the filters count. */
bool sched_counts(const struct sched_view *v, const struct sched_placement *p);

/* The node with this id (1..SCHED_NODES_MAX), NULL if the view has none. */
const struct sched_node *sched_view_node(const struct sched_view *v, uint32_t id);
/* The non-FREE placement with req_id (!= 0), NULL if none. */
const struct sched_placement *sched_view_find(const struct sched_view *v, uint64_t req_id);
/* The spec a process listed in a report moves with: its live placement's
 * (by req_id), else the default, written to *scratch. */
const struct sched_spec *sched_proc_spec(const struct sched_view *v, const struct sched_proc *p,
                                         struct sched_spec *scratch);

/* want matches have: same key, and want's value empty (any) or equal. */
bool sched_label_match(const struct sched_label *want, const struct sched_label *have);
/* One of labels[0..n) matches want. */
bool sched_has_label(const struct sched_label *labels, uint32_t n, const struct sched_label *want);

/* cap - used, 0 if used >= cap. */
static inline uint32_t sched_free(uint32_t cap, uint32_t used)
{
    return used >= cap ? 0 : cap - used;
}

/* ---- load ------------------------------------------------------------------
 * Load is counted in runnable processes x 1000 (MOSIX's measure: the run
 * queue). A node's figure comes from its last report; between reports the
 * leader corrects it from what the log knows better (below). */

/* The share of its node's run queue a listed process accounts for: its CPU
 * use scaled by how oversubscribed the node is (runq / cpu use), so a
 * CPU-bound process counts 1000 whether it got the whole hart or a third. */
uint32_t sched_proc_load(const struct sched_node *n, const struct sched_proc *p);
/* The node's expected load: its reported run queue, minus processes the
 * report still lists whose placement the log has since moved elsewhere,
 * plus live placements on it the report does not list yet (placed but not
 * started or not yet reported, or moved here), each counted at its cpu
 * request (at most one runnable process). */
uint32_t sched_node_load(const struct sched_view *v, const struct sched_node *n);
/* load per hart (x1000) on a node of cpu_cap_milli; saturates. */
uint32_t sched_per_hart(uint64_t load, uint32_t cpu_cap_milli);

/* ---- accounting ------------------------------------------------------------
 * cpu_req_milli and mem_req_kib of a node are the requests of the live
 * placements on it; the service recomputes them from the log's placements
 * (sched_account_all) whenever it builds a view. */
void sched_account(struct sched_node *nodes, uint32_t nnodes, const struct sched_placement *p,
                   int sign);
void sched_account_all(struct sched_node *nodes, uint32_t nnodes, const struct sched_placement *ps,
                       uint32_t np);

#endif
