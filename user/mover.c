/* user/mover.c: a process put in a state, moved to other nodes
 * (kernel/migrate.c), and checked to be in the same state after, in the
 * style of CRIU's zdtm tests (tests/migrate/cluster.py runs them).
 *
 *   mover mem MIB N1,N2,...   fill MIB MiB with a pattern and keep FP values
 *                             in registers, move itself to each node in
 *                             turn, checking after every move that it runs
 *                             there, the memory's checksum and the FP values
 *                             are unchanged, and its pid is the same
 *   mover sleep MS NODE       a child that sleeps MS ms is moved by this
 *                             process (its parent) while asleep; the child
 *                             wakes on time on NODE and exits 7; this waits
 *                             for it and checks the status and the time
 *   mover wait NODE           moves itself while its child (here) runs;
 *                             then waits for the child and checks its status
 *   mover stay NODE SECS      moves itself to NODE, then prints a line
 *                             every second for SECS seconds (kill it from
 *                             anywhere; its output stays on this console)
 *   mover round TIMES         moves itself round every node TIMES times
 *   mover try MIB NODE        fill MIB MiB, say "moving", try to move to
 *                             NODE once, say where it ended up and why, and
 *                             check its memory there (the failure tests:
 *                             a move that fails leaves it intact where it was)
 *   mover hold MIB SECS       hold MIB MiB for SECS seconds (fills a node)
 *   mover file PATH NODE      write lines to PATH (the file service), move
 *                             to NODE with the file open, write more, close
 *   mover call SERVICE SRVNODE NODE
 *                             a child calls SERVICE on SRVNODE ("counter":
 *                             one increment; "echo": MSG_MAX bytes back),
 *                             a server slow to answer (counterd -d, echod
 *                             -d); this moves the child to NODE while it
 *                             waits in the call. The child checks it is on
 *                             NODE with the right answer and exits 7; the
 *                             call ran once (counterd says DUPLICATE if not)
 *   mover unlinked PATH NODE  write PATH, move to NODE with it open, wait 5 s
 *                             (the test removes it meanwhile), write more,
 *                             read it all back, close
 *   mover keep MIB SECS       fill MIB MiB, then for SECS seconds check each
 *                             second that its checksum holds (others move it:
 *                             the scheduler's drain); say where it started
 *                             and ended
 *   mover downtime MIB NODE [KBPS]
 *                             make bench: a child fills MIB MiB and spins
 *                             reading the clock (writing KBPS KB/s into its
 *                             memory, default 0), this moves it to NODE;
 *                             prints the move's total time and the longest
 *                             gap the child saw between two clock readings
 *                             (its downtime)
 * Exit 0 if every check held; each failure prints FAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ipc.h"
#include "user/ulib.h"

static int failures;

static void fail(const char *what)
{
    printf("FAIL %s (pid %d on node %d)\n", what, sys_getpid(), sys_nodeid());
    failures++;
}

static uint64_t checksum(const uint64_t *w, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ w[i]) * 1099511628211ULL;
    return h;
}

static int move_to(int node)
{
    int pid = sys_getpid();
    long rv = sys_migrate(0, node);
    if (rv) {
        printf("mover: migrate to node %d: %s\n", node, err_str((int)rv));
        return -1;
    }
    if (sys_nodeid() != node)
        fail("runs on the node it moved to");
    if (sys_getpid() != pid)
        fail("keeps its pid");
    return 0;
}

static int mem(long mib, char *nodes)
{
    size_t n = (size_t)mib * (1 << 20) / 8;
    uint64_t *w = malloc(n * 8);
    if (!w) {
        printf("mover: no memory for %ld MiB\n", mib);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        w[i] = i * 0x9e3779b97f4a7c15ULL ^ (uint64_t)mib;
    uint64_t want = checksum(w, n);
    /* FP values kept in registers across the moves (volatile: the compiler
     * must not fold them away; exact binary fractions: no rounding). */
    volatile double a = 0.5, b = 0.25;
    double x = a * 3, y = b * 5;
    for (char *tok = strtok(nodes, ","); tok; tok = strtok(NULL, ",")) {
        int node = atoi(tok);
        if (move_to(node))
            return 1;
        x += 1.0, y += 2.0;
        if (checksum(w, n) != want)
            fail("memory checksum after the move");
        printf("mover: on node %d, %ld MiB intact\n", sys_nodeid(), mib);
    }
    if (x < 1.5 || y < 1.25 || (x - 1.5) != (double)(long)(x - 1.5) ||
        (y - 1.25) / 2 != (double)(long)((y - 1.25) / 2))
        fail("FP registers across the moves");
    return failures != 0;
}

static int sleep_moved(long ms, int node)
{
    char arg[24];
    snprintf(arg, sizeof arg, "%ld", ms);
    char *argv[] = {"mover", "nap", arg, 0};
    int child = sys_spawn("mover", argv);
    if (child < 0) {
        printf("mover: spawn: %s\n", err_str(child));
        return 1;
    }
    uint64_t t0 = sys_clock();
    sys_sleep(100 * 1000000ULL); /* it is asleep by now */
    long rv = sys_migrate(child, node);
    if (rv)
        printf("mover: migrate %d to node %d: %s\n", child, node, err_str((int)rv));
    int status = -1;
    int got = sys_wait(child, &status, 0);
    uint64_t took = (sys_clock() - t0) / 1000000;
    printf("mover: child %d exited %d after %lu ms\n", got, status, (unsigned long)took);
    if (rv || got != child || status != 7)
        fail("the moved child's exit status reaches its parent");
    if (took < (uint64_t)ms || took > (uint64_t)ms + 3000)
        fail("the moved child slept the time that was left");
    return failures != 0;
}

/* The child of `sleep`: sleep, then say where it woke. */
static int nap(long ms)
{
    sys_sleep((uint64_t)ms * 1000000ULL);
    printf("mover: child %d woke on node %d\n", sys_getpid(), sys_nodeid());
    return 7;
}

/* The child of `call`: one call to service on srvnode, checked. */
static int caller(const char *service, int srvnode)
{
    struct port_id port;
    long rv = ipc_lookup(srvnode, service, &port);
    if (rv < 0) {
        printf("mover: lookup %s on node %d: %s\n", service, srvnode, err_str(rv));
        return 1;
    }
    static uint8_t req[MSG_MAX], rep[MSG_MAX];
    size_t len = sizeof req;
    if (!strcmp(service, "counter")) {
        int32_t c[4] = {sys_nodeid(), sys_getpid(), 1, 0}; /* seq 1: executed once */
        memcpy(req, c, sizeof c);
        len = sizeof c;
    } else {
        for (size_t i = 0; i < len; i++)
            req[i] = (uint8_t)(i * 7 + 3);
    }
    int before = sys_nodeid();
    uint64_t t0 = sys_clock();
    rv = ipc_call(&port, req, len, rep, sizeof rep, 30000ULL * 1000000ULL);
    printf("mover: child %d called on node %d, answered on node %d after %lu ms: %ld\n",
           sys_getpid(), before, sys_nodeid(), (unsigned long)((sys_clock() - t0) / 1000000), rv);
    if (!strcmp(service, "counter") && rv == 8) {
        int64_t v;
        memcpy(&v, rep, 8);
        printf("mover: counter %lld\n", (long long)v);
        return 7;
    }
    if (rv == (long)len && memcmp(req, rep, len) == 0) {
        printf("mover: %zu bytes echoed intact\n", len);
        return 7;
    }
    return 1;
}

/* `call`: move a child that waits in a call. */
static int call_moved(const char *service, const char *srvnode, int node)
{
    char *argv[] = {"mover", "caller", (char *)service, (char *)srvnode, 0};
    int child = sys_spawn("mover", argv);
    if (child < 0)
        return 1;
    sys_sleep(500 * 1000000ULL); /* it is in its call by now */
    long rv = sys_migrate(child, node);
    if (rv)
        printf("mover: migrate %d to node %d: %s\n", child, node, err_str((int)rv));
    int status = -1;
    int got = sys_wait(child, &status, 0);
    printf("mover: child %d exited %d\n", got, status);
    if (rv || got != child || status != 7)
        fail("a process moved in its call gets the answer");
    return failures != 0;
}

static int wait_moved(int node)
{
    char *argv[] = {"mover", "nap", "1500", 0};
    int child = sys_spawn("mover", argv);
    if (child < 0)
        return 1;
    if (move_to(node))
        return 1;
    int status = -1;
    int got = sys_wait(child, &status, 0);
    printf("mover: on node %d, child %d exited %d\n", sys_nodeid(), got, status);
    if (got != child || status != 7)
        fail("a parent that moved gets its child's status");
    return failures != 0;
}

static int stay(int node, long secs)
{
    if (move_to(node))
        return 1;
    for (long i = 0; i < secs; i++) {
        printf("mover: pid %d tick %ld on node %d\n", sys_getpid(), i, sys_nodeid());
        sys_sleep(1000 * 1000000ULL);
    }
    return 0;
}

static int round_trip(long times)
{
    int nodes = (int)syscall0(SYS_NODES), here = sys_nodeid();
    for (long t = 0; t < times; t++)
        for (int k = 1; k <= nodes; k++) {
            int node = (here + k - 1) % nodes + 1;
            if (move_to(node))
                return 1;
        }
    printf("mover: %ld rounds of %d nodes, back on node %d\n", times, nodes, sys_nodeid());
    return failures != 0;
}

static int try_move(long mib, int node)
{
    size_t n = (size_t)mib * (1 << 20) / 8;
    uint64_t *w = malloc(n * 8);
    if (!w)
        return 1;
    for (size_t i = 0; i < n; i++)
        w[i] = i * 0xbf58476d1ce4e5b9ULL + (uint64_t)mib;
    uint64_t want = checksum(w, n);
    int from = sys_nodeid(), pid = sys_getpid();
    printf("mover: pid %d moving %ld MiB from node %d to node %d\n", pid, mib, from, node);
    long rv = sys_migrate(0, node);
    printf("mover: pid %d %s node %d (%s)\n", pid, rv ? "stayed on" : "moved to", sys_nodeid(),
           rv ? err_str((int)rv) : "ok");
    if (sys_nodeid() != (rv ? from : node))
        fail("runs where the outcome says");
    if (checksum(w, n) != want)
        fail("memory intact after the attempt");
    else
        printf("mover: %ld MiB intact\n", mib);
    return failures != 0;
}

static int hold(long mib, long secs)
{
    size_t len = (size_t)mib << 20;
    char *p = malloc(len);
    if (!p)
        return 1;
    memset(p, 1, len);
    printf("mover: holding %ld MiB\n", mib);
    sys_sleep((uint64_t)secs * 1000000000ULL);
    return p[len - 1] == 1 ? 0 : 1;
}

/* `unlinked`: a file open across a move and removed meanwhile stays
 * readable and writable until closed (what the metadata holds for an open
 * file is kept while the process lives elsewhere). */
static int unlinked(const char *path, int node)
{
    FILE *f = fopen(path, "w+");
    if (!f) {
        printf("mover: %s: cannot create\n", path);
        return 1;
    }
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d\n", i);
    fflush(f);
    if (move_to(node))
        return 1;
    printf("mover: on node %d with %s open: remove it now\n", sys_nodeid(), path);
    fflush(stdout);
    sys_sleep(5000 * 1000000ULL);
    for (int i = 100; i < 200; i++)
        fprintf(f, "line %d\n", i);
    if (fflush(f) != 0)
        fail("writing the removed file after the move");
    rewind(f);
    char line[32], want[32];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        snprintf(want, sizeof want, "line %d\n", n);
        if (strcmp(line, want) != 0)
            break;
        n++;
    }
    if (n != 200)
        fail("reading the removed file back");
    if (fclose(f) != 0)
        fail("closing the removed file");
    printf("mover: the removed file kept %d lines until closed\n", n);
    return failures != 0;
}

/* `keep`: memory whose checksum must hold while others move the process
 * (the scheduler's drain and rebalancing: tests/sched). */
static int keep(long mib, long secs)
{
    size_t n = (size_t)mib * (1 << 20) / 8;
    uint64_t *w = malloc(n * 8);
    if (!w)
        return 1;
    for (size_t i = 0; i < n; i++)
        w[i] = i * 0x9e3779b97f4a7c15ULL + (uint64_t)sys_getpid();
    uint64_t want = checksum(w, n);
    int first = sys_nodeid(), nodes_seen = 1, last = first;
    printf("mover: pid %d keeps %ld MiB on node %d\n", sys_getpid(), mib, first);
    for (long s = 0; s < secs; s++) {
        sys_sleep(1000 * 1000000ULL);
        if (sys_nodeid() != last) {
            last = sys_nodeid();
            nodes_seen++;
        }
        if (checksum(w, n) != want) {
            fail("the memory of a process moved by others");
            return 1;
        }
    }
    printf("mover: pid %d kept %ld MiB intact, started on node %d, ended on node %d "
           "(%d nodes)\n",
           sys_getpid(), mib, first, last, nodes_seen);
    return 0;
}

static int file_across(const char *path, int node)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        printf("mover: %s: cannot create\n", path);
        return 1;
    }
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d from node %d\n", i, sys_nodeid());
    fflush(f);
    if (move_to(node))
        return 1;
    for (int i = 100; i < 200; i++)
        fprintf(f, "line %d from node %d\n", i, sys_nodeid());
    if (fclose(f) != 0)
        fail("close after the move");
    printf("mover: wrote %s on both sides of the move\n", path);
    return failures != 0;
}

/* The child of `downtime`: fill, say "spinning", and spin for secs,
 * remembering the longest gap between two readings of the clock (it
 * must never go back), and writing kbps KB/s: a page at a time, each
 * write counted both in the page and in a table of its own (other pages),
 * so a page whose last write did not move with it (pre-copy's dirty
 * tracking) shows as a page and its count that disagree. Exit 0 if all
 * held. */
static int spin(long mib, long secs, long kbps)
{
    size_t len = (size_t)mib << 20, npages = len / 4096;
    uint8_t *mem = malloc(len);
    uint32_t *counts = calloc(npages ? npages : 1, sizeof *counts);
    if (!mem || !counts)
        return 255;
    memset(mem, 0, len);
    printf("mover: spinning\n");
    fflush(stdout);
    uint64_t start = sys_clock(), last = start, gap = 0, written = 0;
    size_t page = 0;
    for (;;) {
        uint64_t now = sys_clock();
        if (now < last) {
            printf("mover: FAIL the clock went back %lu ns on node %d\n",
                   (unsigned long)(last - now), sys_nodeid());
            return 254;
        }
        if (now - last > gap)
            gap = now - last;
        last = now;
        if (now - start > (uint64_t)secs * 1000000000ULL)
            break;
        uint64_t due = (now - start) / 1000000ULL * (uint64_t)kbps; /* bytes by now */
        while (written < due && npages) {
            uint32_t c = ++counts[page];
            memcpy(mem + page * 4096, &c, sizeof c);
            page = (page + 1) % npages;
            written += 4096;
        }
    }
    size_t bad = 0;
    for (size_t i = 0; i < npages; i++) {
        uint32_t c;
        memcpy(&c, mem + i * 4096, sizeof c);
        bad += c != counts[i];
    }
    if (bad)
        printf("mover: FAIL %lu pages lost their last writes\n", (unsigned long)bad);
    printf("mover: longest gap %lu us on node %d, %lu KB written\n", (unsigned long)(gap / 1000),
           sys_nodeid(), (unsigned long)(written / 1024));
    return bad ? 253 : 0;
}

static int downtime(long mib, int node, long kbps)
{
    char a1[24], a2[24], secs[24];
    snprintf(a1, sizeof a1, "%ld", mib);
    snprintf(a2, sizeof a2, "%ld", kbps);
    /* It spins through the whole move: 10 s, and a second per 2 MiB more
     * (the remote transfer runs at 5-6 MB/s here). */
    snprintf(secs, sizeof secs, "%ld", 10 + mib / 2);
    char *argv[] = {"mover", "spin", a1, secs, a2, 0};
    int child = sys_spawn("mover", argv);
    if (child < 0)
        return 1;
    sys_sleep(1500 * 1000000ULL); /* filled and spinning by now */
    uint64_t t0 = sys_clock();
    long rv = sys_migrate(child, node);
    uint64_t took = sys_clock() - t0;
    int status = -1;
    sys_wait(child, &status, 0);
    printf("mover: moved %ld MiB in %lu us (%s), child exited %d\n", mib,
           (unsigned long)(took / 1000), rv ? err_str((int)rv) : "ok", status);
    return rv || status != 0;
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "downtime"))
        return downtime(atol(argv[2]), atoi(argv[3]), argc == 5 ? atol(argv[4]) : 0);
    if (argc == 5 && !strcmp(argv[1], "spin"))
        return spin(atol(argv[2]), atol(argv[3]), atol(argv[4]));
    if (argc == 4 && !strcmp(argv[1], "file"))
        return file_across(argv[2], atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "try"))
        return try_move(atol(argv[2]), atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "unlinked"))
        return unlinked(argv[2], atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "keep"))
        return keep(atol(argv[2]), atol(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "hold"))
        return hold(atol(argv[2]), atol(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "mem"))
        return mem(atol(argv[2]), argv[3]);
    if (argc == 4 && !strcmp(argv[1], "sleep"))
        return sleep_moved(atol(argv[2]), atoi(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "nap"))
        return nap(atol(argv[2]));
    if (argc == 5 && !strcmp(argv[1], "call"))
        return call_moved(argv[2], argv[3], atoi(argv[4]));
    if (argc == 4 && !strcmp(argv[1], "caller"))
        return caller(argv[2], atoi(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "wait"))
        return wait_moved(atoi(argv[2]));
    if (argc == 4 && !strcmp(argv[1], "stay"))
        return stay(atoi(argv[2]), atol(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "round"))
        return round_trip(atol(argv[2]));
    fprintf(stderr,
            "usage: mover mem MIB N1,N2,... | sleep MS NODE | wait NODE | "
            "stay NODE SECS | round TIMES | try MIB NODE | hold MIB SECS | file PATH NODE | "
            "call SERVICE SRVNODE NODE | keep MIB SECS | unlinked PATH NODE\n");
    return 2;
}
