/* lib/lebytes.h: bounded little-endian cursors, shared by the codecs that
 * write and parse bytes from the network or a disk: the Raft messages
 * (services/raft/codec.c), the naming protocol (services/naming/nsproto.c)
 * and the naming snapshot (services/naming/nsmachine.c).
 *
 * A writer never writes past its capacity: it counts what would not fit,
 * so an encoder writes everything and checks once at the end. A reader
 * never reads past its length: once a read would, `ok` goes false and every
 * later read yields zeros, so a decoder reads a whole layout and checks
 * once (or wherever a length is about to be trusted).
 *
 * Header only and freestanding (no memcpy): the Raft core links against
 * nothing (tests/sim checks its symbols). */
#ifndef LIB_LEBYTES_H
#define LIB_LEBYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct le_writer {
    uint8_t *p;
    size_t cap;
    size_t n; /* bytes written, or that would have been: n > cap means overflow */
};

static inline void le_put_bytes(struct le_writer *w, const void *src, size_t len)
{
    const uint8_t *s = src;
    if (w->n <= w->cap && len <= w->cap - w->n)
        for (size_t i = 0; i < len; i++)
            w->p[w->n + i] = s[i];
    w->n += len;
}

/* The low `bytes` bytes of v (1..8), least significant first. */
static inline void le_put(struct le_writer *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    le_put_bytes(w, b, (size_t)bytes);
}

static inline bool le_overflow(const struct le_writer *w) { return w->n > w->cap; }

struct le_reader {
    const uint8_t *p;
    size_t len;
    size_t at; /* bytes consumed */
    bool ok;   /* false once a read would have passed len */
};

static inline struct le_reader le_reader(const uint8_t *p, size_t len)
{
    return (struct le_reader){p, len, 0, true};
}

/* Bytes left to read (0 once the reader has failed). */
static inline size_t le_left(const struct le_reader *r) { return r->ok ? r->len - r->at : 0; }

/* n bytes into dst (NULL: skipped); false, and nothing read, if fewer are left. */
static inline bool le_get_bytes(struct le_reader *r, void *dst, size_t n)
{
    if (!r->ok || n > r->len - r->at) {
        r->ok = false;
        return false;
    }
    uint8_t *d = dst;
    if (d)
        for (size_t i = 0; i < n; i++)
            d[i] = r->p[r->at + i];
    r->at += n;
    return true;
}

/* A `bytes`-byte (1..8) little-endian number; 0 if fewer bytes are left. */
static inline uint64_t le_get(struct le_reader *r, int bytes)
{
    uint8_t b[8];
    if (!le_get_bytes(r, b, (size_t)bytes))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

#endif
