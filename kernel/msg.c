/* kernel/msg.c: page-backed message bodies (see kernel/msg.h). */
#include "kernel/msg.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"

/* Freed struct msgs kept for reuse: a call and its reply allocate and free
 * two messages, and taking them from this list instead of the heap keeps
 * the heap's code and data off the IPC path (each distinct page touched
 * after an address-space switch costs a TLB refill under QEMU). */
#define MSG_CACHE 32

static uint64_t pages_in_use HOT_DATA;
static struct msg *cache HOT_DATA;
static int cached HOT_DATA;

uint64_t msg_pages_in_use(void) { return pages_in_use; }

/* A struct msg with an empty header and no pages. */
HOT_PATH static struct msg *msg_get(void)
{
    struct msg *m = cache;
    if (!m)
        return kmalloc(sizeof *m); /* zeroed */
    cache = m->next;
    cached--;
    m->next = 0;
    m->sender_pid = m->sender_node = 0;
    m->carried = (struct port_id){0, 0};
    m->reply_token = 0;
    m->trace_id = m->span_id = 0;
    memset(m->pages, 0, sizeof m->pages);
    return m;
}

HOT_PATH static void msg_put(struct msg *m)
{
    if (cached >= MSG_CACHE) {
        kfree(m);
        return;
    }
    m->next = cache;
    cache = m;
    cached++;
}

HOT_PATH struct msg *msg_alloc(uint32_t len)
{
    if (len > MSG_MAX)
        return 0;
    uint32_t np = len <= MSG_INLINE ? 0 : (len + PAGE_SIZE - 1) / PAGE_SIZE;
    if (pages_in_use + np > MSG_PAGES_LIMIT)
        return 0;
    struct msg *m = msg_get();
    if (!m)
        return 0;
    m->len = len;
    if (np == 0)
        m->pages[0] = m->inline_body;
    for (uint32_t i = 0; i < np; i++) {
        m->pages[i] = page_alloc_dirty(); /* every byte up to len is written before use */
        if (!m->pages[i]) {
            msg_free(m);
            return 0;
        }
        pages_in_use++;
    }
    return m;
}

HOT_PATH void msg_free(struct msg *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < MSG_PAGES && m->pages[i] && m->pages[i] != m->inline_body; i++) {
        page_free(m->pages[i]);
        pages_in_use--;
    }
    msg_put(m);
}

/* Body byte `off`, and how many bytes follow it in the same page. */
HOT_PATH static uint8_t *body_at(const struct msg *m, uint32_t off, uint32_t *room)
{
    *room = PAGE_SIZE - off % PAGE_SIZE;
    return m->pages[off / PAGE_SIZE] + off % PAGE_SIZE;
}

HOT_PATH int msg_copyin_user(struct msg *m, uint32_t off, const struct addrspace *as, uint64_t uva,
                             uint32_t n)
{
    for (uint32_t done = 0, room; done < n; done += room) {
        uint8_t *p = body_at(m, off + done, &room);
        if (room > n - done)
            room = n - done;
        if (vm_copyin(as, p, uva + done, room))
            return -EFAULT;
    }
    return 0;
}

HOT_PATH int msg_copyout_user(const struct msg *m, const struct addrspace *as, uint64_t uva)
{
    if (vm_check_user(as, uva, m->len, 1))
        return -EFAULT;
    for (uint32_t done = 0, room; done < m->len; done += room) {
        uint8_t *p = body_at(m, done, &room);
        if (room > m->len - done)
            room = m->len - done;
        if (vm_copyout(as, uva + done, p, room))
            return -EFAULT;
    }
    return 0;
}

void msg_write(struct msg *m, uint32_t off, const void *src, uint32_t n)
{
    for (uint32_t done = 0, room; done < n; done += room) {
        uint8_t *p = body_at(m, off + done, &room);
        if (room > n - done)
            room = n - done;
        memcpy(p, (const uint8_t *)src + done, room);
    }
}

void msg_copy(struct msg *dst, uint32_t dst_off, const struct msg *src, uint32_t src_off,
              uint32_t n)
{
    for (uint32_t done = 0, room; done < n; done += room) {
        uint8_t *p = body_at(src, src_off + done, &room);
        if (room > n - done)
            room = n - done;
        msg_write(dst, dst_off + done, p, room);
    }
}

void msg_read(const struct msg *m, uint32_t off, void *dst, uint32_t n)
{
    for (uint32_t done = 0, room; done < n; done += room) {
        uint8_t *p = body_at(m, off + done, &room);
        if (room > n - done)
            room = n - done;
        memcpy((uint8_t *)dst + done, p, room);
    }
}
