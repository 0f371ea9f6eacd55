/* kernel/migrate.c: moving a process to another node, both sides
 * (kernel/migrate.h; the protocol and its failure handling are in
 * docs/migration.md).
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
 * Memory on the target is held per transfer (at most INCOMING at once) and
 * freed when the transfer is abandoned, or after INCOMING_IDLE_NS without
 * a request. */
#include "kernel/migrate.h"
#include "kernel/console.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/pidroute.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "lib/migwire.h"

#define MIG_CALL_NS 5000000000ULL      /* one request's timeout */
#define MIG_WAIT_NS 60000000000ULL     /* how long migrate() waits for another process's move */
#define STATUS_RETRY_NS 1000000000ULL  /* between STATUS questions when COMMIT's answer is lost */
#define INCOMING 4
#define INCOMING_IDLE_NS 12000000000ULL /* a live source sends every few seconds at most */
#define RESERVE_PAGES 256 /* free pages a target keeps for itself after taking a process */

/* Someone waiting in migrate() for another process's move. */
struct mig_wait {
    int used, done, result;
};
static struct mig_wait waits[8];

/* ---- the source ------------------------------------------------------------ */

/* Can p move now? (What is not movable yet: kernel/migrate.h.) */
static int movable(struct proc *p)
{
    if (p->service || port_owned_count(p) || p->call.state != CALL_IDLE ||
        p->ipc.kind != IPC_WAIT_NONE)
        return -EBUSY;
    return 0;
}

int migrate_request(struct proc *caller, int pid, uint32_t node)
{
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
    for (int i = 0; i < (int)ARRAY_LEN(waits) && !w; i++)
        if (!waits[i].used)
            w = &waits[i];
    if (!w)
        return -EAGAIN;
    *w = (struct mig_wait){1, 0, 0};
    q->migrate_to = node;
    q->migrate_self = 0;
    q->migrate_wait = w;
    if (q->state == P_SLEEPING && q->restartable) {
        q->state = P_RUNNABLE; /* out of its sleep or wait, to move (restarted there) */
        sched_arm_timer();
    }
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
            still->migrate_to = 0;
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
static int ask(uint32_t node, struct msg *m, int32_t *answer)
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

static struct msg *request(uint32_t op, uint32_t body_len)
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
    int rv = ask(node, m, &answer);
    return rv ? rv : answer == 1;
}

static int send_offer(struct proc *p, uint32_t node, uint64_t id, uint32_t pages)
{
    struct mig_offer o = {id, p->pid, pages, p->as.page_limit};
    uint8_t body[MIG_OFFER_LEN];
    int len = migwire_put_offer(&o, body, sizeof body);
    if (len < 0)
        return len; /* e.g. its page limit set below what it holds */
    struct msg *m = request(KREQ_MIG_OFFER, sizeof body);
    if (!m)
        return -ENOBUFS;
    msg_write(m, sizeof(struct kreq), body, sizeof body);
    int32_t answer;
    int rv = ask(node, m, &answer);
    return rv ? rv : answer;
}

/* Every mapped user page, MIG_PAGES_PER_MSG to a request, in address order. */
static int send_pages(struct proc *p, uint32_t node, uint64_t id)
{
    uint64_t va = USER_BASE;
    pte_t pte;
    for (;;) {
        struct mig_page_ref refs[MIG_PAGES_PER_MSG];
        uint64_t pa[MIG_PAGES_PER_MSG];
        uint32_t n = 0;
        while (n < MIG_PAGES_PER_MSG && (va = vm_next_user_page(&p->as, va, &pte)) != 0) {
            refs[n] = (struct mig_page_ref){va, (uint32_t)(pte & (PTE_R | PTE_W | PTE_X))};
            pa[n++] = PTE_PA(pte);
            va += PAGE_SIZE;
        }
        if (n == 0)
            return 0;
        struct msg *m = request(KREQ_MIG_PAGES, (uint32_t)migwire_pages_len(n));
        if (!m)
            return -ENOBUFS;
        uint8_t head[MIG_PAGES_HEAD + MIG_PAGES_PER_MSG * MIG_PAGE_DIR];
        int len = migwire_put_pages_head(id, refs, n, head, sizeof head);
        if (len < 0) {
            msg_free(m);
            return len;
        }
        msg_write(m, sizeof(struct kreq), head, (uint32_t)len);
        for (uint32_t i = 0; i < n; i++)
            msg_write(m, (uint32_t)(sizeof(struct kreq) + migwire_page_offset(n, i)),
                      (const void *)pa[i], PAGE_SIZE);
        int32_t answer;
        int rv = ask(node, m, &answer);
        if (rv || answer)
            return rv ? rv : answer;
        if (va == 0)
            return 0;
    }
}

static struct mig_state state_buf;
static uint8_t state_bytes[MIG_STATE_MAX];

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
    return 0;
}

static int send_commit(struct proc *p, uint32_t node, uint64_t id, int *unknown)
{
    int rv = fill_state(p, id, &state_buf);
    if (rv)
        return rv;
    int len = migwire_put_state(&state_buf, state_bytes, sizeof state_bytes);
    if (len < 0)
        return len;
    struct msg *m = request(KREQ_MIG_COMMIT, (uint32_t)len);
    if (!m)
        return -ENOBUFS;
    msg_write(m, sizeof(struct kreq), state_bytes, (uint32_t)len);
    int32_t answer;
    rv = ask(node, m, &answer);
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

void migrate_out(struct proc *p)
{
    uint32_t node = p->migrate_to;
    p->migrate_to = 0;
    uint64_t t0 = timer_now_ns(), id = kernel_random() | 1;
    uint32_t pages = 0;
    pte_t pte;
    for (uint64_t va = USER_BASE; (va = vm_next_user_page(&p->as, va, &pte)) != 0; va += PAGE_SIZE)
        pages++;
    int unknown = 0, rv = movable(p);
    if (rv == 0)
        rv = send_offer(p, node, id, pages);
    if (rv == 0)
        rv = send_pages(p, node, id);
    if (rv == 0)
        rv = send_commit(p, node, id, &unknown);
    if (rv) {
        if (!unknown)
            status(node, id, 0); /* abandon it there (best effort): its pages go */
        klog("pid %d (%s): move to node %d failed (error %d); it goes on here", p->pid, p->name,
             node, -rv);
        report(p, rv);
        return;
    }
    klog("pid %d (%s) moved to node %d: %u pages in %lu ms", p->pid, p->name, node, pages,
         (unsigned long)((timer_now_ns() - t0) / 1000000));
    report(p, 0);
    status(node, id, 1); /* FORGET: we know it is there (best effort; else it ages out) */
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
    proc_moved_away(p, node);
}

/* ---- the target -------------------------------------------------------------- */

enum { IN_FREE = 0, IN_RECEIVING };

/* Transfers committed here, for STATUS: until the source says it knows
 * (FORGET), or COMMITTED_KEEP_NS. While the table is full of them, offers
 * are refused: forgetting one the source may still ask about could let it
 * resume a process that runs here. */
#define COMMITTED 64
#define COMMITTED_KEEP_NS 120000000000ULL
static struct committed {
    uint64_t id; /* 0: free */
    uint32_t from;
    uint64_t at_ns;
} committed[COMMITTED];

static struct committed *committed_find(uint64_t id, uint32_t from)
{
    for (int i = 0; i < COMMITTED; i++)
        if (committed[i].id == id && committed[i].from == from)
            return &committed[i];
    return 0;
}

static struct committed *committed_slot(uint64_t now)
{
    for (int i = 0; i < COMMITTED; i++)
        if (!committed[i].id || now - committed[i].at_ns > COMMITTED_KEEP_NS)
            return &committed[i];
    return 0;
}

static struct incoming {
    int state;
    uint64_t id;
    uint32_t from;
    int32_t pid;
    uint32_t expect, got; /* pages offered, pages received */
    uint64_t touched_ns;
    struct addrspace as;
} incoming[INCOMING];

static void abandon(struct incoming *in)
{
    vm_destroy(&in->as);
    memset(in, 0, sizeof *in);
}

/* Forget what has been idle too long: a source that died mid-transfer. */
static void expire(uint64_t now)
{
    for (int i = 0; i < INCOMING; i++)
        if (incoming[i].state != IN_FREE && now - incoming[i].touched_ns > INCOMING_IDLE_NS)
            abandon(&incoming[i]);
}

void migrate_tick(void)
{
    uint64_t now = timer_now_ns(), next = UINT64_MAX;
    expire(now);
    for (int i = 0; i < INCOMING; i++)
        if (incoming[i].state == IN_RECEIVING && incoming[i].touched_ns + INCOMING_IDLE_NS < next)
            next = incoming[i].touched_ns + INCOMING_IDLE_NS + 1;
    if (next != UINT64_MAX)
        timer_arm(next);
}

static struct incoming *find(uint64_t id, uint32_t from)
{
    for (int i = 0; i < INCOMING; i++)
        if (incoming[i].state != IN_FREE && incoming[i].id == id && incoming[i].from == from)
            return &incoming[i];
    return 0;
}

static int serve_offer(struct msg *m, uint32_t from, uint64_t now)
{
    uint8_t body[MIG_OFFER_LEN];
    struct mig_offer o;
    uint32_t len = m->len - (uint32_t)sizeof(struct kreq);
    if (len != sizeof body)
        return -EBADMSG;
    msg_read(m, sizeof(struct kreq), body, len);
    if (migwire_get_offer(body, len, &o))
        return -EBADMSG;
    if (proc_find(o.pid) || find(o.id, from))
        return -EEXIST;
    if (proc_free_slots() == 0)
        return -EAGAIN;
    /* Its pages, their page tables (one per 512, and a few above), and
     * what this node keeps for itself. */
    if (kalloc_free_pages() < (uint64_t)o.pages + o.pages / 512 + 8 + RESERVE_PAGES)
        return -ENOMEM;
    struct incoming *in = 0;
    for (int i = 0; i < INCOMING && !in; i++)
        if (incoming[i].state == IN_FREE)
            in = &incoming[i];
    if (!in || !committed_slot(now))
        return -EAGAIN;
    if (vm_create(&in->as, o.page_limit))
        return -ENOMEM;
    in->state = IN_RECEIVING;
    in->id = o.id;
    in->from = from;
    in->pid = o.pid;
    in->expect = o.pages;
    in->touched_ns = now;
    timer_arm(now + INCOMING_IDLE_NS + 1); /* migrate_tick frees it if the source goes quiet */
    return 0;
}

static int serve_pages(struct msg *m, uint32_t from, uint64_t now)
{
    uint8_t head[MIG_PAGES_HEAD + MIG_PAGES_PER_MSG * MIG_PAGE_DIR];
    uint32_t total = m->len - (uint32_t)sizeof(struct kreq);
    uint32_t have = total < sizeof head ? total : (uint32_t)sizeof head;
    msg_read(m, sizeof(struct kreq), head, have);
    struct mig_page_ref refs[MIG_PAGES_PER_MSG];
    uint64_t id;
    uint32_t n;
    if (migwire_get_pages_head(head, have, total, &id, refs, &n))
        return -EBADMSG;
    struct incoming *in = find(id, from);
    if (!in || in->state != IN_RECEIVING)
        return -ECANCELED;
    in->touched_ns = now;
    int rv = in->got + n > in->expect ? -EBADMSG : 0;
    for (uint32_t i = 0; i < n && rv == 0; i++) {
        if (vm_user_pa(&in->as, refs[i].va)) {
            rv = -EBADMSG; /* a page sent twice */
            break;
        }
        rv = vm_alloc_range(&in->as, refs[i].va, PAGE_SIZE, refs[i].perm);
        if (rv == 0)
            msg_read(m, (uint32_t)(sizeof(struct kreq) + migwire_page_offset(n, i)),
                     (void *)vm_user_pa(&in->as, refs[i].va), PAGE_SIZE);
    }
    if (rv) {
        abandon(in);
        return rv;
    }
    in->got += n;
    return 0;
}

static int serve_commit(struct msg *m, uint32_t from, uint64_t now)
{
    uint32_t len = m->len - (uint32_t)sizeof(struct kreq);
    if (len > sizeof state_bytes)
        return -EBADMSG;
    msg_read(m, sizeof(struct kreq), state_bytes, len);
    if (migwire_get_state(state_bytes, len, &state_buf))
        return -EBADMSG;
    struct incoming *in = find(state_buf.id, from);
    if (!in || in->state != IN_RECEIVING)
        return -ECANCELED; /* abandoned (a STATUS came first), or never offered */
    if (in->pid != state_buf.pid || in->got != in->expect || proc_find(in->pid)) {
        abandon(in);
        return -EBADMSG;
    }
    struct committed *done = committed_slot(now);
    int rv = done ? proc_install(&state_buf, &in->as) : -EAGAIN;
    if (rv) {
        abandon(in);
        return rv;
    }
    *done = (struct committed){in->id, from, now}; /* for STATUS */
    pidroute_moved(in->pid, (uint32_t)kernel_node_id); /* here now: no forwarding */
    abandon(in); /* its memory went with the process: only the slot is freed */
    klog("pid %d (%s) arrived from node %d", state_buf.pid, state_buf.name, from);
    return 0;
}

struct msg *migrate_serve(const struct kreq *rq, struct msg *m, uint32_t from, int *error)
{
    uint64_t now = timer_now_ns();
    expire(now);
    int32_t r;
    switch (rq->op) {
    case KREQ_MIG_OFFER:
        r = serve_offer(m, from, now);
        break;
    case KREQ_MIG_PAGES:
        r = serve_pages(m, from, now);
        break;
    case KREQ_MIG_COMMIT:
        r = serve_commit(m, from, now);
        break;
    case KREQ_MIG_STATUS: {
        uint64_t id = (uint64_t)(uint32_t)rq->a | (uint64_t)(uint32_t)rq->b << 32;
        struct incoming *in = find(id, from);
        struct committed *done = committed_find(id, from);
        r = done != 0;
        if (in)
            abandon(in); /* a COMMIT after this is refused */
        if (done && rq->c == 1)
            *done = (struct committed){0, 0, 0}; /* FORGET: the source knows */
        break;
    }
    default:
        r = -EINVAL;
    }
    msg_free(m);
    struct msg *reply = msg_alloc(sizeof r);
    if (!reply) {
        *error = -ENOBUFS;
        return 0;
    }
    msg_write(reply, 0, &r, sizeof r);
    return reply;
}
