/* user/counter.c: client of user/counterd.c.
 *   counter -n NODE [-t MS] [-p MS] N
 *                               make N increment calls (each with its own
 *                               sequence number, never retried by us; -p: a
 *                               pause between them) and print
 *                               `counter: ok A timeout B error C`
 *   counter -n NODE get         print the counter's value
 * The at-most-once test checks the final value lies in [A, A + B]. */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

struct counter_req {
    int32_t node, pid;
    uint32_t seq, pad;
};

int main(int argc, char **argv)
{
    long node = 0, ms = 2000, pause_ms = 0, n;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        long *dst = strcmp(argv[i], "-n") == 0   ? &node
                    : strcmp(argv[i], "-t") == 0 ? &ms
                    : strcmp(argv[i], "-p") == 0 ? &pause_ms
                                                 : 0;
        if (!dst || parse_long(argv[i + 1], dst))
            goto usage;
    }
    if (i != argc - 1 || node < 0 || ms < 1 || pause_ms < 0)
        goto usage;
    struct port_id svc;
    int rv = ipc_lookup((int)node, "counter", &svc);
    if (rv < 0) {
        printf("counter: no \"counter\" service: %s\n", err_str(rv));
        return 1;
    }
    int64_t value;
    struct counter_req rq = {.node = sys_nodeid(), .pid = sys_getpid()};
    if (strcmp(argv[i], "get") == 0) {
        long got = ipc_call(&svc, &rq, sizeof rq, &value, sizeof value, 5 * IPC_SECOND);
        if (got != sizeof value) {
            printf("counter: get: %s\n", got < 0 ? err_str(got) : "bad reply");
            return 1;
        }
        printf("%lld\n", (long long)value);
        return 0;
    }
    if (parse_long(argv[i], &n) || n < 1 || n > 4000)
        goto usage;
    long ok = 0, timeouts = 0, errors = 0;
    printf("counter: calling %ld times\n", n); /* found the service (tests wait for this) */
    fflush(stdout);
    for (long k = 1; k <= n; k++) {
        if (k > 1 && pause_ms) {
            printf("counter: pause after call %ld\n", k - 1);
            fflush(stdout);
            sys_sleep((uint64_t)pause_ms * 1000000ULL);
        }
        rq.seq = (uint32_t)k;
        long got = ipc_call(&svc, &rq, sizeof rq, &value, sizeof value, (uint64_t)ms * 1000000ULL);
        if (got == sizeof value)
            ok++;
        else if (got == -ETIMEDOUT || got == -EHOSTDOWN)
            timeouts++;
        else if (++errors <= 5) /* the first few say why; the count says how many */
            printf("counter: call %ld: %s\n", k, got < 0 ? err_str(got) : "bad reply");
    }
    printf("counter: ok %ld timeout %ld error %ld\n", ok, timeouts, errors);
    return errors ? 1 : 0;
usage:
    fprintf(stderr, "usage: counter -n NODE [-t MS] [-p MS] N | counter -n NODE get\n");
    return 2;
}
