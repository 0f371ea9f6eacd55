/* lib/pagealloc.c: bitmap-checked free-list page allocator. */
#include "lib/pagealloc.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/errno.h"

#define PG PAGEALLOC_PAGE

static bool bit(const struct pagealloc *pa, uint64_t i)
{
    return (pa->bitmap[i / 8] >> (i % 8)) & 1;
}

static void set_bit(struct pagealloc *pa, uint64_t i, bool v)
{
    if (v)
        pa->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        pa->bitmap[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

/* Index of the managed page at addr, or -1 if addr is not one. */
static int64_t page_index(const struct pagealloc *pa, uint64_t addr)
{
    if (addr % PG != 0 || addr < pa->base || (addr - pa->base) / PG >= pa->npages)
        return -1;
    return (int64_t)((addr - pa->base) / PG);
}

int pagealloc_init(struct pagealloc *pa, uint64_t start, uint64_t end)
{
    if (start >= end || start > UINT64_MAX - (PG - 1))
        return -EINVAL;
    uint64_t lo = (start + PG - 1) & ~(PG - 1), hi = end & ~(PG - 1);
    if (lo == 0 || lo >= hi)
        return -EINVAL;
    uint64_t total = (hi - lo) / PG;
    /* Fewest bitmap pages b with 8 * PG * b bits covering total - b pages. */
    uint64_t b = (total + 8 * PG) / (8 * PG + 1);
    while (b * 8 * PG < total - b)
        b++;
    if (b >= total)
        return -EINVAL;

    *pa = (struct pagealloc){0};
    pa->bitmap = (uint8_t *)(uintptr_t)lo;
    pa->base = lo + b * PG;
    pa->npages = total - b;
    pa->nfree = pa->npages;
    for (uint64_t i = 0; i < b * PG; i++)
        pa->bitmap[i] = 0;
    for (uint64_t i = 0; i < pa->npages; i++)
        set_bit(pa, i, true);
    return 0;
}

/* Rebuilds the free list from the bitmap: every free page below `fresh`. */
static void relink(struct pagealloc *pa)
{
    pa->list = 0;
    for (uint64_t i = pa->fresh; i-- > 0;) {
        if (bit(pa, i)) {
            uint64_t addr = pa->base + i * PG;
            *(volatile uint64_t *)(uintptr_t)addr = pa->list;
            pa->list = addr;
        }
    }
}

void *pagealloc_get(struct pagealloc *pa)
{
    if (pa->fail_count > 0 && pa->fail_after == 0) {
        pa->fail_count--;
        pa->failures++;
        return NULL;
    }
    uint64_t addr = 0;
    while (pa->list != 0) {
        uint64_t cand = pa->list;
        int64_t i = page_index(pa, cand);
        if (i < 0 || (uint64_t)i >= pa->fresh || !bit(pa, (uint64_t)i)) {
            /* A free page was written to after it was freed: rebuild the
             * list from the bitmap rather than follow a wild link. */
            pa->corrupt++;
            relink(pa);
            continue;
        }
        pa->list = *(volatile uint64_t *)(uintptr_t)cand;
        set_bit(pa, (uint64_t)i, false);
        addr = cand;
        break;
    }
    if (addr == 0) {
        /* Skip fresh pages that were handed out and are in use or listed. */
        while (pa->fresh < pa->npages && !bit(pa, pa->fresh))
            pa->fresh++;
        if (pa->fresh == pa->npages)
            return NULL;
        addr = pa->base + pa->fresh * PG;
        set_bit(pa, pa->fresh, false);
        pa->fresh++;
    }
    pa->nfree--;
    if (pa->fail_count > 0 && pa->fail_after > 0)
        pa->fail_after--;
    return (void *)(uintptr_t)addr;
}

int pagealloc_put(struct pagealloc *pa, void *page)
{
    uint64_t addr = (uint64_t)(uintptr_t)page;
    int64_t i = page_index(pa, addr);
    if (i < 0) {
        pa->bad_puts++;
        return -EINVAL;
    }
    if (bit(pa, (uint64_t)i)) {
        pa->bad_puts++;
        return -EEXIST;
    }
    /* Only pages below `fresh` are ever handed out, so i < fresh here. */
    set_bit(pa, (uint64_t)i, true);
    *(volatile uint64_t *)(uintptr_t)addr = pa->list;
    pa->list = addr;
    pa->nfree++;
    return 0;
}

uint64_t pagealloc_free_count(const struct pagealloc *pa) { return pa->nfree; }

uint64_t pagealloc_total(const struct pagealloc *pa) { return pa->npages; }

void pagealloc_fail_after(struct pagealloc *pa, uint64_t after, uint64_t count)
{
    pa->fail_after = after;
    pa->fail_count = count;
}

uint64_t pagealloc_failures(const struct pagealloc *pa) { return pa->failures; }
