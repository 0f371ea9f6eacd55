/* user/calc.c: client of the calculator demo service (user/calcd.c).
 *   calc [-n NODE] add A B    print A + B, computed by the service
 *   calc [-n NODE] sum N      stream 1..N to the service, print the total
 * Without -n the service is found by name in the naming service ("calc",
 * wherever it runs), or failing that in this node's registry; with -n, in
 * the registry of node NODE. */
#include <stdio.h>
#include <string.h>

#include "user/calc.h"
#include "user/ipc.h"
#include "user/nsclient.h"
#include "user/ulib.h"

static int usage(void)
{
    fprintf(stderr, "usage: calc [-n NODE] add A B | calc [-n NODE] sum N\n");
    return 2;
}

static int call(const struct port_id *svc, struct calc_req *rq, int64_t *value)
{
    struct calc_rep rp;
    long n = ipc_call(svc, rq, sizeof *rq, &rp, sizeof rp, 5 * IPC_SECOND);
    if (n < 0)
        return (int)n;
    if (n != sizeof rp)
        return -EPROTO;
    *value = rp.value;
    return rp.status;
}

int main(int argc, char **argv)
{
    long node = 0;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        if (parse_long(argv[2], &node) || node < 1)
            return usage();
        i = 3;
    }
    if (i >= argc)
        return usage();
    struct port_id svc;
    int rv = -ENOENT;
    if (!node) {
        ns_set_timeout(5 * IPC_SECOND);
        rv = ns_lookup("calc", &svc);
    }
    if (rv < 0)
        rv = ipc_lookup((int)node, "calc", &svc);
    if (rv < 0) {
        printf("calc: no \"calc\" service: %s\n", err_str(rv));
        return 1;
    }
    int64_t value = 0;
    if (strcmp(argv[i], "add") == 0 && i + 3 == argc) {
        long a, b;
        if (parse_long(argv[i + 1], &a) || parse_long(argv[i + 2], &b))
            return usage();
        struct calc_req rq = {.op = CALC_ADD, .a = a, .b = b};
        rv = call(&svc, &rq, &value);
    } else if (strcmp(argv[i], "sum") == 0 && i + 2 == argc) {
        long n;
        if (parse_long(argv[i + 1], &n) || n < 0 || n > 1000000)
            return usage();
        for (long k = 1; k <= n && rv == 0; k++) {
            struct calc_req rq = {.op = CALC_SUM_ADD, .a = k};
            while ((rv = ipc_send(&svc, &rq, sizeof rq, 0)) == -EAGAIN)
                sys_yield(); /* the service's queue is full: let it catch up */
        }
        struct calc_req end = {.op = CALC_SUM_END};
        if (rv == 0)
            rv = call(&svc, &end, &value);
    } else {
        return usage();
    }
    if (rv < 0) {
        printf("calc: %s\n", err_str(rv));
        return 1;
    }
    printf("%lld\n", (long long)value);
    return 0;
}
