/* lib/rand.c: xoshiro256** seeded via splitmix64 (reference code at
 * https://prng.di.unimi.it/, public domain). */
#include "lib/rand.h"

#include <stddef.h>

uint64_t rand_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void rand_seed(struct rand *r, const uint8_t *seed, uint32_t len)
{
    uint64_t x = 0;
    for (uint32_t i = 0; i < len; i += 8) {
        uint64_t w = 0;
        for (uint32_t k = 0; k < 8 && i + k < len; k++)
            w |= (uint64_t)seed[i + k] << (8 * k);
        x = i == 0 ? w : rand_splitmix64(&x) ^ w;
    }
    for (int i = 0; i < 4; i++)
        r->s[i] = rand_splitmix64(&x);
}

void rand_set_state(struct rand *r, const uint64_t s[4])
{
    if ((s[0] | s[1] | s[2] | s[3]) == 0) {
        rand_seed(r, NULL, 0);
        return;
    }
    for (int i = 0; i < 4; i++)
        r->s[i] = s[i];
}

uint64_t rand_next(struct rand *r) { return rand_step(r); }

uint64_t rand_below(struct rand *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Values below `min` would make some residues more likely: 2^64 mod n of
     * them are rejected (a fraction < n / 2^64). */
    uint64_t min = (0 - n) % n;
    for (;;) {
        uint64_t v = rand_next(r);
        if (v >= min)
            return v % n;
    }
}
