/*
 * hb_clock.c: the decision clock (see hb_clock.h).
 *
 * Owns the combination of CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME and
 * CLOCK_MONOTONIC into the clock the agent decides on, and the process's one
 * instance of it. The kernel keeps CLOCK_BOOTTIME = CLOCK_MONOTONIC +
 * offs_boot, and offs_boot changes only when the host resumes from a
 * suspend (by the time spent suspended); NTP slews both alike. So the growth
 * of boot - mono since start is the time suspended, whatever NTP does, and
 * raw + that growth is a clock that neither NTP nor a suspend can hold back.
 *
 * Every update is a compare-and-swap "max" on two atomics: results never
 * decrease, in one thread or across threads, without a lock.
 */
#include "hb_clock.h"

#include <assert.h>
#include <stdio.h>
#include <time.h>

#define NS_PER_MS 1000000
/* Marks the process's clock as not started yet. */
#define UNSET INT64_MIN
/* Readings taken by hb_clock_init(); the one with the largest boot - mono
 * (the least delayed between its two reads) becomes the base. */
#define INIT_READS 8

/* ---- pure ---------------------------------------------------------------- */

static int64_t offset_ns(const struct hb_clock_reading *r)
{
	return r->boot_ns - r->mono_ns;
}

/* *v = max(*v, x); returns the value now held (>= x). *grown (may be NULL)
 * gets by how much this call raised it. */
static int64_t atomic_max(_Atomic int64_t *v, int64_t x, int64_t *grown)
{
	int64_t cur = atomic_load(v);
	if (grown != NULL)
		*grown = 0;
	while (x > cur) {
		if (atomic_compare_exchange_weak(v, &cur, x)) {
			if (grown != NULL)
				*grown = x - cur;
			return x;
		}
	}
	return cur;
}

void hb_clock_start(struct hb_clock *c, const struct hb_clock_reading *r)
{
	atomic_store(&c->base_off_ns, offset_ns(r));
	atomic_store(&c->suspended_ns, 0);
	atomic_store(&c->last_ms, UNSET);
}

hb_mono_ms hb_clock_combine(struct hb_clock *c, const struct hb_clock_reading *r, int64_t *suspend_ms)
{
	const int64_t base = atomic_load(&c->base_off_ns);
	assert(base != UNSET);
	/* What this reading says was suspended, offset - base, is at most the
	 * truth plus the base's own read delay (microseconds: the best of
	 * INIT_READS), at least the truth minus this reading's delay between
	 * its BOOTTIME and MONOTONIC reads. The largest seen so far counts: a
	 * delayed reading never takes a suspend back. */
	int64_t grown;
	const int64_t suspended = atomic_max(&c->suspended_ns, offset_ns(r) - base, &grown);
	if (suspend_ms != NULL)
		*suspend_ms = grown / NS_PER_MS;
	const int64_t ns = r->raw_ns + suspended;
	const hb_mono_ms ms = ns >= 0 ? ns / NS_PER_MS : -((-ns + NS_PER_MS - 1) / NS_PER_MS);
	return atomic_max(&c->last_ms, ms, NULL);
}

int64_t hb_clock_suspended(const struct hb_clock *c)
{
	return atomic_load(&c->suspended_ns) / NS_PER_MS;
}

/* ---- the process's clock ------------------------------------------------- */

static struct hb_clock g_clock = {.base_off_ns = UNSET, .suspended_ns = 0, .last_ms = UNSET};

static int64_t read_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* BOOTTIME before MONOTONIC (hb_clock.h says why), RAW last. */
static void read_clocks(struct hb_clock_reading *r)
{
	r->boot_ns = read_ns(CLOCK_BOOTTIME);
	r->mono_ns = read_ns(CLOCK_MONOTONIC);
	r->raw_ns = read_ns(CLOCK_MONOTONIC_RAW);
}

/* Lock-free: concurrent first readers may each take readings, the first
 * compare-and-swap wins and the others use its base. */
static void start_process_clock(void)
{
	struct hb_clock_reading best, r;
	read_clocks(&best);
	for (int i = 1; i < INIT_READS; i++) {
		read_clocks(&r);
		if (offset_ns(&r) > offset_ns(&best))
			best = r;
	}
	int64_t expected = UNSET;
	(void)atomic_compare_exchange_strong(&g_clock.base_off_ns, &expected, offset_ns(&best));
}

void hb_clock_init(void)
{
	if (atomic_load(&g_clock.base_off_ns) == UNSET)
		start_process_clock();
}

hb_mono_ms hb_clock_now_ms(void)
{
	if (atomic_load(&g_clock.base_off_ns) == UNSET)
		start_process_clock();
	struct hb_clock_reading r;
	read_clocks(&r);
	return hb_clock_combine(&g_clock, &r, NULL);
}

int64_t hb_clock_suspended_ms(void)
{
	return hb_clock_suspended(&g_clock);
}

int64_t hb_clock_realtime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- durations, bounded waits and stamps ---------------------------------- */

int64_t hb_clock_monotonic_us(void)
{
	return read_ns(CLOCK_MONOTONIC) / 1000;
}

int64_t hb_clock_monotonic_ms(void)
{
	return read_ns(CLOCK_MONOTONIC) / 1000000;
}

int64_t hb_clock_boottime_ms(void)
{
	return read_ns(CLOCK_BOOTTIME) / 1000000;
}

uint64_t hb_clock_realtime_us(void)
{
	int64_t ns = read_ns(CLOCK_REALTIME);
	return ns < 0 ? 0 : (uint64_t)ns / 1000u;
}

struct timespec hb_clock_monotonic_deadline(int64_t ms)
{
	assert(ms >= 0);
	int64_t ns = read_ns(CLOCK_MONOTONIC) + ms * 1000000;
	return (struct timespec){.tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000)};
}

const char *hb_clock_format_iso(int64_t realtime_ms, char *out, size_t len)
{
	assert(out != NULL && len > 0);
	time_t sec = (time_t)(realtime_ms / 1000);
	struct tm tm;
	char base[HB_CLOCK_ISO_MAX];
	if (realtime_ms <= 0 || gmtime_r(&sec, &tm) == NULL || strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(out, len, "unknown");
	else
		snprintf(out, len, "%s.%03dZ", base, (int)(realtime_ms % 1000));
	return out;
}
