/* services/naming/nsproto.h: the naming service's wire formats
 * (docs/naming.md has the protocol in words).
 *
 * One encoding serves three uses:
 *   - a client's request, sent as an IPC call to a naming server;
 *   - a command in the Raft log (a write request is proposed as its own
 *     encoding, so every replica applies exactly the bytes the client sent);
 *   - commands the servers themselves propose (sessions).
 * Replies have their own encoding. Everything is little-endian, with explicit
 * lengths; decoders check every field and never read past the buffer, since
 * the bytes come from the network.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h> and lib/ headers only. */
#ifndef SERVICES_NAMING_NSPROTO_H
#define SERVICES_NAMING_NSPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/syscall_abi.h" /* struct port_id */

#define NS_NAME_MAX 64       /* bytes in a name; printable ASCII 0x21..0x7e, no spaces */
#define NS_VALUE_MAX 256     /* bytes in a value (any bytes) */
#define NS_MAX_BINDINGS 1024 /* names the service holds */
#define NS_MAX_SESSIONS 64   /* open sessions (about one per naming server) */
#define NS_MAX_CLIENTS 1024  /* clients remembered for duplicate suppression */
#define NS_MAX_DELETES 128   /* recent unbinds remembered for watches */
#define NS_LIST_MAX 256      /* names in one LIST reply */
#define NS_REQUEST_MAX 700   /* largest encoded request (fits a Raft entry) */
#define NS_REPLY_MAX 24576   /* largest encoded reply */

enum ns_op {
    /* client requests that change state: proposed through Raft */
    NS_OP_PUT = 1, /* bind name to value and/or port, creating or replacing */
    NS_OP_CAS = 2, /* replace only if the current version (or value) matches */
    NS_OP_RM = 3,  /* unbind; with a version, only if it matches */
    /* client requests that read: served by the leader after a ReadIndex round */
    NS_OP_GET = 10,
    NS_OP_LIST = 11,  /* names starting with name (a prefix), after `after` */
    NS_OP_WATCH = 12, /* long poll: first change under prefix name after index `version` */
    /* answered by the server that receives them, never forwarded */
    NS_OP_STATUS = 20,  /* this server's Raft state (for `nodes`) */
    NS_OP_SESSION = 21, /* "the session of your node; keep my ephemerals while I live" */
    /* commands only servers propose (sessions of ephemeral bindings) */
    NS_OP_SESSION_OPEN = 30,   /* owner_node opens a session; nonce tells retries apart */
    NS_OP_SESSION_EXPIRE = 31, /* the leader saw no keepalive for a lease */
    NS_OP_RELEASE = 32,        /* owner_pid of session exited: drop its ephemerals */
};

/* Request flags. */
#define NS_F_VALUE 0x01     /* the binding carries value[0..value_len) */
#define NS_F_PORT 0x02      /* the binding carries port */
#define NS_F_EPHEMERAL 0x04 /* PUT/CAS: owned by (session, owner_pid) */
#define NS_F_CMP_VALUE 0x08 /* CAS: compare the value with expect[], not the version */
#define NS_F_VERSION 0x10   /* RM: only if the version equals `version` */

struct ns_request {
    uint8_t op;
    uint8_t flags;
    uint64_t client;     /* random per client process; 0 for server commands */
    uint64_t seq;        /* the client's request number, from 1; 0 for reads */
    uint64_t version;    /* CAS: expected version (0: the name must not exist);
                          * RM with NS_F_VERSION: expected version;
                          * WATCH: report changes after this log index;
                          * LIST: at most this many names (0: NS_LIST_MAX) */
    uint64_t session;    /* ephemeral PUT/CAS, SESSION_EXPIRE, RELEASE */
    uint64_t nonce;      /* SESSION_OPEN */
    int32_t owner_pid;   /* ephemeral PUT/CAS, RELEASE */
    uint32_t owner_node; /* SESSION_OPEN */
    struct port_id port; /* NS_F_PORT */
    uint16_t name_len, value_len, expect_len, after_len;
    char name[NS_NAME_MAX];       /* the name, or the prefix (LIST, WATCH) */
    char after[NS_NAME_MAX];      /* LIST: start after this name (paging) */
    uint8_t value[NS_VALUE_MAX];  /* NS_F_VALUE */
    uint8_t expect[NS_VALUE_MAX]; /* CAS with NS_F_CMP_VALUE */
};

/* One binding as a reply carries it. */
struct ns_binding {
    uint64_t version;      /* 1 at creation, +1 on every change */
    uint64_t create_index; /* log index that created it */
    uint64_t mod_index;    /* log index of its last change */
    uint64_t session;      /* 0: permanent; else the owning session */
    int32_t owner_pid;
    uint8_t flags; /* NS_F_VALUE, NS_F_PORT */
    struct port_id port;
    uint16_t name_len, value_len;
    char name[NS_NAME_MAX];
    uint8_t value[NS_VALUE_MAX];
};

/* Watch events. */
enum ns_event { NS_EV_PUT = 1, NS_EV_RM = 2 };

/* The status of one server (NS_OP_STATUS). */
struct ns_status {
    uint32_t node, leader; /* leader: 0 if unknown */
    uint8_t role;          /* enum raft_role */
    uint8_t member;        /* enum raft_member_role, 0 if not in the configuration */
    uint64_t term, commit, applied, last_index, snap_index;
    uint64_t session; /* this server's session, 0 if none yet */
    uint32_t bindings;
    /* Health (`nodes`, docs/naming.md): */
    uint32_t elections;  /* elections this server started since it booted */
    uint32_t contact_ms; /* since it last heard from its leader (0: it leads, or none) */
    uint32_t heard_mask; /* bit k-1: node k's server heard within an election timeout */
    uint64_t wall_ns;    /* its node's wall clock as it answered (clock offsets) */
    uint64_t rpc_retransmits, rpc_timeouts, rpc_bad_mac; /* its node's transport */
};

struct ns_reply {
    int32_t status;      /* 0 or -errno. -EREMOTE: not the leader, try `leader`.
                         * -ENOENT no such name; -ECANCELED CAS/RM mismatch;
                         * -ENOSPC table full; -ESTALE session or history gone;
                         * -EINVAL bad request; -EAGAIN busy, retry */
    uint32_t leader;     /* a hint for -EREMOTE (0: unknown) */
    uint8_t op;          /* the request's op */
    uint8_t event;       /* WATCH: enum ns_event */
    uint8_t more;        /* LIST: more names follow `names` (ask again after the last) */
    uint64_t index;      /* the log index the answer reflects */
    uint64_t version;    /* PUT/CAS/RM: the binding's version after the change
                         * (RM: the removed version); SESSION: the session id */
    struct ns_binding b; /* GET, WATCH (RM: name only) */
    struct ns_status st; /* STATUS */
    uint32_t n_names;    /* LIST */
    uint32_t names_len;  /* bytes used in names: n_names NUL-terminated strings */
    char names[NS_LIST_MAX * (NS_NAME_MAX + 1)];
};

/* True if name[0..len) is a valid name (or prefix, allow_empty for LIST/WATCH). */
bool ns_name_ok(const char *name, size_t len, bool allow_empty);

/* Encode r into buf[0..cap): its length, or -EMSGSIZE. Only the fields the
 * op uses are written. */
int ns_request_encode(const struct ns_request *r, uint8_t *buf, size_t cap);
/* Decode and validate: 0, or -EBADMSG (malformed, unknown op, bad name,
 * lengths out of range, trailing bytes). r is fully written either way. */
int ns_request_decode(const uint8_t *buf, size_t len, struct ns_request *r);
/* True for the ops that go through the Raft log. */
bool ns_op_is_write(uint8_t op);

int ns_reply_encode(const struct ns_reply *r, uint8_t *buf, size_t cap);
int ns_reply_decode(const uint8_t *buf, size_t len, struct ns_reply *r);

#endif
