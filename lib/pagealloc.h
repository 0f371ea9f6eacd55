/* lib/pagealloc.h: the physical page allocator: 4 KiB pages over one range of
 * RAM that the kernel hands it (pure code: it only reads and writes the pages
 * it manages, through their addresses, so RAM must be mapped 1:1 or the host
 * test passes ordinary memory).
 *
 * Layout: pagealloc_init carves a bitmap (one bit per managed page, 1 = free)
 * from the start of the range; the remaining pages are managed. Free pages are
 * handed out lowest-address first from an untouched tail, and freed pages go on
 * a LIFO list linked through their first 8 bytes. The bitmap lets put() refuse
 * a double free, and get() check each list link, so a use-after-free that
 * scribbles on a free page is caught (`corrupt` counts it) rather than handing
 * out a wild pointer.
 *
 * Not thread-safe: the kernel serialises calls (one lock around the allocator).
 * Freestanding: only our headers and <stdint.h>. */
#ifndef LIB_PAGEALLOC_H
#define LIB_PAGEALLOC_H

#include <stdint.h>

#define PAGEALLOC_PAGE 4096ull

struct pagealloc {
    uint64_t base;       /* address of the first managed page */
    uint64_t npages;     /* managed pages */
    uint64_t fresh;      /* pages [fresh, npages) have never been handed out */
    uint8_t *bitmap;     /* bit i set: managed page i is free */
    uint64_t list;       /* address of the first freed page, 0 if none */
    uint64_t nfree;      /* free pages (fresh + listed) */
    uint64_t fail_after; /* fault injection: successful gets before failing */
    uint64_t fail_count; /* ... then this many gets fail; 0 = disarmed */
    uint64_t failures;   /* gets failed by injection */
    uint64_t bad_puts;   /* puts refused (foreign, misaligned, double free) */
    uint64_t corrupt;    /* free-list links found damaged (list dropped) */
};

/* Manages the pages inside [start, end), both rounded inward to 4 KiB; the
 * first few pages hold the bitmap. The range must not include 0.
 * Returns 0, or -EINVAL if start >= end or no page would remain to manage. */
int pagealloc_init(struct pagealloc *pa, uint64_t start, uint64_t end);

/* Takes one free page, lowest addresses first until pages are recycled.
 * Its contents are NOT zeroed (the caller zeroes if it needs to).
 * Returns NULL when none is free, or when fault injection says so. */
void *pagealloc_get(struct pagealloc *pa);

/* Returns `page` to the free pool. Returns 0; -EINVAL if it is not the address
 * of a managed page (misaligned, out of range, a bitmap page); -EEXIST if it is
 * already free (double free). On error nothing changes except bad_puts. */
int pagealloc_put(struct pagealloc *pa, void *page);

/* Free pages now. */
uint64_t pagealloc_free_count(const struct pagealloc *pa);

/* Managed pages (free + in use), not counting the bitmap. */
uint64_t pagealloc_total(const struct pagealloc *pa);

/* Fault injection: after `after` more successful gets, the next `count` gets
 * return NULL (each counted in pa->failures). count == 0 disarms. */
void pagealloc_fail_after(struct pagealloc *pa, uint64_t after, uint64_t count);

/* Gets failed by injection since init. */
uint64_t pagealloc_failures(const struct pagealloc *pa);

#endif
