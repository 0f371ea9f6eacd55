/* tests/chunkstore/test_fault.c: damage the chunk store meets: bit rot in a
 * data block or a header, writes torn by a crash, superblocks that are
 * corrupt, from another version or too big for the region, a crash during
 * format, a device that fails. */
#include <string.h>

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "tests/chunkstore/harness.h"

#define D test_disk
#define CS test_cs
#define SEC CHUNKSTORE_SECTOR

static uint8_t buf[CHUNK_SIZE], want[CHUNK_SIZE];

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The slot holding the newest header of chunk n on the durable image (found
 * the way a disk editor would: by magic, id and seq; CRCs not checked). */
static uint32_t slot_of(uint32_t n)
{
    struct chunk_id id = chunk_of(n);
    uint32_t best = ~0u;
    uint64_t seq = 0;
    for (uint32_t s = 0; s < CS.nslots; s++) {
        const uint8_t *h = D.durable + (CS.hdr_start + s) * SEC;
        if (le32(h) == 0x31484b43u && le64(h + 8) == id.ino && le32(h + 16) == id.index &&
            (best == ~0u || le64(h + 40) > seq)) {
            best = s;
            seq = le64(h + 40);
        }
    }
    return best;
}

static uint64_t data_byte(uint32_t slot, uint32_t off)
{
    return (CS.data_start + (uint64_t)slot * CHUNKSTORE_SLOT_SECTORS) * SEC + off;
}

static uint64_t hdr_byte(uint32_t slot, uint32_t off) { return (CS.hdr_start + slot) * SEC + off; }

/* Rewrites sector `sector` of both images through f, then fixes its
 * superblock CRC (unseeded, bytes 0..507). */
static void sb_edit(uint64_t sector, uint32_t at, uint64_t value, int bytes)
{
    for (int img = 0; img < 2; img++) {
        uint8_t *p = (img ? D.cur : D.durable) + sector * SEC;
        for (int i = 0; i < bytes; i++)
            p[at + (uint32_t)i] = (uint8_t)(value >> (8 * i));
        put32(p + 508, crc32c(p, 508));
    }
}

static int expect(uint32_t n, const struct mchunk *m)
{
    char why[256] = "";
    int rv = chunk_matches(&CS, n, m, why, sizeof why);
    CHECK(rv == 1, "chunk %u: %s (%d)", n, why, rv);
    return 0;
}

/* A flipped bit in block 5: reads that touch it get -EBADMSG and zeros, the
 * other blocks read fine, verify names block 5, a write that keeps part of it
 * is refused, a fence keeps it detectable, and put() repairs it. */
static int t_flipped_data_byte(void)
{
    TRY(test_setup(8));
    fill_bytes(want, CHUNK_SIZE, 11);
    CHECK(chunkstore_write(&CS, chunk_of(0), 0, want, CHUNK_SIZE, 3, 1) == 0, "write");
    TRY(test_write(1, 0, 10, 1, 1, 0)); /* so chunk 0 is not the newest write at open */
    simdisk_flip(&D, data_byte(slot_of(0), 5 * CHUNK_BLOCK + 1234), 3);
    TRY(test_reopen());

    memset(buf, 0x55, sizeof buf);
    CHECK(chunkstore_read(&CS, chunk_of(0), 5 * CHUNK_BLOCK + 10, 5, buf) == -EBADMSG,
          "read inside block 5");
    CHECK(chunkstore_read(&CS, chunk_of(0), 4 * CHUNK_BLOCK, 3 * CHUNK_BLOCK, buf) == -EBADMSG,
          "read across blocks 4-6");
    for (uint32_t i = 0; i < 3 * CHUNK_BLOCK; i++)
        CHECK(buf[i] == 0, "a failed read left byte %u", i);
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, 5 * CHUNK_BLOCK, buf) == 0 &&
              memcmp(buf, want, 5 * CHUNK_BLOCK) == 0,
          "blocks 0-4");
    CHECK(chunkstore_read(&CS, chunk_of(0), 6 * CHUNK_BLOCK, 10 * CHUNK_BLOCK, buf) == 0 &&
              memcmp(buf, want + 6 * CHUNK_BLOCK, 10 * CHUNK_BLOCK) == 0,
          "blocks 6-15");
    uint32_t bad = 0;
    CHECK(chunkstore_verify(&CS, chunk_of(0), &bad) == -EBADMSG && bad == 1u << 5,
          "verify: mask %08x", bad);

    uint64_t w0 = D.writes;
    CHECK(chunkstore_write(&CS, chunk_of(0), 5 * CHUNK_BLOCK + 7, want, 3, 4, 1) == -EBADMSG,
          "a write keeping part of the bad block");
    CHECK(D.writes == w0, "the refused write wrote");
    /* writes elsewhere and a fence carry block 5 over, still detectable */
    CHECK(chunkstore_write(&CS, chunk_of(0), 100, want + 100, 50, 4, 1) == 0, "write block 0");
    CHECK(chunkstore_fence(&CS, chunk_of(0), 9) == 0, "fence over a bad block");
    /* The fence is the newest write at open, and its copy of block 5 fails:
     * known to be bad when copied, so not taken for a torn write. */
    TRY(test_reopen());
    struct chunkstore_stats st;
    chunkstore_stats(&CS, &st);
    uint64_t tok = 0, ver = 0;
    CHECK(st.open_dropped == 0 && chunkstore_info(&CS, chunk_of(0), &ver, &tok, NULL) == 0 &&
              tok == 9 && ver == 4,
          "the fence over a rotten block was lost at open (v%llu t%llu)", (unsigned long long)ver,
          (unsigned long long)tok);
    CHECK(chunkstore_verify(&CS, chunk_of(0), &bad) == -EBADMSG && bad == 1u << 5,
          "after copy-on-write: mask %08x", bad);
    CHECK(chunkstore_read(&CS, chunk_of(0), 5 * CHUNK_BLOCK, 1, buf) == -EBADMSG, "still bad");

    /* repair: the good copy from another replica, at the same version */
    CHECK(chunkstore_put(&CS, chunk_of(0), want, CHUNK_SIZE, 4, 8) == -ESTALE, "put below token");
    CHECK(chunkstore_put(&CS, chunk_of(0), want, CHUNK_SIZE, 4, 9) == 0, "put");
    CHECK(chunkstore_verify(&CS, chunk_of(0), &bad) == 0 && bad == 0, "verify after put");
    TRY(test_write(1, 0, 10, 2, 2, 0));
    TRY(test_reopen());
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, CHUNK_SIZE, buf) == 0 &&
              memcmp(buf, want, CHUNK_SIZE) == 0,
          "repaired chunk");
    /* a write that covers the bad block wholly needs nothing of it */
    simdisk_flip(&D, data_byte(slot_of(0), 2 * CHUNK_BLOCK), 0);
    CHECK(chunkstore_write(&CS, chunk_of(0), 2 * CHUNK_BLOCK, want + 2 * CHUNK_BLOCK, CHUNK_BLOCK,
                           5, 9) == 0,
          "overwrite the bad block");
    CHECK(chunkstore_verify(&CS, chunk_of(0), &bad) == 0, "verify: %08x", bad);
    return 0;
}

/* Rewrites block b of slot's data through the bytes in blk, with a CRC that
 * checks out: the header's CRC for it and the header's own CRC recomputed
 * (seeded with the format id), as a crafted image could have it. */
static void craft_block(uint32_t slot, uint32_t b, const uint8_t *blk)
{
    uint8_t id[8];
    for (int i = 0; i < 8; i++)
        id[i] = (uint8_t)(CS.format_id >> (8 * i));
    uint32_t seed = crc32c(id, 8);
    for (int img = 0; img < 2; img++) {
        uint8_t *base = img ? D.cur : D.durable;
        memcpy(base + data_byte(slot, b * CHUNK_BLOCK), blk, CHUNK_BLOCK);
        uint8_t *h = base + hdr_byte(slot, 0);
        put32(h + 48 + 4 * b, crc32c_update(seed, blk, CHUNK_BLOCK));
        put32(h + 508, crc32c_update(seed, h, 508));
    }
}

/* Bytes past the length are zeros on disk (the rest of the last block), and
 * even where a crafted image has something else there under a good CRC, it
 * never shows: not when a write leaves a gap, not when the chunk grows. */
static int t_garbage_past_length_never_shows(void)
{
    TRY(test_setup(8));
    TRY(test_write(0, 0, 20000, 1, 1, 0));
    CHECK(chunkstore_truncate(&CS, chunk_of(0), 10001, 2, 0) == 0, "cut");
    uint32_t s = slot_of(0);
    for (uint32_t i = 10001; i < 3 * CHUNK_BLOCK; i++)
        CHECK(D.cur[data_byte(s, i)] == 0, "byte %u past the cut is not zero on disk", i);

    for (int how = 0; how < 3; how++) {
        TRY(test_write(1, 0, 5000, 3, 1, 0));
        TRY(test_write(2, 0, 1, 1, 1, 0)); /* chunk 1 is not the newest at open */
        uint32_t s1 = slot_of(1);
        memcpy(buf, D.cur + data_byte(s1, CHUNK_BLOCK), CHUNK_BLOCK);
        memset(buf + 5000 - CHUNK_BLOCK, 0xa5, 2 * CHUNK_BLOCK - 5000);
        craft_block(s1, 1, buf);
        TRY(test_reopen());
        CHECK(chunkstore_verify(&CS, chunk_of(1), NULL) == 0, "crafted block does not check out");
        if (how == 0)
            TRY(test_write(1, 7000, 10, 4, 2, 0));
        else if (how == 1)
            CHECK(chunkstore_truncate(&CS, chunk_of(1), 9000, 2, 0) == 0, "grow");
        else
            TRY(test_write(1, 100, 10, 4, 2, 0)); /* in block 0: block 1 copied as it is */
        memset(buf, 0x55, sizeof buf);
        CHECK(chunkstore_read(&CS, chunk_of(1), 5000, 2000, buf) == 0, "read");
        for (uint32_t i = 0; i < 2000; i++)
            CHECK(buf[i] == 0, "case %d: byte %u past the old length shows %02x", how, 5000 + i,
                  buf[i]);
        CHECK(chunkstore_remove(&CS, chunk_of(1)) == 0 && chunkstore_remove(&CS, chunk_of(2)) == 0,
              "remove");
    }
    return 0;
}

/* A flipped byte anywhere in a header makes it invalid: the chunk falls back
 * to its older copy (still on disk) or is absent; never garbage. */
static int t_flipped_header_byte(void)
{
    static struct mchunk v1, v2, one;
    static const uint32_t offs[] = {0,  3,  4,  8,   15,  16,  20,  24,  32,
                                    40, 48, 77, 111, 112, 300, 507, 508, 511};
    for (size_t k = 0; k < sizeof offs / sizeof offs[0]; k++) {
        TRY(test_setup(8));
        memset(&v1, 0, sizeof v1);
        struct op o = {OP_WRITE, 0, 1000, 20000, 1, 0, 1};
        CHECK(model_apply(&v1, &o, true) == 0 && store_apply(&CS, &o) == 0, "v1");
        v2 = v1;
        o = (struct op){OP_WRITE, 0, 15000, 10000, 2, 0, 2};
        CHECK(model_apply(&v2, &o, true) == 0 && store_apply(&CS, &o) == 0, "v2");
        memset(&one, 0, sizeof one);
        o = (struct op){OP_PUT, 1, 0, 5000, 1, 0, 3};
        CHECK(model_apply(&one, &o, true) == 0 && store_apply(&CS, &o) == 0, "one");
        TRY(test_write(2, 0, 1, 1, 1, 0)); /* the newest write: not one of those */
        uint32_t s0 = slot_of(0), s1 = slot_of(1);
        simdisk_flip(&D, hdr_byte(s0, offs[k]), (int)(k % 8));
        simdisk_flip(&D, hdr_byte(s1, offs[k]), (int)(k % 8));
        TRY(test_reopen());
        static const struct mchunk absent;
        TRY(expect(0, &v1));
        TRY(expect(1, &absent));
        /* and the store works on */
        CHECK(test_write(0, 0, 10, 9, 3, 0) == 0 && test_write(1, 0, 10, 9, 1, 0) == 0, "write");
        TRY(test_reopen());
    }
    return 0;
}

/* Crash after a chunk's header reached the disk but not (all of) its data:
 * a new chunk is absent, a rewritten one is its previous version, and the
 * bad header is cleared so it cannot come back later. */
static int t_torn_write_is_old_or_absent(void)
{
    static struct mchunk old;
    for (int existing = 0; existing < 2; existing++) {
        TRY(test_setup(8));
        memset(&old, 0, sizeof old);
        TRY(test_write(1, 0, 100, 1, 1, 0));
        if (existing) {
            struct op o = {OP_WRITE, 0, 0, 30000, 1, 0, 4};
            CHECK(model_apply(&old, &o, true) == 0 && store_apply(&CS, &o) == 0, "v1");
        }
        /* events: data write, header write, flush. Crash at the flush; the
         * header lands, the data does not (MASK bit 1 only). */
        D.crash_at = (int64_t)D.events + 2;
        CHECK(test_write(0, 0, 40000, 5, 2, 0) == -EIO, "write at the crash");
        simdisk_reboot(&D, 2, SIM_CRASH_MASK);
        uint32_t torn = slot_of(0);
        CHECK(torn != ~0u && le64(D.durable + hdr_byte(torn, 24)) == 2, "the header did not land");
        TRY(test_reopen());
        struct chunkstore_stats st;
        chunkstore_stats(&CS, &st);
        CHECK(st.open_dropped == 1, "the torn header was not dropped");
        for (uint32_t i = 0; i < SEC; i++)
            CHECK(D.durable[hdr_byte(torn, i)] == 0, "the torn header is still on disk");
        TRY(expect(0, &old));
        /* later writes make other headers newer; the torn one must stay gone */
        TRY(test_write(1, 0, 100, 2, 2, 0));
        TRY(test_write(2, 0, 100, 2, 2, 0));
        TRY(test_reopen());
        TRY(expect(0, &old));
        chunkstore_stats(&CS, &st);
        CHECK(st.open_dropped == 0, "dropped again");
    }
    return 0;
}

/* The limit: damage to the newest write on disk looks exactly like a torn
 * write at open (nothing written after it vouches for it), so that version
 * is dropped too: the chunk is its previous version or absent, never
 * garbage; the replicas bring it back. */
static int t_newest_write_damaged_falls_back(void)
{
    static struct mchunk old;
    TRY(test_setup(8));
    memset(&old, 0, sizeof old);
    struct op o = {OP_WRITE, 0, 0, 9000, 1, 0, 4};
    CHECK(model_apply(&old, &o, true) == 0 && store_apply(&CS, &o) == 0, "v1");
    TRY(test_write(0, 0, 9000, 5, 2, 0));
    simdisk_flip(&D, data_byte(slot_of(0), 10), 1);
    TRY(test_reopen());
    TRY(expect(0, &old));
    return 0;
}

static int t_open_refuses_bad_superblocks(void)
{
    TRY(test_setup(8));
    TRY(test_write(0, 0, 100, 1, 1, 0));
    uint8_t save[2 * SEC];
    memcpy(save, D.durable, sizeof save);
    static struct {
        const char *what;
        uint32_t at;
        uint64_t value;
        int bytes, rv;
        const char *msg;
    } cases[] = {
        {"version 2", 8, 2, 4, -ENOTSUP, "version"},
        {"sector size", 12, 4096, 4, -EBADMSG, "size"},
        {"block size", 44, 8192, 4, -EBADMSG, "size"},
        {"no slots", 36, 1, 4, -EBADMSG, "geometry"},
        {"too many slots", 36, 100000, 4, -EBADMSG, "geometry"},
        {"header table in sector 1", 48, 1, 8, -EBADMSG, "geometry"},
        {"data over the table", 56, 9, 8, -EBADMSG, "geometry"},
        {"data past the end", 56, 1u << 20, 8, -EBADMSG, "geometry"},
        {"bigger than the region", 16, 1ull << 30, 8, -EBADMSG, "larger"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(D.durable, save, sizeof save);
        memcpy(D.cur, save, sizeof save);
        sb_edit(0, cases[i].at, cases[i].value, cases[i].bytes);
        sb_edit(1, cases[i].at, cases[i].value, cases[i].bytes);
        int rv = chunkstore_open(&CS, &D.dev, test_work, TEST_WORK);
        CHECK(rv == cases[i].rv && strstr(CS.error_msg, cases[i].msg), "%s: %d \"%s\", want %d",
              cases[i].what, rv, CS.error_msg, cases[i].rv);
    }
    /* garbage, and a bad CRC, in both copies */
    memcpy(D.durable, save, sizeof save);
    memcpy(D.cur, save, sizeof save);
    simdisk_flip(&D, 30, 0);
    simdisk_flip(&D, SEC + 30, 0);
    int rv = chunkstore_open(&CS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG && strstr(CS.error_msg, "checksum"), "bad CRC: %d %s", rv, CS.error_msg);
    fill_bytes(D.cur, 2 * SEC, 5);
    memcpy(D.durable, D.cur, 2 * SEC);
    rv = chunkstore_open(&CS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG && strstr(CS.error_msg, "magic"), "garbage: %d %s", rv, CS.error_msg);
    /* a log store's superblock is not ours */
    memcpy(D.cur, "LOGSTOR1", 8);
    rv = chunkstore_open(&CS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG, "log store: %d", rv);
    /* too little work memory; bad arguments */
    memcpy(D.durable, save, sizeof save);
    memcpy(D.cur, save, sizeof save);
    rv = chunkstore_open(&CS, &D.dev, test_work, chunkstore_work_size(8) - 1);
    CHECK(rv == -ENOMEM, "small work: %d", rv);
    /* a store that did not open refuses every call */
    CHECK(test_write(0, 0, 10, 1, 9, 0) == -EIO && chunkstore_fence(&CS, chunk_of(5), 1) == -EIO &&
              chunkstore_read(&CS, chunk_of(0), 0, 1, buf) == -EIO,
          "calls on a store that did not open");
    CHECK(chunkstore_open(&CS, &D.dev, test_work + 4, TEST_WORK - 8) == -EINVAL, "misaligned");
    rv = chunkstore_open(&CS, &D.dev, test_work, chunkstore_work_size(8));
    CHECK(rv == 0, "exact work: %d %s", rv, CS.error_msg);
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, 1, buf) == 0, "read");
    return 0;
}

/* One damaged superblock copy: open uses the other and rewrites the bad one.
 * A sector 0 that is intact but unacceptable is never written over. */
static int t_superblock_copy_repairs(void)
{
    for (uint64_t bad = 0; bad < 2; bad++) {
        TRY(test_setup(8));
        TRY(test_write(0, 0, 100, 1, 1, 0));
        simdisk_flip(&D, bad * SEC + 40, 2);
        TRY(test_reopen());
        struct chunkstore_stats st;
        chunkstore_stats(&CS, &st);
        CHECK(st.open_sb_repaired, "copy %llu not repaired", (unsigned long long)bad);
        CHECK(memcmp(D.durable, D.durable + SEC, SEC) == 0, "copies differ after the repair");
        CHECK(chunkstore_read(&CS, chunk_of(0), 0, 1, buf) == 0, "read");
        TRY(test_reopen());
        chunkstore_stats(&CS, &st);
        CHECK(!st.open_sb_repaired, "repaired twice");
    }
    sb_edit(0, 8, 2, 4); /* a newer version in sector 0, a good copy in sector 1 */
    uint8_t s0[SEC];
    memcpy(s0, D.durable, SEC);
    CHECK(chunkstore_open(&CS, &D.dev, test_work, TEST_WORK) == -ENOTSUP, "newer version");
    CHECK(memcmp(s0, D.durable, SEC) == 0, "sector 0 was written over");
    return 0;
}

/* A crash at every event of format, under every crash model: open then says
 * -ENOENT (blank: format again), or opens the old store, or the new empty
 * one. Never -EBADMSG, which would keep the service down. */
static int t_crash_during_format(void)
{
    for (int over_old = 0; over_old < 2; over_old++) {
        for (int64_t k = 0; k < 5; k++) {
            for (uint64_t v = 0; v < 12; v++) {
                simdisk_free(&D);
                simdisk_init(&D, region_sectors(8));
                if (over_old) {
                    CHECK(chunkstore_format(&D.dev, 1, 77) == 0, "old format");
                    CHECK(chunkstore_open(&CS, &D.dev, test_work, TEST_WORK) == 0, "old open");
                    TRY(test_write(0, 0, 100, 1, 1, 0));
                }
                D.crash_at = (int64_t)D.events + k;
                int frv = chunkstore_format(&D.dev, 1, 88);
                int model = v == 0 ? SIM_CRASH_KEEP : v == 1 ? SIM_CRASH_DROP : SIM_CRASH_RANDOM;
                simdisk_reboot(&D, v * 31 + (uint64_t)k, model);
                int rv = chunkstore_open(&CS, &D.dev, test_work, TEST_WORK);
                bool fresh = rv == 0 && CS.format_id == 88;
                bool old = rv == 0 && CS.format_id == 77;
                if (old)
                    CHECK(chunkstore_read(&CS, chunk_of(0), 0, 1, buf) == 0, "old chunk");
                if (fresh)
                    CHECK(chunkstore_info(&CS, chunk_of(0), 0, 0, 0) == -ENOENT, "new store");
                CHECK(fresh || (over_old ? old : rv == -ENOENT) || (frv == 0 && fresh),
                      "format over %s, crash at event %lld, model %d: open %d (%s) id %llx",
                      over_old ? "a store" : "a blank region", (long long)k, model, rv,
                      CS.error_msg, (unsigned long long)CS.format_id);
                if (frv == 0)
                    CHECK(fresh, "format returned 0 but the store is not the new one");
            }
        }
    }
    return 0;
}

/* A failed write breaks the store: -EIO from every call until reopened;
 * the reopened store has the old version. */
static int t_io_error_breaks_until_reopen(void)
{
    static struct mchunk m;
    TRY(test_setup(8));
    memset(&m, 0, sizeof m);
    struct op o = {OP_WRITE, 0, 0, 3000, 1, 0, 1};
    CHECK(model_apply(&m, &o, true) == 0 && store_apply(&CS, &o) == 0, "write");
    D.crash_at = (int64_t)D.events; /* the next write fails */
    CHECK(test_write(0, 0, 10, 2, 2, 0) == -EIO, "failed write");
    CHECK(CS.broken, "not broken");
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, 10, buf) == -EIO, "read when broken");
    CHECK(chunkstore_info(&CS, chunk_of(0), 0, 0, 0) == -EIO, "info when broken");
    CHECK(test_write(1, 0, 10, 2, 2, 0) == -EIO, "write when broken");
    CHECK(chunkstore_remove(&CS, chunk_of(0)) == -EIO, "remove when broken");
    CHECK(chunkstore_next(&CS, NULL, &(struct chunkstore_entry){0}) == -EIO, "next");
    simdisk_reboot(&D, 0, SIM_CRASH_DROP);
    TRY(test_reopen());
    TRY(expect(0, &m));
    /* a failed read does not break it */
    D.crashed = true;
    CHECK(chunkstore_read(&CS, chunk_of(0), 0, 10, buf) == -EIO, "failed read");
    D.crashed = false;
    CHECK(!CS.broken && chunkstore_read(&CS, chunk_of(0), 0, 10, buf) == 0, "read after");
    return 0;
}

const struct table_test fault_tests[] = {
    {"flipped_data_byte_ebadmsg_put_repairs", t_flipped_data_byte},
    {"flipped_header_byte_older_or_absent", t_flipped_header_byte},
    {"garbage_past_length_never_shows", t_garbage_past_length_never_shows},
    {"torn_write_is_old_or_absent", t_torn_write_is_old_or_absent},
    {"newest_write_damaged_falls_back", t_newest_write_damaged_falls_back},
    {"open_refuses_bad_superblocks", t_open_refuses_bad_superblocks},
    {"superblock_copy_repairs", t_superblock_copy_repairs},
    {"crash_during_format", t_crash_during_format},
    {"io_error_breaks_until_reopen", t_io_error_breaks_until_reopen},
    {NULL, NULL},
};
