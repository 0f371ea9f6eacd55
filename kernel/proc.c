/* kernel/proc.c: the process table: spawn, exit, wait and kill.
 * Scheduling and sleep/wakeup are in kernel/sched.c. */
#include "kernel/proc.h"
#include "kernel/exec.h"
#include "kernel/kalloc.h"
#include "kernel/kreq.h"
#include "kernel/migrate.h"
#include "kernel/pidroute.h"
#include "lib/migwire.h"
#include "kernel/port.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/ramdisk.h"
#include "kernel/riscv.h"
#include "kernel/timer.h"

struct proc *proc_table[NPROC] HOT_DATA;
int proc_slots HOT_DATA;

/* Children running on other nodes: enough to wait for them and reap them. */
#define REMOTE_CHILDREN 64
static struct remote_child {
    struct proc *parent; /* NULL: slot free */
    int pid;
    int exited, status;
} remote_children[REMOTE_CHILDREN];
static int orphan_zombies; /* zombies nobody will wait for: the scheduler reaps them */
void kernel_orphan_exited(int pid);
static uint32_t next_seq = 1;

/* A fresh pid: node * PID_NODE_STRIDE + a sequence number not in use. */
static int alloc_pid(void)
{
    for (;;) {
        int pid = (int)(kernel_node_id * PID_NODE_STRIDE + next_seq);
        next_seq = next_seq % (PID_NODE_STRIDE - 1) + 1;
        if (!proc_find(pid) && !pidroute_reserved(pid)) /* (moved away, maybe alive) */
            return pid;
    }
}

struct proc *proc_find(int pid)
{
    for (int i = 0; i < proc_slots; i++)
        if (proc_table[i] && proc_table[i]->pid == pid && proc_table[i]->state != P_FREE &&
            !proc_table[i]->migrated)
            return proc_table[i];
    return 0;
}

/* First code a new process runs, on its own kernel stack. */
static void proc_first_run(void) { sched_return_to_user(proc_current()); }

static void proc_free(struct proc *p)
{
    fpu_forget(p);
    vm_destroy(&p->as);
    if (p->kstack_top)
        vm_kstack_unmap(p->slot);
    proc_table[p->slot] = 0;
    kfree(p);
}

/* A new process running path's program: from the ramdisk (image, len),
 * or from another process's memory (uimg). */
/* A new, empty process in a free slot (P_FREE, not yet findable), with
 * its kernel stack: *out, or -EAGAIN (no slot), -ENOMEM. For a spawn and
 * for a process that moves here (proc_install). */
static int proc_new(struct proc **out)
{
    int slot;
    for (slot = 0; slot < NPROC && proc_table[slot]; slot++)
        ;
    if (slot == NPROC)
        return -EAGAIN;
    struct proc *p = kmalloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    p->slot = slot;
    p->tf = &p->tf_space;
    p->kstack_top = vm_kstack_map(slot);
    if (!p->kstack_top) {
        kfree(p);
        return -ENOMEM;
    }
    proc_table[slot] = p; /* reserve the slot; P_FREE until ready */
    if (slot >= proc_slots)
        proc_slots = slot + 1;
    vm_asid_recycle((uint32_t)slot + 1); /* the slot's last owner may have left entries */
    p->tf->kernel_sp = p->kstack_top;
    p->ctx.ra = (uint64_t)proc_first_run;
    p->ctx.sp = p->kstack_top;
    *out = p;
    return 0;
}

static int spawn_from(struct proc *parent, const char *path, const void *image, uint64_t image_len,
                      const struct exec_user_image *uimg, char *const argv[], int argc)
{
    int rv;
    struct proc *p;

    if (parent && (uint64_t)parent->nchildren >= parent->child_limit)
        return -EAGAIN;
    if ((rv = proc_new(&p)) != 0)
        return rv;
    rv = vm_create(&p->as, parent ? parent->as.page_limit : DEFAULT_PAGE_LIMIT);
    if (rv)
        goto fail;
    struct user_start start;
    rv = uimg ? exec_load_user(&p->as, uimg, argv, argc, &start)
              : exec_load(&p->as, image, image_len, argv, argc, &start);
    if (rv)
        goto fail;

    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    strlcpy(p->name, base, sizeof p->name);
    p->pid = alloc_pid();
    p->parent = parent;
    p->child_limit = parent ? parent->child_limit : DEFAULT_CHILD_LIMIT;
    p->console = parent ? parent->console : (struct port_id){0, 0};
    p->trace_id = parent ? parent->trace_id : 0;
    p->span_id = parent ? parent->span_id : 0;
    p->tf->sepc = start.entry;
    p->tf->regs[REG_SP] = start.sp;
    p->tf->regs[REG_A0] = start.argc;
    p->tf->regs[REG_A1] = start.argv;
    p->tf->sstatus = FS_INITIAL << 13;
    if (parent)
        parent->nchildren++;
    p->state = P_RUNNABLE;
    sched_arm_timer();
    return p->pid;

fail:
    proc_free(p);
    return rv;
}

int proc_spawn(struct proc *parent, const char *path, char *const argv[], int argc)
{
    const void *image;
    uint64_t image_len;
    int rv = ramdisk_lookup(path, &image, &image_len);
    return rv ? rv : spawn_from(parent, path, image, image_len, 0, argv, argc);
}

int proc_spawn_image(struct proc *parent, const char *name, const struct exec_user_image *img,
                     char *const argv[], int argc)
{
    return spawn_from(parent, name, 0, 0, img, argv, argc);
}

/* A child on another node can run and exit before the reply to our spawn
 * request arrives; its exit report waits here for the spawn to finish. */
#define EARLY_EXITS 16
static struct {
    int parent_pid, child_pid, status; /* child_pid 0: free */
} early_exits[EARLY_EXITS];
static int early_next;

int proc_add_remote_child(struct proc *p, int pid)
{
    for (int i = 0; i < REMOTE_CHILDREN; i++) {
        if (!remote_children[i].parent) {
            remote_children[i] = (struct remote_child){.parent = p, .pid = pid};
            p->nchildren++;
            for (int e = 0; e < EARLY_EXITS; e++) {
                if (early_exits[e].child_pid == pid && early_exits[e].parent_pid == p->pid) {
                    remote_children[i].exited = 1;
                    remote_children[i].status = early_exits[e].status;
                    early_exits[e].child_pid = 0;
                }
            }
            return 0;
        }
    }
    return -EAGAIN;
}

int proc_remote_child_exited(int parent_pid, int child_pid, int status, uint32_t from)
{
    /* Any node may speak for a child: it may have moved anywhere (the
     * transport authenticates kernels; which kernel may say what is the
     * privileges work's). */
    (void)from;
    for (int i = 0; i < REMOTE_CHILDREN; i++) {
        struct remote_child *rc = &remote_children[i];
        if (rc->parent && rc->pid == child_pid && rc->parent->pid == parent_pid && !rc->exited) {
            rc->exited = 1;
            rc->status = status;
            proc_wakeup(rc->parent);
            return 0;
        }
    }
    struct proc *parent = proc_find(parent_pid);
    if (!parent || parent->state == P_ZOMBIE)
        return -ESRCH;
    /* The parent may still be waiting for the answer to its spawn. */
    early_exits[early_next] = (typeof(early_exits[0])){parent_pid, child_pid, status};
    early_next = (early_next + 1) % EARLY_EXITS;
    return 0;
}

int proc_list(struct proc_info *infos, int max)
{
    int n = 0;
    for (int i = 0; i < proc_slots && n < max; i++) {
        struct proc *q = proc_table[i];
        if (!q || q->state == P_FREE || q->migrated)
            continue; /* a husk's process is listed where it runs now */
        struct proc_info *info = &infos[n++];
        memset(info, 0, sizeof *info);
        info->pid = q->pid;
        info->ppid = q->parent ? q->parent->pid : q->remote_parent_pid;
        info->state = q->state;
        info->node = (int32_t)kernel_node_id;
        info->pages = q->as.pages;
        info->cpu_ns = q->cpu_ns;
        strlcpy(info->name, q->name, sizeof info->name);
        info->console_node = (q->console.a || q->console.b) ? (int32_t)PORT_NODE(q->console)
                                                            : (int32_t)kernel_node_id;
        info->owed_replies = (int32_t)migrate_proxies_of(q->pid);
        info->call_node = q->call_left.id && !q->call_left.done ? (int32_t)q->call_left.node : 0;
        info->flags = (q->service ? PROC_F_SERVICE : 0) | (q->pinned ? PROC_F_PINNED : 0) |
                      (q->migrate_to || q->migrating ? PROC_F_MOVING : 0);
    }
    return n;
}

/* Hand p's children to nobody: orphans are reaped by the scheduler. */
static void orphan_children(struct proc *p)
{
    for (int i = 0; i < REMOTE_CHILDREN; i++)
        if (remote_children[i].parent == p)
            remote_children[i].parent = 0;
    for (int i = 0; i < proc_slots; i++) {
        struct proc *c = proc_table[i];
        if (c && c->parent == p && c->state != P_FREE) {
            c->parent = 0;
            if (c->state == P_ZOMBIE)
                orphan_zombies++;
        }
    }
}

void proc_exit(int status)
{
    struct proc *p = proc_current();
    orphan_children(p);
    migrate_abandon(p);        /* a move in pre-copy */
    migrate_proc_exit(p);      /* calls it owed through the node it came from */
    migrate_call_proc_exit(p); /* a call it moved in, still running where it was */
    port_proc_exit(p);
    p->killed = 0; /* it has taken effect; the exit below may still need to wait */
    if (p->remote_parent_node) {
        /* Tell the parent, wherever it went (best effort: if its node is
         * down, nobody waits). */
        struct kreq rq = {KREQ_EXITED, p->pid, p->remote_parent_pid, status};
        int32_t r;
        pidroute_call(p->remote_parent_pid, p->remote_parent_node, &rq, KREQ_NOTICE_TIMEOUT_NS, &r);
    }
    if ((uint64_t)PID_NODE(p->pid) != kernel_node_id) {
        /* A process that moved here: its home may free its pid. */
        struct kreq rq = {KREQ_MIG_MOVED, p->pid, (int32_t)kernel_node_id, 1};
        struct msg *reply = 0;
        if (kreq_call((uint32_t)PID_NODE(p->pid), &rq, 0, 0, KREQ_MOVED_TIMEOUT_NS, &reply) == 0)
            msg_free(reply);
    }
    /* User memory goes back at once (the rest when reaped); leave its page
     * table first, since the root page is freed too. */
    vm_switch_kernel();
    vm_destroy(&p->as);
    p->exit_status = status;
    p->state = P_ZOMBIE;
    if (p->parent)
        proc_wakeup(p->parent);
    else
        orphan_zombies++;
    sched_yield();
    panic("zombie %d ran again", p->pid);
}

#define REMOTE_CHILD_PROBE_NS (2ULL * 1000000000ULL)

/* Ask each remote child's node whether the child still runs. A node that
 * does not answer, or that no longer has the child (it restarted, or the
 * exit notice was lost), ends the child for us with status 128 + SIGKILL. */
static void probe_remote_children(struct proc *me)
{
    for (int i = 0; i < REMOTE_CHILDREN; i++) {
        struct remote_child *rc = &remote_children[i];
        if (rc->parent != me || rc->exited)
            continue;
        struct kreq rq = {KREQ_ALIVE, rc->pid, 0, 0};
        int32_t alive = 0;
        int rv = pidroute_call(rc->pid, 0, &rq, KREQ_ALIVE_TIMEOUT_NS, &alive);
        if (rv == -EINTR)
            return;
        if (rc->parent == me && !rc->exited && !alive) { /* (it may have exited meanwhile) */
            klog("pid %d is gone (%s); reaped as killed", rc->pid,
                 rv == -ESRCH ? "no node has it"
                 : rv         ? "its node does not answer"
                              : "its node does not know it");
            rc->exited = 1;
            rc->status = 128 + SIG_KILL;
        }
    }
}

int proc_wait(int pid, uint64_t status_uva, int flags)
{
    struct proc *me = proc_current();
    if (status_uva && vm_check_user(&me->as, status_uva, sizeof(int), 1))
        return -EFAULT;
    if (flags & ~WAIT_NOHANG)
        return -EINVAL;
    for (;;) {
        int have = 0;
        for (int i = 0; i < proc_slots; i++) {
            struct proc *c = proc_table[i];
            if (!c || c->parent != me || c->state == P_FREE)
                continue;
            if (pid != -1 && c->pid != pid)
                continue;
            have = 1;
            if (c->state != P_ZOMBIE)
                continue;
            int st = c->exit_status, cpid = c->pid;
            if (status_uva && vm_copyout(&me->as, status_uva, &st, sizeof st))
                return -EFAULT;
            me->nchildren--;
            proc_free(c);
            return cpid;
        }
        for (int i = 0; i < REMOTE_CHILDREN; i++) {
            struct remote_child *rc = &remote_children[i];
            if (rc->parent != me || (pid != -1 && rc->pid != pid))
                continue;
            have = 1;
            if (!rc->exited)
                continue;
            int st = rc->status, cpid = rc->pid;
            if (status_uva && vm_copyout(&me->as, status_uva, &st, sizeof st))
                return -EFAULT;
            rc->parent = 0;
            me->nchildren--;
            return cpid;
        }
        if (!have)
            return -ECHILD;
        if (flags & WAIT_NOHANG)
            return 0;
        /* Waiting on a child elsewhere: wake now and then to check its node
         * still knows it, so a dead node cannot leave us waiting forever. */
        int remote = 0;
        for (int i = 0; i < REMOTE_CHILDREN; i++)
            remote |= remote_children[i].parent == me && !remote_children[i].exited;
        uint64_t deadline = remote ? timer_now_ns() + REMOTE_CHILD_PROBE_NS : 0;
        me->restartable = 1; /* a move restarts the wait there (kernel/migrate.h) */
        int rv = proc_sleep(me, deadline);
        me->restartable = 0;
        if (rv)
            return rv; /* -EINTR, or -ERESTART: moving */
        if (remote && timer_now_ns() >= deadline)
            probe_remote_children(me);
    }
}

int proc_kill(int pid, int sig)
{
    if (sig != SIG_KILL && sig != SIG_TERM)
        return -EINVAL;
    struct proc *p = proc_find(pid);
    if (!p)
        return -ESRCH;
    if (p->state == P_ZOMBIE)
        return 0;
    if (!p->killed)
        p->killed = sig;
    if (p->state == P_SLEEPING) {
        p->state = P_RUNNABLE;
        sched_arm_timer();
    }
    return 0;
}

/* Called by the scheduler after each switch back: frees zombies nobody will
 * wait for (their kernel stack is no longer in use). */
void proc_reap_orphans(void)
{
    if (orphan_zombies == 0)
        return;
    for (int i = 0; i < proc_slots; i++) {
        struct proc *p = proc_table[i];
        if (p && p->state == P_ZOMBIE && !p->parent && p != proc_current()) {
            int pid = p->pid;
            orphan_zombies--;
            if (p->migrated) { /* it lives on elsewhere */
                proc_free(p);
                continue;
            }
            if (p->service)
                klog("service %s (pid %d) exited with status %d", p->name, pid, p->exit_status);
            proc_free(p);
            kernel_orphan_exited(pid);
        }
    }
}

/* ---- migration (kernel/migrate.c) ----------------------------------------- */

int proc_free_slots(void)
{
    int n = 0;
    for (int i = 0; i < NPROC; i++)
        n += !proc_table[i];
    return n;
}

int proc_children_of(struct proc *p, struct mig_child *out, int max)
{
    int n = 0;
    for (int i = 0; i < proc_slots; i++) {
        struct proc *c = proc_table[i];
        if (!c || c->parent != p || c->state == P_FREE)
            continue;
        if (n == max)
            return -EBUSY;
        out[n++] = (struct mig_child){c->pid, c->state == P_ZOMBIE, c->exit_status};
    }
    for (int i = 0; i < REMOTE_CHILDREN; i++) {
        struct remote_child *rc = &remote_children[i];
        if (rc->parent != p)
            continue;
        if (n == max)
            return -EBUSY;
        out[n++] = (struct mig_child){rc->pid, (uint32_t)rc->exited, rc->status};
    }
    return n;
}

int proc_install(const struct mig_state *s, struct addrspace *as)
{
    int free_rc = 0;
    for (int i = 0; i < REMOTE_CHILDREN; i++)
        free_rc += !remote_children[i].parent;
    if ((uint32_t)free_rc < s->nchildren)
        return -EAGAIN;
    struct proc *p;
    int rv = proc_new(&p);
    if (rv)
        return rv;
    p->as = *as;
    p->as.page_limit = s->page_limit;
    p->as.heap_start = s->heap_start;
    p->as.brk = s->brk;
    for (int i = 0; i < VM_TCACHE; i++)
        p->as.tcache[i].va = 0;
    as->root = 0; /* taken */
    p->pid = s->pid;
    strlcpy(p->name, s->name, sizeof p->name);
    p->parent = 0; /* a parent is always elsewhere, or reached as if it were */
    p->remote_parent_pid = s->parent_pid;
    p->remote_parent_node = s->parent_node;
    p->child_limit = s->child_limit;
    p->console = s->console;
    p->cpu_ns = s->cpu_ns;
    p->killed = s->killed;
    for (int i = 1; i < 32; i++)
        p->tf->regs[i] = s->regs[i];
    p->tf->sepc = s->sepc;
    p->tf->sstatus = FS_INITIAL << 13;
    p->fp_saved = (int)s->fp_saved;
    for (int i = 0; i < 33; i++)
        p->fpregs[i] = s->fpregs[i];
    for (uint32_t k = 0; k < s->nchildren; k++) {
        for (int i = 0; i < REMOTE_CHILDREN; i++) {
            if (!remote_children[i].parent) {
                remote_children[i] = (struct remote_child){
                    p, s->children[k].pid, (int)s->children[k].exited, s->children[k].status};
                break;
            }
        }
        p->nchildren++;
    }
    /* Its clock goes on from where it was (each node's counts from its
     * own boot), in clock() and in the clock_info its code reads. */
    p->clock_shift_ns = s->clock_ns - (int64_t)timer_now_ns();
    p->clock_uva = s->clock_uva;
    if (p->clock_uva) {
        /* (gen changes, so a reading the move cut in two starts over) */
        struct clock_info old = {0}, ci;
        vm_copyin(&p->as, &old, p->clock_uva, sizeof old);
        proc_clock_info(p, &ci);
        ci.gen = old.gen + 1;
        vm_copyout(&p->as, p->clock_uva, &ci, sizeof ci);
    }
    p->state = P_RUNNABLE;
    sched_arm_timer();
    return 0;
}

/* p now runs on node: its parent and children here deal with it there. */
static void hand_over_family(struct proc *p, uint32_t node)
{
    /* Its parent here now waits for it as for a child elsewhere. */
    struct proc *parent = p->parent;
    if (parent) {
        parent->nchildren--;
        if (proc_add_remote_child(parent, p->pid) != 0)
            klog("pid %d moved to node %d: no room to remember it for its parent %d", p->pid, node,
                 parent->pid);
        p->parent = 0;
    }
    /* Its children here report to it there; those that had exited went
     * with the move (their status), and so did its children elsewhere. */
    for (int i = 0; i < proc_slots; i++) {
        struct proc *c = proc_table[i];
        if (!c || c->parent != p || c->state == P_FREE)
            continue;
        if (c->state == P_ZOMBIE) {
            proc_free(c);
            continue;
        }
        c->parent = 0;
        c->remote_parent_pid = p->pid;
        c->remote_parent_node = node;
    }
    for (int i = 0; i < REMOTE_CHILDREN; i++)
        if (remote_children[i].parent == p)
            remote_children[i].parent = 0;
    p->nchildren = 0;
    p->migrated = 1;
}

void proc_moved_away(struct proc *p, uint32_t node)
{
    hand_over_family(p, node);
    proc_husk_exit(p);
}

void proc_moved_keeping_call(struct proc *p, uint32_t node)
{
    hand_over_family(p, node);
    vm_empty_user(&p->as); /* its kernel half goes on in it: only the user part goes */
}

void proc_husk_exit(struct proc *p)
{
    vm_switch_kernel();
    vm_destroy(&p->as);
    p->state = P_ZOMBIE;
    orphan_zombies++;
    sched_yield();
    panic("moved process %d ran again", p->pid);
}

void proc_clock_info(const struct proc *p, struct clock_info *ci)
{
    timer_clock_info(ci);
    ci->gen = 0;
    /* clock() = (time - base) in ns; shift it by moving base the other
     * way, in ticks (modulo 2^64: the user's subtraction wraps back). */
    int64_t shift = p->clock_shift_ns;
    uint64_t mag = (uint64_t)(shift < 0 ? -shift : shift);
    uint64_t ticks = mag / 1000000000ULL * ci->hz + mag % 1000000000ULL * ci->hz / 1000000000ULL;
    ci->base = shift < 0 ? ci->base + ticks : ci->base - ticks;
}
