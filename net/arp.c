/* net/arp.c: ARP (RFC 826): a small cache with expiry, requests, replies,
 * and one parked frame per unresolved destination. */
#include "net/net.h"
#include "kernel/kernel.h"
#include "kernel/timer.h"
#include "lib/inet.h"

#define ARP_ENTRIES 32
#define ARP_TTL_NS (60ULL * 1000000000ULL)
#define ARP_RETRY_NS (200ULL * 1000000ULL) /* at most one request per 200 ms per ip */

struct arp_entry {
    uint32_t ip;
    int resolved;
    uint8_t mac[ETH_ALEN];
    uint64_t expires_ns; /* resolved entries expire */
    uint64_t asked_ns;   /* when the last request went out */
    uint32_t parked_len; /* a frame waiting for this MAC, 0 if none */
    uint8_t parked[ETH_FRAME_MAX];
};

static struct arp_entry cache[ARP_ENTRIES];

static struct arp_entry *find(uint32_t ip)
{
    for (int i = 0; i < ARP_ENTRIES; i++)
        if (cache[i].ip == ip)
            return &cache[i];
    return 0;
}

/* An entry for ip, evicting the one that expires first if the cache is full. */
static struct arp_entry *slot_for(uint32_t ip)
{
    struct arp_entry *e = find(ip), *victim = &cache[0];
    if (e)
        return e;
    for (int i = 0; i < ARP_ENTRIES; i++) {
        if (cache[i].ip == 0) {
            victim = &cache[i];
            break;
        }
        if (cache[i].expires_ns < victim->expires_ns)
            victim = &cache[i];
    }
    if (victim->parked_len)
        net_stats.arp_parked_dropped++;
    memset(victim, 0, sizeof *victim - sizeof victim->parked);
    victim->ip = ip;
    return victim;
}

static void send_arp(uint16_t op, const uint8_t *dst_mac, uint32_t tpa, const uint8_t *tha)
{
    uint8_t frame[ETH_HDR_LEN + ARP_LEN];
    struct eth_hdr eh;
    memcpy(eh.dst, dst_mac, ETH_ALEN);
    memcpy(eh.src, net_my_mac(), ETH_ALEN);
    eh.type = ETHERTYPE_ARP;
    eth_encode(frame, &eh);
    struct arp_pkt a = {.op = op, .spa = net_my_ip(), .tpa = tpa};
    memcpy(a.sha, net_my_mac(), ETH_ALEN);
    memcpy(a.tha, tha, ETH_ALEN);
    arp_encode(frame + ETH_HDR_LEN, &a);
    net_send_frame(frame, sizeof frame);
}

static void learn(uint32_t ip, const uint8_t *mac)
{
    struct arp_entry *e = slot_for(ip);
    memcpy(e->mac, mac, ETH_ALEN);
    e->resolved = 1;
    e->expires_ns = timer_now_ns() + ARP_TTL_NS;
    if (e->parked_len) {
        memcpy(e->parked, mac, ETH_ALEN); /* fill in the destination MAC */
        net_send_frame(e->parked, e->parked_len);
        e->parked_len = 0;
    }
}

void arp_input(const uint8_t *p, uint32_t len)
{
    struct arp_pkt a;
    if (arp_decode(p, len, &a) != INET_OK || !inet_ip_node(a.spa)) {
        net_stats.rx_bad_arp++;
        return;
    }
    /* Learn from anyone who talks to us or answers us (RFC 826's merge). */
    if (a.tpa == net_my_ip() || find(a.spa))
        learn(a.spa, a.sha);
    if (a.op == ARP_REQUEST && a.tpa == net_my_ip()) {
        send_arp(ARP_REPLY, a.sha, a.spa, a.sha);
        net_stats.arp_replies_sent++;
    }
}

int arp_lookup(uint32_t ip, uint8_t mac[ETH_ALEN])
{
    uint64_t now = timer_now_ns();
    struct arp_entry *e = find(ip);
    if (e && e->resolved && e->expires_ns > now) {
        memcpy(mac, e->mac, ETH_ALEN);
        return 0;
    }
    e = slot_for(ip);
    e->resolved = 0;
    if (e->asked_ns == 0 || now - e->asked_ns >= ARP_RETRY_NS) {
        static const uint8_t bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        static const uint8_t zero[ETH_ALEN];
        e->asked_ns = now;
        send_arp(ARP_REQUEST, bcast, ip, zero);
        net_stats.arp_requests_sent++;
    }
    return -EAGAIN;
}

void arp_park(uint32_t ip, const uint8_t *frame, uint32_t len)
{
    struct arp_entry *e = slot_for(ip);
    if (e->parked_len)
        net_stats.arp_parked_dropped++; /* the newer frame replaces it */
    memcpy(e->parked, frame, len);
    e->parked_len = len;
}
