/* drivers/virtio_net.h: the virtio-net device (one per node). */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H

#include <stdint.h>
#include "lib/fdt.h"

/* Find the first virtio-mmio slot holding a network device and start it:
 * receive buffers posted, interrupts routed. 0, or -ENODEV when the node has
 * no network device (the node then runs without networking). */
int virtio_net_init(const struct fdt_info *fi);
/* Queue one Ethernet frame (without the virtio header) for sending.
 * 0, -EAGAIN when every transmit buffer is in flight, -EMSGSIZE, -ENODEV. */
int virtio_net_send(const uint8_t *frame, uint32_t len);
/* The device's MAC address from its config space. */
void virtio_net_mac(uint8_t mac[6]);
/* The PLIC interrupt number of the device (0 if none). */
uint32_t virtio_net_irq(void);
/* Interrupt: reclaim sent buffers, hand received frames to net_input(). */
void virtio_net_intr(void);

#endif
