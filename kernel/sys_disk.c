/* kernel/sys_disk.c: the disk, for system services only (processes the
 * kernel started from the bootargs service list): ordinary programs get
 * -EPERM. Services put their own format on it (lib/logstore.c). */
#include "drivers/virtio_blk.h"
#include "kernel/kernel.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"

SYSCALL(disk_info)
{
    if (!p->service)
        return -EPERM;
    if (!virtio_blk_present())
        return -ENODEV;
    struct disk_info di = {virtio_blk_sectors(), DISK_SECTOR, (uint32_t)virtio_blk_can_flush()};
    return vm_copyout(&p->as, args[0], &di, sizeof di);
}

static int64_t disk_rw(struct proc *p, int write, const uint64_t *args)
{
    if (!p->service)
        return -EPERM;
    if (args[2] == 0 || args[2] > DISK_MAX_SECTORS)
        return -EINVAL;
    return virtio_blk_rw(&p->as, write, args[0], args[1], (uint32_t)args[2]);
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
