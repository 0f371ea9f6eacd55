/* tests/unit/test_blake2s.c: lib/blake2s against RFC 7693 (Appendix B's
 * "abc" and Appendix E's self-test grand hash) and against Python's
 * hashlib.blake2s as an independent oracle (tests/unit/data/blake2s_vectors.txt,
 * written by gen_blake2s.py there), one shot and streamed in odd chunks. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/blake2s.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

#define B2S_VECTORS "tests/unit/data/blake2s_vectors.txt"
#define B2S_GEN "tests/unit/data/gen_blake2s.py"

static void blake2s_rfc_abc(void)
{
    static const uint8_t want[32] = {0x50, 0x8C, 0x5E, 0x8C, 0x32, 0x7C, 0x14, 0xE2,
                                     0xE1, 0xA7, 0x2B, 0xA3, 0x4E, 0xEB, 0x45, 0x2F,
                                     0x37, 0x45, 0x8B, 0x20, 0x9E, 0xD6, 0x3A, 0x29,
                                     0x4D, 0x99, 0x9B, 0x4C, 0x86, 0x67, 0x59, 0x82};
    uint8_t out[32];
    CHECK_EQ(blake2s(out, 32, NULL, 0, "abc", 3), 0);
    CHECK(memcmp(out, want, 32) == 0);
    /* Streamed a byte at a time. */
    struct blake2s_state s;
    CHECK_EQ(blake2s_init(&s, 32, NULL, 0), 0);
    blake2s_update(&s, "a", 1);
    blake2s_update(&s, "b", 1);
    blake2s_update(&s, NULL, 0);
    blake2s_update(&s, "c", 1);
    memset(out, 0, sizeof out);
    blake2s_final(&s, out);
    CHECK(memcmp(out, want, 32) == 0);
}

/* RFC 7693 Appendix E: deterministic sequence (Fibonacci generator). */
static void selftest_seq(uint8_t *out, size_t len, uint32_t seed)
{
    uint32_t a = 0xDEAD4BAD * seed, b = 1;
    for (size_t i = 0; i < len; i++) {
        uint32_t t = a + b;
        a = b;
        b = t;
        out[i] = (t >> 24) & 0xFF;
    }
}

static void blake2s_rfc_selftest(void)
{
    static const uint8_t want[32] = {0x6A, 0x41, 0x1F, 0x08, 0xCE, 0x25, 0xAD, 0xCD,
                                     0xFB, 0x02, 0xAB, 0xA6, 0x41, 0x45, 0x1C, 0xEC,
                                     0x53, 0xC5, 0x98, 0xB2, 0x4F, 0x4F, 0xC7, 0x87,
                                     0xFB, 0xDC, 0x88, 0x79, 0x7F, 0x4C, 0x1D, 0xFE};
    static const uint32_t md_len[4] = {16, 20, 28, 32};
    static const uint32_t in_len[6] = {0, 3, 64, 65, 255, 1024};
    uint8_t in[1024], md[32], key[32];
    struct blake2s_state ctx;
    CHECK_EQ(blake2s_init(&ctx, 32, NULL, 0), 0);
    for (int i = 0; i < 4; i++) {
        uint32_t outlen = md_len[i];
        for (int j = 0; j < 6; j++) {
            uint32_t inlen = in_len[j];
            selftest_seq(in, inlen, inlen);
            CHECK_EQ(blake2s(md, outlen, NULL, 0, in, inlen), 0);
            blake2s_update(&ctx, md, outlen);
            selftest_seq(key, outlen, outlen);
            CHECK_EQ(blake2s(md, outlen, key, outlen, in, inlen), 0);
            blake2s_update(&ctx, md, outlen);
        }
    }
    blake2s_final(&ctx, md);
    CHECK(memcmp(md, want, 32) == 0);
}

/* The byte stream of gen_blake2s.py's pattern(). */
static void pattern(uint8_t *out, uint32_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u | 1;
    for (uint32_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)x;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Checks every vector of the file, one shot and streamed. */
static void blake2s_python_vectors(void)
{
    static const uint32_t chunks[] = {1, 2, 3, 5, 7, 13, 31, 63, 64, 65, 100, 127, 128, 129};
    uint64_t flen;
    char *text = unit_read_file(B2S_VECTORS, &flen);
    CHECK_OK();
    char *end = text + flen;
    int n = 0, keyed = 0, lines = 0;
    uint8_t seen_out[33] = {0}, seen_key[33] = {0};
    for (char *line = text; line < end; lines++) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl)
            nl = end;
        *nl = '\0';
        char *cur = line;
        line = nl + 1;
        if (cur[0] == '#' || cur[0] == '\0')
            continue;
        unsigned inlen, keylen, outlen, seed;
        char hex[80];
        if (sscanf(cur, "%u %u %u %u %79s", &inlen, &keylen, &outlen, &seed, hex) != 5 ||
            inlen > 4096 || keylen > 32 || outlen < 1 || outlen > 32 || strlen(hex) != 2 * outlen) {
            unit_fail(__FILE__, __LINE__, "%s:%d: bad line \"%s\"", B2S_VECTORS, lines + 1, cur);
            return;
        }
        uint8_t want[32];
        for (unsigned i = 0; i < outlen; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            CHECK(hi >= 0 && lo >= 0);
            want[i] = (uint8_t)(hi << 4 | lo);
        }
        uint8_t in[4096], key[32], out[33];
        pattern(in, inlen, seed);
        pattern(key, keylen, seed + 1000);
        memset(out, 0xA5, sizeof out);
        CHECK_EQ(blake2s(out, outlen, keylen ? key : NULL, keylen, in, inlen), 0);
        if (memcmp(out, want, outlen) != 0 || out[outlen] != 0xA5) {
            unit_fail(__FILE__, __LINE__,
                      "%s:%d: one-shot digest differs (inlen %u keylen %u"
                      " outlen %u)",
                      B2S_VECTORS, lines + 1, inlen, keylen, outlen);
            return;
        }
        /* Streamed: chunk sizes vary per vector and within it. */
        struct blake2s_state s;
        CHECK_EQ(blake2s_init(&s, outlen, key, keylen), 0);
        unsigned off = 0, k = seed % (sizeof chunks / sizeof chunks[0]);
        while (off < inlen) {
            unsigned c = chunks[k++ % (sizeof chunks / sizeof chunks[0])];
            if (c > inlen - off)
                c = inlen - off;
            blake2s_update(&s, in + off, c);
            off += c;
        }
        memset(out, 0x5A, sizeof out);
        blake2s_final(&s, out);
        if (memcmp(out, want, outlen) != 0 || out[outlen] != 0x5A) {
            unit_fail(__FILE__, __LINE__, "%s:%d: streamed digest differs", B2S_VECTORS, lines + 1);
            return;
        }
        seen_out[outlen] = 1;
        seen_key[keylen] = 1;
        keyed += keylen > 0;
        n++;
    }
    free(text);
    /* The file covers what it claims: every digest and key length, 0..300. */
    CHECK(n >= 1000);
    CHECK(keyed > n / 2);
    for (int i = 1; i <= 32; i++)
        CHECK(seen_out[i]);
    for (int i = 0; i <= 32; i++)
        CHECK(seen_key[i]);
}

/* The committed file is what the generator writes now (hashlib live). */
static void blake2s_python_vectors_current(void)
{
    FILE *p = popen("/usr/bin/python3 " B2S_GEN " 2>/dev/null", "r");
    CHECK(p != NULL);
    size_t cap = 1 << 20, n = 0, r;
    char *buf = malloc(cap);
    CHECK(buf != NULL);
    while ((r = fread(buf + n, 1, cap - n, p)) > 0)
        n += r;
    int st = pclose(p);
    CHECK_EQ(st, 0);
    uint64_t flen;
    char *file = unit_read_file(B2S_VECTORS, &flen);
    CHECK_OK();
    if (flen != n || memcmp(file, buf, n) != 0) {
        unit_fail(__FILE__, __LINE__, "%s is stale: regenerate with %s", B2S_VECTORS, B2S_GEN);
        return;
    }
    free(file);
    free(buf);
}

static void blake2s_keyed_differs(void)
{
    uint8_t k1[32], k2[32], a[16], b[16], c[16];
    pattern(k1, 32, 7);
    memcpy(k2, k1, 32);
    k2[31] ^= 0x80;
    CHECK_EQ(blake2s(a, 16, k1, 32, "frame", 5), 0);
    CHECK_EQ(blake2s(b, 16, k2, 32, "frame", 5), 0);
    CHECK_EQ(blake2s(c, 16, NULL, 0, "frame", 5), 0);
    CHECK(memcmp(a, b, 16) != 0);
    CHECK(memcmp(a, c, 16) != 0);
    /* A 16-byte digest is not a prefix of the 32-byte one (outlen is hashed). */
    uint8_t d[32];
    CHECK_EQ(blake2s(d, 32, k1, 32, "frame", 5), 0);
    CHECK(memcmp(a, d, 16) != 0);
}

static void blake2s_bad_params(void)
{
    uint8_t out[40], key[40] = {0};
    memset(out, 0x11, sizeof out);
    struct blake2s_state s;
    CHECK_EQ(blake2s_init(&s, 0, NULL, 0), -EINVAL);
    CHECK_EQ(blake2s_init(&s, 33, NULL, 0), -EINVAL);
    CHECK_EQ(blake2s_init(&s, 32, key, 33), -EINVAL);
    CHECK_EQ(blake2s_init(&s, 32, NULL, 1), -EINVAL);
    CHECK_EQ(blake2s(out, 0, NULL, 0, "x", 1), -EINVAL);
    CHECK_EQ(blake2s(out, 33, NULL, 0, "x", 1), -EINVAL);
    CHECK_EQ(blake2s(out, 32, key, 33, "x", 1), -EINVAL);
    for (int i = 0; i < 40; i++)
        CHECK_EQ(out[i], 0x11);
    CHECK_EQ(blake2s_init(&s, 1, key, 32), 0);
    CHECK_EQ(blake2s_init(&s, 32, NULL, 0), 0);
}

static void blake2s_final_wipes(void)
{
    uint8_t key[32], out[32];
    pattern(key, 32, 3);
    struct blake2s_state s;
    CHECK_EQ(blake2s_init(&s, 32, key, 32), 0);
    blake2s_update(&s, "x", 1);
    blake2s_final(&s, out);
    const uint8_t *p = (const uint8_t *)&s;
    for (size_t i = 0; i < sizeof s; i++)
        CHECK_EQ(p[i], 0);
}

/* A message longer than 4 GiB is not practical here; check instead that a
 * 1 MiB message streamed in 64-byte blocks matches one shot (the counter runs
 * over many blocks) and that the length is hashed (a zero extension differs). */
static void blake2s_long_message(void)
{
    uint32_t n = 1 << 20;
    uint8_t *m = calloc(n + 1, 1);
    CHECK(m != NULL);
    pattern(m, n, 99);
    uint8_t a[32], b[32], c[32];
    CHECK_EQ(blake2s(a, 32, NULL, 0, m, n), 0);
    struct blake2s_state s;
    CHECK_EQ(blake2s_init(&s, 32, NULL, 0), 0);
    for (uint32_t off = 0; off < n; off += 64)
        blake2s_update(&s, m + off, 64);
    blake2s_final(&s, b);
    CHECK(memcmp(a, b, 32) == 0);
    m[n] = 0;
    CHECK_EQ(blake2s(c, 32, NULL, 0, m, n + 1), 0);
    CHECK(memcmp(a, c, 32) != 0);
    free(m);
}

static void blake2s_equal_compare(void)
{
    uint8_t a[32], b[32];
    pattern(a, 32, 5);
    memcpy(b, a, 32);
    CHECK_EQ(blake2s_equal(a, b, 32), 1);
    CHECK_EQ(blake2s_equal(a, b, 0), 1);
    for (int i = 0; i < 32; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1 << bit);
            CHECK_EQ(blake2s_equal(a, b, 32), 0);
            b[i] ^= (uint8_t)(1 << bit);
        }
    }
    b[31] = (uint8_t)~a[31];
    CHECK_EQ(blake2s_equal(a, b, 31), 1);
    CHECK_EQ(blake2s_equal(a, b, 32), 0);
}

/* A prepared keyed state (key block compressed ahead), copied, gives the
 * same digest as a fresh keyed hash for every non-empty length, the RPC
 * MAC's use of it (lib/rpcwire.c). */
static void blake2s_prepared_key(void)
{
    uint8_t key[32], in[300], a[16], b[16];
    pattern(key, sizeof key, 7);
    pattern(in, sizeof in, 8);
    struct blake2s_state prepared, s;
    CHECK_EQ(blake2s_init(&prepared, 16, key, sizeof key), 0);
    blake2s_prepare(&prepared);
    blake2s_prepare(&prepared); /* nothing pending now: no effect */
    for (uint32_t len = 1; len <= sizeof in; len++) {
        CHECK_EQ(blake2s(a, 16, key, sizeof key, in, len), 0);
        s = prepared;
        blake2s_update(&s, in, len);
        blake2s_final(&s, b);
        CHECK(memcmp(a, b, 16) == 0);
    }
}

/* Input at every word offset: whole blocks are read straight from it, a
 * word at a time when aligned, byte by byte when not. */
static void blake2s_unaligned_input(void)
{
    static uint8_t buf[1500 + 8] __attribute__((aligned(8)));
    uint8_t key[32], want[32], got[32];
    pattern(key, sizeof key, 9);
    for (uint32_t len = 0; len <= 1500; len += 61) {
        pattern(buf, len, len);
        CHECK_EQ(blake2s(want, 32, key, sizeof key, buf, len), 0);
        for (uint32_t off = 1; off < 8; off++) {
            memmove(buf + off, buf + off - 1, len);
            CHECK_EQ(blake2s(got, 32, key, sizeof key, buf + off, len), 0);
            CHECK(memcmp(want, got, 32) == 0);
        }
    }
}

const struct unit_test unit_blake2s_tests[] = {
    {"blake2s_prepared_key", blake2s_prepared_key},
    {"blake2s_unaligned_input", blake2s_unaligned_input},
    {"blake2s_rfc_abc", blake2s_rfc_abc},
    {"blake2s_rfc_selftest", blake2s_rfc_selftest},
    {"blake2s_python_vectors", blake2s_python_vectors},
    {"blake2s_python_vectors_current", blake2s_python_vectors_current},
    {"blake2s_keyed_differs", blake2s_keyed_differs},
    {"blake2s_bad_params", blake2s_bad_params},
    {"blake2s_final_wipes", blake2s_final_wipes},
    {"blake2s_long_message", blake2s_long_message},
    {"blake2s_equal_compare", blake2s_equal_compare},
    {NULL, NULL},
};
