/* kernel/migrate_int.h: what the parts of migration share
 * (kernel/migrate.c, migrate_in.c, migrate_proxy.c); not for the rest of
 * the kernel, whose interface is kernel/migrate.h. */
#ifndef KERNEL_MIGRATE_INT_H
#define KERNEL_MIGRATE_INT_H

#include <stdint.h>

#include "kernel/kreq.h"
#include "kernel/msg.h"
#include "kernel/proc.h"

/* A kernel request of op with room for body_len bytes after its head. */
struct msg *migrate_request_msg(uint32_t op, uint32_t body_len);
/* Send it to node's kernel (taken; process context) and wait: 0 and the
 * int32 it answered, or the transport's error. */
int migrate_ask(uint32_t node, struct msg *m, int32_t *answer);

/* migrate_proxy.c: room for proxies, and one more (token answered
 * through node, for process pid). */
uint32_t migrate_proxy_room(void);
void migrate_proxy_add(uint64_t token, uint32_t node, int pid);
/* REPLY, on the node a process left (interrupt context): 0, or -errno. */
int migrate_serve_reply(struct msg *m);

/* The waiting side of a call left behind waits this much longer than the
 * call's own deadline: the time for the result to travel. */
#define MIG_CALL_RESULT_SLACK_NS 2000000000ULL
/* migrate_call.c: a call the process was frozen in (kernel/migrate.h). On
 * the node it went to, at COMMIT (interrupt context): its restarted call
 * waits for that call's result for left_ns (MIG_CALL_FOREVER: no limit). */
void migrate_call_await_begin(struct proc *p, uint64_t id, uint32_t from, uint64_t left_ns);
/* CALL_RESULT and CALL_CANCEL (interrupt context): 0 or -errno. */
int migrate_serve_call_result(int pid, struct msg *m);
int migrate_serve_call_cancel(int pid, uint64_t id);

#endif
