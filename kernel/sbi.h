/* kernel/sbi.h: calls into OpenSBI (the SBI v1.0+ extensions we need). */
#ifndef KERNEL_SBI_H
#define KERNEL_SBI_H

#include <stdint.h>

/* Arm the supervisor timer for absolute time `when` (in timebase ticks);
 * UINT64_MAX disarms it. Uses the TIME extension. */
void sbi_set_timer(uint64_t when);
/* Power the node off. reason_failure != 0 reports a system failure. */
void sbi_shutdown(int reason_failure) __attribute__((noreturn));
/* Whether the SBI implementation offers extension `eid`. */
int sbi_probe_extension(uint64_t eid);

#endif
