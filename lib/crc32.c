#include "crc32.h"

#include "crc32_tables.h"

/* Slicing-by-8 (Intel's): eight bytes per step through eight tables, the
 * portable path and the tail of the PCLMULQDQ one (crc32_pclmul.c). The
 * tables were generated once and committed (crc32_tables.h says how);
 * tests/test_io.c checks known CRC values and both paths against each other. */
uint32_t rl__crc32_tables(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    crc = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        /* Bytes are combined explicitly: the same on either byte order. */
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = crc_tables[7][lo & 0xff] ^ crc_tables[6][(lo >> 8) & 0xff] ^
              crc_tables[5][(lo >> 16) & 0xff] ^ crc_tables[4][lo >> 24] ^
              crc_tables[3][p[4]] ^ crc_tables[2][p[5]] ^ crc_tables[1][p[6]] ^
              crc_tables[0][p[7]];
    }
    for (; n > 0; n--, p++)
        crc = (crc >> 8) ^ crc_tables[0][(crc ^ *p) & 0xff];
    return ~crc;
}

uint32_t rl__crc32(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    if (n >= 64 && rl__crc32_pclmul_usable()) {
        size_t chunk = n & ~(size_t)15;
        crc = ~rl__crc32_pclmul(~crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return rl__crc32_tables(crc, p, n);
}
