/* kernel/sched.c: round-robin scheduling, sleep/wakeup, the tickless timer
 * policy and lazy FP switching.
 *
 * The timer is armed only for what needs it: the earliest sleeper's
 * deadline, and the end of the running process's slice when another process
 * is waiting for the CPU. An idle node sleeps in wfi with no tick at all. */
#include "kernel/proc.h"
#include "kernel/migrate.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/riscv.h"
#include "kernel/timer.h"

void fpu_save(uint64_t regs[33]);
void fpu_restore(const uint64_t regs[33]);
void swtch(struct context *from, struct context *to);
void proc_reap_orphans(void);

struct proc *sched_current HOT_DATA; /* proc_current() (kernel/proc.h) */
#define current sched_current
static struct context scheduler_ctx;
static uint64_t slice_end_ns HOT_DATA;
int sched_need_resched HOT_DATA; /* set by the timer when the slice is over */
#define need_resched sched_need_resched
static struct proc *fpu_owner HOT_DATA; /* whose values the FP registers hold */
static int fpu_zeros HOT_DATA;          /* they hold all zeros, unwritten since loaded */
static int last_slot;
void (*sched_idle_hook)(void);

static inline __attribute__((always_inline)) void fpu_prepare_return(struct proc *p);
static inline __attribute__((always_inline)) void fpu_save_if_dirty(struct proc *p);

HOT_PATH static int other_runnable(void)
{
    for (int i = 0; i < proc_slots; i++) {
        struct proc *p = proc_table[i];
        if (p && p != current && p->state == P_RUNNABLE)
            return 1;
    }
    return 0;
}

HOT_PATH void sched_arm_timer(void)
{
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < proc_slots; i++) {
        struct proc *p = proc_table[i];
        if (p && p->state == P_SLEEPING && p->wake_at_ns && p->wake_at_ns < next)
            next = p->wake_at_ns;
    }
    /* Once the slice is over (need_resched), no timer is needed for it: every
     * way back to user mode asks sched_should_yield first, and a process in
     * user mode only learns of a newly runnable one through an interrupt,
     * which returns through that check. Arming it anyway would fire at once
     * on every wakeup between a pair handing the CPU back and forth (the IPC
     * handoff, a server on reply_recv), which never pass the scheduler. */
    if (current && current->state == P_RUNNING && !need_resched && slice_end_ns < next &&
        other_runnable())
        next = slice_end_ns;
    timer_arm(next);
}

void sched_tick(void)
{
    uint64_t now = timer_now_ns();
    if (current && now >= slice_end_ns)
        need_resched = 1;
    for (int i = 0; i < proc_slots; i++) {
        struct proc *p = proc_table[i];
        if (p && p->state == P_SLEEPING && p->wake_at_ns && p->wake_at_ns <= now) {
            p->state = P_RUNNABLE;
            p->wake_at_ns = 0;
        }
    }
    sched_arm_timer();
}

HOT_PATH static int should_yield(void)
{
    if (!need_resched || !current)
        return 0;
    if (other_runnable())
        return 1;
    /* Nobody else wants the CPU: it gets a new slice. Otherwise the flag
     * would stay set until someone did, and the IPC fastpath, which leaves
     * a slice's end to this check, would step aside on every call. */
    need_resched = 0;
    slice_end_ns = timer_now_ns() + TIME_SLICE_NS;
    return 0;
}

HOT_PATH static struct proc *pick_next(void)
{
    for (int n = 1; n <= proc_slots; n++) {
        int i = (last_slot + n) % proc_slots;
        struct proc *p = proc_table[i];
        if (p && p->state == P_RUNNABLE) {
            last_slot = i;
            return p;
        }
    }
    return 0;
}

HOT_PATH void scheduler(void)
{
    for (;;) {
        struct proc *p = pick_next();
        if (!p) {
            /* Idle: wfi wakes on any interrupt enabled in sie even with
             * SIE clear, so nothing can slip in between check and sleep;
             * the interrupt is then taken in the brief SIE window. */
            if (sched_idle_hook)
                sched_idle_hook();
            sched_arm_timer();
            wfi();
            intr_on();
            intr_off();
            proc_reap_orphans();
            continue;
        }
        p->state = P_RUNNING;
        current = p;
        vm_switch(p->as.root, (uint32_t)p->slot + 1);
        p->run_start_ns = timer_now_ns();
        slice_end_ns = p->run_start_ns + TIME_SLICE_NS;
        need_resched = 0;
        sched_arm_timer();
        swtch(&scheduler_ctx, &p->ctx);
        /* Back here from sched(), called by whichever process ran last: with
         * handoffs (switch_to) that need not be p, which may even be gone. */
        current = 0;
        proc_reap_orphans();
    }
}

/* Give up the CPU; the caller has set current->state. Its kernel context
 * is saved in *save: its own ctx, or a scratch one for a continuation. */
HOT_PATH static void sched_saving(struct context *save)
{
    fpu_switch_out(current);
    current->cpu_ns += timer_now_ns() - current->run_start_ns;
    swtch(save, &scheduler_ctx);
}

HOT_PATH static void sched(void) { sched_saving(&current->ctx); }

/* Directed switch, as L4 and seL4 do for IPC: the current process (whose
 * state the caller has set) gives the CPU straight to `to`, which must be
 * runnable, without a pass through the scheduler loop and its scans. `to`
 * inherits what is left of the time slice (slice_end_ns and need_resched
 * stay), so two processes passing messages back and forth get no more CPU
 * than one would: at the slice's end the timer sends them through the
 * round robin like everyone else. */
HOT_PATH static void switch_to(struct proc *to, struct context *save)
{
    struct proc *from = current;
    fpu_switch_out(from);
    uint64_t now = timer_now_ns();
    from->cpu_ns += now - from->run_start_ns;
    to->run_start_ns = now;
    to->state = P_RUNNING;
    current = to;
    vm_switch(to->as.root, (uint32_t)to->slot + 1);
    swtch(save, &to->ctx);
}

HOT_PATH void sched_yield(void)
{
    if (current->state == P_RUNNING)
        current->state = P_RUNNABLE;
    sched();
}

HOT_PATH int proc_sleep(void *chan, uint64_t deadline_ns)
{
    struct proc *p = current;
    if (p->killed)
        return -EINTR;
    if (p->migrate_to && p->restartable)
        return -ERESTART;
    p->chan = chan;
    p->wake_at_ns = deadline_ns;
    p->state = P_SLEEPING;
    sched();
    p->chan = 0;
    p->wake_at_ns = 0;
    if (p->killed)
        return -EINTR;
    return p->migrate_to && p->restartable ? -ERESTART : 0;
}

/* Where every continuation wait starts again (proc_block set ctx to it). */
static void continuation_entry(void)
{
    struct proc *p = current;
    p->chan = 0;
    p->wake_at_ns = 0;
    p->resume();
}

/* Set p up to resume at resume() on an empty kernel stack, and sleep. */
HOT_PATH static inline void block_as_continuation(struct proc *p, void *chan, uint64_t deadline_ns,
                                                  void (*resume)(void))
{
    p->chan = chan;
    p->wake_at_ns = deadline_ns;
    p->state = P_SLEEPING;
    p->resume = resume;
    p->ctx.ra = (uint64_t)continuation_entry;
    p->ctx.sp = p->kstack_top;
}

HOT_PATH void proc_block(void *chan, uint64_t deadline_ns, struct proc *to, void (*resume)(void))
{
    struct proc *p = current;
    struct context abandoned; /* what swtch saves here is never resumed */
    block_as_continuation(p, chan, deadline_ns, resume);
    if (to && to != p && to->state == P_RUNNABLE) {
        /* The scheduler would re-arm the timer for the new sleeper; here it
         * is enough that the timer fires by our deadline. */
        if (deadline_ns)
            timer_arm_by(deadline_ns);
        switch_to(to, &abandoned);
    } else {
        sched_saving(&abandoned);
    }
    __builtin_unreachable();
}

/* The IPC fastpath's switch: proc_block and switch_to in one, with the
 * return to user mode of sched_return_to_user, whose checks the fastpath
 * has made (the slice is not over, `to` is not killed). */
FAST_PATH void sched_fast_switch(void *chan, uint64_t deadline_ns, void (*resume)(void),
                                 struct proc *to, uint64_t now)
{
    struct proc *from = current;
    block_as_continuation(from, chan, deadline_ns, resume);
    if (deadline_ns)
        timer_arm_by(deadline_ns);
    fpu_save_if_dirty(from);
    from->cpu_ns += now - from->run_start_ns;
    to->run_start_ns = now;
    to->chan = 0;
    to->wake_at_ns = 0;
    to->state = P_RUNNING;
    current = to;
    vm_switch(to->as.root, (uint32_t)to->slot + 1);
    fpu_prepare_return(to);
    user_return(to->tf);
}

void proc_sleep_uninterruptible(void *chan)
{
    struct proc *p = current;
    p->chan = chan;
    p->wake_at_ns = 0;
    p->state = P_SLEEPING;
    sched();
    p->chan = 0;
}

HOT_PATH void proc_wakeup(void *chan)
{
    int woke = 0;
    for (int i = 0; i < proc_slots; i++) {
        struct proc *p = proc_table[i];
        if (p && p->state == P_SLEEPING && p->chan == chan) {
            p->state = P_RUNNABLE;
            woke = 1;
        }
    }
    if (woke)
        sched_arm_timer();
}

/* Lazy FP: registers are saved only if the process dirtied them since they
 * were last saved, and loaded only when another process's values are in
 * the register file. A process that has never saved any FP state has the
 * all-zero state, so registers holding zeros (loaded for one such process,
 * and not written since: writing makes FS dirty, which every way out of
 * user mode notices here or in fpu_prepare_return) serve all of them:
 * processes that never use FP never load the registers at all. */
static inline __attribute__((always_inline)) void fpu_save_if_dirty(struct proc *p)
{
    if (((p->tf->sstatus & SSTATUS_FS) >> SSTATUS_FS_SHIFT) == FS_DIRTY) {
        fpu_save(p->fpregs);
        p->fp_saved = 1;
        p->tf->sstatus = (p->tf->sstatus & ~SSTATUS_FS) | (FS_CLEAN << SSTATUS_FS_SHIFT);
        fpu_owner = p;
        fpu_zeros = 0;
    }
}

HOT_PATH void fpu_switch_out(struct proc *p) { fpu_save_if_dirty(p); }

static const uint64_t fp_zero[33];

HOT_PATH static inline __attribute__((always_inline)) void fpu_prepare_return(struct proc *p)
{
    uint64_t fs = (p->tf->sstatus & SSTATUS_FS) >> SSTATUS_FS_SHIFT;
    if (fs == FS_DIRTY) {
        fpu_owner = p; /* it wrote them since its last switch: they are live */
        fpu_zeros = 0;
    }
    if (fpu_owner != p && !(fpu_zeros && !p->fp_saved)) {
        /* The FP unit must be on for the kernel to load it. */
        csr_set(sstatus, FS_CLEAN << SSTATUS_FS_SHIFT);
        fpu_restore(p->fp_saved ? p->fpregs : fp_zero);
        fpu_zeros = !p->fp_saved;
    }
    fpu_owner = p;
    if (fs == FS_OFF)
        fs = FS_INITIAL;
    p->tf->sstatus = SSTATUS_SPIE | (fs << SSTATUS_FS_SHIFT);
}

/* The way back to user mode from a trap (and a new process's first run):
 * yield if the slice is over and someone else can run, end the process if
 * it was killed, ready the FP state, and return. One function with its
 * helpers inlined: under QEMU each call and return on this path costs a
 * jump-cache lookup after the address-space switch (kernel/kernel.h). */
HOT_PATH void sched_return_to_user(struct proc *p)
{
    if (!p->killed && should_yield())
        sched_yield();
    if (p->killed) /* by a fault, or by kill() while it waited */
        proc_exit(128 + p->killed);
    if (__builtin_expect(p->migrate_to != 0, 0)) {
        migrate_out(p); /* returns only if it stays here */
        if (p->killed)
            proc_exit(128 + p->killed);
    }
    fpu_prepare_return(p);
    user_return(p->tf);
}

/* A freed process must not stay the FP owner (its slot may be reused). */
void fpu_forget(struct proc *p)
{
    if (fpu_owner == p)
        fpu_owner = 0;
}
