/* services/replica/internal.h: what the runtime's modules (replica.h) call
 * in each other. Services include replica.h only. */
#ifndef SERVICES_REPLICA_INTERNAL_H
#define SERVICES_REPLICA_INTERNAL_H

#include "services/replica/replica.h"

/* disk.c */
int disk_open(void); /* open or format; load Raft's state */
bool disk_was_empty(void);
int disk_persist(const struct raft_ready *rd); /* one ready's batch, durable on 0 */

/* peers.c */
void peers_init(void);
void peers_send(const struct raft_msg *m); /* fire and forget */
void peers_input(uint32_t from_node, const struct port_id *carried, const uint8_t *buf,
                 long len); /* a REPLICA_TAG_RAFT datagram */
void peers_poll(void);      /* paced chunks, port lookups */
void peers_hello(uint32_t from, const struct port_id *carried);
uint64_t peers_next_ns(void);
bool peers_known(uint32_t node); /* its server's port is known: it is up */

/* requests.c */
void requests_applied(uint64_t index, uint64_t term, const uint8_t *cmd, uint32_t len,
                      bool command); /* apply one committed entry, answer its caller */
void requests_reads_ready(const struct raft_read *reads, uint32_t n);
void requests_poll(void); /* issue held reads, time them out */
void requests_lost_leadership(void);
void requests_forwarded(const uint8_t *buf, long len); /* REPLICA_TAG_FORWARD at the leader */
/* loop.c: count (and log the first few of) a malformed datagram refused;
 * what: its kind, for the log. */
void replica_refused(const char *what, uint32_t from, long len);
/* loop.c: bring Raft's clock up to this node's, to the millisecond. */
void replica_clock_now(void);

/* sessions.c */
void sessions_init(void);
void sessions_poll(void); /* keepalives, lease expiry, local pids */
void sessions_keepalive(const uint8_t *buf, long len);
void sessions_became_leader(void);
void sessions_applied(void); /* after each batch of applied entries */
void sessions_poke(void);    /* run sessions_poll's work at its next call */

#endif
