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
void clients_request(const uint8_t *buf, long len, const struct msg_info *info);
void clients_read(uint64_t token, const uint8_t *req, uint32_t len);
void clients_reply_status(uint64_t token, uint8_t op, int status);
void clients_poll(void);             /* watches: answer or time out */
void clients_lost_leadership(void);

/* console.c */
void console_init(void);
void console_poll(void);             /* bind "console.N" in our session */

#endif
