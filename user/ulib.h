/* user/ulib.h: what every user program includes: the raw system calls
 * (sys_*, each returning the kernel's result: >= 0 on success, -errno on
 * failure) and a few small helpers. POSIX-ish functions that picolibc itself
 * needs (read, write, sbrk, _exit) are defined in user/syscalls.c. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/errno.h"
#include "lib/syscall_abi.h"

/* One ecall: number in a7, arguments in a0..a5, result in a0. */
static inline long syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r0 asm("a0") = a0;
    register long r1 asm("a1") = a1;
    register long r2 asm("a2") = a2;
    register long r3 asm("a3") = a3;
    register long r4 asm("a4") = a4;
    register long r5 asm("a5") = a5;
    register long r7 asm("a7") = n;
    asm volatile("ecall"
                 : "+r"(r0)
                 : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
                 : "memory");
    return r0;
}
#define syscall0(n) syscall6((n), 0, 0, 0, 0, 0, 0)
#define syscall1(n, a) syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define syscall2(n, a, b) syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define syscall3(n, a, b, c) syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

__attribute__((noreturn)) void sys_exit(int status);
int sys_getpid(void);
int sys_getppid(void);
/* spawn(path, argv): argv is NULL-terminated; argv NULL means {path, NULL}.
 * The program's name is the basename of path in the ramdisk. */
int sys_spawn(const char *path, char *const argv[]);
/* spawn with the program's ELF image in memory (len bytes at elf); name is
 * what ps shows. */
int sys_spawn_image(const void *elf, size_t len, const char *name, char *const argv[]);
/* Up to len bytes of boot program `name` (the ramdisk) from offset off. */
long sys_ramdisk_read(const char *name, uint64_t off, void *buf, size_t len);
/* Move process pid (0: this one) to node; it keeps its pid. 0 or -errno. */
long sys_migrate(int pid, int node);
/* The value of key= in this node's bootargs into buf (its length), or
 * -ENOENT, -ENAMETOOLONG. */
long sys_bootarg(const char *key, char *buf, size_t cap);
/* The node's trace ring (SYS_TRACE, lib/syscall_abi.h; docs/trace.md). */
long sys_trace(int op, long a, long b, long c);
/* One event of this process's in the ring: kind (a word), attrs ("k=v ..."). */
long trace_emit(const char *kind, const char *attrs);
/* wait(pid, status, flags): pid -1 waits for any child; WAIT_NOHANG returns
 * 0 when no child has finished yet. Returns the pid reaped. */
int sys_wait(int pid, int *status, int flags);
int sys_kill(int pid, int sig);
int sys_sleep(uint64_t ns);
int sys_yield(void);
long sys_sbrk(long incr); /* old break, or -errno */
long sys_read(int fd, void *buf, size_t len);
long sys_write(int fd, const void *buf, size_t len);
uint64_t sys_clock(void);                 /* monotonic ns since boot (no trap: rdtime) */
uint64_t sys_clock_trap(void);            /* the same through SYS_CLOCK */
uint64_t sys_wallclock(void);             /* ns since 1970 (host clock), 0 if none */
long sys_wallclock_set(uint64_t true_ns); /* the true time is true_ns: the clock follows */
/* One kernel log line, "PREFIX: " and the formatted text (a service's
 * messages in the node's log). */
void ulog(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sys_clock_info(struct clock_info *out);
int sys_nodeid(void);
int sys_proclist(struct proc_info *buf, int max);
int sys_meminfo(struct mem_info *out);
int sys_setlimit(int resource, uint64_t value);
int sys_faultinject(int site, uint64_t after, uint64_t count);
long sys_calibrate(int kind, uint64_t iters);
/* Network (lib/inet.h has inet_node_ip(node) for a node's address). */
long sys_ping(uint32_t ip, int seq, uint64_t timeout_ns); /* RTT ns */
int sys_netstat(struct net_stats *out);
long sys_udpecho(uint32_t ip, const void *buf, size_t len, uint64_t timeout_ns); /* RTT ns */

/* Helpers. */
const char *err_str(long rv); /* strerror(-rv) for a negative result */
/* Parse a decimal number with an optional fraction ("0.25") into ns;
 * returns 0 on success, -EINVAL on garbage. */
int parse_seconds_ns(const char *s, uint64_t *ns);
/* Parse a (possibly negative) decimal integer; -EINVAL on garbage. */
int parse_long(const char *s, long *out);
/* The exit status of a child killed by signal sig. */
#define STATUS_SIGNALED(st) ((st) > 128 && (st) < 160)

#endif
