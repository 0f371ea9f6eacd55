/* drivers/virtio_net.c: virtio-net over virtio-mmio (virtio 1.1, 5.1).
 * Queue 0 receives, queue 1 transmits. Each receive descriptor owns a 2 KiB
 * buffer that is handed back to the device as soon as its frame has been
 * processed; each transmit descriptor owns a 2 KiB buffer reclaimed when the
 * device reports it used. */
#include "drivers/virtio_net.h"
#include "drivers/plic.h"
#include "drivers/virtio.h"
#include "kernel/kalloc.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "net/net.h"

#define VIRTIO_NET_F_MAC 5
#define NET_HDR_LEN 12 /* struct virtio_net_hdr with VERSION_1: num_buffers included */
#define BUF_SIZE 2048
#define NBUF VIRTQ_SIZE /* buffers per direction: one per descriptor */

static struct virtio_dev dev;
static struct virtq rxq, txq;
static uint8_t *rx_buf[VIRTQ_SIZE], *tx_buf[VIRTQ_SIZE];
static uint8_t mac[6];
static int ready;

/* Two 2 KiB buffers per page. */
static int alloc_buffers(uint8_t **bufs, int n)
{
    for (int i = 0; i < n; i += 2) {
        uint8_t *page = page_alloc();
        if (!page)
            return -ENOMEM;
        bufs[i] = page;
        bufs[i + 1] = page + BUF_SIZE;
    }
    return 0;
}

static void rx_post(int d)
{
    rxq.desc[d].addr = (uint64_t)rx_buf[d];
    rxq.desc[d].len = BUF_SIZE;
    rxq.desc[d].flags = VIRTQ_DESC_F_WRITE;
    virtq_push(&rxq, d);
}

int virtio_net_init(const struct fdt_info *fi)
{
    for (int s = 0; s < fi->nvirtio; s++) {
        struct virtio_dev d = {fi->virtio[s].base, fi->virtio[s].irq};
        int64_t feat = virtio_begin(&d, VIRTIO_DEV_NET, 1u << VIRTIO_NET_F_MAC);
        if (feat == -ENODEV)
            continue;
        if (feat < 0) {
            klog("virtio-net in slot %d unusable (error %d): is QEMU started with "
                 "-global virtio-mmio.force-legacy=false?",
                 s, (int)-feat);
            return (int)feat;
        }
        dev = d;
        if (virtio_queue_init(&dev, 0, &rxq) || virtio_queue_init(&dev, 1, &txq) ||
            alloc_buffers(rx_buf, NBUF) || alloc_buffers(tx_buf, NBUF)) {
            virtio_write(&dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
            return -ENOMEM;
        }
        for (int i = 0; i < 6; i++)
            mac[i] = (feat & (1u << VIRTIO_NET_F_MAC))
                         ? *(volatile uint8_t *)(dev.base + VIRTIO_MMIO_CONFIG + i)
                         : 0;
        /* Descriptor i always carries buffer i. */
        for (int i = 0; i < NBUF; i++)
            rx_post(virtq_alloc_desc(&rxq));
        virtio_write(&dev, VIRTIO_MMIO_STATUS,
                     VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
                         VIRTIO_STATUS_DRIVER_OK);
        virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
        plic_enable(dev.irq);
        ready = 1;
        return 0;
    }
    return -ENODEV;
}

/* Give back the buffers of frames the device has sent. */
static void tx_reclaim(void)
{
    uint32_t head, len;
    while (virtq_pop(&txq, &head, &len) == 0)
        if (head < NBUF)
            virtq_free_desc(&txq, (int)head);
}

int virtio_net_send(const uint8_t *frame, uint32_t len)
{
    if (!ready)
        return -ENODEV;
    if (len > BUF_SIZE - NET_HDR_LEN)
        return -EMSGSIZE;
    tx_reclaim(); /* only transmissions: receiving here could re-enter the stack */
    int d = virtq_alloc_desc(&txq);
    if (d < 0)
        return -EAGAIN;
    memset(tx_buf[d], 0, NET_HDR_LEN);
    memcpy(tx_buf[d] + NET_HDR_LEN, frame, len);
    txq.desc[d].addr = (uint64_t)tx_buf[d];
    txq.desc[d].len = NET_HDR_LEN + len;
    txq.desc[d].flags = 0;
    virtq_push(&txq, d);
    virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    return 0;
}

void virtio_net_mac(uint8_t out[6]) { memcpy(out, mac, 6); }
uint32_t virtio_net_irq(void) { return ready ? dev.irq : 0; }

void virtio_net_intr(void)
{
    if (!ready)
        return;
    uint32_t st = virtio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (st)
        virtio_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, st);
    tx_reclaim();
    uint32_t head, len;
    int reposted = 0;
    while (virtq_pop(&rxq, &head, &len) == 0) {
        if (head >= NBUF)
            continue; /* not a descriptor we posted: ignore it */
        if (len > NET_HDR_LEN && len <= BUF_SIZE)
            net_input(rx_buf[head] + NET_HDR_LEN, len - NET_HDR_LEN);
        else
            net_count_bad_length();
        rx_post((int)head);
        reposted = 1;
    }
    if (reposted)
        virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}
