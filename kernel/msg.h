/* kernel/msg.h: message bodies held by the kernel between send and receive.
 * A body lives in whole pages (a 64 KiB message takes 17), so no large
 * contiguous allocation is ever needed; all message pages together are
 * bounded (MSG_PAGES_LIMIT), so senders cannot exhaust kernel memory.
 * A small body (MSG_INLINE bytes or less: most calls and replies) lives in
 * the struct msg itself, so passing it costs no page at all. */
#ifndef KERNEL_MSG_H
#define KERNEL_MSG_H

#include <stdint.h>
#include "kernel/vm.h"
#include "lib/syscall_abi.h"

#define MSG_PAGES ((MSG_MAX + 4095) / 4096)
#define MSG_PAGES_LIMIT 2048 /* 8 MiB of queued message bodies per node */
#define MSG_INLINE 256       /* bodies up to this size need no page */

struct msg {
    struct msg *next;
    uint32_t len;
    int32_t sender_pid, sender_node;
    struct port_id carried;
    uint64_t reply_token;
    /* The trace it travels in (kernel/trace.h): sent, the sender's trace
     * and span (the new message's parent); received, its trace and its
     * own span, which the receiver then works for. 0: none. */
    uint64_t trace_id, span_id;
    uint8_t *pages[MSG_PAGES]; /* pages[0] is inline_body for a small body */
    uint8_t inline_body[MSG_INLINE];
};

/* A message of len bytes with its pages allocated (contents undefined):
 * NULL when out of memory or over MSG_PAGES_LIMIT. */
struct msg *msg_alloc(uint32_t len);
void msg_free(struct msg *m);
/* Copy between the body and user or kernel memory, at offset off. */
int msg_copyin_user(struct msg *m, uint32_t off, const struct addrspace *as, uint64_t uva,
                    uint32_t n);
int msg_copyout_user(const struct msg *m, const struct addrspace *as, uint64_t uva);
void msg_write(struct msg *m, uint32_t off, const void *src, uint32_t n);
void msg_read(const struct msg *m, uint32_t off, void *dst, uint32_t n);
/* Copy n bytes of src's body at src_off into dst's at dst_off. */
void msg_copy(struct msg *dst, uint32_t dst_off, const struct msg *src, uint32_t src_off,
              uint32_t n);
uint64_t msg_pages_in_use(void);

#endif
