/* kernel/syscall.h: the system-call table (kernel/syscall.c, run by user_trap);
 * the calls themselves in kernel/sys_proc.c and kernel/sys_misc.c; the ABI
 * in lib/syscall_abi.h and docs/syscalls.md. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>

struct proc;

/* Each call gets the caller and its six argument registers. */
typedef int64_t (*syscall_fn)(struct proc *p, const uint64_t *args);

/* Indexed by number (lib/syscall_abi.h): user_trap (kernel/trap.c) runs
 * the call named by a7 with a0..a5 and puts the result in a0. NULL: no such
 * call (ENOSYS). */
extern syscall_fn syscall_table[];

#define SYSCALL(name) int64_t sys_##name(struct proc *p, const uint64_t *args)
SYSCALL(exit);
SYSCALL(getpid);
SYSCALL(wallclock);
SYSCALL(spawn_image);
SYSCALL(migrate);
SYSCALL(bootarg);
SYSCALL(trace);
SYSCALL(ramdisk_read);
SYSCALL(getppid);
SYSCALL(spawn);
SYSCALL(wait);
SYSCALL(kill);
SYSCALL(sleep);
SYSCALL(yield);
SYSCALL(sbrk);
SYSCALL(read);
SYSCALL(write);
SYSCALL(clock);
SYSCALL(clock_info);
SYSCALL(nodeid);
SYSCALL(proclist);
SYSCALL(meminfo);
SYSCALL(setlimit);
SYSCALL(faultinject);
SYSCALL(calibrate);
SYSCALL(ping);
SYSCALL(netstat);
SYSCALL(udpecho);
SYSCALL(rawecho);
SYSCALL(disk_info);
SYSCALL(disk_read);
SYSCALL(disk_write);
SYSCALL(disk_flush);
SYSCALL(service);
SYSCALL(port_create);
SYSCALL(port_close);
SYSCALL(send);
SYSCALL(recv);
SYSCALL(call);
SYSCALL(reply);
SYSCALL(bootstrap);
SYSCALL(rpcstat);
SYSCALL(spawn_node);
SYSCALL(proclist_node);
SYSCALL(nodes);
SYSCALL(log);
SYSCALL(reply_recv);

#endif
