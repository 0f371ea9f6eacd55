/* user/nsclient.h: the naming service's client library (docs/naming.md).
 *
 * Any program can call these; they find the leader on their own: a request
 * goes to this node's naming server first, and a server that does not lead
 * answers with the leader it knows (-EREMOTE + hint), where the library
 * retries. Dead or partitioned servers are skipped after a short per-try
 * timeout. Writes carry a client id and a sequence number, so a retry is
 * never applied twice (a retried write returns the first attempt's result).
 *
 * Every call returns 0 or -errno:
 *   -ENOENT     no such name
 *   -ECANCELED  a compare-and-set or versioned unbind lost (rep/out has the
 *               current version)
 *   -ETIMEDOUT  no answer in time: for a write, the outcome is unknown
 *   -ENOSPC     the service is full
 *   -EINVAL     a bad name or value
 *   -ESTALE     a session (ephemeral) or watch position no longer exists
 *   -ECONNREFUSED  no node runs a naming server */
#ifndef USER_NSCLIENT_H
#define USER_NSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "services/naming/nsproto.h"

/* Overall time one call may take, retries included (default 10 s). */
void ns_set_timeout(uint64_t ns);

int ns_put(const char *name, const void *value, size_t len, const struct port_id *port,
           uint64_t *version);
/* Bound while this process lives (and its node answers): see docs/naming.md. */
int ns_put_ephemeral(const char *name, const void *value, size_t len, const struct port_id *port,
                     uint64_t *version);
int ns_get(const char *name, struct ns_binding *out);
/* Set name to new if its value is old (byte for byte). */
int ns_cas_value(const char *name, const void *old, size_t old_len, const void *new_value,
                 size_t new_len, uint64_t *version);
/* Set name to new if its version is expect (0: only if it does not exist). */
int ns_cas_version(const char *name, uint64_t expect, const void *new_value, size_t new_len,
                   uint64_t *version);
/* Unbind; version 0 unbinds whatever is there. */
int ns_rm(const char *name, uint64_t version);
/* Names starting with prefix after `after` ("" from the start): rep->names
 * holds rep->n_names NUL-terminated names; rep->more says there are more. */
int ns_list(const char *prefix, const char *after, struct ns_reply *rep);
/* Wait (up to the timeout) for the first change under prefix after log
 * index `after`: rep->event (NS_EV_PUT/RM), rep->b, rep->index (watch on
 * from there). -EAGAIN: nothing changed in time. */
int ns_watch(const char *prefix, uint64_t after, struct ns_reply *rep);
/* The state of node's naming server (no leader involved). */
int ns_status(int node, struct ns_status *out, uint64_t timeout_ns);

/* Services: bind name to port, ephemeral, and find a port by name. */
int ns_register(const char *name, const struct port_id *port);
int ns_lookup(const char *name, struct port_id *out);

#endif
