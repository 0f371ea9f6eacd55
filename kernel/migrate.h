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
 * Stop-and-copy: the process does not run while its pages travel. Not yet
 * movable (-EBUSY): a process that owns ports or is in a call or recv,
 * and one with more than MIG_CHILDREN_MAX children. */
#ifndef KERNEL_MIGRATE_H
#define KERNEL_MIGRATE_H

#include <stdint.h>

#include "kernel/kreq.h"
#include "kernel/msg.h"
#include "kernel/proc.h"

/* SYS_MIGRATE: move process pid (0: the caller) to node. For another
 * process of this node: the caller's child or sibling (a service may move
 * any); waits for the outcome. 0, or -ESRCH, -EPERM,
 * -EINVAL (no such node), -EBUSY (not movable yet), -ENOMEM (the target
 * cannot hold it), -EHOSTDOWN/-ETIMEDOUT (the target does not answer: the
 * process stays here), -EALREADY (it is there already). */
int migrate_request(struct proc *caller, int pid, uint32_t node);

/* At the safe point, p->migrate_to set: move p. Returns if p stays here
 * (the outcome reported to whoever asked); does not return if it moved. */
void migrate_out(struct proc *p);

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

/* From the timer interrupt: free what incoming moves whose source went
 * quiet (it died, or was cut off, mid-transfer) were holding, and keep a
 * timer armed while any move is incoming. */
void migrate_tick(void);

#endif
