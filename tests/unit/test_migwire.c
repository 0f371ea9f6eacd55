/* tests/unit/test_migwire.c: lib/migwire: the bodies of the requests that
 * move a process between nodes (OFFER, PAGES head and directory, COMMIT
 * state with its ports, proxies and clock, MSG heads of the moving ports'
 * queued messages, KEEP runs of the pages it has when frozen, REPLY to the
 * calls it took), as the receiving kernel gets them.
 *
 * The layout is written a second time here by raw_*(), encoders that check
 * nothing: a valid struct must give the same bytes with both (so the wire
 * format is pinned), and an invalid one, which migwire's encoders refuse,
 * gives the bytes its decoders must refuse. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/lebytes.h"
#include "lib/migwire.h"
#include "tests/unit/unit.h"

#define DIR_MAX (MIG_PAGES_HEAD + MIG_PAGES_PER_MSG * MIG_PAGE_DIR)
#define STATE_HEAD 624 /* the state's bytes up to and including nchildren */
#define CHILD_LEN 12
#define PORT_LEN 16
#define PROXY_LEN 8
#define CLOCK_LEN 24                  /* clock_ns, clock_uva and call_left_ns: they end the state */
#define CLOCK_UVA_MAX (USER_TOP - 32) /* the last place a 32-byte struct clock_info fits */
/* Room for a state with a few records more than the maxima allow. */
#define RAW_STATE_MAX (MIG_STATE_MAX + 4 * (CHILD_LEN + PORT_LEN + PROXY_LEN))

/* The length of a state with nc children, np ports and nx proxies. */
static size_t state_len(uint32_t nc, uint32_t np, uint32_t nx)
{
    return STATE_HEAD + (size_t)nc * CHILD_LEN + 4 + (size_t)np * PORT_LEN + 4 +
           (size_t)nx * PROXY_LEN + CLOCK_LEN;
}

/* ---- the layout, written independently ------------------------------------ */

struct raw {
    uint8_t *p;
    size_t n;
};

static void raw_put(struct raw *w, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        w->p[w->n++] = (uint8_t)(v >> (8 * i));
}

static size_t raw_offer(const struct mig_offer *o, uint8_t *buf)
{
    struct raw w = {buf, 0};
    raw_put(&w, o->id, 8);
    raw_put(&w, (uint32_t)o->pid, 4);
    raw_put(&w, o->pages, 4);
    raw_put(&w, o->page_limit, 8);
    return w.n;
}

/* count is what the head says; nrefs records follow it. */
static size_t raw_pages(uint64_t id, uint32_t count, const struct mig_page_ref *refs,
                        uint32_t nrefs, uint8_t *buf)
{
    struct raw w = {buf, 0};
    raw_put(&w, id, 8);
    raw_put(&w, count, 4);
    for (uint32_t i = 0; i < nrefs; i++) {
        raw_put(&w, refs[i].va, 8);
        raw_put(&w, refs[i].perm, 4);
    }
    return w.n;
}

/* Valid records past the end of the struct's arrays, distinct from those
 * valid_state() puts in them. */
static struct mig_child extra_child(uint32_t i)
{
    return (struct mig_child){(int32_t)(0x00030100 + i), 0, 0};
}
static struct port_id extra_port(uint32_t i)
{
    return (struct port_id){0x0000000400000200ULL + i, 0x7c00000000000000ULL | (i + 1)};
}
static uint64_t extra_proxy(uint32_t i) { return 0xd00d000000000000ULL + i + 1; }

/* The state with the counts the struct says, but nch child, npo port and
 * npx proxy records after them (so counts and records can disagree);
 * records past the arrays' ends are extra_*(). */
static size_t raw_state_n(const struct mig_state *s, uint8_t *buf, uint32_t nch, uint32_t npo,
                          uint32_t npx)
{
    struct raw w = {buf, 0};
    raw_put(&w, s->id, 8);
    raw_put(&w, (uint32_t)s->pid, 4);
    for (int i = 0; i < PROC_NAME_MAX; i++)
        raw_put(&w, (uint8_t)s->name[i], 1);
    for (int i = 1; i < 32; i++)
        raw_put(&w, s->regs[i], 8);
    raw_put(&w, s->sepc, 8);
    raw_put(&w, s->fp_saved, 4);
    for (int i = 0; i < 33; i++)
        raw_put(&w, s->fpregs[i], 8);
    raw_put(&w, s->heap_start, 8);
    raw_put(&w, s->brk, 8);
    raw_put(&w, s->page_limit, 8);
    raw_put(&w, s->child_limit, 8);
    raw_put(&w, s->cpu_ns, 8);
    raw_put(&w, s->console.a, 8);
    raw_put(&w, s->console.b, 8);
    raw_put(&w, (uint32_t)s->parent_pid, 4);
    raw_put(&w, s->parent_node, 4);
    raw_put(&w, (uint32_t)s->killed, 4);
    raw_put(&w, s->nchildren, 4);
    for (uint32_t i = 0; i < nch; i++) {
        struct mig_child c = i < MIG_CHILDREN_MAX ? s->children[i] : extra_child(i);
        raw_put(&w, (uint32_t)c.pid, 4);
        raw_put(&w, c.exited, 4);
        raw_put(&w, (uint32_t)c.status, 4);
    }
    raw_put(&w, s->nports, 4);
    for (uint32_t i = 0; i < npo; i++) {
        struct port_id p = i < MIG_PORTS_MAX ? s->ports[i] : extra_port(i);
        raw_put(&w, p.a, 8);
        raw_put(&w, p.b, 8);
    }
    raw_put(&w, s->nproxies, 4);
    for (uint32_t i = 0; i < npx; i++)
        raw_put(&w, i < MIG_PROXIES_MAX ? s->proxies[i] : extra_proxy(i), 8);
    raw_put(&w, (uint64_t)s->clock_ns, 8);
    raw_put(&w, s->clock_uva, 8);
    raw_put(&w, s->call_left_ns, 8);
    return w.n;
}

static uint32_t upto(uint32_t n, uint32_t max) { return n < max ? n : max; }

/* As many records as each count says (at most the array's size). */
static size_t raw_state(const struct mig_state *s, uint8_t *buf)
{
    return raw_state_n(s, buf, upto(s->nchildren, MIG_CHILDREN_MAX), upto(s->nports, MIG_PORTS_MAX),
                       upto(s->nproxies, MIG_PROXIES_MAX));
}

/* The MSG head, MIG_MSG_HEAD bytes. */
static size_t raw_msg(const struct mig_msg *h, uint8_t *buf)
{
    struct raw w = {buf, 0};
    raw_put(&w, h->id, 8);
    raw_put(&w, h->port.a, 8);
    raw_put(&w, h->port.b, 8);
    raw_put(&w, (uint32_t)h->sender_pid, 4);
    raw_put(&w, (uint32_t)h->sender_node, 4);
    raw_put(&w, h->carried.a, 8);
    raw_put(&w, h->carried.b, 8);
    raw_put(&w, h->total, 4);
    raw_put(&w, h->off, 4);
    return w.n;
}

/* The REPLY head, MIG_REPLY_HEAD bytes. */
static size_t raw_reply(uint64_t token, int32_t error, uint8_t *buf)
{
    struct raw w = {buf, 0};
    raw_put(&w, token, 8);
    raw_put(&w, (uint32_t)error, 4);
    return w.n;
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* ---- valid messages ------------------------------------------------------- */

static struct mig_offer valid_offer(void)
{
    return (struct mig_offer){0x0123456789abcdefULL, 0x00020005, 37, 4096};
}

/* n ascending pages spread over the user range, every permission set used. */
static void valid_refs(struct mig_page_ref *refs, uint32_t n)
{
    static const uint32_t perms[] = {
        MIG_PERM_R | MIG_PERM_X,
        MIG_PERM_R,
        MIG_PERM_R | MIG_PERM_W,
        MIG_PERM_R | MIG_PERM_W | MIG_PERM_X,
        MIG_PERM_W,
        MIG_PERM_X,
        MIG_PERM_W | MIG_PERM_X,
    };
    for (uint32_t i = 0; i < n; i++) {
        refs[i].va = USER_BASE + (uint64_t)i * i * 3 * MIG_PAGE + (uint64_t)i * 0x1000000;
        refs[i].perm = perms[i % (sizeof perms / sizeof perms[0])];
    }
}

/* Every field distinct and nonzero (so a field lost or swapped shows), with
 * nchildren children, nports ports (node 3, slots 0x100 up) and nproxies
 * proxies (their high halves well above any count, so a count read from
 * one is refused). */
static void valid_state(struct mig_state *s, uint32_t nchildren, uint32_t nports, uint32_t nproxies)
{
    memset(s, 0, sizeof *s);
    s->id = 0xfedcba9876543210ULL;
    s->pid = 0x00020011;
    strcpy(s->name, "migrant");
    for (int i = 1; i < 32; i++)
        s->regs[i] = 0xa500000000000000ULL | (uint64_t)i << 40 | (uint64_t)(i * 0x0101);
    s->sepc = USER_BASE + 0x1234;
    s->fp_saved = 1;
    for (int i = 0; i < 33; i++)
        s->fpregs[i] = 0x4000000000000000ULL + (uint64_t)i * 0x10000000001ULL;
    s->fpregs[32] = 0xe0; /* fcsr */
    s->heap_start = USER_BASE + 0x40000;
    s->brk = s->heap_start + 0x3010;
    s->page_limit = 8192;
    s->child_limit = 17;
    s->cpu_ns = 123456789012ULL;
    s->console = (struct port_id){0x0000000300000007ULL, 0x9abcdef012345678ULL};
    s->parent_pid = 0x00010003;
    s->parent_node = 1;
    s->killed = 9;
    s->nchildren = nchildren;
    for (uint32_t i = 0; i < nchildren; i++)
        s->children[i] =
            (struct mig_child){(int32_t)(0x00030000 + i), i & 1, (i & 1) ? -(int32_t)i : 0};
    s->nports = nports;
    for (uint32_t i = 0; i < nports; i++)
        s->ports[i] = (struct port_id){0x0000000300000100ULL + i,
                                       0x6b00000000000000ULL | (i + 1) * 0x000100010001ULL};
    s->nproxies = nproxies;
    for (uint32_t i = 0; i < nproxies; i++)
        s->proxies[i] = 0xc0ffee0000000000ULL + (uint64_t)i * 0x100000001ULL + 1;
    s->clock_ns = 0x0000123456789abcLL;
    s->clock_uva = USER_BASE + 0x7f28; /* 8-aligned, not 16- or 32- */
    s->call_left_ns = 0x0000000501234567ULL;
}

static void check_same_state(const struct mig_state *a, const struct mig_state *b)
{
    CHECK_EQ(a->id, b->id);
    CHECK_EQ(a->pid, b->pid);
    CHECK(memcmp(a->name, b->name, PROC_NAME_MAX) == 0);
    for (int i = 0; i < 32; i++)
        CHECK_EQ(a->regs[i], b->regs[i]);
    CHECK_EQ(a->sepc, b->sepc);
    CHECK_EQ(a->fp_saved, b->fp_saved);
    for (int i = 0; i < 33; i++)
        CHECK_EQ(a->fpregs[i], b->fpregs[i]);
    CHECK_EQ(a->heap_start, b->heap_start);
    CHECK_EQ(a->brk, b->brk);
    CHECK_EQ(a->page_limit, b->page_limit);
    CHECK_EQ(a->child_limit, b->child_limit);
    CHECK_EQ(a->cpu_ns, b->cpu_ns);
    CHECK_EQ(a->console.a, b->console.a);
    CHECK_EQ(a->console.b, b->console.b);
    CHECK_EQ(a->parent_pid, b->parent_pid);
    CHECK_EQ(a->parent_node, b->parent_node);
    CHECK_EQ(a->killed, b->killed);
    CHECK_EQ(a->nchildren, b->nchildren);
    for (uint32_t i = 0; i < a->nchildren && i < MIG_CHILDREN_MAX; i++) {
        CHECK_EQ(a->children[i].pid, b->children[i].pid);
        CHECK_EQ(a->children[i].exited, b->children[i].exited);
        CHECK_EQ(a->children[i].status, b->children[i].status);
    }
    CHECK_EQ(a->nports, b->nports);
    for (uint32_t i = 0; i < a->nports && i < MIG_PORTS_MAX; i++) {
        CHECK_EQ(a->ports[i].a, b->ports[i].a);
        CHECK_EQ(a->ports[i].b, b->ports[i].b);
    }
    CHECK_EQ(a->nproxies, b->nproxies);
    for (uint32_t i = 0; i < a->nproxies && i < MIG_PROXIES_MAX; i++)
        CHECK_EQ(a->proxies[i], b->proxies[i]);
    CHECK_EQ(a->clock_ns, b->clock_ns);
    CHECK_EQ(a->clock_uva, b->clock_uva);
    CHECK_EQ(a->call_left_ns, b->call_left_ns);
}

/* s encodes to what raw_state writes, and that decodes back to s. */
static void check_state_roundtrip(const struct mig_state *s, const char *what)
{
    static uint8_t buf[MIG_STATE_MAX], raw[RAW_STATE_MAX];
    static struct mig_state back;
    int len = migwire_put_state(s, buf, sizeof buf);
    size_t rlen = raw_state(s, raw);
    if (len < 0 || (size_t)len != rlen ||
        (size_t)len != state_len(s->nchildren, s->nports, s->nproxies) ||
        memcmp(buf, raw, rlen) != 0) {
        unit_fail(__FILE__, __LINE__, "%s: put gave %d, the layout %zu bytes%s", what, len, rlen,
                  len == (int)rlen ? " (different)" : "");
        return;
    }
    memset(&back, 0x5a, sizeof back);
    uint8_t *exact = malloc((size_t)len); /* ASan: no reading past len */
    memcpy(exact, buf, (size_t)len);
    int rv = migwire_get_state(exact, (size_t)len, &back);
    free(exact);
    if (rv != 0) {
        unit_fail(__FILE__, __LINE__, "%s: get gave %d", what, rv);
        return;
    }
    check_same_state(s, &back);
}

/* ---- OFFER ---------------------------------------------------------------- */

static void migwire_offer_roundtrip(void)
{
    struct mig_offer o = valid_offer(), back;
    uint8_t buf[MIG_OFFER_LEN + 8], raw[MIG_OFFER_LEN];
    CHECK_EQ(migwire_put_offer(&o, buf, sizeof buf), MIG_OFFER_LEN);
    CHECK_EQ(raw_offer(&o, raw), MIG_OFFER_LEN);
    CHECK(memcmp(buf, raw, MIG_OFFER_LEN) == 0);
    static const uint8_t wire[MIG_OFFER_LEN] = {
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* id */
        0x05, 0x00, 0x02, 0x00,                         /* pid */
        37,   0,    0,    0,                            /* pages */
        0x00, 0x10, 0,    0,    0,    0,    0,    0,    /* page_limit */
    };
    CHECK(memcmp(buf, wire, sizeof wire) == 0); /* little-endian, in this order */
    memset(&back, 0x5a, sizeof back);
    CHECK_EQ(migwire_get_offer(buf, MIG_OFFER_LEN, &back), 0);
    CHECK_EQ(back.id, o.id);
    CHECK_EQ(back.pid, o.pid);
    CHECK_EQ(back.pages, o.pages);
    CHECK_EQ(back.page_limit, o.page_limit);

    /* The edges of what is accepted. */
    struct mig_offer edges[] = {
        {1, 1, 0, 1},                        /* nothing to send */
        {UINT64_MAX, INT32_MAX, 4096, 4096}, /* pages == page_limit */
        {2, 3, UINT32_MAX, UINT64_MAX},      /* unlimited */
    };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        CHECK_EQ(migwire_put_offer(&edges[i], buf, sizeof buf), MIG_OFFER_LEN);
        CHECK_EQ(migwire_get_offer(buf, MIG_OFFER_LEN, &back), 0);
        CHECK_EQ(back.id, edges[i].id);
        CHECK_EQ(back.pid, edges[i].pid);
        CHECK_EQ(back.pages, edges[i].pages);
        CHECK_EQ(back.page_limit, edges[i].page_limit);
    }
}

static void migwire_offer_truncated(void)
{
    struct mig_offer o = valid_offer(), back;
    uint8_t buf[MIG_OFFER_LEN + 1];
    CHECK_EQ(migwire_put_offer(&o, buf, sizeof buf), MIG_OFFER_LEN);
    for (size_t len = 0; len < MIG_OFFER_LEN; len++) {
        uint8_t *exact = malloc(len ? len : 1); /* ASan: no reading past len */
        memcpy(exact, buf, len);
        int rv = migwire_get_offer(exact, len, &back);
        free(exact);
        if (rv != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "%zu of %d bytes: %d", len, MIG_OFFER_LEN, rv);
            return;
        }
    }
    buf[MIG_OFFER_LEN] = 0;
    CHECK_EQ(migwire_get_offer(buf, MIG_OFFER_LEN + 1, &back), -EBADMSG); /* a trailing byte */
}

static void migwire_offer_refusals(void)
{
    struct {
        const char *what;
        struct mig_offer o;
    } bad[] = {
        {"id 0", {0, 5, 1, 10}},
        {"pid 0", {1, 0, 1, 10}},
        {"pid -1", {1, -1, 1, 10}},
        {"pid INT32_MIN", {1, INT32_MIN, 1, 10}},
        {"page_limit 0", {1, 5, 0, 0}},
        {"pages > page_limit", {1, 5, 11, 10}},
        {"pages > page_limit (most)", {1, 5, UINT32_MAX, 1}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t raw[MIG_OFFER_LEN];
        struct mig_offer back;
        size_t len = raw_offer(&bad[i].o, raw);
        int rv = migwire_get_offer(raw, len, &back);
        if (rv != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "%s: get gave %d", bad[i].what, rv);
            return;
        }
        rv = migwire_put_offer(&bad[i].o, raw, sizeof raw);
        if (rv != -EINVAL) {
            unit_fail(__FILE__, __LINE__, "%s: put gave %d", bad[i].what, rv);
            return;
        }
    }
}

static void migwire_offer_short_buffer(void)
{
    struct mig_offer o = valid_offer();
    uint8_t buf[MIG_OFFER_LEN + 8];
    for (size_t cap = 0; cap < MIG_OFFER_LEN; cap++) {
        memset(buf, 0xcc, sizeof buf);
        int rv = migwire_put_offer(&o, buf, cap);
        if (rv != -EMSGSIZE) {
            unit_fail(__FILE__, __LINE__, "cap %zu: %d", cap, rv);
            return;
        }
        for (size_t i = cap; i < sizeof buf; i++)
            CHECK_EQ(buf[i], 0xcc); /* nothing written past cap */
    }
    CHECK_EQ(migwire_put_offer(&o, buf, MIG_OFFER_LEN), MIG_OFFER_LEN);
}

/* ---- PAGES ---------------------------------------------------------------- */

static void migwire_pages_lengths(void)
{
    CHECK_EQ(migwire_pages_len(1), MIG_PAGES_HEAD + MIG_PAGE_DIR + MIG_PAGE);
    CHECK_EQ(migwire_page_offset(1, 0), MIG_PAGES_HEAD + MIG_PAGE_DIR);
    CHECK_EQ(migwire_page_offset(15, 0), MIG_PAGES_HEAD + 15 * MIG_PAGE_DIR);
    CHECK_EQ(migwire_page_offset(15, 14), MIG_PAGES_HEAD + 15 * MIG_PAGE_DIR + 14 * MIG_PAGE);
    for (uint32_t n = 1; n <= MIG_PAGES_PER_MSG; n++)
        CHECK_EQ(migwire_page_offset(n, n), migwire_pages_len(n)); /* the last page ends it */
    CHECK(migwire_pages_len(MIG_PAGES_PER_MSG) <= 64 * 1024);      /* one message, as promised */
}

static void check_pages_roundtrip(uint32_t n)
{
    struct mig_page_ref refs[MIG_PAGES_PER_MSG], back[MIG_PAGES_PER_MSG];
    valid_refs(refs, n);
    uint8_t buf[DIR_MAX + 8], raw[DIR_MAX];
    int len = migwire_put_pages_head(0x1122334455667788ULL, refs, n, buf, sizeof buf);
    CHECK_EQ(len, MIG_PAGES_HEAD + n * MIG_PAGE_DIR);
    CHECK_EQ(raw_pages(0x1122334455667788ULL, n, refs, n, raw), (size_t)len);
    CHECK(memcmp(buf, raw, (size_t)len) == 0);
    uint64_t id = 0;
    uint32_t count = 0;
    memset(back, 0, sizeof back);
    CHECK_EQ(migwire_get_pages_head(buf, (size_t)len, migwire_pages_len(n), &id, back, &count), 0);
    CHECK_EQ(id, 0x1122334455667788ULL);
    CHECK_EQ(count, n);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ(back[i].va, refs[i].va);
        CHECK_EQ(back[i].perm, refs[i].perm);
    }
    /* The kernel hands it all it has of the head (at most DIR_MAX bytes,
     * some of them the pages' own when n < MIG_PAGES_PER_MSG). */
    memset(buf + len, 0xee, sizeof buf - (size_t)len);
    CHECK_EQ(migwire_get_pages_head(buf, DIR_MAX, migwire_pages_len(n), &id, back, &count), 0);
    CHECK_EQ(count, n);
}

static void migwire_pages_roundtrip(void)
{
    for (uint32_t n = 1; n <= MIG_PAGES_PER_MSG; n++) {
        check_pages_roundtrip(n);
        CHECK_OK();
    }
    /* The first and the last page of the user range. */
    struct mig_page_ref refs[2] = {{USER_BASE, MIG_PERM_R}, {USER_TOP - MIG_PAGE, MIG_PERM_W}};
    struct mig_page_ref back[MIG_PAGES_PER_MSG];
    uint8_t buf[DIR_MAX];
    int len = migwire_put_pages_head(1, refs, 2, buf, sizeof buf);
    CHECK_EQ(len, MIG_PAGES_HEAD + 2 * MIG_PAGE_DIR);
    uint64_t id;
    uint32_t count;
    CHECK_EQ(migwire_get_pages_head(buf, (size_t)len, migwire_pages_len(2), &id, back, &count), 0);
    CHECK_EQ(back[1].va, USER_TOP - MIG_PAGE);
}

static void migwire_pages_truncated(void)
{
    struct mig_page_ref refs[4], back[MIG_PAGES_PER_MSG];
    valid_refs(refs, 4);
    uint8_t buf[DIR_MAX];
    int len = migwire_put_pages_head(7, refs, 4, buf, sizeof buf);
    CHECK_EQ(len, MIG_PAGES_HEAD + 4 * MIG_PAGE_DIR);
    uint64_t id;
    uint32_t count;
    for (size_t have = 0; have < (size_t)len; have++) {
        uint8_t *exact = malloc(have ? have : 1); /* ASan: no reading past have */
        memcpy(exact, buf, have);
        count = 99;
        int rv = migwire_get_pages_head(exact, have, migwire_pages_len(4), &id, back, &count);
        free(exact);
        if (rv != -EBADMSG || count != 0) {
            unit_fail(__FILE__, __LINE__, "%zu of %d bytes: %d, count %u", have, len, rv, count);
            return;
        }
    }
    /* The whole body's length must be exactly the head's count of pages:
     * one byte more (a trailing byte) or less is refused. */
    size_t right = migwire_pages_len(4);
    size_t wrong[] = {0,
                      (size_t)len,
                      right - 1,
                      right + 1,
                      right - MIG_PAGE,
                      right + MIG_PAGE,
                      migwire_pages_len(3),
                      migwire_pages_len(5),
                      SIZE_MAX};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        count = 99;
        int rv = migwire_get_pages_head(buf, (size_t)len, wrong[i], &id, back, &count);
        if (rv != -EBADMSG || count != 0) {
            unit_fail(__FILE__, __LINE__, "total %zu for 4 pages: %d", wrong[i], rv);
            return;
        }
    }
    CHECK_EQ(migwire_get_pages_head(buf, (size_t)len, right, &id, back, &count), 0);
}

/* Breaks the head, or ref k of a valid 3-page directory, one way; NULL past
 * the last case, "" when the case does not apply to k. *count is what the
 * head says, *nrefs how many records follow; *encoder_too is cleared when
 * only the decoder refuses it. */
static const char *break_pages(int c, uint64_t *id, struct mig_page_ref *refs, uint32_t *count,
                               uint32_t *nrefs, uint32_t k, int *encoder_too)
{
    *encoder_too = 1;
    switch (c) {
    case 0:
        *count = *nrefs = 0;
        return "count 0";
    case 1:
        valid_refs(refs, MIG_PAGES_PER_MSG + 1);
        *count = *nrefs = MIG_PAGES_PER_MSG + 1;
        return "count MIG_PAGES_PER_MSG + 1";
    case 2:
        *count = UINT32_MAX;
        return "count UINT32_MAX";
    case 3:
        *id = 0;
        return "id 0";
    case 4:
        refs[k].va += 8;
        return "va not page aligned";
    case 5:
        refs[k].va += 1;
        return "va odd";
    case 6:
        refs[k].va = USER_BASE - MIG_PAGE;
        return "va below USER_BASE";
    case 7:
        refs[k].va = 0;
        return "va 0";
    case 8:
        refs[k].va = USER_TOP;
        return "va at USER_TOP";
    case 9:
        refs[k].va = USER_TOP + MIG_PAGE;
        return "va above USER_TOP";
    case 10:
        refs[k].va = UINT64_MAX & ~(uint64_t)(MIG_PAGE - 1);
        return "va at the top of 64 bits";
    case 11:
        refs[k].perm = 0;
        return "perm 0";
    case 12:
        refs[k].perm = 0x1;
        return "perm V";
    case 13:
        refs[k].perm = MIG_PERM_R | 0x10;
        return "perm R|U";
    case 14:
        refs[k].perm = MIG_PERM_R | 0x80000000u;
        return "perm high bit";
    case 15:
        refs[k].perm = 0xffffffffu;
        return "perm all bits";
    case 16:
        if (k == 0)
            return "";
        refs[k].va = refs[k - 1].va;
        return "duplicate page";
    case 17: {
        if (k == 0)
            return "";
        uint64_t va = refs[k].va;
        refs[k].va = refs[k - 1].va;
        refs[k - 1].va = va;
        return "va decreasing";
    }
    default:
        return NULL;
    }
}

static void migwire_pages_refusals(void)
{
    const char *what;
    for (int c = 0;; c++) {
        for (uint32_t k = 0; k < 3; k++) {
            uint64_t id = 42;
            struct mig_page_ref refs[MIG_PAGES_PER_MSG + 1], back[MIG_PAGES_PER_MSG];
            uint32_t count = 3, nrefs = 3, got = 99;
            int encoder_too;
            valid_refs(refs, 3);
            what = break_pages(c, &id, refs, &count, &nrefs, k, &encoder_too);
            if (!what)
                break;
            if (!*what)
                continue;
            uint8_t raw[DIR_MAX + MIG_PAGE_DIR];
            size_t len = raw_pages(id, count, refs, nrefs, raw);
            size_t total = MIG_PAGES_HEAD + (size_t)nrefs * (MIG_PAGE_DIR + MIG_PAGE);
            uint8_t *exact = malloc(len);
            memcpy(exact, raw, len);
            uint64_t got_id;
            int rv = migwire_get_pages_head(exact, len, total, &got_id, back, &got);
            free(exact);
            if (rv != -EBADMSG || got != 0) {
                unit_fail(__FILE__, __LINE__, "%s (page %u): get gave %d, count %u", what, k, rv,
                          got);
                return;
            }
            uint8_t buf[DIR_MAX + MIG_PAGE_DIR];
            rv = migwire_put_pages_head(id, refs, count, buf, sizeof buf);
            if (encoder_too && rv != -EINVAL) {
                unit_fail(__FILE__, __LINE__, "%s (page %u): put gave %d", what, k, rv);
                return;
            }
        }
        if (!what)
            break;
    }
}

static void migwire_pages_short_buffer(void)
{
    struct mig_page_ref refs[MIG_PAGES_PER_MSG];
    valid_refs(refs, MIG_PAGES_PER_MSG);
    uint8_t buf[DIR_MAX + 8];
    for (size_t cap = 0; cap < DIR_MAX; cap++) {
        memset(buf, 0xcc, sizeof buf);
        int rv = migwire_put_pages_head(9, refs, MIG_PAGES_PER_MSG, buf, cap);
        if (rv != -EMSGSIZE) {
            unit_fail(__FILE__, __LINE__, "cap %zu: %d", cap, rv);
            return;
        }
        for (size_t i = cap; i < sizeof buf; i++)
            CHECK_EQ(buf[i], 0xcc);
    }
    CHECK_EQ(migwire_put_pages_head(9, refs, MIG_PAGES_PER_MSG, buf, DIR_MAX), DIR_MAX);
}

/* ---- COMMIT state --------------------------------------------------------- */

static void migwire_state_roundtrip(void)
{
    static struct mig_state s;
    static const struct {
        uint32_t nc, np, nx;
        const char *what;
    } shapes[] = {
        {0, 0, 0, "nothing but the process"},
        {5, 0, 0, "5 children"},
        {0, 1, 0, "1 port"},
        {0, 0, 1, "1 proxy"},
        {2, 3, 4, "2 children, 3 ports, 4 proxies"},
        {MIG_CHILDREN_MAX, 0, 0, "MIG_CHILDREN_MAX children"},
        {0, MIG_PORTS_MAX, 0, "MIG_PORTS_MAX ports"},
        {0, 0, MIG_PROXIES_MAX, "MIG_PROXIES_MAX proxies"},
        {MIG_CHILDREN_MAX, MIG_PORTS_MAX, MIG_PROXIES_MAX, "everything at its maximum"},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        valid_state(&s, shapes[i].nc, shapes[i].np, shapes[i].nx);
        check_state_roundtrip(&s, shapes[i].what);
        CHECK_OK();
        /* The same with a negative clock (a node that booted after the
         * source: clock() of the process goes on from below zero). */
        s.clock_ns = -(int64_t)(i + 1) * 1000000007LL;
        check_state_roundtrip(&s, shapes[i].what);
        CHECK_OK();
    }

    /* The clock goes through untouched, its sign too. */
    static const int64_t clocks[] = {0,
                                     1,
                                     -1,
                                     -4096,
                                     INT64_MIN,
                                     INT64_MIN + 1,
                                     INT64_MAX,
                                     (int64_t)0x8000000000000001ULL,
                                     0x7f00000000000000LL};
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        valid_state(&s, 2, 3, 4);
        s.clock_ns = clocks[i];
        char what[64];
        snprintf(what, sizeof what, "clock_ns %lld", (long long)clocks[i]);
        check_state_roundtrip(&s, what);
        CHECK_OK();
    }

    /* MIG_STATE_MAX is the longest state there is, and a buffer of it holds one. */
    static uint8_t buf[MIG_STATE_MAX];
    CHECK_EQ(state_len(MIG_CHILDREN_MAX, MIG_PORTS_MAX, MIG_PROXIES_MAX), MIG_STATE_MAX);
    CHECK_EQ(MIG_STATE_MAX,
             2192); /* 2168 up to the proxies, then the clock's 16 and call_left_ns */
    valid_state(&s, MIG_CHILDREN_MAX, MIG_PORTS_MAX, MIG_PROXIES_MAX);
    CHECK_EQ(migwire_put_state(&s, buf, MIG_STATE_MAX), MIG_STATE_MAX);
    CHECK_EQ(migwire_put_state(&s, buf, MIG_STATE_MAX - 1), -EMSGSIZE);

    /* The first bytes, and the records where they belong. */
    valid_state(&s, 2, 2, 2);
    int len = migwire_put_state(&s, buf, sizeof buf);
    CHECK_EQ(len, state_len(2, 2, 2));
    CHECK_EQ(buf[0], 0x10);
    CHECK_EQ(buf[7], 0xfe);
    CHECK_EQ(buf[8], 0x11);
    CHECK_EQ(buf[10], 0x02);
    CHECK(memcmp(buf + 12, "migrant\0", 8) == 0);
    CHECK_EQ(buf[STATE_HEAD - 4], 2);                /* nchildren */
    CHECK_EQ(buf[STATE_HEAD + CHILD_LEN], 1);        /* the second child's pid, low byte */
    CHECK_EQ(buf[STATE_HEAD + CHILD_LEN + 4], 1);    /* exited */
    CHECK_EQ(buf[STATE_HEAD + CHILD_LEN + 8], 0xff); /* status -1 */
    size_t at = STATE_HEAD + 2 * CHILD_LEN;
    static const uint8_t ports[4 + 2 * PORT_LEN] = {
        2,    0,    0,    0,                            /* nports */
        0x00, 0x01, 0,    0,    0x03, 0,    0,    0,    /* ports[0].a: node 3, slot 0x100 */
        0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x6b, /* ports[0].b */
        0x01, 0x01, 0,    0,    0x03, 0,    0,    0,    /* ports[1].a */
        0x02, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x6b, /* ports[1].b */
    };
    CHECK(memcmp(buf + at, ports, sizeof ports) == 0);
    at += sizeof ports;
    static const uint8_t proxies[4 + 2 * PROXY_LEN] = {
        2,    0,    0,    0,                            /* nproxies */
        0x01, 0x00, 0x00, 0x00, 0x00, 0xee, 0xff, 0xc0, /* proxies[0] */
        0x02, 0x00, 0x00, 0x00, 0x01, 0xee, 0xff, 0xc0, /* proxies[1] */
    };
    CHECK(memcmp(buf + at, proxies, sizeof proxies) == 0);
    at += sizeof proxies;
    static const uint8_t clock[CLOCK_LEN] = {
        0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00, /* clock_ns */
        0x28, 0x7f, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, /* clock_uva: USER_BASE + 0x7f28 */
        0x67, 0x45, 0x23, 0x01, 0x05, 0x00, 0x00, 0x00, /* call_left_ns */
    };
    CHECK(memcmp(buf + at, clock, sizeof clock) == 0);
    CHECK_EQ(at + sizeof clock, (size_t)len); /* the clock ends it */

    /* A negative clock_ns is its two's complement, as a u64. */
    s.clock_ns = -2;
    s.clock_uva = 0;
    s.call_left_ns = MIG_CALL_FOREVER;
    len = migwire_put_state(&s, buf, sizeof buf);
    CHECK_EQ(len, state_len(2, 2, 2));
    static const uint8_t negative[CLOCK_LEN] = {
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* clock_ns -2 */
        0,    0,    0,    0,    0,    0,    0,    0,    /* clock_uva 0: nowhere */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* call_left_ns: forever */
    };
    CHECK(memcmp(buf + len - CLOCK_LEN, negative, sizeof negative) == 0);
}

/* Changes to a valid state that must still be accepted (the edges). */
static const char *edge_state(struct mig_state *s, int c)
{
    switch (c) {
    case 0:
        s->killed = 0;
        return "killed 0";
    case 1:
        s->killed = 64;
        return "killed 64";
    case 2:
        s->parent_pid = 0;
        s->parent_node = 0;
        return "an orphan";
    case 3:
        s->parent_node = 65534;
        return "parent_node 65534";
    case 4:
        s->heap_start = s->brk;
        return "heap_start == brk";
    case 5:
        s->heap_start = USER_BASE;
        return "heap_start == USER_BASE";
    case 6:
        s->brk = USER_TOP - 1;
        return "brk == USER_TOP - 1";
    case 7:
        s->heap_start = s->brk = USER_BASE;
        return "empty heap at USER_BASE";
    case 8:
        memset(s->name, 'n', PROC_NAME_MAX - 1);
        s->name[PROC_NAME_MAX - 1] = 0;
        return "name of PROC_NAME_MAX - 1 bytes";
    case 9:
        memset(s->name, 0, PROC_NAME_MAX);
        return "empty name";
    case 10:
        memcpy(s->name, "ab\0garbage\0\0\0\0\0x", PROC_NAME_MAX);
        return "bytes after the NUL";
    case 11:
        s->console.b = 0;
        return "console.a only";
    case 12:
        s->console.a = 0;
        return "console.b only";
    case 13:
        s->fp_saved = 0;
        return "fp_saved 0";
    case 14:
        s->pid = INT32_MAX;
        return "pid INT32_MAX";
    case 15:
        s->id = UINT64_MAX;
        return "id UINT64_MAX";
    case 16:
        s->child_limit = 0;
        s->cpu_ns = 0;
        s->sepc = 0;
        return "zero limits and time";
    case 17:
        s->page_limit = UINT64_MAX;
        return "page_limit UINT64_MAX";
    case 18:
        s->children[2].exited = 0;
        s->children[2].status = INT32_MIN;
        return "status while running";
    case 19:
        s->children[0].pid = INT32_MAX;
        return "child pid INT32_MAX";
    case 20:
        s->ports[0] = (struct port_id){1, 1};
        return "port slot 1 of node 0";
    case 21:
        s->ports[1] = (struct port_id){UINT64_MAX, UINT64_MAX};
        return "port all ones";
    case 22:
        s->ports[2].a = 0xffffffff00000001ULL;
        return "port with the high half all ones";
    case 23:
        s->ports[1].a = s->ports[0].a;
        return "two ports alike but for b";
    case 24:
        s->ports[2].b = s->ports[0].b;
        return "two ports alike but for a";
    case 25:
        s->ports[0].a = s->ports[1].b;
        s->ports[0].b = s->ports[1].a;
        return "a port that is another with a and b swapped";
    case 26:
        s->proxies[0] = 1;
        return "proxy 1";
    case 27:
        s->proxies[2] = UINT64_MAX;
        return "proxy UINT64_MAX";
    case 28:
        s->nports = 0;
        return "no ports (with proxies)";
    case 29:
        s->nproxies = 0;
        return "no proxies (with ports)";
    case 30:
        s->clock_uva = 0;
        return "clock_uva 0 (no clock_info)";
    case 31:
        s->clock_uva = USER_BASE;
        return "clock_uva USER_BASE";
    case 32:
        s->clock_uva = CLOCK_UVA_MAX;
        return "clock_uva at the largest allowed";
    case 33:
        s->clock_uva = CLOCK_UVA_MAX - 8;
        return "clock_uva 8 below the largest";
    case 34:
        s->clock_uva = USER_BASE + 8;
        return "clock_uva 8-aligned only";
    case 35:
        s->clock_uva = USER_TOP - MIG_PAGE;
        return "clock_uva on the last page";
    case 36:
        s->clock_ns = -1;
        return "clock_ns -1";
    case 37:
        s->clock_ns = INT64_MIN;
        return "clock_ns INT64_MIN";
    case 38:
        s->clock_ns = INT64_MAX;
        return "clock_ns INT64_MAX";
    case 39:
        s->clock_ns = 0;
        s->clock_uva = 0;
        return "no clock at all";
    default:
        return NULL;
    }
}

static void migwire_state_edges(void)
{
    static struct mig_state s;
    const char *what;
    for (int c = 0; (valid_state(&s, 3, 3, 3), what = edge_state(&s, c)) != NULL; c++) {
        check_state_roundtrip(&s, what);
        CHECK_OK();
    }
}

/* Breaks a valid state (3 children, 3 ports, 3 proxies) one way; NULL past
 * the last case. */
static const char *break_state(struct mig_state *s, int c)
{
    switch (c) {
    case 0:
        s->id = 0;
        return "id 0";
    case 1:
        s->pid = 0;
        return "pid 0";
    case 2:
        s->pid = -7;
        return "pid negative";
    case 3:
        memset(s->name, 'x', PROC_NAME_MAX);
        return "name without a NUL";
    case 4:
        s->fp_saved = 2;
        return "fp_saved 2";
    case 5:
        s->fp_saved = UINT32_MAX;
        return "fp_saved UINT32_MAX";
    case 6:
        s->heap_start = s->brk + 1;
        return "heap_start > brk";
    case 7:
        s->brk = USER_TOP;
        return "brk == USER_TOP";
    case 8:
        s->brk = UINT64_MAX;
        return "brk UINT64_MAX";
    case 9:
        s->heap_start = USER_BASE - 1;
        return "heap_start < USER_BASE";
    case 10:
        s->heap_start = 0;
        s->brk = 0;
        return "heap at 0";
    case 11:
        s->page_limit = 0;
        return "page_limit 0";
    case 12:
        s->parent_pid = 0;
        return "parent_pid 0 with a parent_node";
    case 13:
        s->parent_node = 0;
        return "a parent_pid with parent_node 0";
    case 14:
        s->parent_pid = -3;
        return "parent_pid negative";
    case 15:
        s->parent_node = 65535;
        return "parent_node 65535";
    case 16:
        s->nchildren = MIG_CHILDREN_MAX + 1;
        return "nchildren MIG_CHILDREN_MAX + 1";
    case 17:
        s->nchildren = UINT32_MAX;
        return "nchildren UINT32_MAX";
    case 18:
        s->children[2].pid = 0;
        return "a child pid 0";
    case 19:
        s->children[0].pid = -1;
        return "a child pid negative";
    case 20:
        s->children[1].exited = 2;
        return "exited 2";
    case 21:
        s->children[2].exited = UINT32_MAX;
        return "exited UINT32_MAX";
    case 22:
        s->console = (struct port_id){0, 0};
        return "console all zero";
    case 23:
        s->killed = -1;
        return "killed negative";
    case 24:
        s->killed = 65;
        return "killed 65";
    case 25:
        s->killed = INT32_MAX;
        return "killed INT32_MAX";
    case 26:
        s->nports = MIG_PORTS_MAX + 1;
        return "nports MIG_PORTS_MAX + 1";
    case 27:
        s->nports = UINT32_MAX;
        return "nports UINT32_MAX";
    case 28:
        s->ports[0] = (struct port_id){0, 0};
        return "a port all zero";
    case 29:
        s->ports[1].a = 0;
        return "a port with a 0 (b only)";
    case 30:
        s->ports[2].b = 0;
        return "a port with b 0";
    case 31:
        s->ports[2].a = 0x0000000300000000ULL;
        return "a port with slot 0";
    case 32:
        s->ports[0].a = 0xffffffff00000000ULL;
        return "a port with slot 0, high half ones";
    case 33:
        s->ports[2] = s->ports[0];
        return "a port twice";
    case 34:
        s->ports[1] = s->ports[0];
        return "a port twice, one after the other";
    case 35:
        s->nproxies = MIG_PROXIES_MAX + 1;
        return "nproxies MIG_PROXIES_MAX + 1";
    case 36:
        s->nproxies = UINT32_MAX;
        return "nproxies UINT32_MAX";
    case 37:
        s->proxies[0] = 0;
        return "the first proxy 0";
    case 38:
        s->proxies[2] = 0;
        return "the last proxy 0";
    case 39:
        s->clock_uva += 4;
        return "clock_uva 4-aligned";
    case 40:
        s->clock_uva = USER_BASE + 1;
        return "clock_uva odd";
    case 41:
        s->clock_uva = CLOCK_UVA_MAX + 1;
        return "clock_uva unaligned past the largest";
    case 42:
        s->clock_uva = USER_BASE - 8;
        return "clock_uva 8 below USER_BASE";
    case 43:
        s->clock_uva = 8;
        return "clock_uva 8";
    case 44:
        s->clock_uva = CLOCK_UVA_MAX + 8;
        return "clock_uva 8 past the largest";
    case 45:
        s->clock_uva = USER_TOP - 8;
        return "clock_uva on the last 8 bytes";
    case 46:
        s->clock_uva = USER_TOP;
        return "clock_uva USER_TOP";
    case 47:
        s->clock_uva = USER_TOP + MIG_PAGE;
        return "clock_uva above USER_TOP";
    case 48:
        s->clock_uva = UINT64_MAX & ~(uint64_t)7;
        return "clock_uva at the top of 64 bits";
    case 49:
        s->clock_uva = (uint64_t)0 - 32;
        return "clock_uva wrapping past 0";
    default:
        return NULL;
    }
}

static void check_state_refused(const uint8_t *bytes, size_t len, const char *what)
{
    static struct mig_state back;
    uint8_t *exact = malloc(len ? len : 1); /* ASan: no reading past len */
    memcpy(exact, bytes, len);
    memset(&back, 0x5a, sizeof back);
    int rv = migwire_get_state(exact, len, &back);
    free(exact);
    if (rv != -EBADMSG)
        unit_fail(__FILE__, __LINE__, "%s: get gave %d", what, rv);
    else if (!all_zero(&back, sizeof back))
        unit_fail(__FILE__, __LINE__, "%s: the state is not zeroed", what);
}

static void migwire_state_refusals(void)
{
    static struct mig_state s;
    static uint8_t raw[RAW_STATE_MAX], buf[MIG_STATE_MAX];
    const char *what;
    int c;
    for (c = 0; (valid_state(&s, 3, 3, 3), what = break_state(&s, c)) != NULL; c++) {
        size_t len = raw_state(&s, raw);
        check_state_refused(raw, len, what);
        CHECK_OK();
        int rv = migwire_put_state(&s, buf, sizeof buf);
        if (rv != -EINVAL) {
            unit_fail(__FILE__, __LINE__, "%s: put gave %d", what, rv);
            return;
        }
    }
    CHECK_EQ(c, 50); /* every case ran */

    /* One more record than allowed, each present, and the last one missing. */
    static const struct {
        uint32_t nc, np, nx; /* the records (valid_state fills MIG_*_MAX of them) */
        int which;           /* the count one over: 0 children, 1 ports, 2 proxies */
        const char *what;
    } over[] = {
        {MIG_CHILDREN_MAX, 3, 3, 0, "MIG_CHILDREN_MAX + 1 children"},
        {3, MIG_PORTS_MAX, 3, 1, "MIG_PORTS_MAX + 1 ports"},
        {3, 3, MIG_PROXIES_MAX, 2, "MIG_PROXIES_MAX + 1 proxies"},
    };
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        valid_state(&s, over[i].nc, over[i].np, over[i].nx);
        check_state_roundtrip(&s, over[i].what); /* at the maximum it is fine */
        CHECK_OK();
        uint32_t nc = over[i].nc, np = over[i].np, nx = over[i].nx;
        if (over[i].which == 0)
            s.nchildren = ++nc;
        else if (over[i].which == 1)
            s.nports = ++np;
        else
            s.nproxies = ++nx;
        char what2[96];
        snprintf(what2, sizeof what2, "%s, all there", over[i].what);
        check_state_refused(raw, raw_state_n(&s, raw, nc, np, nx), what2);
        CHECK_OK();
        snprintf(what2, sizeof what2, "%s, the last missing", over[i].what);
        check_state_refused(raw, raw_state(&s, raw), what2);
        CHECK_OK();
        CHECK_EQ(migwire_put_state(&s, buf, sizeof buf), -EINVAL);
    }

    /* regs[0] is not on the wire (it decodes as 0): only the encoder can see it. */
    valid_state(&s, 3, 3, 3);
    s.regs[0] = 1;
    CHECK_EQ(migwire_put_state(&s, buf, sizeof buf), -EINVAL);
}

/* The counts disagreeing with the records that follow them. */
static void migwire_state_counts(void)
{
    static struct mig_state s;
    static uint8_t raw[RAW_STATE_MAX];
    static const struct {
        uint32_t nc, np, nx; /* what the counts say */
        uint32_t rc, rp, rx; /* the records present */
        const char *what;
    } bad[] = {
        {3, 3, 3, 2, 3, 3, "a child record fewer"},
        {3, 3, 3, 4, 3, 3, "a child record more"},
        {3, 3, 3, 3, 2, 3, "a port record fewer"},
        {3, 3, 3, 3, 4, 3, "a port record more"},
        {3, 0, 3, 3, 1, 3, "nports 0 with a port record"},
        {3, 1, 3, 3, 0, 3, "nports 1 without a port record"},
        {3, 3, 3, 3, 3, 2, "a proxy record fewer"},
        {3, 3, 3, 3, 3, 4, "a proxy record more"},
        {3, 3, 0, 3, 3, 1, "nproxies 0 with a proxy record"},
        {3, 3, 1, 3, 3, 0, "nproxies 1 without a proxy record"},
        {3, MIG_PORTS_MAX, 3, 3, MIG_PORTS_MAX - 1, 3, "MIG_PORTS_MAX ports, one missing"},
        {3, 3, MIG_PROXIES_MAX, 3, 3, MIG_PROXIES_MAX - 1, "MIG_PROXIES_MAX proxies, one missing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        valid_state(&s, bad[i].nc, bad[i].np, bad[i].nx);
        size_t len = raw_state_n(&s, raw, bad[i].rc, bad[i].rp, bad[i].rx);
        check_state_refused(raw, len, bad[i].what);
        CHECK_OK();
    }

    /* The layout before the clock: it ends after the proxies. */
    static const uint32_t shapes[][3] = {
        {0, 0, 0}, {3, 2, 2}, {3, 3, 3}, {MIG_CHILDREN_MAX, MIG_PORTS_MAX, MIG_PROXIES_MAX}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        valid_state(&s, shapes[i][0], shapes[i][1], shapes[i][2]);
        size_t len = raw_state(&s, raw);
        CHECK_EQ(len, state_len(shapes[i][0], shapes[i][1], shapes[i][2]));
        check_state_refused(raw, len - CLOCK_LEN, "the old layout (no clock)");
        CHECK_OK();
        check_state_refused(raw, len - 8, "clock_ns without clock_uva");
        CHECK_OK();
        /* The clock twice. */
        memcpy(raw + len, raw + len - CLOCK_LEN, CLOCK_LEN);
        check_state_refused(raw, len + CLOCK_LEN, "the clock twice");
        CHECK_OK();
    }

    /* The layout before ports and proxies moved: it ends after the children. */
    valid_state(&s, 3, 0, 0);
    size_t len = raw_state(&s, raw);
    CHECK_EQ(len, state_len(3, 0, 0));
    check_state_refused(raw, len - 8 - CLOCK_LEN, "the old layout (no nports, no nproxies)");
    CHECK_OK();
    valid_state(&s, 3, 2, 0);
    len = raw_state(&s, raw);
    check_state_refused(raw, len - 4 - CLOCK_LEN, "no nproxies");
    CHECK_OK();
    /* No nproxies, but the clock where nproxies would be. */
    memmove(raw + len - 4 - CLOCK_LEN, raw + len - CLOCK_LEN, CLOCK_LEN);
    check_state_refused(raw, len - 4, "no nproxies, the clock after the ports");
    CHECK_OK();
    /* The same records, proxies before ports (both counts 2). */
    valid_state(&s, 3, 2, 2);
    len = raw_state(&s, raw);
    uint8_t *tail = raw + state_len(3, 0, 0) - 8 - CLOCK_LEN;
    uint8_t swapped[4 + 2 * PORT_LEN + 4 + 2 * PROXY_LEN];
    memcpy(swapped, tail + 4 + 2 * PORT_LEN, 4 + 2 * PROXY_LEN);
    memcpy(swapped + 4 + 2 * PROXY_LEN, tail, 4 + 2 * PORT_LEN);
    memcpy(tail, swapped, sizeof swapped);
    check_state_refused(raw, len, "proxies before ports");
}

static void migwire_state_truncated(void)
{
    static struct mig_state s;
    static uint8_t buf[MIG_STATE_MAX + PROXY_LEN];
    valid_state(&s, 3, 3, 3);
    s.clock_ns = -5; /* the sign bits must be all there */
    int len = migwire_put_state(&s, buf, sizeof buf);
    CHECK_EQ(len, state_len(3, 3, 3));
    for (size_t n = 0; n < (size_t)len; n++) {
        char what[48];
        snprintf(what, sizeof what, "%zu of %d bytes", n, len);
        check_state_refused(buf, n, what);
        CHECK_OK();
    }
    buf[len] = 0;
    check_state_refused(buf, (size_t)len + 1, "a trailing byte");
    CHECK_OK();
    /* Eight bytes more after the clock (which ends the state). */
    memset(buf + len, 0, PROXY_LEN);
    buf[len] = 1;
    check_state_refused(buf, (size_t)len + PROXY_LEN, "an extra record after the clock");
    CHECK_OK();
    check_state_refused(buf, (size_t)len - 8, "clock_uva missing");
    CHECK_OK();
    check_state_refused(buf, (size_t)len - CLOCK_LEN, "the clock missing");
    CHECK_OK();
    check_state_refused(buf, (size_t)len - CLOCK_LEN - PROXY_LEN, "the clock and a proxy missing");
}

static void migwire_state_short_buffer(void)
{
    static struct mig_state s;
    static uint8_t buf[MIG_STATE_MAX + 8];
    valid_state(&s, 2, 2, 2);
    size_t len = state_len(2, 2, 2);
    for (size_t cap = 0; cap < len; cap++) {
        memset(buf, 0xcc, sizeof buf);
        int rv = migwire_put_state(&s, buf, cap);
        if (rv != -EMSGSIZE) {
            unit_fail(__FILE__, __LINE__, "cap %zu: %d", cap, rv);
            return;
        }
        for (size_t i = cap; i < sizeof buf; i++)
            CHECK_EQ(buf[i], 0xcc); /* nothing written past cap */
    }
    CHECK_EQ(migwire_put_state(&s, buf, len), (int)len);
    /* A refused state is refused before the buffer's size matters. */
    s.pid = 0;
    CHECK_EQ(migwire_put_state(&s, buf, 0), -EINVAL);
    valid_state(&s, 2, 2, 2);
    s.proxies[1] = 0;
    CHECK_EQ(migwire_put_state(&s, buf, 0), -EINVAL);
    valid_state(&s, 2, 2, 2);
    s.clock_uva = USER_TOP;
    CHECK_EQ(migwire_put_state(&s, buf, 0), -EINVAL);
    CHECK_EQ(migwire_put_state(&s, buf, sizeof buf), -EINVAL);
}

/* ---- MSG ------------------------------------------------------------------ */

static struct mig_msg valid_msg(void)
{
    return (struct mig_msg){
        .id = 0x1122334455667788ULL,
        .port = {0x0000000200000105ULL, 0x0a0b0c0d0e0f1011ULL},
        .sender_pid = 0x00010004,
        .sender_node = 1,
        .carried = {0x0000000100000009ULL, 0x2122232425262728ULL},
        .total = 5000,
        .off = 1024,
    };
}

/* get_msg on the head's bytes followed by a part of `part` bytes, in a
 * buffer of exactly that size. */
static int get_msg_part(const uint8_t head[MIG_MSG_HEAD], size_t hlen, size_t part,
                        struct mig_msg *h)
{
    size_t len = hlen + part;
    uint8_t *exact = malloc(len ? len : 1); /* ASan: no reading past len */
    memcpy(exact, head, hlen);
    memset(exact + hlen, 0xb7, part);
    int rv = migwire_get_msg(exact, len, h);
    free(exact);
    return rv;
}

static void migwire_msg_roundtrip(void)
{
    struct mig_msg h = valid_msg(), back;
    uint8_t buf[MIG_MSG_HEAD + 8], raw[MIG_MSG_HEAD];
    CHECK_EQ(migwire_put_msg(&h, buf, sizeof buf), MIG_MSG_HEAD);
    CHECK_EQ(raw_msg(&h, raw), MIG_MSG_HEAD);
    CHECK(memcmp(buf, raw, MIG_MSG_HEAD) == 0);
    static const uint8_t wire[MIG_MSG_HEAD] = {
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* id */
        0x05, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* port.a */
        0x11, 0x10, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, /* port.b */
        0x04, 0x00, 0x01, 0x00,                         /* sender_pid */
        0x01, 0x00, 0x00, 0x00,                         /* sender_node */
        0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* carried.a */
        0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21, /* carried.b */
        0x88, 0x13, 0x00, 0x00,                         /* total 5000 */
        0x00, 0x04, 0x00, 0x00,                         /* off 1024 */
    };
    CHECK(memcmp(buf, wire, sizeof wire) == 0); /* little-endian, in this order */

    /* Heads with parts that are accepted, up to the edges. */
    static const struct {
        uint32_t total, off, part;
        const char *what;
    } parts[] = {
        {5000, 1024, 100, "a part in the middle"},
        {5000, 1024, 3976, "a part up to the end"},
        {5000, 0, 5000, "the whole body in one part"},
        {5000, 0, 1, "one byte at the start"},
        {5000, 4999, 1, "the last byte"},
        {0, 0, 0, "an empty message"},
        {1, 0, 1, "a message of one byte"},
        {MSG_MAX, 0, MSG_MAX, "MSG_MAX bytes in one part"},
        {MSG_MAX, MSG_MAX - 1, 1, "the last byte of MSG_MAX"},
        {MSG_MAX, 32768, MSG_MAX - 32768, "the second half of MSG_MAX"},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        h = valid_msg();
        h.total = parts[i].total;
        h.off = parts[i].off;
        if (i == 1) { /* the fields the codec passes through, at odd values */
            h.port = (struct port_id){0, 1};
            h.sender_pid = -1;
            h.sender_node = INT32_MIN;
            h.carried = (struct port_id){0, 0};
            h.id = UINT64_MAX;
        } else if (i == 2) {
            h.port = (struct port_id){1, 0};
            h.sender_pid = INT32_MIN;
            h.sender_node = -1;
            h.carried = (struct port_id){UINT64_MAX, UINT64_MAX};
            h.id = 1;
        }
        int len = migwire_put_msg(&h, buf, sizeof buf);
        raw_msg(&h, raw);
        if (len != MIG_MSG_HEAD || memcmp(buf, raw, MIG_MSG_HEAD) != 0) {
            unit_fail(__FILE__, __LINE__, "%s: put gave %d", parts[i].what, len);
            return;
        }
        memset(&back, 0x5a, sizeof back);
        int rv = get_msg_part(buf, MIG_MSG_HEAD, parts[i].part, &back);
        if (rv != 0) {
            unit_fail(__FILE__, __LINE__, "%s: get gave %d", parts[i].what, rv);
            return;
        }
        CHECK_EQ(back.id, h.id);
        CHECK_EQ(back.port.a, h.port.a);
        CHECK_EQ(back.port.b, h.port.b);
        CHECK_EQ(back.sender_pid, h.sender_pid);
        CHECK_EQ(back.sender_node, h.sender_node);
        CHECK_EQ(back.carried.a, h.carried.a);
        CHECK_EQ(back.carried.b, h.carried.b);
        CHECK_EQ(back.total, h.total);
        CHECK_EQ(back.off, h.off);
    }
}

static void migwire_msg_truncated(void)
{
    struct mig_msg h = valid_msg(), back;
    uint8_t buf[MIG_MSG_HEAD];
    for (int empty = 0; empty < 2; empty++) {
        if (empty)
            h.total = h.off = 0; /* a head that is all the body needs */
        CHECK_EQ(migwire_put_msg(&h, buf, sizeof buf), MIG_MSG_HEAD);
        for (size_t len = 0; len < MIG_MSG_HEAD; len++) {
            int rv = get_msg_part(buf, len, 0, &back);
            if (rv != -EBADMSG) {
                unit_fail(__FILE__, __LINE__, "%zu of %d bytes: %d", len, MIG_MSG_HEAD, rv);
                return;
            }
        }
    }
    CHECK_EQ(get_msg_part(buf, MIG_MSG_HEAD, 0, &back), 0);
}

static void migwire_msg_refusals(void)
{
    /* Refused by both sides: the head itself is wrong. */
    struct {
        const char *what;
        uint64_t id;
        struct port_id port;
        uint32_t total, off, part;
    } bad[] = {
        {"id 0", 0, {2, 3}, 5000, 0, 100},
        {"port zero", 7, {0, 0}, 5000, 0, 100},
        {"total MSG_MAX + 1", 7, {2, 3}, MSG_MAX + 1, 0, 100},
        {"total MSG_MAX + 1, all of it", 7, {2, 3}, MSG_MAX + 1, 0, MSG_MAX + 1},
        {"total UINT32_MAX", 7, {2, 3}, UINT32_MAX, 0, 100},
        {"off total + 1", 7, {2, 3}, 5000, 5001, 1},
        {"off total + 1, no part", 7, {2, 3}, 5000, 5001, 0},
        {"off 1 of an empty message", 7, {2, 3}, 0, 1, 0},
        {"off UINT32_MAX", 7, {2, 3}, 5000, UINT32_MAX, 1},
        {"off and total UINT32_MAX", 7, {2, 3}, UINT32_MAX, UINT32_MAX, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mig_msg h = valid_msg(), back;
        h.id = bad[i].id;
        h.port = bad[i].port;
        h.total = bad[i].total;
        h.off = bad[i].off;
        uint8_t raw[MIG_MSG_HEAD], buf[MIG_MSG_HEAD];
        raw_msg(&h, raw);
        int rv = get_msg_part(raw, MIG_MSG_HEAD, bad[i].part, &back);
        if (rv != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "%s: get gave %d", bad[i].what, rv);
            return;
        }
        rv = migwire_put_msg(&h, buf, sizeof buf);
        if (rv != -EINVAL) {
            unit_fail(__FILE__, __LINE__, "%s: put gave %d", bad[i].what, rv);
            return;
        }
    }

    /* Refused by the decoder: the head is fine, the part does not fit it
     * (the encoder writes the head only, so only the decoder sees them). */
    struct {
        const char *what;
        uint32_t total, off;
        size_t part;
    } badpart[] = {
        {"an empty part at off 0", 5000, 0, 0},
        {"an empty part in the middle", 5000, 1024, 0},
        {"an empty part at off == total", 5000, 5000, 0},
        {"an empty part of one byte", 1, 0, 0},
        {"a part running past total by one", 5000, 1024, 3977},
        {"a part running past total", 5000, 4000, 4096},
        {"a part longer than total", 5000, 0, 5001},
        {"a byte at off == total", 5000, 5000, 1},
        {"a byte of an empty message", 0, 0, 1},
        {"MSG_MAX + 1 bytes of MSG_MAX", MSG_MAX, 0, MSG_MAX + 1},
        {"two bytes at the last of MSG_MAX", MSG_MAX, MSG_MAX - 1, 2},
    };
    for (size_t i = 0; i < sizeof badpart / sizeof badpart[0]; i++) {
        struct mig_msg h = valid_msg(), back;
        h.total = badpart[i].total;
        h.off = badpart[i].off;
        uint8_t raw[MIG_MSG_HEAD];
        raw_msg(&h, raw);
        int rv = get_msg_part(raw, MIG_MSG_HEAD, badpart[i].part, &back);
        if (rv != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "%s: get gave %d", badpart[i].what, rv);
            return;
        }
    }
}

static void migwire_msg_short_buffer(void)
{
    struct mig_msg h = valid_msg();
    uint8_t buf[MIG_MSG_HEAD + 8];
    for (size_t cap = 0; cap < MIG_MSG_HEAD; cap++) {
        memset(buf, 0xcc, sizeof buf);
        int rv = migwire_put_msg(&h, buf, cap);
        if (rv != -EMSGSIZE) {
            unit_fail(__FILE__, __LINE__, "cap %zu: %d", cap, rv);
            return;
        }
        for (size_t i = cap; i < sizeof buf; i++)
            CHECK_EQ(buf[i], 0xcc); /* nothing written past cap */
    }
    memset(buf, 0xcc, sizeof buf);
    CHECK_EQ(migwire_put_msg(&h, buf, MIG_MSG_HEAD), MIG_MSG_HEAD);
    CHECK_EQ(buf[MIG_MSG_HEAD], 0xcc);
    /* A refused head is refused before the buffer's size matters. */
    h.id = 0;
    CHECK_EQ(migwire_put_msg(&h, buf, 0), -EINVAL);
}

/* ---- KEEP ----------------------------------------------------------------- */

#define KEEP_LEN(n) (MIG_KEEP_HEAD + (size_t)(n)*MIG_KEEP_RUN)
#define USER_PAGES ((USER_TOP - USER_BASE) / MIG_PAGE) /* the pages of user space */

/* count is what the head says; nruns records follow it. */
static size_t raw_keep(uint64_t id, uint32_t last, uint32_t count, const struct mig_run *runs,
                       uint32_t nruns, uint8_t *buf)
{
    struct raw w = {buf, 0};
    raw_put(&w, id, 8);
    raw_put(&w, last, 4);
    raw_put(&w, count, 4);
    for (uint32_t i = 0; i < nruns; i++) {
        raw_put(&w, runs[i].va, 8);
        raw_put(&w, runs[i].pages, 4);
    }
    return w.n;
}

/* n increasing runs of 1 to 3 pages, gaps of 1 to 4 pages between them,
 * from the third page of user space (MIG_KEEP_MAX + 1 of them span about
 * 100 MiB of its 192 GiB). */
static void valid_runs(struct mig_run *runs, uint32_t n)
{
    uint64_t va = USER_BASE + 2 * MIG_PAGE;
    for (uint32_t i = 0; i < n; i++) {
        runs[i].va = va;
        runs[i].pages = 1 + i % 3;
        va += ((uint64_t)runs[i].pages + 1 + i % 4) * MIG_PAGE;
    }
}

/* get_keep on len bytes in a buffer of exactly that size. */
static int get_keep_exact(const uint8_t *bytes, size_t len, uint64_t *id, uint32_t *last,
                          uint32_t *count)
{
    uint8_t *exact = malloc(len ? len : 1); /* ASan: no reading past len */
    memcpy(exact, bytes, len);
    int rv = migwire_get_keep(exact, len, id, last, count);
    free(exact);
    return rv;
}

/* The runs encode to what raw_keep writes, and that decodes back to them. */
static void check_keep_roundtrip(uint64_t id, uint32_t last, const struct mig_run *runs, uint32_t n,
                                 const char *what)
{
    static uint8_t buf[KEEP_LEN(MIG_KEEP_MAX) + 8], raw[KEEP_LEN(MIG_KEEP_MAX)];
    int len = migwire_put_keep(id, last, runs, n, buf, sizeof buf);
    size_t rlen = raw_keep(id, last, n, runs, n, raw);
    if (len < 0 || (size_t)len != rlen || rlen != KEEP_LEN(n) || memcmp(buf, raw, rlen) != 0) {
        unit_fail(__FILE__, __LINE__, "%s: put gave %d, the layout %zu bytes%s", what, len, rlen,
                  len == (int)rlen ? " (different)" : "");
        return;
    }
    uint8_t *exact = malloc((size_t)len); /* ASan: no reading past len */
    memcpy(exact, buf, (size_t)len);
    uint64_t got_id = 0;
    uint32_t got_last = 99, count = 99;
    int rv = migwire_get_keep(exact, (size_t)len, &got_id, &got_last, &count);
    if (rv != 0 || got_id != id || got_last != last || count != n) {
        unit_fail(__FILE__, __LINE__, "%s: get gave %d, id %llx, last %u, count %u", what, rv,
                  (unsigned long long)got_id, got_last, count);
        free(exact);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct mig_run r = migwire_keep_run(exact, i);
        if (r.va != runs[i].va || r.pages != runs[i].pages) {
            unit_fail(__FILE__, __LINE__, "%s: run %u is %llx+%u, not %llx+%u", what, i,
                      (unsigned long long)r.va, r.pages, (unsigned long long)runs[i].va,
                      runs[i].pages);
            break;
        }
    }
    free(exact);
}

static void migwire_keep_lengths(void)
{
    CHECK_EQ(MIG_KEEP_HEAD, 16);
    CHECK_EQ(MIG_KEEP_RUN, 12);
    CHECK_EQ(MIG_KEEP_MAX, 5796);                     /* (MSG_MAX - 64 - 16) / 12 */
    CHECK(KEEP_LEN(MIG_KEEP_MAX) <= MSG_MAX - 64);    /* one request, with its header */
    CHECK(KEEP_LEN(MIG_KEEP_MAX + 1) > MSG_MAX - 64); /* and no more */
    CHECK_EQ(USER_PAGES, 0x3000000);
}

static void migwire_keep_roundtrip(void)
{
    static struct mig_run runs[MIG_KEEP_MAX + 1];
    static const uint32_t counts[] = {0, 1, 2, 3, 64, 65, 1000, MIG_KEEP_MAX - 1, MIG_KEEP_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        valid_runs(runs, counts[i]);
        for (uint32_t last = 0; last <= 1; last++) {
            char what[48];
            snprintf(what, sizeof what, "%u runs, last %u", counts[i], last);
            check_keep_roundtrip(0x5566778899aabbccULL + i, last, runs, counts[i], what);
            CHECK_OK();
        }
    }
    CHECK_EQ(runs[MIG_KEEP_MAX - 1].va + (uint64_t)runs[MIG_KEEP_MAX - 1].pages * MIG_PAGE <=
                 USER_TOP,
             1);

    /* The bytes: little-endian, in this order. */
    uint8_t buf[KEEP_LEN(2)];
    struct mig_run two[2] = {{USER_BASE + 0x3000, 2}, {USER_BASE + 0x102000, 0x10203}};
    CHECK_EQ(migwire_put_keep(0x0102030405060708ULL, 1, two, 2, buf, sizeof buf), KEEP_LEN(2));
    static const uint8_t wire[KEEP_LEN(2)] = {
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* id */
        1,    0,    0,    0,                            /* last */
        2,    0,    0,    0,                            /* count */
        0x00, 0x30, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, /* runs[0].va */
        2,    0,    0,    0,                            /* runs[0].pages */
        0x00, 0x20, 0x10, 0x00, 0x10, 0x00, 0x00, 0x00, /* runs[1].va */
        0x03, 0x02, 0x01, 0x00,                         /* runs[1].pages */
    };
    CHECK(memcmp(buf, wire, sizeof wire) == 0);
    CHECK_EQ(migwire_put_keep(UINT64_MAX, 0, NULL, 0, buf, sizeof buf), KEEP_LEN(0));
    static const uint8_t empty[KEEP_LEN(0)] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                               0,    0,    0,    0,    0,    0,    0,    0};
    CHECK(memcmp(buf, empty, sizeof empty) == 0);

    /* The edges of what is accepted. */
    static const struct {
        const char *what;
        uint32_t n;
        struct mig_run runs[3];
    } edges[] = {
        {"a page at USER_BASE", 1, {{USER_BASE, 1}}},
        {"the last page of user space", 1, {{USER_TOP - MIG_PAGE, 1}}},
        {"all of user space in one run", 1, {{USER_BASE, USER_PAGES}}},
        {"a run ending at USER_TOP", 1, {{USER_BASE + 5 * MIG_PAGE, USER_PAGES - 5}}},
        {"a gap of one page", 2, {{USER_BASE, 3}, {USER_BASE + 4 * MIG_PAGE, 1}}},
        {"gaps of one page, the last run at the top",
         3,
         {{USER_BASE, 1}, {USER_BASE + 2 * MIG_PAGE, 1}, {USER_TOP - 2 * MIG_PAGE, 2}}},
        {"first and last page", 2, {{USER_BASE, 1}, {USER_TOP - MIG_PAGE, 1}}},
        {"all but one page, in two runs",
         2,
         {{USER_BASE, 7}, {USER_BASE + 8 * MIG_PAGE, USER_PAGES - 8}}},
    };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        check_keep_roundtrip(1 + i, i & 1, edges[i].runs, edges[i].n, edges[i].what);
        CHECK_OK();
    }
}

static void migwire_keep_truncated(void)
{
    static uint8_t buf[KEEP_LEN(4) + 1];
    struct mig_run runs[4];
    valid_runs(runs, 4);
    int len = migwire_put_keep(33, 1, runs, 4, buf, sizeof buf);
    CHECK_EQ(len, KEEP_LEN(4));
    uint64_t id;
    uint32_t last, count;
    for (size_t n = 0; n < (size_t)len; n++) {
        int rv = get_keep_exact(buf, n, &id, &last, &count);
        if (rv != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "%zu of %d bytes: %d", n, len, rv);
            return;
        }
    }
    buf[len] = 0;
    CHECK_EQ(get_keep_exact(buf, (size_t)len + 1, &id, &last, &count), -EBADMSG);
    CHECK_EQ(get_keep_exact(buf, (size_t)len, &id, &last, &count), 0);
    CHECK_EQ(count, 4);
}

/* Breaks a valid KEEP (id 42, last 1, 3 runs from valid_runs) one way, or
 * run k of it; NULL past the last case, "" when the case does not apply to
 * k. *count is what the head says, *nruns how many records follow. */
static const char *break_keep(int c, uint64_t *id, uint32_t *last, struct mig_run *runs,
                              uint32_t *count, uint32_t *nruns, uint32_t k)
{
    uint64_t end = k ? runs[k - 1].va + (uint64_t)runs[k - 1].pages * MIG_PAGE : 0;
    if (c < 6 && k != 0)
        return ""; /* the head's cases: once */
    switch (c) {
    case 0:
        *id = 0;
        return "id 0";
    case 1:
        *last = 2;
        return "last 2";
    case 2:
        *last = UINT32_MAX;
        return "last UINT32_MAX";
    case 3:
        valid_runs(runs, MIG_KEEP_MAX + 1);
        *count = *nruns = MIG_KEEP_MAX + 1;
        return "count MIG_KEEP_MAX + 1 (all runs there)";
    case 4:
        *count = UINT32_MAX;
        return "count UINT32_MAX";
    case 5:
        *count = 0x80000001u;
        return "count past 2^31";
    case 6:
        runs[k].va += 8;
        return "va not page aligned";
    case 7:
        runs[k].va += 1;
        return "va odd";
    case 8:
        runs[k].va += MIG_PAGE / 2;
        return "va half a page on";
    case 9:
        runs[k].va = USER_BASE - MIG_PAGE;
        return "va below USER_BASE";
    case 10:
        runs[k].va = 0;
        return "va 0";
    case 11:
        runs[k].va = USER_TOP;
        return "va at USER_TOP";
    case 12:
        runs[k].va = USER_TOP + MIG_PAGE;
        return "va above USER_TOP";
    case 13:
        runs[k].va = UINT64_MAX & ~(uint64_t)(MIG_PAGE - 1);
        return "va at the top of 64 bits";
    case 14:
        runs[k].pages = 0;
        return "pages 0";
    case 15:
        if (k != 2)
            return "";
        runs[k].va = USER_TOP - MIG_PAGE;
        runs[k].pages = 2;
        return "the last page and one past USER_TOP";
    case 16:
        if (k != 0)
            return "";
        runs[0] = (struct mig_run){USER_BASE, USER_PAGES + 1};
        *count = *nruns = 1;
        return "all of user space and a page more";
    case 17:
        runs[k].pages = UINT32_MAX;
        return "pages UINT32_MAX";
    case 18:
        if (k != 2)
            return "";
        runs[k].pages = (uint32_t)((USER_TOP - runs[k].va) / MIG_PAGE) + 1;
        return "running a page past USER_TOP";
    case 19:
        if (k == 0)
            return "";
        runs[k].va = end;
        return "touching (starting at the previous run's end)";
    case 20:
        if (k == 0)
            return "";
        runs[k].va = end - MIG_PAGE;
        return "overlapping the previous run's last page";
    case 21:
        if (k == 0)
            return "";
        runs[k - 1].pages += (uint32_t)((runs[k].va - end) / MIG_PAGE);
        return "the previous run grown to touch this one";
    case 22:
        if (k == 0)
            return "";
        runs[k - 1].pages += (uint32_t)((runs[k].va - end) / MIG_PAGE) + 1;
        return "the previous run grown over this one's first page";
    case 23:
        if (k == 0)
            return "";
        runs[k].va = runs[k - 1].va;
        return "the same va twice";
    case 24: {
        if (k == 0)
            return "";
        struct mig_run t = runs[k];
        runs[k] = runs[k - 1];
        runs[k - 1] = t;
        return "decreasing";
    }
    case 25:
        if (k == 0)
            return "";
        runs[k].va = runs[k - 1].va - MIG_PAGE;
        runs[k].pages = 1;
        return "a page just below the previous run";
    case 26:
        if (k == 0)
            return "";
        runs[k - 1].va = USER_BASE;
        runs[k - 1].pages = USER_PAGES;
        return "after a run of all of user space";
    default:
        return NULL;
    }
}

static void migwire_keep_refusals(void)
{
    static struct mig_run runs[MIG_KEEP_MAX + 1];
    static uint8_t raw[KEEP_LEN(MIG_KEEP_MAX + 1)], buf[KEEP_LEN(MIG_KEEP_MAX + 1)];
    const char *what = "";
    int c, tried = 0;
    for (c = 0; what; c++) {
        for (uint32_t k = 0; k < 3; k++) {
            uint64_t id = 42, got_id;
            uint32_t last = 1, count = 3, nruns = 3, got_last, got_count;
            valid_runs(runs, 3);
            what = break_keep(c, &id, &last, runs, &count, &nruns, k);
            if (!what)
                break;
            if (!*what)
                continue;
            tried++;
            size_t len = raw_keep(id, last, count, runs, nruns, raw);
            int rv = get_keep_exact(raw, len, &got_id, &got_last, &got_count);
            if (rv != -EBADMSG) {
                unit_fail(__FILE__, __LINE__, "%s (run %u): get gave %d", what, k, rv);
                return;
            }
            if (count != nruns)
                continue; /* (the encoder writes as many runs as count says) */
            rv = migwire_put_keep(id, last, runs, count, buf, sizeof buf);
            if (rv != -EINVAL) {
                unit_fail(__FILE__, __LINE__, "%s (run %u): put gave %d", what, k, rv);
                return;
            }
            /* Refused before the buffer's size matters. */
            rv = migwire_put_keep(id, last, runs, count, buf, 0);
            if (rv != -EINVAL) {
                unit_fail(__FILE__, __LINE__, "%s (run %u): put with no room gave %d", what, k, rv);
                return;
            }
        }
    }
    CHECK_EQ(c, 28);     /* every case ran (and the one past the last) */
    CHECK_EQ(tried, 55); /* 6 of the head, 10 x 3 of any run, 3 of one, 8 x 2 after another */

    /* The length disagreeing with count (only the decoder sees it). */
    static const struct {
        uint32_t count, nruns;
        int extra; /* bytes added (or taken) after the runs */
        const char *what;
    } bad[] = {
        {3, 2, 0, "a run fewer"},
        {3, 4, 0, "a run more"},
        {3, 3, 1, "a trailing byte"},
        {3, 3, -1, "a byte missing"},
        {3, 3, 4, "four trailing bytes (a run's pages)"},
        {3, 3, 8, "eight trailing bytes (a run's va)"},
        {0, 1, 0, "count 0 with a run"},
        {0, 0, 1, "count 0 with a byte"},
        {1, 0, 0, "count 1 without its run"},
        {MIG_KEEP_MAX, MIG_KEEP_MAX - 1, 0, "MIG_KEEP_MAX, a run missing"},
        {MIG_KEEP_MAX, MIG_KEEP_MAX, 1, "MIG_KEEP_MAX, a trailing byte"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        valid_runs(runs, bad[i].nruns + 1);
        size_t len = raw_keep(7, 0, bad[i].count, runs, bad[i].nruns, raw);
        if (bad[i].extra > 0)
            memset(raw + len, 0, (size_t)bad[i].extra);
        len = (size_t)((long)len + bad[i].extra);
        uint64_t id;
        uint32_t last, count;
        int rv = get_keep_exact(raw, len, &id, &last, &count);
        if (rv != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "%s: get gave %d", bad[i].what, rv);
            return;
        }
    }
}

static void migwire_keep_short_buffer(void)
{
    static uint8_t buf[KEEP_LEN(MIG_KEEP_MAX) + 8];
    static struct mig_run runs[MIG_KEEP_MAX + 1];
    valid_runs(runs, 5);
    for (size_t cap = 0; cap < KEEP_LEN(5); cap++) {
        memset(buf, 0xcc, sizeof buf);
        int rv = migwire_put_keep(3, 0, runs, 5, buf, cap);
        if (rv != -EMSGSIZE) {
            unit_fail(__FILE__, __LINE__, "cap %zu: %d", cap, rv);
            return;
        }
        for (size_t i = cap; i < sizeof buf; i++)
            CHECK_EQ(buf[i], 0xcc); /* nothing written past cap */
    }
    memset(buf, 0xcc, sizeof buf);
    CHECK_EQ(migwire_put_keep(3, 0, runs, 5, buf, KEEP_LEN(5)), KEEP_LEN(5));
    CHECK_EQ(buf[KEEP_LEN(5)], 0xcc);
    /* No runs: the head alone. */
    CHECK_EQ(migwire_put_keep(3, 1, runs, 0, buf, MIG_KEEP_HEAD - 1), -EMSGSIZE);
    CHECK_EQ(migwire_put_keep(3, 1, runs, 0, buf, MIG_KEEP_HEAD), MIG_KEEP_HEAD);
    /* The most runs there are, a byte short. */
    valid_runs(runs, MIG_KEEP_MAX);
    CHECK_EQ(migwire_put_keep(3, 1, runs, MIG_KEEP_MAX, buf, KEEP_LEN(MIG_KEEP_MAX) - 1),
             -EMSGSIZE);
    CHECK_EQ(migwire_put_keep(3, 1, runs, MIG_KEEP_MAX, buf, KEEP_LEN(MIG_KEEP_MAX)),
             KEEP_LEN(MIG_KEEP_MAX));
    /* A refused KEEP is refused before the buffer's size matters. */
    CHECK_EQ(migwire_put_keep(0, 1, runs, 5, buf, 0), -EINVAL);
    CHECK_EQ(migwire_put_keep(3, 2, runs, 5, buf, 0), -EINVAL);
    valid_runs(runs, MIG_KEEP_MAX + 1);
    CHECK_EQ(migwire_put_keep(3, 1, runs, MIG_KEEP_MAX + 1, buf, 0), -EINVAL);
    CHECK_EQ(migwire_put_keep(3, 1, runs, MIG_KEEP_MAX + 1, buf, sizeof buf), -EINVAL);
    runs[4].pages = 0;
    CHECK_EQ(migwire_put_keep(3, 1, runs, 5, buf, 0), -EINVAL);
}

/* ---- REPLY ---------------------------------------------------------------- */

/* get_reply on the head's bytes followed by n reply bytes, in a buffer of
 * exactly that size. */
static int get_reply_n(const uint8_t *head, size_t hlen, size_t n, uint64_t *token, int32_t *error)
{
    size_t len = hlen + n;
    uint8_t *exact = malloc(len ? len : 1); /* ASan: no reading past len */
    memcpy(exact, head, hlen);
    memset(exact + hlen, 0x3c, n);
    int rv = migwire_get_reply(exact, len, token, error);
    free(exact);
    return rv;
}

static void migwire_reply_roundtrip(void)
{
    uint8_t buf[MIG_REPLY_HEAD + 8], raw[MIG_REPLY_HEAD];
    CHECK_EQ(migwire_put_reply(0x0102030405060708ULL, -32, buf, sizeof buf), MIG_REPLY_HEAD);
    static const uint8_t wire[MIG_REPLY_HEAD] = {
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* token */
        0xe0, 0xff, 0xff, 0xff,                         /* error -32 */
    };
    CHECK(memcmp(buf, wire, sizeof wire) == 0); /* little-endian, in this order */

    static const struct {
        uint64_t token;
        int32_t error;
        size_t n; /* reply bytes after the head */
        const char *what;
    } ok[] = {
        {0x0102030405060708ULL, 0, 0, "an empty reply"},
        {0x0102030405060708ULL, 0, 1, "a reply of one byte"},
        {0x0102030405060708ULL, 0, 4096, "a reply of 4096 bytes"},
        {UINT64_MAX, 0, MSG_MAX, "a reply of MSG_MAX bytes"},
        {1, -1, 0, "error -1"},
        {0x0102030405060708ULL, -EBADMSG, 0, "error -EBADMSG"},
        {0x8000000000000000ULL, -4095, 0, "error -4095"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int len = migwire_put_reply(ok[i].token, ok[i].error, buf, sizeof buf);
        raw_reply(ok[i].token, ok[i].error, raw);
        if (len != MIG_REPLY_HEAD || memcmp(buf, raw, MIG_REPLY_HEAD) != 0) {
            unit_fail(__FILE__, __LINE__, "%s: put gave %d", ok[i].what, len);
            return;
        }
        uint64_t token = 0;
        int32_t error = 99;
        int rv = get_reply_n(buf, MIG_REPLY_HEAD, ok[i].n, &token, &error);
        if (rv != 0) {
            unit_fail(__FILE__, __LINE__, "%s: get gave %d", ok[i].what, rv);
            return;
        }
        CHECK_EQ(token, ok[i].token);
        CHECK_EQ(error, ok[i].error);
    }
}

static void migwire_reply_truncated(void)
{
    uint8_t buf[MIG_REPLY_HEAD];
    uint64_t token;
    int32_t error;
    for (int e = 0; e < 2; e++) {
        CHECK_EQ(migwire_put_reply(77, e ? -5 : 0, buf, sizeof buf), MIG_REPLY_HEAD);
        for (size_t len = 0; len < MIG_REPLY_HEAD; len++) {
            int rv = get_reply_n(buf, len, 0, &token, &error);
            if (rv != -EBADMSG) {
                unit_fail(__FILE__, __LINE__, "%zu of %d bytes: %d", len, MIG_REPLY_HEAD, rv);
                return;
            }
        }
    }
    CHECK_EQ(get_reply_n(buf, MIG_REPLY_HEAD, 0, &token, &error), 0);
}

static void migwire_reply_refusals(void)
{
    static const struct {
        uint64_t token;
        int32_t error;
        size_t n;        /* reply bytes after the head */
        int encoder_too; /* the encoder sees it (not the bytes after the head) */
        const char *what;
    } bad[] = {
        {0, 0, 0, 1, "token 0"},
        {0, 0, 100, 1, "token 0 with a reply"},
        {0, -5, 0, 1, "token 0 with an error"},
        {9, 1, 0, 1, "error 1"},
        {9, INT32_MAX, 0, 1, "error INT32_MAX"},
        {9, -5, 1, 0, "an error and a byte"},
        {9, -1, 4096, 0, "an error and 4096 bytes"},
        {9, -4095, MSG_MAX, 0, "error -4095 and MSG_MAX bytes"},
        {9, -4096, 0, 1, "error -4096"},
        {9, INT32_MIN, 0, 1, "error INT32_MIN"},
    };
    /* The decoder first, for every case; then the encoder. */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t raw[MIG_REPLY_HEAD];
        raw_reply(bad[i].token, bad[i].error, raw);
        uint64_t token;
        int32_t error;
        int rv = get_reply_n(raw, MIG_REPLY_HEAD, bad[i].n, &token, &error);
        if (rv != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "%s: get gave %d", bad[i].what, rv);
            return;
        }
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!bad[i].encoder_too)
            continue;
        uint8_t buf[MIG_REPLY_HEAD];
        int rv = migwire_put_reply(bad[i].token, bad[i].error, buf, sizeof buf);
        if (rv != -EINVAL) {
            unit_fail(__FILE__, __LINE__, "%s: put gave %d (the decoder refuses it)", bad[i].what,
                      rv);
            return;
        }
    }
}

static void migwire_reply_short_buffer(void)
{
    uint8_t buf[MIG_REPLY_HEAD + 8];
    for (size_t cap = 0; cap < MIG_REPLY_HEAD; cap++) {
        memset(buf, 0xcc, sizeof buf);
        int rv = migwire_put_reply(5, -2, buf, cap);
        if (rv != -EMSGSIZE) {
            unit_fail(__FILE__, __LINE__, "cap %zu: %d", cap, rv);
            return;
        }
        for (size_t i = cap; i < sizeof buf; i++)
            CHECK_EQ(buf[i], 0xcc); /* nothing written past cap */
    }
    memset(buf, 0xcc, sizeof buf);
    CHECK_EQ(migwire_put_reply(5, -2, buf, MIG_REPLY_HEAD), MIG_REPLY_HEAD);
    CHECK_EQ(buf[MIG_REPLY_HEAD], 0xcc);
    /* A refused reply is refused before the buffer's size matters. */
    CHECK_EQ(migwire_put_reply(0, 0, buf, 0), -EINVAL);
    CHECK_EQ(migwire_put_reply(5, 3, buf, 0), -EINVAL);
}

/* ---- the fuzzer's seeds --------------------------------------------------- */

/* Each committed seed of tests/fuzz/fuzz_migwire.c still decodes (byte 0
 * picks the kind, mod 12 as there; the encoder's kinds are read as there
 * and must be accepted), so the fuzzer starts from valid messages. */
static void migwire_fuzz_seeds(void)
{
    static const struct {
        const char *name;
        int kind;
    } seeds[] = {
        {"offer", 0},          {"pages-one", 1},   {"pages-head-15", 3}, {"state-orphan", 2},
        {"state-children", 2}, {"state-full", 2},  {"put-state", 4},     {"put-pages", 5},
        {"msg-part", 6},       {"msg-last", 6},    {"msg-empty", 6},     {"reply", 7},
        {"reply-error", 7},    {"put-msg", 8},     {"put-reply", 9},     {"put-reply-error", 9},
        {"keep-runs", 10},     {"keep-empty", 10}, {"put-keep", 11},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "tests/fuzz/corpus/fuzz_migwire/%s", seeds[i].name);
        uint64_t size;
        uint8_t *d = unit_read_file(path, &size);
        CHECK_OK();
        CHECK(size >= 1);
        if (d[0] % 12 != seeds[i].kind) {
            unit_fail(__FILE__, __LINE__, "seed %s: kind %d, not %d", seeds[i].name, d[0] % 12,
                      seeds[i].kind);
            free(d);
            return;
        }
        size_t len = (size_t)size - 1;
        uint8_t *b = malloc(len ? len : 1); /* ASan: no reading past len */
        memcpy(b, d + 1, len);
        free(d);
        int rv = -1;
        static struct mig_state s;
        struct mig_offer o;
        struct mig_page_ref refs[MIG_PAGES_PER_MSG];
        struct mig_msg h;
        uint64_t id, token;
        int32_t error;
        uint32_t n, last;
        switch (seeds[i].kind) {
        case 0:
            rv = migwire_get_offer(b, len, &o);
            break;
        case 1:
            rv = migwire_get_pages_head(b, len < DIR_MAX ? len : DIR_MAX, len, &id, refs, &n);
            break;
        case 2:
            rv = migwire_get_state(b, len, &s);
            break;
        case 3:
            rv = len < 4 ? -1
                         : migwire_get_pages_head(b + 4, len - 4,
                                                  (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                                                      (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24,
                                                  &id, refs, &n);
            break;
        case 4: {
            memset(&s, 0, sizeof s);
            memcpy(&s, b, len < sizeof s ? len : sizeof s);
            s.nchildren %= MIG_CHILDREN_MAX + 2;
            s.nports %= MIG_PORTS_MAX + 2;
            s.nproxies %= MIG_PROXIES_MAX + 2;
            static uint8_t enc[MIG_STATE_MAX];
            rv = migwire_put_state(&s, enc, sizeof enc) > 0 ? 0 : -1;
            break;
        }
        case 5:
            if (len >= 12) {
                uint32_t count;
                memcpy(&id, b, 8);
                memcpy(&count, b + 8, 4);
                count %= MIG_PAGES_PER_MSG + 2;
                struct mig_page_ref in[MIG_PAGES_PER_MSG + 1];
                memset(in, 0, sizeof in);
                memcpy(in, b + 12, len - 12 < sizeof in ? len - 12 : sizeof in);
                uint8_t enc[DIR_MAX];
                rv = migwire_put_pages_head(id, in, count, enc, sizeof enc) > 0 ? 0 : -1;
            }
            break;
        case 6:
            rv = migwire_get_msg(b, len, &h);
            break;
        case 7:
            rv = migwire_get_reply(b, len, &token, &error);
            break;
        case 8: {
            memset(&h, 0, sizeof h);
            memcpy(&h, b, len < sizeof h ? len : sizeof h);
            uint8_t enc[MIG_MSG_HEAD];
            rv = migwire_put_msg(&h, enc, sizeof enc) == MIG_MSG_HEAD &&
                         (h.total == 0 || h.off < h.total) /* a part can follow */
                     ? 0
                     : -1;
            break;
        }
        case 9:
            if (len >= 12) {
                memcpy(&token, b, 8);
                memcpy(&error, b + 8, 4);
                uint8_t enc[MIG_REPLY_HEAD];
                rv = migwire_put_reply(token, error, enc, sizeof enc) == MIG_REPLY_HEAD ? 0 : -1;
            }
            break;
        case 10:
            rv = migwire_get_keep(b, len, &id, &last, &n);
            break;
        case 11:
            /* id u64, last u32, count u32 (mod MIG_KEEP_MAX + 2), struct
             * mig_run's: the seed holds all its runs (the fuzzer would make
             * up the missing ones). */
            if (len >= 16) {
                static struct mig_run in[MIG_KEEP_MAX + 1];
                static uint8_t enc[MIG_KEEP_HEAD + (MIG_KEEP_MAX + 1) * MIG_KEEP_RUN];
                memcpy(&id, b, 8);
                memcpy(&last, b + 8, 4);
                memcpy(&n, b + 12, 4);
                n %= MIG_KEEP_MAX + 2;
                memset(in, 0, sizeof in);
                memcpy(in, b + 16, len - 16 < sizeof in ? len - 16 : sizeof in);
                if ((size_t)n * sizeof in[0] <= len - 16 &&
                    migwire_put_keep(id, last, in, n, enc, sizeof enc) ==
                        (int)(MIG_KEEP_HEAD + n * MIG_KEEP_RUN))
                    rv = 0;
            }
            break;
        default:
            break;
        }
        free(b);
        if (rv != 0) {
            unit_fail(__FILE__, __LINE__, "seed %s: %d", seeds[i].name, rv);
            return;
        }
    }
}

/* CALL_RESULT: the layout, a round trip, and what the decoder refuses. */
static void migwire_result(void)
{
    struct mig_result r = {0x1122334455667788ULL, 0, MSG_MAX, MSG_MAX - 400}, got;
    uint8_t b[MIG_RESULT_HEAD + 400];
    CHECK_EQ(migwire_put_result(&r, b, sizeof b), MIG_RESULT_HEAD);
    static const uint8_t want[MIG_RESULT_HEAD] = {
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* id */
        0,    0,    0,    0,                            /* error */
        0x00, 0x10, 0x01, 0,                            /* total 69632 (MSG_MAX) */
        0x70, 0x0e, 0x01, 0,                            /* off 69232 */
    };
    CHECK(memcmp(b, want, sizeof want) == 0);
    CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD + 400, &got), 0); /* the last 400 bytes */
    CHECK_EQ(got.id, r.id);
    CHECK_EQ(got.total, (uint32_t)MSG_MAX);
    CHECK_EQ(got.off, (uint32_t)MSG_MAX - 400);
    CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD + 401, &got), -EBADMSG); /* past total */
    CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD, &got), -EBADMSG);       /* an empty part */
    CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD - 1, &got), -EBADMSG);
    /* An error, no bytes; an empty reply, no bytes. */
    struct mig_result e = {5, -110, 0, 0}, z = {5, 0, 0, 0};
    CHECK_EQ(migwire_put_result(&e, b, sizeof b), MIG_RESULT_HEAD);
    CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD, &got), 0);
    CHECK_EQ(got.error, -110);
    CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD + 1, &got), -EBADMSG);
    CHECK_EQ(migwire_put_result(&z, b, sizeof b), MIG_RESULT_HEAD);
    CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD, &got), 0);
    /* Refused by both sides. */
    static const struct mig_result bad[] = {
        {0, 0, 10, 0},          /* id 0 */
        {5, 1, 0, 0},           /* a positive error */
        {5, -4096, 0, 0},       /* past the errno range */
        {5, -5, 10, 0},         /* an error with bytes */
        {5, 0, MSG_MAX + 1, 0}, /* longer than a message */
        {5, 0, 10, 11},         /* off past total */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(migwire_put_result(&bad[i], b, sizeof b), -EINVAL);
        struct le_writer w = {b, sizeof b, 0};
        le_put(&w, bad[i].id, 8);
        le_put(&w, (uint32_t)bad[i].error, 4);
        le_put(&w, bad[i].total, 4);
        le_put(&w, bad[i].off, 4);
        CHECK_EQ(migwire_get_result(b, MIG_RESULT_HEAD + (bad[i].total > bad[i].off), &got),
                 -EBADMSG);
    }
    CHECK_EQ(migwire_put_result(&r, b, MIG_RESULT_HEAD - 1), -EMSGSIZE);
}

const struct unit_test unit_migwire_tests[] = {
    {"migwire_offer_roundtrip", migwire_offer_roundtrip},
    {"migwire_offer_truncated", migwire_offer_truncated},
    {"migwire_offer_refusals", migwire_offer_refusals},
    {"migwire_offer_short_buffer", migwire_offer_short_buffer},
    {"migwire_pages_lengths", migwire_pages_lengths},
    {"migwire_pages_roundtrip", migwire_pages_roundtrip},
    {"migwire_pages_truncated", migwire_pages_truncated},
    {"migwire_pages_refusals", migwire_pages_refusals},
    {"migwire_pages_short_buffer", migwire_pages_short_buffer},
    {"migwire_state_roundtrip", migwire_state_roundtrip},
    {"migwire_state_edges", migwire_state_edges},
    {"migwire_state_refusals", migwire_state_refusals},
    {"migwire_state_counts", migwire_state_counts},
    {"migwire_state_truncated", migwire_state_truncated},
    {"migwire_state_short_buffer", migwire_state_short_buffer},
    {"migwire_msg_roundtrip", migwire_msg_roundtrip},
    {"migwire_msg_truncated", migwire_msg_truncated},
    {"migwire_msg_refusals", migwire_msg_refusals},
    {"migwire_msg_short_buffer", migwire_msg_short_buffer},
    {"migwire_keep_lengths", migwire_keep_lengths},
    {"migwire_keep_roundtrip", migwire_keep_roundtrip},
    {"migwire_keep_truncated", migwire_keep_truncated},
    {"migwire_keep_refusals", migwire_keep_refusals},
    {"migwire_keep_short_buffer", migwire_keep_short_buffer},
    {"migwire_reply_roundtrip", migwire_reply_roundtrip},
    {"migwire_reply_truncated", migwire_reply_truncated},
    {"migwire_reply_refusals", migwire_reply_refusals},
    {"migwire_result", migwire_result},
    {"migwire_reply_short_buffer", migwire_reply_short_buffer},
    {"migwire_fuzz_seeds", migwire_fuzz_seeds},
    {NULL, NULL},
};
