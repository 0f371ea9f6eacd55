/* kernel/sys_disk.c: the disk, for system services only (processes the
 * kernel started from the bootargs service list): ordinary programs get
 * -EPERM. Services put their own format on it (lib/logstore.c). */
#include "drivers/virtio_blk.h"
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/vm.h"

SYSCALL(disk_info)
{
    if (!p->service)
        return -EPERM;
    if (!virtio_blk_present())
        return -ENODEV;
    struct disk_info di = {virtio_blk_sectors(), DISK_SECTOR, (uint32_t)virtio_blk_can_flush()};
    return vm_copyout(&p->as, args[0], &di, sizeof di);
}

/* disk_read/disk_write(sector, buf, count): straight to or from the
 * caller's pages, checked here (every page mapped, writable for a read),
 * the range first as before. */
static int64_t disk_rw(struct proc *p, int write, const uint64_t *args)
{
    if (!p->service)
        return -EPERM;
    if (args[2] == 0 || args[2] > DISK_MAX_SECTORS)
        return -EINVAL;
    uint64_t sector = args[0], uva = args[1];
    uint32_t count = (uint32_t)args[2];
    int rv = virtio_blk_check(sector, count);
    if (rv)
        return rv;
    uint64_t bytes = (uint64_t)count * BLK_SECTOR;
    if (vm_check_user(&p->as, uva, bytes, !write))
        return -EFAULT;
    struct blk_seg segs[BLK_MAX_SEGS];
    int n = 0;
    for (uint64_t off = 0; off < bytes;) {
        uint64_t a = uva + off;
        uint64_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
        if (chunk > bytes - off)
            chunk = bytes - off;
        segs[n++] = (struct blk_seg){vm_user_pa(&p->as, a), (uint32_t)chunk};
        off += chunk;
    }
    return virtio_blk_rw(write, sector, count, segs, n);
}

SYSCALL(disk_read) { return disk_rw(p, 0, args); }
SYSCALL(disk_write) { return disk_rw(p, 1, args); }

SYSCALL(disk_flush)
{
    if (!p->service)
        return -EPERM;
    return virtio_blk_flush();
}

SYSCALL(service) { return p->service; }
