/* user/ping.c: `ping [-c COUNT] [-i SECONDS] [-W SECONDS] NODE|A.B.C.D`: ICMP
 * echo through the kernel (SYS_PING). A bare number is a node id. Exits 0 if
 * at least one reply came, 1 if none, 2 on bad usage. */
#include <stdio.h>
#include <string.h>

#include "lib/inet.h"
#include "user/ulib.h"

static int usage(void)
{
    fprintf(stderr, "usage: ping [-c COUNT] [-i SECONDS] [-W SECONDS] NODE|A.B.C.D\n");
    return 2;
}

int main(int argc, char **argv)
{
    long count = 4;
    uint64_t interval = 1000000000ULL, timeout = 1000000000ULL;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-c") == 0) {
            if (parse_long(argv[i + 1], &count) || count < 1 || count > 100000)
                return usage();
        } else if (strcmp(argv[i], "-i") == 0) {
            if (parse_seconds_ns(argv[i + 1], &interval))
                return usage();
        } else if (strcmp(argv[i], "-W") == 0) {
            if (parse_seconds_ns(argv[i + 1], &timeout) || timeout == 0)
                return usage();
        } else {
            return usage();
        }
    }
    if (i != argc - 1)
        return usage();
    uint32_t ip;
    long node;
    if (inet_parse_ip(argv[i], &ip) != 0) {
        if (parse_long(argv[i], &node) || node < 1 || node > 65534)
            return usage();
        ip = inet_node_ip((uint32_t)node);
    }
    printf("PING %u.%u.%u.%u: %d data bytes\n", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
           ip & 255, 56);
    long received = 0;
    for (long seq = 0; seq < count; seq++) {
        uint64_t t0 = sys_clock();
        long rv = syscall3(SYS_PING, ip, seq, timeout);
        if (rv >= 0) {
            received++;
            printf("reply from %u.%u.%u.%u: seq=%ld time=%lu.%03lu ms\n", ip >> 24,
                   (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, seq, (unsigned long)(rv / 1000000),
                   (unsigned long)(rv / 1000 % 1000));
        } else {
            printf("no reply: seq=%ld: %s\n", seq, err_str(rv));
            if (rv != -ETIMEDOUT && rv != -EHOSTUNREACH)
                return 1;
        }
        uint64_t spent = sys_clock() - t0;
        if (seq + 1 < count && spent < interval)
            sys_sleep(interval - spent);
    }
    printf("%ld packets transmitted, %ld received, %ld%% loss\n", count, received,
           (count - received) * 100 / count);
    return received > 0 ? 0 : 1;
}
