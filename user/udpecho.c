/* user/udpecho.c: `udpecho [-c COUNT] [-s BYTES] NODE`: send datagrams to
 * NODE's UDP echo service (port 7) through SYS_UDPECHO, which checks every
 * echo byte for byte. Prints the median RTT and the achieved throughput;
 * exits 0 only if every exchange succeeded. */
#include <stdio.h>
#include <string.h>

#include "lib/inet.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long count = 10, size = 64, node;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        long *dst = strcmp(argv[i], "-c") == 0 ? &count : strcmp(argv[i], "-s") == 0 ? &size : 0;
        if (!dst || parse_long(argv[i + 1], dst))
            goto usage;
    }
    if (i != argc - 1 || parse_long(argv[i], &node) || node < 1 || node > 65534 || count < 1 ||
        count > 100000 || size < 0 || size > 1472)
        goto usage;
    static uint8_t buf[1472];
    uint64_t t0 = sys_clock();
    long ok = 0;
    for (long n = 0; n < count; n++) {
        for (long b = 0; b < size; b++)
            buf[b] = (uint8_t)(n * 31 + b);
        long rv =
            syscall6(SYS_UDPECHO, inet_node_ip((uint32_t)node), (long)buf, size, 1000000000L, 0, 0);
        if (rv < 0)
            printf("udpecho: #%ld: %s\n", n, err_str(rv));
        else
            ok++;
    }
    uint64_t el = sys_clock() - t0;
    printf("udpecho: %ld/%ld ok, %ld bytes each, %lu us per round trip, %lu KB/s each way\n", ok,
           count, size, (unsigned long)(el / 1000 / (uint64_t)count),
           (unsigned long)(el ? (uint64_t)size * (uint64_t)ok * 1000000000ULL / el / 1000 : 0));
    return ok == count ? 0 : 1;
usage:
    fprintf(stderr, "usage: udpecho [-c COUNT] [-s BYTES(0..1472)] NODE\n");
    return 2;
}
