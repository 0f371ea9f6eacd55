/* net/rawecho.c: a bare Ethernet echo (local experimental EtherType 0x88b5)
 * answered straight from the receive path, below IP. Its round trip is the
 * floor under every RPC: `make bench` puts ping, UDP and (later) RPC times
 * beside it. Payload: 1 byte kind (1 request, 2 reply), 4 bytes sequence. */
#include "net/net.h"
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "lib/inet.h"

#define RAWECHO_REQUEST 1
#define RAWECHO_REPLY 2
#define RAWECHO_LEN 46 /* pads the frame to Ethernet's 60-byte minimum */

static struct {
    int busy, done;
    uint8_t mac[ETH_ALEN];
    uint32_t seq;
} waiter;
static uint32_t next_seq;

static void send_raw(const uint8_t *dst, uint8_t kind, uint32_t seq)
{
    uint8_t frame[ETH_HDR_LEN + RAWECHO_LEN];
    struct eth_hdr eh;
    memcpy(eh.dst, dst, ETH_ALEN);
    memcpy(eh.src, net_my_mac(), ETH_ALEN);
    eh.type = ETHERTYPE_RAWECHO;
    eth_encode(frame, &eh);
    memset(frame + ETH_HDR_LEN, 0, RAWECHO_LEN);
    frame[ETH_HDR_LEN] = kind;
    for (int i = 0; i < 4; i++)
        frame[ETH_HDR_LEN + 1 + i] = (uint8_t)(seq >> (24 - 8 * i));
    net_send_frame(frame, sizeof frame);
}

void rawecho_input(const uint8_t *src_mac, const uint8_t *p, uint32_t len)
{
    if (len < 5) {
        net_stats.rx_bad_eth++;
        return;
    }
    uint32_t seq = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    if (p[0] == RAWECHO_REQUEST) {
        send_raw(src_mac, RAWECHO_REPLY, seq);
    } else if (p[0] == RAWECHO_REPLY && waiter.busy && !waiter.done && waiter.seq == seq &&
               memcmp(waiter.mac, src_mac, ETH_ALEN) == 0) {
        waiter.done = 1;
        proc_wakeup(&waiter);
    }
}

int64_t rawecho(uint32_t node, uint64_t timeout_ns)
{
    if (waiter.busy)
        return -EBUSY;
    waiter.busy = 1;
    waiter.done = 0;
    waiter.seq = ++next_seq;
    inet_node_mac(node, waiter.mac);
    uint64_t t0 = timer_now_ns(), deadline = t0 + timeout_ns;
    send_raw(waiter.mac, RAWECHO_REQUEST, waiter.seq);
    int64_t rv = 0;
    while (!waiter.done && rv == 0) {
        if (timer_now_ns() >= deadline)
            rv = -ETIMEDOUT;
        else if (proc_sleep(&waiter, deadline))
            rv = -EINTR;
    }
    if (waiter.done)
        rv = (int64_t)(timer_now_ns() - t0);
    waiter.busy = 0;
    return rv;
}
