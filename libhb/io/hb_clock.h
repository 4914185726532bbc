/*
 * hb_clock.h: the decision clock of the agent, and its wall clock.
 *
 * Owns the one clock every decision of the daemon is taken on: the core's
 * `now`, the watchdog feeder's comparison with healthy_until, the statefile
 * I/O deadlines, the loop's timer. It is CLOCK_MONOTONIC_RAW, which NTP
 * never slews (chrony may slew CLOCK_MONOTONIC by 83333 ppm, adjtimex by
 * 10 %, far beyond the 200 ppm of the safety argument), plus the time the
 * host spent suspended since initialisation (the growth of CLOCK_BOOTTIME -
 * CLOCK_MONOTONIC, which moves only on a suspend), in milliseconds, never
 * decreasing. A resumed host therefore sees every input as stale as after a
 * freeze of the same length. docs/timing.md, "Clocks", says why.
 *
 * Two halves:
 *   - pure: struct hb_clock and hb_clock_combine() turn readings of the three
 *     kernel clocks (nanoseconds) into the decision clock; unit-tested with
 *     fake readings;
 *   - the process's clock: hb_clock_init(), hb_clock_now_ms() (any thread:
 *     C11 atomics, no lock, no allocation, no system call but clock_gettime)
 *     and hb_clock_realtime_ms() (the wall clock, for humans and boot ids,
 *     never for a decision);
 *   - the helpers of everyone else, so that nobody reads a kernel clock by
 *     hand: CLOCK_MONOTONIC readers and deadlines for bounded waits and
 *     latencies (never a decision), and the one ISO-8601 formatter of wall
 *     times.
 */
#ifndef HB_CLOCK_H
#define HB_CLOCK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hb_types.h"

/* One reading of the three clocks, in nanoseconds. hb_clock_now_ms() reads
 * CLOCK_BOOTTIME first, then CLOCK_MONOTONIC, then CLOCK_MONOTONIC_RAW: a
 * delay between the first two reads (preemption) can only make
 * boot_ns - mono_ns smaller than the kernel's true offset, never larger, so
 * it never looks like a suspend. */
struct hb_clock_reading {
	int64_t raw_ns;   /* CLOCK_MONOTONIC_RAW */
	int64_t boot_ns;  /* CLOCK_BOOTTIME */
	int64_t mono_ns;  /* CLOCK_MONOTONIC */
};

/* The state of one decision clock. Atomics, so that several threads may
 * call hb_clock_combine() on the same state. */
struct hb_clock {
	_Atomic int64_t base_off_ns;  /* boot - mono at initialisation */
	_Atomic int64_t suspended_ns; /* suspended since then; never decreases */
	_Atomic int64_t last_ms;      /* the latest result; never decreases */
};

/* Start a clock from one reading: nothing suspended so far. */
void hb_clock_start(struct hb_clock *c, const struct hb_clock_reading *r);

/* The decision clock at this reading, in ms: raw + suspended since start,
 * and never less than an earlier result. *suspend_ms (may be NULL) gets the
 * length of a suspend that this reading detected (0 for none; read jitter
 * of BOOTTIME - MONOTONIC, microseconds, rounds to 0). */
hb_mono_ms hb_clock_combine(struct hb_clock *c, const struct hb_clock_reading *r, int64_t *suspend_ms);

/* Time suspended since start, in ms (never decreases). */
int64_t hb_clock_suspended(const struct hb_clock *c);

/* ---- the process's decision clock ---------------------------------------- */

/* Start the process's clock (once, at start-up, before any thread; later
 * calls do nothing). A clock read before this call starts itself. */
void hb_clock_init(void);
/* The decision clock in ms. Any thread; lock-free. */
hb_mono_ms hb_clock_now_ms(void);
/* Time this host spent suspended since hb_clock_init(), in ms. Any thread. */
int64_t hb_clock_suspended_ms(void);
/* CLOCK_REALTIME in ms: log stamps, last words, boot ids. Never a decision. */
int64_t hb_clock_realtime_ms(void);

/* ---- durations, bounded waits and stamps (never a decision) --------------- */

/* CLOCK_MONOTONIC in µs and in ms: latencies, client timeouts, bounded waits
 * of threads, stamps for humans and tests. Any thread. */
int64_t hb_clock_monotonic_us(void);
int64_t hb_clock_monotonic_ms(void);
/* CLOCK_MONOTONIC + ms: the deadline of a pthread_cond_timedwait() on a
 * condition whose clock is CLOCK_MONOTONIC. */
struct timespec hb_clock_monotonic_deadline(int64_t ms);

/* CLOCK_BOOTTIME in ms (it counts a suspend): how long this host has been
 * up, for the unclean-restart guard. */
int64_t hb_clock_boottime_ms(void);
/* CLOCK_REALTIME in µs, 0 before 1970: the floor of a new boot id. */
uint64_t hb_clock_realtime_us(void);

/* The longest text hb_clock_format_iso() writes, with its NUL. */
#define HB_CLOCK_ISO_MAX 32u
/* A wall time in ms as "2024-11-25T08:00:00.123Z" (UTC), or "unknown" for 0
 * or a time that cannot be represented. Returns out. */
const char *hb_clock_format_iso(int64_t realtime_ms, char *out, size_t len);

#endif
