/* kernel/kalloc.h: physical pages and the kernel heap. Every allocation can
 * fail (and can be made to fail on purpose, see faultinject()); every caller
 * handles NULL. */
#ifndef KERNEL_KALLOC_H
#define KERNEL_KALLOC_H

#include <stdint.h>

/* Hand the free RAM [start, end) to the page allocator and start the heap. */
void kalloc_init(uint64_t start, uint64_t end);
/* One zeroed 4 KiB page, or NULL. */
void *page_alloc(void);
/* One page, NOT zeroed, for buffers the caller fills completely before
 * anyone reads them (message bodies). */
void *page_alloc_dirty(void);
/* Give back a page from page_alloc or page_alloc_dirty. Anything else
 * (NULL included), or a page already free, panics: it is a kernel bug. */
void page_free(void *page);
/* Heap memory (up to HEAP_MAX_SMALL = 4080 bytes), zeroed, or NULL. */
void *kmalloc(uint64_t size);
/* Give back what kmalloc returned (NULL is ignored). */
void kfree(void *p);

/* Counters for meminfo and the tests: pages free and in all, heap bytes in
 * use, and allocations that failed (for real or injected) since boot. */
uint64_t kalloc_free_pages(void);
uint64_t kalloc_total_pages(void);
uint64_t kalloc_heap_used(void);
uint64_t kalloc_failures(void);
/* Make allocations fail: after `after` successes, `count` fail (0 disarms).
 * site is FAULT_PAGE_ALLOC or FAULT_HEAP_ALLOC. */
int kalloc_fault_inject(int site, uint64_t after, uint64_t count);

#endif
