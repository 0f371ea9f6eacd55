/* user/fsclient.h: the file service's client library (docs/fs.md).
 *
 * The layer under the POSIX calls (user/posix_fs.c: open, read, write,
 * stat, ...): it talks to the file service's metadata servers (the Raft
 * group, found like naming's: this node's server first, then the leader it
 * names) and to the chunk servers that hold file data. Paths given here are
 * absolute and normalised ("/", "/a/b": no "." or ".." components, no
 * repeated or trailing '/'); the POSIX layer resolves the working directory
 * and normalises before calling.
 *
 * Every call returns 0 (or a byte count) or -errno, with POSIX's values:
 *   -ENOENT -EEXIST -ENOTDIR -EISDIR -ENOTEMPTY -ENOSPC -ENAMETOOLONG
 *   -EINVAL -EBADF -EFBIG -EIO -ETIMEDOUT (soft mounts only) -EINTR
 *
 * All the state a process's open files need lives in the process's own
 * memory (struct fsc_file, in the POSIX layer's descriptor table), so a
 * migrating process takes it along. */
#ifndef USER_FSCLIENT_H
#define USER_FSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#define FSC_NAME_MAX 64  /* bytes in one path component */
#define FSC_PATH_MAX 256 /* bytes in a whole path */

enum fsc_type { FSC_T_FILE = 1, FSC_T_DIR = 2 };

struct fsc_stat {
    uint64_t ino;
    uint8_t type;  /* enum fsc_type */
    uint16_t mode; /* permission bits (0644, 0755, ...) */
    uint32_t nlink;
    uint64_t size;               /* bytes (a directory: its number of entries) */
    uint64_t mtime_ns, ctime_ns; /* the metadata leader's clock when it changed */
    uint64_t version;            /* +1 on every change of this inode's metadata */
};

/* Open flags (the POSIX layer maps O_* onto these). */
#define FSC_O_READ 0x01
#define FSC_O_WRITE 0x02
#define FSC_O_CREAT 0x04
#define FSC_O_EXCL 0x08
#define FSC_O_TRUNC 0x10
#define FSC_O_APPEND 0x20
#define FSC_O_DIRECTORY 0x40 /* must be a directory (opendir) */

/* One open file: what a descriptor refers to. Plain data, no pointers. */
struct fsc_file {
    uint64_t ino;
    uint32_t flags;   /* FSC_O_* it was opened with */
    uint64_t offset;  /* the POSIX layer's file position */
    uint64_t session; /* the session its open reference belongs to */
    uint64_t size;    /* the size last learnt (reads refresh it: fsclient.c) */
    uint8_t type;
};

/* Open (and with FSC_O_CREAT create, mode) path into *f. */
int fsc_open(const char *path, uint32_t flags, uint16_t mode, struct fsc_file *f);
/* Drop the open reference (an unlinked file goes once no one has it open). */
int fsc_close(struct fsc_file *f);
/* Read up to len bytes at off: the count (0 at or past the end), or -errno. */
long fsc_pread(struct fsc_file *f, void *buf, size_t len, uint64_t off);
/* Write len bytes at off; returns len or -errno. Durable on a majority of
 * the data's replicas, and visible to every later read anywhere, once it
 * returns. */
long fsc_pwrite(struct fsc_file *f, const void *buf, size_t len, uint64_t off);
/* Append atomically at the end of the file (O_APPEND): *at gets where it
 * went. Concurrent appenders on any nodes never overlap. */
long fsc_append(struct fsc_file *f, const void *buf, size_t len, uint64_t *at);
int fsc_ftruncate(struct fsc_file *f, uint64_t size);
int fsc_fsync(struct fsc_file *f);
int fsc_fstat(struct fsc_file *f, struct fsc_stat *out);

int fsc_stat(const char *path, struct fsc_stat *out);
int fsc_mkdir(const char *path, uint16_t mode);
int fsc_rmdir(const char *path);
int fsc_unlink(const char *path);
/* Atomic, across directories too. */
int fsc_rename(const char *from, const char *to);
int fsc_truncate(const char *path, uint64_t size);

/* Entries of directory path after name `after` ("" from the start), up to
 * max into ents; *more is set when more follow the last one returned.
 * Returns the count or -errno. */
struct fsc_dirent {
    uint64_t ino;
    uint8_t type;
    char name[FSC_NAME_MAX + 1]; /* NUL-terminated */
};
int fsc_readdir(const char *path, const char *after, struct fsc_dirent *ents, int max, int *more);

/* Space: per node (node 1..N) or, node 0, the whole service. */
struct fsc_statfs {
    uint64_t chunk_bytes, chunk_bytes_free; /* file data (node: its region) */
    uint64_t inodes, inodes_free;           /* the whole service */
};
int fsc_statfs(int node, struct fsc_statfs *out);

/* For fsck (user/fsck.c): the chunks node's store holds, in (ino, index)
 * order after (after_ino, after_index) (first: from the start), at most
 * max; with verify, every block is read and checked. The count or -errno. */
struct fsc_chunk_info {
    uint64_t ino;
    uint32_t index;
    uint64_t version;
    uint32_t length;
    uint32_t digest; /* equal on replicas with equal data, version and length */
    uint32_t bad;    /* verify: a bit per 4 KiB block that fails its CRC */
};
int fsc_store_list(uint32_t node, int first, uint64_t after_ino, uint32_t after_index, int verify,
                   struct fsc_chunk_info *out, int max);
/* Anti-entropy: the hash and count of the chunks node's store shares with
 * `peer`, with keys (chunk_key) in [lo, hi). 0 or -errno. */
int fsc_store_hash(uint32_t node, uint32_t peer, uint64_t lo, uint64_t hi, uint64_t *hash,
                   uint32_t *count);
/* The state of node's metadata server (0: this node's): its Raft role,
 * term, leader, counts (FS_OP_STATUS, answered by the server itself). 0 or
 * -errno. */
struct fs_status;
int fsc_server_status(int node, struct fs_status *out);
/* Does node's store answer (within a second)? 0 or -errno. */
int fsc_store_ping(uint32_t node);
/* Have the chunk's primary rewrite replica `node` (0: every replica not at
 * the newest version) from a good one: how many it rewrote, or -errno. */
int fsc_chunk_repair(uint64_t ino, uint32_t index, uint32_t node);
/* Garbage collection (repaird): 1 if inode ino exists (an unlinked file
 * still open does), 0 if it is gone for good, or -errno; and the removal of
 * a chunk from node's store: of a gone file, or a copy on a node that is
 * no longer one of the chunk's replicas (version != 0: only if the store
 * still holds that version, else -ESTALE). */
int fsc_ino_exists(uint64_t ino);
int fsc_store_remove_gone(uint32_t node, uint64_t ino, uint32_t index, uint64_t version);
/* The nodes chunk placement leaves out (bit k-1: node k; declared gone
 * for good by the metadata service), cached for a few seconds unless
 * refresh. */
uint64_t fsc_out_nodes(int refresh);
/* The chunk's replicas, best first: how many. */
int fsc_chunk_replicas(uint64_t ino, uint32_t index, uint32_t *nodes_out);

/* Mount mode of this process (seed scenario 2, as NFS): hard (default)
 * retries until the service answers (a kill still ends the process at
 * once); soft gives up after retrans tries of timeo_ms each with -ETIMEDOUT
 * (or -EIO for a write whose outcome is unknown). */
struct fsc_mount {
    int soft;          /* 0 hard, 1 soft */
    uint32_t timeo_ms; /* per try (default 1500) */
    uint32_t retrans;  /* tries before a soft mount gives up (default 3) */
};
void fsc_set_mount(const struct fsc_mount *m);
void fsc_get_mount(struct fsc_mount *m);

#endif
