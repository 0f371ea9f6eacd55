/* net/rpc.c: the kernel RPC transport (docs/ipc.md has the protocol): its
 * shared state, its frames, and its start-up. The transport's files are
 * listed in net/rpc_internal.h.
 *
 * Every frame is authenticated (keyed BLAKE2s) and carries the sender's
 * boot epoch and a sequence number, checked against a per-peer replay
 * window on arrival (rpc_input.c). */
#include "kernel/trace.h"
#include "net/rpc_internal.h"

/* The shared state (rpc_internal.h). */
struct rpc_replay rpc_peer_replay[MAX_PEERS];
struct rpcwire_key rpc_key;
uint32_t rpc_epoch;
int rpc_epoch_from_wall;
int rpc_ready;
struct rpc_stats rpc_stats;

static uint32_t frame_seq;
static struct rpc_port wire_port(struct port_id p) { return (struct rpc_port){p.a, p.b}; }

/* ---- frames ------------------------------------------------------------ */

/* Stamp h with our node, epoch and next seq, build the frame in frame[]
 * (payload may already be in place at frame + RPC_HDR_LEN: then it is not
 * copied) and send it. */
static void send_frame_in(struct rpc_hdr *h, const void *payload, uint8_t *frame)
{
    h->src_node = (uint16_t)kernel_node_id;
    h->src_epoch = rpc_epoch;
    h->seq = ++frame_seq;
    h->lamport = trace_lamport_now();
    uint32_t len = rpcwire_encode_k(frame, RPC_FRAME_MAX, h, payload, &rpc_key);
    if (len == 0) {
        rpc_stats.encode_errors++;
        return;
    }
    udp_send(inet_node_ip(h->dst_node), RPC_UDP_PORT, RPC_UDP_PORT, frame, len);
    rpc_stats.tx_frames++;
}

/* Word-aligned, so the MAC reads it a word at a time (lib/blake2s.c). */
#define FRAME_BUF(name) uint8_t name[RPC_FRAME_MAX] __attribute__((aligned(8)))

static void send_frame(struct rpc_hdr *h, const void *payload)
{
    FRAME_BUF(frame);
    send_frame_in(h, payload, frame);
}

/* Fragment i of message m (request or reply), read from m straight into
 * the frame. */
void rpc_send_fragment(uint8_t type, uint32_t node, uint64_t msg_id, uint16_t flags,
                       const struct port_id *dst, const struct msg *m, uint16_t i, int sender_pid)
{
    FRAME_BUF(frame);
    uint8_t *payload = frame + RPC_HDR_LEN;
    uint32_t off = (uint32_t)i * RPC_FRAG_PAYLOAD;
    uint32_t n = m->len - off < RPC_FRAG_PAYLOAD ? m->len - off : RPC_FRAG_PAYLOAD;
    if (m->len == 0)
        n = 0;
    msg_read(m, off, payload, n);
    struct rpc_hdr h = {
        .type = type,
        .flags = (uint16_t)(flags | (m->carried.a || m->carried.b ? RPC_F_CARRY : 0)),
        .dst_node = (uint16_t)node,
        .msg_id = msg_id,
        .dst_port = dst ? wire_port(*dst) : (struct rpc_port){0, 0},
        .carried = wire_port(m->carried),
        .total_len = m->len,
        .frag_index = i,
        .frag_count = frag_count(m->len),
        .payload_len = (uint16_t)n,
        .sender_pid = (uint32_t)sender_pid,
        .trace_id = m->trace_id,
    };
    send_frame_in(&h, payload, frame);
}

void rpc_send_ack(uint32_t node, uint64_t msg_id, uint8_t kind, uint64_t bitmap)
{
    uint8_t payload[RPC_ACK_PAYLOAD] = {kind};
    for (int i = 0; i < 8; i++)
        payload[8 + i] = (uint8_t)(bitmap >> (8 * i));
    struct rpc_hdr h = {.type = RPC_ACK,
                        .dst_node = (uint16_t)node,
                        .msg_id = msg_id,
                        .total_len = RPC_ACK_PAYLOAD,
                        .frag_count = 1,
                        .payload_len = RPC_ACK_PAYLOAD};
    send_frame(&h, payload);
}

void rpc_send_nack(uint32_t node, uint64_t msg_id, int error)
{
    struct rpc_hdr h = {.type = RPC_NACK,
                        .dst_node = (uint16_t)node,
                        .msg_id = msg_id,
                        .frag_count = 1,
                        .status = (uint16_t)(-error)};
    send_frame(&h, 0);
}

/* ---- start-up: the cluster key, the boot epoch ------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A known answer for the MAC as the transport computes it (keyed,
 * 16-byte digest, from a prepared state, input from an odd offset so the
 * byte path runs too), from Python's hashlib.blake2s(bytes(range(200)),
 * key=bytes(range(32)), digest_size=16). The host unit tests check
 * lib/blake2s.c against many vectors, but the kernel's build of it (rv64
 * assembly for G) runs only here: two nodes that computed the same wrong
 * MAC would still accept each other's frames. */
static int mac_self_test(void)
{
    static const uint8_t want[16] = {0x42, 0xa6, 0xf8, 0xff, 0x59, 0x0a, 0xf2, 0x1b,
                                     0x51, 0x2e, 0x9e, 0x08, 0x82, 0x57, 0xaa, 0x34};
    uint8_t k[32], in[201] __attribute__((aligned(8))), got[16];
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)i;
    for (int i = 0; i < 200; i++)
        in[i + 1] = (uint8_t)i;
    struct blake2s_state s;
    blake2s_init(&s, 16, k, sizeof k);
    blake2s_prepare(&s);
    blake2s_update(&s, in + 1, 200);
    blake2s_final(&s, got);
    int ok = blake2s_equal(got, want, 16);
    blake2s_init(&s, 16, k, sizeof k); /* again, word-aligned this time */
    blake2s_prepare(&s);
    for (int i = 0; i < 200; i++)
        in[i] = (uint8_t)i;
    blake2s_update(&s, in, 200);
    blake2s_final(&s, got);
    return ok && blake2s_equal(got, want, 16);
}

void rpc_init(void)
{
    if (!mac_self_test()) {
        klog("rpc: BLAKE2s self-test failed; remote calls are disabled");
        return;
    }
    char hex[80];
    uint8_t key[RPC_KEY_LEN] = {0};
    if (bootargs_get(boot_fdt.bootargs, "key", hex, sizeof hex) == 0 && strlen(hex) == 64) {
        for (int i = 0; i < 32; i++) {
            int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                klog("rpc: key= is not 64 hex digits; remote calls are disabled");
                return;
            }
            key[i] = (uint8_t)(hi << 4 | lo);
        }
    } else {
        klog("rpc: no key= in bootargs (64 hex digits); using the all-zero key");
    }
    rpcwire_key_init(&rpc_key, key);
    memset(key, 0, sizeof key);
    /* The boot epoch must grow from one boot to the next, or peers would take
     * a restarted node's frames for replays of its old ones: milliseconds of
     * wall-clock time (compared modulo 2^32 by the replay window). */
    uint64_t wall = rtc_now_ns();
    if (wall) {
        rpc_epoch = (uint32_t)(wall / 1000000);
        rpc_epoch_from_wall = 1;
    } else {
        klog("rpc: no wall clock; boot epochs may not grow across restarts");
        rpc_epoch = (uint32_t)kernel_random();
    }
    if (rpc_epoch == 0)
        rpc_epoch = 1;
    sched_idle_hook = rpc_flush_pending_acks;
    if (udp_bind(RPC_UDP_PORT, rpc_udp_input) != 0) {
        klog("rpc: UDP port %d taken", RPC_UDP_PORT);
        return;
    }
    rpc_ready = 1;
}
