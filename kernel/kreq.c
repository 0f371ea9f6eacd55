/* kernel/kreq.c: serving and making kernel-to-kernel requests (see
 * kernel/kreq.h). Serving runs in interrupt context as frames complete, so
 * every handler is short and never sleeps. */
#include "kernel/kreq.h"
#include "kernel/migrate.h"
#include "kernel/pidroute.h"
#include "kernel/kernel.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "lib/kreqwire.h"
#include "net/rpc.h"

#define SILENT_TRY_NS (500 * 1000000ULL) /* a request to a node silent at the last one */

static struct msg *reply_of(const void *data, uint32_t len, int *error)
{
    struct msg *r = msg_alloc(len);
    if (!r) {
        *error = -ENOBUFS;
        return 0;
    }
    msg_write(r, 0, data, len);
    return r;
}

static struct msg *reply_int(int32_t v, int *error) { return reply_of(&v, sizeof v, error); }

/* KREQ_SPAWN: the body after the header is path\0 then argc strings,
 * checked by lib/kreqwire.c before anything is made. */
static int serve_spawn(const struct kreq *rq, struct msg *m, uint32_t from)
{
    static char buf[USER_ARG_BYTES + 64];
    uint32_t len = m->len - (uint32_t)sizeof *rq;
    if (len > sizeof buf)
        return -E2BIG;
    msg_read(m, sizeof *rq, buf, len);
    const char *path, *cargv[USER_ARGV_MAX + 1];
    if (kreqwire_parse_spawn(buf, len, rq->c, &path, cargv) != 0)
        return -EINVAL;
    char *argv[USER_ARGV_MAX + 1];
    int argc = rq->c;
    for (int i = 0; i <= argc; i++)
        argv[i] = (char *)cargv[i];
    if (argc == 0) {
        argv[argc++] = (char *)path;
        argv[argc] = 0;
    }
    int pid = proc_spawn(0, path, argv, argc);
    if (pid < 0)
        return pid;
    struct proc *p = proc_find(pid);
    p->remote_parent_pid = rq->a;
    p->remote_parent_node = from;
    p->console = m->carried; /* the starting node's console port */
    return pid;
}

static struct msg *serve_proclist(int *error)
{
    static struct proc_info infos[NPROC];
    int n = proc_list(infos, NPROC);
    return reply_of(infos, (uint32_t)n * sizeof infos[0], error);
}

/* Which pid a request is about. */
static int subject(const struct kreq *rq) { return rq->op == KREQ_EXITED ? rq->b : rq->a; }

int32_t kreq_pid_local(const struct kreq *rq, uint32_t from, uint32_t *moved, int *found)
{
    struct proc *q = proc_find(subject(rq));
    *found = q != 0;
    *moved = q ? 0 : pidroute_where(subject(rq));
    switch (rq->op) {
    case KREQ_KILL:
        return q ? proc_kill(rq->a, rq->b) : -ESRCH;
    case KREQ_ALIVE:
        return q && q->state != P_ZOMBIE;
    case KREQ_EXITED:
        return q ? proc_remote_child_exited(rq->b, rq->a, rq->c, from) : -ESRCH;
    case KREQ_LOCATE:
        *moved = 0; /* only "here or not": locate asks every node */
        return q != 0;
    default:
        return -EINVAL;
    }
}

/* KILL, ALIVE, EXITED, LOCATE: answered here, or redirected to where the
 * pid went (a forwarding entry; a hint is not enough). */
static struct msg *serve_pid(const struct kreq *rq, uint32_t from, int *error)
{
    uint32_t moved;
    int found;
    int32_t r = kreq_pid_local(rq, from, &moved, &found);
    if (!found && rq->op != KREQ_LOCATE) {
        struct msg *redirect = pidroute_redirect(subject(rq), error);
        if (redirect || *error)
            return redirect;
    }
    return reply_int(r, error);
}

struct msg *kreq_serve(struct msg *m, uint32_t from, int *error)
{
    struct kreq rq = {KREQ_BOOTSTRAP, 0, 0, 0};
    if (m->len != 0 && m->len < sizeof rq) {
        msg_free(m);
        *error = -EBADMSG;
        return 0;
    }
    if (m->len)
        msg_read(m, 0, &rq, sizeof rq);
    struct msg *r = 0;
    switch (rq.op) {
    case KREQ_BOOTSTRAP: {
        struct port_id reg;
        registry_port(&reg);
        r = reply_of(&reg, sizeof reg, error);
        break;
    }
    case KREQ_SPAWN:
        r = reply_int(serve_spawn(&rq, m, from), error);
        break;
    case KREQ_KILL:
    case KREQ_EXITED:
    case KREQ_ALIVE:
    case KREQ_LOCATE:
        r = serve_pid(&rq, from, error);
        break;
    case KREQ_PROCLIST:
        r = serve_proclist(error);
        break;
    case KREQ_PORT_LOCATE: {
        struct port_id id = {0, 0};
        if (m->len != sizeof rq + sizeof id) {
            r = reply_int(-EBADMSG, error);
            break;
        }
        msg_read(m, sizeof rq, &id, sizeof id);
        r = reply_int(port_lookup(&id) != 0, error);
        break;
    }
    case KREQ_MIG_OFFER:
    case KREQ_MIG_PAGES:
    case KREQ_MIG_COMMIT:
    case KREQ_MIG_STATUS:
    case KREQ_MIG_MSG:
    case KREQ_MIG_REPLY:
    case KREQ_MIG_KEEP:
    case KREQ_MIG_CALL_RESULT:
    case KREQ_MIG_CALL_CANCEL:
        return migrate_serve(&rq, m, from, error); /* takes m */
    case KREQ_MIG_MOVED:
        /* Only about a process of this home: its pid stays reserved while
         * it lives elsewhere (kernel/pidroute.h). */
        if ((uint64_t)PID_NODE(rq.a) != kernel_node_id || rq.b < 1 ||
            (uint64_t)rq.b > kernel_nodes) {
            r = reply_int(-EINVAL, error);
        } else {
            if (rq.c == 1)
                pidroute_gone(rq.a);
            else if (!proc_find(rq.a))
                pidroute_moved(rq.a, (uint32_t)rq.b);
            r = reply_int(0, error);
        }
        break;
    default:
        *error = -EINVAL;
    }
    msg_free(m);
    return r;
}

uint32_t kreq_ask_all(const struct kreq *rq, const void *extra, uint32_t extra_len, uint32_t skip,
                      uint64_t timeout_ns)
{
    for (uint32_t k = 1; k <= kernel_nodes; k++) {
        if (k == kernel_node_id || k == skip)
            continue;
        struct msg *reply = 0;
        int32_t yes = 0;
        int rv = kreq_call(k, rq, extra, extra_len, timeout_ns, &reply);
        if (rv == -EINTR)
            return 0;
        if (rv)
            continue; /* a node that does not answer is not the one */
        if (reply->len == sizeof yes)
            msg_read(reply, 0, &yes, sizeof yes);
        msg_free(reply);
        if (yes == 1)
            return k;
    }
    return 0;
}

int kreq_call(uint32_t node, const struct kreq *rq, const void *extra, uint32_t extra_len,
              uint64_t timeout_ns, struct msg **reply)
{
    return kreq_call_carry(node, rq, extra, extra_len, 0, timeout_ns, reply);
}

int kreq_call_carry(uint32_t node, const struct kreq *rq, const void *extra, uint32_t extra_len,
                    const struct port_id *carry, uint64_t timeout_ns, struct msg **reply)
{
    struct msg *m = msg_alloc((uint32_t)sizeof *rq + extra_len);
    if (!m)
        return -ENOBUFS;
    msg_write(m, 0, rq, sizeof *rq);
    if (extra_len)
        msg_write(m, sizeof *rq, extra, extra_len);
    m->carried = carry ? *carry : (struct port_id){0, 0};
    return kreq_call_msg(node, m, timeout_ns, reply);
}

int kreq_call_msg(uint32_t node, struct msg *m, uint64_t timeout_ns, struct msg **reply)
{
    struct proc *p = proc_current();
    m->sender_pid = p ? p->pid : 0;
    m->sender_node = (int32_t)kernel_node_id;
    uint32_t op = 0;
    if (m->len >= sizeof op)
        msg_read(m, 0, &op, sizeof op);
    /* Slot 0 is the node's kernel; the check field names the boot we last
     * heard from, so a retransmission that reaches a new boot is refused
     * (ECONNRESET) instead of spawning or killing twice. A node never heard
     * from is first asked for its registry port (BOOTSTRAP: the same answer
     * whichever boot gives it, so it goes with check 0, taken by any boot),
     * which tells its boot. Without that, the check would be this node's
     * wall clock, compared with that node's boot time: clocks apart by more
     * than its uptime would refuse the request (docs/trace.md, "Clocks"). */
    if (op != KREQ_BOOTSTRAP && !rpc_peer_epoch(node) && !rpc_node_silent(node)) {
        struct kreq probe = {KREQ_BOOTSTRAP, 0, 0, 0};
        struct msg *r = 0;
        if (kreq_call(node, &probe, 0, 0, timeout_ns, &r) == 0)
            msg_free(r);
    }
    struct port_id kernel = {(uint64_t)node << 32,
                             op == KREQ_BOOTSTRAP ? 0 : rpc_kernel_check(node)};
    /* A node silent at the last request gets a short try: a dead node costs
     * this much per request, and one that came back answers well within it. */
    if (rpc_node_silent(node) && timeout_ns > SILENT_TRY_NS)
        timeout_ns = SILENT_TRY_NS;
    int rv = rpc_call(&kernel, m, timeout_ns, reply);
    if (rv == -EHOSTDOWN)
        rpc_mark_silent(node);
    return rv;
}
