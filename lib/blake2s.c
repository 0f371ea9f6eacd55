/* lib/blake2s.c: BLAKE2s, following RFC 7693 §3 (and its Appendix C code). */
#include "lib/blake2s.h"

#include "lib/errno.h"

/* RFC 7693 §2.6: the SHA-256 initial values. */
static const uint32_t blake2s_iv[8] = {
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
};

static inline uint32_t blake2s_ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t blake2s_load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A 32-bit word that may alias the bytes it is read from. */
typedef uint32_t blake2s_word __attribute__((may_alias, aligned(4)));

/* The 16 little-endian message words of block into m. On a little-endian
 * machine a word-aligned block is read a word at a time (the RPC frames
 * are); otherwise byte by byte. (The kernel is rv64imac: a misaligned word
 * load may trap to firmware, so it is never tried.) */
static inline void blake2s_load_block(uint32_t m[16], const uint8_t *block)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (((uintptr_t)block & 3) == 0) {
        const blake2s_word *w = (const blake2s_word *)(const void *)block;
        for (int i = 0; i < 16; i++)
            m[i] = w[i];
        return;
    }
#endif
    for (int i = 0; i < 16; i++)
        m[i] = blake2s_load32(block + 4 * i);
}

/* RFC 7693 §3.1: the mixing function G (R1..R4 = 16, 12, 8, 7), on the
 * working vector held in the sixteen locals v0..v15. */
#if defined(__riscv) && __riscv_xlen == 64
/* On RV64, written out: gcc sign-extends every 32-bit rotate result
 * (sext.w) although srliw/slliw/or already leave it sign-extended, a sixth
 * of the instructions of a compression. The *w instructions read only the
 * low 32 bits, so inputs need no extension either. */
#define B2S_G(a, b, c, d, x, y)                                                                    \
    do {                                                                                           \
        uint32_t t_;                                                                               \
        __asm__("addw %0, %0, %1\n\taddw %0, %0, %5\n\t"                                           \
                "xor %3, %3, %0\n\tsrliw %4, %3, 16\n\tslliw %3, %3, 16\n\tor %3, %3, %4\n\t"      \
                "addw %2, %2, %3\n\t"                                                              \
                "xor %1, %1, %2\n\tsrliw %4, %1, 12\n\tslliw %1, %1, 20\n\tor %1, %1, %4\n\t"      \
                "addw %0, %0, %1\n\taddw %0, %0, %6\n\t"                                           \
                "xor %3, %3, %0\n\tsrliw %4, %3, 8\n\tslliw %3, %3, 24\n\tor %3, %3, %4\n\t"       \
                "addw %2, %2, %3\n\t"                                                              \
                "xor %1, %1, %2\n\tsrliw %4, %1, 7\n\tslliw %1, %1, 25\n\tor %1, %1, %4"           \
                : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "=&r"(t_)                                    \
                : "r"(x), "r"(y));                                                                 \
    } while (0)
#else
#define B2S_G(a, b, c, d, x, y)                                                                    \
    do {                                                                                           \
        a = a + b + (x);                                                                           \
        d = blake2s_ror(d ^ a, 16);                                                                \
        c = c + d;                                                                                 \
        b = blake2s_ror(b ^ c, 12);                                                                \
        a = a + b + (y);                                                                           \
        d = blake2s_ror(d ^ a, 8);                                                                 \
        c = c + d;                                                                                 \
        b = blake2s_ror(b ^ c, 7);                                                                 \
    } while (0)
#endif

/* One round, with its row of the message schedule (§2.7) written out, so
 * that the working vector stays in registers and no schedule is loaded:
 * under QEMU's TCG every guest load and store costs a softmmu lookup, and
 * the MAC of every RPC frame runs this 10 times per 64 bytes. */
#define B2S_ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15)            \
    do {                                                                                           \
        B2S_G(v0, v4, v8, v12, m[s0], m[s1]);                                                      \
        B2S_G(v1, v5, v9, v13, m[s2], m[s3]);                                                      \
        B2S_G(v2, v6, v10, v14, m[s4], m[s5]);                                                     \
        B2S_G(v3, v7, v11, v15, m[s6], m[s7]);                                                     \
        B2S_G(v0, v5, v10, v15, m[s8], m[s9]);                                                     \
        B2S_G(v1, v6, v11, v12, m[s10], m[s11]);                                                   \
        B2S_G(v2, v7, v8, v13, m[s12], m[s13]);                                                    \
        B2S_G(v3, v4, v9, v14, m[s14], m[s15]);                                                    \
    } while (0)

/* RFC 7693 §3.2: compresses the 64-byte block into s->h, with the counter
 * already advanced past it; last marks the final block. The ten rounds'
 * arguments are the rows of the message schedule SIGMA (§2.7), in order;
 * tests/unit/test_blake2s.c checks the result against the RFC's vectors and
 * Python's hashlib. */
static void blake2s_compress(struct blake2s_state *s, const uint8_t *block, int last)
{
    uint32_t m[16];
    blake2s_load_block(m, block);
    uint32_t v0 = s->h[0], v1 = s->h[1], v2 = s->h[2], v3 = s->h[3];
    uint32_t v4 = s->h[4], v5 = s->h[5], v6 = s->h[6], v7 = s->h[7];
    uint32_t v8 = blake2s_iv[0], v9 = blake2s_iv[1], v10 = blake2s_iv[2], v11 = blake2s_iv[3];
    uint32_t v12 = blake2s_iv[4] ^ s->t[0], v13 = blake2s_iv[5] ^ s->t[1];
    uint32_t v14 = last ? ~blake2s_iv[6] : blake2s_iv[6], v15 = blake2s_iv[7];
    B2S_ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    B2S_ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3);
    B2S_ROUND(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4);
    B2S_ROUND(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8);
    B2S_ROUND(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13);
    B2S_ROUND(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9);
    B2S_ROUND(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11);
    B2S_ROUND(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10);
    B2S_ROUND(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5);
    B2S_ROUND(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0);
    s->h[0] ^= v0 ^ v8;
    s->h[1] ^= v1 ^ v9;
    s->h[2] ^= v2 ^ v10;
    s->h[3] ^= v3 ^ v11;
    s->h[4] ^= v4 ^ v12;
    s->h[5] ^= v5 ^ v13;
    s->h[6] ^= v6 ^ v14;
    s->h[7] ^= v7 ^ v15;
}

/* Adds n bytes to the 64-bit counter t. */
static void blake2s_count(struct blake2s_state *s, uint32_t n)
{
    s->t[0] += n;
    if (s->t[0] < n)
        s->t[1]++;
}

/* Zeroes the state through a volatile pointer, so the stores are not
 * dropped as dead: it holds key material. A word at a time (the struct is
 * all 32-bit words and bytes, a multiple of 4 long). */
static void blake2s_wipe(struct blake2s_state *s)
{
    volatile uint32_t *q = (volatile uint32_t *)(void *)s;
    for (uint32_t i = 0; i < sizeof *s / 4; i++)
        q[i] = 0;
}

int blake2s_init(struct blake2s_state *s, uint32_t outlen, const void *key, uint32_t keylen)
{
    if (outlen == 0 || outlen > BLAKE2S_OUTMAX || keylen > BLAKE2S_KEYMAX || (keylen > 0 && !key))
        return -EINVAL;
    for (int i = 0; i < 8; i++)
        s->h[i] = blake2s_iv[i];
    /* Parameter block (§2.5): digest length, key length, fanout 1, depth 1. */
    s->h[0] ^= 0x01010000u ^ (keylen << 8) ^ outlen;
    s->t[0] = s->t[1] = 0;
    s->buflen = 0;
    s->outlen = outlen;
    for (int i = 0; i < BLAKE2S_BLOCK; i++)
        s->buf[i] = 0;
    if (keylen > 0) {
        /* The key, zero-padded to a whole block, is the first block (§3.3). */
        const uint8_t *k = key;
        for (uint32_t i = 0; i < keylen; i++)
            s->buf[i] = k[i];
        s->buflen = BLAKE2S_BLOCK;
    }
    return 0;
}

void blake2s_update(struct blake2s_state *s, const void *in, uint64_t len)
{
    const uint8_t *p = in;
    while (len > 0) {
        /* A full buffer is compressed only once more input arrives: the last
         * block must be compressed by final, with the final flag. */
        if (s->buflen == BLAKE2S_BLOCK) {
            blake2s_count(s, BLAKE2S_BLOCK);
            blake2s_compress(s, s->buf, 0);
            s->buflen = 0;
        }
        /* Whole blocks with more input after them go straight from the
         * input, with no copy through buf. */
        while (s->buflen == 0 && len > BLAKE2S_BLOCK) {
            blake2s_count(s, BLAKE2S_BLOCK);
            blake2s_compress(s, p, 0);
            p += BLAKE2S_BLOCK;
            len -= BLAKE2S_BLOCK;
        }
        uint32_t room = BLAKE2S_BLOCK - s->buflen;
        uint32_t n = len < room ? (uint32_t)len : room;
        for (uint32_t i = 0; i < n; i++)
            s->buf[s->buflen + i] = p[i];
        s->buflen += n;
        p += n;
        len -= n;
    }
}

void blake2s_prepare(struct blake2s_state *s)
{
    if (s->buflen == BLAKE2S_BLOCK) {
        blake2s_count(s, BLAKE2S_BLOCK);
        blake2s_compress(s, s->buf, 0);
        s->buflen = 0;
    }
}

void blake2s_final(struct blake2s_state *s, void *out)
{
    blake2s_count(s, s->buflen);
    for (uint32_t i = s->buflen; i < BLAKE2S_BLOCK; i++)
        s->buf[i] = 0;
    blake2s_compress(s, s->buf, 1);
    uint8_t *o = out;
    for (uint32_t i = 0; i < s->outlen; i++)
        o[i] = (uint8_t)(s->h[i >> 2] >> (8 * (i & 3)));
    blake2s_wipe(s);
}

int blake2s(void *out, uint32_t outlen, const void *key, uint32_t keylen, const void *in,
            uint64_t inlen)
{
    struct blake2s_state s;
    int rv = blake2s_init(&s, outlen, key, keylen);
    if (rv < 0)
        return rv;
    blake2s_update(&s, in, inlen);
    blake2s_final(&s, out);
    return 0;
}

int blake2s_equal(const void *a, const void *b, uint32_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint32_t d = 0;
    for (uint32_t i = 0; i < len; i++)
        d |= (uint32_t)(x[i] ^ y[i]);
    /* d is 0..255: (d - 1) >> 8 has bit 0 set only when d == 0. */
    return (int)(((d - 1) >> 8) & 1);
}
