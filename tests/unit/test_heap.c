/* tests/unit/test_heap.c: lib/heap over lib/pagealloc (single pages) and a
 * simple contiguous page source for large blocks. */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/heap.h"
#include "lib/pagealloc.h"
#include "tests/unit/unit.h"

#define PG 4096u
#define ARENA_PAGES 512

/* The page source: lib/pagealloc for single pages; a bump region with a page
 * count for contiguous runs, so the test can check every run comes back. */
struct src {
    struct pagealloc pa;
    uint8_t *mem;
    uint8_t *run_mem;
    uint64_t run_next, runs_out, pages_out;
};

static void *src_get_page(void *ctx)
{
    struct src *s = ctx;
    void *p = pagealloc_get(&s->pa);
    if (p)
        s->pages_out++;
    return p;
}

static void src_put_page(void *ctx, void *page)
{
    struct src *s = ctx;
    if (pagealloc_put(&s->pa, page) == 0)
        s->pages_out--;
}

static void *src_get_pages(void *ctx, uint64_t n)
{
    struct src *s = ctx;
    if (s->run_next + n > ARENA_PAGES)
        return NULL;
    void *p = s->run_mem + s->run_next * PG;
    s->run_next += n;
    s->runs_out += n;
    return p;
}

static void src_put_pages(void *ctx, void *p, uint64_t n)
{
    struct src *s = ctx;
    (void)p;
    s->runs_out -= n;
}

static const struct heap_ops full_ops = {src_get_page, src_put_page, src_get_pages, src_put_pages};

static struct src *src_new(void)
{
    struct src *s = calloc(1, sizeof *s);
    s->mem = aligned_alloc(PG, ARENA_PAGES * PG);
    s->run_mem = aligned_alloc(PG, ARENA_PAGES * PG);
    if (pagealloc_init(&s->pa, (uintptr_t)s->mem, (uintptr_t)s->mem + ARENA_PAGES * PG) < 0)
        unit_fail(__FILE__, __LINE__, "pagealloc_init");
    return s;
}

static void src_free(struct src *s)
{
    free(s->mem);
    free(s->run_mem);
    free(s);
}

static void heap_sizes_and_alignment(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    CHECK_EQ(heap_init(&h, &full_ops, s), 0);
    static const uint64_t sizes[] = {1,    7,    8,    15,   16,   17,   100,  1000,
                                     2032, 2033, 4079, 4080, 4081, 8192, 65536};
    void *p[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        p[i] = heap_alloc(&h, sizes[i]);
        CHECK(p[i] != NULL);
        CHECK_EQ((uintptr_t)p[i] % 16, 0);
        memset(p[i], (int)i, sizes[i]); /* ASan: the whole size is usable */
    }
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const uint8_t *b = p[i];
        for (uint64_t k = 0; k < sizes[i]; k++)
            CHECK_EQ(b[k], i); /* no two blocks overlap */
    }
    CHECK(heap_used(&h) > 0);
    CHECK_EQ(h.nallocs, sizeof sizes / sizeof sizes[0]);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        heap_free(&h, p[i]);
    CHECK_EQ(heap_used(&h), 0);
    CHECK_EQ(h.nallocs, 0);
    CHECK_EQ(h.bad_frees, 0);
    CHECK_EQ(s->runs_out, 0); /* large blocks went back */
    CHECK(heap_alloc(&h, 0) == NULL);
    CHECK(heap_alloc(&h, HEAP_MAX_ALLOC + 1) == NULL);
    CHECK(heap_alloc(&h, UINT64_MAX) == NULL);
    src_free(s);
}

static void heap_reuse(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    CHECK_EQ(heap_init(&h, &full_ops, s), 0);
    void *a = heap_alloc(&h, 40);
    heap_free(&h, a);
    void *b = heap_alloc(&h, 48); /* same class: the block comes back */
    CHECK_EQ(a, b);
    /* Many small blocks fit in one page: 4096 / 64 = 64 of class 64. */
    uint64_t before = s->pages_out;
    void *many[64];
    for (int i = 0; i < 63; i++)
        many[i] = heap_alloc(&h, 40);
    CHECK_EQ(s->pages_out, before);
    for (int i = 0; i < 63; i++)
        heap_free(&h, many[i]);
    heap_free(&h, b);
    CHECK_EQ(heap_used(&h), 0);
    src_free(s);
}

static void heap_bad_frees(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    CHECK_EQ(heap_init(&h, &full_ops, s), 0);
    uint8_t *a = heap_alloc(&h, 100), *big = heap_alloc(&h, 20000);
    CHECK(a && big);
    uint64_t used = heap_used(&h);
    heap_free(&h, a + 16); /* into the middle of a block */
    heap_free(&h, a + 3);  /* misaligned */
    heap_free(&h, a);
    heap_free(&h, a); /* double free */
    heap_free(&h, big + 32);
    heap_free(&h, big);
    heap_free(&h, big); /* double free of a large block */
    CHECK_EQ(h.bad_frees, 5);
    CHECK(heap_used(&h) < used);
    CHECK_EQ(heap_used(&h), 0);
    /* A stack buffer made to look like a used block with a wrong check. */
    _Alignas(16) uint8_t fake[64] = {0};
    memcpy(fake, a - 16, 16);
    const uint32_t used_magic = 0x48414c4c; /* HEAP_USED: magic right, check word wrong */
    memcpy(fake, &used_magic, 4);
    heap_free(&h, fake + 16);
    CHECK_EQ(h.bad_frees, 6);
    heap_free(&h, NULL); /* allowed */
    CHECK_EQ(h.bad_frees, 6);
    src_free(s);
}

static void heap_no_contiguous_source(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    const struct heap_ops ops = {src_get_page, src_put_page, NULL, NULL};
    CHECK_EQ(heap_init(&h, &ops, s), 0);
    CHECK(heap_alloc(&h, HEAP_MAX_SMALL) != NULL);
    CHECK(heap_alloc(&h, HEAP_MAX_SMALL + 1) == NULL);
    const struct heap_ops bad1 = {NULL, NULL, NULL, NULL};
    const struct heap_ops bad2 = {src_get_page, NULL, src_get_pages, NULL};
    CHECK_EQ(heap_init(&h, &bad1, s), -EINVAL);
    CHECK_EQ(heap_init(&h, &bad2, s), -EINVAL);
    CHECK_EQ(heap_init(&h, NULL, s), -EINVAL);
    src_free(s);
}

static void heap_out_of_pages(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    CHECK_EQ(heap_init(&h, &full_ops, s), 0);
    uint64_t n = 0;
    while (heap_alloc(&h, 4000))
        n++;
    CHECK_EQ(n, pagealloc_total(&s->pa)); /* one page each, then NULL */
    CHECK(heap_alloc(&h, 10) == NULL);
    src_free(s);
}

static void heap_fault_injection(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    CHECK_EQ(heap_init(&h, &full_ops, s), 0);
    heap_fail_after(&h, 2, 3);
    CHECK(heap_alloc(&h, 10) != NULL);
    CHECK(heap_alloc(&h, 10000) != NULL);
    for (int i = 0; i < 3; i++)
        CHECK(heap_alloc(&h, 10) == NULL);
    CHECK(heap_alloc(&h, 10) != NULL);
    CHECK_EQ(h.failures, 3);
    heap_fail_after(&h, 0, 1);
    heap_fail_after(&h, 0, 0);
    CHECK(heap_alloc(&h, 10) != NULL);
    src_free(s);
}

/* A write to a freed block's header is noticed rather than followed. */
static void heap_use_after_free(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    CHECK_EQ(heap_init(&h, &full_ops, s), 0);
    uint8_t *a = heap_alloc(&h, 24);
    heap_free(&h, a);
    memset(a - 16, 0x41, 16); /* smash its header */
    uint8_t *b = heap_alloc(&h, 24);
    CHECK(b != NULL && b != a);
    CHECK_EQ(h.corrupt, 1);
    src_free(s);
}

/* Random alloc/free with contents checks. */
static void heap_random(void)
{
    struct src *s = src_new();
    CHECK_OK();
    struct heap h;
    CHECK_EQ(heap_init(&h, &full_ops, s), 0);
    enum { N = 300 };
    static uint8_t *p[N];
    static uint64_t sz[N];
    memset(p, 0, sizeof p);
    uint64_t x = 99;
    for (int step = 0; step < 30000; step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int k = (int)((x >> 33) % N);
        if (p[k]) {
            for (uint64_t i = 0; i < sz[k]; i++)
                CHECK_EQ(p[k][i], (uint8_t)k);
            heap_free(&h, p[k]);
            p[k] = NULL;
        } else {
            uint64_t r = (x >> 20) % 100;
            sz[k] = r < 90 ? 1 + (x >> 40) % 500 : 1 + (x >> 40) % 12000;
            p[k] = heap_alloc(&h, sz[k]);
            if (p[k])
                memset(p[k], k, sz[k]);
        }
    }
    for (int k = 0; k < N; k++)
        heap_free(&h, p[k]);
    CHECK_EQ(heap_used(&h), 0);
    CHECK_EQ(h.bad_frees, 0);
    CHECK_EQ(h.corrupt, 0);
    src_free(s);
}

const struct unit_test unit_heap_tests[] = {
    {"heap_sizes_and_alignment", heap_sizes_and_alignment},
    {"heap_reuse", heap_reuse},
    {"heap_bad_frees", heap_bad_frees},
    {"heap_no_contiguous_source", heap_no_contiguous_source},
    {"heap_out_of_pages", heap_out_of_pages},
    {"heap_fault_injection", heap_fault_injection},
    {"heap_use_after_free", heap_use_after_free},
    {"heap_random", heap_random},
    {NULL, NULL},
};
