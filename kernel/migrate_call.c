/* kernel/migrate_call.c: a process that moves while it waits in a call of
 * its own (kernel/migrate.h migrate_in_call; docs/migration.md, "Calls in
 * progress").
 *
 * The call cannot move with it: its request may already be running at the
 * server, and the answer will come to this node (the transport's reply goes
 * to the node that sent the request; a local server answers a token that
 * names a slot here). Sending it again from the new node could run it
 * twice. So the call stays: the process moves, and what is left of it here
 * is a husk, its kernel half (the slot, the kernel stack the call waits on,
 * the call record) without memory, hidden from proc_find and ps. When the
 * call ends the husk sends its result on (CALL_RESULT, in parts) and ends.
 * On the new node the call system call starts again and waits for that
 * result instead of calling: the call ran once, and its answer is read
 * where the process is.
 *
 * Failures: the waiting side waits until the call's own deadline plus
 * MIG_CALL_RESULT_SLACK_NS, then fails with ETIMEDOUT (as the call would
 * have). If the process exits first, it tells the husk (CALL_CANCEL), which
 * drops the call. A waiting process is not moved again (EBUSY), so the
 * result always goes to the node named at the move. This node's death
 * while the call runs loses the result: the waiting side times out, the
 * one dependency a move leaves, and only for as long as the call. */
#include "kernel/kernel.h"
#include "kernel/migrate.h"
#include "kernel/migrate_int.h"
#include "kernel/printk.h"
#include "kernel/timer.h"
#include "lib/migwire.h"

#define RESULT_RETRY_NS 1000000000ULL     /* between tries when the new node does not answer */
#define RESULT_GIVE_UP_NS 600000000000ULL /* the husk stops trying after this */
#define CANCEL_TIMEOUT_NS 1000000000ULL

/* ---- the node it left: the husk -------------------------------------------- */

/* One part of the result, off..off+part of reply. 0 (taken), or the answer
 * (-ENOENT: nobody waits for it) or the transport's error. */
static int send_part(int pid, uint32_t node, const struct mig_result *h, const struct msg *reply,
                     uint32_t part)
{
    uint8_t head[MIG_RESULT_HEAD];
    if (migwire_put_result(h, head, sizeof head) != MIG_RESULT_HEAD)
        return -EINVAL;
    struct msg *m = msg_alloc((uint32_t)sizeof(struct kreq) + MIG_RESULT_HEAD + part);
    if (!m)
        return -ENOBUFS;
    struct kreq rq = {KREQ_MIG_CALL_RESULT, pid, 0, 0};
    msg_write(m, 0, &rq, sizeof rq);
    msg_write(m, sizeof rq, head, MIG_RESULT_HEAD);
    if (part)
        msg_copy(m, (uint32_t)sizeof rq + MIG_RESULT_HEAD, reply, h->off, part);
    int32_t answer;
    int rv = migrate_ask(node, m, &answer);
    return rv ? rv : answer;
}

void migrate_call_ended(struct proc *p, int rv, struct msg *reply)
{
    const struct call_left l = p->call_left;
    if (rv > 0 || rv < -4095)
        rv = -EIO;
    uint32_t total = rv == 0 && reply ? reply->len : 0;
    const uint32_t part_max = MSG_MAX - (uint32_t)sizeof(struct kreq) - MIG_RESULT_HEAD;
    uint64_t give_up = timer_now_ns() + RESULT_GIVE_UP_NS;
    uint32_t off = 0;
    /* p->killed: the process gave up waiting (CALL_CANCEL): nobody to tell. */
    while (!p->killed) {
        uint32_t part = total - off < part_max ? total - off : part_max;
        struct mig_result h = {l.id, total ? 0 : rv, total, off};
        int r = send_part(p->pid, l.node, &h, reply, part);
        if (r == 0) {
            off += part;
            if (off == total)
                break;
            continue;
        }
        if (r != -ENOBUFS && r != -EHOSTDOWN && r != -ETIMEDOUT && r != -EHOSTUNREACH) {
            klog("pid %d: the result of its call is refused by node %d (error %d)", p->pid, l.node,
                 -r);
            break;
        }
        if (timer_now_ns() >= give_up) {
            klog("pid %d: node %d does not take the result of its call (error %d); dropped", p->pid,
                 l.node, -r);
            break;
        }
        proc_sleep(&p->call_left, timer_now_ns() + RESULT_RETRY_NS);
    }
    msg_free(reply);
    p->call_left = (struct call_left){0};
    proc_husk_exit(p);
}

int migrate_serve_call_cancel(int pid, uint64_t id)
{
    for (int i = 0; i < proc_slots; i++) {
        struct proc *q = proc_table[i];
        if (!q || !q->migrated || q->pid != pid || q->call_left.id != id || q->state == P_ZOMBIE ||
            q->state == P_FREE)
            continue;
        klog("pid %d: nobody waits for the call it moved in any more (it ended on node %u); "
             "dropped",
             pid, q->call_left.node);
        q->killed = SIG_KILL; /* its wait ends (EINTR), and it sends nothing */
        if (q->state == P_SLEEPING) {
            q->state = P_RUNNABLE;
            sched_arm_timer();
        }
        return 0;
    }
    return -ENOENT;
}

/* ---- the node it went to: the waiting call ----------------------------------- */

void migrate_call_await_begin(struct proc *p, uint64_t id, uint32_t from, uint64_t left_ns)
{
    uint64_t now = timer_now_ns();
    uint64_t deadline =
        left_ns == MIG_CALL_FOREVER || left_ns > UINT64_MAX - now ? 0 : now + left_ns;
    p->call_left = (struct call_left){.id = id, .node = from, .deadline = deadline};
}

int migrate_serve_call_result(int pid, struct msg *m)
{
    uint32_t len = m->len - (uint32_t)sizeof(struct kreq);
    uint8_t head[MIG_RESULT_HEAD];
    struct mig_result r;
    if (len < MIG_RESULT_HEAD)
        return -EBADMSG;
    msg_read(m, sizeof(struct kreq), head, sizeof head);
    if (migwire_get_result(head, len, &r))
        return -EBADMSG;
    struct proc *p = proc_find(pid);
    if (!p || p->call_left.id != r.id || p->state == P_ZOMBIE)
        return -ENOENT;
    struct call_left *l = &p->call_left;
    if (l->done)
        return 0; /* the last part again: its answer was lost */
    uint32_t part = len - MIG_RESULT_HEAD;
    if (r.error == 0 && !l->reply) {
        if (r.off != 0)
            return -EPROTO;
        l->reply = msg_alloc(r.total);
        if (!l->reply)
            return -ENOBUFS; /* the husk tries again */
        l->got = 0;
    }
    if (r.error == 0) {
        if (r.total != l->reply->len || r.off > l->got)
            return -EPROTO;
        if (r.off < l->got)
            return 0; /* a part it has: its answer was lost */
        if (part)
            msg_copy(l->reply, r.off, m, (uint32_t)sizeof(struct kreq) + MIG_RESULT_HEAD, part);
        l->got += part;
        if (l->got < r.total)
            return 0;
    }
    l->error = r.error;
    l->done = 1;
    proc_wakeup(l);
    return 0;
}

/* Tell the husk on l's node that nobody waits for its call any more. */
static void cancel(int pid, const struct call_left *l)
{
    struct kreq rq = {KREQ_MIG_CALL_CANCEL, pid, (int32_t)(uint32_t)l->id,
                      (int32_t)(uint32_t)(l->id >> 32)};
    struct msg *reply = 0;
    if (kreq_call(l->node, &rq, 0, 0, CANCEL_TIMEOUT_NS, &reply) == 0)
        msg_free(reply);
}

int64_t migrate_call_await(struct proc *p, uint64_t rbuf, uint64_t rcap)
{
    struct call_left *l = &p->call_left;
    int64_t rv;
    while (!l->done) {
        if (p->killed)
            return -EINTR; /* it exits: migrate_call_proc_exit tells the husk */
        if (l->deadline && timer_now_ns() >= l->deadline) {
            cancel(p->pid, l);
            rv = -ETIMEDOUT;
            goto out;
        }
        proc_sleep(l, l->deadline);
    }
    rv = l->error;
    if (rv == 0) {
        if (l->reply->len > rcap) {
            rv = -EMSGSIZE;
        } else {
            msg_copyout_user(l->reply, &p->as, rbuf); /* checked by sys_call */
            rv = l->reply->len;
        }
    }
out:
    msg_free(l->reply);
    *l = (struct call_left){0};
    return rv;
}

void migrate_call_proc_exit(struct proc *p)
{
    struct call_left *l = &p->call_left;
    if (!l->id || p->migrated)
        return;
    if (!l->done)
        cancel(p->pid, l);
    msg_free(l->reply);
    *l = (struct call_left){0};
}
