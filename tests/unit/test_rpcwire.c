/* tests/unit/test_rpcwire.c: lib/rpcwire against a frame built independently
 * (Python's struct and hashlib.blake2s), round trips of every frame type and
 * of a whole fragmented message, every refusal of the decoder (any flipped
 * bit is a MAC failure; with the MAC recomputed, each bad field is
 * malformed), and the replay window. */
#include <stdlib.h>
#include <string.h>

#include "lib/blake2s.h"
#include "lib/rpcwire.h"
#include "tests/unit/unit.h"

static const uint8_t test_key[RPC_KEY_LEN] = {
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f};

/* Made by Python: struct.pack("<BBHHHIIQQQQQQQIHHHHI", ...) of the header of
 * golden_hdr() below + b"hello, rpc" + hashlib.blake2s(that, key=test_key,
 * digest_size=16).digest(). */
static const uint8_t golden[114] = {
    0x01, 0x01, 0x03, 0x00, 0x02, 0x00, 0x03, 0x00, 0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66,
    0x55, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xa8, 0xa7, 0xa6, 0xa5, 0xa4, 0xa3,
    0xa2, 0xa1, 0xb8, 0xb7, 0xb6, 0xb5, 0xb4, 0xb3, 0xb2, 0xb1, 0x07, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0xc8, 0xc7, 0xc6, 0xc5, 0xc4, 0xc3, 0xc2, 0xc1, 0x09, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0xd8, 0xd7, 0xd6, 0xd5, 0xd4, 0xd3, 0xd2, 0xd1, 0x0a, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x51, 0x0d, 0x03, 0x00, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x72, 0x70, 0x63, 0x25, 0x93, 0xf2, 0xc9, 0x6c, 0x64, 0x79,
    0x68, 0x1b, 0x89, 0x07, 0xe3, 0x5c, 0xc0, 0x62, 0x5b};

static struct rpc_hdr golden_hdr(void)
{
    struct rpc_hdr h = {
        .type = RPC_DATA,
        .flags = RPC_F_CALL | RPC_F_CARRY,
        .src_node = 2,
        .dst_node = 3,
        .src_epoch = 0x11223344,
        .seq = 0x55667788,
        .msg_id = 0x0102030405060708,
        .trace_id = 0xA1A2A3A4A5A6A7A8,
        .lamport = 0xB1B2B3B4B5B6B7B8,
        .dst_port = {0x0000000300000007, 0xC1C2C3C4C5C6C7C8},
        .carried = {0x0000000200000009, 0xD1D2D3D4D5D6D7D8},
        .total_len = 10,
        .frag_index = 0,
        .frag_count = 1,
        .payload_len = 10,
        .status = 0,
        .sender_pid = 200017,
    };
    return h;
}

static int hdr_equal(const struct rpc_hdr *a, const struct rpc_hdr *b)
{
    return a->type == b->type && a->flags == b->flags && a->src_node == b->src_node &&
           a->dst_node == b->dst_node && a->src_epoch == b->src_epoch && a->seq == b->seq &&
           a->msg_id == b->msg_id && a->trace_id == b->trace_id && a->lamport == b->lamport &&
           a->dst_port.a == b->dst_port.a && a->dst_port.b == b->dst_port.b &&
           a->carried.a == b->carried.a && a->carried.b == b->carried.b &&
           a->total_len == b->total_len && a->frag_index == b->frag_index &&
           a->frag_count == b->frag_count && a->payload_len == b->payload_len &&
           a->status == b->status && a->sender_pid == b->sender_pid;
}

/* Recomputes the MAC of frame[0..len) in place, as a sender with the key
 * would: lets a test reach the checks behind the MAC. */
static void remac(uint8_t *frame, uint32_t len)
{
    blake2s(frame + len - RPC_MAC_LEN, RPC_MAC_LEN, test_key, RPC_KEY_LEN, frame,
            len - RPC_MAC_LEN);
}

static void rpcwire_golden_frame(void)
{
    struct rpc_hdr h = golden_hdr(), d;
    uint8_t f[RPC_FRAME_MAX];
    CHECK_EQ(rpcwire_encode(f, sizeof f, &h, "hello, rpc", test_key), sizeof golden);
    CHECK(memcmp(f, golden, sizeof golden) == 0);
    const uint8_t *pl = NULL;
    CHECK_EQ(rpcwire_decode(golden, sizeof golden, test_key, &d, &pl), 0);
    CHECK(hdr_equal(&h, &d));
    CHECK(pl == golden + RPC_HDR_LEN);
    CHECK(memcmp(pl, "hello, rpc", 10) == 0);
}

/* The transport's path, with the key prepared once, makes and accepts the
 * same golden frame (Python's struct and hashlib built it). */
static void rpcwire_prepared_key(void)
{
    struct rpc_hdr h = golden_hdr(), d;
    struct rpcwire_key k;
    rpcwire_key_init(&k, test_key);
    uint8_t f[RPC_FRAME_MAX];
    for (int round = 0; round < 2; round++) { /* the prepared key is reusable */
        CHECK_EQ(rpcwire_encode_k(f, sizeof f, &h, "hello, rpc", &k), sizeof golden);
        CHECK(memcmp(f, golden, sizeof golden) == 0);
        const uint8_t *pl = NULL;
        CHECK_EQ(rpcwire_decode_k(golden, sizeof golden, &k, &d, &pl), 0);
        CHECK(hdr_equal(&h, &d));
    }
    f[3] ^= 1;
    const uint8_t *pl = NULL;
    CHECK_EQ(rpcwire_decode_k(f, sizeof golden, &k, &d, &pl), -EACCES);
}

static void rpcwire_constants(void)
{
    CHECK_EQ(RPC_HDR_LEN, 88);
    CHECK_EQ(RPC_FRAME_MAX, 1472); /* the largest UDP payload in one 1500-byte packet */
    CHECK_EQ(RPC_MSG_MAX, 69632);
    CHECK_EQ(RPC_MAX_FRAGS, 51);
    CHECK_EQ(rpcwire_frag_count(0), 1);
    CHECK_EQ(rpcwire_frag_count(1), 1);
    CHECK_EQ(rpcwire_frag_count(RPC_FRAG_PAYLOAD), 1);
    CHECK_EQ(rpcwire_frag_count(RPC_FRAG_PAYLOAD + 1), 2);
    CHECK_EQ(rpcwire_frag_count(RPC_MSG_MAX), RPC_MAX_FRAGS);
    CHECK_EQ(rpcwire_frag_len(0, 0), 0);
    CHECK_EQ(rpcwire_frag_len(0, 1), 0);
    CHECK_EQ(rpcwire_frag_len(RPC_FRAG_PAYLOAD + 1, 0), RPC_FRAG_PAYLOAD);
    CHECK_EQ(rpcwire_frag_len(RPC_FRAG_PAYLOAD + 1, 1), 1);
    CHECK_EQ(rpcwire_frag_len(RPC_FRAG_PAYLOAD + 1, 2), 0);
    CHECK_EQ(rpcwire_frag_len(RPC_MSG_MAX, RPC_MAX_FRAGS - 1),
             RPC_MSG_MAX - (RPC_MAX_FRAGS - 1) * RPC_FRAG_PAYLOAD);
}

/* One header of each type, encoded and decoded back field for field. */
static void rpcwire_roundtrip_types(void)
{
    uint8_t payload[RPC_FRAG_PAYLOAD];
    for (uint32_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 1);
    struct rpc_hdr hs[7];
    for (int i = 0; i < 7; i++)
        hs[i] = golden_hdr();
    hs[0].flags = 0, hs[0].carried = (struct rpc_port){0, 0}; /* one-way send */
    hs[1].type = RPC_REPLY, hs[1].flags = RPC_F_CARRY;        /* reply carrying a port */
    hs[2].type = RPC_REPLY, hs[2].flags = 0, hs[2].carried = (struct rpc_port){0, 0};
    hs[2].total_len = 0, hs[2].payload_len = 0; /* empty reply */
    hs[3].type = RPC_ACK, hs[3].flags = 0, hs[3].carried = (struct rpc_port){0, 0};
    hs[3].total_len = 5000, hs[3].frag_count = 4, hs[3].frag_index = 2, hs[3].payload_len = 8;
    hs[4].type = RPC_NACK, hs[4].flags = 0, hs[4].carried = (struct rpc_port){0, 0};
    hs[4].status = EHOSTUNREACH, hs[4].payload_len = 0;
    hs[5].total_len = RPC_FRAG_PAYLOAD, hs[5].payload_len = RPC_FRAG_PAYLOAD; /* full frame */
    hs[6] = hs[3], hs[6].payload_len = RPC_FRAG_PAYLOAD;                      /* largest ACK */
    for (int i = 0; i < 7; i++) {
        uint8_t f[RPC_FRAME_MAX + 8];
        uint32_t want = RPC_HDR_LEN + hs[i].payload_len + RPC_MAC_LEN;
        uint32_t n =
            rpcwire_encode(f, sizeof f, &hs[i], hs[i].payload_len ? payload : NULL, test_key);
        CHECK_EQ(n, want);
        struct rpc_hdr d;
        const uint8_t *pl;
        CHECK_EQ(rpcwire_decode(f, n, test_key, &d, &pl), 0);
        CHECK(hdr_equal(&hs[i], &d));
        CHECK(pl == f + RPC_HDR_LEN);
        CHECK(memcmp(pl, payload, d.payload_len) == 0);
        /* Exactly the needed capacity is enough, one byte less is not. */
        CHECK_EQ(rpcwire_encode(f, want, &hs[i], payload, test_key), want);
        CHECK_EQ(rpcwire_encode(f, want - 1, &hs[i], payload, test_key), 0);
    }
}

/* A largest message, cut into fragments, each its own frame, reassembled. */
static void rpcwire_roundtrip_fragments(void)
{
    uint8_t *msg = malloc(RPC_MSG_MAX), *out = calloc(RPC_MSG_MAX, 1);
    CHECK(msg && out);
    for (uint32_t i = 0; i < RPC_MSG_MAX; i++)
        msg[i] = (uint8_t)(i ^ (i >> 8));
    uint32_t lens[] = {1,     RPC_FRAG_PAYLOAD - 1, RPC_FRAG_PAYLOAD, RPC_FRAG_PAYLOAD + 1,
                       65536, RPC_MSG_MAX};
    for (unsigned t = 0; t < sizeof lens / sizeof lens[0]; t++) {
        uint32_t total = lens[t], count = rpcwire_frag_count(total), got = 0;
        memset(out, 0, RPC_MSG_MAX);
        for (uint32_t i = 0; i < count; i++) {
            struct rpc_hdr h = golden_hdr();
            h.seq = 100 + i;
            h.total_len = total;
            h.frag_count = (uint16_t)count;
            h.frag_index = (uint16_t)i;
            h.payload_len = (uint16_t)rpcwire_frag_len(total, i);
            uint8_t f[RPC_FRAME_MAX];
            uint32_t n = rpcwire_encode(f, sizeof f, &h, msg + i * RPC_FRAG_PAYLOAD, test_key);
            CHECK(n > 0);
            struct rpc_hdr d;
            const uint8_t *pl;
            CHECK_EQ(rpcwire_decode(f, n, test_key, &d, &pl), 0);
            CHECK(hdr_equal(&h, &d));
            memcpy(out + (uint32_t)d.frag_index * RPC_FRAG_PAYLOAD, pl, d.payload_len);
            got += d.payload_len;
        }
        CHECK_EQ(got, total);
        CHECK(memcmp(out, msg, total) == 0);
    }
    free(msg);
    free(out);
}

static void rpcwire_encode_in_place(void)
{
    uint8_t f[RPC_FRAME_MAX];
    memcpy(f + RPC_HDR_LEN, "hello, rpc", 10);
    struct rpc_hdr h = golden_hdr();
    CHECK_EQ(rpcwire_encode(f, sizeof f, &h, f + RPC_HDR_LEN, test_key), sizeof golden);
    CHECK(memcmp(f, golden, sizeof golden) == 0);
}

/* Headers encode refuses (and so decode would refuse). */
static void rpcwire_encode_refuses(void)
{
    uint8_t f[RPC_FRAME_MAX], pl[RPC_FRAG_PAYLOAD] = {0};
    struct rpc_hdr good = golden_hdr(), h;
    CHECK(rpcwire_encode(f, sizeof f, &good, pl, test_key) > 0);
#define REFUSE(stmt)                                                                               \
    do {                                                                                           \
        h = good;                                                                                  \
        stmt;                                                                                      \
        if (rpcwire_encode(f, sizeof f, &h, pl, test_key) != 0) {                                  \
            unit_fail(__FILE__, __LINE__, "encode accepted: %s", #stmt);                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)
    REFUSE(h.type = 0);
    REFUSE(h.type = 5);
    REFUSE(h.flags |= 4);
    REFUSE(h.type = RPC_REPLY); /* CALL on a reply */
    REFUSE(h.flags = 0);        /* carried port without CARRY */
    REFUSE(h.total_len = RPC_MSG_MAX + 1);
    REFUSE(h.frag_count = 2);
    REFUSE(h.frag_index = 1);
    REFUSE(h.payload_len = 9);
    REFUSE(h.status = 5);
    REFUSE(h.total_len = 0);
    REFUSE(h.type = RPC_ACK; h.flags = 0; h.carried.a = h.carried.b = 0;
           h.payload_len = RPC_FRAG_PAYLOAD + 1); /* ACK too long */
    REFUSE(h.type = RPC_NACK; h.flags = 0; h.carried.a = h.carried.b = 0;
           h.payload_len = 0);                                        /* NACK, no status */
    REFUSE(h.payload_len = 10; h.total_len = 2000; h.frag_count = 2); /* short first */
    h = good;
    CHECK_EQ(rpcwire_encode(f, sizeof f, &h, NULL, test_key), 0); /* no payload */
#undef REFUSE
}

/* Any single flipped bit, anywhere in the frame, fails the MAC. */
static void rpcwire_bitflip_is_forgery(void)
{
    uint8_t f[sizeof golden];
    struct rpc_hdr d = {0};
    const uint8_t *pl = NULL;
    for (uint32_t i = 0; i < sizeof golden * 8; i++) {
        memcpy(f, golden, sizeof f);
        f[i / 8] ^= (uint8_t)(1 << (i % 8));
        if (rpcwire_decode(f, sizeof f, test_key, &d, &pl) != -EACCES) {
            unit_fail(__FILE__, __LINE__, "bit %u flipped: not -EACCES", i);
            return;
        }
    }
    CHECK(pl == NULL); /* nothing written on failure */
    CHECK_EQ(d.type, 0);
}

static void rpcwire_other_key_is_forgery(void)
{
    uint8_t other[RPC_KEY_LEN], f[RPC_FRAME_MAX];
    memcpy(other, test_key, sizeof other);
    other[0] ^= 1;
    struct rpc_hdr h = golden_hdr(), d;
    const uint8_t *pl;
    uint32_t n = rpcwire_encode(f, sizeof f, &h, "hello, rpc", other);
    CHECK_EQ(n, sizeof golden);
    CHECK_EQ(rpcwire_decode(f, n, test_key, &d, &pl), -EACCES);
    CHECK_EQ(rpcwire_decode(f, n, other, &d, &pl), 0);
    /* An all-zero MAC is not a wildcard. */
    memset(f + n - RPC_MAC_LEN, 0, RPC_MAC_LEN);
    CHECK_EQ(rpcwire_decode(f, n, other, &d, &pl), -EACCES);
}

static void rpcwire_truncated_and_oversized(void)
{
    uint8_t f[RPC_FRAME_MAX + 1];
    struct rpc_hdr d;
    const uint8_t *pl;
    memcpy(f, golden, sizeof golden);
    for (uint32_t n = 0; n < sizeof golden; n++) {
        int want = n < RPC_HDR_LEN + RPC_MAC_LEN ? -EBADMSG : -EACCES;
        if (rpcwire_decode(f, n, test_key, &d, &pl) != want) {
            unit_fail(__FILE__, __LINE__, "truncated to %u: not %d", n, want);
            return;
        }
    }
    /* Truncated, then re-MACed by a key holder: the lengths disagree. */
    for (uint32_t n = RPC_HDR_LEN + RPC_MAC_LEN; n < sizeof golden; n++) {
        memcpy(f, golden, sizeof golden);
        remac(f, n);
        CHECK_EQ(rpcwire_decode(f, n, test_key, &d, &pl), -EBADMSG);
    }
    /* Longer than any frame: refused before any MAC work. */
    memset(f, 0, sizeof f);
    CHECK_EQ(rpcwire_decode(f, RPC_FRAME_MAX + 1, test_key, &d, &pl), -EBADMSG);
    CHECK_EQ(rpcwire_decode(f, 0xffffffff, test_key, &d, &pl), -EBADMSG);
}

/* Write helpers for corrupting fields. */
static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, (uint16_t)v), w16(p + 2, (uint16_t)(v >> 16)); }

/* Each malformed field, in an otherwise good frame re-MACed with the right
 * key: -EBADMSG, and *h untouched. */
static void rpcwire_bad_fields(void)
{
    /* A frame of the ACK of fragment 1 of a 3000-byte message and one of a
     * NACK, to corrupt besides the golden DATA frame. */
    uint8_t ack[RPC_HDR_LEN + RPC_MAC_LEN], nack[RPC_HDR_LEN + RPC_MAC_LEN];
    struct rpc_hdr h = golden_hdr();
    h.type = RPC_ACK, h.flags = 0, h.carried = (struct rpc_port){0, 0};
    h.total_len = 3000, h.frag_count = 3, h.frag_index = 1, h.payload_len = 0;
    CHECK_EQ(rpcwire_encode(ack, sizeof ack, &h, NULL, test_key), sizeof ack);
    h.type = RPC_NACK, h.status = ENOENT, h.total_len = 0, h.frag_count = 1, h.frag_index = 0;
    CHECK_EQ(rpcwire_encode(nack, sizeof nack, &h, NULL, test_key), sizeof nack);

    uint8_t f[RPC_FRAME_MAX];
    struct rpc_hdr d;
    const uint8_t *pl;
    int cases = 0;
#define BAD(base, stmt)                                                                            \
    do {                                                                                           \
        uint32_t n_ = sizeof base;                                                                 \
        memcpy(f, base, n_);                                                                       \
        stmt;                                                                                      \
        remac(f, n_);                                                                              \
        memset(&d, 0x5a, sizeof d);                                                                \
        pl = NULL;                                                                                 \
        int rv_ = rpcwire_decode(f, n_, test_key, &d, &pl);                                        \
        if (rv_ != -EBADMSG || pl != NULL || ((uint8_t *)&d)[0] != 0x5a) {                         \
            unit_fail(__FILE__, __LINE__, "%s: %s gave %d", #base, #stmt, rv_);                    \
            return;                                                                                \
        }                                                                                          \
        cases++;                                                                                   \
    } while (0)
    /* The base frames are good as they are (MAC recomputed, nothing changed). */
    memcpy(f, golden, sizeof golden);
    remac(f, sizeof golden);
    CHECK_EQ(rpcwire_decode(f, sizeof golden, test_key, &d, &pl), 0);
    CHECK_EQ(rpcwire_decode(ack, sizeof ack, test_key, &d, &pl), 0);
    CHECK_EQ(rpcwire_decode(nack, sizeof nack, test_key, &d, &pl), 0);
    /* A datagram (one-way, carrying a port) is a good DATA frame. */
    memcpy(f, golden, sizeof golden);
    w16(f + 2, RPC_F_DGRAM | RPC_F_CARRY);
    remac(f, sizeof golden);
    CHECK_EQ(rpcwire_decode(f, sizeof golden, test_key, &d, &pl), 0);
    CHECK_EQ(d.flags, RPC_F_DGRAM | RPC_F_CARRY);

    BAD(golden, f[0] = 0); /* version */
    BAD(golden, f[0] = 2);
    BAD(golden, f[0] = 0xff);
    BAD(golden, f[1] = 0); /* type */
    BAD(golden, f[1] = 5);
    BAD(golden, f[1] = 0xff);
    BAD(golden, f[1] = RPC_REPLY);            /* CALL on a reply */
    BAD(golden, f[1] = RPC_ACK);              /* flags on an ACK */
    BAD(golden, w16(f + 2, 8 | 3));           /* unknown flag bits */
    BAD(golden, w16(f + 2, RPC_F_DGRAM | 3)); /* a datagram is never a call */
    BAD(golden, w16(f + 2, 0x8000 | 3));
    BAD(golden, w16(f + 2, RPC_F_CALL)); /* carried port set, CARRY not */
    BAD(golden, w32(f + 72, 11));        /* total length != payload */
    BAD(golden, w32(f + 72, 9));
    BAD(golden, w32(f + 72, RPC_MSG_MAX + 1));
    BAD(golden, w32(f + 72, 0xffffffff));
    BAD(golden, w32(f + 72, RPC_FRAG_PAYLOAD + 10)); /* a last fragment... */
    BAD(golden, w16(f + 76, 1));                     /* fragment index past count */
    BAD(golden, w16(f + 76, 0xffff));
    BAD(golden, w16(f + 78, 0)); /* fragment count */
    BAD(golden, w16(f + 78, 2));
    BAD(golden, w16(f + 78, 0xffff));
    BAD(golden, w16(f + 80, 9)); /* payload length != frame */
    BAD(golden, w16(f + 80, 11));
    BAD(golden, w16(f + 80, 0));
    BAD(golden, w16(f + 80, 0xffff));
    BAD(golden, w16(f + 82, EIO)); /* status on DATA */
    /* The second of two fragments, claiming index 0: not a full fragment. */
    BAD(golden, w32(f + 72, RPC_FRAG_PAYLOAD + 10); w16(f + 78, 2));
    BAD(ack, f[0] = 3);
    BAD(ack, w16(f + 2, RPC_F_CARRY)); /* flags on an ACK */
    BAD(ack, w16(f + 2, RPC_F_CALL));
    BAD(ack, w16(f + 2, RPC_F_DGRAM)); /* datagram flag on an ACK */
    BAD(ack, w16(f + 76, 3));          /* index past count */
    BAD(ack, w16(f + 78, 2));          /* count does not match total */
    BAD(ack, w32(f + 72, RPC_MSG_MAX + 1));
    BAD(ack, w16(f + 80, 1));   /* payload length != frame */
    BAD(ack, w16(f + 82, EIO)); /* status on an ACK */
    BAD(ack, f[56] = 1);        /* carried port without CARRY */
    BAD(ack, f[71] = 1);
    BAD(nack, w16(f + 82, 0));   /* NACK without a status */
    BAD(nack, f[1] = RPC_REPLY); /* status on a reply */
    BAD(nack, w16(f + 2, RPC_F_CALL));
    CHECK(cases >= 40);
#undef BAD
    /* A good frame with a byte of junk after it, re-MACed: the length field
     * and the frame length disagree. */
    memcpy(f, golden, sizeof golden - RPC_MAC_LEN);
    f[sizeof golden - RPC_MAC_LEN] = 0;
    remac(f, sizeof golden + 1);
    CHECK_EQ(rpcwire_decode(f, sizeof golden + 1, test_key, &d, &pl), -EBADMSG);
}

/* Fields with no consistency rule are carried whatever their value. */
static void rpcwire_free_fields(void)
{
    struct rpc_hdr h = golden_hdr(), d;
    h.src_node = 0xffff, h.dst_node = 0, h.src_epoch = 0xffffffff, h.seq = 0;
    h.msg_id = ~0ull, h.trace_id = 0, h.lamport = ~0ull, h.dst_port.a = 0;
    h.dst_port.b = ~0ull, h.sender_pid = 0xffffffff;
    uint8_t f[RPC_FRAME_MAX];
    const uint8_t *pl;
    uint32_t n = rpcwire_encode(f, sizeof f, &h, "hello, rpc", test_key);
    CHECK(n > 0);
    CHECK_EQ(rpcwire_decode(f, n, test_key, &d, &pl), 0);
    CHECK(hdr_equal(&h, &d));
    /* A carried port may itself be zero when CARRY is set. */
    h.carried = (struct rpc_port){0, 0};
    n = rpcwire_encode(f, sizeof f, &h, "hello, rpc", test_key);
    CHECK(n > 0);
    CHECK_EQ(rpcwire_decode(f, n, test_key, &d, &pl), 0);
    CHECK(hdr_equal(&h, &d));
}

static void rpcwire_replay_in_order(void)
{
    struct rpc_replay r = {0};
    for (uint32_t s = 0; s < 1000; s++)
        CHECK_EQ(rpc_replay_check(&r, 7, s), 0);
    CHECK_EQ(r.epoch, 7);
    CHECK_EQ(r.top, 999);
    for (uint32_t s = 900; s < 1000; s++)
        CHECK_EQ(rpc_replay_check(&r, 7, s), -EALREADY);
    /* Gaps (frames sent to other peers, or lost) are fine. */
    CHECK_EQ(rpc_replay_check(&r, 7, 1005), 0);
    CHECK_EQ(rpc_replay_check(&r, 7, 5000), 0);
    CHECK_EQ(rpc_replay_check(&r, 7, 0xffffffff), 0);
    CHECK_EQ(rpc_replay_check(&r, 7, 0xffffffff), -EALREADY);
}

static void rpcwire_replay_out_of_order(void)
{
    struct rpc_replay r;
    rpc_replay_reset(&r);
    CHECK_EQ(rpc_replay_check(&r, 1, 100), 0);
    /* Every seq up to 63 behind top is still accepted once, in any order. */
    for (int k = 63; k >= 1; k -= 2)
        CHECK_EQ(rpc_replay_check(&r, 1, (uint32_t)(100 - k)), 0);
    for (int k = 62; k >= 2; k -= 2)
        CHECK_EQ(rpc_replay_check(&r, 1, (uint32_t)(100 - k)), 0);
    for (int k = 0; k <= 63; k++)
        CHECK_EQ(rpc_replay_check(&r, 1, (uint32_t)(100 - k)), -EALREADY);
    CHECK_EQ(rpc_replay_check(&r, 1, 36), -EALREADY); /* 64 behind: too old */
    CHECK_EQ(rpc_replay_check(&r, 1, 0), -EALREADY);
    /* A jump forward keeps what is still in the window. */
    CHECK_EQ(rpc_replay_check(&r, 1, 110), 0);
    CHECK_EQ(rpc_replay_check(&r, 1, 100), -EALREADY);
    CHECK_EQ(rpc_replay_check(&r, 1, 105), 0);
    CHECK_EQ(rpc_replay_check(&r, 1, 105), -EALREADY);
    CHECK_EQ(rpc_replay_check(&r, 1, 47), -EALREADY); /* 63 behind, already seen */
    CHECK_EQ(rpc_replay_check(&r, 1, 46), -EALREADY); /* 64 behind */
    /* A jump of 64 or more clears the window. */
    CHECK_EQ(rpc_replay_check(&r, 1, 174), 0);
    CHECK_EQ(rpc_replay_check(&r, 1, 111), 0);
    CHECK_EQ(rpc_replay_check(&r, 1, 110), -EALREADY);
    CHECK_EQ(rpc_replay_check(&r, 1, 1000), 0);
    CHECK_EQ(rpc_replay_check(&r, 1, 937), 0);
    CHECK_EQ(rpc_replay_check(&r, 1, 174), -EALREADY);
}

static void rpcwire_replay_epochs(void)
{
    struct rpc_replay r = {0};
    /* The first frame from a peer is accepted whatever its epoch and seq. */
    CHECK_EQ(rpc_replay_check(&r, 5, 1000), 0);
    CHECK_EQ(rpc_replay_check(&r, 5, 999), 0);
    /* An older epoch: a frame from before the peer rebooted, refused. */
    CHECK_EQ(rpc_replay_check(&r, 4, 2000), -ECONNRESET);
    CHECK_EQ(rpc_replay_check(&r, 0, 0), -ECONNRESET);
    CHECK_EQ(r.epoch, 5);
    CHECK_EQ(r.top, 1000);
    /* A newer epoch: the peer rebooted, its seqs start over. */
    CHECK_EQ(rpc_replay_check(&r, 6, 0), 0);
    CHECK_EQ(r.epoch, 6);
    CHECK_EQ(rpc_replay_check(&r, 6, 0), -EALREADY);
    CHECK_EQ(rpc_replay_check(&r, 6, 1), 0);
    CHECK_EQ(rpc_replay_check(&r, 5, 1001), -ECONNRESET);
    CHECK_EQ(rpc_replay_check(&r, 0x80000005, 7), 0); /* newer by just under 2^31 */
    CHECK_EQ(rpc_replay_check(&r, 6, 2), -ECONNRESET);
    /* Epochs compare modulo 2^32 (wall-clock ms wrap every 49 days): just
     * past the wrap is newer, just before it is older. */
    CHECK_EQ(rpc_replay_check(&r, 0xfffffff0, 1), 0);
    CHECK_EQ(rpc_replay_check(&r, 5, 1), 0);
    CHECK_EQ(r.epoch, 5);
    CHECK_EQ(rpc_replay_check(&r, 0xfffffff0, 2), -ECONNRESET);
    /* Epoch 0, seq 0 is an ordinary first frame. */
    rpc_replay_reset(&r);
    CHECK_EQ(rpc_replay_check(&r, 0, 0), 0);
    CHECK_EQ(rpc_replay_check(&r, 0, 0), -EALREADY);
    CHECK_EQ(rpc_replay_check(&r, 0, 1), 0);
    /* Rejections leave the window as it was. */
    struct rpc_replay before = r;
    CHECK_EQ(rpc_replay_check(&r, 0, 1), -EALREADY);
    CHECK(memcmp(&before, &r, sizeof r) == 0);
}

const struct unit_test unit_rpcwire_tests[] = {
    {"rpcwire_golden_frame", rpcwire_golden_frame},
    {"rpcwire_prepared_key", rpcwire_prepared_key},
    {"rpcwire_constants", rpcwire_constants},
    {"rpcwire_roundtrip_types", rpcwire_roundtrip_types},
    {"rpcwire_roundtrip_fragments", rpcwire_roundtrip_fragments},
    {"rpcwire_encode_in_place", rpcwire_encode_in_place},
    {"rpcwire_encode_refuses", rpcwire_encode_refuses},
    {"rpcwire_bitflip_is_forgery", rpcwire_bitflip_is_forgery},
    {"rpcwire_other_key_is_forgery", rpcwire_other_key_is_forgery},
    {"rpcwire_truncated_and_oversized", rpcwire_truncated_and_oversized},
    {"rpcwire_bad_fields", rpcwire_bad_fields},
    {"rpcwire_free_fields", rpcwire_free_fields},
    {"rpcwire_replay_in_order", rpcwire_replay_in_order},
    {"rpcwire_replay_out_of_order", rpcwire_replay_out_of_order},
    {"rpcwire_replay_epochs", rpcwire_replay_epochs},
    {NULL, NULL},
};
