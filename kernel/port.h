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
#include "kernel/kernel.h"
#include "kernel/msg.h"
#include "kernel/proc.h"
#include "lib/syscall_abi.h"

#define PORTS_MAX 256
#define PORTS_PER_PROC 16
#define PORT_QUEUE_MSGS 32
#define PORT_QUEUE_BYTES (256 * 1024)

/* A port. Defined here, not in port.c, for the IPC fastpath
 * (kernel/ipc_fast.c), which looks ports up inline. */
struct port {
    int used;
    uint64_t check;
    uint64_t ida;                          /* its id's `a` (home node << 32 | home slot): this
                                            node's for a port made here; another's for one
                                            that moved here with its owner (kernel/migrate.c) */
    int owner_pid;                         /* 0: owned by the kernel */
    struct proc *owner;                    /* NULL for the kernel; valid while used (an
                                            exiting owner closes its ports first) */
    void (*kernel_handler)(struct msg *m); /* kernel ports: runs at delivery */
    struct msg *head, *tail;
    uint32_t count;
    uint64_t bytes;
};
extern struct port ports[PORTS_MAX];

/* A port that moved here with its owner (its id names another node). */
struct port *port_lookup_moved(const struct port_id *id);

/* The local port named by id, or NULL: the node, slot and check must match
 * (or, for an id of another node, a port that moved here). */
static inline struct port *port_lookup(const struct port_id *id)
{
    if (PORT_NODE(*id) != kernel_node_id)
        return port_lookup_moved(id);
    uint64_t index = id->a & 0xffffffffu;
    if (index == 0 || index >= PORTS_MAX || !ports[index].used || ports[index].check != id->b ||
        ports[index].ida != id->a)
        return 0;
    return &ports[index];
}

/* Is a message for id handled on this node: its port is here, or it is
 * an id of this node that did not move away (a closed port: the local path
 * answers ECONNREFUSED)? Else it goes to another node (net/rpc.c finds
 * which: kernel/portroute.h). */
int port_is_local(const struct port_id *id);

/* The states of a process's call record (struct caller, kernel/proc.h). */
enum { CALL_IDLE = 0, CALL_WAITING, CALL_DONE };

/* New port owned by p (or by the kernel when p is NULL): 0, -EMFILE, -ENOMEM. */
int port_create(struct proc *p, struct port_id *out);
int port_close(struct proc *p, const struct port_id *id);
/* How many ports p owns (a process that owns any cannot move yet). */
int port_owned_count(const struct proc *p);
/* Close every port p owns and fail the calls it was serving. */
void port_proc_exit(struct proc *p);

/* Queue m at local port dst (takes m on success): 0, -ECONNREFUSED (no such
 * port), -EAGAIN (its queue is full). */
int port_deliver(const struct port_id *dst, struct msg *m);
/* Take the next message of port id owned by p, without waiting: 0 with
 * *out, -ENOENT, -EPERM, -EAGAIN (empty: *wait_chan is what a receiver
 * sleeps on until a message comes), -EMSGSIZE (head longer than cap:
 * *len_out set, message kept), -EFAULT (the user buffer ubuf cannot take
 * the head message: it stays queued). The waiting is kernel/ipc_wait.c's. */
int port_take(struct proc *p, const struct port_id *id, uint64_t ubuf, uint64_t cap,
              struct msg **out, uint64_t *len_out, void **wait_chan);
/* Whom a server blocking in recv should hand the CPU to: the local caller
 * it answered last, if that process is still there (else NULL). */
struct proc *port_replied_caller(struct proc *server);

/* Reply tokens. A token names either a local caller waiting in call() or a
 * request that arrived from another node (net/rpc.c answers those). */
#define TOKEN_KIND_LOCAL 0
#define TOKEN_KIND_REMOTE 1
/* A token: 48 random bits, the kind, and a 15-bit index (the caller's
 * process slot, or net/rpc.c's request slot). Inline for the fastpath. */
static inline uint64_t port_token_make(int kind, uint32_t index)
{
    return (kernel_random() << 16) | (uint64_t)kind << 15 | (index & 0x7fff);
}
static inline int port_token_kind(uint64_t token) { return (int)(token >> 15) & 1; }
static inline uint32_t port_token_index(uint64_t token) { return token & 0x7fff; }

/* Open p's call record for a new local call (state CALL_WAITING, a fresh
 * token naming p's slot). Field by field, not a struct assignment: that
 * would call memset, on another code page than the fastpath's. */
static inline void port_caller_begin(struct caller *c, uint32_t slot, int server_pid, uint64_t rbuf,
                                     uint64_t rcap, uint64_t deadline)
{
    c->token = port_token_make(TOKEN_KIND_LOCAL, slot);
    c->state = CALL_WAITING;
    c->error = 0;
    c->server_pid = server_pid;
    c->reply = 0;
    c->rbuf = rbuf;
    c->rcap = rcap;
    c->deadline = deadline;
}

/* Close it: a late reply finds no caller (-ENOENT). Field by field too. */
static inline void port_caller_end(struct caller *c)
{
    c->token = 0;
    c->state = CALL_IDLE;
    c->error = 0;
    c->server_pid = 0;
    c->reply = 0;
}

/* Start a local call: record it in p->call (the reply goes to user memory
 * [rbuf, rbuf+rcap), already checked writable; deadline 0 is none) and
 * queue m with its reply token. 0 with *server (the port's owner: who can
 * answer, NULL for a kernel port), or an error (m freed, no call). The wait
 * for the reply is kernel/ipc_wait.c's. */
int port_call_start(struct proc *p, const struct port_id *dst, struct msg *m, uint64_t rbuf,
                    uint64_t rcap, uint64_t deadline, struct proc **server);
/* Fail the call behind token (a caller here, or one from another node)
 * with error. */
void port_fail_call(uint64_t token, int error);
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
