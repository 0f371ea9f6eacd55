/* lib/blake2s.c: BLAKE2s, following RFC 7693 §3 (and its Appendix C code). */
#include "lib/blake2s.h"

#include "lib/errno.h"

/* RFC 7693 §2.6: the SHA-256 initial values. */
static const uint32_t blake2s_iv[8] = {
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
    0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
};

/* RFC 7693 §2.7: message word schedule, rounds 0..9. */
static const uint8_t blake2s_sigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static uint32_t blake2s_ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint32_t blake2s_load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* RFC 7693 §3.1: the mixing function G (R1..R4 = 16, 12, 8, 7). */
#define B2S_G(a, b, c, d, x, y)                                                  \
    do {                                                                         \
        v[a] = v[a] + v[b] + (x);                                                \
        v[d] = blake2s_ror(v[d] ^ v[a], 16);                                     \
        v[c] = v[c] + v[d];                                                      \
        v[b] = blake2s_ror(v[b] ^ v[c], 12);                                     \
        v[a] = v[a] + v[b] + (y);                                                \
        v[d] = blake2s_ror(v[d] ^ v[a], 8);                                      \
        v[c] = v[c] + v[d];                                                      \
        v[b] = blake2s_ror(v[b] ^ v[c], 7);                                      \
    } while (0)

/* RFC 7693 §3.2: compresses s->buf into s->h; last marks the final block. */
static void blake2s_compress(struct blake2s_state *s, int last)
{
    uint32_t v[16], m[16];
    for (int i = 0; i < 8; i++) {
        v[i] = s->h[i];
        v[i + 8] = blake2s_iv[i];
    }
    v[12] ^= s->t[0];
    v[13] ^= s->t[1];
    if (last)
        v[14] = ~v[14];
    for (int i = 0; i < 16; i++)
        m[i] = blake2s_load32(s->buf + 4 * i);
    for (int r = 0; r < 10; r++) {
        const uint8_t *sg = blake2s_sigma[r];
        B2S_G(0, 4, 8, 12, m[sg[0]], m[sg[1]]);
        B2S_G(1, 5, 9, 13, m[sg[2]], m[sg[3]]);
        B2S_G(2, 6, 10, 14, m[sg[4]], m[sg[5]]);
        B2S_G(3, 7, 11, 15, m[sg[6]], m[sg[7]]);
        B2S_G(0, 5, 10, 15, m[sg[8]], m[sg[9]]);
        B2S_G(1, 6, 11, 12, m[sg[10]], m[sg[11]]);
        B2S_G(2, 7, 8, 13, m[sg[12]], m[sg[13]]);
        B2S_G(3, 4, 9, 14, m[sg[14]], m[sg[15]]);
    }
    for (int i = 0; i < 8; i++)
        s->h[i] ^= v[i] ^ v[i + 8];
}

/* Adds n bytes to the 64-bit counter t. */
static void blake2s_count(struct blake2s_state *s, uint32_t n)
{
    s->t[0] += n;
    if (s->t[0] < n)
        s->t[1]++;
}

/* Zeroes n bytes through a volatile pointer, so the store is not dropped as
 * dead: the state holds key material. */
static void blake2s_wipe(void *p, uint32_t n)
{
    volatile uint8_t *q = p;
    while (n--)
        *q++ = 0;
}

int blake2s_init(struct blake2s_state *s, uint32_t outlen, const void *key, uint32_t keylen)
{
    if (outlen == 0 || outlen > BLAKE2S_OUTMAX || keylen > BLAKE2S_KEYMAX ||
        (keylen > 0 && !key))
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
            blake2s_compress(s, 0);
            s->buflen = 0;
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

void blake2s_final(struct blake2s_state *s, void *out)
{
    blake2s_count(s, s->buflen);
    for (uint32_t i = s->buflen; i < BLAKE2S_BLOCK; i++)
        s->buf[i] = 0;
    blake2s_compress(s, 1);
    uint8_t *o = out;
    for (uint32_t i = 0; i < s->outlen; i++)
        o[i] = (uint8_t)(s->h[i >> 2] >> (8 * (i & 3)));
    blake2s_wipe(s, sizeof *s);
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
