/* services/sched/schedmachine.h: the scheduler's replicated state machine.
 *
 * Pure and deterministic, modelled on services/naming/nsmachine.h: every
 * replica that applies the same commands in the same order holds the same
 * state. No clock, no I/O, no allocation; the caller owns one struct
 * sched_machine (about 200 KiB: put it in .bss).
 *
 * What it holds:
 *   - placements (SCHED_PLACEMENTS_MAX slots): each request and where it
 *     went, PENDING (with why) -> PLACED -> RUNNING -> FREE when it exits;
 *     LOST when its node died and it did not ask to restart (kept to be
 *     reported until withdrawn with EXITED, or its slot is needed: the
 *     oldest LOST slot is reused when none is free);
 *   - per node: the cordon flag, and labels and taints set by command,
 *     which override the node's own (boot) ones: a removal is kept as a
 *     tombstone, so a boot label can be removed too;
 *   - the current policy's name (the leader places with it);
 *   - the last SCHED_DECISIONS decisions and SCHED_MOVES moves (rings,
 *     oldest overwritten), for the `sched` command and for a new leader's
 *     hysteresis;
 *   - clients, for duplicate suppression (services/replica/dedup.h, Raft
 *     thesis §6.3).
 *
 * Commands (schedproto.h has their bytes; the leader proposes them):
 *   PLACE {client, seq, req_id, spec, cmd, node, score | reason}
 *       a new req_id: a slot, PLACED on node (score) or PENDING (reason),
 *       and a decision in the ring. A req_id already in the table: nothing
 *       changes and the reply is the placement as it is, so a request is
 *       placed exactly once however often it is proposed (a retry through
 *       a new leader that decided differently gets the first decision).
 *       -ENOSPC: no slot.
 *   BIND {req_id, pid, node, spec}  PLACED -> RUNNING. Again with the same
 *       pid: 0. -ENOENT no such request, -EAGAIN still pending, -EEXIST
 *       bound to another pid or the pid is another placement's, -ESTALE
 *       lost, -ENOSPC no slot. node (0: not said) is where the process
 *       started: the placement is recorded there, and a req_id the table
 *       does not hold is taken as a placement of spec on node, RUNNING
 *       (its PLACE was answered by a leader that lost it before the commit:
 *       clients.c).
 *   EXITED {req_id | node + pid} -> FREE (any state: a pending request is
 *       withdrawn). By pid: the RUNNING placement with it (on node, if not
 *       0). -ENOENT none; -ESRCH req_id given but running another pid.
 *   PENDING_PLACED {req_id, node, score}  PENDING -> PLACED, a decision.
 *       -EALREADY placed already (the reply shows where), -ENOENT, -ESTALE.
 *   NODE_LOST {node}  each PLACED/RUNNING placement there -> PENDING with
 *       reason "restart" if its spec asked to restart (its count of
 *       restarts goes up: once placed again, the leader starts its cmd
 *       there, services/sched/restarts.c), else LOST.
 *       reply.count: how many.
 *   MOVED {pid, from, to}  the RUNNING placement with pid moves from -> to
 *       (already at to: 0, a repeat, not recorded again). Recorded in
 *       the moves ring even when the pid is not a placement's (-ENOENT
 *       then): moves of any process count for hysteresis (a new leader
 *       tells its policy of them: sched_policy.moved). -ESTALE: the
 *       placement is on neither node.
 *   CORDON / UNCORDON {node}, LABEL {node, key, value | remove},
 *   TAINT {node, key, value, effect | remove}: -ENOSPC when a node's
 *       overrides are full. POLICY {name}: the name is checked for syntax
 *       only; the leader checks it names a policy before proposing.
 * A client's write (client != 0) goes through the client table first: a
 * retry of the last request is answered as the first time (for a
 * placement op, from the placement as it is now), an older one -ESTALE.
 *
 * See schedproto.h for the encoding and place.h for who decides. */
#ifndef SERVICES_SCHED_SCHEDMACHINE_H
#define SERVICES_SCHED_SCHEDMACHINE_H

#include "services/replica/dedup.h"
#include "services/sched/schedproto.h"

#define SCHED_PLACEMENTS_MAX 256 /* placements the service holds */
#define SCHED_MAX_CLIENTS 256    /* clients remembered for duplicate suppression */
#define SCHED_DECISIONS 32       /* recent decisions kept */
#define SCHED_MOVES 32           /* recent moves kept */

/* A label or taint set by command on a node; removed: a tombstone hiding
 * the node's own label or taint of that key (value "" and effect 0). */
struct schm_label {
    struct sched_label kv;
    uint8_t removed;
};
struct schm_taint {
    struct sched_taint t;
    uint8_t removed;
};

struct schm_node {
    uint8_t cordoned;
    uint8_t nlabels, ntaints; /* overrides, in the order first set */
    struct schm_label labels[SCHED_NODE_LABELS];
    struct schm_taint taints[SCHED_NODE_TAINTS];
};

struct sched_machine {
    uint64_t applied; /* index of the last command applied */
    char policy[SCHED_POLICY_NAME_MAX];
    struct schm_node nodes[SCHED_NODES_MAX];        /* node k at [k - 1] */
    struct sched_placement p[SCHED_PLACEMENTS_MAX]; /* state SCHED_FREE: a free slot */
    struct sched_decision d[SCHED_DECISIONS];       /* ring, d_next the oldest when full */
    uint32_t d_next;
    struct sched_moved mv[SCHED_MOVES];
    uint32_t mv_next;
    struct dedup_client c[SCHED_MAX_CLIENTS];
};

/* The empty machine: no placements, nothing cordoned, policy "least". */
void schm_init(struct sched_machine *m);

/* Apply the committed command at log `index` (> m->applied; the caller
 * applies every index in order, calling schm_skip for entries that are not
 * commands). A command that does not decode is skipped with -EBADMSG. rep
 * (may be NULL) receives what the proposer is told. Returns rep->status. */
int schm_apply(struct sched_machine *m, uint64_t index, const uint8_t *cmd, size_t len,
               struct sched_reply *rep);
void schm_skip(struct sched_machine *m, uint64_t index);

/* A reply for op, cleared, with the machine's applied index and policy;
 * and a placement's fields in a reply (req_id, state, node, pid, reason). */
void schm_reply_init(const struct sched_machine *m, struct sched_reply *rep, uint8_t op);
void schm_reply_placement(struct sched_reply *rep, const struct sched_placement *p);

/* The non-free placement with req_id, NULL if none. */
const struct sched_placement *schm_find(const struct sched_machine *m, uint64_t req_id);

/* Reads (schedread.c): WAIT (the placement, -ENOENT), STATUS of PLACEMENTS, DECISIONS or
 * MOVES (one page after req->after; rep->next is the cursor for the next).
 * STATUS of NODES needs the leader's view: schm_read_nodes. */
void schm_read(const struct sched_machine *m, const struct sched_request *req,
               struct sched_reply *rep);
/* One page of a view's nodes (ids above `after`), for STATUS of NODES. */
void schm_read_nodes(const struct sched_machine *m, const struct sched_node *nodes, uint32_t nnodes,
                     uint64_t after, struct sched_reply *rep);

/* Lay the log's part of each node over what its report said: cordon,
 * labels and taints set by command (over the boot ones), and the requests
 * of the live placements there (cpu_req_milli, mem_req_kib). nodes[i].id
 * must be set (0: an unused slot, left alone). */
void schm_fill_nodes(const struct sched_machine *m, struct sched_node *nodes, uint32_t nnodes);
/* A view of nodes (filled) and the machine's placements. */
struct sched_view schm_view(const struct sched_machine *m, const struct sched_node *nodes,
                            uint32_t nnodes);

/* Snapshot (schedsnap.c): everything, versioned and checksummed, into buf;
 * its length or -EMSGSIZE. Restore checks all of it first: 0, or -EBADMSG
 * leaving m unchanged. A restored machine snapshots to the same bytes. */
long schm_snapshot(const struct sched_machine *m, uint8_t *buf, size_t cap);
int schm_restore(struct sched_machine *m, const uint8_t *buf, size_t len);
size_t schm_snapshot_max(void);

#endif
