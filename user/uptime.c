/* user/uptime.c: time since boot from SYS_CLOCK, as `up S.NNNNNNNNN s`
 * (nanosecond digits, so tests can difference two readings). */
#include <stdio.h>

#include "user/ulib.h"

int main(void)
{
    uint64_t ns = sys_clock();
    printf("up %llu.%09llu s\n", (unsigned long long)(ns / 1000000000ULL),
           (unsigned long long)(ns % 1000000000ULL));
    return 0;
}
