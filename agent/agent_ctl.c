/*
 * agent_ctl.c: hbagent's control socket, minimal for now (see agent_ctl.h).
 *
 * Owns the listening socket (created 0600 in a 0700 directory, refused when
 * another agent answers on it), the client table and its fixed buffers
 * (allocated at open), non-blocking reads and writes driven by the decision
 * loop, the limits (16 clients, 64 KiB per request line, 1 s of silence),
 * peer credentials (only root may change anything), the requests (one JSON
 * object per line, parsed with json-c) and the JSON status document.
 */
#include "agent.h"

#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hb_version.h"

#define CTL_ACCEPT_BUDGET 16u
#define CTL_READ_BUDGET 16u
#define CTL_NEVER INT64_MAX

/* ---- socket -------------------------------------------------------------- */

static int make_parent(const char *path, struct hb_err *err)
{
	char dir[AGENT_CTL_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return hb_err_set(err, "cannot create the control socket directory %s: %s", dir, strerror(errno));
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

int agent_ctl_open(struct agent *a, struct hb_err *err)
{
	struct agent_ctl *ctl = &a->ctl;
	memset(ctl, 0, sizeof *ctl);
	ctl->fd = -1;
	const char *path = a->cfg.control_socket[0] != '\0' ? a->cfg.control_socket : HB_DEFAULT_CONTROL_SOCKET;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len >= sizeof sa.sun_path || len >= sizeof ctl->path)
		return hb_err_set(err, "control socket path %s is too long", path);
	memcpy(sa.sun_path, path, len + 1u);
	memcpy(ctl->path, path, len + 1u);
	if (alloc_clients(ctl, err) < 0 || make_parent(path, err) < 0 || clear_stale(&sa, err) < 0)
		return -1;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0)
		return hb_err_set(err, "control socket: %s", strerror(errno));
	mode_t old = umask(0177);
	int rc = bind(ctl->fd, (const struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	umask(old);
	if (rc < 0)
		return hb_err_set(err, "cannot bind the control socket %s: %s", path, strerror(e));
	if (chmod(path, 0600) < 0 || listen(ctl->fd, (int)AGENT_CTL_MAX_CLIENTS) < 0)
		return hb_err_set(err, "control socket %s: %s", path, strerror(errno));
	return 0;
}

static void client_close(struct agent *a, struct agent_ctl_client *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->in_len = c->out_len = c->out_off = 0;
	c->want_out = c->close_after = false;
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

/* ---- status document ----------------------------------------------------- */

static void jset(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static struct json_object *age(hb_mono_ms now, hb_mono_ms at)
{
	return at < 0 ? NULL : json_object_new_int64(now - at);
}

static struct json_object *host_list(hb_hostmap set, unsigned n)
{
	struct json_object *arr = json_object_new_array();
	for (unsigned i = 0; i < n; i++)
		if (set & hb_host_bit(i))
			json_object_array_add(arr, json_object_new_int((int)i));
	return arr;
}

static struct json_object *host_json(const struct agent *a, const struct hb_core_status *s, unsigned i)
{
	char u[HB_UUID_STR_LEN];
	struct json_object *h = json_object_new_object();
	bool member = (s->liveset & hb_host_bit(i)) != 0;
	jset(h, "index", json_object_new_int((int)i));
	jset(h, "uuid", json_object_new_string(hb_uuid_format(&a->uuids[i], u)));
	jset(h, "local", json_object_new_boolean(i == a->cfg.local_index));
	jset(h, "liveness", json_object_new_string(member ? "live" : "not-live"));
	jset(h, "heard", json_object_new_boolean((s->hb_heard & hb_host_bit(i)) != 0));
	jset(h, "seen", json_object_new_boolean((s->sf_seen & hb_host_bit(i)) != 0));
	jset(h, "member_boot_id", json_object_new_uint64(s->member_boot_id[i]));
	struct json_object *paths = json_object_new_array();
	for (unsigned p = 0; p < a->cfg.n_paths; p++)
		json_object_array_add(paths, age(a->now, s->last_heard_path[i][p]));
	jset(h, "heartbeat_age_ms", paths);
	jset(h, "statefile_advance_age_ms", age(a->now, s->last_sf_advance[i]));
	return h;
}

static struct json_object *watchdog_json(const struct agent *a)
{
	struct hb_watchdog_stats w;
	hb_watchdog_get_stats(&a->wd, &w);
	struct json_object *o = json_object_new_object();
	jset(o, "backend", json_object_new_string(w.backend));
	jset(o, "identity", json_object_new_string(w.identity));
	jset(o, "timeout_ms", json_object_new_int64(w.timeout_ms));
	jset(o, "pet_interval_ms", json_object_new_int64(w.pet_interval_ms));
	jset(o, "armed", json_object_new_boolean(w.armed));
	jset(o, "feeding", json_object_new_boolean(w.feeding));
	jset(o, "softdog", json_object_new_boolean(w.softdog));
	jset(o, "last_pet_age_ms", w.last_pet_ms > 0 ? json_object_new_int64(a->now - w.last_pet_ms) : NULL);
	jset(o, "healthy_for_ms", json_object_new_int64(w.healthy_until_ms - a->now));
	jset(o, "pets", json_object_new_uint64(w.pets));
	jset(o, "missed", json_object_new_uint64(w.missed));
	jset(o, "pet_errors", json_object_new_uint64(w.pet_errors));
	return o;
}

static struct json_object *io_json(const struct hb_sfdev_stats *s)
{
	struct json_object *o = json_object_new_object();
	jset(o, "submitted", json_object_new_uint64(s->submitted));
	jset(o, "completed", json_object_new_uint64(s->completed));
	jset(o, "errors", json_object_new_uint64(s->errors));
	jset(o, "short", json_object_new_uint64(s->short_ios));
	jset(o, "overdue", json_object_new_uint64(s->overdue));
	jset(o, "late", json_object_new_uint64(s->late));
	jset(o, "latency_min_us", s->completed ? json_object_new_uint64(s->lat_min_us) : NULL);
	jset(o, "latency_max_us", s->completed ? json_object_new_uint64(s->lat_max_us) : NULL);
	jset(o, "latency_last_us", s->completed ? json_object_new_uint64(s->lat_last_us) : NULL);
	return o;
}

static struct json_object *statefile_json(const struct agent *a)
{
	const struct hb_sfdev *d = &a->sf.dev;
	struct json_object *o = json_object_new_object();
	jset(o, "path", json_object_new_string(a->cfg.statefile));
	jset(o, "kind", json_object_new_string(hb_sfdev_kind_name(d->kind)));
	jset(o, "logical_sector_size", json_object_new_int((int)d->logical_sector));
	jset(o, "io_deadline_ms", json_object_new_int64(a->sf.io_timeout_ms));
	jset(o, "read", io_json(&d->rd_stats));
	jset(o, "write", io_json(&d->wr_stats));
	jset(o, "dropped_queued_writes", json_object_new_uint64(a->sf.dropped_queued));
	jset(o, "submit_errors", json_object_new_uint64(a->sf.submit_errors));
	return o;
}

static struct json_object *counts_json(const uint64_t *v, unsigned n, const char *(*name)(unsigned))
{
	struct json_object *o = json_object_new_object();
	for (unsigned r = 1; r < n; r++)
		if (v[r] != 0)
			jset(o, name(r), json_object_new_uint64(v[r]));
	return o;
}

static const char *reject_name(unsigned r) { return hb_reject_name((enum hb_reject)r); }

static struct json_object *dropped_json(const struct agent *a, const struct hb_core_status *s)
{
	struct json_object *o = json_object_new_object();
	jset(o, "core", counts_json(s->dropped, HB_REJECT_COUNT, reject_name));
	struct json_object *paths = json_object_new_array();
	const struct hb_net_counters *nc = hb_net_counters(&a->net);
	for (unsigned p = 0; p < a->cfg.n_paths; p++) {
		const struct hb_net_path_counters *c = &nc->path[p];
		struct json_object *po = json_object_new_object();
		jset(po, "path", json_object_new_int((int)p));
		jset(po, "sent", json_object_new_uint64(c->sent));
		jset(po, "send_errors", json_object_new_uint64(c->send_errors));
		jset(po, "received", json_object_new_uint64(c->received));
		jset(po, "delivered", json_object_new_uint64(c->delivered));
		jset(po, "dropped", counts_json(c->dropped, HB_NET_DROP_COUNT, hb_net_drop_name));
		json_object_array_add(paths, po);
	}
	jset(o, "net", paths);
	jset(o, "log_lines", json_object_new_uint64(agent_log_dropped()));
	return o;
}

static struct json_object *words_json(const struct hb_last_words *w)
{
	if (w->reason == HB_FENCE_NONE)
		return NULL;
	struct json_object *o = json_object_new_object();
	jset(o, "reason", json_object_new_string(hb_fence_reason_name((enum hb_fence_reason)w->reason)));
	jset(o, "text", json_object_new_string(w->text));
	jset(o, "boot_id", json_object_new_uint64(w->boot_id));
	jset(o, "realtime_ms", json_object_new_uint64(w->realtime_ms));
	return o;
}

static struct json_object *timing_json(const struct hb_timing *t)
{
	struct json_object *o = json_object_new_object();
	jset(o, "fence_bound_ms", json_object_new_int64(t->fence_bound_ms));
	jset(o, "removal_wait_ms", json_object_new_int64(t->removal_wait_ms));
	jset(o, "detect_ms", json_object_new_int64(t->detect_ms));
	jset(o, "failover_bound_ms", json_object_new_int64(t->failover_bound_ms));
	jset(o, "isolation_bound_ms", json_object_new_int64(t->isolation_bound_ms));
	return o;
}

static struct json_object *agent_json(const struct agent *a)
{
	struct json_object *o = json_object_new_object();
	jset(o, "version", json_object_new_string(HB_VERSION));
	jset(o, "pid", json_object_new_int((int)getpid()));
	jset(o, "host_index", json_object_new_int((int)a->cfg.local_index));
	jset(o, "host_uuid", json_object_new_string(a->self_uuid));
	jset(o, "boot_id", json_object_new_uint64(a->boot_id));
	jset(o, "xenstore", json_object_new_boolean(agent_xs_connected()));
	jset(o, "steps", json_object_new_uint64(a->steps));
	return o;
}

static struct json_object *warnings_json(const struct agent *a, const struct hb_core_status *s)
{
	char buf[512];
	struct json_object *arr = json_object_new_array();
	agent_warnings(a, s, buf, sizeof buf);
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save))
		json_object_array_add(arr, json_object_new_string(w));
	return arr;
}

static struct json_object *status_json(struct agent *a)
{
	struct hb_core_status *s = &a->st;
	hb_core_status(a->core, a->now, s);
	unsigned n = a->cfg.n_hosts;
	struct json_object *o = json_object_new_object();
	jset(o, "phase", json_object_new_string(hb_phase_name(s->phase)));
	jset(o, "liveset", host_list(s->liveset, n));
	jset(o, "master", s->master >= 0 ? json_object_new_int(s->master) : NULL);
	jset(o, "i_am_master", json_object_new_boolean(s->i_am_master));
	jset(o, "armed", json_object_new_boolean(s->armed));
	jset(o, "sf_access", json_object_new_boolean(s->sf_access));
	jset(o, "rule2", json_object_new_boolean(s->rule2));
	jset(o, "excluded", json_object_new_boolean(s->excluded));
	jset(o, "pool_state", json_object_new_string(hb_pool_state_name(s->pool_state)));
	jset(o, "epoch", json_object_new_uint64(s->epoch));
	jset(o, "warnings", warnings_json(a, s));
	struct json_object *hosts = json_object_new_array();
	for (unsigned i = 0; i < n; i++)
		json_object_array_add(hosts, host_json(a, s, i));
	jset(o, "hosts", hosts);
	jset(o, "watchdog", watchdog_json(a));
	jset(o, "statefile", statefile_json(a));
	jset(o, "timing", timing_json(&a->timing));
	jset(o, "dropped", dropped_json(a, s));
	jset(o, "previous_last_words", words_json(&a->prev_words));
	jset(o, "agent", agent_json(a));
	return o;
}

/* ---- requests ------------------------------------------------------------ */

static struct json_object *result(const char *r)
{
	struct json_object *o = json_object_new_object();
	jset(o, "result", json_object_new_string(r));
	return o;
}

static struct json_object *error(const char *msg)
{
	struct json_object *o = json_object_new_object();
	jset(o, "error", json_object_new_string(msg));
	return o;
}

static struct json_object *command(struct agent *a, const struct agent_ctl_client *c, const char *cmd)
{
	static const char *const names[] = {"PENDING", "TRUE", "FALSE"};
	if (strcmp(cmd, "status") == 0)
		return status_json(a);
	if (c->uid != 0)
		return error("permission denied: only root may change the agent");
	hb_mono_ms now = agent_tick(a);
	if (strcmp(cmd, "propose-master") == 0)
		return result(names[hb_core_propose_master(a->core, now)]);
	if (strcmp(cmd, "disarm") == 0) {
		agent_log(LOG_WARNING, "control: disarm requested by pid %ld", (long)c->pid);
		hb_core_disarm(a->core, now);
		return result("ok");
	}
	if (strcmp(cmd, "arm") == 0) {
		hb_core_status(a->core, now, &a->st);
		if (a->st.phase != HB_PHASE_ONLINE)
			return error("not online: the watchdog is armed when the host goes online");
		agent_log(LOG_NOTICE, "control: arm requested by pid %ld", (long)c->pid);
		hb_core_arm(a->core, now);
		return result("ok");
	}
	if (strcmp(cmd, "shutdown") == 0) {
		agent_log(LOG_NOTICE, "control: clean shutdown requested by pid %ld (disarm, excluded, exit 0)", (long)c->pid);
		hb_core_shutdown(a->core, now);
		return result("ok");
	}
	return error("unknown command");
}

static void reply(struct agent_ctl_client *c, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	if (c->out_len + len + 1u > AGENT_CTL_OUT_MAX) {
		text = "{\"error\":\"reply too large\"}";
		len = strlen(text);
		c->close_after = true;
		if (c->out_len + len + 1u > AGENT_CTL_OUT_MAX)
			return;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1u;
}

static void request(struct agent *a, struct agent_ctl_client *c, char *line)
{
	a->ctl.requests++;
	struct json_object *req = json_tokener_parse(line);
	struct json_object *cmd = NULL, *rep;
	if (req == NULL || !json_object_is_type(req, json_type_object) || !json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		a->ctl.bad_requests++;
		rep = error("bad request: expected {\"cmd\":\"...\"}");
	} else {
		rep = command(a, c, json_object_get_string(cmd));
	}
	reply(c, rep);
	json_object_put(rep);
	json_object_put(req);
}

/* ---- client I/O ---------------------------------------------------------- */

static void set_out_interest(struct agent *a, unsigned i, bool want)
{
	struct agent_ctl_client *c = &a->ctl.clients[i];
	if (c->want_out == want)
		return;
	struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0u), .data.u64 = AGENT_TAG_CLIENT + i};
	epoll_ctl(a->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = want;
}

/* Write what is pending; false when the client was closed. */
static bool flush_out(struct agent *a, unsigned i)
{
	struct agent_ctl_client *c = &a->ctl.clients[i];
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			client_close(a, c);
			return false;
		}
		c->out_off += (size_t)w;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->close_after) {
			client_close(a, c);
			return false;
		}
	}
	set_out_interest(a, i, c->out_len > 0);
	return true;
}

/* Handle every complete line in the input buffer. */
static void take_lines(struct agent *a, struct agent_ctl_client *c)
{
	size_t start = 0;
	for (size_t k = 0; k < c->in_len; k++) {
		if (c->in[k] != '\n')
			continue;
		c->in[k] = '\0';
		request(a, c, c->in + start);
		start = k + 1u;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
}

/* Read what waits; false when the client was closed. */
static bool read_in(struct agent *a, struct agent_ctl_client *c)
{
	for (unsigned it = 0; it < CTL_READ_BUDGET; it++) {
		ssize_t r = recv(c->fd, c->in + c->in_len, AGENT_CTL_LINE_MAX + 1u - c->in_len, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (r == 0) {
			/* the client is done sending: answer what it asked, then close;
			 * stop watching EPOLLIN, which would now report EOF forever */
			c->close_after = true;
			struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = AGENT_TAG_CLIENT + (uint64_t)(c - a->ctl.clients)};
			epoll_ctl(a->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			c->want_out = true;
			return true;
		}
		if (r < 0) {
			client_close(a, c);
			return false;
		}
		c->in_len += (size_t)r;
		c->last_rx = a->now;
		take_lines(a, c);
		if (c->in_len > AGENT_CTL_LINE_MAX) {
			a->ctl.oversize++;
			client_close(a, c);
			return false;
		}
	}
	return true;
}

void agent_ctl_on_client(struct agent *a, unsigned i, uint32_t events)
{
	assert(i < AGENT_CTL_MAX_CLIENTS);
	struct agent_ctl_client *c = &a->ctl.clients[i];
	if (c->fd < 0)
		return; /* closed earlier in this batch */
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->close_after && !read_in(a, c))
		return;
	if (c->out_len > 0 || c->close_after)
		(void)flush_out(a, i);
}

void agent_ctl_on_listen(struct agent *a)
{
	struct agent_ctl *ctl = &a->ctl;
	for (unsigned it = 0; it < CTL_ACCEPT_BUDGET; it++) {
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		unsigned i = 0;
		while (i < AGENT_CTL_MAX_CLIENTS && ctl->clients[i].fd >= 0)
			i++;
		struct ucred cred = {.pid = 0, .uid = (uid_t)-1};
		socklen_t len = sizeof cred;
		if (i == AGENT_CTL_MAX_CLIENTS || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
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
		*c = (struct agent_ctl_client){.fd = fd, .uid = cred.uid, .pid = cred.pid, .last_rx = a->now,
		                               .in = c->in, .out = c->out};
		ctl->accepted++;
	}
}

hb_mono_ms agent_ctl_expire(struct agent *a)
{
	hb_mono_ms next = CTL_NEVER;
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++) {
		struct agent_ctl_client *c = &a->ctl.clients[i];
		if (c->fd < 0)
			continue;
		hb_mono_ms dl = c->last_rx + AGENT_CTL_IDLE_MS;
		if (a->now >= dl) {
			a->ctl.idle_closed++;
			client_close(a, c);
			continue;
		}
		if (dl < next)
			next = dl;
	}
	return next;
}
