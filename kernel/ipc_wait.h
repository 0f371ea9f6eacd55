/* kernel/ipc_wait.h: how a process waits in recv and in a local call.
 *
 * Both waits are continuations, as in Mach and seL4: the waiting process
 * keeps nothing on its kernel stack. Its arguments are in struct proc (the
 * recv arguments in p->ipc, the call's reply buffer in p->call), and when
 * it is woken it starts afresh at a resume function that finishes the
 * system call. That is what lets the fastpath (kernel/ipc_fast.c) complete
 * a waiting process's recv or call for it and return it straight to user
 * mode, without ever running on its kernel stack. Every other wakeup (a
 * message queued by the slow path, a reply, a timeout, a kill, a closed
 * port) goes through the resume function, which does what the blocking
 * loop used to do. */
#ifndef KERNEL_IPC_WAIT_H
#define KERNEL_IPC_WAIT_H

#include <stdint.h>
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "kernel/trap.h"
#include "lib/syscall_abi.h"

/* The absolute deadline of a timeout starting at `now`: 0 for
 * TIMEOUT_NEVER (and for 0, which callers treat as "do not wait"). */
static inline uint64_t ipc_deadline_at(uint64_t timeout_ns, uint64_t now)
{
    return timeout_ns == TIMEOUT_NEVER || timeout_ns == 0 ? 0 : now + timeout_ns;
}
/* The same from the present (the clock is read only when needed). */
static inline uint64_t ipc_deadline(uint64_t timeout_ns)
{
    if (timeout_ns == TIMEOUT_NEVER || timeout_ns == 0)
        return 0;
    return ipc_deadline_at(timeout_ns, timer_now_ns());
}

/* call's arguments (they arrive in registers: lib/syscall_abi.h). */
struct call_args {
    struct port_id dst;
    uint64_t buf, len;
    uint64_t rbuf, rcap;
    uint64_t timeout_ns;
    uint64_t carry_uva; /* a struct port_id to hand over, or 0 */
};

/* The arguments of call, recv and reply_recv's receive, from the system
 * call's registers (args = a0...a6). */
static inline void ipc_call_args(const uint64_t *args, struct call_args *a)
{
    *a = (struct call_args){.dst = {args[0], args[1]},
                            .buf = args[2],
                            .len = args[3] & 0xffffffffu,
                            .rcap = args[3] >> 32,
                            .rbuf = args[4],
                            .timeout_ns = args[5],
                            .carry_uva = args[6]};
}
static inline void ipc_recv_args(const uint64_t *args, struct recv_args *a)
{
    *a = (struct recv_args){
        .port = {args[0], args[1]}, .buf = args[2], .cap = args[3], .timeout_ns = args[4]};
}
static inline void ipc_reply_recv_args(const uint64_t *args, struct recv_args *a)
{
    *a = (struct recv_args){
        .port = {args[3], args[4]}, .buf = args[5], .cap = args[2] >> 32, .timeout_ns = args[6]};
}

/* The details of a received message in the receiver's registers a1-a5
 * (lib/syscall_abi.h, after IPC_SIZES). */
static inline void ipc_recv_regs(struct trapframe *tf, uint64_t len, uint64_t token, int32_t pid,
                                 int32_t node, struct port_id carried)
{
    tf->regs[REG_A1] = len;
    tf->regs[REG_A2] = token;
    tf->regs[REG_A3] = (uint32_t)pid | (uint64_t)(uint32_t)node << 32;
    tf->regs[REG_A4] = carried.a;
    tf->regs[REG_A5] = carried.b;
}

/* recv for p with its arguments checked (a->cap clipped), waiting until
 * deadline. Returns the result (length or error) if it can
 * without waiting; otherwise p waits and this does not return: the system
 * call's result reaches user mode when p resumes. */
int64_t ipc_recv(struct proc *p, const struct recv_args *a, uint64_t deadline);

/* The caller's side of a local call started with port_call_start: the
 * result if it is in, else wait for it (handing the CPU to `to` first, if
 * runnable), the deadline or a kill. Does not return: the result is the
 * system call's return value. */
void ipc_call_wait(struct proc *p, struct proc *to) __attribute__((noreturn));

/* Where the two waits resume (for the fastpath's own switch). */
void ipc_recv_resume(void) __attribute__((noreturn));
void ipc_call_resume(void) __attribute__((noreturn));

#endif
