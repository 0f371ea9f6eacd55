/* lib/crc32c.h: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of the on-disk log store (docs/storage.md) and of anything else that
 * wants a strong 32-bit check. Same algorithm as iSCSI (RFC 3720 B.4), ext4 and
 * the SSE4.2 crc32 instruction; table-driven, byte at a time.
 *
 * Freestanding: only <stdint.h>/<stddef.h>. */
#ifndef LIB_CRC32C_H
#define LIB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of buf[0..len): crc32c("123456789", 9) == 0xE3069283. */
uint32_t crc32c(const void *buf, size_t len);

/* Continues a CRC: crc32c_update(crc32c(a, n), b, m) == crc32c(a ++ b, n + m).
 * Start a fresh running CRC with crc = 0. */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);

#endif
