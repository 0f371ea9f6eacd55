/* user/echod.c: an IPC echo service, registered as "echo": every call is
 * answered with its own bytes; one-way messages are counted. Used by the
 * IPC tests and `make bench` (ipcping). Runs until killed.
 *
 *   echod          reply and receive in one system call
 *   echod -s       separate reply and recv (to compare)
 *   echod -d MS    answer each call MS ms after taking it (a caller stays
 *                  in its call that long: tests/migrate moves one then) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

/* The loop with separate reply and recv calls (two traps per request):
 * `echod -s`, to compare with reply_recv; with delay_ms, each answer
 * waits that long. */
static int serve_separate(const struct port_id *port, uint8_t *buf, long delay_ms)
{
    for (;;) {
        struct msg_info info;
        long n = ipc_recv(port, buf, MSG_MAX, &info, TIMEOUT_NEVER);
        if (n < 0) {
            printf("echod: recv: %s\n", err_str(n));
            return 1;
        }
        if (delay_ms && info.reply_token)
            sys_sleep((uint64_t)delay_ms * 1000000ULL);
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
    long delay_ms = 0;
    if (argc == 3 && strcmp(argv[1], "-d") == 0 &&
        (parse_long(argv[2], &delay_ms) || delay_ms < 0)) {
        fprintf(stderr, "usage: echod [-s | -d MS]\n");
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "-s") == 0)
        return serve_separate(&port, buf, 0);
    if (delay_ms)
        return serve_separate(&port, buf, delay_ms);
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
