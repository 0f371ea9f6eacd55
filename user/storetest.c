/* user/storetest.c: the log store (lib/logstore.c) on a node's real disk,
 * run as a boot service (services=storetest:append:N or storetest:verify),
 * since only services may use the disk.
 * Add `port` as the last argument to reach the disk through the "disk" port
 * (kernel/disk_port.c) instead of the disk system calls.
 *   append N   open the store (formatting a blank disk), then append records
 *              "rec K" to log 0 in groups of 8, one commit each, printing
 *              `storetest: acked K` once record K is durable
 *   verify     open the store (recovery), check every record is "rec K" for
 *              K = 1..last in order; print `storetest: verified LAST` or the
 *              reason it cannot
 *   bench      (on a scratch disk: it formats it) raw sequential write and
 *              read throughput and flush latency, then log-store appends/s
 *              for 64 B and 1 KiB records committed in groups of 32; prints
 *              `bench <figure> <value>` lines for tests/bench/bench.py
 * The QEMU kill test (tests/cluster) kills the node during `append` and
 * checks `verify` finds every acknowledged record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/logstore.h"
#include "user/diskdev.h"
#include "user/ipc.h"
#include "user/ulib.h"

/* The same three operations as calls to the node's "disk" port. */
static struct port_id disk_port;
static uint8_t port_buf[sizeof(struct disk_req) + DISK_MAX_SECTORS * DISK_SECTOR];

static int port_rw(int write, uint64_t sector, void *buf, uint32_t count)
{
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done > DISK_MAX_SECTORS ? DISK_MAX_SECTORS : count - done;
        struct disk_req rq = {write ? DISK_OP_WRITE : DISK_OP_READ, n, sector + done};
        uint8_t *data = (uint8_t *)buf + (size_t)done * DISK_SECTOR;
        size_t bytes = (size_t)n * DISK_SECTOR;
        long got;
        if (write) {
            memcpy(port_buf, &rq, sizeof rq);
            memcpy(port_buf + sizeof rq, data, bytes);
            int32_t status = -EIO;
            got = ipc_call(&disk_port, port_buf, sizeof rq + bytes, &status, sizeof status,
                           10 * IPC_SECOND);
            if (got != sizeof status || status != 0)
                return -EIO;
        } else {
            got = ipc_call(&disk_port, &rq, sizeof rq, data, bytes, 10 * IPC_SECOND);
            if (got != (long)bytes)
                return -EIO;
        }
        done += n;
    }
    return 0;
}

static int port_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
    (void)ctx;
    return port_rw(0, sector, buf, count);
}

static int port_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
    (void)ctx;
    return port_rw(1, sector, (void *)buf, count);
}

static int port_flush(void *ctx)
{
    (void)ctx;
    struct disk_req rq = {DISK_OP_FLUSH, 0, 0};
    int32_t status = -EIO;
    long got = ipc_call(&disk_port, &rq, sizeof rq, &status, sizeof status, 10 * IPC_SECOND);
    return got == sizeof status && status == 0 ? 0 : -EIO;
}

static struct blockdev dev = {.read = diskdev_read, .write = diskdev_write, .flush = diskdev_flush};

/* Use the "disk" port for every disk access. */
static int use_disk_port(void)
{
    int rv = ipc_lookup(0, "disk", &disk_port);
    if (rv < 0) {
        printf("storetest: no \"disk\" port: %s\n", err_str(rv));
        return rv;
    }
    dev.read = port_read;
    dev.write = port_write;
    dev.flush = port_flush;
    printf("storetest: using the disk port\n");
    return 0;
}
static struct logstore ls;

/* The disk's size, through the port or the system call. */
static long disk_info(struct disk_info *di)
{
    if (dev.read != port_read)
        return syscall1(SYS_DISK_INFO, di);
    struct disk_req rq = {DISK_OP_INFO, 0, 0};
    union {
        struct disk_info di;
        int32_t status;
    } rep;
    long got = ipc_call(&disk_port, &rq, sizeof rq, &rep, sizeof rep, 10 * IPC_SECOND);
    if (got == sizeof rep.status)
        return rep.status;
    if (got != sizeof rep.di)
        return got < 0 ? got : -EPROTO;
    *di = rep.di;
    return 0;
}

static int open_store(int format_if_blank)
{
    struct disk_info di;
    long rv = disk_info(&di);
    if (rv < 0) {
        printf("storetest: no disk: %s\n", err_str(rv));
        return -1;
    }
    dev.sector_size = di.sector_size;
    dev.nsectors = di.sectors;
    size_t work_len = logstore_work_min(LOGSTORE_DEFAULT_BATCH, 2) * 4;
    void *work = malloc(work_len);
    if (!work) {
        printf("storetest: out of memory\n");
        return -1;
    }
    rv = logstore_open(&ls, &dev, work, work_len);
    if (rv == -EBADMSG && format_if_blank && ls.error_log == LOGSTORE_NO_LOG) {
        /* No valid superblock: a fresh disk (the append test starts there). */
        uint8_t first[DISK_SECTOR];
        int blank = dev.read(0, 0, first, 1) == 0;
        for (int i = 0; blank && i < DISK_SECTOR; i++)
            blank = first[i] == 0;
        if (blank) {
            printf("storetest: blank disk, formatting\n");
            rv = logstore_format(&dev, (uint32_t)sys_nodeid(), 2, 0);
            if (rv == 0)
                rv = logstore_open(&ls, &dev, work, work_len);
        }
    }
    if (rv < 0) {
        printf("storetest: cannot open the store: %s: %s\n", err_str(rv), ls.error_msg);
        return -1;
    }
    return 0;
}

static int append(long n)
{
    if (open_store(1))
        return 1;
    uint64_t k = logstore_last(&ls, 0) + 1; /* carry on after what is there */
    char rec[32];
    for (long done = 0; done < n;) {
        for (int g = 0; g < 8 && done < n; g++, done++, k++) {
            int len = snprintf(rec, sizeof rec, "rec %lu", (unsigned long)k);
            uint64_t index;
            int rv = logstore_append(&ls, 0, rec, (uint32_t)len, &index);
            if (rv < 0 || index != k) {
                printf("storetest: append %lu: %s (index %lu)\n", (unsigned long)k, err_str(rv),
                       (unsigned long)index);
                return 1;
            }
        }
        int rv = logstore_commit(&ls);
        if (rv < 0) {
            printf("storetest: commit: %s\n", err_str(rv));
            return 1;
        }
        printf("storetest: acked %lu\n", (unsigned long)(k - 1));
    }
    return 0;
}

static int verify(void)
{
    if (open_store(0))
        return 1;
    uint64_t first = logstore_first(&ls, 0), last = logstore_last(&ls, 0);
    char rec[64], want[32];
    for (uint64_t k = first; k <= last; k++) {
        uint32_t len;
        int rv = logstore_read(&ls, 0, k, rec, sizeof rec - 1, &len);
        if (rv < 0) {
            printf("storetest: record %lu: %s\n", (unsigned long)k, err_str(rv));
            return 1;
        }
        rec[len] = 0;
        snprintf(want, sizeof want, "rec %lu", (unsigned long)k);
        if (strcmp(rec, want) != 0) {
            printf("storetest: record %lu is \"%s\"\n", (unsigned long)k, rec);
            return 1;
        }
    }
    printf("storetest: verified %lu\n", (unsigned long)last);
    return 0;
}

static uint8_t big[DISK_MAX_SECTORS * DISK_SECTOR];

static uint64_t per_sec(uint64_t count, uint64_t ns) { return ns ? count * 1000000000ULL / ns : 0; }

static int bench(void)
{
    struct disk_info di;
    if (syscall1(SYS_DISK_INFO, &di) < 0 || di.sectors < 16384) {
        printf("storetest: bench needs a disk of at least 8 MiB\n");
        return 1;
    }
    const uint32_t chunk = DISK_MAX_SECTORS, total = 8192; /* 4 MiB */
    memset(big, 0xa5, sizeof big);
    uint64_t t0 = sys_clock();
    for (uint32_t s = 0; s < total; s += chunk)
        if (syscall3(SYS_DISK_WRITE, s, big, chunk))
            return 1;
    syscall0(SYS_DISK_FLUSH);
    uint64_t t1 = sys_clock();
    for (uint32_t s = 0; s < total; s += chunk)
        if (syscall3(SYS_DISK_READ, s, big, chunk))
            return 1;
    uint64_t t2 = sys_clock();
    const int flushes = 200;
    for (int i = 0; i < flushes; i++) {
        syscall3(SYS_DISK_WRITE, i, big, 1);
        syscall0(SYS_DISK_FLUSH);
    }
    uint64_t t3 = sys_clock();
    uint64_t bytes = (uint64_t)total * DISK_SECTOR;
    printf("bench disk_write_MBps %lu\n", (unsigned long)(per_sec(bytes, t1 - t0) >> 20));
    printf("bench disk_read_MBps %lu\n", (unsigned long)(per_sec(bytes, t2 - t1) >> 20));
    printf("bench disk_write_flush_us %lu\n", (unsigned long)((t3 - t2) / flushes / 1000));
    dev.sector_size = di.sector_size;
    dev.nsectors = di.sectors;
    int rv = logstore_format(&dev, (uint32_t)sys_nodeid(), 2, 0);
    if (rv < 0) {
        printf("storetest: format: %s\n", err_str(rv));
        return 1;
    }
    if (open_store(0))
        return 1;
    static const uint32_t sizes[] = {64, 1024};
    for (int k = 0; k < 2; k++) {
        uint32_t size = sizes[k], n = size == 64 ? 20000 : 4000;
        uint64_t s0 = sys_clock();
        for (uint32_t i = 0; i < n; i++) {
            if (logstore_append(&ls, k, big, size, 0))
                return 1;
            if (i % 32 == 31 && logstore_commit(&ls))
                return 1;
        }
        logstore_commit(&ls);
        uint64_t el = sys_clock() - s0;
        printf("bench logstore_appends_per_s_%u %lu\n", size, (unsigned long)per_sec(n, el));
        printf("bench logstore_MBps_%u %lu\n", size,
               (unsigned long)(per_sec((uint64_t)n * size, el) >> 20));
    }
    printf("storetest: bench done\n");
    return 0;
}

int main(int argc, char **argv)
{
    long n;
    if (argc > 1 && strcmp(argv[argc - 1], "port") == 0) {
        if (use_disk_port() < 0)
            return 1;
        argc--;
    }
    if (argc == 3 && strcmp(argv[1], "append") == 0 && parse_long(argv[2], &n) == 0 && n > 0)
        return append(n);
    if (argc == 2 && strcmp(argv[1], "verify") == 0)
        return verify();
    if (argc == 2 && strcmp(argv[1], "bench") == 0)
        return bench();
    fprintf(stderr, "usage: storetest append N | storetest verify (as a boot service)\n");
    return 2;
}
