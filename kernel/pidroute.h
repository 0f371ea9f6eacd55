/* kernel/pidroute.h: finding a process by pid when it may have moved.
 *
 * A pid names its home node (PID_NODE: where it was started), but a
 * process can migrate (kernel/migrate.c). Every node that a process left
 * keeps a forwarding entry pid -> the node it went to, and tells the
 * process's home node too; a request about the pid (kill, alive, a child's
 * exit for its parent) that reaches a node without the process is answered
 * with a redirect to where it went. If the node a request is sent to does
 * not answer at all (it died, and with it the forwarding entry), the pid is
 * located by asking every node, as Amoeba's locate did. What is learnt is
 * remembered (a hint: it is checked by the next request). */
#ifndef KERNEL_PIDROUTE_H
#define KERNEL_PIDROUTE_H

#include <stdint.h>

#include "kernel/kreq.h"
#include "kernel/msg.h"

/* Remember that pid now lives on node (a forwarding entry when this node
 * is one it left, or a hint). node == this node: forget it. */
void pidroute_moved(int pid, uint32_t node);
/* Where pid went from here, 0 if this node knows nothing of it. */
uint32_t pidroute_where(int pid);
/* Is pid reserved here: a process of this home that moved away and may
 * still live (alloc_pid must not hand its pid out again)? */
int pidroute_reserved(int pid);
/* The process of this home with pid is gone for good: free its pid. */
void pidroute_gone(int pid);

/* A request about pid (KREQ_KILL, KREQ_ALIVE: a = pid; KREQ_EXITED: b =
 * the parent's pid) to the node that has it, starting at `hint` (0: where
 * it was last seen, else its home), following redirects and locating it
 * if a node does not answer. 0 with *result (the int the node answered),
 * or the error of the last node tried (-EHOSTDOWN, -ETIMEDOUT), -ESRCH if
 * no node has it, -EINTR. Process context. */
int pidroute_call(int pid, uint32_t hint, const struct kreq *rq, uint64_t timeout_ns,
                  int32_t *result);

/* The serving side, for kreq.c: the reply to a request about pid that is
 * not here: a redirect if it moved on, else NULL (the caller answers as it
 * would have). */
struct msg *pidroute_redirect(int pid, int *error);

/* The reply body of a redirect: {-EREMOTE, node}. */
#define PIDROUTE_REDIRECT_LEN 8

#endif
