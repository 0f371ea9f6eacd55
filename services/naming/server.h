/* services/naming/server.h: the naming server's modules.
 *
 * One naming server runs on every node (services=naming in bootargs), on
 * the replicated-service runtime (services/replica/replica.h: the Raft loop,
 * disk, peers, held requests, sessions). What is naming's own:
 *
 *   main.c      the service: its state machine's hooks for the runtime
 *   clients.c   client requests: writes, reads, watches, status, sessions
 *   console.c   this node's own binding ("console.N")
 *
 * The replicated state itself is nsmachine.c; the wire formats nsproto.c.
 * docs/naming.md describes the whole service. */
#ifndef SERVICES_NAMING_SERVER_H
#define SERVICES_NAMING_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "services/naming/nsmachine.h"
#include "services/naming/nsproto.h"
#include "services/replica/replica.h"

#define NS_SNAP_CAP REPLICA_SNAP_CAP /* the state machine's snapshot, at most */

extern struct ns_machine ns_machine;

/* clients.c */
/* A client's call (len bytes, its reply token in info): answered now
 * (STATUS, SESSION, a malformed request: -EINVAL, not the leader:
 * -EREMOTE), proposed through Raft (a write: answered when applied), held
 * for ReadIndex (GET, LIST: clients_read answers), or held as a watch. */
void clients_request(const uint8_t *buf, long len, const struct msg_info *info);
/* A read the runtime confirmed (ReadIndex or lease): answered from the
 * machine as it is now. */
void clients_read(uint64_t token, const uint8_t *req, uint32_t len);
/* Answer token with status alone (for op); the runtime uses it too. */
void clients_reply_status(uint64_t token, uint8_t op, int status);
/* Each loop: a held watch is answered when something under its prefix
 * changed, or with -EAGAIN when its 10 s are up. */
void clients_poll(void);
/* This server stopped leading: every held watch is answered -EREMOTE, so
 * its client asks the new leader. */
void clients_lost_leadership(void);

/* console.c */
/* Look up this node's console port in its registry; nothing is bound yet. */
void console_init(void);
/* Each loop: once this server has a session, bind "console.N" (this
 * node's console port) under it, and again if the binding was lost. */
void console_poll(void);

#endif
