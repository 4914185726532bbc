/*
 * hbctl_check.c: `hbctl check`, a monitoring plugin with the Nagios/Icinga
 * conventions (docs/operations.md, "Monitoring plugins").
 *
 * Owns the mapping of the status document to one status line, the plugin
 * exit (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and the performance data.
 * The severities are the agent's (agent_warnings.c): a critical warning or
 * an unprotected host is CRITICAL, a warning-severity one WARNING, info
 * ones change nothing. No agent on the socket is CRITICAL (a host that
 * should be protected is not); no answer in time, a refusal or a broken
 * reply is UNKNOWN.
 */
#include "hbctl.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hb_exit.h"

enum plugin_state { PLUGIN_OK = 0, PLUGIN_WARNING = 1, PLUGIN_CRITICAL = 2, PLUGIN_UNKNOWN = 3 };

static const char *const state_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* The warnings of one severity, "a, b", into out; returns how many. */
static size_t names_of(struct json_object *details, const char *sev, char *out, size_t len)
{
	size_t n = 0, used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < hbctl_array_len(details); i++) {
		struct json_object *d = json_object_array_get_idx(details, i);
		if (strcmp(hbctl_get_string(d, "severity", ""), sev) != 0)
			continue;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s", n ? ", " : "", hbctl_get_string(d, "name", "?"));
		n++;
	}
	return n;
}

/* Milliseconds from microseconds, "" when null. */
static void lat_ms(struct json_object *io, const char *key, char *out, size_t len)
{
	struct json_object *v = hbctl_get(io, key);
	if (v == NULL || !json_object_is_type(v, json_type_int))
		out[0] = '\0';
	else
		snprintf(out, len, "%.3f", (double)json_object_get_int64(v) / 1000.0);
}

/* Packets the core and the network paths refused, and slots that did not
 * decode: what a forged or foreign sender leaves. */
static long long dropped_packets(struct json_object *s)
{
	long long n = 0;
	struct json_object *d = hbctl_get(s, "dropped"), *core = hbctl_get(d, "core");
	if (core != NULL && json_object_is_type(core, json_type_object)) {
		json_object_object_foreach(core, k, v)
		{
			(void)k;
			n += json_object_get_int64(v);
		}
	}
	struct json_object *paths = hbctl_get(d, "net");
	for (size_t p = 0; p < hbctl_array_len(paths); p++) {
		struct json_object *drop = hbctl_get(json_object_array_get_idx(paths, p), "dropped");
		if (drop == NULL || !json_object_is_type(drop, json_type_object))
			continue;
		json_object_object_foreach(drop, k2, v2)
		{
			(void)k2;
			n += json_object_get_int64(v2);
		}
	}
	return n;
}

static void perfdata(struct json_object *s)
{
	char rd[32], wr[32];
	size_t n_hosts = hbctl_array_len(hbctl_get(s, "hosts"));
	struct json_object *sf = hbctl_get(s, "statefile");
	lat_ms(hbctl_get(sf, "read"), "latency_max_us", rd, sizeof rd);
	lat_ms(hbctl_get(sf, "write"), "latency_max_us", wr, sizeof wr);
	long long deadline = hbctl_get_int(sf, "io_deadline_ms", -1);
	long long hb_max = hbctl_get_int(hbctl_get(s, "heartbeat"), "interval_max_ms", -1);
	long long t1 = hbctl_get_int(hbctl_get(s, "timeouts"), "T1", -1);
	printf(" | liveset=%zu;;%zu:;0;%zu protected=%d armed=%d warnings=%zu", hbctl_array_len(hbctl_get(s, "liveset")),
	       n_hosts, n_hosts, hbctl_get_bool(s, "protected") == 1, hbctl_get_bool(s, "armed") == 1,
	       hbctl_array_len(hbctl_get(s, "warnings")));
	printf(" peers_disarmed=%zu", hbctl_array_len(hbctl_get(s, "peers_disarmed")));
	if (hb_max >= 0)
		printf(" heartbeat_interval_max=%lldms;%lld;%lld;0", hb_max, t1 >= 0 ? t1 / 2 : 0, t1 >= 0 ? t1 : 0);
	if (rd[0] != '\0')
		printf(" statefile_read_latency_max=%sms;;%lld;0", rd, deadline >= 0 ? deadline : 0);
	if (wr[0] != '\0')
		printf(" statefile_write_latency_max=%sms;;%lld;0", wr, deadline >= 0 ? deadline : 0);
	printf(" dropped_packets=%lldc invalid_slots=%lld\n", dropped_packets(s), hbctl_invalid_slots(s));
}

int hbctl_check(const struct hbctl_opts *opts, int argc, char **argv)
{
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 0, 0, "check", &a);
	if (rc != 0)
		return rc < 0 ? PLUGIN_UNKNOWN : PLUGIN_OK;
	struct json_object *s = NULL;
	struct hb_err err = {{0}};
	rc = hbctl_request(opts, CTL_STATUS, NULL, &s, &err);
	if (rc != HB_EXIT_SUCCESS) {
		enum plugin_state st = rc == HB_EXIT_DAEMON_IS_NOT_PRESENT ? PLUGIN_CRITICAL : PLUGIN_UNKNOWN;
		printf("HBAGENT %s - %s\n", state_names[st], err.msg);
		return st;
	}
	char crit[512], warn[512], info[512];
	struct json_object *details = hbctl_get(s, "warning_details");
	size_t n_crit = names_of(details, "critical", crit, sizeof crit);
	size_t n_warn = names_of(details, "warning", warn, sizeof warn);
	size_t n_info = names_of(details, "info", info, sizeof info);
	int prot = hbctl_get_bool(s, "protected");
	enum plugin_state st = prot != 1 || n_crit > 0 ? PLUGIN_CRITICAL : n_warn > 0 ? PLUGIN_WARNING : PLUGIN_OK;
	printf("HBAGENT %s - ", state_names[st]);
	if (prot != 1)
		printf("not protected: %s", hbctl_get_string(s, "protected_reason", "?"));
	else
		printf("protected");
	printf(", phase %s, liveset %zu of %zu", hbctl_get_string(s, "phase", "?"), hbctl_array_len(hbctl_get(s, "liveset")),
	       hbctl_array_len(hbctl_get(s, "hosts")));
	long long master = hbctl_get_int(s, "master", -1);
	if (master >= 0)
		printf(", master host %lld", master);
	else
		printf(", no master");
	if (n_crit > 0)
		printf("; critical: %s", crit);
	if (n_warn > 0)
		printf("; warning: %s", warn);
	if (n_info > 0)
		printf("; info: %s", info);
	perfdata(s);
	json_object_put(s);
	return fflush(stdout) == 0 ? (int)st : PLUGIN_UNKNOWN;
}
