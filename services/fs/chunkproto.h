/* services/fs/chunkproto.h: messages about file data (docs/fs.md,
 * "Chunks"): a client's reads and writes to a chunk's primary, the primary's
 * copies to the other replicas, leases from the metadata leader, and the
 * listings fsck and anti-entropy compare.
 *
 * One request layout for every op (unused fields zero), little-endian:
 *   op u8 | flags u8 | ino u64 | index u32 | off u32 | len u32 | token u64 |
 *   version u64 | base u64 | length u32 | node u32 | data_len u32 | data
 * and one reply layout:
 *   status i32 | version u64 | length u32 | token u64 | hint u32 |
 *   lease_ms u32 | count u32 | digest u32 | data_len u32 | data
 * Decoders check every field against the op and never read past the buffer
 * (the bytes come from the network); data is returned as a pointer into the
 * buffer, not copied.
 *
 * Freestanding. */
#ifndef SERVICES_FS_CHUNKPROTO_H
#define SERVICES_FS_CHUNKPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/fs/placement.h"

#define CHUNK_MAX_INDEX 16384 /* chunks per file: FS_CHUNK_SIZE x this = 1 GiB */
#define CHUNK_REQ_HDR 58
#define CHUNK_REP_HDR 44
#define CHUNK_LIST_ENTRY                                                                           \
    32                      /* ino u64 | index u32 | version u64 | length u32 | digest u32 |
                                * bad u32 (VERIFY: a bit per block that fails its CRC) */
#define CHUNK_LIST_MAX 1024 /* entries in one LIST reply */
#define CHUNK_MSG_MAX (CHUNK_REQ_HDR + FS_CHUNK_SIZE + 64)

enum chunk_op {
    /* a client to the chunk's primary (any replica; others redirect) */
    CHUNK_OP_READ = 100,    /* off, len -> data (zeros past the chunk's length) */
    CHUNK_OP_WRITE = 101,   /* off, data -> version */
    CHUNK_OP_TRUNC = 102,   /* length: bytes past it become zeros (0: the chunk goes) */
    CHUNK_OP_REPAIR = 103,  /* rewrite replica `node` (0: every stale one) from a good one */
    CHUNK_OP_PREPARE = 104, /* a datagram: a write of this chunk is likely next (get its
                             * lease now, while the writer is busy elsewhere) */
    /* a primary to the other replicas (token: its lease's fencing token) */
    CHUNK_OP_REPLICATE = 110, /* apply off, data as `version` if yours is `base` */
    CHUNK_OP_PUT = 111,       /* the whole chunk (data, length) as `version` */
    CHUNK_OP_FENCE = 112,     /* refuse tokens below `token` from now; -> version, length */
    CHUNK_OP_GET = 113,       /* the whole chunk -> data, version, length */
    CHUNK_OP_LIST = 114,      /* chunks after (ino, index) -> count entries */
    CHUNK_OP_STATFS = 115,    /* -> version = bytes used, length = 0, token = bytes free,
                               * count = requests refused as malformed (since the
                               * store started). Also served by a primary: only
                               * its own count, the rest 0 */
    CHUNK_OP_REMOVE = 116,    /* drop a replica (its file is gone, or it moved);
                               * with a version, only if it holds that one */
    CHUNK_OP_HASH = 117,      /* anti-entropy: of the chunks this store shares with
                               * replica `node` whose key (chunk_key) is in
                               * [version, base), placed without the nodes in
                               * the out-node mask `token`: a hash (token) and
                               * count */
    /* a chunk server to the metadata leader (the file service's port) */
    CHUNK_OP_LEASE = 120, /* node asks to be (ino, index)'s primary -> token, lease_ms */
};

#define CHUNK_F_FIRST 0x01  /* LIST: from the first chunk (ino and index are ignored) */
#define CHUNK_F_VERIFY 0x02 /* LIST: read every block and report those that fail */
#define CHUNK_F_GC 0x04     /* REMOVE: its file is gone (the metadata said so): no token */
#define CHUNK_F_PEEK 0x08 /* FENCE: only say the version (refusing a lower token), raise nothing */
#define CHUNK_F_EMPTY                                                                              \
    0x20 /* REMOVE: only a chunk that holds nothing (version 0: a
                              * fence's, for a write that did not come) */
#define CHUNK_F_FORWARD                                                                            \
    0x10 /* REPLICATE: once applied and answered, pass it on to
                              * replica `node`'s store as a datagram (docs/fs.md,
                              * "Writes and reads": the third copy) */

struct chunk_req {
    uint8_t op, flags;
    uint64_t ino;
    uint32_t index, off, len;
    uint64_t token, version, base;
    uint32_t length, node;
    uint32_t data_len;
    const uint8_t *data; /* into the decoded buffer */
};

struct chunk_rep {
    int32_t status; /* 0 or -errno; -EREMOTE: not the primary, try `hint` */
    uint64_t version;
    uint32_t length;
    uint64_t token;
    uint32_t hint; /* a node to try instead (0: none) */
    uint32_t lease_ms;
    uint32_t count;  /* LIST entries; STATFS: malformed requests refused */
    uint32_t digest; /* FENCE: the replica's copy (chunkstore_entry's digest; 0: none) */
    uint32_t data_len;
    const uint8_t *data;
};

/* Encode r (with data_len bytes of r->data) into buf: its length or -EMSGSIZE. */
long chunk_req_encode(const struct chunk_req *r, uint8_t *buf, size_t cap);
/* Decode and check: 0 or -EBADMSG (short, trailing bytes, unknown op, a range
 * outside the chunk, data that does not match the op). */
int chunk_req_decode(const uint8_t *buf, size_t len, struct chunk_req *r);
long chunk_rep_encode(const struct chunk_rep *r, uint8_t *buf, size_t cap);
int chunk_rep_decode(const uint8_t *buf, size_t len, struct chunk_rep *r);

/* A chunk's place in the order anti-entropy walks: (ino, index) as one
 * number (indexes are below 2^15). */
static inline uint64_t chunk_key(uint64_t ino, uint32_t index) { return ino << 15 | index; }

/* True if op's requests come from a chunk server's peers or the metadata
 * service rather than a client (they carry a fencing token). */
bool chunk_op_is_peer(uint8_t op);

#endif
