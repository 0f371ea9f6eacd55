/* lib/migwire.c: encoding and checking of the migration requests'
 * bodies (lib/migwire.h). */
#include "lib/migwire.h"

#include "lib/errno.h"
#include "lib/lebytes.h"

static int finish(const struct le_writer *w) { return le_overflow(w) ? -EMSGSIZE : (int)w->n; }

static int offer_ok(const struct mig_offer *o)
{
    return o->id != 0 && o->pid > 0 && o->page_limit != 0 && o->pages <= o->page_limit;
}

int migwire_put_offer(const struct mig_offer *o, uint8_t *buf, size_t cap)
{
    if (!offer_ok(o))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, o->id, 8);
    le_put(&w, (uint32_t)o->pid, 4);
    le_put(&w, o->pages, 4);
    le_put(&w, o->page_limit, 8);
    return finish(&w);
}

int migwire_get_offer(const uint8_t *buf, size_t len, struct mig_offer *o)
{
    struct le_reader r = le_reader(buf, len);
    o->id = le_get(&r, 8);
    o->pid = (int32_t)(uint32_t)le_get(&r, 4);
    o->pages = (uint32_t)le_get(&r, 4);
    o->page_limit = le_get(&r, 8);
    if (!r.ok || r.at != len || !offer_ok(o))
        return -EBADMSG;
    return 0;
}

static int page_ref_ok(const struct mig_page_ref *p)
{
    return (p->va & (MIG_PAGE - 1)) == 0 && p->va >= USER_BASE && p->va < USER_TOP &&
           p->perm != 0 && (p->perm & ~(uint32_t)(MIG_PERM_R | MIG_PERM_W | MIG_PERM_X)) == 0;
}

int migwire_put_pages_head(uint64_t id, const struct mig_page_ref *refs, uint32_t count,
                           uint8_t *buf, size_t cap)
{
    if (id == 0 || count == 0 || count > MIG_PAGES_PER_MSG)
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, id, 8);
    le_put(&w, count, 4);
    for (uint32_t i = 0; i < count; i++) {
        if (!page_ref_ok(&refs[i]) || (i && refs[i].va <= refs[i - 1].va))
            return -EINVAL;
        le_put(&w, refs[i].va, 8);
        le_put(&w, refs[i].perm, 4);
    }
    return finish(&w);
}

int migwire_get_pages_head(const uint8_t *buf, size_t have, size_t total, uint64_t *id,
                           struct mig_page_ref refs[MIG_PAGES_PER_MSG], uint32_t *count)
{
    struct le_reader r = le_reader(buf, have);
    *id = le_get(&r, 8);
    uint32_t n = (uint32_t)le_get(&r, 4);
    *count = 0;
    if (!r.ok || *id == 0 || n == 0 || n > MIG_PAGES_PER_MSG || total != migwire_pages_len(n))
        return -EBADMSG;
    for (uint32_t i = 0; i < n; i++) {
        refs[i].va = le_get(&r, 8);
        refs[i].perm = (uint32_t)le_get(&r, 4);
        if (!r.ok || !page_ref_ok(&refs[i]) || (i && refs[i].va <= refs[i - 1].va))
            return -EBADMSG;
    }
    *count = n;
    return 0;
}

/* One walker for both directions, so the layout is written once. */
struct walk {
    struct le_writer *w;
    struct le_reader *r;
};

static void f64(struct walk *k, uint64_t *v)
{
    if (k->w)
        le_put(k->w, *v, 8);
    else
        *v = le_get(k->r, 8);
}

static void f32(struct walk *k, uint32_t *v)
{
    if (k->w)
        le_put(k->w, *v, 4);
    else
        *v = (uint32_t)le_get(k->r, 4);
}

static void fi32(struct walk *k, int32_t *v)
{
    uint32_t u = (uint32_t)*v;
    f32(k, &u);
    *v = (int32_t)u;
}

static void state_walk(struct mig_state *s, struct walk *k)
{
    f64(k, &s->id);
    fi32(k, &s->pid);
    if (k->w)
        le_put_bytes(k->w, s->name, PROC_NAME_MAX);
    else
        for (int i = 0; i < PROC_NAME_MAX; i++)
            s->name[i] = (char)le_get(k->r, 1);
    for (int i = 1; i < 32; i++)
        f64(k, &s->regs[i]);
    f64(k, &s->sepc);
    f32(k, &s->fp_saved);
    for (int i = 0; i < 33; i++)
        f64(k, &s->fpregs[i]);
    f64(k, &s->heap_start);
    f64(k, &s->brk);
    f64(k, &s->page_limit);
    f64(k, &s->child_limit);
    f64(k, &s->cpu_ns);
    f64(k, &s->console.a);
    f64(k, &s->console.b);
    fi32(k, &s->parent_pid);
    f32(k, &s->parent_node);
    fi32(k, &s->killed);
    f32(k, &s->nchildren);
    uint32_t n = s->nchildren <= MIG_CHILDREN_MAX ? s->nchildren : 0;
    for (uint32_t i = 0; i < n; i++) {
        fi32(k, &s->children[i].pid);
        f32(k, &s->children[i].exited);
        fi32(k, &s->children[i].status);
    }
    f32(k, &s->nports);
    n = s->nports <= MIG_PORTS_MAX ? s->nports : 0;
    for (uint32_t i = 0; i < n; i++) {
        f64(k, &s->ports[i].a);
        f64(k, &s->ports[i].b);
    }
    f32(k, &s->nproxies);
    n = s->nproxies <= MIG_PROXIES_MAX ? s->nproxies : 0;
    for (uint32_t i = 0; i < n; i++)
        f64(k, &s->proxies[i]);
    uint64_t clock = (uint64_t)s->clock_ns;
    f64(k, &clock);
    s->clock_ns = (int64_t)clock;
    f64(k, &s->clock_uva);
    f64(k, &s->call_left_ns);
}

static int state_ok(const struct mig_state *s)
{
    int named = 0;
    for (int i = 0; i < PROC_NAME_MAX; i++)
        named |= s->name[i] == 0;
    if (s->id == 0 || s->pid <= 0 || !named || s->regs[0] != 0 || s->fp_saved > 1 ||
        s->page_limit == 0 || s->heap_start < USER_BASE || s->heap_start > s->brk ||
        s->brk >= USER_TOP || s->parent_pid < 0 || s->parent_node > 65534 ||
        (s->parent_pid == 0) != (s->parent_node == 0) || s->killed < 0 || s->killed > 64 ||
        s->nchildren > MIG_CHILDREN_MAX || (s->console.a == 0 && s->console.b == 0))
        return 0;
    for (uint32_t i = 0; i < s->nchildren; i++)
        if (s->children[i].pid <= 0 || s->children[i].exited > 1)
            return 0;
    if (s->nports > MIG_PORTS_MAX || s->nproxies > MIG_PROXIES_MAX)
        return 0;
    for (uint32_t i = 0; i < s->nports; i++) {
        if (s->ports[i].a == 0 || (s->ports[i].a & 0xffffffffu) == 0 || s->ports[i].b == 0)
            return 0; /* slot 0 is a node's kernel, never a process's port */
        for (uint32_t j = 0; j < i; j++)
            if (s->ports[j].a == s->ports[i].a && s->ports[j].b == s->ports[i].b)
                return 0;
    }
    for (uint32_t i = 0; i < s->nproxies; i++)
        if (s->proxies[i] == 0)
            return 0;
    if (s->clock_uva && ((s->clock_uva & 7) || s->clock_uva < USER_BASE ||
                         s->clock_uva > USER_TOP - sizeof(struct clock_info)))
        return 0;
    return 1;
}

int migwire_put_state(const struct mig_state *s, uint8_t *buf, size_t cap)
{
    if (!state_ok(s))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    struct walk k = {&w, 0};
    state_walk((struct mig_state *)s, &k); /* writing only reads s */
    return finish(&w);
}

int migwire_get_state(const uint8_t *buf, size_t len, struct mig_state *s)
{
    __builtin_memset(s, 0, sizeof *s);
    struct le_reader r = le_reader(buf, len);
    struct walk k = {0, &r};
    state_walk(s, &k);
    if (!r.ok || r.at != len || !state_ok(s)) {
        __builtin_memset(s, 0, sizeof *s);
        return -EBADMSG;
    }
    return 0;
}

int migwire_put_msg(const struct mig_msg *h, uint8_t *buf, size_t cap)
{
    if (h->id == 0 || (h->port.a == 0 && h->port.b == 0) || h->total > MSG_MAX || h->off > h->total)
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, h->id, 8);
    le_put(&w, h->port.a, 8);
    le_put(&w, h->port.b, 8);
    le_put(&w, (uint32_t)h->sender_pid, 4);
    le_put(&w, (uint32_t)h->sender_node, 4);
    le_put(&w, h->carried.a, 8);
    le_put(&w, h->carried.b, 8);
    le_put(&w, h->total, 4);
    le_put(&w, h->off, 4);
    return finish(&w);
}

int migwire_get_msg(const uint8_t *buf, size_t len, struct mig_msg *h)
{
    if (len < MIG_MSG_HEAD)
        return -EBADMSG;
    struct le_reader r = le_reader(buf, MIG_MSG_HEAD);
    h->id = le_get(&r, 8);
    h->port.a = le_get(&r, 8);
    h->port.b = le_get(&r, 8);
    h->sender_pid = (int32_t)(uint32_t)le_get(&r, 4);
    h->sender_node = (int32_t)(uint32_t)le_get(&r, 4);
    h->carried.a = le_get(&r, 8);
    h->carried.b = le_get(&r, 8);
    h->total = (uint32_t)le_get(&r, 4);
    h->off = (uint32_t)le_get(&r, 4);
    size_t part = len - MIG_MSG_HEAD;
    if (!r.ok || h->id == 0 || (h->port.a == 0 && h->port.b == 0) || h->total > MSG_MAX ||
        h->off > h->total || part > h->total - h->off || (part == 0 && h->total != 0))
        return -EBADMSG;
    return 0;
}

int migwire_put_reply(uint64_t token, int32_t error, uint8_t *buf, size_t cap)
{
    if (token == 0 || error > 0 || error < -4095)
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, token, 8);
    le_put(&w, (uint32_t)error, 4);
    return finish(&w);
}

int migwire_get_reply(const uint8_t *buf, size_t len, uint64_t *token, int32_t *error)
{
    if (len < MIG_REPLY_HEAD)
        return -EBADMSG;
    struct le_reader r = le_reader(buf, MIG_REPLY_HEAD);
    *token = le_get(&r, 8);
    *error = (int32_t)(uint32_t)le_get(&r, 4);
    if (!r.ok || *token == 0 || *error > 0 || *error < -4095 ||
        (*error != 0 && len != MIG_REPLY_HEAD))
        return -EBADMSG;
    return 0;
}

static int run_ok(const struct mig_run *r, const struct mig_run *prev)
{
    if ((r->va & (MIG_PAGE - 1)) || r->va < USER_BASE || r->va >= USER_TOP || r->pages == 0 ||
        (uint64_t)r->pages > (USER_TOP - r->va) / MIG_PAGE)
        return 0;
    return !prev || r->va > prev->va + (uint64_t)prev->pages * MIG_PAGE;
}

int migwire_put_keep(uint64_t id, uint32_t last, const struct mig_run *runs, uint32_t count,
                     uint8_t *buf, size_t cap)
{
    if (id == 0 || last > 1 || count > MIG_KEEP_MAX)
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, id, 8);
    le_put(&w, last, 4);
    le_put(&w, count, 4);
    for (uint32_t i = 0; i < count; i++) {
        if (!run_ok(&runs[i], i ? &runs[i - 1] : 0))
            return -EINVAL;
        le_put(&w, runs[i].va, 8);
        le_put(&w, runs[i].pages, 4);
    }
    return finish(&w);
}

struct mig_run migwire_keep_run(const uint8_t *buf, uint32_t i)
{
    struct le_reader r = le_reader(buf + MIG_KEEP_HEAD + (size_t)i * MIG_KEEP_RUN, MIG_KEEP_RUN);
    struct mig_run run;
    run.va = le_get(&r, 8);
    run.pages = (uint32_t)le_get(&r, 4);
    return run;
}

int migwire_get_keep(const uint8_t *buf, size_t len, uint64_t *id, uint32_t *last, uint32_t *count)
{
    if (len < MIG_KEEP_HEAD)
        return -EBADMSG;
    struct le_reader r = le_reader(buf, MIG_KEEP_HEAD);
    *id = le_get(&r, 8);
    *last = (uint32_t)le_get(&r, 4);
    *count = (uint32_t)le_get(&r, 4);
    if (!r.ok || *id == 0 || *last > 1 || *count > MIG_KEEP_MAX ||
        len != MIG_KEEP_HEAD + (size_t)*count * MIG_KEEP_RUN)
        return -EBADMSG;
    struct mig_run prev = {0, 0};
    for (uint32_t i = 0; i < *count; i++) {
        struct mig_run run = migwire_keep_run(buf, i);
        if (!run_ok(&run, i ? &prev : 0))
            return -EBADMSG;
        prev = run;
    }
    return 0;
}

static int result_ok(const struct mig_result *r)
{
    return r->id != 0 && r->error <= 0 && r->error >= -4095 && r->total <= MSG_MAX &&
           (r->error == 0 || r->total == 0) && r->off <= r->total;
}

int migwire_put_result(const struct mig_result *r, uint8_t *buf, size_t cap)
{
    if (!result_ok(r))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, r->id, 8);
    le_put(&w, (uint32_t)r->error, 4);
    le_put(&w, r->total, 4);
    le_put(&w, r->off, 4);
    return finish(&w);
}

int migwire_get_result(const uint8_t *buf, size_t len, struct mig_result *r)
{
    if (len < MIG_RESULT_HEAD)
        return -EBADMSG;
    struct le_reader rd = le_reader(buf, MIG_RESULT_HEAD);
    r->id = le_get(&rd, 8);
    r->error = (int32_t)(uint32_t)le_get(&rd, 4);
    r->total = (uint32_t)le_get(&rd, 4);
    r->off = (uint32_t)le_get(&rd, 4);
    size_t part = len - MIG_RESULT_HEAD;
    if (!rd.ok || !result_ok(r) || part > r->total - r->off || (part == 0 && r->total != 0))
        return -EBADMSG;
    return 0;
}
