/* user/echod.c: an IPC echo service, registered as "echo": every call is
 * answered with its own bytes; one-way messages are counted. Used by the
 * IPC tests and `make bench` (ipcping). Runs until killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

/* The loop with separate reply and recv calls (two traps per request):
 * `echod -s`, to compare with reply_recv. */
static int serve_separate(const struct port_id *port, uint8_t *buf)
{
    for (;;) {
        struct msg_info info;
        long n = ipc_recv(port, buf, MSG_MAX, &info, TIMEOUT_NEVER);
        if (n < 0) {
            printf("echod: recv: %s\n", err_str(n));
            return 1;
        }
        if (info.reply_token)
            ipc_reply(info.reply_token, buf, (size_t)n);
    }
}

int main(int argc, char **argv)
{
    struct port_id port;
    if (ipc_service_start("echod", "echo", &port) < 0)
        return 1;
    static uint8_t buf[MSG_MAX];
    if (argc == 2 && strcmp(argv[1], "-s") == 0)
        return serve_separate(&port, buf);
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
