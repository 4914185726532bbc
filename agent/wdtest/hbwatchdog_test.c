/*
 * hbwatchdog_test.c: hbwatchdog-test, the "device" of the test watchdog
 * backend (libhb/io/hb_wd_test.c). A separate tiny process that behaves like a
 * hardware timer: it survives the agent, and when nobody pets it in time it
 * "reboots the host" by writing one line to the fence log and SIGKILLing the
 * victim (the agent).
 *
 * Usage (started by hb_watchdog_arm, not by hand):
 *   hbwatchdog-test VICTIM_PID TIMEOUT_MS FENCE_LOG   with the control
 *   socket on fd 3.
 * Protocol on fd 3 (docs/watchdog.md): it replies "armed timeout_ms=W
 * victim=P\n" (or "error <text>\n" and exits 2); every byte received re-arms
 * the timer; 'V' as the last byte before EOF is the magic close: it replies
 * "disarmed\n" and exits 0; EOF without it (the agent died or closed without
 * disarming) changes nothing: the timer keeps counting. On expiry it appends
 * "<ISO-8601 UTC> <monotonic ms> fence watchdog-expired pid=P timeout_ms=W"
 * in one O_APPEND write, SIGKILLs the victim (through a pidfd, so a reused
 * pid is never hit) and exits 1.
 *
 * Deliberately standalone (no libhb): the "hardware" must not share the
 * agent's bugs.
 */
#include "hb_clock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CTL_FD 3
#define EXIT_DISARMED 0
#define EXIT_FIRED 1
#define EXIT_ERROR 2
#define MAX_TIMEOUT_MS 3600000L

struct helper {
	pid_t victim;
	int pidfd;      /* -1 when pidfd_open is unavailable */
	int64_t timeout_ms;
	int log_fd;
};

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)write(CTL_FD, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void fire(const struct helper *h)
{
	char stamp[HB_CLOCK_ISO_MAX];
	char line[256];
	int n = snprintf(line, sizeof line, "%s %" PRId64 " fence watchdog-expired pid=%ld timeout_ms=%" PRId64 "\n",
	                 hb_clock_format_iso(hb_clock_realtime_ms(), stamp, sizeof stamp), hb_clock_monotonic_ms(),
	                 (long)h->victim, h->timeout_ms);
	if (n > 0 && (size_t)n < sizeof line)
		(void)write(h->log_fd, line, (size_t)n);
	if (h->pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
	else
		(void)kill(h->victim, SIGKILL);
}

/* The timer. Returns the exit status. */
static int run(const struct helper *h)
{
	int64_t deadline = hb_clock_monotonic_ms() + h->timeout_ms;
	bool magic = false, eof = false;
	for (;;) {
		int64_t left = deadline - hb_clock_monotonic_ms();
		if (left <= 0) {
			fire(h);
			return EXIT_FIRED;
		}
		struct pollfd pfd = {.fd = CTL_FD, .events = POLLIN};
		if (poll(&pfd, eof ? 0 : 1, (int)left) <= 0)
			continue; /* timeout or EINTR: re-check the deadline */
		char buf[256];
		ssize_t n = read(CTL_FD, buf, sizeof buf);
		if (n > 0) {
			deadline = hb_clock_monotonic_ms() + h->timeout_ms;
			magic = buf[n - 1] == 'V';
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			if (magic) {
				reply("disarmed\n");
				return EXIT_DISARMED;
			}
			eof = true; /* nobody will pet again: keep counting */
		}
	}
}

static int setup(int argc, char **argv, struct helper *h)
{
	long victim, timeout;
	if (argc != 4 || !parse_long(argv[1], 1, INT_MAX, &victim) ||
	    !parse_long(argv[2], 1, MAX_TIMEOUT_MS, &timeout) || argv[3][0] == '\0') {
		reply("error usage: hbwatchdog-test VICTIM_PID TIMEOUT_MS FENCE_LOG (control socket on fd 3)\n");
		return -1;
	}
	h->victim = (pid_t)victim;
	h->timeout_ms = timeout;
	h->log_fd = open(argv[3], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (h->log_fd < 0) {
		reply("error cannot open the fence log %s: %s\n", argv[3], strerror(errno));
		return -1;
	}
	h->pidfd = (int)syscall(SYS_pidfd_open, h->victim, 0);
	if (h->pidfd < 0 && errno != ENOSYS) {
		reply("error victim pid %ld: %s\n", victim, strerror(errno));
		return -1;
	}
	if (h->pidfd < 0 && kill(h->victim, 0) < 0 && errno == ESRCH) {
		reply("error victim pid %ld does not exist\n", victim);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* Hold nothing of the agent's but the control socket. */
	(void)syscall(SYS_close_range, CTL_FD + 1, ~0u, 0);
	(void)setsid(); /* already a session leader when started by libhb */
	signal(SIGPIPE, SIG_IGN);
	struct helper h;
	if (setup(argc, argv, &h) < 0)
		return EXIT_ERROR;
	reply("armed timeout_ms=%" PRId64 " victim=%ld\n", h.timeout_ms, (long)h.victim);
	return run(&h);
}
