/* net/rpc_trace.c: the transport's trace events (kernel/trace.h,
 * docs/trace.md). A message's span id is made from its key (sending node,
 * its boot epoch, the message id), which both ends know, so the header
 * need carry only the trace id and the sender's Lamport time. */
#include "kernel/latency.h"
#include "kernel/trace.h"
#include "net/rpc_internal.h"

/* An event about the message keyed (node, epoch, msg_id), exchanged with
 * peer: its trace and its span (made from the key). */
static struct trace_record *message_event(const char *kind, uint64_t trace_id, uint32_t peer,
                                          uint32_t node, uint32_t epoch, uint64_t msg_id, int call)
{
    struct trace_record *r = trace_add(kind);
    r->trace_id = trace_id;
    r->span_id = trace_span_of(node, epoch, msg_id);
    r->peer = peer;
    r->key_node = node;
    r->key_epoch = epoch;
    r->msg_id = msg_id;
    r->call = call != 0;
    return r;
}

void rpc_trace_sent(struct msg *m, uint32_t node, uint64_t msg_id, int is_call,
                    const struct port_id *dst, int pid)
{
    if (!m->trace_id)
        m->trace_id = trace_new_id(); /* a message outside any trace starts one */
    struct trace_record *r =
        message_event("send", m->trace_id, node, kernel_node_id, rpc_epoch, msg_id, is_call);
    r->pid = (uint32_t)pid;
    r->parent_id = m->span_id;
    r->port = (uint32_t)(dst->a & 0xffffffffu);
}

void rpc_trace_delivered(const struct rpc_in *e, struct msg *m)
{
    m->trace_id = e->trace_id;
    m->span_id = trace_span_of(e->node, e->epoch, e->msg_id);
    /* pid 0: queued at the port, which process takes it is not known yet */
    struct trace_record *r =
        message_event("recv", e->trace_id, e->node, e->node, e->epoch, e->msg_id, e->is_call);
    r->port = (uint32_t)(e->dst.a & 0xffffffffu);
}

void rpc_trace_replied(const struct rpc_in *e)
{
    struct trace_record *r =
        message_event("reply_send", e->trace_id, e->node, e->node, e->epoch, e->msg_id, 1);
    r->pid = (uint32_t)e->server_pid;
    r->latency_ns = timer_now_ns() - e->arrived_ns;
    latency_record(&e->dst, 1, r->latency_ns);
}

void rpc_trace_call_ended(const struct rpc_out *o, uint64_t trace_id, int error,
                          uint64_t latency_ns)
{
    struct trace_record *r = message_event(error ? "call_fail" : "reply_recv", trace_id, o->node,
                                           kernel_node_id, rpc_epoch, o->msg_id, 1);
    r->pid = (uint32_t)o->sender_pid;
    r->error = error;
    r->latency_ns = latency_ns;
    if (!error)
        latency_record(&o->dst, 0, latency_ns);
}
