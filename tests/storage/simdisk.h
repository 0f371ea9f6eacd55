/* tests/storage/simdisk.h: a simulated disk for the log store's host tests.
 *
 * It keeps two images: what survives power loss (durable) and what reads see
 * (current: durable plus every write since the last flush). A flush makes the
 * pending writes durable. Every write and every flush is an "event", numbered
 * from 0; with crash_at set, the machine dies at that event: it and everything
 * after fail with -EIO. simdisk_reboot() then decides, from a seed, what the
 * medium holds: any subset of the unflushed writes, applied in any order, some
 * torn at a byte (sector-granular or inside a sector) or with sectors missing,
 * some with flipped bits. Data that was durable is never touched: that is the
 * contract a real disk with a write cache gives (docs/storage.md, "Crash model").
 * The same seed gives the same image, so a failure replays exactly. */
#ifndef TESTS_STORAGE_SIMDISK_H
#define TESTS_STORAGE_SIMDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/logstore.h"

struct simwrite {
    uint64_t sector;
    uint32_t count;
    uint8_t *data;
};

struct simdisk {
    struct blockdev dev; /* dev.ctx points back here */
    uint64_t nsectors;
    uint8_t *durable, *cur;
    struct simwrite *pend;
    uint32_t npend, pend_cap;
    uint64_t events, writes, flushes, reads;
    int64_t crash_at; /* event number of the crash, -1: never */
    bool crashed;
    uint64_t flush_cost_ns; /* busy-waits this long in each flush (bench) */
    bool no_torn_copy;      /* bench: do not keep copies of pending writes */
};

/* Fresh zeroed disk of nsectors sectors. */
void simdisk_init(struct simdisk *d, uint64_t nsectors);
void simdisk_free(struct simdisk *d);
/* dst becomes an independent copy of src (images, pending writes, counters). */
void simdisk_clone(struct simdisk *dst, const struct simdisk *src);

/* Crash models for simdisk_reboot. */
enum {
    SIM_CRASH_RANDOM, /* any subset, any order, tears and bit flips */
    SIM_CRASH_KEEP,   /* every pending write lands whole (QEMU killed: page cache) */
    SIM_CRASH_DROP,   /* no pending write lands */
    SIM_CRASH_MASK,   /* pending write i lands whole iff bit i of seed is set */
};

/* Power comes back: the medium gets what the crash model lets through, reads
 * and the durable image agree again, crash_at is cleared. */
void simdisk_reboot(struct simdisk *d, uint64_t seed, int model);

/* Flips bit `bit` of byte `byte` of the durable (and current) image: bit rot. */
void simdisk_flip(struct simdisk *d, uint64_t byte, int bit);

uint64_t sim_rand(uint64_t *state); /* splitmix64 */

#endif
