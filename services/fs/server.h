/* services/fs/server.h: the file service's metadata server (docs/fs.md).
 *
 * One server runs on every node (services=...,fs), on the replicated-service
 * runtime (services/replica/replica.h). The replicated state is the
 * namespace (fsmachine.c); what is the server's own:
 *
 *   main.c     the service: its state machine's hooks for the runtime
 *   clients.c  client requests: writes through Raft, ReadIndex reads,
 *              status; the leader stamps its wall clock and the caller's
 *              session and pid into a command before proposing it
 *   closes.c   closes from this node's processes, passed to the leader in
 *              batches
 *   leases.c   chunk leases: which node may order a chunk's writes, until
 *              when, and under which fencing token (held by the leader in
 *              memory, not in the log: docs/fs.md, "Leases")
 *
 * File data is not here: it lives in the chunk stores (services/fs/store/)
 * and is written through the chunk primaries (services/fs/primary/). */
#ifndef SERVICES_FS_SERVER_H
#define SERVICES_FS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "services/fs/fsmachine.h"
#include "services/fs/fsproto.h"
#include "services/replica/replica.h"

extern struct fs_machine fs_machine;

/* clients.c */
void clients_request(const uint8_t *buf, long len, const struct msg_info *info);
void clients_read(uint64_t token, const uint8_t *req, uint32_t len);
void clients_reply_status(uint64_t token, uint8_t op, int status);
void clients_send(uint64_t token, const struct fs_reply *r);

/* closes.c */
void closes_hold(uint64_t ino, uint64_t session, int32_t pid); /* to send soon */
void closes_drop_pid(int32_t pid); /* that process exited: its RELEASE covers them */
void closes_poll(void);            /* send what has waited long enough */

/* leases.c */
void leases_request(uint64_t token, const struct fs_request *req); /* FS_OP_LEASE, confirmed */
void leases_became_leader(void); /* no grants for a lease length: old ones may live */
uint32_t leases_ms(void);        /* how long a lease lasts */
int leases_option(const char *arg);

#endif
