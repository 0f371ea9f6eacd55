/* kernel/migrate.c: moving a process to another node: the request, and
 * the source's side (kernel/migrate.h; the protocol and its failure
 * handling are in docs/migration.md). The target's side is
 * kernel/migrate_in.c; answers to calls taken before a move,
 * kernel/migrate_proxy.c.
 *
 * The source runs in the moving process's own context, at its safe point;
 * the target serves the requests in interrupt context (kernel/kreq.c) and
 * never sleeps. Exactly one copy of the process ever runs:
 *   - until COMMIT is answered, the process exists only on the source, and
 *     any failure before (a refusal, a timeout, the target's death) lets it
 *     go on there;
 *   - COMMIT makes it run on the target; if its answer is lost, the source
 *     does not know which side has it, so it asks the target (STATUS) until
 *     it gets an answer, keeping the process frozen meanwhile. STATUS also
 *     abandons a transfer the target has not committed, so a late COMMIT
 *     cannot start a second copy after the source was told "not here". A
 *     target that restarted answers "not here" (it is a new boot: its old
 *     copy died with the old one). Once the source knows, it says so
 *     (STATUS with FORGET) and the target forgets the transfer.
 * A process's ports move with it (ship_queues, hand_over_ports): their
 * one-way messages are shipped in order, calls not yet taken are sent
 * again by their callers to the new node, and the calls it has taken are
 * answered through this node (kernel/migrate_proxy.c). */
#include "kernel/trace.h"
#include "kernel/migrate.h"
#include "kernel/migrate_int.h"
#include "kernel/console.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/pidroute.h"
#include "kernel/portroute.h"
#include "net/rpc.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "lib/migwire.h"

#define MIG_CALL_NS 5000000000ULL     /* one request's timeout */
#define MIG_WAIT_NS 60000000000ULL    /* how long migrate() waits for another process's move */
#define STATUS_RETRY_NS 1000000000ULL /* between STATUS questions when COMMIT's answer is lost */
/* Pre-copy (docs/migration.md): processes of at least PRECOPY_MIN_PAGES
 * that are running are copied while they run, PRECOPY_STEP requests (of
 * 15 pages) at each return to user mode, with PRECOPY_RUN_NS of running in
 * between; frozen when a round sends at most FREEZE_PAGES, or no fewer
 * than the one before, or after MAX_ROUNDS. A step is time the process
 * does not run: one request (a few ms) keeps its longest gap, its
 * downtime as it sees it, under 20 ms; more per step made the total
 * shorter and that gap longer (4 requests: 25-49 ms). */
#define PRECOPY_MIN_PAGES 256
#define PRECOPY_STEP 1
#define PRECOPY_RUN_NS 5000000ULL
#define FREEZE_PAGES 16
#define MAX_ROUNDS 12

/* Someone waiting in migrate() for another process's move. */
struct mig_wait {
    int used, done, result;
};
static struct mig_wait waits[8];

/* ---- the source ------------------------------------------------------------ */

/* Can p move now? (What is not movable yet: kernel/migrate.h.) */
static int movable(struct proc *p)
{
    /* A process waiting for the result of a call it was frozen in stays
     * until it has it (the result is sent here: kernel/migrate_call.c). */
    if (p->service || p->call_left.id || port_owned_count(p) > MIG_PORTS_MAX)
        return -EBUSY;
    return 0;
}

int migrate_request(struct proc *caller, int pid, uint32_t node)
{
    int nowait = (node & MIGRATE_NOWAIT) != 0;
    node &= ~(uint32_t)MIGRATE_NOWAIT;
    if (node < 1 || node > kernel_nodes)
        return -EINVAL;
    struct proc *q = pid == 0 || pid == caller->pid ? caller : proc_find(pid);
    if (!q || q->state == P_ZOMBIE)
        return -ESRCH;
    /* Who may move whom (no users yet: the privileges work adds them):
     * itself, its children, its siblings (a shell's `migrate` moves the
     * shell's other children), and a service any process of its node. */
    if (q != caller && q->parent != caller && !(caller->parent && q->parent == caller->parent) &&
        !caller->service)
        return -EPERM;
    if (node == kernel_node_id)
        return -EALREADY;
    if (q->migrate_to)
        return -EBUSY; /* already on its way */
    int rv = movable(q);
    if (rv)
        return rv;
    if (q == caller) {
        /* On the way out of this call; its outcome replaces this 0. */
        q->migrate_to = node;
        q->migrate_self = 1;
        return 0;
    }
    struct mig_wait *w = 0;
    for (int i = 0; i < (int)ARRAY_LEN(waits) && !w && !nowait; i++)
        if (!waits[i].used)
            w = &waits[i];
    if (!w && !nowait)
        return -EAGAIN;
    if (w)
        *w = (struct mig_wait){1, 0, 0};
    q->migrate_to = node;
    q->migrate_self = 0;
    q->migrate_wait = w; /* NULL (MIGRATE_NOWAIT): nobody hears the outcome */
    if (q->state == P_SLEEPING && (q->restartable || q->ipc.kind == IPC_WAIT_RECV ||
                                   q->ipc.kind == IPC_WAIT_CALL || rpc_in_call(q))) {
        /* Out of its sleep or wait, to move: restarted there, or (a call)
         * moved while the call goes on here (migrate_in_call). */
        q->state = P_RUNNABLE;
        sched_arm_timer();
    }
    if (nowait)
        return 0;
    uint64_t deadline = timer_now_ns() + MIG_WAIT_NS;
    while (!w->done && timer_now_ns() < deadline)
        if (proc_sleep(w, deadline) == -EINTR)
            break;
    rv = w->done ? w->result : caller->killed ? -EINTR : -ETIMEDOUT;
    if (!w->done) {
        /* Not moved yet (it never reached a safe point): call it off. */
        struct proc *still = proc_find(pid);
        if (still && still->migrate_wait == w) {
            still->migrate_wait = 0;
            if (!still->migrating)
                still->migrate_to = 0; /* (a move in pre-copy goes on, unreported) */
        }
    }
    w->used = 0;
    return rv;
}

/* Tell whoever asked how the move went. */
static void report(struct proc *p, int rv)
{
    if (p->migrate_self && rv)
        p->tf->regs[REG_A0] = (uint64_t)(int64_t)rv; /* its migrate()'s result */
    p->migrate_self = 0;
    struct mig_wait *w = p->migrate_wait;
    p->migrate_wait = 0;
    if (w) {
        w->done = 1;
        w->result = rv;
        proc_wakeup(w);
    }
}

/* One request to node's kernel with the int it answers: 0 and *answer, or
 * the transport's error. */
int migrate_ask(uint32_t node, struct msg *m, int32_t *answer)
{
    struct msg *reply = 0;
    m->carried = (struct port_id){0, 0};
    int rv = kreq_call_msg(node, m, MIG_CALL_NS, &reply);
    if (rv)
        return rv;
    *answer = -EPROTO;
    if (reply->len == sizeof *answer)
        msg_read(reply, 0, answer, sizeof *answer);
    msg_free(reply);
    return 0;
}

struct msg *migrate_request_msg(uint32_t op, uint32_t body_len)
{
    struct msg *m = msg_alloc((uint32_t)sizeof(struct kreq) + body_len);
    if (m) {
        struct kreq rq = {op, 0, 0, 0};
        msg_write(m, 0, &rq, sizeof rq);
    }
    return m;
}

/* STATUS: did the target commit transfer id? 1 yes, 0 no (and it will not
 * now), or the transport's error. */
static int status(uint32_t node, uint64_t id, int forget)
{
    struct kreq rq = {KREQ_MIG_STATUS, (int32_t)(uint32_t)id, (int32_t)(uint32_t)(id >> 32),
                      forget};
    struct msg *m = msg_alloc(sizeof rq);
    if (!m)
        return -ENOBUFS;
    msg_write(m, 0, &rq, sizeof rq);
    int32_t answer;
    int rv = migrate_ask(node, m, &answer);
    return rv ? rv : answer == 1;
}

static int send_offer(struct proc *p, uint32_t node, uint64_t id, uint32_t pages)
{
    struct mig_offer o = {id, p->pid, pages, p->as.page_limit};
    uint8_t body[MIG_OFFER_LEN];
    int len = migwire_put_offer(&o, body, sizeof body);
    if (len < 0)
        return len; /* e.g. its page limit set below what it holds */
    struct msg *m = migrate_request_msg(KREQ_MIG_OFFER, sizeof body);
    if (!m)
        return -ENOBUFS;
    msg_write(m, sizeof(struct kreq), body, sizeof body);
    int32_t answer;
    int rv = migrate_ask(node, m, &answer);
    return rv ? rv : answer;
}

/* Up to `requests` PAGES requests of the pages still to send (never sent,
 * or written since: vm_next_unsent_page), from *cursor on, in address
 * order; *cursor is 0 once the walk reached the end. The pages sent. */
static int send_unsent(struct proc *p, uint32_t node, uint64_t id, uint64_t *cursor,
                       uint32_t requests, uint32_t *sent)
{
    pte_t pte;
    int rv = 0;
    for (uint32_t k = 0; k < requests && *cursor && rv == 0; k++) {
        struct mig_page_ref refs[MIG_PAGES_PER_MSG];
        uint64_t pa[MIG_PAGES_PER_MSG], va = *cursor;
        uint32_t n = 0;
        while (n < MIG_PAGES_PER_MSG && (va = vm_next_unsent_page(&p->as, va, &pte)) != 0) {
            refs[n] = (struct mig_page_ref){va, (uint32_t)(pte & (PTE_R | PTE_W | PTE_X))};
            pa[n++] = PTE_PA(pte);
            va += PAGE_SIZE;
        }
        *cursor = va;
        if (n == 0)
            break;
        struct msg *m = migrate_request_msg(KREQ_MIG_PAGES, (uint32_t)migwire_pages_len(n));
        if (!m) {
            rv = -ENOBUFS;
            break;
        }
        uint8_t head[MIG_PAGES_HEAD + MIG_PAGES_PER_MSG * MIG_PAGE_DIR];
        int len = migwire_put_pages_head(id, refs, n, head, sizeof head);
        if (len < 0) {
            msg_free(m);
            rv = len;
            break;
        }
        msg_write(m, sizeof(struct kreq), head, (uint32_t)len);
        for (uint32_t i = 0; i < n; i++)
            msg_write(m, (uint32_t)(sizeof(struct kreq) + migwire_page_offset(n, i)),
                      (const void *)pa[i], PAGE_SIZE);
        int32_t answer;
        rv = migrate_ask(node, m, &answer);
        if (rv == 0)
            rv = answer;
        *sent += n;
    }
    /* Stores after this set D again: the translations that allowed them
     * without it must go (the kernel's own writes: vm.c, user_pa). */
    vm_flush_user(&p->as, (uint32_t)p->slot + 1);
    return rv;
}

static int keep_part(uint32_t node, uint64_t id, uint32_t last, const struct mig_run *runs,
                     uint32_t n)
{
    uint8_t body[MIG_KEEP_HEAD + 64 * MIG_KEEP_RUN];
    int len = migwire_put_keep(id, last, runs, n, body, sizeof body);
    if (len < 0)
        return len;
    struct msg *m = migrate_request_msg(KREQ_MIG_KEEP, (uint32_t)len);
    if (!m)
        return -ENOBUFS;
    msg_write(m, sizeof(struct kreq), body, (uint32_t)len);
    int32_t answer;
    int rv = migrate_ask(node, m, &answer);
    return rv ? rv : answer;
}

/* KEEP: every page the frozen process has, as runs, so the target drops
 * what was freed since it was sent. */
static int send_keep(struct proc *p, uint32_t node, uint64_t id)
{
    static struct mig_run runs[64];
    uint64_t va = USER_BASE;
    pte_t pte;
    uint32_t n = 0;
    int done = 0;
    while (!done) {
        va = vm_next_user_page(&p->as, va, &pte);
        done = va == 0;
        if (!done && n && runs[n - 1].va + (uint64_t)runs[n - 1].pages * PAGE_SIZE == va) {
            runs[n - 1].pages++;
        } else if (!done) {
            if (n == ARRAY_LEN(runs)) { /* full: this part goes now */
                int rv = keep_part(node, id, 0, runs, n);
                if (rv)
                    return rv;
                n = 0;
            }
            runs[n++] = (struct mig_run){va, 1};
        }
        va += PAGE_SIZE;
    }
    return keep_part(node, id, 1, runs, n);
}

/* The ports p owns, and the calls it has taken and not answered (their
 * callers wait here, or on other nodes through this node's transport: its
 * answers will come back through here, kernel/migrate.h). */
static int fill_ports(struct proc *p, struct mig_state *s)
{
    for (int i = 1; i < PORTS_MAX; i++) {
        if (!ports[i].used || ports[i].owner_pid != p->pid)
            continue;
        if (s->nports == MIG_PORTS_MAX)
            return -EBUSY;
        s->ports[s->nports++] = (struct port_id){ports[i].ida, ports[i].check};
    }
    for (int i = 0; i < proc_slots; i++) {
        struct proc *q = proc_table[i];
        if (!q || q->call.state != CALL_WAITING || q->call.server_pid != p->pid)
            continue;
        if (s->nproxies == MIG_PROXIES_MAX)
            return -EBUSY;
        s->proxies[s->nproxies++] = q->call.token;
    }
    int n = rpc_taken_by(p->pid, s->proxies + s->nproxies, MIG_PROXIES_MAX - (int)s->nproxies);
    if (n < 0)
        return n;
    s->nproxies += (uint32_t)n;
    return 0;
}

/* Send one queued message (its body in parts that fit a kernel request)
 * of port to node, for transfer id. */
static int ship_msg(uint32_t node, uint64_t id, const struct port_id *port, const struct msg *q)
{
    const uint32_t part_max = MSG_MAX - (uint32_t)sizeof(struct kreq) - MIG_MSG_HEAD;
    uint32_t off = 0;
    do {
        uint32_t part = q->len - off < part_max ? q->len - off : part_max;
        struct mig_msg h = {id, *port, q->sender_pid, q->sender_node, q->carried, q->len, off};
        uint8_t head[MIG_MSG_HEAD];
        if (migwire_put_msg(&h, head, sizeof head) != MIG_MSG_HEAD)
            return -EINVAL;
        struct msg *m = migrate_request_msg(KREQ_MIG_MSG, MIG_MSG_HEAD + part);
        if (!m)
            return -ENOBUFS;
        msg_write(m, sizeof(struct kreq), head, MIG_MSG_HEAD);
        msg_copy(m, (uint32_t)(sizeof(struct kreq) + MIG_MSG_HEAD), q, off, part);
        int32_t answer;
        int rv = migrate_ask(node, m, &answer);
        if (rv || answer)
            return rv ? rv : answer;
        off += part;
    } while (off < q->len);
    return 0;
}

/* Before COMMIT: the one-way messages queued at p's ports, in order
 * (calls are left: after the move their callers send them again, there).
 * last[i]: the last message of port i looked at (the process is frozen:
 * its queues only grow at the tail meanwhile). */
static int ship_queues(struct mig_state *s, uint32_t node, uint64_t id, struct msg **last)
{
    for (uint32_t i = 0; i < s->nports; i++) {
        struct port *pt = port_lookup(&s->ports[i]);
        last[i] = 0;
        for (struct msg *q = pt ? pt->head : 0; q; q = q->next) {
            if (!q->reply_token) {
                int rv = ship_msg(node, id, &s->ports[i], q);
                if (rv)
                    return rv;
            }
            last[i] = q;
        }
    }
    return 0;
}

/* After COMMIT: p's ports are there. Close them here with a forwarding
 * entry (from now on their senders are told where they went), then deal
 * with what is still queued: one-way messages that came during the COMMIT
 * go after the others; a call from this node is sent again by its caller
 * (its system call restarts and finds the port there); a call from another
 * node is refused with a redirect, and its node sends it there. None of
 * these calls had been taken, so each runs once, there. */
static void hand_over_ports(struct mig_state *s, uint32_t node, uint64_t id, struct msg **last)
{
    struct msg *queues[MIG_PORTS_MAX];
    for (uint32_t i = 0; i < s->nports; i++) {
        struct port *pt = port_lookup(&s->ports[i]);
        queues[i] = pt ? pt->head : 0;
        if (pt)
            *pt = (struct port){0};
        portroute_moved(&s->ports[i], node);
    }
    for (uint32_t i = 0; i < s->nports; i++) {
        int shipped = last[i] != 0;
        for (struct msg *q = queues[i], *next; q; q = next) {
            next = q->next;
            if (q->reply_token && port_token_kind(q->reply_token) == TOKEN_KIND_LOCAL)
                port_fail_call(q->reply_token, -ERESTART);
            else if (q->reply_token)
                port_fail_call(q->reply_token, portroute_redirect_error(node));
            else if (!shipped && ship_msg(node, id, &s->ports[i], q))
                klog("a message for a moved port was lost: node %d did not take it", node);
            if (q == last[i])
                shipped = 0;
            msg_free(q);
        }
    }
}

/* Everything but the memory. */
static int fill_state(struct proc *p, uint64_t id, struct mig_state *s)
{
    memset(s, 0, sizeof *s);
    int n = proc_children_of(p, s->children, MIG_CHILDREN_MAX);
    if (n < 0)
        return n;
    s->nchildren = (uint32_t)n;
    s->id = id;
    s->pid = p->pid;
    strlcpy(s->name, p->name, sizeof s->name);
    for (int i = 1; i < 32; i++)
        s->regs[i] = p->tf->regs[i];
    s->sepc = p->tf->sepc;
    fpu_switch_out(p); /* its FP registers into fpregs, if they are live */
    s->fp_saved = (uint32_t)p->fp_saved;
    for (int i = 0; i < 33; i++)
        s->fpregs[i] = p->fpregs[i];
    s->heap_start = p->as.heap_start;
    s->brk = p->as.brk;
    s->page_limit = p->as.page_limit;
    s->child_limit = p->child_limit;
    s->cpu_ns = p->cpu_ns;
    /* Output keeps going where it went: a console of its own, or this
     * node's console service. */
    s->console = (p->console.a || p->console.b) ? p->console : console_service_port();
    if (p->parent) {
        s->parent_pid = p->parent->pid;
        s->parent_node = (uint32_t)kernel_node_id;
    } else if (p->remote_parent_node) {
        s->parent_pid = p->remote_parent_pid;
        s->parent_node = p->remote_parent_node;
    }
    s->killed = p->killed;
    s->clock_ns = (int64_t)(timer_now_ns() + (uint64_t)p->clock_shift_ns);
    s->clock_uva = p->clock_uva;
    return fill_ports(p, s);
}

/* One move's state on the source (a page each: two processes may be
 * moving from this node at once, each asleep in its requests). */
struct outgoing {
    struct mig_state *state;
    uint8_t *bytes; /* its encoding */
    struct msg *last_shipped[MIG_PORTS_MAX];
    uint64_t id, t0;
    uint32_t node, pages;
    /* pre-copy: the walk's place, this round's and the last round's pages */
    uint64_t cursor;
    uint32_t round, sent, last_round;
    /* frozen in a call of its own that stays here (migrate_in_call) */
    int in_call;
    uint64_t call_deadline; /* 0: none */
};
_Static_assert(sizeof(struct mig_state) <= PAGE_SIZE && MIG_STATE_MAX <= PAGE_SIZE,
               "a move's state fits a page");

static void free_outgoing(struct outgoing *o)
{
    if (o->state)
        page_free(o->state);
    if (o->bytes)
        page_free(o->bytes);
    kfree(o);
}

static int send_commit(struct proc *p, uint32_t node, uint64_t id, struct outgoing *out,
                       int *unknown)
{
    int rv = fill_state(p, id, out->state);
    if (rv == 0)
        rv = ship_queues(out->state, node, id, out->last_shipped);
    if (rv)
        return rv;
    if (out->in_call) {
        /* There, its call system call starts again, and waits for this
         * call's result (kernel/migrate_call.c). */
        struct mig_state *s = out->state;
        s->sepc -= 4;
        s->regs[REG_A0] = p->restart_a0;
        uint64_t now = timer_now_ns();
        uint64_t left = out->call_deadline > now ? out->call_deadline - now : 0;
        s->call_left_ns = !out->call_deadline || left >= MIG_CALL_FOREVER - MIG_CALL_RESULT_SLACK_NS
                              ? MIG_CALL_FOREVER
                              : left + MIG_CALL_RESULT_SLACK_NS;
    }
    int len = migwire_put_state(out->state, out->bytes, PAGE_SIZE);
    if (len < 0)
        return len;
    struct msg *m = migrate_request_msg(KREQ_MIG_COMMIT, (uint32_t)len);
    if (!m)
        return -ENOBUFS;
    msg_write(m, sizeof(struct kreq), out->bytes, (uint32_t)len);
    int32_t answer;
    rv = migrate_ask(node, m, &answer);
    if (rv == 0)
        return answer;
    /* Lost in the network or the target died: which side has it? */
    *unknown = 1;
    for (;;) {
        int st = status(node, id, 0);
        if (st == 1)
            return 0;
        if (st == 0 || p->killed)
            return rv; /* killed meanwhile: it ends here (a copy there, if any, lives on) */
        klog("pid %d: node %d does not say whether it took the process (error %d); asking again",
             p->pid, node, -st);
        proc_sleep(&p->migrate_to, timer_now_ns() + STATUS_RETRY_NS);
    }
}

/* The move failed before COMMIT (or COMMIT was refused): it goes on here. */
static void failed(struct proc *p, struct outgoing *out, int rv, int unknown)
{
    uint32_t node = out ? out->node : p->migrate_to;
    if (out && !unknown)
        status(node, out->id, 0); /* abandon it there (best effort): its pages go */
    klog("pid %d (%s): move to node %d failed (error %d); it goes on here", p->pid, p->name, node,
         -rv);
    vm_clear_sent(&p->as);
    p->migrating = 0;
    p->migrate_to = 0;
    if (out)
        free_outgoing(out);
    report(p, rv);
}

/* Start a move: OFFER, and every page marked to be sent. 0 or -errno. */
static int begin(struct proc *p, struct outgoing **outp)
{
    struct outgoing *out = kmalloc(sizeof *out);
    *outp = out;
    if (!out)
        return -ENOMEM;
    *out = (struct outgoing){.state = page_alloc(), .bytes = page_alloc()};
    out->node = p->migrate_to;
    out->id = kernel_random() | 1;
    out->t0 = timer_now_ns();
    out->cursor = USER_BASE;
    pte_t pte;
    for (uint64_t va = USER_BASE; (va = vm_next_user_page(&p->as, va, &pte)) != 0; va += PAGE_SIZE)
        out->pages++;
    int rv = out->state && out->bytes ? movable(p) : -ENOMEM;
    if (rv == 0)
        rv = send_offer(p, out->node, out->id, out->pages);
    if (rv)
        return rv;
    vm_clear_sent(&p->as);
    return 0;
}

/* One step of pre-copy, on one of the process's returns to user mode:
 * PRECOPY_STEP requests of pages still to send, then it runs on (a timer
 * brings it back here). 1 when it is time to freeze: a round that ended
 * with few pages sent, or no fewer than the round before (it writes as
 * fast as they go), or the last round allowed. 0 to go on, or -errno. */
static int precopy_step(struct proc *p, struct outgoing *out)
{
    int rv = send_unsent(p, out->node, out->id, &out->cursor, PRECOPY_STEP, &out->sent);
    if (rv)
        return rv;
    if (out->cursor) {
        timer_arm(timer_now_ns() + PRECOPY_RUN_NS); /* back here even if it never traps */
        return 0;
    }
    int freeze = out->sent <= FREEZE_PAGES ||
                 (out->round > 0 && out->sent * 10 >= out->last_round * 9) ||
                 out->round + 1 >= MAX_ROUNDS;
    out->round++;
    out->last_round = out->sent;
    out->sent = 0;
    out->cursor = USER_BASE;
    if (!freeze)
        timer_arm(timer_now_ns() + PRECOPY_RUN_NS);
    return freeze;
}

static int freeze_and_commit(struct proc *p, struct outgoing *out);

void migrate_out(struct proc *p)
{
    struct outgoing *out = p->migrating;
    int restarted = p->migrate_restarted;
    p->migrate_restarted = 0;
    int rv = 0;
    if (!out) {
        rv = begin(p, &out);
        if (rv) {
            failed(p, out, rv, 1);
            return;
        }
        /* A big process that is running is copied while it runs; one that
         * was asleep (restarted to move) or small is frozen at once, and
         * so is one that moves itself (its migrate() returns there). */
        if (out->pages >= PRECOPY_MIN_PAGES && !restarted && !p->migrate_self) {
            p->migrating = out; /* migrate_to stays: every return to user comes here */
            rv = precopy_step(p, out);
            if (rv == 0)
                return;
        }
    } else {
        /* It is about to sleep (its call restarted): nothing runs, freeze. */
        rv = restarted ? 1 : precopy_step(p, out);
        if (rv == 0)
            return;
    }
    if (rv < 0) {
        failed(p, out, rv, 0);
        return;
    }
    uint32_t node = out->node;
    if (freeze_and_commit(p, out) == 0)
        proc_moved_away(p, node);
}

/* Frozen: the rest of the pages, the list of them all, then COMMIT. 0 if
 * it runs on the target now (out freed; the caller ends it here), or
 * -errno if it goes on here (failed() has reported it). */
static int freeze_and_commit(struct proc *p, struct outgoing *out)
{
    p->migrating = 0;
    p->migrate_to = 0;
    uint64_t t_freeze = timer_now_ns();
    uint32_t last = 0;
    out->cursor = USER_BASE;
    int unknown = 0;
    int rv = movable(p);
    while (rv == 0 && out->cursor)
        rv = send_unsent(p, out->node, out->id, &out->cursor, 64, &last);
    if (rv == 0)
        rv = send_keep(p, out->node, out->id);
    if (rv == 0)
        rv = send_commit(p, out->node, out->id, out, &unknown);
    if (rv) {
        p->migrating = out; /* failed() clears it */
        failed(p, out, rv, unknown);
        return rv;
    }
    uint32_t node = out->node;
    uint64_t now = timer_now_ns();
    klog("pid %d (%s) moved to node %d: %u pages, %u rounds, %lu ms in all, frozen %lu ms "
         "(%u pages in the last round)%s",
         p->pid, p->name, node, out->pages, out->round + 1,
         (unsigned long)((now - out->t0) / 1000000), (unsigned long)((now - t_freeze) / 1000000),
         last, out->in_call ? "; its call goes on here" : "");
    trace_proc_event("migrate_out", p, node, "pages=%u rounds=%u frozen_ms=%lu", out->pages,
                     out->round + 1, (unsigned long)((now - t_freeze) / 1000000));
    hand_over_ports(out->state, node, out->id, out->last_shipped);
    uint64_t id = out->id;
    free_outgoing(out);
    report(p, 0);
    status(node, id, 1);           /* FORGET: we know it is there (best effort; else it ages out) */
    if (p->call_left.node == node) /* migrate_in_call set it: the husk's result goes there */
        p->call_left.id = id;
    /* Requests about it that reach this node go there; so do those that
     * reach its home, which learns of every move. */
    pidroute_moved(p->pid, node);
    uint32_t home = (uint32_t)PID_NODE(p->pid);
    if (home != kernel_node_id && home != node && home >= 1 && home <= kernel_nodes) {
        struct kreq rq = {KREQ_MIG_MOVED, p->pid, (int32_t)node, 0};
        struct msg *reply = 0;
        if (kreq_call(home, &rq, 0, 0, 1000000000ULL, &reply) == 0)
            msg_free(reply);
    }
    return 0;
}

int migrate_in_call(struct proc *p, uint64_t deadline)
{
    struct outgoing *out = p->migrating; /* in pre-copy when it made the call */
    if (!out) {
        int rv = begin(p, &out);
        if (rv) {
            failed(p, out, rv, 1);
            return 0;
        }
    }
    out->in_call = 1;
    out->call_deadline = deadline == UINT64_MAX ? 0 : deadline;
    uint32_t node = out->node;
    p->call_left.node = node;
    if (freeze_and_commit(p, out)) {
        p->call_left = (struct call_left){0};
        return 0;
    }
    proc_moved_keeping_call(p, node);
    return 1;
}

/* The process exits in the middle of pre-copy: drop the move. */
void migrate_abandon(struct proc *p)
{
    if (p->migrating)
        failed(p, p->migrating, -EINTR, 0);
}
