/*
 * hbctl_status.c: `hbctl status`: the agent's status document
 * (docs/control.md, "The status document") for a human.
 *
 * Owns the human rendering: the summary (phase, protected, liveset, master,
 * armed, pool state, statefile access, watchdog, xapi supervision, warnings)
 * and one row per host
 * (liveness, statefile access, excluded, armed, weight, heartbeat age per path,
 * statefile age, slot, last words), coloured on a terminal. --json prints
 * the agent's result unchanged. Fetching the document is hbctl_client.c's.
 */
#include "hbctl.h"
#include "hb_clock.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hb_exit.h"
#include "hb_types.h"

#define GREEN "\033[32m"
#define RED "\033[1;31m"
#define RESET "\033[0m"

struct out {
	bool color;
};

/* Print text padded to width, in colour (the padding stays outside the
 * escape sequences' count). */
static void cell(const struct out *o, const char *color, int width, const char *text)
{
	int pad = width - (int)strlen(text);
	if (o->color && color != NULL)
		printf("%s%s%s", color, text, RESET);
	else
		printf("%s", text);
	printf("%*s", pad > 0 ? pad : 0, "");
}

static void label(const char *name)
{
	printf("%-18s", name);
}

static const char *yes_no(int b)
{
	return b < 0 ? "?" : b ? "yes" : "no";
}

/* "0 1 2" from an array of host indexes, "-" when empty. */
static void int_list(struct json_object *arr, char *out, size_t len)
{
	hb_hostmap set = 0;
	size_t n = arr != NULL && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	for (size_t i = 0; i < n; i++) {
		int64_t v = json_object_get_int64(json_object_array_get_idx(arr, i));
		if (v >= 0 && v < (int64_t)HB_MAX_HOSTS)
			set |= hb_host_bit((unsigned)v);
	}
	hb_hostmap_format(set, " ", "-", out, len);
}

/* "xapi:" on, its state, counts and latency, or off and why. */
static void xapi_line(const struct out *o, struct json_object *x)
{
	if (x == NULL || !json_object_is_type(x, json_type_object))
		return;
	label("xapi supervision:");
	if (strcmp(hbctl_get_string(x, "supervision", "off"), "on") != 0) {
		printf("off: %s\n", hbctl_get_string(x, "off_reason", "?"));
		return;
	}
	const char *err = hbctl_get_string(x, "error", "");
	const char *state = hbctl_get_string(x, "state", "?");
	bool bad = err[0] != '\0' || strcmp(state, "fenced") == 0;
	cell(o, bad ? RED : NULL, 0, state);
	printf(", %lld check(s), %lld failed, %lld restart(s) (%lld of %lld allowed in 24 h used)",
	       hbctl_get_int(x, "checks", 0), hbctl_get_int(x, "failures", 0), hbctl_get_int(x, "restarts", 0),
	       hbctl_get_int(x, "restarts_in_24h", 0), hbctl_get_int(x, "restart_attempts", 0));
	long long lat = hbctl_get_int(x, "Xapi_healthcheck_latency", -1);
	if (lat >= 0)
		printf(", last check %lld ms", lat);
	long long since = hbctl_get_int(x, "time_since_xapi_restart_first_attempted", -1);
	if (since >= 0)
		printf(", first restart %lld ms ago", since);
	printf("\n");
	if (err[0] != '\0') {
		label("");
		cell(o, RED, 0, "last failure:");
		printf(" %s\n", err);
	}
}

#define YELLOW "\033[33m"

static const char *severity_color(const char *sev)
{
	return strcmp(sev, "critical") == 0 ? RED : strcmp(sev, "warning") == 0 ? YELLOW : NULL;
}

/* "1 2" of a host list, "-" when empty. */
static void hosts_text(struct json_object *arr, char *out, size_t len) { int_list(arr, out, len); }

/* "37.2 s", "4 min 2 s", "2 h 5 min" from milliseconds. */
static void human_age(long long ms, char *out, size_t len)
{
	if (ms < 60000)
		snprintf(out, len, "%lld.%lld s", ms / 1000, (ms % 1000) / 100);
	else if (ms < 3600000)
		snprintf(out, len, "%lld min %lld s", ms / 60000, (ms % 60000) / 1000);
	else
		snprintf(out, len, "%lld h %lld min", ms / 3600000, (ms % 3600000) / 60000);
}

static void phase_line(struct json_object *s)
{
	char buf[1024], when[64];
	label("phase:");
	printf("%s", hbctl_get_string(s, "phase", "?"));
	struct json_object *st = hbctl_get(s, "start");
	if (st != NULL && json_object_is_type(st, json_type_object)) {
		hosts_text(hbctl_get(st, "hosts"), buf, sizeof buf);
		human_age(hbctl_get_int(st, "gives_up_in_ms", 0), when, sizeof when);
		printf(" (%s", hbctl_get_string(st, "text", "?"));
		if (strcmp(buf, "-") != 0)
			printf("; waiting for host%s %s", strchr(buf, ' ') != NULL ? "s" : "", buf);
		printf("; gives up in %s)", when);
	}
	printf("\n");
}

static void summary(const struct out *o, struct json_object *s)
{
	char buf[1024];
	phase_line(s);

	int prot = hbctl_get_bool(s, "protected");
	label("protected:");
	cell(o, prot == 1 ? GREEN : RED, 0, prot == 1 ? "yes" : prot == 0 ? "NO" : "?");
	const char *why = hbctl_get_string(s, "protected_reason", NULL);
	if (prot == 0 && why != NULL)
		printf(" (%s)", why);
	printf("\n");

	int_list(hbctl_get(s, "liveset"), buf, sizeof buf);
	label("liveset:");
	printf("%s\n", buf);

	long long master = hbctl_get_int(s, "master", -1);
	label("master:");
	if (master < 0)
		printf("none\n");
	else
		printf("host %lld%s\n", master, hbctl_get_bool(s, "i_am_master") == 1 ? " (this host)" : "");

	int armed = hbctl_get_bool(s, "armed");
	label("armed:");
	cell(o, armed == 0 ? RED : NULL, 0, yes_no(armed));
	printf("\n");
	int_list(hbctl_get(s, "peers_disarmed"), buf, sizeof buf);
	if (strcmp(buf, "-") != 0) {
		label("peers disarmed:");
		cell(o, YELLOW, 0, buf);
		printf(" (not protected: a fault there is not fenced)\n");
	}

	label("pool state:");
	printf("%s\n", hbctl_get_string(s, "pool_state", "?"));

	int sf = hbctl_get_bool(s, "sf_access");
	label("statefile access:");
	cell(o, sf == 0 ? RED : NULL, 0, yes_no(sf));
	printf("%s\n", hbctl_get_bool(s, "rule2") == 1 ? " (survival rule 2: the statefile is lost by every host)" : "");

	if (hbctl_get_bool(s, "excluded") == 1) {
		label("excluded:");
		printf("yes\n");
	}

	struct json_object *wd = hbctl_get(s, "watchdog");
	if (wd != NULL) {
		label("watchdog:");
		printf("%s (%s), timeout %lld ms, %s\n", hbctl_get_string(wd, "backend", "?"),
		       hbctl_get_string(wd, "identity", "?"), hbctl_get_int(wd, "timeout_ms", -1),
		       hbctl_get_bool(wd, "armed") == 1 ? (hbctl_get_bool(wd, "feeding") == 1 ? "armed, fed" : "armed")
		                                        : "disarmed");
	}

	xapi_line(o, hbctl_get(s, "xapi"));

	int_list(hbctl_get(s, "timing_mismatch"), buf, sizeof buf);
	if (strcmp(buf, "-") != 0) {
		label("timing differs:");
		cell(o, YELLOW, 0, buf);
		printf(" (advertise other T1, T2 or fence bound: compare their xhad.conf; hbctl timeouts)\n");
	}

	/* one warning per line with its severity, the worst first */
	struct json_object *w = hbctl_get(s, "warning_details");
	size_t nw = w != NULL && json_object_is_type(w, json_type_array) ? json_object_array_length(w) : 0;
	label("warnings:");
	if (nw == 0)
		printf("none\n");
	static const char *const order[] = {"critical", "warning", "info"};
	bool first = true;
	for (size_t r = 0; r < 3; r++) {
		for (size_t i = 0; i < nw; i++) {
			struct json_object *d = json_object_array_get_idx(w, i);
			const char *sev = hbctl_get_string(d, "severity", "warning");
			if (strcmp(sev, order[r]) != 0)
				continue;
			if (!first)
				label("");
			first = false;
			snprintf(buf, sizeof buf, "%-8s", sev);
			cell(o, severity_color(sev), 0, buf);
			printf(" %s: %s\n", hbctl_get_string(d, "name", "?"), hbctl_get_string(d, "text", ""));
		}
	}
}

static void print_words(const char *prefix, struct json_object *lw)
{
	char when[64];
	hb_clock_format_iso(hbctl_get_int(lw, "realtime_ms", 0), when, sizeof when);
	printf("%s%s at %s (boot id %lld): %s\n", prefix, hbctl_get_string(lw, "reason", "?"), when,
	       hbctl_get_int(lw, "boot_id", 0), hbctl_get_string(lw, "text", ""));
}

/* An age in seconds with one decimal, "never" for null. */
static void age_s(struct json_object *v, char *out, size_t len)
{
	if (v == NULL || !json_object_is_type(v, json_type_int)) {
		snprintf(out, len, "never");
		return;
	}
	long long ms = (long long)json_object_get_int64(v);
	snprintf(out, len, "%lld.%lld", ms / 1000, (ms % 1000) / 100);
}

/* The host table's columns (tests/control mask the two age columns by
 * their position: keep HBCTL_STATUS_AGE_COL in step). */
static void host_row(const struct out *o, struct json_object *h)
{
	char buf[256], idx[16];
	bool local = hbctl_get_bool(h, "local") == 1;
	bool live = strcmp(hbctl_get_string(h, "liveness", "?"), "live") == 0;
	bool current = local || live; /* a host not live: its last values are history */
	snprintf(idx, sizeof idx, "%lld%s", hbctl_get_int(h, "index", -1), local ? "*" : "");
	printf("%4s  ", idx);
	cell(o, NULL, 16, hbctl_get_string(h, "address", "?"));
	cell(o, live ? GREEN : RED, 6, live ? "yes" : "NO");
	cell(o, NULL, 6, local ? "-" : yes_no(hbctl_get_bool(h, "heard")));
	cell(o, NULL, 5, local ? "-" : yes_no(hbctl_get_bool(h, "seen")));
	cell(o, NULL, 9, current ? hbctl_get_string(h, "phase", "-") : "-");
	cell(o, NULL, 5, current ? yes_no(hbctl_get_bool(h, "sf_access")) : "-");
	cell(o, NULL, 5, current ? yes_no(hbctl_get_bool(h, "excluded")) : "-");
	int armed = hbctl_get_bool(h, "armed");
	cell(o, current && armed == 0 ? RED : NULL, 6, current ? yes_no(armed) : "-");
	long long weight = hbctl_get_int(h, "weight", -1);
	if (weight < 0 || !current)
		snprintf(buf, sizeof buf, "-");
	else
		snprintf(buf, sizeof buf, "%lld", weight);
	cell(o, NULL, 7, buf);
	/* heartbeat age per path, "0.3/0.4" s */
	struct json_object *paths = hbctl_get(h, "heartbeat_age_ms");
	size_t np = paths != NULL && json_object_is_type(paths, json_type_array) ? json_object_array_length(paths) : 0;
	size_t used = 0;
	buf[0] = '\0';
	for (size_t p = 0; p < np && used < sizeof buf; p++) {
		char a[32];
		age_s(json_object_array_get_idx(paths, p), a, sizeof a);
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", p ? "/" : "", a);
	}
	cell(o, NULL, 14, np == 0 || local ? "-" : buf);
	age_s(hbctl_get(h, "statefile_advance_age_ms"), buf, sizeof buf);
	cell(o, NULL, 10, local ? "-" : buf);
	cell(o, NULL, 9, hbctl_get_string(h, "slot", "?"));
	printf("%s\n", hbctl_get_string(h, "uuid", "?"));
	if (!current) {
		struct json_object *heard = hbctl_get(h, "last_heard_age_ms");
		if (heard != NULL && json_object_is_type(heard, json_type_int)) {
			human_age(json_object_get_int64(heard), buf, sizeof buf);
			printf("      not live: last heard %s ago", buf);
		} else {
			printf("      not live: never heard");
		}
		printf(", last seen in phase %s\n", hbctl_get_string(h, "phase", "unknown"));
	}
	struct json_object *lw = hbctl_get(h, "last_words");
	if (lw != NULL && json_object_is_type(lw, json_type_object))
		print_words("      last words: ", lw);
}

static void hosts_table(const struct out *o, struct json_object *s)
{
	struct json_object *hosts = hbctl_get(s, "hosts");
	size_t n = hosts != NULL && json_object_is_type(hosts, json_type_array) ? json_object_array_length(hosts) : 0;
	printf("\n%4s  %-16s%-6s%-6s%-5s%-9s%-5s%-5s%-6s%-7s%-14s%-10s%-9s%s\n", "HOST", "ADDRESS", "LIVE", "HEARD",
	       "SEEN", "PHASE", "SF", "EXCL", "ARMED", "WEIGHT", "HB AGE s", "SF AGE s", "SLOT", "UUID (* = this host)");
	for (size_t i = 0; i < n; i++)
		host_row(o, json_object_array_get_idx(hosts, i));
	struct json_object *prev = hbctl_get(s, "previous_last_words");
	if (prev != NULL && json_object_is_type(prev, json_type_object))
		print_words("\nthis host's last words before this start: ", prev);
}

int hbctl_status(const struct hbctl_opts *opts, int argc, char **argv)
{
	if (hbctl_watch_asked(argc, argv))
		return hbctl_watch(opts, hbctl_status, argc, argv); /* hbctl_events.c */
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 0, 0, "status [--json] [--watch]", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	struct json_object *s = NULL;
	rc = hbctl_call(opts, CTL_STATUS, NULL, &s);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (a.json) {
		hbctl_print_json(s);
	} else {
		const struct out o = {.color = hbctl_use_color(opts)};
		summary(&o, s);
		hosts_table(&o, s);
	}
	/* not protected, or a critical warning: the one exit an admin's script
	 * can test (docs/operations.md, "Severities"). --json exits 0 whenever
	 * the document is printed: programs read protected and health, and
	 * xapi's plugin and ha_stop_daemon need the document most when the
	 * host is not protected. */
	bool critical = !a.json && (strcmp(hbctl_get_string(s, "health", "ok"), "critical") == 0 ||
	                            hbctl_get_bool(s, "protected") != 1);
	json_object_put(s);
	if (fflush(stdout) != 0)
		return HB_EXIT_SYSTEM_ERROR;
	return critical ? HB_EXIT_INVALID_LOCALHOST_STATE : HB_EXIT_SUCCESS;
}
