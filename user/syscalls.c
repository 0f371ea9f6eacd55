/* user/syscalls.c: the glue between picolibc and our kernel.
 *
 * Thin sys_* wrappers over ecall, the few POSIX functions picolibc calls
 * that are not about files (sbrk, _exit, getpid: read, write and the other
 * file calls are in user/posix_fs.c), and the stdin/stdout/stderr FILE
 * objects that picolibc's tinystdio expects the program to define. stdout
 * and stderr go through write(1) and write(2): on the console they are
 * line-buffered (one write per line instead of one per character), in a
 * file fully buffered; exit() flushes them and closes every file. stdin
 * reads through read(0): from the console one cooked line at a time.
 * Before main, ulib_start takes the parent's file context (working
 * directory, mount mode, redirections) out of argv (user/spawnfiles.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user/posix_fs.h"
#include "user/spawnfiles.h"
#include "user/ulib.h"

/* ---- raw system calls ---------------------------------------------------- */

void sys_exit(int status)
{
    for (;;)
        syscall1(SYS_EXIT, status);
}
int sys_getpid(void) { return (int)syscall0(SYS_GETPID); }
int sys_getppid(void) { return (int)syscall0(SYS_GETPPID); }
int sys_spawn(const char *path, char *const argv[]) { return (int)syscall2(SYS_SPAWN, path, argv); }
int sys_spawn_image(const void *elf, size_t len, const char *name, char *const argv[])
{
    return (int)syscall6(SYS_SPAWN_IMAGE, (long)elf, (long)len, (long)name, (long)argv, 0, 0);
}
long sys_ramdisk_read(const char *name, uint64_t off, void *buf, size_t len)
{
    return syscall6(SYS_RAMDISK_READ, (long)name, (long)off, (long)buf, (long)len, 0, 0);
}
int sys_wait(int pid, int *status, int flags)
{
    return (int)syscall3(SYS_WAIT, pid, status, flags);
}
int sys_kill(int pid, int sig) { return (int)syscall2(SYS_KILL, pid, sig); }
int sys_sleep(uint64_t ns) { return (int)syscall1(SYS_SLEEP, ns); }
int sys_yield(void) { return (int)syscall0(SYS_YIELD); }
long sys_sbrk(long incr) { return syscall1(SYS_SBRK, incr); }
long sys_read(int fd, void *buf, size_t len) { return syscall3(SYS_READ, fd, buf, len); }
long sys_write(int fd, const void *buf, size_t len) { return syscall3(SYS_WRITE, fd, buf, len); }
uint64_t sys_clock_trap(void) { return (uint64_t)syscall0(SYS_CLOCK); }
uint64_t sys_wallclock(void) { return (uint64_t)syscall0(SYS_WALLCLOCK); }
long sys_wallclock_set(uint64_t true_ns) { return syscall1(SYS_WALLCLOCK, true_ns); }

void ulog(const char *prefix, const char *fmt, ...)
{
    char line[200];
    int n = snprintf(line, sizeof line, "%s: ", prefix);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    syscall2(SYS_LOG, line, strlen(line));
}
int sys_clock_info(struct clock_info *out) { return (int)syscall1(SYS_CLOCK_INFO, out); }

/* clock() without a trap: the kernel lets user mode read the time CSR and
 * says how to convert it (SYS_CLOCK_INFO, asked once per process), so the
 * result is the kernel's clock to the tick. Falls back to the system call
 * when the kernel says user mode cannot read the CSR. */
uint64_t sys_clock(void)
{
    static struct clock_info ci; /* ci.hz == 0: not asked yet */
    static int trap_only;
    if (ci.hz == 0 && !trap_only) {
        if (sys_clock_info(&ci) < 0 || !ci.user_time || ci.hz == 0) {
            ci.hz = 0;
            trap_only = 1;
        }
    }
    if (trap_only)
        return sys_clock_trap();
    /* The process may move to another node between any two instructions
     * here; the kernel then rewrites ci (a new base for that node's time
     * CSR) and changes gen: base and the time read across the move would
     * not belong together, so read again (a seqlock's retry). */
    volatile struct clock_info *v = &ci;
    uint64_t now, base, hz, gen;
    do {
        gen = v->gen;
        base = v->base;
        hz = v->hz;
        __asm__ volatile("rdtime %0" : "=r"(now));
    } while (gen != v->gen);
    uint64_t t = now - base;
    return t / hz * 1000000000ULL + t % hz * 1000000000ULL / hz;
}
int sys_nodeid(void) { return (int)syscall0(SYS_NODEID); }
int sys_proclist(struct proc_info *buf, int max) { return (int)syscall2(SYS_PROCLIST, buf, max); }
int sys_meminfo(struct mem_info *out) { return (int)syscall1(SYS_MEMINFO, out); }
int sys_setlimit(int resource, uint64_t value)
{
    return (int)syscall2(SYS_SETLIMIT, resource, value);
}
int sys_faultinject(int site, uint64_t after, uint64_t count)
{
    return (int)syscall3(SYS_FAULTINJECT, site, after, count);
}
long sys_calibrate(int kind, uint64_t iters) { return syscall2(SYS_CALIBRATE, kind, iters); }
long sys_ping(uint32_t ip, int seq, uint64_t timeout_ns)
{
    return syscall3(SYS_PING, ip, seq, timeout_ns);
}
int sys_netstat(struct net_stats *out) { return (int)syscall1(SYS_NETSTAT, out); }
long sys_udpecho(uint32_t ip, const void *buf, size_t len, uint64_t timeout_ns)
{
    return syscall6(SYS_UDPECHO, ip, (long)buf, (long)len, (long)timeout_ns, 0, 0);
}

/* ---- POSIX functions picolibc needs -------------------------------------- */

/* picolibc's malloc grows its arena with sbrk and expects (void *)-1 when
 * the kernel refuses (out of memory or over the page limit). */
void *sbrk(ptrdiff_t incr)
{
    long rv = sys_sbrk(incr);
    if (rv < 0) {
        errno = (int)-rv;
        return (void *)-1;
    }
    return (void *)rv;
}

/* As POSIX, _exit closes the descriptors (each file's open reference at the
 * service is dropped) but flushes no stdio buffers. */
void _exit(int status)
{
    posix_fs_close_all();
    sys_exit(status);
}

pid_t getpid(void) { return sys_getpid(); }

/* ---- stdio --------------------------------------------------------------- */

/* out_bufs[0] is stdout (fd 1), out_bufs[1] stderr (fd 2); in .bss, so the
 * buffers cost no space in each program's file. */
struct outbuf {
    size_t len;
    int err; /* errno of the first write that failed (its bytes were dropped) */
    char data[1024];
};
static struct outbuf out_bufs[2];

static int outbuf_fd(const struct outbuf *b) { return b == &out_bufs[0] ? 1 : 2; }

/* Writes out what is buffered: 0, or -1 if a write failed (the rest is
 * dropped: there is nothing sensible to do with it). */
static int outbuf_flush(struct outbuf *b)
{
    size_t off = 0;
    int rv = 0;
    while (off < b->len) {
        ssize_t n = write(outbuf_fd(b), b->data + off, b->len - off);
        if (n <= 0) {
            if (!b->err)
                b->err = n < 0 ? errno : EIO;
            rv = -1;
            break;
        }
        off += (size_t)n;
    }
    b->len = 0;
    return rv;
}

static int outbuf_put(struct outbuf *b, char c)
{
    b->data[b->len++] = c;
    if (b->len == sizeof b->data || (c == '\n' && posix_fs_is_console(outbuf_fd(b))))
        outbuf_flush(b);
    return (unsigned char)c;
}

static int stdout_put(char c, FILE *f)
{
    (void)f;
    return outbuf_put(&out_bufs[0], c);
}
static int stderr_put(char c, FILE *f)
{
    (void)f;
    if (posix_fs_is_console(1))
        outbuf_flush(&out_bufs[0]); /* keep stdout and stderr in order on the console */
    return outbuf_put(&out_bufs[1], c);
}
static int stdout_flush(FILE *f)
{
    (void)f;
    return outbuf_flush(&out_bufs[0]);
}
static int stderr_flush(FILE *f)
{
    (void)f;
    return outbuf_flush(&out_bufs[1]);
}

/* stdin: read(0), which from the console gives one cooked line at a time. */
static char in_buf[256];
static size_t in_len, in_pos;

static int stdin_get(FILE *f)
{
    (void)f;
    if (in_pos == in_len) {
        if (posix_fs_is_console(0)) {
            outbuf_flush(&out_bufs[0]); /* a prompt must appear before we block */
            outbuf_flush(&out_bufs[1]);
        }
        ssize_t n = read(0, in_buf, sizeof in_buf);
        if (n <= 0)
            return n == 0 ? _FDEV_EOF : _FDEV_ERR;
        in_len = (size_t)n;
        in_pos = 0;
    }
    return (unsigned char)in_buf[in_pos++];
}

static FILE f_stdin = FDEV_SETUP_STREAM(NULL, stdin_get, NULL, _FDEV_SETUP_READ);
static FILE f_stdout = FDEV_SETUP_STREAM(stdout_put, NULL, stdout_flush, _FDEV_SETUP_WRITE);
static FILE f_stderr = FDEV_SETUP_STREAM(stderr_put, NULL, stderr_flush, _FDEV_SETUP_WRITE);
FILE *const stdin = &f_stdin;
FILE *const stdout = &f_stdout;
FILE *const stderr = &f_stderr;

static const char *prog_name = "?";

/* exit(): flush what is buffered, close every descriptor, then leave.
 * Replaces picolibc's exit, so no atexit machinery is pulled in. Streams a
 * program opened itself (fopen) are not known here: fclose them first. As
 * coreutils do, a program that would exit 0 although some of its standard
 * output was lost (a full or unreachable file) says so and exits 1. */
void exit(int status)
{
    outbuf_flush(&out_bufs[0]);
    if (out_bufs[0].err && status == 0) {
        fprintf(stderr, "%s: write error: %s\n", prog_name, strerror(out_bufs[0].err));
        status = 1;
    }
    outbuf_flush(&out_bufs[1]);
    posix_fs_close_all();
    sys_exit(status);
}

/* Called by crt0 with the arguments the kernel set up; main sees them
 * without the parent's hidden file-context argument. */
int main(int argc, char **argv);
void ulib_start(int argc, char **argv)
{
    spawn_files_accept(&argc, &argv);
    if (argc > 0)
        prog_name = argv[0];
    exit(main(argc, argv));
}

/* ---- helpers ------------------------------------------------------------- */

const char *err_str(long rv) { return strerror((int)(rv < 0 ? -rv : rv)); }

int parse_long(const char *s, long *out)
{
    char *end;
    if (!s || !*s)
        return -EINVAL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno)
        return -EINVAL;
    *out = v;
    return 0;
}

int parse_seconds_ns(const char *s, uint64_t *ns)
{
    uint64_t whole = 0, frac = 0, scale = 1000000000ULL;
    const char *p = s;
    if (!p || !*p)
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > 1000000000ULL) /* ~31 years is plenty */
            return -EINVAL;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale > 1) {
                scale /= 10;
                frac += (uint64_t)(*p - '0') * scale;
            }
        }
    }
    if (*p || p == s)
        return -EINVAL;
    *ns = whole * 1000000000ULL + frac;
    return 0;
}

long sys_migrate(int pid, int node) { return syscall6(SYS_MIGRATE, pid, node, 0, 0, 0, 0); }
long sys_bootarg(const char *key, char *buf, size_t cap)
{
    return syscall6(SYS_BOOTARG, (long)key, (long)buf, (long)cap, 0, 0, 0);
}

long sys_trace(int op, long a, long b, long c) { return syscall6(SYS_TRACE, op, a, b, c, 0, 0); }

long trace_emit(const char *kind, const char *attrs)
{
    return sys_trace(TRACE_EMIT, (long)kind, (long)attrs, 0);
}
