/* drivers/uart.h: the ns16550a UART that carries each node's console. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdint.h>

/* Set up the UART at `base` (from the device tree): 8N1, FIFOs on,
 * receive interrupts on. Output is polled; input arrives by interrupt. */
void uart_init(uint64_t base);
/* Write one byte, waiting for room in the transmit holding register. */
void uart_putc(char c);
/* Read one received byte, or -1 when none is waiting. */
int uart_getc(void);
/* Interrupt handler: hands every received byte to console_input(). */
void uart_intr(void);

#endif
