/* drivers/rtc.h: the wall clock (QEMU virt's goldfish RTC), which follows
 * the host's clock. Used where a value must grow from one boot to the next
 * (the RPC transport's boot epoch). */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#include <stdint.h>

void rtc_init(uint64_t base);
/* Nanoseconds since 1970, or 0 when the node has no RTC. */
uint64_t rtc_now_ns(void);

#endif
