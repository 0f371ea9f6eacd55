/* drivers/plic.h: the platform-level interrupt controller (external IRQs). */
#ifndef DRIVERS_PLIC_H
#define DRIVERS_PLIC_H

#include <stdint.h>

/* Set up the PLIC at `base` for hart `hart`'s supervisor context. */
void plic_init(uint64_t base, uint64_t hart);
/* Route interrupt source `irq` to this hart's S-mode context, priority 1. */
void plic_enable(uint32_t irq);
/* Claim the highest-priority pending source (0 if none) ... */
uint32_t plic_claim(void);
/* ... and tell the PLIC it has been served. */
void plic_complete(uint32_t irq);

#endif
