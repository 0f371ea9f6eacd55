/* kernel/proc.h: processes, the scheduler and sleep/wakeup.
 *
 * One hart per node and a non-preemptible kernel: kernel code runs with
 * interrupts off, so the process table needs no locks. User code is
 * preempted by the timer; the kernel gives up the CPU only in sched(). */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <stdint.h>
#include "kernel/trap.h"
#include "kernel/vm.h"
#include "lib/syscall_abi.h"

#define NPROC 128                 /* process slots per node (each has a kernel stack slot) */
#define TIME_SLICE_NS 10000000ULL /* 10 ms: at most 100 preemption ticks/s */
#define DEFAULT_PAGE_LIMIT 20480  /* 80 MiB of user memory per process (a 64 MiB one moves) */
#define DEFAULT_CHILD_LIMIT 64

enum pstate {
    P_FREE = 0,
    P_RUNNABLE = PSTATE_RUNNABLE,
    P_RUNNING = PSTATE_RUNNING,
    P_SLEEPING = PSTATE_SLEEPING,
    P_ZOMBIE = PSTATE_ZOMBIE
};

struct context {
    uint64_t ra, sp, s[12];
};

/* A process's one outstanding local call (kernel/port.c). */
struct caller {
    uint64_t token;
    int state; /* CALL_IDLE, CALL_WAITING, CALL_DONE (kernel/port.h) */
    int error;
    int server_pid; /* who received the request, once someone has */
    struct msg *reply;
    uint64_t rbuf, rcap; /* where the reply goes in the caller (checked writable) */
    uint64_t deadline;   /* when the call times out; 0: never */
};

/* What a process blocked in an IPC wait is waiting for. Such a wait is a
 * continuation (kernel/ipc_wait.c): the process keeps nothing on its kernel
 * stack, only this and its call record, so the IPC fastpath can complete
 * its system call for it and return it straight to user mode. */
enum {
    IPC_WAIT_NONE = 0,
    IPC_WAIT_RECV,
    IPC_WAIT_CALL,
    IPC_WAIT_CALL_MOVED /* a husk's call: its process moved (kernel/migrate_call.c) */
};
/* recv's arguments (they arrive in registers: lib/syscall_abi.h). */
struct recv_args {
    struct port_id port;
    uint64_t buf;
    uint64_t cap;        /* at most MSG_MAX, once checked */
    uint64_t timeout_ns; /* 0: do not wait; TIMEOUT_NEVER */
};
struct ipc_wait {
    int kind;
    uint64_t deadline;     /* RECV: when it times out; 0: never */
    struct recv_args recv; /* RECV: its arguments, checked */
};

struct proc {
    int pid;
    int slot; /* index in the table and kernel-stack slot */
    enum pstate state;
    char name[PROC_NAME_MAX];
    struct proc *parent;  /* NULL once orphaned: reaped by the scheduler */
    struct trapframe *tf; /* = &tf_space (trapvec.S reaches it through sscratch) */
    struct context ctx;
    uint64_t kstack_top;
    struct addrspace as;
    void *chan;          /* what it sleeps on */
    uint64_t wake_at_ns; /* timed sleep deadline, 0 if none */
    int killed;          /* signal that will end it, 0 if none */
    int exit_status;
    int nchildren;
    uint64_t child_limit;
    uint64_t cpu_ns, run_start_ns;
    int service;                 /* started from the boot service list: may use the disk */
    int pinned;                  /* a service or the console's shell: the global scheduler
                                 never moves it (proc_info PROC_F_PINNED) */
    struct port_id console;      /* where its output goes: the console port of the node it
                                 was started from; zero for this node's own console */
    int remote_parent_pid;       /* a parent on another node (spawned from there), */
    uint32_t remote_parent_node; /* told of the exit by KREQ_EXITED; 0 if none */
    /* The trap frame lives in the struct, not in an allocation of its own:
     * the IPC path touches both on every switch, and under QEMU each distinct
     * page touched after an address-space switch costs a TLB refill. */
    struct trapframe tf_space;
    struct caller call;   /* its local call in progress (kernel/port.c) */
    struct ipc_wait ipc;  /* the IPC wait it is blocked in, if any */
    void (*resume)(void); /* where a continuation wait resumes (proc_block) */
    int fp_saved;         /* fpregs holds its FP state */
    uint64_t fpregs[33];
    /* Moving to another node (kernel/migrate.c). */
    uint32_t migrate_to;           /* move it there at the next safe point; 0: no */
    int migrate_self;              /* it asked itself: the outcome is its migrate()'s result */
    struct mig_wait *migrate_wait; /* else who waits for the outcome (NULL: nobody) */
    int restartable;               /* asleep in a system call that a move restarts */
    uint64_t restart_a0;        /* a0 for the restart (the first argument, or sleep's time left) */
    int migrated;               /* a husk: the process runs elsewhere now (proc_find skips it) */
    struct outgoing *migrating; /* a move in pre-copy: its state (kernel/migrate.c) */
    int64_t clock_shift_ns;     /* its clock() minus this node's (0 unless it moved here) */
    uint64_t clock_uva;         /* where it keeps its struct clock_info (0: nowhere yet) */
    int migrate_restarted;      /* its last system call was restarted to move: it was asleep */
    /* The trace and span it works for (kernel/trace.h): those of the last
     * message it received, or its parent's; what it sends carries them. */
    uint64_t trace_id, span_id;
    /* A call of its own that a move left behind (kernel/migrate_call.c).
     * On the node it left, in the husk that keeps the call: id != 0, node
     * = where the process went. On the node it went to: id != 0 while its
     * restarted call waits for the result, node = where the call is. */
    struct call_left {
        uint64_t id; /* the move's transfer id */
        uint32_t node;
        uint64_t deadline; /* the waiting side's; 0: none */
        int done, error;   /* the waiting side: the result came */
        struct msg *reply; /* its bytes, got of them so far */
        uint32_t got;
    } call_left;
};
struct outgoing;
struct mig_state;
struct mig_child;

extern struct proc *proc_table[NPROC];
/* One past the highest slot ever used: loops over the table stop here, so
 * a node with five processes scans five slots, not NPROC. */
extern int proc_slots;

/* The process running on this hart, or NULL in the scheduler. */
extern struct proc *sched_current;
static inline struct proc *proc_current(void) { return sched_current; }
/* The running process's time slice is over: the next return to user mode
 * lets the round robin go on (so a fastpath must not skip that return). */
extern int sched_need_resched;
static inline int sched_slice_over(void) { return sched_need_resched; }
/* Create a process running `path` from the ramdisk with argv (kernel
 * strings). parent may be NULL (a boot process). Returns the new pid or
 * -ENOENT, -ENOEXEC, -ENOMEM, -EAGAIN (no slot or over the child limit),
 * -E2BIG. */
int proc_spawn(struct proc *parent, const char *path, char *const argv[], int argc);
/* The same with the program's image in the parent's memory (spawn_image):
 * name is what ps shows. */
struct exec_user_image;
int proc_spawn_image(struct proc *parent, const char *name, const struct exec_user_image *img,
                     char *const argv[], int argc);
/* End the current process with `status`; does not return. */
void proc_exit(int status) __attribute__((noreturn));
/* Reap a zombie child: see SYS_WAIT. */
int proc_wait(int pid, uint64_t status_uva, int flags);
int proc_kill(int pid, int sig);
struct proc *proc_find(int pid);
/* Fill infos[0..max) with this node's processes: the count. */
int proc_list(struct proc_info *infos, int max);
/* A child p started on another node (KREQ_SPAWN answered pid). */
int proc_add_remote_child(struct proc *p, int pid);
/* KREQ_EXITED from node `from`: child_pid of local parent_pid ended. */
int proc_remote_child_exited(int parent_pid, int child_pid, int status, uint32_t from);

/* The clock_info p's user code reads clock() with: this node's, with the
 * base moved by p's clock shift (kernel/sys_misc.c). */
struct clock_info;
void proc_clock_info(const struct proc *p, struct clock_info *ci);

/* Migration's helpers (kernel/migrate.c uses them). */
/* p's children, local and on other nodes, for the move: the count, or
 * -EBUSY if there are more than max. */
int proc_children_of(struct proc *p, struct mig_child *out, int max);
/* Free process slots (a target refuses a move when there are none). */
int proc_free_slots(void);
/* The target's side of a move: a process from a move's state and the
 * address space its pages were put in (taken on success): it runs at once.
 * 0, -EAGAIN (no slot), -ENOMEM. */
int proc_install(const struct mig_state *s, struct addrspace *as);
/* The source's side, once the target has it: hand p's parent and children
 * links over to the node it went to, drop its memory, and end it here
 * without an exit (nobody is told it exited: it has not). Does not return. */
void proc_moved_away(struct proc *p, uint32_t node) __attribute__((noreturn));
/* The same for a process that moved in the middle of a call of its own
 * (kernel/migrate.h migrate_in_call): p stays, a husk holding only that
 * call (its kernel stack, its call record), without user memory, hidden
 * from proc_find and ps. It returns; proc_husk_exit ends the husk. */
void proc_moved_keeping_call(struct proc *p, uint32_t node);
void proc_husk_exit(struct proc *p) __attribute__((noreturn));

/* Scheduling. */
void scheduler(void) __attribute__((noreturn));
void sched_yield(void);
/* Sleep on chan until proc_wakeup(chan), a deadline (0 = none), or a kill.
 * Returns 0, or -EINTR when killed. */
int proc_sleep(void *chan, uint64_t deadline_ns);
void proc_wakeup(void *chan);
/* The IPC waits' sleep (kernel/ipc_wait.c), as a continuation: the current
 * process (not killed) sleeps on chan until a wakeup, the deadline or a
 * kill, keeping nothing on its kernel stack, which is abandoned. Woken, it
 * starts afresh at resume() on an empty kernel stack, with chan and its
 * deadline cleared; resume must finish its system call and return to user
 * mode. If `to` (may be NULL) is runnable it runs next, at once, for the
 * rest of this time slice: the handoff from a caller to the server it
 * waits for, or from a server back to the caller it just answered (as L4
 * and seL4 do). Otherwise the scheduler picks. Does not return. */
void proc_block(void *chan, uint64_t deadline_ns, struct proc *to, void (*resume)(void))
    __attribute__((noreturn));
/* The IPC fastpath's switch (kernel/ipc_fast.c): the current process
 * blocks as proc_block does, without a handoff, and `to`, whose continuation
 * wait the caller has just completed (its result is in its frame), returns
 * to user mode at once, for the rest of the time slice. now: the time, read
 * once by the fastpath. Does not return. */
void sched_fast_switch(void *chan, uint64_t deadline_ns, void (*resume)(void), struct proc *to,
                       uint64_t now) __attribute__((noreturn));
/* Sleep on chan until proc_wakeup(chan), even if killed meanwhile: for
 * waits that must not be abandoned (a device writing into our pages). The
 * kill takes effect when the syscall returns. */
void proc_sleep_uninterruptible(void *chan);
/* Run by the scheduler when nothing is runnable, before it sleeps: deferred
 * work that must happen but need not delay anyone (net/rpc.c's final acks). */
extern void (*sched_idle_hook)(void);
/* Called from the timer interrupt: wake expired sleepers, note slice end. */
void sched_tick(void);
/* Reprogram the timer for the next event (sleeper deadline or slice end). */
void sched_arm_timer(void);

/* Return p (the current process) to user mode: yields first if its slice
 * is over and another process can run, ends it if it was killed, readies
 * tf->sstatus and the FP registers. Does not return. */
void sched_return_to_user(struct proc *p) __attribute__((noreturn));
void fpu_switch_out(struct proc *p);
void fpu_forget(struct proc *p);

#endif
