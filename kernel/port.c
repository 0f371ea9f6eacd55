/* kernel/port.c: ports, local delivery, reply tokens, and the per-node
 * registry behind the bootstrap port. Remote delivery is net/rpc.c, which
 * calls port_deliver() and port_reply() here on the receiving node. */
#include "kernel/port.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/timer.h"
#include "lib/kreqwire.h"
#include "net/rpc.h"
#include "kernel/portroute.h"

struct port ports[PORTS_MAX]; /* slot 0 is never used */
static void registry_proc_exit(int pid);

/* The call record of the process in slot i (struct proc's `call`: one
 * outstanding call per process), or NULL if the slot is empty. In the
 * process, not in a table of its own, so the IPC path touches one page
 * fewer (kernel/kernel.h). A token names its slot; a reply or failure for
 * a process that has gone finds an empty slot or a record whose token no
 * longer matches. */
HOT_PATH static struct caller *caller_at(uint32_t i)
{
    struct proc *q = i < NPROC ? proc_table[i] : 0;
    return q ? &q->call : 0;
}

/* The local call answered last, and by whom. A server's loop is recv,
 * reply, recv: when the server blocks in that next recv, the caller it has
 * just woken is the process to run (a handoff, see proc_block). */
static struct {
    int server_pid;
    int caller_slot, caller_pid;
} last_reply HOT_DATA;

static uint64_t port_a(uint32_t index) { return (uint64_t)kernel_node_id << 32 | index; }

int port_create(struct proc *p, struct port_id *out)
{
    if (p) {
        int owned = 0;
        for (int i = 1; i < PORTS_MAX; i++)
            owned += ports[i].used && ports[i].owner_pid == p->pid;
        if (owned >= PORTS_PER_PROC)
            return -EMFILE;
    }
    for (uint32_t i = 1; i < PORTS_MAX; i++) {
        if (ports[i].used)
            continue;
        struct port *pt = &ports[i];
        *pt = (struct port){.used = 1, .owner_pid = p ? p->pid : 0, .owner = p, .ida = port_a(i)};
        do
            pt->check = kernel_random();
        while (pt->check == 0);
        out->a = port_a(i);
        out->b = pt->check;
        return 0;
    }
    return -EMFILE;
}

/* Fail the caller behind token with error. */
void port_fail_call(uint64_t token, int error)
{
    if (port_token_kind(token) == TOKEN_KIND_REMOTE) {
        rpc_fail_request(token, error);
        return;
    }
    struct caller *c = caller_at(port_token_index(token));
    if (c && c->token == token && c->state == CALL_WAITING) {
        c->state = CALL_DONE;
        c->error = error;
        proc_wakeup(c);
    }
}

static void drain(struct port *pt, int error)
{
    while (pt->head) {
        struct msg *m = pt->head;
        pt->head = m->next;
        if (m->reply_token)
            port_fail_call(m->reply_token, error);
        msg_free(m);
    }
    pt->tail = 0;
    pt->count = 0;
    pt->bytes = 0;
}

int port_close(struct proc *p, const struct port_id *id)
{
    struct port *pt = port_lookup(id);
    if (!pt)
        return -ENOENT;
    if (!p || pt->owner_pid != p->pid)
        return -EPERM;
    drain(pt, -ECONNREFUSED);
    pt->used = 0;
    proc_wakeup(pt);
    return 0;
}

void port_proc_exit(struct proc *p)
{
    for (int i = 1; i < PORTS_MAX; i++) {
        if (ports[i].used && ports[i].owner_pid == p->pid) {
            drain(&ports[i], -ECONNREFUSED);
            ports[i].used = 0;
        }
    }
    for (int i = 0; i < proc_slots; i++) {
        struct caller *c = caller_at((uint32_t)i);
        if (c && c->state == CALL_WAITING && c->server_pid == p->pid)
            port_fail_call(c->token, -ECONNRESET); /* it took the request and died */
    }
    rpc_server_exited(p->pid);
    registry_proc_exit(p->pid);
    msg_free(p->call.reply);
    p->call = (struct caller){0};
}

/* Queue m at pt (or run pt's kernel handler): port_deliver's contract. */
HOT_PATH static int deliver(struct port *pt, struct msg *m)
{
    if (pt->kernel_handler) {
        pt->kernel_handler(m);
        return 0;
    }
    if (pt->count >= PORT_QUEUE_MSGS || pt->bytes + m->len > PORT_QUEUE_BYTES)
        return -EAGAIN;
    m->next = 0;
    if (pt->tail)
        pt->tail->next = m;
    else
        pt->head = m;
    pt->tail = m;
    pt->count++;
    pt->bytes += m->len;
    proc_wakeup(pt);
    return 0;
}

HOT_PATH int port_deliver(const struct port_id *dst, struct msg *m)
{
    struct port *pt = port_lookup(dst);
    if (!pt)
        return -ECONNREFUSED;
    return deliver(pt, m);
}

/* The process a server that answered a call should run when it blocks in
 * recv: the caller it answered last, if that is still the same process. */
HOT_PATH struct proc *port_replied_caller(struct proc *server)
{
    if (last_reply.server_pid != server->pid)
        return 0;
    last_reply.server_pid = 0;
    struct proc *q = proc_table[last_reply.caller_slot];
    return q && q->pid == last_reply.caller_pid ? q : 0;
}

HOT_PATH int port_take(struct proc *p, const struct port_id *id, uint64_t ubuf, uint64_t cap,
                       struct msg **out, uint64_t *len_out, void **wait_chan)
{
    struct port *pt = port_lookup(id);
    if (!pt)
        return -ENOENT;
    if (pt->owner_pid != p->pid)
        return -EPERM;
    struct msg *m = pt->head;
    if (!m) {
        *wait_chan = pt;
        return -EAGAIN;
    }
    *len_out = m->len;
    if (m->len > cap)
        return -EMSGSIZE;
    /* Only the bytes this message needs are checked, not all of cap. */
    if (vm_check_user(&p->as, ubuf, m->len, 1))
        return -EFAULT;
    pt->head = m->next;
    if (!pt->head)
        pt->tail = 0;
    pt->count--;
    pt->bytes -= m->len;
    if (m->reply_token) {
        if (port_token_kind(m->reply_token) == TOKEN_KIND_LOCAL) {
            struct caller *c = caller_at(port_token_index(m->reply_token));
            if (c && c->token == m->reply_token)
                c->server_pid = p->pid;
        } else {
            rpc_request_taken(m->reply_token, p->pid);
        }
    }
    *out = m;
    return 0;
}

HOT_PATH int port_call_start(struct proc *p, const struct port_id *dst, struct msg *m,
                             uint64_t rbuf, uint64_t rcap, uint64_t deadline, struct proc **server)
{
    struct caller *c = &p->call;
    port_caller_begin(c, (uint32_t)p->slot, 0, rbuf, rcap, deadline);
    m->reply_token = c->token;
    struct port *pt = port_lookup(dst);
    int rv = pt ? deliver(pt, m) : -ECONNREFUSED;
    if (rv) {
        msg_free(m);
        port_caller_end(c);
        return rv;
    }
    *server = pt->owner;
    return 0;
}

HOT_PATH int port_reply(uint64_t token, struct msg *m)
{
    if (port_token_kind(token) == TOKEN_KIND_REMOTE)
        return rpc_reply(token, m);
    uint32_t i = port_token_index(token);
    struct caller *c = caller_at(i);
    if (token == 0 || !c || c->token != token || c->state != CALL_WAITING) {
        msg_free(m);
        return -ENOENT;
    }
    c->reply = m;
    c->error = 0;
    c->state = CALL_DONE;
    proc_wakeup(c);
    struct proc *server = proc_current();
    if (server && proc_table[i]) {
        last_reply.server_pid = server->pid;
        last_reply.caller_slot = (int)i;
        last_reply.caller_pid = proc_table[i]->pid;
    }
    return 0;
}

/* ---- the registry ------------------------------------------------------ */

#define REGISTRY_ENTRIES 32

static struct {
    char name[REGISTRY_NAME_MAX];
    struct port_id port;
    int owner_pid; /* binder on this node; its exit unbinds (0: remote binder) */
} registry[REGISTRY_ENTRIES];
static struct port_id registry_id;

static int registry_find(const char *name)
{
    for (int i = 0; i < REGISTRY_ENTRIES; i++)
        if (registry[i].name[0] && strcmp(registry[i].name, name) == 0)
            return i;
    return -1;
}

static int registry_do(const struct registry_req *rq, int sender_pid, int sender_node,
                       struct registry_rep *rp)
{
    if (kreqwire_check_registry(rq) != 0)
        return -EINVAL;
    int i = registry_find(rq->name);
    switch (rq->op) {
    case REGISTRY_LOOKUP:
        if (i < 0)
            return -ENOENT;
        rp->port = registry[i].port;
        return 0;
    case REGISTRY_BIND:
        if (i >= 0)
            return -EEXIST;
        for (i = 0; i < REGISTRY_ENTRIES && registry[i].name[0]; i++)
            ;
        if (i == REGISTRY_ENTRIES)
            return -ENOSPC;
        strlcpy(registry[i].name, rq->name, REGISTRY_NAME_MAX);
        registry[i].port = rq->port;
        registry[i].owner_pid = (uint64_t)sender_node == kernel_node_id ? sender_pid : 0;
        return 0;
    case REGISTRY_UNBIND:
        if (i < 0)
            return -ENOENT;
        registry[i].name[0] = 0;
        return 0;
    default:
        return -EINVAL;
    }
}

/* Runs at delivery, in the sender's context or the network's. */
static void registry_handle(struct msg *m)
{
    struct registry_req rq;
    struct registry_rep rp = {0};
    uint64_t token = m->reply_token;
    if (m->len != sizeof rq) {
        rp.status = -EBADMSG;
    } else {
        msg_read(m, 0, &rq, sizeof rq);
        rp.status = registry_do(&rq, m->sender_pid, m->sender_node, &rp);
    }
    msg_free(m);
    if (!token)
        return; /* a one-way send gets no answer */
    struct msg *r = msg_alloc(sizeof rp);
    if (!r) {
        port_fail_call(token, -ENOMEM);
        return;
    }
    msg_write(r, 0, &rp, sizeof rp);
    r->sender_pid = 0;
    r->sender_node = (int32_t)kernel_node_id;
    port_reply(token, r);
}

int port_create_kernel(void (*handler)(struct msg *m), struct port_id *out)
{
    int rv = port_create(0, out);
    if (rv == 0)
        ports[out->a & 0xffffffffu].kernel_handler = handler;
    return rv;
}

void registry_init(void)
{
    if (port_create_kernel(registry_handle, &registry_id) != 0)
        panic("registry: no port");
}

int registry_bind_kernel(const char *name, const struct port_id *port)
{
    struct registry_req rq = {.op = REGISTRY_BIND, .port = *port};
    struct registry_rep rp;
    strlcpy(rq.name, name, sizeof rq.name);
    return registry_do(&rq, 0, (int)kernel_node_id, &rp);
}

void registry_port(struct port_id *out) { *out = registry_id; }

static void registry_proc_exit(int pid)
{
    for (int i = 0; i < REGISTRY_ENTRIES; i++)
        if (registry[i].name[0] && registry[i].owner_pid == pid)
            registry[i].name[0] = 0;
}

int port_owned_count(const struct proc *p)
{
    int n = 0;
    for (int i = 1; i < PORTS_MAX; i++)
        n += ports[i].used && ports[i].owner_pid == p->pid;
    return n;
}

struct port *port_lookup_moved(const struct port_id *id)
{
    for (int i = 1; i < PORTS_MAX; i++)
        if (ports[i].used && ports[i].ida == id->a && ports[i].check == id->b)
            return &ports[i];
    return 0;
}

int port_is_local(const struct port_id *id)
{
    if (port_lookup(id))
        return 1;
    return PORT_NODE(*id) == kernel_node_id && !portroute_forward(id);
}
