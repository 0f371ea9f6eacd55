/* user/sinkd.c: a deliberately slow receiver for the flow-control test,
 * registered as "sink". It takes one message every DELAY_MS (argument,
 * default 50) and counts messages and bytes; a call answers the totals so
 * far: two int64 (messages, bytes). Runs until killed. */
#include <stdio.h>

#include "user/ipc.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long delay_ms = 50;
    if (argc == 2 && parse_long(argv[1], &delay_ms))
        return 2;
    struct port_id port;
    if (ipc_service_start("sinkd", "sink", &port) < 0)
        return 1;
    static uint8_t buf[MSG_MAX];
    int64_t totals[2] = {0, 0};
    for (;;) {
        struct msg_info info;
        long n = ipc_recv(&port, buf, sizeof buf, &info, TIMEOUT_NEVER);
        if (n < 0)
            continue;
        if (info.reply_token) {
            ipc_reply(info.reply_token, totals, sizeof totals);
            continue;
        }
        totals[0]++;
        totals[1] += n;
        if (totals[0] % 10 == 0)
            printf("sinkd: received %lld messages\n", (long long)totals[0]);
        sys_sleep((uint64_t)delay_ms * 1000000ULL);
    }
}
