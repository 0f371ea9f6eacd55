/* kernel/riscv.h: CSR access and the bits of the privileged spec we use. */
#ifndef KERNEL_RISCV_H
#define KERNEL_RISCV_H

#include <stdint.h>

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        asm volatile("csrr %0, " #csr : "=r"(v_));                                                 \
        v_;                                                                                        \
    })
#define csr_write(csr, val) asm volatile("csrw " #csr ", %0" ::"r"((uint64_t)(val)))
#define csr_set(csr, val) asm volatile("csrs " #csr ", %0" ::"r"((uint64_t)(val)))
#define csr_clear(csr, val) asm volatile("csrc " #csr ", %0" ::"r"((uint64_t)(val)))

/* sstatus */
#define SSTATUS_SIE (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8)
#define SSTATUS_FS_SHIFT 13
#define SSTATUS_FS (3UL << 13)
#define FS_OFF 0UL
#define FS_INITIAL 1UL
#define FS_CLEAN 2UL
#define FS_DIRTY 3UL
#define SSTATUS_SUM (1UL << 18)

/* sie / sip */
#define SIE_SSIE (1UL << 1)
#define SIE_STIE (1UL << 5)
#define SCOUNTEREN_TM (1UL << 1) /* user mode may read the time CSR */
#define SIE_SEIE (1UL << 9)

/* scause */
#define SCAUSE_INTR (1UL << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define EXC_INSN_MISALIGNED 0
#define EXC_INSN_ACCESS 1
#define EXC_ILLEGAL 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_INSN_PAGE 12
#define EXC_LOAD_PAGE 13
#define EXC_STORE_PAGE 15

static inline void intr_on(void) { csr_set(sstatus, SSTATUS_SIE); }
static inline void intr_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static inline uint64_t rdtime(void) { return csr_read(time); }
static inline void sfence_vma_all(void) { asm volatile("sfence.vma zero, zero" ::: "memory"); }
static inline void sfence_vma_addr(uint64_t va)
{
    asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}
static inline void wfi(void) { asm volatile("wfi"); }

#endif
