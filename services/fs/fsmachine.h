/* services/fs/fsmachine.h: the file service's replicated metadata state
 * machine: the namespace (inodes and directory entries), the open-file
 * references, sessions, and duplicate suppression.
 *
 * Pure and deterministic: every replica that applies the same commands in
 * the same order holds the same bytes, padding included. No clock (a
 * command's time is the now_ns the leader stamped in it), no randomness, no
 * I/O, no allocation. The caller owns one struct fs_machine (665,120 bytes
 * on a 64-bit target: put it in .bss).
 *
 * What it holds:
 *   - inodes, sorted by inode number. A new inode's number is the log index
 *     of the command that created it, so numbers are never reused and a new
 *     one is always the largest (it goes at the end). The root directory is
 *     inode 1, made by fsm_init, which counts as the command at index 1:
 *     after fsm_init applied == 1 (Raft's entry 1 is always the first
 *     leader's no-op, which the caller passes to fsm_skip).
 *   - directory entries (parent, name) -> inode, sorted by parent then name
 *     (bytewise, shorter first on a tie), so a lookup is a binary search and
 *     a directory's entries are one contiguous run. There are no hard links:
 *     every inode but the root has at most one entry.
 *   - open references (session, pid, inode, count), sorted by (session, pid,
 *     inode). An inode removed from the namespace while referenced stays as
 *     an orphan (nlink 0), reachable by inode number only, until its last
 *     reference goes.
 *   - sessions (services/replica/sessiontab.h), one per metadata server
 *     that asked; open references belong to one, and go when it expires.
 *   - clients (services/replica/dedup.h): the last request each client had
 *     applied and a summary of its answer, so a retry is not applied twice.
 *   - the out-node mask: the nodes declared gone for good (NODE_OUT) and not
 *     back yet (NODE_IN), which chunk placement leaves out.
 *
 * docs/fs-machine.md describes every op, its errors, the invariants and the
 * snapshot layout. */
#ifndef SERVICES_FS_FSMACHINE_H
#define SERVICES_FS_FSMACHINE_H

#include "services/fs/fsproto.h"
#include "services/replica/dedup.h"
#include "services/replica/sessiontab.h"

#define FS_FILE_MAX (1ULL << 30) /* largest file size (SETATTR, EXTEND, RESERVE): -EFBIG */
#define FS_CHUNK_SIZE 65536      /* bytes of file data per chunk (as placement.h says) */
#define FS_OPEN_COUNT_MAX 65535  /* references one (session, pid, inode) may hold */

struct fsm_inode {   /* used in [0, n_inodes); zeros beyond */
    uint64_t ino;    /* FS_ROOT_INO, or the log index that created it */
    uint64_t parent; /* the directory holding its entry; 0: root or orphan */
    uint64_t size;   /* file: bytes; dir: number of entries */
    uint64_t mtime_ns, ctime_ns;
    uint64_t version; /* 1 at creation, +1 on every change */
    uint32_t nlink;   /* file: 1 (0 orphaned); dir: 2 + subdirs (0 orphaned) */
    uint16_t mode;    /* permission bits, <= FS_MODE_MASK */
    uint8_t type;     /* FS_T_FILE or FS_T_DIR */
};

struct fsm_dirent {  /* used in [0, n_dirents); zeros beyond */
    uint64_t parent; /* a directory's inode number */
    uint64_t ino;
    uint8_t name_len; /* 1..FS_NAME_MAX */
    char name[FS_NAME_MAX];
};

struct fsm_open { /* used in [0, n_opens); zeros beyond */
    uint64_t session;
    uint64_t ino;
    int32_t pid;
    uint32_t count; /* 1..FS_OPEN_COUNT_MAX */
};

struct fs_machine {
    uint64_t applied; /* index of the last command applied (1 after fsm_init) */
    uint32_t n_inodes, n_dirents, n_opens;
    struct fsm_inode inodes[FS_MAX_INODES];   /* sorted by ino */
    struct fsm_dirent dirents[FS_MAX_INODES]; /* sorted by (parent, name) */
    struct fsm_open opens[FS_MAX_OPENS];      /* sorted by (session, pid, ino) */
    struct session_entry s[FS_MAX_SESSIONS];  /* services/replica/sessiontab.h */
    struct dedup_client c[FS_MAX_CLIENTS];    /* services/replica/dedup.h */
    uint64_t out_nodes; /* nodes gone for good: bit k-1 is node k (FS_OP_NODE_OUT);
                             * chunks are placed without them (placement.h) */
    /* ---- reserved: file data (snapshot format 2) ----------------------------
     * File contents live in FS_CHUNK_SIZE chunks on the chunk servers. When
     * the machine comes to hold per-chunk state (per chunk: ino, chunk
     * number, version, replica nodes; the lease of its primary), the table
     * goes here, and in the snapshot after the open references as format 2;
     * format 1 carries none (its chunk count must be 0). Every place that
     * makes chunks unreachable already calls one hook, drop_chunks() in
     * fsmachine.c (a shrinking SETATTR, a TRUNC, the freeing of an inode),
     * so chunk garbage collection goes in there. */
};

/* An empty file system: the root directory (inode 1, mode 0755, time 0),
 * applied = 1. */
void fsm_init(struct fs_machine *m);

/* Apply the committed command at log `index` (> m->applied; the caller
 * applies every index in order, calling fsm_skip for entries that are not
 * commands, such as Raft no-ops and configurations). A command is a request
 * in its wire encoding (fsproto.h); one that does not decode is skipped with
 * -EBADMSG, a read or server-local op with -EINVAL. Either way, and whatever
 * the outcome, applied = index. An index at or below applied changes nothing
 * and returns -EINVAL (the caller's bug). rep (may be NULL) receives what
 * the proposer is told: status, index, the attributes of the inode the
 * answer names (only its ino if it is gone), `created`, `value`. Returns
 * rep->status. */
int fsm_apply(struct fs_machine *m, uint64_t index, const uint8_t *cmd, size_t len,
              struct fs_reply *rep);
/* Advance applied to index (no change if index <= applied). */
void fsm_skip(struct fs_machine *m, uint64_t index);

/* Reads: fill rep for a STAT, FSTAT, READDIR or STATFS request, from the
 * machine as it is (rep->index = m->applied). Any other op: -EINVAL. */
void fsm_read(const struct fs_machine *m, const struct fs_request *req, struct fs_reply *rep);

/* Does pid hold any open reference under session? (The server's runtime
 * asks when the pid exits: RELEASE until this says no.) */
bool fsm_holds(const struct fs_machine *m, uint64_t session, int32_t pid);

/* Sessions: the id of the session (node, nonce) opened, 0 if none. */
uint64_t fsm_session_find(const struct fs_machine *m, uint32_t node, uint64_t nonce);
bool fsm_session_exists(const struct fs_machine *m, uint64_t id);

/* Snapshot: serialise the whole machine into buf[0..cap): its length, or
 * -EMSGSIZE. The bytes are canonical: equal machines give equal bytes. */
long fsm_snapshot(const struct fs_machine *m, uint8_t *buf, size_t cap);
/* Replace m with a snapshot's content after checking all of it (CRC,
 * layout, and every invariant of docs/fs-machine.md): 0, or -EBADMSG with m
 * unchanged. A restored machine is byte for byte the one that was saved. */
int fsm_restore(struct fs_machine *m, const uint8_t *buf, size_t len);
/* An upper bound on fsm_snapshot's length, for a full machine. */
size_t fsm_snapshot_max(void);

#endif
