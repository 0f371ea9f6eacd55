/* services/sched/filters.h: the framework's filters, applied whatever the
 * policy (in the manner of the Kubernetes scheduler framework's Filter
 * plugins). A node a filter turns away is not scored; the reason names the
 * first filter that did, so a pending request can say why.
 *
 * In order, node n may take a process of spec s when:
 *   "down"      n's slot is used (id != 0) and n is up;
 *   "cordoned"  n is not cordoned;
 *   "cpu"       cpu_cap_milli - cpu_req_milli >= s->cpu_milli;
 *   "memory"    mem_cap_kib - mem_req_kib >= s->mem_kib;
 *   "selector"  each selector term matches one of n's labels (same key, and
 *               the same value, or any value when the term's is "");
 *   "taint"     each NoSchedule or NoExecute taint of n is tolerated: some
 *               toleration has its key, its value or "" (any), its effect
 *               or 0 (any);
 *   "affinity"  if s->affinity has a key: a live placement on n carries a
 *               label matching it. As in Kubernetes, when no live placement
 *               anywhere matches and s's own labels do, any node passes (the
 *               first of a group that wants to be together);
 *   "anti-affinity"
 *               if s->anti_affinity has a key, no live placement on n
 *               carries a matching label; and, symmetrically, no live
 *               placement on n has an anti-affinity that s's labels match
 *               (so two processes that must not share a node never do,
 *               whichever came first);
 *   "spread"    if s->spread_key is set, see below.
 * "Live placement" is PLACED or RUNNING, and never the one being moved
 * (v->moving_req_id), so a move is judged as if the process had left.
 *
 * Topology spread (maxSkew 1, DoNotSchedule, in Kubernetes' terms):
 *   - domains: the values of label spread_key over the eligible nodes, the
 *     up, uncordoned nodes that carry the key and match s's selector;
 *   - the group: live placements whose spec has the same spread_key and
 *     carries every label of s (exact key and value); count[d] is how many
 *     of them are on eligible nodes of domain d;
 *   - n passes if it carries the key and count[its domain] + 1 - min over
 *     domains of count <= 1, i.e. its domain is one of the least used.
 * Placing by this rule keeps max - min of the counts <= 1; exits can widen
 * it, and later placements then go where the group is thinnest.
 *
 * Pure and freestanding. */
#ifndef SERVICES_SCHED_FILTERS_H
#define SERVICES_SCHED_FILTERS_H

#include "services/sched/sched.h"

/* The reasons, in filter order (place.c lists counts in this order). */
#define SCHED_FILTER_REASONS 9
extern const char *const sched_filter_reasons[SCHED_FILTER_REASONS];

/* True if n may take a process of spec s; else false and *reason (a
 * constant string from sched_filter_reasons) says which filter refused. */
bool sched_filter(const struct sched_view *v, const struct sched_node *n,
                  const struct sched_spec *s, const char **reason);

/* Does spec s tolerate taint t? */
bool sched_tolerates(const struct sched_spec *s, const struct sched_taint *t);

/* True if n has a NoExecute taint that s does not tolerate: a process of s
 * running there must move off ("NoExecute moves them off"). */
bool sched_noexecute_violated(const struct sched_node *n, const struct sched_spec *s);

#endif
