/* services/sched/policies.h: the scheduler's policies, by name.
 *
 *   least   least-allocated (the default): score = mean of the free cpu %
 *           and free memory % a node would have left after the request
 *           (requests against capacity, as Kubernetes' NodeResourcesFit
 *           LeastAllocated); rebalances like mosix
 *   mosix   lowest expected load per hart (view.h: the run queue, corrected
 *           for what the log placed since the report), and MOSIX-style
 *           rebalancing (balance.h)
 *   random  a seeded xorshift score: a baseline
 *   rr      round robin over the nodes that pass: a baseline
 * Every policy makes the moves no policy may skip (NoExecute evictions,
 * shedding by a node short of memory, balance.h); only least and mosix also
 * move processes to even out the load.
 *
 * Writing a policy: one file, one const struct sched_policy (sched.h) with
 * its state in a static; add it to the table in policies.c. Its state is
 * the leader's own, so a policy may keep anything (a cursor, a random
 * generator, a history), but it must be deterministic given its state and
 * the view, and every move it proposes must pass sched_filter.
 *
 * Pure and freestanding. */
#ifndef SERVICES_SCHED_POLICIES_H
#define SERVICES_SCHED_POLICIES_H

#include "services/sched/sched.h"

#define SCHED_POLICIES 4
#define SCHED_POLICY_DEFAULT "least"

extern const struct sched_policy sched_policy_least;
extern const struct sched_policy sched_policy_mosix;
extern const struct sched_policy sched_policy_random;
extern const struct sched_policy sched_policy_rr;

/* Every policy, the default first. */
extern const struct sched_policy *const sched_policy_table[SCHED_POLICIES];

/* The policy called name, NULL if none. */
const struct sched_policy *sched_policy_find(const char *name);

/* Restart every policy's state (a new leader; a test) with t (NULL: the
 * defaults). */
void sched_policies_reset(const struct sched_tunables *t);

#endif
