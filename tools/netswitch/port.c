/*
 * port.c: the two sockets of each port, and its output queue.
 *
 * Port k receives on a unix datagram socket bound at sw_path: the node (QEMU's
 * `-netdev dgram`) sends its frames there. Frames to the node leave through a
 * second, unbound socket connect()ed to node_path. Connecting buys exact flow
 * control: QEMU's socket holds only net.unix.max_dgram_qlen (10) datagrams,
 * and for a connected unix datagram socket Linux reports POLLOUT precisely when
 * the peer's queue has room again (and wakes us when it does), which an
 * unconnected sendto() cannot. When send() says EAGAIN the frame waits in a
 * bounded ring until POLLOUT (with a slow timer as a backstop); a frame that
 * finds the ring full is dropped and counted, so a node that stops reading
 * only loses its own traffic.
 *
 * A node that is not running (connect() fails) or has died (send() fails
 * with ECONNREFUSED, which also disconnects the socket) costs one drop per
 * frame, never an error; the switch reconnects as soon as the node is back,
 * trying at most every NSW_CONNECT_NS while it is absent.
 */
#include <errno.h>
#include <poll.h>
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

/* Bind port k's receive socket and make its send socket; returns 0 or -errno.
 * On failure nothing of port k is left open. */
int port_open(struct sw *sw, int k)
{
    struct port *p = &sw->ports[k];
    struct sockaddr_un sa;
    int e;
    p->fd = p->txfd = -1;
    p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0)
        goto err;
    sun_set(&sa, p->sw_path);
    if (bind(p->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto err_close;
    /* Room for bursts; the kernel caps these at rmem_max/wmem_max. */
    int sz = 1 << 20;
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    p->txfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->txfd < 0)
        goto err_unlink;
    setsockopt(p->txfd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    p->q = calloc(sw->qcap, sizeof *p->q);
    if (!p->q) {
        errno = ENOMEM;
        goto err_unlink;
    }
    p->retry_ns = NSW_RETRY_MIN_NS;
    return 0;

err_unlink:
    e = errno;
    unlink(p->sw_path);
    errno = e;
err_close:
    e = errno;
    close(p->fd);
    if (p->txfd >= 0)
        close(p->txfd);
    p->fd = p->txfd = -1;
    errno = e;
err:
    return -errno;
}

void port_close(struct sw *sw, int k)
{
    struct port *p = &sw->ports[k];
    if (p->fd >= 0) {
        close(p->fd);
        unlink(p->sw_path);
        p->fd = -1;
    }
    if (p->txfd >= 0) {
        close(p->txfd);
        p->txfd = -1;
    }
    while (p->qlen > 0) {
        free(p->q[p->qhead]);
        p->qhead = (p->qhead + 1) % sw->qcap;
        p->qlen--;
    }
    free(p->q);
    p->q = NULL;
}

/* Connect p's send socket to its node if it is not; false if the node is absent. */
static bool port_connect(struct port *p, uint64_t now)
{
    if (p->connected)
        return true;
    if (now < p->connect_at)
        return false;
    struct sockaddr_un sa;
    sun_set(&sa, p->node_path);
    if (connect(p->txfd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        p->connected = true;
        return true;
    }
    p->connect_at = now + NSW_CONNECT_NS;
    return false;
}

/* Try to connect every port that is not connected (for `stats`, so `up` shows
 * nodes that have started but not yet been sent anything). */
void port_probe(struct sw *sw)
{
    for (int k = 1; k <= sw->nports; k++) {
        struct port *p = &sw->ports[k];
        if (!p->connected) {
            p->connect_at = 0;
            port_connect(p, nsw_now());
        }
    }
}

enum { SEND_OK, SEND_BUSY, SEND_DROP };

/* One send(); counts the outcome except SEND_BUSY (the caller keeps f). */
static int send_frame(struct sw *sw, struct port *p, const struct frame *f, uint64_t now)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!port_connect(p, now)) {
            p->st.drop_down++;
            return SEND_DROP;
        }
        ssize_t n = send(p->txfd, f->data, f->len, MSG_DONTWAIT | MSG_NOSIGNAL);
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
        case ENOTCONN:
        case ECONNRESET:
        case ENOENT:
            /* The node we were connected to is gone (the kernel has already
             * disconnected us). It may be back under the same path: try once
             * more at once, then every NSW_CONNECT_NS. */
            p->connected = false;
            p->connect_at = 0;
            continue;
        default:
            p->st.drop_err++;
            return SEND_DROP;
        }
    }
    p->connect_at = now + NSW_CONNECT_NS;
    p->st.drop_down++;
    return SEND_DROP;
}

void port_output(struct sw *sw, int k, struct frame *f)
{
    struct port *p = &sw->ports[k];
    if (p->qlen == 0) {
        uint64_t now = nsw_now();
        int r = send_frame(sw, p, f, now);
        if (r != SEND_BUSY) {
            free(f);
            return;
        }
        p->retry_ns = NSW_RETRY_MIN_NS;
        p->retry_at = now + p->retry_ns;
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
        int r = send_frame(sw, p, f, now);
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
    /* POLLOUT normally ends the wait; the timer is a backstop that backs off
     * while nothing moves, so a paused node costs no CPU. */
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

/* Read up to NSW_RX_BUDGET frames from port k and forward them. */
static void port_input(struct sw *sw, int k)
{
    static uint8_t buf[NSW_FRAME_MAX + 1];
    struct port *p = &sw->ports[k];
    for (int i = 0; i < NSW_RX_BUDGET; i++) {
        ssize_t n = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
            return; /* EAGAIN: drained */
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

int port_pollfds(struct sw *sw, struct pollfd *pfd)
{
    for (int k = 1; k <= sw->nports; k++) {
        struct port *p = &sw->ports[k];
        pfd[2 * (k - 1)] = (struct pollfd){.fd = p->fd, .events = POLLIN};
        /* fd -1 makes poll() skip the slot: a socket with nothing to send is
         * not watched at all (it could report POLLERR/POLLHUP regardless). */
        bool want = p->qlen > 0 && p->connected;
        pfd[2 * (k - 1) + 1] = (struct pollfd){.fd = want ? p->txfd : -1, .events = POLLOUT};
    }
    return 2 * sw->nports;
}

void port_handle(struct sw *sw, struct pollfd *pfd)
{
    uint64_t now = 0;
    for (int k = 1; k <= sw->nports; k++) {
        struct pollfd *tx = &pfd[2 * (k - 1) + 1];
        if (tx->fd >= 0 && tx->revents) {
            if (!now)
                now = nsw_now();
            port_drain(sw, &sw->ports[k], now);
        }
    }
    for (int k = 1; k <= sw->nports; k++)
        if (pfd[2 * (k - 1)].revents & POLLIN)
            port_input(sw, k);
}
