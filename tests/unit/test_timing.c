/*
 * test_timing.c: the timing model. Goal: the derived values follow the
 * documented formulas, xapi's derivation from T matches xapi's table, every
 * unsafe relation is refused with a message naming the values, and the
 * printed timeline and JSON show the same figures as the struct.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "hb_timing.h"
#include "hb_timing_print.h"

static void derive_ok(const struct hb_timing_params *p, struct hb_timing *t)
{
	struct hb_err err = {{0}};
	int rc = hb_timing_derive(p, t, &err);
	if (rc != 0)
		fail_msg("derive refused: %s", err.msg);
}

/* Derive must refuse p, and the message must contain every needle. */
static void refused(const struct hb_timing_params *p, const char *needle1, const char *needle2)
{
	struct hb_timing t;
	struct hb_err err = {{0}};
	assert_int_equal(hb_timing_derive(p, &t, &err), -1);
	if (!strstr(err.msg, needle1) || (needle2 && !strstr(err.msg, needle2)))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.msg, needle1, needle2 ? needle2 : "");
}

static void test_xhad_defaults(void **state)
{
	(void)state;
	struct hb_timing_params p;
	struct hb_timing t;
	hb_timing_params_default(&p);
	derive_ok(&p, &t);
	assert_int_equal(t.tick_ms, 500);
	assert_int_equal(t.proof_window_ms, 1000);
	/* (T2 - t2) / 3 = (30 - 4) / 3 */
	assert_int_equal(t.sf_io_timeout_ms, 8666);
	assert_int_equal(t.settle_ms, 12500); /* t1 + 2 t2 + tick = 4 + 8 + 0.5 */
	/* F = max(30, 30) + 1 + 5 + 1 s */
	assert_int_equal(t.fence_bound_ms, 37000);
	/* drift: ceil(37000 * 2 * 200e-6) = 15 ms */
	assert_int_equal(t.drift_margin_ms, 15);
	assert_int_equal(t.removal_wait_ms, 37015);
	assert_int_equal(t.fence_flag_bound_ms, 6000);
	assert_int_equal(t.hung_agent_bound_ms, 7000);
	assert_int_equal(t.hung_storage_bound_ms, 37000);
	/* t2 + io + removal + settle + tick = 4 + 8.666 + 37.015 + 12.5 + 0.5 */
	assert_int_equal(t.failover_bound_ms, 62681);
	/* not overdue means access kept: t2 + 2 x io <= T2 */
	assert_true(t.p.sf_interval_ms + 2 * t.sf_io_timeout_ms <= t.p.sf_timeout_ms);
}

static void test_xapi_derivation(void **state)
{
	(void)state;
	static const struct {
		uint32_t T, t1, t2, Ws, boot, W;
	} table[] = {
		{10, 2, 2, 25, 70, 5}, {20, 3, 2, 35, 80, 5}, {30, 3, 2, 45, 90, 5},
		{60, 3, 3, 75, 120, 5}, {120, 3, 6, 135, 180, 5}, {6, 1, 2, 21, 66, 3},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		struct hb_timing_params p;
		struct hb_timing t;
		struct hb_err err = {{0}};
		assert_int_equal(hb_timing_params_from_T(table[i].T, &p, &err), 0);
		assert_int_equal(p.hb_interval_ms, table[i].t1 * 1000);
		assert_int_equal(p.hb_timeout_ms, table[i].T * 1000);
		assert_int_equal(p.sf_interval_ms, table[i].t2 * 1000);
		assert_int_equal(p.sf_timeout_ms, table[i].T * 1000);
		assert_int_equal(p.hb_wd_timeout_ms, table[i].T * 1000);
		assert_int_equal(p.sf_wd_timeout_ms, table[i].Ws * 1000);
		assert_int_equal(p.boot_join_timeout_ms, table[i].boot * 1000);
		assert_int_equal(p.enable_join_timeout_ms, table[i].boot * 1000);
		assert_int_equal(p.watchdog_timeout_ms, table[i].W * 1000);
		assert_int_equal(p.xapi_hc_timeout_ms, 120000);
		derive_ok(&p, &t);
	}
}

static void test_T_out_of_range(void **state)
{
	(void)state;
	struct hb_timing_params p;
	struct hb_err err = {{0}};
	assert_int_equal(hb_timing_params_from_T(3, &p, &err), -1);
	assert_non_null(strstr(err.msg, "T=3"));
	/* no upper limit in xapi: above ours, the message names the largest T */
	assert_int_equal(hb_timing_params_from_T(HB_TIMING_T_MAX_S + 1, &p, &err), -1);
	assert_non_null(strstr(err.msg, "T=500001 s"));
	assert_non_null(strstr(err.msg, "the largest T hbagent supports is 500000 s"));
	assert_int_equal(hb_timing_params_from_T(UINT32_MAX, &p, &err), -1);
	assert_non_null(strstr(err.msg, "the largest T hbagent supports is 500000 s"));
	assert_int_equal(hb_timing_params_from_T(3601, &p, &err), 0);
	assert_int_equal(hb_timing_params_from_T(HB_TIMING_T_MAX_S, &p, &err), 0);
	/* T = 4 derives but is refused: T2 = 4 s < 3 x t2 = 6 s */
	assert_int_equal(hb_timing_params_from_T(4, &p, &err), 0);
	refused(&p, "StateFileTimeout T2=4000 ms", "6000 ms");
	/* HB_TIMING_T_MIN_S (hbctl timeouts -T, the man pages) is the smallest T
	 * accepted: the one below it is refused, it and the next derive */
	assert_int_equal(hb_timing_params_from_T(HB_TIMING_T_MIN_S - 1, &p, &err), 0);
	refused(&p, "StateFileTimeout", "must be at least 3 x StateFileInterval");
	struct hb_timing t;
	assert_int_equal(hb_timing_params_from_T(HB_TIMING_T_MIN_S, &p, &err), 0);
	derive_ok(&p, &t);
}

/* Every T xapi can produce, and the small ones used by scaled test pools,
 * derive safely, and the safety relations hold in each. */
static void test_sweep_T(void **state)
{
	(void)state;
	for (uint32_t T = 6; T <= 3600; T += (T < 120 ? 1 : 37)) {
		struct hb_timing_params p;
		struct hb_timing t;
		assert_int_equal(hb_timing_params_from_T(T, &p, NULL), 0);
		derive_ok(&p, &t);
		uint32_t T12 = p.hb_timeout_ms > p.sf_timeout_ms ? p.hb_timeout_ms : p.sf_timeout_ms;
		assert_true(t.fence_bound_ms >= T12 + t.proof_window_ms + p.watchdog_timeout_ms);
		assert_true((uint64_t)t.removal_wait_ms * 1000000 >= (uint64_t)t.fence_bound_ms * 1000400);
		assert_true(t.hung_agent_bound_ms <= p.hb_wd_timeout_ms);
		assert_true(t.hung_storage_bound_ms <= p.sf_wd_timeout_ms);
		assert_true(t.failover_bound_ms > t.removal_wait_ms);
		assert_true(t.failover_typical_ms <= t.isolation_bound_ms);
		assert_true(t.flag_wait_ms == t.fence_flag_bound_ms + t.sf_cycle_ms + t.proof_window_ms);
		/* xapi's Tboot = T + 60 covers the removal wait up to T ~ 220 s */
		if (T <= 220)
			assert_false(t.warnings & HB_TW_BOOT_JOIN_SHORT);
	}
}

static void base(struct hb_timing_params *p) { hb_timing_params_default(p); }

/* A host that died while its slot still looks fresh (a slow write landing
 * late) stays a rule-1 candidate up to T2 + t2 + 2 I/O deadlines after its
 * death; its view (it hears me) disagrees with mine (I no longer hear it)
 * from T1 on. The settle time of inconsistent views covers the difference,
 * else the healthy host of a two-host pool fences (t1 = 1 s, T1 = 3 s,
 * t2 = 4 s, T2 = 30 s: timing-freeze-slow-write.sc). */
static void test_settle_inconsistent_covers_dead_fresh_slot(void **state)
{
	(void)state;
	struct hb_timing_params p;
	struct hb_timing t;
	assert_int_equal(hb_timing_params_from_T(30, &p, NULL), 0);
	p.hb_interval_ms = 1000;
	p.hb_timeout_ms = 3000;
	p.sf_interval_ms = 4000;
	p.sf_timeout_ms = 30000;
	derive_ok(&p, &t);
	assert_int_equal(t.sf_io_timeout_ms, 8666);
	assert_int_equal(t.settle_inconsistent_ms, 30000 + 4000 + 2 * 8666 + 500 - 3000);
	/* xapi's derivation: T1 = T2, unchanged */
	for (uint32_t T = 10; T <= 600; T += 10) {
		assert_int_equal(hb_timing_params_from_T(T, &p, NULL), 0);
		derive_ok(&p, &t);
		uint64_t dead_fresh = (uint64_t)p.sf_timeout_ms + p.sf_interval_ms + 2u * t.sf_io_timeout_ms + t.tick_ms;
		assert_true(t.settle_inconsistent_ms + (uint64_t)p.hb_timeout_ms >= dead_fresh);
		assert_int_equal(t.settle_inconsistent_ms, T * 1000);
	}
}

static void test_refuse_hb_timeout_vs_interval(void **state)
{
	(void)state;
	struct hb_timing_params p;
	base(&p);
	p.hb_interval_ms = 11000;
	refused(&p, "HeartbeatTimeout T1=30000 ms", "HeartbeatInterval t1=11000 ms");
}

static void test_refuse_sf_timeout_vs_interval(void **state)
{
	(void)state;
	struct hb_timing_params p;
	base(&p);
	p.sf_timeout_ms = 10000;
	p.sf_interval_ms = 4000;
	refused(&p, "StateFileTimeout T2=10000 ms", "StateFileInterval t2=4000 ms");
}

static void test_refuse_short_watchdog(void **state)
{
	(void)state;
	struct hb_timing_params p;
	base(&p);
	p.watchdog_timeout_ms = 1000;
	refused(&p, "WatchdogTimeout W=1000 ms", "at least 2 s");
	p.watchdog_timeout_ms = 2500;
	refused(&p, "W=2500 ms", "whole number of seconds");
}

static void test_refuse_wh(void **state)
{
	(void)state;
	struct hb_timing_params p;
	base(&p);
	p.hb_wd_timeout_ms = 6000; /* hung agent lives P + W + slack = 7 s */
	refused(&p, "HeartbeatWatchdogTimeout Wh=6000 ms", "= 7000 ms");
}

static void test_refuse_ws(void **state)
{
	(void)state;
	struct hb_timing_params p;
	base(&p);
	p.sf_wd_timeout_ms = 36000; /* T2 + P + W + slack = 37 s */
	refused(&p, "StateFileWatchdogTimeout Ws=36000 ms", "= 37000 ms");
}

/* Join timeouts are liveness: short ones derive, with a warning. */
static void test_warn_join_timeouts(void **state)
{
	(void)state;
	struct hb_timing_params p;
	struct hb_timing t;
	char text[256];
	assert_int_equal(hb_timing_params_from_T(60, &p, NULL), 0);
	derive_ok(&p, &t);
	assert_int_equal(t.warnings, 0); /* xapi's default T = 60 is warning-free */
	p.boot_join_timeout_ms = 40000; /* removal wait 68.028 s + 2 x settle */
	p.enable_join_timeout_ms = 20000;
	derive_ok(&p, &t);
	assert_int_equal(t.warnings, HB_TW_BOOT_JOIN_SHORT | HB_TW_ENABLE_JOIN_SHORT);
	hb_timing_warning_text(&t, HB_TW_BOOT_JOIN_SHORT, text, sizeof text);
	assert_non_null(strstr(text, "BootJoinTimeout 40000 ms"));
	assert_string_equal(hb_timing_warning_name(HB_TW_ENABLE_JOIN_SHORT), "enable_join_timeout_short");
	/* T = 10: the I/O deadline is (10 - 2) / 3 = 2.666 s, shorter than a multipath failover */
	assert_int_equal(hb_timing_params_from_T(10, &p, NULL), 0);
	derive_ok(&p, &t);
	assert_true(t.warnings & HB_TW_IO_DEADLINE_SHORT);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	hb_timing_print(&t, f);
	fclose(f);
	assert_non_null(strstr(buf, "statefile I/O deadline 2666 ms is short"));
	free(buf);
}

static void test_refuse_limits(void **state)
{
	(void)state;
	struct hb_timing_params p;
	base(&p);
	p.hb_interval_ms = 50;
	refused(&p, "t1=50 ms", "at least 100 ms");
	base(&p);
	p.sf_timeout_ms = 4000000; /* 4000 s: fine since the limit is the largest T */
	p.sf_wd_timeout_ms = 4100000;
	struct hb_timing t;
	derive_ok(&p, &t);
	p.sf_timeout_ms = (HB_TIMING_T_MAX_S + 1u) * 1000u;
	p.sf_wd_timeout_ms = (HB_TIMING_T_MAX_S + 100u) * 1000u;
	refused(&p, "above its limit", "T1 and T2 at most 500000 s, the largest HA timeout T");
	base(&p);
	p.boot_join_timeout_ms = (HB_TIMING_LONG_MAX_S + 1u) * 1000u;
	refused(&p, "above its limit", "BootJoinTimeout and EnableJoinTimeout at most 503600 s");
}

/* Every HA timeout xapi accepts (T >= 10, no upper limit) up to the largest
 * T supported derives, with every bound consistent: t2 is xapi's T / 20 up
 * to 60 s and capped there (from T = 1220 on, where xhad.conf used to be
 * refused), no sum wraps, and the bounds grow with T. Below T = 1220
 * nothing differs from the uncapped derivation. */
static void test_sweep_large_T(void **state)
{
	(void)state;
	struct hb_timing prev = {0};
	uint32_t step = 1;
	for (uint64_t T = 10; T <= HB_TIMING_T_MAX_S; T += step) {
		if (T >= 1000)
			step = T < 10000 ? 7 : (T < 100000 ? 997 : 9973);
		struct hb_timing_params p;
		struct hb_timing t;
		assert_int_equal(hb_timing_params_from_T((uint32_t)T, &p, NULL), 0);
		derive_ok(&p, &t);
		uint32_t xapi_t2 = (uint32_t)(T / 20 > 2 ? T / 20 : 2) * 1000u;
		assert_int_equal(p.sf_interval_ms, xapi_t2); /* xapi's value, as xhad.conf has it */
		assert_int_equal(t.sf_interval_configured_ms, xapi_t2);
		assert_int_equal(t.p.sf_interval_ms, xapi_t2 < 60000 ? xapi_t2 : 60000);
		if (T < 1220)
			assert_int_equal(t.p.sf_interval_ms, xapi_t2);
		/* the safety relations */
		assert_true(t.p.sf_timeout_ms >= 3u * t.p.sf_interval_ms);
		assert_true(t.p.sf_interval_ms + 2u * t.sf_io_timeout_ms <= t.p.sf_timeout_ms);
		assert_true(t.hung_agent_bound_ms <= p.hb_wd_timeout_ms);
		assert_true(t.hung_storage_bound_ms <= p.sf_wd_timeout_ms);
		assert_true((uint64_t)t.fence_bound_ms >= T * 1000u + t.proof_window_ms + p.watchdog_timeout_ms);
		assert_true((uint64_t)t.removal_wait_ms * 1000000 >= (uint64_t)t.fence_bound_ms * 1000400);
		/* no wrap: the longest bounds exceed their parts, and grow with T */
		assert_true(t.isolation_bound_ms > 2u * t.p.hb_timeout_ms);
		assert_true(t.agreement_bound_ms > t.isolation_bound_ms && t.agreement_bound_ms > t.failover_bound_ms);
		if (T >= 10000)
			assert_true(t.agreement_bound_ms < 4u * (uint64_t)t.p.hb_timeout_ms);
		if (prev.tick_ms != 0) {
			assert_true(t.fence_bound_ms > prev.fence_bound_ms);
			assert_true(t.failover_bound_ms > prev.failover_bound_ms);
			assert_true(t.agreement_bound_ms > prev.agreement_bound_ms);
		}
		prev = t;
	}
	/* the capped value is what hbctl timeouts shows, with the configured one */
	struct hb_timing_params p;
	struct hb_timing t;
	assert_int_equal(hb_timing_params_from_T(100000, &p, NULL), 0);
	derive_ok(&p, &t);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	hb_timing_print(&t, f);
	fclose(f);
	if (!strstr(buf, "statefile interval t2                  60.000 s") ||
	    !strstr(buf, "(StateFileInterval 5000.000 s is used as 60.000 s: t2 is capped at 60 s)"))
		fail_msg("no capped t2 in:\n%s", buf);
	free(buf);
	json_object *obj = hb_timing_to_json(&t), *section, *value;
	assert_true(json_object_object_get_ex(obj, "configured", &section));
	assert_true(json_object_object_get_ex(section, "statefile_interval_ms", &value));
	assert_int_equal(json_object_get_int64(value), 60000);
	assert_true(json_object_object_get_ex(section, "statefile_interval_as_configured_ms", &value));
	assert_int_equal(json_object_get_int64(value), 5000000);
	json_object_put(obj);
}

static char *print_to_string(const struct hb_timing *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	hb_timing_print(t, f);
	fclose(f);
	return buf;
}

static void test_print_matches_struct(void **state)
{
	(void)state;
	struct hb_timing_params p;
	struct hb_timing t;
	assert_int_equal(hb_timing_params_from_T(30, &p, NULL), 0);
	derive_ok(&p, &t);
	char *text = print_to_string(&t);
	char line[128];
	snprintf(line, sizeof line, "fence bound F                    %8u.%03u s", t.fence_bound_ms / 1000,
	         t.fence_bound_ms % 1000);
	if (!strstr(text, line))
		fail_msg("no \"%s\" in:\n%s", line, text);
	snprintf(line, sizeof line, "%+9.3f s  every survivor publishes", t.failover_bound_ms / 1000.0);
	if (!strstr(text, line))
		fail_msg("no \"%s\" in:\n%s", line, text);
	assert_non_null(strstr(text, "host H isolated from the network"));
	free(text);
}

static void test_json_matches_struct(void **state)
{
	(void)state;
	struct hb_timing_params p;
	struct hb_timing t;
	assert_int_equal(hb_timing_params_from_T(60, &p, NULL), 0);
	derive_ok(&p, &t);
	json_object *obj = hb_timing_to_json(&t), *section, *value;
	assert_true(json_object_object_get_ex(obj, "derived", &section));
	assert_true(json_object_object_get_ex(section, "removal_wait_ms", &value));
	assert_int_equal(json_object_get_int64(value), t.removal_wait_ms);
	assert_true(json_object_object_get_ex(obj, "bounds", &section));
	assert_true(json_object_object_get_ex(section, "failover_bound_ms", &value));
	assert_int_equal(json_object_get_int64(value), t.failover_bound_ms);
	assert_true(json_object_object_get_ex(obj, "configured", &section));
	assert_true(json_object_object_get_ex(section, "heartbeat_timeout_ms", &value));
	assert_int_equal(json_object_get_int64(value), 60000);
	json_object_put(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xhad_defaults),
		cmocka_unit_test(test_xapi_derivation),
		cmocka_unit_test(test_T_out_of_range),
		cmocka_unit_test(test_sweep_T),
		cmocka_unit_test(test_sweep_large_T),
		cmocka_unit_test(test_settle_inconsistent_covers_dead_fresh_slot),
		cmocka_unit_test(test_refuse_hb_timeout_vs_interval),
		cmocka_unit_test(test_refuse_sf_timeout_vs_interval),
		cmocka_unit_test(test_refuse_short_watchdog),
		cmocka_unit_test(test_refuse_wh),
		cmocka_unit_test(test_refuse_ws),
		cmocka_unit_test(test_warn_join_timeouts),
		cmocka_unit_test(test_refuse_limits),
		cmocka_unit_test(test_print_matches_struct),
		cmocka_unit_test(test_json_matches_struct),
	};
	return cmocka_run_group_tests_name("timing", tests, NULL, NULL);
}
