/* kernel/ramdisk.c: lookups in the ramdisk linked in by kernel/ramdisk.S. */
#include "kernel/ramdisk.h"
#include "lib/errno.h"
#include "lib/ramdisk.h"

extern const char ramdisk_start[], ramdisk_end[];

int ramdisk_lookup(const char *path, const void **data, uint64_t *len)
{
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    if (*base == 0)
        return -ENOENT;
    return ramdisk_find(ramdisk_start, (uint64_t)(ramdisk_end - ramdisk_start), base, data, len);
}

int ramdisk_count(void)
{
    const char *name;
    int n = 0;
    while (ramdisk_name_at(ramdisk_start, (uint64_t)(ramdisk_end - ramdisk_start), n, &name) == 0)
        n++;
    return n;
}
