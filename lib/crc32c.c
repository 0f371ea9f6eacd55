/* lib/crc32c.c: CRC-32C, table-driven (one 1 KiB table, built at compile time
 * so the code needs no init call and no writable data). */
#include "lib/crc32c.h"

#define P 0x82F63B78u
#define B1(c) (((c)&1) ? ((c) >> 1) ^ P : (c) >> 1)
#define B2(c) B1(B1(c))
#define B4(c) B2(B2(c))
#define B8(c) B4(B4(c))
#define R1(i) B8((uint32_t)(i))
#define R4(i) R1(i), R1((i) + 1), R1((i) + 2), R1((i) + 3)
#define R16(i) R4(i), R4((i) + 4), R4((i) + 8), R4((i) + 12)
#define R64(i) R16(i), R16((i) + 16), R16((i) + 32), R16((i) + 48)

static const uint32_t crc32c_table[256] = {R64(0), R64(64), R64(128), R64(192)};

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    crc = ~crc;
    while (len--)
        crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t crc32c(const void *buf, size_t len) { return crc32c_update(0, buf, len); }
