/* drivers/rtc.c: goldfish RTC. Reading TIME_LOW latches TIME_HIGH, so the
 * low word is read first. */
#include "drivers/rtc.h"
#include "kernel/timer.h"

#define RTC_TIME_LOW 0x00
#define RTC_TIME_HIGH 0x04
#define NS_PER_S 1000000000ULL

static volatile uint32_t *rtc;
static uint64_t lag_ns; /* added to every reading: rtc_not_before */
/* rtc_follow_kernel_clock: the wall clock is base_wall at kernel time base_ns */
static int follow;
static uint64_t base_wall, base_ns;
static int64_t skew_ns; /* rtc_follow_kernel_clock's offset, kept through rtc_set */

void rtc_init(uint64_t base) { rtc = (volatile uint32_t *)base; }

static uint64_t raw_now_ns(void)
{
    uint64_t lo = rtc[RTC_TIME_LOW / 4];
    uint64_t hi = rtc[RTC_TIME_HIGH / 4];
    return hi << 32 | lo;
}

uint64_t rtc_now_ns(void)
{
    if (!rtc)
        return 0;
    if (follow)
        return base_wall + (timer_now_ns() - base_ns);
    return raw_now_ns() + lag_ns;
}

void rtc_follow_kernel_clock(int64_t offset_ns)
{
    if (!rtc)
        return;
    base_ns = timer_now_ns();
    base_wall = raw_now_ns() + lag_ns + (uint64_t)offset_ns;
    skew_ns = offset_ns;
    follow = 1;
}

void rtc_set(uint64_t true_ns)
{
    if (!rtc)
        return;
    if (follow) {
        base_ns = timer_now_ns();
        base_wall = true_ns + (uint64_t)skew_ns;
    } else {
        lag_ns = true_ns - raw_now_ns(); /* (mod 2^64: a clock ahead is set back) */
    }
}

int64_t rtc_not_before(uint64_t not_before_ns)
{
    if (!rtc)
        return -1;
    uint64_t now = raw_now_ns();
    if (not_before_ns <= now)
        return 0;
    if (not_before_ns - now >= NS_PER_S)
        return -1;
    lag_ns = not_before_ns - now;
    return (int64_t)lag_ns;
}
