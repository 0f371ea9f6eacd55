/*
 * port.c: one unix datagram socket per port, and its output queue.
 *
 * Port k's socket is bound at sw_path; the node (QEMU's `-netdev dgram`)
 * sends its frames there and receives ours at node_path. QEMU's socket
 * holds only net.unix.max_dgram_qlen (10) datagrams, so a busy node makes
 * sendto() fail with EAGAIN: the frame then waits in a bounded ring and is
 * retried on a timer (an unconnected unix socket gives no POLLOUT for its
 * peer's queue). A frame that finds the ring full is dropped and counted;
 * a node that is not running (ENOENT, ECONNREFUSED) costs one drop per frame
 * and never an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "netswitch.h"

struct frame *frame_new(const void *data, size_t len)
{
    struct frame *f = malloc(sizeof *f + len);
    if (!f)
        return NULL;
    f->len = (uint32_t)len;
    memcpy(f->data, data, len);
    return f;
}

static void sun_set(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    strncpy(sa->sun_path, path, sizeof sa->sun_path - 1);
}

/* Bind port k's socket; returns 0 or -errno. */
int port_open(struct sw *sw, int k)
{
    struct port *p = &sw->ports[k];
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    sun_set(&sa, p->sw_path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    /* Room for bursts from the node's side; the kernel caps it at rmem_max. */
    int sz = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    p->fd = fd;
    p->q = calloc(sw->qcap, sizeof *p->q);
    if (!p->q) {
        close(fd);
        unlink(p->sw_path);
        p->fd = -1;
        return -ENOMEM;
    }
    p->retry_ns = NSW_RETRY_MIN_NS;
    return 0;
}

void port_close(struct sw *sw, int k)
{
    struct port *p = &sw->ports[k];
    if (p->fd >= 0) {
        close(p->fd);
        unlink(p->sw_path);
        p->fd = -1;
    }
    while (p->qlen > 0) {
        free(p->q[p->qhead]);
        p->qhead = (p->qhead + 1) % sw->qcap;
        p->qlen--;
    }
    free(p->q);
    p->q = NULL;
}

enum { SEND_OK, SEND_BUSY, SEND_DROP };

/* One sendto(); counts the outcome except SEND_BUSY (frame kept by caller). */
static int send_frame(struct sw *sw, struct port *p, const struct frame *f)
{
    struct sockaddr_un sa;
    sun_set(&sa, p->node_path);
    ssize_t n = sendto(p->fd, f->data, f->len, MSG_DONTWAIT | MSG_NOSIGNAL,
                       (struct sockaddr *)&sa, sizeof sa);
    if (n >= 0) {
        p->st.tx++;
        p->st.tx_bytes += f->len;
        if (sw->pcap && sw->pcap_tx)
            pcap_write(sw, f);
        return SEND_OK;
    }
    switch (errno) {
    case EAGAIN:
    case ENOBUFS:
    case EINTR:
        return SEND_BUSY;
    case ECONNREFUSED:
    case ENOENT:
    case ENOTCONN:
        p->st.drop_down++;
        return SEND_DROP;
    default:
        p->st.drop_err++;
        return SEND_DROP;
    }
}

void port_output(struct sw *sw, int k, struct frame *f)
{
    struct port *p = &sw->ports[k];
    if (p->qlen == 0) {
        int r = send_frame(sw, p, f);
        if (r != SEND_BUSY) {
            free(f);
            return;
        }
        p->retry_ns = NSW_RETRY_MIN_NS;
        p->retry_at = nsw_now() + p->retry_ns;
    }
    if (p->qlen == sw->qcap) {
        p->st.drop_qfull++;
        free(f);
        return;
    }
    p->q[(p->qhead + p->qlen) % sw->qcap] = f;
    p->qlen++;
    if (p->qlen > p->qmax_seen)
        p->qmax_seen = p->qlen;
}

/* Send from the head of p's queue until the node's socket is full again. */
static void port_drain(struct sw *sw, struct port *p, uint64_t now)
{
    bool moved = false;
    while (p->qlen > 0) {
        struct frame *f = p->q[p->qhead];
        int r = send_frame(sw, p, f);
        if (r == SEND_BUSY)
            break;
        if (r == SEND_OK)
            moved = true;
        free(f);
        p->qhead = (p->qhead + 1) % sw->qcap;
        p->qlen--;
    }
    if (p->qlen == 0)
        return;
    /* Stay at 1 ms while frames move; back off to NSW_RETRY_MAX_NS for a node
     * that reads nothing (paused or wedged), so it costs little CPU. */
    if (moved)
        p->retry_ns = NSW_RETRY_MIN_NS;
    else if (p->retry_ns < NSW_RETRY_MAX_NS)
        p->retry_ns *= 2;
    p->retry_at = now + p->retry_ns;
}

uint64_t port_flush_due(struct sw *sw, uint64_t now)
{
    uint64_t next = 0;
    for (int k = 1; k <= sw->nports; k++) {
        struct port *p = &sw->ports[k];
        if (p->qlen > 0 && p->retry_at <= now)
            port_drain(sw, p, now);
        if (p->qlen > 0 && (next == 0 || p->retry_at < next))
            next = p->retry_at;
    }
    return next;
}

void port_input(struct sw *sw, int k)
{
    static uint8_t buf[NSW_FRAME_MAX + 1];
    struct port *p = &sw->ports[k];
    for (int i = 0; i < NSW_RX_BUDGET; i++) {
        ssize_t n = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
            return;             /* EAGAIN: drained */
        if (n > NSW_FRAME_MAX || n < NSW_ETH_HLEN) {
            p->st.drop_bad++;
            continue;
        }
        struct frame *f = frame_new(buf, (size_t)n);
        if (!f)
            return;
        p->st.rx++;
        p->st.rx_bytes += (uint64_t)n;
        if (sw->pcap && !sw->pcap_tx)
            pcap_write(sw, f);
        fabric_forward(sw, k, f);
        free(f);
    }
}
