/* services/replica/sessiontab.h: the sessions of a replicated service's
 * state machine (the part of services/replica/sessions.c that is replicated).
 *
 * A session belongs to one node's server of the service. Things a process
 * holds that must not outlive it (naming's ephemeral bindings, the file
 * service's open files) are recorded under (session, pid); the node's server
 * releases them when the pid exits, and the leader expires the whole session
 * when the node stops renewing it (services/replica/sessions.c).
 *
 * A session's id is the log index of the command that opened it: unique for
 * the life of the service, and the same on every replica. A server retrying
 * its open sends the same (node, nonce) and gets the session it made.
 *
 * Pure and deterministic (a new session takes the lowest free slot).
 * Freestanding. */
#ifndef SERVICES_REPLICA_SESSIONTAB_H
#define SERVICES_REPLICA_SESSIONTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/lebytes.h"

struct session_entry {
    uint64_t id;    /* 0: free slot */
    uint64_t nonce; /* chosen by the server, tells its retries apart */
    uint32_t node;  /* the node whose server owns it */
};

/* Open (node, nonce)'s session at log index: *id = its id (an existing one
 * for a retry). 0, or -ENOSPC when every slot is taken. */
int sessiontab_open(struct session_entry *tab, uint32_t cap, uint64_t index, uint32_t node,
                    uint64_t nonce, uint64_t *id);
/* The id of the session (node, nonce) opened, 0 if none. */
uint64_t sessiontab_find(const struct session_entry *tab, uint32_t cap, uint32_t node,
                         uint64_t nonce);
/* The slot holding session id, or -1 (id 0 is never a session). */
int sessiontab_slot(const struct session_entry *tab, uint32_t cap, uint64_t id);
/* Forget session id; false if there was none (a repeated expiry). */
bool sessiontab_close(struct session_entry *tab, uint32_t cap, uint64_t id);

/* Snapshots. Each used slot is written as
 *   slot u16 | id u64 | nonce u64 | node u32
 * in slot order. */
#define SESSIONTAB_SNAP_ENTRY (2 + 8 + 8 + 4)
uint32_t sessiontab_count(const struct session_entry *tab, uint32_t cap);
void sessiontab_put(struct le_writer *w, const struct session_entry *tab, uint32_t cap);
/* Read n entries, checking them (slots increasing and < cap, ids 1..applied
 * and unique, nodes nonzero, (node, nonce) unique); into tab when it is not
 * NULL (a cleared table). False if any is bad. */
bool sessiontab_get(struct le_reader *r, struct session_entry *tab, uint32_t cap, uint32_t n,
                    uint64_t applied);

#endif
