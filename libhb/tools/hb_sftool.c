/*
 * hb_sftool.c: offline statefile operations with a hard deadline (see
 * hb_sftool.h).
 *
 * Owns the helper process (fork, its socketpair protocol, its abandonment on
 * timeout), the decoding of what it streams back, and the four operations:
 * init, dump, set-pool-state, set-excluded. The helper only moves raw 4 KiB
 * blocks; every decision is taken here, in the parent.
 */
#include "hb_sftool.h"
#include "hb_clock.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_uuid.h"

/* ---- protocol between the parent and the helper -------------------------- */

enum sf_cmd_type { CMD_READ = 1, CMD_WRITE = 2, CMD_EXIT = 3 };
enum sf_msg_type { MSG_INFO = 1, MSG_BLOCK = 2, MSG_DONE = 3 };
enum sf_status { ST_OK = 0, ST_ERROR = 1, ST_TIMEOUT = 2, ST_DENIED = 3 /* open: no permission */ };

struct sf_cmd {
	uint32_t type;  /* enum sf_cmd_type */
	uint32_t block; /* CMD_WRITE */
	uint8_t data[HB_SF_BLOCK_SIZE];
};

struct sf_msg {
	uint32_t type;   /* enum sf_msg_type */
	uint32_t block;  /* MSG_BLOCK */
	int32_t status;  /* MSG_DONE: enum sf_status */
	struct hb_sfio_result io;  /* MSG_BLOCK, MSG_DONE after a write */
	struct hb_sf_devinfo info; /* MSG_INFO */
	char text[HB_ERR_LEN];     /* MSG_DONE with ST_ERROR */
	uint8_t data[HB_SF_BLOCK_SIZE]; /* MSG_BLOCK */
};

/* Upper bound on the commands of one session: init writes 1 + n_hosts + 1
 * blocks and reads once; the others read twice and write once. */
#define SF_MAX_CMDS (2u * (HB_MAX_HOSTS + 4u))
/* Retries of a syscall interrupted by a signal, per transfer. */
#define SF_EINTR_MAX 64u
/* After CMD_EXIT, how long the parent waits for the helper to exit. */
#define SF_EXIT_WAIT_MS 1000

/* Set err and return the exit code. */
__attribute__((format(printf, 3, 4))) static int sf_fail(struct hb_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err)
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* Blocking send of all of buf (the helper side). */
static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;
	for (unsigned eintr = 0; done < len && eintr <= SF_EINTR_MAX;) {
		ssize_t n = send(fd, p + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return done == len ? 0 : -1;
}

/* Blocking receive of exactly len bytes (the helper side). 0 = EOF before
 * anything, 1 = done, -1 = error or EOF mid-way. */
static int recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t done = 0;
	for (unsigned eintr = 0; done < len && eintr <= SF_EINTR_MAX;) {
		ssize_t n = recv(fd, p + done, len - done, 0);
		if (n < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (n == 0 && done == 0)
			return 0;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return done == len ? 1 : -1;
}

/* Transfer exactly len bytes on a non-blocking fd before deadline_us (the
 * parent side). Returns 1 done, 0 deadline passed, -1 peer gone or error.
 * Each pass moves at least one byte, or waits, or counts an EINTR. */
static int xfer_deadline(int fd, void *buf, size_t len, bool out, int64_t deadline_us)
{
	uint8_t *p = buf;
	size_t done = 0;
	for (unsigned eintr = 0; done < len && eintr <= SF_EINTR_MAX;) {
		int64_t left_us = deadline_us - hb_clock_monotonic_us();
		if (left_us <= 0)
			return 0;
		struct pollfd pfd = {.fd = fd, .events = out ? POLLOUT : POLLIN};
		int rc = poll(&pfd, 1, (int)((left_us + 999) / 1000));
		if (rc < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		ssize_t n = out ? send(fd, p + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT)
		                : recv(fd, p + done, len - done, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
			eintr += errno == EINTR;
			continue;
		}
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return done == len ? 1 : -1;
}

/* ---- the helper process -------------------------------------------------- */

struct sf_child {
	int sock;
	int64_t deadline_us;
	struct hb_sfdev dev;
	struct sf_msg msg;
	struct sf_cmd cmd;
};

static void child_send(struct sf_child *c)
{
	if (send_all(c->sock, &c->msg, sizeof c->msg) < 0)
		_exit(HB_EXIT_CAN_NOT_ACCESS_STATEFILE); /* parent gone */
}

static void child_done(struct sf_child *c, enum sf_status status, const struct hb_sfio_result *io, const char *text)
{
	memset(&c->msg, 0, sizeof c->msg);
	c->msg.type = MSG_DONE;
	c->msg.status = status;
	if (io)
		c->msg.io = *io;
	snprintf(c->msg.text, sizeof c->msg.text, "%s", text ? text : "");
	child_send(c);
}

/* Reap until nothing is in flight or the deadline. Returns ST_OK, or
 * ST_TIMEOUT (still in flight, declared overdue) / ST_ERROR with err. */
static enum sf_status child_wait(struct sf_child *c, struct hb_err *err)
{
	int64_t left_us = c->deadline_us - hb_clock_monotonic_us();
	int left_ms = left_us > 0 ? (int)((left_us + 999) / 1000) : 0;
	if (hb_sfdev_reap(&c->dev, left_ms, err) < 0)
		return ST_ERROR;
	if (hb_sfdev_read_busy(&c->dev) || hb_sfdev_write_busy(&c->dev)) {
		hb_sfdev_read_overdue(&c->dev);
		hb_sfdev_write_overdue(&c->dev);
		hb_err_set(err, "I/O still in flight at the deadline");
		return ST_TIMEOUT;
	}
	return ST_OK;
}

static void child_read(struct sf_child *c)
{
	struct hb_err err = {{0}};
	int rc = hb_sfdev_submit_read(&c->dev, &err);
	if (rc == HB_SFDEV_BUSY) {
		child_done(c, ST_TIMEOUT, NULL, "previous read still in flight");
		return;
	}
	/* rc < 0: no block could be submitted; the per-block results say why. */
	enum sf_status st = rc == 0 ? child_wait(c, &err) : ST_OK;
	if (st != ST_OK) {
		child_done(c, st, NULL, err.msg);
		return;
	}
	for (unsigned b = 0; b < c->dev.n_blocks; b++) {
		memset(&c->msg, 0, sizeof c->msg);
		c->msg.type = MSG_BLOCK;
		c->msg.block = b;
		c->msg.io = *hb_sfdev_read_result(&c->dev, b);
		memcpy(c->msg.data, hb_sfdev_read_data(&c->dev, b), HB_SF_BLOCK_SIZE);
		child_send(c);
	}
	child_done(c, ST_OK, NULL, NULL);
}

static void child_write(struct sf_child *c)
{
	struct hb_err err = {{0}};
	uint8_t *buf = hb_sfdev_write_buf(&c->dev);
	if (!buf) {
		child_done(c, ST_TIMEOUT, NULL, "previous write still in flight");
		return;
	}
	memcpy(buf, c->cmd.data, HB_SF_BLOCK_SIZE);
	int rc = hb_sfdev_submit_write(&c->dev, c->cmd.block, &err);
	enum sf_status st = rc == 0 ? child_wait(c, &err) : ST_OK;
	if (st != ST_OK) {
		child_done(c, st, NULL, err.msg);
		return;
	}
	child_done(c, ST_OK, hb_sfdev_write_result(&c->dev), NULL);
}

/* Keep only the socket (as fd 3) and /dev/null on 0-2: the helper may
 * outlive the caller in D state and must not hold its pipes open (a shell's
 * $(...) or a test harness would wait for it). */
static int child_isolate(int sock)
{
	int s = fcntl(sock, F_DUPFD, 10);
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s < 0 || nul < 0)
		return -1;
	if (dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(nul, 2) < 0 || dup2(s, 3) < 0)
		return -1;
	close_range(4, ~0u, 0);
	return 3;
}

static void child_loop(struct sf_child *c)
{
	for (unsigned i = 0; i < SF_MAX_CMDS; i++) {
		if (recv_all(c->sock, &c->cmd, sizeof c->cmd) != 1)
			return; /* parent gone or gave up */
		switch (c->cmd.type) {
		case CMD_READ: child_read(c); break;
		case CMD_WRITE: child_write(c); break;
		default: return;
		}
	}
}

static _Noreturn void child_main(int sock, pid_t parent, const struct hb_sftool_target *t, bool create, int64_t deadline_us)
{
	static struct sf_child c; /* the child's own copy of memory: no sharing */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
	c.sock = child_isolate(sock);
	if (c.sock < 0)
		_exit(HB_EXIT_SYSTEM_ERROR);
	c.deadline_us = deadline_us;
	struct hb_err err = {{0}};
	const struct hb_sfdev_opts o = {.n_hosts = t->n_hosts, .create = create, .use_eventfd = false};
	if (hb_sfdev_open(&c.dev, t->path, &o, &err) < 0) {
		bool denied = errno == EACCES || errno == EPERM;
		char text[HB_ERR_LEN];
		snprintf(text, sizeof text, "%.*s%s", HB_ERR_LEN - 64, err.msg, denied ? "; run as root (the statefile is root's)" : "");
		child_done(&c, denied ? ST_DENIED : ST_ERROR, NULL, text);
		_exit(HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
	}
	memset(&c.msg, 0, sizeof c.msg);
	c.msg.type = MSG_INFO;
	c.msg.info = (struct hb_sf_devinfo){.kind = c.dev.kind, .logical_sector = c.dev.logical_sector,
	                                    .physical_sector = c.dev.physical_sector, .size = c.dev.size};
	child_send(&c);
	child_loop(&c);
	if (hb_sfdev_read_busy(&c.dev) || hb_sfdev_write_busy(&c.dev))
		_exit(HB_EXIT_CAN_NOT_ACCESS_STATEFILE); /* exit waits for the I/O */
	hb_sfdev_close(&c.dev);
	_exit(HB_EXIT_SUCCESS);
}

/* ---- the parent's session with the helper -------------------------------- */

struct sf_session {
	const struct hb_sftool_target *t;
	pid_t pid;
	int sock;
	int64_t deadline_us;
	struct sf_msg msg;
	struct sf_cmd cmd;
};

static int timeout_error(const struct sf_session *s, struct hb_err *err)
{
	hb_err_set(err, "statefile %s did not answer within %u ms (its I/O helper process was killed and is left to exit on its own when the device answers; it may stay in D state until then)",
		s->t->path, s->t->timeout_ms);
	return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
}

/* Give up on the helper without waiting for it. */
static void session_abandon(struct sf_session *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, WNOHANG);
	}
	if (s->sock >= 0)
		close(s->sock);
	s->pid = -1;
	s->sock = -1;
}

/* Ask the helper to exit, and reap it if it does so promptly. */
static void session_end(struct sf_session *s)
{
	int64_t deadline = hb_clock_monotonic_us() + (int64_t)SF_EXIT_WAIT_MS * 1000;
	memset(&s->cmd, 0, sizeof s->cmd);
	s->cmd.type = CMD_EXIT;
	if (xfer_deadline(s->sock, &s->cmd, sizeof s->cmd, true, deadline) == 1) {
		uint8_t byte;
		(void)xfer_deadline(s->sock, &byte, 1, false, deadline); /* EOF = exited */
	}
	for (unsigned i = 0; i < SF_EXIT_WAIT_MS && s->pid > 0; i++) {
		if (waitpid(s->pid, NULL, WNOHANG) != 0) {
			s->pid = -1;
			break;
		}
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	session_abandon(s);
}

/* Receive one message (s->msg) or send one command (s->cmd) within the
 * deadline. HB_EXIT_SUCCESS, or an exit code with err (the session then
 * abandoned). */
static int session_xfer(struct sf_session *s, bool send, struct hb_err *err)
{
	int rc = send ? xfer_deadline(s->sock, &s->cmd, sizeof s->cmd, true, s->deadline_us)
	              : xfer_deadline(s->sock, &s->msg, sizeof s->msg, false, s->deadline_us);
	if (rc == 1)
		return HB_EXIT_SUCCESS;
	session_abandon(s);
	if (rc == 0)
		return timeout_error(s, err);
	hb_err_set(err, "statefile %s: its I/O helper process exited unexpectedly", s->t->path);
	return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
}

static int session_recv(struct sf_session *s, struct hb_err *err) { return session_xfer(s, false, err); }
static int session_send(struct sf_session *s, struct hb_err *err) { return session_xfer(s, true, err); }

/* A MSG_DONE that is not ST_OK ends the session. */
static int session_check_done(struct sf_session *s, struct hb_err *err)
{
	assert(s->msg.type == MSG_DONE);
	if (s->msg.status == ST_OK)
		return HB_EXIT_SUCCESS;
	if (s->msg.status == ST_TIMEOUT) {
		session_abandon(s);
		return timeout_error(s, err);
	}
	hb_err_set(err, "%s", s->msg.text);
	session_end(s);
	return s->msg.status == ST_DENIED ? HB_EXIT_INVALID_ENVIRONMENT : HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
}

static int session_start(struct sf_session *s, const struct hb_sftool_target *t, bool create, struct hb_sf_dump *out, struct hb_err *err)
{
	int sv[2];
	memset(s, 0, sizeof *s);
	s->t = t;
	s->pid = -1;
	s->sock = -1;
	s->deadline_us = hb_clock_monotonic_us() + (int64_t)t->timeout_ms * 1000;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return sf_fail(err, HB_EXIT_SYSTEM_ERROR, "socketpair: %s", strerror(errno));
	pid_t parent = getpid();
	s->pid = fork();
	if (s->pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return sf_fail(err, HB_EXIT_SYSTEM_ERROR, "fork: %s", strerror(e));
	}
	if (s->pid == 0) {
		close(sv[0]);
		child_main(sv[1], parent, t, create, s->deadline_us);
	}
	close(sv[1]);
	s->sock = sv[0];
	int rc = session_recv(s, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (s->msg.type == MSG_DONE && s->msg.status != ST_OK)
		return session_check_done(s, err); /* open failed: its message */
	if (s->msg.type != MSG_INFO) {
		session_abandon(s);
		return sf_fail(err, HB_EXIT_INTERNAL_BUG, "statefile %s: protocol error with the I/O helper", t->path);
	}
	out->dev = s->msg.info;
	return HB_EXIT_SUCCESS;
}

/* ---- decoding ------------------------------------------------------------ */

static void decode_block(const struct hb_sftool_target *t, unsigned block, const struct hb_sfio_result *io, const uint8_t *data, struct hb_sf_dump *out)
{
	const bool ok = io->status == HB_SFIO_OK;
	if (block == 0) {
		const struct hb_sf_pool any = {.generation = NULL, .n_hosts = 0, .host_uuids = NULL};
		out->global_io = *io;
		out->global_reject = ok ? hb_global_decode(data, &any, &out->global) : HB_REJECT_TRUNCATED;
		out->global_generation_ok = out->global_reject == HB_REJECT_NONE && hb_uuid_cmp(&out->global.generation, &t->generation) == 0;
		out->global_n_hosts_ok = out->global_reject == HB_REJECT_NONE && out->global.n_hosts == t->n_hosts;
		return;
	}
	const unsigned i = block - 1u;
	assert(i < t->n_hosts);
	const struct hb_sf_pool pool = {.generation = &t->generation, .n_hosts = t->n_hosts, .host_uuids = t->host_uuids};
	out->slot_io[i] = *io;
	out->slot_reject[i] = ok ? hb_slot_decode(data, i, &pool, &out->slots[i]) : HB_REJECT_TRUNCATED;
}

/* Read every block and decode it into out (dev info kept). */
static int session_read_all(struct sf_session *s, struct hb_sf_dump *out, struct hb_err *err)
{
	const struct hb_sf_devinfo dev = out->dev;
	memset(out, 0, sizeof *out);
	out->dev = dev;
	out->required_size = HB_SF_MIN_SIZE(s->t->n_hosts);
	memset(&s->cmd, 0, sizeof s->cmd);
	s->cmd.type = CMD_READ;
	int rc = session_send(s, err);
	for (unsigned i = 0; rc == HB_EXIT_SUCCESS && i <= s->t->n_hosts + 1u; i++) {
		rc = session_recv(s, err);
		if (rc != HB_EXIT_SUCCESS)
			return rc;
		if (s->msg.type == MSG_DONE)
			return session_check_done(s, err);
		if (s->msg.type != MSG_BLOCK || s->msg.block > s->t->n_hosts)
			break;
		decode_block(s->t, s->msg.block, &s->msg.io, s->msg.data, out);
	}
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	session_abandon(s);
	return sf_fail(err, HB_EXIT_INTERNAL_BUG, "statefile %s: protocol error with the I/O helper", s->t->path);
}

static const char *describe_io(const struct hb_sfio_result *io, char *buf, size_t len)
{
	if (io->status == HB_SFIO_ERROR)
		snprintf(buf, len, "I/O error: %s", strerror(io->error));
	else if (io->status == HB_SFIO_SHORT)
		snprintf(buf, len, "short transfer: %u of %u bytes", io->bytes, HB_SF_BLOCK_SIZE);
	else
		snprintf(buf, len, "%s", hb_sfio_status_name(io->status));
	return buf;
}

/* Write one block (cmd.data already filled). */
static int session_write(struct sf_session *s, unsigned block, struct hb_err *err)
{
	s->cmd.type = CMD_WRITE;
	s->cmd.block = block;
	int rc = session_send(s, err);
	if (rc == HB_EXIT_SUCCESS)
		rc = session_recv(s, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (s->msg.type != MSG_DONE) {
		session_abandon(s);
		return sf_fail(err, HB_EXIT_INTERNAL_BUG, "statefile %s: protocol error with the I/O helper", s->t->path);
	}
	rc = session_check_done(s, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (s->msg.io.status != HB_SFIO_OK) {
		char what[128];
		hb_err_set(err, "statefile %s: write of block %u failed (%s)", s->t->path, block, describe_io(&s->msg.io, what, sizeof what));
		session_end(s);
		return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
	}
	return HB_EXIT_SUCCESS;
}

/* ---- checks -------------------------------------------------------------- */

/* The global block must be readable, valid, of the configured generation and
 * pool size. Returns 0 or an exit code with err. */
static int check_global(const struct hb_sftool_target *t, const struct hb_sf_dump *d, struct hb_err *err)
{
	char a[HB_UUID_STR_LEN], b[HB_UUID_STR_LEN], what[128];
	if (d->global_io.status != HB_SFIO_OK)
		return sf_fail(err, HB_EXIT_CAN_NOT_ACCESS_STATEFILE, "statefile %s: cannot read the global block (%s)", t->path, describe_io(&d->global_io, what, sizeof what));
	if (d->global_reject != HB_REJECT_NONE)
		return sf_fail(err, HB_EXIT_INVALID_STATE_FILE, "statefile %s: the global block is invalid (%s); run `hbctl statefile init` first", t->path, hb_reject_name(d->global_reject));
	if (!d->global_generation_ok)
		return sf_fail(err, HB_EXIT_GENERATION_UUID_MISMATCH, "statefile %s belongs to generation %s, the configuration has %s", t->path,
			hb_uuid_format(&d->global.generation, a), hb_uuid_format(&t->generation, b));
	if (!d->global_n_hosts_ok)
		return sf_fail(err, HB_EXIT_INVALID_STATE_FILE, "statefile %s: the global block records %u hosts, the configuration has %u", t->path, d->global.n_hosts, t->n_hosts);
	return HB_EXIT_SUCCESS;
}

static int check_slot(const struct hb_sftool_target *t, const struct hb_sf_dump *d, unsigned i, struct hb_err *err)
{
	char what[128];
	if (d->slot_io[i].status != HB_SFIO_OK)
		return sf_fail(err, HB_EXIT_CAN_NOT_ACCESS_STATEFILE, "statefile %s: cannot read the slot of host %u (%s)", t->path, i, describe_io(&d->slot_io[i], what, sizeof what));
	if (d->slot_reject[i] != HB_REJECT_NONE)
		return sf_fail(err, HB_EXIT_INVALID_STATE_FILE, "statefile %s: the slot of host %u is invalid (%s)", t->path, i, hb_reject_name(d->slot_reject[i]));
	return HB_EXIT_SUCCESS;
}

static int verify_init(const struct hb_sftool_target *t, const struct hb_sf_dump *d, struct hb_err *err)
{
	int rc = check_global(t, d, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (d->global.pool_state != HB_POOL_INIT || d->global.sequence != 1)
		return sf_fail(err, HB_EXIT_CAN_NOT_ACCESS_STATEFILE, "statefile %s: the global block did not read back as written", t->path);
	for (unsigned i = 0; i < t->n_hosts; i++) {
		rc = check_slot(t, d, i, err);
		if (rc != HB_EXIT_SUCCESS)
			return rc;
		if (d->slots[i].boot_id != 0 || d->slots[i].sequence != 0)
			return sf_fail(err, HB_EXIT_CAN_NOT_ACCESS_STATEFILE, "statefile %s: the slot of host %u did not read back as written", t->path, i);
	}
	return HB_EXIT_SUCCESS;
}

/* ---- operations ---------------------------------------------------------- */

static void target_check(const struct hb_sftool_target *t)
{
	assert(t && t->path);
	assert(t->n_hosts >= 1 && t->n_hosts <= HB_MAX_HOSTS);
	assert(t->local_index < t->n_hosts);
	assert(t->timeout_ms > 0);
	(void)t; /* only asserts */
}

static int init_write_all(struct sf_session *s, struct hb_err *err)
{
	const struct hb_sftool_target *t = s->t;
	memset(s->cmd.data, 0, sizeof s->cmd.data); /* 1: invalidate the global block */
	int rc = session_write(s, 0, err);
	for (unsigned i = 0; rc == HB_EXIT_SUCCESS && i < t->n_hosts; i++) { /* 2: every slot */
		struct hb_slot slot;
		hb_slot_init_fresh(&slot, &t->generation, &t->host_uuids[i], i, t->n_hosts);
		hb_slot_encode(&slot, s->cmd.data);
		rc = session_write(s, 1u + i, err);
	}
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	const struct hb_global g = {.generation = t->generation, .pool_state = HB_POOL_INIT, .n_hosts = t->n_hosts,
	                            .sequence = 1, .writer = HB_SFTOOL_WRITER};
	hb_global_encode(&g, s->cmd.data); /* 3: the global block, last */
	return session_write(s, 0, err);
}

/* init (create: make / extend a regular file) and format (the statefile
 * must be there, big enough). */
static int init_statefile(const struct hb_sftool_target *t, bool create, struct hb_sf_dump *out, struct hb_err *err)
{
	struct sf_session s;
	target_check(t);
	memset(out, 0, sizeof *out);
	int rc = session_start(&s, t, create, out, err);
	if (rc == HB_EXIT_SUCCESS)
		rc = init_write_all(&s, err);
	if (rc == HB_EXIT_SUCCESS)
		rc = session_read_all(&s, out, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	session_end(&s);
	return verify_init(t, out, err);
}

int hb_sftool_init(const struct hb_sftool_target *t, struct hb_sf_dump *out, struct hb_err *err)
{
	return init_statefile(t, true, out, err);
}

int hb_sftool_format(const struct hb_sftool_target *t, struct hb_sf_dump *out, struct hb_err *err)
{
	return init_statefile(t, false, out, err);
}

int hb_sftool_dump(const struct hb_sftool_target *t, struct hb_sf_dump *out, struct hb_err *err)
{
	struct sf_session s;
	target_check(t);
	memset(out, 0, sizeof *out);
	int rc = session_start(&s, t, false, out, err);
	if (rc == HB_EXIT_SUCCESS)
		rc = session_read_all(&s, out, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	session_end(&s);
	return HB_EXIT_SUCCESS;
}

/* The read half of a read-modify-write: open a session, read everything,
 * then check what was read. HB_EXIT_SUCCESS with the session open, else an
 * exit code with err (the session closed). */
static int rmw_read(struct sf_session *s, const struct hb_sftool_target *t, struct hb_sf_dump *out,
                    int (*check)(const struct hb_sftool_target *, const struct hb_sf_dump *, struct hb_err *), struct hb_err *err)
{
	target_check(t);
	memset(out, 0, sizeof *out);
	int rc = session_start(s, t, false, out, err);
	if (rc == HB_EXIT_SUCCESS)
		rc = session_read_all(s, out, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	rc = check(t, out, err);
	if (rc != HB_EXIT_SUCCESS)
		session_end(s);
	return rc;
}

/* The write half: write s->cmd.data to block, read everything back into out
 * and close the session. */
static int rmw_write(struct sf_session *s, unsigned block, struct hb_sf_dump *out, struct hb_err *err)
{
	int rc = session_write(s, block, err);
	if (rc == HB_EXIT_SUCCESS)
		rc = session_read_all(s, out, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	session_end(s);
	return HB_EXIT_SUCCESS;
}

int hb_sftool_set_pool_state(const struct hb_sftool_target *t, enum hb_pool_state state, struct hb_sf_dump *out, struct hb_err *err)
{
	struct sf_session s;
	assert(state >= HB_POOL_INIT && state <= HB_POOL_STATE_MAX);
	int rc = rmw_read(&s, t, out, check_global, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	struct hb_global g = out->global;
	g.pool_state = state;
	g.sequence++;
	g.writer = HB_SFTOOL_WRITER;
	hb_global_encode(&g, s.cmd.data);
	rc = rmw_write(&s, 0, out, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (out->global_reject != HB_REJECT_NONE || out->global.sequence != g.sequence || out->global.pool_state != state)
		return sf_fail(err, HB_EXIT_CAN_NOT_ACCESS_STATEFILE, "statefile %s: the global block did not read back as written", t->path);
	return HB_EXIT_SUCCESS;
}

static int excluded_preconditions(const struct hb_sftool_target *t, const struct hb_sf_dump *d, struct hb_err *err)
{
	int rc = check_global(t, d, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (d->global.pool_state != HB_POOL_ACTIVE)
		return sf_fail(err, HB_EXIT_INVALID_POOL_STATE, "statefile %s: pool state is %s; changing the excluded flag needs pool state active", t->path,
			hb_pool_state_name((enum hb_pool_state)d->global.pool_state));
	return check_slot(t, d, t->local_index, err);
}

int hb_sftool_set_excluded(const struct hb_sftool_target *t, bool excluded, struct hb_sf_dump *out, struct hb_err *err)
{
	struct sf_session s;
	int rc = rmw_read(&s, t, out, excluded_preconditions, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	const unsigned i = t->local_index;
	struct hb_slot slot = out->slots[i];
	slot.view.flags = (uint8_t)(excluded ? (slot.view.flags | HB_VF_EXCLUDED) : (slot.view.flags & ~HB_VF_EXCLUDED));
	slot.sequence++;
	hb_slot_encode(&slot, s.cmd.data);
	rc = rmw_write(&s, 1u + i, out, err);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (out->slot_reject[i] != HB_REJECT_NONE || out->slots[i].sequence != slot.sequence || out->slots[i].view.flags != slot.view.flags)
		return sf_fail(err, HB_EXIT_CAN_NOT_ACCESS_STATEFILE, "statefile %s: the slot of host %u did not read back as written", t->path, i);
	return HB_EXIT_SUCCESS;
}

/* ---- helpers ------------------------------------------------------------- */

void hb_sftool_target_from_config(const struct hb_config *cfg, unsigned timeout_ms, struct hb_sftool_target *out)
{
	assert(cfg && out && cfg->n_hosts <= HB_MAX_HOSTS);
	memset(out, 0, sizeof *out);
	out->path = cfg->statefile;
	out->generation = cfg->generation;
	out->n_hosts = cfg->n_hosts;
	out->local_index = cfg->local_index;
	for (unsigned i = 0; i < cfg->n_hosts; i++) {
		assert(cfg->hosts[i].index == i);
		out->host_uuids[i] = cfg->hosts[i].uuid;
	}
	out->timeout_ms = timeout_ms;
}

enum hb_sf_slot_state hb_sf_dump_slot_state(const struct hb_sf_dump *d, unsigned index)
{
	assert(index < HB_MAX_HOSTS);
	if (d->slot_io[index].status != HB_SFIO_OK)
		return HB_SF_SLOT_IOERROR;
	if (d->slot_reject[index] != HB_REJECT_NONE)
		return HB_SF_SLOT_INVALID;
	return d->slots[index].boot_id == 0 ? HB_SF_SLOT_EMPTY : HB_SF_SLOT_VALID;
}

unsigned hb_sf_dump_io_errors(const struct hb_sf_dump *d, unsigned n_hosts)
{
	assert(n_hosts <= HB_MAX_HOSTS);
	unsigned n = d->global_io.status != HB_SFIO_OK;
	for (unsigned i = 0; i < n_hosts; i++)
		n += d->slot_io[i].status != HB_SFIO_OK;
	return n;
}

const char *hb_sf_slot_state_name(enum hb_sf_slot_state state)
{
	switch (state) {
	case HB_SF_SLOT_VALID: return "VALID";
	case HB_SF_SLOT_EMPTY: return "EMPTY";
	case HB_SF_SLOT_INVALID: return "INVALID";
	case HB_SF_SLOT_IOERROR: return "IOERROR";
	}
	return "UNKNOWN";
}
