/* user/leadercall.h: one request to a replicated service's leader, for
 * the client libraries of the naming service (user/nsclient.c) and the
 * file service's metadata (user/fsmeta.c).
 *
 * Where to send: the leader last seen, else this node's server. A server
 * that does not lead says so with the leader it knows: go there (or to the
 * next node when it knows none). A server that does not answer in time, or
 * a node without one, is skipped for the next node, and is *suspected* for
 * LEADERCALL_SUSPECT_NS: neither the cache nor a hint sends a call there
 * meanwhile (after a leader dies, the others name it as leader until their
 * election timeout; without this each such hint cost a whole try). A busy
 * server (no leader yet) is asked again a little later (10 ms, doubling to
 * 200 ms); one whose queue was full (EAGAIN from the call itself: many
 * clients at once) sooner, 1-2 ms doubling to 50 ms with jitter, and is
 * never suspected for it (64 clients of one naming server: 83 binds/s when
 * a full queue sent them elsewhere, 695/s now). A read that any server may
 * answer (`local_first`: a service started with reads=follower serves reads
 * on followers, docs/replica.md) goes to this node's own server first; if
 * that server names a leader instead (follower reads are off there), this
 * process sends its reads to the leader from then on. What a reply says is for
 * the caller's `judge` to decide, since each service has its own reply
 * format. */
#ifndef USER_LEADERCALL_H
#define USER_LEADERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/syscall_abi.h"

#define LEADERCALL_MAX_NODES 16
#define LEADERCALL_SUSPECT_NS (3000 * 1000000ULL)

/* What a process knows of a service's servers; zero it, set `service`. */
struct leader_cache {
    const char *service; /* the name its servers have in each node's registry */
    uint32_t leader;     /* 0: none known */
    uint8_t known[LEADERCALL_MAX_NODES + 1];
    struct port_id ports[LEADERCALL_MAX_NODES + 1];
    uint64_t suspect_until[LEADERCALL_MAX_NODES + 1]; /* sys_clock(): did not answer */
    bool local_refuses; /* this node's server sent a local_first read to the leader */
};

enum leader_answer {
    LEADER_ANSWERED,  /* the answer: the call is over */
    LEADER_NOT_HERE,  /* not the leader: try *hint (0: the next node) */
    LEADER_BUSY,      /* ask the same server again a little later */
    LEADER_FORGOTTEN, /* a write the service cannot tell from a replay: the caller decides */
};

struct leader_call {
    const uint8_t *req; /* the encoded request */
    size_t len;
    uint8_t *rep; /* where the reply goes */
    size_t rep_cap;
    uint64_t try_ns;      /* one attempt's time */
    uint32_t max_tries;   /* attempts before giving up (0: no limit) */
    uint64_t deadline_ns; /* sys_clock() time to give up at (0: none) */
    /* Decode the reply's n bytes: what it says, and for NOT_HERE the
     * leader it names. < 0: it does not decode (the call ends, -EPROTO). */
    int (*judge)(void *ctx, long n, uint32_t *hint);
    void *ctx;
    bool local_first; /* a read any server may answer: this node's own first */
    /* out */
    uint32_t tries; /* calls made */
    bool sent;      /* a request went out at least once */
};

/* node's server's port, looked up in its registry once and kept: 0 or
 * -errno; leader_forget drops it (the server restarted: a new port). */
int leader_port(struct leader_cache *lc, uint32_t node, struct port_id *out);
void leader_forget(struct leader_cache *lc, uint32_t node);

/* Run c: 0 when judge said ANSWERED; 1 when it said FORGOTTEN; else
 * -ETIMEDOUT (the tries or the deadline ran out: for a write the outcome
 * is unknown), -ECONNREFUSED (no node has a server), -EPROTO, -EINTR. */
int leader_call(struct leader_cache *lc, struct leader_call *c);

#endif
