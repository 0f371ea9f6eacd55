/* tests/fuzz/fuzz_chunkstore.c: libFuzzer target for the chunk store's open
 * and read paths (services/fs/chunkstore.c) over arbitrary region images.
 *
 * The region has room for FUZZ_SLOTS slots. The input is laid out compactly:
 * its first FUZZ_META sectors are the region's (both superblocks and the
 * header table), then come 4 KiB pieces that become block 0 of slot 0, 1,
 * ... (the rest of the data area is zeros). So that the fuzzer gets past the
 * checksums: a superblock sector that starts with the magic gets its CRC
 * fixed, and a header sector that starts with the header magic gets its
 * (seeded) CRC fixed unless bit 1 of its byte 116 is set; if bit 0 of that
 * byte is set, its block CRCs are first recomputed from the data too.
 *
 * chunkstore_open must return 0 or -ENOENT/-EBADMSG/-ENOTSUP, and never read
 * or write outside the region or its work memory. If it opens: every listed
 * chunk's info, verify and reads agree (0 or -EBADMSG, zeros past the length,
 * a failed read leaves zeros), the stats add up; then a write, truncate or
 * put (chosen by sector 2, which the store does not use), a fence and a
 * remove succeed (or -ENOSPC / -ESTALE / -EBADMSG where documented), and a
 * reopen shows exactly what they did.
 * Seeds: tests/fuzz/corpus/fuzz_chunkstore/, made by
 * `build/host/chunkstore_tests --gen-corpus DIR`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "services/fs/chunkstore.h"

#define SEC 512u
#define FUZZ_SLOTS 64u
#define FUZZ_META 72u /* sectors before the data area of 64 slots */
#define FUZZ_SECTORS (FUZZ_META + FUZZ_SLOTS * CHUNKSTORE_SLOT_SECTORS)

static uint8_t disk[FUZZ_SECTORS * SEC];
static uint8_t work[448 * 1024] __attribute__((aligned(8)));
static uint8_t buf[CHUNK_SIZE], mine[CHUNK_SIZE];
static const uint8_t zeros[CHUNK_SIZE];

static int d_read(void *ctx, uint64_t sector, void *b, uint32_t count)
{
    (void)ctx;
    if (sector > FUZZ_SECTORS || count > FUZZ_SECTORS - sector)
        abort(); /* the store must stay inside its region */
    memcpy(b, disk + sector * SEC, (size_t)count * SEC);
    return 0;
}

static int d_write(void *ctx, uint64_t sector, const void *b, uint32_t count)
{
    (void)ctx;
    if (sector > FUZZ_SECTORS || count > FUZZ_SECTORS - sector)
        abort();
    memcpy(disk + sector * SEC, b, (size_t)count * SEC);
    return 0;
}

static int d_flush(void *ctx)
{
    (void)ctx;
    return 0;
}

static const struct blockdev dev = {0, SEC, FUZZ_SECTORS, d_read, d_write, d_flush};

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* The fix-ups described at the top. */
static void fix_checksums(void)
{
    uint64_t fid = 0, data_start = FUZZ_META;
    bool have = false;
    for (int i = 1; i >= 0; i--) { /* sector 0 wins, as in open */
        uint8_t *s = disk + (size_t)i * SEC;
        if (memcmp(s, "CHUNKST1", 8) != 0)
            continue;
        put32(s + 508, crc32c(s, 508));
        fid = get64(s + 24);
        if (get64(s + 56) + FUZZ_SLOTS * CHUNKSTORE_SLOT_SECTORS <= FUZZ_SECTORS)
            data_start = get64(s + 56);
        have = true;
    }
    if (!have)
        return;
    uint8_t id[8];
    for (int i = 0; i < 8; i++)
        id[i] = (uint8_t)(fid >> (8 * i));
    uint32_t seed = crc32c(id, 8);
    for (uint32_t slot = 0; slot < FUZZ_SLOTS; slot++) {
        uint8_t *h = disk + (size_t)(CHUNKSTORE_HDR_START + slot) * SEC;
        if (get32(h) != 0x31484b43u || (h[116] & 2))
            continue;
        uint32_t len = get32(h + 20);
        if ((h[116] & 1) && len <= CHUNK_SIZE) {
            const uint8_t *d = disk + (data_start + (uint64_t)slot * CHUNKSTORE_SLOT_SECTORS) * SEC;
            for (uint32_t b = 0; b * CHUNK_BLOCK < len; b++)
                put32(h + 48 + 4 * b, crc32c_update(seed, d + b * CHUNK_BLOCK, CHUNK_BLOCK));
        }
        put32(h + 508, crc32c_update(seed, h, 508));
    }
}

/* Everything the store lists must read back consistently. */
static void read_all(struct chunkstore *cs)
{
    struct chunkstore_entry e;
    struct chunk_id prev = {0, 0};
    uint32_t count = 0;
    uint64_t bytes = 0;
    for (const struct chunk_id *after = NULL; chunkstore_next(cs, after, &e) == 0; after = &prev) {
        check(!count || e.id.ino > prev.ino || (e.id.ino == prev.ino && e.id.index > prev.index));
        count++;
        bytes += e.length;
        check(e.length <= CHUNK_SIZE);
        uint64_t v, t;
        uint32_t len, bad = 0;
        check(chunkstore_info(cs, e.id, &v, &t, &len) == 0 && v == e.version && t == e.token &&
              len == e.length);
        int vrv = chunkstore_verify(cs, e.id, &bad);
        check((vrv == 0 && bad == 0) || (vrv == -EBADMSG && bad != 0));
        check((bad >> ((len + CHUNK_BLOCK - 1) / CHUNK_BLOCK)) == 0);
        int rv = chunkstore_read(cs, e.id, 0, CHUNK_SIZE, buf);
        check(rv == 0 || rv == -EBADMSG);
        check((rv == 0) == (vrv == 0));
        uint32_t from = rv == 0 ? len : 0; /* zeros past the length, or all of it */
        check(memcmp(buf + from, zeros, CHUNK_SIZE - from) == 0);
        /* a small read in each block: exactly the blocks verify named fail */
        for (uint32_t b = 0; b < CHUNK_BLOCKS; b++) {
            uint32_t at = b * CHUNK_BLOCK + 7;
            rv = chunkstore_read(cs, e.id, at, 9, buf);
            check(rv == (at < len && ((bad >> b) & 1) ? -EBADMSG : 0));
        }
        struct chunkstore_entry again;
        check(chunkstore_next(cs, count > 1 ? &prev : NULL, &again) == 0 &&
              again.digest == e.digest && again.id.ino == e.id.ino);
        prev = e.id;
    }
    struct chunkstore_stats st;
    chunkstore_stats(cs, &st);
    check(st.used == count && st.bytes_used == bytes && st.used + st.free == st.nslots);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(disk, 0, sizeof disk);
    size_t meta = (size_t)FUZZ_META * SEC;
    memcpy(disk, data, size < meta ? size : meta);
    for (uint32_t s = 0; s < FUZZ_SLOTS && size > meta + (size_t)s * CHUNK_BLOCK; s++) {
        size_t at = meta + (size_t)s * CHUNK_BLOCK, n = size - at;
        memcpy(disk + (FUZZ_META + (size_t)s * CHUNKSTORE_SLOT_SECTORS) * SEC, data + at,
               n < CHUNK_BLOCK ? n : CHUNK_BLOCK);
    }
    fix_checksums();

    static struct chunkstore cs;
    int rv = chunkstore_open(&cs, &dev, work, sizeof work);
    if (rv == -ENOENT || rv == -EBADMSG || rv == -ENOTSUP)
        return 0;
    check(rv == 0);
    read_all(&cs);

    /* The opened store takes a change, keeps it across a reopen, and a
     * remove takes the chunk away for good. Sector 2 (unused by the store)
     * says which change: ctl[0] bit 7 picks a listed chunk (the rest picks
     * which), else ctl[0..1] name one; ctl[2] the call (write, truncate,
     * put); ctl[3..6] offset and length. */
    const uint8_t *ctl = disk + 2 * SEC;
    uint8_t c[8];
    memcpy(c, ctl, sizeof c); /* a repair at open may not touch sector 2, but be sure */
    struct chunk_id id = {c[0] % 4, c[1] % 3};
    if (c[0] & 0x80) {
        struct chunkstore_entry e;
        const struct chunk_id *after = NULL;
        for (uint32_t k = (c[0] & 0x7f) % 8; chunkstore_next(&cs, after, &e) == 0; after = &id) {
            id = e.id;
            if (k-- == 0)
                break;
        }
    }
    uint64_t v = 0, t = 0;
    uint32_t len = 0;
    bool had = chunkstore_info(&cs, id, &v, &t, &len) == 0;
    for (uint32_t i = 0; i < CHUNK_SIZE; i++)
        mine[i] = (uint8_t)(i * 7 + 1);
    uint32_t op = c[2] % 3, off = (uint32_t)(c[3] | c[4] << 8), n = (uint32_t)(c[5] | c[6] << 8);
    if (op == 0) {
        n = 1 + n % (CHUNK_SIZE - off);
        rv = v == UINT64_MAX ? -ESTALE : chunkstore_write(&cs, id, off, mine + off, n, v + 1, t);
    } else if (op == 1) {
        rv = v == UINT64_MAX ? -ESTALE : chunkstore_truncate(&cs, id, off, v + 1, t);
    } else {
        rv = v == UINT64_MAX ? -ESTALE : chunkstore_put(&cs, id, mine, off, v + 1, t);
    }
    /* -EBADMSG: a write or truncate keeping part of a corrupt block */
    check(rv == 0 || rv == -ENOSPC || (rv == -EBADMSG && op != 2) ||
          (rv == -ESTALE && v == UINT64_MAX));
    if (rv == -ENOSPC)
        check(had ? cs.nlive == cs.nslots : cs.nslots - cs.nlive < 2);
    if (rv != 0)
        return 0;
    uint32_t want_len = op == 0 ? (off + n > len ? off + n : len) : off;
    check(chunkstore_fence(&cs, id, t + 1) == 0 || t == UINT64_MAX);
    check(chunkstore_open(&cs, &dev, work, sizeof work) == 0);
    uint64_t v2, t2;
    uint32_t len2;
    check(chunkstore_info(&cs, id, &v2, &t2, &len2) == 0 && v2 == v + 1);
    check(t2 == (t == UINT64_MAX ? t : t + 1) && len2 == want_len);
    if (op == 0)
        check(chunkstore_read(&cs, id, off, n, buf) == 0 && memcmp(buf, mine + off, n) == 0);
    if (op == 2)
        check(chunkstore_read(&cs, id, 0, CHUNK_SIZE, buf) == 0 && memcmp(buf, mine, off) == 0 &&
              memcmp(buf + off, zeros, CHUNK_SIZE - off) == 0);
    check(chunkstore_read(&cs, id, want_len, CHUNK_SIZE - want_len, buf) == 0 &&
          memcmp(buf, zeros, CHUNK_SIZE - want_len) == 0);
    read_all(&cs);
    check(chunkstore_remove(&cs, id) == 0);
    check(chunkstore_open(&cs, &dev, work, sizeof work) == 0);
    check(chunkstore_info(&cs, id, NULL, NULL, NULL) == -ENOENT);
    read_all(&cs);
    return 0;
}
