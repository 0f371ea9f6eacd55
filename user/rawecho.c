/* user/rawecho.c: `rawecho [-c COUNT] NODE`: bare Ethernet echoes with NODE's
 * kernel (SYS_RAWECHO, below IP): the floor under every network figure.
 * Prints the median and minimum round trip; exits 0 only if all came back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ulib.h"

static int cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long count = 20, node;
    int i = 1;
    if (argc == 4 && strcmp(argv[1], "-c") == 0) {
        if (parse_long(argv[2], &count))
            goto usage;
        i = 3;
    }
    if (i != argc - 1 || parse_long(argv[i], &node) || node < 1 || node > 65534 || count < 1 ||
        count > 100000)
        goto usage;
    long *rtt = malloc(sizeof(long) * (size_t)count);
    if (!rtt) {
        fprintf(stderr, "rawecho: out of memory\n");
        return 1;
    }
    long ok = 0;
    for (long n = 0; n < count; n++) {
        long rv = syscall2(SYS_RAWECHO, node, 1000000000L);
        if (rv < 0)
            printf("rawecho: #%ld: %s\n", n, err_str(rv));
        else
            rtt[ok++] = rv;
    }
    if (ok) {
        qsort(rtt, (size_t)ok, sizeof(long), cmp);
        printf("rawecho: %ld/%ld ok, median %ld ns, min %ld ns\n", ok, count, rtt[ok / 2], rtt[0]);
    } else {
        printf("rawecho: 0/%ld ok\n", count);
    }
    return ok == count ? 0 : 1;
usage:
    fprintf(stderr, "usage: rawecho [-c COUNT] NODE\n");
    return 2;
}
