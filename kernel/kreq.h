/* kernel/kreq.h: requests one node's kernel makes of another's, carried by
 * the RPC transport as calls to slot 0 of the target node (the kernel
 * itself, never a user port). They are what make processes global: spawn
 * on another node, kill and wait across nodes, ps of every node. (A
 * process's output reaches its home node through that node's console port:
 * kernel/console.c.) */
#ifndef KERNEL_KREQ_H
#define KERNEL_KREQ_H

#include <stdint.h>
#include "kernel/msg.h"

enum {
    KREQ_BOOTSTRAP =
        0,          /* -> struct port_id: the node's registry port (an empty body means this too) */
    KREQ_SPAWN = 1, /* a=parent pid, c=argc; then path\0 arg\0...; the message carries
                           the console port for the child's output -> int32 pid */
    KREQ_KILL = 2,  /* a=pid, b=sig -> int32 */
    KREQ_EXITED = 3,   /* a=child pid, b=parent pid, c=status -> int32 */
    KREQ_PROCLIST = 5, /* -> struct proc_info[] */
    KREQ_ALIVE = 6,    /* a=pid -> int32 1 if it runs here (not a zombie), else 0 */
    /* moving processes (kernel/migrate.c, lib/migwire.h; docs/migration.md) */
    KREQ_MIG_OFFER = 7,   /* body: struct mig_offer -> int32 0 or -errno (refused) */
    KREQ_MIG_PAGES = 8,   /* body: pages -> int32 0 or -errno */
    KREQ_MIG_COMMIT = 9,  /* body: struct mig_state -> int32 0 (it runs here now) or -errno */
    KREQ_MIG_STATUS = 10, /* a,b = the transfer id's halves -> int32 1 if committed here;
                           * else 0, and the transfer is abandoned (a late COMMIT fails);
                           * c=1 (FORGET): the source knows, the target may forget it */
    KREQ_MIG_MOVED = 11,  /* a=pid, b=node: a process of this home moved there (or c=1:
                          * it is gone) -> int32 0 */
    KREQ_LOCATE = 12,     /* a=pid -> int32 1 if the process is here */
    KREQ_MIG_MSG = 13,    /* body: a queued message of a moving port (struct mig_msg) -> int32 */
    KREQ_MIG_REPLY = 14,  /* body: the answer to a call a moved process took here before it
                          * moved (lib/migwire.h, REPLY) -> int32 0 or -ENOENT */
    KREQ_MIG_KEEP = 15,   /* body: the pages the frozen process has (lib/migwire.h, KEEP) */
    KREQ_MIG_CALL_RESULT = 16, /* a=pid; body: how the call it was frozen in ended, at the
                                * source (lib/migwire.h, CALL_RESULT) -> int32 0 or -ENOENT */
    KREQ_MIG_CALL_CANCEL = 17, /* a=pid, b,c = the move's id: the process that waited for
                                * that call's result is gone: drop the call -> int32 */
    KREQ_PORT_LOCATE = 18,     /* body: struct port_id -> int32 1 if that port is here (it moved
                            * here with its owner, or was made here and stayed), else 0 */
};

/* How long each kind of kernel request waits for the other node (a node
 * silent at its last request gets SILENT_TRY_NS, kernel/kreq.c, instead),
 * each for one reason:
 *   SPAWN   the target reads the program from its ramdisk and builds an
 *           address space for it (up to 16 MiB) before it answers
 *   QUERY   kill, ps of a node: a person or a script waits at a prompt
 *   ALIVE   "does this pid live?", asked by a waiting parent's probe and by
 *           kill(pid, 0): a dead node must not hold a waiter long
 *   NOTICE  news whose loss something else repairs: a child's exit to its
 *           parent's node (the parent's probe finds out), the kill of a
 *           child that could not be recorded
 *   MOVED   telling a pid's home node that a process that moved ended:
 *           best effort at exit, the home's locate finds out otherwise */
#define KREQ_SPAWN_TIMEOUT_NS (10 * 1000000000ULL)
#define KREQ_QUERY_TIMEOUT_NS (5 * 1000000000ULL)
#define KREQ_ALIVE_TIMEOUT_NS (3 * 1000000000ULL)
#define KREQ_NOTICE_TIMEOUT_NS (2 * 1000000000ULL)
#define KREQ_MOVED_TIMEOUT_NS (1 * 1000000000ULL)
/* KILL, ALIVE and EXITED about a pid that moved on from the node asked are
 * answered {int32 -EREMOTE, int32 node} (kernel/pidroute.h). */

struct kreq {
    uint32_t op;
    int32_t a, b, c;
};

/* Serve a request that arrived from node `from` (interrupt context): the
 * reply message, or NULL with *error set. Takes m. */
struct msg *kreq_serve(struct msg *m, uint32_t from, int *error);

/* KILL, ALIVE, EXITED and LOCATE served on this node: the int answer. If
 * the pid concerned is not here: *found = 0, and *moved = the node it went
 * to, if this node forwards it (else 0). */
int32_t kreq_pid_local(const struct kreq *rq, uint32_t from, uint32_t *moved, int *found);

/* Make a request of node's kernel and wait (process context): 0 with
 * *reply (caller frees), or a negative error. */
int kreq_call(uint32_t node, const struct kreq *rq, const void *extra, uint32_t extra_len,
              uint64_t timeout_ns, struct msg **reply);
/* The same, with a port carried by the request. */
int kreq_call_carry(uint32_t node, const struct kreq *rq, const void *extra, uint32_t extra_len,
                    const struct port_id *carry, uint64_t timeout_ns, struct msg **reply);
/* The same with a message already built (its first bytes a struct kreq). */
int kreq_call_msg(uint32_t node, struct msg *m, uint64_t timeout_ns, struct msg **reply);

/* Ask every other node but skip, in order, a question answered int32 1 for
 * yes (KREQ_LOCATE, KREQ_PORT_LOCATE: Amoeba's locate): the first node
 * that says yes, or 0 (none, or interrupted). Each node asked may cost
 * timeout_ns. Process context. */
uint32_t kreq_ask_all(const struct kreq *rq, const void *extra, uint32_t extra_len, uint32_t skip,
                      uint64_t timeout_ns);
#endif
