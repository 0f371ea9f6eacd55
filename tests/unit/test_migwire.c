/* tests/unit/test_migwire.c: lib/migwire: the bodies of the requests that
 * move a process between nodes (OFFER, PAGES head and directory, COMMIT
 * state), as the target's kernel receives them from the source's.
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
#include "lib/migwire.h"
#include "tests/unit/unit.h"

#define DIR_MAX (MIG_PAGES_HEAD + MIG_PAGES_PER_MSG * MIG_PAGE_DIR)
#define STATE_FIXED 624 /* the state's length without its children */
#define CHILD_LEN 12

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

/* nchildren as the struct says; min(nchildren, MIG_CHILDREN_MAX) records. */
static size_t raw_state(const struct mig_state *s, uint8_t *buf)
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
    uint32_t n = s->nchildren < MIG_CHILDREN_MAX ? s->nchildren : MIG_CHILDREN_MAX;
    for (uint32_t i = 0; i < n; i++) {
        raw_put(&w, (uint32_t)s->children[i].pid, 4);
        raw_put(&w, s->children[i].exited, 4);
        raw_put(&w, (uint32_t)s->children[i].status, 4);
    }
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
        MIG_PERM_R | MIG_PERM_X, MIG_PERM_R, MIG_PERM_R | MIG_PERM_W,
        MIG_PERM_R | MIG_PERM_W | MIG_PERM_X, MIG_PERM_W, MIG_PERM_X, MIG_PERM_W | MIG_PERM_X,
    };
    for (uint32_t i = 0; i < n; i++) {
        refs[i].va = USER_BASE + (uint64_t)i * i * 3 * MIG_PAGE + (uint64_t)i * 0x1000000;
        refs[i].perm = perms[i % (sizeof perms / sizeof perms[0])];
    }
}

/* Every field distinct and nonzero (so a field lost or swapped shows). */
static void valid_state(struct mig_state *s, uint32_t nchildren)
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
        s->children[i] = (struct mig_child){(int32_t)(0x00030000 + i), i & 1,
                                            (i & 1) ? -(int32_t)i : 0};
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
}

/* s encodes to what raw_state writes, and that decodes back to s. */
static void check_state_roundtrip(const struct mig_state *s, const char *what)
{
    static uint8_t buf[MIG_STATE_MAX], raw[MIG_STATE_MAX + 64];
    static struct mig_state back;
    int len = migwire_put_state(s, buf, sizeof buf);
    size_t rlen = raw_state(s, raw);
    if (len < 0 || (size_t)len != rlen || (size_t)len != STATE_FIXED + CHILD_LEN * s->nchildren ||
        memcmp(buf, raw, rlen) != 0) {
        unit_fail(__FILE__, __LINE__, "%s: put gave %d, the layout %zu bytes%s", what, len, rlen,
                  len == (int)rlen ? " (different)" : "");
        return;
    }
    memset(&back, 0x5a, sizeof back);
    int rv = migwire_get_state(buf, (size_t)len, &back);
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
        37, 0, 0, 0,                                    /* pages */
        0x00, 0x10, 0, 0, 0, 0, 0, 0,                   /* page_limit */
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
        {1, 1, 0, 1},                            /* nothing to send */
        {UINT64_MAX, INT32_MAX, 4096, 4096},     /* pages == page_limit */
        {2, 3, UINT32_MAX, UINT64_MAX},          /* unlimited */
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
    CHECK(migwire_pages_len(MIG_PAGES_PER_MSG) <= 64 * 1024); /* one message, as promised */
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
    size_t wrong[] = {0, (size_t)len, right - 1, right + 1, right - MIG_PAGE, right + MIG_PAGE,
                      migwire_pages_len(3), migwire_pages_len(5), SIZE_MAX};
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
    case 0: *count = *nrefs = 0; return "count 0";
    case 1:
        valid_refs(refs, MIG_PAGES_PER_MSG + 1);
        *count = *nrefs = MIG_PAGES_PER_MSG + 1;
        return "count MIG_PAGES_PER_MSG + 1";
    case 2: *count = UINT32_MAX; return "count UINT32_MAX";
    case 3: *id = 0; return "id 0";
    case 4: refs[k].va += 8; return "va not page aligned";
    case 5: refs[k].va += 1; return "va odd";
    case 6: refs[k].va = USER_BASE - MIG_PAGE; return "va below USER_BASE";
    case 7: refs[k].va = 0; return "va 0";
    case 8: refs[k].va = USER_TOP; return "va at USER_TOP";
    case 9: refs[k].va = USER_TOP + MIG_PAGE; return "va above USER_TOP";
    case 10: refs[k].va = UINT64_MAX & ~(uint64_t)(MIG_PAGE - 1); return "va at the top of 64 bits";
    case 11: refs[k].perm = 0; return "perm 0";
    case 12: refs[k].perm = 0x1; return "perm V";
    case 13: refs[k].perm = MIG_PERM_R | 0x10; return "perm R|U";
    case 14: refs[k].perm = MIG_PERM_R | 0x80000000u; return "perm high bit";
    case 15: refs[k].perm = 0xffffffffu; return "perm all bits";
    case 16:
        if (k == 0)
            return "";
        refs[k].va = refs[k - 1].va; return "duplicate page";
    case 17: {
        if (k == 0)
            return "";
        uint64_t va = refs[k].va;
        refs[k].va = refs[k - 1].va;
        refs[k - 1].va = va;
        return "va decreasing";
    }
    default: return NULL;
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
    valid_state(&s, 0);
    check_state_roundtrip(&s, "no children");
    CHECK_OK();
    valid_state(&s, 5);
    check_state_roundtrip(&s, "5 children");
    CHECK_OK();
    valid_state(&s, MIG_CHILDREN_MAX);
    check_state_roundtrip(&s, "MIG_CHILDREN_MAX children");
    CHECK_OK();
    CHECK_EQ(STATE_FIXED + CHILD_LEN * MIG_CHILDREN_MAX, MIG_STATE_MAX);

    /* The first bytes, and the children where they belong. */
    static uint8_t buf[MIG_STATE_MAX];
    valid_state(&s, 2);
    int len = migwire_put_state(&s, buf, sizeof buf);
    CHECK_EQ(len, STATE_FIXED + 2 * CHILD_LEN);
    CHECK_EQ(buf[0], 0x10);
    CHECK_EQ(buf[7], 0xfe);
    CHECK_EQ(buf[8], 0x11);
    CHECK_EQ(buf[10], 0x02);
    CHECK(memcmp(buf + 12, "migrant\0", 8) == 0);
    CHECK_EQ(buf[STATE_FIXED - 4], 2);          /* nchildren */
    CHECK_EQ(buf[STATE_FIXED + CHILD_LEN], 1);  /* the second child's pid, low byte */
    CHECK_EQ(buf[STATE_FIXED + CHILD_LEN + 4], 1); /* exited */
    CHECK_EQ(buf[STATE_FIXED + CHILD_LEN + 8], 0xff); /* status -1 */
}

/* Changes to a valid state that must still be accepted (the edges). */
static const char *edge_state(struct mig_state *s, int c)
{
    switch (c) {
    case 0: s->killed = 0; return "killed 0";
    case 1: s->killed = 64; return "killed 64";
    case 2: s->parent_pid = 0; s->parent_node = 0; return "an orphan";
    case 3: s->parent_node = 65534; return "parent_node 65534";
    case 4: s->heap_start = s->brk; return "heap_start == brk";
    case 5: s->heap_start = USER_BASE; return "heap_start == USER_BASE";
    case 6: s->brk = USER_TOP - 1; return "brk == USER_TOP - 1";
    case 7: s->heap_start = s->brk = USER_BASE; return "empty heap at USER_BASE";
    case 8: memset(s->name, 'n', PROC_NAME_MAX - 1); s->name[PROC_NAME_MAX - 1] = 0;
        return "name of PROC_NAME_MAX - 1 bytes";
    case 9: memset(s->name, 0, PROC_NAME_MAX); return "empty name";
    case 10: memcpy(s->name, "ab\0garbage\0\0\0\0\0x", PROC_NAME_MAX); return "bytes after the NUL";
    case 11: s->console.b = 0; return "console.a only";
    case 12: s->console.a = 0; return "console.b only";
    case 13: s->fp_saved = 0; return "fp_saved 0";
    case 14: s->pid = INT32_MAX; return "pid INT32_MAX";
    case 15: s->id = UINT64_MAX; return "id UINT64_MAX";
    case 16: s->child_limit = 0; s->cpu_ns = 0; s->sepc = 0; return "zero limits and time";
    case 17: s->page_limit = UINT64_MAX; return "page_limit UINT64_MAX";
    case 18: s->children[2].exited = 0; s->children[2].status = INT32_MIN; return "status while running";
    case 19: s->children[0].pid = INT32_MAX; return "child pid INT32_MAX";
    default: return NULL;
    }
}

static void migwire_state_edges(void)
{
    static struct mig_state s;
    const char *what;
    for (int c = 0; (valid_state(&s, 3), what = edge_state(&s, c)) != NULL; c++) {
        check_state_roundtrip(&s, what);
        CHECK_OK();
    }
}

/* Breaks a valid state (3 children) one way; NULL past the last case. */
static const char *break_state(struct mig_state *s, int c)
{
    switch (c) {
    case 0: s->id = 0; return "id 0";
    case 1: s->pid = 0; return "pid 0";
    case 2: s->pid = -7; return "pid negative";
    case 3: memset(s->name, 'x', PROC_NAME_MAX); return "name without a NUL";
    case 4: s->fp_saved = 2; return "fp_saved 2";
    case 5: s->fp_saved = UINT32_MAX; return "fp_saved UINT32_MAX";
    case 6: s->heap_start = s->brk + 1; return "heap_start > brk";
    case 7: s->brk = USER_TOP; return "brk == USER_TOP";
    case 8: s->brk = UINT64_MAX; return "brk UINT64_MAX";
    case 9: s->heap_start = USER_BASE - 1; return "heap_start < USER_BASE";
    case 10: s->heap_start = 0; s->brk = 0; return "heap at 0";
    case 11: s->page_limit = 0; return "page_limit 0";
    case 12: s->parent_pid = 0; return "parent_pid 0 with a parent_node";
    case 13: s->parent_node = 0; return "a parent_pid with parent_node 0";
    case 14: s->parent_pid = -3; return "parent_pid negative";
    case 15: s->parent_node = 65535; return "parent_node 65535";
    case 16: s->nchildren = MIG_CHILDREN_MAX + 1; return "nchildren MIG_CHILDREN_MAX + 1";
    case 17: s->nchildren = UINT32_MAX; return "nchildren UINT32_MAX";
    case 18: s->children[2].pid = 0; return "a child pid 0";
    case 19: s->children[0].pid = -1; return "a child pid negative";
    case 20: s->children[1].exited = 2; return "exited 2";
    case 21: s->children[2].exited = UINT32_MAX; return "exited UINT32_MAX";
    case 22: s->console = (struct port_id){0, 0}; return "console all zero";
    case 23: s->killed = -1; return "killed negative";
    case 24: s->killed = 65; return "killed 65";
    case 25: s->killed = INT32_MAX; return "killed INT32_MAX";
    default: return NULL;
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
    static uint8_t raw[MIG_STATE_MAX + 2 * CHILD_LEN], buf[MIG_STATE_MAX];
    const char *what;
    for (int c = 0; (valid_state(&s, 3), what = break_state(&s, c)) != NULL; c++) {
        size_t len = raw_state(&s, raw);
        check_state_refused(raw, len, what);
        CHECK_OK();
        int rv = migwire_put_state(&s, buf, sizeof buf);
        if (rv != -EINVAL) {
            unit_fail(__FILE__, __LINE__, "%s: put gave %d", what, rv);
            return;
        }
    }

    /* More children than allowed, each record present. */
    valid_state(&s, MIG_CHILDREN_MAX);
    s.nchildren = MIG_CHILDREN_MAX + 1;
    size_t len = raw_state(&s, raw); /* MIG_CHILDREN_MAX records */
    struct raw w = {raw, len};
    raw_put(&w, 0x00030100, 4);
    raw_put(&w, 0, 4);
    raw_put(&w, 0, 4);
    check_state_refused(raw, w.n, "MIG_CHILDREN_MAX + 1 children, all there");
    CHECK_OK();
    check_state_refused(raw, len, "MIG_CHILDREN_MAX + 1 children, the last missing");
    CHECK_OK();

    /* regs[0] is not on the wire (it decodes as 0): only the encoder can see it. */
    valid_state(&s, 3);
    s.regs[0] = 1;
    CHECK_EQ(migwire_put_state(&s, buf, sizeof buf), -EINVAL);
}

static void migwire_state_truncated(void)
{
    static struct mig_state s;
    static uint8_t buf[MIG_STATE_MAX + 1];
    valid_state(&s, 3);
    int len = migwire_put_state(&s, buf, sizeof buf);
    CHECK_EQ(len, STATE_FIXED + 3 * CHILD_LEN);
    for (size_t n = 0; n < (size_t)len; n++) {
        char what[48];
        snprintf(what, sizeof what, "%zu of %d bytes", n, len);
        check_state_refused(buf, n, what);
        CHECK_OK();
    }
    buf[len] = 0;
    check_state_refused(buf, (size_t)len + 1, "a trailing byte");
    CHECK_OK();
    /* A child more than nchildren says. */
    memset(buf + len, 0, CHILD_LEN);
    buf[len] = 1;
    check_state_refused(buf, (size_t)len + CHILD_LEN, "an extra child record");
    CHECK_OK();
    /* One child fewer than nchildren says. */
    check_state_refused(buf, (size_t)len - CHILD_LEN, "a child record missing");
}

static void migwire_state_short_buffer(void)
{
    static struct mig_state s;
    static uint8_t buf[MIG_STATE_MAX + 8];
    valid_state(&s, 2);
    size_t len = STATE_FIXED + 2 * CHILD_LEN;
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
}

/* ---- the fuzzer's seeds --------------------------------------------------- */

/* Each committed seed of tests/fuzz/fuzz_migwire.c still decodes (byte 0
 * picks the kind, as there), so the fuzzer starts from valid messages. */
static void migwire_fuzz_seeds(void)
{
    static const char *seeds[] = {"offer", "pages-one", "pages-head-15", "state-orphan",
                                  "state-children", "put-state", "put-pages"};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "tests/fuzz/corpus/fuzz_migwire/%s", seeds[i]);
        uint64_t size;
        uint8_t *d = unit_read_file(path, &size);
        CHECK_OK();
        CHECK(size >= 1);
        const uint8_t *b = d + 1;
        size_t len = (size_t)size - 1;
        int rv = -1;
        static struct mig_state s;
        struct mig_offer o;
        struct mig_page_ref refs[MIG_PAGES_PER_MSG];
        uint64_t id;
        uint32_t n;
        switch (d[0] % 6) {
        case 0: rv = migwire_get_offer(b, len, &o); break;
        case 1:
            rv = migwire_get_pages_head(b, len < DIR_MAX ? len : DIR_MAX, len, &id, refs, &n);
            break;
        case 2: rv = migwire_get_state(b, len, &s); break;
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
        default: break;
        }
        free(d);
        if (rv != 0) {
            unit_fail(__FILE__, __LINE__, "seed %s: %d", seeds[i], rv);
            return;
        }
    }
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
    {"migwire_state_truncated", migwire_state_truncated},
    {"migwire_state_short_buffer", migwire_state_short_buffer},
    {"migwire_fuzz_seeds", migwire_fuzz_seeds},
    {NULL, NULL},
};
