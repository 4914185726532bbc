/*
 * hb_wd_test.c: the test backend. The "device" is the helper program
 * hbwatchdog-test (agent/wdtest/hbwatchdog_test.c), a separate process in its own
 * session that survives the agent like a hardware timer.
 *
 * Owns: finding the helper ($HB_WATCHDOG_TEST_HELPER, next to the running
 * executable, HB_WATCHDOG_HELPER_PATH), starting it on a socketpair that
 * becomes its fd 3 (async-signal-safe calls only between fork and exec),
 * the read back (its "armed timeout_ms=W victim=P" reply must match), pets
 * (one byte, never blocking, never SIGPIPE), disarm (magic 'V', shutdown,
 * wait for "disarmed"), and the test "reboot": append "fence <reason>" to the
 * fence log in one O_APPEND write, stop the helper (the "host" is reset with
 * its timer), SIGKILL the victim. The wire protocol is in docs/watchdog.md.
 */
#include "hb_watchdog.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hb_clock.h"

#define HB_WD_TEST_CTL_FD 3
#define HB_WD_TEST_REASON_MAX 200
#define HB_WD_TEST_REAP_STEP_MS 10

/* ---- helper path --------------------------------------------------------- */

static bool try_helper(struct hb_wd_test_state *t, const char *path)
{
	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof t->helper)
		return false;
	if (access(path, X_OK) < 0)
		return false;
	strcpy(t->helper, path);
	return true;
}

static bool try_next_to_exe(struct hb_wd_test_state *t)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	char path[PATH_MAX + sizeof HB_WATCHDOG_HELPER_NAME + 1];
	snprintf(path, sizeof path, "%s/%s", exe, HB_WATCHDOG_HELPER_NAME);
	return try_helper(t, path);
}

static int find_helper(struct hb_watchdog *wd, struct hb_err *err)
{
	struct hb_wd_test_state *t = &wd->b.test;
	if (wd->p.helper != NULL && wd->p.helper[0] != '\0') {
		if (try_helper(t, wd->p.helper))
			return 0;
		return hb_err_set(err, "test watchdog helper %s is not executable", wd->p.helper);
	}
	const char *env = getenv(HB_WATCHDOG_HELPER_ENV);
	if (env != NULL && env[0] != '\0') {
		if (try_helper(t, env))
			return 0;
		return hb_err_set(err, "test watchdog helper %s (from $%s) is not executable", env, HB_WATCHDOG_HELPER_ENV);
	}
	if (try_next_to_exe(t) || try_helper(t, HB_WATCHDOG_HELPER_PATH))
		return 0;
	return hb_err_set(err, "test watchdog helper %s not found (set $%s, or install it next to the agent or as %s)",
	                  HB_WATCHDOG_HELPER_NAME, HB_WATCHDOG_HELPER_ENV, HB_WATCHDOG_HELPER_PATH);
}

static int tw_open(struct hb_watchdog *wd, struct hb_err *err)
{
	struct hb_wd_test_state *t = &wd->b.test;
	t->sock = -1;
	t->log_fd = -1;
	t->helper_pid = 0;
	t->victim = wd->p.victim > 0 ? wd->p.victim : getpid();
	if (find_helper(wd, err) < 0)
		return -1;
	t->log_fd = open(wd->fence_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (t->log_fd < 0)
		return hb_err_set(err, "cannot open the fence log %s: %s", wd->fence_log, strerror(errno));
	return 0;
}

/* ---- helper process ------------------------------------------------------ */

/* Between fork and exec: async-signal-safe calls only. */
static _Noreturn void child_exec(int sock, int nullfd, char *const argv[])
{
	(void)setsid(); /* a kill of the agent's process group spares the "hardware" */
	int s = fcntl(sock, F_DUPFD_CLOEXEC, 10); /* out of the way of 0..3 */
	int n = fcntl(nullfd, F_DUPFD_CLOEXEC, 10);
	if (s < 0 || n < 0 || dup2(s, HB_WD_TEST_CTL_FD) < 0)
		_exit(127);
	for (int fd = 0; fd <= 2; fd++) {
		if (dup2(n, fd) < 0)
			_exit(127);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	_exit(127);
}

/* Reap the helper if it exits within max_ms; otherwise leave it be. */
static void reap_helper(struct hb_wd_test_state *t, int max_ms)
{
	if (t->helper_pid <= 0)
		return;
	const struct timespec step = {.tv_sec = 0, .tv_nsec = HB_WD_TEST_REAP_STEP_MS * 1000000L};
	for (int waited = 0; waited <= max_ms; waited += HB_WD_TEST_REAP_STEP_MS) {
		pid_t r = waitpid(t->helper_pid, NULL, WNOHANG);
		if (r == t->helper_pid || (r < 0 && errno == ECHILD))
			break;
		nanosleep(&step, NULL);
	}
	t->helper_pid = 0;
}

static void kill_helper(struct hb_wd_test_state *t)
{
	if (t->helper_pid > 0) {
		kill(t->helper_pid, SIGKILL);
		reap_helper(t, 1000);
	}
	if (t->sock >= 0)
		close(t->sock);
	t->sock = -1;
}

/* One reply line from the helper, within timeout_ms. Returns its length, 0
 * on EOF or timeout before a full line. */
static size_t read_reply(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	const int64_t deadline = hb_clock_now_ms() + timeout_ms;
	while (got + 1 < len) {
		int64_t left = deadline - hb_clock_now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		ssize_t n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (memchr(buf, '\n', got) != NULL)
			return got;
	}
	buf[got] = '\0';
	return 0;
}

static int spawn_helper(struct hb_watchdog *wd, struct hb_err *err)
{
	struct hb_wd_test_state *t = &wd->b.test;
	char a_victim[24], a_timeout[24];
	snprintf(a_victim, sizeof a_victim, "%ld", (long)t->victim);
	snprintf(a_timeout, sizeof a_timeout, "%" PRIu32, wd->p.timeout_ms);
	char *const argv[] = {t->helper, a_victim, a_timeout, wd->fence_log, NULL};
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return hb_err_set(err, "test watchdog: socketpair: %s", strerror(errno));
	int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid_t pid = nullfd < 0 ? -1 : fork();
	if (pid == 0)
		child_exec(sv[1], nullfd, argv);
	int e = errno;
	close(sv[1]);
	if (nullfd >= 0)
		close(nullfd);
	if (pid < 0) {
		close(sv[0]);
		return hb_err_set(err, "test watchdog: cannot start %s: %s", t->helper, strerror(e));
	}
	t->sock = sv[0];
	t->helper_pid = pid;
	return 0;
}

static int tw_arm(struct hb_watchdog *wd, struct hb_err *err)
{
	struct hb_wd_test_state *t = &wd->b.test;
	if (t->sock >= 0) /* left by a test reboot: its helper is gone */
		close(t->sock);
	t->sock = -1;
	assert(t->helper_pid == 0);
	if (spawn_helper(wd, err) < 0)
		return -1;
	char reply[256];
	unsigned long w = 0;
	long v = 0;
	if (read_reply(t->sock, reply, sizeof reply, HB_WATCHDOG_HELPER_REPLY_MS) == 0 ||
	    sscanf(reply, "armed timeout_ms=%lu victim=%ld", &w, &v) != 2) {
		reply[strcspn(reply, "\n")] = '\0';
		kill_helper(t);
		return hb_err_set(err, "test watchdog helper %s did not arm: %s", t->helper,
		                  reply[0] != '\0' ? reply : "no reply (exec failed or it crashed)");
	}
	if (w != wd->p.timeout_ms || v != (long)t->victim) {
		kill_helper(t);
		return hb_err_set(err, "test watchdog helper reads back timeout %lu ms victim %ld after setting %" PRIu32 " ms victim %ld; refused",
		                  w, v, wd->p.timeout_ms, (long)t->victim);
	}
	snprintf(wd->identity, sizeof wd->identity, "helper pid %ld", (long)t->helper_pid);
	return 0;
}

static int tw_pet(struct hb_watchdog *wd)
{
	if (send(wd->b.test.sock, "k", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)
		return errno > 0 ? -errno : -EIO;
	return 0;
}

static int tw_disarm(struct hb_watchdog *wd, struct hb_err *err)
{
	struct hb_wd_test_state *t = &wd->b.test;
	if (t->sock < 0)
		return 0;
	if (send(t->sock, "V", 1, MSG_NOSIGNAL) != 1)
		return hb_err_set(err, "test watchdog: magic close failed: %s; it is still armed", strerror(errno));
	shutdown(t->sock, SHUT_WR);
	char reply[64];
	bool ok = read_reply(t->sock, reply, sizeof reply, HB_WATCHDOG_HELPER_REPLY_MS) > 0 &&
	          strncmp(reply, "disarmed", 8) == 0;
	close(t->sock);
	t->sock = -1;
	if (!ok)
		return hb_err_set(err, "test watchdog helper pid %ld did not confirm the disarm; it may still fire",
		                  (long)t->helper_pid);
	reap_helper(t, HB_WATCHDOG_HELPER_REPLY_MS);
	return 0;
}

/* ---- fence --------------------------------------------------------------- */

/* "<realtime ISO-8601> <monotonic ms> fence <what> pid=<victim><extra>\n",
 * one write so concurrent writers never interleave. The second column is
 * CLOCK_MONOTONIC, not the decision clock: it is for humans and tests, who
 * compare it with the helper's own lines in the same log (the helper, a
 * separate process, stamps CLOCK_MONOTONIC), never with a core time. */
static void fence_line(int fd, const char *what, pid_t victim)
{
	char stamp[HB_CLOCK_ISO_MAX];
	char line[384];
	int n = snprintf(line, sizeof line, "%s %" PRId64 " fence %s pid=%ld\n",
	                 hb_clock_format_iso(hb_clock_realtime_ms(), stamp, sizeof stamp), hb_clock_monotonic_ms(), what,
	                 (long)victim);
	if (n > 0 && (size_t)n < sizeof line)
		(void)write(fd, line, (size_t)n);
}

static int tw_reboot(struct hb_watchdog *wd, const char *reason, struct hb_err *err)
{
	struct hb_wd_test_state *t = &wd->b.test;
	char r[HB_WD_TEST_REASON_MAX + 1];
	size_t i = 0;
	for (; reason[i] != '\0' && i < HB_WD_TEST_REASON_MAX; i++) {
		unsigned char c = (unsigned char)reason[i];
		r[i] = (c <= ' ' || c == 0x7f) ? '_' : (char)c; /* one token */
	}
	r[i] = '\0';
	if (t->log_fd < 0)
		return hb_err_set(err, "test watchdog: the fence log is closed");
	fence_line(t->log_fd, r, t->victim);
	if (t->helper_pid > 0) { /* the reset takes the timer with it */
		kill(t->helper_pid, SIGKILL);
		reap_helper(t, 1000);
	}
	if (kill(t->victim, SIGKILL) < 0 && errno != ESRCH)
		return hb_err_set(err, "test watchdog: cannot kill pid %ld: %s", (long)t->victim, strerror(errno));
	return 0; /* the victim was another process */
}

static void tw_close(struct hb_watchdog *wd)
{
	struct hb_wd_test_state *t = &wd->b.test;
	if (t->sock >= 0)
		close(t->sock); /* EOF without 'V': the helper keeps counting */
	t->sock = -1;
	t->helper_pid = 0; /* not ours to stop; the caller may reap it */
	if (t->log_fd >= 0)
		close(t->log_fd);
	t->log_fd = -1;
}

const struct hb_wd_ops hb_wd_test_ops = {
	.name = "test",
	.open = tw_open,
	.arm = tw_arm,
	.pet = tw_pet,
	.disarm = tw_disarm,
	.reboot = tw_reboot,
	.close = tw_close,
};
