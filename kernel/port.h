/* kernel/port.h: ports and messages (docs/ipc.md).
 *
 * A port is a bounded queue of messages owned by the process that created
 * it. send() queues a message; recv() takes one; call() queues a message
 * carrying a reply token and sleeps until reply(token) answers it. The same
 * calls reach a port on another node through net/rpc.c: only latency
 * differs. */
#ifndef KERNEL_PORT_H
#define KERNEL_PORT_H

#include <stdint.h>
#include "kernel/msg.h"
#include "lib/syscall_abi.h"

#define PORTS_MAX 256
#define PORTS_PER_PROC 16
#define PORT_QUEUE_MSGS 32
#define PORT_QUEUE_BYTES (256 * 1024)

struct proc;

void port_init(void);
/* New port owned by p (or by the kernel when p is NULL): 0, -EMFILE, -ENOMEM. */
int port_create(struct proc *p, struct port_id *out);
int port_close(struct proc *p, const struct port_id *id);
/* Close every port p owns and fail the calls it was serving. */
void port_proc_exit(struct proc *p);

/* Queue m at local port dst (takes m on success): 0, -ECONNREFUSED (no such
 * port), -EAGAIN (its queue is full). */
int port_deliver(const struct port_id *dst, struct msg *m);
/* Take the next message of port id owned by p, waiting up to timeout_ns:
 * 0 with *out, -ENOENT, -EPERM, -EAGAIN, -ETIMEDOUT, -EINTR, -EMSGSIZE
 * (head longer than cap: *len_out set, message kept), -EFAULT (the user
 * buffer ubuf cannot take the head message: it stays queued). */
int port_receive(struct proc *p, const struct port_id *id, uint64_t ubuf, uint64_t cap,
                 uint64_t timeout_ns, struct msg **out, uint64_t *len_out);

/* Reply tokens. A token names either a local caller waiting in call() or a
 * request that arrived from another node (net/rpc.c answers those). */
#define TOKEN_KIND_LOCAL 0
#define TOKEN_KIND_REMOTE 1
uint64_t port_token_make(int kind, uint32_t index);
int port_token_kind(uint64_t token);
uint32_t port_token_index(uint64_t token);

/* Local call: queue m (its reply_token is set here) and wait for the reply
 * or the timeout. 0 with *reply, or a negative error. */
int port_call_local(struct proc *p, const struct port_id *dst, struct msg *m,
                    uint64_t timeout_ns, struct msg **reply);
/* Answer a token with m (taken in every case). 0, -ENOENT (no such caller,
 * or it gave up). */
int port_reply(uint64_t token, struct msg *m);

/* A port served by the kernel itself: handler runs at delivery (in the
 * sender's context or the network's) and takes the message. */
int port_create_kernel(void (*handler)(struct msg *m), struct port_id *out);

/* The registry behind every node's bootstrap port. */
void registry_init(void);
void registry_port(struct port_id *out);
/* Bind a name for the kernel (never unbound by a process exit). */
int registry_bind_kernel(const char *name, const struct port_id *port);

#endif
