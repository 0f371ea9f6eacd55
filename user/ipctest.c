/* user/ipctest.c: checks of the port calls' edge cases on one node; prints
 * one line per check and `ipctest: all ok` (exit 0) only if all passed.
 *   ipctest            run every local check
 *   ipctest holder     (internal) receive one call on a port registered as
 *                      "ipctest.hold" and exit without replying
 *   ipctest slow       (internal) serve one call on "ipctest.slow", replying
 *                      after 300 ms; exit 0 iff that reply found no caller
 *   ipctest spin       (internal) take one call on "ipctest.spin", then spin
 *   ipctest caller NAME ERR  (internal) call NAME; exit 0 iff it fails with
 *                      -ERR
 *   ipctest rr         (internal) serve three calls on "ipctest.rr" with
 *                      reply_recv, answering each with its bytes + 1
 * The last three check the kernel's handoff (a blocking call runs the server
 * at once, a server blocking in recv runs the caller it answered) against
 * timeouts, kills and late replies. */
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

/* Receive one call on a fresh port registered as name: its reply token. */
static uint64_t take_one_call(const char *name, struct port_id *p)
{
    uint8_t buf[64];
    struct msg_info info = {0};
    if (ipc_port_create(p) || ipc_register(name, p))
        return 0;
    if (ipc_recv(p, buf, sizeof buf, &info, 10 * IPC_SECOND) < 0)
        return 0;
    return info.reply_token;
}

static int slow_server(void)
{
    struct port_id p;
    uint64_t token = take_one_call("ipctest.slow", &p);
    if (!token)
        return 2;
    sys_sleep(300000000);
    return ipc_reply(token, "late", 4) == -ENOENT ? 0 : 1;
}

static int spin_server(void)
{
    struct port_id p;
    if (!take_one_call("ipctest.spin", &p))
        return 2;
    for (volatile int i = 0;; i++)
        ; /* holds the call (and the CPU the caller handed over) until killed */
}

static int caller(const char *name, const char *err)
{
    struct port_id srv;
    long want;
    uint8_t buf[64];
    if (parse_long(err, &want) || ipc_lookup_wait(name, &srv, 1000))
        return 2;
    return ipc_call(&srv, "x", 1, buf, sizeof buf, 10 * IPC_SECOND) == -want ? 0 : 1;
}

/* A server loop on reply_recv: each call is answered by the next
 * reply_recv, and the third answer by one that polls (EAGAIN: nothing more
 * queued). Exit 0 iff every step returned what it should. */
static int rr_server(void)
{
    struct port_id p;
    uint8_t buf[64];
    struct msg_info info = {0};
    if (ipc_port_create(&p) || ipc_register("ipctest.rr", &p))
        return 2;
    uint64_t token = 0;
    long n = 0;
    for (int i = 0; i < 3; i++) {
        n = ipc_reply_recv(token, buf, (size_t)n, &p, buf, sizeof buf, &info, 10 * IPC_SECOND);
        if (n < 1 || !info.reply_token)
            return 3;
        for (long b = 0; b < n; b++)
            buf[b]++;
        token = info.reply_token;
    }
    return ipc_reply_recv(token, buf, (size_t)n, &p, buf, sizeof buf, &info, 0) == -EAGAIN ? 0 : 4;
}

/* A reply_recv server whose replies are 8 bytes, to two calls; the first
 * caller has room for 4 only. Both receives wait, so the calls can reach
 * it through the kernel's fastpath, and the too-long reply must fall back
 * to the ordinary path and fail at the caller (EMSGSIZE). */
static int big_reply_server(void)
{
    struct port_id p;
    uint8_t buf[64];
    struct msg_info info = {0};
    if (ipc_port_create(&p) || ipc_register("ipctest.big", &p))
        return 2;
    uint64_t token = 0;
    for (int i = 0; i < 2; i++) {
        long n = ipc_reply_recv(token, "12345678", token ? 8 : 0, &p, buf, sizeof buf, &info,
                                10 * IPC_SECOND);
        if (n != 1 || !info.reply_token)
            return 3;
        token = info.reply_token;
    }
    return ipc_reply(token, "12345678", 8) == 0 ? 0 : 4;
}

/* A server waiting with a 4-byte buffer for an 8-byte call: the message
 * must stay queued (EMSGSIZE, its length reported) for a bigger receive. */
static int small_buffer_server(void)
{
    struct port_id p;
    uint8_t buf[64];
    struct msg_info info = {0};
    if (ipc_port_create(&p) || ipc_register("ipctest.small", &p))
        return 2;
    if (ipc_recv(&p, buf, 4, &info, 10 * IPC_SECOND) != -EMSGSIZE || info.len != 8)
        return 3;
    if (ipc_recv(&p, buf, sizeof buf, &info, 0) != 8 || memcmp(buf, "abcdefgh", 8) != 0)
        return 4;
    return ipc_reply(info.reply_token, "ok", 2) == 0 ? 0 : 5;
}

static int spawn_role(char *role, char *arg1, char *arg2)
{
    char *argv[] = {"ipctest", role, arg1, arg2, NULL};
    return sys_spawn("ipctest", argv);
}

static int wait_status(int pid)
{
    int st = -1;
    if (sys_wait(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* Calls that block and hand the CPU over, then end in a timeout, a killed
 * caller or a killed server. */
static void handoff_checks(void)
{
    struct port_id srv;
    uint8_t buf[64];
    char err[16];

    int s = spawn_role("slow", NULL, NULL);
    expect("spawn a slow server", s > 0 && ipc_lookup_wait("ipctest.slow", &srv, 1000) == 0, 1);
    expect("a call times out while its server works",
           ipc_call(&srv, "x", 1, buf, sizeof buf, 50000000), -ETIMEDOUT);
    expect("  the late reply finds no caller (ENOENT)", wait_status(s), 0);

    s = spawn_role("slow", NULL, NULL);
    snprintf(err, sizeof err, "%d", EINTR);
    int c = spawn_role("caller", "ipctest.slow", err);
    expect("spawn a slow server and its caller", s > 0 && c > 0, 1);
    sys_sleep(100000000); /* the caller is now blocked in call */
    uint64_t t0 = sys_clock();
    expect("kill the waiting caller", sys_kill(c, SIG_KILL), 0);
    expect("  it ends killed", wait_status(c), 128 + SIG_KILL);
    expect("  at once, not when its 10 s call would time out", sys_clock() - t0 < 1000000000, 1);
    expect("  the reply to it finds no caller (ENOENT)", wait_status(s), 0);

    s = spawn_role("spin", NULL, NULL);
    snprintf(err, sizeof err, "%d", ECONNRESET);
    c = spawn_role("caller", "ipctest.spin", err);
    expect("spawn a spinning server and its caller", s > 0 && c > 0, 1);
    /* The caller handed the CPU to the server, which keeps it: this process
     * runs again only because the time slice still ends. */
    sys_sleep(100000000);
    expect("kill the server holding the call", sys_kill(s, SIG_KILL), 0);
    expect("  it ends killed", wait_status(s), 128 + SIG_KILL);
    expect("  its caller gets ECONNRESET", wait_status(c), 0);
}

/* reply_recv (SYS_REPLY_RECV): the receive alone, argument checks that
 * stop it before it replies, a reply to nobody, then a server built on it. */
static void reply_recv_checks(void)
{
    struct port_id p, srv;
    uint8_t buf[64];
    struct msg_info info;
    void *unmapped = (void *)0x2000000000UL;
    expect("reply_recv: port_create", ipc_port_create(&p), 0);
    expect("reply_recv with no token polls like recv",
           ipc_reply_recv(0, 0, 0, &p, buf, sizeof buf, 0, 0), -EAGAIN);
    uint8_t in[8];
    expect("call carrying a port from an unmapped address",
           ipc_call_carry(&p, "c", 1, in, sizeof in, unmapped, 20000000), -EFAULT);
    expect("call to itself carrying a port times out",
           ipc_call_carry(&p, "c", 1, in, sizeof in, &p, 20000000), -ETIMEDOUT);
    expect("  its port holds the call", ipc_recv(&p, buf, sizeof buf, &info, 0), 1);
    expect("  which carries the port, with a reply token",
           info.carried.a == p.a && info.carried.b == p.b && info.reply_token != 0, 1);
    expect("send to self", ipc_send(&p, "abc", 3, 0), 0);
    expect("reply_recv with an unmapped reply buffer",
           ipc_reply_recv(12345, unmapped, 8, &p, buf, sizeof buf, 0, 0), -EFAULT);
    expect("reply_recv with an oversized reply",
           ipc_reply_recv(12345, buf, MSG_MAX + 1, &p, buf, sizeof buf, 0, 0), -EMSGSIZE);
    expect("  neither received the queued message",
           ipc_reply_recv(12345, "x", 1, &p, buf, sizeof buf, &info, 0), 3);
    expect("  a reply to a bogus token is dropped and the receive goes on",
           memcmp(buf, "abc", 3) == 0 && info.reply_token == 0, 1);
    ipc_port_close(&p);

    int s = spawn_role("rr", NULL, NULL);
    expect("spawn a reply_recv server", s > 0 && ipc_lookup_wait("ipctest.rr", &srv, 1000) == 0, 1);
    int good = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t out[3] = {(uint8_t)i, 10, 20}, in[8];
        long n = ipc_call(&srv, out, sizeof out, in, sizeof in, 5 * IPC_SECOND);
        good += n == 3 && in[0] == i + 1 && in[1] == 11 && in[2] == 21;
    }
    expect("  three calls answered through reply_recv", good, 3);
    expect("  the server saw each step right", wait_status(s), 0);

    s = spawn_role("big", NULL, NULL);
    expect("spawn a server with 8-byte replies",
           s > 0 && ipc_lookup_wait("ipctest.big", &srv, 1000) == 0, 1);
    expect("  a reply longer than the caller's buffer",
           ipc_call(&srv, "x", 1, in, 4, 5 * IPC_SECOND), -EMSGSIZE);
    expect("  the next call gets all of it",
           ipc_call(&srv, "y", 1, in, sizeof in, 5 * IPC_SECOND) == 8 &&
               memcmp(in, "12345678", 8) == 0,
           1);
    expect("  the server saw each step right", wait_status(s), 0);

    s = spawn_role("small", NULL, NULL);
    expect("spawn a server waiting with a small buffer",
           s > 0 && ipc_lookup_wait("ipctest.small", &srv, 1000) == 0, 1);
    sys_sleep(20000000); /* it is waiting in recv by now */
    expect("  a call longer than its buffer waits for a bigger recv",
           ipc_call(&srv, "abcdefgh", 8, in, sizeof in, 5 * IPC_SECOND) == 2 &&
               memcmp(in, "ok", 2) == 0,
           1);
    expect("  the server saw each step right", wait_status(s), 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "holder") == 0)
        return holder();
    if (argc == 2 && strcmp(argv[1], "slow") == 0)
        return slow_server();
    if (argc == 2 && strcmp(argv[1], "spin") == 0)
        return spin_server();
    if (argc == 2 && strcmp(argv[1], "rr") == 0)
        return rr_server();
    if (argc == 2 && strcmp(argv[1], "big") == 0)
        return big_reply_server();
    if (argc == 2 && strcmp(argv[1], "small") == 0)
        return small_buffer_server();
    if (argc == 4 && strcmp(argv[1], "caller") == 0)
        return caller(argv[2], argv[3]);
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
    /* call passes two sizes in one register (IPC_SIZES): a length past 32
     * bits must not be cut to its low bits (here 1). */
    expect("a call whose length needs 33 bits",
           ipc_call(&p, buf, ((size_t)1 << 32) + 1, buf, 8, 20000000), -EMSGSIZE);
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
    ipc_lookup_wait("ipctest.hold", &hold, 1000);
    expect("call a server that exits without replying",
           ipc_call(&hold, "x", 1, buf, sizeof buf, 5 * IPC_SECOND), -ECONNRESET);
    sys_wait(pid, 0, 0);
    expect("its binding vanished with it", ipc_lookup(0, "ipctest.hold", &got), -ENOENT);

    handoff_checks();
    reply_recv_checks();

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
