/*
 * agent_log.c: hbagent's logging that never blocks the decision loop.
 *
 * Owns a fixed ring of formatted lines and a writer thread that empties it to
 * syslog, stderr and an optional log file. A caller only formats into a local
 * buffer and copies the line into the ring under a mutex that the writer
 * holds just long enough to copy one line out, never during a write. A full
 * ring drops the line and counts it (reported in status and at exit). SIGHUP
 * asks the writer to reopen syslog and the log file (logrotate).
 */
#include "agent.h"
#include "hb_thread.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_RING_LINES 512u
#define LOG_LINE_MAX 496u
/* Deepest use measured under 12 KiB (thread descriptor and static TLS
 * included; a line is formatted into a buffer of ~600 bytes and handed to
 * write or vsyslog); the stack is locked whole (agent_log_lock_stack). */
#define LOG_STACK_BYTES (128u * 1024u)

struct log_line {
	int prio;
	int64_t realtime_ms;
	char text[LOG_LINE_MAX];
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake;     /* the writer waits for lines */
	pthread_cond_t drained;  /* flushers wait for an empty ring */
	struct log_line ring[LOG_RING_LINES];
	unsigned head, count;    /* head = oldest line */
	uint64_t dropped, written;
	bool started, stop, reopen, writing;
	pthread_t thread;
	struct agent_log_opts opts;
	char file[AGENT_PATH_MAX];
	int file_fd;
} L = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.file_fd = -1,
};

static const char *prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "critical";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/* "2024-11-25T08:00:00.123Z hbagent[42]: warning: text\n" */
static size_t format_line(const struct log_line *l, char *out, size_t len)
{
	char ts[HB_CLOCK_ISO_MAX];
	int n = snprintf(out, len, "%s %s[%ld]: %s: %s\n", hb_clock_format_iso(l->realtime_ms, ts, sizeof ts), AGENT_NAME,
	                 (long)getpid(), prio_name(l->prio), l->text);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

static void write_all(int fd, const char *buf, size_t len)
{
	for (unsigned tries = 0; len > 0 && tries < 8; tries++) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		len -= (size_t)w;
	}
}

static void open_outputs(void)
{
	if (L.opts.to_syslog)
		openlog(AGENT_NAME, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (L.file[0] != '\0')
		L.file_fd = open(L.file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

static void close_outputs(void)
{
	if (L.opts.to_syslog)
		closelog();
	if (L.file_fd >= 0)
		close(L.file_fd);
	L.file_fd = -1;
}

static void output(const struct log_line *l)
{
	char buf[LOG_LINE_MAX + 96];
	size_t n = format_line(l, buf, sizeof buf);
	if (L.opts.to_syslog)
		syslog(l->prio, "%s", l->text);
	if (L.opts.to_stderr)
		write_all(STDERR_FILENO, buf, n);
	if (L.file_fd >= 0)
		write_all(L.file_fd, buf, n);
}

static void *writer_main(void *arg)
{
	(void)arg;
	struct log_line line;
	pthread_mutex_lock(&L.mu);
	for (;;) {
		while (L.count == 0 && !L.stop && !L.reopen)
			pthread_cond_wait(&L.wake, &L.mu);
		if (L.reopen) {
			L.reopen = false;
			pthread_mutex_unlock(&L.mu);
			close_outputs();
			open_outputs();
			pthread_mutex_lock(&L.mu);
			continue;
		}
		if (L.count == 0 && L.stop)
			break;
		line = L.ring[L.head];
		L.head = (L.head + 1u) % LOG_RING_LINES;
		L.count--;
		L.writing = true;
		pthread_mutex_unlock(&L.mu);
		output(&line);
		pthread_mutex_lock(&L.mu);
		L.writing = false;
		L.written++;
		if (L.count == 0)
			pthread_cond_broadcast(&L.drained);
	}
	pthread_cond_broadcast(&L.drained);
	pthread_mutex_unlock(&L.mu);
	close_outputs();
	return NULL;
}

static int init_conds(void)
{
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca) != 0)
		return -1;
	/* CLOCK_MONOTONIC, not the decision clock: these waits are bounded
	 * delays of this thread (retries, flushes), never compared with a time
	 * of the core, and a condition variable cannot wait on another clock. */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&L.wake, &ca) | pthread_cond_init(&L.drained, &ca);
	pthread_condattr_destroy(&ca);
	return rc == 0 ? 0 : -1;
}

int agent_log_start(const struct agent_log_opts *opts)
{
	assert(!L.started);
	L.opts = *opts;
	L.file[0] = '\0';
	if (opts->file != NULL)
		snprintf(L.file, sizeof L.file, "%s", opts->file);
	L.opts.file = L.file;
	if (init_conds() < 0)
		return -1;
	open_outputs();
	if (L.file[0] != '\0' && L.file_fd < 0)
		fprintf(stderr, "%s: cannot open log file %s: %s\n", AGENT_NAME, L.file, strerror(errno));
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, LOG_STACK_BYTES);
	int rc = pthread_create(&L.thread, &attr, writer_main, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -1;
	pthread_mutex_lock(&L.mu);
	L.started = true;
	pthread_mutex_unlock(&L.mu);
	return 0;
}

void agent_vlog(int prio, const char *fmt, va_list ap)
{
	if (prio == LOG_DEBUG && !L.opts.verbose)
		return;
	struct log_line l = {.prio = prio, .realtime_ms = hb_clock_realtime_ms()};
	vsnprintf(l.text, sizeof l.text, fmt, ap);
	pthread_mutex_lock(&L.mu);
	if (!L.started || L.stop) {
		pthread_mutex_unlock(&L.mu);
		char buf[LOG_LINE_MAX + 96];
		write_all(STDERR_FILENO, buf, format_line(&l, buf, sizeof buf));
		return;
	}
	if (L.count == LOG_RING_LINES) {
		L.dropped++;
	} else {
		L.ring[(L.head + L.count) % LOG_RING_LINES] = l;
		L.count++;
		pthread_cond_signal(&L.wake);
	}
	pthread_mutex_unlock(&L.mu);
}

void agent_log(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	agent_vlog(prio, fmt, ap);
	va_end(ap);
}

void agent_log_reopen(void)
{
	pthread_mutex_lock(&L.mu);
	L.reopen = true;
	pthread_cond_signal(&L.wake);
	pthread_mutex_unlock(&L.mu);
}

void agent_log_flush(int timeout_ms)
{
	struct timespec dl = hb_clock_monotonic_deadline(timeout_ms);
	pthread_mutex_lock(&L.mu);
	while (L.started && (L.count > 0 || L.writing)) {
		if (pthread_cond_timedwait(&L.drained, &L.mu, &dl) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&L.mu);
}

void agent_log_stop(int timeout_ms)
{
	agent_log_flush(timeout_ms);
	pthread_mutex_lock(&L.mu);
	if (!L.started) {
		pthread_mutex_unlock(&L.mu);
		return;
	}
	bool stuck = L.count > 0 || L.writing;
	L.stop = true;
	pthread_cond_signal(&L.wake);
	pthread_mutex_unlock(&L.mu);
	if (stuck)
		return; /* a write hangs (stderr pipe full?): do not wait for it */
	pthread_join(L.thread, NULL);
	pthread_mutex_lock(&L.mu);
	L.started = false;
	pthread_mutex_unlock(&L.mu);
}

uint64_t agent_log_dropped(void)
{
	pthread_mutex_lock(&L.mu);
	uint64_t d = L.dropped;
	pthread_mutex_unlock(&L.mu);
	return d;
}

int agent_log_lock_stack(size_t *bytes)
{
	*bytes = 0;
	pthread_mutex_lock(&L.mu);
	bool started = L.started;
	pthread_mutex_unlock(&L.mu);
	return started ? hb_thread_stack_lock(L.thread, bytes) : 0;
}

uint64_t agent_log_written(void)
{
	pthread_mutex_lock(&L.mu);
	uint64_t w = L.written;
	pthread_mutex_unlock(&L.mu);
	return w;
}
