/* tests/chunkstore/corpus.c: `chunkstore_tests --gen-corpus DIR` writes seed
 * images for build/fuzz/fuzz_chunkstore (tests/fuzz/fuzz_chunkstore.c) into
 * DIR, in that fuzzer's compact input layout: the region's first
 * FUZZ_CS_META sectors (superblocks, header table), then block 0 of each slot
 * in turn (the chunks here keep their data in block 0; blocks past it are
 * zero). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/chunkstore/harness.h"

#define FUZZ_CS_SLOTS 64
#define FUZZ_CS_META 72 /* sectors before the data area for 64 slots */

/* ctl: the fuzzer's control bytes for sector 2 (unused by the store), or NULL. */
static int emit(const char *dir, const char *name, struct simdisk *d, uint32_t slots,
                const uint8_t ctl[8])
{
    if (ctl)
        memcpy(d->durable + 2 * CHUNKSTORE_SECTOR, ctl, 8);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    fwrite(d->durable, CHUNKSTORE_SECTOR, FUZZ_CS_META, f);
    for (uint32_t s = 0; s < slots; s++)
        fwrite(d->durable +
                   (FUZZ_CS_META + (size_t)s * CHUNKSTORE_SLOT_SECTORS) * CHUNKSTORE_SECTOR,
               1, CHUNK_BLOCK, f);
    fclose(f);
    return 0;
}

static int w(uint32_t n, uint32_t off, uint32_t len, uint64_t v, uint64_t t)
{
    return test_write(n, off, len, n * 100 + v, v, t);
}

int gen_corpus(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    int bad = 0;
    bad |= test_setup(FUZZ_CS_SLOTS);
    bad |= emit(dir, "empty", &test_disk, 0, NULL);

    bad |= w(0, 0, 4096, 1, 1) | w(1, 10, 100, 1, 0) | w(2, 0, 1, 1, 3);
    bad |= w(0, 5, 50, 2, 1) | w(1, 0, 4000, 2, 2) | w(3, 0, 3000, 5, 0);
    bad |= chunkstore_fence(&test_cs, chunk_of(4), 9) != 0;
    bad |= chunkstore_truncate(&test_cs, chunk_of(2), 20000, 2, 3) != 0;
    bad |= chunkstore_remove(&test_cs, chunk_of(3)) != 0;
    bad |= w(5, 4000, 96, 1, 0);
    bad |= emit(dir, "chunks_and_stale_copies", &test_disk, 12, NULL);
    /* a write into the middle of listed chunk 1, a cut of listed chunk 2 */
    static const uint8_t write_mid[8] = {0x81, 0, 0, 0x88, 0x13, 0xb8, 0x0b, 0};
    static const uint8_t cut[8] = {0x82, 0, 1, 0x10, 0, 0, 0, 0};
    bad |= emit(dir, "write_into_listed_chunk", &test_disk, 12, write_mid);
    bad |= emit(dir, "truncate_listed_chunk", &test_disk, 12, cut);
    memset(test_disk.durable + 2 * CHUNKSTORE_SECTOR, 0, 8);

    /* the newest write's header landed, its data did not */
    test_disk.crash_at = (int64_t)test_disk.events + 2;
    w(0, 0, 4096, 3, 1);
    simdisk_reboot(&test_disk, 2, SIM_CRASH_MASK);
    bad |= emit(dir, "torn_newest_write", &test_disk, 12, NULL);

    /* superblock 0 rotten: the copy is used */
    simdisk_flip(&test_disk, 40, 1);
    bad |= emit(dir, "superblock_copy", &test_disk, 12, NULL);
    simdisk_free(&test_disk);
    if (bad)
        fprintf(stderr, "gen-corpus: a step failed: %s\n", test_why);
    return bad ? 1 : 0;
}
