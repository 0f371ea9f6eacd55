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
    /* One system call per request: the reply to the last call (if it was
     * one) and the wait for the next message (docs/syscalls.md). The reply
     * goes out before the receive overwrites buf. */
    uint64_t token = 0;
    long n = 0;
    for (;;) {
        struct msg_info info;
        n = ipc_reply_recv(token, buf, (size_t)(n > 0 ? n : 0), &port, buf, sizeof buf, &info,
                           TIMEOUT_NEVER);
        if (n < 0) {
            printf("echod: recv: %s\n", err_str(n));
            return 1;
        }
        token = info.reply_token;
    }
}
