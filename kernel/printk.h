/* kernel/printk.h: kernel output. Every log line carries the node id and the
 * time since boot: "[n2 12.345678] text". */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdint.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the cause and stop this node. For broken kernel invariants only,
 * never for bad input. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
