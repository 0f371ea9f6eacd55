/* user/ipcping.c: `ipcping [-n NODE] [-c COUNT] [-t MS] SIZE`: calls the
 * "echo" service (user/echod.c) found in NODE's registry (default: this
 * node) with SIZE-byte messages (0..MSG_MAX), each call with a timeout of
 * MS milliseconds (default 5000), checks every reply byte for byte, and
 * prints the median round trip and the throughput. Exit 0 only if all
 * calls came back intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long node = 0, count = 10, timeout_ms = 5000, size;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        long *dst = strcmp(argv[i], "-n") == 0   ? &node
                    : strcmp(argv[i], "-c") == 0 ? &count
                    : strcmp(argv[i], "-t") == 0 ? &timeout_ms
                                                 : 0;
        if (!dst || parse_long(argv[i + 1], dst))
            goto usage;
    }
    if (i != argc - 1 || parse_long(argv[i], &size) || size < 0 || size > MSG_MAX || count < 1 ||
        count > 100000 || node < 0 || timeout_ms < 1)
        goto usage;
    struct port_id echo;
    int rv = ipc_lookup((int)node, "echo", &echo);
    if (rv < 0) {
        printf("ipcping: lookup of \"echo\": %s\n", err_str(rv));
        return 1;
    }
    uint8_t *out = malloc((size_t)size + 1), *in = malloc((size_t)size + 1);
    uint64_t *rtt = malloc(sizeof(uint64_t) * (size_t)count);
    if (!out || !in || !rtt) {
        printf("ipcping: out of memory\n");
        return 1;
    }
    long ok = 0;
    uint64_t t0 = sys_clock();
    for (long n = 0; n < count; n++) {
        for (long b = 0; b < size; b++)
            out[b] = (uint8_t)(n * 131 + b * 7 + b / 251);
        uint64_t s = sys_clock();
        long got =
            ipc_call(&echo, out, (size_t)size, in, (size_t)size, (uint64_t)timeout_ms * 1000000);
        uint64_t e = sys_clock();
        if (got < 0) {
            printf("ipcping: call %ld: %s\n", n, err_str(got));
            continue;
        }
        if (got != size || memcmp(in, out, (size_t)size) != 0) {
            printf("ipcping: call %ld: reply differs (%ld bytes)\n", n, got);
            continue;
        }
        rtt[ok++] = e - s;
    }
    uint64_t el = sys_clock() - t0;
    if (ok == 0) {
        printf("ipcping: 0/%ld ok\n", count);
        return 1;
    }
    qsort(rtt, (size_t)ok, sizeof rtt[0], cmp);
    printf("ipcping: %ld/%ld ok, %ld bytes, median %lu ns, min %lu ns, %lu calls/s, %lu KB/s\n", ok,
           count, size, (unsigned long)rtt[ok / 2], (unsigned long)rtt[0],
           (unsigned long)(ok * 1000000000ULL / (el ? el : 1)),
           (unsigned long)((uint64_t)size * (uint64_t)ok * 1000000ULL / (el ? el : 1)));
    return ok == count ? 0 : 1;
usage:
    fprintf(stderr, "usage: ipcping [-n NODE] [-c COUNT] [-t MS] SIZE\n");
    return 2;
}
