/* user/fpu.c: checks that floating-point state survives context switches.
 *
 * `fpu [N]` spawns N (default 3) workers `fpu worker K`. Each worker keeps
 * several double accumulators live in FP registers across yields and timer
 * preemptions, adding K-scaled halves and quarters: every partial sum is an
 * exact binary fraction, so the result must equal the closed form exactly.
 * Workers use different K, so a register leaked between processes shows up
 * as a mismatch. Exit 0 iff every worker matched.
 *
 * `fpu zeros` checks the other half of lazy FP: a process that has never
 * used FP starts with all FP registers and fcsr zero, even right after
 * another process filled them (`fpu dirty` sets every register to a
 * pattern and keeps yielding; `fpu fresh` only reads them). The kernel
 * shares one loaded all-zero state between such processes (kernel/sched.c,
 * fpu_prepare_return), which this guards.
 *
 * `fpu ipc` does the same accumulation in a client and in a server that
 * pass calls back and forth every 100 steps, each keeping its values in FP
 * registers across the calls: the switches are the IPC fastpath's
 * (kernel/ipc_fast.c, sched_fast_switch), not the scheduler's. */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

#define ITERS 2000000
#define YIELD_EVERY 50000
#define IPC_ITERS 200000
#define IPC_EVERY 100

/* Accumulate K-scaled values for `iters` steps, calling between() every
 * `every` steps with the accumulators live in FP registers; 0 iff the
 * sums equal their closed form exactly. */
static int accumulate(long k, long iters, long every, void (*between)(void))
{
    double a = 0, b = 0, c = 0, d = 0;
    double ka = (double)k * 0.5, kb = (double)k * 0.25, kc = (double)k * 2.0;
    for (long i = 0; i < iters; i++) {
        double x = (double)i;
        a += x * ka;
        b += x * kb;
        c -= x * kc;
        d += ka + kb;
        if (i % every == 0)
            between();
    }
    /* sum_{i<n} i = n(n-1)/2, exact in double for n <= 2000000 */
    double s = (double)iters * (double)(iters - 1) / 2.0;
    double ea = s * ka, eb = s * kb, ec = -s * kc, ed = (double)iters * (ka + kb);
    if (a != ea || b != eb || c != ec || d != ed) {
        printf(
            "fpu: worker %ld: MISMATCH a=%.17g/%.17g b=%.17g/%.17g c=%.17g/%.17g d=%.17g/%.17g\n",
            k, a, ea, b, eb, c, ec, d, ed);
        return 1;
    }
    return 0;
}

static void yield_once(void) { sys_yield(); }

static int worker(long k) { return accumulate(k, ITERS, YIELD_EVERY, yield_once); }

/* fpu ipc: the server answers each call with reply_recv; the client calls. */
static struct port_id ipc_port;
static uint64_t ipc_token;
static int ipc_failed;

static void serve_one(void)
{
    uint8_t buf[8];
    struct msg_info info = {0};
    long n = ipc_reply_recv(ipc_token, "ok", ipc_token ? 2 : 0, &ipc_port, buf, sizeof buf, &info,
                            10 * IPC_SECOND);
    if (n < 0 || !info.reply_token)
        ipc_failed = 1;
    ipc_token = info.reply_token;
}

static void call_server(void)
{
    uint8_t buf[8];
    if (ipc_call(&ipc_port, "x", 1, buf, sizeof buf, 10 * IPC_SECOND) != 2)
        ipc_failed = 1;
}

static int ipc_server(void)
{
    if (ipc_port_create(&ipc_port) || ipc_register("fpu.ipc", &ipc_port))
        return 2;
    int bad = accumulate(5, IPC_ITERS, IPC_EVERY, serve_one);
    if (ipc_reply(ipc_token, "ok", 2) != 0)
        ipc_failed = 1;
    return bad || ipc_failed;
}

static int ipc_pair(void)
{
    char *sargv[] = {"fpu", "server", NULL};
    int spid = sys_spawn("fpu", sargv), st = 1;
    int bad = spid < 0 || ipc_lookup_wait("fpu.ipc", &ipc_port, 1000) != 0 ||
              accumulate(1, IPC_ITERS, IPC_EVERY, call_server) || ipc_failed;
    if (spid > 0 && (sys_wait(spid, &st, 0) != spid || st != 0)) {
        printf("fpu: ipc server exited %d\n", st);
        bad = 1;
    }
    printf("fpu: ipc %s\n", bad ? "FAILED" : "ok");
    return bad;
}

/* Every FP register of this process, read without writing any. */
#define READ_F(i) asm volatile("fmv.x.d %0, f" #i : "=r"(regs[i]))
static void read_fregs(uint64_t regs[32])
{
    READ_F(0);
    READ_F(1);
    READ_F(2);
    READ_F(3);
    READ_F(4);
    READ_F(5);
    READ_F(6);
    READ_F(7);
    READ_F(8);
    READ_F(9);
    READ_F(10);
    READ_F(11);
    READ_F(12);
    READ_F(13);
    READ_F(14);
    READ_F(15);
    READ_F(16);
    READ_F(17);
    READ_F(18);
    READ_F(19);
    READ_F(20);
    READ_F(21);
    READ_F(22);
    READ_F(23);
    READ_F(24);
    READ_F(25);
    READ_F(26);
    READ_F(27);
    READ_F(28);
    READ_F(29);
    READ_F(30);
    READ_F(31);
}

#define SET_F(i) asm volatile("fmv.d.x f" #i ", %0" ::"r"(pattern + i))
static int dirty(void)
{
    uint64_t pattern = 0x4010000000000000ULL;
    SET_F(0);
    SET_F(1);
    SET_F(2);
    SET_F(3);
    SET_F(4);
    SET_F(5);
    SET_F(6);
    SET_F(7);
    SET_F(8);
    SET_F(9);
    SET_F(10);
    SET_F(11);
    SET_F(12);
    SET_F(13);
    SET_F(14);
    SET_F(15);
    SET_F(16);
    SET_F(17);
    SET_F(18);
    SET_F(19);
    SET_F(20);
    SET_F(21);
    SET_F(22);
    SET_F(23);
    SET_F(24);
    SET_F(25);
    SET_F(26);
    SET_F(27);
    SET_F(28);
    SET_F(29);
    SET_F(30);
    SET_F(31);
    asm volatile("fsflags %0" ::"r"(0x1f));
    for (int i = 0; i < 4000; i++)
        sys_yield(); /* its values stay in the register file between switches */
    return 0;
}

static int fresh(void)
{
    uint64_t regs[32];
    uint64_t fcsr;
    read_fregs(regs);
    asm volatile("frcsr %0" : "=r"(fcsr));
    int bad = 0;
    for (int i = 0; i < 32; i++)
        if (regs[i]) {
            printf("fpu: fresh process: f%d = %#lx, not 0\n", i, (unsigned long)regs[i]);
            bad = 1;
        }
    if (fcsr) {
        printf("fpu: fresh process: fcsr = %#lx, not 0\n", (unsigned long)fcsr);
        bad = 1;
    }
    return bad;
}

static int zeros(void)
{
    char *dargv[] = {"fpu", "dirty", NULL}, *fargv[] = {"fpu", "fresh", NULL};
    int dpid = sys_spawn("fpu", dargv);
    if (dpid < 0) {
        printf("fpu: spawn: %s\n", err_str(dpid));
        return 1;
    }
    int bad = 0;
    for (int round = 0; round < 20; round++) {
        sys_yield(); /* let the dirty one run and fill the registers */
        int pid = sys_spawn("fpu", fargv), st = 1;
        if (pid < 0 || sys_wait(pid, &st, 0) != pid || st != 0)
            bad = 1;
    }
    sys_kill(dpid, SIG_TERM);
    sys_wait(dpid, 0, 0);
    printf("fpu: zeros %s\n", bad ? "FAILED" : "ok");
    return bad;
}

int main(int argc, char **argv)
{
    long n = 3;
    if (argc == 2 && strcmp(argv[1], "zeros") == 0)
        return zeros();
    if (argc == 2 && strcmp(argv[1], "dirty") == 0)
        return dirty();
    if (argc == 2 && strcmp(argv[1], "fresh") == 0)
        return fresh();
    if (argc == 2 && strcmp(argv[1], "ipc") == 0)
        return ipc_pair();
    if (argc == 2 && strcmp(argv[1], "server") == 0)
        return ipc_server();
    if (argc == 3 && strcmp(argv[1], "worker") == 0) {
        long k;
        if (parse_long(argv[2], &k) != 0)
            return 2;
        return worker(k);
    }
    if (argc == 2 && (parse_long(argv[1], &n) != 0 || n < 1 || n > 32)) {
        fprintf(stderr, "usage: fpu [N]\n");
        return 2;
    }
    int bad = 0;
    for (long k = 1; k <= n; k++) {
        char kbuf[24];
        snprintf(kbuf, sizeof kbuf, "%ld", k + 2);
        char *wargv[] = {"fpu", "worker", kbuf, NULL};
        int pid = sys_spawn("fpu", wargv);
        if (pid < 0) {
            printf("fpu: spawn: %s\n", err_str(pid));
            bad++;
        }
    }
    /* The parent does FP work too while the workers run. */
    bad += worker(1);
    int st, pid;
    while ((pid = sys_wait(-1, &st, 0)) > 0)
        if (st != 0) {
            printf("fpu: worker pid %d exited %d\n", pid, st);
            bad++;
        }
    printf("fpu: %s\n", bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}
