/* kernel/migrate.h: moving a running process to another node
 * (docs/migration.md).
 *
 * A process is moved by its own kernel thread at a safe point: on its way
 * back to user mode (sched_return_to_user), where everything it has is in
 * its trap frame, its FP registers, its memory and its struct proc, and
 * nothing on its kernel stack. A process asleep in sleep() or wait() is
 * woken for it and its system call is restarted after the move (sleep with
 * the time that was left). The source sends OFFER, PAGES and COMMIT
 * (lib/migwire.h) to the target's kernel; the target refuses at OFFER if it
 * cannot hold the process, before anything is frozen; after COMMIT the
 * process runs there, with the same pid, and the source keeps only a
 * forwarding entry (kernel/pidroute.c) so requests about the pid that reach
 * it are redirected.
 *
 * Large running processes are copied while they run (pre-copy), the rest
 * frozen at once. Not movable (-EBUSY): a service, a process with more
 * than MIG_PORTS_MAX ports or MIG_CHILDREN_MAX children, one waiting for
 * the result of a call it moved in. */
#ifndef KERNEL_MIGRATE_H
#define KERNEL_MIGRATE_H

#include <stdint.h>

#include "kernel/kreq.h"
#include "kernel/msg.h"
#include "kernel/proc.h"

/* SYS_MIGRATE: move process pid (0: the caller) to node. For another
 * process of this node: the caller's child or sibling (a service may move
 * any); waits for the outcome, unless node has MIGRATE_NOWAIT (the
 * scheduler's moves: it learns the outcome from where the process is). 0, or -ESRCH, -EPERM,
 * -EINVAL (no such node), -EBUSY (not movable yet), -ENOMEM (the target
 * cannot hold it), -EHOSTDOWN/-ETIMEDOUT (the target does not answer: the
 * process stays here), -EALREADY (it is there already). */
int migrate_request(struct proc *caller, int pid, uint32_t node);

/* At the safe point, p->migrate_to set: move p. Returns if p stays here
 * (the outcome reported to whoever asked); does not return if it moved. */
void migrate_out(struct proc *p);

/* p, asked to move (p->migrate_to) while it waits in a call of its own
 * (to another node: net/rpc.c; or to a port here: kernel/ipc_wait.c), is
 * moved frozen, and the call stays here: p becomes a husk that keeps only
 * the call (kernel/proc.h proc_moved_keeping_call), and when the call
 * ends, migrate_call_ended sends its result on. On the target the call
 * system call starts again and waits for that result
 * (migrate_call_await), so the call runs once, wherever its answer is
 * read. deadline: the call's (0 or UINT64_MAX: none). 1 if it moved (p
 * is the husk now), 0 if it stays (the outcome reported). */
int migrate_in_call(struct proc *p, uint64_t deadline);
/* In the husk: its call ended with rv (0: reply, taken). The result goes
 * to the process, wherever it is now, and the husk ends. */
void migrate_call_ended(struct proc *p, int rv, struct msg *reply) __attribute__((noreturn));
/* The restarted call of a process that moved while in it: wait for the
 * result (copied to [rbuf, rbuf+rcap), checked writable). The reply's
 * length, or the call's error; -ERESTART if the call was not run (sent
 * again from here, it is a new call). */
int64_t migrate_call_await(struct proc *p, uint64_t rbuf, uint64_t rcap);

/* The target's side: serve KREQ_MIG_* from node `from` (interrupt
 * context); the reply, or NULL with *error. Takes m. */
struct msg *migrate_serve(const struct kreq *rq, struct msg *m, uint32_t from, int *error);

/* A reply (sys_reply, sys_reply_recv) to a call the process took on the
 * node it came from: sent back there (it sleeps). 1 with *result (m
 * taken), or 0 if token is not such a call (m untouched). */
int migrate_forward_reply(uint64_t token, struct msg *m, int *result);
/* How many calls process pid took before a move and still owes answers to
 * (each a dependency on the node it took it on: `deps`). */
uint32_t migrate_proxies_of(int pid);
/* A process exits in the middle of pre-copy: the move is dropped (its
 * pages on the target are freed when the target hears no more). */
void migrate_abandon(struct proc *p);
/* A process exits: the calls it still owed through other nodes fail. */
void migrate_proc_exit(struct proc *p);
/* A process exits while it waits for the result of a call it moved in:
 * the husk holding the call is told to drop it. */
void migrate_call_proc_exit(struct proc *p);

/* From the timer interrupt: free what incoming moves whose source went
 * quiet (it died, or was cut off, mid-transfer) were holding, and keep a
 * timer armed while any move is incoming. */
void migrate_tick(void);

#endif
