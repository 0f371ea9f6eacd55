/* lib/rpcwire.h: the frame format of the kernel RPC transport (net/rpc.c),
 * carried in UDP: a fixed 88-byte little-endian header, up to
 * RPC_FRAG_PAYLOAD bytes of payload, and a 16-byte MAC (keyed BLAKE2s,
 * lib/blake2s, over header + payload with the 32-byte cluster key). Also the
 * per-peer replay window over (epoch, frame seq). docs/wire.md is the full
 * description; this module is pure, so the fuzzer and unit tests drive it.
 *
 * Freestanding: only <stdint.h> and our headers. */
#ifndef LIB_RPCWIRE_H
#define LIB_RPCWIRE_H

#include <stdint.h>

#include "lib/blake2s.h"

#include "lib/errno.h"

#ifndef EALREADY
#define EALREADY 120 /* newlib's value; belongs in lib/errno.h ("already seen") */
#endif

#define RPCWIRE_VERSION 1
#define RPC_HDR_LEN 88
#define RPC_MAC_LEN 16
#define RPC_KEY_LEN 32
/* Largest payload of one fragment: the whole frame must fit one UDP datagram
 * in one unfragmented IPv4 packet on a 1500-byte Ethernet MTU:
 * 1500 - 20 (IPv4) - 8 (UDP) - 88 - 16 = 1368. */
#define RPC_FRAG_PAYLOAD 1368
#define RPC_FRAME_MAX (RPC_HDR_LEN + RPC_FRAG_PAYLOAD + RPC_MAC_LEN)            /* 1472 */
#define RPC_MSG_MAX (65536 + 4096)                                              /* one message */
#define RPC_MAX_FRAGS ((RPC_MSG_MAX + RPC_FRAG_PAYLOAD - 1) / RPC_FRAG_PAYLOAD) /* 51 */

/* Frame types. */
#define RPC_DATA 1  /* a fragment of a message: one-way send or call request */
#define RPC_REPLY 2 /* a fragment of a reply to a call */
#define RPC_ACK 3   /* a message (or fragments of it) received; payload is net/rpc.c's */
#define RPC_NACK 4  /* a message was refused; status says why */

/* Flags. */
#define RPC_F_CALL 1  /* DATA only: the sender awaits a REPLY with this msg id */
#define RPC_F_CARRY 2 /* DATA or REPLY: the carried port is valid */
#define RPC_F_DGRAM 4 /* DATA only: a datagram; the receiver sends no ACK or NACK */
#define RPC_F_ALL (RPC_F_CALL | RPC_F_CARRY | RPC_F_DGRAM)

/* A cluster-wide port identity: a = node << 32 | index, b = random check. */
struct rpc_port {
    uint64_t a, b;
};

/* Every header field but the version, in host form (the codec writes and
 * requires RPCWIRE_VERSION). Field meanings: docs/wire.md. */
struct rpc_hdr {
    uint8_t type;   /* RPC_DATA .. RPC_NACK */
    uint16_t flags; /* RPC_F_* */
    uint16_t src_node, dst_node;
    uint32_t src_epoch; /* sender's boot epoch */
    uint32_t seq;       /* frame seq: strictly increasing per frame sent in an epoch */
    uint64_t msg_id;    /* the message (or, in REPLY/ACK/NACK, the one answered) */
    uint64_t trace_id;  /* the message's trace (docs/trace.md); carried as is */
    uint64_t lamport;   /* the sender's Lamport time; carried as is */
    struct rpc_port dst_port;
    struct rpc_port carried; /* all zero unless RPC_F_CARRY */
    uint32_t total_len;      /* whole message length, <= RPC_MSG_MAX */
    uint16_t frag_index;     /* < frag_count */
    uint16_t frag_count;     /* rpcwire_frag_count(total_len) */
    uint16_t payload_len;    /* DATA/REPLY: rpcwire_frag_len(total_len, frag_index);
                              ACK/NACK: 0..RPC_FRAG_PAYLOAD */
    uint16_t status;         /* NACK: a positive errno code (nonzero); 0 otherwise */
    uint32_t sender_pid;
};

/* Number of fragments of a total_len-byte message: ceil(total_len /
 * RPC_FRAG_PAYLOAD), or 1 for an empty message. Meaningful for total_len <=
 * RPC_MSG_MAX (1..RPC_MAX_FRAGS). */
uint32_t rpcwire_frag_count(uint32_t total_len);

/* Payload bytes of fragment index of a total_len-byte message: RPC_FRAG_PAYLOAD
 * for all but the last, the rest for the last; 0 if index is out of range. */
uint32_t rpcwire_frag_len(uint32_t total_len, uint32_t index);

/* Writes the frame for h and payload[0..h->payload_len) into frame[0..cap)
 * and MACs it with key. payload may be NULL when payload_len is 0, and may
 * be frame + RPC_HDR_LEN (built in place); otherwise it must not overlap
 * frame. h must pass every check rpcwire_decode makes (type, flags, fragment
 * fields, status, carried port). Returns the frame length (RPC_HDR_LEN +
 * payload_len + RPC_MAC_LEN), or 0 if h is inconsistent or cap too small
 * (then frame may have been partly written). */
uint32_t rpcwire_encode(uint8_t *frame, uint32_t cap, const struct rpc_hdr *h, const void *payload,
                        const uint8_t key[RPC_KEY_LEN]);

/* Authenticates and decodes a received frame[0..len) (the UDP payload).
 * Checks, in order: RPC_HDR_LEN + RPC_MAC_LEN <= len <= RPC_FRAME_MAX
 * (-EBADMSG); the MAC, in constant time (-EACCES: wrong key, forged or
 * altered); then version, type, flags, total length, fragment count, index
 * and payload length against each other and against len exactly, status
 * only on NACK, carried port only with RPC_F_CARRY (-EBADMSG). On success
 * returns 0, fills *h and points *payload at the payload inside frame (valid
 * while frame is); on failure *h and *payload are untouched. Replay is not
 * checked here: pass (src_epoch, seq) to rpc_replay_check afterwards. */
int rpcwire_decode(const uint8_t *frame, uint32_t len, const uint8_t key[RPC_KEY_LEN],
                   struct rpc_hdr *h, const uint8_t **payload);

/* The cluster key made ready for many frames: the BLAKE2s state after the
 * key block (blake2s_prepare), so each MAC costs one compression fewer
 * (a header-only frame: 2 instead of 3). The MACs are the same. */
struct rpcwire_key {
    struct blake2s_state keyed;
};
void rpcwire_key_init(struct rpcwire_key *k, const uint8_t key[RPC_KEY_LEN]);
/* rpcwire_encode and rpcwire_decode with a prepared key (the transport's
 * per-frame path); the two above prepare key on every call. */
uint32_t rpcwire_encode_k(uint8_t *frame, uint32_t cap, const struct rpc_hdr *h,
                          const void *payload, const struct rpcwire_key *key);
int rpcwire_decode_k(const uint8_t *frame, uint32_t len, const struct rpcwire_key *key,
                     struct rpc_hdr *h, const uint8_t **payload);

/* Replay window of one peer: its newest known epoch, the highest frame seq
 * seen in it, and a bitmap of seqs top, top-1, ..., top-63 (bit i = top-i
 * seen). All zero (or rpc_replay_reset) means nothing seen yet. */
struct rpc_replay {
    uint32_t epoch;
    uint32_t top;
    uint64_t bitmap;
};

/* Forgets everything: the next frame is accepted whatever its epoch. */
void rpc_replay_reset(struct rpc_replay *r);

/* Decides whether an authenticated frame (epoch, seq) from this peer is new.
 * Call it only after rpcwire_decode returned 0: a forged frame must not move
 * the window. Returns 0 and records seq when fresh: the first frame, a newer
 * epoch (the peer rebooted: the window restarts at seq), a seq above top, or
 * an unseen seq at most 63 below top. -EALREADY for a seq already seen or
 * more than 63 below top; -ECONNRESET for an epoch older than the known one
 * (a frame from before the peer's reboot). Rejections leave r unchanged. */
int rpc_replay_check(struct rpc_replay *r, uint32_t epoch, uint32_t seq);

#endif
