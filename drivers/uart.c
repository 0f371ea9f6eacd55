/* drivers/uart.c: ns16550a driver. Transmission polls the line status
 * register (QEMU's UART drains instantly); reception is interrupt driven. */
#include "drivers/uart.h"
#include "kernel/console.h"

#define RHR 0 /* receive holding (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1 /* interrupt enable */
#define FCR 2 /* FIFO control (write) */
#define LCR 3 /* line control */
#define LSR 5 /* line status */
#define IER_RX 0x01
#define FCR_ENABLE_CLEAR 0x07
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define LSR_RX_READY 0x01
#define LSR_TX_IDLE 0x20

static volatile uint8_t *uart_regs;

static inline uint8_t reg_read(int r) { return uart_regs[r]; }
static inline void reg_write(int r, uint8_t v) { uart_regs[r] = v; }

void uart_init(uint64_t base)
{
    uart_regs = (volatile uint8_t *)base;
    reg_write(IER, 0);
    reg_write(LCR, LCR_DLAB); /* divisor latch: 38400 baud (ignored by QEMU) */
    reg_write(0, 3);
    reg_write(1, 0);
    reg_write(LCR, LCR_8N1);
    reg_write(FCR, FCR_ENABLE_CLEAR);
    reg_write(IER, IER_RX);
}

void uart_putc(char c)
{
    if (!uart_regs)
        return;
    while ((reg_read(LSR) & LSR_TX_IDLE) == 0)
        ;
    reg_write(THR, (uint8_t)c);
}

int uart_getc(void)
{
    if (uart_regs && (reg_read(LSR) & LSR_RX_READY))
        return reg_read(RHR);
    return -1;
}

void uart_intr(void)
{
    int c;
    while ((c = uart_getc()) >= 0)
        console_input((char)c);
}
