/* services/sched/place.h: one placement decision, and the moves of a drain.
 *
 * sched_place filters every node of the view (filters.h, then the policy's
 * own filter), scores the survivors with the policy and takes the highest
 * score, the lowest node id on a tie, so the same view and policy state give
 * the same answer. The view must include every decision already taken: the
 * leader adds the placements it has proposed but not yet seen applied, or
 * decides one request at a time.
 *
 * Pure and freestanding. */
#ifndef SERVICES_SCHED_PLACE_H
#define SERVICES_SCHED_PLACE_H

#include <stddef.h>

#include "services/sched/sched.h"

/* Choose a node for a request of spec s under policy p.
 * Returns the node's score (0..100) with *node set and reason (if cap > 0)
 * emptied; or -EAGAIN when no node passes, with *node = 0 and reason[0..cap)
 * saying why, Kubernetes style: how many nodes passed out of how many, then
 * how many each filter turned away, most first (ties in filter order):
 *   "0/4 nodes: 2 cpu, 1 selector, 1 down"
 * (truncated to cap - 1 bytes). The policy's placed hook is told the choice. */
int sched_place(const struct sched_policy *p, const struct sched_view *v,
                const struct sched_spec *s, uint32_t *node, char *reason, size_t cap);

/* Moves for `drain NODE` (as kubectl drain): a target for each movable
 * process node's report lists, chosen as sched_place would with node left
 * out and the requests of the moves already chosen in this call counted on
 * their targets. At most one of the moves is of a constrained process
 * (view.h: sched_spec_constrained): call again once the moves are recorded
 * (MOVED) for the rest. A process with no possible target is left (the
 * caller sees it still listed). The policy is told of each move (its
 * moved hook, at now_ms), so the drained cool down like the balanced. The
 * number of moves written to out. The caller cordons node first (CORDON),
 * so nothing is placed there meanwhile. */
int sched_drain(const struct sched_policy *p, const struct sched_view *v, uint32_t node,
                uint64_t now_ms, struct sched_move *out, int max);

#endif
