/* drivers/rtc.h: the wall clock (QEMU virt's goldfish RTC), which follows
 * the host's clock. Used where a value must grow from one boot to the next
 * (the RPC transport's boot epoch) and for times every node must read alike
 * (SYS_WALLCLOCK). */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#include <stdint.h>

void rtc_init(uint64_t base);
/* Nanoseconds since 1970, or 0 when the node has no RTC. */
uint64_t rtc_now_ns(void);
/* Tell the clock that it is at least not_before_ns now. QEMU 7.2's goldfish
 * RTC starts from the host's time truncated to the second, so it lags the
 * host by up to a second, a different fraction each boot: a node restarted
 * within a second could read an earlier time than its previous boot did.
 * A lower bound from outside (kernel/main.c: when the host launched this
 * node, bootargs launched_ms=) takes that lag out. Only a lag of under a
 * second is corrected (the RTC's own error); returns the correction in ns,
 * or -1 when the bound is a second or more ahead (it is then not used). */
int64_t rtc_not_before(uint64_t not_before_ns);
/* From now on the clock reads what the RTC reads now, plus offset_ns (an
 * experiment's skew: bootargs clock_offset=, kernel/main.c), plus the
 * kernel clock's progress since (which a drift makes fast or slow:
 * kernel/timer.h timer_set_drift_ppm): no device read per reading. Called
 * once at boot, after rtc_not_before. */
void rtc_follow_kernel_clock(int64_t offset_ns);
/* The true time is true_ns now (told by the host when it starts the node:
 * tools/clusterlib.py, `date -s`): the clock reads that from now on, plus
 * the experiment's offset if one is set. */
void rtc_set(uint64_t true_ns);

#endif
