# Kernel entry. OpenSBI jumps here in S-mode with a0 = hart id and
# a1 = physical address of the device tree. Paging is off.
    .section .text.entry
    .globl _start
_start:
    # No interrupts until traps are set up.
    csrw sie, zero
    csrw sstatus, zero
    # Boot stack (bss is not cleared yet; the stack is in .data so it survives).
    la sp, boot_stack_top
    # Clear .bss.
    la t0, bss_start
    la t1, bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call kmain
3:  wfi
    j 3b

    .section .data
    .balign 16
    .globl boot_stack
boot_stack:
    .space 16384
    .globl boot_stack_top
boot_stack_top:
