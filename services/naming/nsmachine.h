/* services/naming/nsmachine.h: the naming service's replicated state machine.
 *
 * Pure and deterministic: every replica that applies the same commands in the
 * same order holds the same bytes. No clock, no I/O, no allocation; the caller
 * owns one struct ns_machine (about 450 KiB: put it in .bss).
 *
 * What it holds:
 *   - bindings: name -> (value and/or port, version, create/mod index,
 *     owning session and pid for ephemeral ones), at most NS_MAX_BINDINGS;
 *   - sessions: one per naming server that asked (NS_OP_SESSION_OPEN), id =
 *     the log index of the open command (services/replica/sessiontab.h);
 *     ephemeral bindings belong to one;
 *   - clients: for duplicate suppression (Raft thesis §6.3,
 *     services/replica/dedup.h), the last request number each client had
 *     applied and its reply's status/version; the least recently used
 *     client is forgotten when the table is full, and a later request of a
 *     forgotten client with seq > its first is refused with -ESTALE instead
 *     of being applied a second time;
 *   - the last NS_MAX_DELETES unbinds (name, index), so a watch can report
 *     a removal it did not see happen.
 *
 * See docs/naming.md. */
#ifndef SERVICES_NAMING_NSMACHINE_H
#define SERVICES_NAMING_NSMACHINE_H

#include "services/naming/nsproto.h"
#include "services/replica/dedup.h"
#include "services/replica/sessiontab.h"

struct nsm_entry { /* one binding slot; used == false: free */
    bool used;
    struct ns_binding b;
};

struct nsm_delete {
    uint64_t index; /* 0: free */
    uint16_t name_len;
    char name[NS_NAME_MAX];
};

struct ns_machine {
    uint64_t applied; /* index of the last command applied */
    uint32_t n_bindings;
    struct nsm_entry e[NS_MAX_BINDINGS]; /* kept sorted by name in [0, n_bindings) */
    struct session_entry s[NS_MAX_SESSIONS];
    struct dedup_client c[NS_MAX_CLIENTS];
    struct nsm_delete d[NS_MAX_DELETES]; /* ring, oldest overwritten */
    uint32_t d_next;
    uint64_t d_lost; /* highest index of a delete dropped from the ring */
};

void nsm_init(struct ns_machine *m);

/* Apply the committed command at log `index` (> m->applied; the caller
 * applies every index in order, calling nsm_skip for entries that are not
 * commands, such as Raft no-ops and configurations). A command that does not
 * decode is skipped with rep->status = -EBADMSG. rep (may be NULL) receives
 * what the proposing client is told. Returns rep->status. */
int nsm_apply(struct ns_machine *m, uint64_t index, const uint8_t *cmd, size_t len,
              struct ns_reply *rep);
void nsm_skip(struct ns_machine *m, uint64_t index);

/* Reads: fill rep for a GET, LIST or WATCH request (rep->index = m->applied).
 * WATCH: status 0 with the first change under the prefix whose index is
 * after req->version (a put: the binding; a removal: event NS_EV_RM and the
 * name), -EAGAIN if there is none yet (the caller holds the request and asks
 * again after each apply), -ESTALE if a removal after that index may have
 * been forgotten (the client re-reads and watches from now). */
void nsm_read(const struct ns_machine *m, const struct ns_request *req, struct ns_reply *rep);

/* Sessions: the id of the session opened by (node, nonce), 0 if none. */
uint64_t nsm_session_find(const struct ns_machine *m, uint32_t node, uint64_t nonce);
bool nsm_session_exists(const struct ns_machine *m, uint64_t id);

/* Snapshot: serialise everything (bindings, sessions, clients, deletes,
 * applied) into buf; its length or -EMSGSIZE. Restore replaces m with a
 * snapshot's content after checking all of it; 0, or -EBADMSG leaving m
 * unchanged. */
long nsm_snapshot(const struct ns_machine *m, uint8_t *buf, size_t cap);
int nsm_restore(struct ns_machine *m, const uint8_t *buf, size_t len);
/* An upper bound on nsm_snapshot's length for a full machine. */
size_t nsm_snapshot_max(void);

/* The order bindings are kept in: bytewise, the shorter first on a tie;
 * <0, 0, >0 (nsmachine.c; the snapshot checks it, nssnap.c). */
int nsm_name_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
