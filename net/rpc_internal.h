/* net/rpc_internal.h: what the RPC transport's files share (net/rpc.h is
 * its interface to the rest of the kernel; docs/ipc.md has the protocol):
 *
 *   rpc.c         the shared state, frames (header, MAC, sending) and
 *                 start-up (the cluster key, the boot epoch)
 *   rpc_caller.c  the caller side: one operation per process, driven by
 *                 the caller's own process (send, retransmit, poll)
 *   rpc_server.c  the server side: messages reassembled and delivered to
 *                 local ports; replies kept until acknowledged; at most once
 *   rpc_input.c   a UDP datagram in: authenticated, checked against the
 *                 sender's replay window, handed to one side or the other
 *   rpc_trace.c   the trace events of messages, replies and failed calls */
#ifndef NET_RPC_INTERNAL_H
#define NET_RPC_INTERNAL_H

#include "net/rpc.h"
#include "kernel/portroute.h"
#include "drivers/rtc.h"
#include "kernel/kernel.h"
#include "kernel/kreq.h"
#include "kernel/migrate.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "lib/bootargs.h"
#include "lib/inet.h"
#include "lib/rpcwire.h"
#include "net/net.h"

#define RPC_IN_MAX 64
#define DONE_RING 512
#define MAX_PEERS 256
#define WINDOW 16 /* request fragments in flight */
#define RETX_FIRST_NS (20ULL * 1000000ULL)
#define RETX_MAX_NS (640ULL * 1000000ULL)
#define ASSEMBLY_STALE_NS (5ULL * 1000000000ULL)
#define DGRAM_STALE_NS (500ULL * 1000000ULL)  /* nobody resends a datagram's lost fragment */
#define REPLY_KEEP_NS (30ULL * 1000000000ULL) /* a reply nobody fetched for this long goes */
#define RPC_ACK_PAYLOAD 16 /* kind byte, 7 zero bytes, 64-bit fragment bitmap (LE) */
#define ACK_DATA 1         /* ACK payload kind: "your request fragments I have" */
#define ACK_REPLY 2        /* "your reply fragments I have" */
#define ACK_POLL 3         /* the same, from the retransmission timer: resend what I lack */

enum { OUT_IDLE = 0, OUT_SENDING, OUT_WAITING, OUT_DONE };
enum { IN_FREE = 0, IN_ASSEMBLING, IN_QUEUED, IN_REPLIED };

/* rpc_out.is_call: 0 a send, 1 a call, CALL_OF_PROCESS a process's own
 * call (SYS_CALL): one that may see its process move while it waits. */
#define CALL_OF_PROCESS 2
#define LOCATE_AFTER_NS 2000000000ULL /* unanswered this long: look for the port elsewhere */

struct rpc_out {
    int state, is_call, heard, error;
    uint64_t msg_id;
    uint32_t node;
    struct port_id dst;
    struct msg *m; /* the request */
    uint16_t nfrags;
    uint64_t acked;       /* request fragments the peer has */
    uint64_t sent;        /* request fragments sent at least once */
    uint64_t progress_ns; /* when the peer last told us something new */
    struct msg *reply;
    uint16_t reply_nfrags;
    uint64_t reply_got;
    int sender_pid;
};

struct rpc_in {
    int state, is_call, dgram, server_pid, sender_pid;
    uint32_t node, epoch;
    uint64_t msg_id, token, touched_ns;
    uint64_t trace_id, arrived_ns; /* its trace (the header's); its first fragment's arrival */
    struct port_id dst, carried;
    struct msg *m; /* request being assembled */
    uint16_t nfrags;
    uint64_t got;
    struct msg *reply;   /* kept until the caller has all of it */
    uint64_t reply_sent; /* reply fragments sent at least once */
};

struct done_id {
    uint32_t node, epoch;
    uint64_t msg_id;
    int status; /* 0 delivered/replied, else the errno it failed with */
};

#define PARKED_MAX 8 /* calls parked by processes that moved while waiting (rpc_caller.c) */

/* ---- shared state (rpc.c) ---- */
extern struct rpc_replay rpc_peer_replay[MAX_PEERS]; /* per peer: epoch and replay window */
extern struct rpcwire_key rpc_key;                   /* the cluster key, prepared (lib/rpcwire.h) */
extern uint32_t rpc_epoch;                           /* this boot's epoch */
extern int rpc_epoch_from_wall; /* rpc_epoch is wall-clock ms at boot (kernel_request_stale) */
extern int rpc_ready;           /* rpc_init succeeded: remote operations may run */
extern uint8_t
    rpc_silent[MAX_PEERS]; /* rpc_mark_silent, cleared by any valid frame (rpc_caller.c) */

/* ---- small helpers ---- */
static inline int popcount(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}
static inline uint64_t full_mask(uint16_t n) { return n >= 64 ? ~0ULL : (1ULL << n) - 1; }
static inline uint16_t frag_count(uint32_t len) { return (uint16_t)rpcwire_frag_count(len); }

/* ---- frames (rpc.c) ---- */
void rpc_send_fragment(uint8_t type, uint32_t node, uint64_t msg_id, uint16_t flags,
                       const struct port_id *dst, const struct msg *m, uint16_t i, int sender_pid);
void rpc_send_ack(uint32_t node, uint64_t msg_id, uint8_t kind, uint64_t bitmap);
void rpc_send_nack(uint32_t node, uint64_t msg_id, int error);

/* ---- server side (rpc_server.c), for rpc_input.c and the caller side ---- */
void rpc_on_data(const struct rpc_hdr *h, const uint8_t *payload);
void rpc_on_reply_ack(const struct rpc_hdr *h, uint64_t have, int poll);
void rpc_peer_restarted(uint32_t node, uint32_t epoch);
void rpc_replies_superseded(const struct rpc_hdr *h);

/* ---- caller side (rpc_caller.c), for rpc_input.c and rpc_init ---- */
struct rpc_out *rpc_out_find(uint32_t node, uint64_t msg_id);
void rpc_on_data_ack(struct rpc_out *o, uint64_t bitmap);
void rpc_on_reply_fragment(struct rpc_out *o, const struct rpc_hdr *h, const uint8_t *payload);
void rpc_flush_pending_acks(void);

/* ---- trace events (rpc_trace.c, kernel/trace.h) ---- */
/* m is about to go to node as message msg_id: gives it a trace if it has
 * none; records `send`. */
void rpc_trace_sent(struct msg *m, uint32_t node, uint64_t msg_id, int is_call,
                    const struct port_id *dst, int pid);
/* e's message m is whole and goes to its port: m takes e's trace and span. */
void rpc_trace_delivered(const struct rpc_in *e, struct msg *m);
void rpc_trace_replied(const struct rpc_in *e);
void rpc_trace_call_ended(const struct rpc_out *o, uint64_t trace_id, int error,
                          uint64_t latency_ns);

/* ---- input (rpc_input.c) ---- */
void rpc_udp_input(uint32_t src_ip, uint16_t sport, uint16_t dport, const uint8_t *data,
                   uint32_t len);

#endif
