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

uint32_t placement_replicas(uint64_t ino, uint32_t index, uint32_t nodes, uint32_t *out)
{
    uint32_t want = nodes < FS_REPLICAS ? nodes : FS_REPLICAS;
    uint64_t best[FS_REPLICAS];
    uint32_t n = 0;
    if (nodes > FS_MAX_NODES)
        nodes = FS_MAX_NODES;
    for (uint32_t k = 1; k <= nodes; k++) {
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
