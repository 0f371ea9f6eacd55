/* kernel/syscall.c: the system-call table. */
#include "kernel/syscall.h"
#include "kernel/proc.h"
#include "kernel/kernel.h"
#include "lib/errno.h"
#include "lib/syscall_abi.h"

/* In the hot data page, not .rodata: every system call reads it, and under
 * QEMU each distinct page touched after an address-space switch costs a TLB
 * refill (kernel/kernel.h). Nothing writes it after link time. */
syscall_fn syscall_table[SYS_COUNT] HOT_DATA = {
    [SYS_EXIT] = sys_exit,
    [SYS_GETPID] = sys_getpid,
    [SYS_GETPPID] = sys_getppid,
    [SYS_SPAWN] = sys_spawn,
    [SYS_WAIT] = sys_wait,
    [SYS_KILL] = sys_kill,
    [SYS_SLEEP] = sys_sleep,
    [SYS_YIELD] = sys_yield,
    [SYS_SBRK] = sys_sbrk,
    [SYS_READ] = sys_read,
    [SYS_WRITE] = sys_write,
    [SYS_CLOCK] = sys_clock,
    [SYS_NODEID] = sys_nodeid,
    [SYS_PROCLIST] = sys_proclist,
    [SYS_MEMINFO] = sys_meminfo,
    [SYS_SETLIMIT] = sys_setlimit,
    [SYS_FAULTINJECT] = sys_faultinject,
    [SYS_CALIBRATE] = sys_calibrate,
    [SYS_PING] = sys_ping,
    [SYS_NETSTAT] = sys_netstat,
    [SYS_UDPECHO] = sys_udpecho,
    [SYS_RAWECHO] = sys_rawecho,
    [SYS_DISK_INFO] = sys_disk_info,
    [SYS_DISK_READ] = sys_disk_read,
    [SYS_DISK_WRITE] = sys_disk_write,
    [SYS_DISK_FLUSH] = sys_disk_flush,
    [SYS_SERVICE] = sys_service,
    [SYS_PORT_CREATE] = sys_port_create,
    [SYS_PORT_CLOSE] = sys_port_close,
    [SYS_SEND] = sys_send,
    [SYS_RECV] = sys_recv,
    [SYS_CALL] = sys_call,
    [SYS_REPLY] = sys_reply,
    [SYS_BOOTSTRAP] = sys_bootstrap,
    [SYS_RPCSTAT] = sys_rpcstat,
    [SYS_SPAWN_NODE] = sys_spawn_node,
    [SYS_PROCLIST_NODE] = sys_proclist_node,
    [SYS_NODES] = sys_nodes,
    [SYS_LOG] = sys_log,
    [SYS_REPLY_RECV] = sys_reply_recv,
    [SYS_CLOCK_INFO] = sys_clock_info,
    [SYS_WALLCLOCK] = sys_wallclock,
    [SYS_SPAWN_IMAGE] = sys_spawn_image,
    [SYS_RAMDISK_READ] = sys_ramdisk_read,
    [SYS_MIGRATE] = sys_migrate,
    [SYS_BOOTARG] = sys_bootarg,
    [SYS_TRACE] = sys_trace,
};
