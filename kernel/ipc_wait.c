/* kernel/ipc_wait.c: recv and the local call's wait, as continuations
 * (see kernel/ipc_wait.h). */
#include "kernel/ipc_wait.h"
#include "kernel/kernel.h"
#include "kernel/migrate.h"
#include "kernel/msg.h"
#include "kernel/port.h"
#include "kernel/proc.h"
#include "kernel/timer.h"

/* Finish the system call of p (the current process) with rv. */
HOT_PATH __attribute__((noreturn)) static void finish(struct proc *p, int64_t rv)
{
    if (__builtin_expect(rv == -ERESTART, 0)) {
        /* To be run again after a move (kernel/migrate.h): the ecall
         * again, with its first argument as restart_a0 says. */
        p->tf->sepc -= 4;
        p->tf->regs[REG_A0] = p->restart_a0;
        p->migrate_restarted = 1;
    } else {
        p->tf->regs[REG_A0] = (uint64_t)rv;
    }
    sched_return_to_user(p);
}

HOT_PATH int64_t ipc_recv(struct proc *p, const struct recv_args *a, uint64_t deadline)
{
    struct msg *m = 0;
    uint64_t len = 0;
    void *chan = 0;
    int rv = port_take(p, &a->port, (uint64_t)a->buf, a->cap, &m, &len, &chan);
    if (rv == -EAGAIN && a->timeout_ns != 0) {
        if (deadline && timer_now_ns() >= deadline) {
            /* Waited in vain (a server's timer tick): what it does next is
             * its own, not the last message's (kernel/trace.h). */
            p->trace_id = p->span_id = 0;
            return -ETIMEDOUT;
        }
        if (p->killed)
            return -EINTR;
        if (p->migrate_to) {
            /* Moving: receive again there. reply_recv has replied already:
             * its restart replies to nobody (token 0). */
            if (p->tf->regs[REG_A7] == SYS_REPLY_RECV)
                p->restart_a0 = 0;
            return -ERESTART;
        }
        if (&p->ipc.recv != a)
            p->ipc.recv = *a;
        p->ipc.deadline = deadline;
        p->ipc.kind = IPC_WAIT_RECV;
        /* To the caller it answered last, if any (a handoff: kernel/sched.c). */
        proc_block(chan, deadline, port_replied_caller(p), ipc_recv_resume);
    }
    if (rv == -EMSGSIZE)
        ipc_recv_regs(p->tf, len, 0, 0, 0, (struct port_id){0, 0});
    if (rv)
        return rv;
    /* port_take checked the buffer for this message: the copy cannot fail. */
    msg_copyout_user(m, &p->as, (uint64_t)a->buf);
    p->trace_id = m->trace_id; /* it works for the message's trace now */
    p->span_id = m->span_id;
    ipc_recv_regs(p->tf, m->len, m->reply_token, m->sender_pid, m->sender_node, m->carried);
    rv = (int)m->len;
    msg_free(m);
    return rv;
}

HOT_PATH void ipc_recv_resume(void)
{
    struct proc *p = proc_current();
    p->ipc.kind = IPC_WAIT_NONE;
    finish(p, ipc_recv(p, &p->ipc.recv, p->ipc.deadline));
}

/* The result of p's finished call: the reply's length (the reply copied to
 * the caller's buffer) or the error it ended with. */
HOT_PATH static int64_t call_result(struct proc *p)
{
    struct caller *c = &p->call;
    if (c->error)
        return c->error;
    struct msg *r = c->reply;
    int64_t rv = r->len;
    if (r->len > c->rcap)
        rv = -EMSGSIZE;
    else
        msg_copyout_user(r, &p->as, c->rbuf); /* checked at the call */
    msg_free(r);
    c->reply = 0;
    return rv;
}

HOT_PATH void ipc_call_wait(struct proc *p, struct proc *to)
{
    struct caller *c = &p->call;
    int64_t rv;
    if (c->state == CALL_DONE) {
        if (__builtin_expect(p->migrated, 0)) {
            /* A husk: the result goes to where the process is now. */
            struct msg *r = c->error ? 0 : c->reply;
            rv = c->error;
            c->reply = 0;
            port_caller_end(c);
            migrate_call_ended(p, (int)rv, r);
        }
        rv = call_result(p);
    } else if (c->deadline && timer_now_ns() >= c->deadline) {
        rv = -ETIMEDOUT;
    } else if (p->killed) {
        rv = -EINTR;
    } else if (__builtin_expect(p->migrate_to != 0, 0) && !p->migrated) {
        /* Asked to move while it waits: it goes, the call stays
         * (kernel/migrate.h), or it stays. Either way, look again: the
         * reply may have come meanwhile. */
        migrate_in_call(p, c->deadline);
        ipc_call_wait(p, 0);
    } else {
        /* A husk waits in a kind of its own: the fastpath, which writes
         * the reply into the caller's memory, leaves it alone. */
        p->ipc.kind = p->migrated ? IPC_WAIT_CALL_MOVED : IPC_WAIT_CALL;
        proc_block(c, c->deadline, to, ipc_call_resume);
    }
    port_caller_end(c);
    if (__builtin_expect(p->migrated, 0))
        migrate_call_ended(p, (int)rv, 0);
    finish(p, rv);
}

/* Resumed by anything but the fastpath: a reply, a failure, the timeout, a
 * kill. No handoff now: the server may have exited. */
HOT_PATH void ipc_call_resume(void)
{
    struct proc *p = proc_current();
    p->ipc.kind = IPC_WAIT_NONE;
    ipc_call_wait(p, 0);
}
