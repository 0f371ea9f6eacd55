/* net/udp.c: UDP (RFC 768) with checksums always computed, a table of bound
 * ports, the echo service on port 7 (RFC 862), and the kernel side of the
 * `udpecho` system call used by tests and make bench. */
#include "net/net.h"
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "lib/inet.h"

#define UDP_PORTS 16
#define UDP_ECHO_PORT 7

struct udp_port {
    uint16_t port;
    udp_handler handler;
};

static struct udp_port ports[UDP_PORTS];
static uint8_t txbuf[ETH_FRAME_MAX];

int udp_bind(uint16_t port, udp_handler handler)
{
    struct udp_port *free_slot = 0;
    for (int i = 0; i < UDP_PORTS; i++) {
        if (ports[i].handler && ports[i].port == port)
            return -EBUSY;
        if (!ports[i].handler && !free_slot)
            free_slot = &ports[i];
    }
    if (!free_slot)
        return -ENOSPC;
    free_slot->port = port;
    free_slot->handler = handler;
    return 0;
}

void udp_unbind(uint16_t port)
{
    for (int i = 0; i < UDP_PORTS; i++)
        if (ports[i].handler && ports[i].port == port)
            ports[i].handler = 0;
}

int udp_send(uint32_t dst, uint16_t sport, uint16_t dport, const void *data, uint32_t len)
{
    if (len > NET_UDP_MAX)
        return -EMSGSIZE;
    uint8_t *udp = txbuf + NET_IP_PAYLOAD_OFF;
    memcpy(udp + UDP_HDR_LEN, data, len);
    udp_encode(udp, sport, dport, net_my_ip(), dst, len);
    int rv = ip_output(dst, IPPROTO_UDP, txbuf, UDP_HDR_LEN + len);
    if (rv == 0)
        net_stats.tx_udp++;
    return rv;
}

void udp_input(uint32_t src, uint32_t dst, const uint8_t *p, uint32_t len)
{
    struct udp_hdr uh;
    int rv = udp_decode(p, len, src, dst, &uh);
    if (rv == INET_BAD_CHECKSUM) {
        net_stats.rx_bad_udp_checksum++;
        return;
    }
    if (rv != INET_OK) {
        net_stats.rx_bad_udp++;
        return;
    }
    net_stats.rx_udp++;
    for (int i = 0; i < UDP_PORTS; i++) {
        if (ports[i].handler && ports[i].port == uh.dport) {
            ports[i].handler(src, uh.sport, uh.dport, p + UDP_HDR_LEN, uh.len);
            return;
        }
    }
    net_stats.rx_udp_no_port++;
}

/* ---- the echo service and its client ---------------------------------- */

static void echo_service(uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
                         uint32_t len)
{
    (void)dport;
    uint8_t copy[NET_UDP_MAX];
    memcpy(copy, data, len);
    udp_send(src, UDP_ECHO_PORT, sport, copy, len);
}

void udp_echo_start(void) { udp_bind(UDP_ECHO_PORT, echo_service); }

/* One client exchange at a time per port; the port is chosen per call. */
#define ECHO_CLIENTS 4
static struct echo_client {
    uint16_t port;
    int done;
    uint32_t ip, len;
    const uint8_t *expect;
    int match;
} clients[ECHO_CLIENTS];

static void echo_reply(uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
                       uint32_t len)
{
    (void)sport;
    for (int i = 0; i < ECHO_CLIENTS; i++) {
        struct echo_client *c = &clients[i];
        if (c->port != dport || c->done || src != c->ip)
            continue;
        c->done = 1;
        c->match = (len == c->len && memcmp(data, c->expect, len) == 0);
        proc_wakeup(c);
    }
}

int64_t udp_echo(uint32_t ip, const uint8_t *data, uint32_t len, uint64_t timeout_ns)
{
    static uint16_t next_port = 49152;
    int slot = -1;
    for (int i = 0; i < ECHO_CLIENTS && slot < 0; i++)
        if (!clients[i].port)
            slot = i;
    if (slot < 0)
        return -EBUSY;
    struct echo_client *c = &clients[slot];
    uint16_t port = next_port;
    next_port = next_port == 65535 ? 49152 : next_port + 1;
    if (udp_bind(port, echo_reply))
        return -EBUSY;
    *c = (struct echo_client){.port = port, .ip = ip, .len = len, .expect = data};
    uint64_t t0 = timer_now_ns(), deadline = t0 + timeout_ns;
    int64_t rv = udp_send(ip, port, UDP_ECHO_PORT, data, len);
    while (rv == 0 && !c->done) {
        if (timer_now_ns() >= deadline)
            rv = -ETIMEDOUT;
        else if (proc_sleep(c, deadline))
            rv = -EINTR;
    }
    if (rv == 0)
        rv = c->match ? (int64_t)(timer_now_ns() - t0) : -EBADMSG;
    udp_unbind(port);
    c->port = 0;
    return rv;
}
