/* drivers/plic.c: RISC-V PLIC. Layout from the PLIC spec: priorities at
 * base + 4*irq, enable bits at base + 0x2000 + 0x80*context, threshold and
 * claim/complete at base + 0x200000 + 0x1000*context. On QEMU virt each hart
 * has two contexts, M-mode (2*hart) and S-mode (2*hart + 1). */
#include "drivers/plic.h"

static uint64_t plic_base;
static uint64_t plic_ctx;

static volatile uint32_t *reg(uint64_t off) { return (volatile uint32_t *)(plic_base + off); }

void plic_init(uint64_t base, uint64_t hart)
{
    plic_base = base;
    plic_ctx = 2 * hart + 1;
    *reg(0x200000 + 0x1000 * plic_ctx) = 0; /* threshold: accept every priority > 0 */
}

void plic_enable(uint32_t irq)
{
    *reg(4 * (uint64_t)irq) = 1;
    *reg(0x2000 + 0x80 * plic_ctx + 4 * (irq / 32)) |= 1U << (irq % 32);
}

uint32_t plic_claim(void) { return *reg(0x200000 + 0x1000 * plic_ctx + 4); }

void plic_complete(uint32_t irq) { *reg(0x200000 + 0x1000 * plic_ctx + 4) = irq; }
