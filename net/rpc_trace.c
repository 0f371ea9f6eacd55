/* net/rpc_trace.c: the transport's trace events (kernel/trace.h,
 * docs/trace.md). A message's span id is made from its key (sending node,
 * its boot epoch, the message id), which both ends know, so the header
 * need carry only the trace id and the sender's Lamport time. */
#include "kernel/latency.h"
#include "kernel/trace.h"
#include "net/rpc_internal.h"

void rpc_trace_sent(struct msg *m, uint32_t node, uint64_t msg_id, int is_call,
                    const struct port_id *dst, int pid)
{
    if (!m->trace_id)
        m->trace_id = trace_new_id(); /* a message outside any trace starts one */
    struct trace_record *r = trace_add("send");
    r->pid = (uint32_t)pid;
    r->trace_id = m->trace_id;
    r->span_id = trace_span_of(kernel_node_id, rpc_epoch, msg_id);
    r->parent_id = m->span_id;
    r->peer = node;
    r->key_node = kernel_node_id;
    r->key_epoch = rpc_epoch;
    r->msg_id = msg_id;
    r->call = is_call != 0;
    r->port = (uint32_t)(dst->a & 0xffffffffu);
}

void rpc_trace_delivered(const struct rpc_in *e, struct msg *m)
{
    m->trace_id = e->trace_id;
    m->span_id = trace_span_of(e->node, e->epoch, e->msg_id);
    struct trace_record *r = trace_add("recv");
    r->pid = 0; /* queued at the port: which process takes it is not known yet */
    r->trace_id = m->trace_id;
    r->span_id = m->span_id;
    r->peer = e->node;
    r->key_node = e->node;
    r->key_epoch = e->epoch;
    r->msg_id = e->msg_id;
    r->call = e->is_call != 0;
    r->port = (uint32_t)(e->dst.a & 0xffffffffu);
}

void rpc_trace_replied(const struct rpc_in *e)
{
    struct trace_record *r = trace_add("reply_send");
    r->pid = (uint32_t)e->server_pid;
    r->trace_id = e->trace_id;
    r->span_id = trace_span_of(e->node, e->epoch, e->msg_id);
    r->peer = e->node;
    r->key_node = e->node;
    r->key_epoch = e->epoch;
    r->msg_id = e->msg_id;
    r->call = 1;
    r->latency_ns = timer_now_ns() - e->arrived_ns;
    latency_record(&e->dst, 1, r->latency_ns);
}

void rpc_trace_call_ended(const struct rpc_out *o, uint64_t trace_id, int error,
                          uint64_t latency_ns)
{
    struct trace_record *r = trace_add(error ? "call_fail" : "reply_recv");
    r->pid = (uint32_t)o->sender_pid;
    r->trace_id = trace_id;
    r->span_id = trace_span_of(kernel_node_id, rpc_epoch, o->msg_id);
    r->peer = o->node;
    r->key_node = kernel_node_id;
    r->key_epoch = rpc_epoch;
    r->msg_id = o->msg_id;
    r->call = 1;
    r->error = error;
    r->latency_ns = latency_ns;
    if (!error)
        latency_record(&o->dst, 0, latency_ns);
}
