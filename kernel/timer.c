/* kernel/timer.c: the time CSR and the supervisor timer. */
#include "kernel/timer.h"
#include "kernel/migrate.h"
#include "kernel/proc.h"
#include "kernel/riscv.h"
#include "kernel/sbi.h"
#include "kernel/trap.h"
#include "kernel/kernel.h"

#define CSR_STIMECMP 0x14D

uint64_t timer_hz HOT_DATA = 10000000;
uint64_t timer_boot_ticks HOT_DATA;
static int use_sstc HOT_DATA;
static uint64_t armed_ticks HOT_DATA = UINT64_MAX;
static uint64_t n_interrupts;
static int user_time; /* user mode may read the time CSR */

static inline void stimecmp_write(uint64_t v) { asm volatile("csrw 0x14D, %0" ::"r"(v)); }

FAST_PATH static void raw_arm(uint64_t ticks)
{
    armed_ticks = ticks;
    if (use_sstc)
        stimecmp_write(ticks);
    else
        sbi_set_timer(ticks);
}

void timer_init(uint64_t timebase_hz, int fdt_says_sstc)
{
    if (timebase_hz)
        timer_hz = timebase_hz;
    timer_boot_ticks = rdtime();
    if (fdt_says_sstc) {
        /* The ISA string can claim Sstc while the firmware has not enabled
         * it for S-mode (menvcfg.STCE); then the access traps. Probe. */
        trap_probe_failed = 0;
        trap_probe_armed = 1;
        stimecmp_write(UINT64_MAX);
        trap_probe_armed = 0;
        use_sstc = !trap_probe_failed;
    }
    raw_arm(UINT64_MAX);
    csr_set(sie, SIE_STIE);
    /* Let user mode read the time CSR (as Linux does for its vDSO): clock()
     * then needs no trap (SYS_CLOCK_INFO, user/syscalls.c). */
    csr_set(scounteren, SCOUNTEREN_TM);
    user_time = (csr_read(scounteren) & SCOUNTEREN_TM) != 0;
}

int timer_set_drift_ppm(int64_t ppm)
{
    if (ppm < -100000 || ppm > 100000)
        return -EINVAL;
    /* n ticks read as n / hz seconds: a smaller hz, a faster clock */
    timer_hz = timer_hz * 1000000ULL / (uint64_t)(1000000 + ppm);
    return 0;
}

void timer_clock_info(struct clock_info *out)
{
    out->hz = timer_hz;
    out->base = timer_boot_ticks;
    out->user_time = (uint64_t)user_time;
    out->gen = 0;
}

FAST_PATH static uint64_t ns_to_ticks(uint64_t ns)
{
    if (ns == UINT64_MAX)
        return UINT64_MAX;
    return timer_boot_ticks + ns / 1000000000ULL * timer_hz +
           ns % 1000000000ULL * timer_hz / 1000000000ULL;
}

HOT_PATH void timer_arm(uint64_t ns)
{
    uint64_t ticks = ns_to_ticks(ns);
    /* An earlier deadline already armed fires first, and the scheduler
     * re-arms then: skip the (costly under QEMU) write. That holds even if
     * the earlier one is already past: its interrupt is then pending (the
     * handler resets armed_ticks before anything else), and taken as soon
     * as interrupts are on again. No time CSR read, which would end a
     * translated block under QEMU. */
    if (ticks == armed_ticks || armed_ticks < ticks)
        return;
    raw_arm(ticks);
}

FAST_PATH void timer_arm_by(uint64_t ns)
{
    uint64_t ticks = ns_to_ticks(ns);
    if (ticks < armed_ticks)
        raw_arm(ticks);
}

void timer_intr(void)
{
    n_interrupts++;
    raw_arm(UINT64_MAX);
    sched_tick();
    migrate_tick(); /* incoming moves whose source went quiet (kernel/migrate.c) */
}

const char *timer_mode(void) { return use_sstc ? "sstc" : "sbi"; }
uint64_t timer_interrupts(void) { return n_interrupts; }
