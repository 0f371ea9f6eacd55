/* services/replica/dedup.h: suppression of retried requests (Raft thesis
 * §6.3), for every replicated service's state machine.
 *
 * A client (a process using a service's client library) numbers its writes
 * 1, 2, 3... under a random 64-bit id and retries a write with the same
 * number until it gets an answer. The state machine keeps, per client, the
 * last number it applied and a summary of the answer (status, one value, the
 * log index), so a retry that reaches the log again is answered from the
 * table instead of being applied twice.
 *
 * The table is a fixed array inside the service's machine (so it is part of
 * the replicated state and of snapshots). When it is full, the least recently
 * used client is forgotten; a later request of a forgotten client with a
 * number above 1 is refused with -ESTALE rather than risk applying it again.
 *
 * Pure and deterministic: every choice (the slot a new client takes, which
 * client is forgotten) is a fixed rule over the table's contents.
 * Freestanding. */
#ifndef SERVICES_REPLICA_DEDUP_H
#define SERVICES_REPLICA_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/lebytes.h"

struct dedup_client {
    uint64_t id;        /* 0: free slot */
    uint64_t seq;       /* last applied request number */
    uint64_t last_used; /* log index of its last request (for LRU) */
    int32_t status;     /* the answer it got */
    uint64_t version;   /* the answer's one value (a version, an inode number) */
    uint64_t index;     /* the log index the answer reflects */
};

enum dedup_verdict {
    DEDUP_APPLY,  /* new: apply it, then dedup_record */
    DEDUP_REPEAT, /* already applied: answer with *prev's status/version/index */
    DEDUP_STALE,  /* an old retry, or a forgotten client: answer -ESTALE, apply nothing */
};

/* Judge request (id, seq) of a client (id != 0) arriving at log `index`.
 * Marks a known client used at index. For DEDUP_REPEAT *prev points at its
 * entry; otherwise *prev is its entry (known client) or NULL. */
enum dedup_verdict dedup_check(struct dedup_client *tab, uint32_t cap, uint64_t id, uint64_t seq,
                               uint64_t index, struct dedup_client **prev);

/* After applying a DEDUP_APPLY request: remember its answer. slot is the
 * *prev dedup_check gave (NULL: a new client takes the lowest free slot, or
 * the least recently used one's, lowest slot on a tie). */
void dedup_record(struct dedup_client *tab, uint32_t cap, struct dedup_client *slot, uint64_t id,
                  uint64_t seq, uint64_t index, int32_t status, uint64_t version);

/* Snapshots. Each used slot is written as
 *   slot u16 | id u64 | seq u64 | last_used u64 | status i32 | version u64 | index u64
 * in slot order, so a restored table is byte for byte the original. */
#define DEDUP_SNAP_ENTRY (2 + 8 + 8 + 8 + 4 + 8 + 8)
uint32_t dedup_count(const struct dedup_client *tab, uint32_t cap);
void dedup_put(struct le_writer *w, const struct dedup_client *tab, uint32_t cap);
/* Read n entries, checking each (slots increasing and < cap, ids nonzero and
 * unique, seq >= 1, 0 < index <= last_used <= applied, status an errno or 0);
 * into tab when it is not NULL (a cleared table). False if any is bad. */
bool dedup_get(struct le_reader *r, struct dedup_client *tab, uint32_t cap, uint32_t n,
               uint64_t applied);

#endif
