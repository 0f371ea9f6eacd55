/* services/fs/fsproto.h: the file service's metadata wire formats
 * (docs/fs-machine.md has the layouts as tables).
 *
 * One request encoding serves three uses, as in the naming service:
 *   - a client's request, sent as an IPC call to a metadata server;
 *   - a command in the Raft log: a write is proposed as its own encoding,
 *     after the leader has filled the fields only a server knows (now_ns,
 *     and for opens the client's session and pid);
 *   - commands the servers themselves propose (sessions, releases).
 * Replies have their own encoding. Everything is little-endian with explicit
 * lengths; decoders check every field and never read past the buffer, since
 * the bytes come from the network.
 *
 * Paths are absolute and canonical: "/" or "/a/b", components separated by
 * one '/', no trailing '/', no "." or ".." component, no NUL byte. The client
 * library normalises before sending; the decoder refuses anything else, so
 * the state machine may assume every decoded path is canonical.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h> and lib/ headers only. */
#ifndef SERVICES_FS_FSPROTO_H
#define SERVICES_FS_FSPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/errno.h" /* the machine's errors: ENOTDIR, EISDIR, EFBIG, ENOTEMPTY... */

#define FS_NAME_MAX 64      /* bytes in one path component */
#define FS_PATH_MAX 256     /* bytes in a whole path */
#define FS_MAX_INODES 4096  /* files and directories, the root included */
#define FS_MAX_SESSIONS 64  /* open sessions (about one per metadata server) */
#define FS_MAX_CLIENTS 1024 /* clients remembered for duplicate suppression */
#define FS_MAX_OPENS 1024   /* (session, pid, inode) open references */
#define FS_READDIR_MAX 128  /* entries in one READDIR reply */
#define FS_REQUEST_MAX 600  /* largest encoded request (RENAME: 542); fits a Raft entry */
#define FS_REPLY_MAX 10240  /* largest encoded reply (a full READDIR: 9,548) */

#define FS_ROOT_INO 1      /* the root directory's inode number */
#define FS_MODE_MASK 07777 /* the permission bits a mode may carry */

enum fs_op {
    /* client writes: proposed through Raft; each carries client and seq for
     * duplicate suppression (client 0: a server's own command) and now_ns */
    FS_OP_CREATE = 1, /* create a regular file or open an existing one */
    FS_OP_MKDIR = 2,
    FS_OP_UNLINK = 3,
    FS_OP_RMDIR = 4,
    FS_OP_RENAME = 5,   /* path -> path2, atomically */
    FS_OP_SETATTR = 6,  /* by inode: size, mtime, mode as flagged */
    FS_OP_OPEN = 7,     /* register an open reference (session, pid, inode) */
    FS_OP_CLOSE = 8,    /* drop one open reference */
    FS_OP_EXTEND = 9,   /* after a write: size = max(size, `size`), mtime = now */
    FS_OP_RESERVE = 10, /* O_APPEND: size += `size`; the reply's value is the old size */
    /* reads: served by the leader after a ReadIndex round, never logged */
    FS_OP_STAT = 16,
    FS_OP_FSTAT = 17,
    FS_OP_READDIR = 18, /* the entries of path after `after`, at most max */
    FS_OP_LEASE = 19,   /* chunk (ino, index `size`) for primary owner_node: answered
                         * by the leader's lease table (services/fs/leases.c) */
    /* answered by the server that receives them, never forwarded */
    FS_OP_STATUS = 24,  /* this server's Raft state */
    FS_OP_STATFS = 25,  /* inode and open-reference counts */
    FS_OP_SESSION = 26, /* the session of the server's node (the reply's value) */
    /* commands only servers propose */
    FS_OP_SESSION_OPEN = 30,   /* owner_node opens a session; nonce tells retries apart */
    FS_OP_SESSION_EXPIRE = 31, /* the leader saw no keepalive: its references go */
    FS_OP_RELEASE = 32,        /* pid of session exited: its references go */
    FS_OP_NODE_OUT = 33,       /* owner_node is gone for good: chunks are placed without it */
    FS_OP_NODE_IN = 34,        /* owner_node answers again: chunks are placed on it again */
};

/* Nodes a placement may exclude: bit k-1 of an out-node mask is node k. */
#define FS_OUT_NODES_MAX 64

/* Request flags. */
#define FS_F_EXCL 0x01  /* CREATE: fail with -EEXIST if the name exists */
#define FS_F_TRUNC 0x02 /* CREATE, OPEN: an existing regular file's size goes to 0 */
#define FS_F_OPEN 0x04  /* CREATE: also register an open reference (session, pid) */
#define FS_F_SIZE 0x08  /* SETATTR: set the size (truncate or extend) */
#define FS_F_MTIME 0x10 /* SETATTR: set mtime_ns */
#define FS_F_MODE 0x20  /* SETATTR: set mode */

/* Inode types. */
#define FS_T_FILE 1
#define FS_T_DIR 2

struct fs_request {
    uint8_t op;
    uint8_t flags;
    uint16_t mode;       /* CREATE, MKDIR; SETATTR with FS_F_MODE (<= FS_MODE_MASK) */
    int32_t pid;         /* OPEN, CLOSE, CREATE with FS_F_OPEN, RELEASE */
    uint32_t owner_node; /* SESSION_OPEN, LEASE (!= 0) */
    uint32_t max;        /* READDIR: at most this many entries (0: FS_READDIR_MAX) */
    uint64_t client;     /* client writes: random per client process; 0 for a server's */
    uint64_t seq;        /* client writes: the client's request number, from 1 */
    uint64_t now_ns;     /* every write: the leader's clock, stamped before proposing */
    uint64_t session;    /* OPEN, CLOSE, CREATE with FS_F_OPEN (0: filled by the server);
                          * SESSION_EXPIRE, RELEASE (!= 0) */
    uint64_t nonce;      /* SESSION_OPEN */
    uint64_t ino;        /* SETATTR, CLOSE, EXTEND, RESERVE, FSTAT, LEASE (!= 0) */
    uint64_t size;       /* SETATTR with FS_F_SIZE: the size; EXTEND: the end of a
                          * write; RESERVE: bytes to append; LEASE: the chunk index */
    uint64_t mtime_ns;   /* SETATTR with FS_F_MTIME */
    uint16_t path_len, path2_len, after_len;
    char path[FS_PATH_MAX];  /* every op that names a file by path */
    char path2[FS_PATH_MAX]; /* RENAME: the destination */
    char after[FS_NAME_MAX]; /* READDIR: start after this name (empty: from the first) */
};

/* An inode's attributes as a reply carries them. type 0 means "only ino is
 * known" (the inode is gone, or the reply repeats a cached answer); then
 * every other field is 0. */
struct fs_attr {
    uint64_t ino;
    uint8_t type; /* FS_T_FILE, FS_T_DIR, or 0 */
    uint16_t mode;
    uint32_t nlink; /* file: 1, or 0 once unlinked; dir: 2 + subdirectories, 0 once removed */
    uint64_t size;  /* file: bytes; dir: number of entries */
    uint64_t mtime_ns, ctime_ns;
    uint64_t version; /* 1 at creation, +1 on every change of this inode's metadata */
};

/* One READDIR entry. */
struct fs_dirent {
    uint64_t ino;
    uint8_t type;     /* FS_T_FILE or FS_T_DIR */
    uint8_t name_len; /* 1..FS_NAME_MAX */
    char name[FS_NAME_MAX];
};

/* The state of one server (FS_OP_STATUS), as the naming service reports it. */
struct fs_status {
    uint32_t node, leader; /* leader: 0 if unknown */
    uint8_t role;          /* enum raft_role */
    uint8_t member;        /* enum raft_member_role, 0 if not in the configuration */
    uint64_t term, commit, applied, last_index, snap_index;
    uint64_t session; /* this server's session, 0 if none yet */
    uint32_t inodes;
    uint32_t
        bad_requests; /* calls and datagrams this server refused as malformed since it started */
};

/* FS_OP_STATFS. */
struct fs_statfs {
    uint32_t inodes_used, inodes_total;
    uint32_t opens_used, opens_total;
    uint64_t out_nodes; /* the nodes chunks are placed without (FS_OP_NODE_OUT) */
};

struct fs_reply {
    int32_t status;      /* 0 or -errno; -EREMOTE: not the leader, try `leader` */
    uint32_t leader;     /* a hint for -EREMOTE (0: unknown) */
    uint8_t op;          /* the request's op, or 0 (refused before the op was known) */
    uint8_t created;     /* CREATE with status 0: 1 if this command created the file */
    uint8_t more;        /* READDIR with status 0: more entries follow the last one */
    uint64_t index;      /* the log index the answer reflects */
    uint64_t value;      /* SESSION_OPEN, SESSION: the session id; SESSION_EXPIRE,
                       * RELEASE: the number of open references dropped; RESERVE: the
                       * size before (where the reserved bytes start); LEASE: the
                       * fencing token, or with -EBUSY the holder's node; else 0 */
    uint32_t lease_ms;   /* LEASE (whatever the status): how long a lease lasts */
    uint64_t out_nodes;  /* LEASE (whatever the status): the out-node mask the leader
                         * placed the chunk under, so the primary writes to the
                         * replicas the grant was checked against */
    struct fs_attr attr; /* the inode the answer names (READDIR: the directory) */
    struct fs_status st; /* STATUS */
    struct fs_statfs sf; /* STATFS */
    uint32_t n;          /* READDIR: entries in ents */
    struct fs_dirent ents[FS_READDIR_MAX];
};

/* Is p[0..len) a canonical absolute path? 0; -EINVAL if it is empty, not
 * absolute, or has an empty, "." or ".." component or a NUL byte;
 * -ENAMETOOLONG if it is longer than FS_PATH_MAX or a component is longer
 * than FS_NAME_MAX. A path over FS_PATH_MAX is -ENAMETOOLONG whatever else;
 * otherwise the first problem from the left decides. */
int fs_path_check(const char *p, size_t len);
/* Is name[0..len) one valid path component? 0; -EINVAL (empty, ".", "..",
 * a NUL or '/'), or -ENAMETOOLONG (longer than FS_NAME_MAX). */
int fs_name_check(const char *name, size_t len);

/* True for the ops that go through the Raft log. */
bool fs_op_is_write(uint8_t op);
/* True for the writes that carry client and seq (CREATE .. RESERVE). */
bool fs_op_is_client_write(uint8_t op);

/* Encode r into buf[0..cap): its length; the path's error from
 * fs_path_check (or the `after` name's from fs_name_check) for a bad path or
 * name, -EINVAL for any other field the decoder would refuse, -EMSGSIZE if
 * it does not fit. Only the fields r->op and r->flags use are read. */
int fs_request_encode(const struct fs_request *r, uint8_t *buf, size_t cap);
/* Decode and validate: 0, or -EBADMSG (malformed, unknown op or flag, bad
 * path or name, a field out of range, trailing bytes). r is fully written
 * either way: zeroed on a refusal, and every field the op does not use is 0. */
int fs_request_decode(const uint8_t *buf, size_t len, struct fs_request *r);

/* Encode r: its length, -EINVAL if the decoder would refuse it, -EMSGSIZE
 * if it does not fit. Of ents, only ents[0..n) of a successful READDIR. */
int fs_reply_encode(const struct fs_reply *r, uint8_t *buf, size_t cap);
/* Decode and validate: 0 or -EBADMSG; r is fully written either way. */
int fs_reply_decode(const uint8_t *buf, size_t len, struct fs_reply *r);

#endif
