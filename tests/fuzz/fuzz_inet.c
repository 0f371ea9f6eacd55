/* tests/fuzz/fuzz_inet.c: libFuzzer target for the frame decoders of
 * lib/inet, walked the way net/net.c walks a received frame: Ethernet, then
 * ARP or IPv4, then ICMP or UDP. Every decoder must return a documented code
 * and never read outside the frame (ASan checks; the frame is copied into an
 * exactly-sized buffer). */
#include <stdlib.h>
#include <string.h>

#include "lib/inet.h"

static void ok_code(int rv)
{
    if (rv != INET_OK && rv != INET_TRUNCATED && rv != INET_BAD_FIELD && rv != INET_BAD_CHECKSUM &&
        rv != INET_FRAGMENT)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *f = malloc(size ? size : 1);
    memcpy(f, data, size);
    uint32_t len = (uint32_t)size;
    struct eth_hdr eh;
    int rv = eth_decode(f, len, &eh);
    ok_code(rv);
    if (rv == INET_OK) {
        const uint8_t *p = f + ETH_HDR_LEN;
        uint32_t plen = len - ETH_HDR_LEN;
        struct arp_pkt a;
        ok_code(arp_decode(p, plen, &a));
        struct ipv4_hdr ih;
        uint32_t payload_len;
        rv = ipv4_decode(p, plen, &ih, &payload_len);
        ok_code(rv);
        if (rv == INET_OK) {
            if (ih.ihl_bytes + payload_len > plen)
                abort(); /* the decoder promised the payload is inside */
            struct icmp_echo e;
            ok_code(icmp_decode_echo(p + ih.ihl_bytes, payload_len, &e));
            struct udp_hdr uh;
            rv = udp_decode(p + ih.ihl_bytes, payload_len, ih.src, ih.dst, &uh);
            ok_code(rv);
            if (rv == INET_OK && uh.len + UDP_HDR_LEN > payload_len)
                abort();
        }
    }
    uint32_t ip;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    inet_parse_ip(s, &ip);
    free(s);
    free(f);
    return 0;
}
