/* kernel/sys_net.c: system calls of the network stack (net/). */
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "net/net.h"

#define NET_TIMEOUT_MAX (60ULL * 1000000000ULL)

/* ping(ip, seq, timeout_ns): one ICMP echo; RTT in ns. */
SYSCALL(ping)
{
    uint32_t ip = (uint32_t)args[0];
    uint64_t timeout = args[2];
    if (args[0] > 0xffffffffULL || timeout == 0 || timeout > NET_TIMEOUT_MAX)
        return -EINVAL;
    if (!net_up())
        return -ENODEV;
    return icmp_ping(ip, (uint16_t)p->pid, (uint16_t)args[1], timeout);
}

SYSCALL(netstat) { return vm_copyout(&p->as, args[0], &net_stats, sizeof net_stats); }

/* udpecho(ip, buf, len, timeout_ns): send buf to ip's UDP echo service and
 * check the echo byte for byte; RTT in ns. */
SYSCALL(udpecho)
{
    uint32_t ip = (uint32_t)args[0];
    uint64_t len = args[2], timeout = args[3];
    if (args[0] > 0xffffffffULL || len > NET_UDP_MAX || timeout == 0 || timeout > NET_TIMEOUT_MAX)
        return -EINVAL;
    uint8_t buf[NET_UDP_MAX];
    if (vm_copyin(&p->as, buf, args[1], len))
        return -EFAULT;
    if (!net_up())
        return -ENODEV;
    return udp_echo(ip, buf, (uint32_t)len, timeout);
}

/* rawecho(node, timeout_ns): one bare Ethernet echo with node's kernel. */
SYSCALL(rawecho)
{
    uint64_t node = args[0], timeout = args[1];
    if (node == 0 || node > 65534 || timeout == 0 || timeout > NET_TIMEOUT_MAX)
        return -EINVAL;
    if (!net_up())
        return -ENODEV;
    return rawecho((uint32_t)node, timeout);
}
