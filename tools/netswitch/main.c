/*
 * main.c: command line, setup and the event loop of netswitch.
 *
 *   netswitch --dir RUNDIR --ports N [options]
 *   netswitch --port SW_SOCK,NODE_SOCK [--port ...] --ctl CTL_SOCK [options]
 *
 * Setup checks every socket path before it creates anything, refuses to
 * start over a live switch, and unlinks stale sockets. The control socket is
 * created last, so its appearance means the switch is ready. SIGTERM, SIGINT
 * and SIGHUP (read through a signalfd, so no handler races the loop) and the
 * `quit` command end the loop; every socket the switch made is then removed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "netswitch.h"

static struct sw sw;

uint64_t nsw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: netswitch --dir RUNDIR --ports N [options]\n"
            "       netswitch --port SW_SOCK,NODE_SOCK [--port ...] --ctl CTL_SOCK [options]\n"
            "\n"
            "With --dir, port K (1..N) listens at RUNDIR/sw-K.sock and sends to the node at\n"
            "RUNDIR/node-K.sock; the control socket is RUNDIR/ctl.sock. With --port, each\n"
            "--port adds the next port with explicit paths. Socket paths must be under %d bytes.\n"
            "\n"
            "options:\n"
            "  --ctl PATH           control socket (default RUNDIR/ctl.sock)\n"
            "  --seed N             seed of the fault PRNGs (default 1)\n"
            "  --age SECONDS        MAC table aging time (default 300)\n"
            "  --queue FRAMES       per-port output queue (default 256)\n"
            "  --delay-queue FRAMES frames held by delay/reorder at once (default 4096)\n"
            "  --pcap PATH          start capturing at once (like `pcap start PATH`)\n"
            "  --exit-with-parent   exit when the process that started the switch dies\n"
            "  --help\n",
            NSW_PATH_MAX + 1);
}

static int parse_num(const char *opt, const char *s, unsigned long long lo, unsigned long long hi,
                     unsigned long long *out)
{
    char *end;
    errno = 0;
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = hex ? s + 2 : s;
    unsigned long long v = strtoull(digits, &end, hex ? 16 : 10);
    if (!isxdigit((unsigned char)*digits) || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "netswitch: %s wants a number %llu..%llu, not '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Copy path into dst (NSW_PATH_MAX + 1 bytes) if it is short enough for a socket. */
static int set_path(char *dst, const char *what, const char *path)
{
    size_t n = strlen(path);
    if (n > NSW_PATH_MAX) {
        fprintf(stderr,
                "netswitch: %s socket path too long (%zu bytes, limit %d; use a shorter run "
                "directory): %s\n",
                what, n, NSW_PATH_MAX, path);
        return -1;
    }
    memcpy(dst, path, n + 1);
    return 0;
}

/* set_path() of DIR/NAME. */
static int set_dir_path(char *dst, const char *what, const char *dir, const char *name)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "%.4000s/%s", dir, name);
    return set_path(dst, what, buf);
}

/* Is a live socket (stream or dgram) listening at path? */
static bool socket_live(const char *path, int type)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool live = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return live;
}

/* Check that a socket may be made at path: fail if something live or a
 * non-socket is there. With unlink set, also remove a stale socket. */
static int clear_stale(const char *path, int type, bool do_unlink)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "netswitch: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "netswitch: %s exists and is not a socket; not touching it\n", path);
        return -1;
    }
    if (socket_live(path, type)) {
        fprintf(stderr, "netswitch: another switch is live at %s\n", path);
        return -1;
    }
    if (do_unlink && unlink(path) < 0) {
        fprintf(stderr, "netswitch: cannot remove stale %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Every path is checked before any stale one is removed, so a refused start
 * leaves the directory exactly as it was. */
static int clear_all_stale(const char *ctl_path)
{
    for (int pass = 0; pass < 2; pass++) {
        if (clear_stale(ctl_path, SOCK_STREAM, pass) < 0)
            return -1;
        for (int k = 1; k <= sw.nports; k++)
            if (clear_stale(sw.ports[k].sw_path, SOCK_DGRAM, pass) < 0)
                return -1;
    }
    return 0;
}

static void cleanup(void)
{
    ctl_close(&sw);
    for (int k = 1; k <= sw.nports; k++)
        port_close(&sw, k);
    pcap_stop(&sw);
    fabric_free(&sw);
}

static int run(int sigfd)
{
    static struct pollfd pfd[1 + 2 * NSW_MAX_PORTS + 1 + NSW_CTL_CLIENTS];
    while (!sw.quit) {
        uint64_t now = nsw_now();
        uint64_t next = fabric_release_due(&sw, now);
        uint64_t retry = port_flush_due(&sw, now);
        if (retry && (!next || retry < next))
            next = retry;
        pcap_flush(&sw);

        int n = 0;
        pfd[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        int nport = port_pollfds(&sw, pfd + n);
        n += nport;
        int nctl = ctl_pollfds(pfd + n, (int)(sizeof pfd / sizeof pfd[0]) - n);

        struct timespec ts, *tsp = NULL;
        if (next) {
            uint64_t wait = next > now ? next - now : 0;
            ts.tv_sec = (time_t)(wait / 1000000000ull);
            ts.tv_nsec = (long)(wait % 1000000000ull);
            tsp = &ts;
        }
        if (ppoll(pfd, (nfds_t)(n + nctl), tsp, NULL) < 0) {
            if (errno == EINTR)
                continue;
            perror("netswitch: ppoll");
            return 1;
        }
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                fprintf(stderr, "netswitch: signal %u, exiting\n", si.ssi_signo);
            return 0;
        }
        port_handle(&sw, pfd + 1);
        ctl_handle(&sw, pfd + n, nctl);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},   {"ports", required_argument, NULL, 'n'},
        {"port", required_argument, NULL, 'p'},  {"ctl", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},  {"age", required_argument, NULL, 'a'},
        {"queue", required_argument, NULL, 'q'}, {"delay-queue", required_argument, NULL, 'D'},
        {"pcap", required_argument, NULL, 'w'},  {"exit-with-parent", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *ctl = NULL, *pcap = NULL;
    unsigned long long nports = 0, seed = 1, age = 300, qcap = 256, dqcap = 4096;
    bool with_parent = false;
    int nexplicit = 0, opt;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            dir = optarg;
            break;
        case 'n':
            if (parse_num("--ports", optarg, 1, NSW_MAX_PORTS, &nports) < 0)
                return 2;
            break;
        case 'p': {
            char *comma = strchr(optarg, ',');
            if (!comma || comma == optarg || !comma[1]) {
                fprintf(stderr, "netswitch: --port wants SW_SOCK,NODE_SOCK, not '%s'\n", optarg);
                return 2;
            }
            if (nexplicit == NSW_MAX_PORTS) {
                fprintf(stderr, "netswitch: at most %d ports\n", NSW_MAX_PORTS);
                return 2;
            }
            int k = ++nexplicit;
            *comma = 0;
            if (set_path(sw.ports[k].sw_path, "port", optarg) < 0 ||
                set_path(sw.ports[k].node_path, "node", comma + 1) < 0)
                return 1;
            break;
        }
        case 'c':
            ctl = optarg;
            break;
        case 's':
            if (parse_num("--seed", optarg, 0, UINT64_MAX, &seed) < 0)
                return 2;
            break;
        case 'a':
            if (parse_num("--age", optarg, 1, 1000000, &age) < 0)
                return 2;
            break;
        case 'q':
            if (parse_num("--queue", optarg, 1, 65536, &qcap) < 0)
                return 2;
            break;
        case 'D':
            if (parse_num("--delay-queue", optarg, 1, 1 << 20, &dqcap) < 0)
                return 2;
            break;
        case 'w':
            pcap = optarg;
            break;
        case 'P':
            with_parent = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || (dir && nexplicit) || (!dir && !nexplicit) || (dir && !nports) ||
        (nexplicit && nports) || (nexplicit && !ctl)) {
        usage(stderr);
        return 2;
    }

    /* Every path is checked before anything is created. */
    if (dir) {
        sw.nports = (int)nports;
        for (int k = 1; k <= sw.nports; k++) {
            char name[32];
            snprintf(name, sizeof name, "sw-%d.sock", k);
            if (set_dir_path(sw.ports[k].sw_path, "port", dir, name) < 0)
                return 1;
            snprintf(name, sizeof name, "node-%d.sock", k);
            if (set_dir_path(sw.ports[k].node_path, "node", dir, name) < 0)
                return 1;
        }
    } else {
        sw.nports = nexplicit;
    }
    char ctl_path[NSW_PATH_MAX + 1];
    int bad = ctl ? set_path(ctl_path, "control", ctl)
                  : set_dir_path(ctl_path, "control", dir, "ctl.sock");
    if (bad < 0)
        return 1;
    if (strlen(ctl_path) + 4 > NSW_PATH_MAX) {
        fprintf(stderr,
                "netswitch: control socket path too long (%zu bytes + 4 for its temporary "
                "name, limit %d): %s\n",
                strlen(ctl_path), NSW_PATH_MAX, ctl_path);
        return 1;
    }
    if (dir) {
        struct stat st;
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "netswitch: run directory %s does not exist\n", dir);
            return 1;
        }
    }

    if (with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
            return 0; /* the parent is already gone */
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sigfd < 0) {
        perror("netswitch: signalfd");
        return 1;
    }

    for (int k = 1; k <= sw.nports; k++)
        sw.ports[k].fd = sw.ports[k].txfd = -1;
    if (clear_all_stale(ctl_path) < 0)
        return 1;
    sw.qcap = (unsigned)qcap;
    sw.start_ns = nsw_now();
    if (fabric_init(&sw, seed, (unsigned)dqcap, (unsigned)age) < 0) {
        fprintf(stderr, "netswitch: out of memory\n");
        return 1;
    }
    for (int k = 1; k <= sw.nports; k++) {
        int r = port_open(&sw, k);
        if (r < 0) {
            fprintf(stderr, "netswitch: cannot bind %s: %s\n", sw.ports[k].sw_path, strerror(-r));
            cleanup();
            return 1;
        }
    }
    if (pcap) {
        int r = pcap_start(&sw, pcap, false);
        if (r < 0) {
            fprintf(stderr, "netswitch: cannot write %s: %s\n", pcap, strerror(-r));
            cleanup();
            return 1;
        }
    }
    int r = ctl_open(&sw, ctl_path);
    if (r < 0) {
        fprintf(stderr, "netswitch: cannot listen at %s: %s\n", ctl_path, strerror(-r));
        cleanup();
        return 1;
    }
    fprintf(stderr, "netswitch: %d ports, control %s, seed %llu\n", sw.nports, ctl_path, seed);

    int rc = run(sigfd);
    if (sw.quit)
        fprintf(stderr, "netswitch: quit, exiting\n");
    cleanup();
    close(sigfd);
    return rc;
}
