/*
 * agent_xapi_watch.c: xapi supervision (agent_xapi_watch.h).
 *
 * Owns the settings of the supervision (derived and checked here only), its
 * state machine (check, restart, give up), the one child process it runs at
 * a time (posix_spawn in its own process group, with the signal mask,
 * dispositions and scheduling reset; a pidfd and a non-blocking pipe in the
 * agent's epoll set; waitpid(WNOHANG); SIGKILL to the group at the
 * deadline) and what it reports. Fencing goes through the core
 * (hb_core_fence, reason xapi_failed) like every other fence. Nothing here
 * blocks the loop, and nothing allocates after start-up (the spawn actions
 * are built once; the pipe's write end is moved to a reserved fd number).
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hb_exit.h"

#define XW_MIN_MS 100u              /* least interval or timeout */
#define XW_WINDOW_MS (24u * 3600u * 1000u)
#define XW_POLL_MS 50               /* reaping without a pidfd */
#define XW_SPAWN_FAILURES_MAX 5u    /* as xhad: then fence */
#define XW_CLOSE_WAIT_MS 500

extern char **environ;

/* ---- settings ------------------------------------------------------------ */

static int split_cmd(const char *src, const char *elem, const char *text, struct agent_xw_cmd *c, struct hb_err *err)
{
	if (strpbrk(text, "\"'\\`$") != NULL)
		return hb_err_set(err, "%s: <%s>: \"%s\": no shell quoting or expansion, the words are split on blanks",
		                  src, elem, text);
	snprintf(c->buf, sizeof c->buf, "%s", text);
	c->argc = 0;
	for (char *save = NULL, *w = strtok_r(c->buf, " \t\r\n", &save); w != NULL; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (c->argc == AGENT_XW_ARGS_MAX)
			return hb_err_set(err, "%s: <%s>: more than %u words", src, elem, AGENT_XW_ARGS_MAX);
		c->argv[c->argc++] = w;
	}
	c->argv[c->argc] = NULL;
	if (c->argc == 0)
		return hb_err_set(err, "%s: <%s>: empty command", src, elem);
	if (c->argv[0][0] != '/')
		return hb_err_set(err, "%s: <%s>: \"%s\" is not an absolute path", src, elem, c->argv[0]);
	return 0;
}

static int check_ms(const char *src, const char *elem, uint32_t v, struct hb_err *err)
{
	if (v < XW_MIN_MS)
		return hb_err_set(err, "%s: <%s>: %" PRIu32 " ms is too short for xapi supervision (at least %u ms)", src,
		                  elem, v, XW_MIN_MS);
	return 0;
}

int agent_xw_configure(const struct hb_config *cfg, const struct hb_timing_params *p, struct agent_xw *xw,
                       struct hb_err *err)
{
	const char *src = cfg->source;
	memset(&xw->t, 0, sizeof xw->t);
	xw->enabled = false;
	xw->off_reason[0] = '\0';
	if (check_ms(src, "XapiHealthCheckInterval", p->xapi_hc_interval_ms, err) < 0 ||
	    check_ms(src, "XapiHealthCheckTimeout", p->xapi_hc_timeout_ms, err) < 0 ||
	    check_ms(src, "XapiRestartTimeout", p->xapi_restart_timeout_ms, err) < 0)
		return -1;
	xw->t.interval_ms = p->xapi_hc_interval_ms;
	xw->t.check_timeout_ms = p->xapi_hc_timeout_ms;
	xw->t.restart_timeout_ms = p->xapi_restart_timeout_ms;
	xw->t.attempts = p->xapi_restart_attempts;
	xw->t.window_ms = XW_WINDOW_MS;
	xw->t.approaching_ms = p->xapi_hc_timeout_ms / 2u;
	if (split_cmd(src, "XapiHealthCheck", cfg->xapi_health_check, &xw->check, err) < 0 ||
	    split_cmd(src, "XapiRestartCommand", cfg->xapi_restart_command, &xw->restart, err) < 0)
		return -1;
	if (cfg->xapi_supervision == HB_XAPI_SUP_OFF) {
		snprintf(xw->off_reason, sizeof xw->off_reason, "turned off in the configuration (<XapiSupervision>off)");
		return 0;
	}
	bool forced = cfg->xapi_supervision == HB_XAPI_SUP_ON;
	if (access(xw->check.argv[0], X_OK) < 0) {
		int e = errno;
		if (forced)
			return hb_err_set(err, "%s: <XapiSupervision>on: the health check %s cannot be run: %s", src,
			                  xw->check.argv[0], strerror(e));
		snprintf(xw->off_reason, sizeof xw->off_reason,
		         "no xapi on this host: the health check %s cannot be run (%s)", xw->check.argv[0], strerror(e));
		return 0;
	}
	if (forced && access(xw->restart.argv[0], X_OK) < 0)
		return hb_err_set(err, "%s: <XapiSupervision>on: the restart command %s cannot be run: %s", src,
		                  xw->restart.argv[0], strerror(errno));
	xw->enabled = true;
	return 0;
}

/* ---- spawning ------------------------------------------------------------ */

/* stdin from /dev/null, stdout and stderr to out, nothing else open. */
static int file_actions(posix_spawn_file_actions_t *fa, int null_fd, int out)
{
	int rc = posix_spawn_file_actions_init(fa);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(fa, null_fd, STDIN_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(fa, out, STDOUT_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(fa, out, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(fa, STDERR_FILENO + 1);
#endif
	return rc;
}

static int prepare_spawn(struct agent_xw *xw, struct hb_err *err)
{
	xw->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	xw->out_slot_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (xw->null_fd < 0 || xw->out_slot_fd < 0)
		return hb_err_set(err, "xapi supervision: cannot open /dev/null: %s", strerror(errno));
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	struct sched_param sp = {.sched_priority = 0};
	int rc = file_actions(&xw->fa, xw->null_fd, xw->out_slot_fd);
	if (rc == 0)
		rc = file_actions(&xw->fa_quiet, xw->null_fd, xw->null_fd);
	if (rc == 0)
		rc = posix_spawnattr_init(&xw->attr);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&xw->attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
		                                         POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSCHEDULER);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&xw->attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&xw->attr, &all);
	if (rc == 0)
		rc = posix_spawnattr_setpgroup(&xw->attr, 0);
	if (rc == 0)
		rc = posix_spawnattr_setschedpolicy(&xw->attr, SCHED_OTHER);
	if (rc == 0)
		rc = posix_spawnattr_setschedparam(&xw->attr, &sp);
	if (rc != 0)
		return hb_err_set(err, "xapi supervision: cannot prepare to spawn: %s", strerror(rc));
	xw->spawn_ready = true;
	return 0;
}

static void watch_fd(struct agent *a, int fd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
	if (fd >= 0 && epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		agent_log(LOG_WARNING, "xapi supervision: epoll_ctl(add): %s", strerror(errno));
}

static void drop_fd(struct agent *a, int *fd)
{
	if (*fd < 0)
		return;
	(void)epoll_ctl(a->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* Start cmd as the child, killed at deadline; 0 or an errno. The health
 * check's output is read from a pipe; the restart command's goes to
 * /dev/null. */
static int spawn(struct agent *a, const struct agent_xw_cmd *cmd, bool is_restart, hb_mono_ms deadline)
{
	struct agent_xw *xw = &a->xw;
	int p[2] = {-1, -1};
	if (!is_restart) {
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
			return errno;
		if (dup3(p[1], xw->out_slot_fd, O_CLOEXEC) < 0) {
			int e = errno;
			close(p[0]);
			close(p[1]);
			return e;
		}
		close(p[1]);
	}
	pid_t pid;
	int rc = posix_spawn(&pid, cmd->argv[0], is_restart ? &xw->fa_quiet : &xw->fa, &xw->attr, cmd->argv, environ);
	if (!is_restart)
		(void)dup3(xw->null_fd, xw->out_slot_fd, O_CLOEXEC); /* our copy of the write end goes */
	if (rc != 0) {
		if (p[0] >= 0)
			close(p[0]);
		return rc;
	}
	xw->pid = pid;
	xw->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	xw->out_fd = p[0];
	xw->is_restart = is_restart;
	xw->timed_out = xw->abandoned = false;
	xw->started_at = a->now;
	xw->deadline = deadline;
	xw->out_len = 0;
	xw->out[0] = '\0';
	watch_fd(a, xw->pidfd, AGENT_TAG_XAPI_PID);
	watch_fd(a, xw->out_fd, AGENT_TAG_XAPI_OUT);
	return 0;
}

/* Keep the first AGENT_XW_ERROR_MAX bytes of the child's output, printable. */
static void drain(struct agent *a)
{
	struct agent_xw *xw = &a->xw;
	char buf[512];
	for (unsigned i = 0; i < 64 && xw->out_fd >= 0; i++) {
		ssize_t n = read(xw->out_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop_fd(a, &xw->out_fd); /* EOF or error: never poll a hung-up pipe */
			return;
		}
		for (ssize_t k = 0; k < n && xw->out_len < AGENT_XW_ERROR_MAX; k++) {
			unsigned char c = (unsigned char)buf[k];
			xw->out[xw->out_len++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
		}
		xw->out[xw->out_len] = '\0';
	}
}

static void kill_child(struct agent_xw *xw)
{
	if (xw->pid <= 0)
		return;
	(void)kill(-xw->pid, SIGKILL); /* its process group: the script and what it started */
	(void)kill(xw->pid, SIGKILL);
}

/* ---- the state machine --------------------------------------------------- */

static void give_up(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void give_up(struct agent *a, const char *fmt, ...)
{
	struct agent_xw *xw = &a->xw;
	char text[HB_LAST_WORDS_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	xw->state = AGENT_XW_FENCED;
	agent_log(LOG_CRIT, "xapi supervision: %s: this host fences itself so that another host can take over "
	          "(reason xapi_failed)", text);
	hb_core_fence(a->core, a->now, HB_FENCE_XAPI_FAILED, text);
	hb_core_status(a->core, a->now, &a->st);
	if (a->st.phase != HB_PHASE_FENCING) {
		/* the core refuses unless Online and armed: it was disarmed or
		 * stopped meanwhile, and supervision waits to be active again */
		agent_log(LOG_NOTICE, "xapi supervision: not fencing after all: this host is %s and %s",
		          hb_phase_name(a->st.phase), a->st.armed ? "armed" : "disarmed");
		xw->state = AGENT_XW_PAUSED;
	}
}

static void start_restart(struct agent *a);

static void on_restart_done(struct agent *a, bool ok, const char *what)
{
	struct agent_xw *xw = &a->xw;
	if (ok) {
		agent_log(LOG_NOTICE, "xapi supervision: xapi restarted in %" PRId64 " ms; next health check in %" PRIu32
		          " ms", a->now - xw->started_at, xw->t.interval_ms);
		xw->state = AGENT_XW_IDLE;
		xw->next_check_at = a->now + xw->t.interval_ms;
		return;
	}
	xw->restart_failures++;
	agent_log(LOG_WARNING, "xapi supervision: the restart command failed: %s", what);
	if (xw->window_restarts < xw->t.attempts && a->now < xw->round_deadline) {
		start_restart(a);
		return;
	}
	give_up(a, "xapi could not be restarted (%s; %u restart(s) in 24 h, XapiRestartAttempts %" PRIu32
	        ", XapiRestartTimeout %" PRIu32 " ms)", what, xw->window_restarts, xw->t.attempts,
	        xw->t.restart_timeout_ms);
}

static void start_restart(struct agent *a)
{
	struct agent_xw *xw = &a->xw;
	xw->window_restarts++;
	xw->restarts++;
	if (xw->window_start < 0)
		xw->window_start = a->now;
	agent_log(LOG_WARNING, "xapi supervision: restarting xapi (restart %u of %" PRIu32 " allowed in 24 h): %s",
	          xw->window_restarts, xw->t.attempts, xw->restart.buf);
	xw->state = AGENT_XW_RESTARTING;
	int rc = spawn(a, &xw->restart, true, xw->round_deadline);
	if (rc != 0) {
		char what[160];
		snprintf(what, sizeof what, "cannot start %s: %s", xw->restart.argv[0], strerror(rc));
		on_restart_done(a, false, what);
	}
}

static void on_check_done(struct agent *a, bool ok, const char *what)
{
	struct agent_xw *xw = &a->xw;
	hb_mono_ms now = a->now;
	xw->checks++;
	if (ok) {
		int64_t lat = now - xw->started_at;
		xw->latency = lat;
		if (xw->latency_max < 0 || lat > xw->latency_max)
			xw->latency_max = lat;
		if (xw->latency_min < 0 || lat < xw->latency_min)
			xw->latency_min = lat;
		if (xw->error[0] != '\0' || xw->restart_first_at >= 0)
			agent_log(LOG_NOTICE, "xapi supervision: the health check passes again (%" PRId64 " ms)", lat);
		xw->error[0] = '\0';
		xw->last_ok_at = now;
		xw->restart_first_at = -1;
		xw->state = AGENT_XW_IDLE;
		xw->next_check_at = now + xw->t.interval_ms;
		return;
	}
	xw->failures++;
	xw->last_fail_at = now;
	/* xapi_error_string: what happened, then the start of the output */
	size_t n = strnlen(what, AGENT_XW_ERROR_MAX);
	memcpy(xw->error, what, n);
	if (xw->out_len > 0 && n + 2u < AGENT_XW_ERROR_MAX) {
		size_t k = xw->out_len < AGENT_XW_ERROR_MAX - n - 2u ? xw->out_len : AGENT_XW_ERROR_MAX - n - 2u;
		memcpy(xw->error + n, ": ", 2);
		memcpy(xw->error + n + 2u, xw->out, k);
		n += 2u + k;
	}
	xw->error[n] = '\0';
	agent_log(LOG_WARNING, "xapi supervision: the health check failed after %" PRId64 " ms: %s%s%s",
	          now - xw->started_at, what, xw->out_len ? ": " : "", xw->out);
	if (xw->window_start >= 0 && now - xw->window_start >= (hb_mono_ms)xw->t.window_ms) {
		xw->window_start = -1;
		xw->window_restarts = 0;
	}
	if (xw->window_restarts >= xw->t.attempts) {
		give_up(a, "the xapi health check failed (%s) and xapi was already restarted %u time(s) in 24 h "
		        "(XapiRestartAttempts %" PRIu32 ")", what, xw->window_restarts, xw->t.attempts);
		return;
	}
	if (xw->restart_first_at < 0)
		xw->restart_first_at = now;
	xw->round_deadline = now + xw->t.restart_timeout_ms;
	start_restart(a);
}

static void start_check(struct agent *a)
{
	struct agent_xw *xw = &a->xw;
	xw->state = AGENT_XW_CHECKING;
	int rc = spawn(a, &xw->check, false, a->now + xw->t.check_timeout_ms);
	if (rc == 0) {
		xw->spawn_failures = 0;
		return;
	}
	xw->state = AGENT_XW_IDLE;
	xw->next_check_at = a->now + xw->t.interval_ms;
	if (++xw->spawn_failures > XW_SPAWN_FAILURES_MAX) {
		give_up(a, "cannot start the xapi health check %s: %s (%u times in a row)", xw->check.argv[0],
		        strerror(rc), xw->spawn_failures);
		return;
	}
	agent_log(LOG_WARNING, "xapi supervision: cannot start the health check %s: %s (%u in a row; the host fences "
	          "after %u)", xw->check.argv[0], strerror(rc), xw->spawn_failures, XW_SPAWN_FAILURES_MAX + 1u);
}

/* The child is gone: its result. */
static void child_done(struct agent *a, int status)
{
	struct agent_xw *xw = &a->xw;
	char what[96];
	drain(a);
	drop_fd(a, &xw->out_fd);
	drop_fd(a, &xw->pidfd);
	xw->pid = 0;
	while (xw->out_len > 0 && xw->out[xw->out_len - 1] == ' ')
		xw->out[--xw->out_len] = '\0'; /* the final newline */
	if (xw->abandoned)
		return;
	bool ok = !xw->timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (xw->timed_out)
		snprintf(what, sizeof what, "timed out after %" PRId64 " ms", xw->deadline - xw->started_at);
	else if (WIFEXITED(status))
		snprintf(what, sizeof what, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(what, sizeof what, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(what, sizeof what, "status 0x%x", (unsigned)status);
	if (xw->is_restart)
		on_restart_done(a, ok, what);
	else
		on_check_done(a, ok, what);
}

static void reap(struct agent *a)
{
	struct agent_xw *xw = &a->xw;
	if (xw->pid <= 0)
		return;
	int status = 0;
	pid_t r = waitpid(xw->pid, &status, WNOHANG);
	if (r == xw->pid) {
		child_done(a, status);
	} else if (r < 0 && errno != EINTR) {
		agent_log(LOG_ERR, "xapi supervision: waitpid(%ld): %s", (long)xw->pid, strerror(errno));
		child_done(a, 0x7f00); /* exit 127: counted as a failure */
	}
}

static bool active(const struct agent *a)
{
	return a->running && !a->fencing && a->st_valid && a->st.phase == HB_PHASE_ONLINE && a->st.armed;
}

void agent_xw_poll(struct agent *a)
{
	struct agent_xw *xw = &a->xw;
	if (!xw->enabled)
		return;
	bool act = active(a);
	if (!act && xw->state != AGENT_XW_PAUSED && xw->state != AGENT_XW_FENCED) {
		/* a result that comes after the host stopped being online and
		 * armed must neither restart xapi nor fence */
		if (xw->pid > 0) {
			xw->abandoned = true;
			kill_child(xw);
		}
		xw->state = AGENT_XW_PAUSED;
		agent_log(LOG_NOTICE, "xapi supervision paused (this host is not online and armed)");
	}
	reap(a);
	if (xw->pid > 0 && !xw->timed_out && !xw->abandoned && a->now >= xw->deadline) {
		xw->timed_out = true;
		agent_log(LOG_WARNING, "xapi supervision: the %s (pid %ld) still runs after %" PRId64 " ms: killing it",
		          xw->is_restart ? "restart command" : "health check", (long)xw->pid, a->now - xw->started_at);
		kill_child(xw);
		reap(a);
	}
	if (!act || xw->state == AGENT_XW_FENCED)
		return;
	if (xw->state == AGENT_XW_PAUSED) {
		if (xw->pid > 0)
			return; /* an abandoned child is still being reaped */
		xw->state = AGENT_XW_IDLE;
		xw->next_check_at = a->now + xw->t.interval_ms;
		agent_log(LOG_NOTICE, "xapi supervision active: the first health check in %" PRIu32 " ms", xw->t.interval_ms);
	}
	if (xw->state == AGENT_XW_IDLE && xw->pid <= 0 && a->now >= xw->next_check_at)
		start_check(a);
}

/* Only the output is read here; the child is reaped by agent_xw_poll, which
 * the step after every event runs (the pidfd stays readable until then). */
void agent_xw_on_event(struct agent *a, uint64_t tag)
{
	if (tag == AGENT_TAG_XAPI_OUT)
		drain(a);
}

hb_mono_ms agent_xw_next_deadline(const struct agent *a)
{
	const struct agent_xw *xw = &a->xw;
	if (!xw->enabled)
		return INT64_MAX;
	if (xw->pid > 0) {
		hb_mono_ms t = xw->pidfd >= 0 ? INT64_MAX : a->now + XW_POLL_MS;
		if (!xw->timed_out && !xw->abandoned && xw->deadline < t)
			t = xw->deadline;
		return t;
	}
	return xw->state == AGENT_XW_IDLE ? xw->next_check_at : INT64_MAX;
}

int agent_xw_setup(struct agent *a)
{
	struct agent_xw *xw = &a->xw;
	struct hb_err err;
	xw->pidfd = xw->out_fd = xw->null_fd = xw->out_slot_fd = -1;
	xw->latency = xw->latency_min = xw->latency_max = -1;
	xw->restart_first_at = xw->window_start = xw->last_ok_at = xw->last_fail_at = -1;
	xw->state = AGENT_XW_OFF;
	if (agent_xw_configure(&a->cfg, &a->cfg.params, xw, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_INVALID_CONFIG_FILE;
	}
	if (!xw->enabled) {
		agent_log(LOG_NOTICE, "xapi supervision off: %s", xw->off_reason);
		return HB_EXIT_SUCCESS;
	}
	/* an ignored SIGCHLD (inherited through exec) would reap the children
	 * for us and leave their exit status unknown */
	signal(SIGCHLD, SIG_DFL);
	if (prepare_spawn(xw, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_SYSTEM_ERROR;
	}
	if (access(xw->restart.argv[0], X_OK) < 0)
		agent_log(LOG_WARNING, "xapi supervision: the restart command %s cannot be run (%s): a failing xapi will "
		          "fence this host without being restarted", xw->restart.argv[0], strerror(errno));
	xw->state = AGENT_XW_PAUSED;
	agent_log(LOG_NOTICE, "xapi supervision on: %s every %" PRIu32 " ms once online and armed (killed after %" PRIu32
	          " ms); on failure \"%s\", at most %" PRIu32 " time(s) in 24 h, each round within %" PRIu32
	          " ms; then this host fences", xw->check.buf, xw->t.interval_ms, xw->t.check_timeout_ms,
	          xw->restart.buf, xw->t.attempts, xw->t.restart_timeout_ms);
	return HB_EXIT_SUCCESS;
}

void agent_xw_close(struct agent *a)
{
	struct agent_xw *xw = &a->xw;
	if (xw->pid > 0) {
		kill_child(xw);
		for (int i = 0; i < XW_CLOSE_WAIT_MS / 10 && waitpid(xw->pid, NULL, WNOHANG) == 0; i++)
			usleep(10000);
		xw->pid = 0;
	}
	if (xw->out_fd >= 0)
		close(xw->out_fd);
	if (xw->pidfd >= 0)
		close(xw->pidfd);
	xw->out_fd = xw->pidfd = -1;
	if (xw->spawn_ready) {
		posix_spawn_file_actions_destroy(&xw->fa);
		posix_spawn_file_actions_destroy(&xw->fa_quiet);
		posix_spawnattr_destroy(&xw->attr);
		xw->spawn_ready = false;
	}
	if (xw->null_fd >= 0)
		close(xw->null_fd);
	if (xw->out_slot_fd >= 0)
		close(xw->out_slot_fd);
	xw->null_fd = xw->out_slot_fd = -1;
}

/* ---- reporting ----------------------------------------------------------- */

void agent_xw_reset_latency(struct agent *a)
{
	a->xw.latency_min = a->xw.latency_max = -1;
}

bool agent_xw_approaching(const struct agent *a)
{
	const struct agent_xw *xw = &a->xw;
	if (!xw->enabled)
		return false;
	if (xw->latency_max >= 0 && xw->latency_max > (int64_t)xw->t.approaching_ms)
		return true;
	return xw->pid > 0 && !xw->is_restart && a->now - xw->started_at >= (hb_mono_ms)xw->t.approaching_ms;
}

int64_t agent_xw_since_restart(const struct agent *a)
{
	const struct agent_xw *xw = &a->xw;
	return xw->restart_first_at < 0 ? -1 : a->now - xw->restart_first_at;
}

static const char *state_name(enum agent_xw_state s)
{
	switch (s) {
	case AGENT_XW_OFF: return "off";
	case AGENT_XW_PAUSED: return "paused";
	case AGENT_XW_IDLE: return "idle";
	case AGENT_XW_CHECKING: return "checking";
	case AGENT_XW_RESTARTING: return "restarting";
	case AGENT_XW_FENCED: return "fenced";
	}
	return "unknown";
}

static void jset(struct json_object *o, const char *k, struct json_object *v) { json_object_object_add(o, k, v); }

static struct json_object *age(hb_mono_ms now, hb_mono_ms at)
{
	return at < 0 ? NULL : json_object_new_int64(now - at);
}

struct json_object *agent_xw_json(const struct agent *a)
{
	const struct agent_xw *xw = &a->xw;
	struct json_object *o = json_object_new_object();
	jset(o, "supervision", json_object_new_string(xw->enabled ? "on" : "off"));
	jset(o, "off_reason", xw->enabled ? NULL : json_object_new_string(xw->off_reason));
	jset(o, "state", json_object_new_string(state_name(xw->state)));
	jset(o, "health_check", json_object_new_string(a->cfg.xapi_health_check));
	jset(o, "restart_command", json_object_new_string(a->cfg.xapi_restart_command));
	jset(o, "interval_ms", json_object_new_int64(xw->t.interval_ms));
	jset(o, "timeout_ms", json_object_new_int64(xw->t.check_timeout_ms));
	jset(o, "restart_timeout_ms", json_object_new_int64(xw->t.restart_timeout_ms));
	jset(o, "restart_attempts", json_object_new_int64(xw->t.attempts));
	jset(o, "checks", json_object_new_uint64(xw->checks));
	jset(o, "failures", json_object_new_uint64(xw->failures));
	jset(o, "restarts", json_object_new_uint64(xw->restarts));
	jset(o, "restart_failures", json_object_new_uint64(xw->restart_failures));
	bool in_window = xw->window_start >= 0 && a->now - xw->window_start < (hb_mono_ms)xw->t.window_ms;
	jset(o, "restarts_in_24h", json_object_new_int64(in_window ? xw->window_restarts : 0));
	jset(o, "Xapi_healthcheck_latency", json_object_new_int64(xw->latency));
	jset(o, "Xapi_healthcheck_latency_min", json_object_new_int64(xw->latency_min));
	jset(o, "Xapi_healthcheck_latency_max", json_object_new_int64(xw->latency_max));
	jset(o, "time_since_xapi_restart_first_attempted", json_object_new_int64(agent_xw_since_restart(a)));
	jset(o, "last_ok_age_ms", age(a->now, xw->last_ok_at));
	jset(o, "last_failure_age_ms", age(a->now, xw->last_fail_at));
	jset(o, "running_for_ms", xw->pid > 0 ? json_object_new_int64(a->now - xw->started_at) : NULL);
	jset(o, "next_check_in_ms", xw->state == AGENT_XW_IDLE && xw->pid <= 0
	                                    ? json_object_new_int64(xw->next_check_at > a->now ? xw->next_check_at - a->now : 0)
	                                    : NULL);
	jset(o, "error", json_object_new_string(xw->error));
	jset(o, "approaching_timeout", json_object_new_boolean(agent_xw_approaching(a)));
	return o;
}
