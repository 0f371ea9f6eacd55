/* user/ipctest.c: checks of the port calls' edge cases on one node; prints
 * one line per check and `ipctest: all ok` (exit 0) only if all passed.
 *   ipctest            run every local check
 *   ipctest holder     (internal) receive one call on a port registered as
 *                      "ipctest.hold" and exit without replying */
#include <stdio.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

static int failures;

static void expect(const char *what, long got, long want)
{
    if (got != want) {
        printf("ipctest: FAIL %s: got %ld (%s), want %ld\n", what, got,
               got < 0 ? err_str(got) : "ok", want);
        failures++;
    } else {
        printf("ipctest: ok %s\n", what);
    }
}

static int holder(void)
{
    struct port_id p;
    uint8_t buf[64];
    struct msg_info info;
    if (ipc_port_create(&p) || ipc_register("ipctest.hold", &p))
        return 1;
    ipc_recv(&p, buf, sizeof buf, &info, 10 * IPC_SECOND);
    return 0; /* exits holding the request: its caller must get ECONNRESET */
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "holder") == 0)
        return holder();
    struct port_id p, q;
    uint8_t buf[256];
    struct msg_info info;
    expect("port_create", ipc_port_create(&p), 0);
    expect("recv on an empty port, polling", ipc_recv(&p, buf, sizeof buf, 0, 0), -EAGAIN);
    expect("recv with a timeout", ipc_recv(&p, buf, sizeof buf, 0, 20000000), -ETIMEDOUT);
    expect("send to self", ipc_send(&p, "hello", 5, &p), 0);
    expect("recv too small keeps the message", ipc_recv(&p, buf, 2, &info, 0), -EMSGSIZE);
    expect("  ...and reports its length", (long)info.len, 5);
    expect("recv into an unmapped buffer", ipc_recv(&p, (void *)0x2000000000UL, sizeof buf, 0, 0),
           -EFAULT);
    expect("recv", ipc_recv(&p, buf, sizeof buf, &info, 0), 5); /* still queued after that */
    expect("  sender pid", info.sender_pid, sys_getpid());
    expect("  carried port", info.carried.a == p.a && info.carried.b == p.b, 1);
    expect("  no reply token on a send", (long)info.reply_token, 0);
    int sent = 0;
    long rv;
    while ((rv = ipc_send(&p, buf, 8, 0)) == 0 && sent < 1000)
        sent++;
    expect("a full queue refuses with EAGAIN", rv, -EAGAIN);
    expect("  after 32 messages", sent, 32);
    struct port_id forged = p;
    forged.b ^= 1;
    expect("a wrong check field is no port", ipc_send(&forged, buf, 1, 0), -ECONNREFUSED);
    expect("recv on a forged port", ipc_recv(&forged, buf, sizeof buf, 0, 0), -ENOENT);
    expect("message too big", ipc_send(&p, buf, MSG_MAX + 1, 0), -EMSGSIZE);
    expect("reply with a bogus token", ipc_reply(12345, buf, 1), -ENOENT);
    expect("port_close", ipc_port_close(&p), 0);
    expect("send to a closed port", ipc_send(&p, buf, 1, 0), -ECONNREFUSED);

    /* Registry. */
    expect("port_create", ipc_port_create(&q), 0);
    expect("register", ipc_register("ipctest.q", &q), 0);
    expect("register twice", ipc_register("ipctest.q", &q), -EEXIST);
    struct port_id got;
    expect("lookup", ipc_lookup(0, "ipctest.q", &got), 0);
    expect("  finds the port", got.a == q.a && got.b == q.b, 1);
    expect("lookup of a missing name", ipc_lookup(0, "ipctest.none", &got), -ENOENT);
    expect("unregister", ipc_unregister("ipctest.q"), 0);
    expect("lookup after unregister", ipc_lookup(0, "ipctest.q", &got), -ENOENT);
    expect("a name too long", ipc_register("0123456789012345678901234567890123", &q),
           -ENAMETOOLONG);

    /* A server that dies holding a call: the caller learns it at once. */
    char *hargv[] = {"ipctest", "holder", NULL};
    int pid = sys_spawn("ipctest", hargv);
    expect("spawn the holder", pid > 0, 1);
    struct port_id hold;
    for (int tries = 0; tries < 100 && ipc_lookup(0, "ipctest.hold", &hold) != 0; tries++)
        sys_sleep(10000000);
    expect("call a server that exits without replying",
           ipc_call(&hold, "x", 1, buf, sizeof buf, 5 * IPC_SECOND), -ECONNRESET);
    sys_wait(pid, 0, 0);
    expect("its binding vanished with it", ipc_lookup(0, "ipctest.hold", &got), -ENOENT);

    /* Many ports: the per-process limit holds. */
    struct port_id many;
    int made = 0;
    while (ipc_port_create(&many) == 0 && made < 100)
        made++;
    expect("ports per process are limited", made < 100, 1);
    if (failures) {
        printf("ipctest: %d failed\n", failures);
        return 1;
    }
    printf("ipctest: all ok\n");
    return 0;
}
