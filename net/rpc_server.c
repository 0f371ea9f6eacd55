/* net/rpc_server.c: the RPC transport's server side (net/rpc_internal.h;
 * docs/ipc.md). An incoming message is reassembled in a struct rpc_in, in
 * interrupt context, and delivered to its local port; a call's entry then
 * waits for the server's reply and keeps it until the caller acknowledges
 * all of it. Message ids of finished operations stay in a ring, so a late
 * duplicate is never executed twice (at most once). */
#include "net/rpc_internal.h"

static struct rpc_in ins[RPC_IN_MAX];
static struct done_id done_ring[DONE_RING];
static uint32_t done_next;

static struct port_id kernel_port(struct rpc_port p) { return (struct port_id){p.a, p.b}; }

static struct rpc_in *in_find(uint32_t node, uint32_t epoch, uint64_t msg_id)
{
    for (int i = 0; i < RPC_IN_MAX; i++)
        if (ins[i].state != IN_FREE && ins[i].node == node && ins[i].epoch == epoch &&
            ins[i].msg_id == msg_id)
            return &ins[i];
    return 0;
}

static struct done_id *done_find(uint32_t node, uint32_t epoch, uint64_t msg_id)
{
    for (int i = 0; i < DONE_RING; i++)
        if (done_ring[i].msg_id == msg_id && done_ring[i].node == node &&
            done_ring[i].epoch == epoch)
            return &done_ring[i];
    return 0;
}

/* Retire an incoming entry, remembering its outcome for late duplicates. */
static void in_finish(struct rpc_in *e, int status)
{
    done_ring[done_next++ % DONE_RING] =
        (struct done_id){.node = e->node, .epoch = e->epoch, .msg_id = e->msg_id, .status = status};
    msg_free(e->m);
    msg_free(e->reply);
    *e = (struct rpc_in){0};
}

static struct rpc_in *in_alloc(void)
{
    uint64_t now = timer_now_ns();
    for (int i = 0; i < RPC_IN_MAX; i++)
        if (ins[i].state == IN_FREE)
            return &ins[i];
    /* Full: give up on an assembly that has stalled (its sender will retry),
     * or drop a reply its caller stopped asking for (it gave up or its node
     * died); the id stays in the done ring, so nothing runs twice. */
    for (int i = 0; i < RPC_IN_MAX; i++) {
        uint64_t stale = ins[i].dgram ? DGRAM_STALE_NS : ASSEMBLY_STALE_NS;
        if (ins[i].state == IN_ASSEMBLING && now - ins[i].touched_ns > stale) {
            msg_free(ins[i].m);
            ins[i] = (struct rpc_in){0};
            return &ins[i];
        }
        if (ins[i].state == IN_REPLIED && now - ins[i].touched_ns > REPLY_KEEP_NS) {
            in_finish(&ins[i], 0);
            return &ins[i];
        }
    }
    return 0;
}

/* Keep up to a window of reply fragments in flight: the caller's
 * acknowledgements (every 8th fragment) clock out new ones; its polls
 * (resend) ask again for what it lacks. */
static void push_reply(struct rpc_in *e, uint64_t have, int resend)
{
    uint16_t n = frag_count(e->reply->len);
    int in_flight = resend ? 0 : popcount(e->reply_sent & ~have);
    for (uint16_t i = 0; i < n && in_flight < WINDOW; i++) {
        uint64_t bit = 1ULL << i;
        if ((have & bit) || (!resend && (e->reply_sent & bit)))
            continue;
        rpc_send_fragment(RPC_REPLY, e->node, e->msg_id, 0, 0, e->reply, i, e->server_pid);
        e->reply_sent |= bit;
        in_flight++;
    }
}

/* Whether a kernel request with this check field (rpc_kernel_check) may
 * have been meant for an earlier boot of this node: it names another boot,
 * or, sent before its caller had heard from us, it was sent before this
 * boot began (its first transmission may have reached the previous one).
 * Both clocks are the host's wall clock (goldfish RTC); without one the
 * send time means nothing here and such requests are accepted. */
static int kernel_request_stale(uint64_t check)
{
    if (check == 0)
        return 0;
    if (check & RPC_CHECK_SENT_AT)
        return rpc_epoch_from_wall && (int32_t)((uint32_t)check - rpc_epoch) < 0;
    return check != rpc_epoch;
}

/* A complete request: hand it to its port. */
static void in_deliver(struct rpc_in *e)
{
    struct msg *m = e->m;
    e->m = 0;
    m->sender_pid = e->sender_pid;
    m->sender_node = (int32_t)e->node;
    m->carried = e->carried;
    m->reply_token = 0;
    rpc_trace_delivered(e, m);
    if ((e->dst.a & 0xffffffffu) == 0 && e->dgram) { /* the kernel takes calls only */
        msg_free(m);
        in_finish(e, -EINVAL);
        return;
    }
    if ((e->dst.a & 0xffffffffu) == 0 && kernel_request_stale(e->dst.b)) {
        /* A kernel request meant for an earlier boot of this node: a
         * retransmission that may already have run there. Refusing it is
         * what keeps spawn and kill at most once across a restart. */
        msg_free(m);
        rpc_stats.stale_kernel++;
        rpc_send_nack(e->node, e->msg_id, -ECONNRESET);
        in_finish(e, -ECONNRESET);
        return;
    }
    if ((e->dst.a & 0xffffffffu) == 0) {
        /* Slot 0 is this node's kernel itself (kernel/kreq.c). */
        int error = 0;
        struct msg *r = e->is_call ? kreq_serve(m, e->node, &error) : 0;
        if (!e->is_call) {
            msg_free(m);
            error = -EINVAL;
        }
        if (!r) {
            rpc_send_nack(e->node, e->msg_id, error);
            in_finish(e, error);
            return;
        }
        e->state = IN_QUEUED;
        rpc_send_ack(e->node, e->msg_id, ACK_DATA, full_mask(e->nfrags));
        e->reply = r;
        e->state = IN_REPLIED;
        rpc_trace_replied(e);
        push_reply(e, 0, 0);
        return;
    }
    if (e->is_call) {
        e->token = port_token_make(TOKEN_KIND_REMOTE, (uint32_t)(e - ins));
        m->reply_token = e->token;
    }
    e->state = IN_QUEUED; /* before delivery: a kernel port may reply at once */
    int rv = port_deliver(&e->dst, m);
    if (rv == -ECONNREFUSED && portroute_forward(&e->dst)) {
        /* The port moved on with its owner: tell the sender where (it was
         * not delivered here, so sending it there runs it once). */
        rv = portroute_redirect_error(portroute_forward(&e->dst));
        rpc_stats.redirects++;
    }
    if (rv) {
        msg_free(m);
        if (!e->dgram)
            rpc_send_nack(e->node, e->msg_id, rv);
        in_finish(e, rv);
        return;
    }
    rpc_stats.delivered++;
    if (e->state == IN_FREE)
        return; /* already answered and finished */
    if (!e->is_call) {
        if (!e->dgram)
            rpc_send_ack(e->node, e->msg_id, ACK_DATA, full_mask(e->nfrags));
        in_finish(e, 0);
    } else if (e->state == IN_QUEUED && e->nfrags > 1) {
        /* A long request: say it all arrived, so the caller stops resending.
         * A one-fragment call needs no ACK: the reply is the answer, and a
         * slow server's caller learns "still working" from its poll. */
        rpc_send_ack(e->node, e->msg_id, ACK_DATA, full_mask(e->nfrags));
    }
}

/* A new message from a caller process acknowledges every reply this node
 * still keeps for that process: a process runs one operation at a time
 * (struct rpc_out), so by the time it sends anything new it has the whole
 * reply to its last call, or has given up on it. Matched on the sender's
 * node, epoch and pid, for earlier msg ids (one counter per epoch, so
 * increasing). The ids stay in the done ring: a late duplicate of the old
 * request is still acknowledged, never run again. This spares the caller's
 * final ACK of each reply (docs/ipc.md), half the frames of a small call. */
void rpc_replies_superseded(const struct rpc_hdr *h)
{
    if (h->sender_pid == 0)
        return;
    for (int i = 0; i < RPC_IN_MAX; i++) {
        struct rpc_in *e = &ins[i];
        if (e->state == IN_REPLIED && e->node == h->src_node && e->epoch == h->src_epoch &&
            e->sender_pid == (int)h->sender_pid && e->msg_id < h->msg_id)
            in_finish(e, 0);
    }
}

/* The highest msg id seen in a DATA frame from each peer, in its current
 * epoch. A peer draws its ids from one increasing counter per epoch, so a
 * higher id is a message never seen before: neither assembling (ins[]) nor
 * finished (done ring), and the two scans (the done ring is 512 entries:
 * about as many instructions as a MAC under TCG) can be skipped. */
static struct {
    uint32_t epoch;
    uint64_t top;
} peer_ids[MAX_PEERS];

/* Whether h's message is newer than any seen from its sender; notes it. */
static int data_is_new(const struct rpc_hdr *h)
{
    if (peer_ids[h->src_node].epoch != h->src_epoch) {
        peer_ids[h->src_node].epoch = h->src_epoch;
        peer_ids[h->src_node].top = 0;
    }
    if (h->msg_id <= peer_ids[h->src_node].top)
        return 0;
    peer_ids[h->src_node].top = h->msg_id;
    return 1;
}

void rpc_on_data(const struct rpc_hdr *h, const uint8_t *payload)
{
    int fresh = data_is_new(h);
    struct rpc_in *e = fresh ? 0 : in_find(h->src_node, h->src_epoch, h->msg_id);
    if (!e) {
        struct done_id *d = fresh ? 0 : done_find(h->src_node, h->src_epoch, h->msg_id);
        if (d) { /* a late duplicate of something finished: never run twice */
            rpc_stats.duplicates++;
            if (h->flags & RPC_F_DGRAM)
                return;
            if (d->status)
                rpc_send_nack(h->src_node, h->msg_id, d->status);
            else
                rpc_send_ack(h->src_node, h->msg_id, ACK_DATA, full_mask(h->frag_count));
            return;
        }
        rpc_replies_superseded(h);
        e = in_alloc();
        struct msg *m = e ? msg_alloc(h->total_len) : 0;
        if (!m) {
            rpc_stats.no_buffers++;
            if (!(h->flags & RPC_F_DGRAM))
                rpc_send_nack(h->src_node, h->msg_id, -EAGAIN); /* busy: the caller may retry */
            return;
        }
        *e = (struct rpc_in){.state = IN_ASSEMBLING,
                             .is_call = (h->flags & RPC_F_CALL) != 0,
                             .dgram = (h->flags & RPC_F_DGRAM) != 0,
                             .node = h->src_node,
                             .epoch = h->src_epoch,
                             .msg_id = h->msg_id,
                             .dst = kernel_port(h->dst_port),
                             .carried = kernel_port(h->carried),
                             .sender_pid = (int)h->sender_pid,
                             .m = m,
                             .nfrags = h->frag_count,
                             .trace_id = h->trace_id,
                             .arrived_ns = timer_now_ns()};
    }
    e->touched_ns = timer_now_ns();
    if (e->state != IN_ASSEMBLING) { /* the sender missed our ACK */
        rpc_stats.duplicates++;
        if (e->dgram)
            return;
        rpc_send_ack(e->node, e->msg_id, ACK_DATA, full_mask(e->nfrags));
        return;
    }
    if (h->frag_count != e->nfrags || h->total_len != e->m->len) {
        rpc_stats.bad_frames++;
        return;
    }
    if (!(e->got & (1ULL << h->frag_index))) {
        msg_write(e->m, (uint32_t)h->frag_index * RPC_FRAG_PAYLOAD, payload, h->payload_len);
        e->got |= 1ULL << h->frag_index;
    }
    if (e->got == full_mask(e->nfrags))
        in_deliver(e);
    else if (!e->dgram && (h->frag_index == e->nfrags - 1 || h->frag_index % 8 == 7))
        rpc_send_ack(e->node, e->msg_id, ACK_DATA, e->got);
}

/* The caller acknowledges reply fragments, or (poll) asks for the reply. */
void rpc_on_reply_ack(const struct rpc_hdr *h, uint64_t have, int poll)
{
    struct rpc_in *e = in_find(h->src_node, h->src_epoch, h->msg_id);
    if (!e) {
        struct done_id *d = done_find(h->src_node, h->src_epoch, h->msg_id);
        if (!d) /* we lost it (restarted?): tell the caller instead of letting it wait */
            rpc_send_nack(h->src_node, h->msg_id, -ECONNRESET);
        else if (d->status)
            rpc_send_nack(h->src_node, h->msg_id, d->status);
        return;
    }
    e->touched_ns = timer_now_ns();
    if (e->state == IN_QUEUED) {
        rpc_send_ack(e->node, e->msg_id, ACK_DATA, full_mask(e->nfrags)); /* still working */
    } else if (e->state == IN_REPLIED) {
        if (have == full_mask(frag_count(e->reply->len)))
            in_finish(e, 0);
        else
            push_reply(e, have, poll);
    }
}

int rpc_reply(uint64_t token, struct msg *m)
{
    uint32_t i = port_token_index(token);
    struct rpc_in *e = i < RPC_IN_MAX ? &ins[i] : 0;
    if (!e || e->state != IN_QUEUED || e->token != token) {
        msg_free(m);
        return -ENOENT;
    }
    if (m->len > MSG_MAX) {
        msg_free(m);
        return -EMSGSIZE;
    }
    e->reply = m;
    e->state = IN_REPLIED;
    e->touched_ns = timer_now_ns();
    rpc_trace_replied(e);
    push_reply(e, 0, 0);
    return 0;
}

void rpc_fail_request(uint64_t token, int error)
{
    uint32_t i = port_token_index(token);
    if (i < RPC_IN_MAX && ins[i].state == IN_QUEUED && ins[i].token == token) {
        if (portroute_is_redirect(error))
            rpc_stats.redirects++; /* its port moved on while it waited (kernel/migrate.c) */
        rpc_send_nack(ins[i].node, ins[i].msg_id, error);
        in_finish(&ins[i], error);
    }
}

void rpc_request_taken(uint64_t token, int server_pid)
{
    uint32_t i = port_token_index(token);
    if (i < RPC_IN_MAX && ins[i].token == token)
        ins[i].server_pid = server_pid;
}

int rpc_taken_by(int pid, uint64_t *tokens, int max)
{
    int n = 0;
    for (int i = 0; i < RPC_IN_MAX; i++) {
        if (ins[i].state != IN_QUEUED || !ins[i].is_call || ins[i].server_pid != pid)
            continue;
        if (n == max)
            return -EBUSY;
        tokens[n++] = ins[i].token;
    }
    return n;
}

void rpc_server_exited(int pid)
{
    for (int i = 0; i < RPC_IN_MAX; i++)
        if (ins[i].state == IN_QUEUED && ins[i].server_pid == pid)
            rpc_fail_request(ins[i].token, -ECONNRESET);
}

/* A peer came back with a new epoch: what it asked before is moot. */
void rpc_peer_restarted(uint32_t node, uint32_t epoch)
{
    for (int i = 0; i < RPC_IN_MAX; i++)
        if (ins[i].state != IN_FREE && ins[i].node == node && ins[i].epoch != epoch) {
            msg_free(ins[i].m);
            msg_free(ins[i].reply);
            ins[i] = (struct rpc_in){0};
        }
}
