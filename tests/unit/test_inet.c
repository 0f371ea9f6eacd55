/* tests/unit/test_inet.c: lib/inet, against a packet whose checksums were
 * computed independently (Python's struct, RFC 1071 by hand), and every
 * decoder's refusals. */
#include <string.h>

#include "lib/inet.h"
#include "tests/unit/unit.h"

/* IPv4 10.0.0.1 -> 10.0.0.2, id 0x1234, DF, TTL 64, UDP 49152 -> 7,
 * payload "hello, cluster!"; IP checksum 0x148c, UDP checksum 0x60f8. */
static const uint8_t ref_packet[] = {
    0x45, 0x00, 0x00, 0x2b, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x14, 0x8c, 0x0a, 0x00, 0x00,
    0x01, 0x0a, 0x00, 0x00, 0x02, 0xc0, 0x00, 0x00, 0x07, 0x00, 0x17, 0x60, 0xf8, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x63, 0x6c, 0x75, 0x73, 0x74, 0x65, 0x72, 0x21};
static const char ref_payload[] = "hello, cluster!";

static void inet_decode_reference(void)
{
    struct ipv4_hdr ih;
    uint32_t plen;
    CHECK_EQ(ipv4_decode(ref_packet, sizeof ref_packet, &ih, &plen), INET_OK);
    CHECK_EQ(ih.src, 0x0a000001);
    CHECK_EQ(ih.dst, 0x0a000002);
    CHECK_EQ(ih.proto, IPPROTO_UDP);
    CHECK_EQ(ih.ihl_bytes, 20);
    CHECK_EQ(plen, 23);
    struct udp_hdr uh;
    CHECK_EQ(udp_decode(ref_packet + 20, plen, ih.src, ih.dst, &uh), INET_OK);
    CHECK_EQ(uh.sport, 49152);
    CHECK_EQ(uh.dport, 7);
    CHECK_EQ(uh.len, 15);
    CHECK(memcmp(ref_packet + 28, ref_payload, 15) == 0);
}

static void inet_encode_matches_reference(void)
{
    uint8_t buf[64];
    memcpy(buf + 28, ref_payload, 15);
    udp_encode(buf + 20, 49152, 7, 0x0a000001, 0x0a000002, 15);
    struct ipv4_hdr ih = {.ttl = 64,
                          .proto = IPPROTO_UDP,
                          .total_len = 43,
                          .id = 0x1234,
                          .src = 0x0a000001,
                          .dst = 0x0a000002};
    CHECK_EQ(ipv4_encode(buf, &ih), 20);
    CHECK(memcmp(buf, ref_packet, sizeof ref_packet) == 0);
}

static void inet_ipv4_refusals(void)
{
    uint8_t p[sizeof ref_packet];
    struct ipv4_hdr ih;
    uint32_t plen;
    CHECK_EQ(ipv4_decode(ref_packet, 19, &ih, &plen), INET_TRUNCATED);
    memcpy(p, ref_packet, sizeof p);
    p[0] = 0x65; /* version 6 */
    CHECK_EQ(ipv4_decode(p, sizeof p, &ih, &plen), INET_BAD_FIELD);
    memcpy(p, ref_packet, sizeof p);
    p[0] = 0x44; /* IHL 16 bytes */
    CHECK_EQ(ipv4_decode(p, sizeof p, &ih, &plen), INET_BAD_FIELD);
    memcpy(p, ref_packet, sizeof p);
    p[3] = 0x2c; /* total length one past the buffer */
    CHECK_EQ(ipv4_decode(p, sizeof p, &ih, &plen), INET_TRUNCATED);
    memcpy(p, ref_packet, sizeof p);
    p[15] ^= 1; /* source changed: checksum no longer holds */
    CHECK_EQ(ipv4_decode(p, sizeof p, &ih, &plen), INET_BAD_CHECKSUM);
    /* More-fragments set, checksum fixed up so only the fragment is wrong. */
    memcpy(p, ref_packet, sizeof p);
    p[6] = 0x20, p[10] = p[11] = 0;
    uint16_t c = inet_fold(inet_sum(p, 20, 0));
    p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
    CHECK_EQ(ipv4_decode(p, sizeof p, &ih, &plen), INET_FRAGMENT);
    /* Trailing Ethernet padding after total_len is accepted. */
    uint8_t padded[64] = {0};
    memcpy(padded, ref_packet, sizeof ref_packet);
    CHECK_EQ(ipv4_decode(padded, sizeof padded, &ih, &plen), INET_OK);
    CHECK_EQ(plen, 23);
}

static void inet_udp_refusals(void)
{
    struct udp_hdr uh;
    uint8_t u[23];
    memcpy(u, ref_packet + 20, sizeof u);
    CHECK_EQ(udp_decode(u, 7, 0x0a000001, 0x0a000002, &uh), INET_TRUNCATED);
    CHECK_EQ(udp_decode(u, sizeof u, 0x0a000001, 0x0a000003, &uh), INET_BAD_CHECKSUM);
    u[5] = 24; /* length past the datagram */
    CHECK_EQ(udp_decode(u, sizeof u, 0x0a000001, 0x0a000002, &uh), INET_TRUNCATED);
    u[5] = 7; /* length shorter than the header */
    CHECK_EQ(udp_decode(u, sizeof u, 0x0a000001, 0x0a000002, &uh), INET_TRUNCATED);
    memcpy(u, ref_packet + 20, sizeof u);
    u[6] = u[7] = 0; /* checksum 0: "none", accepted */
    CHECK_EQ(udp_decode(u, sizeof u, 0x0a000001, 0x0a000003, &uh), INET_OK);
}

static void inet_udp_checksum_never_zero(void)
{
    /* Find a payload whose checksum folds to 0: it must go out as 0xffff. */
    uint8_t buf[8 + 2];
    for (uint32_t v = 0; v < 65536; v++) {
        buf[8] = (uint8_t)(v >> 8), buf[9] = (uint8_t)v;
        udp_encode(buf, 1, 2, 0x0a000001, 0x0a000002, 2);
        CHECK(buf[6] != 0 || buf[7] != 0);
        struct udp_hdr uh;
        CHECK_EQ(udp_decode(buf, sizeof buf, 0x0a000001, 0x0a000002, &uh), INET_OK);
    }
}

static void inet_arp_roundtrip(void)
{
    struct arp_pkt a = {.op = ARP_REQUEST, .spa = 0x0a000001, .tpa = 0x0a000002};
    inet_node_mac(1, a.sha);
    uint8_t buf[ARP_LEN], bad[ARP_LEN];
    CHECK_EQ(arp_encode(buf, &a), ARP_LEN);
    struct arp_pkt b;
    CHECK_EQ(arp_decode(buf, ARP_LEN, &b), INET_OK);
    CHECK_EQ(b.op, ARP_REQUEST);
    CHECK_EQ(b.spa, 0x0a000001);
    CHECK_EQ(b.tpa, 0x0a000002);
    CHECK(memcmp(b.sha, a.sha, 6) == 0);
    CHECK_EQ(arp_decode(buf, ARP_LEN - 1, &b), INET_TRUNCATED);
    const int fields[] = {1, 3, 4, 5, 7};
    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        memcpy(bad, buf, ARP_LEN);
        bad[fields[i]] ^= 0x40;
        CHECK_EQ(arp_decode(bad, ARP_LEN, &b), INET_BAD_FIELD);
    }
}

static void inet_icmp_echo(void)
{
    uint8_t buf[ICMP_HDR_LEN + 4] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
    struct icmp_echo e = {.type = ICMP_ECHO_REQUEST, .id = 0x1234, .seq = 7};
    icmp_encode_echo(buf, &e, 4);
    struct icmp_echo d;
    CHECK_EQ(icmp_decode_echo(buf, sizeof buf, &d), INET_OK);
    CHECK_EQ(d.type, ICMP_ECHO_REQUEST);
    CHECK_EQ(d.id, 0x1234);
    CHECK_EQ(d.seq, 7);
    buf[9] ^= 1;
    CHECK_EQ(icmp_decode_echo(buf, sizeof buf, &d), INET_BAD_CHECKSUM);
    CHECK_EQ(icmp_decode_echo(buf, 7, &d), INET_TRUNCATED);
    buf[9] ^= 1;
    buf[0] = 3; /* destination unreachable: not an echo */
    buf[2] = buf[3] = 0;
    uint16_t c = inet_fold(inet_sum(buf, sizeof buf, 0));
    buf[2] = (uint8_t)(c >> 8), buf[3] = (uint8_t)c;
    CHECK_EQ(icmp_decode_echo(buf, sizeof buf, &d), INET_BAD_FIELD);
}

static void inet_node_addresses(void)
{
    uint8_t mac[6];
    inet_node_mac(258, mac);
    CHECK(mac[0] == 0x52 && mac[1] == 0x54 && mac[4] == 1 && mac[5] == 2);
    CHECK_EQ(inet_node_ip(3), 0x0a000003);
    CHECK_EQ(inet_ip_node(0x0a000003), 3);
    CHECK_EQ(inet_ip_node(0x0a000102), 258);
    CHECK_EQ(inet_ip_node(0x0a010002), 0); /* 10.1.0.2: outside 10.0.0.0/16 */
    CHECK_EQ(inet_ip_node(0x0a00ffff), 0);
    CHECK_EQ(inet_ip_node(0x0b000003), 0);
    uint32_t ip;
    CHECK_EQ(inet_parse_ip("10.0.0.7", &ip), 0);
    CHECK_EQ(ip, 0x0a000007);
    CHECK_EQ(inet_parse_ip("10.0.0.256", &ip), -1);
    CHECK_EQ(inet_parse_ip("10.0.0", &ip), -1);
    CHECK_EQ(inet_parse_ip("10.0.0.1.", &ip), -1);
    CHECK_EQ(inet_parse_ip("1..0.1", &ip), -1);
    CHECK_EQ(inet_parse_ip("0010.0.0.1", &ip), -1);
    CHECK_EQ(inet_parse_ip("", &ip), -1);
}

const struct unit_test unit_inet_tests[] = {
    {"inet_decode_reference", inet_decode_reference},
    {"inet_encode_matches_reference", inet_encode_matches_reference},
    {"inet_ipv4_refusals", inet_ipv4_refusals},
    {"inet_udp_refusals", inet_udp_refusals},
    {"inet_udp_checksum_never_zero", inet_udp_checksum_never_zero},
    {"inet_arp_roundtrip", inet_arp_roundtrip},
    {"inet_icmp_echo", inet_icmp_echo},
    {"inet_node_addresses", inet_node_addresses},
    {NULL, NULL},
};
