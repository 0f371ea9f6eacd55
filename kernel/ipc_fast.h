/* kernel/ipc_fast.h: the local IPC fastpath (see kernel/ipc_fast.c).
 * Also included by kernel/trapvec.S, for the stack size. */
#ifndef KERNEL_IPC_FAST_H
#define KERNEL_IPC_FAST_H

/* Bytes of the hart's fastpath stack (in the hot data page). Its deepest
 * use is ~650 bytes: ipc_fastpath's frame, which holds the
 * message buffer, then vm_copyout, user_pa and walk. */
#define IPC_FAST_STACK 1536

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "kernel/trap.h"

/* Entered from the trap vector (kernel/trapvec.S) for SYS_CALL and
 * SYS_REPLY_RECV from user mode, on the fastpath stack, with the caller's
 * registers saved in tf. Returns, having changed nothing, when the fastpath
 * does not apply (the trap vector goes on to user_trap); otherwise it
 * completes the round trip's step and does not return. */
void ipc_fastpath(struct trapframe *tf);

/* Calls and replies the fastpath has delivered (SYS_RPCSTAT's local_fast). */
extern uint64_t ipc_fast_count;
#endif

#endif
