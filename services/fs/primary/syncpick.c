/* services/fs/primary/syncpick.c: the copy a sync takes (syncpick.h). */
#include "services/fs/primary/syncpick.h"

/* Two answers hold the same copy: the same version and, unless there is
 * nothing at all (version 0: absent, or only fenced), the same bytes. */
static bool same_copy(const struct sync_answer *x, const struct sync_answer *y)
{
    return x->version == y->version && (x->version == 0 || x->digest == y->digest);
}

enum sync_pick_result sync_pick(const struct sync_answer *a, uint32_t n, uint32_t nrep,
                                uint32_t *chosen, uint32_t *agree)
{
    uint64_t newest = 0;
    for (uint32_t i = 0; i < n; i++)
        if (a[i].version > newest)
            newest = a[i].version;
    /* The copy of the newest version held by the most answers (the first
     * such, on a tie), and whether another copy of that version exists. */
    uint32_t best = n, best_count = 0;
    bool differ = false;
    for (uint32_t i = 0; i < n; i++) {
        if (a[i].version != newest)
            continue;
        uint32_t count = 0;
        for (uint32_t j = 0; j < n; j++)
            count += same_copy(&a[i], &a[j]);
        if (best < n && !same_copy(&a[i], &a[best]))
            differ = true;
        if (count > best_count) {
            best = i;
            best_count = count;
        }
    }
    if (differ && best_count < nrep / 2 + 1 && n < nrep)
        return SYNC_UNDECIDED;
    *chosen = best;
    *agree = 0;
    for (uint32_t j = 0; j < n; j++)
        if (same_copy(&a[best], &a[j]) && a[j].slot < 32)
            *agree |= 1u << a[j].slot;
    return SYNC_PICKED;
}
