/* user/badptr.c: calls every pointer-taking system call with bad pointers
 * and checks that each one returns a negative error code (and that the
 * kernel survives, which the test checks afterwards).
 *
 * Cases: null; a kernel address; an unmapped user address; a buffer that
 * starts in the last mapped page of the heap and runs into the unmapped page
 * after it (straddle); and a pointer whose end wraps past 2^64 (overflow).
 * Prints `badptr: <call> <case> -> <ret>` per case; exits 0 only if every
 * case returned an error. */
#include <stdio.h>
#include <string.h>

#include "lib/inet.h"
#include "user/ulib.h"

#define KERNEL_ADDR 0x80200000UL
#define UNMAPPED_ADDR 0x2000000000UL
#define OVERFLOW_ADDR 0xfffffffffffff000UL
#define OVERFLOW_LEN 0x2000UL

static int failures, cases;

static void check(const char *call, const char *kind, long rv)
{
    cases++;
    int ok = rv < 0;
    if (!ok)
        failures++;
    printf("badptr: %s %s -> %ld%s\n", call, kind, rv, ok ? "" : "  (NOT AN ERROR)");
}

int main(void)
{
    /* Make the heap end on a page boundary: [.., end) is mapped, end is not. */
    long brk = sys_sbrk(0);
    if (brk < 0) {
        printf("badptr: sbrk: %s\n", err_str(brk));
        return 1;
    }
    uint64_t end = ((uint64_t)brk + 4095) & ~4095UL;
    if (end == (uint64_t)brk)
        end += 4096;
    long rv = sys_sbrk((long)(end - (uint64_t)brk));
    if (rv < 0) {
        printf("badptr: sbrk: %s\n", err_str(rv));
        return 1;
    }
    char *last = (char *)(end - 4096); /* the last mapped page */
    memset(last, 'x', 4096);           /* no NUL anywhere in it */

    struct {
        const char *name;
        uint64_t ptr;
    } bad[] = {
        {"null", 0},           {"kernel", KERNEL_ADDR},     {"unmapped", UNMAPPED_ADDR},
        {"straddle", end - 8}, {"overflow", OVERFLOW_ADDR},
    };
    int nbad = (int)(sizeof bad / sizeof bad[0]);

    /* A child to wait for, so wait() gets as far as writing the status. */
    char *true_argv[] = {"true", NULL};
    int child = sys_spawn("true", true_argv);
    if (child < 0)
        printf("badptr: spawn true: %s (wait cases still run)\n", err_str(child));

    for (int i = 0; i < nbad; i++) {
        const char *k = bad[i].name;
        uint64_t p = bad[i].ptr;
        int ov = strcmp(k, "overflow") == 0;
        uint64_t len = ov ? OVERFLOW_LEN : 16;

        check("read", k, syscall3(SYS_READ, 0, p, len));
        check("write", k, syscall3(SYS_WRITE, 1, p, len));

        /* spawn path: for straddle, the string "xxxx..." has no NUL before
         * the unmapped page. */
        check("spawn-path", k, syscall2(SYS_SPAWN, p, 0));

        /* spawn argv array itself: straddle puts a good first pointer in the
         * last 8 mapped bytes, so the terminating NULL is unreadable. */
        if (strcmp(k, "straddle") == 0)
            *(char **)(end - 8) = "true";
        if (p != 0) /* spawn(path, NULL) is legal: argv = {path} */
            check("spawn-argv", k, syscall2(SYS_SPAWN, "true", p));

        /* A bad element inside a good array. */
        uint64_t argv_bad[3] = {(uint64_t)(uintptr_t) "true", p, 0};
        if (strcmp(k, "straddle") == 0) {
            memset((char *)(end - 8), 'x', 8); /* undo the argv case above */
            argv_bad[1] = end - 3;             /* "xxx" then the unmapped page */
        }
        if (strcmp(k, "null") != 0) /* a NULL element just ends argv */
            check("spawn-argv-elem", k, syscall2(SYS_SPAWN, "true", argv_bad));

        uint64_t st = strcmp(k, "straddle") == 0 ? end - 2 : p;
        if (st != 0) /* wait(pid, NULL) is legal */
            check("wait-status", k, syscall3(SYS_WAIT, child > 0 ? child : -1, st, 0));

        uint64_t pl = strcmp(k, "straddle") == 0 ? end - sizeof(struct proc_info) / 2 : p;
        check("proclist", k, syscall2(SYS_PROCLIST, pl, ov ? 64 : 1));

        uint64_t mi = strcmp(k, "straddle") == 0 ? end - 8 : p;
        if (ov)
            mi = 0xfffffffffffffff8UL; /* the struct would wrap past 2^64 */
        check("meminfo", k, syscall1(SYS_MEMINFO, mi));
        check("clock_info", k, syscall1(SYS_CLOCK_INFO, mi));

        /* spawn_image: the image (64 bytes from p: the ELF header's first
         * read) and ramdisk_read's destination. */
        uint64_t im = strcmp(k, "straddle") == 0 ? end - 32 : p;
        check("spawn_image", k,
              syscall6(SYS_SPAWN_IMAGE, (long)im, ov ? OVERFLOW_LEN : 4096, (long)"x", 0, 0, 0));
        check(
            "ramdisk_read", k,
            syscall6(SYS_RAMDISK_READ, (long)"true", 0, (long)im, ov ? OVERFLOW_LEN : 4096, 0, 0));
        check("ramdisk_read-name", k, syscall6(SYS_RAMDISK_READ, (long)p, 0, (long)&bad, 8, 0, 0));

        /* netstat: a larger struct, so straddle starts further back. */
        uint64_t ns = strcmp(k, "straddle") == 0 ? end - sizeof(struct net_stats) / 2 : p;
        if (ov)
            ns = 0xfffffffffffffff8UL;
        check("netstat", k, syscall1(SYS_NETSTAT, ns));
        check("log", k, syscall2(SYS_LOG, p, ov ? 200 : len));

        /* udpecho to our own node: the buffer is checked (or the node has no
         * network and says so: -ENODEV is also an error). */
        uint64_t ub = strcmp(k, "straddle") == 0 ? end - 8 : p;
        if (ov)
            ub = 0xffffffffffffff00UL; /* with 1024 bytes: wraps, yet under the UDP maximum */
        check("udpecho", k,
              syscall6(SYS_UDPECHO, (long)inet_node_ip((uint32_t)sys_nodeid()), (long)ub,
                       ov ? 1024 : 16, 100000000L, 0, 0));
    }

    /* Reap the `true` child and anything a broken kernel let us spawn. */
    while (sys_wait(-1, NULL, 0) > 0)
        ;
    printf("badptr: %d cases, %d not rejected\n", cases, failures);
    return failures ? 1 : 0;
}
