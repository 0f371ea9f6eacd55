/* lib/heap.h: the kernel heap (pure code: its memory comes from callbacks).
 *
 * Size classes. Every block carries a 16-byte header (magic, class, a check
 * word tied to its address) followed by the caller's bytes, 16-byte aligned.
 *  - Small: blocks of 32, 64, ..., 4096 bytes (payload up to 4080), carved from
 *    single pages got through ops->get_page; freed blocks go on a per-class
 *    free list. Pages of small blocks are kept by the heap once taken (not
 *    returned to the page source).
 *  - Large: payload up to HEAP_MAX_ALLOC (64 KiB): ceil((size + 16) / 4096)
 *    contiguous pages from ops->get_pages, returned on free via ops->put_pages.
 *    Without get_pages, a large request fits only if it needs a single page
 *    (it cannot: those are small), so large allocations then return NULL.
 *
 * heap_free of a pointer the heap did not hand out, or of one already freed,
 * is detected by the header (magic and address check) and ignored, counted in
 * h->bad_frees. (The header must be readable: the pointer must point into
 * mapped memory, as every kernel address does.)
 *
 * Not thread-safe: the kernel serialises calls.
 * Freestanding: only our headers and <stdint.h>. */
#ifndef LIB_HEAP_H
#define LIB_HEAP_H

#include <stdint.h>

#define HEAP_PAGE 4096ull
#define HEAP_HDR 16ull
#define HEAP_ALIGN 16
#define HEAP_NCLASS 8 /* block sizes 32 << 0 .. 32 << 7 */
#define HEAP_MAX_SMALL (HEAP_PAGE - HEAP_HDR)
#define HEAP_MAX_ALLOC (64ull * 1024) /* largest payload */

/* Where the heap's memory comes from. ctx is passed back unchanged. */
struct heap_ops {
    void *(*get_page)(void *ctx);                      /* one 4 KiB-aligned page, or NULL */
    void (*put_page)(void *ctx, void *page);           /* optional; unused today */
    void *(*get_pages)(void *ctx, uint64_t n);         /* optional: n contiguous pages */
    void (*put_pages)(void *ctx, void *p, uint64_t n); /* required with get_pages */
};

struct heap {
    struct heap_ops ops;
    void *ctx;
    void *free_list[HEAP_NCLASS]; /* free small blocks (payload addresses) */
    uint64_t used;                /* bytes in allocated blocks, headers included */
    uint64_t pages;               /* pages currently held from the page source */
    uint64_t nallocs;             /* blocks currently allocated */
    uint64_t bad_frees;           /* heap_free calls ignored: bad pointer or double free */
    uint64_t corrupt;             /* free-list entries found damaged (list dropped) */
    uint64_t fail_after;          /* fault injection, as pagealloc_fail_after */
    uint64_t fail_count;
    uint64_t failures;
};

/* Sets up an empty heap drawing memory through ops (copied) with ctx.
 * Returns 0, or -EINVAL if ops or ops->get_page is NULL, or get_pages is given
 * without put_pages. */
int heap_init(struct heap *h, const struct heap_ops *ops, void *ctx);

/* Allocates `size` bytes (1..HEAP_MAX_ALLOC), 16-byte aligned, NOT zeroed.
 * Returns NULL if size is 0 or too large, the page source is empty, or fault
 * injection says so. */
void *heap_alloc(struct heap *h, uint64_t size);

/* Frees p (NULL is a no-op). A bad pointer or a double free is ignored and
 * counted in h->bad_frees. */
void heap_free(struct heap *h, void *p);

/* Bytes in allocated blocks (headers and size-class rounding included). */
uint64_t heap_used(const struct heap *h);

/* Fault injection: after `after` more successful allocations, the next
 * `count` heap_alloc calls return NULL (counted in h->failures); 0 disarms. */
void heap_fail_after(struct heap *h, uint64_t after, uint64_t count);

#endif
