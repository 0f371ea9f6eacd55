/* user/rawcall.c: `rawcall [-d] NODE NAME MSG...`: send raw bytes to the
 * port registered as NAME on NODE, one message per MSG, and show what came
 * back: a way to hand a server malformed requests (tests/fs/cluster.py).
 *
 * MSG is hex digits (the bytes), "-" (no bytes at all), or "+N" (N bytes
 * of a fixed pseudo-random pattern, up to the largest message). Each is a
 * call, whose reply's first four bytes are taken as a status (every fs,
 * chunk and naming reply starts with its i32 status), or with -d a
 * datagram, which gets no reply. One line per message:
 *
 *   1: status -22 (Invalid argument), 45 bytes
 *   2: no reply: Timed out
 *   3: sent
 *
 * Exit status 0 if every call got a reply (whatever its status) and every
 * datagram was sent, 1 otherwise, 2 for bad arguments. */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

#define CALL_NS (5 * IPC_SECOND)

static uint8_t msg[MSG_MAX];
static uint8_t rep[MSG_MAX];

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* MSG into msg[]: its length, or -1 if it is none of the three forms. */
static long parse_msg(const char *s)
{
    if (strcmp(s, "-") == 0)
        return 0;
    if (s[0] == '+') {
        long n;
        if (parse_long(s + 1, &n) || n < 0 || n > MSG_MAX)
            return -1;
        uint32_t x = 0x9e3779b9;
        for (long i = 0; i < n; i++) {
            x = x * 1664525 + 1013904223;
            msg[i] = (uint8_t)(x >> 24);
        }
        return n;
    }
    long n = 0;
    for (; s[0] && s[1]; s += 2) {
        int hi = hexval(s[0]), lo = hexval(s[1]);
        if (hi < 0 || lo < 0 || n == MSG_MAX)
            return -1;
        msg[n++] = (uint8_t)(hi << 4 | lo);
    }
    return s[0] || n == 0 ? -1 : n;
}

int main(int argc, char **argv)
{
    int i = 1, datagram = 0;
    long node;
    if (argc > 1 && strcmp(argv[1], "-d") == 0) {
        datagram = 1;
        i = 2;
    }
    if (argc - i < 3 || parse_long(argv[i], &node) || node < 0 || node > 65534)
        goto usage;
    const char *name = argv[i + 1];
    struct port_id port;
    int rv = ipc_lookup_timeout((int)node, name, &port, CALL_NS);
    if (rv) {
        printf("rawcall: no \"%s\" on node %ld: %s\n", name, node, err_str(rv));
        return 1;
    }
    int status = 0;
    for (int k = i + 2; k < argc; k++) {
        long len = parse_msg(argv[k]);
        if (len < 0) {
            fprintf(stderr, "rawcall: bad message %s\n", argv[k]);
            return 2;
        }
        int at = k - i - 1;
        if (datagram) {
            rv = ipc_send_datagram(&port, msg, (size_t)len, 0);
            if (rv) {
                printf("%d: not sent: %s\n", at, err_str(rv));
                status = 1;
            } else {
                printf("%d: sent\n", at);
            }
            continue;
        }
        long n = ipc_call(&port, msg, (size_t)len, rep, sizeof rep, CALL_NS);
        if (n < 0) {
            printf("%d: no reply: %s\n", at, err_str((int)n));
            status = 1;
        } else if (n < 4) {
            printf("%d: reply of %ld bytes\n", at, n);
        } else {
            int32_t st = (int32_t)(rep[0] | rep[1] << 8 | rep[2] << 16 | (uint32_t)rep[3] << 24);
            printf("%d: status %d (%s), %ld bytes\n", at, (int)st, st ? err_str(st) : "ok", n);
        }
    }
    return status;
usage:
    fprintf(stderr, "usage: rawcall [-d] NODE NAME MSG...  (MSG: hex, -, or +N)\n");
    return 2;
}
