/* kernel/migrate_in.c: the target's side of a move (kernel/migrate.h,
 * docs/migration.md): OFFER, PAGES, MSG, COMMIT and STATUS, served in
 * interrupt context as they arrive (kernel/kreq.c), never sleeping.
 * Memory is held per transfer (at most INCOMING at once) and freed when
 * the transfer is abandoned, or after INCOMING_IDLE_NS without a request
 * (its source died or was cut off: migrate_tick). */
#include "kernel/trace.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/migrate.h"
#include "kernel/migrate_int.h"
#include "kernel/pidroute.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "lib/migwire.h"

#define INCOMING 4
#define INCOMING_IDLE_NS 12000000000ULL /* a live source sends every few seconds at most */
#define RESERVE_PAGES 256 /* free pages a target keeps for itself after taking a process */

/* It serves one request at a time (interrupt context). */
static struct mig_state state_buf;
static uint8_t state_bytes[MIG_STATE_MAX];

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

/* The one-way messages of one of the moving process's ports, in order. */
struct staged {
    struct port_id port;
    struct msg *head, *tail;
    uint32_t count;
    uint64_t bytes;
};

static struct incoming {
    int state;
    uint64_t id;
    uint32_t from;
    int32_t pid;
    uint32_t expect, got; /* pages offered; pages received (resent ones too) */
    uint64_t kept;        /* pages the KEEPs listed so far */
    int complete;         /* the last KEEP came: its pages are exactly the process's */
    uint64_t touched_ns;
    struct addrspace as;
    struct staged staged[MIG_PORTS_MAX];
    uint32_t nstaged;
} incoming[INCOMING];

static void free_list(struct msg *m)
{
    while (m) {
        struct msg *next = m->next;
        msg_free(m);
        m = next;
    }
}

static void abandon(struct incoming *in)
{
    vm_destroy(&in->as);
    for (uint32_t i = 0; i < in->nstaged; i++)
        free_list(in->staged[i].head);
    memset(in, 0, sizeof *in);
}

/* A message whose body comes in parts (kernel requests carry less than
 * MSG_MAX with their heads): one in assembly per transfer at a time. */
static struct assembly {
    uint64_t id;
    uint32_t from;
    struct msg *m;
    uint32_t got;
} assemblies[INCOMING];

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
    int rv = 0;
    for (uint32_t i = 0; i < n && rv == 0; i++) {
        /* A page sent again (pre-copy: written since it was sent) takes
         * its new bytes in place; a new one is mapped. */
        if (!vm_user_pa(&in->as, refs[i].va))
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

/* KEEP: the pages the process has, frozen. Every listed page must be here;
 * on the last KEEP, pages not listed go (freed at the source during
 * pre-copy). */
static int serve_keep(struct msg *m, uint32_t from, uint64_t now)
{
    static uint8_t body[MSG_MAX];
    uint32_t len = m->len - (uint32_t)sizeof(struct kreq);
    uint64_t id;
    uint32_t last, count;
    if (len > sizeof body)
        return -EBADMSG;
    msg_read(m, sizeof(struct kreq), body, len);
    if (migwire_get_keep(body, len, &id, &last, &count))
        return -EBADMSG;
    struct incoming *in = find(id, from);
    if (!in || in->state != IN_RECEIVING)
        return -ECANCELED;
    in->touched_ns = now;
    for (uint32_t i = 0; i < count; i++) {
        struct mig_run run = migwire_keep_run(body, i);
        if (vm_keep_range(&in->as, run.va, run.pages) != run.pages) {
            abandon(in); /* a page it has never came */
            return -EBADMSG;
        }
        in->kept += run.pages;
    }
    if (last) {
        if (vm_drop_unkept(&in->as) != in->kept) {
            abandon(in);
            return -EBADMSG;
        }
        in->complete = 1;
    }
    return 0;
}

/* MSG: a queued message of one of the moving ports (or a part of it):
 * staged until COMMIT, or, once the process runs here, queued at once (the
 * ones that came to the old node during the COMMIT). */
static int serve_msg(struct msg *m, uint32_t from)
{
    uint8_t head[MIG_MSG_HEAD];
    uint32_t len = m->len - (uint32_t)sizeof(struct kreq);
    struct mig_msg h;
    if (len < MIG_MSG_HEAD)
        return -EBADMSG;
    msg_read(m, sizeof(struct kreq), head, MIG_MSG_HEAD);
    if (migwire_get_msg(head, len, &h))
        return -EBADMSG;
    struct incoming *in = find(h.id, from);
    struct port *live = in ? 0 : port_lookup(&h.port);
    if (!in && !(live && committed_find(h.id, from)))
        return -ECANCELED;
    /* Assemble its body. */
    struct assembly *a = 0, *free_a = 0;
    for (int i = 0; i < INCOMING; i++) {
        if (assemblies[i].m && assemblies[i].id == h.id && assemblies[i].from == from)
            a = &assemblies[i];
        if (!assemblies[i].m && !free_a)
            free_a = &assemblies[i];
    }
    if (h.off == 0) {
        if (a) { /* a part went missing: start again */
            msg_free(a->m);
            *a = (struct assembly){0};
        }
        a = a ? a : free_a;
        if (!a)
            return -EAGAIN;
        *a = (struct assembly){h.id, from, msg_alloc(h.total), 0};
        if (!a->m)
            return -ENOBUFS;
    } else if (!a || a->got != h.off) {
        return -EBADMSG;
    }
    uint32_t part = len - MIG_MSG_HEAD;
    msg_copy(a->m, h.off, m, (uint32_t)(sizeof(struct kreq) + MIG_MSG_HEAD), part);
    a->got = h.off + part;
    if (a->got < h.total)
        return 0;
    struct msg *whole = a->m;
    *a = (struct assembly){0};
    whole->sender_pid = h.sender_pid;
    whole->sender_node = h.sender_node;
    whole->carried = h.carried;
    whole->reply_token = 0;
    whole->next = 0;
    if (!in) {
        int rv = port_deliver(&h.port, whole);
        if (rv)
            msg_free(whole);
        return rv;
    }
    struct staged *st = 0;
    for (uint32_t i = 0; i < in->nstaged && !st; i++)
        if (in->staged[i].port.a == h.port.a && in->staged[i].port.b == h.port.b)
            st = &in->staged[i];
    if (!st && in->nstaged < MIG_PORTS_MAX) {
        st = &in->staged[in->nstaged++];
        *st = (struct staged){h.port, 0, 0, 0, 0};
    }
    if (!st || st->count >= PORT_QUEUE_MSGS) {
        msg_free(whole);
        return -EBADMSG;
    }
    if (st->tail)
        st->tail->next = whole;
    else
        st->head = whole;
    st->tail = whole;
    st->count++;
    st->bytes += whole->len;
    return 0;
}

/* At COMMIT, before anything is made: is there room for its ports and
 * for the calls it will answer through the node it came from? */
static int room_for(const struct mig_state *s)
{
    uint32_t free_ports = 0;
    for (int i = 1; i < PORTS_MAX; i++)
        free_ports += !ports[i].used;
    return free_ports >= s->nports && migrate_proxy_room() >= s->nproxies ? 0 : -EAGAIN;
}

/* The ports of process p, just made here, with their staged messages; and
 * the calls it owes answers to. */
static void install_ports(struct proc *p, struct incoming *in, const struct mig_state *s,
                          uint32_t from)
{
    int slot = 1;
    for (uint32_t i = 0; i < s->nports; i++) {
        while (ports[slot].used)
            slot++; /* room_for counted them */
        struct port *pt = &ports[slot];
        *pt = (struct port){.used = 1,
                            .check = s->ports[i].b,
                            .ida = s->ports[i].a,
                            .owner_pid = p->pid,
                            .owner = p};
        for (uint32_t k = 0; k < in->nstaged; k++) {
            struct staged *st = &in->staged[k];
            if (st->port.a == s->ports[i].a && st->port.b == s->ports[i].b) {
                pt->head = st->head;
                pt->tail = st->tail;
                pt->count = st->count;
                pt->bytes = st->bytes;
                *st = (struct staged){0};
            }
        }
    }
    for (uint32_t i = 0; i < s->nproxies; i++)
        migrate_proxy_add(s->proxies[i], from, p->pid);
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
    if (in->pid != state_buf.pid || !in->complete || proc_find(in->pid)) {
        abandon(in);
        return -EBADMSG;
    }
    struct committed *done = committed_slot(now);
    int rv = done ? room_for(&state_buf) : -EAGAIN;
    if (rv == 0)
        rv = proc_install(&state_buf, &in->as);
    if (rv) {
        abandon(in);
        return rv;
    }
    struct proc *p = proc_find(state_buf.pid);
    install_ports(p, in, &state_buf, from);
    if (state_buf.call_left_ns)
        migrate_call_await_begin(p, state_buf.id, from, state_buf.call_left_ns);
    *done = (struct committed){in->id, from, now};     /* for STATUS */
    pidroute_moved(in->pid, (uint32_t)kernel_node_id); /* here now: no forwarding */
    abandon(in); /* its memory went with the process: only the slot is freed */
    klog("pid %d (%s) arrived from node %d", state_buf.pid, state_buf.name, from);
    trace_proc_event("migrate_in", p, from, "name=%s", state_buf.name);
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
    case KREQ_MIG_MSG:
        r = serve_msg(m, from);
        break;
    case KREQ_MIG_KEEP:
        r = serve_keep(m, from, now);
        break;
    case KREQ_MIG_REPLY:
        r = migrate_serve_reply(m);
        break;
    case KREQ_MIG_CALL_RESULT:
        r = migrate_serve_call_result(rq->a, m);
        break;
    case KREQ_MIG_CALL_CANCEL:
        r = migrate_serve_call_cancel(rq->a,
                                      (uint64_t)(uint32_t)rq->b | (uint64_t)(uint32_t)rq->c << 32);
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
