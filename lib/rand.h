/* lib/rand.h: the deterministic PRNG: xoshiro256** 1.0 (Blackman & Vigna,
 * "Scrambled linear pseudorandom number generators", 2018), seeded through
 * splitmix64 as its authors recommend. Not cryptographic.
 *
 * Same seed bytes, same sequence, on every machine: the kernel seeds it from
 * /chosen/rng-seed (or a fixed seed under test), the simulator from its seed.
 * Freestanding: only <stdint.h>. */
#ifndef LIB_RAND_H
#define LIB_RAND_H

#include <stdint.h>

struct rand {
    uint64_t s[4];
};

/* Seeds r from seed[0..len) (seed may be NULL when len is 0). The bytes are
 * read as little-endian 64-bit words, the last zero-padded; x = word0, then for
 * each further word x = splitmix64(&x) ^ word; finally s[0..3] are four
 * successive splitmix64(&x) outputs. So an 8-byte seed holding the number N
 * gives exactly the reference "seed xoshiro256** with splitmix64(N)" state.
 * Trailing zero bytes do not change the seed (within the last word). */
void rand_seed(struct rand *r, const uint8_t *seed, uint32_t len);

/* Sets the raw state (must not be all zero; all zero is replaced by the
 * state of rand_seed with no bytes). For tests against reference vectors. */
void rand_set_state(struct rand *r, const uint64_t s[4]);

/* The next 64 random bits. */
uint64_t rand_next(struct rand *r);

/* rand_next's step, inline for the kernel's IPC path (kernel_random), which
 * must not call out of its hot code pages (kernel/kernel.h, HOT_PATH). */
static inline uint64_t rand_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t rand_step(struct rand *r)
{
    uint64_t *s = r->s;
    uint64_t result = rand_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rand_rotl(s[3], 45);
    return result;
}

/* A uniform value in [0, n) without modulo bias (rejection sampling);
 * 0 when n is 0. */
uint64_t rand_below(struct rand *r, uint64_t n);

/* One step of splitmix64 (Steele, Lea & Flood 2014): advances *x and returns
 * the next output. */
uint64_t rand_splitmix64(uint64_t *x);

#endif
