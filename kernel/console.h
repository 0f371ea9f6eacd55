/* kernel/console.h: the node's console: a line discipline over the UART. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdint.h>
#include "lib/syscall_abi.h"

/* Feed one received byte: echo, backspace/DEL editing, Ctrl-U kills the
 * line; a newline makes the line readable and wakes readers. */
void console_input(char c);
/* Write n bytes of program or kernel output ('\n' becomes "\r\n"). */
void console_write(const char *s, uint64_t n);
void console_puts(const char *s);
/* Whether the last byte written ended a line (so a log line can start clean). */
int console_at_line_start(void);
/* Copy up to n bytes of the next complete input line into dst (kernel
 * memory). Returns the count, or 0 when no complete line is waiting. */
uint64_t console_take(char *dst, uint64_t n);
/* The console service: a kernel-served port whose messages are printed on
 * this node's console (registered as "console"); processes started here
 * for another node write to that node's one. */
void console_service_start(void);
struct port_id console_service_port(void);
/* Channel that readers sleep on until a line arrives. */
extern char console_chan;

#endif
