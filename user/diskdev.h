/* user/diskdev.h: this node's disk as a struct blockdev (lib/logstore.h),
 * over the disk system calls, for boot services (the only processes the
 * kernel lets use them: docs/storage.md). */
#ifndef USER_DISKDEV_H
#define USER_DISKDEV_H

#include "lib/logstore.h"

/* Fill dev with the disk's size and the three operations. 0 or -errno (no
 * disk, or the caller is not a boot service). */
int diskdev_open(struct blockdev *dev);

/* The operations themselves (ctx unused), for callers that mix them. */
int diskdev_read(void *ctx, uint64_t sector, void *buf, uint32_t count);
int diskdev_write(void *ctx, uint64_t sector, const void *buf, uint32_t count);
int diskdev_flush(void *ctx);

#endif
