/* drivers/virtio_blk.h: the node's disk (virtio-blk over virtio-mmio). */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include <stdint.h>
#include "lib/fdt.h"

#define BLK_SECTOR 512
#define BLK_MAX_SECTORS 128 /* per request: 64 KiB */

/* Find and start the first virtio block device: 0 or -ENODEV. */
int virtio_blk_init(const struct fdt_info *fi);
int virtio_blk_present(void);
uint64_t virtio_blk_sectors(void);
/* Whether the device honours flush (VIRTIO_BLK_F_FLUSH). */
int virtio_blk_can_flush(void);
uint32_t virtio_blk_irq(void);
/* One piece of a request's data: a physical address and a length, within
 * one page. The kernel makes the list from a process's buffer
 * (kernel/sys_disk.c) or a message's pages (kernel/disk_port.c); the
 * driver knows neither address spaces nor messages. */
struct blk_seg {
    uint64_t pa;
    uint32_t len;
};
#define BLK_MAX_SEGS (BLK_MAX_SECTORS * BLK_SECTOR / 4096 + 1) /* 64 KiB from anywhere in a page */

/* Is there a device, and are `count` sectors at `sector` on it? 0, -ENODEV
 * or -EINVAL (0, over BLK_MAX_SECTORS, or past the end). */
int virtio_blk_check(uint64_t sector, uint32_t count);
/* Read (write 0) or write `count` sectors at `sector`, the data in
 * segs[0..nsegs), whose lengths add up to count * 512. The caller sleeps
 * until the device is done (never abandoned half-way, even if killed,
 * since the device owns the pages meanwhile). 0, -ENODEV, -EINVAL (range,
 * or segments that do not add up), -EIO. */
int virtio_blk_rw(int write, uint64_t sector, uint32_t count, const struct blk_seg *segs,
                  int nsegs);
/* Make every completed write durable: 0 or -EIO. */
int virtio_blk_flush(void);
void virtio_blk_intr(void);

#endif
