/* kernel/ipc_fast.c: the local IPC fastpath, as seL4's.
 *
 * The common case of a local round trip: a client calls a port whose owner
 * is waiting in recv on it, and the server answers with reply_recv while
 * the client waits for that answer. Both waits are continuations
 * (kernel/ipc_wait.h), so the kernel can finish the waiting process's
 * system call itself (copy the message into its buffer, set its return
 * value) and return it straight to user mode from the sender's system
 * call: no message is allocated or queued, no wakeup scans the process
 * table, and the waiting process's kernel stack is never touched. The
 * sender blocks as a continuation in turn.
 *
 * Why it matters here: under QEMU each address-space switch empties the
 * soft TLB and the jump cache, so after it every page touched costs a
 * refill and every block entered other than by a chained jump costs a
 * hash lookup (docs/ipc.md, "The local fast path"). The fastpath touches
 * the two processes, the port and the hot pages, in one function.
 *
 * Anything unusual takes the ordinary path, which gives the same result:
 * a message too big for the fastpath's buffer, a receiver not waiting (or
 * woken already, killed, or with a smaller buffer), messages queued ahead,
 * a bad user buffer, a remote token, the end of the time slice. The checks
 * come first; nothing changes before they have all passed. */
#include "kernel/ipc_fast.h"
#include "kernel/ipc_wait.h"
#include "kernel/kernel.h"
#include "kernel/port.h"
#include "kernel/proc.h"

/* The trap vector compares a7 with these numbers. */
_Static_assert(SYS_CALL == 31 && SYS_REPLY_RECV == 39, "kernel/trapvec.S");

/* Bytes the fastpath carries: they pass through a buffer on its stack. */
#define FAST_MAX 256

/* The fastpath's stack: it keeps nothing there once it switches, so one
 * per hart will do, and in the hot data page it costs no TLB refill. */
uint64_t ipc_fast_stack[IPC_FAST_STACK / 8] HOT_DATA __attribute__((aligned(16)));
uint64_t ipc_fast_count HOT_DATA;

/* Copy len bytes from one process's user memory to another's: 0, or
 * -EFAULT with nothing written (vm_copyout checks its whole range first). */
FAST_PATH static int copy_between(const struct addrspace *to, uint64_t to_uva,
                                  const struct addrspace *from, uint64_t from_uva, uint64_t len)
{
    uint8_t body[FAST_MAX];
    if (len == 0)
        return 0;
    if (vm_copyin(from, body, from_uva, len))
        return -EFAULT;
    return vm_copyout(to, to_uva, body, len);
}

/* A local call (arguments checked) straight into its
 * server's waiting recv. */
FAST_PATH static void fast_call(struct proc *p, const struct call_args *a, uint64_t now)
{
    if (a->len > FAST_MAX || p->killed || sched_slice_over())
        return;
    struct port *pt = port_lookup(&a->dst);
    if (!pt || pt->head || !pt->owner)
        return;
    struct proc *s = pt->owner;
    if (s->ipc.kind != IPC_WAIT_RECV || s->state != P_SLEEPING || s->chan != pt || s->killed ||
        a->len > s->ipc.recv.cap)
        return;
    if (copy_between(&s->as, s->ipc.recv.buf, &p->as, a->buf, a->len))
        return; /* the ordinary path reports whose buffer is bad */

    /* Committed: the server has the bytes. Now the call record and the
     * server's result, as port_call_start and port_take would leave them. */
    uint64_t deadline = ipc_deadline_at(a->timeout_ns, now);
    struct caller *c = &p->call;
    port_caller_begin(c, (uint32_t)p->slot, s->pid, a->rbuf, a->rcap, deadline);
    s->ipc.kind = IPC_WAIT_NONE;
    s->trace_id = p->trace_id; /* the server works for the caller's trace */
    s->span_id = p->span_id;
    s->tf->regs[REG_A0] = a->len;
    /* (A call carrying a port takes the ordinary path.) */
    ipc_recv_regs(s->tf, a->len, c->token, p->pid, (int32_t)kernel_node_id, (struct port_id){0, 0});
    p->tf->sepc += 4;
    p->ipc.kind = IPC_WAIT_CALL;
    ipc_fast_count++;
    sched_fast_switch(c, deadline, ipc_call_resume, s, now);
}

/* reply_recv's reply (token, user bytes [buf, buf+len)) straight into its
 * waiting caller, and the server's wait for the next message (recv
 * arguments checked). */
FAST_PATH static void fast_reply_recv(struct proc *s, uint64_t token, uint64_t buf, uint64_t len,
                                      const struct recv_args *a)
{
    if (len > FAST_MAX || a->timeout_ns == 0 || s->killed || sched_slice_over() ||
        port_token_kind(token) != TOKEN_KIND_LOCAL)
        return;
    uint32_t i = port_token_index(token);
    struct proc *cp = i < NPROC ? proc_table[i] : 0;
    if (!cp || cp->call.token != token || cp->call.state != CALL_WAITING ||
        cp->ipc.kind != IPC_WAIT_CALL || cp->state != P_SLEEPING || cp->killed ||
        len > cp->call.rcap)
        return;
    struct port *pt = port_lookup(&a->port);
    if (!pt || pt->owner != s || pt->head)
        return;
    if (copy_between(&cp->as, cp->call.rbuf, &s->as, buf, len))
        return;

    /* Committed: the caller has its reply. */
    uint64_t now = timer_now_ns();
    port_caller_end(&cp->call);
    cp->ipc.kind = IPC_WAIT_NONE;
    cp->tf->regs[REG_A0] = len;
    s->tf->sepc += 4;
    s->ipc.recv = *a;
    s->ipc.deadline = ipc_deadline_at(a->timeout_ns, now);
    s->ipc.kind = IPC_WAIT_RECV;
    ipc_fast_count++;
    sched_fast_switch(pt, s->ipc.deadline, ipc_recv_resume, cp, now);
}

/* The argument checks are sys_call's and sys_reply_recv's (kernel/sys_ipc.c);
 * any that fails leaves the call to them, to report. The arguments are in
 * registers (lib/syscall_abi.h): nothing of the caller's memory is read. */
FAST_PATH void ipc_fastpath(struct trapframe *tf)
{
    struct proc *p = proc_current();
    const uint64_t *args = &tf->regs[REG_A0];
    p->restart_a0 = args[0]; /* as user_trap does: a call restarted by a move (migrate.c) */
    if (tf->regs[REG_A7] == SYS_CALL) {
        struct call_args a;
        ipc_call_args(args, &a);
        /* call_left: a call restarted after a move waits for the result of
         * the one it made before (kernel/migrate_call.c), in sys_call. */
        if (PORT_NODE(a.dst) != kernel_node_id || a.timeout_ns == 0 || a.carry_uva ||
            p->call_left.id)
            return;
        if (a.rcap > MSG_MAX)
            a.rcap = MSG_MAX;
        if (!vm_user_range_cached(&p->as, a.rbuf, a.rcap, 1) &&
            vm_check_user(&p->as, a.rbuf, a.rcap, 1))
            return;
        fast_call(p, &a, timer_now_ns());
    } else if (args[0]) {
        struct recv_args a;
        ipc_reply_recv_args(args, &a);
        if (a.cap > MSG_MAX)
            a.cap = MSG_MAX;
        fast_reply_recv(p, args[0], args[1], args[2] & 0xffffffffu, &a);
    }
}
