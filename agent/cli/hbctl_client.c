/*
 * hbctl_client.c: hbctl's side of the agent's control socket
 * (docs/control.md section 1).
 *
 * Owns which socket to use (-S, the config's <ControlSocket>, the default),
 * one exchange on it (connect, one request line built with json-c, one
 * response line read with poll() under the --timeout deadline, parsed with
 * json-c) and the mapping of every outcome to an xhad exit code and one line
 * "CMD: CLASS (CODE CODE_NAME): REASON": the agent's own errors verbatim,
 * no agent (14), no answer in time (3), a broken reply (2). Prints nothing
 * but what hbctl_call and hbctl_print_json are asked to print.
 */
#include "hbctl.h"
#include "hb_clock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_sftool.h"
#include "hb_uuid.h"

#define REPLY_INITIAL (64u * 1024u)
#define CONNECT_RETRY_MS 10 /* the listen backlog is full: try again */
/* A query whose connection the agent closed unanswered is asked again (the
 * agent was exiting: the next try finds no agent, 14, as xapi expects from
 * ha_query_liveset once the agent has gone). */
#define CLOSED_RETRIES 3
#define CLOSED_RETRY_MS 100

void hbctl_print_json(struct json_object *value)
{
	printf("%s\n", json_object_to_json_string_ext(value, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

struct json_object *hbctl_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

const char *hbctl_get_string(struct json_object *o, const char *key, const char *fallback)
{
	struct json_object *v = hbctl_get(o, key);
	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : fallback;
}

long long hbctl_get_int(struct json_object *o, const char *key, long long fallback)
{
	struct json_object *v = hbctl_get(o, key);
	return v != NULL && json_object_is_type(v, json_type_int) ? (long long)json_object_get_int64(v) : fallback;
}

int hbctl_get_bool(struct json_object *o, const char *key)
{
	struct json_object *v = hbctl_get(o, key);
	return v != NULL && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) != 0 : -1;
}

size_t hbctl_array_len(struct json_object *a)
{
	return a != NULL && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

long long hbctl_invalid_slots(struct json_object *status)
{
	long long n = 0;
	struct json_object *hosts = hbctl_get(status, "hosts");
	for (size_t i = 0; i < hbctl_array_len(hosts); i++) {
		const char *slot = hbctl_get_string(json_object_array_get_idx(hosts, i), "slot", "unread");
		n += strcmp(slot, "valid") != 0 && strcmp(slot, "empty") != 0 && strcmp(slot, "unread") != 0;
	}
	return n;
}

/* ---- the socket path ----------------------------------------------------- */

int hbctl_socket(const struct hbctl_opts *opts, bool query, bool quiet, const char **path)
{
	if (opts->socket_path != NULL) {
		*path = opts->socket_path;
		return HB_EXIT_SUCCESS;
	}
	const struct hb_config *cfg = NULL;
	int rc = hbctl_config(opts, true, &cfg);
	if (rc == HB_EXIT_SUCCESS) {
		*path = cfg->control_socket[0] != '\0' ? cfg->control_socket : HB_DEFAULT_CONTROL_SOCKET;
		return HB_EXIT_SUCCESS;
	}
	if (query) {
		*path = HB_DEFAULT_CONTROL_SOCKET;
		return HB_EXIT_SUCCESS;
	}
	if (!quiet)
		(void)hbctl_config(opts, false, &cfg); /* prints why */
	return rc;
}

/* ---- one exchange -------------------------------------------------------- */

static int request_once(const struct hbctl_opts *opts, enum ctl_cmd cmd, struct json_object *args,
                        struct json_object **result, struct hb_err *err);

/* Milliseconds left before the deadline, for poll(); 0 when past. */
static int left_ms(int64_t deadline)
{
	int64_t left = deadline - hb_clock_monotonic_ms();
	return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

__attribute__((format(printf, 5, 6)))
static int fail(struct hb_err *err, const char *cmd, const char *cls, int code, const char *fmt, ...)
{
	char reason[HB_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	hb_err_set(err, "%s: %s (%d %s): %s", cmd, cls, code, hb_exit_name(code), reason);
	return code;
}

struct exchange {
	const char *cmd;
	const char *path;
	unsigned timeout_ms;
	int64_t deadline;
	int fd;
	char *buf;
	size_t len, cap;
	bool closed; /* the agent closed the connection before answering */
};

static int do_connect(struct exchange *x, struct hb_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen = strlen(x->path);
	if (plen >= sizeof sa.sun_path)
		return fail(err, x->cmd, "bad-socket", HB_EXIT_INVALID_PARAMETER,
		            "the control socket path %s is longer than %zu characters", x->path, sizeof sa.sun_path - 1u);
	memcpy(sa.sun_path, x->path, plen + 1u);
	for (;;) {
		x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (x->fd < 0)
			return fail(err, x->cmd, "system", HB_EXIT_SYSTEM_ERROR, "socket: %s", strerror(errno));
		if (connect(x->fd, (const struct sockaddr *)&sa, sizeof sa) == 0)
			return HB_EXIT_SUCCESS;
		int e = errno;
		close(x->fd);
		x->fd = -1;
		switch (e) {
		case ENOENT:
		case ECONNREFUSED:
		case ENOTDIR:
			return fail(err, x->cmd, "no-agent", HB_EXIT_DAEMON_IS_NOT_PRESENT, "no agent listens on %s (%s)",
			            x->path, strerror(e));
		case EACCES:
		case EPERM:
			return fail(err, x->cmd, "permission-denied", HB_EXIT_INVALID_ENVIRONMENT, "cannot connect to %s: %s",
			            x->path, strerror(e));
		case EAGAIN:
		case EINTR:
			if (left_ms(x->deadline) == 0)
				return fail(err, x->cmd, "timeout", HB_EXIT_TRANSIENT_SYSTEM_ERROR,
				            "the agent on %s accepted no connection within %u ms", x->path, x->timeout_ms);
			(void)poll(NULL, 0, CONNECT_RETRY_MS);
			break;
		default:
			return fail(err, x->cmd, "system", HB_EXIT_SYSTEM_ERROR, "cannot connect to %s: %s", x->path,
			            strerror(e));
		}
	}
}

static int do_send(struct exchange *x, const char *line, size_t len, struct hb_err *err)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(x->fd, line + off, len - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			x->closed = true;
			return fail(err, x->cmd, "closed", HB_EXIT_TRANSIENT_SYSTEM_ERROR,
			            "the agent on %s closed the connection: %s", x->path, strerror(errno));
		}
		struct pollfd p = {.fd = x->fd, .events = POLLOUT};
		int left = left_ms(x->deadline);
		if (left == 0 || (poll(&p, 1, left) == 0 && left_ms(x->deadline) == 0))
			return fail(err, x->cmd, "timeout", HB_EXIT_TRANSIENT_SYSTEM_ERROR,
			            "the agent on %s took no request within %u ms", x->path, x->timeout_ms);
	}
	return HB_EXIT_SUCCESS;
}

/* Read until the first newline; x->buf then holds the line, NUL-terminated. */
static int do_receive(struct exchange *x, struct hb_err *err)
{
	for (;;) {
		char *nl = x->len > 0 ? memchr(x->buf, '\n', x->len) : NULL;
		if (nl != NULL) {
			*nl = '\0';
			return HB_EXIT_SUCCESS;
		}
		if (x->len + 1u >= x->cap) {
			if (x->cap >= HBCTL_REPLY_MAX)
				return fail(err, x->cmd, "bad-response", HB_EXIT_SYSTEM_ERROR,
				            "the agent's reply exceeds %u bytes", HBCTL_REPLY_MAX);
			size_t cap = x->cap == 0 ? REPLY_INITIAL : x->cap * 2u;
			char *b = realloc(x->buf, cap);
			if (b == NULL)
				return fail(err, x->cmd, "system", HB_EXIT_SYSTEM_ERROR, "out of memory for the reply");
			x->buf = b;
			x->cap = cap;
		}
		ssize_t r = recv(x->fd, x->buf + x->len, x->cap - 1u - x->len, 0);
		if (r > 0) {
			x->len += (size_t)r;
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			x->closed = true;
			return fail(err, x->cmd, "closed", HB_EXIT_TRANSIENT_SYSTEM_ERROR,
			            "the agent on %s closed the connection without answering%s%s", x->path,
			            r == 0 ? "" : ": ", r == 0 ? "" : strerror(errno));
		}
		struct pollfd p = {.fd = x->fd, .events = POLLIN};
		int left = left_ms(x->deadline);
		if (left == 0 || (poll(&p, 1, left) == 0 && left_ms(x->deadline) == 0))
			return fail(err, x->cmd, "timeout", HB_EXIT_TRANSIENT_SYSTEM_ERROR,
			            "no answer from the agent on %s within %u ms", x->path, x->timeout_ms);
	}
}

/* Map the response line to the result or the exit code. */
static int decode(struct exchange *x, struct json_object **result, struct hb_err *err)
{
	struct json_object *rep = json_tokener_parse(x->buf);
	struct json_object *ok = NULL, *code = NULL, *v = NULL, *res = NULL;
	int rc;
	if (rep == NULL || !json_object_is_type(rep, json_type_object) || !json_object_object_get_ex(rep, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		rc = fail(err, x->cmd, "bad-response", HB_EXIT_SYSTEM_ERROR,
		          "the agent on %s sent no {\"ok\":...} object: %.160s", x->path, x->buf);
	} else if (json_object_object_get_ex(rep, "v", &v) &&
	           (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != CTL_VERSION)) {
		rc = fail(err, x->cmd, "bad-response", HB_EXIT_SYSTEM_ERROR,
		          "the agent on %s speaks protocol version %s, hbctl speaks %d", x->path,
		          json_object_to_json_string(v), CTL_VERSION);
	} else if (json_object_get_boolean(ok)) {
		if (json_object_object_get_ex(rep, "result", &res))
			*result = json_object_get(res);
		rc = HB_EXIT_SUCCESS;
	} else {
		int64_t c = -1;
		if (json_object_object_get_ex(rep, "code", &code) && json_object_is_type(code, json_type_int))
			c = json_object_get_int64(code);
		/* a failure always fails: an absent or out-of-range code is a system error */
		rc = c >= 1 && c <= 255 ? (int)c : HB_EXIT_SYSTEM_ERROR;
		hb_err_set(err, "%s: %s (%d %s): %s", x->cmd, hbctl_get_string(rep, "error", "error"), rc,
		           hbctl_get_string(rep, "code_name", hb_exit_name(rc)), hbctl_get_string(rep, "reason", "(no reason given)"));
	}
	json_object_put(rep);
	return rc;
}

/* ---- why there is no answer --------------------------------------------- */

/* Append text to err's message (truncated at its size). */
static void err_append(struct hb_err *err, const char *text)
{
	size_t n = strnlen(err->msg, sizeof err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, "%s", text);
}

/* No agent listens: say what the admin can check, from what hbctl can see
 * without one (docs/operations.md, "HA will not enable, or the agent will
 * not start"). */
/* The pool state in the statefile, for status only (a read bounded by
 * NO_AGENT_PROBE_MS; xapi's queries, which expect 14 quickly, never pay it).
 * Returns true with a hint when it explains the absence. */
#define NO_AGENT_PROBE_MS 2000u
static bool pool_state_hint(const struct hb_config *cfg, char *hint, size_t len)
{
	static struct hb_sf_dump d; /* large */
	struct hb_sftool_target t;
	struct hb_err e = {{0}};
	hb_sftool_target_from_config(cfg, NO_AGENT_PROBE_MS, &t);
	if (hb_sftool_dump(&t, &d, &e) != HB_EXIT_SUCCESS) {
		snprintf(hint, len, "; and the statefile cannot be read: %s", e.msg);
		return true;
	}
	if (d.global_io.status != HB_SFIO_OK || d.global_reject != HB_REJECT_NONE || !d.global_generation_ok)
		return false;
	if (d.global.pool_state == HB_POOL_INVALID) {
		snprintf(hint, len, "; HA is disabled on this pool (the statefile's pool state is invalid)");
		return true;
	}
	return false;
}

static void no_agent_hint(const struct hbctl_opts *opts, enum ctl_cmd cmd, struct hb_err *err)
{
	char hint[HB_ERR_LEN + 128];
	const struct hb_config *cfg = NULL;
	if (hbctl_config(opts, true, &cfg) != HB_EXIT_SUCCESS) {
		snprintf(hint, sizeof hint, "; the config cannot be used, so no agent can start with it: %s",
		         hbctl_config_error());
		err_append(err, hint);
		return;
	}
	char u[HB_UUID_STR_LEN], lock[128];
	snprintf(lock, sizeof lock, "/run/hbagent/hbagent.%s.lock", hb_uuid_format(&cfg->hosts[cfg->local_index].uuid, u));
	int fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		bool held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
		close(fd);
		if (held) {
			snprintf(hint, sizeof hint,
			         "; an agent runs for this host (it holds %s) but does not answer yet: it is starting "
			         "(its log says what it waits for)",
			         lock);
			err_append(err, hint);
			return;
		}
	}
	if (cmd == CTL_STATUS && pool_state_hint(cfg, hint, sizeof hint)) {
		err_append(err, hint);
		return;
	}
	err_append(err, "; HA is not running on this host (systemctl status hbagent; with xapi: xe host-list params=ha-*)");
}

/* A permission refusal: say how to be allowed. */
static void permission_hint(const struct hbctl_opts *opts, struct hb_err *err)
{
	char hint[HB_ERR_LEN + 128];
	const struct hb_config *cfg = NULL;
	if (hbctl_config(opts, true, &cfg) == HB_EXIT_SUCCESS && cfg->control_group[0] != '\0')
		snprintf(hint, sizeof hint, "; run as root, or as a member of group %s (<ControlGroup>) for queries",
		         cfg->control_group);
	else
		snprintf(hint, sizeof hint, "; run as root (or set <ControlGroup> in xhad.conf and join that group, for queries)");
	err_append(err, hint);
}

int hbctl_request(const struct hbctl_opts *opts, enum ctl_cmd cmd, struct json_object *args,
                  struct json_object **result, struct hb_err *err)
{
	int rc = request_once(opts, cmd, args, result, err);
	if (rc == HB_EXIT_DAEMON_IS_NOT_PRESENT)
		no_agent_hint(opts, cmd, err);
	else if (rc == HB_EXIT_INVALID_ENVIRONMENT && strstr(err->msg, "permission-denied") != NULL)
		permission_hint(opts, err);
	return rc;
}

static int request_once(const struct hbctl_opts *opts, enum ctl_cmd cmd, struct json_object *args,
                        struct json_object **result, struct hb_err *err)
{
	struct exchange x = {.cmd = ctl_cmd_name(cmd), .timeout_ms = opts->timeout_ms, .fd = -1};
	*result = NULL;
	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "v", json_object_new_int(CTL_VERSION));
	json_object_object_add(req, "cmd", json_object_new_string(ctl_cmd_name(cmd)));
	json_object_object_add(req, "args", args != NULL ? args : json_object_new_object());
	int rc = hbctl_socket(opts, !ctl_cmd_is_change(cmd), true, &x.path);
	if (rc != HB_EXIT_SUCCESS) {
		json_object_put(req);
		return fail(err, x.cmd, "bad-config", rc, "%s; and no -S SOCKET names the control socket",
		            hbctl_config_error());
	}
	x.deadline = hb_clock_monotonic_ms() + (int64_t)opts->timeout_ms;
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text);
	char *line = malloc(len + 2u);
	if (line == NULL) {
		json_object_put(req);
		return fail(err, x.cmd, "system", HB_EXIT_SYSTEM_ERROR, "out of memory for the request");
	}
	memcpy(line, text, len);
	line[len] = '\n';
	line[len + 1u] = '\0';
	json_object_put(req);
	for (unsigned attempt = 0;; attempt++) {
		x.closed = false;
		x.len = 0;
		rc = do_connect(&x, err);
		if (rc == HB_EXIT_SUCCESS)
			rc = do_send(&x, line, len + 1u, err);
		if (rc == HB_EXIT_SUCCESS)
			rc = do_receive(&x, err);
		if (!x.closed || ctl_cmd_is_change(cmd) || attempt >= CLOSED_RETRIES || left_ms(x.deadline) < CLOSED_RETRY_MS)
			break;
		close(x.fd);
		x.fd = -1;
		(void)poll(NULL, 0, CLOSED_RETRY_MS);
	}
	if (rc == HB_EXIT_SUCCESS)
		rc = decode(&x, result, err);
	if (x.fd >= 0)
		close(x.fd);
	free(x.buf);
	free(line);
	return rc;
}

int hbctl_call(const struct hbctl_opts *opts, enum ctl_cmd cmd, struct json_object *args, struct json_object **result)
{
	struct hb_err err = {{0}};
	int rc = hbctl_request(opts, cmd, args, result, &err);
	if (rc != HB_EXIT_SUCCESS)
		fprintf(stderr, "hbctl: %s\n", err.msg);
	return rc;
}

int hbctl_agent_present(const struct hbctl_opts *opts)
{
	struct hb_err err = {{0}};
	struct json_object *result = NULL;
	int rc = hbctl_request(opts, CTL_PING, NULL, &result, &err);
	json_object_put(result);
	return rc == HB_EXIT_DAEMON_IS_NOT_PRESENT ? HB_EXIT_DAEMON_IS_NOT_PRESENT : HB_EXIT_SUCCESS;
}
