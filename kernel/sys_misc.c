/* kernel/sys_misc.c: console I/O, time, node identity, and the test and
 * measurement hooks. */
#include "drivers/rtc.h"
#include "kernel/console.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/riscv.h"
#include "kernel/syscall.h"
#include "kernel/timer.h"
#include "lib/bootargs.h"
#include "lib/rpcwire.h"
#include "net/rpc.h"

/* Output of a process started from another node: a message to that node's
 * console port, sent before write returns, so everything it printed is
 * there before its exit is reported. A console node that does not take it
 * within CONSOLE_SEND_TIMEOUT_NS fails the write: a program must not hang
 * on its output because the node it prints to died. */
#define CONSOLE_SEND_TIMEOUT_NS (5 * 1000000000ULL)
static int64_t console_port_write(struct proc *p, uint64_t ubuf, uint64_t len)
{
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < 4096 ? len - done : 4096;
        struct msg *m = msg_alloc((uint32_t)n);
        if (!m)
            return done ? (int64_t)done : -ENOBUFS;
        if (msg_copyin_user(m, 0, &p->as, ubuf + done, (uint32_t)n)) {
            msg_free(m);
            return done ? (int64_t)done : -EFAULT;
        }
        m->sender_pid = p->pid;
        m->sender_node = (int32_t)kernel_node_id;
        m->carried = (struct port_id){0, 0};
        m->reply_token = 0;
        int rv = PORT_NODE(p->console) == kernel_node_id
                     ? port_deliver(&p->console, m)
                     : rpc_send(&p->console, m, CONSOLE_SEND_TIMEOUT_NS);
        if (rv) {
            if (PORT_NODE(p->console) == kernel_node_id)
                msg_free(m);
            return done ? (int64_t)done : rv;
        }
        done += n;
    }
    return (int64_t)len;
}

static int has_remote_console(const struct proc *p) { return p->console.a || p->console.b; }

SYSCALL(read)
{
    int fd = (int)args[0];
    uint64_t ubuf = args[1], len = args[2];
    if (fd != 0)
        return -EBADF;
    if (len == 0 || has_remote_console(p))
        return 0; /* its console is on another node: no input reaches it here */
    if (vm_check_user(&p->as, ubuf, len, 1))
        return -EFAULT;
    char buf[256];
    if (len > sizeof buf)
        len = sizeof buf;
    uint64_t n;
    while ((n = console_take(buf, len)) == 0)
        if (proc_sleep(&console_chan, 0))
            return -EINTR;
    if (vm_copyout(&p->as, ubuf, buf, n))
        return -EFAULT;
    return (int64_t)n;
}

SYSCALL(write)
{
    int fd = (int)args[0];
    uint64_t ubuf = args[1], len = args[2];
    if (fd != 1 && fd != 2)
        return -EBADF;
    if (vm_check_user(&p->as, ubuf, len, 0))
        return -EFAULT;
    if (has_remote_console(p))
        return console_port_write(p, ubuf, len);
    char buf[256];
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof buf ? len - done : sizeof buf;
        if (vm_copyin(&p->as, buf, ubuf + done, n))
            return -EFAULT;
        console_write(buf, n);
        done += n;
    }
    return (int64_t)len;
}

/* A service's log line goes out like the kernel's own ("[nK time] text"), so
 * it always starts at column zero and tools can tell logs from a program's
 * output (tools/clusterlib.py keeps them out of `exec` results). Bytes that
 * are not printable become '?'; at most LOG_TEXT_MAX bytes are kept. */
#define LOG_TEXT_MAX 200
SYSCALL(log)
{
    uint64_t ubuf = args[0], len = args[1];
    char text[LOG_TEXT_MAX + 1];
    if (len > LOG_TEXT_MAX)
        len = LOG_TEXT_MAX;
    if (vm_copyin(&p->as, text, ubuf, len))
        return -EFAULT;
    for (uint64_t i = 0; i < len; i++)
        if (text[i] < 0x20 || text[i] > 0x7e)
            text[i] = '?';
    text[len] = 0;
    klog("%s", text);
    return 0;
}

/* A process that moved sees its first node's clock go on: each node's
 * clock counts from its own boot, so the move records the difference
 * (clock_shift_ns, kernel/migrate.c). */
HOT_PATH SYSCALL(clock) { return (int64_t)(timer_now_ns() + (uint64_t)p->clock_shift_ns); }

/* What user code needs to read clock() without a trap (lib/syscall_abi.h).
 * The kernel remembers where the process keeps it: after a move the new
 * node rewrites it there, with the base shifted by the clocks' difference,
 * so the process's clock() goes on without a jump (kernel/migrate.c). */
SYSCALL(clock_info)
{
    struct clock_info ci;
    proc_clock_info(p, &ci);
    int rv = vm_copyout(&p->as, args[0], &ci, sizeof ci);
    if (rv == 0)
        p->clock_uva = args[0];
    return rv;
}

/* The wall clock (drivers/rtc.c), for times that must mean the same on
 * every node, such as a file's mtime; 0 when the node has none. */
/* wallclock(0): read. wallclock(ns): set the true time (drivers/rtc.h
 * rtc_set), for a process of this node's own console (the cluster tool's
 * `date -s` as it starts a node) or a service; EPERM for anyone else. */
SYSCALL(wallclock)
{
    if (args[0]) {
        if ((p->console.a || p->console.b) && !p->service)
            return -EPERM;
        rtc_set(args[0]);
    }
    return (int64_t)rtc_now_ns();
}

SYSCALL(nodeid) { return (int64_t)kernel_node_id; }

/* One key of the node's bootargs, for user programs: the scheduler's
 * labels= and taints= (docs/sched.md). */
SYSCALL(bootarg)
{
    char key[32], value[FDT_BOOTARGS_MAX];
    int rv = vm_copyin_str(&p->as, key, args[0], sizeof key);
    if (rv < 0)
        return rv;
    if (bootargs_get(boot_fdt.bootargs, key, value, sizeof value) != 0)
        return -ENOENT;
    uint64_t len = strlen(value);
    if (len + 1 > args[2])
        return -ENAMETOOLONG;
    rv = vm_copyout(&p->as, args[1], value, len + 1);
    return rv ? rv : (int64_t)len;
}

SYSCALL(meminfo)
{
    struct mem_info mi;
    memset(&mi, 0, sizeof mi);
    mi.total_pages = kalloc_total_pages();
    mi.free_pages = kalloc_free_pages();
    mi.heap_bytes_used = kalloc_heap_used();
    for (int i = 0; i < proc_slots; i++)
        if (proc_table[i] && proc_table[i]->state != P_FREE)
            mi.nprocs++;
    mi.alloc_failures = kalloc_failures();
    return vm_copyout(&p->as, args[0], &mi, sizeof mi);
}

SYSCALL(faultinject) { return kalloc_fault_inject((int)args[0], args[1], args[2]); }

/* calibrate(kind, iters): time a kernel-internal operation for make bench. */
SYSCALL(calibrate)
{
    uint64_t iters = args[1];
    if (iters == 0 || iters > 1000000)
        return -EINVAL;
    uint64_t satp = csr_read(satp);
    uint64_t t0 = timer_now_ns();
    switch (args[0]) {
    case CAL_SATP_SWITCH:
        for (uint64_t i = 0; i < iters; i++) {
            csr_write(satp, satp);
            sfence_vma_all();
        }
        break;
    case CAL_NOP:
        for (uint64_t i = 0; i < iters; i++)
            asm volatile("" ::: "memory");
        break;
    case CAL_MAC: {
        /* What net/rpc.c does for each header-only frame it sends: the
         * transport's own encoder, with a prepared key. */
        static const uint8_t key[RPC_KEY_LEN] = {1};
        struct rpcwire_key k;
        rpcwire_key_init(&k, key);
        struct rpc_hdr h = {.type = RPC_DATA, .src_node = 1, .dst_node = 2, .frag_count = 1};
        uint8_t frame[RPC_HDR_LEN + RPC_MAC_LEN];
        t0 = timer_now_ns();
        for (uint64_t i = 0; i < iters; i++) {
            h.seq = (uint32_t)i;
            if (rpcwire_encode_k(frame, sizeof frame, &h, 0, &k) != sizeof frame)
                return -EINVAL;
        }
        break;
    }
    default:
        return -EINVAL;
    }
    return (int64_t)(timer_now_ns() - t0);
}
