/* services/fs/placement.c: rendezvous hashing of chunks onto nodes
 * (placement.h). */
#include "services/fs/placement.h"

/* A 64-bit mix (splitmix64's finaliser): every input bit affects every
 * output bit, so scores of nearby inos, indexes and nodes are unrelated. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t placement_score(uint64_t ino, uint32_t index, uint32_t node)
{
    return mix(mix(mix(ino) ^ index) ^ ((uint64_t)node << 32 | node));
}

static bool is_gone(uint64_t gone, uint32_t k) { return k <= 64 && (gone >> (k - 1) & 1); }

uint32_t placement_replicas(uint64_t ino, uint32_t index, uint32_t nodes, uint64_t gone,
                            uint32_t *out)
{
    uint64_t best[FS_REPLICAS];
    uint32_t n = 0, left = 0;
    if (nodes > FS_MAX_NODES)
        nodes = FS_MAX_NODES;
    for (uint32_t k = 1; k <= nodes; k++)
        left += !is_gone(gone, k);
    if (left == 0) {
        gone = 0; /* nothing would be left: place as if every node were there */
        left = nodes;
    }
    uint32_t want = left < FS_REPLICAS ? left : FS_REPLICAS;
    for (uint32_t k = 1; k <= nodes; k++) {
        if (is_gone(gone, k))
            continue;
        uint64_t s = placement_score(ino, index, k);
        /* insert (s, k) into the top `want`, highest first (ties: lower node) */
        uint32_t at = n;
        while (at > 0 && best[at - 1] < s)
            at--;
        if (at >= want)
            continue;
        uint32_t last = n < want ? n : want - 1;
        for (uint32_t j = last; j > at; j--) {
            best[j] = best[j - 1];
            out[j] = out[j - 1];
        }
        best[at] = s;
        out[at] = k;
        if (n < want)
            n++;
    }
    return n;
}

bool placement_holds(uint64_t ino, uint32_t index, uint32_t nodes, uint64_t gone, uint32_t node)
{
    uint32_t reps[FS_REPLICAS];
    uint32_t n = placement_replicas(ino, index, nodes, gone, reps);
    for (uint32_t i = 0; i < n; i++)
        if (reps[i] == node)
            return true;
    return false;
}
