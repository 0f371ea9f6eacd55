/* tests/unit/test_pagealloc.c: lib/pagealloc over host memory. */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/pagealloc.h"
#include "tests/unit/unit.h"

#define PG 4096u

/* A page-aligned arena of n pages. */
static uint8_t *arena(uint64_t n)
{
    uint8_t *p = aligned_alloc(PG, n * PG);
    if (p)
        memset(p, 0xa5, n * PG);
    return p;
}

static void pagealloc_basic(void)
{
    uint8_t *mem = arena(64);
    struct pagealloc pa;
    /* Unaligned ends are rounded inward: 62 whole pages, one for the bitmap. */
    CHECK_EQ(pagealloc_init(&pa, (uintptr_t)mem + 1, (uintptr_t)mem + 63 * PG + 100), 0);
    CHECK_EQ(pagealloc_total(&pa), 61);
    CHECK_EQ(pagealloc_free_count(&pa), 61);
    uint8_t *pages[61];
    for (int i = 0; i < 61; i++) {
        pages[i] = pagealloc_get(&pa);
        CHECK(pages[i] != NULL);
        CHECK_EQ((uintptr_t)pages[i] % PG, 0);
        CHECK_EQ(pages[i], mem + (2 + i) * PG); /* lowest first, after the bitmap */
        memset(pages[i], i, PG);                /* the caller owns all of it */
    }
    CHECK_EQ(pagealloc_free_count(&pa), 0);
    CHECK(pagealloc_get(&pa) == NULL);
    for (int i = 0; i < 61; i += 2)
        CHECK_EQ(pagealloc_put(&pa, pages[i]), 0);
    CHECK_EQ(pagealloc_free_count(&pa), 31);
    /* Recycled pages come back (LIFO), and are not zeroed. */
    uint8_t *p = pagealloc_get(&pa);
    CHECK_EQ(p, pages[60]);
    CHECK_EQ(pagealloc_put(&pa, p), 0);
    for (int i = 1; i < 61; i += 2)
        CHECK_EQ(pagealloc_put(&pa, pages[i]), 0);
    CHECK_EQ(pagealloc_free_count(&pa), 61);
    CHECK_EQ(pa.bad_puts, 0);
    free(mem);
}

static void pagealloc_bad_puts(void)
{
    uint8_t *mem = arena(16);
    struct pagealloc pa;
    CHECK_EQ(pagealloc_init(&pa, (uintptr_t)mem, (uintptr_t)mem + 16 * PG), 0);
    CHECK_EQ(pagealloc_total(&pa), 15);
    uint8_t *a = pagealloc_get(&pa), *b = pagealloc_get(&pa);
    CHECK(a && b);
    CHECK_EQ(pagealloc_put(&pa, a + 8), -EINVAL);         /* misaligned */
    CHECK_EQ(pagealloc_put(&pa, mem), -EINVAL);           /* the bitmap page */
    CHECK_EQ(pagealloc_put(&pa, mem + 16 * PG), -EINVAL); /* past the end */
    CHECK_EQ(pagealloc_put(&pa, mem - PG), -EINVAL);      /* before the start */
    CHECK_EQ(pagealloc_put(&pa, NULL), -EINVAL);
    CHECK_EQ(pagealloc_put(&pa, mem + 10 * PG), -EEXIST); /* never handed out */
    CHECK_EQ(pagealloc_put(&pa, a), 0);
    CHECK_EQ(pagealloc_put(&pa, a), -EEXIST); /* double free */
    CHECK_EQ(pa.bad_puts, 7);
    CHECK_EQ(pagealloc_free_count(&pa), 14);
    CHECK_EQ(pagealloc_put(&pa, b), 0);
    CHECK_EQ(pagealloc_free_count(&pa), 15);
    free(mem);
}

static void pagealloc_init_errors(void)
{
    uint8_t *mem = arena(4);
    struct pagealloc pa;
    uintptr_t m = (uintptr_t)mem;
    CHECK_EQ(pagealloc_init(&pa, m + PG, m + PG), -EINVAL);
    CHECK_EQ(pagealloc_init(&pa, m + 2 * PG, m + PG), -EINVAL);
    CHECK_EQ(pagealloc_init(&pa, m + 1, m + 2 * PG - 1), -EINVAL); /* no whole page */
    CHECK_EQ(pagealloc_init(&pa, m, m + PG), -EINVAL);             /* bitmap only */
    CHECK_EQ(pagealloc_init(&pa, 0, 4 * PG), -EINVAL);             /* includes 0 */
    CHECK_EQ(pagealloc_init(&pa, UINT64_MAX - 10, UINT64_MAX), -EINVAL);
    CHECK_EQ(pagealloc_init(&pa, m, m + 2 * PG), 0);
    CHECK_EQ(pagealloc_total(&pa), 1);
    free(mem);
}

/* The bitmap grows with the range: 32768 pages per bitmap page. */
static void pagealloc_bitmap_size(void)
{
    uint64_t n = 32768 + 2 + 10;
    uint8_t *mem = aligned_alloc(PG, n * PG);
    CHECK(mem != NULL);
    struct pagealloc pa;
    CHECK_EQ(pagealloc_init(&pa, (uintptr_t)mem, (uintptr_t)mem + n * PG), 0);
    CHECK_EQ(pagealloc_total(&pa), n - 2);
    uint64_t got = 0;
    while (pagealloc_get(&pa))
        got++;
    CHECK_EQ(got, n - 2);
    free(mem);
}

static void pagealloc_fault_injection(void)
{
    uint8_t *mem = arena(32);
    struct pagealloc pa;
    CHECK_EQ(pagealloc_init(&pa, (uintptr_t)mem, (uintptr_t)mem + 32 * PG), 0);
    pagealloc_fail_after(&pa, 3, 2);
    void *p[8];
    for (int i = 0; i < 3; i++)
        CHECK((p[i] = pagealloc_get(&pa)) != NULL);
    CHECK(pagealloc_get(&pa) == NULL);
    CHECK(pagealloc_get(&pa) == NULL);
    CHECK_EQ(pagealloc_failures(&pa), 2);
    CHECK((p[3] = pagealloc_get(&pa)) != NULL);
    CHECK_EQ(pagealloc_free_count(&pa), 31 - 4);
    pagealloc_fail_after(&pa, 0, 1);
    CHECK(pagealloc_get(&pa) == NULL);
    CHECK((p[4] = pagealloc_get(&pa)) != NULL);
    pagealloc_fail_after(&pa, 0, 5);
    pagealloc_fail_after(&pa, 0, 0); /* disarm */
    CHECK((p[5] = pagealloc_get(&pa)) != NULL);
    CHECK_EQ(pagealloc_failures(&pa), 3);
    free(mem);
}

/* A write into a freed page (use after free) damages its link: the allocator
 * notices, rebuilds its list from the bitmap, and hands out only free pages. */
static void pagealloc_use_after_free(void)
{
    uint8_t *mem = arena(16);
    struct pagealloc pa;
    CHECK_EQ(pagealloc_init(&pa, (uintptr_t)mem, (uintptr_t)mem + 16 * PG), 0);
    uint8_t *p[15];
    for (int i = 0; i < 15; i++)
        p[i] = pagealloc_get(&pa);
    CHECK_EQ(pagealloc_put(&pa, p[3]), 0);
    CHECK_EQ(pagealloc_put(&pa, p[5]), 0);
    memset(p[5], 0x41, 8); /* scribble on the list head */
    uint8_t *a = pagealloc_get(&pa), *b = pagealloc_get(&pa);
    CHECK_EQ(pa.corrupt, 1);
    CHECK((a == p[3] && b == p[5]) || (a == p[5] && b == p[3]));
    CHECK(pagealloc_get(&pa) == NULL);
    free(mem);
}

/* Random get/put against a model; the count and ownership always agree. */
static void pagealloc_random(void)
{
    enum { N = 200 };
    uint8_t *mem = arena(N + 1);
    struct pagealloc pa;
    CHECK_EQ(pagealloc_init(&pa, (uintptr_t)mem, (uintptr_t)mem + (N + 1) * PG), 0);
    static uint8_t *held[N];
    int nheld = 0;
    uint64_t x = 12345;
    for (int step = 0; step < 20000; step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        if ((x >> 33) % 2 && nheld < N) {
            uint8_t *p = pagealloc_get(&pa);
            CHECK(p != NULL);
            for (int k = 0; k < nheld; k++)
                CHECK(held[k] != p);
            held[nheld++] = p;
        } else if (nheld > 0) {
            int k = (int)((x >> 40) % (uint64_t)nheld);
            CHECK_EQ(pagealloc_put(&pa, held[k]), 0);
            CHECK_EQ(pagealloc_put(&pa, held[k]), -EEXIST);
            held[k] = held[--nheld];
        }
        CHECK_EQ(pagealloc_free_count(&pa), N - (uint64_t)nheld);
    }
    free(mem);
}

const struct unit_test unit_pagealloc_tests[] = {
    {"pagealloc_basic", pagealloc_basic},
    {"pagealloc_bad_puts", pagealloc_bad_puts},
    {"pagealloc_init_errors", pagealloc_init_errors},
    {"pagealloc_bitmap_size", pagealloc_bitmap_size},
    {"pagealloc_fault_injection", pagealloc_fault_injection},
    {"pagealloc_use_after_free", pagealloc_use_after_free},
    {"pagealloc_random", pagealloc_random},
    {NULL, NULL},
};
