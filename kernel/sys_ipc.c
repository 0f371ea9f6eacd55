/* kernel/sys_ipc.c: the port system calls. Each copies its argument block
 * in, checks every pointer and length, and only then acts. A destination on
 * another node goes through net/rpc.c; nothing else changes for the caller.
 * recv and a local call wait as continuations (kernel/ipc_wait.c). call and
 * reply_recv come here only when the fastpath (kernel/ipc_fast.c), which the
 * trap vector tries first, did not apply. */
#include "kernel/ipc_fast.h"
#include "kernel/ipc_wait.h"
#include "kernel/kernel.h"
#include "kernel/migrate.h"
#include "kernel/msg.h"
#include "kernel/port.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "net/net.h"
#include "net/rpc.h"

#define REMOTE_DEFAULT_TIMEOUT (10ULL * 1000000000ULL) /* sends have no timeout argument */

static int is_zero_port(const struct port_id *id) { return id->a == 0 && id->b == 0; }

/* A message holding user bytes [buf, buf+len), stamped with the sender. */
HOT_PATH static int msg_from_user(struct proc *p, uint64_t buf, uint64_t len,
                                  const struct port_id *carry, struct msg **out)
{
    if (len > MSG_MAX)
        return -EMSGSIZE;
    if (vm_check_user(&p->as, buf, len, 0))
        return -EFAULT;
    struct msg *m = msg_alloc((uint32_t)len);
    if (!m)
        return -ENOBUFS;
    if (msg_copyin_user(m, 0, &p->as, buf, (uint32_t)len)) {
        msg_free(m);
        return -EFAULT;
    }
    m->sender_pid = p->pid;
    m->sender_node = (int32_t)kernel_node_id;
    m->carried = carry ? *carry : (struct port_id){0, 0};
    m->reply_token = 0;
    m->trace_id = p->trace_id;
    m->span_id = p->span_id;
    *out = m;
    return 0;
}

SYSCALL(port_create)
{
    if (vm_check_user(&p->as, args[0], sizeof(struct port_id), 1))
        return -EFAULT;
    struct port_id id;
    int rv = port_create(p, &id);
    if (rv)
        return rv;
    return vm_copyout(&p->as, args[0], &id, sizeof id);
}

SYSCALL(port_close)
{
    struct port_id id;
    if (vm_copyin(&p->as, &id, args[0], sizeof id))
        return -EFAULT;
    return port_close(p, &id);
}

HOT_PATH SYSCALL(send)
{
    struct send_args a;
    if (vm_copyin(&p->as, &a, args[0], sizeof a))
        return -EFAULT;
    if (is_zero_port(&a.dst))
        return -EINVAL;
    if (a.flags & ~(uint64_t)SEND_DATAGRAM)
        return -EINVAL;
    struct msg *m;
    int rv = msg_from_user(p, (uint64_t)a.buf, a.len, &a.carry, &m);
    if (rv)
        return rv;
    if (!port_is_local(&a.dst)) {
        if (a.flags & SEND_DATAGRAM)
            return rpc_send_datagram(&a.dst, m);
        return rpc_send(&a.dst, m, REMOTE_DEFAULT_TIMEOUT);
    }
    rv = port_deliver(&a.dst, m);
    if (rv)
        msg_free(m);
    return rv;
}

HOT_PATH SYSCALL(recv)
{
    struct recv_args a;
    ipc_recv_args(args, &a);
    if (a.cap > MSG_MAX)
        a.cap = MSG_MAX;
    return ipc_recv(p, &a, ipc_deadline(a.timeout_ns));
}

HOT_PATH SYSCALL(call)
{
    struct call_args a;
    ipc_call_args(args, &a);
    if (is_zero_port(&a.dst) || a.timeout_ns == 0)
        return -EINVAL;
    if (a.rcap > MSG_MAX)
        a.rcap = MSG_MAX;
    if (vm_check_user(&p->as, a.rbuf, a.rcap, 1))
        return -EFAULT;
    if (__builtin_expect(p->call_left.id != 0, 0))
        return migrate_call_await(p, a.rbuf, a.rcap); /* it moved while in this call */
    struct port_id carry = {0, 0};
    if (a.carry_uva && vm_copyin(&p->as, &carry, a.carry_uva, sizeof carry))
        return -EFAULT;
    struct msg *m, *reply = 0;
    int rv = msg_from_user(p, a.buf, a.len, &carry, &m);
    if (rv)
        return rv;
    if (port_is_local(&a.dst)) {
        struct proc *server = 0;
        rv = port_call_start(p, &a.dst, m, a.rbuf, a.rcap, ipc_deadline(a.timeout_ns), &server);
        if (rv)
            return rv;
        /* Does not return: the reply reaches user mode when the wait ends.
         * Its first wait hands the CPU to the port's owner, woken by the
         * delivery: the process that can answer. */
        ipc_call_wait(p, server);
    }
    rv = rpc_call_of_process(&a.dst, m, a.timeout_ns, &reply);
    if (__builtin_expect(p->migrated, 0))
        migrate_call_ended(p, rv, rv ? 0 : reply); /* a husk: its process moved meanwhile */
    if (rv)
        return rv;
    if (reply->len > a.rcap) {
        msg_free(reply);
        return -EMSGSIZE;
    }
    msg_copyout_user(reply, &p->as, (uint64_t)a.rbuf); /* checked above */
    rv = (int)reply->len;
    msg_free(reply);
    return rv;
}

HOT_PATH SYSCALL(reply)
{
    if (args[0] == 0)
        return -EINVAL;
    struct msg *m;
    int rv = msg_from_user(p, args[1], args[2], 0, &m);
    if (rv)
        return rv;
    if (migrate_forward_reply(args[0], m, &rv))
        return rv; /* a call it took before it moved here */
    return port_reply(args[0], m);
}

/* A server's loop in one trap per request, as L4's ReplyWait and seL4's
 * ReplyRecv: answer the call received last (token; 0 when there is none,
 * e.g. the first time round) and wait for the next message. The reply's
 * bytes are checked before anything acts: a bad buffer or size fails the
 * whole call with nothing replied. A reply whose caller has gone (ENOENT)
 * is dropped silently, as a server could do nothing about it; the receive
 * goes on. */
HOT_PATH SYSCALL(reply_recv)
{
    struct recv_args a;
    ipc_reply_recv_args(args, &a);
    if (a.cap > MSG_MAX)
        a.cap = MSG_MAX;
    uint64_t deadline = ipc_deadline(a.timeout_ns);
    if (args[0]) {
        struct msg *m;
        int rv = msg_from_user(p, args[1], args[2] & 0xffffffffu, 0, &m);
        if (rv)
            return rv;
        if (!migrate_forward_reply(args[0], m, &rv))
            port_reply(args[0], m); /* takes m; ENOENT ignored (above) */
    }
    return ipc_recv(p, &a, deadline);
}

SYSCALL(bootstrap)
{
    uint64_t node = args[0];
    if (vm_check_user(&p->as, args[1], sizeof(struct port_id), 1))
        return -EFAULT;
    if (node == 0 || node > 65534)
        return -EINVAL;
    struct port_id id;
    if (node == kernel_node_id) {
        registry_port(&id);
    } else {
        /* args[2]: how long to wait for the other node, 0 for the default */
        int rv = rpc_bootstrap((uint32_t)node, &id, args[2] ? args[2] : REMOTE_DEFAULT_TIMEOUT);
        if (rv)
            return rv;
    }
    return vm_copyout(&p->as, args[1], &id, sizeof id);
}

SYSCALL(rpcstat)
{
    struct rpc_stats s = rpc_stats;
    s.local_fast = ipc_fast_count;
    return vm_copyout(&p->as, args[0], &s, sizeof s);
}
