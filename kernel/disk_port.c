/* kernel/disk_port.c: the disk as a port. A kernel-served port, bound as
 * "disk" in the node's registry, takes calls from the node's system
 * services (struct disk_req in lib/syscall_abi.h): the same operations as
 * the disk system calls, for services that would rather talk in messages.
 * The handler runs in the caller's own process context (a local call
 * delivers straight into it), so it may wait for the device; a request from
 * anyone else is refused before any I/O. */
#include "drivers/virtio_blk.h"
#include "kernel/kernel.h"
#include "kernel/msg.h"
#include "kernel/port.h"
#include "kernel/printk.h"
#include "kernel/proc.h"

static struct msg *status_reply(int32_t status)
{
    struct msg *r = msg_alloc(sizeof status);
    if (r)
        msg_write(r, 0, &status, sizeof status);
    return r;
}

/* Read into or write from message body bytes [off, off + count * 512) of
 * m (kernel pages: the requests and replies of this port), as the
 * driver's list of segments. */
static int msg_disk_rw(int write, uint64_t sector, struct msg *m, uint32_t off, uint32_t count)
{
    int rv = virtio_blk_check(sector, count);
    if (rv)
        return rv;
    uint32_t bytes = count * BLK_SECTOR;
    if (off > m->len || bytes > m->len - off)
        return -EINVAL;
    struct blk_seg segs[BLK_MAX_SEGS];
    int n = 0;
    for (uint32_t done = 0; done < bytes;) {
        uint32_t at = off + done;
        uint32_t chunk = PAGE_SIZE - at % PAGE_SIZE;
        if (chunk > bytes - done)
            chunk = bytes - done;
        segs[n++] = (struct blk_seg){(uint64_t)m->pages[at / PAGE_SIZE] + at % PAGE_SIZE, chunk};
        done += chunk;
    }
    return virtio_blk_rw(write, sector, count, segs, n);
}

static struct msg *serve(struct msg *m)
{
    struct proc *sender = proc_find(m->sender_pid);
    if ((uint64_t)m->sender_node != kernel_node_id || !sender || !sender->service ||
        sender != proc_current())
        return status_reply(-EPERM);
    struct disk_req rq;
    if (m->len < sizeof rq)
        return status_reply(-EBADMSG);
    msg_read(m, 0, &rq, sizeof rq);
    switch (rq.op) {
    case DISK_OP_INFO: {
        struct disk_info di = {virtio_blk_sectors(), DISK_SECTOR, (uint32_t)virtio_blk_can_flush()};
        struct msg *r = msg_alloc(sizeof di);
        if (r)
            msg_write(r, 0, &di, sizeof di);
        return r;
    }
    case DISK_OP_READ: {
        if (m->len != sizeof rq || rq.count == 0 || rq.count > DISK_MAX_SECTORS)
            return status_reply(-EINVAL);
        struct msg *r = msg_alloc(rq.count * DISK_SECTOR);
        if (!r)
            return status_reply(-ENOBUFS);
        int rv = msg_disk_rw(0, rq.sector, r, 0, rq.count);
        if (rv) {
            msg_free(r);
            return status_reply(rv);
        }
        return r;
    }
    case DISK_OP_WRITE:
        if (rq.count == 0 || rq.count > DISK_MAX_SECTORS ||
            m->len != sizeof rq + rq.count * DISK_SECTOR)
            return status_reply(-EINVAL);
        return status_reply(msg_disk_rw(1, rq.sector, m, sizeof rq, rq.count));
    case DISK_OP_FLUSH:
        return status_reply(m->len == sizeof rq ? virtio_blk_flush() : -EINVAL);
    default:
        return status_reply(-EINVAL);
    }
}

static void disk_port_handle(struct msg *m)
{
    uint64_t token = m->reply_token;
    struct msg *r = token ? serve(m) : 0; /* a one-way message has nobody to answer */
    msg_free(m);
    if (token && r)
        port_reply(token, r);
}

void disk_port_start(void)
{
    struct port_id port;
    if (!virtio_blk_present())
        return;
    if (port_create_kernel(disk_port_handle, &port) != 0 ||
        registry_bind_kernel("disk", &port) != 0)
        klog("disk: cannot start the disk port");
}
