/* user/sleep.c: `sleep SECONDS` (fractions allowed: 0.25) via SYS_SLEEP. */
#include <stdio.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    uint64_t ns;
    if (argc != 2 || parse_seconds_ns(argv[1], &ns) != 0) {
        fprintf(stderr, "usage: sleep SECONDS\n");
        return 2;
    }
    int rv = sys_sleep(ns);
    if (rv < 0) {
        fprintf(stderr, "sleep: %s\n", err_str(rv));
        return 1;
    }
    return 0;
}
