/* lib/ramdisk.h: the archive of user programs linked into the kernel image
 * (built by tools/mkramdisk.py, linked by kernel/ramdisk.S).
 *
 * Format, all integers little endian, offsets from the archive's first byte:
 *
 *   header (16 bytes)
 *     0  char[4]  magic "RDSK"
 *     4  u32      version, RAMDISK_VERSION (1)
 *     8  u32      count: number of entries, 0..RAMDISK_MAX_ENTRIES
 *     12 u32      reserved, 0
 *   entry table (count x 48 bytes), from offset 16
 *     0  char[32] name: 1..31 bytes, NUL-terminated, zero-padded; no '/'
 *     32 u64      offset of the file's data, a multiple of 8, at or after
 *                 the end of the entry table
 *     40 u64      size of the file's data in bytes
 *   file data, each starting 8-byte aligned; offset + size <= archive length
 *
 * Names are unique. Every accessor validates the whole archive first (header,
 * every entry) and returns -EINVAL if anything is off, so a damaged image never
 * yields a pointer outside it. The archive itself needs no alignment; data
 * pointers are 8-aligned relative to it (the kernel links it 8-aligned).
 *
 * Freestanding: only our headers and <stdint.h>. */
#ifndef LIB_RAMDISK_H
#define LIB_RAMDISK_H

#include <stdint.h>

#define RAMDISK_MAGIC "RDSK"
#define RAMDISK_VERSION 1
#define RAMDISK_HDR_SIZE 16
#define RAMDISK_ENTRY_SIZE 48
#define RAMDISK_NAME_MAX 32 /* including the NUL */
#define RAMDISK_MAX_ENTRIES 256

/* Checks the whole archive archive[0..len). Returns the entry count (>= 0) or
 * -EINVAL if it is malformed. */
int ramdisk_check(const void *archive, uint64_t len);

/* Looks up `name` (exact match) in the archive. On success sets *data to the
 * file's first byte (inside the archive) and *size to its length, returns 0.
 * Returns -ENOENT if no entry has that name (or name is NULL/empty/too long),
 * -EINVAL if the archive is malformed. */
int ramdisk_find(const void *archive, uint64_t len, const char *name, const void **data,
                 uint64_t *size);

/* Sets *name to the NUL-terminated name of entry `index` (a pointer into the
 * archive), for listing. Returns 0, -ENOENT if index is not in [0, count),
 * -EINVAL if the archive is malformed. */
int ramdisk_name_at(const void *archive, uint64_t len, int index, const char **name);

#endif
