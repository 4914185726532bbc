/*
 * agent_ctl.c: hbagent's control socket (agent_ctl.h, docs/control.md).
 *
 * Owns the listening socket (refused when another agent answers on it), the
 * client table and its fixed buffers, non-blocking reads and writes driven by
 * the decision loop (bounded work per event: a client can never hold the
 * loop), the peer credentials and who may run what (with slots kept for
 * uid 0), the limits and their counters, and replies of any size (a large
 * one is sent from its own text while the client's next lines wait). Lines
 * are parsed by ctl_proto.c, run by agent_command.c.
 */
#include "agent.h"

#include <assert.h>
#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hb_ctl_proto.h"
#include "hb_exit.h"

#define CTL_ACCEPT_BUDGET 16u
#define CTL_READ_BUDGET 4u /* reads of up to 64 KiB per client event */
#define CTL_NEVER INT64_MAX

/* ---- socket -------------------------------------------------------------- */

/* The socket's directory: created 0700, or 0750 with the control group.
 * An existing directory is the admin's and left alone, except the agent's
 * own run directory (the lock file's, created 0700 before the socket): the
 * control group is given access to it, or its members could never reach the
 * default socket. */
static int make_parent(const char *path, const struct agent_ctl *ctl, struct hb_err *err)
{
	char dir[AGENT_CTL_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	mode_t mode = ctl->have_group ? 0750 : 0700;
	bool created = mkdir(dir, mode) == 0;
	if (!created && errno != EEXIST)
		return hb_err_set(err, "cannot create the control socket directory %s: %s", dir, strerror(errno));
	if (!ctl->have_group)
		return 0;
	if (created || strcmp(dir, AGENT_RUN_DIR) == 0) {
		if (chown(dir, (uid_t)-1, ctl->group) < 0 || chmod(dir, mode) < 0)
			return hb_err_set(err, "control socket directory %s: cannot give it to group %ld: %s", dir,
			                  (long)ctl->group, strerror(errno));
		return 0;
	}
	struct stat st;
	if (stat(dir, &st) == 0 && !(st.st_mode & S_IXOTH) && !(st.st_gid == ctl->group && (st.st_mode & S_IXGRP)))
		agent_log(LOG_WARNING,
		          "control socket directory %s (mode %04o, group %ld) does not let the control group %ld in: "
		          "its members cannot connect",
		          dir, (unsigned)(st.st_mode & 07777), (long)st.st_gid, (long)ctl->group);
	return 0;
}

/* An existing socket file: refuse if an agent answers on it, else remove it. */
static int clear_stale(const struct sockaddr_un *sa, struct hb_err *err)
{
	struct stat st;
	if (lstat(sa->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return hb_err_set(err, "control socket path %s exists and is not a socket", sa->sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0) {
		close(fd);
		return hb_err_set(err, "another agent answers on the control socket %s", sa->sun_path);
	}
	if (fd >= 0)
		close(fd);
	unlink(sa->sun_path);
	return 0;
}

static int alloc_clients(struct agent_ctl *ctl, struct hb_err *err)
{
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++)
		ctl->clients[i].fd = -1;
	ctl->allocated = true;
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++) {
		struct agent_ctl_client *c = &ctl->clients[i];
		c->in = malloc(AGENT_CTL_LINE_MAX + 1u);
		c->out = malloc(AGENT_CTL_OUT_MAX);
		if (c->in == NULL || c->out == NULL)
			return hb_err_set(err, "out of memory for the control clients");
	}
	return 0;
}

/* <ControlGroup>: a group name, or a number. */
static int resolve_group(struct agent_ctl *ctl, const char *name, struct hb_err *err)
{
	if (name[0] == '\0')
		return 0;
	char *end = NULL;
	errno = 0;
	unsigned long n = strtoul(name, &end, 10);
	if (errno == 0 && end != name && *end == '\0' && name[0] != '-' && n < (gid_t)-1) {
		ctl->group = (gid_t)n;
		ctl->have_group = true;
		return 0;
	}
	struct group gr, *res = NULL;
	char buf[4096];
	int e = getgrnam_r(name, &gr, buf, sizeof buf, &res);
	if (e != 0 || res == NULL)
		return hb_err_set(err, "<ControlGroup>%s</ControlGroup>: no such group%s%s", name, e ? ": " : "",
		                  e ? strerror(e) : "");
	ctl->group = gr.gr_gid;
	ctl->have_group = true;
	return 0;
}

int agent_ctl_open(struct agent *a, struct hb_err *err)
{
	struct agent_ctl *ctl = &a->ctl;
	memset(ctl, 0, sizeof *ctl);
	ctl->fd = -1;
	const char *path = a->cfg.control_socket[0] != '\0' ? a->cfg.control_socket : HB_DEFAULT_CONTROL_SOCKET;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len >= sizeof sa.sun_path || len >= sizeof ctl->path)
		return hb_err_set(err, "control socket path %s is too long", path), HB_EXIT_INVALID_CONFIG_FILE;
	memcpy(sa.sun_path, path, len + 1u);
	memcpy(ctl->path, path, len + 1u);
	if (resolve_group(ctl, a->cfg.control_group, err) < 0)
		return HB_EXIT_INVALID_CONFIG_FILE;
	mode_t smode = ctl->have_group ? 0660 : 0600;
	if (alloc_clients(ctl, err) < 0 || make_parent(path, ctl, err) < 0)
		return HB_EXIT_SYSTEM_ERROR;
	if (clear_stale(&sa, err) < 0)
		return strstr(err->msg, "another agent") ? HB_EXIT_DAEMON_IS_PRESENT : HB_EXIT_SYSTEM_ERROR;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0)
		return hb_err_set(err, "control socket: %s", strerror(errno)), HB_EXIT_SYSTEM_ERROR;
	mode_t old = umask(0177);
	int rc = bind(ctl->fd, (const struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	umask(old);
	if (rc < 0)
		return hb_err_set(err, "cannot bind the control socket %s: %s", path, strerror(e)), HB_EXIT_SYSTEM_ERROR;
	if ((ctl->have_group && chown(path, 0, ctl->group) < 0) || chmod(path, smode) < 0 ||
	    listen(ctl->fd, (int)AGENT_CTL_MAX_CLIENTS) < 0)
		return hb_err_set(err, "control socket %s: %s", path, strerror(errno)), HB_EXIT_SYSTEM_ERROR;
	return HB_EXIT_SUCCESS;
}

static void client_close(struct agent *a, struct agent_ctl_client *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	json_object_put(c->big);
	c->big = NULL;
	c->big_text = NULL;
	c->in_len = c->out_len = c->out_off = c->big_len = c->big_off = 0;
	c->want_out = c->close_after = c->reading = c->follow = false;
}

void agent_ctl_close(struct agent *a)
{
	struct agent_ctl *ctl = &a->ctl;
	if (!ctl->allocated)
		return;
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++) {
		client_close(a, &ctl->clients[i]);
		free(ctl->clients[i].in);
		free(ctl->clients[i].out);
		ctl->clients[i].in = ctl->clients[i].out = NULL;
	}
	if (ctl->fd >= 0) {
		close(ctl->fd);
		unlink(ctl->path);
	}
	ctl->fd = -1;
}

/* ---- replies ------------------------------------------------------------- */

static bool out_pending(const struct agent_ctl_client *c) { return c->out_len > c->out_off || c->big != NULL; }

/* Queue a response line: copied into the output buffer when it fits, else
 * kept as the client's one large reply, sent from o's own text after the
 * buffer (take_lines runs no further request until it is written). False
 * when it cannot be queued: the caller cuts the client off. */
static bool reply(struct agent_ctl *ctl, struct agent_ctl_client *c, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL)
		return false; /* json-c out of memory */
	size_t len = strlen(text);
	if (len + 1u > ctl->largest_reply)
		ctl->largest_reply = len + 1u;
	if (c->big == NULL && c->out_len + len + 1u <= AGENT_CTL_OUT_MAX) {
		memcpy(c->out + c->out_len, text, len);
		c->out[c->out_len + len] = '\n';
		c->out_len += len + 1u;
		return true;
	}
	if (c->big != NULL)
		return false;
	c->big = json_object_get(o);
	c->big_text = text;
	c->big_len = len;
	c->big_off = 0;
	ctl->streamed++;
	return true;
}

/* A last error line, then close once it is written. */
static void reply_and_close(struct agent_ctl *ctl, struct agent_ctl_client *c, enum ctl_error e, int code,
                            const char *reason)
{
	struct json_object *o = ctl_fail(NULL, e, code, reason);
	(void)reply(ctl, c, o);
	json_object_put(o);
	c->close_after = true;
}

static bool may_run(const struct agent_ctl *ctl, const struct agent_ctl_client *c, const struct ctl_request *req)
{
	if (c->uid == 0)
		return true;
	return !ctl_request_is_change(req) && ctl->have_group && c->in_group;
}

unsigned agent_ctl_followers(const struct agent *a)
{
	unsigned n = 0;
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++)
		if (a->ctl.clients[i].fd >= 0 && a->ctl.clients[i].follow)
			n++;
	return n;
}

/* agent_ctl_dispatch; *follow (may be NULL) set when the request puts the
 * client in follow mode (events with follow, within the limit). */
static struct json_object *dispatch(struct agent *a, const struct agent_ctl_client *c, const char *line, size_t len,
                                    bool *follow)
{
	struct agent_ctl *ctl = &a->ctl;
	struct ctl_request req;
	struct ctl_fault f;
	struct json_object *resp;
	ctl->requests++;
	if (ctl_parse(line, len, &req, &f) < 0) {
		ctl->bad_requests++;
		resp = ctl_fail(req.id, f.error, f.code, f.reason);
	} else if (!may_run(ctl, c, &req)) {
		ctl->denied++;
		char reason[128];
		bool change = ctl_request_is_change(&req);
		snprintf(reason, sizeof reason, "%s%s needs root%s (caller uid %ld)", ctl_cmd_name(req.cmd),
		         req.reset_latency ? " with reset_latency" : "", change ? "" : " or the control group", (long)c->uid);
		if (change)
			agent_log(LOG_NOTICE, "control: %s by uid %ld pid %ld: permission denied", ctl_cmd_name(req.cmd),
			          (long)c->uid, (long)c->pid);
		resp = ctl_fail(req.id, CTL_E_PERMISSION_DENIED, HB_EXIT_INVALID_ENVIRONMENT, reason);
	} else if (req.cmd == CTL_EVENTS && req.follow && !c->follow &&
	           agent_ctl_followers(a) >= AGENT_EVENTS_FOLLOWERS_MAX) {
		char reason[96];
		snprintf(reason, sizeof reason, "too many events followers (%u): try again later",
		         AGENT_EVENTS_FOLLOWERS_MAX);
		resp = ctl_fail(req.id, CTL_E_REFUSED, HB_EXIT_TRANSIENT_SYSTEM_ERROR, reason);
	} else {
		resp = agent_command(a, &req, c->uid, c->pid);
		if (follow != NULL && req.cmd == CTL_EVENTS && req.follow)
			*follow = true;
	}
	ctl_request_free(&req); /* the response holds its own reference to the id */
	return resp;
}

struct json_object *agent_ctl_dispatch(struct agent *a, const struct agent_ctl_client *c, const char *line, size_t len)
{
	return dispatch(a, c, line, len, NULL);
}

/* One request line; false when the client had to be cut off. */
static bool request(struct agent *a, struct agent_ctl_client *c, const char *line, size_t len)
{
	bool follow = false;
	struct json_object *resp = dispatch(a, c, line, len, &follow);
	bool fits = reply(&a->ctl, c, resp);
	json_object_put(resp);
	if (fits && follow)
		c->follow = true;
	return fits;
}

/* ---- client I/O ---------------------------------------------------------- */

/* Complete request lines wait behind a large reply. */
static bool lines_held(const struct agent_ctl_client *c) { return c->in_len > 0 && memchr(c->in, '\n', c->in_len) != NULL; }

static void set_interest(struct agent *a, unsigned i)
{
	struct agent_ctl_client *c = &a->ctl.clients[i];
	/* held lines with nothing left to send: the writable socket brings us
	 * back at once to run them (bounded work per event) */
	bool want_out = out_pending(c) || lines_held(c);
	bool reading = !c->close_after && c->big == NULL;
	if (c->want_out == want_out && c->reading == reading)
		return;
	struct epoll_event ev = {.events = (reading ? EPOLLIN : 0u) | (want_out ? EPOLLOUT : 0u),
	                         .data.u64 = AGENT_TAG_CLIENT + i};
	epoll_ctl(a->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = want_out;
	c->reading = reading;
}

/* Send what the socket takes: the buffer, then the large reply and its
 * newline. False when the client was closed (a send error). */
static bool send_out(struct agent *a, struct agent_ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (w <= 0) {
			client_close(a, c);
			return false;
		}
		c->out_off += (size_t)w;
		c->last_tx = a->now;
	}
	c->out_off = c->out_len = 0;
	while (c->big != NULL) {
		bool text = c->big_off < c->big_len;
		const char *p = text ? c->big_text + c->big_off : "\n";
		size_t n = text ? c->big_len - c->big_off : 1u;
		ssize_t w = send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (w <= 0) {
			client_close(a, c);
			return false;
		}
		c->big_off += (size_t)w;
		c->last_tx = a->now;
		if (c->big_off == c->big_len + 1u) {
			json_object_put(c->big);
			c->big = NULL;
			c->big_text = NULL;
			c->big_len = c->big_off = 0;
		}
	}
	return true;
}

/* Handle every complete line in the input buffer, up to the first reply
 * that must be streamed (the lines after it wait until it is written);
 * false when cut off. */
static bool take_lines(struct agent *a, struct agent_ctl_client *c)
{
	size_t start = 0;
	bool ok = true;
	for (size_t k = 0; k < c->in_len && ok && !c->close_after && c->big == NULL; k++) {
		if (c->in[k] != '\n')
			continue;
		size_t len = k - start;
		if (len > 0 && c->in[k - 1] == '\r')
			len--;
		c->last_request = a->now;
		if (len > 0 || k > start)
			ok = request(a, c, c->in + start, len);
		start = k + 1u;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	return ok;
}

/* take_lines, then the line-length limit; false when the client was closed. */
static bool run_lines(struct agent *a, struct agent_ctl_client *c)
{
	if (!take_lines(a, c)) {
		a->ctl.stalled_closed++;
		client_close(a, c);
		return false;
	}
	if (c->big == NULL && c->in_len > AGENT_CTL_LINE_MAX) {
		a->ctl.oversize++;
		c->in_len = 0;
		char reason[96];
		snprintf(reason, sizeof reason, "request line longer than %u bytes: closing", AGENT_CTL_LINE_MAX);
		reply_and_close(&a->ctl, c, CTL_E_TOO_LARGE, HB_EXIT_INVALID_PARAMETER, reason);
	}
	return true;
}

/* Write what is pending, then run the lines that waited behind a large
 * reply (a few rounds: a client can never hold the loop); false when the
 * client was closed. */
static bool flush_out(struct agent *a, unsigned i)
{
	struct agent_ctl_client *c = &a->ctl.clients[i];
	for (unsigned round = 0; round < CTL_READ_BUDGET; round++) {
		if (!send_out(a, c))
			return false;
		if (out_pending(c) || c->close_after || !lines_held(c))
			break;
		if (!run_lines(a, c))
			return false;
	}
	if (!out_pending(c) && c->close_after) {
		client_close(a, c);
		return false;
	}
	set_interest(a, i);
	return true;
}

/* Read what waits; false when the client was closed. */
static bool read_in(struct agent *a, unsigned i)
{
	struct agent_ctl_client *c = &a->ctl.clients[i];
	/* lines that waited behind a large reply go first (and make room) */
	if (c->big == NULL && lines_held(c) && !run_lines(a, c))
		return false;
	for (unsigned it = 0; it < CTL_READ_BUDGET && !c->close_after && c->big == NULL; it++) {
		ssize_t r = recv(c->fd, c->in + c->in_len, AGENT_CTL_LINE_MAX + 1u - c->in_len, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (r == 0) {
			/* the client is done sending: answer what it asked, then close */
			c->close_after = true;
			if (!out_pending(c)) {
				client_close(a, c);
				return false;
			}
			return true;
		}
		if (r < 0) {
			client_close(a, c);
			return false;
		}
		c->in_len += (size_t)r;
		if (!run_lines(a, c))
			return false;
	}
	return true;
}

void agent_ctl_on_client(struct agent *a, unsigned i, uint32_t events)
{
	assert(i < AGENT_CTL_MAX_CLIENTS);
	struct agent_ctl_client *c = &a->ctl.clients[i];
	if (c->fd < 0)
		return; /* closed earlier in this batch */
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->close_after && !read_in(a, i))
		return;
	if ((events & EPOLLERR) && !out_pending(c)) {
		client_close(a, c);
		return;
	}
	(void)flush_out(a, i);
}

/* Is gid among the peer's groups (primary from SO_PEERCRED, supplementary
 * from SO_PEERGROUPS, both taken at connect time)? */
static bool peer_in_group(int fd, gid_t primary, gid_t gid)
{
	if (primary == gid)
		return true;
	gid_t groups[AGENT_CTL_GROUPS_MAX];
	socklen_t len = sizeof groups;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t k = 0; k < len / sizeof groups[0]; k++)
		if (groups[k] == gid)
			return true;
	return false;
}

void agent_ctl_on_listen(struct agent *a)
{
	struct agent_ctl *ctl = &a->ctl;
	for (unsigned it = 0; it < CTL_ACCEPT_BUDGET; it++) {
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
		socklen_t len = sizeof cred;
		unsigned i = AGENT_CTL_MAX_CLIENTS, n_free = 0;
		for (unsigned k = AGENT_CTL_MAX_CLIENTS; k-- > 0;)
			if (ctl->clients[k].fd < 0)
				i = k, n_free++;
		/* the last AGENT_CTL_ROOT_RESERVED free slots are root's */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || n_free == 0 ||
		    (cred.uid != 0 && n_free <= AGENT_CTL_ROOT_RESERVED)) {
			ctl->refused++;
			close(fd);
			continue;
		}
		struct agent_ctl_client *c = &ctl->clients[i];
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = AGENT_TAG_CLIENT + i};
		if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			ctl->refused++;
			close(fd);
			continue;
		}
		*c = (struct agent_ctl_client){.fd = fd, .uid = cred.uid, .pid = cred.pid, .last_request = a->now,
		                               .last_tx = a->now, .reading = true, .in = c->in, .out = c->out};
		c->in_group = ctl->have_group && peer_in_group(fd, cred.gid, ctl->group);
		ctl->accepted++;
	}
}

void agent_ctl_broadcast(struct agent *a, const char *text, size_t len)
{
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++) {
		struct agent_ctl_client *c = &a->ctl.clients[i];
		if (c->fd < 0 || !c->follow || c->close_after)
			continue;
		if (c->out_off > 0) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		/* (a follow request's history always fits the buffer: no big) */
		if (c->big != NULL || c->out_len + len + 1u > AGENT_CTL_OUT_MAX) {
			/* it does not keep up: cut off, never waited for */
			a->ev.followers_dropped++;
			a->ctl.stalled_closed++;
			agent_log(LOG_NOTICE, "control: events follower uid %ld pid %ld does not keep up: closed",
			          (long)c->uid, (long)c->pid);
			client_close(a, c);
			continue;
		}
		if (c->out_len == 0)
			c->last_tx = a->now; /* the stall clock starts with the first line waiting */
		memcpy(c->out + c->out_len, text, len);
		c->out[c->out_len + len] = '\n';
		c->out_len += len + 1u;
		/* send only: lines the follower sent wait for its next event on
		 * the socket (never run a request in the middle of a step) */
		if (send_out(a, c))
			set_interest(a, i);
	}
}

hb_mono_ms agent_ctl_expire(struct agent *a)
{
	hb_mono_ms next = CTL_NEVER;
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++) {
		struct agent_ctl_client *c = &a->ctl.clients[i];
		if (c->fd < 0)
			continue;
		bool pending = out_pending(c);
		if (c->follow && !pending && !c->close_after)
			continue; /* a follower waits for events, not requests */
		hb_mono_ms dl = (pending ? c->last_tx : c->last_request) + AGENT_CTL_IDLE_MS;
		if (a->now < dl) {
			if (dl < next)
				next = dl;
			continue;
		}
		if (pending || c->close_after) {
			/* it does not read what it asked for: cut off, no more words */
			a->ctl.stalled_closed++;
			if (c->follow)
				a->ev.followers_dropped++;
			client_close(a, c);
			continue;
		}
		a->ctl.idle_closed++;
		char reason[96];
		snprintf(reason, sizeof reason, "no request for %d ms: closing", AGENT_CTL_IDLE_MS);
		reply_and_close(&a->ctl, c, CTL_E_TIMEOUT, HB_EXIT_TRANSIENT_SYSTEM_ERROR, reason);
		c->last_tx = a->now;
		(void)flush_out(a, i);
	}
	return next;
}
