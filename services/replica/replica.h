/* services/replica/replica.h: the runtime every replicated service runs on
 * (docs/replica.md).
 *
 * A replicated service (naming, the file service's metadata, the scheduler)
 * runs one server process on every node. What they all need is here, written
 * once:
 *
 *   loop.c      options, start-up, the event loop: receive, tick, drive Raft
 *   disk.c      Raft's durable state in a log store in the service's own
 *               region of the node's disk (lib/disklabel.h)
 *   peers.c     Raft messages to and from the other servers (datagrams)
 *   requests.c  proposals waiting for their entry to apply, ReadIndex reads
 *               waiting for their confirmation, server commands forwarded
 *               to the leader
 *   sessions.c  one session per node's server, kept alive by keepalives to
 *               the leader and expired through the log when they stop; the
 *               pids that hold something under it, released when they exit
 *   dedup.c, sessiontab.c
 *               pure tables the service's state machine embeds: retried
 *               requests answered once (Raft thesis §6.3), and sessions
 *
 * A service supplies a struct replica_service: its state machine (apply,
 * snapshot, restore), how it answers requests, and a few hooks. It decodes
 * its own requests and calls replica_propose (a write: answered once the
 * entry applies), replica_read (a read: answered once a ReadIndex round
 * confirms this server still leads) or answers at once.
 *
 * Single-threaded: everything runs in the loop of replica_run. */
#ifndef SERVICES_REPLICA_REPLICA_H
#define SERVICES_REPLICA_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "services/raft/raft.h"
#include "services/replica/sessiontab.h"
#include "user/ipc.h"

#define REPLICA_MAX_NODES 16    /* members of the Raft configuration (voters + learners) */
#define REPLICA_TICK_MS 50      /* how often Raft's clock advances (and the loop wakes when idle) */
#define REPLICA_REQUEST_MAX 700 /* largest request a server holds (a read, a forwarded command) */
#ifndef REPLICA_SNAP_CAP
#define REPLICA_SNAP_CAP                                                                           \
    (640 * 1024) /* a machine's snapshot, at most (a service's build sets it) */
#endif

/* The first byte of every message on a service's port that is not a client
 * call tells what it is. Client requests arrive as calls (they carry a reply
 * token); everything else is a datagram from another server of the service. */
enum replica_tag {
    REPLICA_TAG_RAFT = 'R',      /* a Raft message, or one chunk of a large one */
    REPLICA_TAG_FORWARD = 'F',   /* a server command for the leader to propose */
    REPLICA_TAG_KEEPALIVE = 'K', /* session keepalive for the leader */
    REPLICA_TAG_HELLO = 'H',     /* "here is my port" from a server that (re)started */
};

/* Kinds of server command a session needs (struct replica_service.session_cmd). */
enum replica_session_cmd {
    REPLICA_SESSION_OPEN,   /* node opens a session; nonce tells retries apart */
    REPLICA_SESSION_EXPIRE, /* the leader saw no keepalive for a lease */
    REPLICA_SESSION_RELEASE /* pid of the session exited: drop what it held */
};

struct replica_config {
    uint32_t node, nodes; /* this node, cluster size */
    uint32_t voters;      /* nodes 1..voters vote; the rest (up to REPLICA_MAX_NODES) learn */
    uint32_t election_ms, heartbeat_ms;
    uint32_t lease_ms;       /* session lease: what a pid holds outlives its node this long */
    uint32_t snapshot_every; /* compact after this many applied entries */
    bool lease_reads;        /* reads=lease: the leader reads on its lease (docs/replica.md) */
    bool follower_reads;     /* reads=follower: followers serve reads (after a read index) */
};

/* Lease reads assume every server's clock runs within this many per mille
 * of real time (docs/raft.md, "Lease reads"): the lease is then
 * election x (1000 - it) / (1000 + it), less a millisecond for the part of
 * a millisecond the clock is read to. */
#define REPLICA_CLOCK_RATE_PM 100

/* What a service gives the runtime. Every hook runs in the loop. */
struct replica_service {
    const char *name;  /* registry name, log prefix and disk region ("naming") */
    uint32_t snap_cap; /* the largest snapshot its machine makes (<= REPLICA_SNAP_CAP) */

    /* The state machine (pure; see nsmachine.h for an example). */
    void (*reset)(void); /* the empty machine (a new cluster's index 0) */
    uint64_t (*applied)(void);
    /* Apply the committed command at index; if want_reply, encode what its
     * proposer is told into rep[0..cap) and return its length (< 0: none). */
    long (*apply)(uint64_t index, const uint8_t *cmd, uint32_t len, bool want_reply, uint8_t *rep,
                  uint32_t cap);
    void (*skip)(uint64_t index); /* an entry that is not a command (no-op, configuration) */
    long (*snapshot)(uint8_t *buf, uint32_t cap);
    int (*restore)(const uint8_t *buf, uint32_t len); /* 0, or nonzero leaving it unchanged */

    /* Requests. */
    void (*request)(const uint8_t *buf, long len, const struct msg_info *info);
    /* A held read's confirmation came: answer it from the machine. */
    void (*read)(uint64_t token, const uint8_t *req, uint32_t len);
    /* Answer token with only a status (-EREMOTE with replica_leader() as the
     * hint, -EAGAIN: retry); op is what replica_propose/replica_read got. */
    void (*reply_status)(uint64_t token, uint8_t op, int status);
    /* A server command forwarded to this leader: true if it may be proposed
     * (it must be a server's, never a client's request in disguise). */
    bool (*forward_ok)(const uint8_t *cmd, uint32_t len);

    /* Sessions (sessions.c). The machine's session table (cap 0: the
     * service has none, and is ready once a leader is known), and whether
     * pid still holds anything under session. */
    const struct session_entry *(*sessions)(uint32_t *cap);
    bool (*holds)(uint64_t session, int32_t pid);
    /* Encode a server command of this kind into buf; its length or < 0. */
    long (*session_cmd)(enum replica_session_cmd kind, uint64_t session, uint32_t node,
                        uint64_t nonce, int32_t pid, uint8_t *buf, uint32_t cap);

    /* Optional hooks (may be NULL). */
    int (*option)(const char *arg); /* an unknown bootargs option: 1 taken, 0 not ours, < 0 bad */
    void (*poll)(void);             /* every pass of the loop */
    void (*after_apply)(void);      /* after each batch of applied entries */
    void (*lost_leadership)(void);  /* answer what only a leader could */
    /* A datagram whose first byte is none of the runtime's tags: true if
     * taken, false if refused as malformed (the runtime counts it). */
    bool (*datagram)(const uint8_t *buf, long len, const struct msg_info *info);
};

/* The runtime's state, for services to read. */
struct replica {
    const struct replica_service *svc;
    struct replica_config cfg;
    struct raft raft;
    struct port_id port; /* the service's port, svc->name in this node's registry */
    bool member;         /* this node has a replica */
    uint64_t now_ns;     /* the clock at the start of this pass of the loop */
    /* Datagrams refused as malformed since the server started: empty, an
     * unknown tag, a Raft message or keepalive that does not decode, a Raft
     * message whose sender or receiver is not the one it came from or to,
     * a forwarded command the service does not take, and what the
     * service's own datagram hook refused. The first few are logged. */
    uint32_t bad_datagrams;
};

extern struct replica replica;

/* Run the service: configure from argv (bootargs options), start Raft, loop
 * forever. Returns only if it cannot start (the process's exit status). */
int replica_run(const struct replica_service *svc, int argc, char **argv);

/* "<service>: " and the message, in the node's log. */
void replica_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True if this server leads (and so may answer requests). */
bool replica_leading(void);
/* The leader this server knows, 0 if none. */
uint32_t replica_leader(void);

/* Propose cmd (a write). token != 0: the caller is answered when the entry
 * applies (svc->apply's reply), or told to retry if a different entry ends up
 * at its index or this server stops leading. 0, -EREMOTE (not the leader),
 * -EAGAIN (busy: the client retries), -EINVAL. */
int replica_propose(const void *cmd, uint32_t len, uint64_t token, uint8_t op);
/* Hold a read (Raft thesis §6.4): svc->read answers it once a heartbeat round
 * confirms this server still leads and the machine has applied the commit
 * index of now. 0, or -EAGAIN (too many held: the client retries). */
int replica_read(uint64_t token, const void *req, uint32_t len, uint8_t op);
/* Send a server command to the leader (which may be this server). Lost
 * commands are not retried here: a caller retries until it sees the effect. */
void replica_forward(const void *cmd, uint32_t len);
/* A datagram with tag to node's server of this service (fire and forget). */
void replica_send_tagged(uint32_t node, uint8_t tag, const void *body, long len);
/* The last time anything came from node's server (0: never). */
uint64_t replica_heard(uint32_t node);
/* How this server sees its group, for `nodes` (docs/naming.md). */
struct replica_health {
    uint32_t elections;  /* elections it started since it booted */
    uint32_t contact_ms; /* since it last heard from its leader (0: it leads, or none known) */
    uint32_t heard_mask; /* bit k-1: node k's server heard within an election timeout (and
                            this node's own bit) */
};
void replica_health(struct replica_health *out);

/* This server's session, 0 if none is open yet. */
uint64_t replica_session(void);
/* pid (a process on this node) holds something under our session: when it
 * exits, release it (svc->session_cmd RELEASE until svc->holds says no). */
void replica_watch_pid(int32_t pid);

#endif
