/* services/sched/server.h: the scheduler server's modules (docs/sched.md).
 *
 * One server runs on every node (services=...,schedd in bootargs), on the
 * replicated-service runtime (services/replica/replica.h). What is the
 * scheduler's own, besides its pure core (sched.h lists it):
 *
 *   main.c      the service: its state machine's hooks for the runtime
 *   reports.c   every node: measure the load (load.c), report it to the
 *               leader each second, carry out the leader's move orders;
 *               the leader: keep the last report of each node
 *   clients.c   client requests: placements (one decided at a time), held
 *               waits, lists, cordon, labels, taints, policy, drain
 *   assume.c    placements answered at once and written with their BIND
 *   leader.c    what the leader does on its own: place pending requests,
 *               notice lost nodes, exited and moved processes, rebalance,
 *               drain
 *   restarts.c  requests that asked to be restarted after a lost node:
 *               the leader orders the start, the chosen node's server
 *               spawns the program
 *
 * Only the leader decides; each decision is a command in the log. What the
 * leader knows of the nodes' load is soft state, rebuilt from reports. */
#ifndef SERVICES_SCHED_SERVER_H
#define SERVICES_SCHED_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "services/replica/replica.h"
#include "services/sched/schedmachine.h"
#include "services/sched/schedproto.h"

#define SCHED_TAG_REPORT 'L'  /* a node's load report, to the leader */
#define SCHED_TAG_MOVE 'M'    /* a move order, from the leader to a node's server */
#define SCHED_TAG_START 'S'   /* a start order for a restart, from the leader */
#define SCHED_TAG_STARTED 'B' /* its answer: the pid started, to the leader */
#define SCHED_REPORT_MS 1000  /* how often a node reports */
#define SCHED_DOWN_MS 4000    /* a node silent this long is down */

extern struct sched_machine sched_m;
extern const struct sched_policy *sched_policy; /* the machine's policy (the leader's use) */
/* The knobs from the options (main.c), for the policies. */
const struct sched_tunables *sched_tunables_now(void);

/* reports.c */
void reports_init(void);
void reports_poll(void); /* sample; report when due */
bool reports_datagram(const uint8_t *buf, long len, const struct msg_info *info);
/* The leader's view: every node's last report, up if recent, with the
 * log's cordons, labels, taints and requests laid over. */
struct sched_view reports_view(void);
/* When node's last report came (0: never, or not while this server led). */
uint64_t reports_heard(uint32_t node);
/* Order node's server to move pid to node `to` (the leader). */
void reports_order_move(uint32_t node, int32_t pid, uint32_t to);
/* Forget the reports (this server stopped leading). */
void reports_lost_leadership(void);

/* clients.c */
void clients_request(const uint8_t *buf, long len, const struct msg_info *info);
void clients_read(uint64_t token, const uint8_t *req, uint32_t len);
void clients_reply_status(uint64_t token, uint8_t op, int status);
void clients_poll(void);
void clients_after_apply(void);
void clients_lost_leadership(void);
/* A server command of this server (client 0) to the leader's log: 0 or -errno. */
int clients_propose_cmd(const struct sched_request *cmd);
/* A placement's decision is in the log but not yet applied. */
bool clients_placing(void);

/* leader.c */
void leader_poll(void);
void leader_after_apply(void);
void leader_lost(void);
/* Move everything movable off node (DRAIN), cordoned first: how many
 * movable processes its last report still lists (0: drained). */
int leader_drain(uint32_t node);

/* assume.c: placements answered before they are in the log */
bool assume_add(const struct sched_request *place); /* false: full */
const struct sched_request *assume_find(uint64_t req_id);
void assume_drop(uint64_t req_id);
/* Propose its PLACE (once): true if it is proposed. It is kept, and
 * counted, until the command applies (assume_applied drops it then). */
bool assume_write(uint64_t req_id);
bool assume_written(uint64_t req_id);
void assume_applied(void);
struct sched_view assume_view(void); /* reports_view with the assumed ones */
void assume_poll(void);              /* write the PLACE of one never bound */
void assume_lost_leadership(void);

/* restarts.c */
void restarts_round(const struct sched_view *v); /* the leader's round: start orders */
void restarts_lost_leadership(void);
bool restarts_datagram(const uint8_t *buf, long len, const struct msg_info *info);
void restarts_poll(void); /* reap the programs started here */

#endif
