/* user/echod.c: an IPC echo service, registered as "echo": every call is
 * answered with its own bytes; one-way messages are counted. Used by the
 * IPC tests and `make bench` (ipcping). Runs until killed. */
#include <stdio.h>
#include <stdlib.h>

#include "user/ipc.h"
#include "user/ulib.h"

int main(void)
{
    struct port_id port;
    if (ipc_service_start("echod", "echo", &port) < 0)
        return 1;
    static uint8_t buf[MSG_MAX];
    for (;;) {
        struct msg_info info;
        long n = ipc_recv(&port, buf, sizeof buf, &info, TIMEOUT_NEVER);
        if (n < 0) {
            printf("echod: recv: %s\n", err_str(n));
            return 1;
        }
        if (info.reply_token)
            ipc_reply(info.reply_token, buf, (size_t)n);
    }
}
