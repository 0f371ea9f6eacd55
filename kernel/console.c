/* kernel/console.c: cooked-mode console input, as in a Unix tty: the kernel
 * echoes what is typed and edits the line, and a reader gets whole lines. */
#include "kernel/console.h"
#include "drivers/uart.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/proc.h"

#define INPUT_SIZE 4096 /* like MAX_CANON: longer lines are cut, the newline always fits */
#define CTRL(x) ((x) - '@')

static struct {
    char buf[INPUT_SIZE];
    uint64_t r; /* next byte a reader takes */
    uint64_t w; /* end of the committed (newline-terminated) lines */
    uint64_t e; /* end of the line being edited */
} in;
static int column_zero = 1;
char console_chan;

static void echo_byte(char c)
{
    if (c == '\n')
        uart_putc('\r');
    uart_putc(c);
    column_zero = (c == '\n');
}

void console_write(const char *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        echo_byte(s[i]);
}

void console_puts(const char *s)
{
    while (*s)
        echo_byte(*s++);
}

int console_at_line_start(void) { return column_zero; }

void console_input(char c)
{
    if (c == '\r')
        c = '\n';
    if (c == 0x7f || c == '\b') {
        if (in.e != in.w) {
            in.e--;
            console_puts("\b \b");
        }
        return;
    }
    if (c == CTRL('U')) {
        while (in.e != in.w && in.buf[(in.e - 1) % INPUT_SIZE] != '\n') {
            in.e--;
            console_puts("\b \b");
        }
        return;
    }
    if (in.e - in.r >= INPUT_SIZE - 1 && c != '\n')
        return; /* full: drop until the line ends (the newline always fits) */
    if (in.e - in.r >= INPUT_SIZE)
        return;
    in.buf[in.e++ % INPUT_SIZE] = c;
    echo_byte(c);
    if (c == '\n') {
        in.w = in.e;
        proc_wakeup(&console_chan);
    }
}

uint64_t console_take(char *dst, uint64_t n)
{
    uint64_t got = 0;
    while (got < n && in.r != in.w) {
        char c = in.buf[in.r++ % INPUT_SIZE];
        dst[got++] = c;
        if (c == '\n')
            break;
    }
    return got;
}

static struct port_id service_port;

/* A message to the console port: its bytes, printed as they are. */
static void console_service_handle(struct msg *m)
{
    char buf[256];
    for (uint32_t off = 0; off < m->len;) {
        uint32_t n = m->len - off < sizeof buf ? m->len - off : (uint32_t)sizeof buf;
        msg_read(m, off, buf, n);
        console_write(buf, n);
        off += n;
    }
    uint64_t token = m->reply_token;
    msg_free(m);
    if (token) { /* a call gets an empty answer once the bytes are out */
        struct msg *r = msg_alloc(0);
        if (r)
            port_reply(token, r);
    }
}

void console_service_start(void)
{
    if (port_create_kernel(console_service_handle, &service_port) != 0 ||
        registry_bind_kernel("console", &service_port) != 0)
        klog("console: cannot start the console service");
}

struct port_id console_service_port(void) { return service_port; }
