/* lib/inet.c: decode and encode the headers of lib/inet.h. */
#include "lib/inet.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static void copy6(uint8_t *d, const uint8_t *s)
{
    for (int i = 0; i < ETH_ALEN; i++)
        d[i] = s[i];
}

uint32_t inet_sum(const void *buf, uint32_t len, uint32_t sum)
{
    const uint8_t *p = buf;
    while (len > 1) {
        sum += get16(p);
        p += 2, len -= 2;
    }
    if (len)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

uint16_t inet_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

int eth_decode(const uint8_t *f, uint32_t len, struct eth_hdr *out)
{
    if (len < ETH_HDR_LEN)
        return INET_TRUNCATED;
    copy6(out->dst, f);
    copy6(out->src, f + 6);
    out->type = get16(f + 12);
    return INET_OK;
}

uint32_t eth_encode(uint8_t *buf, const struct eth_hdr *h)
{
    copy6(buf, h->dst);
    copy6(buf + 6, h->src);
    put16(buf + 12, h->type);
    return ETH_HDR_LEN;
}

int arp_decode(const uint8_t *p, uint32_t len, struct arp_pkt *out)
{
    if (len < ARP_LEN)
        return INET_TRUNCATED;
    /* Ethernet hardware (1), IPv4 protocol, 6- and 4-byte addresses. */
    if (get16(p) != 1 || get16(p + 2) != ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4)
        return INET_BAD_FIELD;
    uint16_t op = get16(p + 6);
    if (op != ARP_REQUEST && op != ARP_REPLY)
        return INET_BAD_FIELD;
    out->op = op;
    copy6(out->sha, p + 8);
    out->spa = get32(p + 14);
    copy6(out->tha, p + 18);
    out->tpa = get32(p + 24);
    return INET_OK;
}

uint32_t arp_encode(uint8_t *buf, const struct arp_pkt *a)
{
    put16(buf, 1);
    put16(buf + 2, ETHERTYPE_IPV4);
    buf[4] = 6, buf[5] = 4;
    put16(buf + 6, a->op);
    copy6(buf + 8, a->sha);
    put32(buf + 14, a->spa);
    copy6(buf + 18, a->tha);
    put32(buf + 24, a->tpa);
    return ARP_LEN;
}

int ipv4_decode(const uint8_t *p, uint32_t len, struct ipv4_hdr *out, uint32_t *payload_len)
{
    if (len < IPV4_HDR_MIN)
        return INET_TRUNCATED;
    uint8_t ver = p[0] >> 4, ihl = (uint8_t)((p[0] & 0xf) * 4);
    if (ver != 4 || ihl < IPV4_HDR_MIN)
        return INET_BAD_FIELD;
    uint16_t total = get16(p + 2);
    if (ihl > len || total < ihl || total > len)
        return INET_TRUNCATED; /* frames may carry padding after total */
    if (inet_fold(inet_sum(p, ihl, 0)) != 0)
        return INET_BAD_CHECKSUM;
    uint16_t frag = get16(p + 6);
    if ((frag & 0x2000) || (frag & 0x1fff))
        return INET_FRAGMENT; /* more-fragments set or a nonzero offset */
    out->ihl_bytes = ihl;
    out->tos = p[1];
    out->total_len = total;
    out->id = get16(p + 4);
    out->ttl = p[8];
    out->proto = p[9];
    out->src = get32(p + 12);
    out->dst = get32(p + 16);
    *payload_len = total - ihl;
    return INET_OK;
}

uint32_t ipv4_encode(uint8_t *buf, const struct ipv4_hdr *h)
{
    buf[0] = 0x45;
    buf[1] = h->tos;
    put16(buf + 2, h->total_len);
    put16(buf + 4, h->id);
    put16(buf + 6, 0x4000); /* don't fragment */
    buf[8] = h->ttl;
    buf[9] = h->proto;
    put16(buf + 10, 0);
    put32(buf + 12, h->src);
    put32(buf + 16, h->dst);
    put16(buf + 10, inet_fold(inet_sum(buf, IPV4_HDR_MIN, 0)));
    return IPV4_HDR_MIN;
}

int icmp_decode_echo(const uint8_t *p, uint32_t len, struct icmp_echo *out)
{
    if (len < ICMP_HDR_LEN)
        return INET_TRUNCATED;
    if (inet_fold(inet_sum(p, len, 0)) != 0)
        return INET_BAD_CHECKSUM;
    if ((p[0] != ICMP_ECHO_REQUEST && p[0] != ICMP_ECHO_REPLY) || p[1] != 0)
        return INET_BAD_FIELD;
    out->type = p[0];
    out->code = p[1];
    out->id = get16(p + 4);
    out->seq = get16(p + 6);
    return INET_OK;
}

uint32_t icmp_encode_echo(uint8_t *buf, const struct icmp_echo *e, uint32_t data_len)
{
    buf[0] = e->type;
    buf[1] = 0;
    put16(buf + 2, 0);
    put16(buf + 4, e->id);
    put16(buf + 6, e->seq);
    put16(buf + 2, inet_fold(inet_sum(buf, ICMP_HDR_LEN + data_len, 0)));
    return ICMP_HDR_LEN;
}

int udp_decode(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst, struct udp_hdr *out)
{
    if (len < UDP_HDR_LEN)
        return INET_TRUNCATED;
    uint16_t ulen = get16(p + 4);
    if (ulen < UDP_HDR_LEN || ulen > len)
        return INET_TRUNCATED;
    if (get16(p + 6) != 0 &&
        inet_fold(inet_sum(p, ulen, pseudo_sum(src, dst, IPPROTO_UDP, ulen))) != 0)
        return INET_BAD_CHECKSUM;
    out->sport = get16(p);
    out->dport = get16(p + 2);
    out->len = (uint16_t)(ulen - UDP_HDR_LEN);
    return INET_OK;
}

uint32_t udp_encode(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t src, uint32_t dst,
                    uint32_t payload_len)
{
    uint32_t ulen = UDP_HDR_LEN + payload_len;
    put16(buf, sport);
    put16(buf + 2, dport);
    put16(buf + 4, (uint16_t)ulen);
    put16(buf + 6, 0);
    uint16_t c = inet_fold(inet_sum(buf, ulen, pseudo_sum(src, dst, IPPROTO_UDP, ulen)));
    put16(buf + 6, c ? c : 0xffff); /* 0 would mean "no checksum" */
    return UDP_HDR_LEN;
}

void inet_node_mac(uint32_t node, uint8_t mac[ETH_ALEN])
{
    mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x00, mac[3] = 0x00;
    mac[4] = (uint8_t)(node >> 8), mac[5] = (uint8_t)node;
}

uint32_t inet_node_ip(uint32_t node) { return (10u << 24) | (node & 0xffff); }

uint32_t inet_ip_node(uint32_t ip)
{
    if ((ip >> 16) != (10u << 8))
        return 0;
    uint32_t n = ip & 0xffff;
    return n == 0xffff ? 0 : n;
}

int inet_parse_ip(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        uint32_t x = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            x = x * 10 + (uint32_t)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || x > 255)
            return -1;
        v = v << 8 | x;
        if (part < 3 && *s++ != '.')
            return -1;
    }
    if (*s)
        return -1;
    *ip = v;
    return 0;
}
