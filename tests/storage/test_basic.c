/* tests/storage/test_basic.c: the log store's behaviour without crashes, the
 * errors it reports for damaged images, and CRC32C. */
#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "tests/storage/harness.h"

static struct simdisk D;
static struct logstore LS;

/* A formatted disk of nsectors with nlogs logs, opened into LS. */
static int setup(uint64_t nsectors, uint32_t nlogs, const struct logstore_format_opts *o)
{
    simdisk_free(&D);
    simdisk_init(&D, nsectors);
    CHECK(logstore_format(&D.dev, 7, nlogs, o) == 0, "format");
    int rv = logstore_open(&LS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == 0, "open: %d %s", rv, LS.error_msg);
    return 0;
}

static int reopen(void)
{
    int rv = logstore_open(&LS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == 0, "reopen: %d %s", rv, LS.error_msg);
    return 0;
}

/* Appends a record of len bytes with payload seed (log*1e6 + index). */
static int put(uint32_t log, uint32_t len, uint64_t *idx)
{
    static uint8_t buf[1 << 17];
    uint64_t at = logstore_last(&LS, log) + 1;
    fill_payload(buf, len, log * 1000000ull + at);
    uint64_t got = 0;
    int rv = logstore_append(&LS, log, buf, len, &got);
    CHECK(rv == 0, "append log %u len %u: %d", log, len, rv);
    CHECK(got == at, "append index %llu, want %llu", (unsigned long long)got,
          (unsigned long long)at);
    if (idx)
        *idx = got;
    return 0;
}

/* Checks record index of log: length len and the payload put() gave it. */
static int expect(uint32_t log, uint64_t index, uint32_t len)
{
    static uint8_t buf[1 << 17], want[1 << 17];
    uint32_t got = 0;
    int rv = logstore_read(&LS, log, index, buf, sizeof buf, &got);
    CHECK(rv == 0, "read log %u index %llu: %d", log, (unsigned long long)index, rv);
    CHECK(got == len, "read log %u index %llu: len %u want %u", log, (unsigned long long)index, got,
          len);
    fill_payload(want, len, log * 1000000ull + index);
    CHECK(memcmp(buf, want, len) == 0, "read log %u index %llu: payload differs", log,
          (unsigned long long)index);
    return 0;
}

static int t_crc32c_vectors(void)
{
    uint8_t b[48];
    CHECK(crc32c("123456789", 9) == 0xE3069283u, "check value");
    memset(b, 0, 32);
    CHECK(crc32c(b, 32) == 0x8A9136AAu, "32 zeros: %08x", crc32c(b, 32));
    memset(b, 0xff, 32);
    CHECK(crc32c(b, 32) == 0x62A8AB43u, "32 ones");
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)i;
    CHECK(crc32c(b, 32) == 0x46DD794Eu, "ascending");
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)(31 - i);
    CHECK(crc32c(b, 32) == 0x113FDB5Cu, "descending");
    static const uint8_t pdu[48] = {0x01, 0xc0, 0, 0,    0,    0, 0, 0,    0,    0, 0,    0,
                                    0,    0,    0, 0,    0x14, 0, 0, 0,    0,    0, 0x04, 0,
                                    0,    0,    0, 0x14, 0,    0, 0, 0x18, 0x28, 0, 0,    0,
                                    0,    0,    0, 0,    0x02, 0, 0, 0,    0,    0, 0,    0};
    CHECK(crc32c(pdu, 48) == 0xD9963A56u, "iSCSI read PDU");
    CHECK(crc32c_update(crc32c(pdu, 20), pdu + 20, 28) == 0xD9963A56u, "update");
    return 0;
}

static int t_format_open_empty(void)
{
    TRY(setup(4096, 3, NULL));
    CHECK(LS.node_id == 7 && LS.nlogs == 3, "superblock fields");
    for (uint32_t l = 0; l < 3; l++) {
        CHECK(logstore_first(&LS, l) == 1 && logstore_last(&LS, l) == 0, "empty log %u", l);
        uint32_t len = 99;
        uint8_t b[8];
        CHECK(logstore_get_hardstate(&LS, l, b, sizeof b, &len) == 0 && len == 0, "hs");
        CHECK(logstore_read_snapshot(&LS, l, b, sizeof b, &len, NULL) == -ENOENT, "snap");
        CHECK(logstore_read(&LS, l, 1, b, sizeof b, &len) == -ENOENT, "read empty");
    }
    TRY(reopen());
    CHECK(logstore_last(&LS, 2) == 0, "still empty");
    CHECK(logstore_format(&D.dev, 1, 0, NULL) == -EINVAL, "0 logs");
    CHECK(logstore_format(&D.dev, 1, LOGSTORE_MAX_LOGS + 1, NULL) == -EINVAL, "too many");
    struct simdisk tiny;
    simdisk_init(&tiny, 64);
    CHECK(logstore_format(&tiny.dev, 1, 2, NULL) == -EINVAL, "disk too small");
    simdisk_free(&tiny);
    return 0;
}

static int t_append_read_reopen(void)
{
    TRY(setup(8192, 2, NULL));
    uint32_t max = logstore_max_record(&LS);
    uint32_t lens[] = {1, 64, 0, 511, 512, 1024, 3000, max, 17, 40000, 5};
    int n = (int)(sizeof lens / sizeof lens[0]);
    for (int i = 0; i < n; i++)
        TRY(put((uint32_t)i & 1, lens[i], NULL));
    /* buffered records read back before the commit */
    for (int i = 0; i < n; i++)
        TRY(expect((uint32_t)i & 1, (uint64_t)i / 2 + 1, lens[i]));
    CHECK(logstore_commit(&LS) == 0, "commit");
    for (int i = 0; i < n; i++)
        TRY(expect((uint32_t)i & 1, (uint64_t)i / 2 + 1, lens[i]));
    TRY(reopen());
    CHECK(logstore_last(&LS, 0) == 6 && logstore_last(&LS, 1) == 5, "last %llu %llu",
          (unsigned long long)logstore_last(&LS, 0), (unsigned long long)logstore_last(&LS, 1));
    for (int i = n - 1; i >= 0; i--)
        TRY(expect((uint32_t)i & 1, (uint64_t)i / 2 + 1, lens[i]));
    uint8_t b[16];
    uint32_t len;
    CHECK(logstore_read(&LS, 0, 4, b, sizeof b, &len) == -EMSGSIZE && len == 3000, "cap");
    CHECK(logstore_read(&LS, 0, 7, b, sizeof b, &len) == -ENOENT, "past end");
    CHECK(logstore_read(&LS, 0, 0, b, sizeof b, &len) == -ENOENT, "index 0");
    CHECK(logstore_read(&LS, 2, 1, b, sizeof b, &len) == -EINVAL, "bad log");
    static uint8_t big[1 << 17];
    CHECK(logstore_append(&LS, 0, big, max + 1, NULL) == -EMSGSIZE, "too big");
    CHECK(logstore_append(&LS, 5, big, 1, NULL) == -EINVAL, "bad log append");
    /* records never committed are not there after a reopen */
    TRY(put(0, 100, NULL));
    TRY(reopen());
    CHECK(logstore_last(&LS, 0) == 6, "uncommitted append came back");
    return 0;
}

/* Several clients interleave appends; the service commits every few calls. */
static int t_group_commit(void)
{
    TRY(setup(16384, 2, NULL));
    enum { CLIENTS = 4, EACH = 64 };
    uint64_t f0 = D.flushes, rng = 42;
    uint32_t lens[2][CLIENTS * EACH];
    int napp = 0, ncommit = 0;
    for (int round = 0; round < EACH; round++) {
        for (int c = 0; c < CLIENTS; c++) {
            uint32_t log = (uint32_t)c & 1, len = 16 + (uint32_t)(sim_rand(&rng) % 200);
            uint64_t idx;
            TRY(put(log, len, &idx));
            lens[log][idx - 1] = len;
            napp++;
        }
        if (round % 2 == 1) {
            CHECK(logstore_commit(&LS) == 0, "commit");
            ncommit++;
        }
    }
    uint64_t flushes = D.flushes - f0;
    CHECK(flushes == (uint64_t)ncommit, "%llu flushes for %d commits", (unsigned long long)flushes,
          ncommit);
    CHECK(flushes < (uint64_t)napp, "%llu flushes for %d appends", (unsigned long long)flushes,
          napp);
    CHECK(LS.stats.flushes * 8 <= LS.stats.appends, "stats: %llu flushes, %llu appends",
          (unsigned long long)LS.stats.flushes, (unsigned long long)LS.stats.appends);
    CHECK(logstore_commit(&LS) == 0 && D.flushes - f0 == flushes, "empty commit flushed");
    TRY(reopen());
    for (uint32_t log = 0; log < 2; log++)
        for (uint64_t i = 1; i <= logstore_last(&LS, log); i++)
            TRY(expect(log, i, lens[log][i - 1]));
    CHECK(logstore_last(&LS, 0) + logstore_last(&LS, 1) == (uint64_t)napp, "count");
    return 0;
}

static int t_hardstate(void)
{
    TRY(setup(4096, 2, NULL));
    uint8_t hs[LOGSTORE_HARDSTATE_MAX + 1], out[LOGSTORE_HARDSTATE_MAX];
    uint32_t len;
    for (int v = 1; v <= 5; v++) {
        memset(hs, v, sizeof hs);
        CHECK(logstore_set_hardstate(&LS, 1, hs, 16 + (uint32_t)v) == 0, "set");
        CHECK(logstore_get_hardstate(&LS, 1, out, sizeof out, &len) == 0 &&
                  len == 16 + (uint32_t)v && out[0] == v,
              "get after set");
        if (v % 2)
            CHECK(logstore_commit(&LS) == 0, "commit");
    }
    TRY(reopen());
    CHECK(logstore_get_hardstate(&LS, 1, out, sizeof out, &len) == 0 && len == 21 && out[20] == 5,
          "after reopen: len %u", len);
    CHECK(logstore_get_hardstate(&LS, 0, out, sizeof out, &len) == 0 && len == 0, "log 0");
    CHECK(logstore_set_hardstate(&LS, 0, hs, sizeof hs) == -EINVAL, "too long");
    CHECK(logstore_get_hardstate(&LS, 1, out, 4, &len) == -EMSGSIZE, "small cap");
    /* set without commit: gone after a reopen */
    memset(hs, 9, sizeof hs);
    CHECK(logstore_set_hardstate(&LS, 1, hs, 8) == 0, "set");
    TRY(reopen());
    CHECK(logstore_get_hardstate(&LS, 1, out, sizeof out, &len) == 0 && len == 21, "lost");
    return 0;
}

static int t_snapshot(void)
{
    struct logstore_format_opts o = {.format_id = 5};
    o.log[0] = (struct logstore_log_geom){1024, 64};
    o.log[1] = (struct logstore_log_geom){1024, 8};
    TRY(setup(4096, 2, &o));
    static uint8_t data[40000], out[40000];
    uint32_t len;
    uint64_t idx;
    CHECK(logstore_snapshot_max(&LS, 1) == 7 * 512, "max");
    CHECK(logstore_write_snapshot(&LS, 1, data, 7 * 512 + 1, 3) == -EMSGSIZE, "too big");
    for (int v = 1; v <= 3; v++) {
        uint32_t n = 1000u * (uint32_t)v * (uint32_t)v * 3;
        fill_payload(data, n, (uint64_t)v);
        CHECK(logstore_write_snapshot(&LS, 0, data, n, 100u * (uint64_t)v) == 0, "write");
        CHECK(logstore_read_snapshot(&LS, 0, out, sizeof out, &len, &idx) == 0 && len == n &&
                  idx == 100u * (uint64_t)v && memcmp(out, data, n) == 0,
              "read back v%d", v);
    }
    TRY(reopen());
    CHECK(logstore_read_snapshot(&LS, 0, out, sizeof out, &len, &idx) == 0 && len == 27000 &&
              idx == 300 && memcmp(out, data, len) == 0,
          "after reopen");
    CHECK(logstore_read_snapshot(&LS, 0, out, 10, &len, &idx) == -EMSGSIZE, "cap");
    CHECK(logstore_read_snapshot(&LS, 1, out, 10, &len, &idx) == -ENOENT, "none in log 1");
    CHECK(logstore_write_snapshot(&LS, 1, data, 0, 9) == 0, "empty snapshot");
    TRY(reopen());
    CHECK(logstore_read_snapshot(&LS, 1, out, 10, &len, &idx) == 0 && len == 0 && idx == 9,
          "empty snapshot back");
    return 0;
}

static int t_truncate_suffix(void)
{
    TRY(setup(4096, 1, NULL));
    for (int i = 0; i < 20; i++)
        TRY(put(0, 100, NULL));
    CHECK(logstore_commit(&LS) == 0, "commit");
    CHECK(logstore_truncate_suffix(&LS, 0, 15) == 0, "truncate");
    CHECK(logstore_last(&LS, 0) == 14, "last after truncate");
    CHECK(logstore_truncate_suffix(&LS, 0, 0) == -EINVAL, "below first");
    CHECK(logstore_truncate_suffix(&LS, 0, 99) == 0, "past end is a no-op");
    for (int i = 0; i < 3; i++)
        TRY(put(0, 300, NULL)); /* different length: the new version */
    /* buffered: truncating them drops them too */
    CHECK(logstore_truncate_suffix(&LS, 0, 17) == 0 && logstore_last(&LS, 0) == 16, "t2");
    TRY(reopen());
    CHECK(logstore_last(&LS, 0) == 16, "last %llu", (unsigned long long)logstore_last(&LS, 0));
    for (uint64_t i = 1; i <= 16; i++)
        TRY(expect(0, i, i < 15 ? 100 : 300));
    CHECK(logstore_truncate_suffix(&LS, 0, 1) == 0 && logstore_last(&LS, 0) == 0, "to empty");
    TRY(put(0, 7, NULL));
    CHECK(logstore_commit(&LS) == 0, "commit");
    TRY(reopen());
    CHECK(logstore_last(&LS, 0) == 1, "one record");
    TRY(expect(0, 1, 7));
    return 0;
}

/* A small ring written many times over: the prefix truncation frees space. */
static int t_truncate_prefix_wrap(void)
{
    struct logstore_format_opts o = {.format_id = 77, .max_batch = 8};
    o.log[0] = (struct logstore_log_geom){64, 2};
    o.log[1] = (struct logstore_log_geom){40, 2};
    TRY(setup(1024, 2, &o));
    uint64_t rng = 9;
    for (int round = 0; round < 200; round++) {
        uint32_t log = (uint32_t)round & 1;
        int n = 1 + (int)(sim_rand(&rng) % 6);
        for (int i = 0; i < n; i++) {
            uint32_t len = 20 + (uint32_t)(sim_rand(&rng) % 700);
            static uint8_t b[800];
            uint64_t at = logstore_last(&LS, log) + 1;
            fill_payload(b, len, log * 1000000ull + at);
            int rv = logstore_append(&LS, log, b, len, NULL);
            if (rv == -ENOSPC) {
                CHECK(logstore_truncate_prefix(&LS, log, logstore_last(&LS, log) - 1) == 0,
                      "prefix");
                rv = logstore_append(&LS, log, b, len, NULL);
            }
            CHECK(rv == 0, "append: %d (round %d)", rv, round);
        }
        CHECK(logstore_commit(&LS) == 0, "commit");
        if (round % 7 == 0) {
            uint64_t first = logstore_first(&LS, log), last = logstore_last(&LS, log);
            TRY(reopen());
            CHECK(logstore_first(&LS, log) == first && logstore_last(&LS, log) == last,
                  "range after reopen: [%llu,%llu] want [%llu,%llu]",
                  (unsigned long long)logstore_first(&LS, log),
                  (unsigned long long)logstore_last(&LS, log), (unsigned long long)first,
                  (unsigned long long)last);
            uint8_t b[800], w[800];
            for (uint64_t i = first; i <= last; i++) {
                uint32_t len;
                CHECK(logstore_read(&LS, log, i, b, sizeof b, &len) == 0, "read %llu",
                      (unsigned long long)i);
                fill_payload(w, len, log * 1000000ull + i);
                CHECK(memcmp(b, w, len) == 0, "payload %llu", (unsigned long long)i);
            }
        }
    }
    CHECK(LS.log[0].head_lsn > 5 * 64, "ring did not wrap: head %llu",
          (unsigned long long)LS.log[0].head_lsn);
    /* past the end: empties the log, the next index continues from there */
    uint64_t last = logstore_last(&LS, 1);
    CHECK(logstore_truncate_prefix(&LS, 1, last + 10) == 0, "prefix past end");
    CHECK(logstore_first(&LS, 1) == last + 10 && logstore_last(&LS, 1) == last + 9, "empty");
    TRY(reopen());
    CHECK(logstore_first(&LS, 1) == last + 10 && logstore_last(&LS, 1) == last + 9, "reopened");
    TRY(put(1, 10, NULL));
    CHECK(logstore_commit(&LS) == 0, "commit");
    TRY(reopen());
    TRY(expect(1, last + 10, 10));
    return 0;
}

static int t_ring_full(void)
{
    struct logstore_format_opts o = {.format_id = 3, .max_batch = 4};
    o.log[0] = (struct logstore_log_geom){16, 2};
    TRY(setup(256, 1, &o));
    static uint8_t b[1000];
    int rv = 0, n = 0;
    while ((rv = logstore_append(&LS, 0, b, 1000, NULL)) == 0)
        n++;
    CHECK(rv == -ENOSPC && n >= 4, "ENOSPC after %d appends: %d", n, rv);
    CHECK(logstore_commit(&LS) == 0, "commit");
    CHECK(logstore_truncate_prefix(&LS, 0, 4) == 0, "prefix");
    CHECK(logstore_append(&LS, 0, b, 1000, NULL) == 0, "space back");
    CHECK(logstore_commit(&LS) == 0, "commit");
    TRY(reopen());
    CHECK(logstore_first(&LS, 0) == 4 && logstore_last(&LS, 0) == (uint64_t)n + 1, "range");
    return 0;
}

/* Ten commits of one record each into log 1 of two; returns the image offset
 * of record 5's payload. */
static int ten_commits(uint64_t *payload_at)
{
    TRY(setup(4096, 2, NULL));
    for (int i = 0; i < 10; i++) {
        TRY(put(1, 100, NULL));
        TRY(put(0, 50, NULL));
        CHECK(logstore_commit(&LS) == 0, "commit");
    }
    uint8_t want[100];
    fill_payload(want, 100, 1000000ull + 5);
    for (uint64_t at = 0; at + 100 <= D.nsectors * 512; at++)
        if (memcmp(D.durable + at, want, 100) == 0) {
            *payload_at = at;
            return 0;
        }
    CHECK(0, "record 5 not found in the image");
}

static int t_corrupt_record_middle(void)
{
    uint64_t at;
    TRY(ten_commits(&at));
    simdisk_flip(&D, at + 50, 3);
    int rv = logstore_open(&LS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG, "open: %d", rv);
    CHECK(LS.error_log == 1 && LS.error_index == 5, "names log %u record %llu", LS.error_log,
          (unsigned long long)LS.error_index);
    CHECK(LS.error_sector == (at - 32) / 512, "sector %llu, record header at %llu",
          (unsigned long long)LS.error_sector, (unsigned long long)(at - 32) / 512);
    CHECK(strstr(LS.error_msg, "log 1: record 5 at sector") != NULL, "message: %s", LS.error_msg);
    /* the store refuses, and keeps refusing: nothing was written */
    CHECK(logstore_open(&LS, &D.dev, test_work, TEST_WORK) == -EBADMSG, "second open");
    return 0;
}

static int t_corrupt_batch_header(void)
{
    uint64_t at;
    TRY(ten_commits(&at));
    /* the batch header sits right before record 5's header */
    simdisk_flip(&D, at - 32 - 64 + 20, 0);
    int rv = logstore_open(&LS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG && LS.error_log == 1 && LS.error_index == 5, "open: %d log %u index %llu",
          rv, LS.error_log, (unsigned long long)LS.error_index);
    CHECK(strstr(LS.error_msg, "header") != NULL, "message: %s", LS.error_msg);
    return 0;
}

static int t_corrupt_superblock(void)
{
    TRY(setup(4096, 2, NULL));
    simdisk_flip(&D, 100, 1);
    int rv = logstore_open(&LS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG && LS.error_log == LOGSTORE_NO_LOG, "open: %d", rv);
    CHECK(strstr(LS.error_msg, "superblock: checksum") != NULL, "message: %s", LS.error_msg);
    simdisk_flip(&D, 100, 1);
    simdisk_flip(&D, 0, 1);
    rv = logstore_open(&LS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG && strstr(LS.error_msg, "magic") != NULL, "magic: %d %s", rv,
          LS.error_msg);
    simdisk_flip(&D, 0, 1);
    TRY(reopen());
    struct simdisk blank;
    simdisk_init(&blank, 100);
    rv = logstore_open(&LS, &blank.dev, test_work, TEST_WORK);
    simdisk_free(&blank);
    CHECK(rv == -EBADMSG && strstr(LS.error_msg, "unformatted") != NULL, "blank: %s", LS.error_msg);
    return 0;
}

static int t_corrupt_meta(void)
{
    TRY(setup(4096, 2, NULL));
    uint64_t m = LS.log[1].meta_start * 512;
    simdisk_flip(&D, m + 10, 0);
    simdisk_flip(&D, m + 512 + 10, 0);
    int rv = logstore_open(&LS, &D.dev, test_work, TEST_WORK);
    CHECK(rv == -EBADMSG && LS.error_log == 1 && strstr(LS.error_msg, "meta"), "open: %d %s", rv,
          LS.error_msg);
    /* one slot damaged: the other one carries on */
    simdisk_flip(&D, m + 10, 0);
    TRY(reopen());
    return 0;
}

/* The last commit's batch torn: cut silently, earlier commits intact. */
static int t_torn_tail(void)
{
    for (int model = 0; model < 3; model++) {
        for (uint64_t seed = 0; seed < 40; seed++) {
            TRY(setup(4096, 1, NULL));
            for (int i = 0; i < 10; i++) {
                TRY(put(0, 200, NULL));
                CHECK(logstore_commit(&LS) == 0, "commit");
            }
            for (int i = 0; i < 3; i++)
                TRY(put(0, 700, NULL));
            D.crash_at = (int64_t)D.events + 1; /* the batch is written, the flush dies */
            CHECK(logstore_commit(&LS) == -EIO, "commit should die");
            simdisk_reboot(&D, seed, model);
            TRY(reopen());
            uint64_t last = logstore_last(&LS, 0);
            CHECK(last >= 10 && last <= 13, "last %llu", (unsigned long long)last);
            if (model == SIM_CRASH_KEEP)
                CHECK(last == 13, "keep: last %llu", (unsigned long long)last);
            if (model == SIM_CRASH_DROP)
                CHECK(last == 10, "drop: last %llu", (unsigned long long)last);
            for (uint64_t i = 1; i <= last; i++)
                TRY(expect(0, i, i <= 10 ? 200 : 700));
        }
    }
    return 0;
}

/* The cut-off tail of one crash must stay dead when the log grows back over
 * it: a commit writes batches B1 B2 B3, only B3 lands; recovery cuts at B1;
 * the next epoch writes two batches where B1 and B2 were, so the next batch
 * position holds B3, whole, with the very index that comes next. */
static int t_stale_tail_remnant(void)
{
    struct logstore_format_opts o = {.format_id = 11, .max_batch = 2};
    o.log[0] = (struct logstore_log_geom){64, 2};
    TRY(setup(256, 1, &o));
    TRY(put(0, 100, NULL));
    CHECK(logstore_commit(&LS) == 0, "commit");
    for (int i = 0; i < 3; i++)
        TRY(put(0, 900, NULL)); /* one 2-sector batch each */
    D.crash_at = (int64_t)D.events + 3;
    CHECK(logstore_commit(&LS) == -EIO, "commit should die at its flush");
    CHECK(D.npend == 3, "%u pending writes", D.npend);
    simdisk_reboot(&D, 4, SIM_CRASH_MASK); /* B3 only */
    TRY(reopen());
    CHECK(logstore_last(&LS, 0) == 1, "B3 accepted after a hole");
    TRY(put(0, 800, NULL));
    TRY(put(0, 800, NULL));
    CHECK(logstore_commit(&LS) == 0, "commit");
    TRY(reopen());
    CHECK(logstore_last(&LS, 0) == 3, "stale B3 resurrected: last %llu",
          (unsigned long long)logstore_last(&LS, 0));
    TRY(expect(0, 2, 800));
    TRY(expect(0, 3, 800));
    return 0;
}

static int t_work_memory(void)
{
    TRY(setup(4096, 2, NULL));
    size_t min = logstore_work_min(LOGSTORE_DEFAULT_BATCH, 2);
    CHECK(logstore_open(&LS, &D.dev, test_work, min - 64) == -ENOMEM, "too small");
    CHECK(logstore_open(&LS, &D.dev, test_work + 1, min) == 0, "min, unaligned: %s", LS.error_msg);
    for (int i = 0; i < 50; i++)
        TRY(put(0, 1000, NULL));
    CHECK(logstore_commit(&LS) == 0, "commit");
    TRY(reopen());
    for (int i = 1; i <= 50; i++)
        TRY(expect(0, (uint64_t)i, 1000));
    return 0;
}

static int t_reformat(void)
{
    /* Reformatting a used disk: nothing of the old image comes back. */
    TRY(setup(4096, 2, NULL));
    for (int i = 0; i < 30; i++)
        TRY(put(0, 100, NULL));
    CHECK(logstore_commit(&LS) == 0, "commit");
    CHECK(logstore_format(&D.dev, 7, 2, NULL) == 0, "reformat");
    TRY(reopen());
    CHECK(logstore_last(&LS, 0) == 0, "old records came back: %llu",
          (unsigned long long)logstore_last(&LS, 0));
    return 0;
}

const struct table_test basic_tests[] = {
    {"crc32c_vectors", t_crc32c_vectors},
    {"format_open_empty", t_format_open_empty},
    {"append_read_reopen", t_append_read_reopen},
    {"group_commit", t_group_commit},
    {"hardstate", t_hardstate},
    {"snapshot", t_snapshot},
    {"truncate_suffix", t_truncate_suffix},
    {"truncate_prefix_wrap", t_truncate_prefix_wrap},
    {"ring_full", t_ring_full},
    {"corrupt_record_middle", t_corrupt_record_middle},
    {"corrupt_batch_header", t_corrupt_batch_header},
    {"corrupt_superblock", t_corrupt_superblock},
    {"corrupt_meta", t_corrupt_meta},
    {"torn_tail_cut", t_torn_tail},
    {"stale_tail_remnant", t_stale_tail_remnant},
    {"work_memory", t_work_memory},
    {"reformat", t_reformat},
    {NULL, NULL},
};
