/*
 * test_clock.c: the decision clock (libhb/io/hb_clock.c). Goal: fed with fake
 * readings of CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME and CLOCK_MONOTONIC, the
 * clock is the raw clock when nothing is suspended, moves on by exactly the
 * length of a suspend (a resumed host sees its inputs as stale as after a
 * freeze of the same length), is not moved by NTP slewing MONOTONIC and
 * BOOTTIME alike, nor by microseconds of jitter between the BOOTTIME and
 * MONOTONIC reads, and never decreases; the process's clock follows
 * CLOCK_MONOTONIC_RAW and never decreases, in any thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <cmocka.h>

#include "hb_clock.h"

#define MS 1000000LL /* ns */
#define US 1000LL    /* ns */

/* A fake host: raw and mono tick together unless slewed; boot = mono + off,
 * and off grows only by a suspend. */
struct host {
	int64_t raw, mono, off;
};

static struct host host_new(void)
{
	/* arbitrary, distinct origins: the three clocks never agree */
	return (struct host){.raw = 1000 * MS + 17, .mono = 2000 * MS + 5, .off = 3 * MS};
}

/* Elapsed time ns: raw counts ns, mono counts ns * slew_ppm (1e6 = exact). */
static void run(struct host *h, int64_t ns, int64_t slew_ppm)
{
	h->raw += ns;
	h->mono += ns * slew_ppm / 1000000;
}

static void suspend(struct host *h, int64_t ns)
{
	h->off += ns; /* raw and mono stand still, boot runs on */
}

/* A reading; jitter_ns is the delay between the BOOTTIME and MONOTONIC reads
 * (mono read later), or any read noise (either sign). */
static struct hb_clock_reading reading(const struct host *h, int64_t jitter_ns)
{
	return (struct hb_clock_reading){.raw_ns = h->raw, .boot_ns = h->mono + h->off - jitter_ns, .mono_ns = h->mono};
}

static hb_mono_ms at(struct hb_clock *c, const struct host *h, int64_t jitter_ns, int64_t *susp)
{
	struct hb_clock_reading r = reading(h, jitter_ns);
	return hb_clock_combine(c, &r, susp);
}

static void test_no_suspend_is_raw(void **state)
{
	(void)state;
	struct host h = host_new();
	struct hb_clock c;
	struct hb_clock_reading r0 = reading(&h, 0);
	hb_clock_start(&c, &r0);
	for (int i = 0; i < 2000; i++) {
		int64_t susp = -1;
		assert_int_equal(at(&c, &h, 0, &susp), h.raw / MS);
		assert_int_equal(susp, 0);
		run(&h, 1234567, 1000000);
	}
	assert_int_equal(hb_clock_suspended(&c), 0);
}

static void test_suspend_adds_its_length(void **state)
{
	(void)state;
	struct host h = host_new(), frozen;
	struct hb_clock c, cf;
	struct hb_clock_reading r0 = reading(&h, 0);
	hb_clock_start(&c, &r0);
	hb_clock_start(&cf, &r0);
	run(&h, 250 * MS, 1000000);
	frozen = h;
	hb_mono_ms before = at(&c, &h, 0, NULL);
	(void)at(&cf, &frozen, 0, NULL);

	int64_t susp = -1;
	suspend(&h, 5000 * MS);
	assert_int_equal(at(&c, &h, 0, &susp), before + 5000);
	assert_int_equal(susp, 5000);
	assert_int_equal(hb_clock_suspended(&c), 5000);
	/* the same as a freeze (the process not scheduled) of the same length */
	run(&frozen, 5000 * MS, 1000000);
	assert_int_equal(at(&cf, &frozen, 0, NULL), before + 5000);

	/* reported once; the clock then runs on from there */
	run(&h, 10 * MS, 1000000);
	assert_int_equal(at(&c, &h, 0, &susp), before + 5010);
	assert_int_equal(susp, 0);

	/* a second suspend adds up */
	suspend(&h, 1234 * MS);
	assert_int_equal(at(&c, &h, 0, &susp), before + 5010 + 1234);
	assert_int_equal(susp, 1234);
	assert_int_equal(hb_clock_suspended(&c), 6234);
	assert_int_equal(at(&c, &h, 0, NULL), (h.raw + 6234 * MS) / MS);
}

/* A reading delayed between its BOOTTIME and MONOTONIC reads (preempted)
 * shows less suspended than the truth: no false suspend, and the first
 * reading after a resume being delayed takes nothing back. */
static void test_delayed_read_after_resume(void **state)
{
	(void)state;
	struct host h = host_new();
	struct hb_clock c;
	struct hb_clock_reading r0 = reading(&h, 0);
	hb_clock_start(&c, &r0);
	int64_t susp;
	run(&h, 100 * MS, 1000000);
	assert_int_equal(at(&c, &h, 40 * MS, &susp), h.raw / MS); /* preempted 40 ms: not a suspend */
	assert_int_equal(susp, 0);
	suspend(&h, 3000 * MS);
	hb_mono_ms t1 = at(&c, &h, 20 * MS, &susp); /* first reading after the resume, delayed 20 ms */
	assert_int_equal(t1, h.raw / MS + 2980);
	assert_int_equal(susp, 2980);
	hb_mono_ms t2 = at(&c, &h, 0, &susp); /* the rest shows up */
	assert_int_equal(t2, h.raw / MS + 3000);
	assert_int_equal(susp, 20);
	hb_mono_ms t3 = at(&c, &h, 30 * MS, &susp); /* delayed again: nothing taken back */
	assert_int_equal(t3, t2);
	assert_int_equal(susp, 0);
	assert_int_equal(hb_clock_suspended(&c), 3000);
}

/* boot - mono jitters by a few microseconds from one reading to the next
 * (the two reads are not simultaneous): the clock never goes backwards, stays
 * within a millisecond of raw, and reports no suspend. */
static void test_jitter(void **state)
{
	(void)state;
	struct host h = host_new();
	struct hb_clock c;
	uint32_t seed = 12345;
	struct hb_clock_reading r0 = reading(&h, 3 * US);
	hb_clock_start(&c, &r0);
	hb_mono_ms prev = INT64_MIN;
	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		int64_t jitter = (int64_t)((seed >> 8) % 10001u) - 5000; /* -5 .. +5 us */
		int64_t susp = -1;
		hb_mono_ms t = at(&c, &h, jitter, &susp);
		assert_true(t >= prev);
		assert_true(t >= h.raw / MS && t <= h.raw / MS + 1);
		assert_int_equal(susp, 0);
		prev = t;
		run(&h, 997 * US / 100, 1000000); /* 9.97 us per reading */
	}
	assert_int_equal(hb_clock_suspended(&c), 0);
}

/* Whatever the readings do (a raw clock read on another CPU slightly behind,
 * delayed reads, suspends), a result is never below an earlier one. */
static void test_never_decreases(void **state)
{
	(void)state;
	struct host h = host_new();
	struct hb_clock c;
	struct hb_clock_reading r0 = reading(&h, 0);
	hb_clock_start(&c, &r0);
	uint32_t seed = 777;
	hb_mono_ms prev = INT64_MIN;
	for (int i = 0; i < 100000; i++) {
		seed = seed * 1664525u + 1013904223u;
		switch (seed >> 29) {
		case 0: run(&h, -(int64_t)((seed >> 4) % 2000u) * US, 1000000); break; /* raw behind */
		case 1: suspend(&h, (int64_t)((seed >> 4) % 5000u) * MS); break;
		default: run(&h, (int64_t)((seed >> 4) % 3000u) * US, 1000000); break;
		}
		int64_t jitter = (seed & 1u) ? (int64_t)((seed >> 8) % 50000u) * US : 0; /* up to 50 ms delayed */
		hb_mono_ms t = at(&c, &h, jitter, NULL);
		assert_true(t >= prev);
		prev = t;
	}
}

/* NTP slews CLOCK_MONOTONIC (and CLOCK_BOOTTIME with it, alike) by up to
 * 10 %: the decision clock does not follow, with or without a suspend. */
static void test_slew_does_not_move_it(void **state)
{
	(void)state;
	static const int64_t slews[] = {1100000, 900000, 1083333, 1000200, 999800};
	for (size_t k = 0; k < sizeof slews / sizeof slews[0]; k++) {
		struct host h = host_new();
		struct hb_clock c;
		struct hb_clock_reading r0 = reading(&h, 0);
		hb_clock_start(&c, &r0);
		for (int i = 0; i < 5000; i++) {
			int64_t susp = -1;
			assert_int_equal(at(&c, &h, 0, &susp), h.raw / MS);
			assert_int_equal(susp, 0);
			run(&h, 3 * MS + 7, slews[k]);
		}
		suspend(&h, 700 * MS);
		run(&h, 50 * MS, slews[k]);
		assert_int_equal(at(&c, &h, 0, NULL), (h.raw + 700 * MS) / MS);
		assert_int_equal(hb_clock_suspended(&c), 700);
	}
}

/* ---- the process's clock ------------------------------------------------- */

static int64_t raw_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_process_clock(void **state)
{
	(void)state;
	hb_clock_init();
	hb_clock_init(); /* a second call changes nothing */
	int64_t before = raw_ms();
	hb_mono_ms t = hb_clock_now_ms();
	int64_t after = raw_ms();
	/* no suspend while this test runs: the raw clock */
	assert_int_equal(hb_clock_suspended_ms(), 0);
	assert_true(t >= before && t <= after + 1);
	hb_mono_ms prev = t;
	for (int i = 0; i < 100000; i++) {
		t = hb_clock_now_ms();
		assert_true(t >= prev);
		prev = t;
	}
	int64_t wall = hb_clock_realtime_ms();
	int64_t secs = (int64_t)time(NULL);
	assert_true(wall / 1000 >= secs - 1 && wall / 1000 <= secs + 1);
}

#define THREADS 4
#define READS 200000

static void *reader(void *arg)
{
	int *bad = arg;
	hb_mono_ms prev = hb_clock_now_ms();
	for (int i = 0; i < READS; i++) {
		hb_mono_ms t = hb_clock_now_ms();
		if (t < prev)
			(*bad)++;
		prev = t;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	pthread_t th[THREADS];
	int bad[THREADS] = {0};
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &bad[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(bad[i], 0);
	}
}

/* The one ISO-8601 format of wall times (logs, last words, fence lines):
 * UTC with milliseconds; "unknown" for 0 or a negative time; truncated, not
 * overrun, in a short buffer. And the monotonic helpers never go back. */
static void test_iso_and_monotonic(void **state)
{
	(void)state;
	char buf[HB_CLOCK_ISO_MAX];
	assert_string_equal(hb_clock_format_iso(1733300000123, buf, sizeof buf), "2024-12-04T08:13:20.123Z");
	assert_string_equal(hb_clock_format_iso(1733300000007, buf, sizeof buf), "2024-12-04T08:13:20.007Z");
	assert_string_equal(hb_clock_format_iso(0, buf, sizeof buf), "unknown");
	assert_string_equal(hb_clock_format_iso(-5, buf, sizeof buf), "unknown");
	char small[11];
	assert_string_equal(hb_clock_format_iso(1733300000123, small, sizeof small), "2024-12-04");
	int64_t a = hb_clock_monotonic_ms(), us = hb_clock_monotonic_us();
	struct timespec dl = hb_clock_monotonic_deadline(1500);
	int64_t dl_ms = (int64_t)dl.tv_sec * 1000 + dl.tv_nsec / 1000000;
	assert_true(dl.tv_nsec >= 0 && dl.tv_nsec < 1000000000L);
	assert_true(dl_ms >= a + 1500 && dl_ms <= hb_clock_monotonic_ms() + 1500);
	assert_true(hb_clock_monotonic_ms() >= a && hb_clock_monotonic_us() >= us);
	assert_true(hb_clock_boottime_ms() >= a);
	assert_true(hb_clock_realtime_us() / 1000u + 1000u >= (uint64_t)hb_clock_realtime_ms());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_suspend_is_raw),
		cmocka_unit_test(test_suspend_adds_its_length),
		cmocka_unit_test(test_delayed_read_after_resume),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_never_decreases),
		cmocka_unit_test(test_slew_does_not_move_it),
		cmocka_unit_test(test_process_clock),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_iso_and_monotonic),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
