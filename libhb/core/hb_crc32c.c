/*
 * hb_crc32c.c: CRC-32C (Castagnoli). On x86-64 CPUs with SSE4.2 the crc32
 * instruction computes exactly this polynomial, 8 bytes at a time; elsewhere
 * a byte-wise table (1 KiB, built before main by a constructor, so that
 * the core needs no thread library). No library on the target
 * (zlib, libcrypto) provides the Castagnoli polynomial. Every read batch
 * checks up to 64 slots of 4 KiB, and the simulator runs thousands of them
 * per second, so the fast path matters.
 */
#include "hb_crc32c.h"

#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define HB_CRC_HW 1
#endif

static uint32_t crc_table[256];
static bool crc_hw;
/* Runs once, before main (and before any thread): the table and the CPU
 * test are read-only afterwards. */
__attribute__((constructor)) static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
#ifdef HB_CRC_HW
	__builtin_cpu_init();
	crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc_sw(uint32_t c, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		c = crc_table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
	return c;
}

#ifdef HB_CRC_HW
__attribute__((target("sse4.2"))) static uint32_t crc_sse42(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64 = c;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, sizeof v);
		c64 = _mm_crc32_u64(c64, v);
	}
	c = (uint32_t)c64;
	for (; len > 0; p++, len--)
		c = _mm_crc32_u8(c, *p);
	return c;
}
#endif

uint32_t hb_crc32c(const void *data, size_t len)
{
#ifdef HB_CRC_HW
	if (crc_hw)
		return crc_sse42(0xFFFFFFFFu, data, len) ^ 0xFFFFFFFFu;
#endif
	return crc_sw(0xFFFFFFFFu, data, len) ^ 0xFFFFFFFFu;
}

uint32_t hb_crc32c_table(const void *data, size_t len)
{
	return crc_sw(0xFFFFFFFFu, data, len) ^ 0xFFFFFFFFu;
}
