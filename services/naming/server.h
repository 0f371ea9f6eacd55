/* services/naming/server.h: the naming server's modules and their shared state.
 *
 * One naming server runs on every node (services=naming in bootargs). It is a
 * single-threaded event loop (main.c) around one Raft instance:
 *
 *   main.c      configuration, start-up, the loop: receive, tick, drive Raft
 *   disk.c      Raft's durable state in the log store on this node's disk
 *   peers.c     Raft messages to and from the other servers (datagrams)
 *   clients.c   client requests: proposals, ReadIndex reads, watches, replies
 *   sessions.c  sessions and leases for ephemeral bindings, this node's own
 *               bindings ("console.N"), the `ready` line
 *
 * The replicated state itself is nsmachine.c; the wire formats nsproto.c.
 * docs/naming.md describes the whole service. */
#ifndef SERVICES_NAMING_SERVER_H
#define SERVICES_NAMING_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "services/naming/nsmachine.h"
#include "services/naming/nsproto.h"
#include "services/raft/raft.h"
#include "user/ipc.h"

#define NS_MAX_NODES 16      /* members of the Raft configuration (voters + learners) */
#define NS_TICK_MS 50        /* how often Raft's clock advances (and the loop wakes when idle) */

/* The first byte of every message on the naming port that is not a client
 * call tells what it is. Client requests arrive as calls (they carry a reply
 * token); everything else is a datagram from another naming server. */
enum ns_tag {
    NS_TAG_RAFT = 'R',      /* a Raft message, or one chunk of a large one */
    NS_TAG_FORWARD = 'F',   /* a server command for the leader to propose */
    NS_TAG_KEEPALIVE = 'K', /* session keepalive for the leader */
    NS_TAG_HELLO = 'H',     /* "here is my port" from a server that (re)started */
};

#define NS_SNAP_CAP (640 * 1024) /* the state machine's snapshot, at most */

struct ns_config {
    uint32_t node, nodes;    /* this node, cluster size */
    uint32_t voters;         /* nodes 1..voters vote; the rest (up to NS_MAX_NODES) learn */
    uint32_t election_ms, heartbeat_ms;
    uint32_t lease_ms;       /* session lease: ephemeral bindings outlive their owner this long */
    uint32_t snapshot_every; /* compact after this many applied entries */
};

struct ns_server {
    struct ns_config cfg;
    struct raft raft;
    struct ns_machine machine;
    struct port_id port;     /* the naming port, "naming" in this node's registry */
    bool member;             /* this node has a replica */
    uint8_t last_role;
    uint32_t last_leader;
    uint64_t now_ns;
    bool ready_printed;
};

extern struct ns_server ns;

/* disk.c */
int disk_open(void);                /* open or format; load Raft's state into ns.raft */
bool disk_was_empty(void);
int disk_persist(const struct raft_ready *rd); /* one ready's batch, durable on 0 */
void disk_stats(uint64_t *log_first, uint64_t *log_last);

/* peers.c */
void peers_init(void);
void peers_send(const struct raft_msg *m);   /* fire and forget */
void peers_input(uint32_t from_node, const struct port_id *carried, const uint8_t *buf,
                 long len);                  /* a NS_TAG_RAFT datagram */
void peers_poll(void);                       /* paced chunks, port lookups */
bool peers_port(uint32_t node, struct port_id *out);
void peers_hello(uint32_t from, const struct port_id *carried);
uint64_t peers_heard(uint32_t node);
uint64_t peers_next_ns(void);
void peers_send_tagged(uint32_t node, uint8_t tag, const void *body, long len);

/* clients.c */
void clients_request(const uint8_t *buf, long len, const struct msg_info *info);
void clients_applied(uint64_t index, uint64_t term, const struct ns_reply *rep);
void clients_reads_ready(const struct raft_read *reads, uint32_t n);
void clients_poll(void);             /* retry held reads, watches, time-outs */
void clients_lost_leadership(void);
void clients_forward(const uint8_t *buf, long len); /* NS_TAG_FORWARD at the leader */
int clients_propose(const struct ns_request *req, uint64_t token, uint64_t *index);

/* sessions.c */
void sessions_init(void);
void sessions_poll(void);            /* keepalives, lease expiry, local pids, console */
void sessions_keepalive(const uint8_t *buf, long len);
void sessions_became_leader(void);
uint64_t sessions_mine(void);
void sessions_watch_pid(int32_t pid);
void sessions_applied(void);         /* after each batch of applied entries */
void sessions_poke(void);            /* run sessions_poll's work at its next call */

/* main.c */
void ns_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
