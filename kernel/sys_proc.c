/* kernel/sys_proc.c: system calls about processes and memory. Each decodes
 * and checks its arguments before it changes anything. */
#include "kernel/kalloc.h"
#include "kernel/console.h"
#include "kernel/exec.h"
#include "kernel/ramdisk.h"
#include "kernel/kreq.h"
#include "kernel/migrate.h"
#include "kernel/pidroute.h"
#include "lib/kreqwire.h"
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/timer.h"

SYSCALL(exit) { proc_exit((int)(args[0] & 0xff)); }

HOT_PATH SYSCALL(getpid) { return p->pid; }

SYSCALL(getppid) { return p->parent ? p->parent->pid : p->remote_parent_pid; }

/* Copy spawn's path and argv into the kernel: path into path[64], the
 * strings into buf (one page), argv[] pointing into it. Returns argc, or
 * -EFAULT, -E2BIG, -ENAMETOOLONG. Nothing is made until all of it is in. */
static int spawn_args(struct proc *p, uint64_t upath, uint64_t uargv, char *path, char *buf,
                      char **argv)
{
    int rv = vm_copyin_str(&p->as, path, upath, 64);
    if (rv < 0)
        return rv;
    int argc = 0;
    uint64_t used = 0;
    if (uargv) {
        for (;; argc++) {
            uint64_t uptr;
            if (vm_copyin(&p->as, &uptr, uargv + (uint64_t)argc * 8, 8))
                return -EFAULT;
            if (uptr == 0)
                break;
            if (argc == USER_ARGV_MAX)
                return -E2BIG;
            rv = vm_copyin_str(&p->as, buf + used, uptr, USER_ARG_BYTES - used);
            if (rv < 0)
                return rv == -ENAMETOOLONG ? -E2BIG : rv;
            argv[argc] = buf + used;
            used += (uint64_t)rv + 1;
        }
    }
    if (argc == 0) { /* no argv given: argv[0] is the path */
        argv[0] = path;
        argc = 1;
    }
    argv[argc] = 0;
    return argc;
}

/* spawn(path, argv): path and every argv string are copied into one kernel
 * buffer first, so a bad pointer anywhere fails before anything is made. */
SYSCALL(spawn)
{
    char path[64];
    _Static_assert(USER_ARG_BYTES <= PAGE_SIZE, "argument strings fit one page");
    char *buf = page_alloc();
    if (!buf)
        return -ENOMEM;
    char *argv[USER_ARGV_MAX + 1];
    int rv = spawn_args(p, args[0], args[1], path, buf, argv);
    if (rv > 0)
        rv = proc_spawn(p, path, argv, rv);
    page_free(buf);
    return rv;
}

/* spawn_image(elf, len, name, argv): as spawn, with the program's image in
 * the caller's memory (read from the file service: user/spawnfiles.c)
 * rather than the ramdisk. The kernel reads it from there a page at a time
 * while it loads (kernel/exec.c: exec_load_user); name is what ps shows. */
SYSCALL(spawn_image)
{
    uint64_t len = args[1];
    if (len == 0 || len > SPAWN_IMAGE_MAX)
        return -EINVAL;
    char path[64];
    char *buf = page_alloc();
    if (!buf)
        return -ENOMEM;
    char *argv[USER_ARGV_MAX + 1];
    int rv = spawn_args(p, args[2], args[3], path, buf, argv);
    if (rv > 0) {
        struct exec_user_image img = {&p->as, args[0], len};
        rv = proc_spawn_image(p, path, &img, argv, rv);
    }
    page_free(buf);
    return rv;
}

/* ramdisk_read(name, off, buf, len): up to len bytes of boot program name
 * from offset off (`install` copies programs into the file service). The
 * count (0 at the end), -ENOENT, -EFAULT. */
SYSCALL(ramdisk_read)
{
    char name[64];
    int rv = vm_copyin_str(&p->as, name, args[0], sizeof name);
    if (rv < 0)
        return rv;
    const void *image;
    uint64_t image_len, off = args[1], len = args[3];
    if ((rv = ramdisk_lookup(name, &image, &image_len)) != 0)
        return rv;
    if (off >= image_len)
        return 0;
    if (len > image_len - off)
        len = image_len - off;
    if (vm_copyout(&p->as, args[2], (const char *)image + off, len))
        return -EFAULT;
    return (int64_t)len;
}

/* spawn_node(node, path, argv): as spawn, on any node. The child's output
 * comes to this node's console; wait() and kill() work across nodes. */
SYSCALL(spawn_node)
{
    uint64_t node = args[0];
    if (node == 0 || node > 65534)
        return -EINVAL;
    if (node > kernel_nodes)
        return -EHOSTUNREACH; /* not a node of this cluster */
    char path[64];
    char *buf = page_alloc();
    if (!buf)
        return -ENOMEM;
    char *argv[USER_ARGV_MAX + 1];
    int rv = spawn_args(p, args[1], args[2], path, buf, argv);
    if (rv <= 0 || node == kernel_node_id) {
        if (rv > 0)
            rv = proc_spawn(p, path, argv, rv);
        page_free(buf);
        return rv;
    }
    int argc = rv;
    if ((uint64_t)p->nchildren >= p->child_limit) {
        page_free(buf);
        return -EAGAIN;
    }
    static char body[USER_ARG_BYTES + 64];
    int len = kreqwire_build_spawn(body, sizeof body, path, argv, argc);
    page_free(buf);
    if (len < 0)
        return len;
    /* The child's output comes to the console this process writes to: its
     * own home console if it has one, else this node's console service. */
    struct port_id console = (p->console.a || p->console.b) ? p->console : console_service_port();
    struct kreq rq = {KREQ_SPAWN, p->pid, 0, argc};
    struct msg *reply = 0;
    rv = kreq_call_carry((uint32_t)node, &rq, body, (uint32_t)len, &console, KREQ_SPAWN_TIMEOUT_NS,
                         &reply);
    if (rv)
        return rv;
    int32_t pid = -EPROTO;
    if (reply->len == sizeof pid)
        msg_read(reply, 0, &pid, sizeof pid);
    msg_free(reply);
    if (pid > 0 && proc_add_remote_child(p, pid) != 0) {
        struct kreq kill = {KREQ_KILL, pid, SIG_KILL, 0};
        if (kreq_call((uint32_t)node, &kill, 0, 0, KREQ_NOTICE_TIMEOUT_NS, &reply) == 0)
            msg_free(reply);
        return -EAGAIN;
    }
    return pid;
}

SYSCALL(wait) { return proc_wait((int)args[0], args[1], (int)args[2]); }

/* kill(pid, sig): a process on any node, wherever it moved (the request
 * follows it: kernel/pidroute.h). */
SYSCALL(kill)
{
    int pid = (int)args[0], sig = (int)args[1];
    if (sig == 0) {
        /* Only: does it live, here or wherever it moved? (A service
         * keeps what a process holds while it lives elsewhere.) */
        struct proc *q = pid > 0 ? proc_find(pid) : 0;
        if (q)
            return q->state == P_ZOMBIE ? -ESRCH : 0;
        if (pid <= 0)
            return -ESRCH;
        struct kreq rq = {KREQ_ALIVE, pid, 0, 0};
        int32_t alive = 0;
        int rv = pidroute_call(pid, 0, &rq, KREQ_ALIVE_TIMEOUT_NS, &alive);
        if (rv)
            return rv == -EHOSTDOWN || rv == -ETIMEDOUT || rv == -EINTR ? rv : -ESRCH;
        return alive == 1 ? 0 : -ESRCH;
    }
    if (pid <= 0 || proc_find(pid))
        return proc_kill(pid, sig);
    if (sig != SIG_KILL && sig != SIG_TERM)
        return -EINVAL;
    struct kreq rq = {KREQ_KILL, pid, sig, 0};
    int32_t r = -EPROTO;
    int rv = pidroute_call(pid, 0, &rq, KREQ_QUERY_TIMEOUT_NS, &r);
    if (rv)
        return rv == -EHOSTDOWN || rv == -ETIMEDOUT || rv == -EINTR ? rv : -ESRCH;
    return r;
}

SYSCALL(sleep)
{
    uint64_t now = timer_now_ns();
    uint64_t until = args[0] > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + args[0];
    int rv = 0;
    p->restartable = 1; /* a move restarts it there, for the time left */
    while (rv == 0 && timer_now_ns() < until)
        rv = proc_sleep(&p->wake_at_ns, until);
    p->restartable = 0;
    if (rv == -ERESTART) {
        now = timer_now_ns();
        p->restart_a0 = until > now ? until - now : 0;
    }
    return rv;
}

/* migrate(pid, node): kernel/migrate.h. */
SYSCALL(migrate) { return migrate_request(p, (int)args[0], (uint32_t)args[1]); }

HOT_PATH SYSCALL(yield)
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
    static struct proc_info infos[NPROC];
    int n = proc_list(infos, (int)max);
    return vm_copyout(&p->as, ubuf, infos, (uint64_t)n * sizeof infos[0]) ?: n;
}

/* proclist_node(node, buf, max): the processes of any node. */
SYSCALL(proclist_node)
{
    uint64_t node = args[0], ubuf = args[1];
    int64_t max = (int64_t)args[2];
    if (node == 0 || node > 65534 || max < 0)
        return -EINVAL;
    if (node > kernel_nodes)
        return -EHOSTUNREACH;
    if (max > NPROC)
        max = NPROC;
    if (vm_check_user(&p->as, ubuf, (uint64_t)max * sizeof(struct proc_info), 1))
        return -EFAULT;
    if (node == kernel_node_id) {
        static struct proc_info infos[NPROC];
        int n = proc_list(infos, (int)max);
        return vm_copyout(&p->as, ubuf, infos, (uint64_t)n * sizeof infos[0]) ?: n;
    }
    struct kreq rq = {KREQ_PROCLIST, 0, 0, 0};
    struct msg *reply = 0;
    int rv = kreq_call((uint32_t)node, &rq, 0, 0, KREQ_QUERY_TIMEOUT_NS, &reply);
    if (rv)
        return rv;
    uint32_t n = reply->len / sizeof(struct proc_info);
    if (n > (uint64_t)max)
        n = (uint32_t)max;
    for (uint32_t i = 0; i < n; i++) {
        struct proc_info info;
        msg_read(reply, i * (uint32_t)sizeof info, &info, sizeof info);
        vm_copyout(&p->as, ubuf + i * sizeof info, &info, sizeof info);
    }
    msg_free(reply);
    return (int64_t)n;
}

SYSCALL(nodes) { return (int64_t)kernel_nodes; }

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
