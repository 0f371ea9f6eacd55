/* user/counterd.c: the at-most-once test service, registered as "counter".
 * Each call carries (client node, client pid, client sequence number); the
 * service executes it (counter += 1) and answers the new value. It keeps
 * every id it has executed and prints `counterd: DUPLICATE ...` if one ever
 * comes twice, which the transport must make impossible. A call with
 * sequence 0 only reads the counter. Runs until killed.
 *
 *   counterd [EVERY NODE...]  also move (kernel/migrate.h) to each NODE in
 *                             turn, every EVERY executed calls, between
 *                             taking a call and answering it: its port and
 *                             queue go along, and that answer goes back
 *                             through the node it took the call on
 *                             (tests/migrate: migrate_server_under_calls)
 *   counterd -d MS            answer each executed call MS ms after taking
 *                             it (a caller stays in its call that long) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

struct counter_req {
    int32_t node, pid;
    uint32_t seq, pad;
};

#define CLIENTS 16
#define SEQ_MAX 4096

static struct {
    int32_t node, pid;
    uint8_t seen[SEQ_MAX / 8];
} clients[CLIENTS];

static int seen_before(const struct counter_req *rq)
{
    int free_slot = -1;
    for (int i = 0; i < CLIENTS; i++) {
        if (clients[i].node == rq->node && clients[i].pid == rq->pid) {
            int was = clients[i].seen[rq->seq / 8] >> (rq->seq % 8) & 1;
            clients[i].seen[rq->seq / 8] |= (uint8_t)(1 << (rq->seq % 8));
            return was;
        }
        if (clients[i].node == 0 && free_slot < 0)
            free_slot = i;
    }
    if (free_slot >= 0) {
        clients[free_slot].node = rq->node;
        clients[free_slot].pid = rq->pid;
        clients[free_slot].seen[rq->seq / 8] |= (uint8_t)(1 << (rq->seq % 8));
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct port_id port;
    long every = 0, delay_ms = 0;
    int next_move = 2;
    if (argc == 3 && !strcmp(argv[1], "-d")) {
        if (parse_long(argv[2], &delay_ms) || delay_ms < 0) {
            fprintf(stderr, "usage: counterd -d MS\n");
            return 2;
        }
    } else if (argc >= 3 && (parse_long(argv[1], &every) || every < 1)) {
        fprintf(stderr, "usage: counterd [EVERY NODE...] | -d MS\n");
        return 2;
    }
    if (ipc_service_start("counterd", "counter", &port) < 0)
        return 1;
    int64_t counter = 0, executed = 0;
    for (;;) {
        struct counter_req rq;
        struct msg_info info;
        long n = ipc_recv(&port, &rq, sizeof rq, &info, TIMEOUT_NEVER);
        if (n != sizeof rq || rq.seq >= SEQ_MAX)
            continue;
        if (rq.seq != 0) {
            if (seen_before(&rq))
                printf("counterd: DUPLICATE node %d pid %d seq %u\n", rq.node, rq.pid, rq.seq);
            counter++;
            executed++;
            if (delay_ms)
                sys_sleep((uint64_t)delay_ms * 1000000ULL);
            if (every && executed % every == 0 && next_move < argc) {
                int node = atoi(argv[next_move++]);
                long rv = sys_migrate(0, node);
                printf("counterd: after %lld calls, %s node %d%s%s\n", (long long)executed,
                       rv ? "could not move to" : "moved to", rv ? node : sys_nodeid(),
                       rv ? ": " : "", rv ? err_str(rv) : "");
            }
        }
        if (info.reply_token)
            ipc_reply(info.reply_token, &counter, sizeof counter);
    }
}
