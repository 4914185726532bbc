/*
 * test_watchdog.c: hb_watchdog (feeder fed by deadline, API, guard) and its
 * linux and test backends.
 *
 * Covers: parameter refusals; the xen backend's clear refusal without Xen;
 * the linux backend against a fake device (hb_wd_linux_set_sysops): timeout
 * read back mismatch and SETTIMEOUT refusal, softdog refused unless allowed,
 * drivers without magic close refused, keepalives counted, the feeder pets
 * only while now < healthy_until and resumes when the deadline moves, magic
 * close on disarm only (never on close), reboot(RB_AUTOBOOT) on fence; the
 * test backend end to end with the real hbwatchdog-test helper
 * ($HB_WATCHDOG_TEST_HELPER) and a real victim child: missed deadline ->
 * SIGKILL within W + 1 s and one "watchdog-expired" line, disarm -> no
 * fence, close without disarm -> fence, reboot_now -> "fence <reason>";
 * the unclean-restart guard and probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hb_clock.h"
#include "hb_watchdog.h"

#define FAKE_FD 1000

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void expect_msg(const struct hb_err *err, const char *needle)
{
	if (strstr(err->msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
}

/* ---- fake /dev/watchdog ---------------------------------------------------- */

static struct fake_dev {
	/* behaviour */
	const char *identity;
	uint32_t options;
	bool refuse_settimeout;
	int gettimeout_delta;
	int open_errno;
	/* observations (the feeder thread writes some) */
	bool is_open;
	int timeout;
	_Atomic int keepalives;
	_Atomic int64_t last_keepalive_ms;
	int disablecard;
	int magic_writes;
	int closes;
	bool last_write_magic;
	int reboots;
	int reboot_cmd;
} fake;

static void fake_reset(const char *identity)
{
	memset(&fake, 0, sizeof fake);
	fake.identity = identity;
	fake.options = WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING;
}

static int fake_open(const char *path, int flags)
{
	assert_non_null(path);
	assert_true((flags & O_ACCMODE) == O_WRONLY && (flags & O_CLOEXEC));
	assert_false(fake.is_open);
	if (fake.open_errno != 0) {
		errno = fake.open_errno;
		return -1;
	}
	fake.is_open = true;
	return FAKE_FD;
}

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
	assert_int_equal(fd, FAKE_FD);
	int *iarg = arg;
	if (request == WDIOC_GETSUPPORT) {
		struct watchdog_info *info = arg;
		info->options = fake.options;
		snprintf((char *)info->identity, sizeof info->identity, "%s", fake.identity);
		return 0;
	}
	if (request == WDIOC_SETTIMEOUT) {
		if (fake.refuse_settimeout) {
			errno = EINVAL;
			return -1;
		}
		fake.timeout = *iarg;
		return 0;
	}
	if (request == WDIOC_GETTIMEOUT) {
		*iarg = fake.timeout + fake.gettimeout_delta;
		return 0;
	}
	if (request == WDIOC_KEEPALIVE) {
		atomic_fetch_add(&fake.keepalives, 1);
		atomic_store(&fake.last_keepalive_ms, hb_clock_now_ms());
		return 0;
	}
	if (request == WDIOC_SETOPTIONS && (*iarg & WDIOS_DISABLECARD)) {
		fake.disablecard++;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static ssize_t fake_write(int fd, const void *buf, size_t len)
{
	assert_int_equal(fd, FAKE_FD);
	assert_true(len > 0);
	fake.last_write_magic = ((const char *)buf)[len - 1] == 'V';
	if (fake.last_write_magic)
		fake.magic_writes++;
	return (ssize_t)len;
}

static int fake_close(int fd)
{
	assert_int_equal(fd, FAKE_FD);
	assert_true(fake.is_open);
	fake.is_open = false;
	fake.closes++;
	return 0;
}

static int fake_reboot(int cmd)
{
	fake.reboots++;
	fake.reboot_cmd = cmd;
	return 0;
}

static const struct hb_wd_linux_sysops fake_sysops = {
	.open = fake_open, .ioctl = fake_ioctl, .write = fake_write, .close = fake_close, .reboot = fake_reboot,
};

static struct hb_watchdog_params linux_params(void)
{
	return (struct hb_watchdog_params){
		.backend = HB_WD_LINUX, .device = "/dev/watchdog-fake", .timeout_ms = 2000, .pet_interval_ms = 100,
	};
}

static int setup_fake(void **state)
{
	(void)state;
	fake_reset("iTCO_wdt");
	hb_wd_linux_set_sysops(&fake_sysops);
	return 0;
}

static int teardown_fake(void **state)
{
	(void)state;
	hb_wd_linux_set_sysops(NULL);
	return 0;
}

/* ---- params and xen -------------------------------------------------------- */

static void test_params_refused(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = linux_params();
	p.timeout_ms = 2500;
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), -1);
	expect_msg(&err, "whole seconds");
	p = linux_params();
	p.pet_interval_ms = 1001;
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), -1);
	expect_msg(&err, "pet interval 1001 ms");
	p = (struct hb_watchdog_params){.backend = HB_WD_TEST, .timeout_ms = 1000, .pet_interval_ms = 100};
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), -1);
	expect_msg(&err, "fence log");
	hb_watchdog_close(&wd); /* harmless after a failed open */
}

static void test_xen_needs_dom0(void **state)
{
	(void)state;
	if (access("/dev/xen/privcmd", F_OK) == 0)
		skip();
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = {.backend = HB_WD_XEN, .timeout_ms = 5000, .pet_interval_ms = 1000};
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), -1);
	expect_msg(&err, "/dev/xen/privcmd");
	struct hb_watchdog_stats st;
	assert_int_equal(hb_watchdog_probe(&p, &st, &err), -1);
	expect_msg(&err, "not a Xen dom0");
}

/* ---- linux backend ----------------------------------------------------------- */

static void test_linux_arm_disarm(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = linux_params();
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_false(fake.is_open); /* opening starts the timer: only arm opens */
	if (hb_watchdog_arm(&wd, &err) != 0)
		fail_msg("arm: %s", err.msg);
	assert_int_equal(fake.timeout, 2);
	assert_int_equal(atomic_load(&fake.keepalives), 1);
	struct hb_watchdog_stats st;
	hb_watchdog_get_stats(&wd, &st);
	assert_string_equal(st.backend, "linux");
	assert_string_equal(st.identity, "iTCO_wdt");
	assert_true(st.armed);
	assert_false(st.softdog);
	assert_int_equal(st.pets, 1);
	assert_int_equal(st.timeout_ms, 2000);
	assert_int_equal(fake.magic_writes, 0);
	assert_int_equal(hb_watchdog_disarm(&wd, &err), 0);
	assert_int_equal(fake.disablecard, 1);
	assert_int_equal(fake.magic_writes, 1);
	assert_true(fake.last_write_magic);
	assert_int_equal(fake.closes, 1);
	hb_watchdog_get_stats(&wd, &st);
	assert_false(st.armed);
	hb_watchdog_close(&wd);
	assert_int_equal(fake.closes, 1);
}

static void test_linux_readback_mismatch(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = linux_params();
	fake.gettimeout_delta = 1;
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), -1);
	expect_msg(&err, "reads back a timeout of 3 s after setting 2 s");
	/* refused: the timer the open started is stopped again */
	assert_false(fake.is_open);
	assert_int_equal(fake.magic_writes, 1);
	assert_int_equal(atomic_load(&fake.keepalives), 0);
	struct hb_watchdog_stats st;
	hb_watchdog_get_stats(&wd, &st);
	assert_false(st.armed);
	struct hb_err err2 = {{0}};
	assert_int_equal(hb_watchdog_start_feeder(&wd, &err2), -1);
	fake_reset("iTCO_wdt");
	fake.refuse_settimeout = true;
	assert_int_equal(hb_watchdog_arm(&wd, &err), -1);
	expect_msg(&err, "refuses a timeout of 2 s");
	assert_false(fake.is_open);
	hb_watchdog_close(&wd);
}

static void test_linux_softdog(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = linux_params();
	fake_reset(HB_WATCHDOG_SOFTDOG_IDENTITY);
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), -1);
	expect_msg(&err, "is softdog");
	expect_msg(&err, "<AllowSoftdog>true</AllowSoftdog>");
	assert_false(fake.is_open);
	assert_int_equal(fake.magic_writes, 1);
	hb_watchdog_close(&wd);
	p.allow_softdog = true;
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), 0);
	struct hb_watchdog_stats st;
	hb_watchdog_get_stats(&wd, &st);
	assert_true(st.armed);
	assert_true(st.softdog);
	assert_int_equal(hb_watchdog_disarm(&wd, &err), 0);
	hb_watchdog_close(&wd);
}

static void test_linux_refusals(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = linux_params();
	fake.options = WDIOF_SETTIMEOUT; /* no magic close */
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), -1);
	expect_msg(&err, "no magic close");
	fake_reset("iTCO_wdt");
	fake.options = WDIOF_MAGICCLOSE;
	assert_int_equal(hb_watchdog_arm(&wd, &err), -1);
	expect_msg(&err, "cannot set its timeout");
	fake_reset("iTCO_wdt");
	fake.open_errno = EBUSY;
	assert_int_equal(hb_watchdog_arm(&wd, &err), -1);
	expect_msg(&err, "/dev/watchdog-fake");
	expect_msg(&err, "another process holds it");
	hb_watchdog_close(&wd);
}

/* The feeder pets while now < healthy_until, stops as soon as it passes,
 * and resumes when the deadline moves again. */
static void test_linux_feeder_deadline(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = linux_params(); /* W 2 s, pet 100 ms */
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), 0);
	const int64_t deadline = hb_clock_now_ms() + 500;
	hb_watchdog_set_deadline(&wd, deadline);
	assert_int_equal(hb_watchdog_start_feeder(&wd, &err), 0);
	sleep_ms(deadline + 350 - hb_clock_now_ms());
	const int after_deadline = atomic_load(&fake.keepalives);
	assert_in_range(after_deadline, 1 + 4, 1 + 6); /* 5 periods before the deadline */
	assert_true(atomic_load(&fake.last_keepalive_ms) < deadline);
	sleep_ms(300);
	assert_int_equal(atomic_load(&fake.keepalives), after_deadline);
	struct hb_watchdog_stats st;
	hb_watchdog_get_stats(&wd, &st);
	assert_true(st.feeding);
	assert_true(st.missed >= 4);
	assert_int_equal(st.pets, (uint64_t)after_deadline);
	assert_true(st.last_pet_ms < deadline);
	assert_int_equal(st.healthy_until_ms, deadline);
	hb_watchdog_set_deadline(&wd, hb_clock_now_ms() + 10000);
	sleep_ms(350);
	assert_true(atomic_load(&fake.keepalives) >= after_deadline + 3);
	/* process exit path: never the magic close */
	hb_watchdog_close(&wd);
	assert_int_equal(fake.magic_writes, 0);
	assert_int_equal(fake.disablecard, 0);
	assert_int_equal(fake.closes, 1);
	const int final = atomic_load(&fake.keepalives);
	sleep_ms(150);
	assert_int_equal(atomic_load(&fake.keepalives), final);
}

static void test_linux_reboot_now(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	struct hb_watchdog_params p = linux_params();
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), 0);
	hb_watchdog_set_deadline(&wd, hb_clock_now_ms() + 10000);
	assert_int_equal(hb_watchdog_start_feeder(&wd, &err), 0);
	assert_int_equal(hb_watchdog_reboot_now(&wd, "survival rules failed", &err), 0);
	assert_int_equal(fake.reboots, 1);
	assert_int_equal(fake.reboot_cmd, RB_AUTOBOOT);
	assert_int_equal(fake.magic_writes, 0); /* the fence never disarms */
	hb_watchdog_close(&wd);
	assert_int_equal(fake.magic_writes, 0);
}

/* ---- guard ----------------------------------------------------------------- */

static void temp_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("TMPDIR");
	snprintf(buf, len, "%s/%s-%ld", dir != NULL && dir[0] != '\0' ? dir : "/tmp", name, (long)getpid());
	unlink(buf);
}

static void test_guard(void **state)
{
	(void)state;
	char path[512];
	temp_path(path, sizeof path, "hb-wd-guard");
	struct hb_err err = {{0}};
	uint32_t wait = 99;
	pid_t pid = 99;
	assert_int_equal(hb_watchdog_guard_check(path, 7000, &wait, &pid, &err), 0);
	assert_int_equal(wait, 0);
	assert_int_equal(pid, 0);
	assert_int_equal(hb_watchdog_guard_set(path, "linux", &err), 0);
	assert_int_equal(hb_watchdog_guard_check(path, 7000, &wait, &pid, &err), 1);
	assert_int_equal(wait, 7000);
	assert_int_equal(pid, getpid());
	assert_int_equal(hb_watchdog_guard_clear(path, &err), 0);
	assert_int_equal(hb_watchdog_guard_clear(path, &err), 0);
	assert_int_equal(hb_watchdog_guard_check(path, 7000, &wait, NULL, &err), 0);
	/* arm writes it, disarm removes it, close leaves it */
	static struct hb_watchdog wd;
	struct hb_watchdog_params p = linux_params();
	p.guard_path = path;
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(hb_watchdog_disarm(&wd, &err), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(hb_watchdog_arm(&wd, &err), 0);
	hb_watchdog_close(&wd);
	assert_int_equal(access(path, F_OK), 0);
	/* probe refuses while the marker says a watchdog may be armed */
	assert_int_equal(hb_watchdog_probe(&p, NULL, &err), -1);
	expect_msg(&err, "probe refused");
	assert_int_equal(hb_watchdog_guard_clear(path, &err), 0);
	fake_reset("iTCO_wdt");
	struct hb_watchdog_stats st;
	assert_int_equal(hb_watchdog_probe(&p, &st, &err), 0);
	assert_true(st.armed);
	assert_int_equal(fake.magic_writes, 1);
	assert_false(fake.is_open);
	assert_int_equal(access(path, F_OK), -1);
}

/* ---- test backend, with the real helper ------------------------------------ */

static char fence_log[512];

static int setup_log(void **state)
{
	(void)state;
	temp_path(fence_log, sizeof fence_log, "hb-wd-fence-log");
	return 0;
}

static int teardown_log(void **state)
{
	(void)state;
	unlink(fence_log);
	return 0;
}

static pid_t spawn_victim(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30); /* never outlive a failed test for long */
		for (;;)
			pause();
	}
	return pid;
}

/* Wait up to max_ms for pid to end; returns its status or -1 if alive. */
static int wait_exit(pid_t pid, int64_t max_ms, int64_t *when)
{
	const int64_t end = hb_clock_now_ms() + max_ms;
	do {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			if (when != NULL)
				*when = hb_clock_now_ms();
			return status;
		}
		assert_int_equal(r, 0);
		sleep_ms(10);
	} while (hb_clock_now_ms() < end);
	return -1;
}

static void kill_victim(pid_t pid)
{
	kill(pid, SIGKILL);
	assert_true(wait_exit(pid, 2000, NULL) >= 0);
}

static int count_lines(const char *needle)
{
	char buf[4096];
	int fd = open(fence_log, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	int lines = 0, hits = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		lines++;
		hits += strstr(l, needle) != NULL;
	}
	if (hits != lines)
		fail_msg("fence log %s has %d lines, %d with \"%s\"", fence_log, lines, hits, needle);
	return hits;
}

static struct hb_watchdog_params test_params(pid_t victim, uint32_t w, uint32_t pet)
{
	return (struct hb_watchdog_params){
		.backend = HB_WD_TEST, .fence_log = fence_log, .timeout_ms = w, .pet_interval_ms = pet, .victim = victim,
	};
}

static void arm_ok(struct hb_watchdog *wd, const struct hb_watchdog_params *p)
{
	struct hb_err err = {{0}};
	if (hb_watchdog_open(wd, p, &err) != 0 || hb_watchdog_arm(wd, &err) != 0)
		fail_msg("test backend: %s", err.msg);
}

static void test_helper_fences_past_deadline(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	pid_t victim = spawn_victim();
	struct hb_watchdog_params p = test_params(victim, 2000, 200);
	arm_ok(&wd, &p);
	const pid_t helper = wd.b.test.helper_pid;
	const int64_t deadline = hb_clock_now_ms() + 600;
	hb_watchdog_set_deadline(&wd, deadline);
	assert_int_equal(hb_watchdog_start_feeder(&wd, &err), 0);
	int64_t t_dead = 0;
	int status = wait_exit(victim, deadline + 2000 + 1000 - hb_clock_now_ms(), &t_dead);
	assert_true(status >= 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* the last pet came less than one pet interval before the deadline */
	assert_true(t_dead >= deadline - 200 + 2000 - 50);
	assert_int_equal(count_lines("fence watchdog-expired pid="), 1);
	char needle[64];
	snprintf(needle, sizeof needle, "pid=%ld timeout_ms=2000", (long)victim);
	assert_int_equal(count_lines(needle), 1);
	status = wait_exit(helper, 1000, NULL);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	struct hb_watchdog_stats st;
	hb_watchdog_get_stats(&wd, &st);
	assert_true(st.pets >= 3 && st.missed >= 1 && st.last_pet_ms < deadline);
	hb_watchdog_close(&wd);
}

static void test_helper_disarm(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	pid_t victim = spawn_victim();
	struct hb_watchdog_params p = test_params(victim, 1000, 200);
	arm_ok(&wd, &p);
	const pid_t helper = wd.b.test.helper_pid;
	hb_watchdog_set_deadline(&wd, hb_clock_now_ms() + 60000);
	assert_int_equal(hb_watchdog_start_feeder(&wd, &err), 0);
	sleep_ms(300);
	if (hb_watchdog_disarm(&wd, &err) != 0)
		fail_msg("disarm: %s", err.msg);
	assert_int_equal(kill(helper, 0), -1); /* exited and reaped */
	assert_int_equal(wait_exit(victim, 1000 + 1000, NULL), -1);
	assert_int_equal(count_lines("fence"), 0);
	kill_victim(victim);
	hb_watchdog_close(&wd);
}

static void test_helper_close_without_disarm(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	pid_t victim = spawn_victim();
	struct hb_watchdog_params p = test_params(victim, 1000, 200);
	arm_ok(&wd, &p);
	const pid_t helper = wd.b.test.helper_pid;
	hb_watchdog_set_deadline(&wd, hb_clock_now_ms() + 60000);
	assert_int_equal(hb_watchdog_start_feeder(&wd, &err), 0);
	sleep_ms(300);
	const int64_t closed = hb_clock_now_ms();
	hb_watchdog_close(&wd); /* EOF without the magic 'V' */
	int64_t t_dead = 0;
	int status = wait_exit(victim, 1000 + 1000, &t_dead);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(t_dead - closed >= 1000 - 200 - 50);
	assert_int_equal(count_lines("fence watchdog-expired"), 1);
	status = wait_exit(helper, 1000, NULL);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

static void test_helper_reboot_now(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	pid_t victim = spawn_victim();
	struct hb_watchdog_params p = test_params(victim, 2000, 200);
	arm_ok(&wd, &p);
	const pid_t helper = wd.b.test.helper_pid;
	hb_watchdog_set_deadline(&wd, hb_clock_now_ms() + 60000);
	assert_int_equal(hb_watchdog_start_feeder(&wd, &err), 0);
	if (hb_watchdog_reboot_now(&wd, "lost quorum\n", &err) != 0)
		fail_msg("reboot_now: %s", err.msg);
	int status = wait_exit(victim, 1000, NULL);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	char needle[64];
	snprintf(needle, sizeof needle, " fence lost_quorum_ pid=%ld", (long)victim);
	assert_int_equal(count_lines(needle), 1);
	assert_int_equal(kill(helper, 0), -1); /* the "reset" took the timer */
	struct hb_watchdog_stats st;
	hb_watchdog_get_stats(&wd, &st);
	assert_false(st.armed);
	assert_false(st.feeding);
	hb_watchdog_close(&wd);
}

static void test_helper_refusals(void **state)
{
	(void)state;
	static struct hb_watchdog wd;
	struct hb_err err = {{0}};
	pid_t gone = spawn_victim();
	kill_victim(gone);
	struct hb_watchdog_params p = test_params(gone, 1000, 200);
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), 0);
	assert_int_equal(hb_watchdog_arm(&wd, &err), -1);
	expect_msg(&err, "did not arm: error victim pid");
	hb_watchdog_close(&wd);
	p = test_params(getpid(), 1000, 200);
	p.helper = "/nonexistent/hbwatchdog-test";
	assert_int_equal(hb_watchdog_open(&wd, &p, &err), -1);
	expect_msg(&err, "not executable");
	/* probe: arm, read back, disarm; nothing fires */
	p.helper = NULL;
	struct hb_watchdog_stats st;
	if (hb_watchdog_probe(&p, &st, &err) != 0)
		fail_msg("probe: %s", err.msg);
	assert_true(st.armed);
	assert_string_equal(st.backend, "test");
	assert_int_equal(count_lines("fence"), 0);
}

/* An "agent" child arms the test backend with itself as the victim, feeds
 * with a far deadline and reports its helper's pid; with self_fence it then
 * calls hb_watchdog_reboot_now(). */
static pid_t spawn_agent(uint32_t w, bool self_fence, pid_t *helper)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static struct hb_watchdog wd;
		struct hb_err err = {{0}};
		close(fds[0]);
		alarm(30);
		struct hb_watchdog_params p = test_params(0, w, 200);
		if (hb_watchdog_open(&wd, &p, &err) != 0 || hb_watchdog_arm(&wd, &err) != 0)
			_exit(3);
		hb_watchdog_set_deadline(&wd, hb_clock_now_ms() + 60000);
		if (hb_watchdog_start_feeder(&wd, &err) != 0)
			_exit(3);
		pid_t h = wd.b.test.helper_pid;
		if (write(fds[1], &h, sizeof h) != (ssize_t)sizeof h)
			_exit(3);
		if (self_fence)
			(void)hb_watchdog_reboot_now(&wd, "self", &err);
		for (;;)
			pause();
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], helper, sizeof *helper), (ssize_t)sizeof *helper);
	close(fds[0]);
	return pid;
}

/* SIGSTOP of an agent longer than its watchdog timeout fences it. */
static void test_helper_sigstop_fences(void **state)
{
	(void)state;
	pid_t helper = 0;
	pid_t agent = spawn_agent(1000, false, &helper);
	sleep_ms(300);
	assert_int_equal(wait_exit(agent, 0, NULL), -1); /* fed: alive */
	const int64_t stopped = hb_clock_now_ms();
	assert_int_equal(kill(agent, SIGSTOP), 0);
	int64_t t_dead = 0;
	int status = wait_exit(agent, 1000 + 1000, &t_dead);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(t_dead - stopped >= 1000 - 200 - 50);
	assert_int_equal(count_lines("fence watchdog-expired"), 1);
	status = wait_exit(helper, 1000, NULL); /* we are its subreaper */
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

/* reboot_now with the caller as the victim: never returns. */
static void test_helper_reboot_self(void **state)
{
	(void)state;
	pid_t helper = 0;
	pid_t agent = spawn_agent(2000, true, &helper);
	int status = wait_exit(agent, 1000, NULL);
	assert_true(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	char needle[64];
	snprintf(needle, sizeof needle, " fence self pid=%ld", (long)agent);
	assert_int_equal(count_lines(needle), 1);
	assert_int_equal(kill(helper, 0), -1); /* the fence stopped and reaped it */
}

int main(void)
{
	/* Helpers of forked "agents" are reparented to us, so we can reap them. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (getenv(HB_WATCHDOG_HELPER_ENV) == NULL)
		fprintf(stderr, "note: $%s unset; the test backend looks next to this program\n", HB_WATCHDOG_HELPER_ENV);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_refused, setup_log, teardown_log),
		cmocka_unit_test(test_xen_needs_dom0),
		cmocka_unit_test_setup_teardown(test_linux_arm_disarm, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_linux_readback_mismatch, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_linux_softdog, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_linux_refusals, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_linux_feeder_deadline, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_linux_reboot_now, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_guard, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_helper_fences_past_deadline, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_disarm, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_close_without_disarm, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_reboot_now, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_refusals, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_sigstop_fences, setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_helper_reboot_self, setup_log, teardown_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
