/*
 * hb_ctl_proto.c: parsing and building control protocol messages (hb_ctl_proto.h).
 *
 * A request is one JSON object {"v":1,"cmd":NAME,"args":{...},"id":ANY};
 * every member is checked for its type, unknown members and arguments are
 * refused by name, so a typo never silently does something else.
 */
#include "hb_ctl_proto.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hb_exit.h"

/* json-c's default nesting limit is 32; a request is two levels deep. */
#define CTL_JSON_DEPTH 8

static const struct {
	const char *name;
	bool change;
} cmds[CTL_CMD_COUNT] = {
	[CTL_PING] = {"ping", false},
	[CTL_STATUS] = {"status", false},
	[CTL_LIVESET] = {"liveset", false},
	[CTL_TIMEOUTS] = {"timeouts", false},
	[CTL_STATEFILE] = {"statefile", false},
	[CTL_PROPOSE_MASTER] = {"propose-master", true},
	[CTL_DISARM] = {"disarm", true},
	[CTL_ARM] = {"arm", true},
	[CTL_SET_EXCLUDED] = {"set-excluded", true},
	[CTL_CLEAR_EXCLUDED] = {"clear-excluded", true},
	[CTL_SET_POOL_STATE] = {"set-pool-state", true},
	[CTL_SET_WEIGHT] = {"set-weight", true},
	[CTL_SHUTDOWN] = {"shutdown", true},
	[CTL_EVENTS] = {"events", false},
};

static const char *const error_names[CTL_E_COUNT] = {
	[CTL_E_BAD_REQUEST] = "bad-request",
	[CTL_E_UNSUPPORTED_VERSION] = "unsupported-version",
	[CTL_E_UNKNOWN_COMMAND] = "unknown-command",
	[CTL_E_PERMISSION_DENIED] = "permission-denied",
	[CTL_E_TOO_LARGE] = "too-large",
	[CTL_E_TIMEOUT] = "timeout",
	[CTL_E_REFUSED] = "refused",
};

bool ctl_cmd_lookup(const char *name, enum ctl_cmd *out)
{
	for (unsigned i = 0; i < CTL_CMD_COUNT; i++) {
		if (strcmp(cmds[i].name, name) == 0) {
			*out = (enum ctl_cmd)i;
			return true;
		}
	}
	return false;
}

const char *ctl_cmd_name(enum ctl_cmd cmd) { return cmd < CTL_CMD_COUNT ? cmds[cmd].name : "?"; }
bool ctl_cmd_is_change(enum ctl_cmd cmd) { return cmd >= CTL_CMD_COUNT || cmds[cmd].change; }
bool ctl_request_is_change(const struct ctl_request *req) { return ctl_cmd_is_change(req->cmd) || req->reset_latency; }
const char *ctl_error_name(enum ctl_error e) { return e < CTL_E_COUNT ? error_names[e] : "?"; }

__attribute__((format(printf, 3, 4)))
static int fault(struct ctl_fault *f, enum ctl_error e, const char *fmt, ...)
{
	va_list ap;
	f->error = e;
	f->code = e == CTL_E_PERMISSION_DENIED ? HB_EXIT_INVALID_ENVIRONMENT : HB_EXIT_INVALID_PARAMETER;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof f->reason, fmt, ap);
	va_end(ap);
	return -1;
}

/* A member name shown in a message: at most 40 printable characters. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	for (; *s != '\0' && n + 4 < len && n < 40; s++)
		buf[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s != '\0')
		buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
	buf[n] = '\0';
	return buf;
}

static int parse_args(struct json_object *args, struct ctl_request *out, struct ctl_fault *f)
{
	char b[48];
	bool have_state = false, have_weight = false, keep = false;
	json_object_object_foreach(args, key, val)
	{
		if (out->cmd == CTL_SET_POOL_STATE && strcmp(key, "state") == 0) {
			const char *s = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : "";
			if (strcmp(s, "init") == 0)
				out->pool_state = HB_POOL_INIT;
			else if (strcmp(s, "active") == 0)
				out->pool_state = HB_POOL_ACTIVE;
			else if (strcmp(s, "invalid") == 0)
				out->pool_state = HB_POOL_INVALID;
			else
				return fault(f, CTL_E_BAD_REQUEST, "%s", "args.state: expected \"init\", \"active\" or \"invalid\"");
			have_state = true;
		} else if (out->cmd == CTL_LIVESET && strcmp(key, "reset_latency") == 0) {
			if (!json_object_is_type(val, json_type_boolean))
				return fault(f, CTL_E_BAD_REQUEST, "%s", "args.reset_latency: expected true or false");
			out->reset_latency = json_object_get_boolean(val);
		} else if (out->cmd == CTL_LIVESET && strcmp(key, "keep_latency") == 0) {
			/* the default since reset_latency; still accepted */
			if (!json_object_is_type(val, json_type_boolean))
				return fault(f, CTL_E_BAD_REQUEST, "%s", "args.keep_latency: expected true or false");
			keep = json_object_get_boolean(val);
		} else if (out->cmd == CTL_EVENTS && strcmp(key, "since") == 0) {
			int64_t n = json_object_is_type(val, json_type_int) ? json_object_get_int64(val) : -1;
			if (n < 0)
				return fault(f, CTL_E_BAD_REQUEST, "%s", "args.since: expected a sequence number >= 0");
			out->since = (uint64_t)n;
		} else if (out->cmd == CTL_EVENTS && strcmp(key, "follow") == 0) {
			if (!json_object_is_type(val, json_type_boolean))
				return fault(f, CTL_E_BAD_REQUEST, "%s", "args.follow: expected true or false");
			out->follow = json_object_get_boolean(val);
		} else if (out->cmd == CTL_SET_WEIGHT && strcmp(key, "weight") == 0) {
			int64_t w = json_object_is_type(val, json_type_int) ? json_object_get_int64(val) : -1;
			if (w < 1 || w > UINT16_MAX)
				return fault(f, CTL_E_BAD_REQUEST, "%s", "args.weight: expected an integer 1..65535");
			out->weight = (uint16_t)w;
			have_weight = true;
		} else {
			return fault(f, CTL_E_BAD_REQUEST, "args: unknown argument \"%s\"", shown(key, b, sizeof b));
		}
	}
	if (keep && out->reset_latency)
		return fault(f, CTL_E_BAD_REQUEST, "%s", "args: keep_latency and reset_latency contradict each other");
	if (out->cmd == CTL_SET_POOL_STATE && !have_state)
		return fault(f, CTL_E_BAD_REQUEST, "%s", "set-pool-state needs args.state");
	if (out->cmd == CTL_SET_WEIGHT && !have_weight)
		return fault(f, CTL_E_BAD_REQUEST, "%s", "set-weight needs args.weight");
	return 0;
}

static int parse_object(struct json_object *req, struct ctl_request *out, struct ctl_fault *f)
{
	char b[48];
	struct json_object *cmd = NULL, *args = NULL, *v = NULL;
	json_object_object_foreach(req, key, val)
	{
		if (strcmp(key, "v") == 0)
			v = val;
		else if (strcmp(key, "cmd") == 0)
			cmd = val;
		else if (strcmp(key, "args") == 0)
			args = val;
		else if (strcmp(key, "id") != 0)
			return fault(f, CTL_E_BAD_REQUEST, "unknown member \"%s\" (expected v, cmd, args, id)", shown(key, b, sizeof b));
	}
	if (v != NULL && (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != CTL_VERSION))
		return fault(f, CTL_E_UNSUPPORTED_VERSION, "%s", "unsupported protocol version: this agent speaks \"v\":1");
	if (cmd == NULL || !json_object_is_type(cmd, json_type_string))
		return fault(f, CTL_E_BAD_REQUEST, "%s", "missing \"cmd\" (a string)");
	const char *name = json_object_get_string(cmd);
	if (!ctl_cmd_lookup(name, &out->cmd))
		return fault(f, CTL_E_UNKNOWN_COMMAND, "unknown command \"%s\"", shown(name, b, sizeof b));
	if (args != NULL && !json_object_is_type(args, json_type_object))
		return fault(f, CTL_E_BAD_REQUEST, "%s", "\"args\" must be an object");
	struct json_object *empty = NULL;
	if (args == NULL)
		args = empty = json_object_new_object();
	int rc = parse_args(args, out, f);
	json_object_put(empty);
	return rc;
}

int ctl_parse(const char *line, size_t len, struct ctl_request *out, struct ctl_fault *f)
{
	memset(out, 0, sizeof *out);
	memset(f, 0, sizeof *f);
	if (len > INT_MAX)
		return fault(f, CTL_E_TOO_LARGE, "%s", "request too large");
	struct json_tokener *tok = json_tokener_new_ex(CTL_JSON_DEPTH);
	if (tok == NULL)
		return fault(f, CTL_E_BAD_REQUEST, "%s", "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *req = json_tokener_parse_ex(tok, line, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	int rc;
	if (req == NULL || jerr != json_tokener_success) {
		rc = fault(f, CTL_E_BAD_REQUEST, "not JSON: %s", jerr == json_tokener_continue ? "unexpected end of line" : json_tokener_error_desc(jerr));
	} else if (used < len && strspn(line + used, " \t\r") != len - used) {
		rc = fault(f, CTL_E_BAD_REQUEST, "%s", "trailing characters after the JSON object");
	} else if (!json_object_is_type(req, json_type_object)) {
		rc = fault(f, CTL_E_BAD_REQUEST, "%s", "expected a JSON object {\"v\":1,\"cmd\":...}");
	} else {
		struct json_object *id = NULL;
		if (json_object_object_get_ex(req, "id", &id))
			out->id = json_object_get(id);
		rc = parse_object(req, out, f);
	}
	json_object_put(req);
	return rc;
}

void ctl_request_free(struct ctl_request *req)
{
	json_object_put(req->id);
	req->id = NULL;
}

static struct json_object *envelope(struct json_object *id, bool ok, int code, const char *reason)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "v", json_object_new_int(CTL_VERSION));
	if (id != NULL)
		json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "code_name", json_object_new_string(hb_exit_name(code)));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	return o;
}

struct json_object *ctl_ok(struct json_object *id, const char *reason, struct json_object *result)
{
	struct json_object *o = envelope(id, true, HB_EXIT_SUCCESS, reason);
	json_object_object_add(o, "result", result);
	return o;
}

struct json_object *ctl_fail(struct json_object *id, enum ctl_error e, int code, const char *reason)
{
	struct json_object *o = envelope(id, false, code, reason);
	json_object_object_add(o, "error", json_object_new_string(ctl_error_name(e)));
	return o;
}
