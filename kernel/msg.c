/* kernel/msg.c: page-backed message bodies (see kernel/msg.h). */
#include "kernel/msg.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"

static uint64_t pages_in_use;

uint64_t msg_pages_in_use(void) { return pages_in_use; }

struct msg *msg_alloc(uint32_t len)
{
    if (len > MSG_MAX)
        return 0;
    uint32_t np = (len + PAGE_SIZE - 1) / PAGE_SIZE;
    if (pages_in_use + np > MSG_PAGES_LIMIT)
        return 0;
    struct msg *m = kmalloc(sizeof *m);
    if (!m)
        return 0;
    m->len = len;
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

void msg_free(struct msg *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < MSG_PAGES && m->pages[i]; i++) {
        page_free(m->pages[i]);
        pages_in_use--;
    }
    kfree(m);
}

/* Body byte `off`, and how many bytes follow it in the same page. */
static uint8_t *body_at(const struct msg *m, uint32_t off, uint32_t *room)
{
    *room = PAGE_SIZE - off % PAGE_SIZE;
    return m->pages[off / PAGE_SIZE] + off % PAGE_SIZE;
}

int msg_copyin_user(struct msg *m, uint32_t off, const struct addrspace *as, uint64_t uva,
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

int msg_copyout_user(const struct msg *m, const struct addrspace *as, uint64_t uva)
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

void msg_read(const struct msg *m, uint32_t off, void *dst, uint32_t n)
{
    for (uint32_t done = 0, room; done < n; done += room) {
        uint8_t *p = body_at(m, off + done, &room);
        if (room > n - done)
            room = n - done;
        memcpy((uint8_t *)dst + done, p, room);
    }
}
