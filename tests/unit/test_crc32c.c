/*
 * test_crc32c.c: CRC-32C against the published check values (RFC 3720
 * appendix B.4), so the statefile checksum is the standard Castagnoli CRC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hb_crc32c.h"

static void test_vectors(void **state)
{
	(void)state;
	uint8_t buf[32];
	assert_int_equal(hb_crc32c("123456789", 9), 0xE3069283u);
	memset(buf, 0, sizeof buf);
	assert_int_equal(hb_crc32c(buf, sizeof buf), 0x8A9136AAu);
	memset(buf, 0xff, sizeof buf);
	assert_int_equal(hb_crc32c(buf, sizeof buf), 0x62A8AB43u);
	for (unsigned i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(hb_crc32c(buf, sizeof buf), 0x46DD794Eu);
	assert_int_equal(hb_crc32c(buf, 0), 0);
	assert_int_equal(hb_crc32c_table("123456789", 9), 0xE3069283u);
}

/* The fast path (SSE4.2 where the CPU has it) and the table agree on every
 * length and alignment, a whole statefile block included. */
static void test_fast_equals_table(void **state)
{
	(void)state;
	static uint8_t buf[4096 + 16];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len < 80; len++)
			assert_int_equal(hb_crc32c(buf + off, len), hb_crc32c_table(buf + off, len));
	assert_int_equal(hb_crc32c(buf + 3, 4096), hb_crc32c_table(buf + 3, 4096));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_vectors), cmocka_unit_test(test_fast_equals_table)};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
