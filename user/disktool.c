/* user/disktool.c: raw access to the node's disk, for tests. The disk
 * system calls serve system services only, so from the shell every command
 * fails with EPERM; started from the boot service list
 * (services=disktool:selftest) it works.
 *   disktool info
 *   disktool selftest        write 64 KiB patterns over sectors 0..1023,
 *                            flush, read back and compare */
#include <stdio.h>
#include <string.h>

#include "user/ulib.h"

static uint8_t buf[DISK_MAX_SECTORS * DISK_SECTOR], back[DISK_MAX_SECTORS * DISK_SECTOR];

static int selftest(void)
{
    for (uint64_t s = 0; s < 1024; s += DISK_MAX_SECTORS) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)(s * 7 + i * 13 + i / 512);
        long rv = syscall3(SYS_DISK_WRITE, s, buf, DISK_MAX_SECTORS);
        if (rv < 0) {
            printf("disktool: write at %lu: %s\n", (unsigned long)s, err_str(rv));
            return 1;
        }
    }
    long rv = syscall0(SYS_DISK_FLUSH);
    if (rv < 0) {
        printf("disktool: flush: %s\n", err_str(rv));
        return 1;
    }
    for (uint64_t s = 0; s < 1024; s += DISK_MAX_SECTORS) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)(s * 7 + i * 13 + i / 512);
        rv = syscall3(SYS_DISK_READ, s, back, DISK_MAX_SECTORS);
        if (rv < 0 || memcmp(buf, back, sizeof buf) != 0) {
            printf("disktool: read back at %lu: %s\n", (unsigned long)s,
                   rv < 0 ? err_str(rv) : "data differs");
            return 1;
        }
    }
    /* Bad arguments get errors, not faults. */
    struct disk_info di;
    syscall1(SYS_DISK_INFO, &di);
    if (syscall3(SYS_DISK_READ, di.sectors, back, 1) != -EINVAL ||
        syscall3(SYS_DISK_READ, 0, back, 0) != -EINVAL ||
        syscall3(SYS_DISK_READ, 0, back, DISK_MAX_SECTORS + 1) != -EINVAL ||
        syscall3(SYS_DISK_READ, 0, 0x80200000UL, 1) != -EFAULT ||
        syscall3(SYS_DISK_WRITE, 0, 0, 1) != -EFAULT) {
        printf("disktool: a bad argument was not refused\n");
        return 1;
    }
    printf("disktool: selftest ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "info") == 0) {
        struct disk_info di;
        long rv = syscall1(SYS_DISK_INFO, &di);
        if (rv < 0) {
            printf("disktool: %s\n", err_str(rv));
            return 1;
        }
        printf("disktool: %lu sectors of %u bytes, flush %s\n", (unsigned long)di.sectors,
               di.sector_size, di.can_flush ? "yes" : "no");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "selftest") == 0)
        return selftest();
    fprintf(stderr, "usage: disktool info|selftest\n");
    return 2;
}
