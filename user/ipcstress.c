/* user/ipcstress.c: `ipcstress [-c CLIENTS] [-n CALLS] [-s SEED]`: many
 * processes calling one echo server at once, to shake the IPC paths against
 * each other (the fastpath, the ordinary path, continuation waits woken by
 * replies, timeouts and kills).
 *
 * It starts `echod` and CLIENTS clients, each making CALLS calls of random
 * sizes on both sides of the fastpath's 256-byte limit, some with timeouts
 * short enough to expire while other calls are queued ahead. Meanwhile it
 * kills a random client now and then (starting another in its place), and
 * once, early on, kills the server and starts a new one; a kill must take
 * effect at once, not when the call it interrupts would time out. A client checks
 * every reply byte for byte and accepts only the failures a caller can
 * expect: ETIMEDOUT, and while the server restarts ECONNRESET (it died
 * holding the call) or ECONNREFUSED (its port is gone), after which it
 * looks the server up again. Prints `ipcstress: ok ...` when every client
 * ended well or was killed by us, else `ipcstress: FAIL ...`; exit 0 or 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

#define MAX_CLIENTS 16
#define MAX_SIZE 600 /* bigger than the fastpath's 256 bytes */
#define KILL_WITHIN_NS 500000000ULL

/* Client exit statuses (anything else is a failure too). */
enum { CLIENT_OK = 0, CLIENT_CORRUPT = 1, CLIENT_UNEXPECTED = 2, CLIENT_NO_SERVER = 3 };

static uint32_t rng;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* "echo" once it is bound (a restarted server binds it again): 0 or -errno. */
static int find_server(struct port_id *out) { return ipc_lookup_wait("echo", out, 3000); }

static int client(long seed, long calls)
{
    rng = (uint32_t)seed * 2654435761u + 1;
    struct port_id srv;
    if (find_server(&srv))
        return CLIENT_NO_SERVER;
    static uint8_t out[MAX_SIZE], in[MAX_SIZE];
    long ok = 0, timeouts = 0, resets = 0;
    for (long n = 0; n < calls; n++) {
        if (n % 25 == 24)
            sys_sleep(1000000); /* spread over time, so the kills and the restart meet calls */
        size_t size = next_rand() % 4 == 0 ? next_rand() % MAX_SIZE : next_rand() % 64;
        for (size_t b = 0; b < size; b++)
            out[b] = (uint8_t)(seed * 7 + n * 131 + b);
        /* Mostly patient calls; one in eight may expire behind a queue. */
        uint64_t timeout = next_rand() % 8 == 0 ? 20000 : 2 * IPC_SECOND;
        long got = ipc_call(&srv, out, size, in, sizeof in, timeout);
        if (got == (long)size && memcmp(in, out, size) == 0) {
            ok++;
        } else if (got >= 0) {
            printf("ipcstress: client %ld call %ld: %ld bytes back for %zu, or different\n", seed,
                   n, got, size);
            return CLIENT_CORRUPT;
        } else if (got == -ETIMEDOUT) {
            timeouts++;
        } else if (got == -ECONNRESET || got == -ECONNREFUSED) {
            resets++; /* the server was restarted: find the new one */
            if (find_server(&srv))
                return CLIENT_NO_SERVER;
        } else {
            printf("ipcstress: client %ld call %ld: %s\n", seed, n, err_str(got));
            return CLIENT_UNEXPECTED;
        }
    }
    printf("ipcstress: client %ld ok %ld timeout %ld reset %ld\n", seed, ok, timeouts, resets);
    return CLIENT_OK;
}

static int spawn(char *role, long a, long b)
{
    char sa[24], sb[24];
    snprintf(sa, sizeof sa, "%ld", a);
    snprintf(sb, sizeof sb, "%ld", b);
    char *argv[] = {"ipcstress", role, sa, sb, NULL};
    return sys_spawn("ipcstress", argv);
}

static int start_server(void)
{
    char *argv[] = {"echod", NULL};
    return sys_spawn("echod", argv);
}

int main(int argc, char **argv)
{
    long clients = 6, calls = 3000, seed = 1;
    if (argc == 4 && strcmp(argv[1], "client") == 0) {
        long s, c;
        if (parse_long(argv[2], &s) || parse_long(argv[3], &c))
            return 2;
        return client(s, c);
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        long *v = !strcmp(argv[i], "-c")   ? &clients
                  : !strcmp(argv[i], "-n") ? &calls
                  : !strcmp(argv[i], "-s") ? &seed
                                           : NULL;
        if (!v || parse_long(argv[i + 1], v))
            goto usage;
    }
    if (argc % 2 == 0 || clients < 1 || clients > MAX_CLIENTS || calls < 1)
        goto usage;
    rng = (uint32_t)seed;

    struct port_id srv;
    int server = start_server();
    if (server < 0 || find_server(&srv)) {
        printf("ipcstress: FAIL cannot start echod\n");
        return 1;
    }
    int pid[MAX_CLIENTS];
    long next_seed = seed * 1000;
    for (long i = 0; i < clients; i++)
        pid[i] = spawn("client", next_seed++, calls);

    /* While they run: kill a client now and then, restart the server once. */
    int killed = 0, restarted = 0, bad = 0, running = (int)clients;
    for (int tick = 0; running > 0 && tick < 6000; tick++) {
        sys_sleep(10000000);
        if (tick == 5) {
            sys_kill(server, SIG_KILL);
            sys_wait(server, 0, 0);
            server = start_server();
            restarted = 1;
        }
        if (tick % 4 == 2 && killed < (int)clients) {
            int i = (int)(next_rand() % (uint32_t)clients);
            uint64_t t0 = sys_clock();
            if (pid[i] > 0 && sys_kill(pid[i], SIG_KILL) == 0) {
                int st = 0;
                sys_wait(pid[i], &st, 0);
                if (st != 128 + SIG_KILL && st != CLIENT_OK) {
                    printf("ipcstress: client pid %d ended with %d\n", pid[i], st);
                    bad++;
                }
                /* A kill ends a waiting call at once, not at its timeout (2 s). */
                uint64_t took = sys_clock() - t0;
                if (took > KILL_WITHIN_NS) {
                    printf("ipcstress: killing client pid %d took %lu ms\n", pid[i],
                           (unsigned long)(took / 1000000));
                    bad++;
                }
                killed++;
                pid[i] = spawn("client", next_seed++, calls / 4);
            }
        }
        /* Reap the clients that are done. */
        running = 0;
        for (long i = 0; i < clients; i++) {
            if (pid[i] <= 0)
                continue;
            int st = 0;
            int r = sys_wait(pid[i], &st, WAIT_NOHANG);
            if (r == 0) {
                running++;
                continue;
            }
            if (r == pid[i] && st != CLIENT_OK) {
                printf("ipcstress: client pid %d ended with %d\n", pid[i], st);
                bad++;
            }
            pid[i] = 0;
        }
    }
    sys_kill(server, SIG_KILL);
    sys_wait(server, 0, 0);
    if (running > 0 || bad > 0 || !restarted) {
        printf("ipcstress: FAIL %d clients failed, %d still running\n", bad, running);
        return 1;
    }
    printf("ipcstress: ok, %ld clients, %d killed and replaced, server restarted once\n", clients,
           killed);
    return 0;
usage:
    fprintf(stderr, "usage: ipcstress [-c CLIENTS] [-n CALLS] [-s SEED]\n");
    return 2;
}
