/* services/replica/peers.c: Raft messages between the servers of a service.
 *
 * Every message goes as a datagram (ipc_send_datagram): the kernel sends it
 * once and never makes the loop wait for a peer, so a dead or partitioned
 * peer costs nothing. Raft itself retries what is lost.
 *
 * Each datagram carries this server's port, so a peer that restarted
 * (and so has a new port) is known again by everyone as soon as it sends
 * anything. Ports not learnt that way are looked up in the peer's registry
 * (under the service's name), with a short timeout, at most once a second per peer. A server
 * that starts also says hello to every peer, since a learner never sends
 * on its own.
 *
 * Framing: REPLICA_TAG_RAFT | xfer u32 | index u16 | count u16 | bytes. A Raft
 * message larger than one chunk (a snapshot) is cut into CHUNK-byte pieces,
 * sent a few milliseconds apart so the receiver's network queue keeps up;
 * the receiver reassembles one such transfer at a time. A lost chunk loses
 * the message, and Raft sends the snapshot again. */
#include <stdio.h>
#include <string.h>

#include "services/replica/internal.h"
#include "services/replica/timing.h"
#include "user/ulib.h"

#define CHUNK (16 * 1024)
#define FRAME_HDR 9
#define BULK_MAX (REPLICA_SNAP_CAP + 4096) /* a snapshot message with its header */
#define CHUNK_GAP_NS (4 * 1000000ULL)
#define LOOKUP_EVERY_NS (1000 * 1000000ULL)
#define LOOKUP_TIMEOUT_NS (300 * 1000000ULL)
#define REASSEMBLY_STALE_NS (3000 * 1000000ULL)

struct peer {
    bool known;
    struct port_id port;
    uint64_t next_lookup_ns;
    uint64_t heard_ns;
};

static struct peer peer[REPLICA_MAX_NODES + 1];
static uint32_t xfer_next = 1;
static uint8_t frame[FRAME_HDR + CHUNK];

/* The one large outgoing message being paced out. */
static struct {
    bool busy;
    uint32_t to, xfer;
    uint16_t next, count;
    uint32_t len;
    uint64_t next_ns;
    uint8_t buf[BULK_MAX];
} out;

/* The one large incoming message being reassembled. */
static struct {
    bool busy;
    uint32_t from, xfer;
    uint16_t count, have;
    uint32_t len;
    uint64_t started_ns;
    uint8_t buf[BULK_MAX];
} in;

static struct raft_entry rx_ents[RAFT_MAX_BATCH];
uint64_t peers_dropped; /* messages not sent: no port known, or a transfer busy */

static void send_frame(uint32_t to, uint32_t xfer, uint16_t index, uint16_t count,
                       const uint8_t *bytes, uint32_t len)
{
    frame[0] = REPLICA_TAG_RAFT;
    for (int i = 0; i < 4; i++)
        frame[1 + i] = (uint8_t)(xfer >> (8 * i));
    frame[5] = (uint8_t)index;
    frame[6] = (uint8_t)(index >> 8);
    frame[7] = (uint8_t)count;
    frame[8] = (uint8_t)(count >> 8);
    memcpy(frame + FRAME_HDR, bytes, len);
    ipc_send_datagram(&peer[to].port, frame, FRAME_HDR + len, &replica.port);
}

void replica_send_tagged(uint32_t node, uint8_t tag, const void *body, long len)
{
    static uint8_t buf[1 + REPLICA_REQUEST_MAX];
    if (node == 0 || node > REPLICA_MAX_NODES || !peer[node].known || len > REPLICA_REQUEST_MAX) {
        peers_dropped++;
        return;
    }
    buf[0] = tag;
    memcpy(buf + 1, body, (size_t)len);
    ipc_send_datagram(&peer[node].port, buf, 1 + (size_t)len, &replica.port);
}

void peers_send(const struct raft_msg *m)
{
    static uint8_t enc[CHUNK];
    uint32_t to = m->to;
    if (m->type == RAFT_MSG_HEARTBEAT)
        timing_mark(T_ROUND_SENT);
    else if (m->type == RAFT_MSG_HEARTBEAT_RESP)
        timing_mark(T_HB_ANSWERED);
    if (to == 0 || to > REPLICA_MAX_NODES || !peer[to].known) {
        peers_dropped++;
        return;
    }
    size_t size = raft_encoded_size(m);
    if (size <= CHUNK) {
        int n = raft_encode(m, enc, sizeof enc);
        if (n > 0)
            send_frame(to, xfer_next++, 0, 1, enc, (uint32_t)n);
        return;
    }
    if (out.busy || size > sizeof out.buf) {
        peers_dropped++; /* Raft will ask again */
        return;
    }
    int n = raft_encode(m, out.buf, sizeof out.buf);
    if (n <= 0)
        return;
    out.busy = true;
    out.to = to;
    out.xfer = xfer_next++;
    out.len = (uint32_t)n;
    out.count = (uint16_t)((out.len + CHUNK - 1) / CHUNK);
    out.next = 0;
    out.next_ns = 0;
}

static void deliver(uint32_t from, const uint8_t *bytes, uint32_t len)
{
    struct raft_msg m;
    int rv = raft_decode(bytes, len, &m, rx_ents, RAFT_MAX_BATCH);
    if (rv) {
        replica_refused("Raft", from, len);
        return;
    }
    if (m.from != from || m.to != replica.cfg.node) {
        replica_refused("Raft (not the sender it claims, or not for us)", from, len);
        return;
    }
    if (m.type == RAFT_MSG_HEARTBEAT_RESP)
        timing_mark(T_ACK_IN);
    else if (m.type == RAFT_MSG_HEARTBEAT)
        timing_mark(T_HB_IN);
    raft_step(&replica.raft, &m);
}

void peers_input(uint32_t from, const struct port_id *carried, const uint8_t *buf, long len)
{
    if (from == 0 || from > REPLICA_MAX_NODES || len < FRAME_HDR) {
        replica_refused("Raft frame", from, len);
        return;
    }
    if (carried && (carried->a || carried->b)) {
        peer[from].port = *carried;
        peer[from].known = true;
    }
    peer[from].heard_ns = replica.now_ns;
    uint32_t xfer = (uint32_t)(buf[1] | buf[2] << 8 | buf[3] << 16 | (uint32_t)buf[4] << 24);
    uint16_t index = (uint16_t)(buf[5] | buf[6] << 8), count = (uint16_t)(buf[7] | buf[8] << 8);
    const uint8_t *bytes = buf + FRAME_HDR;
    uint32_t n = (uint32_t)(len - FRAME_HDR);
    if (count == 1 && index == 0) {
        deliver(from, bytes, n);
        return;
    }
    if (count == 0 || index >= count || (uint32_t)count * CHUNK > sizeof in.buf || n > CHUNK ||
        (index + 1 < count && n != CHUNK)) {
        replica_refused("Raft frame", from, len);
        return;
    }
    if (in.busy && (in.from != from || in.xfer != xfer)) {
        /* Another transfer holds the buffer: a newer one from the same peer
         * replaces it, anyone else waits until it is stale. */
        if (in.from != from && replica.now_ns - in.started_ns < REASSEMBLY_STALE_NS)
            return;
        in.busy = false;
    }
    if (!in.busy) {
        if (index != 0)
            return; /* chunks come in order; a transfer that lost its start is lost */
        in.busy = true;
        in.from = from;
        in.xfer = xfer;
        in.count = count;
        in.have = 0;
        in.len = 0;
        in.started_ns = replica.now_ns;
    }
    if (index != in.have || count != in.count) {
        in.busy = false; /* a chunk was lost: drop the transfer */
        return;
    }
    memcpy(in.buf + in.len, bytes, n);
    in.len += n;
    in.have++;
    if (in.have == in.count) {
        in.busy = false;
        deliver(from, in.buf, in.len);
    }
}

bool peers_known(uint32_t node)
{
    return node >= 1 && node <= REPLICA_MAX_NODES && peer[node].known;
}

static void say_hello(uint32_t node)
{
    uint8_t body[4] = {(uint8_t)replica.cfg.node, (uint8_t)(replica.cfg.node >> 8), 0, 0};
    replica_send_tagged(node, REPLICA_TAG_HELLO, body, sizeof body);
}

void peers_hello(uint32_t from, const struct port_id *carried)
{
    if (from == 0 || from > REPLICA_MAX_NODES || !carried || !(carried->a || carried->b))
        return;
    bool was_known = peer[from].known;
    peer[from].port = *carried;
    peer[from].known = true;
    peer[from].heard_ns = replica.now_ns;
    if (!was_known)
        say_hello(from); /* it may not know us either */
}

void peers_init(void)
{
    /* At start-up every lookup may wait: nothing else is going on yet. */
    for (uint32_t k = 1; k <= replica.cfg.nodes && k <= REPLICA_MAX_NODES; k++) {
        if (k == replica.cfg.node)
            continue;
        if (ipc_lookup_timeout((int)k, replica.svc->name, &peer[k].port, LOOKUP_TIMEOUT_NS) == 0) {
            peer[k].known = true;
            say_hello(k);
        }
        peer[k].next_lookup_ns = sys_clock() + LOOKUP_EVERY_NS;
    }
}

void peers_poll(void)
{
    if (out.busy && replica.now_ns >= out.next_ns) {
        uint32_t off = (uint32_t)out.next * CHUNK;
        uint32_t n = out.len - off < CHUNK ? out.len - off : CHUNK;
        send_frame(out.to, out.xfer, out.next, out.count, out.buf + off, n);
        out.next++;
        out.next_ns = replica.now_ns + CHUNK_GAP_NS;
        if (out.next == out.count)
            out.busy = false;
    }
    /* One lookup per call at most: each may wait for a dead node. */
    for (uint32_t k = 1; k <= replica.cfg.nodes && k <= REPLICA_MAX_NODES; k++) {
        if (k == replica.cfg.node || peer[k].known || replica.now_ns < peer[k].next_lookup_ns)
            continue;
        peer[k].next_lookup_ns = replica.now_ns + LOOKUP_EVERY_NS;
        if (ipc_lookup_timeout((int)k, replica.svc->name, &peer[k].port, LOOKUP_TIMEOUT_NS) == 0) {
            peer[k].known = true;
            say_hello(k);
        }
        break;
    }
}

/* When peers_poll next has something to send (a paced chunk), 0 if nothing. */
uint64_t peers_next_ns(void) { return out.busy ? out.next_ns : 0; }

/* The last time anything came from node k (0: never). */
uint64_t replica_heard(uint32_t k) { return k && k <= REPLICA_MAX_NODES ? peer[k].heard_ns : 0; }
