/* net/rpc_caller.c: the RPC transport's caller side (net/rpc_internal.h;
 * docs/ipc.md). One operation per process (struct rpc_out, by process
 * slot), driven by the caller's own process context: send the request
 * fragments, sleep, retransmit what was not acknowledged with exponential
 * backoff, and (for a call) poll for the reply, until done or the deadline. */
#include "net/rpc_internal.h"

/* outs[slot]: each process's operation; past NPROC, calls parked there by
 * a process that moved while waiting in them (park_call). */
static struct rpc_out outs[NPROC + PARKED_MAX];
static uint64_t next_msg_id = 1;

struct rpc_out *rpc_out_find(uint32_t node, uint64_t msg_id)
{
    /* outs[] is indexed by process slot: none at or past proc_slots is
     * used, until the parked calls at NPROC. */
    for (int i = 0; i < proc_slots; i++)
        if (outs[i].state != OUT_IDLE && outs[i].msg_id == msg_id && outs[i].node == node)
            return &outs[i];
    for (int i = NPROC; i < NPROC + PARKED_MAX; i++)
        if (outs[i].state != OUT_IDLE && outs[i].msg_id == msg_id && outs[i].node == node)
            return &outs[i];
    return 0;
}

/* The process waiting in call o is to move: the call goes on in a parked
 * slot, so that the move's own requests can use the process's (they are
 * made in its context), and stays here after the move, kernel/migrate.h
 * migrate_in_call. The parked slot, or o itself if none is free (then it
 * moves once the call is over). */
static struct rpc_out *park_call(struct rpc_out *o)
{
    for (int i = NPROC; i < NPROC + PARKED_MAX; i++) {
        if (outs[i].state == OUT_IDLE) {
            outs[i] = *o;
            *o = (struct rpc_out){0};
            return &outs[i];
        }
    }
    return o;
}

int rpc_in_call(const struct proc *p)
{
    const struct rpc_out *o = &outs[p->slot];
    return o->state != OUT_IDLE && o->is_call == CALL_OF_PROCESS;
}

void rpc_on_data_ack(struct rpc_out *o, uint64_t bitmap)
{
    if (o->state == OUT_WAITING) {
        o->progress_ns = timer_now_ns(); /* the server says it is still working */
        return;
    }
    if (o->state != OUT_SENDING)
        return;
    if (bitmap & full_mask(o->nfrags) & ~o->acked)
        o->progress_ns = timer_now_ns();
    o->acked |= bitmap & full_mask(o->nfrags);
    if (o->acked == full_mask(o->nfrags))
        o->state = o->is_call ? OUT_WAITING : OUT_DONE;
    proc_wakeup(o); /* done, or room in the window for more fragments */
}

/* The final acknowledgement of a reply frees the server's copy; it need not
 * delay the caller, so it waits here until the CPU is idle or the caller's
 * next operation starts. If that next operation is a call or send to the
 * same node, its request acknowledges the reply itself (rpc_replies_superseded,
 * on the server) and the ACK is not sent at all. */
#define PENDING_ACKS 16
static struct {
    uint32_t node;
    int pid;                 /* the caller */
    uint64_t msg_id, bitmap; /* msg_id 0: free */
} pending_acks[PENDING_ACKS];
static int pending_count; /* entries in use: most of the time none, and no scan */

void rpc_flush_pending_acks(void)
{
    for (int i = 0; i < PENDING_ACKS && pending_count > 0; i++) {
        if (pending_acks[i].msg_id) {
            rpc_send_ack(pending_acks[i].node, pending_acks[i].msg_id, ACK_REPLY,
                         pending_acks[i].bitmap);
            pending_acks[i].msg_id = 0;
            pending_count--;
        }
    }
}

/* pid's next request to node will acknowledge its replies from there. Only
 * for calls and sends: they are resent until the peer has them, while a
 * lost datagram would leave the server holding the reply until it expires. */
static void forget_pending_acks(uint32_t node, int pid)
{
    for (int i = 0; i < PENDING_ACKS && pending_count > 0; i++) {
        if (pending_acks[i].msg_id && pending_acks[i].node == node && pending_acks[i].pid == pid) {
            pending_acks[i].msg_id = 0;
            pending_count--;
        }
    }
}

static void defer_reply_ack(uint32_t node, int pid, uint64_t msg_id, uint64_t bitmap)
{
    for (int i = 0; i < PENDING_ACKS; i++) {
        if (!pending_acks[i].msg_id) {
            pending_acks[i].node = node;
            pending_acks[i].pid = pid;
            pending_acks[i].msg_id = msg_id;
            pending_acks[i].bitmap = bitmap;
            pending_count++;
            return;
        }
    }
    rpc_send_ack(node, msg_id, ACK_REPLY, bitmap); /* no room: now */
}

void rpc_on_reply_fragment(struct rpc_out *o, const struct rpc_hdr *h, const uint8_t *payload)
{
    if (!o->is_call || o->state == OUT_DONE)
        return;
    if (!o->reply) {
        o->reply = msg_alloc(h->total_len);
        if (!o->reply)
            return; /* no memory now: the poll will ask again */
        o->reply_nfrags = h->frag_count;
    }
    if (h->frag_count != o->reply_nfrags || h->total_len != o->reply->len)
        return;
    if (!(o->reply_got & (1ULL << h->frag_index))) {
        o->progress_ns = timer_now_ns();
        msg_write(o->reply, (uint32_t)h->frag_index * RPC_FRAG_PAYLOAD, payload, h->payload_len);
        o->reply_got |= 1ULL << h->frag_index;
    }
    if (o->reply_got != full_mask(o->reply_nfrags)) {
        if (h->frag_index % 8 == 7)
            rpc_send_ack(o->node, o->msg_id, ACK_REPLY, o->reply_got); /* clock out more */
        return;
    }
    {
        o->reply->sender_node = (int32_t)o->node;
        o->reply->sender_pid = (int32_t)h->sender_pid;
        o->state = OUT_DONE;
        o->error = 0;
        defer_reply_ack(o->node, o->sender_pid, o->msg_id, o->reply_got);
        proc_wakeup(o);
    }
}

/* Keep up to WINDOW fragments in flight. With resend, fragments sent but
 * not acknowledged go again first (the retransmission timer fired);
 * without, only fragments never sent go out (an ACK made room). */
static void send_window(struct rpc_out *o, int resend)
{
    int in_flight = resend ? 0 : popcount(o->sent & ~o->acked);
    for (uint16_t i = 0; i < o->nfrags && in_flight < WINDOW; i++) {
        uint64_t bit = 1ULL << i;
        if ((o->acked & bit) || (!resend && (o->sent & bit)))
            continue;
        rpc_send_fragment(RPC_DATA, o->node, o->msg_id, o->is_call ? RPC_F_CALL : 0, &o->dst, o->m,
                          i, o->sender_pid);
        o->sent |= bit;
        in_flight++;
    }
}

/* Drive one operation to node to its end. Does not take m. */
static int run_op(const struct port_id *dst, uint32_t node, struct msg *m, int is_call,
                  uint64_t timeout_ns, struct msg **reply)
{
    struct proc *p = proc_current();
    if (!rpc_ready || !net_up())
        return -EHOSTUNREACH;
    if (node == 0 || node > 65534 || m->len > MSG_MAX)
        return -EINVAL;
    forget_pending_acks(node, p->pid); /* this request acknowledges them */
    rpc_flush_pending_acks();
    struct rpc_out *o = &outs[p->slot];
    *o = (struct rpc_out){.state = OUT_SENDING,
                          .is_call = is_call,
                          .msg_id = next_msg_id++,
                          .node = node,
                          .dst = *dst,
                          .m = m,
                          .nfrags = frag_count(m->len),
                          .sender_pid = p->pid};
    uint64_t now = timer_now_ns();
    uint64_t deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    uint64_t retx = RETX_FIRST_NS, last_send = now, start = now;
    /* A process's call or send to a user port: if the node says nothing
     * at all for LOCATE_AFTER_NS, the port may have moved and that node
     * died (its forwarding entry with it): look for the port elsewhere. */
    int may_locate = is_call != 1 && (dst->a & 0xffffffffu) != 0;
    int rv = 0;
    rpc_trace_sent(m, node, o->msg_id, is_call, dst, p->pid);
    send_window(o, 0);
    while (o->state != OUT_DONE) {
        now = timer_now_ns();
        if (now >= deadline) {
            rv = o->heard ? -ETIMEDOUT : -EHOSTDOWN;
            break;
        }
        /* The retransmission timer runs from the last send or the last sign
         * of progress from the peer, whichever is later: a long reply that
         * keeps arriving is not lost. */
        uint64_t base = o->progress_ns > last_send ? o->progress_ns : last_send;
        uint64_t wake = base + retx < deadline ? base + retx : deadline;
        uint64_t acked_before = o->acked;
        if (wake > now && proc_sleep(o, wake)) {
            rv = -EINTR;
            break;
        }
        if (may_locate && !o->heard && o->state != OUT_DONE &&
            timer_now_ns() - start >= LOCATE_AFTER_NS) {
            may_locate = 0;
            /* The locate's requests are made in this context: the op
             * waits in a parked slot meanwhile. Not heard from, the node
             * has run nothing of it if the port is elsewhere (a live node
             * a port left answers with a redirect), so going there is
             * safe; else the same op goes on. */
            struct rpc_out *parked = park_call(o);
            if (parked != o) {
                o = parked;
                uint32_t found = portroute_locate(dst, node);
                if (found && found != node && !o->heard && o->state != OUT_DONE) {
                    rv = portroute_redirect_error(found);
                    break;
                }
            }
        }
        if (__builtin_expect(p->migrate_to != 0, 0) && is_call == CALL_OF_PROCESS && !p->migrated &&
            o->state != OUT_DONE) {
            /* Asked to move while it waits: it goes, the call stays. */
            struct rpc_out *parked = park_call(o);
            if (parked != o) {
                o = parked;
                migrate_in_call(p, deadline);
            }
        }
        if (o->state == OUT_DONE)
            break;
        now = timer_now_ns();
        if (o->state == OUT_SENDING && o->acked != acked_before) {
            send_window(o, 0); /* progress: keep the window full */
            last_send = now;
        } else if (now >= (o->progress_ns > last_send ? o->progress_ns : last_send) + retx) {
            rpc_stats.retransmits++;
            if (o->state == OUT_SENDING)
                send_window(o, 1);
            else
                rpc_send_ack(o->node, o->msg_id, ACK_POLL, o->reply_got); /* resend what I lack */
            last_send = now;
            retx = retx * 2 > RETX_MAX_NS ? RETX_MAX_NS : retx * 2;
        }
    }
    if (o->state == OUT_DONE && rv == 0) {
        rv = o->error;
        if (rv == 0 && is_call) {
            *reply = o->reply;
            o->reply = 0;
        }
    }
    if (rv == -ETIMEDOUT || rv == -EHOSTDOWN)
        rpc_stats.call_timeouts++;
    if (is_call && !portroute_is_redirect(rv))
        rpc_trace_call_ended(o, m->trace_id, rv, timer_now_ns() - start);
    msg_free(o->reply);
    *o = (struct rpc_out){0};
    return rv;
}

#define MAX_REDIRECTS 8

/* An operation on the port dst, wherever it is now: to where this node
 * last learnt it went (else the node its id names), following the
 * redirects of nodes it left (kernel/portroute.h). Takes m. */
static int run_op_routed(const struct port_id *dst, struct msg *m, int is_call, uint64_t timeout_ns,
                         struct msg **reply)
{
    uint32_t node = portroute_node(dst);
    int rv = -ELOOP;
    for (int hop = 0; hop < MAX_REDIRECTS; hop++) {
        rv = run_op(dst, node, m, is_call, timeout_ns, reply);
        if (!portroute_is_redirect(rv))
            break;
        node = portroute_redirect_node(rv);
        portroute_hint(dst, node);
        rv = -ELOOP;
        if (node == kernel_node_id) {
            /* It came here meanwhile: the system call starts again and
             * takes the local path (kernel/trap.c: -ERESTART). */
            rv = -ERESTART;
            break;
        }
    }
    msg_free(m);
    return rv;
}

int rpc_send(const struct port_id *dst, struct msg *m, uint64_t timeout_ns)
{
    return run_op_routed(dst, m, 0, timeout_ns, 0);
}

/* A datagram: every fragment goes out once and nothing waits for the peer.
 * Its id is fresh, so the receiver's done ring still stops a duplicated
 * frame from delivering it twice. Takes m. */
int rpc_send_datagram(const struct port_id *dst, struct msg *m)
{
    uint32_t node = portroute_node(dst);
    int rv = 0;
    if (!rpc_ready || !net_up())
        rv = -EHOSTUNREACH;
    else if (node == 0 || node > 65534 || m->len > MSG_MAX)
        rv = -EINVAL;
    else {
        rpc_flush_pending_acks();
        uint64_t id = next_msg_id++;
        uint16_t n = frag_count(m->len);
        rpc_trace_sent(m, node, id, 0, dst, proc_current()->pid);
        for (uint16_t i = 0; i < n; i++)
            rpc_send_fragment(RPC_DATA, node, id, RPC_F_DGRAM, dst, m, i, proc_current()->pid);
        rpc_stats.datagrams++;
    }
    msg_free(m);
    return rv;
}

uint8_t rpc_silent[MAX_PEERS]; /* rpc_mark_silent, cleared by any valid frame */

void rpc_mark_silent(uint32_t node)
{
    if (node < MAX_PEERS)
        rpc_silent[node] = 1;
}

int rpc_node_silent(uint32_t node) { return node < MAX_PEERS && rpc_silent[node]; }

/* The boot epoch last seen in a frame from node, 0 if none yet. */
uint32_t rpc_peer_epoch(uint32_t node)
{
    return node < MAX_PEERS ? rpc_peer_replay[node].epoch : 0;
}

uint64_t rpc_kernel_check(uint32_t node)
{
    uint32_t epoch = rpc_peer_epoch(node);
    if (epoch)
        return epoch;
    uint64_t wall = rtc_now_ns();
    return wall ? RPC_CHECK_SENT_AT | (uint32_t)(wall / 1000000) : 0;
}

int rpc_call(const struct port_id *dst, struct msg *m, uint64_t timeout_ns, struct msg **reply)
{
    return run_op_routed(dst, m, 1, timeout_ns, reply);
}

int rpc_call_of_process(const struct port_id *dst, struct msg *m, uint64_t timeout_ns,
                        struct msg **reply)
{
    return run_op_routed(dst, m, CALL_OF_PROCESS, timeout_ns, reply);
}

int rpc_bootstrap(uint32_t node, struct port_id *out, uint64_t timeout_ns)
{
    struct kreq rq = {KREQ_BOOTSTRAP, 0, 0, 0};
    struct msg *reply = 0;
    int rv = kreq_call(node, &rq, 0, 0, timeout_ns, &reply);
    if (rv)
        return rv;
    if (reply->len != sizeof *out)
        rv = -EPROTO;
    else
        msg_read(reply, 0, out, sizeof *out);
    msg_free(reply);
    return rv;
}
