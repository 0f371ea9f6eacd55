/*
 * ctl.c: the control socket, a unix STREAM socket taking text commands.
 *
 * A client writes one command per line; for each line the switch writes one
 * reply: a first line starting `ok` or `error <reason>`, possibly followed by
 * more lines (stats, links, help), and always ended by an empty line. Every
 * command is decoded and checked completely before it changes anything, so
 * a malformed command leaves the switch exactly as it was.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "netswitch.h"

#define CTL_CLIENTS NSW_CTL_CLIENTS
#define CTL_LINE_MAX (2 * NSW_FRAME_MAX + 256) /* room for `inject K <hex of a max frame>` */
#define CTL_OUT_MAX (1 << 20)                  /* a client that reads nothing is dropped */
#define CTL_TOKENS 64

struct client {
    int fd;
    char *in;
    size_t inlen;
    char *out;
    size_t outlen, outcap;
    bool eof, dead;
};

static int listen_fd = -1;
static struct client clients[CTL_CLIENTS];

/* ---- reply buffer ----------------------------------------------------------- */

static void out_append(struct client *c, const char *s, size_t n)
{
    if (c->dead)
        return;
    if (c->outlen + n > CTL_OUT_MAX) {
        c->dead = true;
        return;
    }
    if (c->outlen + n > c->outcap) {
        size_t cap = c->outcap ? c->outcap : 4096;
        while (cap < c->outlen + n)
            cap *= 2;
        char *p = realloc(c->out, cap);
        if (!p) {
            c->dead = true;
            return;
        }
        c->out = p;
        c->outcap = cap;
    }
    memcpy(c->out + c->outlen, s, n);
    c->outlen += n;
}

__attribute__((format(printf, 2, 3))) static void say(struct client *c, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    out_append(c, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* ---- argument decoding ------------------------------------------------------ */

/* A port number 1..nports; `*` gives 0 when star is allowed. -1 if invalid. */
static int parse_port(const struct sw *sw, const char *s, bool star)
{
    if (star && strcmp(s, "*") == 0)
        return 0;
    if (!isdigit((unsigned char)s[0]) || strlen(s) > 4)
        return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1 || v > sw->nports)
        return -1;
    return (int)v;
}

/* A probability: `0.3` or `30%`. */
static int parse_prob(const char *s, double *p)
{
    if (!(isdigit((unsigned char)s[0]) || s[0] == '.'))
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    if (*end == '%' && end[1] == 0) {
        v /= 100;
    } else if (*end) {
        return -1;
    }
    if (!isfinite(v) || v < 0 || v > 1)
        return -1;
    *p = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex && !isxdigit((unsigned char)s[2]))
        return -1;
    unsigned long long v = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
    if (errno || *end || end == s + (hex ? 2 : 0) || v > max)
        return -1;
    *out = v;
    return 0;
}

static bool is_number(const char *s)
{
    uint64_t v;
    return parse_u64(s, UINT64_MAX, &v) == 0;
}

/* ---- commands --------------------------------------------------------------- */

static void cmd_partition(struct sw *sw, struct client *c, int argc, char **argv)
{
    if (argc != 2) {
        say(c, "error usage: partition GROUP/GROUP/... (e.g. 1,2/3,4,5)\n");
        return;
    }
    int group[NSW_MAX_PORTS + 1] = {0};
    int g = 1;
    const char *s = argv[1];
    for (;;) {
        /* one port number */
        size_t n = strspn(s, "0123456789");
        char num[8];
        if (n == 0 || n >= sizeof num) {
            say(c, "error partition: expected a port number at '%.20s'\n", s);
            return;
        }
        memcpy(num, s, n);
        num[n] = 0;
        int k = parse_port(sw, num, false);
        if (k < 0) {
            say(c, "error partition: no port %s (ports are 1..%d)\n", num, sw->nports);
            return;
        }
        if (group[k]) {
            say(c, "error partition: port %d listed twice\n", k);
            return;
        }
        group[k] = g;
        s += n;
        if (*s == 0)
            break;
        if (*s == '/')
            g++;
        else if (*s != ',') {
            say(c, "error partition: unexpected '%c'\n", *s);
            return;
        }
        s++;
    }
    /* Ports not listed are each isolated in a group of their own. */
    for (int k = 1; k <= sw->nports; k++)
        sw->group[k] = group[k] ? group[k] : NSW_MAX_PORTS + 1 + k;
    sw->partitioned = true;
    say(c, "ok partition %s\n", argv[1]);
}

static void cmd_heal(struct sw *sw, struct client *c, int argc)
{
    if (argc != 1) {
        say(c, "error usage: heal\n");
        return;
    }
    sw->partitioned = false;
    memset(sw->group, 0, sizeof sw->group);
    say(c, "ok healed\n");
}

struct link_change {
    bool clear;
    bool set_loss, set_dup, set_corrupt, set_reorder, set_delay;
    double loss, dup, corrupt, reorder;
    uint32_t delay_ms, jitter_ms, reorder_ms;
};

static void link_apply(struct sw *sw, int a, int b, const struct link_change *ch)
{
    if (ch->clear)
        fabric_link_clear(sw, a, b);
    struct link *l = fabric_link(sw, a, b);
    if (ch->set_loss)
        l->loss = ch->loss;
    if (ch->set_dup)
        l->dup = ch->dup;
    if (ch->set_corrupt)
        l->corrupt = ch->corrupt;
    if (ch->set_reorder) {
        l->reorder = ch->reorder;
        l->reorder_ms = ch->reorder_ms;
    }
    if (ch->set_delay) {
        l->delay_ms = ch->delay_ms;
        l->jitter_ms = ch->jitter_ms;
    }
}

#define LINK_MS_MAX 60000u

static void cmd_link(struct sw *sw, struct client *c, int argc, char **argv)
{
    static const char usage[] =
        "error usage: link A B|A>B loss P|delay MS [JITTER]|dup P|reorder P [MS]|corrupt P|"
        "clear ...\n";
    int a, b, i;
    bool both;
    char *arrow = argc > 1 ? strchr(argv[1], '>') : NULL;
    if (arrow) {
        *arrow = 0;
        a = parse_port(sw, argv[1], true);
        b = parse_port(sw, arrow + 1, true);
        *arrow = '>';
        both = false;
        i = 2;
    } else if (argc > 2) {
        a = parse_port(sw, argv[1], true);
        b = parse_port(sw, argv[2], true);
        both = true;
        i = 3;
    } else {
        say(c, usage);
        return;
    }
    if (a < 0 || b < 0) {
        say(c, "error link: ports are 1..%d or *\n", sw->nports);
        return;
    }
    if (a == b && a != 0) {
        say(c, "error link: a link joins two different ports\n");
        return;
    }
    if (i >= argc) {
        say(c, usage);
        return;
    }
    struct link_change ch = {0};
    while (i < argc) {
        const char *key = argv[i++];
        const char *val = i < argc ? argv[i] : NULL;
        double *pp = NULL;
        bool *flag = NULL;
        if (strcmp(key, "clear") == 0) {
            ch.clear = true;
            continue;
        } else if (strcmp(key, "loss") == 0) {
            pp = &ch.loss, flag = &ch.set_loss;
        } else if (strcmp(key, "dup") == 0) {
            pp = &ch.dup, flag = &ch.set_dup;
        } else if (strcmp(key, "corrupt") == 0) {
            pp = &ch.corrupt, flag = &ch.set_corrupt;
        } else if (strcmp(key, "reorder") == 0) {
            pp = &ch.reorder, flag = &ch.set_reorder;
        } else if (strcmp(key, "delay") == 0) {
            uint64_t ms, jit = 0;
            if (!val || parse_u64(val, LINK_MS_MAX, &ms) < 0) {
                say(c, "error link: delay takes milliseconds 0..%u\n", LINK_MS_MAX);
                return;
            }
            i++;
            if (i < argc && is_number(argv[i])) {
                if (parse_u64(argv[i], LINK_MS_MAX, &jit) < 0) {
                    say(c, "error link: jitter takes milliseconds 0..%u\n", LINK_MS_MAX);
                    return;
                }
                i++;
            }
            ch.set_delay = true;
            ch.delay_ms = (uint32_t)ms;
            ch.jitter_ms = (uint32_t)jit;
            continue;
        } else {
            say(c, "error link: unknown setting '%.40s'\n", key);
            return;
        }
        if (!val || parse_prob(val, pp) < 0) {
            say(c, "error link: %s takes a probability 0..1 (or 0%%..100%%)\n", key);
            return;
        }
        *flag = true;
        i++;
        if (pp == &ch.reorder && i < argc && is_number(argv[i]) && !strchr(argv[i], '.')) {
            uint64_t ms;
            if (parse_u64(argv[i], LINK_MS_MAX, &ms) < 0 || ms == 0) {
                say(c, "error link: reorder hold takes milliseconds 1..%u\n", LINK_MS_MAX);
                return;
            }
            ch.reorder_ms = (uint32_t)ms;
            i++;
        }
    }
    int n = 0;
    for (int x = 1; x <= sw->nports; x++) {
        for (int y = 1; y <= sw->nports; y++) {
            if (x == y)
                continue;
            bool fwd = (a == 0 || a == x) && (b == 0 || b == y);
            bool rev = both && (a == 0 || a == y) && (b == 0 || b == x);
            if (fwd || rev) {
                link_apply(sw, x, y, &ch);
                n++;
            }
        }
    }
    say(c, "ok %d directed links\n", n);
}

static void cmd_links(struct sw *sw, struct client *c)
{
    say(c, "ok\n");
    for (int a = 1; a <= sw->nports; a++) {
        for (int b = 1; b <= sw->nports; b++) {
            struct link *l = fabric_link(sw, a, b);
            bool faulty = l->loss > 0 || l->dup > 0 || l->corrupt > 0 || l->reorder > 0 ||
                          l->delay_ms > 0 || l->jitter_ms > 0;
            if (a == b || !faulty)
                continue;
            say(c, "link %d>%d loss %g dup %g corrupt %g reorder %g %u delay %u %u\n", a, b,
                l->loss, l->dup, l->corrupt, l->reorder, l->reorder_ms ? l->reorder_ms : 5,
                l->delay_ms, l->jitter_ms);
        }
    }
    if (sw->partitioned) {
        say(c, "partition");
        for (int k = 1; k <= sw->nports; k++)
            say(c, " %d:%d", k, sw->group[k] <= NSW_MAX_PORTS ? sw->group[k] : 0);
        say(c, "\n");
    }
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = (char)tolower((unsigned char)ch);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

static void cmd_inject(struct sw *sw, struct client *c, int argc, char **argv)
{
    if (argc != 3) {
        say(c, "error usage: inject PORT HEXBYTES\n");
        return;
    }
    int k = parse_port(sw, argv[1], false);
    if (k < 0) {
        say(c, "error inject: no port %.20s (ports are 1..%d)\n", argv[1], sw->nports);
        return;
    }
    size_t n = strlen(argv[2]);
    if (n == 0 || n % 2 || n / 2 > NSW_FRAME_MAX) {
        say(c, "error inject: need an even number of hex digits, 1..%d bytes\n", NSW_FRAME_MAX);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (hexval(argv[2][i]) < 0) {
            say(c, "error inject: not a hex digit at offset %zu\n", i);
            return;
        }
    }
    struct frame *f = malloc(sizeof *f + n / 2);
    if (!f) {
        say(c, "error inject: out of memory\n");
        return;
    }
    f->len = (uint32_t)(n / 2);
    for (size_t i = 0; i < n / 2; i++)
        f->data[i] = (uint8_t)(hexval(argv[2][2 * i]) << 4 | hexval(argv[2][2 * i + 1]));
    sw->ports[k].st.injected++;
    if (sw->pcap && !sw->pcap_tx)
        pcap_write(sw, f);
    port_output(sw, k, f);
    say(c, "ok injected %zu bytes to port %d\n", n / 2, k);
}

struct mac_print {
    struct client *c;
    int n;
    bool count_only;
};

static void print_mac(void *arg, const struct mac_entry *e, uint64_t age_ns)
{
    struct mac_print *mp = arg;
    mp->n++;
    if (mp->count_only)
        return;
    say(mp->c, "mac %02x:%02x:%02x:%02x:%02x:%02x port=%d age_ms=%llu\n", e->mac[0], e->mac[1],
        e->mac[2], e->mac[3], e->mac[4], e->mac[5], e->port,
        (unsigned long long)(age_ns / 1000000));
}

static void cmd_stats(struct sw *sw, struct client *c, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "clear") == 0) {
        for (int k = 1; k <= sw->nports; k++) {
            memset(&sw->ports[k].st, 0, sizeof sw->ports[k].st);
            sw->ports[k].qmax_seen = sw->ports[k].qlen;
        }
        sw->flooded = sw->learned_moves = sw->drop_delayq_total = 0;
        say(c, "ok cleared\n");
        return;
    }
    if (argc != 1) {
        say(c, "error usage: stats [clear]\n");
        return;
    }
    port_probe(sw);
    say(c, "ok\n");
    for (int k = 1; k <= sw->nports; k++) {
        struct port *p = &sw->ports[k];
        struct port_stats *s = &p->st;
        unsigned long long dropped = s->drop_qfull + s->drop_down + s->drop_err + s->drop_part +
                                     s->drop_loss + s->drop_delayq + s->drop_bad + s->drop_filtered;
#define U(x) ((unsigned long long)(x))
        say(c,
            "port %d up=%d rx=%llu rx_bytes=%llu tx=%llu tx_bytes=%llu dropped=%llu queued=%u "
            "queue_max=%u drop_qfull=%llu drop_down=%llu drop_err=%llu drop_part=%llu "
            "drop_loss=%llu drop_delayq=%llu drop_bad=%llu drop_filtered=%llu dup=%llu "
            "corrupt=%llu delayed=%llu reordered=%llu injected=%llu\n",
            k, p->connected, U(s->rx), U(s->rx_bytes), U(s->tx), U(s->tx_bytes), dropped, p->qlen,
            p->qmax_seen, U(s->drop_qfull), U(s->drop_down), U(s->drop_err), U(s->drop_part),
            U(s->drop_loss), U(s->drop_delayq), U(s->drop_bad), U(s->drop_filtered), U(s->dup),
            U(s->corrupt), U(s->delayed), U(s->reordered), U(s->injected));
    }
    struct mac_print mp = {.c = c};
    fabric_each_mac(sw, print_mac, &mp);
    say(c,
        "switch ports=%d macs=%d flooded=%llu mac_moves=%llu delayq=%u/%u drop_delayq=%llu "
        "queue_cap=%u seed=%llu partitioned=%d pcap=%d pcap_frames=%llu uptime_ms=%llu\n",
        sw->nports, mp.n, U(sw->flooded), U(sw->learned_moves), sw->dqlen, sw->dqcap,
        U(sw->drop_delayq_total), sw->qcap, U(sw->seed), sw->partitioned, sw->pcap != NULL,
        U(sw->pcap_frames), U((nsw_now() - sw->start_ns) / 1000000));
#undef U
}

static void cmd_pcap(struct sw *sw, struct client *c, int argc, char **argv)
{
    if (argc >= 3 && argc <= 4 && strcmp(argv[1], "start") == 0) {
        bool tx = false;
        if (argc == 4) {
            if (strcmp(argv[3], "tx") == 0)
                tx = true;
            else if (strcmp(argv[3], "rx") != 0) {
                say(c, "error pcap: mode is rx (each frame as received) or tx (each copy sent)\n");
                return;
            }
        }
        int r = pcap_start(sw, argv[2], tx);
        if (r < 0) {
            say(c, "error pcap: %.200s: %s\n", argv[2], strerror(-r));
            return;
        }
        say(c, "ok capturing to %.200s\n", argv[2]);
    } else if (argc == 2 && strcmp(argv[1], "stop") == 0) {
        if (!sw->pcap) {
            say(c, "ok not capturing\n");
            return;
        }
        unsigned long long n = sw->pcap_frames;
        pcap_stop(sw);
        say(c, "ok %llu frames written to %.200s\n", n, sw->pcap_path);
    } else {
        say(c, "error usage: pcap start PATH [rx|tx] | pcap stop\n");
    }
}

static const char help_text[] =
    "ok commands:\n"
    "partition G/G/...   e.g. 1,2/3,4,5; ports in different groups exchange nothing,\n"
    "                    unlisted ports are isolated\n"
    "heal                remove the partition\n"
    "link A B SETTINGS   both directions; A>B for one direction; * matches every port\n"
    "  settings: loss P | dup P | corrupt P | reorder P [HOLD_MS] | delay MS [JITTER_MS] | clear\n"
    "links               list links with faults, and the partition\n"
    "seed N              restart every link's random stream from seed N\n"
    "inject PORT HEX     send a raw frame out of PORT\n"
    "stats [clear]       per-port counters, learned MACs, switch totals\n"
    "flush               forget every learned MAC\n"
    "pcap start PATH [rx|tx] | pcap stop\n"
    "ping                liveness check\n"
    "quit                clean up and exit\n";

/* Run one command line, appending exactly one reply to c's output. */
static void ctl_command(struct sw *sw, struct client *c, char *line)
{
    char *argv[CTL_TOKENS];
    int argc = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t;
         t = strtok_r(NULL, " \t\r", &save)) {
        if (argc == CTL_TOKENS) {
            say(c, "error too many words\n\n");
            return;
        }
        argv[argc++] = t;
    }
    for (int i = 0; i < argc; i++) {
        for (const char *p = argv[i]; *p; p++) {
            if (!isprint((unsigned char)*p)) {
                say(c, "error command contains non-printable bytes\n\n");
                return;
            }
        }
    }
    const char *cmd = argc ? argv[0] : "";
    if (argc == 0)
        say(c, "error empty command (try help)\n");
    else if (strcmp(cmd, "partition") == 0)
        cmd_partition(sw, c, argc, argv);
    else if (strcmp(cmd, "heal") == 0)
        cmd_heal(sw, c, argc);
    else if (strcmp(cmd, "link") == 0)
        cmd_link(sw, c, argc, argv);
    else if (strcmp(cmd, "links") == 0 && argc == 1)
        cmd_links(sw, c);
    else if (strcmp(cmd, "seed") == 0) {
        uint64_t s;
        if (argc != 2 || parse_u64(argv[1], UINT64_MAX, &s) < 0)
            say(c, "error usage: seed N (an unsigned 64-bit number)\n");
        else {
            fabric_seed(sw, s);
            say(c, "ok seed %llu\n", (unsigned long long)s);
        }
    } else if (strcmp(cmd, "inject") == 0)
        cmd_inject(sw, c, argc, argv);
    else if (strcmp(cmd, "stats") == 0)
        cmd_stats(sw, c, argc, argv);
    else if (strcmp(cmd, "flush") == 0 && argc == 1) {
        fabric_mac_flush(sw);
        say(c, "ok flushed\n");
    } else if (strcmp(cmd, "pcap") == 0)
        cmd_pcap(sw, c, argc, argv);
    else if (strcmp(cmd, "help") == 0 && argc == 1)
        out_append(c, help_text, sizeof help_text - 1);
    else if (strcmp(cmd, "ping") == 0 && argc == 1)
        say(c, "ok pong\n");
    else if (strcmp(cmd, "quit") == 0 && argc == 1) {
        sw->quit = true;
        say(c, "ok bye\n");
    } else
        say(c, "error unknown command '%.40s' (try help)\n", cmd);
    out_append(c, "\n", 1);
}

/* ---- the socket ----------------------------------------------------------------- */

/* Listen at path. The socket is bound under a temporary name and renamed into
 * place, so once `path` exists the switch is fully up and accepting. */
int ctl_open(struct sw *sw, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char tmp[NSW_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (strlen(tmp) >= sizeof sa.sun_path)
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, tmp);
    unlink(tmp);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, NSW_CTL_CLIENTS) < 0 ||
        rename(tmp, path) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return -e;
    }
    snprintf(sw->ctl_path, sizeof sw->ctl_path, "%s", path);
    listen_fd = fd;
    for (int i = 0; i < CTL_CLIENTS; i++)
        clients[i].fd = -1;
    return 0;
}

static void client_drop(struct client *c)
{
    close(c->fd);
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static void client_write(struct client *c)
{
    while (c->outlen > 0) {
        ssize_t n = send(c->fd, c->out, c->outlen, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            c->dead = true;
            return;
        }
        memmove(c->out, c->out + n, c->outlen - (size_t)n);
        c->outlen -= (size_t)n;
    }
}

void ctl_close(struct sw *sw)
{
    for (int i = 0; i < CTL_CLIENTS; i++) {
        if (clients[i].fd >= 0) {
            client_write(&clients[i]); /* best effort, e.g. the reply to `quit` */
            client_drop(&clients[i]);
        }
    }
    if (listen_fd >= 0) {
        close(listen_fd);
        unlink(sw->ctl_path);
        listen_fd = -1;
    }
}

/* Slots: [0] the listening socket, then one per client slot (fd -1 = unused). */
int ctl_pollfds(struct pollfd *pfd, int max)
{
    if (max < 1 + CTL_CLIENTS)
        return 0;
    pfd[0] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
    for (int i = 0; i < CTL_CLIENTS; i++) {
        struct client *c = &clients[i];
        short ev = 0;
        if (c->fd >= 0) {
            ev = c->eof ? 0 : POLLIN;
            if (c->outlen)
                ev |= POLLOUT;
        }
        pfd[1 + i] = (struct pollfd){.fd = c->fd, .events = ev};
    }
    return 1 + CTL_CLIENTS;
}

static void client_read(struct sw *sw, struct client *c)
{
    /* A bounded number of reads per loop turn, so one chatty client cannot
     * hold up the frames. */
    for (int budget = 0; budget < 8 && !c->dead; budget++) {
        if (c->inlen == CTL_LINE_MAX) {
            say(c, "error line too long (limit %d bytes)\n\n", CTL_LINE_MAX);
            c->eof = true; /* reply, then hang up */
            c->inlen = 0;
            return;
        }
        ssize_t n = recv(c->fd, c->in + c->inlen, CTL_LINE_MAX - c->inlen, MSG_DONTWAIT);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                c->dead = true;
            break;
        }
        if (n == 0) {
            c->eof = true;
            break;
        }
        size_t start = 0, end = c->inlen + (size_t)n;
        for (size_t i = c->inlen; i < end; i++) {
            if (c->in[i] == '\n' || c->in[i] == 0) {
                c->in[i] = 0;
                ctl_command(sw, c, c->in + start);
                start = i + 1;
            }
        }
        memmove(c->in, c->in + start, end - start);
        c->inlen = end - start;
    }
    if (c->eof && c->inlen > 0) {
        /* a last command without its newline */
        char *line = malloc(c->inlen + 1);
        if (line) {
            memcpy(line, c->in, c->inlen);
            line[c->inlen] = 0;
            ctl_command(sw, c, line);
            free(line);
        }
        c->inlen = 0;
    }
}

void ctl_handle(struct sw *sw, struct pollfd *pfd, int n)
{
    if (n < 1 + CTL_CLIENTS)
        return;
    for (int i = 0; i < CTL_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (c->fd < 0 || c->fd != pfd[1 + i].fd)
            continue;
        short re = pfd[1 + i].revents;
        if (re & POLLIN)
            client_read(sw, c);
        else if (re & (POLLHUP | POLLERR))
            c->eof = true;
        if (c->outlen)
            client_write(c);
        if (c->dead || (c->eof && c->outlen == 0))
            client_drop(c);
    }
    if (pfd[0].revents & POLLIN) {
        for (;;) {
            int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                break;
            struct client *c = NULL;
            for (int i = 0; i < CTL_CLIENTS && !c; i++)
                if (clients[i].fd < 0)
                    c = &clients[i];
            char *in = c ? malloc(CTL_LINE_MAX + 1) : NULL;
            if (!in) {
                static const char busy[] = "error too many control clients\n\n";
                (void)!send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
                close(fd);
                continue;
            }
            memset(c, 0, sizeof *c);
            c->fd = fd;
            c->in = in;
        }
    }
}
