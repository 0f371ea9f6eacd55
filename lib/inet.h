/* lib/inet.h: wire formats of Ethernet II, ARP, IPv4, ICMP and UDP, and the
 * Internet checksum. Pure decode/encode over byte buffers: every decoder
 * checks lengths and fields before it fills its output, so the kernel's
 * net/ code acts only on frames that have passed here (and the fuzzer feeds
 * these functions arbitrary bytes).
 *
 * Multi-byte fields on the wire are big-endian; the structs hold host values.
 * Freestanding: only <stdint.h>. */
#ifndef LIB_INET_H
#define LIB_INET_H

#include <stdint.h>

#define ETH_ALEN 6
#define ETH_HDR_LEN 14
#define ETH_MTU 1500
#define ETH_FRAME_MAX (ETH_HDR_LEN + ETH_MTU)
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_RAWECHO 0x88b5 /* IEEE local experimental: net/rawecho.c */

#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2

#define IPV4_HDR_MIN 20
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17

#define ICMP_HDR_LEN 8
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

#define UDP_HDR_LEN 8

/* Why a decoder refused a frame: each has its own netstat counter. */
enum inet_err {
    INET_OK = 0,
    INET_TRUNCATED = -1, /* shorter than its header or its length field says */
    INET_BAD_FIELD = -2, /* version, header length, hardware type, ... */
    INET_BAD_CHECKSUM = -3,
    INET_FRAGMENT = -4, /* IPv4 fragment: not supported, dropped */
};

struct eth_hdr {
    uint8_t dst[ETH_ALEN], src[ETH_ALEN];
    uint16_t type;
};

struct arp_pkt {
    uint16_t op;
    uint8_t sha[ETH_ALEN];
    uint32_t spa;
    uint8_t tha[ETH_ALEN];
    uint32_t tpa;
};

struct ipv4_hdr {
    uint8_t ihl_bytes; /* header length in bytes */
    uint8_t tos, ttl, proto;
    uint16_t total_len, id;
    uint32_t src, dst;
};

struct icmp_echo {
    uint8_t type, code;
    uint16_t id, seq;
};

struct udp_hdr {
    uint16_t sport, dport, len;
};

/* The Internet checksum (RFC 1071) of buf[0..len), folded, not inverted,
 * starting from `sum` (so pseudo-headers can be added first). */
uint32_t inet_sum(const void *buf, uint32_t len, uint32_t sum);
/* ~fold(sum): the 16-bit value to put in a checksum field (a receiver's
 * inet_fold over the whole header, field included, gives 0). */
uint16_t inet_fold(uint32_t sum);

/* Decoders: fill *out and return INET_OK, or an inet_err. *payload_off and
 * *payload_len (where given) say where the next layer's bytes are. */
int eth_decode(const uint8_t *f, uint32_t len, struct eth_hdr *out);
int arp_decode(const uint8_t *p, uint32_t len, struct arp_pkt *out);
int ipv4_decode(const uint8_t *p, uint32_t len, struct ipv4_hdr *out, uint32_t *payload_len);
int icmp_decode_echo(const uint8_t *p, uint32_t len, struct icmp_echo *out);
/* src/dst (host order) are needed for the pseudo-header checksum; a zero
 * checksum field means "none" (allowed by RFC 768). */
int udp_decode(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst, struct udp_hdr *out);

/* Encoders: write a header into buf (which has room for it) and return its
 * length. ipv4_encode computes the header checksum; udp_encode the
 * checksum over the header and the payload that already follows it in buf. */
uint32_t eth_encode(uint8_t *buf, const struct eth_hdr *h);
uint32_t arp_encode(uint8_t *buf, const struct arp_pkt *a);
uint32_t ipv4_encode(uint8_t *buf, const struct ipv4_hdr *h);
uint32_t icmp_encode_echo(uint8_t *buf, const struct icmp_echo *e, uint32_t data_len);
uint32_t udp_encode(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t src, uint32_t dst,
                    uint32_t payload_len);

/* Node identity on the fabric: node K has MAC 52:54:00:00:KH:KL and IP
 * 10.0.KH.KL (so K in 1..65279 with a nonzero low byte rule below). */
void inet_node_mac(uint32_t node, uint8_t mac[ETH_ALEN]);
uint32_t inet_node_ip(uint32_t node);
/* The node owning ip, or 0 if ip is not a node address. */
uint32_t inet_ip_node(uint32_t ip);
/* Parse "a.b.c.d" (0 or -1). */
int inet_parse_ip(const char *s, uint32_t *ip);

#endif
