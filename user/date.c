/* user/date.c: print the wall clock (SYS_WALLCLOCK): seconds since 1970
 * with nanoseconds, then the UTC date and time.
 *
 *   date            print it
 *   date -s NS      the true time is NS ns since 1970 (the cluster tool
 *                   says so as it starts a node: QEMU's clock starts up to a
 *                   second off); this node's console and services only */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "-s")) {
        long v;
        if (parse_long(argv[2], &v) || v <= 0) {
            fprintf(stderr, "date: -s takes ns since 1970\n");
            return 2;
        }
        long rv = sys_wallclock_set((uint64_t)v);
        if (rv < 0) {
            fprintf(stderr, "date: %s\n", err_str(rv));
            return 1;
        }
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: date [-s NS]\n");
        return 2;
    }
    uint64_t ns = sys_wallclock();
    if (!ns) {
        printf("date: this node has no wall clock\n");
        return 1;
    }
    time_t s = (time_t)(ns / 1000000000ULL);
    struct tm tm;
    gmtime_r(&s, &tm);
    printf("%lu.%09lu %04d-%02d-%02d %02d:%02d:%02d UTC\n", (unsigned long)s,
           (unsigned long)(ns % 1000000000ULL), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}
