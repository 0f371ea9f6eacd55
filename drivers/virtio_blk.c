/* drivers/virtio_blk.c: virtio-blk (virtio 1.1, 5.2). Each request is a
 * descriptor chain: a 16-byte header the device reads, one descriptor per
 * user page of data, and a status byte the device writes. Requests from
 * several processes can be in flight at once; each caller sleeps on its
 * own request until the interrupt marks it done. */
#include "drivers/virtio_blk.h"
#include "drivers/plic.h"
#include "drivers/virtio.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/proc.h"

#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define MAX_INFLIGHT 8

struct blk_req {
    uint32_t type, reserved;
    uint64_t sector;
    volatile uint8_t status;
    volatile int done;
    int head; /* first descriptor, -1 when the slot is free */
};

static struct virtio_dev dev;
static struct virtq q;
static struct blk_req *reqs; /* MAX_INFLIGHT of them, in one page */
static uint64_t capacity;
static int present, can_flush;
static char desc_chan; /* waiters for free descriptors or request slots */

int virtio_blk_init(const struct fdt_info *fi)
{
    for (int s = 0; s < fi->nvirtio; s++) {
        struct virtio_dev d = {fi->virtio[s].base, fi->virtio[s].irq};
        int64_t feat = virtio_begin(&d, VIRTIO_DEV_BLK, 1u << VIRTIO_BLK_F_FLUSH);
        if (feat == -ENODEV)
            continue;
        if (feat < 0) {
            klog("virtio-blk in slot %d unusable (error %d)", s, (int)-feat);
            return (int)feat;
        }
        dev = d;
        reqs = page_alloc();
        if (!reqs || virtio_queue_init(&dev, 0, &q)) {
            virtio_write(&dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
            return -ENOMEM;
        }
        for (int i = 0; i < MAX_INFLIGHT; i++)
            reqs[i].head = -1;
        volatile uint32_t *cfg = (volatile uint32_t *)(dev.base + VIRTIO_MMIO_CONFIG);
        capacity = (uint64_t)cfg[0] | (uint64_t)cfg[1] << 32;
        can_flush = (feat & (1u << VIRTIO_BLK_F_FLUSH)) != 0;
        virtio_write(&dev, VIRTIO_MMIO_STATUS,
                     VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
                         VIRTIO_STATUS_DRIVER_OK);
        plic_enable(dev.irq);
        present = 1;
        klog("disk: %lu sectors (%lu MiB)%s", (unsigned long)capacity,
             (unsigned long)(capacity >> 11), can_flush ? ", flush" : ", NO flush");
        return 0;
    }
    return -ENODEV;
}

int virtio_blk_present(void) { return present; }
uint64_t virtio_blk_sectors(void) { return capacity; }
int virtio_blk_can_flush(void) { return can_flush; }
uint32_t virtio_blk_irq(void) { return present ? dev.irq : 0; }

static void free_chain(int head)
{
    int i = head;
    for (;;) {
        int next = q.desc[i].next;
        int more = q.desc[i].flags & VIRTQ_DESC_F_NEXT;
        virtq_free_desc(&q, i);
        if (!more)
            break;
        i = next;
    }
}

/* Submit a request with data pages pa[0..npages) (lengths len[]) and wait
 * for it. Never returns before the device has finished with the pages. */
static int submit(uint32_t type, uint64_t sector, const uint64_t *pa, const uint32_t *len,
                  int npages)
{
    struct blk_req *r = 0;
    for (;;) {
        for (int i = 0; i < MAX_INFLIGHT && !r; i++)
            if (reqs[i].head < 0)
                r = &reqs[i];
        if (r && q.nfree >= npages + 2)
            break;
        r = 0;
        proc_sleep_uninterruptible(&desc_chan);
    }
    r->type = type;
    r->reserved = 0;
    r->sector = sector;
    r->status = 0xff;
    r->done = 0;
    int head = virtq_alloc_desc(&q), prev = head;
    r->head = head;
    q.desc[head].addr = (uint64_t)r;
    q.desc[head].len = 16;
    q.desc[head].flags = VIRTQ_DESC_F_NEXT;
    for (int i = 0; i < npages; i++) {
        int d = virtq_alloc_desc(&q);
        q.desc[prev].next = (uint16_t)d;
        q.desc[d].addr = pa[i];
        q.desc[d].len = len[i];
        q.desc[d].flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
        prev = d;
    }
    int st = virtq_alloc_desc(&q);
    q.desc[prev].next = (uint16_t)st;
    q.desc[st].addr = (uint64_t)&r->status;
    q.desc[st].len = 1;
    q.desc[st].flags = VIRTQ_DESC_F_WRITE;
    virtq_push(&q, head);
    virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    while (!r->done)
        proc_sleep_uninterruptible(r); /* the device owns the pages until it is done */
    int rv = r->status == VIRTIO_BLK_S_OK ? 0 : -EIO;
    r->head = -1;
    proc_wakeup(&desc_chan);
    return rv;
}

/* The checks every read and write shares: a device, and sectors on it. */
int virtio_blk_check(uint64_t sector, uint32_t count)
{
    if (!present)
        return -ENODEV;
    if (count == 0 || count > BLK_MAX_SECTORS || sector >= capacity || count > capacity - sector)
        return -EINVAL;
    return 0;
}

int virtio_blk_rw(int write, uint64_t sector, uint32_t count, const struct blk_seg *segs, int nsegs)
{
    int rv = virtio_blk_check(sector, count);
    if (rv)
        return rv;
    if (nsegs < 1 || nsegs > BLK_MAX_SEGS)
        return -EINVAL;
    uint64_t pa[BLK_MAX_SEGS], bytes = 0;
    uint32_t len[BLK_MAX_SEGS];
    for (int i = 0; i < nsegs; i++) {
        pa[i] = segs[i].pa;
        len[i] = segs[i].len;
        bytes += segs[i].len;
    }
    if (bytes != (uint64_t)count * BLK_SECTOR)
        return -EINVAL; /* the segments must hold exactly the sectors */
    return submit(write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, pa, len, nsegs);
}

int virtio_blk_flush(void)
{
    if (!present)
        return -ENODEV;
    if (!can_flush)
        return 0; /* the device has no write cache to flush */
    return submit(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
}

void virtio_blk_intr(void)
{
    if (!present)
        return;
    uint32_t st = virtio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (st)
        virtio_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, st);
    uint32_t head, len;
    while (virtq_pop(&q, &head, &len) == 0) {
        for (int i = 0; i < MAX_INFLIGHT; i++) {
            if (reqs[i].head == (int)head && !reqs[i].done) {
                free_chain((int)head);
                reqs[i].done = 1;
                proc_wakeup(&reqs[i]);
            }
        }
    }
}
