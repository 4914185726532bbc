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
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_vectors)};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
