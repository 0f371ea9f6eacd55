/* net/net.h: the kernel's IPv4 stack over one Ethernet interface.
 *
 * Frames arrive from drivers/virtio_net.c in interrupt context and are
 * decoded by lib/inet.c before any state changes; what fails a check is
 * dropped and counted (see SYS_NETSTAT). Node K is 10.0.KH.KL with MAC
 * 52:54:00:00:KH:KL (lib/inet.h). */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdint.h>
#include "lib/syscall_abi.h"

/* Bring the interface up (after virtio_net_init succeeded). */
void net_init(uint32_t node);
int net_up(void);
uint32_t net_my_ip(void);
const uint8_t *net_my_mac(void);
/* Hand a complete Ethernet frame to the device, counting it. */
int net_send_frame(const uint8_t *frame, uint32_t len);
/* A received frame (interrupt context). */
void net_input(const uint8_t *frame, uint32_t len);
void net_count_bad_length(void);
/* The counters, for SYS_NETSTAT. */
extern struct net_stats net_stats;

/* Send an IPv4 packet whose payload (proto, len bytes) is at buf +
 * NET_IP_PAYLOAD_OFF; buf must have NET_IP_PAYLOAD_OFF + len bytes.
 * Resolves the MAC through ARP (the packet waits for the reply, one per
 * destination). 0, -EHOSTUNREACH, -EAGAIN (device full), -EMSGSIZE. */
#define NET_IP_PAYLOAD_OFF 34 /* Ethernet 14 + IPv4 20 */
int ip_output(uint32_t dst, uint8_t proto, uint8_t *buf, uint32_t len);

/* ARP (net/arp.c). */
void arp_input(const uint8_t *p, uint32_t len);
/* MAC for ip if cached and fresh: 0; else sends a request: -EAGAIN. */
int arp_lookup(uint32_t ip, uint8_t mac[6]);
/* Park one frame (ready but for its destination MAC) until ip resolves. */
void arp_park(uint32_t ip, const uint8_t *frame, uint32_t len);

/* ICMP (net/icmp.c). */
void icmp_input(uint32_t src, const uint8_t *p, uint32_t len);
/* Send an echo request to ip and wait for its reply: RTT in ns, or
 * -ETIMEDOUT, -EHOSTUNREACH, -EINTR. */
int64_t icmp_ping(uint32_t ip, uint16_t id, uint16_t seq, uint64_t timeout_ns);

/* The bare Ethernet echo (net/rawecho.c): round trip to node's kernel in
 * ns, -ETIMEDOUT, -EBUSY, -EINTR. */
void rawecho_input(const uint8_t *src_mac, const uint8_t *p, uint32_t len);
int64_t rawecho(uint32_t node, uint64_t timeout_ns);

/* UDP (net/udp.c): the kernel API the RPC transport builds on. */
typedef void (*udp_handler)(uint32_t src_ip, uint16_t sport, uint16_t dport, const uint8_t *data,
                            uint32_t len);
/* Deliver datagrams for `port` to handler (interrupt context): 0, -EBUSY. */
int udp_bind(uint16_t port, udp_handler handler);
void udp_unbind(uint16_t port);
/* Send len bytes (up to NET_UDP_MAX). 0 or a negative error. */
#define NET_UDP_MAX (1500 - 20 - 8)
int udp_send(uint32_t dst, uint16_t sport, uint16_t dport, const void *data, uint32_t len);
void udp_input(uint32_t src, uint32_t dst, const uint8_t *p, uint32_t len);
/* The echo service on port 7, and a client exchange with another node's:
 * RTT in ns, -ETIMEDOUT, -EBADMSG (the echo differed), -EBUSY, -EINTR. */
void udp_echo_start(void);
int64_t udp_echo(uint32_t ip, const uint8_t *data, uint32_t len, uint64_t timeout_ns);

#endif
