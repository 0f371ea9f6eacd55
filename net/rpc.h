/* net/rpc.h: the kernel RPC transport: messages to ports on other nodes,
 * over UDP, authenticated (keyed BLAKE2s, lib/rpcwire.c), at most once,
 * fragmented, retransmitted with backoff, and failing with a clear error
 * when the peer does not answer. See docs/ipc.md for the protocol. */
#ifndef NET_RPC_H
#define NET_RPC_H

#include <stdint.h>
#include "kernel/msg.h"
#include "lib/syscall_abi.h"

#define RPC_UDP_PORT 4100

extern struct rpc_stats rpc_stats;

/* Start the transport (after net_init): key from bootargs key=HEX64. */
void rpc_init(void);
/* One-way message to a port on another node; returns once it is queued
 * there: 0, -ECONNREFUSED, -EAGAIN (queue full), -ETIMEDOUT, -EHOSTDOWN,
 * -EINTR. Takes m. */
int rpc_send(const struct port_id *dst, struct msg *m, uint64_t timeout_ns);
/* Fire and forget (SEND_DATAGRAM): 0 once the frames are out. Takes m. */
int rpc_send_datagram(const struct port_id *dst, struct msg *m);
/* The boot epoch last seen from node (0: never heard from it). Kernel
 * requests carry it, so a restarted node refuses what was meant for its
 * previous boot (kernel/kreq.c). */
uint32_t rpc_peer_epoch(uint32_t node);
/* The check field of a kernel request (slot 0) to `node`: the boot epoch
 * last heard from it, or, if none yet, RPC_CHECK_SENT_AT | the wall-clock
 * ms now (the epoch's own units), so that a boot that began after this
 * moment accepts the request and an earlier one's successor refuses it.
 * 0 (accepted by any boot) only without a wall clock. */
#define RPC_CHECK_SENT_AT (1ULL << 63)
uint64_t rpc_kernel_check(uint32_t node);

/* A node a kernel request heard nothing from until its timeout is *silent*
 * until the next valid frame from it. kernel/kreq.c marks it, and gives the
 * requests that follow a short timeout: `ps`, `kill` and a locate across a
 * dead node then cost half a second each, not five. */
void rpc_mark_silent(uint32_t node);
int rpc_node_silent(uint32_t node);
/* Call a port on another node and wait for its reply (*reply). Takes m. */
int rpc_call(const struct port_id *dst, struct msg *m, uint64_t timeout_ns, struct msg **reply);
/* The same for a process's own call (SYS_CALL): if the process is asked
 * to move while it waits, it moves and the call goes on here
 * (kernel/migrate.h migrate_in_call). */
int rpc_call_of_process(const struct port_id *dst, struct msg *m, uint64_t timeout_ns,
                        struct msg **reply);
/* Is p waiting in a call to another node (a move wakes it: the call stays,
 * kernel/migrate.h migrate_in_call)? */
struct proc;
int rpc_in_call(const struct proc *p);
/* The registry port of another node. */
int rpc_bootstrap(uint32_t node, struct port_id *out, uint64_t timeout_ns);

/* Hooks from kernel/port.c for requests that came from other nodes. */
int rpc_reply(uint64_t token, struct msg *m);
void rpc_fail_request(uint64_t token, int error);
void rpc_request_taken(uint64_t token, int server_pid);
void rpc_server_exited(int pid);
/* The tokens of the calls from other nodes that process pid has taken and
 * not answered (a process that moves answers them through here): their
 * count, or -EBUSY if more than max. */
int rpc_taken_by(int pid, uint64_t *tokens, int max);

#endif
