/* user/schedclient.h: the global scheduler's client library (docs/sched.md).
 *
 * One request at a time to the scheduler's leader (found as naming's client
 * finds its leader: user/leadercall.h). Writes carry this process's client
 * id and a request number, so a retry is applied once; a placement carries
 * its own request id as well, so it is placed once however often it is
 * sent (also through a new leader). */
#ifndef USER_SCHEDCLIENT_H
#define USER_SCHEDCLIENT_H

#include <stdint.h>

#include "services/sched/schedproto.h"

/* Send req (client and seq are filled here for writes) until the leader
 * answers or the overall timeout: 0 with *rep (rep->status is the
 * service's answer), or -ETIMEDOUT, -ECONNREFUSED (no scheduler), ... */
int sched_call(struct sched_request *req, struct sched_reply *rep);

/* A command program's request: 0, or 1 with the reason on stderr
 * ("NAME: ..."). sched_node_cmd: op (CORDON, UNCORDON) of node. */
int sched_cmd(struct sched_request *req, const char *name);
int sched_node_cmd(uint8_t op, uint32_t node, const char *name);

/* A fresh request id for a placement (never 0). */
uint64_t sched_new_req_id(void);

/* `run -n any`, in two steps. First: place a request of spec (NULL: the
 * defaults) and wait while it is pending (saying why once, through say).
 * cmd: the program and its arguments, for a spec with restart (the leader
 * starts it again after its node is lost); NULL otherwise. Gives
 * 0 with *req_id and the *node chosen, or -errno. Then the caller starts
 * the program there and says so (sched_started): its pid, or an error
 * (< 0: the request is withdrawn, nothing runs for it), with the node and
 * the spec, since the scheduler answers before its decision is committed
 * and a new leader may know of the request only from this. */
int sched_choose(const struct sched_spec *spec, const struct sched_cmd *cmd, uint64_t *req_id,
                 int *node, void (*say)(const char *line));
void sched_started(uint64_t req_id, int pid, int node, const struct sched_spec *spec);

#endif
