/* user/ipc.h: ports and messages for user programs (docs/ipc.md). The same
 * calls reach a port on this node or any other; only latency differs. */
#ifndef USER_IPC_H
#define USER_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/syscall_abi.h"

int ipc_port_create(struct port_id *out);
int ipc_port_close(const struct port_id *port);
/* One-way message; carry may be NULL. 0 or -errno. */
int ipc_send(const struct port_id *dst, const void *buf, size_t len, const struct port_id *carry);
/* One-way, fire and forget (SEND_DATAGRAM in lib/syscall_abi.h): returns
 * once the frames are out; the message may be lost, never duplicated. */
int ipc_send_datagram(const struct port_id *dst, const void *buf, size_t len,
                      const struct port_id *carry);
/* Next message of port (created by the caller): its length or -errno.
 * info may be NULL. timeout_ns: 0 = poll, TIMEOUT_NEVER = wait forever. */
long ipc_recv(const struct port_id *port, void *buf, size_t cap, struct msg_info *info,
              uint64_t timeout_ns);
/* ipc_call handing the server a port too (carry: NULL for none). */
long ipc_call_carry(const struct port_id *dst, const void *buf, size_t len, void *rbuf, size_t rcap,
                    const struct port_id *carry, uint64_t timeout_ns);
/* Send and wait for the reply: reply length or -errno. */
long ipc_call(const struct port_id *dst, const void *buf, size_t len, void *rbuf, size_t rcap,
              uint64_t timeout_ns);
int ipc_reply(uint64_t token, const void *buf, size_t len);
/* A server loop's step in one system call: reply len bytes of buf to token
 * (0: nothing to answer), then receive the next message of port as
 * ipc_recv does. Returns what ipc_recv would; a reply whose caller has gone
 * is dropped silently, a bad reply buffer fails with nothing replied. */
long ipc_reply_recv(uint64_t token, const void *buf, size_t len, const struct port_id *port,
                    void *rbuf, size_t cap, struct msg_info *info, uint64_t timeout_ns);

/* The registry of `node` (0: this node) behind the bootstrap port. */
int ipc_register(const char *name, const struct port_id *port);
int ipc_unregister(const char *name);
int ipc_lookup(int node, const char *name, struct port_id *out);
/* ipc_lookup on this node, retried every 10 ms for up to wait_ms while the
 * name is not bound yet (a server just started): 0 or the last error. */
int ipc_lookup_wait(const char *name, struct port_id *out, long wait_ms);
/* The same, waiting at most timeout_ns for each of the two remote steps. */
int ipc_lookup_timeout(int node, const char *name, struct port_id *out, uint64_t timeout_ns);

/* A service's start: create its port and register it as name on this node.
 * Prints "PROG: serving \"name\" on node N" or why it cannot; 0 or -errno. */
int ipc_service_start(const char *prog, const char *name, struct port_id *port);

#define IPC_SECOND 1000000000ULL

#endif
