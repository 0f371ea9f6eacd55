/* kernel/sys_proc.c: system calls about processes and memory. Each decodes
 * and checks its arguments before it changes anything. */
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/timer.h"

SYSCALL(exit)
{
    proc_exit((int)(args[0] & 0xff));
}

SYSCALL(getpid) { return p->pid; }

SYSCALL(getppid) { return p->parent ? p->parent->pid : 0; }

/* spawn(path, argv): path and every argv string are copied into one kernel
 * buffer first, so a bad pointer anywhere fails before anything is made. */
SYSCALL(spawn)
{
    char path[64];
    int rv = vm_copyin_str(&p->as, path, args[0], sizeof path);
    if (rv < 0)
        return rv;
    _Static_assert(USER_ARG_BYTES <= PAGE_SIZE, "argument strings fit one page");
    char *buf = page_alloc();
    if (!buf)
        return -ENOMEM;
    char *argv[USER_ARGV_MAX + 1];
    int argc = 0;
    uint64_t used = 0;
    if (args[1]) {
        for (;; argc++) {
            uint64_t uptr;
            rv = vm_copyin(&p->as, &uptr, args[1] + (uint64_t)argc * 8, 8);
            if (rv)
                goto out;
            if (uptr == 0)
                break;
            if (argc == USER_ARGV_MAX) {
                rv = -E2BIG;
                goto out;
            }
            rv = vm_copyin_str(&p->as, buf + used, uptr, USER_ARG_BYTES - used);
            if (rv < 0) {
                if (rv == -ENAMETOOLONG)
                    rv = -E2BIG;
                goto out;
            }
            argv[argc] = buf + used;
            used += (uint64_t)rv + 1;
        }
    }
    if (argc == 0) { /* no argv given: argv[0] is the path */
        argv[0] = path;
        argc = 1;
    }
    argv[argc] = 0;
    rv = proc_spawn(p, path, argv, argc);
out:
    page_free(buf);
    return rv;
}

SYSCALL(wait) { return proc_wait((int)args[0], args[1], (int)args[2]); }

SYSCALL(kill) { return proc_kill((int)args[0], (int)args[1]); }

SYSCALL(sleep)
{
    uint64_t now = timer_now_ns();
    uint64_t until = args[0] > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + args[0];
    while (timer_now_ns() < until)
        if (proc_sleep(&p->wake_at_ns, until))
            return -EINTR;
    return 0;
}

SYSCALL(yield)
{
    sched_yield();
    return 0;
}

/* sbrk(incr): grow or shrink the heap by whole pages behind the scenes;
 * returns the old break. */
SYSCALL(sbrk)
{
    int64_t incr = (int64_t)args[0];
    uint64_t old = p->as.brk;
    uint64_t limit = USER_TOP - USER_STACK_SIZE - PAGE_SIZE; /* keep the stack guard */
    if (incr > 0) {
        if ((uint64_t)incr > limit - old)
            return -ENOMEM;
        uint64_t from = PAGE_ROUND_UP(old), to = PAGE_ROUND_UP(old + (uint64_t)incr);
        if (to > from) {
            int rv = vm_alloc_range(&p->as, from, to - from, PTE_R | PTE_W);
            if (rv)
                return rv;
        }
        p->as.brk = old + (uint64_t)incr;
    } else if (incr < 0) {
        uint64_t dec = (uint64_t)(-incr);
        if (dec > old - p->as.heap_start)
            return -EINVAL;
        uint64_t from = PAGE_ROUND_UP(old - dec), to = PAGE_ROUND_UP(old);
        vm_free_range(&p->as, from, to - from);
        p->as.brk = old - dec;
    }
    return (int64_t)old;
}

SYSCALL(proclist)
{
    uint64_t ubuf = args[0];
    int64_t max = (int64_t)args[1];
    if (max < 0)
        return -EINVAL;
    if (max > NPROC) /* there are never more entries than slots */
        max = NPROC;
    if (vm_check_user(&p->as, ubuf, (uint64_t)max * sizeof(struct proc_info), 1))
        return -EFAULT;
    int n = 0;
    for (int i = 0; i < proc_slots && n < max; i++) {
        struct proc *q = proc_table[i];
        if (!q || q->state == P_FREE)
            continue;
        struct proc_info info;
        memset(&info, 0, sizeof info);
        info.pid = q->pid;
        info.ppid = q->parent ? q->parent->pid : 0;
        info.state = q->state;
        info.node = (int32_t)kernel_node_id;
        info.pages = q->as.pages;
        info.cpu_ns = q->cpu_ns;
        strlcpy(info.name, q->name, sizeof info.name);
        if (vm_copyout(&p->as, ubuf + (uint64_t)n * sizeof info, &info, sizeof info))
            return -EFAULT;
        n++;
    }
    return n;
}

SYSCALL(setlimit)
{
    uint64_t v = args[1];
    switch (args[0]) {
    case LIMIT_PAGES:
        if (v > p->as.page_limit)
            return -EPERM;
        p->as.page_limit = v;
        return 0;
    case LIMIT_CHILDREN:
        if (v > p->child_limit)
            return -EPERM;
        p->child_limit = v;
        return 0;
    default:
        return -EINVAL;
    }
}
