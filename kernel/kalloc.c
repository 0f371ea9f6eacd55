/* kernel/kalloc.c: glue between the kernel and the pure allocators in lib/
 * (lib/pagealloc.c for pages, lib/heap.c for small objects). */
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "lib/heap.h"
#include "lib/pagealloc.h"
#include "lib/syscall_abi.h"

static struct pagealloc pages;
static struct heap heap;

static void *heap_get_page(void *ctx)
{
    (void)ctx;
    return page_alloc();
}

/* The page allocator hands out single pages, so the heap serves blocks of up
 * to one page (HEAP_MAX_SMALL bytes); bigger buffers are whole pages. */
static const struct heap_ops heap_ops = {.get_page = heap_get_page};

void kalloc_init(uint64_t start, uint64_t end)
{
    if (pagealloc_init(&pages, start, end) != 0)
        panic("kalloc: cannot manage RAM %lx..%lx", (unsigned long)start, (unsigned long)end);
    if (heap_init(&heap, &heap_ops, 0) != 0)
        panic("kalloc: cannot start the heap");
}

void *page_alloc(void)
{
    void *p = pagealloc_get(&pages);
    if (p)
        memset(p, 0, PAGE_SIZE);
    return p;
}

void *page_alloc_dirty(void) { return pagealloc_get(&pages); }

void page_free(void *page)
{
    if (pagealloc_put(&pages, page) != 0)
        panic("page_free: bad page %p", page);
}

void *kmalloc(uint64_t size)
{
    void *p = heap_alloc(&heap, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (p)
        heap_free(&heap, p);
}

uint64_t kalloc_free_pages(void) { return pagealloc_free_count(&pages); }
uint64_t kalloc_total_pages(void) { return pagealloc_total(&pages); }
uint64_t kalloc_heap_used(void) { return heap_used(&heap); }
uint64_t kalloc_failures(void) { return pagealloc_failures(&pages) + heap.failures; }

int kalloc_fault_inject(int site, uint64_t after, uint64_t count)
{
    if (site == FAULT_PAGE_ALLOC)
        pagealloc_fail_after(&pages, after, count);
    else if (site == FAULT_HEAP_ALLOC)
        heap_fail_after(&heap, after, count);
    else
        return -EINVAL;
    return 0;
}
