/* user/diskdev.c: the block device over the disk system calls
 * (user/diskdev.h). Requests larger than DISK_MAX_SECTORS are split. */
#include "user/diskdev.h"
#include "user/ulib.h"

int diskdev_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
    (void)ctx;
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done > DISK_MAX_SECTORS ? DISK_MAX_SECTORS : count - done;
        if (syscall3(SYS_DISK_READ, sector + done, (char *)buf + (size_t)done * DISK_SECTOR, n))
            return -EIO;
        done += n;
    }
    return 0;
}

int diskdev_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
    (void)ctx;
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done > DISK_MAX_SECTORS ? DISK_MAX_SECTORS : count - done;
        if (syscall3(SYS_DISK_WRITE, sector + done, (const char *)buf + (size_t)done * DISK_SECTOR,
                     n))
            return -EIO;
        done += n;
    }
    return 0;
}

int diskdev_flush(void *ctx)
{
    (void)ctx;
    return syscall0(SYS_DISK_FLUSH) ? -EIO : 0;
}

int diskdev_open(struct blockdev *dev)
{
    struct disk_info di;
    long rv = syscall1(SYS_DISK_INFO, &di);
    if (rv < 0)
        return (int)rv;
    dev->ctx = 0;
    dev->sector_size = di.sector_size;
    dev->nsectors = di.sectors;
    dev->read = diskdev_read;
    dev->write = diskdev_write;
    dev->flush = diskdev_flush;
    return 0;
}
