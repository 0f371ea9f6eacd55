/* user/calcd.c: the calculator demo service, registered as "calc" in its
 * node's registry and, ephemeral, in the naming service (so it is found
 * from any node, and the name goes when calcd dies): `add` answers a + b; the streaming sum keeps a running
 * total per client (node, pid) fed by one-way messages, returned by a final
 * call. Runs until killed. */
#include <stdio.h>

#include "user/calc.h"
#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

#define STREAMS 16

static struct {
    int used, node, pid;
    int64_t sum;
} streams[STREAMS];

static int64_t *stream_of(int node, int pid)
{
    int free_slot = -1;
    for (int i = 0; i < STREAMS; i++) {
        if (streams[i].used && streams[i].node == node && streams[i].pid == pid)
            return &streams[i].sum;
        if (!streams[i].used && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0)
        return 0;
    streams[free_slot].used = 1;
    streams[free_slot].node = node;
    streams[free_slot].pid = pid;
    streams[free_slot].sum = 0;
    return &streams[free_slot].sum;
}

static void end_stream(int node, int pid)
{
    for (int i = 0; i < STREAMS; i++)
        if (streams[i].used && streams[i].node == node && streams[i].pid == pid)
            streams[i].used = 0;
}

/* Bind "calc" in the naming service if it is not bound to us (first, or
 * after our node's session expired). Quick: calls wait a second at most. */
static void keep_registered(const struct port_id *port, int *registered)
{
    struct port_id now;
    ns_set_timeout(IPC_SECOND);
    if (*registered && ns_lookup("calc", &now) == 0 && now.a == port->a && now.b == port->b)
        return;
    int rv = ns_register("calc", port);
    if (rv == 0 && !*registered)
        printf("calcd: \"calc\" bound in the naming service\n");
    *registered = rv == 0;
}

int main(void)
{
    struct port_id port;
    if (ipc_service_start("calcd", "calc", &port) < 0)
        return 1;
    int registered = 0;
    uint64_t next_check = 0;
    for (;;) {
        if (sys_clock() >= next_check) {
            keep_registered(&port, &registered);
            next_check = sys_clock() + (registered ? 10 : 1) * IPC_SECOND;
        }
        struct calc_req rq;
        struct msg_info info;
        long n = ipc_recv(&port, &rq, sizeof rq, &info, IPC_SECOND);
        if (n == -ETIMEDOUT)
            continue;
        if (n == -EMSGSIZE) { /* not ours: take it and drop it */
            static uint8_t junk[MSG_MAX];
            ipc_recv(&port, junk, sizeof junk, &info, 0);
            n = -EBADMSG;
        } else if (n >= 0 && n != sizeof rq) {
            n = -EBADMSG;
        }
        struct calc_rep rp = {0};
        if (n < 0) {
            rp.status = (int32_t)n;
        } else if (rq.op == CALC_ADD) {
            rp.value = rq.a + rq.b;
        } else if (rq.op == CALC_SUM_ADD || rq.op == CALC_SUM_END) {
            int64_t *sum = stream_of(info.sender_node, info.sender_pid);
            if (!sum) {
                rp.status = -ENOSPC;
            } else if (rq.op == CALC_SUM_ADD) {
                *sum += rq.a;
            } else {
                rp.value = *sum;
                end_stream(info.sender_node, info.sender_pid);
            }
        } else {
            rp.status = -EINVAL;
        }
        if (info.reply_token)
            ipc_reply(info.reply_token, &rp, sizeof rp);
    }
}
