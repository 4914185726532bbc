/*
 * hb_crc32c.h: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of every statefile block. crc32c("123456789") == 0xE3069283.
 */
#ifndef HB_CRC32C_H
#define HB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t hb_crc32c(const void *data, size_t len);
/* The same, always with the byte-wise table (the tests compare the two). */
uint32_t hb_crc32c_table(const void *data, size_t len);

#endif
