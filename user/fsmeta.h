/* user/fsmeta.h: one request to the file service's metadata servers (the
 * Raft group, services/fs/), for the client library (user/fsclient.c) and
 * the chunk primaries (services/fs/primary/).
 *
 * Where to send: the leader last seen, else this node's server. On -EREMOTE
 * go to the leader the reply names (or the next node); on a timeout or a
 * dead node, the next node; on -EAGAIN (busy, no leader yet) wait a little
 * and ask again. A client write carries a client id and sequence number, so
 * a retry is answered with the first attempt's result (services/replica/
 * dedup.h) instead of being applied twice. */
#ifndef USER_FSMETA_H
#define USER_FSMETA_H

#include <stdint.h>

#include "services/fs/fsproto.h"

/* How long to keep trying: try_ns per attempt, and give up after `tries`
 * attempts (0: never, a hard mount) or at deadline_ns (0: none). */
struct fsmeta_policy {
    uint64_t try_ns;
    uint32_t tries;
    uint64_t deadline_ns; /* sys_clock() value */
};

/* Send req and wait for a server that can answer: rep->status (0 or
 * -errno from the service), or -ETIMEDOUT (no answer within the policy:
 * for a write, its outcome is unknown), -EPROTO (a reply that does not
 * decode), -ECONNREFUSED (no node runs the file service), -EINTR. */
int fsmeta_request(struct fs_request *req, struct fs_reply *rep, const struct fsmeta_policy *p);

#endif
