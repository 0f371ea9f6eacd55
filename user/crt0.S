/* user/crt0.S: program entry. The kernel starts us at _start with
 * a0 = argc, a1 = argv (on the user stack), sp 16-byte aligned, and every
 * page (so .bss too) zeroed. We set gp (linker relaxation) and tp (picolibc
 * keeps errno in thread-local storage; our one thread's TLS block is the
 * .tdata/.tbss image in the data segment), then hand over to C. */
    .section .text.init.enter, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la tp, __tls_base
    li ra, 0            /* end of the call chain for debuggers */
    call ulib_start     /* never returns: calls exit(main(argc, argv)) */
1:  j 1b

/* Always have a TLS block, so the PT_TLS header never sits at address 0
 * (the kernel's loader need not know what PT_TLS is, but nothing in our
 * ELF files points below USER_BASE). */
    .section .tdata.ulib, "awT", @progbits
    .balign 8
    .dword 0

/* Likewise always have read-only data, so the R segment is never empty
 * (an empty PT_LOAD would get address 0). */
    .section .rodata.ulib, "a", @progbits
    .globl ulib_abi_tag
ulib_abi_tag:
    .asciz "ulib"
