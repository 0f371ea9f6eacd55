/* user/failalloc.c: `failalloc page|heap AFTER COUNT` arms the kernel's
 * fault injection (SYS_FAULTINJECT): after AFTER more successful allocations
 * of that kind, the next COUNT fail. COUNT 0 disarms. The test then runs
 * commands that must fail cleanly while the node survives. */
#include <stdio.h>
#include <string.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    long after, count;
    int site;
    if (argc != 4 || parse_long(argv[2], &after) != 0 || parse_long(argv[3], &count) != 0 ||
        after < 0 || count < 0)
        goto usage;
    if (strcmp(argv[1], "page") == 0)
        site = FAULT_PAGE_ALLOC;
    else if (strcmp(argv[1], "heap") == 0)
        site = FAULT_HEAP_ALLOC;
    else
        goto usage;
    int rv = sys_faultinject(site, (uint64_t)after, (uint64_t)count);
    if (rv < 0) {
        fprintf(stderr, "failalloc: %s\n", err_str(rv));
        return 1;
    }
    printf("failalloc: %s allocations fail after %ld, %ld times\n", argv[1], after, count);
    return 0;
usage:
    fprintf(stderr, "usage: failalloc page|heap AFTER COUNT\n");
    return 2;
}
