/* kernel/trace.c: the node's trace ring and Lamport clock (kernel/trace.h,
 * docs/trace.md), and the SYS_TRACE system call. */
#include "kernel/trace.h"

#include <stdarg.h>

#include "drivers/rtc.h"
#include "kernel/kernel.h"
#include "kernel/latency.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/timer.h"
#include "lib/bootargs.h"
#include "lib/fmt.h"

extern uint32_t rpc_epoch; /* net/rpc.c: this boot's epoch */

static struct trace_record ring[TRACE_RING];
static uint64_t next_seq = 1; /* events numbered from 1 */
static uint64_t lamport;

uint64_t trace_lamport_now(void) { return lamport; }

void trace_lamport_seen(uint64_t l)
{
    if (l > lamport)
        lamport = l;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t trace_span_of(uint32_t node, uint32_t epoch, uint64_t msg_id)
{
    uint64_t s = mix(mix((uint64_t)node << 32 | epoch) ^ msg_id);
    return s ? s : 1;
}

uint64_t trace_new_id(void)
{
    uint64_t x = kernel_random();
    return x ? x : 1;
}

/* bootargs trace=off: no events kept (Lamport time, trace ids and the
 * latency histograms go on); for measuring what tracing costs (make bench) */
static int trace_off;

struct trace_record *trace_add(const char *kind)
{
    if (trace_off) {
        static struct trace_record scratch; /* filled by the caller, kept nowhere */
        lamport++;
        return &scratch;
    }
    struct trace_record *r = &ring[next_seq % TRACE_RING];
    memset(r, 0, sizeof *r);
    r->seq = next_seq++;
    r->lamport = ++lamport;
    r->wall_ns = rtc_now_ns();
    strlcpy(r->kind, kind, sizeof r->kind);
    return r;
}

void trace_init(void)
{
    char v[8];
    trace_off = bootargs_get(boot_fdt.bootargs, "trace", v, sizeof v) == 0 && !strcmp(v, "off");
    if (trace_off)
        klog("trace: off (trace=off): no events kept");
    trace_add("boot");
}

void trace_proc_event(const char *kind, const struct proc *p, uint32_t peer, const char *fmt, ...)
{
    struct trace_record *r = trace_add(kind);
    r->pid = (uint32_t)p->pid;
    r->trace_id = p->trace_id;
    r->parent_id = p->span_id;
    r->peer = peer;
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(r->attrs, sizeof r->attrs, fmt, ap);
    va_end(ap);
}

static uint64_t oldest(void) { return next_seq > TRACE_RING ? next_seq - TRACE_RING : 1; }

/* TRACE_READ: events from seq `from` on (or the oldest kept) into buf. */
static int64_t read_events(struct proc *p, uint64_t from, uint64_t uva, uint64_t max)
{
    if (max > TRACE_RING)
        max = TRACE_RING;
    if (vm_check_user(&p->as, uva, max * sizeof(struct trace_record), 1))
        return -EFAULT;
    if (from < oldest())
        from = oldest();
    uint64_t n = 0;
    for (uint64_t s = from; s < next_seq && n < max; s++, n++)
        if (vm_copyout(&p->as, uva + n * sizeof(struct trace_record), &ring[s % TRACE_RING],
                       sizeof(struct trace_record)))
            return -EFAULT;
    return (int64_t)n;
}

/* TRACE_EMIT: an event of the caller's, in its trace. */
static int64_t emit(struct proc *p, uint64_t kind_uva, uint64_t attrs_uva)
{
    char kind[TRACE_KIND_MAX], attrs[TRACE_ATTRS_MAX];
    int rv = vm_copyin_str(&p->as, kind, kind_uva, sizeof kind);
    if (rv < 0)
        return rv;
    if (rv == 0)
        return -EINVAL;
    for (int i = 0; kind[i]; i++) /* one word of letters, digits and _ */
        if (!((kind[i] >= 'a' && kind[i] <= 'z') || (kind[i] >= '0' && kind[i] <= '9') ||
              kind[i] == '_'))
            return -EINVAL;
    attrs[0] = 0;
    if (attrs_uva && (rv = vm_copyin_str(&p->as, attrs, attrs_uva, sizeof attrs)) < 0)
        return rv;
    for (int i = 0; attrs[i]; i++)
        if (attrs[i] == '\n' || attrs[i] == '\r')
            return -EINVAL; /* one line per event */
    struct trace_record *r = trace_add(kind);
    r->pid = (uint32_t)p->pid;
    r->trace_id = p->trace_id;
    r->parent_id = p->span_id;
    strlcpy(r->attrs, attrs, sizeof r->attrs);
    return 0;
}

SYSCALL(trace)
{
    switch (args[0]) {
    case TRACE_READ:
        return read_events(p, args[1], args[2], args[3]);
    case TRACE_EMIT:
        return emit(p, args[1], args[2]);
    case TRACE_BEGIN: {
        p->trace_id = trace_new_id();
        p->span_id = trace_new_id();
        struct trace_record *r = trace_add("begin");
        r->pid = (uint32_t)p->pid;
        r->trace_id = p->trace_id;
        r->span_id = p->span_id;
        return 0;
    }
    case TRACE_LATENCY: {
        static struct port_latency buf[LATENCY_PORTS];
        uint64_t max = args[2] < LATENCY_PORTS ? args[2] : LATENCY_PORTS;
        if (vm_check_user(&p->as, args[1], max * sizeof buf[0], 1))
            return -EFAULT;
        int n = latency_read(buf, (int)max);
        if (vm_copyout(&p->as, args[1], buf, (uint64_t)n * sizeof buf[0]))
            return -EFAULT;
        return n;
    }
    case TRACE_SET:
        if ((p->console.a || p->console.b) && !p->service)
            return -EPERM;
        trace_off = !args[1];
        return 0;
    case TRACE_INFO: {
        struct trace_info in = {next_seq,       oldest() - 1, rpc_epoch,
                                kernel_node_id, TRACE_RING,   !trace_off};
        return vm_copyout(&p->as, args[1], &in, sizeof in);
    }
    }
    return -EINVAL;
}
