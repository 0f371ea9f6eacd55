/* user/trace.c: this node's trace events (kernel/trace.h, docs/trace.md).
 *
 *   trace                  print the ring, oldest first, one line per event
 *   trace -f SEQ           only events numbered SEQ and later
 *   trace run CMD [ARG...] run CMD in a new trace (it and what it calls, on
 *                          any node, carry the trace id printed first)
 *   trace emit [-n N] KIND [K=V...]  record one event (or N: scripts, tests)
 *   trace on | off         keep events or not (make bench: what tracing costs)
 *   trace info             the ring's state: next event number, dropped, on
 *
 * The line format is the contract with tools/trace (docs/trace.md):
 *   trace node=N boot=EPOCH seq=S lam=L ns=WALL pid=P kind=K trace=HEX16
 *         span=HEX16 parent=HEX16 [peer= msg= call= port=] [latency_ns=]
 *         [error=] [the event's own key=value words]
 * A line `trace-dropped node=N count=C` comes first when the ring lost its
 * oldest events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ulib.h"

#define BATCH 64

static struct trace_record batch[BATCH];

static int usage(void)
{
    fprintf(stderr,
            "usage: trace [-f SEQ] | trace run CMD [ARG...] | trace emit [-n N] KIND [K=V...] | "
            "trace on|off|info\n");
    return 2;
}

/* One word for an error (values hold no spaces): its errno name. */
static const char *errno_name(int e)
{
    static char other[24];
    switch (-e) {
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case EHOSTDOWN:
        return "EHOSTDOWN";
    case EHOSTUNREACH:
        return "EHOSTUNREACH";
    case ECONNREFUSED:
        return "ECONNREFUSED";
    case ECONNRESET:
        return "ECONNRESET";
    case EINTR:
        return "EINTR";
    case EAGAIN:
        return "EAGAIN";
    case ENOENT:
        return "ENOENT";
    case EINVAL:
        return "EINVAL";
    }
    snprintf(other, sizeof other, "errno%d", -e);
    return other;
}

static void print_event(const struct trace_info *in, const struct trace_record *r)
{
    printf("trace node=%u boot=%u seq=%lu lam=%lu ns=%lu pid=%u kind=%s trace=%016lx span=%016lx "
           "parent=%016lx",
           in->node, in->boot_epoch, (unsigned long)r->seq, (unsigned long)r->lamport,
           (unsigned long)r->wall_ns, r->pid, r->kind, (unsigned long)r->trace_id,
           (unsigned long)r->span_id, (unsigned long)r->parent_id);
    if (r->msg_id) {
        /* replies are keyed by the call they answer, marked R */
        int reply = !strcmp(r->kind, "reply_send") || !strcmp(r->kind, "reply_recv") ||
                    !strcmp(r->kind, "call_fail");
        printf(" peer=%u msg=%s%u.%u.%lu call=%u port=%u", r->peer, reply ? "R" : "", r->key_node,
               r->key_epoch, (unsigned long)r->msg_id, r->call, r->port);
    }
    if (r->latency_ns)
        printf(" latency_ns=%lu", (unsigned long)r->latency_ns);
    if (r->error)
        printf(" error=%s", errno_name(r->error));
    if (r->attrs[0])
        printf(" %s", r->attrs);
    printf("\n");
}

static int dump(uint64_t from)
{
    struct trace_info in;
    long rv = sys_trace(TRACE_INFO, (long)&in, 0, 0);
    if (rv < 0) {
        fprintf(stderr, "trace: %s\n", err_str(rv));
        return 1;
    }
    if (in.dropped && from <= in.dropped)
        printf("trace-dropped node=%u boot=%u count=%lu\n", in.node, in.boot_epoch,
               (unsigned long)in.dropped);
    /* Read up to the end as it was at the start: events this printing
     * causes (none on this node, but a busy node goes on) are left out. */
    uint64_t end = in.next_seq;
    while (from < end) {
        long n = sys_trace(TRACE_READ, (long)from, (long)batch, BATCH);
        if (n < 0) {
            fprintf(stderr, "trace: %s\n", err_str(n));
            return 1;
        }
        if (n == 0)
            break;
        for (long i = 0; i < n && batch[i].seq < end; i++)
            print_event(&in, &batch[i]);
        from = batch[n - 1].seq + 1;
    }
    return 0;
}

static int run(char **argv)
{
    long rv = sys_trace(TRACE_BEGIN, 0, 0, 0);
    if (rv < 0) {
        fprintf(stderr, "trace: %s\n", err_str(rv));
        return 1;
    }
    struct trace_info in;
    if (sys_trace(TRACE_INFO, (long)&in, 0, 0) == 0 &&
        sys_trace(TRACE_READ, (long)(in.next_seq - 1), (long)batch, 1) == 1 &&
        !strcmp(batch[0].kind, "begin"))
        printf("trace: id %016lx span %016lx\n", (unsigned long)batch[0].trace_id,
               (unsigned long)batch[0].span_id);
    fflush(stdout);
    int pid = sys_spawn(argv[0], argv);
    if (pid < 0) {
        fprintf(stderr, "trace: %s: %s\n", argv[0], err_str(pid));
        return 1;
    }
    int st = 0;
    while ((rv = sys_wait(pid, &st, 0)) == -EINTR)
        ;
    return rv < 0 ? 1 : st;
}

static int emit(int argc, char **argv)
{
    char attrs[TRACE_ATTRS_MAX];
    size_t at = 0;
    long times = 1;
    attrs[0] = 0;
    if (argc >= 5 && !strcmp(argv[2], "-n")) {
        if (parse_long(argv[3], &times) || times < 1)
            return usage();
        argc -= 2;
        argv += 2;
    }
    for (int i = 3; i < argc; i++) {
        int n = snprintf(attrs + at, sizeof attrs - at, "%s%s", at ? " " : "", argv[i]);
        if (n < 0 || (size_t)n >= sizeof attrs - at) {
            fprintf(stderr, "trace: attributes longer than %d bytes\n", TRACE_ATTRS_MAX - 1);
            return 1;
        }
        at += (size_t)n;
    }
    for (long i = 0; i < times; i++) {
        long rv = trace_emit(argv[2], attrs);
        if (rv < 0) {
            fprintf(stderr, "trace: emit %s: %s\n", argv[2], err_str(rv));
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return dump(0);
    if (argc == 3 && !strcmp(argv[1], "-f")) {
        long from;
        if (parse_long(argv[2], &from) || from < 0)
            return usage();
        return dump((uint64_t)from);
    }
    if (argc >= 3 && !strcmp(argv[1], "run"))
        return run(argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "emit"))
        return emit(argc, argv);
    if (argc == 2 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
        long rv = sys_trace(TRACE_SET, !strcmp(argv[1], "on"), 0, 0);
        if (rv < 0)
            fprintf(stderr, "trace: %s\n", err_str(rv));
        return rv < 0;
    }
    if (argc == 2 && !strcmp(argv[1], "info")) {
        struct trace_info in;
        long rv = sys_trace(TRACE_INFO, (long)&in, 0, 0);
        if (rv < 0) {
            fprintf(stderr, "trace: %s\n", err_str(rv));
            return 1;
        }
        printf("trace: node %u, next %lu, dropped %lu, ring %u, %s\n", in.node,
               (unsigned long)in.next_seq, (unsigned long)in.dropped, in.cap, in.on ? "on" : "off");
        return 0;
    }
    return usage();
}
