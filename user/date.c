/* user/date.c: print the wall clock (SYS_WALLCLOCK): seconds since 1970
 * with nanoseconds, then the UTC date and time. */
#include <stdio.h>
#include <time.h>

#include "user/ulib.h"

int main(void)
{
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
