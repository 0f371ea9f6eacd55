/* net/net.c: Ethernet in and out, and IPv4 dispatch. */
#include "net/net.h"
#include "drivers/virtio_net.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "lib/inet.h"

struct net_stats net_stats;
static uint8_t my_mac[ETH_ALEN];
static uint32_t my_ip;
static int up;
static uint16_t next_ip_id;

static const uint8_t broadcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void net_init(uint32_t node)
{
    inet_node_mac(node, my_mac);
    my_ip = inet_node_ip(node);
    uint8_t dev_mac[ETH_ALEN];
    virtio_net_mac(dev_mac);
    if (memcmp(dev_mac, my_mac, ETH_ALEN) != 0)
        klog("net: device MAC %02x:%02x:%02x:%02x:%02x:%02x differs from node %u's; using the "
             "node's",
             dev_mac[0], dev_mac[1], dev_mac[2], dev_mac[3], dev_mac[4], dev_mac[5], node);
    up = 1;
    klog("net: up as 10.0.%u.%u, MAC 52:54:00:00:%02x:%02x", (my_ip >> 8) & 0xff, my_ip & 0xff,
         my_mac[4], my_mac[5]);
}

int net_up(void) { return up; }
uint32_t net_my_ip(void) { return my_ip; }
const uint8_t *net_my_mac(void) { return my_mac; }
void net_count_bad_length(void) { net_stats.rx_bad_length++; }

void net_input(const uint8_t *frame, uint32_t len)
{
    struct eth_hdr eh;
    net_stats.rx_frames++;
    if (!up)
        return;
    if (eth_decode(frame, len, &eh) != INET_OK) {
        net_stats.rx_bad_eth++;
        return;
    }
    if (memcmp(eh.dst, my_mac, ETH_ALEN) != 0 && memcmp(eh.dst, broadcast, ETH_ALEN) != 0) {
        net_stats.rx_not_for_us++;
        return;
    }
    const uint8_t *p = frame + ETH_HDR_LEN;
    uint32_t plen = len - ETH_HDR_LEN;
    if (eh.type == ETHERTYPE_ARP) {
        arp_input(p, plen);
        return;
    }
    if (eh.type == ETHERTYPE_RAWECHO) {
        rawecho_input(eh.src, p, plen);
        return;
    }
    if (eh.type != ETHERTYPE_IPV4) {
        net_stats.rx_unknown_type++;
        return;
    }
    struct ipv4_hdr ih;
    uint32_t payload_len;
    int rv = ipv4_decode(p, plen, &ih, &payload_len);
    if (rv == INET_BAD_CHECKSUM) {
        net_stats.rx_bad_ip_checksum++;
        return;
    }
    if (rv == INET_FRAGMENT) {
        net_stats.rx_ip_fragments++;
        return;
    }
    if (rv != INET_OK) {
        net_stats.rx_bad_ip++;
        return;
    }
    if (ih.dst != my_ip) {
        net_stats.rx_ip_not_for_us++;
        return;
    }
    const uint8_t *payload = p + ih.ihl_bytes;
    switch (ih.proto) {
    case IPPROTO_ICMP:
        icmp_input(ih.src, payload, payload_len);
        break;
    case IPPROTO_UDP:
        udp_input(ih.src, ih.dst, payload, payload_len);
        break;
    default:
        net_stats.rx_unknown_proto++;
    }
}

int ip_output(uint32_t dst, uint8_t proto, uint8_t *buf, uint32_t len)
{
    if (!up)
        return -ENODEV;
    if (len > ETH_MTU - IPV4_HDR_MIN)
        return -EMSGSIZE;
    if (!inet_ip_node(dst))
        return -EHOSTUNREACH; /* only the cluster segment is reachable */
    struct ipv4_hdr ih = {
        .tos = 0,
        .ttl = 64,
        .proto = proto,
        .total_len = (uint16_t)(IPV4_HDR_MIN + len),
        .id = next_ip_id++,
        .src = my_ip,
        .dst = dst,
    };
    ipv4_encode(buf + ETH_HDR_LEN, &ih);
    struct eth_hdr eh;
    memcpy(eh.src, my_mac, ETH_ALEN);
    eh.type = ETHERTYPE_IPV4;
    memset(eh.dst, 0, ETH_ALEN);
    uint32_t flen = NET_IP_PAYLOAD_OFF + len;
    if (arp_lookup(dst, eh.dst) != 0) {
        eth_encode(buf, &eh);
        arp_park(dst, buf, flen);
        return 0;
    }
    eth_encode(buf, &eh);
    return net_send_frame(buf, flen);
}

int net_send_frame(const uint8_t *frame, uint32_t len)
{
    int rv = virtio_net_send(frame, len);
    if (rv == 0)
        net_stats.tx_frames++;
    else if (rv == -EAGAIN)
        net_stats.tx_full++;
    return rv;
}
