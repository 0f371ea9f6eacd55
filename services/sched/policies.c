/* services/sched/policies.c: the table of policies (policies.h). */
#include "services/sched/policies.h"

#include "services/sched/schedstr.h"

const struct sched_policy *const sched_policy_table[SCHED_POLICIES] = {
    &sched_policy_least,
    &sched_policy_mosix,
    &sched_policy_random,
    &sched_policy_rr,
};

const struct sched_policy *sched_policy_find(const char *name)
{
    if (!name)
        return 0;
    for (int i = 0; i < SCHED_POLICIES; i++)
        if (sched_streq(sched_policy_table[i]->name, name, SCHED_POLICY_NAME_MAX))
            return sched_policy_table[i];
    return 0;
}

void sched_policies_reset(const struct sched_tunables *t)
{
    struct sched_tunables none;
    __builtin_memset(&none, 0, sizeof none);
    for (int i = 0; i < SCHED_POLICIES; i++)
        if (sched_policy_table[i]->reset)
            sched_policy_table[i]->reset(sched_policy_table[i]->state, t ? t : &none);
}
