/*
 * hbctl_commands.c: the hbctl commands that change or poke the running agent
 * (docs/control.md section 2): ping, propose-master, disarm, arm, set-weight,
 * shutdown, set-excluded / clear-excluded and set-pool-state.
 *
 * Owns their arguments, their one line of output, propose-master's asking
 * again while PENDING, and the statefile routes when no agent can do it:
 * set-excluded / clear-excluded with no agent write the flag themselves,
 * set-pool-state init formats the statefile (whatever it held) and only with
 * no agent, active / invalid go through the agent and wait until the
 * statefile shows them, else are written directly; invalid then waits until
 * this host's agent has seen it and exited. The exchange itself is
 * hbctl_client.c's, the statefile work hb_sftool's.
 */
#include "hbctl.h"
#include "hb_clock.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_sftool.h"
#include "hb_timing.h"
#include "hb_uuid.h"

#define PROPOSE_POLL_MS 100
#define PROPOSE_LOCK_WAIT_UNKNOWN_MS 30000u /* the lock wait when neither the agent nor the config tells */
#define PROPOSE_EXTRA_MS 1000u              /* docs/control.md: at most the lock wait + 1 s */
#define POOL_STATE_POLL_MS 200

static void sleep_ms(int64_t ms)
{
	if (ms > 0)
		(void)poll(NULL, 0, (int)ms);
}

/* The agent's result: pretty JSON with --json, else the string itself and,
 * when given, a few words of explanation. */
static void print_result(const struct hbctl_args *a, struct json_object *result, const char *explain)
{
	if (a->json) {
		hbctl_print_json(result);
	} else if (result != NULL && json_object_is_type(result, json_type_string)) {
		printf("%s%s%s\n", json_object_get_string(result), explain != NULL ? ": " : "", explain != NULL ? explain : "");
	} else {
		hbctl_print_json(result);
	}
}

/* A string result is expected: anything else is a broken reply. */
static const char *result_string(struct json_object *result)
{
	return result != NULL && json_object_is_type(result, json_type_string) ? json_object_get_string(result) : NULL;
}

/* One request, one line: ping, disarm, arm, shutdown. */
static int one_request(const struct hbctl_opts *opts, enum ctl_cmd cmd, int argc, char **argv, const char *explain)
{
	char usage[64];
	snprintf(usage, sizeof usage, "%s [--json]", ctl_cmd_name(cmd));
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 0, 0, usage, &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	struct json_object *result = NULL;
	rc = hbctl_call(opts, cmd, NULL, &result);
	if (rc == HB_EXIT_SUCCESS)
		print_result(&a, result, explain);
	json_object_put(result);
	return rc;
}

int hbctl_ping(const struct hbctl_opts *opts, int argc, char **argv)
{
	return one_request(opts, CTL_PING, argc, argv, NULL);
}

int hbctl_disarm(const struct hbctl_opts *opts, int argc, char **argv)
{
	return one_request(opts, CTL_DISARM, argc, argv, "this host will not fence itself until `hbctl arm`");
}

int hbctl_arm(const struct hbctl_opts *opts, int argc, char **argv)
{
	return one_request(opts, CTL_ARM, argc, argv, NULL);
}

int hbctl_shutdown(const struct hbctl_opts *opts, int argc, char **argv)
{
	return one_request(opts, CTL_SHUTDOWN, argc, argv, "the agent disarms, publishes stopped and excluded, and exits");
}

/* ---- set-weight ---------------------------------------------------------- */

int hbctl_set_weight(const struct hbctl_opts *opts, int argc, char **argv)
{
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 1, 1, "set-weight N  (N in 1..65535)", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	const char *text = a.pos[0];
	char *end = NULL;
	errno = 0;
	unsigned long w = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0' || w < 1 || w > 65535) {
		fprintf(stderr, "hbctl: set-weight: \"%s\" is not a weight: expected an integer 1..65535\n", text);
		return HB_EXIT_INVALID_PARAMETER;
	}
	struct json_object *args = json_object_new_object();
	json_object_object_add(args, "weight", json_object_new_int((int)w));
	struct json_object *result = NULL;
	rc = hbctl_call(opts, CTL_SET_WEIGHT, args, &result);
	if (rc == HB_EXIT_SUCCESS) {
		char explain[96];
		snprintf(explain, sizeof explain, "weight %lu is advertised from the next heartbeat on", w);
		print_result(&a, result, explain);
	}
	json_object_put(result);
	return rc;
}

/* ---- propose-master ------------------------------------------------------ */

/* The lock wait: the agent's (status timing.lock_wait_ms), else the one the
 * config derives, else PROPOSE_LOCK_WAIT_UNKNOWN_MS. */
static uint32_t lock_wait_ms(const struct hbctl_opts *opts)
{
	struct hb_err err = {{0}};
	struct json_object *s = NULL;
	long long ms = -1;
	if (hbctl_request(opts, CTL_STATUS, NULL, &s, &err) == HB_EXIT_SUCCESS)
		ms = hbctl_get_int(hbctl_get(s, "timing"), "lock_wait_ms", -1);
	json_object_put(s);
	if (ms > 0 && ms <= (long long)HBCTL_TIMEOUT_MAX_MS)
		return (uint32_t)ms;
	const struct hb_config *cfg = NULL;
	struct hb_timing t;
	if (hbctl_config(opts, true, &cfg) == HB_EXIT_SUCCESS && hb_timing_derive(&cfg->params, &t, &err) == 0)
		return t.lock_wait_ms;
	return PROPOSE_LOCK_WAIT_UNKNOWN_MS;
}

/* After a FALSE, for a person: who holds the lock (the agent's status). */
static void say_holder(const struct hbctl_opts *opts)
{
	struct json_object *s = NULL;
	struct hb_err err = {{0}};
	if (hbctl_request(opts, CTL_STATUS, NULL, &s, &err) != HB_EXIT_SUCCESS)
		return;
	long long m = hbctl_get_int(s, "master", -1);
	struct json_object *hosts = hbctl_get(s, "hosts");
	struct json_object *h = m >= 0 && hosts != NULL && json_object_is_type(hosts, json_type_array)
	                                ? json_object_array_get_idx(hosts, (size_t)m)
	                                : NULL;
	if (m >= 0)
		fprintf(stderr, "hbctl: propose-master: host %lld (%s) holds the master lock\n", m,
		        hbctl_get_string(h, "uuid", "?"));
	else
		fprintf(stderr, "hbctl: propose-master: no host holds the master lock: it could not be taken in time\n");
	json_object_put(s);
}

int hbctl_propose_master(const struct hbctl_opts *opts, int argc, char **argv)
{
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 0, 0, "propose-master [--json]", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	const int64_t started = hb_clock_monotonic_ms();
	int64_t deadline = 0; /* known after the first PENDING */
	uint32_t wait = 0;
	for (;;) {
		struct json_object *result = NULL;
		rc = hbctl_call(opts, CTL_PROPOSE_MASTER, NULL, &result);
		if (rc != HB_EXIT_SUCCESS)
			return rc;
		const char *r = result_string(result);
		if (r != NULL && (strcmp(r, "TRUE") == 0 || strcmp(r, "FALSE") == 0)) {
			print_result(&a, result, NULL);
			if (strcmp(r, "FALSE") == 0 && isatty(STDERR_FILENO) == 1)
				say_holder(opts);
			json_object_put(result);
			return HB_EXIT_SUCCESS;
		}
		if (r == NULL || strcmp(r, "PENDING") != 0) {
			fprintf(stderr, "hbctl: propose-master: bad-response (%d %s): expected TRUE, FALSE or PENDING, got %s\n",
			        HB_EXIT_SYSTEM_ERROR, hb_exit_name(HB_EXIT_SYSTEM_ERROR),
			        result != NULL ? json_object_to_json_string(result) : "null");
			json_object_put(result);
			return HB_EXIT_SYSTEM_ERROR;
		}
		json_object_put(result);
		if (deadline == 0) {
			wait = lock_wait_ms(opts) + PROPOSE_EXTRA_MS;
			deadline = started + wait;
			/* a person waits: say so (stdout stays exactly TRUE or FALSE) */
			if (isatty(STDERR_FILENO) == 1)
				fprintf(stderr, "hbctl: propose-master: the lock is being decided (at most %" PRIu32 " ms)...\n",
				        wait);
		}
		int64_t left = deadline - hb_clock_monotonic_ms();
		if (left <= 0) {
			fprintf(stderr, "hbctl: propose-master: timeout (%d %s): the agent did not decide within %" PRIu32
			        " ms (the lock wait + 1 s)\n", HB_EXIT_TRANSIENT_SYSTEM_ERROR,
			        hb_exit_name(HB_EXIT_TRANSIENT_SYSTEM_ERROR), wait);
			return HB_EXIT_TRANSIENT_SYSTEM_ERROR;
		}
		sleep_ms(left < PROPOSE_POLL_MS ? left : PROPOSE_POLL_MS);
	}
}

/* ---- set-excluded / clear-excluded --------------------------------------- */

static int statefile_target(const struct hbctl_opts *opts, struct hb_sftool_target *t, const struct hb_config **cfg)
{
	int rc = hbctl_config(opts, false, cfg);
	if (rc == HB_EXIT_SUCCESS)
		hb_sftool_target_from_config(*cfg, HB_SFTOOL_TIMEOUT_DEFAULT_MS, t);
	return rc;
}

static int excluded(const struct hbctl_opts *opts, int argc, char **argv, bool set)
{
	static struct hb_sf_dump dump;
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 0, 0, set ? "set-excluded [--json]" : "clear-excluded [--json]",
	                          &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	struct hb_err err = {{0}};
	struct json_object *result = NULL;
	rc = hbctl_request(opts, set ? CTL_SET_EXCLUDED : CTL_CLEAR_EXCLUDED, NULL, &result, &err);
	if (rc == HB_EXIT_SUCCESS) {
		print_result(&a, result, set ? "the agent leaves the pool and exits" : NULL);
		json_object_put(result);
		return rc;
	}
	if (rc != HB_EXIT_DAEMON_IS_NOT_PRESENT) {
		fprintf(stderr, "hbctl: %s\n", err.msg);
		return rc;
	}
	/* no agent: the flag in this host's slot, as `hbctl statefile set-excluded` */
	const struct hb_config *cfg = NULL;
	struct hb_sftool_target t;
	if ((rc = statefile_target(opts, &t, &cfg)) != HB_EXIT_SUCCESS)
		return rc;
	rc = hb_sftool_set_excluded(&t, set, &dump, &err);
	if (rc != HB_EXIT_SUCCESS) {
		fprintf(stderr, "hbctl: %s: no agent, and the statefile: %s\n", argv[0], err.msg);
		return rc;
	}
	if (a.json) {
		struct json_object *word = json_object_new_string(set ? "excluded" : "cleared");
		hbctl_print_json(word);
		json_object_put(word);
	} else {
		char u[HB_UUID_STR_LEN];
		printf("%s: no agent: statefile %s: host %u %s excluded flag %s (slot sequence %" PRIu64 ")\n",
		       set ? "excluded" : "cleared", t.path, t.local_index, hb_uuid_format(&t.host_uuids[t.local_index], u),
		       set ? "set" : "cleared", dump.slots[t.local_index].sequence);
	}
	return HB_EXIT_SUCCESS;
}

int hbctl_set_excluded(const struct hbctl_opts *opts, int argc, char **argv)
{
	return excluded(opts, argc, argv, true);
}

int hbctl_clear_excluded(const struct hbctl_opts *opts, int argc, char **argv)
{
	return excluded(opts, argc, argv, false);
}

/* ---- set-pool-state ------------------------------------------------------ */

static bool shows_state(const struct hb_sf_dump *d, enum hb_pool_state want)
{
	return d->global_io.status == HB_SFIO_OK && d->global_reject == HB_REJECT_NONE && d->global_generation_ok &&
	       d->global.pool_state == (uint32_t)want;
}

/* Read the statefile every POOL_STATE_POLL_MS until its global block shows
 * want, at most wait_ms. */
static bool wait_for_state(const struct hb_sftool_target *t, enum hb_pool_state want, uint32_t wait_ms,
                           struct hb_sf_dump *d)
{
	const int64_t deadline = hb_clock_monotonic_ms() + wait_ms;
	for (;;) {
		int64_t left = deadline - hb_clock_monotonic_ms();
		if (left <= 0)
			return false;
		struct hb_sftool_target bounded = *t;
		bounded.timeout_ms = left < (int64_t)t->timeout_ms ? (unsigned)left : t->timeout_ms;
		struct hb_err err;
		if (hb_sftool_dump(&bounded, d, &err) == HB_EXIT_SUCCESS && shows_state(d, want))
			return true;
		left = deadline - hb_clock_monotonic_ms();
		sleep_ms(left < POOL_STATE_POLL_MS ? left : POOL_STATE_POLL_MS);
	}
}

static void print_state_done(const struct hbctl_args *a, const struct hb_sftool_target *t, enum hb_pool_state s,
                             const struct hb_sf_dump *d, bool by_agent)
{
	if (a->json) {
		struct json_object *word = json_object_new_string(hb_pool_state_name(s));
		hbctl_print_json(word);
		json_object_put(word);
	} else if (by_agent) {
		printf("%s: written by the agent, statefile %s shows it (global sequence %" PRIu64 ")\n",
		       hb_pool_state_name(s), t->path, d->global.sequence);
	} else {
		printf("%s: statefile %s: pool state %s (global sequence %" PRIu64 ")\n", hb_pool_state_name(s), t->path,
		       hb_pool_state_name(s), d->global.sequence);
	}
}

static int write_state(const struct hbctl_args *a, const struct hb_sftool_target *t, enum hb_pool_state s,
                       struct hb_sf_dump *d)
{
	struct hb_err err = {{0}};
	int rc = hb_sftool_set_pool_state(t, s, d, &err);
	if (rc != HB_EXIT_SUCCESS) {
		fprintf(stderr, "hbctl: set-pool-state: %s\n", err.msg);
		return rc;
	}
	print_state_done(a, t, s, d, false);
	return HB_EXIT_SUCCESS;
}

/* xapi's ha_set_pool_state init (xapi_ha.ml, enable): the statefile VDI is
 * fresh (zeros, or whatever the SR left in it) or one of an earlier HA
 * generation; like xhad's `writestatefile setinit`, format it whatever it
 * holds. It is never created or extended: a missing or too small VDI is 8. */
static int format_statefile(const struct hbctl_args *a, const struct hb_sftool_target *t, struct hb_sf_dump *d)
{
	struct hb_err err = {{0}};
	int rc = hb_sftool_format(t, d, &err);
	if (rc != HB_EXIT_SUCCESS) {
		fprintf(stderr, "hbctl: set-pool-state init: %s\n", err.msg);
		return rc;
	}
	print_state_done(a, t, HB_POOL_INIT, d, false);
	return HB_EXIT_SUCCESS;
}

/* Pool state invalid is on the statefile: this host's agent disarms and
 * exits 11 once it reads it (its next statefile cycle). Return only then:
 * xapi's attempt_disable_through_statefile runs ha_stop_daemon right after
 * ha_set_pool_state invalid, and a SIGTERM to an agent still armed stops it
 * without disarming (the host fences). Not gone within wait_ms (it cannot
 * read the statefile, or is stuck): 8, and xapi disables without the
 * statefile instead (ha_disarm_fencing, ha_stop_daemon on every host). */
static int wait_agent_gone(const struct hbctl_opts *opts, uint32_t wait_ms)
{
	const int64_t deadline = hb_clock_monotonic_ms() + wait_ms;
	struct hbctl_opts o = *opts;
	for (;;) {
		int64_t left = deadline - hb_clock_monotonic_ms();
		if (left <= 0)
			break;
		o.timeout_ms = left < (int64_t)opts->timeout_ms ? (unsigned)left : opts->timeout_ms;
		if (hbctl_agent_present(&o) == HB_EXIT_DAEMON_IS_NOT_PRESENT)
			return HB_EXIT_SUCCESS;
		left = deadline - hb_clock_monotonic_ms();
		sleep_ms(left < POOL_STATE_POLL_MS ? left : POOL_STATE_POLL_MS);
	}
	fprintf(stderr, "hbctl: set-pool-state: pool state invalid is on the statefile, but this host's agent is still "
	        "running %" PRIu32 " ms (2 T2) later: it cannot read the statefile? (%d %s): disable without the "
	        "statefile (disarm, then stop every agent)\n", wait_ms, HB_EXIT_CAN_NOT_ACCESS_STATEFILE,
	        hb_exit_name(HB_EXIT_CAN_NOT_ACCESS_STATEFILE));
	return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
}

int hbctl_set_pool_state(const struct hbctl_opts *opts, int argc, char **argv)
{
	static struct hb_sf_dump dump;
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 1, 1, "set-pool-state init|active|invalid", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	enum hb_pool_state state;
	if (!hb_pool_state_parse(a.pos[0], &state)) {
		fprintf(stderr, "hbctl: set-pool-state: \"%s\" is not init, active or invalid\n", a.pos[0]);
		return HB_EXIT_INVALID_PARAMETER;
	}
	if (state == HB_POOL_INIT && hbctl_agent_present(opts) != HB_EXIT_DAEMON_IS_NOT_PRESENT) {
		fprintf(stderr, "hbctl: set-pool-state: refused (%d %s): an agent is running; the pool state init is "
		        "written only with no agent\n", HB_EXIT_DAEMON_IS_PRESENT, hb_exit_name(HB_EXIT_DAEMON_IS_PRESENT));
		return HB_EXIT_DAEMON_IS_PRESENT;
	}
	const struct hb_config *cfg = NULL;
	struct hb_sftool_target t;
	if ((rc = statefile_target(opts, &t, &cfg)) != HB_EXIT_SUCCESS)
		return rc;
	if (state == HB_POOL_INIT)
		return format_statefile(&a, &t, &dump);

	/* active / invalid: through the agent, then wait until the statefile shows it */
	struct hb_err err = {{0}};
	struct json_object *args = json_object_new_object(), *result = NULL;
	json_object_object_add(args, "state", json_object_new_string(hb_pool_state_name(state)));
	rc = hbctl_request(opts, CTL_SET_POOL_STATE, args, &result, &err);
	json_object_put(result);
	const bool agent = rc != HB_EXIT_DAEMON_IS_NOT_PRESENT;
	const uint32_t wait = 2u * cfg->params.sf_timeout_ms;
	bool written = false;
	if (rc == HB_EXIT_SUCCESS) {
		if (wait_for_state(&t, state, wait, &dump)) {
			print_state_done(&a, &t, state, &dump, true);
			written = true;
		} else {
			fprintf(stderr, "hbctl: set-pool-state: the agent accepted %s but statefile %s did not show it "
			        "within %" PRIu32 " ms (2 T2): writing it directly\n", hb_pool_state_name(state), t.path, wait);
		}
	} else if (agent) {
		fprintf(stderr, "hbctl: %s; writing the statefile directly\n", err.msg);
	}
	if (!written && (rc = write_state(&a, &t, state, &dump)) != HB_EXIT_SUCCESS)
		return rc;
	if (state == HB_POOL_INVALID && agent)
		return wait_agent_gone(opts, wait);
	return HB_EXIT_SUCCESS;
}
