/* tests/fuzz/fuzz_logstore.c: libFuzzer target for the log store's recovery
 * path (lib/logstore*.c). The input is a disk image (zero-padded or cut to
 * FUZZ_DISK bytes). If it starts with the superblock magic, the superblock CRC
 * is fixed up so the fuzzer gets past it into the logs. logstore_open must
 * return 0 or a documented error, never crash or touch memory outside the
 * disk and its work buffer; if it opens, every record, the hard state and the
 * snapshot read back (or report -EBADMSG), and an append + commit + reopen
 * keeps the log (or refuses it with -EBADMSG). Seeds: tests/fuzz/corpus/fuzz_logstore/ (made by
 * `build/host/storage_tests --gen-corpus DIR`). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "lib/logstore.h"

#define FUZZ_DISK (64 * 1024)
#define SEC 512

static uint8_t disk[FUZZ_DISK];
static uint8_t work[256 * 1024] __attribute__((aligned(8)));
static uint8_t buf[FUZZ_DISK];

static int d_read(void *ctx, uint64_t sector, void *b, uint32_t count)
{
    (void)ctx;
    if (sector > FUZZ_DISK / SEC || count > FUZZ_DISK / SEC - sector)
        abort(); /* the store must stay inside the disk it was given */
    memcpy(b, disk + sector * SEC, (size_t)count * SEC);
    return 0;
}

static int d_write(void *ctx, uint64_t sector, const void *b, uint32_t count)
{
    (void)ctx;
    if (sector > FUZZ_DISK / SEC || count > FUZZ_DISK / SEC - sector)
        abort();
    memcpy(disk + sector * SEC, b, (size_t)count * SEC);
    return 0;
}

static int d_flush(void *ctx)
{
    (void)ctx;
    return 0;
}

static const struct blockdev dev = {0, SEC, FUZZ_DISK / SEC, d_read, d_write, d_flush};

static int ok_err(int rv)
{
    return rv == 0 || rv == -EBADMSG || rv == -ENOTSUP || rv == -ENOMEM || rv == -EINVAL;
}

static void read_all(struct logstore *ls)
{
    for (uint32_t l = 0; l < ls->nlogs; l++) {
        uint64_t first = logstore_first(ls, l), last = logstore_last(ls, l);
        if (last + 1 < first)
            abort();
        for (uint64_t i = first; i <= last && i - first < 4096; i++) {
            uint32_t len = 0;
            int rv = logstore_read(ls, l, i, buf, sizeof buf, &len);
            if (rv != 0 && rv != -EBADMSG)
                abort();
            if (rv == 0 && len > logstore_max_record(ls))
                abort();
        }
        uint32_t len;
        uint64_t idx;
        if (logstore_get_hardstate(ls, l, buf, sizeof buf, &len) != 0 ||
            len > LOGSTORE_HARDSTATE_MAX)
            abort();
        int rv = logstore_read_snapshot(ls, l, buf, sizeof buf, &len, &idx);
        if (rv != 0 && rv != -ENOENT && rv != -EBADMSG && rv != -EMSGSIZE)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(disk, 0, sizeof disk);
    memcpy(disk, data, size < FUZZ_DISK ? size : FUZZ_DISK);
    if (memcmp(disk, "LOGSTOR1", 8) == 0) {
        uint32_t c = crc32c(disk, 508);
        for (int i = 0; i < 4; i++)
            disk[508 + i] = (uint8_t)(c >> (8 * i));
    }
    static struct logstore ls;
    int rv = logstore_open(&ls, &dev, work, sizeof work);
    if (!ok_err(rv)) {
#ifdef FUZZ_DEBUG
        __builtin_fprintf(stderr, "open: %d %s\n", rv, ls.error_msg);
#endif
        abort();
    }
    if (rv != 0)
        return 0;
    read_all(&ls);
    /* The recovered store takes a new record and keeps it across a reopen. */
    uint64_t idx = 0, last = logstore_last(&ls, 0);
    rv = logstore_append(&ls, 0, "fuzz", 4, &idx);
    if (rv == -ENOSPC)
        return 0;
    if (rv != 0 || idx != last + 1 || logstore_commit(&ls) != 0) {
#ifdef FUZZ_DEBUG
        __builtin_fprintf(stderr, "append: %d idx %llu last %llu\n", rv, (unsigned long long)idx,
                          (unsigned long long)last);
#endif
        abort();
    }
    /* A crafted image can hold a header that, once the log grows past the
     * cut tail, proves damage that was invisible before: refusing is fine. */
    rv = logstore_open(&ls, &dev, work, sizeof work);
    if (rv == -EBADMSG)
        return 0;
    if (rv != 0 || logstore_last(&ls, 0) != idx) {
#ifdef FUZZ_DEBUG
        __builtin_fprintf(stderr, "reopen: %d %s last %llu want %llu\n", rv, ls.error_msg,
                          (unsigned long long)logstore_last(&ls, 0), (unsigned long long)idx);
#endif
        abort();
    }
    uint32_t len = 0;
    if (logstore_read(&ls, 0, idx, buf, sizeof buf, &len) != 0 || len != 4 ||
        memcmp(buf, "fuzz", 4) != 0)
        abort();
    read_all(&ls);
    return 0;
}
