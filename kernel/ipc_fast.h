/* kernel/ipc_fast.h: the local IPC fastpath (see kernel/ipc_fast.c). */
#ifndef KERNEL_IPC_FAST_H
#define KERNEL_IPC_FAST_H

#include "kernel/trap.h"

/* Bytes of the hart's fastpath stack (in the hot data page). */
#define IPC_FAST_STACK 1024

/* Entered from the trap vector (kernel/trapvec.S) for SYS_CALL and
 * SYS_REPLY_RECV from user mode, on the fastpath stack, with the caller's
 * registers saved in tf. Returns, having changed nothing, when the fastpath
 * does not apply (the trap vector goes on to user_trap); otherwise it
 * completes the round trip's step and does not return. */
void ipc_fastpath(struct trapframe *tf);

/* Calls and replies the fastpath has delivered (SYS_RPCSTAT's local_fast). */
extern uint64_t ipc_fast_count;

#endif
