/* tests/storage/simdisk.c: see simdisk.h. */
#include "tests/storage/simdisk.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/errno.h"

#define SEC LOGSTORE_SECTOR

uint64_t sim_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* Counts an event; false if the machine is (now) dead. */
static bool alive(struct simdisk *d)
{
    if (d->crashed)
        return false;
    if (d->crash_at >= 0 && d->events >= (uint64_t)d->crash_at) {
        d->crashed = true;
        return false;
    }
    d->events++;
    return true;
}

static int sim_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
    struct simdisk *d = ctx;
    if (d->crashed || sector > d->nsectors || count > d->nsectors - sector)
        return -EIO;
    d->reads++;
    memcpy(buf, d->cur + sector * SEC, (size_t)count * SEC);
    return 0;
}

static int sim_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
    struct simdisk *d = ctx;
    if (sector > d->nsectors || count > d->nsectors - sector || !alive(d))
        return -EIO;
    d->writes++;
    memcpy(d->cur + sector * SEC, buf, (size_t)count * SEC);
    if (d->no_torn_copy)
        return 0;
    if (d->npend == d->pend_cap) {
        d->pend_cap = d->pend_cap ? 2 * d->pend_cap : 64;
        d->pend = realloc(d->pend, d->pend_cap * sizeof *d->pend);
        if (!d->pend)
            abort();
    }
    struct simwrite *w = &d->pend[d->npend++];
    w->sector = sector;
    w->count = count;
    w->data = xmalloc((size_t)count * SEC);
    memcpy(w->data, buf, (size_t)count * SEC);
    return 0;
}

static void drop_pending(struct simdisk *d)
{
    for (uint32_t i = 0; i < d->npend; i++)
        free(d->pend[i].data);
    d->npend = 0;
}

static int sim_flush(void *ctx)
{
    struct simdisk *d = ctx;
    if (!alive(d))
        return -EIO;
    d->flushes++;
    if (d->flush_cost_ns) {
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do
            clock_gettime(CLOCK_MONOTONIC, &t);
        while ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t.tv_nsec -
                   (uint64_t)t0.tv_nsec <
               d->flush_cost_ns);
    }
    if (d->no_torn_copy)
        return 0;
    /* Everything written so far is now on the medium, as reads see it. */
    for (uint32_t i = 0; i < d->npend; i++) {
        struct simwrite *w = &d->pend[i];
        memcpy(d->durable + w->sector * SEC, d->cur + w->sector * SEC, (size_t)w->count * SEC);
    }
    drop_pending(d);
    return 0;
}

void simdisk_init(struct simdisk *d, uint64_t nsectors)
{
    memset(d, 0, sizeof *d);
    d->nsectors = nsectors;
    d->durable = calloc(nsectors, SEC);
    d->cur = calloc(nsectors, SEC);
    if (!d->durable || !d->cur)
        abort();
    d->crash_at = -1;
    d->dev = (struct blockdev){d, SEC, nsectors, sim_read, sim_write, sim_flush};
}

void simdisk_free(struct simdisk *d)
{
    drop_pending(d);
    free(d->pend);
    free(d->durable);
    free(d->cur);
    memset(d, 0, sizeof *d);
}

void simdisk_clone(struct simdisk *dst, const struct simdisk *src)
{
    *dst = *src;
    dst->dev.ctx = dst;
    size_t n = (size_t)src->nsectors * SEC;
    dst->durable = xmalloc(n);
    dst->cur = xmalloc(n);
    memcpy(dst->durable, src->durable, n);
    memcpy(dst->cur, src->cur, n);
    dst->pend = xmalloc((src->pend_cap ? src->pend_cap : 1) * sizeof *dst->pend);
    for (uint32_t i = 0; i < src->npend; i++) {
        dst->pend[i] = src->pend[i];
        dst->pend[i].data = xmalloc((size_t)src->pend[i].count * SEC);
        memcpy(dst->pend[i].data, src->pend[i].data, (size_t)src->pend[i].count * SEC);
    }
}

/* Lands part of write w on the medium as the crash model says. */
static void land(struct simdisk *d, const struct simwrite *w, uint64_t *rng)
{
    uint8_t *dst = d->durable + w->sector * SEC;
    size_t n = (size_t)w->count * SEC;
    switch (sim_rand(rng) % 6) {
    case 0:
    case 1: /* whole */
        memcpy(dst, w->data, n);
        break;
    case 2: { /* torn at any byte: a prefix lands */
        size_t t = sim_rand(rng) % n;
        memcpy(dst, w->data, t);
        break;
    }
    case 3: { /* torn at a sector boundary */
        size_t t = (sim_rand(rng) % w->count) * SEC;
        memcpy(dst, w->data, t);
        break;
    }
    case 4: /* some sectors, not others (the device reorders inside a write) */
        for (uint32_t s = 0; s < w->count; s++)
            if (sim_rand(rng) & 1)
                memcpy(dst + s * SEC, w->data + s * SEC, SEC);
        break;
    case 5: { /* lands, but garbled: a few flipped bits in what it wrote */
        memcpy(dst, w->data, n);
        int flips = 1 + (int)(sim_rand(rng) % 3);
        for (int i = 0; i < flips; i++) {
            size_t at = sim_rand(rng) % n;
            dst[at] ^= (uint8_t)(1u << (sim_rand(rng) % 8));
        }
        break;
    }
    }
}

void simdisk_reboot(struct simdisk *d, uint64_t seed, int model)
{
    uint64_t rng = seed * 0x2545f4914f6cdd1dull + 1;
    if (model == SIM_CRASH_KEEP) {
        for (uint32_t i = 0; i < d->npend; i++)
            memcpy(d->durable + d->pend[i].sector * SEC, d->pend[i].data,
                   (size_t)d->pend[i].count * SEC);
    } else if (model == SIM_CRASH_MASK) {
        for (uint32_t i = 0; i < d->npend && i < 64; i++)
            if (seed >> i & 1)
                memcpy(d->durable + d->pend[i].sector * SEC, d->pend[i].data,
                       (size_t)d->pend[i].count * SEC);
    } else if (model == SIM_CRASH_RANDOM && d->npend) {
        /* A random order (Fisher-Yates), and each write lands with p = 2/3. */
        uint32_t *ord = xmalloc(d->npend * sizeof *ord);
        for (uint32_t i = 0; i < d->npend; i++)
            ord[i] = i;
        for (uint32_t i = d->npend - 1; i > 0; i--) {
            uint32_t j = (uint32_t)(sim_rand(&rng) % (i + 1)), t = ord[i];
            ord[i] = ord[j];
            ord[j] = t;
        }
        uint32_t mode = (uint32_t)(sim_rand(&rng) % 4); /* 0: mixed, 1: all land */
        for (uint32_t i = 0; i < d->npend; i++) {
            const struct simwrite *w = &d->pend[ord[i]];
            if (mode == 1)
                memcpy(d->durable + w->sector * SEC, w->data, (size_t)w->count * SEC);
            else if (sim_rand(&rng) % 3)
                land(d, w, &rng);
        }
        free(ord);
    }
    drop_pending(d);
    memcpy(d->cur, d->durable, (size_t)d->nsectors * SEC);
    d->crash_at = -1;
    d->crashed = false;
}

void simdisk_flip(struct simdisk *d, uint64_t byte, int bit)
{
    d->durable[byte] ^= (uint8_t)(1u << bit);
    d->cur[byte] ^= (uint8_t)(1u << bit);
}
