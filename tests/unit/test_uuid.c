/*
 * test_uuid.c: UUID parsing and formatting. Goal: both xapi's dashed form
 * and xhad's undashed form parse, in any case, to the same bytes; anything
 * else is refused; byte order equals sorted-text order (host indices).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hb_uuid.h"

static void test_forms(void **state)
{
	(void)state;
	hb_uuid a, b, c;
	char text[HB_UUID_STR_LEN];
	assert_true(hb_uuid_parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", &a));
	assert_true(hb_uuid_parse("0F1E2D3C4B5A69788796A5B4C3D2E1F0", &b));
	assert_true(hb_uuid_parse("0f1e2d3c4b5a69788796a5b4c3d2e1f0", &c));
	assert_int_equal(hb_uuid_cmp(&a, &b), 0);
	assert_int_equal(hb_uuid_cmp(&a, &c), 0);
	assert_int_equal(a.b[0], 0x0f);
	assert_int_equal(a.b[15], 0xf0);
	assert_string_equal(hb_uuid_format(&b, text), "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	assert_false(hb_uuid_is_nil(&a));
	assert_true(hb_uuid_parse("00000000-0000-0000-0000-000000000000", &a));
	assert_true(hb_uuid_is_nil(&a));
}

static void test_refused(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", "0f1e2d3c", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00",
		"0f1e2d3c-4b5a-6978-8796a-5b4c3d2e1f0", "0f1e2d3c 4b5a 6978 8796 a5b4c3d2e1f0",
		"gf1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", " 0f1e2d3c4b5a69788796a5b4c3d2e1f", "0f1e2d3c4b5a69788796a5b4c3d2e1f0-",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hb_uuid u;
		if (hb_uuid_parse(bad[i], &u))
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void test_order(void **state)
{
	(void)state;
	hb_uuid lo, hi;
	assert_true(hb_uuid_parse("9fffffff-ffff-ffff-ffff-ffffffffffff", &lo));
	assert_true(hb_uuid_parse("a0000000-0000-0000-0000-000000000000", &hi));
	assert_true(hb_uuid_cmp(&lo, &hi) < 0);
	assert_true(strcmp("9fffffff", "a0000000") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests_name("uuid", tests, NULL, NULL);
}
