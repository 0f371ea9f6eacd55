/* net/icmp.c: ICMP echo (RFC 792): answer requests, and the kernel side of
 * `ping` (send a request, sleep until the matching reply or a timeout). */
#include "net/net.h"
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "lib/inet.h"

#define PING_WAITERS 8
#define PING_DATA 56 /* bytes of payload, as the classic ping */

struct ping_waiter {
    int busy, done;
    uint32_t ip;
    uint16_t id, seq;
    uint64_t sent_ns, rtt_ns;
};

static struct ping_waiter waiters[PING_WAITERS];
static uint8_t txbuf[ETH_FRAME_MAX];

static void send_echo(uint8_t type, uint32_t dst, uint16_t id, uint16_t seq, const uint8_t *data,
                      uint32_t dlen)
{
    uint8_t *icmp = txbuf + NET_IP_PAYLOAD_OFF;
    memcpy(icmp + ICMP_HDR_LEN, data, dlen);
    struct icmp_echo e = {.type = type, .code = 0, .id = id, .seq = seq};
    icmp_encode_echo(icmp, &e, dlen);
    ip_output(dst, IPPROTO_ICMP, txbuf, ICMP_HDR_LEN + dlen);
}

void icmp_input(uint32_t src, const uint8_t *p, uint32_t len)
{
    struct icmp_echo e;
    if (icmp_decode_echo(p, len, &e) != INET_OK) {
        net_stats.rx_bad_icmp++;
        return;
    }
    if (e.type == ICMP_ECHO_REQUEST) {
        if (len - ICMP_HDR_LEN > ETH_MTU - IPV4_HDR_MIN - ICMP_HDR_LEN)
            return;
        send_echo(ICMP_ECHO_REPLY, src, e.id, e.seq, p + ICMP_HDR_LEN, len - ICMP_HDR_LEN);
        net_stats.icmp_echo_replied++;
        return;
    }
    for (int i = 0; i < PING_WAITERS; i++) {
        struct ping_waiter *w = &waiters[i];
        if (w->busy && !w->done && w->ip == src && w->id == e.id && w->seq == e.seq) {
            w->done = 1;
            w->rtt_ns = timer_now_ns() - w->sent_ns;
            proc_wakeup(w);
        }
    }
}

int64_t icmp_ping(uint32_t ip, uint16_t id, uint16_t seq, uint64_t timeout_ns)
{
    struct ping_waiter *w = 0;
    for (int i = 0; i < PING_WAITERS && !w; i++)
        if (!waiters[i].busy)
            w = &waiters[i];
    if (!w)
        return -EBUSY;
    *w = (struct ping_waiter){.busy = 1, .ip = ip, .id = id, .seq = seq};
    uint8_t data[PING_DATA];
    for (int i = 0; i < PING_DATA; i++)
        data[i] = (uint8_t)i;
    w->sent_ns = timer_now_ns();
    uint64_t deadline = w->sent_ns + timeout_ns;
    send_echo(ICMP_ECHO_REQUEST, ip, id, seq, data, sizeof data);
    int64_t rv = 0;
    while (!w->done) {
        if (timer_now_ns() >= deadline) {
            rv = -ETIMEDOUT;
            break;
        }
        if (proc_sleep(w, deadline)) {
            rv = -EINTR;
            break;
        }
    }
    if (w->done)
        rv = (int64_t)w->rtt_ns;
    w->busy = 0;
    return rv;
}
