/* drivers/rtc.c: goldfish RTC. Reading TIME_LOW latches TIME_HIGH, so the
 * low word is read first. */
#include "drivers/rtc.h"

#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04

static volatile uint32_t *rtc;

void rtc_init(uint64_t base) { rtc = (volatile uint32_t *)base; }

uint64_t rtc_now_ns(void)
{
    if (!rtc)
        return 0;
    uint64_t lo = rtc[RTC_TIME_LOW / 4];
    uint64_t hi = rtc[RTC_TIME_HIGH / 4];
    return hi << 32 | lo;
}
