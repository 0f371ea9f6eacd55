/* lib/ramdisk.c: validation and lookup in the program archive (format in
 * lib/ramdisk.h). The archive is small (tens of entries), so every call simply
 * re-validates all of it before answering. */
#include "lib/ramdisk.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/errno.h"

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static const uint8_t *entry(const uint8_t *a, uint64_t i)
{
    return a + RAMDISK_HDR_SIZE + i * RAMDISK_ENTRY_SIZE;
}

/* Is the name field of entry e well formed: 1..31 chars, no '/', NUL, zeros? */
static bool name_ok(const uint8_t *e)
{
    int n = 0;
    while (n < RAMDISK_NAME_MAX && e[n] != 0) {
        if (e[n] == '/')
            return false;
        n++;
    }
    if (n == 0 || n == RAMDISK_NAME_MAX)
        return false;
    for (int i = n; i < RAMDISK_NAME_MAX; i++)
        if (e[i] != 0)
            return false;
    return true;
}

static bool name_eq(const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < RAMDISK_NAME_MAX; i++) {
        if (a[i] != b[i])
            return false;
        if (a[i] == 0)
            return true;
    }
    return true;
}

int ramdisk_check(const void *archive, uint64_t len)
{
    const uint8_t *a = archive;
    if (!a || len < RAMDISK_HDR_SIZE)
        return -EINVAL;
    if (a[0] != 'R' || a[1] != 'D' || a[2] != 'S' || a[3] != 'K')
        return -EINVAL;
    uint64_t version = le(a + 4, 4), count = le(a + 8, 4), reserved = le(a + 12, 4);
    if (version != RAMDISK_VERSION || reserved != 0 || count > RAMDISK_MAX_ENTRIES)
        return -EINVAL;
    uint64_t table_end = RAMDISK_HDR_SIZE + count * RAMDISK_ENTRY_SIZE;
    if (table_end > len)
        return -EINVAL;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *e = entry(a, i);
        uint64_t off = le(e + 32, 8), size = le(e + 40, 8);
        if (!name_ok(e))
            return -EINVAL;
        if (off % 8 != 0 || off < table_end || off > len || size > len - off)
            return -EINVAL;
        for (uint64_t j = 0; j < i; j++)
            if (name_eq(e, entry(a, j)))
                return -EINVAL; /* duplicate name */
    }
    return (int)count;
}

int ramdisk_find(const void *archive, uint64_t len, const char *name, const void **data,
                 uint64_t *size)
{
    int count = ramdisk_check(archive, len);
    if (count < 0)
        return count;
    if (!name)
        return -ENOENT;
    const uint8_t *a = archive;
    for (int i = 0; i < count; i++) {
        const uint8_t *e = entry(a, (uint64_t)i);
        int k = 0;
        while (k < RAMDISK_NAME_MAX && e[k] != 0 && (uint8_t)name[k] == e[k])
            k++;
        if (k < RAMDISK_NAME_MAX && e[k] == 0 && name[k] == '\0') {
            *data = a + le(e + 32, 8);
            *size = le(e + 40, 8);
            return 0;
        }
    }
    return -ENOENT;
}

int ramdisk_name_at(const void *archive, uint64_t len, int index, const char **name)
{
    int count = ramdisk_check(archive, len);
    if (count < 0)
        return count;
    if (index < 0 || index >= count)
        return -ENOENT;
    *name = (const char *)entry(archive, (uint64_t)index);
    return 0;
}
