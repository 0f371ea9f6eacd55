/* tests/fuzz/fuzz_migwire.c: libFuzzer target for the bodies of the
 * migration requests (lib/migwire): what a node's kernel decodes when
 * another moves a process to it. Byte 0 (mod 12) picks the kind, the rest
 * is the body:
 *   0  OFFER;
 *   1  PAGES as the kernel gets it: total = the body's length, and the
 *      decoder sees only its first MIG_PAGES_HEAD + MIG_PAGES_PER_MSG *
 *      MIG_PAGE_DIR bytes (kernel/migrate.c serve_pages);
 *   2  COMMIT state (with its children, ports, proxies and clock);
 *   3  PAGES head alone: a u32 total, then the head and directory (so short
 *      inputs reach every check of the directory);
 *   4  the encoder's side of COMMIT: the bytes fill a struct mig_state (the
 *      rest zero; nchildren, nports and nproxies taken mod their maximum + 2,
 *      so both in-range and over-the-maximum counts are common); a state
 *      migwire_put_state accepts must decode back to itself;
 *   5  the same for PAGES: id u64, count u32, then struct mig_page_ref's;
 *   6  MSG: the head and a part of a queued message's body;
 *   7  REPLY: the head and the reply's bytes;
 *   8  the encoder's side of MSG: the bytes fill a struct mig_msg (the rest
 *      zero), then a u32 picks the length of a part that fits the head; the
 *      head migwire_put_msg writes must decode, with that part, to itself,
 *      and with a part running a byte past total be refused;
 *   9  the encoder's side of REPLY: token u64, error i32, then the reply's
 *      bytes; what migwire_put_reply accepts must decode to itself;
 *  10  KEEP: the head and the runs; accepted exactly when the rules written
 *      again here hold;
 *  11  the encoder's side of KEEP: id u64, last u32, count u32 (mod
 *      MIG_KEEP_MAX + 2), then struct mig_run's; runs the input does not
 *      hold continue valid ones (a page apart, a page each) from the last it
 *      does, so long lists, MIG_KEEP_MAX and one over are reached; what
 *      migwire_put_keep accepts (exactly what the rules allow) must decode
 *      to itself, and a byte less room is -EMSGSIZE.
 * Decoders must return 0 or -EBADMSG, leave a refused state zeroed and
 * never read outside what they were given (ASan: it is copied into an
 * exactly-sized buffer). What decodes must encode back to the identical
 * bytes (for PAGES: the head and directory; for MSG and REPLY: the head).
 * The encoders must refuse exactly what breaks a rule the decoders check.
 * Seeds: tests/fuzz/corpus/fuzz_migwire/ (written with lib/migwire's own
 * encoders; test_migwire.c checks that they still decode). */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/migwire.h"

#define DIR_MAX (MIG_PAGES_HEAD + MIG_PAGES_PER_MSG * MIG_PAGE_DIR)
#define ERROR_MIN (-4095) /* the most negative error a REPLY may carry */
#define STATE_BASE 656    /* a state's length without children, ports or proxies */
#define CLOCK_INFO_LEN 32 /* sizeof(struct clock_info): where clock_uva may point */
#define KEEP_BODY_MAX (MIG_KEEP_HEAD + (MIG_KEEP_MAX + 1) * MIG_KEEP_RUN)

static uint8_t *copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, p, n);
    return c;
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static void fuzz_offer(const uint8_t *body, size_t len)
{
    struct mig_offer o;
    int rv = migwire_get_offer(body, len, &o);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv != 0)
        return;
    uint8_t again[MIG_OFFER_LEN];
    if (len != MIG_OFFER_LEN || migwire_put_offer(&o, again, sizeof again) != MIG_OFFER_LEN ||
        memcmp(again, body, len) != 0)
        abort();
}

/* The head and directory are body[0..have); the whole body is total bytes. */
static void fuzz_pages(const uint8_t *body, size_t have, size_t total)
{
    uint64_t id;
    uint32_t n = 12345;
    struct mig_page_ref refs[MIG_PAGES_PER_MSG];
    int rv = migwire_get_pages_head(body, have, total, &id, refs, &n);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv != 0) {
        if (n != 0)
            abort();
        return;
    }
    size_t dir = MIG_PAGES_HEAD + (size_t)n * MIG_PAGE_DIR;
    if (n == 0 || n > MIG_PAGES_PER_MSG || dir > have || total != migwire_pages_len(n) ||
        migwire_page_offset(n, 0) != dir)
        abort();
    uint8_t again[DIR_MAX];
    if (migwire_put_pages_head(id, refs, n, again, sizeof again) != (int)dir ||
        memcmp(again, body, dir) != 0)
        abort();
}

/* The rules on the ports and proxies, written again. */
static int ports_ok(const struct mig_state *s)
{
    if (s->nports > MIG_PORTS_MAX || s->nproxies > MIG_PROXIES_MAX)
        return 0;
    for (uint32_t i = 0; i < s->nports; i++) {
        if (s->ports[i].a == 0 || (uint32_t)s->ports[i].a == 0 || s->ports[i].b == 0)
            return 0;
        for (uint32_t j = i + 1; j < s->nports; j++)
            if (s->ports[i].a == s->ports[j].a && s->ports[i].b == s->ports[j].b)
                return 0;
    }
    for (uint32_t i = 0; i < s->nproxies; i++)
        if (s->proxies[i] == 0)
            return 0;
    return 1;
}

/* The rule on the clock, written again: nowhere, or a whole clock_info
 * inside user space at an 8-aligned address. */
static int clock_ok(const struct mig_state *s)
{
    uint64_t a = s->clock_uva;
    return a == 0 ||
           (a % 8 == 0 && a >= USER_BASE && a < USER_TOP && USER_TOP - a >= CLOCK_INFO_LEN);
}

static void fuzz_state(const uint8_t *body, size_t len)
{
    static struct mig_state s;
    static uint8_t again[MIG_STATE_MAX];
    memset(&s, 0xa5, sizeof s); /* the decoder must clear it either way */
    int rv = migwire_get_state(body, len, &s);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv != 0) {
        if (!all_zero(&s, sizeof s))
            abort();
        return;
    }
    if (len > MIG_STATE_MAX || s.nchildren > MIG_CHILDREN_MAX || s.regs[0] != 0 || !ports_ok(&s) ||
        !clock_ok(&s) ||
        len != STATE_BASE + 12 * (size_t)s.nchildren + 16 * (size_t)s.nports +
                   8 * (size_t)s.nproxies ||
        migwire_put_state(&s, again, sizeof again) != (int)len || memcmp(again, body, len) != 0)
        abort();
}

/* A state the encoder accepts decodes to itself and encodes the same again. */
static void fuzz_put_state(const uint8_t *p, size_t n)
{
    static struct mig_state s, back;
    static uint8_t enc[MIG_STATE_MAX + 1], again[MIG_STATE_MAX];
    memset(&s, 0, sizeof s);
    memcpy(&s, p, n < sizeof s ? n : sizeof s);
    s.nchildren %= MIG_CHILDREN_MAX + 2;
    s.nports %= MIG_PORTS_MAX + 2;
    s.nproxies %= MIG_PROXIES_MAX + 2;
    int len = migwire_put_state(&s, enc, sizeof enc);
    if (len == -EINVAL)
        return;
    if (len <= 0 || len > MIG_STATE_MAX || !ports_ok(&s) || !clock_ok(&s))
        abort();
    if (migwire_get_state(enc, (size_t)len, &back) != 0)
        abort();
    if (back.id != s.id || back.pid != s.pid || memcmp(back.name, s.name, sizeof s.name) ||
        memcmp(back.regs, s.regs, sizeof s.regs) || back.sepc != s.sepc ||
        back.fp_saved != s.fp_saved || memcmp(back.fpregs, s.fpregs, sizeof s.fpregs) ||
        back.heap_start != s.heap_start || back.brk != s.brk || back.page_limit != s.page_limit ||
        back.child_limit != s.child_limit || back.cpu_ns != s.cpu_ns ||
        back.console.a != s.console.a || back.console.b != s.console.b ||
        back.parent_pid != s.parent_pid || back.parent_node != s.parent_node ||
        back.killed != s.killed || back.nchildren != s.nchildren || back.nports != s.nports ||
        back.nproxies != s.nproxies || back.clock_ns != s.clock_ns || back.clock_uva != s.clock_uva)
        abort();
    for (uint32_t i = 0; i < s.nchildren; i++)
        if (back.children[i].pid != s.children[i].pid ||
            back.children[i].exited != s.children[i].exited ||
            back.children[i].status != s.children[i].status)
            abort();
    for (uint32_t i = 0; i < s.nports; i++)
        if (back.ports[i].a != s.ports[i].a || back.ports[i].b != s.ports[i].b)
            abort();
    for (uint32_t i = 0; i < s.nproxies; i++)
        if (back.proxies[i] != s.proxies[i])
            abort();
    if (migwire_put_state(&back, again, sizeof again) != len || memcmp(again, enc, (size_t)len))
        abort();
    /* The rest of it accepted, the clock_uva rule at its edges (near the
     * one it has, and the ends of user space): accepted exactly when the
     * rule written again holds, and as accepted it decodes. */
    const uint64_t uva = s.clock_uva;
    const uint64_t tries[] = {0,
                              USER_BASE,
                              USER_BASE - 8,
                              USER_TOP - CLOCK_INFO_LEN,
                              USER_TOP - CLOCK_INFO_LEN + 8,
                              USER_TOP - CLOCK_INFO_LEN - 4,
                              USER_TOP,
                              uva + 1,
                              uva + 4,
                              uva + 8,
                              uva - 8,
                              uva + (uint64_t)s.clock_ns};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        back = s;
        back.clock_uva = tries[i];
        int l2 = migwire_put_state(&back, again, sizeof again);
        if (clock_ok(&back) ? l2 != len : l2 != -EINVAL)
            abort();
        if (l2 == len && (migwire_get_state(again, (size_t)len, &back) != 0 ||
                          back.clock_uva != tries[i] || back.clock_ns != s.clock_ns))
            abort();
    }
}

static void fuzz_put_pages(const uint8_t *p, size_t n)
{
    if (n < 12)
        return;
    uint64_t id = 0;
    uint32_t count = 0;
    memcpy(&id, p, 8);
    memcpy(&count, p + 8, 4);
    struct mig_page_ref refs[MIG_PAGES_PER_MSG + 1], back[MIG_PAGES_PER_MSG];
    memset(refs, 0, sizeof refs);
    memcpy(refs, p + 12, n - 12 < sizeof refs ? n - 12 : sizeof refs);
    count %= MIG_PAGES_PER_MSG + 2; /* 0..16: both out-of-range counts occur */
    uint8_t enc[DIR_MAX + MIG_PAGE_DIR];
    int len = migwire_put_pages_head(id, refs, count, enc, sizeof enc);
    if (len == -EINVAL)
        return;
    if (len != (int)(MIG_PAGES_HEAD + count * MIG_PAGE_DIR))
        abort();
    uint64_t id2;
    uint32_t n2;
    int rv = migwire_get_pages_head(enc, (size_t)len, migwire_pages_len(count), &id2, back, &n2);
    if (rv != 0 || id2 != id || n2 != count)
        abort();
    for (uint32_t i = 0; i < count; i++)
        if (back[i].va != refs[i].va || back[i].perm != refs[i].perm)
            abort();
}

/* The rules on a MSG head the encoder checks, written again. */
static int msg_head_ok(const struct mig_msg *h)
{
    return h->id != 0 && (h->port.a != 0 || h->port.b != 0) && h->total <= MSG_MAX &&
           h->off <= h->total;
}

static int same_msg(const struct mig_msg *a, const struct mig_msg *b)
{
    return a->id == b->id && a->port.a == b->port.a && a->port.b == b->port.b &&
           a->sender_pid == b->sender_pid && a->sender_node == b->sender_node &&
           a->carried.a == b->carried.a && a->carried.b == b->carried.b && a->total == b->total &&
           a->off == b->off;
}

static void fuzz_msg(const uint8_t *body, size_t len)
{
    struct mig_msg h;
    int rv = migwire_get_msg(body, len, &h);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv != 0)
        return;
    if (len < MIG_MSG_HEAD || !msg_head_ok(&h))
        abort();
    size_t part = len - MIG_MSG_HEAD;
    if (part > h.total - h.off || (part == 0 && h.total != 0))
        abort();
    uint8_t again[MIG_MSG_HEAD];
    if (migwire_put_msg(&h, again, sizeof again) != MIG_MSG_HEAD ||
        memcmp(again, body, MIG_MSG_HEAD) != 0)
        abort();
}

static void fuzz_put_msg(const uint8_t *p, size_t n)
{
    struct mig_msg h, back;
    memset(&h, 0, sizeof h);
    memcpy(&h, p, n < sizeof h ? n : sizeof h);
    uint32_t pick = 0;
    if (n > sizeof h)
        memcpy(&pick, p + sizeof h, n - sizeof h < 4 ? n - sizeof h : 4);
    uint8_t head[MIG_MSG_HEAD + 1];
    int rv = migwire_put_msg(&h, head, sizeof head);
    if (rv == -EINVAL) {
        if (msg_head_ok(&h))
            abort();
        return;
    }
    if (rv != MIG_MSG_HEAD || !msg_head_ok(&h))
        abort();
    if (h.total != 0 && h.off == h.total)
        return;                    /* a head no part can follow (the decoder refuses it with any) */
    size_t rest = h.total - h.off; /* the most this part may hold */
    size_t part = h.total == 0 ? 0 : 1 + pick % rest;
    uint8_t *body = malloc(MIG_MSG_HEAD + rest + 1);
    memcpy(body, head, MIG_MSG_HEAD);
    memset(body + MIG_MSG_HEAD, 0x6d, rest + 1);
    if (migwire_get_msg(body, MIG_MSG_HEAD + part, &back) != 0 || !same_msg(&h, &back))
        abort();
    if (migwire_get_msg(body, MIG_MSG_HEAD + rest + 1, &back) != -EBADMSG) /* past total */
        abort();
    free(body);
}

static void fuzz_reply(const uint8_t *body, size_t len)
{
    uint64_t token;
    int32_t error;
    int rv = migwire_get_reply(body, len, &token, &error);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv != 0)
        return;
    if (len < MIG_REPLY_HEAD || token == 0 || error > 0 || error < ERROR_MIN ||
        (error != 0 && len != MIG_REPLY_HEAD))
        abort();
    uint8_t again[MIG_REPLY_HEAD];
    if (migwire_put_reply(token, error, again, sizeof again) != MIG_REPLY_HEAD ||
        memcmp(again, body, MIG_REPLY_HEAD) != 0)
        abort();
}

/* CALL_RESULT shares REPLY's kind: the same bytes through its decoder.
 * What it accepts holds every rule, and encodes back to the same head. */
static void fuzz_result(const uint8_t *body, size_t len)
{
    struct mig_result r;
    int rv = migwire_get_result(body, len, &r);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    if (rv != 0)
        return;
    size_t part = len - MIG_RESULT_HEAD;
    if (len < MIG_RESULT_HEAD || r.id == 0 || r.error > 0 || r.error < ERROR_MIN ||
        r.total > MSG_MAX || (r.error != 0 && r.total != 0) || r.off > r.total ||
        part > r.total - r.off || (part == 0 && r.total != 0))
        abort();
    uint8_t again[MIG_RESULT_HEAD];
    if (migwire_put_result(&r, again, sizeof again) != MIG_RESULT_HEAD ||
        memcmp(again, body, MIG_RESULT_HEAD) != 0)
        abort();
}

static void fuzz_put_reply(const uint8_t *p, size_t n)
{
    if (n < 12)
        return;
    uint64_t token, token2;
    int32_t error, error2;
    memcpy(&token, p, 8);
    memcpy(&error, p + 8, 4);
    int ok = token != 0 && error <= 0 && error >= ERROR_MIN;
    size_t extra = n - 12;
    uint8_t *body = malloc(MIG_REPLY_HEAD + extra + 1);
    int rv = migwire_put_reply(token, error, body, MIG_REPLY_HEAD);
    if (rv == -EINVAL) {
        if (ok)
            abort();
        free(body);
        return;
    }
    if (rv != MIG_REPLY_HEAD || !ok) /* the encoder wrote what the decoder refuses */
        abort();
    if (error != 0)
        extra = 0; /* a failed call carries no reply bytes */
    memcpy(body + MIG_REPLY_HEAD, p + 12, extra);
    if (migwire_get_reply(body, MIG_REPLY_HEAD + extra, &token2, &error2) != 0 || token2 != token ||
        error2 != error)
        abort();
    if (error != 0) {
        body[MIG_REPLY_HEAD] = 0;
        if (migwire_get_reply(body, MIG_REPLY_HEAD + 1, &token2, &error2) != -EBADMSG)
            abort();
    }
    free(body);
}

/* The rules on KEEP, written again: runs page-aligned in user space, at
 * least a page, not past USER_TOP, each beginning past the end of the one
 * before (a gap of a page at least). */
static int keep_ok(uint64_t id, uint32_t last, const struct mig_run *runs, uint32_t count)
{
    if (id == 0 || last > 1 || count > MIG_KEEP_MAX)
        return 0;
    uint64_t end = 0; /* of the run before: nothing below USER_BASE is allowed anyway */
    for (uint32_t i = 0; i < count; i++) {
        uint64_t va = runs[i].va, bytes = (uint64_t)runs[i].pages * MIG_PAGE;
        if (va % MIG_PAGE || va < USER_BASE || va >= USER_TOP || runs[i].pages == 0 ||
            bytes > USER_TOP - va || va <= end)
            return 0;
        end = va + bytes;
    }
    return 1;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fuzz_keep(const uint8_t *body, size_t len)
{
    static struct mig_run runs[MIG_KEEP_MAX + 1];
    static uint8_t again[KEEP_BODY_MAX];
    uint64_t id;
    uint32_t last, count;
    int rv = migwire_get_keep(body, len, &id, &last, &count);
    if (rv != 0 && rv != -EBADMSG)
        abort();
    /* What it should have said, from the bytes alone. */
    int ok = 0;
    uint32_t n = 0;
    if (len >= MIG_KEEP_HEAD) {
        n = get_u32(body + 12);
        if (n <= MIG_KEEP_MAX && len == MIG_KEEP_HEAD + (size_t)n * MIG_KEEP_RUN) {
            for (uint32_t i = 0; i < n; i++) {
                runs[i].va = get_u64(body + MIG_KEEP_HEAD + (size_t)i * MIG_KEEP_RUN);
                runs[i].pages = get_u32(body + MIG_KEEP_HEAD + (size_t)i * MIG_KEEP_RUN + 8);
            }
            ok = keep_ok(get_u64(body), get_u32(body + 8), runs, n);
        }
    }
    if ((rv == 0) != ok)
        abort();
    if (rv != 0)
        return;
    if (id != get_u64(body) || last != get_u32(body + 8) || count != n)
        abort();
    for (uint32_t i = 0; i < count; i++) {
        struct mig_run r = migwire_keep_run(body, i);
        if (r.va != runs[i].va || r.pages != runs[i].pages)
            abort();
    }
    if (migwire_put_keep(id, last, runs, count, again, sizeof again) != (int)len ||
        memcmp(again, body, len) != 0)
        abort();
}

static void fuzz_put_keep(const uint8_t *p, size_t n)
{
    static struct mig_run runs[MIG_KEEP_MAX + 1];
    if (n < 16)
        return;
    uint64_t id, id2;
    uint32_t last, count, last2, count2;
    memcpy(&id, p, 8);
    memcpy(&last, p + 8, 4);
    memcpy(&count, p + 12, 4);
    count %= MIG_KEEP_MAX + 2; /* 0..MIG_KEEP_MAX + 1 */
    size_t have = (n - 16) / sizeof runs[0];
    if (have > count)
        have = count;
    memcpy(runs, p + 16, have * sizeof runs[0]);
    /* The rest go on from the last one given, a page apart (valid when it
     * is and there is room left). */
    uint64_t va =
        have ? runs[have - 1].va + (uint64_t)runs[have - 1].pages * MIG_PAGE : USER_BASE - MIG_PAGE;
    for (size_t i = have; i < count; i++) {
        va += MIG_PAGE;
        runs[i] = (struct mig_run){va, 1};
        va += MIG_PAGE;
    }
    int ok = keep_ok(id, last, runs, count);
    size_t want = MIG_KEEP_HEAD + (size_t)count * MIG_KEEP_RUN;
    uint8_t *enc = malloc(want + 1);
    int len = migwire_put_keep(id, last, runs, count, enc, want + 1);
    if (ok ? len != (int)want : len != -EINVAL)
        abort();
    if (!ok) {
        free(enc);
        return;
    }
    /* It decodes to itself, from a buffer of exactly its length. */
    uint8_t *exact = malloc(want);
    memcpy(exact, enc, want);
    if (migwire_get_keep(exact, want, &id2, &last2, &count2) != 0 || id2 != id || last2 != last ||
        count2 != count)
        abort();
    for (uint32_t i = 0; i < count; i++) {
        struct mig_run r = migwire_keep_run(exact, i);
        if (r.va != runs[i].va || r.pages != runs[i].pages)
            abort();
    }
    /* A byte less room is too little, and nothing is written past it. */
    memset(enc, 0xcc, want + 1);
    if (migwire_put_keep(id, last, runs, count, enc, want - 1) != -EMSGSIZE ||
        enc[want - 1] != 0xcc)
        abort();
    free(exact);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    uint8_t *body;
    switch (data[0] % 12) {
    case 0:
        body = copy(in, len);
        fuzz_offer(body, len);
        break;
    case 1: {
        size_t have = len < DIR_MAX ? len : DIR_MAX;
        body = copy(in, have);
        fuzz_pages(body, have, len);
        break;
    }
    case 2:
        body = copy(in, len);
        fuzz_state(body, len);
        break;
    case 3: {
        if (len < 4)
            return 0;
        uint32_t total =
            (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 24;
        body = copy(in + 4, len - 4);
        fuzz_pages(body, len - 4, total);
        break;
    }
    case 4:
        body = copy(in, len);
        fuzz_put_state(body, len);
        break;
    case 5:
        body = copy(in, len);
        fuzz_put_pages(body, len);
        break;
    case 6:
        body = copy(in, len);
        fuzz_msg(body, len);
        break;
    case 7:
        body = copy(in, len);
        fuzz_reply(body, len);
        fuzz_result(body, len);
        break;
    case 8:
        body = copy(in, len);
        fuzz_put_msg(body, len);
        break;
    case 9:
        body = copy(in, len);
        fuzz_put_reply(body, len);
        break;
    case 10:
        body = copy(in, len);
        fuzz_keep(body, len);
        break;
    default:
        body = copy(in, len);
        fuzz_put_keep(body, len);
        break;
    }
    free(body);
    return 0;
}
