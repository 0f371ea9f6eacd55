/* user/ipc.c: thin wrappers over the port system calls, and the registry
 * protocol (struct registry_req / registry_rep in lib/syscall_abi.h). */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

int ipc_port_create(struct port_id *out) { return (int)syscall1(SYS_PORT_CREATE, out); }
int ipc_port_close(const struct port_id *port) { return (int)syscall1(SYS_PORT_CLOSE, port); }

int ipc_send(const struct port_id *dst, const void *buf, size_t len, const struct port_id *carry)
{
    struct send_args a = {.dst = *dst, .buf = buf, .len = len};
    if (carry)
        a.carry = *carry;
    return (int)syscall1(SYS_SEND, &a);
}

int ipc_send_datagram(const struct port_id *dst, const void *buf, size_t len,
                      const struct port_id *carry)
{
    struct send_args a = {.dst = *dst, .buf = buf, .len = len, .flags = SEND_DATAGRAM};
    if (carry)
        a.carry = *carry;
    return (int)syscall1(SYS_SEND, &a);
}

/* The round trip's system calls take up to seven arguments in registers
 * (lib/syscall_abi.h); recv and reply_recv return the message's details in
 * a1-a5, which go to *info if it is asked for. */
static long ipc_syscall(long n, long a0, long a1, long a2, long a3, long a4, long a5, long a6,
                        struct msg_info *info)
{
    register long r0 asm("a0") = a0;
    register long r1 asm("a1") = a1;
    register long r2 asm("a2") = a2;
    register long r3 asm("a3") = a3;
    register long r4 asm("a4") = a4;
    register long r5 asm("a5") = a5;
    register long r6 asm("a6") = a6;
    register long r7 asm("a7") = n;
    asm volatile("ecall"
                 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5)
                 : "r"(r6), "r"(r7)
                 : "memory");
    if (info && (r0 >= 0 || r0 == -EMSGSIZE)) {
        info->len = (uint64_t)r1;
        info->reply_token = (uint64_t)r2;
        info->sender_pid = (int32_t)r3;
        info->sender_node = (int32_t)((uint64_t)r3 >> 32);
        info->carried = (struct port_id){(uint64_t)r4, (uint64_t)r5};
    }
    return r0;
}

long ipc_recv(const struct port_id *port, void *buf, size_t cap, struct msg_info *info,
              uint64_t timeout_ns)
{
    return ipc_syscall(SYS_RECV, (long)port->a, (long)port->b, (long)buf,
                       (long)(cap > IPC_SIZE_MAX ? IPC_SIZE_MAX : cap), (long)timeout_ns, 0, 0,
                       info);
}

long ipc_call_carry(const struct port_id *dst, const void *buf, size_t len, void *rbuf, size_t rcap,
                    const struct port_id *carry, uint64_t timeout_ns)
{
    return ipc_syscall(SYS_CALL, (long)dst->a, (long)dst->b, (long)buf, (long)IPC_SIZES(len, rcap),
                       (long)rbuf, (long)timeout_ns, (long)carry, 0);
}

long ipc_call(const struct port_id *dst, const void *buf, size_t len, void *rbuf, size_t rcap,
              uint64_t timeout_ns)
{
    return ipc_call_carry(dst, buf, len, rbuf, rcap, 0, timeout_ns);
}

int ipc_reply(uint64_t token, const void *buf, size_t len)
{
    return (int)syscall3(SYS_REPLY, token, buf, len);
}

long ipc_reply_recv(uint64_t token, const void *buf, size_t len, const struct port_id *port,
                    void *rbuf, size_t cap, struct msg_info *info, uint64_t timeout_ns)
{
    return ipc_syscall(SYS_REPLY_RECV, (long)token, (long)buf, (long)IPC_SIZES(len, cap),
                       (long)port->a, (long)port->b, (long)rbuf, (long)timeout_ns, info);
}

static int registry_call(int node, uint32_t op, const char *name, const struct port_id *port,
                         struct port_id *out, uint64_t timeout_ns)
{
    if (strlen(name) >= REGISTRY_NAME_MAX)
        return -ENAMETOOLONG;
    struct port_id reg;
    int rv = (int)syscall3(SYS_BOOTSTRAP, node ? node : sys_nodeid(), &reg, timeout_ns);
    if (rv < 0)
        return rv;
    struct registry_req rq = {.op = op};
    strcpy(rq.name, name);
    if (port)
        rq.port = *port;
    struct registry_rep rp;
    long n =
        ipc_call(&reg, &rq, sizeof rq, &rp, sizeof rp, timeout_ns ? timeout_ns : 5 * IPC_SECOND);
    if (n < 0)
        return (int)n;
    if (n != sizeof rp)
        return -EPROTO;
    if (rp.status == 0 && out)
        *out = rp.port;
    return rp.status;
}

int ipc_register(const char *name, const struct port_id *port)
{
    return registry_call(0, REGISTRY_BIND, name, port, 0, 0);
}

int ipc_unregister(const char *name) { return registry_call(0, REGISTRY_UNBIND, name, 0, 0, 0); }

int ipc_lookup(int node, const char *name, struct port_id *out)
{
    return registry_call(node, REGISTRY_LOOKUP, name, 0, out, 0);
}

int ipc_lookup_wait(const char *name, struct port_id *out, long wait_ms)
{
    int rv;
    for (long waited = 0; (rv = ipc_lookup(0, name, out)) != 0 && waited < wait_ms; waited += 10)
        sys_sleep(10000000);
    return rv;
}

int ipc_lookup_timeout(int node, const char *name, struct port_id *out, uint64_t timeout_ns)
{
    return registry_call(node, REGISTRY_LOOKUP, name, 0, out, timeout_ns);
}

int ipc_service_start(const char *prog, const char *name, struct port_id *port)
{
    int rv = ipc_port_create(port);
    if (rv == 0)
        rv = ipc_register(name, port);
    if (rv < 0)
        printf("%s: cannot register \"%s\": %s\n", prog, name, err_str(rv));
    else
        printf("%s: serving \"%s\" on node %d\n", prog, name, sys_nodeid());
    return rv;
}
