/* kernel/printk.c: formatted kernel output, log lines and panic. */
#include <stdarg.h>
#include "kernel/printk.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/sbi.h"
#include "kernel/timer.h"
#include "lib/fmt.h"

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_puts(buf);
}

static void vlog(const char *fmt, va_list ap)
{
    char buf[320];
    uint64_t ns = timer_now_ns();
    int n = 0;
    if (!console_at_line_start())
        buf[n++] = '\n'; /* a log line always starts at column zero */
    n += fmt_snprintf(buf + n, sizeof buf - n, "[n%lu %lu.%06lu] ", (unsigned long)kernel_node_id,
                      (unsigned long)(ns / 1000000000), (unsigned long)(ns / 1000 % 1000000));
    if (n < (int)sizeof buf - 2)
        n += fmt_vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    if (n > (int)sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    buf[n] = 0;
    console_puts(buf);
}

void klog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    asm volatile("csrc sstatus, %0" ::"r"(2UL)); /* interrupts off */
    va_start(ap, fmt);
    char buf[256];
    fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    klog("panic: %s", buf);
    klog("node stopped");
    sbi_shutdown(1);
}
