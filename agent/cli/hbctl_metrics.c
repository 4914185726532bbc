/*
 * hbctl_metrics.c: `hbctl metrics`, the status document as metrics text
 * (docs/operations.md, "Metrics").
 *
 * Owns the metric names, their types and help, and the two text formats:
 * Prometheus text 0.0.4 (the default: what node_exporter's textfile
 * collector reads) and, with `hbctl metrics openmetrics`, OpenMetrics 1.0 (counter
 * families named without _total, and the closing "# EOF"). With no agent it
 * still prints hbagent_up 0 and exits 0, so a collector's file says so
 * instead of going stale; any other failure prints nothing and exits with
 * the failure's code.
 */
#include "hbctl.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hb_exit.h"

struct fmt {
	bool openmetrics;
};

/* HELP and TYPE of a family; a counter's samples are name_total. */
static void family(const struct fmt *f, const char *name, const char *type, const char *help)
{
	bool counter = strcmp(type, "counter") == 0;
	const char *suffix = counter && !f->openmetrics ? "_total" : "";
	printf("# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix, help, name, suffix, type);
}

/* A label value, escaped (\, ", newline). */
static void label_value(const char *v, char *out, size_t len)
{
	size_t o = 0;
	for (; *v != '\0' && o + 3 < len; v++) {
		if (*v == '\\' || *v == '"') {
			out[o++] = '\\';
			out[o++] = *v;
		} else if (*v == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *v;
		}
	}
	out[o] = '\0';
}

static void gauge(const struct fmt *f, const char *name, const char *help, long long v)
{
	family(f, name, "gauge", help);
	printf("%s %lld\n", name, v);
}

static void host_metrics(const struct fmt *f, struct json_object *s)
{
	struct json_object *hosts = hbctl_get(s, "hosts");
	size_t n = hbctl_array_len(hosts);
	char addr[128], uuid[64];
	static const struct {
		const char *name, *help;
	} fam[] = {
		{"hbagent_host_live", "1 when the host is in this host's liveset"},
		{"hbagent_host_heard", "1 when this host hears the host's heartbeats"},
		{"hbagent_host_seen", "1 when this host sees the host's slot advance on the statefile"},
		{"hbagent_host_armed", "1 when the host announces fencing armed (its latest view)"},
		{"hbagent_host_heartbeat_age_seconds", "time since a heartbeat of the host was last taken"},
	};
	for (size_t m = 0; m < sizeof fam / sizeof fam[0]; m++) {
		family(f, fam[m].name, "gauge", fam[m].help);
		for (size_t i = 0; i < n; i++) {
			struct json_object *h = json_object_array_get_idx(hosts, i);
			bool local = hbctl_get_bool(h, "local") == 1;
			label_value(hbctl_get_string(h, "address", ""), addr, sizeof addr);
			label_value(hbctl_get_string(h, "uuid", ""), uuid, sizeof uuid);
			double v;
			switch (m) {
			case 0: v = strcmp(hbctl_get_string(h, "liveness", ""), "live") == 0; break;
			case 1: v = local || hbctl_get_bool(h, "heard") == 1; break;
			case 2: v = local || hbctl_get_bool(h, "seen") == 1; break;
			case 3: v = hbctl_get_bool(h, "armed") == 1; break;
			default: {
				long long age = hbctl_get_int(h, "last_heard_age_ms", -1);
				if (local || age < 0)
					continue; /* never heard, or this host: no sample */
				v = (double)age / 1000.0;
			}
			}
			printf("%s{index=\"%lld\",uuid=\"%s\",address=\"%s\"} %g\n", fam[m].name, hbctl_get_int(h, "index", -1),
			       uuid, addr, v);
		}
	}
}

static void io_metrics(const struct fmt *f, struct json_object *sf)
{
	static const char *const ops[] = {"read", "write"};
	family(f, "hbagent_statefile_io_latency_max_seconds", "gauge",
	       "the longest statefile I/O of the latency period (since xapi's last liveset query)");
	for (size_t i = 0; i < 2; i++) {
		long long us = hbctl_get_int(hbctl_get(sf, ops[i]), "latency_max_us", -1);
		if (us >= 0)
			printf("hbagent_statefile_io_latency_max_seconds{op=\"%s\"} %g\n", ops[i], (double)us / 1e6);
	}
	static const char *const results[] = {"completed", "errors", "overdue", "late", "short"};
	family(f, "hbagent_statefile_io", "counter", "statefile I/Os by operation and outcome since the agent started");
	for (size_t i = 0; i < 2; i++)
		for (size_t r = 0; r < sizeof results / sizeof results[0]; r++)
			printf("hbagent_statefile_io_total{op=\"%s\",result=\"%s\"} %lld\n", ops[i], results[r],
			       hbctl_get_int(hbctl_get(sf, ops[i]), results[r], 0));
	gauge(f, "hbagent_statefile_io_deadline_seconds", "the statefile I/O deadline",
	      hbctl_get_int(sf, "io_deadline_ms", 0) / 1000);
}

static void dropped_metrics(const struct fmt *f, struct json_object *s)
{
	struct json_object *d = hbctl_get(s, "dropped"), *core = hbctl_get(d, "core");
	family(f, "hbagent_dropped_packets", "counter",
	       "heartbeats refused, by where (core or network path) and reason (bad_mac, foreign_source, ...)");
	if (core != NULL && json_object_is_type(core, json_type_object)) {
		json_object_object_foreach(core, k, v)
		{
			printf("hbagent_dropped_packets_total{where=\"core\",reason=\"%s\"} %lld\n", k,
			       (long long)json_object_get_int64(v));
		}
	}
	struct json_object *paths = hbctl_get(d, "net");
	for (size_t p = 0; p < hbctl_array_len(paths); p++) {
		struct json_object *po = json_object_array_get_idx(paths, p), *drop = hbctl_get(po, "dropped");
		if (drop == NULL || !json_object_is_type(drop, json_type_object))
			continue;
		json_object_object_foreach(drop, k2, v2)
		{
			printf("hbagent_dropped_packets_total{where=\"path%lld\",reason=\"%s\"} %lld\n",
			       hbctl_get_int(po, "path", -1), k2, (long long)json_object_get_int64(v2));
		}
	}
	gauge(f, "hbagent_invalid_slots", "slots that did not decode at the latest statefile read", hbctl_invalid_slots(s));
}

static void warning_metrics(const struct fmt *f, struct json_object *s)
{
	static const char *const sevs[] = {"info", "warning", "critical"};
	struct json_object *details = hbctl_get(s, "warning_details");
	family(f, "hbagent_warnings", "gauge", "warnings up now, by severity");
	for (size_t v = 0; v < 3; v++) {
		long long n = 0;
		for (size_t i = 0; i < hbctl_array_len(details); i++)
			n += strcmp(hbctl_get_string(json_object_array_get_idx(details, i), "severity", ""), sevs[v]) == 0;
		printf("hbagent_warnings{severity=\"%s\"} %lld\n", sevs[v], n);
	}
	family(f, "hbagent_warning", "gauge", "1 for each warning up now (docs/control.md lists the names)");
	for (size_t i = 0; i < hbctl_array_len(details); i++) {
		struct json_object *d = json_object_array_get_idx(details, i);
		printf("hbagent_warning{name=\"%s\",severity=\"%s\"} 1\n", hbctl_get_string(d, "name", "?"),
		       hbctl_get_string(d, "severity", "?"));
	}
}

static void all_metrics(const struct fmt *f, struct json_object *s)
{
	char v[64], uuid[64], phase[32];
	struct json_object *agent = hbctl_get(s, "agent");
	label_value(hbctl_get_string(agent, "version", "?"), v, sizeof v);
	label_value(hbctl_get_string(agent, "host_uuid", "?"), uuid, sizeof uuid);
	label_value(hbctl_get_string(s, "phase", "?"), phase, sizeof phase);
	gauge(f, "hbagent_up", "1 when an agent answered on the control socket", 1);
	family(f, "hbagent_info", "gauge", "the agent's version, this host's UUID and phase");
	printf("hbagent_info{version=\"%s\",host_uuid=\"%s\",phase=\"%s\"} 1\n", v, uuid, phase);
	gauge(f, "hbagent_protected", "1 when this host is Online, armed, with statefile access or rule 2",
	      hbctl_get_bool(s, "protected") == 1);
	gauge(f, "hbagent_armed", "1 when fencing is armed on this host", hbctl_get_bool(s, "armed") == 1);
	gauge(f, "hbagent_statefile_access", "1 when this host reads and writes the statefile in time",
	      hbctl_get_bool(s, "sf_access") == 1);
	gauge(f, "hbagent_liveset_hosts", "hosts in this host's liveset", (long long)hbctl_array_len(hbctl_get(s, "liveset")));
	gauge(f, "hbagent_configured_hosts", "hosts in the configuration", (long long)hbctl_array_len(hbctl_get(s, "hosts")));
	gauge(f, "hbagent_peers_disarmed", "live peers that announce fencing disarmed",
	      (long long)hbctl_array_len(hbctl_get(s, "peers_disarmed")));
	gauge(f, "hbagent_master", "the index of the host holding the master lock, -1 none", hbctl_get_int(s, "master", -1));
	gauge(f, "hbagent_is_master", "1 when this host holds the master lock", hbctl_get_bool(s, "i_am_master") == 1);
	long long hb_max = hbctl_get_int(hbctl_get(s, "heartbeat"), "interval_max_ms", -1);
	if (hb_max >= 0) {
		family(f, "hbagent_heartbeat_interval_max_seconds", "gauge",
		       "the longest gap between two heartbeats of a live peer in the latency period");
		printf("hbagent_heartbeat_interval_max_seconds %g\n", (double)hb_max / 1000.0);
	}
	warning_metrics(f, s);
	host_metrics(f, s);
	io_metrics(f, hbctl_get(s, "statefile"));
	dropped_metrics(f, s);
	struct json_object *wd = hbctl_get(s, "watchdog");
	family(f, "hbagent_watchdog_missed_pets", "counter", "watchdog pets missed since the agent started");
	printf("hbagent_watchdog_missed_pets_total %lld\n", hbctl_get_int(wd, "missed", 0));
	family(f, "hbagent_scheduling_stalls", "counter", "times the decision loop ran later than one tick");
	printf("hbagent_scheduling_stalls_total %lld\n", hbctl_get_int(agent, "stalls", 0));
}

int hbctl_metrics(const struct hbctl_opts *opts, int argc, char **argv)
{
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 0, 1, "metrics [openmetrics]", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	struct fmt f = {.openmetrics = false};
	if (a.n_pos == 1) {
		if (strcmp(a.pos[0], "openmetrics") != 0 && strcmp(a.pos[0], "prometheus") != 0) {
			fprintf(stderr, "hbctl metrics: unknown format \"%s\" (prometheus or openmetrics)\n", a.pos[0]);
			return HB_EXIT_INVALID_PARAMETER;
		}
		f.openmetrics = strcmp(a.pos[0], "openmetrics") == 0;
	}
	struct json_object *s = NULL;
	struct hb_err err = {{0}};
	rc = hbctl_request(opts, CTL_STATUS, NULL, &s, &err);
	if (rc == HB_EXIT_DAEMON_IS_NOT_PRESENT) {
		gauge(&f, "hbagent_up", "1 when an agent answered on the control socket", 0);
	} else if (rc != HB_EXIT_SUCCESS) {
		fprintf(stderr, "hbctl: %s\n", err.msg);
		return rc;
	} else {
		all_metrics(&f, s);
		json_object_put(s);
	}
	if (f.openmetrics)
		printf("# EOF\n");
	return fflush(stdout) == 0 ? HB_EXIT_SUCCESS : HB_EXIT_SYSTEM_ERROR;
}
