/* user/ipcflood.c: `ipcflood [-d] -n NODE COUNT SIZE`: as fast as it can,
 * send COUNT one-way messages of SIZE bytes to the "sink" service of NODE. A
 * send refused because the sink's queue is full (EAGAIN) is retried after a
 * short sleep; prints `ipcflood: sent S full F error E`, where every message
 * counted in S was accepted by the sink's kernel and must reach the sink.
 * With -d the messages are datagrams (SEND_DATAGRAM), 10 ms apart: for a
 * sink on another node, "sent" then means only that the frames went out;
 * each arrives at most once, or not at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

int main(int argc, char **argv)
{
    long node, count, size;
    int dgram = argc > 1 && !strcmp(argv[1], "-d");
    argc -= dgram;
    argv += dgram;
    if (argc != 5 || strcmp(argv[1], "-n") || parse_long(argv[2], &node) ||
        parse_long(argv[3], &count) || parse_long(argv[4], &size) || size < 0 || size > MSG_MAX ||
        count < 1) {
        fprintf(stderr, "usage: ipcflood [-d] -n NODE COUNT SIZE\n");
        return 2;
    }
    struct port_id sink;
    int rv = ipc_lookup((int)node, "sink", &sink);
    if (rv < 0) {
        printf("ipcflood: no \"sink\": %s\n", err_str(rv));
        return 1;
    }
    uint8_t *buf = calloc(1, (size_t)size + 1);
    long sent = 0, full = 0, errors = 0;
    while (sent < count) {
        rv = dgram ? ipc_send_datagram(&sink, buf, (size_t)size, 0)
                   : ipc_send(&sink, buf, (size_t)size, 0);
        if (rv == 0) {
            sent++;
            if (dgram)
                sys_sleep(10000000);
        } else if (rv == -EAGAIN) {
            full++;
            sys_sleep(5000000);
        } else {
            errors++;
            printf("ipcflood: send: %s\n", err_str(rv));
            if (errors > 10)
                break;
        }
    }
    printf("ipcflood: sent %ld full %ld error %ld\n", sent, full, errors);
    return errors ? 1 : 0;
}
