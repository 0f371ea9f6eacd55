/* kernel/trap.h: the trap frame and trap entry points.
 *
 * sscratch always points at a trap frame: the running process's while in
 * user mode, the hart's own while in the kernel. kernel/trapvec.S saves the
 * registers there; `kind` tells the two apart. Kernel-mode traps (interrupts
 * while idle, kernel faults) run on the hart's own trap stack, so a kernel
 * stack overflow into its guard page still gets a clean panic report. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include <stdint.h>

/* Offsets are used by trapvec.S; keep them in step (checked below). */
struct trapframe {
    uint64_t regs[32];   /*   0: x0..x31 (x0's slot unused) */
    uint64_t sepc;       /* 256 */
    uint64_t kind;       /* 264: 0 = process frame, 1 = hart frame */
    uint64_t kernel_sp;  /* 272: stack to run the handler on */
    uint64_t hart_frame; /* 280: the hart frame (sscratch while in the kernel) */
    uint64_t sstatus;    /* 288 */
    uint64_t scause;     /* 296 */
    uint64_t stval;      /* 304 */
};
_Static_assert(__builtin_offsetof(struct trapframe, stval) == 304, "trapvec.S offsets");

#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A7 17

void trap_init(void);
/* Return to user mode with the registers in tf (kernel/trapvec.S). */
void user_return(struct trapframe *tf) __attribute__((noreturn));
/* Run a possibly faulting instruction sequence: while a probe is armed, an
 * illegal-instruction trap in the kernel skips the instruction and sets
 * trap_probe_failed instead of panicking. Used to detect Sstc. */
extern volatile int trap_probe_armed, trap_probe_failed;

#endif
