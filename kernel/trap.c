/* kernel/trap.c: what happens on a trap: system calls, interrupts, and
 * faults. A user fault kills only that process; a kernel fault panics. */
#include "kernel/trap.h"
#include "drivers/plic.h"
#include "drivers/uart.h"
#include "drivers/virtio_blk.h"
#include "drivers/virtio_net.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/riscv.h"
#include "kernel/syscall.h"
#include "kernel/timer.h"
#include "lib/errno.h"
#include "lib/syscall_abi.h"

extern char trap_entry[];

/* The hart's own frame (sscratch: see kernel/trap.h) and trap stack. Every
 * trap from user mode reads the frame, so it sits in the hot data page. */
struct trapframe hart_frame HOT_DATA;
static uint64_t hart_trap_stack[1024] __attribute__((aligned(16)));
volatile int trap_probe_armed, trap_probe_failed;

void trap_init(void)
{
    hart_frame.kernel_sp = (uint64_t)&hart_trap_stack[ARRAY_LEN(hart_trap_stack)];
    csr_write(sscratch, &hart_frame);
    csr_write(stvec, trap_entry);
}

static uint32_t uart_irq;
void trap_set_uart_irq(uint32_t irq) { uart_irq = irq; }

static void external_intr(void)
{
    uint32_t irq;
    while ((irq = plic_claim()) != 0) {
        if (irq == uart_irq)
            uart_intr();
        else if (irq == virtio_net_irq())
            virtio_net_intr();
        else if (irq == virtio_blk_irq())
            virtio_blk_intr();
        plic_complete(irq);
    }
}

/* Interrupts are handled the same whichever mode they arrive in. */
static int handle_interrupt(uint64_t scause)
{
    switch (scause & ~SCAUSE_INTR) {
    case IRQ_S_TIMER:
        timer_intr();
        return 1;
    case IRQ_S_EXT:
        external_intr();
        return 1;
    default:
        return 0;
    }
}

static const char *cause_name(uint64_t c)
{
    static const char *names[] = {
        "instruction address misaligned",
        "instruction access fault",
        "illegal instruction",
        "breakpoint",
        "load address misaligned",
        "load access fault",
        "store address misaligned",
        "store access fault",
        "user ecall",
        "supervisor ecall",
        "?",
        "?",
        "instruction page fault",
        "load page fault",
        "?",
        "store page fault",
    };
    return c < ARRAY_LEN(names) ? names[c] : "?";
}

HOT_PATH void user_trap(struct trapframe *tf)
{
    struct proc *p = proc_current();
    uint64_t scause = tf->scause;

    if (scause == EXC_ECALL_U) {
        /* The dispatch is here, not a call away: see sched_return_to_user. */
        uint64_t num = tf->regs[REG_A7];
        int64_t rv = -ENOSYS;
        tf->sepc += 4;
        p->restart_a0 = tf->regs[REG_A0];
        if (num < SYS_COUNT && syscall_table[num])
            rv = syscall_table[num](p, &tf->regs[REG_A0]);
        if (__builtin_expect(rv == -ERESTART, 0)) {
            /* Interrupted to move (kernel/migrate.h): the same ecall again,
             * after the move, with restart_a0 (sleep: the time left). */
            tf->sepc -= 4;
            tf->regs[REG_A0] = p->restart_a0;
            p->migrate_restarted = 1;
        } else {
            tf->regs[REG_A0] = (uint64_t)rv;
        }
    } else if (scause & SCAUSE_INTR) {
        if (!handle_interrupt(scause))
            klog("unexpected interrupt %lx", (unsigned long)scause);
    } else {
        tf->stval = csr_read(stval); /* nothing has trapped since this fault */
        int sig = (scause == EXC_ILLEGAL) ? SIG_ILL : SIG_SEGV;
        klog("pid %d (%s) killed: %s at pc %lx, address %lx", p->pid, p->name, cause_name(scause),
             (unsigned long)tf->sepc, (unsigned long)tf->stval);
        if (!p->killed)
            p->killed = sig;
    }
    sched_return_to_user(p);
}

void kernel_trap(struct trapframe *tf)
{
    uint64_t scause = tf->scause;
    tf->stval = csr_read(stval); /* nothing has trapped since */
    if (scause & SCAUSE_INTR) {
        if (handle_interrupt(scause))
            return;
    } else if (scause == EXC_ILLEGAL && trap_probe_armed) {
        trap_probe_failed = 1;
        tf->sepc += 4;
        return;
    }
    klog("kernel trap: %s (scause %lx) sepc %lx stval %lx", cause_name(scause & 0xff),
         (unsigned long)scause, (unsigned long)tf->sepc, (unsigned long)tf->stval);
    static const char *rn[32] = {"0",  "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
                                 "a1", "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
                                 "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
    for (int i = 1; i < 32; i += 4)
        klog("%3s %016lx %3s %016lx %3s %016lx %3s %016lx", rn[i], (unsigned long)tf->regs[i],
             rn[i + 1], (unsigned long)tf->regs[i + 1], rn[i + 2], (unsigned long)tf->regs[i + 2],
             i + 3 < 32 ? rn[i + 3] : "", i + 3 < 32 ? (unsigned long)tf->regs[i + 3] : 0UL);
    struct proc *p = proc_current();
    panic("kernel fault while running pid %d", p ? p->pid : 0);
}
