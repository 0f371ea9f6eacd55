/* services/fs/primary/syncpick.h: which replica's copy a new lease holder
 * takes as the chunk's (docs/fs.md, "Leases and fencing"). Pure, tested on
 * the host (tests/fs/test_data.c).
 *
 * The sync asks the replicas their version and the digest of their copy.
 * The newest version is the chunk's, since every acknowledged write is on a
 * majority. But two copies may carry the same version with different
 * bytes: a holder that wrote only its own replica (never acknowledged)
 * before it was cut off, and the next holder, whose sync did not see that
 * replica and so started its versions from the same place. The
 * acknowledged copy is then on a majority of the replicas and the other on
 * fewer, so the copies are counted: the one a majority holds wins; if no
 * copy can be sure of that yet, more replicas are asked. */
#ifndef SERVICES_FS_PRIMARY_SYNCPICK_H
#define SERVICES_FS_PRIMARY_SYNCPICK_H

#include <stdbool.h>
#include <stdint.h>

/* One replica's answer to a sync. */
struct sync_answer {
    uint32_t slot;    /* the replica's place in the chunk's replica list */
    uint64_t version; /* 0: it holds nothing (or only a fence) */
    uint32_t length;
    uint32_t digest; /* of its copy (chunkstore_entry); ignored at version 0 */
};

enum sync_pick_result {
    SYNC_PICKED,    /* *chosen is the chunk's copy */
    SYNC_UNDECIDED, /* copies of the newest version differ and none is on a
                     * majority of the replicas yet: ask the others, or try later */
};

/* From the answers of n of the chunk's nrep replicas (n > 0): the copy
 * that is the chunk's. On SYNC_PICKED, *chosen is its index in a, and
 * *agree has bit `slot` set for every replica that answered with exactly
 * that copy (the ones reads may be served from). With every replica
 * answered it always picks: copies of one version that no majority holds
 * were never acknowledged, and any of them will do. */
enum sync_pick_result sync_pick(const struct sync_answer *a, uint32_t n, uint32_t nrep,
                                uint32_t *chosen, uint32_t *agree);

#endif
