/* drivers/virtio.h: virtio over MMIO, version 2 ("modern"), and the split
 * virtqueue (virtio 1.1 spec, sections 2.6 and 4.2). Shared by the net and
 * (later) block drivers.
 *
 * QEMU 7.2's virt machine presents legacy (version 1) virtio-mmio unless
 * started with `-global virtio-mmio.force-legacy=false`; tools/ pass that. */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <stdint.h>

#define VIRTIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_DEV_NET 1
#define VIRTIO_DEV_BLK 2

/* MMIO register offsets */
#define VIRTIO_MMIO_MAGIC 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG 0x100

/* Device status bits */
#define VIRTIO_STATUS_ACK 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_F_VERSION_1 32 /* feature bit number */

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

#define VIRTQ_SIZE 64 /* entries per queue (the device may allow more) */

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct virtq_avail {
    uint16_t flags, idx;
    uint16_t ring[VIRTQ_SIZE];
};
struct virtq_used_elem {
    uint32_t id, len;
};
struct virtq_used {
    uint16_t flags, idx;
    struct virtq_used_elem ring[VIRTQ_SIZE];
};

/* One split virtqueue; its three parts share one zeroed page. */
struct virtq {
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint16_t last_used; /* next used-ring entry the driver will look at */
    uint16_t nfree;
    uint16_t free_head; /* descriptors not in use, chained by `next` */
};

struct virtio_dev {
    uint64_t base;
    uint32_t irq;
};

/* One 32-bit MMIO register of the device at offset off (VIRTIO_MMIO_*),
 * read or written as one access (the device's configuration space too). */
uint32_t virtio_read(const struct virtio_dev *d, uint32_t off);
void virtio_write(const struct virtio_dev *d, uint32_t off, uint32_t val);
/* Check magic/version/device id, reset, ACK + DRIVER, and negotiate:
 * VERSION_1 plus the `wanted` bits of the low 32 the device offers.
 * Returns the accepted low feature bits, or -ENODEV (no such device there)
 * or -ENOTSUP (a legacy device, or one that refuses the features). The
 * caller sets up its queues, then sets DRIVER_OK. */
int64_t virtio_begin(const struct virtio_dev *d, uint32_t device_id, uint32_t wanted);
/* Set up queue `index` with VIRTQ_SIZE entries: 0 or -ENOMEM/-ENODEV. */
int virtio_queue_init(const struct virtio_dev *d, uint32_t index, struct virtq *q);
/* Take one free descriptor (index) or -1. */
int virtq_alloc_desc(struct virtq *q);
/* Give descriptor i back (only i: a chain is freed one by one). */
void virtq_free_desc(struct virtq *q, int i);
/* Offer descriptor chain head `i` to the device (caller notifies). */
void virtq_push(struct virtq *q, int i);
/* Next completed chain: its head and written length; 0, or -1 if none. */
int virtq_pop(struct virtq *q, uint32_t *head, uint32_t *len);

#endif
