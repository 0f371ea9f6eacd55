/* services/naming/console.c: "console.N" -> this node's console port,
 * ephemeral in the naming server's session, so programs anywhere find every
 * console by name (`tell 2 hello`). */
#include <stdio.h>
#include <string.h>

#include "services/naming/server.h"
#include "user/ulib.h"

static struct port_id console_port;
static bool console_known;
static int32_t my_pid;

void console_init(void)
{
    my_pid = sys_getpid();
    console_known = ipc_lookup(0, "console", &console_port) == 0;
}

void console_poll(void)
{
    static uint64_t next_ns;
    uint64_t session = replica_session();
    if (!console_known || !session || replica.now_ns < next_ns)
        return;
    next_ns = replica.now_ns + (uint64_t)replica.cfg.lease_ms / 4 * 1000000ULL;
    struct ns_request req;
    memset(&req, 0, sizeof req);
    req.op = NS_OP_PUT;
    req.flags = NS_F_PORT | NS_F_EPHEMERAL;
    req.session = session;
    req.owner_pid = my_pid;
    req.port = console_port;
    req.name_len = (uint16_t)snprintf(req.name, sizeof req.name, "console.%u", replica.cfg.node);
    for (uint32_t i = 0; i < ns_machine.n_bindings; i++) {
        const struct ns_binding *b = &ns_machine.e[i].b;
        if (b->name_len == req.name_len && !memcmp(b->name, req.name, req.name_len))
            if (b->session == session && b->port.a == console_port.a && b->port.b == console_port.b)
                return; /* in place */
    }
    static uint8_t buf[NS_REQUEST_MAX];
    int n = ns_request_encode(&req, buf, sizeof buf);
    if (n > 0)
        replica_forward(buf, (uint32_t)n);
}
