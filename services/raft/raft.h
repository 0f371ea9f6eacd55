/* services/raft/raft.h: a pure, deterministic Raft core.
 *
 * The core has no clock, no I/O, no globals and no allocation. The caller owns
 * a `struct raft` (many can live in one process), hands it a fixed-capacity ring
 * of log entries and a snapshot buffer at init, and then drives it:
 *
 *   in:  raft_tick (elapsed time), raft_step (a received message),
 *        raft_propose / raft_change / raft_transfer / raft_read (requests),
 *        raft_persisted (the last persistence batch is durable),
 *        raft_compact (the caller took a snapshot of its state machine).
 *   out: raft_ready fills a struct raft_ready with what to persist, what to
 *        apply, which messages to send and which reads are now safe to serve.
 *
 * Everything the core says it "has" (a vote, a log entry) it acts upon only
 * after the caller has confirmed that it is durable: responses that promise
 * persisted state are held inside the core until raft_persisted() is called.
 * Thesis references are to Ongaro, "Consensus: Bridging Theory and Practice"
 * (2014). See docs/raft.md for the full contract and the invariants.
 *
 * Freestanding: includes only <stdint.h>, <stddef.h>, <stdbool.h>. */
#ifndef SERVICES_RAFT_RAFT_H
#define SERVICES_RAFT_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef RAFT_MAX_NODES
#define RAFT_MAX_NODES 9 /* members (voters + learners) in a configuration */
#endif
#ifndef RAFT_MAX_DATA
#define RAFT_MAX_DATA 128 /* payload bytes per log entry */
#endif
#define RAFT_MAX_MSGS 96    /* outbox slots; a full outbox drops (Raft tolerates loss) */
#define RAFT_MAX_INFLIGHT 8 /* pipelined AppendEntries per follower (flow control) */
#define RAFT_MAX_BATCH 16   /* entries per AppendEntries */
#define RAFT_MAX_READS 32   /* pending ReadIndex requests */
#define RAFT_ROUND_RING 16  /* heartbeat rounds whose send times a lease-reading leader keeps */

enum raft_role { RAFT_FOLLOWER = 0, RAFT_PRECANDIDATE, RAFT_CANDIDATE, RAFT_LEADER };

enum raft_entry_type {
    RAFT_ENTRY_NORMAL = 1, /* opaque command for the state machine */
    RAFT_ENTRY_NOOP = 2,   /* appended by each new leader (thesis §6.4) */
    RAFT_ENTRY_CONF = 3,   /* a full configuration (thesis §4.1) */
};

enum raft_member_role { RAFT_VOTER = 1, RAFT_LEARNER = 2, RAFT_REMOVE = 3 };

struct raft_entry {
    uint64_t term;
    uint16_t len;
    uint8_t type;
    uint8_t data[RAFT_MAX_DATA];
};

struct raft_member {
    uint32_t id;
    uint8_t role; /* RAFT_VOTER or RAFT_LEARNER */
};

struct raft_conf {
    uint32_t n;
    struct raft_member m[RAFT_MAX_NODES];
};

enum raft_msg_type {
    RAFT_MSG_APPEND = 1,  /* AppendEntries (thesis §3.5) */
    RAFT_MSG_APPEND_RESP, /* also answers SNAPSHOT */
    RAFT_MSG_VOTE,        /* RequestVote (§3.4) */
    RAFT_MSG_VOTE_RESP,
    RAFT_MSG_PREVOTE, /* §9.6 */
    RAFT_MSG_PREVOTE_RESP,
    RAFT_MSG_SNAPSHOT,  /* InstallSnapshot, whole snapshot in one message (§5.1) */
    RAFT_MSG_HEARTBEAT, /* carries commit and a ReadIndex round (§6.4) */
    RAFT_MSG_HEARTBEAT_RESP,
    RAFT_MSG_TIMEOUT_NOW, /* leadership transfer (§3.10) */
    RAFT_MSG_READ_INDEX,  /* a follower asks the leader for a read index (§6.4) */
    RAFT_MSG_READ_INDEX_RESP,
    RAFT_MSG_TYPE_END
};

#define RAFT_FLAG_TRANSFER 1 /* VOTE caused by TIMEOUT_NOW: bypasses the leader lease */

/* One message. Field meaning depends on the type:
 *   APPEND:       index/log_term = previous entry, commit = leader commit
 *   APPEND_RESP:  ok: index = last matching index. reject: index = rejected
 *                 previous index, log_term = conflicting term (0: log too short),
 *                 hint = first index to retry from (§3.5 fast backtracking)
 *   VOTE/PREVOTE: index/log_term = candidate's last entry
 *   SNAPSHOT:     index/log_term = snapshot's last entry, conf, snap_*
 *   HEARTBEAT(_RESP): commit, ctx = ReadIndex round
 *   READ_INDEX:   ctx = the follower's batch of reads
 *   READ_INDEX_RESP: ctx = that batch; index = its read index, confirmed by
 *                 a heartbeat round (reject: not now, ask again later) */
struct raft_msg {
    uint8_t type;
    uint8_t reject;
    uint8_t flags;
    uint32_t from, to;
    uint64_t term;
    uint64_t index;
    uint64_t log_term;
    uint64_t commit;
    uint64_t hint;
    uint64_t ctx;
    uint32_t n_entries;
    const struct raft_entry *entries;
    struct raft_conf conf;
    uint32_t snap_len;
    const uint8_t *snap_data;
    uint64_t hold; /* private: persistence batch this message waits for */
};

struct raft_read {
    uint64_t ctx;     /* the caller's request id */
    uint64_t index;   /* serve once the state machine has applied this index */
    uint64_t round;   /* private */
    bool confirmed;   /* private */
    uint32_t from;    /* private: leader: the follower that asked (0: our own read) */
    uint64_t batch;   /* private: follower: the READ_INDEX it went in (0: not yet) */
    uint64_t sent_ms; /* private: follower: when that READ_INDEX went */
    bool refused;     /* private: follower: the leader said not now */
};

/* What the caller must do, in this order, after raft_ready():
 * 1. if persist: write (asynchronously) hard state if hs, the snapshot if snap,
 *    then on the log drop every entry >= ents_from and append entries
 *    [ents_from, ents_to] (fetch them with raft_entry_at) when ents_from != 0;
 *    call raft_persisted() once all of it is durable. One batch at a time.
 * 2. if restore: reset the state machine from the snapshot (snap_* fields).
 * 3. apply committed entries [apply_from, apply_to] (raft_entry_at).
 * 4. send msgs; 5. serve reads (the state machine now includes their index). */
struct raft_ready {
    bool persist;
    bool hs;
    uint64_t term;
    uint32_t vote;
    bool snap;
    bool restore;
    uint64_t snap_index, snap_term;
    const struct raft_conf *snap_conf;
    const uint8_t *snap_data;
    uint32_t snap_len;
    uint64_t ents_from, ents_to;
    uint64_t apply_from, apply_to;
    uint32_t n_msgs;
    const struct raft_msg *msgs;
    uint32_t n_reads;
    struct raft_read reads[RAFT_MAX_READS];
};

struct raft_config {
    uint32_t id;           /* this node, non-zero */
    uint32_t election_ms;  /* base election timeout; actual is random in [T, 2T) */
    uint32_t heartbeat_ms; /* leader heartbeat interval, < election_ms */
    uint64_t seed;         /* PRNG seed for election timeouts */
    bool pre_vote;         /* §9.6 */
    bool check_quorum;     /* §6.2: leader steps down without a live majority */
    /* Leader lease reads (§6.4.1; docs/raft.md, "Lease reads"), 0: off. A
     * leader whose heartbeat round sent at time t (its clock) a majority
     * acknowledged serves reads without a round until t + lease_read_ms.
     * Needs check_quorum (a server that heard from a leader within
     * election_ms votes for no one) and must be below election_ms by the
     * clocks' worst disagreement in rate: election_ms x (1 - r) / (1 + r)
     * for rates within 1 +- r of real time. Every server of the group must
     * set it alike: it also keeps a restarted server from voting for an
     * election timeout (it may have acknowledged a round just before). */
    uint32_t lease_read_ms;
    /* Follower reads (etcd's follower ReadIndex): raft_read on a follower
     * asks the leader for a read index (one READ_INDEX for the reads asked
     * between two readies), and the read is served from the follower's own
     * state machine once it has applied that index. Off: followers refuse
     * reads (-EPERM) and clients go to the leader. */
    bool follower_reads;
    struct raft_entry *ring; /* caller-owned log storage */
    uint32_t ring_cap;       /* entries the ring holds (log length bound) */
    uint8_t *snap_buf;       /* caller-owned snapshot storage */
    uint32_t snap_cap;
};

/* Follower state kept by a leader per peer (thesis §10.2.2 pipelining). */
enum raft_progress_state { RAFT_PR_PROBE = 0, RAFT_PR_REPLICATE, RAFT_PR_SNAPSHOT };

struct raft_progress {
    uint32_t id;
    uint8_t state;
    bool paused; /* PROBE: one message outstanding */
    bool active; /* heard from during this check-quorum period */
    bool vote_granted, vote_rejected;
    uint64_t match, next;
    uint64_t pending_snap; /* SNAPSHOT: index sent */
    uint32_t snap_elapsed;
    uint64_t read_ack; /* highest ReadIndex round acknowledged */
    uint64_t hb_match; /* match at the previous heartbeat response (stall detection) */
    uint64_t inflight[RAFT_MAX_INFLIGHT]; /* last index of each pipelined append */
    uint32_t in_head, in_count;
};

/* The whole node. Fields are private: use the accessor functions. */
struct raft {
    struct raft_config cfg;
    uint64_t rng;
    /* persistent state (§3.3) */
    uint64_t term;
    uint32_t vote;
    /* log: entries (snap_index, last] live in cfg.ring[i % ring_cap] */
    uint64_t snap_index, snap_term, last;
    struct raft_conf snap_conf;
    uint32_t snap_len;
    /* volatile */
    uint8_t role;
    uint32_t leader;
    uint64_t commit, applied;
    struct raft_conf conf; /* latest configuration in the log (§4.1) */
    uint64_t conf_index;
    uint32_t election_elapsed, timeout, heartbeat_elapsed, transfer_elapsed;
    uint32_t transfer_to;
    struct raft_progress pr[RAFT_MAX_NODES];
    uint32_t n_pr;
    /* persistence bookkeeping */
    uint64_t ps_seq, durable_seq, hs_seq;
    bool hs_dirty, snap_dirty, restore_pending;
    uint64_t dirty_from; /* 0: log clean */
    uint64_t durable_index, inflight_to;
    /* ReadIndex */
    uint64_t read_round;
    bool read_wanted; /* reads wait for a round not yet started (one per ready) */
    struct raft_read reads[RAFT_MAX_READS];
    uint32_t n_reads;
    /* lease reads (cfg.lease_read_ms) */
    uint64_t clock_ms;                    /* the sum of raft_tick's ms */
    uint64_t round_sent[RAFT_ROUND_RING]; /* clock_ms when round k was sent, at k % ring */
    uint64_t lease_until;                 /* reads need no round before this clock_ms */
    uint64_t lease_round;                 /* the round that gave it */
    uint64_t lease_from;                  /* only rounds from this one on may give a lease */
    /* follower reads (cfg.follower_reads) */
    uint64_t fread_batch;  /* the last READ_INDEX batch id used */
    uint32_t fread_leader; /* the leader the outstanding batches went to */
    bool boot_quiet;       /* restarted: vote for no one for an election timeout */
    /* messages */
    struct raft_msg outbox[RAFT_MAX_MSGS];
    uint32_t n_out;
    struct raft_msg sendbuf[RAFT_MAX_MSGS];
};

/* ---- setup (raft.c) ---- */

/* Initialise r as an empty follower with no configuration. cfg is copied; the
 * ring and snapshot buffer must outlive r. Returns 0 or -EINVAL. */
int raft_init(struct raft *r, const struct raft_config *cfg);

/* Give a brand-new cluster member its first configuration (a snapshot at index
 * 0). Call once on every initial member, never on a node that will be added
 * later. The configuration is persisted through the next ready. 0 or -EINVAL. */
int raft_bootstrap(struct raft *r, const struct raft_conf *conf);

/* Restart from durable state: call after raft_init, before anything else, with
 * what the last confirmed persistence batches wrote. Entries must be loaded in
 * index order starting at snapshot index + 1. 0, -EINVAL or -ENOSPC. */
int raft_load_hard_state(struct raft *r, uint64_t term, uint32_t vote);
int raft_load_snapshot(struct raft *r, uint64_t index, uint64_t term, const struct raft_conf *conf,
                       const uint8_t *data, uint32_t len);
int raft_load_entry(struct raft *r, uint64_t index, const struct raft_entry *e);

/* ---- driving the node ---- */

/* Advance the node's notion of time by ms milliseconds (elections §3.4,
 * heartbeats, check-quorum §6.2, transfer timeout §3.10). */
void raft_tick(struct raft *r, uint32_t ms);

/* Handle one received message. Every field is checked before any state
 * changes; a malformed or misaddressed message returns -EINVAL or -EPROTO and
 * changes nothing. A stale message is ignored and returns 0. */
int raft_step(struct raft *r, const struct raft_msg *m);

/* Append a command (leader only). On success stores its index in *index.
 * -EPERM: not leader; -EBUSY: leadership transfer in progress; -EMSGSIZE: too
 * large; -EAGAIN: a quarter of the ring is uncommitted (flow control: retry
 * once entries commit); -ENOSPC: the ring is nearly full (compact first).
 * The caller should compact whenever applied - snapshot index reaches about
 * ring_cap / 8 so that committed entries never crowd the ring. */
int raft_propose(struct raft *r, const uint8_t *data, uint32_t len, uint64_t *index);

/* Single-server membership change (thesis §4.1, §4.2.1): set node id's role to
 * RAFT_VOTER, RAFT_LEARNER or RAFT_REMOVE it. Leader only; refused with -EBUSY
 * while a previous change is uncommitted or before the leader committed an
 * entry of its term. Add a new server as a learner, wait until it caught up
 * (raft_match), then promote it. -EPERM, -EBUSY, -EINVAL, -ENOSPC. */
int raft_change(struct raft *r, uint32_t id, uint8_t role, uint64_t *index);

/* Start an election now, as if the election timer had fired (with a pre-vote
 * round first if configured): a fresh cluster need not wait a randomized
 * timeout once its voters are up (services/replica/loop.c, fast start). Safe
 * at any time, like any timeout: at worst it splits a vote, and the timers
 * then decide. A follower voter that knows no leader only: -EPERM (not a
 * voter), -EBUSY (a leader known, or already campaigning or leading). */
int raft_campaign(struct raft *r);

/* Hand leadership to voter `to` (thesis §3.10). Proposals are refused until it
 * completes or an election timeout passes. -EPERM, -EINVAL, -EBUSY. */
int raft_transfer(struct raft *r, uint32_t to);

/* ReadIndex (thesis §6.4): ask to serve a linearizable read tagged ctx. When a
 * heartbeat round confirms leadership the read appears in a ready's reads,
 * after the entries it must observe were applied. Reads asked for between two
 * readies share one round (the next ready starts it). With lease reads on and
 * the lease valid, no round is needed: the caller must have brought the
 * core's clock up to date (raft_tick) just before. With follower_reads on, a
 * follower takes reads too: its reads appear once the leader's read index
 * came back and this follower applied it (a read whose READ_INDEX or answer
 * was lost is asked again; one not yet answered is dropped if this server
 * starts an election: the caller retries). -EPERM: not leader (and not a
 * follower taking reads); -EAGAIN: no entry of this term committed yet, or
 * no leader known; -ENOBUFS: too many pending. */
int raft_read(struct raft *r, uint64_t ctx);

/* Leader with lease reads on: true if a read now needs no heartbeat round. */
bool raft_lease_valid(const struct raft *r);

/* Collect the node's output (see struct raft_ready). Pointers in rd stay valid
 * until the next call into the core. */
void raft_ready(struct raft *r, struct raft_ready *rd);

/* The last persistence batch handed out by raft_ready is durable. */
void raft_persisted(struct raft *r);

/* The caller's state machine, having applied up to `index`, serialised itself
 * into data[0..len). The core keeps it as its snapshot and drops log entries
 * up to index (thesis §5.1). -EINVAL if index is not applied or not beyond the
 * current snapshot; -EMSGSIZE if len exceeds the snapshot buffer. */
int raft_compact(struct raft *r, uint64_t index, const uint8_t *data, uint32_t len);

/* ---- queries ---- */
const struct raft_entry *raft_entry_at(const struct raft *r, uint64_t index);
uint64_t raft_term_at(const struct raft *r, uint64_t index); /* 0 if not in log */
static inline uint8_t raft_role(const struct raft *r) { return r->role; }
static inline uint64_t raft_term(const struct raft *r) { return r->term; }
static inline uint32_t raft_leader(const struct raft *r) { return r->leader; }
static inline uint64_t raft_commit(const struct raft *r) { return r->commit; }
static inline uint64_t raft_last_index(const struct raft *r) { return r->last; }
static inline uint64_t raft_snap_index(const struct raft *r) { return r->snap_index; }
static inline const struct raft_conf *raft_conf(const struct raft *r) { return &r->conf; }
/* Leader only: the highest index known replicated on node id (0 if unknown). */
uint64_t raft_match(const struct raft *r, uint32_t id);
/* Role of id in conf, 0 if not a member. */
uint8_t raft_conf_role(const struct raft_conf *c, uint32_t id);

/* ---- configuration entries (membership.c) ---- */
/* Encode conf into an entry payload; returns the length. */
uint16_t raft_conf_encode(const struct raft_conf *c, uint8_t *buf);
/* Decode and validate a payload. 0 or -EBADMSG. */
int raft_conf_decode(const uint8_t *buf, uint32_t len, struct raft_conf *c);

/* ---- wire codec (codec.c) ---- */
#define RAFT_WIRE_VERSION 1
#define RAFT_WIRE_HEADER 61 /* bytes before the per-type body */
/* Bytes needed to encode m. */
size_t raft_encoded_size(const struct raft_msg *m);
/* Encode m into buf[0..cap). Returns the length or -EMSGSIZE. */
int raft_encode(const struct raft_msg *m, uint8_t *buf, size_t cap);
/* Decode buf[0..len) into m. Entries are copied into ents[0..ents_cap) and
 * m->entries points there; m->snap_data points into buf. Returns 0 or
 * -EBADMSG (malformed), -EPROTO (unknown version), -ENOBUFS (ents_cap). */
int raft_decode(const uint8_t *buf, size_t len, struct raft_msg *m, struct raft_entry *ents,
                uint32_t ents_cap);

#endif
