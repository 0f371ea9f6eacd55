/* services/sched/schedproto.h: the scheduler's wire formats.
 *
 * Three encodings of one struct sched_request, and one of replies:
 *   - a client's request to the service (sched_request_encode/decode), an
 *     IPC call to any node's scheduler server;
 *   - a command in the Raft log (sched_cmd_encode/decode): what the
 *     replicated machine applies (schedmachine.h). For most ops it is the
 *     client's request itself; a PLACE command also carries the leader's
 *     decision, and three ops are only ever proposed by servers;
 *   - a node's load report to the leader (sched_report_encode/decode), a
 *     datagram between servers: a struct sched_node with its processes;
 *   - a reply (sched_reply_encode/decode), to a client or as the answer
 *     the machine gives a command's proposer.
 * Every message but a report fits SCHED_MSG_MAX (REPLICA_REQUEST_MAX, so a
 * command fits a Raft entry of the service). Decoders check every field and
 * every length, refuse trailing bytes, and fill the whole struct (zeros
 * where the op has no field), so equal messages decode to equal bytes.
 *
 * Request and command layouts, little-endian (schedwire.h for str, label,
 * taint and spec); every one starts  op u8 | client u64 | seq u64
 * (client, seq: a client's write for duplicate suppression; 0, 0 for reads
 * and servers' commands):
 *   PLACE       req_id u64 | spec | cmd   (cmd: len 0 unless spec.restart)
 *               command: ... | node u32 | node ? score u8 : reason str
 *   BIND        req_id u64 | pid i32 | node u32 | spec   (node 0: not said)
 *   EXITED      req_id u64 | node u32 | pid i32   (req_id 0: the pid's)
 *   CORDON, UNCORDON, DRAIN, NODE_LOST   node u32
 *   LABEL       node u32 | flags u8 | key str | value str
 *   TAINT       node u32 | flags u8 | key str | value str | effect u8
 *   POLICY      name str
 *   WAIT        req_id u64
 *   STATUS      list u8 | after u64
 *   PENDING_PLACED  req_id u64 | node u32 | score u8
 *   MOVED       pid i32 | from u32 | to u32
 * Requests carry PLACE (without the decision), BIND, EXITED, CORDON,
 * UNCORDON, LABEL, TAINT, POLICY, WAIT, STATUS and DRAIN; commands carry
 * PLACE (with it), BIND, EXITED, CORDON, UNCORDON, LABEL, TAINT, POLICY,
 * PENDING_PLACED, NODE_LOST and MOVED (the last three with client 0).
 *
 * Freestanding. */
#ifndef SERVICES_SCHED_SCHEDPROTO_H
#define SERVICES_SCHED_SCHEDPROTO_H

#include <stddef.h>

#include "services/sched/sched.h"

#define SCHED_MSG_MAX 700 /* a request, a command or a reply (REPLICA_REQUEST_MAX) */

enum sched_op {
    /* client writes: proposed as commands of the same op */
    SCHED_OP_PLACE = 1,  /* place a request (the leader decides; the log records) */
    SCHED_OP_BIND = 2,   /* the placed process started: its pid (PLACED -> RUNNING) */
    SCHED_OP_EXITED = 3, /* it exited, or a pending request is withdrawn (-> FREE) */
    SCHED_OP_CORDON = 4, /* no new placements on node */
    SCHED_OP_UNCORDON = 5,
    SCHED_OP_LABEL = 6,  /* set (or remove) a label of node, over its boot labels */
    SCHED_OP_TAINT = 7,  /* set (or remove) a taint of node */
    SCHED_OP_POLICY = 8, /* switch policy */
    /* client requests the leader answers itself */
    SCHED_OP_WAIT = 10,   /* a placement's state (held while it is PENDING) */
    SCHED_OP_STATUS = 11, /* one page of a list (enum sched_list) */
    SCHED_OP_DRAIN = 12,  /* cordon node, and move everything off it */
    /* commands only servers propose */
    SCHED_OP_PENDING_PLACED = 20, /* a pending request placed later */
    SCHED_OP_NODE_LOST = 21,      /* node stopped reporting: its placements lost or re-pending */
    SCHED_OP_MOVED = 22,          /* a process moved (rebalancing, a drain, an eviction) */
};

#define SCHED_F_REMOVE 0x01 /* LABEL, TAINT: remove the key (value empty, effect 0) */

enum sched_list {
    SCHED_LIST_PLACEMENTS = 1, /* every non-free placement, in slot order */
    SCHED_LIST_DECISIONS = 2,  /* the recent decisions, oldest first */
    SCHED_LIST_MOVES = 3,      /* the recent moves, oldest first */
    SCHED_LIST_NODES = 4,      /* nodes with their load (the leader's view), one a page */
};

struct sched_request {
    uint8_t op;
    uint8_t flags;                    /* SCHED_F_REMOVE */
    uint64_t client, seq;             /* a client's write: its id and request number (from 1) */
    uint64_t req_id;                  /* PLACE, WAIT, BIND, EXITED, PENDING_PLACED */
    struct sched_spec spec;           /* PLACE; BIND (for a placement the log lost) */
    struct sched_cmd cmd;             /* PLACE with spec.restart: what to start again */
    uint32_t node;                    /* PLACE command: the decision (0: pending); EXITED (0: any);
                             * BIND: where it started (0: not said);
                             * PENDING_PLACED; NODE_LOST; CORDON, UNCORDON, DRAIN,
                             * LABEL, TAINT; MOVED: from */
    uint32_t to;                      /* MOVED */
    int32_t pid;                      /* BIND, EXITED (0: by req_id), MOVED */
    uint8_t score;                    /* PLACE command with a node; PENDING_PLACED (0..100) */
    char reason[SCHED_REASON_MAX];    /* PLACE command, pending: why */
    struct sched_taint kv;            /* LABEL (effect 0), TAINT */
    char name[SCHED_POLICY_NAME_MAX]; /* POLICY */
    uint8_t list;                     /* STATUS: enum sched_list */
    uint64_t after; /* STATUS: the cursor the last page returned (0: from the start) */
};

/* True for the ops that change the replicated state (client writes). */
bool sched_op_is_write(uint8_t op);

/* Encode r into buf[0..cap): its length, or -EMSGSIZE (-EINVAL for an op
 * the form does not carry). */
int sched_request_encode(const struct sched_request *r, uint8_t *buf, size_t cap);
/* Decode and validate: 0, or -EBADMSG (r is cleared either way first). */
int sched_request_decode(const uint8_t *buf, size_t len, struct sched_request *r);
int sched_cmd_encode(const struct sched_request *r, uint8_t *buf, size_t cap);
int sched_cmd_decode(const uint8_t *buf, size_t len, struct sched_request *r);

/* A node's report: its load, capacity, boot labels and taints and the
 * processes it runs (schedwire.h "node" with procs; cordon and requests
 * are the leader's and travel as 0). At most SCHED_WIRE_REPORT bytes. */
long sched_report_encode(const struct sched_node *n, uint8_t *buf, size_t cap);
int sched_report_decode(const uint8_t *buf, size_t len, struct sched_node *n);

/* ---- replies ---------------------------------------------------------------- */

/* A placement as a list shows it. */
struct sched_pl_item {
    uint64_t req_id, since;
    uint8_t state, restart, restarts; /* restarts: times started again after a lost node */
    uint32_t node, cpu_milli, mem_kib;
    int32_t pid;
    char reason[SCHED_REASON_MAX];
};

/* One decision (the machine's ring, the `sched` command). */
struct sched_decision {
    uint64_t index; /* log index; 0: an empty slot */
    uint64_t req_id;
    uint32_t node; /* 0: pending */
    uint8_t score;
    char policy[SCHED_POLICY_NAME_MAX];
    char reason[SCHED_REASON_MAX]; /* pending: why */
};

/* One move the log recorded. */
struct sched_moved {
    uint64_t index; /* 0: an empty slot */
    int32_t pid;
    uint32_t from, to;
};

#define SCHED_PAGE_PLACEMENTS 4
#define SCHED_PAGE_DECISIONS 4
#define SCHED_PAGE_MOVES 16
#define SCHED_PAGE_NODES 1

struct sched_reply {
    int32_t status; /* 0 or -errno: -EREMOTE not the leader (try `leader`);
                       * -EAGAIN retry; -ENOENT no such request; -ENOSPC table
                       * full; -ESTALE an old retry; -EINVAL, -EBADMSG bad */
    uint8_t op;
    uint32_t leader; /* -EREMOTE: a hint (0: unknown) */
    uint64_t index;  /* the log index the answer reflects */
    /* a placement's answer (PLACE, WAIT, BIND, EXITED, PENDING_PLACED) */
    uint64_t req_id;
    uint8_t state; /* enum sched_pstate */
    uint32_t node;
    int32_t pid;
    uint8_t score;
    uint32_t count; /* NODE_LOST: placements affected; DRAIN: moves begun */
    char reason[SCHED_REASON_MAX];
    char policy[SCHED_POLICY_NAME_MAX]; /* the current policy */
    /* STATUS: one page */
    uint8_t list;  /* enum sched_list, 0: no list */
    uint8_t more;  /* more after `next` */
    uint64_t next; /* the cursor for the next page */
    uint8_t n;     /* items in the array of `list` */
    struct sched_pl_item pl[SCHED_PAGE_PLACEMENTS];
    struct sched_decision dec[SCHED_PAGE_DECISIONS];
    struct sched_moved mv[SCHED_PAGE_MOVES];
    struct sched_node nodes[SCHED_PAGE_NODES]; /* procs not carried */
};

/* Reply layout: status i32 | op u8 | leader u32 | index u64 | req_id u64 |
 * state u8 | node u32 | pid i32 | score u8 | count u32 | reason str |
 * policy str | list u8 | more u8 | next u64 | n u8 | n items of the list:
 *   PLACEMENTS  req_id u64 | since u64 | state u8 | restart u8 | restarts u8 | node u32 |
 *               cpu u32 | mem u32 | pid i32 | reason str
 *   DECISIONS   index u64 | req_id u64 | node u32 | score u8 | policy str |
 *               reason str
 *   MOVES       index u64 | pid i32 | from u32 | to u32
 *   NODES       node (schedwire.h, without procs) */
int sched_reply_encode(const struct sched_reply *r, uint8_t *buf, size_t cap);
int sched_reply_decode(const uint8_t *buf, size_t len, struct sched_reply *r);

#endif
