/* drivers/virtio_blk.h: the node's disk (virtio-blk over virtio-mmio). */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include <stdint.h>
#include "kernel/vm.h"
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
/* Read or write `count` sectors at `sector` straight to or from the user
 * buffer at uva in as (checked here: every page mapped, writable for a
 * read). The caller sleeps until the device is done (never abandoned
 * half-way, even if killed, since the device writes into its pages).
 * 0, -EINVAL (range), -EFAULT, -EIO. */
int virtio_blk_rw(struct addrspace *as, int write, uint64_t sector, uint64_t uva, uint32_t count);
/* The same, into or out of message body bytes [off, off + count * 512) of m
 * (kernel memory: the disk port's requests and replies). */
struct msg;
int virtio_blk_rw_msg(int write, uint64_t sector, struct msg *m, uint32_t off, uint32_t count);
/* Make every completed write durable: 0 or -EIO. */
int virtio_blk_flush(void);
void virtio_blk_intr(void);

#endif
