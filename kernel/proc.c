/* kernel/proc.c: the process table: spawn, exit, wait and kill.
 * Scheduling and sleep/wakeup are in kernel/sched.c. */
#include "kernel/proc.h"
#include "kernel/exec.h"
#include "kernel/kalloc.h"
#include "kernel/port.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/ramdisk.h"
#include "kernel/riscv.h"
#include "kernel/timer.h"

struct proc *proc_table[NPROC];
int proc_slots;
static int orphan_zombies; /* zombies nobody will wait for: the scheduler reaps them */
void kernel_orphan_exited(int pid);
static uint32_t next_seq = 1;

void proc_init(void) {}

/* A fresh pid: node * PID_NODE_STRIDE + a sequence number not in use. */
static int alloc_pid(void)
{
    for (;;) {
        int pid = (int)(kernel_node_id * PID_NODE_STRIDE + next_seq);
        next_seq = next_seq % (PID_NODE_STRIDE - 1) + 1;
        if (!proc_find(pid))
            return pid;
    }
}

struct proc *proc_find(int pid)
{
    for (int i = 0; i < proc_slots; i++)
        if (proc_table[i] && proc_table[i]->pid == pid && proc_table[i]->state != P_FREE)
            return proc_table[i];
    return 0;
}

/* First code a new process runs, on its own kernel stack. */
static void proc_first_run(void)
{
    struct proc *p = proc_current();
    fpu_prepare_return(p);
    user_return(p->tf);
}

static void proc_free(struct proc *p)
{
    fpu_forget(p);
    vm_destroy(&p->as);
    if (p->kstack_top)
        vm_kstack_unmap(p->slot);
    kfree(p->tf);
    proc_table[p->slot] = 0;
    kfree(p);
}

int proc_spawn(struct proc *parent, const char *path, char *const argv[], int argc)
{
    const void *image;
    uint64_t image_len;
    int rv, slot;

    if (parent && (uint64_t)parent->nchildren >= parent->child_limit)
        return -EAGAIN;
    rv = ramdisk_lookup(path, &image, &image_len);
    if (rv)
        return rv;
    for (slot = 0; slot < NPROC && proc_table[slot]; slot++)
        ;
    if (slot == NPROC)
        return -EAGAIN;

    struct proc *p = kmalloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    p->slot = slot;
    proc_table[slot] = p; /* reserve the slot; P_FREE until ready */
    if (slot >= proc_slots)
        proc_slots = slot + 1;
    rv = -ENOMEM;
    p->tf = kmalloc(sizeof *p->tf);
    if (!p->tf)
        goto fail;
    p->kstack_top = vm_kstack_map(slot);
    if (!p->kstack_top)
        goto fail;
    rv = vm_create(&p->as, parent ? parent->as.page_limit : DEFAULT_PAGE_LIMIT);
    if (rv)
        goto fail;
    vm_asid_recycle((uint32_t)slot + 1); /* the slot's last owner may have left entries */
    struct user_start start;
    rv = exec_load(&p->as, image, image_len, argv, argc, &start);
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
    p->tf->sepc = start.entry;
    p->tf->regs[REG_SP] = start.sp;
    p->tf->regs[REG_A0] = start.argc;
    p->tf->regs[REG_A1] = start.argv;
    p->tf->kind = 0;
    p->tf->kernel_sp = p->kstack_top;
    extern struct trapframe hart_frame;
    p->tf->hart_frame = (uint64_t)&hart_frame;
    p->tf->sstatus = FS_INITIAL << 13;
    p->ctx.ra = (uint64_t)proc_first_run;
    p->ctx.sp = p->kstack_top;
    if (parent)
        parent->nchildren++;
    p->state = P_RUNNABLE;
    sched_arm_timer();
    return p->pid;

fail:
    proc_free(p);
    return rv;
}

/* Hand p's children to nobody: orphans are reaped by the scheduler. */
static void orphan_children(struct proc *p)
{
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
    port_proc_exit(p);
    /* User memory goes back at once (the rest when reaped); leave its page
     * table first, since the root page is freed too. */
    csr_write(satp, vm_kernel_satp());
    sfence_vma_all();
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
        if (!have)
            return -ECHILD;
        if (flags & WAIT_NOHANG)
            return 0;
        if (proc_sleep(me, 0))
            return -EINTR;
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
            if (p->service)
                klog("service %s (pid %d) exited with status %d", p->name, pid, p->exit_status);
            proc_free(p);
            kernel_orphan_exited(pid);
        }
    }
}
