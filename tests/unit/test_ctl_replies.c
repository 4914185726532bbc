/*
 * test_ctl_replies.c: the control socket at the largest pool and its
 * fairness rules (docs/control.md section 1), at unit level.
 *
 * A 64-host pool of real cores runs under a perfect executor (4 heartbeat
 * paths, an instant statefile, every host with the longest last words) until
 * it is Online; host 0's agent documents are then built by the real
 * agent_status.c and served by the real agent_ctl.c on a real UNIX socket,
 * read by hbctl's own client code (hbctl_client.c):
 *   - every reply (status, liveset, statefile, timeouts) arrives whole, the
 *     liveset with all 64 hosts and all 64 UUIDs in each of its 64x4 lists;
 *     the sizes are printed; the liveset is larger than the output buffer;
 *   - requests pipelined behind a large reply are answered in order;
 *   - a plain liveset query keeps the latency extremes, reset_latency resets
 *     them, and only root may ask for it;
 *   - 16 non-root clients cannot take the slots kept for root;
 *   - <ControlGroup> with the default socket path: the run directory the
 *     agent created 0700 for its lock file is opened to the group (in a
 *     private mount namespace, /run a tmpfs);
 *   - events followers: one that reads gets every event, one that never
 *     reads is cut off without ever being waited for, at most 8 follow.
 * The root-only cases skip without root.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"
#include "hb_ctl_proto.h"
#include "hb_exit.h"
#include "hbctl.h"
#include "unit_pool.h"

#define N HB_MAX_HOSTS
#define PATHS HB_MAX_PATHS
#define NOBODY 65534

/* ---- what the agent's other modules would provide ------------------------ */

static struct unit_pool *g_pool; /* its read is the latest statefile read (every slot) */

void agent_log(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}
hb_mono_ms agent_tick(struct agent *a) { return a->now; }
uint64_t agent_log_dropped(void) { return UINT64_MAX; }
bool agent_xs_connected(void) { return true; }
const struct hb_sf_read *agent_sf_last_read(const struct agent *a)
{
	(void)a;
	return &g_pool->read;
}
/* hbctl_client.c asks for the config only without -S */
int hbctl_config(const struct hbctl_opts *opts, bool quiet, const struct hb_config **out)
{
	(void)opts, (void)quiet;
	*out = NULL;
	return HB_EXIT_CAN_NOT_READ_CONFIG_FILE;
}
const char *hbctl_config_error(void) { return "no config in this test"; }

/* ---- a 64-host pool of real cores (unit_pool.c), brought Online --------- */

static struct hb_last_words longest_words(uint64_t boot_id)
{
	struct hb_last_words w = {.reason = HB_FENCE_DROPPED, .boot_id = boot_id, .realtime_ms = UINT64_MAX / 2};
	memset(w.text, '"', HB_LAST_WORDS_MAX); /* printable, and doubled by JSON escaping */
	w.text[HB_LAST_WORDS_MAX] = '\0';
	return w;
}

/* Every host's weight, boot id and last words at their longest. */
static void longest_config(struct hb_core_config *cfg)
{
	uint64_t boot = UINT64_MAX / 4 + cfg->self;
	cfg->weight = UINT16_MAX;
	cfg->boot_id = boot;
	cfg->last_words = longest_words(boot - 1);
}

static struct unit_pool *pool_online(void)
{
	hb_uuid uuids[N];
	struct unit_pool_opts o = {.n_hosts = N, .T = 10, .n_paths = PATHS, .pool_state = HB_POOL_INIT,
	                           .uuids = uuids, .configure = longest_config};
	for (unsigned k = 0; k < sizeof o.gen.b; k++)
		o.gen.b[k] = (uint8_t)(0xa0 + k);
	for (unsigned i = 0; i < N; i++)
		for (unsigned k = 0; k < sizeof uuids[i].b; k++)
			uuids[i].b[k] = (uint8_t)(i * 7u + k);
	struct unit_pool *p = unit_pool_new(&o);
	/* every host Online with the whole pool in its liveset (as each saw it
	 * right after its poll); then a few more seconds so that every view and
	 * every slot lists every host */
	hb_mono_ms online_at = -1;
	for (; p->now <= 60000 && (online_at < 0 || p->now < online_at + 5000); p->now += UNIT_POOL_STEP_MS) {
		unit_pool_step(p);
		bool all = true;
		for (unsigned i = 0; i < N; i++)
			all = all && p->status[i].phase == HB_PHASE_ONLINE && p->status[i].liveset == ~(hb_hostmap)0;
		if (all && online_at < 0)
			online_at = p->now;
	}
	assert_true(online_at >= 0);
	return p;
}

/* ---- host 0's agent, every field at its longest -------------------------- */

static char g_dir[] = "/tmp/hbctl-replies.XXXXXX";

static struct agent *agent_new(struct unit_pool *p, const char *sock, const char *group)
{
	struct agent *a = calloc(1, sizeof *a);
	assert_non_null(a);
	a->cfg.n_hosts = N;
	a->cfg.local_index = 0;
	a->cfg.n_paths = PATHS;
	memset(a->cfg.statefile, 'f', HB_CONFIG_PATH_MAX - 1);
	a->cfg.statefile[0] = '/';
	snprintf(a->cfg.control_socket, sizeof a->cfg.control_socket, "%s", sock);
	snprintf(a->cfg.control_group, sizeof a->cfg.control_group, "%s", group);
	a->timing = p->t;
	memcpy(a->uuids, p->uuids, sizeof a->uuids);
	hb_uuid_format(&p->uuids[0], a->self_uuid);
	a->core = p->core[0];
	a->now = p->now;
	a->boot_id = UINT64_MAX;
	a->weight = UINT16_MAX;
	a->prev_words = longest_words(UINT64_MAX);
	a->sf.last_read_at = p->now - 1;
	a->sf.io_timeout_ms = UINT32_MAX;
	struct hb_sfdev_stats big = {.submitted = UINT64_MAX, .completed = UINT64_MAX, .errors = UINT64_MAX,
	                             .short_ios = UINT64_MAX, .overdue = UINT64_MAX, .late = UINT64_MAX,
	                             .lat_min_us = UINT64_MAX - 1, .lat_max_us = UINT64_MAX - 1, .lat_last_us = UINT64_MAX - 1};
	a->sf.dev.rd_stats = a->sf.dev.wr_stats = big;
	a->sf.dropped_queued = a->sf.submit_errors = UINT64_MAX;
	memset(a->wd.identity, 'w', sizeof a->wd.identity - 1);
	for (unsigned k = 0; k < PATHS; k++) {
		struct hb_net_path_counters *c = &a->net.counters.path[k];
		c->sent = c->send_errors = c->received = c->delivered = UINT64_MAX;
		for (unsigned r = 0; r < HB_NET_DROP_COUNT; r++)
			c->dropped[r] = UINT64_MAX;
	}
	a->steps = a->stalls = UINT64_MAX;
	a->max_late_ms = INT64_MAX;
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(a->epfd >= 0);
	struct hb_err err;
	int rc = agent_ctl_open(a, &err);
	if (rc != 0)
		fail_msg("agent_ctl_open: %s", err.msg);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = AGENT_TAG_CTL};
	assert_int_equal(epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->ctl.fd, &ev), 0);
	return a;
}

static void agent_free(struct agent *a)
{
	agent_ctl_close(a);
	close(a->epfd);
	free(a);
}

/* One round of the decision loop's control part. */
static void pump(struct agent *a, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(a->epfd, ev, 16, timeout_ms);
	for (int k = 0; k < n; k++) {
		uint64_t tag = ev[k].data.u64;
		if (tag == AGENT_TAG_CTL)
			agent_ctl_on_listen(a);
		else
			agent_ctl_on_client(a, (unsigned)(tag - AGENT_TAG_CLIENT), ev[k].events);
	}
}

struct server {
	struct agent *a;
	pthread_t th;
	volatile int stop;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	while (!s->stop)
		pump(s->a, 20);
	return NULL;
}

static void serve_start(struct server *s, struct agent *a)
{
	s->a = a;
	s->stop = 0;
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void serve_stop(struct server *s)
{
	s->stop = 1;
	pthread_join(s->th, NULL);
}

/* ---- a plain client ------------------------------------------------------ */

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static void send_all(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = send(fd, text + off, len - off, MSG_NOSIGNAL);
		assert_true(w > 0);
		off += (size_t)w;
	}
}

/* Read n_lines response lines (newline included in the sizes); the caller
 * frees *buf. */
static size_t read_lines(int fd, unsigned n_lines, char **buf)
{
	size_t cap = 1u << 20, len = 0;
	unsigned seen = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	while (seen < n_lines) {
		if (len + 65536 > cap)
			assert_non_null(b = realloc(b, cap *= 2));
		ssize_t r = recv(fd, b + len, cap - len - 1, 0);
		if (r <= 0)
			break;
		for (ssize_t k = 0; k < r; k++)
			seen += b[len + (size_t)k] == '\n';
		len += (size_t)r;
	}
	b[len] = '\0';
	*buf = b;
	return len;
}

static struct json_object *one_reply(const char *path, const char *req, size_t *size)
{
	int fd = connect_to(path);
	assert_true(fd >= 0);
	send_all(fd, req);
	char *buf;
	*size = read_lines(fd, 1, &buf);
	close(fd);
	assert_true(*size > 0 && buf[*size - 1] == '\n');
	struct json_object *o = json_tokener_parse(buf);
	free(buf);
	assert_non_null(o);
	return o;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}

/* ---- the tests ----------------------------------------------------------- */


static void test_largest_replies_fit(void **state)
{
	(void)state;
	char sock[256];
	snprintf(sock, sizeof sock, "%s/big.sock", g_dir);
	struct agent *a = agent_new(g_pool, sock, "");
	struct server srv;
	serve_start(&srv, a);

	static const enum ctl_cmd cmd_ids[] = {CTL_STATUS, CTL_LIVESET, CTL_STATEFILE, CTL_TIMEOUTS};
	static const char *const cmds[] = {"status", "liveset", "statefile", "timeouts"};
	size_t size[4];
	for (unsigned k = 0; k < 4; k++) {
		char req[96];
		snprintf(req, sizeof req, "{\"v\":1,\"cmd\":\"%s\"}\n", cmds[k]);
		struct json_object *o = one_reply(sock, req, &size[k]);
		assert_true(json_object_get_boolean(get(o, "ok")));
		assert_true(size[k] < HBCTL_REPLY_MAX);
		if (k == 1) {
			/* the liveset: every host, and every UUID in every list */
			struct json_object *res = get(o, "result");
			assert_string_equal(json_object_get_string(get(res, "status")), "Online");
			assert_int_equal(json_object_array_length(get(res, "hosts")), N);
			struct json_object *raw = get(get(res, "raw"), "host_raw_data");
			assert_int_equal(json_object_array_length(raw), N);
			static const char *const lists[] = {
				"heartbeat_active_list_on_heartbeat", "heartbeat_active_list_on_statefile",
				"statefile_active_list_on_heartbeat", "statefile_active_list_on_statefile"};
			for (unsigned h = 0; h < N; h++)
				for (unsigned l = 0; l < 4; l++)
					assert_int_equal(json_object_array_length(get(json_object_array_get_idx(raw, h), lists[l])), N);
		}
		if (k == 2) /* the statefile: every slot valid, with its last words */
			for (unsigned h = 0; h < N; h++) {
				struct json_object *sl = json_object_array_get_idx(get(get(o, "result"), "slots"), h);
				assert_string_equal(json_object_get_string(get(sl, "state")), "VALID");
				assert_non_null(get(get(sl, "last_words"), "text"));
			}
		json_object_put(o);
	}
	printf("replies for %u hosts, %u paths, longest fields: status %zu, liveset %zu, statefile %zu, "
	       "timeouts %zu bytes (output buffer %u, hbctl reads up to %u)\n",
	       N, PATHS, size[0], size[1], size[2], size[3], AGENT_CTL_OUT_MAX, HBCTL_REPLY_MAX);
	/* the liveset grows with the square of the pool: far past the buffer */
	assert_true(size[1] > AGENT_CTL_OUT_MAX);

	/* hbctl's own client reads each of them */
	struct hbctl_opts opts = {.socket_path = sock, .timeout_ms = 5000};
	for (unsigned k = 0; k < 4; k++) {
		struct json_object *res = NULL;
		struct hb_err err = {{0}};
		int rc = hbctl_request(&opts, cmd_ids[k], NULL, &res, &err);
		if (rc != 0)
			fail_msg("hbctl %s: %s", cmds[k], err.msg);
		assert_non_null(res);
		json_object_put(res);
	}

	/* pipelined: a ping and a status behind two large replies, in order */
	int fd = connect_to(sock);
	assert_true(fd >= 0);
	send_all(fd, "{\"v\":1,\"cmd\":\"liveset\",\"id\":1}\n{\"v\":1,\"cmd\":\"ping\",\"id\":2}\n"
	             "{\"v\":1,\"cmd\":\"liveset\",\"id\":3}\n{\"v\":1,\"cmd\":\"status\",\"id\":4}\n");
	char *buf;
	size_t len = read_lines(fd, 4, &buf);
	close(fd);
	assert_true(len > 2 * size[1]);
	char *save = NULL;
	int id = 1;
	for (char *line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save), id++) {
		struct json_object *o = json_tokener_parse(line);
		assert_non_null(o);
		assert_true(json_object_get_boolean(get(o, "ok")));
		assert_int_equal(json_object_get_int(get(o, "id")), id);
		json_object_put(o);
	}
	assert_int_equal(id, 5);
	free(buf);
	serve_stop(&srv);
	assert_true(a->ctl.streamed >= 4);
	assert_int_equal(a->ctl.stalled_closed, 0);
	agent_free(a);
}

static void hb_gaps(struct agent *a, hb_mono_ms *min, hb_mono_ms *max)
{
	struct hb_core_status st;
	hb_core_status(a->core, a->now, &st);
	*min = st.hb_gap_min;
	*max = st.hb_gap_max;
}

/* Run in a child as uid 65534 (primary group 65534); exit code: what
 * hbctl_request gave for liveset+reset_latency * 256 ... folded below. */
static int as_nobody_liveset(const char *sock, bool reset)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		struct hbctl_opts opts = {.socket_path = sock, .timeout_ms = 5000};
		struct json_object *args = NULL, *res = NULL;
		struct hb_err err;
		if (reset) {
			args = json_object_new_object();
			json_object_object_add(args, "reset_latency", json_object_new_boolean(true));
		}
		_exit(hbctl_request(&opts, CTL_LIVESET, args, &res, &err));
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 98;
}

static void test_liveset_keeps_latency_unless_asked(void **state)
{
	(void)state;
	char sock[256];
	snprintf(sock, sizeof sock, "%s/lat.sock", g_dir);
	struct agent *a = agent_new(g_pool, sock, getuid() == 0 ? "65534" : "");
	hb_mono_ms min0, max0, min1, max1;
	hb_gaps(a, &min0, &max0);
	assert_true(min0 >= 0 && max0 >= min0); /* the pool's heartbeats were timed */

	struct server srv;
	serve_start(&srv, a);
	size_t size;
	struct json_object *o = one_reply(sock, "{\"v\":1,\"cmd\":\"liveset\"}\n", &size);
	assert_true(json_object_get_boolean(get(o, "ok")));
	json_object_put(o);
	o = one_reply(sock, "{\"v\":1,\"cmd\":\"liveset\",\"args\":{\"keep_latency\":true}}\n", &size);
	assert_true(json_object_get_boolean(get(o, "ok")));
	json_object_put(o);
	serve_stop(&srv);
	hb_gaps(a, &min1, &max1);
	assert_int_equal(min1, min0);
	assert_int_equal(max1, max0);

	if (getuid() == 0) {
		/* a control-group member reads the liveset, may not reset it */
		serve_start(&srv, a);
		int rc_reset = as_nobody_liveset(sock, true), rc_plain = as_nobody_liveset(sock, false);
		serve_stop(&srv);
		assert_int_equal(rc_reset, HB_EXIT_INVALID_ENVIRONMENT);
		assert_int_equal(rc_plain, HB_EXIT_SUCCESS);
		hb_gaps(a, &min1, &max1);
		assert_int_equal(max1, max0);
	}

	serve_start(&srv, a);
	o = one_reply(sock, "{\"v\":1,\"cmd\":\"liveset\",\"args\":{\"reset_latency\":true,\"keep_latency\":true}}\n",
	              &size);
	assert_false(json_object_get_boolean(get(o, "ok")));
	assert_string_equal(json_object_get_string(get(o, "error")), "bad-request");
	json_object_put(o);
	o = one_reply(sock, "{\"v\":1,\"cmd\":\"liveset\",\"args\":{\"reset_latency\":true}}\n", &size);
	assert_true(json_object_get_boolean(get(o, "ok")));
	/* the reply still carries the period that ended */
	struct json_object *raw = get(get(o, "result"), "raw");
	assert_int_equal(json_object_get_int64(get(raw, "heartbeat_latency_max")), max0);
	json_object_put(o);
	serve_stop(&srv);
	hb_gaps(a, &min1, &max1);
	assert_int_equal(min1, -1);
	assert_int_equal(max1, -1);
	agent_free(a);
}

static void test_parse_reset_latency(void **state)
{
	(void)state;
	struct ctl_request req;
	struct ctl_fault f;
	const char *plain = "{\"v\":1,\"cmd\":\"liveset\"}";
	assert_int_equal(ctl_parse(plain, strlen(plain), &req, &f), 0);
	assert_false(ctl_request_is_change(&req));
	ctl_request_free(&req);
	const char *reset = "{\"v\":1,\"cmd\":\"liveset\",\"args\":{\"reset_latency\":true}}";
	assert_int_equal(ctl_parse(reset, strlen(reset), &req, &f), 0);
	assert_true(req.reset_latency && ctl_request_is_change(&req));
	ctl_request_free(&req);
	const char *bad = "{\"v\":1,\"cmd\":\"status\",\"args\":{\"reset_latency\":true}}";
	assert_int_equal(ctl_parse(bad, strlen(bad), &req, &f), -1);
	ctl_request_free(&req);
}

static void test_root_keeps_its_slots(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	char sock[256];
	snprintf(sock, sizeof sock, "%s/slots.sock", g_dir);
	struct agent *a = agent_new(g_pool, sock, "");
	assert_int_equal(chmod(sock, 0666), 0); /* let uid 65534 connect */
	const unsigned others = AGENT_CTL_MAX_CLIENTS - AGENT_CTL_ROOT_RESERVED;
	int ready[2], done[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* one more non-root client than it may have; held until the
		 * parent writes to `done` or exits (a failed assertion) */
		close(ready[0]);
		close(done[1]);
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		int n = 0;
		for (unsigned k = 0; k <= others; k++)
			n += connect_to(sock) >= 0;
		char c = (char)n;
		(void)!write(ready[1], &c, 1);
		(void)!read(done[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal((unsigned char)c, others + 1); /* all in the backlog */
	for (int k = 0; k < 4; k++)
		agent_ctl_on_listen(a);
	assert_int_equal(a->ctl.accepted, others);
	assert_int_equal(a->ctl.refused, 1);

	/* root still gets in, and is answered */
	int fd = connect_to(sock);
	assert_true(fd >= 0);
	agent_ctl_on_listen(a);
	assert_int_equal(a->ctl.accepted, others + 1);
	send_all(fd, "{\"v\":1,\"cmd\":\"ping\"}\n");
	for (int k = 0; k < 10; k++)
		pump(a, 10);
	char *buf;
	assert_true(read_lines(fd, 1, &buf) > 0);
	assert_non_null(strstr(buf, "\"pong\""));
	free(buf);

	/* root may fill the table, no more */
	int more[AGENT_CTL_ROOT_RESERVED];
	for (unsigned k = 0; k < AGENT_CTL_ROOT_RESERVED; k++)
		assert_true((more[k] = connect_to(sock)) >= 0);
	agent_ctl_on_listen(a);
	assert_int_equal(a->ctl.accepted, AGENT_CTL_MAX_CLIENTS);
	assert_int_equal(a->ctl.refused, 2);
	for (unsigned k = 0; k < AGENT_CTL_ROOT_RESERVED; k++)
		close(more[k]);
	close(fd);
	(void)!write(done[1], &c, 1);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(done[1]);
	agent_free(a);
}

/* In a child with a private mount namespace and /run a fresh tmpfs: the
 * lock file's directory /run/hbagent exists 0700 (hbagent.c creates it
 * first), then the control socket opens at the default path with
 * <ControlGroup>65534</ControlGroup>. Exit 0 when a uid-65534 member of the
 * group can connect; 77 when the namespace cannot be had. */
static int default_path_child(struct unit_pool *p)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0)
		return 77;
	if (mkdir(AGENT_RUN_DIR, 0700) < 0)
		return 10;
	struct agent *a = agent_new(p, "", "65534");
	struct stat st;
	if (stat(AGENT_RUN_DIR, &st) < 0 || (st.st_mode & 07777) != 0750 || st.st_gid != NOBODY)
		return 11;
	if (stat(HB_DEFAULT_CONTROL_SOCKET, &st) < 0 || (st.st_mode & 07777) != 0660 || st.st_gid != NOBODY)
		return 12;
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		int fd = connect_to(HB_DEFAULT_CONTROL_SOCKET);
		_exit(fd >= 0 ? 0 : errno == EACCES ? 13 : 14);
	}
	int ws;
	waitpid(pid, &ws, 0);
	agent_free(a);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 15;
}

static void test_control_group_default_path(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(default_path_child(g_pool));
	int ws;
	waitpid(pid, &ws, 0);
	assert_true(WIFEXITED(ws));
	if (WEXITSTATUS(ws) == 77)
		skip();
	/* 11: the run directory stayed 0700; 13: the member got EACCES */
	assert_int_equal(WEXITSTATUS(ws), 0);
}

/* Follow mode: a follower that reads gets every event, one line each; one
 * that never reads is cut off once its buffer is full, and adding events
 * never waits for it; at most AGENT_EVENTS_FOLLOWERS_MAX follow at once. */
static size_t drain(int fd, size_t *lines)
{
	char b[65536];
	size_t got = 0;
	for (;;) {
		ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
		if (r <= 0)
			return got;
		for (ssize_t k = 0; k < r; k++)
			*lines += b[k] == '\n';
		got += (size_t)r;
	}
}

static int follower(struct agent *a, const char *sock, bool expect_ok)
{
	int fd = connect_to(sock);
	assert_true(fd >= 0);
	send_all(fd, "{\"v\":1,\"cmd\":\"events\",\"args\":{\"follow\":true,\"since\":99999999}}\n");
	for (int k = 0; k < 5; k++)
		pump(a, 10);
	char *buf;
	assert_true(read_lines(fd, 1, &buf) > 0);
	if ((strstr(buf, "\"ok\":true") != NULL) != expect_ok)
		fail_msg("follow request: %s", buf);
	free(buf);
	return fd;
}

static void test_events_followers(void **state)
{
	(void)state;
	char sock[256];
	snprintf(sock, sizeof sock, "%s/events.sock", g_dir);
	struct agent *a = agent_new(g_pool, sock, "");
	int reader = follower(a, sock, true);
	int slow = follower(a, sock, true);
	assert_int_equal(agent_ctl_followers(a), 2);
	char reason[AGENT_EVENT_REASON_MAX];
	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	const unsigned n = 4000; /* about 2 MB per follower */
	size_t lines = 0;
	int64_t t0 = hb_clock_monotonic_ms();
	for (unsigned k = 0; k < n; k++) {
		agent_events_add(a, AGENT_EV_WARNING_RAISED, 0, "filler", reason);
		drain(reader, &lines);
	}
	int64_t took = hb_clock_monotonic_ms() - t0;
	print_message("events: %u events to 2 followers in %lld ms\n", n, (long long)took);
	assert_true(took < 5000); /* never waited for the one not reading */
	for (int k = 0; k < 200 && lines < n; k++) {
		pump(a, 5);
		drain(reader, &lines);
	}
	assert_int_equal(lines, n);
	assert_int_equal(a->ev.followers_dropped, 1);
	assert_int_equal(agent_ctl_followers(a), 1);
	/* the slow one: what was sent, then the end of the stream */
	size_t slow_lines = 0;
	char b[65536];
	ssize_t r;
	while ((r = recv(slow, b, sizeof b, 0)) > 0)
		for (ssize_t k = 0; k < r; k++)
			slow_lines += b[k] == '\n';
	assert_int_equal(r, 0);
	assert_true(slow_lines > 0 && slow_lines < n);
	close(slow);
	/* the limit */
	int more[AGENT_EVENTS_FOLLOWERS_MAX];
	for (unsigned k = 1; k < AGENT_EVENTS_FOLLOWERS_MAX; k++)
		more[k] = follower(a, sock, true);
	assert_int_equal(agent_ctl_followers(a), AGENT_EVENTS_FOLLOWERS_MAX);
	int refused = follower(a, sock, false);
	close(refused);
	for (unsigned k = 1; k < AGENT_EVENTS_FOLLOWERS_MAX; k++)
		close(more[k]);
	close(reader);
	for (int k = 0; k < 10; k++)
		pump(a, 5);
	assert_int_equal(agent_ctl_followers(a), 0);
	agent_free(a);
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(g_dir) == NULL)
		return -1;
	chmod(g_dir, 0755);
	g_pool = pool_online();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unit_pool_free(g_pool);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_largest_replies_fit),
		cmocka_unit_test(test_liveset_keeps_latency_unless_asked),
		cmocka_unit_test(test_parse_reset_latency),
		cmocka_unit_test(test_root_keeps_its_slots),
		cmocka_unit_test(test_control_group_default_path),
		cmocka_unit_test(test_events_followers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
