/* kernel/timer.h: time since boot and the one supervisor timer. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>

#include "lib/syscall_abi.h"

/* Use Sstc (stimecmp) when the hart has it and it works, else SBI. */
void timer_init(uint64_t timebase_hz, int fdt_says_sstc);
/* What user code needs to compute timer_now_ns itself (SYS_CLOCK_INFO). */
void timer_clock_info(struct clock_info *out);
/* Monotonic nanoseconds since boot. Inline: the IPC path reads the clock a
 * few times per call, and a call into another code page costs a jump-cache
 * lookup under QEMU (kernel/kernel.h). */
extern uint64_t timer_hz, timer_boot_ticks;
static inline __attribute__((always_inline)) uint64_t timer_now_ns(void)
{
    uint64_t now;
    asm volatile("csrr %0, time" : "=r"(now));
    uint64_t t = now - timer_boot_ticks;
    return t / timer_hz * 1000000000ULL + t % timer_hz * 1000000000ULL / timer_hz;
}
/* Make this node's clock run fast (ppm > 0) or slow by ppm parts per
 * million, for experiments (bootargs clock_drift_ppm=): it and user code's
 * clock() (SYS_CLOCK_INFO) count the time CSR's ticks at a frequency off by
 * that much. At boot only, before any timer is armed. 0, or -EINVAL beyond
 * +-100000 (10%). */
int timer_set_drift_ppm(int64_t ppm);
/* Raise a timer interrupt at absolute time ns (UINT64_MAX: never). */
void timer_arm(uint64_t ns);
/* Make sure a timer interrupt comes no later than ns: moves the armed time
 * only earlier, so an event already due (or sooner) is never lost. */
void timer_arm_by(uint64_t ns);
/* Timer interrupt: disarm, then let the scheduler act. */
void timer_intr(void);
/* "sstc" or "sbi", for the boot log and tests. */
const char *timer_mode(void);
/* Timer interrupts taken since boot (for `make bench` and the tickless
 * tests: an idle node takes almost none). */
uint64_t timer_interrupts(void);

#endif
