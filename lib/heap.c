/* lib/heap.c: size-class kernel heap over a page source.
 *
 * The 16-byte header just before every payload:
 *   u32 magic  HEAP_USED or HEAP_FREE
 *   u32 kind   the size class 0..HEAP_NCLASS-1, or KIND_LARGE | npages << 8
 *   u64 check  payload address ^ HEAP_KEY, so a pointer into the middle of a
 *              block, or a stale header copied elsewhere, does not pass
 * A free small block keeps the free-list link in its first payload bytes. */
#include "lib/heap.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/errno.h"

#define HEAP_USED 0x48414c4cu /* "HALL" */
#define HEAP_FREE 0x48465245u /* "HFRE" */
#define HEAP_KEY 0x5bd1e9955bd1e995ull
#define KIND_LARGE 0xffu

struct hdr {
    uint32_t magic;
    uint32_t kind;
    uint64_t check;
};

_Static_assert(sizeof(struct hdr) == HEAP_HDR, "header size");

static struct hdr *hdr_of(void *p) { return (struct hdr *)((uint8_t *)p - HEAP_HDR); }

static uint64_t check_of(void *p) { return (uint64_t)(uintptr_t)p ^ HEAP_KEY; }

static uint64_t class_size(int c) { return 32ull << c; }

int heap_init(struct heap *h, const struct heap_ops *ops, void *ctx)
{
    if (!h || !ops || !ops->get_page || (ops->get_pages && !ops->put_pages))
        return -EINVAL;
    *h = (struct heap){.ops = *ops, .ctx = ctx};
    return 0;
}

/* Carves a new page into free blocks of class c. */
static bool refill(struct heap *h, int c)
{
    uint8_t *page = h->ops.get_page(h->ctx);
    if (!page)
        return false;
    h->pages++;
    uint64_t bs = class_size(c);
    for (uint64_t off = HEAP_PAGE; off >= bs; off -= bs) {
        uint8_t *payload = page + off - bs + HEAP_HDR;
        struct hdr *hd = hdr_of(payload);
        hd->magic = HEAP_FREE;
        hd->kind = (uint32_t)c;
        hd->check = check_of(payload);
        *(void **)payload = h->free_list[c];
        h->free_list[c] = payload;
    }
    return true;
}

static void *alloc_large(struct heap *h, uint64_t size)
{
    uint64_t n = (size + HEAP_HDR + HEAP_PAGE - 1) / HEAP_PAGE;
    if (!h->ops.get_pages)
        return NULL;
    uint8_t *pages = h->ops.get_pages(h->ctx, n);
    if (!pages)
        return NULL;
    void *payload = pages + HEAP_HDR;
    struct hdr *hd = hdr_of(payload);
    hd->magic = HEAP_USED;
    hd->kind = KIND_LARGE | (uint32_t)(n << 8);
    hd->check = check_of(payload);
    h->pages += n;
    h->used += n * HEAP_PAGE;
    return payload;
}

void *heap_alloc(struct heap *h, uint64_t size)
{
    if (size == 0 || size > HEAP_MAX_ALLOC)
        return NULL;
    if (h->fail_count > 0 && h->fail_after == 0) {
        h->fail_count--;
        h->failures++;
        return NULL;
    }
    void *p;
    if (size > HEAP_MAX_SMALL) {
        p = alloc_large(h, size);
    } else {
        int c = 0;
        while (class_size(c) - HEAP_HDR < size)
            c++;
        p = NULL;
        for (;;) {
            if (!h->free_list[c] && !refill(h, c))
                break;
            void *cand = h->free_list[c];
            struct hdr *hd = hdr_of(cand);
            if (hd->magic != HEAP_FREE || hd->kind != (uint32_t)c || hd->check != check_of(cand)) {
                /* Written after it was freed: abandon this list. */
                h->corrupt++;
                h->free_list[c] = NULL;
                continue;
            }
            h->free_list[c] = *(void **)cand;
            hd->magic = HEAP_USED;
            h->used += class_size(c);
            p = cand;
            break;
        }
    }
    if (!p)
        return NULL;
    h->nallocs++;
    if (h->fail_count > 0 && h->fail_after > 0)
        h->fail_after--;
    return p;
}

void heap_free(struct heap *h, void *p)
{
    if (!p)
        return;
    if ((uintptr_t)p % HEAP_ALIGN != 0) {
        h->bad_frees++;
        return;
    }
    struct hdr *hd = hdr_of(p);
    if (hd->magic != HEAP_USED || hd->check != check_of(p)) {
        h->bad_frees++;
        return;
    }
    uint32_t kind = hd->kind;
    if ((kind & 0xff) == KIND_LARGE) {
        uint64_t n = kind >> 8;
        if (n < 1 || n * HEAP_PAGE > HEAP_MAX_ALLOC + HEAP_PAGE || (uintptr_t)hd % HEAP_PAGE != 0 ||
            !h->ops.put_pages) {
            h->bad_frees++;
            return;
        }
        hd->magic = HEAP_FREE;
        h->used -= n * HEAP_PAGE;
        h->pages -= n;
        h->nallocs--;
        h->ops.put_pages(h->ctx, hd, n);
        return;
    }
    if (kind >= HEAP_NCLASS) {
        h->bad_frees++;
        return;
    }
    hd->magic = HEAP_FREE;
    *(void **)p = h->free_list[kind];
    h->free_list[kind] = p;
    h->used -= class_size((int)kind);
    h->nallocs--;
}

uint64_t heap_used(const struct heap *h) { return h->used; }

void heap_fail_after(struct heap *h, uint64_t after, uint64_t count)
{
    h->fail_after = after;
    h->fail_count = count;
}
