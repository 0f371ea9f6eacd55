/* drivers/virtio.c: virtio-mmio device setup and the split virtqueue. */
#include "drivers/virtio.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"

uint32_t virtio_read(const struct virtio_dev *d, uint32_t off)
{
    return *(volatile uint32_t *)(d->base + off);
}

void virtio_write(const struct virtio_dev *d, uint32_t off, uint32_t val)
{
    *(volatile uint32_t *)(d->base + off) = val;
}

int64_t virtio_begin(const struct virtio_dev *d, uint32_t device_id, uint32_t wanted)
{
    if (virtio_read(d, VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC ||
        virtio_read(d, VIRTIO_MMIO_DEVICE_ID) != device_id)
        return -ENODEV;
    if (virtio_read(d, VIRTIO_MMIO_VERSION) != 2)
        return -ENOTSUP;                    /* legacy device: start QEMU with force-legacy=false */
    virtio_write(d, VIRTIO_MMIO_STATUS, 0); /* reset */
    virtio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACK);
    virtio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);

    virtio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint32_t lo = virtio_read(d, VIRTIO_MMIO_DEVICE_FEATURES) & wanted;
    virtio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    uint32_t hi = virtio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
    if (!(hi & (1u << (VIRTIO_F_VERSION_1 - 32))))
        return -ENOTSUP;
    virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, lo);
    virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
    uint32_t st = VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    virtio_write(d, VIRTIO_MMIO_STATUS, st);
    if (!(virtio_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
        return -ENOTSUP;
    }
    return lo;
}

int virtio_queue_init(const struct virtio_dev *d, uint32_t index, struct virtq *q)
{
    _Static_assert(sizeof(struct virtq_desc) * VIRTQ_SIZE + sizeof(struct virtq_avail) +
                           sizeof(struct virtq_used) + 8 <=
                       PAGE_SIZE,
                   "a virtqueue fits one page");
    virtio_write(d, VIRTIO_MMIO_QUEUE_SEL, index);
    uint32_t max = virtio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max < VIRTQ_SIZE)
        return -ENODEV;
    uint8_t *page = page_alloc();
    if (!page)
        return -ENOMEM;
    q->desc = (struct virtq_desc *)page;
    q->avail = (struct virtq_avail *)(page + sizeof(struct virtq_desc) * VIRTQ_SIZE);
    uint64_t used_off = sizeof(struct virtq_desc) * VIRTQ_SIZE + sizeof(struct virtq_avail);
    used_off = (used_off + 3) & ~3UL;
    q->used = (struct virtq_used *)(page + used_off);
    q->last_used = 0;
    q->nfree = VIRTQ_SIZE;
    q->free_head = 0;
    for (int i = 0; i < VIRTQ_SIZE; i++)
        q->desc[i].next = (uint16_t)(i + 1);

    virtio_write(d, VIRTIO_MMIO_QUEUE_NUM, VIRTQ_SIZE);
    virtio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(uint64_t)q->desc);
    virtio_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)((uint64_t)q->desc >> 32));
    virtio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(uint64_t)q->avail);
    virtio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((uint64_t)q->avail >> 32));
    virtio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(uint64_t)q->used);
    virtio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((uint64_t)q->used >> 32));
    virtio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

int virtq_alloc_desc(struct virtq *q)
{
    if (q->nfree == 0)
        return -1;
    int i = q->free_head;
    q->free_head = q->desc[i].next;
    q->nfree--;
    return i;
}

void virtq_free_desc(struct virtq *q, int i)
{
    q->desc[i].next = q->free_head;
    q->desc[i].flags = 0;
    q->free_head = (uint16_t)i;
    q->nfree++;
}

void virtq_push(struct virtq *q, int i)
{
    q->avail->ring[q->avail->idx % VIRTQ_SIZE] = (uint16_t)i;
    __sync_synchronize(); /* the entry before the index that publishes it */
    q->avail->idx++;
    __sync_synchronize();
}

int virtq_pop(struct virtq *q, uint32_t *head, uint32_t *len)
{
    __sync_synchronize();
    if (q->last_used == *(volatile uint16_t *)&q->used->idx)
        return -1;
    struct virtq_used_elem *e = &q->used->ring[q->last_used % VIRTQ_SIZE];
    *head = e->id;
    *len = e->len;
    q->last_used++;
    return 0;
}
