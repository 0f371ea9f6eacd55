/* kernel/trap.h: the trap frame and trap entry points.
 *
 * sscratch always points at the hart frame. A trap from user mode
 * (sstatus.SPP = 0) saves the registers in the frame of the process that
 * user_return last left from (the hart frame's user_frame) and runs on that
 * process's kernel stack; a trap from the kernel (interrupts while idle,
 * kernel faults) saves them in the hart frame and runs on the hart's own
 * trap stack, so a kernel stack overflow into its guard page still gets a
 * clean panic report. stval is not saved: trap.c reads it for the faults
 * that need it, before anything could trap again. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include <stdint.h>

/* Offsets are used by trapvec.S; keep them in step (checked below). */
struct trapframe {
    uint64_t regs[32];   /*   0: x0..x31 (x0's slot unused) */
    uint64_t sepc;       /* 256 */
    uint64_t user_frame; /* 264: hart frame only: the process frame user mode runs on */
    uint64_t kernel_sp;  /* 272: stack to run the handler on */
    uint64_t unused;     /* 280 */
    uint64_t sstatus;    /* 288 */
    uint64_t scause;     /* 296 */
    uint64_t stval;      /* 304: filled by trap.c for faults only */
};
_Static_assert(__builtin_offsetof(struct trapframe, user_frame) == 264, "trapvec.S offsets");
_Static_assert(__builtin_offsetof(struct trapframe, kernel_sp) == 272, "trapvec.S offsets");
_Static_assert(__builtin_offsetof(struct trapframe, sstatus) == 288, "trapvec.S offsets");
_Static_assert(__builtin_offsetof(struct trapframe, scause) == 296, "trapvec.S offsets");

#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A3 13
#define REG_A4 14
#define REG_A5 15
#define REG_A7 17

void trap_init(void);
/* Return to user mode with the registers in tf (kernel/trapvec.S). */
void user_return(struct trapframe *tf) __attribute__((noreturn));
/* Run a possibly faulting instruction sequence: while a probe is armed, an
 * illegal-instruction trap in the kernel skips the instruction and sets
 * trap_probe_failed instead of panicking. Used to detect Sstc. */
extern volatile int trap_probe_armed, trap_probe_failed;

#endif
