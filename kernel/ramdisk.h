/* kernel/ramdisk.h: the programs linked into the boot image (format in
 * lib/ramdisk.h, packed by tools/mkramdisk.py). */
#ifndef KERNEL_RAMDISK_H
#define KERNEL_RAMDISK_H

#include <stdint.h>

/* Find program `path` ("sh" or "/bin/sh": the directory is ignored).
 * Returns 0, -ENOENT, or -EINVAL if the archive is malformed. */
int ramdisk_lookup(const char *path, const void **data, uint64_t *len);
/* Number of programs, checked at boot. */
int ramdisk_count(void);

#endif
