/* kernel/trace.h: the node's trace events and Lamport clock (docs/trace.md).
 *
 * A bounded ring of struct trace_record (lib/syscall_abi.h): remote messages
 * sent and received, replies sent and received with their latency, failed
 * calls, the boot, and events that processes emit (SYS_TRACE: Raft role
 * and term changes, elections, commits...). When full, the oldest event
 * goes and is counted. Read with SYS_TRACE (user/trace.c prints it).
 *
 * The Lamport clock: every event ticks it; every frame sent carries it
 * (the RPC header's lamport field); every valid frame received raises it
 * to at least the frame's. So an event that causally precedes another
 * anywhere in the cluster has a smaller Lamport time. */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include <stdint.h>

#include "lib/syscall_abi.h"

#define TRACE_RING 2048

/* The boot event (after the RPC transport has its epoch). */
void trace_init(void);
/* A new event of this kind ("send", "recv", ...): seq, Lamport time (ticked)
 * and wall-clock time filled, the rest zero, for the caller to fill. */
struct trace_record *trace_add(const char *kind);
/* A process event: kind, p's pid and trace context, peer node, and
 * key=value words (fmt_snprintf's format). */
struct proc;
void trace_proc_event(const char *kind, const struct proc *p, uint32_t peer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The Lamport time for a frame about to go out (not ticked). */
uint64_t trace_lamport_now(void);
/* A valid frame came with Lamport time l. */
void trace_lamport_seen(uint64_t l);
/* The span id of the message (node, epoch, msg_id): the same on both ends. */
uint64_t trace_span_of(uint32_t node, uint32_t epoch, uint64_t msg_id);
/* A fresh random trace or span id (never 0). */
uint64_t trace_new_id(void);

#endif
