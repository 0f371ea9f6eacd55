/* services/fs/primary/primary.h: the chunk primary, one per node
 * (services=...,primaryd), port "primary" (docs/fs.md, "Writes and reads").
 *
 * Clients send a chunk's reads and writes here, to the first of its replicas
 * (services/fs/placement.h). The primary holds a lease on the chunk from the
 * metadata leader; the lease's fencing token (Raft term and lease number)
 * goes with every change it sends, and each replica's store refuses tokens
 * below the highest it has seen, so a deposed primary can change nothing.
 * Under the lease the primary orders the chunk's writes (versions 1, 2, ...)
 * and acknowledges one once a majority of the replicas have it on disk.
 *
 *   main.c    the loop: a client's READ, WRITE, TRUNC
 *   lease.c   leases from the metadata leader, and the sync that follows a
 *             new one (fence every replica, learn the newest version)
 *   stores.c  calls to the replicas' stores (services/fs/store/), with
 *             nodes that stopped answering skipped for a while
 *
 * A primary never receives a call from another primary or a store, so calls
 * between the fs processes form no cycle and cannot deadlock: clients call
 * primaries; primaries call stores and the metadata leader; stores and the
 * metadata servers call nobody. */
#ifndef SERVICES_FS_PRIMARY_PRIMARY_H
#define SERVICES_FS_PRIMARY_PRIMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "services/fs/chunkproto.h"
#include "services/fs/placement.h"

/* What the primary knows of one chunk it leads (or led). */
struct pchunk {
    uint64_t ino;
    uint32_t index;
    uint64_t token;    /* the lease's fencing token; 0: none */
    uint64_t until_ns; /* the lease holds until then, by this node's clock */
    bool synced;       /* a majority told its version under this token (lease.c) */
    bool prepared;     /* fenced for a PREPARE while it held nothing: removed again
                           * if no write came before the lease ended (main.c) */
    bool fenced;       /* the replicas refuse lower tokens (done before the first change) */
    uint64_t version;  /* the newest version a replica was asked to take */
    uint64_t floor;    /* this lease's writes get versions above it (lease.c) */
    uint32_t length;   /* its length */
    uint32_t nrep;
    uint32_t rep[FS_REPLICAS];
    uint64_t have[FS_REPLICAS]; /* the version each replica is known to hold (0: unknown,
                                 * HAVE_DIVERGED: the chunk's version, other bytes) */
    uint64_t used_ns;           /* for reuse of the least recently used entry */
};

/* have[i] of a replica whose copy carries the chunk's version but not its
 * bytes (lease.c: sync; syncpick.h): it is rewritten whole, never built on. */
#define HAVE_DIVERGED UINT64_MAX

/* lease.c: the chunk's entry with a valid lease, synced, and if `change`
 * (a write is to follow), with every replica fenced; 0 or -errno
 * (-EREMOTE with *hint: another node holds the lease; -EAGAIN: no majority
 * of the replicas answered, or no lease yet; -ENOSPC: too many replicas
 * had no space to create the chunk for a majority to be fenced). */
int lease_ensure(uint64_t ino, uint32_t index, bool change, struct pchunk **out, uint32_t *hint);

/* lease.c: a write of the chunk is likely soon (CHUNK_OP_PREPARE): get its
 * lease now if this node has none, and leave the sync to the write. Quiet:
 * a lease held elsewhere, or no answer, only means the write asks again. */
void lease_prefetch(uint64_t ino, uint32_t index);

/* lease.c: the entries fenced for a PREPARE that no write used, whose lease
 * has ended: each is handed to drop() once (then forgotten). */
void lease_unused_prepared(void (*drop)(struct pchunk *c));

/* stores.c: one call to node's store; the reply decoded into *rep (its data
 * points into a buffer valid until the next call). 0, or -errno of the call
 * (-EHOSTDOWN for a node skipped as unreachable). */
int store_call(uint32_t node, const struct chunk_req *req, struct chunk_rep *rep);

extern uint32_t primary_node, primary_nodes;
#define primary_log(...) ulog("primaryd", __VA_ARGS__)

#endif
