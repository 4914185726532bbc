/*
 * test_incarnation.c: the next boot id (libhb/core/hb_incarnation.c). Goal: the
 * id is strictly above both previous ids (statefile slot, local file) and at
 * least the wall clock; it is never 0 and never wraps, and when no such id
 * exists the answer is an error that names the values; the boot-id file's
 * text round-trips and anything else is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hb_incarnation.h"

static uint64_t next_ok(uint64_t slot, uint64_t local, uint64_t wall)
{
	uint64_t id = 0;
	struct hb_err err = {{0}};
	assert_int_equal(hb_incarnation_next(slot, local, wall, &id, &err), 0);
	assert_true(id != 0 && id <= HB_BOOT_ID_MAX);
	assert_true(id > slot && id > local && id >= wall);
	return id;
}

static void test_normal(void **state)
{
	(void)state;
	const uint64_t wall = 1732521600000000u; /* 2024-11-25 in us */
	/* the previous incarnation started a minute ago: the wall clock */
	assert_int_equal(next_ok(wall - 60000000u, wall - 60000000u, wall), wall);
	/* first start ever: nothing before */
	assert_int_equal(next_ok(0, 0, wall), wall);
	/* slot unreadable, local file there; and the other way round */
	assert_int_equal(next_ok(0, wall - 5u, wall), wall);
	assert_int_equal(next_ok(wall - 5u, 0, wall), wall);
}

static void test_wall_clock_behind(void **state)
{
	(void)state;
	const uint64_t prev = 1732521600000000u;
	/* the wall clock was stepped back an hour: previous + 1, whichever
	 * record holds the previous id */
	assert_int_equal(next_ok(prev, 0, prev - 3600000000u), prev + 1u);
	assert_int_equal(next_ok(0, prev, prev - 3600000000u), prev + 1u);
	assert_int_equal(next_ok(prev - 7u, prev, prev - 3600000000u), prev + 1u);
	assert_int_equal(next_ok(prev, prev - 7u, prev - 3600000000u), prev + 1u);
	/* equal to the previous one: still strictly above */
	assert_int_equal(next_ok(prev, prev, prev), prev + 1u);
	/* no wall clock at all */
	assert_int_equal(next_ok(prev, 0, 0), prev + 1u);
}

static void test_zero_everywhere(void **state)
{
	(void)state;
	assert_int_equal(next_ok(0, 0, 0), 1u);
	assert_int_equal(next_ok(0, 0, 1), 1u);
	assert_int_equal(next_ok(1, 0, 0), 2u);
}

static void expect_refused(uint64_t slot, uint64_t local, uint64_t wall, const char *names)
{
	uint64_t id = 12345;
	struct hb_err err = {{0}};
	assert_int_equal(hb_incarnation_next(slot, local, wall, &id, &err), -1);
	assert_int_equal(id, 12345); /* untouched */
	assert_non_null(strstr(err.msg, names));
}

static void test_the_top(void **state)
{
	(void)state;
	/* the last id handed out is HB_BOOT_ID_MAX, after UINT64_MAX - 2 */
	assert_int_equal(next_ok(UINT64_MAX - 2u, 0, 5), HB_BOOT_ID_MAX);
	assert_int_equal(next_ok(0, UINT64_MAX - 2u, 5), HB_BOOT_ID_MAX);
	/* nothing above UINT64_MAX - 1 or UINT64_MAX: refused, naming them */
	expect_refused(UINT64_MAX - 1u, 0, 1732521600000000u, "18446744073709551614");
	expect_refused(UINT64_MAX, 0, 1732521600000000u, "18446744073709551615");
	expect_refused(0, UINT64_MAX, 0, "local boot-id file: 18446744073709551615");
	expect_refused(0, UINT64_MAX - 1u, 0, "local boot-id file: 18446744073709551614");
	expect_refused(UINT64_MAX, UINT64_MAX, UINT64_MAX, "statefile slot: 18446744073709551615");
	/* a wall clock beyond every id */
	expect_refused(0, 0, UINT64_MAX, "wall clock 18446744073709551615");
	assert_int_equal(next_ok(0, 0, HB_BOOT_ID_MAX), HB_BOOT_ID_MAX);
}

static void test_file_text(void **state)
{
	(void)state;
	static const uint64_t ids[] = {1, 9, 10, 1732521600000000u, HB_BOOT_ID_MAX, UINT64_MAX};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		char text[HB_BOOT_ID_TEXT_MAX];
		size_t n = hb_incarnation_format(ids[i], text);
		assert_true(n > 1 && n < HB_BOOT_ID_TEXT_MAX && text[n - 1] == '\n' && text[n] == '\0');
		uint64_t back = 0;
		struct hb_err err;
		assert_int_equal(hb_incarnation_parse(text, n, &back, &err), 0);
		assert_true(back == ids[i]);
		assert_int_equal(hb_incarnation_parse(text, n - 1, &back, &err), 0); /* without the newline */
		assert_true(back == ids[i]);
	}
	static const char *bad[] = {
		"", "\n", "0\n", "0", "012\n", "-1\n", "+1\n", " 1\n", "1 \n", "1\n\n", "12a\n", "0x10\n",
		"18446744073709551616\n", "99999999999999999999\n", "1\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v = 77;
		struct hb_err err = {{0}};
		assert_int_equal(hb_incarnation_parse(bad[i], strlen(bad[i]), &v, &err), -1);
		assert_int_equal(v, 77);
		assert_true(err.msg[0] != '\0');
	}
	/* not NUL-terminated: only len bytes count */
	uint64_t v = 0;
	struct hb_err err;
	assert_int_equal(hb_incarnation_parse("123456", 3, &v, &err), 0);
	assert_int_equal(v, 123);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_wall_clock_behind),
		cmocka_unit_test(test_zero_everywhere),
		cmocka_unit_test(test_the_top),
		cmocka_unit_test(test_file_text),
	};
	return cmocka_run_group_tests_name("incarnation", tests, NULL, NULL);
}
