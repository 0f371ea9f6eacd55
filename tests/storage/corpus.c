/* tests/storage/corpus.c: `storage_tests --gen-corpus DIR` writes seed disk
 * images for tests/fuzz/fuzz_logstore.c: small formatted stores with records,
 * hard state, snapshots, a wrapped ring and a torn tail. Each image is cut
 * after its last non-zero byte (the fuzzer pads with zeros to FUZZ_DISK). */
#include <stdlib.h>
#include <string.h>

#include "tests/storage/harness.h"

#define FUZZ_SECTORS 128 /* 64 KiB, as in tests/fuzz/fuzz_logstore.c */

static int save(const char *dir, const char *name, const struct simdisk *d)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n = (size_t)d->nsectors * 512;
    while (n > 0 && d->durable[n - 1] == 0)
        n--;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d->durable, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static void fill(struct logstore *ls, uint32_t log, int n, uint32_t len, uint64_t *rng)
{
    uint8_t buf[2048];
    for (int i = 0; i < n; i++) {
        uint32_t l = 1 + (uint32_t)(sim_rand(rng) % len);
        fill_payload(buf, l, sim_rand(rng));
        if (logstore_append(ls, log, buf, l, NULL) == -28)
            break;
        if (i % 3 == 2)
            logstore_commit(ls);
    }
    logstore_commit(ls);
}

int gen_corpus(const char *dir)
{
    static struct logstore ls;
    struct logstore_format_opts o = {.format_id = 1, .max_batch = 4};
    o.log[0] = (struct logstore_log_geom){40, 4};
    o.log[1] = (struct logstore_log_geom){24, 4};
    uint64_t rng = 1;
    int bad = 0;
    struct simdisk d;

    simdisk_init(&d, FUZZ_SECTORS);
    bad |= logstore_format(&d.dev, 1, 1, &o) != 0;
    bad |= save(dir, "empty", &d);
    simdisk_free(&d);

    simdisk_init(&d, FUZZ_SECTORS);
    bad |= logstore_format(&d.dev, 2, 2, &o) != 0;
    bad |= logstore_open(&ls, &d.dev, test_work, TEST_WORK) != 0;
    fill(&ls, 0, 12, 300, &rng);
    fill(&ls, 1, 5, 40, &rng);
    logstore_set_hardstate(&ls, 0, "term=3 vote=2", 13);
    logstore_write_snapshot(&ls, 1, "snapshot data", 13, 3);
    logstore_truncate_suffix(&ls, 0, 10);
    logstore_commit(&ls);
    bad |= save(dir, "records", &d);

    for (int r = 0; r < 8; r++) {
        fill(&ls, 0, 6, 400, &rng);
        logstore_truncate_prefix(&ls, 0, logstore_last(&ls, 0) - 2);
    }
    bad |= ls.log[0].head_lsn < 2 * ls.log[0].ring_sectors;
    bad |= save(dir, "wrapped", &d);

    fill(&ls, 1, 3, 200, &rng);
    uint8_t buf[600] = {1};
    logstore_append(&ls, 1, buf, sizeof buf, NULL);
    d.crash_at = (int64_t)d.events + 1;
    logstore_commit(&ls);
    simdisk_reboot(&d, 3, SIM_CRASH_RANDOM);
    bad |= save(dir, "torn", &d);
    simdisk_free(&d);
    return bad;
}
