# Trap entry and exit. See kernel/trap.h for the frame layout and the role
# of sscratch.
#define TF_SEPC 256
#define TF_USER_FRAME 264
#define TF_KSP 272
#define TF_SSTATUS 288
#define TF_SCAUSE 296
#define SSTATUS_SPP 0x100
#define BARE_TRAP 0x7ff
#define SYS_CALL 31         /* lib/syscall_abi.h (checked in kernel/ipc_fast.c) */
#define SYS_REPLY_RECV 39
#include "kernel/ipc_fast.h"  /* IPC_FAST_STACK */

# Saves every register but x2 (sp), x5 (t0) and x6 (t1) into the frame in
# \base: t1 itself on the user path, the hart frame (sp) on the kernel's.
.macro SAVE_GPRS_EXCEPT_SP_T0_T1 base
    sd x1, 8(\base)
    sd x3, 24(\base)
    sd x4, 32(\base)
    sd x7, 56(\base)
    sd x8, 64(\base)
    sd x9, 72(\base)
    sd x10, 80(\base)
    sd x11, 88(\base)
    sd x12, 96(\base)
    sd x13, 104(\base)
    sd x14, 112(\base)
    sd x15, 120(\base)
    sd x16, 128(\base)
    sd x17, 136(\base)
    sd x18, 144(\base)
    sd x19, 152(\base)
    sd x20, 160(\base)
    sd x21, 168(\base)
    sd x22, 176(\base)
    sd x23, 184(\base)
    sd x24, 192(\base)
    sd x25, 200(\base)
    sd x26, 208(\base)
    sd x27, 216(\base)
    sd x28, 224(\base)
    sd x29, 232(\base)
    sd x30, 240(\base)
    sd x31, 248(\base)
.endm

# Restores every register but x2 (sp) from the frame in \base (not x2 itself).
.macro RESTORE_GPRS base
    ld x1, 8(\base)
    ld x3, 24(\base)
    ld x4, 32(\base)
    ld x5, 40(\base)
    ld x6, 48(\base)
    ld x7, 56(\base)
    ld x8, 64(\base)
    ld x9, 72(\base)
    ld x11, 88(\base)
    ld x12, 96(\base)
    ld x13, 104(\base)
    ld x14, 112(\base)
    ld x15, 120(\base)
    ld x16, 128(\base)
    ld x17, 136(\base)
    ld x18, 144(\base)
    ld x19, 152(\base)
    ld x20, 160(\base)
    ld x21, 168(\base)
    ld x22, 176(\base)
    ld x23, 184(\base)
    ld x24, 192(\base)
    ld x25, 200(\base)
    ld x26, 208(\base)
    ld x27, 216(\base)
    ld x28, 224(\base)
    ld x29, 232(\base)
    ld x30, 240(\base)
    ld x31, 248(\base)
.endm

    # Trap entry and exit and the switch run on every system call and IPC
    # round trip: linker.ld puts them first, then the HOT_PATH C code
    # (kernel/kernel.h). First, not anywhere in .text.hot: QEMU's jump cache
    # is indexed by a hash of the pc, and in some placements blocks of the
    # null-syscall path collided there, costing a hash-table lookup each
    # (null syscall +10%, 6 lookups per call instead of 2).
    #
    # Under QEMU every CSR access ends a translated block, and the next one
    # is found through the jump cache, which each address-space switch
    # empties: so the path touches as few CSRs as it can (5 on entry, 2 on
    # exit). sscratch always holds the hart frame (kernel/trap.h), so it is
    # never rewritten on the way out; the way in swaps the interrupted sp
    # back out of it with the same csrrw that reads it. stval is read by C,
    # only for the faults that need it.
    .section .text.hot.trap, "ax"
    .globl trap_entry
    .balign 4
trap_entry:
    csrrw sp, sscratch, sp          # sp = hart frame, sscratch = interrupted sp
    sd t0, 40(sp)
    # Fast path: the bare trap used by make bench as the floor for a system
    # call. Only user ecalls have scause 8.
    csrr t0, scause
    addi t0, t0, -8
    bnez t0, 2f                     # t0 = scause - 8
    li t0, BARE_TRAP
    bne a7, t0, 1f
    csrr t0, sepc
    addi t0, t0, 4
    csrw sepc, t0
    ld t0, 40(sp)
    csrrw sp, sscratch, sp
    sret
1:  li t0, 0                        # a user ecall: scause - 8 = 0
2:  addi t0, t0, 8
    sd t0, TF_SCAUSE(sp)
    csrr t0, sstatus
    sd t0, TF_SSTATUS(sp)
    andi t0, t0, SSTATUS_SPP
    bnez t0, from_kernel

    # From user mode: move everything into the process's frame (the one
    # user_return last left from), with t0 and t1 parked in the hart frame.
    sd t1, 48(sp)
    ld t1, TF_USER_FRAME(sp)
    ld t0, TF_SCAUSE(sp)
    sd t0, TF_SCAUSE(t1)
    ld t0, TF_SSTATUS(sp)
    sd t0, TF_SSTATUS(t1)
    SAVE_GPRS_EXCEPT_SP_T0_T1 t1
    ld t0, 40(sp)
    sd t0, 40(t1)
    ld t0, 48(sp)
    sd t0, 48(t1)
    csrrw t0, sscratch, sp          # t0 = user sp; sscratch = hart frame again
    sd t0, 16(t1)
    csrr t0, sepc
    sd t0, TF_SEPC(t1)
    mv a0, t1
    # call and reply_recv try the IPC fastpath first (kernel/ipc_fast.c), on
    # the hart's fastpath stack: it returns only when it does not apply.
    li t0, SYS_CALL
    beq a7, t0, 3f
    li t0, SYS_REPLY_RECV
    bne a7, t0, 4f
3:  la sp, ipc_fast_stack + IPC_FAST_STACK
    call ipc_fastpath
    la t0, hart_frame
    ld a0, TF_USER_FRAME(t0)
4:  ld sp, TF_KSP(a0)
    call user_trap                  # returns to user through user_return
1:  j 1b

from_kernel:
    # The hart frame takes the registers; the handler runs on the hart's
    # own trap stack.
    sd t1, 48(sp)
    SAVE_GPRS_EXCEPT_SP_T0_T1 sp
    csrrw t0, sscratch, sp          # t0 = interrupted sp; sscratch = hart frame
    sd t0, 16(sp)
    csrr t0, sepc
    sd t0, TF_SEPC(sp)
    mv a0, sp
    ld sp, TF_KSP(sp)
    call kernel_trap
    csrr a0, sscratch
    ld t0, TF_SEPC(a0)
    csrw sepc, t0
    ld t0, TF_SSTATUS(a0)
    csrw sstatus, t0
    RESTORE_GPRS a0
    ld sp, 16(a0)
    ld a0, 80(a0)
    sret

# void user_return(struct trapframe *tf): the C side has set tf->sepc and
# tf->sstatus (SPP = user, SPIE = 1, FS). tf becomes the hart frame's
# user_frame: where the next trap from user mode saves the registers.
    .globl user_return
user_return:
    la t0, hart_frame
    sd a0, TF_USER_FRAME(t0)
    ld t0, TF_SEPC(a0)
    csrw sepc, t0
    ld t0, TF_SSTATUS(a0)
    csrw sstatus, t0
    RESTORE_GPRS a0
    ld sp, 16(a0)
    ld a0, 80(a0)
    sret

# void swtch(struct context *from, struct context *to): save the callee-saved
# registers in *from and continue with those in *to.
    .globl swtch
swtch:
    sd ra, 0(a0)
    sd sp, 8(a0)
    sd s0, 16(a0)
    sd s1, 24(a0)
    sd s2, 32(a0)
    sd s3, 40(a0)
    sd s4, 48(a0)
    sd s5, 56(a0)
    sd s6, 64(a0)
    sd s7, 72(a0)
    sd s8, 80(a0)
    sd s9, 88(a0)
    sd s10, 96(a0)
    sd s11, 104(a0)
    ld ra, 0(a1)
    ld sp, 8(a1)
    ld s0, 16(a1)
    ld s1, 24(a1)
    ld s2, 32(a1)
    ld s3, 40(a1)
    ld s4, 48(a1)
    ld s5, 56(a1)
    ld s6, 64(a1)
    ld s7, 72(a1)
    ld s8, 80(a1)
    ld s9, 88(a1)
    ld s10, 96(a1)
    ld s11, 104(a1)
    ret
