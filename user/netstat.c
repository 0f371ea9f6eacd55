/* user/netstat.c: print the kernel's network counters (SYS_NETSTAT): every
 * frame the stack dropped appears under the reason it was dropped. */
#include <stdio.h>

#include "user/ulib.h"

int main(void)
{
    struct net_stats s;
    long rv = syscall1(SYS_NETSTAT, &s);
    if (rv < 0) {
        fprintf(stderr, "netstat: %s\n", err_str(rv));
        return 1;
    }
#define SHOW(f) printf("%-22s %lu\n", #f, (unsigned long)s.f)
    SHOW(rx_frames);
    SHOW(tx_frames);
    SHOW(tx_full);
    SHOW(rx_not_for_us);
    SHOW(rx_bad_eth);
    SHOW(rx_unknown_type);
    SHOW(rx_bad_arp);
    SHOW(arp_requests_sent);
    SHOW(arp_replies_sent);
    SHOW(arp_parked_dropped);
    SHOW(rx_bad_ip);
    SHOW(rx_bad_ip_checksum);
    SHOW(rx_ip_fragments);
    SHOW(rx_ip_not_for_us);
    SHOW(rx_unknown_proto);
    SHOW(rx_bad_icmp);
    SHOW(icmp_echo_replied);
    SHOW(rx_bad_udp);
    SHOW(rx_bad_udp_checksum);
    SHOW(rx_udp_no_port);
    SHOW(rx_udp);
    SHOW(tx_udp);
    SHOW(rx_bad_length);
    return 0;
}
