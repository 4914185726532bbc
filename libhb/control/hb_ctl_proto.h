/*
 * hb_ctl_proto.h: the control protocol's messages (docs/control.md), pure.
 *
 * Owns the command table (names, who may run them, their arguments), the
 * parsing and validation of one request line into struct ctl_request, and
 * the building of response objects. No I/O and no agent state: the fuzzer
 * (tests/fuzz/fuzz_control.c) drives ctl_parse directly.
 */
#ifndef HB_CTL_PROTO_H
#define HB_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hb_types.h"

#define CTL_VERSION 1

struct json_object;

enum ctl_cmd {
	CTL_PING = 0,
	CTL_STATUS,
	CTL_LIVESET,
	CTL_TIMEOUTS,
	CTL_STATEFILE,
	CTL_PROPOSE_MASTER,
	CTL_DISARM,
	CTL_ARM,
	CTL_SET_EXCLUDED,
	CTL_CLEAR_EXCLUDED,
	CTL_SET_POOL_STATE,
	CTL_SET_WEIGHT,
	CTL_SHUTDOWN,
	CTL_EVENTS,
	CTL_CMD_COUNT
};

/* Error classes of a failed response ("error" member). */
enum ctl_error {
	CTL_E_BAD_REQUEST = 0,
	CTL_E_UNSUPPORTED_VERSION,
	CTL_E_UNKNOWN_COMMAND,
	CTL_E_PERMISSION_DENIED,
	CTL_E_TOO_LARGE,
	CTL_E_TIMEOUT,
	CTL_E_REFUSED,
	CTL_E_COUNT
};

struct ctl_request {
	enum ctl_cmd cmd;
	struct json_object *id;      /* echoed; owned by the request (NULL = none) */
	enum hb_pool_state pool_state; /* CTL_SET_POOL_STATE */
	uint16_t weight;             /* CTL_SET_WEIGHT */
	bool reset_latency;          /* CTL_LIVESET: start a new latency period (root) */
	uint64_t since;              /* CTL_EVENTS: only events with a larger seq (0 = all) */
	bool follow;                 /* CTL_EVENTS: keep the connection, one line per new event */
};

/* A parse failure: the class, its exit code and one sentence. */
struct ctl_fault {
	enum ctl_error error;
	int code;
	char reason[160];
};

/* The wire name of a command ("propose-master"), and back. */
const char *ctl_cmd_name(enum ctl_cmd cmd);
bool ctl_cmd_lookup(const char *name, enum ctl_cmd *out);
/* Changes need uid 0; queries may also be run by the control group. */
bool ctl_cmd_is_change(enum ctl_cmd cmd);
/* The same for a parsed request: a liveset that resets the latency extremes
 * (what xapi's monitor reads) changes the agent too. */
bool ctl_request_is_change(const struct ctl_request *req);
const char *ctl_error_name(enum ctl_error e);

/* Parse one request line (without its newline; need not be NUL-terminated).
 * Returns 0 with *out filled (release with ctl_request_free), or -1 with
 * *fault; *out->id may still be set on failure so the response can echo it. */
int ctl_parse(const char *line, size_t len, struct ctl_request *out, struct ctl_fault *fault);
void ctl_request_free(struct ctl_request *req);

/* Response objects (the caller owns the reference). id may be NULL; result
 * is taken over (may be NULL). */
struct json_object *ctl_ok(struct json_object *id, const char *reason, struct json_object *result);
struct json_object *ctl_fail(struct json_object *id, enum ctl_error e, int code, const char *reason);

#endif
