/* CRC-32 as zlib's crc32() and PNG compute it (IEEE 802.3, reflected
 * polynomial 0xEDB88320, initial and final xor 0xFFFFFFFF): model files end
 * with it, so any zlib or Python binascii.crc32 can check a file. */
#ifndef RL_CRC32_H
#define RL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC of n bytes continued from crc (start with 0): crc32(crc32(0, a), b)
 * equals the CRC of a followed by b. */
uint32_t rl__crc32(uint32_t crc, const void *data, size_t n);

/* The two ways it is computed (exposed for tests): tables, any length; and
 * carry-less multiplication on the inverted state, len >= 64 and a multiple
 * of 16, only where rl__crc32_pclmul_usable(). */
uint32_t rl__crc32_tables(uint32_t crc, const void *data, size_t n);
uint32_t rl__crc32_pclmul(uint32_t state, const unsigned char *buf, size_t len);
int rl__crc32_pclmul_usable(void);

#endif
