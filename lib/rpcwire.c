/* lib/rpcwire.c: encode, authenticate and decode RPC transport frames, and
 * the per-peer replay window. Layout and rules: docs/wire.md. */
#include "lib/rpcwire.h"

#include "lib/blake2s.h"
#include "lib/errno.h"

/* Header field offsets (docs/wire.md). */
enum {
    OFF_VERSION = 0,
    OFF_TYPE = 1,
    OFF_FLAGS = 2,
    OFF_SRC_NODE = 4,
    OFF_DST_NODE = 6,
    OFF_EPOCH = 8,
    OFF_SEQ = 12,
    OFF_MSG_ID = 16,
    OFF_TRACE = 24,
    OFF_LAMPORT = 32,
    OFF_DST_PORT = 40,
    OFF_CARRIED = 56,
    OFF_TOTAL = 72,
    OFF_FRAG_INDEX = 76,
    OFF_FRAG_COUNT = 78,
    OFF_PAYLOAD_LEN = 80,
    OFF_STATUS = 82,
    OFF_PID = 84,
};

_Static_assert(OFF_PID + 4 == RPC_HDR_LEN, "header layout");
_Static_assert(RPC_FRAME_MAX + 20 + 8 <= 1500, "a frame fits one unfragmented IPv4 packet");
_Static_assert(RPC_MAX_FRAGS <= 0xffff, "fragment count fits its field");
_Static_assert(RPC_MSG_MAX <= (uint32_t)RPC_MAX_FRAGS * RPC_FRAG_PAYLOAD, "fragments cover");

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

uint32_t rpcwire_frag_count(uint32_t total_len)
{
    if (total_len == 0)
        return 1;
    return (uint32_t)(((uint64_t)total_len + RPC_FRAG_PAYLOAD - 1) / RPC_FRAG_PAYLOAD);
}

uint32_t rpcwire_frag_len(uint32_t total_len, uint32_t index)
{
    uint32_t count = rpcwire_frag_count(total_len);
    if (index >= count)
        return 0;
    if (index + 1 < count)
        return RPC_FRAG_PAYLOAD;
    return total_len - index * RPC_FRAG_PAYLOAD;
}

void rpcwire_key_init(struct rpcwire_key *k, const uint8_t key[RPC_KEY_LEN])
{
    blake2s_init(&k->keyed, RPC_MAC_LEN, key, RPC_KEY_LEN);
    blake2s_prepare(&k->keyed); /* every MAC covers >= RPC_HDR_LEN bytes: never empty */
}

/* mac = BLAKE2s-128 keyed with the cluster key, over body[0..len) (len >=
 * RPC_HDR_LEN), continuing from a copy of the prepared keyed state. (The
 * streaming calls, not the one-shot blake2s(): the lib cross-check admits
 * only module_prefixed symbols between lib/ modules.) */
static void rpcwire_mac(uint8_t mac[RPC_MAC_LEN], const uint8_t *body, uint32_t len,
                        const struct rpcwire_key *k)
{
    struct blake2s_state s = k->keyed;
    blake2s_update(&s, body, len);
    blake2s_final(&s, mac);
}

/* The checks shared by encode and decode, on a header in host form: 0 if
 * every field is consistent with the others, else -EBADMSG. */
static int rpcwire_check(const struct rpc_hdr *h)
{
    if (h->type < RPC_DATA || h->type > RPC_NACK)
        return -EBADMSG;
    if (h->flags & ~RPC_F_ALL)
        return -EBADMSG;
    /* CALL marks a request; only messages (not acks) carry a port. */
    if ((h->flags & RPC_F_CALL) && h->type != RPC_DATA)
        return -EBADMSG;
    /* A datagram is a one-way message: never a call. */
    if ((h->flags & RPC_F_DGRAM) && (h->type != RPC_DATA || (h->flags & RPC_F_CALL)))
        return -EBADMSG;
    if ((h->flags & RPC_F_CARRY) && h->type != RPC_DATA && h->type != RPC_REPLY)
        return -EBADMSG;
    if (!(h->flags & RPC_F_CARRY) && (h->carried.a | h->carried.b) != 0)
        return -EBADMSG;
    if (h->total_len > RPC_MSG_MAX)
        return -EBADMSG;
    if (h->frag_count != rpcwire_frag_count(h->total_len) || h->frag_index >= h->frag_count)
        return -EBADMSG;
    /* A message fragment carries exactly its share of the message. ACK and
     * NACK echo the fragment fields of what they answer; their payload (a
     * bitmap of fragments received, say) is net/rpc.c's to define. */
    if (h->type == RPC_DATA || h->type == RPC_REPLY) {
        if (h->payload_len != rpcwire_frag_len(h->total_len, h->frag_index))
            return -EBADMSG;
    } else if (h->payload_len > RPC_FRAG_PAYLOAD) {
        return -EBADMSG;
    }
    if ((h->type == RPC_NACK) != (h->status != 0))
        return -EBADMSG;
    return 0;
}

uint32_t rpcwire_encode(uint8_t *frame, uint32_t cap, const struct rpc_hdr *h, const void *payload,
                        const uint8_t key[RPC_KEY_LEN])
{
    struct rpcwire_key k;
    rpcwire_key_init(&k, key);
    return rpcwire_encode_k(frame, cap, h, payload, &k);
}

int rpcwire_decode(const uint8_t *frame, uint32_t len, const uint8_t key[RPC_KEY_LEN],
                   struct rpc_hdr *h, const uint8_t **payload)
{
    struct rpcwire_key k;
    rpcwire_key_init(&k, key);
    return rpcwire_decode_k(frame, len, &k, h, payload);
}

uint32_t rpcwire_encode_k(uint8_t *frame, uint32_t cap, const struct rpc_hdr *h,
                          const void *payload, const struct rpcwire_key *key)
{
    if (rpcwire_check(h) < 0)
        return 0;
    uint32_t body = RPC_HDR_LEN + h->payload_len;
    if (cap < body + RPC_MAC_LEN || (h->payload_len > 0 && !payload))
        return 0;
    uint8_t *p = frame;
    p[OFF_VERSION] = RPCWIRE_VERSION;
    p[OFF_TYPE] = h->type;
    put16(p + OFF_FLAGS, h->flags);
    put16(p + OFF_SRC_NODE, h->src_node);
    put16(p + OFF_DST_NODE, h->dst_node);
    put32(p + OFF_EPOCH, h->src_epoch);
    put32(p + OFF_SEQ, h->seq);
    put64(p + OFF_MSG_ID, h->msg_id);
    put64(p + OFF_TRACE, h->trace_id);
    put64(p + OFF_LAMPORT, h->lamport);
    put64(p + OFF_DST_PORT, h->dst_port.a);
    put64(p + OFF_DST_PORT + 8, h->dst_port.b);
    put64(p + OFF_CARRIED, h->carried.a);
    put64(p + OFF_CARRIED + 8, h->carried.b);
    put32(p + OFF_TOTAL, h->total_len);
    put16(p + OFF_FRAG_INDEX, h->frag_index);
    put16(p + OFF_FRAG_COUNT, h->frag_count);
    put16(p + OFF_PAYLOAD_LEN, h->payload_len);
    put16(p + OFF_STATUS, h->status);
    put32(p + OFF_PID, h->sender_pid);
    if (h->payload_len > 0 && payload != p + RPC_HDR_LEN) {
        const uint8_t *src = payload;
        for (uint32_t i = 0; i < h->payload_len; i++)
            p[RPC_HDR_LEN + i] = src[i];
    }
    rpcwire_mac(p + body, p, body, key);
    return body + RPC_MAC_LEN;
}

int rpcwire_decode_k(const uint8_t *frame, uint32_t len, const struct rpcwire_key *key,
                     struct rpc_hdr *h, const uint8_t **payload)
{
    if (len < RPC_HDR_LEN + RPC_MAC_LEN || len > RPC_FRAME_MAX)
        return -EBADMSG;
    uint32_t body = len - RPC_MAC_LEN;
    uint8_t mac[RPC_MAC_LEN];
    rpcwire_mac(mac, frame, body, key);
    if (!blake2s_equal(mac, frame + body, RPC_MAC_LEN))
        return -EACCES;

    const uint8_t *p = frame;
    if (p[OFF_VERSION] != RPCWIRE_VERSION)
        return -EBADMSG;
    struct rpc_hdr d;
    d.type = p[OFF_TYPE];
    d.flags = get16(p + OFF_FLAGS);
    d.src_node = get16(p + OFF_SRC_NODE);
    d.dst_node = get16(p + OFF_DST_NODE);
    d.src_epoch = get32(p + OFF_EPOCH);
    d.seq = get32(p + OFF_SEQ);
    d.msg_id = get64(p + OFF_MSG_ID);
    d.trace_id = get64(p + OFF_TRACE);
    d.lamport = get64(p + OFF_LAMPORT);
    d.dst_port.a = get64(p + OFF_DST_PORT);
    d.dst_port.b = get64(p + OFF_DST_PORT + 8);
    d.carried.a = get64(p + OFF_CARRIED);
    d.carried.b = get64(p + OFF_CARRIED + 8);
    d.total_len = get32(p + OFF_TOTAL);
    d.frag_index = get16(p + OFF_FRAG_INDEX);
    d.frag_count = get16(p + OFF_FRAG_COUNT);
    d.payload_len = get16(p + OFF_PAYLOAD_LEN);
    d.status = get16(p + OFF_STATUS);
    d.sender_pid = get32(p + OFF_PID);
    if (rpcwire_check(&d) < 0)
        return -EBADMSG;
    if (RPC_HDR_LEN + (uint32_t)d.payload_len != body)
        return -EBADMSG;
    *h = d;
    *payload = p + RPC_HDR_LEN;
    return 0;
}

void rpc_replay_reset(struct rpc_replay *r)
{
    r->epoch = 0;
    r->top = 0;
    r->bitmap = 0;
}

int rpc_replay_check(struct rpc_replay *r, uint32_t epoch, uint32_t seq)
{
    /* Epochs are compared modulo 2^32 (serial number arithmetic, RFC 1982):
     * a node's epoch is wall-clock milliseconds, which wraps every 49 days. */
    int32_t age = (int32_t)(epoch - r->epoch);
    /* bitmap bit 0 stands for top, so it is never 0 once a frame is seen. */
    if (r->bitmap == 0 || age > 0) {
        r->epoch = epoch;
        r->top = seq;
        r->bitmap = 1;
        return 0;
    }
    if (age < 0)
        return -ECONNRESET;
    if (seq > r->top) {
        uint32_t shift = seq - r->top;
        r->bitmap = shift >= 64 ? 1 : (r->bitmap << shift) | 1;
        r->top = seq;
        return 0;
    }
    uint32_t behind = r->top - seq;
    if (behind >= 64 || (r->bitmap >> behind) & 1)
        return -EALREADY;
    r->bitmap |= (uint64_t)1 << behind;
    return 0;
}
