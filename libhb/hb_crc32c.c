/*
 * hb_crc32c.c: CRC-32C, table-driven (one 1 KiB table built on first use).
 * Statefile blocks are 4 KiB and read a few times a second, so a byte-wise
 * table is plenty; no library on the target (zlib, libcrypto) provides the
 * Castagnoli polynomial.
 */
#include "hb_crc32c.h"

#include <pthread.h>

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t hb_crc32c(const void *data, size_t len)
{
	pthread_once(&crc_once, crc_table_build);
	const uint8_t *p = data;
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < len; i++)
		c = crc_table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}
