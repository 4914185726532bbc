/*
 * hb_watchdog.c: the backend-independent half of the watchdog (see
 * hb_watchdog.h): parameter checks, the state machine, the feeder thread fed
 * by deadline, the generic read back (an immediate pet after arming), the
 * fence entry point, stats, probe and the unclean-restart guard marker.
 * The backends (hb_wd_xen.c, hb_wd_linux.c, hb_wd_test.c) sit behind
 * struct hb_wd_ops and do the device work.
 *
 * The feeder thread touches nothing but the atomics of struct hb_watchdog,
 * the decision clock (hb_clock.h, lock-free) and the backend's pet: no
 * allocation, no logging, no storage, no network.
 */
#include "hb_thread.h"
#include "hb_watchdog.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hb_clock.h"

/* clock_nanosleep() interrupted by a signal is resumed at most this often per
 * sleep (the feeder blocks every signal; this is belt and braces). */
#define HB_WD_EINTR_MAX 8

void hb_watchdog_params_from_config(const struct hb_config *cfg, const struct hb_timing *t,
                                    struct hb_watchdog_params *out)
{
	*out = (struct hb_watchdog_params){
		.backend = cfg->wd_backend,
		.device = cfg->wd_device,
		.allow_softdog = cfg->allow_softdog,
		.fence_log = cfg->test_fence_log,
		.timeout_ms = t->p.watchdog_timeout_ms,
		.pet_interval_ms = t->pet_interval_ms,
		.pet_recheck_ms = t->pet_recheck_ms,
		/* One hardware watchdog per host, one marker. The test backend
		 * runs several agents per machine: the caller picks a per-agent
		 * marker if it wants one. */
		.guard_path = cfg->wd_backend == HB_WD_TEST ? NULL : HB_WATCHDOG_GUARD_PATH,
	};
}

/* ---- open ---------------------------------------------------------------- */

static const struct hb_wd_ops *backend_ops(enum hb_wd_backend b)
{
	switch (b) {
	case HB_WD_XEN: return &hb_wd_xen_ops;
	case HB_WD_LINUX: return &hb_wd_linux_ops;
	case HB_WD_TEST: return &hb_wd_test_ops;
	}
	return NULL;
}

static int check_params(const struct hb_watchdog_params *p, struct hb_err *err)
{
	const uint32_t w = p->timeout_ms;
	if (backend_ops(p->backend) == NULL)
		return hb_err_set(err, "unknown watchdog backend %d", (int)p->backend);
	if (p->backend == HB_WD_TEST) {
		if (w < HB_WATCHDOG_TEST_MIN_MS || w > HB_WATCHDOG_MAX_MS)
			return hb_err_set(err, "watchdog timeout %" PRIu32 " ms out of range for the test backend (%u..%u ms)",
			                  w, HB_WATCHDOG_TEST_MIN_MS, HB_WATCHDOG_MAX_MS);
		if (p->fence_log == NULL || p->fence_log[0] == '\0')
			return hb_err_set(err, "the test watchdog backend needs a fence log (<TestFenceLog>)");
	} else if (w < 1000u || w > HB_WATCHDOG_MAX_MS || w % 1000u != 0) {
		return hb_err_set(err, "watchdog timeout %" PRIu32 " ms: the %s backend counts whole seconds, 1..%u s",
		                  w, backend_ops(p->backend)->name, HB_WATCHDOG_MAX_MS / 1000u);
	}
	if (p->pet_interval_ms == 0 || 2u * (uint64_t)p->pet_interval_ms > w)
		return hb_err_set(err, "watchdog pet interval %" PRIu32 " ms must be > 0 and at most half the timeout (%" PRIu32 " ms)",
		                  p->pet_interval_ms, w);
	return 0;
}

static int copy_path(char *dst, const char *src, const char *dflt, const char *what, struct hb_err *err)
{
	const char *s = (src != NULL && src[0] != '\0') ? src : dflt;
	if (strlen(s) >= HB_CONFIG_PATH_MAX)
		return hb_err_set(err, "%s path is too long (%zu bytes, at most %d)", what, strlen(s), HB_CONFIG_PATH_MAX - 1);
	strcpy(dst, s);
	return 0;
}

int hb_watchdog_open(struct hb_watchdog *wd, const struct hb_watchdog_params *p, struct hb_err *err)
{
	memset(wd, 0, sizeof *wd);
	atomic_init(&wd->state, HB_WD_CLOSED);
	if (check_params(p, err) < 0)
		return -1;
	wd->p = *p;
	if (copy_path(wd->device, p->device, HB_DEFAULT_WATCHDOG_DEVICE, "watchdog device", err) < 0 ||
	    copy_path(wd->fence_log, p->fence_log, "", "fence log", err) < 0 ||
	    copy_path(wd->guard_path, p->guard_path, "", "watchdog guard", err) < 0)
		return -1;
	wd->p.device = wd->device;
	wd->p.fence_log = wd->fence_log;
	wd->p.guard_path = wd->guard_path;
	wd->ops = backend_ops(p->backend);
	assert(wd->ops != NULL); /* checked above */
	if (!wd->ops || wd->ops->open(wd, err) < 0) { /* it initialises its own state */
		wd->ops = NULL;
		return -1;
	}
	wd->p.helper = NULL; /* only the backend's open reads it: not copied */
	atomic_store(&wd->state, HB_WD_OPEN);
	return 0;
}

/* ---- feeder -------------------------------------------------------------- */

static void record_pet(struct hb_watchdog *wd, int64_t now, int rc)
{
	if (rc == 0) {
		atomic_store(&wd->last_pet_ms, now);
		atomic_fetch_add(&wd->pets, 1);
	} else {
		atomic_store(&wd->last_pet_errno, -rc);
		atomic_fetch_add(&wd->pet_errors, 1);
	}
}

static void feed_once(struct hb_watchdog *wd, int64_t now)
{
	record_pet(wd, now, wd->ops->pet(wd));
}

/* Sleep ms, relative, on CLOCK_BOOTTIME. No kernel clock can be slept on
 * absolutely in decision-clock time (CLOCK_MONOTONIC_RAW cannot be slept
 * on), so the feeder sleeps relative and reads the decision clock again when
 * it wakes. CLOCK_BOOTTIME counts a suspend as the decision clock does: a
 * feeder asleep across a suspend wakes at the resume, finds healthy_until
 * behind it and does not pet. NTP slewing may make a sleep up to 10 % short
 * or long: short, the feeder sleeps the rest; long, a pet comes later, never
 * after healthy_until (that is checked on the decision clock at the pet). */
static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	for (int i = 0; i < HB_WD_EINTR_MAX; i++) {
		if (clock_nanosleep(CLOCK_BOOTTIME, 0, &ts, &ts) != EINTR)
			return;
	}
}

static void *feeder_main(void *arg)
{
	struct hb_watchdog *wd = arg;
	const int64_t interval = wd->p.pet_interval_ms;
	const int64_t recheck = wd->p.pet_recheck_ms > 0 && wd->p.pet_recheck_ms < wd->p.pet_interval_ms
	                                ? wd->p.pet_recheck_ms : interval;
	/* Best effort: a real-time class keeps a busy dom0 from starving us. */
	struct sched_param sp = {.sched_priority = 1};
	(void)pthread_setschedparam(pthread_self(), SCHED_RR, &sp);
	/* The schedule and healthy_until are both on the decision clock. */
	int64_t next = hb_clock_now_ms();
	while (!atomic_load(&wd->feeder_stop)) {
		const int64_t now = hb_clock_now_ms();
		if (now < next) { /* woke early (a slewed sleep): sleep the rest */
			sleep_ms(next - now);
			continue;
		}
		if (now < atomic_load(&wd->healthy_until_ms)) {
			feed_once(wd, now);
			next += interval;
			if (next <= now) /* we were stopped or starved: no burst of pets */
				next = now + interval;
		} else {
			/* no proof (yet): after a stall the loop renews it within a
			 * moment, and the pet must not wait a whole interval more */
			atomic_fetch_add(&wd->missed, 1);
			next = now + recheck;
		}
		sleep_ms(next - now);
	}
	return NULL;
}

int hb_watchdog_start_feeder(struct hb_watchdog *wd, struct hb_err *err)
{
	if (atomic_load(&wd->state) != HB_WD_ARMED)
		return hb_err_set(err, "watchdog feeder: the watchdog is not armed");
	if (atomic_load(&wd->feeding))
		return 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_store(&wd->feeder_stop, false);
	/* A small fixed stack (HB_WATCHDOG_FEEDER_STACK), locked whole below
	 * when the caller locks its memory: a default 8 MiB stack would be
	 * resident for a thread that needs a few KiB. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, HB_WATCHDOG_FEEDER_STACK);
	int rc = pthread_create(&wd->feeder, &attr, feeder_main, wd);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return hb_err_set(err, "cannot start the watchdog feeder thread: %s", strerror(rc));
	/* Best effort, like the caller's mlockall: unlocked, the stack is still
	 * locked page by page as it is touched (MCL_ONFAULT). */
	if (wd->p.lock_stack)
		(void)hb_thread_stack_lock(wd->feeder, NULL);
	atomic_store(&wd->feeding, true);
	return 0;
}

/* Joins within one pet interval: the feeder checks the flag at every wake. */
static void stop_feeder(struct hb_watchdog *wd)
{
	if (!atomic_load(&wd->feeding))
		return;
	atomic_store(&wd->feeder_stop, true);
	pthread_join(wd->feeder, NULL);
	atomic_store(&wd->feeding, false);
}

void hb_watchdog_set_deadline(struct hb_watchdog *wd, int64_t healthy_until_ms)
{
	atomic_store(&wd->healthy_until_ms, healthy_until_ms);
}

/* ---- arm, disarm, fence, close ------------------------------------------- */

int hb_watchdog_arm(struct hb_watchdog *wd, struct hb_err *err)
{
	const int st = atomic_load(&wd->state);
	if (st == HB_WD_ARMED)
		return 0;
	if (st != HB_WD_OPEN)
		return hb_err_set(err, "watchdog: arm before open");
	if (wd->ops->arm(wd, err) < 0)
		return -1;
	struct hb_err ignored;
	const int rc = wd->ops->pet(wd); /* read back: an immediate pet works */
	record_pet(wd, hb_clock_now_ms(), rc);
	if (rc != 0) {
		hb_err_set(err, "watchdog (%s, %s) armed but the first pet failed: %s; refused",
		           wd->ops->name, wd->identity, strerror(-rc));
		(void)wd->ops->disarm(wd, &ignored);
		return -1;
	}
	if (wd->guard_path[0] != '\0' && hb_watchdog_guard_set(wd->guard_path, wd->ops->name, err) < 0) {
		(void)wd->ops->disarm(wd, &ignored);
		return -1;
	}
	atomic_store(&wd->state, HB_WD_ARMED);
	return 0;
}

int hb_watchdog_disarm(struct hb_watchdog *wd, struct hb_err *err)
{
	const int st = atomic_load(&wd->state);
	if (st == HB_WD_OPEN)
		return 0;
	if (st != HB_WD_ARMED)
		return hb_err_set(err, "watchdog: disarm before open");
	const bool was_feeding = atomic_load(&wd->feeding);
	stop_feeder(wd);
	if (wd->ops->disarm(wd, err) < 0) {
		struct hb_err ignored;
		if (was_feeding)
			(void)hb_watchdog_start_feeder(wd, &ignored);
		return -1;
	}
	atomic_store(&wd->state, HB_WD_OPEN);
	if (wd->guard_path[0] != '\0' && hb_watchdog_guard_clear(wd->guard_path, err) < 0)
		return -1;
	return 0;
}

int hb_watchdog_reboot_now(struct hb_watchdog *wd, const char *reason, struct hb_err *err)
{
	const int st = atomic_load(&wd->state);
	if (st != HB_WD_OPEN && st != HB_WD_ARMED)
		return hb_err_set(err, "watchdog: fence before open");
	atomic_store(&wd->healthy_until_ms, 0); /* the feeder stops petting now */
	if (wd->ops->reboot(wd, reason != NULL ? reason : "unspecified", err) < 0)
		return -1;
	/* Only the test backend returns: its "host" (another process) is gone
	 * and so is its timer. */
	stop_feeder(wd);
	atomic_store(&wd->state, HB_WD_OPEN);
	return 0;
}

void hb_watchdog_close(struct hb_watchdog *wd)
{
	if (atomic_load(&wd->state) == HB_WD_CLOSED)
		return;
	stop_feeder(wd);
	wd->ops->close(wd);
	atomic_store(&wd->state, HB_WD_CLOSED);
}

void hb_watchdog_get_stats(const struct hb_watchdog *wd, struct hb_watchdog_stats *out)
{
	memset(out, 0, sizeof *out);
	out->backend = wd->ops != NULL ? wd->ops->name : "none";
	out->timeout_ms = wd->p.timeout_ms;
	out->pet_interval_ms = wd->p.pet_interval_ms;
	out->armed = atomic_load(&wd->state) == HB_WD_ARMED;
	out->feeding = atomic_load(&wd->feeding);
	out->softdog = wd->softdog;
	snprintf(out->identity, sizeof out->identity, "%s", wd->identity);
	out->healthy_until_ms = atomic_load(&wd->healthy_until_ms);
	out->last_pet_ms = atomic_load(&wd->last_pet_ms);
	out->pets = atomic_load(&wd->pets);
	out->missed = atomic_load(&wd->missed);
	out->pet_errors = atomic_load(&wd->pet_errors);
	out->last_pet_errno = atomic_load(&wd->last_pet_errno);
}

int hb_watchdog_probe(const struct hb_watchdog_params *p, struct hb_watchdog_stats *out, struct hb_err *err)
{
	if (p->guard_path != NULL && p->guard_path[0] != '\0' && access(p->guard_path, F_OK) == 0)
		return hb_err_set(err, "watchdog probe refused: %s exists (an agent armed the watchdog and has not disarmed it; probing could cancel a pending fence)",
		                  p->guard_path);
	struct hb_watchdog_params q = *p;
	q.guard_path = NULL;
	static struct hb_watchdog wd; /* large; probe is not reentrant */
	if (hb_watchdog_open(&wd, &q, err) < 0)
		return -1;
	int rc = hb_watchdog_arm(&wd, err);
	if (rc == 0) {
		if (out != NULL)
			hb_watchdog_get_stats(&wd, out);
		rc = hb_watchdog_disarm(&wd, err);
	}
	hb_watchdog_close(&wd);
	return rc;
}

/* ---- unclean-restart guard ----------------------------------------------- */

/* mkdir of the marker's directory (one level, as /run/hbagent). */
static void make_parent(const char *path)
{
	char dir[HB_CONFIG_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return;
	*slash = '\0';
	(void)mkdir(dir, 0755);
}

int hb_watchdog_guard_set(const char *path, const char *backend, struct hb_err *err)
{
	char tmp[HB_CONFIG_PATH_MAX + 8];
	char text[128];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int n = snprintf(text, sizeof text, "boottime_ms=%" PRId64 " pid=%ld backend=%s\n",
	                 hb_clock_boottime_ms(), (long)getpid(), backend);
	assert(n > 0 && (size_t)n < sizeof text);
	make_parent(path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return hb_err_set(err, "cannot write the watchdog guard %s: %s", tmp, strerror(errno));
	ssize_t w = write(fd, text, (size_t)n);
	int e = errno;
	close(fd);
	if (w != n) {
		unlink(tmp);
		return hb_err_set(err, "cannot write the watchdog guard %s: %s", tmp, w < 0 ? strerror(e) : "short write");
	}
	if (rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		return hb_err_set(err, "cannot rename the watchdog guard to %s: %s", path, strerror(e));
	}
	return 0;
}

int hb_watchdog_guard_clear(const char *path, struct hb_err *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return hb_err_set(err, "cannot remove the watchdog guard %s: %s", path, strerror(errno));
	return 0;
}

int hb_watchdog_guard_check(const char *path, uint32_t fence_bound_ms, uint32_t *wait_ms, pid_t *pid,
                            struct hb_err *err)
{
	*wait_ms = 0;
	if (pid != NULL)
		*pid = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return hb_err_set(err, "cannot read the watchdog guard %s: %s", path, strerror(errno));
	}
	char text[128];
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	/* Whatever it holds (even nothing): an armed watchdog may be counting.
	 * Its agent may have petted until it died, i.e. until just before now. */
	*wait_ms = fence_bound_ms;
	if (n > 0 && pid != NULL) {
		text[n] = '\0';
		const char *s = strstr(text, "pid=");
		long v = s != NULL ? strtol(s + 4, NULL, 10) : 0;
		*pid = (v > 0 && v <= INT_MAX) ? (pid_t)v : 0;
	}
	return 1;
}
