/* user/fsbench.c: the file service's figures, for `make bench`
 * (tests/bench/bench.py puts each beside its limit from the same run).
 *
 *   fsbench seq PATH MIB      write MIB MiB in 64 KiB calls, then read it back
 *   fsbench create DIR N      N empty files (open O_CREAT|O_EXCL + close)
 *   fsbench stat PATH N       N stats of one path
 *   fsbench rand PATH N       N reads of 4 KiB at random 4 KiB-aligned offsets
 *   fsbench small DIR N       N files of one byte each (a chunk each)
 *
 * Each prints one line: "fsbench: NAME ... " with the figure and the time. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user/ulib.h"

static unsigned char buf[65536];

static uint64_t us_since(uint64_t t0) { return (sys_clock() - t0) / 1000; }

static int seq(const char *path, long mib)
{
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 1;
    uint64_t t0 = sys_clock();
    for (long i = 0; i < mib * 16; i++)
        if (write(fd, buf, sizeof buf) != (long)sizeof buf)
            return 1;
    close(fd);
    uint64_t wus = us_since(t0);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return 1;
    t0 = sys_clock();
    long total = 0, n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += n;
    close(fd);
    uint64_t rus = us_since(t0);
    if (total != mib << 20)
        return 1;
    printf("fsbench: seq %ld MiB write %lu us %lu KB/s read %lu us %lu KB/s\n", mib,
           (unsigned long)wus, (unsigned long)((uint64_t)total * 1000 / (wus ? wus : 1)),
           (unsigned long)rus, (unsigned long)((uint64_t)total * 1000 / (rus ? rus : 1)));
    return 0;
}

static int creates(const char *dir, long n)
{
    if (mkdir(dir, 0755))
        return 1;
    char p[128];
    uint64_t t0 = sys_clock();
    for (long i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/c%ld", dir, i);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0)
            return 1;
        close(fd);
    }
    uint64_t us = us_since(t0);
    printf("fsbench: create %ld in %lu us, mean %lu us\n", n, (unsigned long)us,
           (unsigned long)(us / (uint64_t)n));
    return 0;
}

static int stats(const char *path, long n)
{
    struct stat st;
    uint64_t t0 = sys_clock();
    for (long i = 0; i < n; i++)
        if (stat(path, &st))
            return 1;
    uint64_t us = us_since(t0);
    printf("fsbench: stat %ld in %lu us, mean %lu us\n", n, (unsigned long)us,
           (unsigned long)(us / (uint64_t)n));
    return 0;
}

static int smalls(const char *dir, long n)
{
    if (mkdir(dir, 0755))
        return 1;
    char p[128];
    uint64_t t0 = sys_clock();
    for (long i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/s%ld", dir, i);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, "x", 1) != 1)
            return 1;
        close(fd);
    }
    uint64_t us = us_since(t0);
    printf("fsbench: small %ld in %lu us, mean %lu us\n", n, (unsigned long)us,
           (unsigned long)(us / (uint64_t)n));
    return 0;
}

static int rand_reads(const char *path, long n)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || st.st_size < 4096)
        return 1;
    uint64_t blocks = (uint64_t)st.st_size / 4096, x = 0x9e3779b97f4a7c15ULL;
    uint64_t t0 = sys_clock();
    for (long i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (pread(fd, buf, 4096, (off_t)((x % blocks) * 4096)) != 4096)
            return 1;
    }
    uint64_t us = us_since(t0);
    close(fd);
    printf("fsbench: rand %ld reads in %lu us, %lu reads/s\n", n, (unsigned long)us,
           (unsigned long)((uint64_t)n * 1000000 / (us ? us : 1)));
    return 0;
}

int main(int argc, char **argv)
{
    long n;
    if (argc != 4 || parse_long(argv[3], &n) || n <= 0) {
        fprintf(stderr, "usage: fsbench seq PATH MIB | create DIR N | stat PATH N | rand PATH N |"
                        " small DIR N\n");
        return 2;
    }
    int rv = !strcmp(argv[1], "seq")      ? seq(argv[2], n)
             : !strcmp(argv[1], "create") ? creates(argv[2], n)
             : !strcmp(argv[1], "stat")   ? stats(argv[2], n)
             : !strcmp(argv[1], "rand")   ? rand_reads(argv[2], n)
             : !strcmp(argv[1], "small")  ? smalls(argv[2], n)
                                          : 2;
    if (rv == 1)
        printf("fsbench: %s failed\n", argv[1]);
    return rv;
}
