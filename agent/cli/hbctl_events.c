/*
 * hbctl_events.c: `hbctl events`: the agent's event history (docs/control.md,
 * "events"; docs/operations.md, "What happened").
 *
 * Owns the printing of the events query (one line per event: wall time,
 * seconds from the first event shown, the host, the event, the reason), the
 * follow mode (its own connection kept open, one event per line as the
 * agent sends them, until interrupted or the agent goes away) and the last
 * failover's timeline (--last-failover): from the last time the lost host
 * was heard, each step's time from that fault and the bound from the
 * agent's timing it met.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hb_exit.h"
#include "hbctl.h"

#define USAGE "events [--json] [--since SEQ] [--follow | --last-failover]"
#define LINE_MAX_BYTES (1024u * 1024u)

static void usage_help(FILE *out)
{
	fprintf(out, "usage: hbctl [OPTIONS] " USAGE "\n"
	             "  --json           the events as JSON (--follow: one event per line)\n"
	             "  --since SEQ      only the events after sequence number SEQ\n"
	             "  --follow         print new events as they happen, until interrupted\n"
	             "  --last-failover  the timeline of the last host lost: each step's time from\n"
	             "                   the fault (when the host was last heard) and its bound\n");
}

/* ---- one event, for humans ------------------------------------------------ */

static void print_event(struct json_object *e, long long base_mono)
{
	long long mono = hbctl_get_int(e, "mono_ms", 0);
	long long rel = mono - base_mono;
	char host[64] = "-";
	long long h = hbctl_get_int(e, "host", -1);
	if (h >= 0)
		snprintf(host, sizeof host, "host %lld%s", h, hbctl_get_bool(e, "local") == 1 ? "*" : "");
	const char *what = hbctl_get_string(e, "what", "");
	const char *ev = hbctl_get_string(e, "event", "?");
	bool show_what = what[0] != '\0' && strcmp(ev, "phase") != 0 && strcmp(ev, "started") != 0;
	printf("%-24s %+10.3f s  #%-5lld %-8s %-16s %s%s%s\n", hbctl_get_string(e, "time", "?"), (double)rel / 1000.0,
	       hbctl_get_int(e, "seq", 0), host, ev, show_what ? what : "", show_what ? ": " : "",
	       hbctl_get_string(e, "reason", ""));
	fflush(stdout);
}

static void print_json_line(struct json_object *e)
{
	printf("%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
}

/* ---- the last failover ---------------------------------------------------- */

static int last_failover(const struct hbctl_opts *opts, struct json_object *events, bool json)
{
	struct json_object *timing = NULL;
	long long bound = -1;
	if (hbctl_call(opts, CTL_TIMEOUTS, NULL, &timing) == HB_EXIT_SUCCESS)
		bound = hbctl_get_int(hbctl_get(timing, "bounds"), "failover_bound_ms", -1);
	json_object_put(timing);
	size_t n = json_object_array_length(events);
	struct json_object *left = NULL;
	for (size_t i = n; i-- > 0;) {
		struct json_object *e = json_object_array_get_idx(events, i);
		if (strcmp(hbctl_get_string(e, "event", ""), "left") == 0 && hbctl_get_bool(e, "local") != 1) {
			left = e;
			break;
		}
	}
	if (left == NULL) {
		if (json)
			printf("{\"failover\":null}\n");
		else
			printf("no failover in the event history: no host left the liveset\n");
		return HB_EXIT_SUCCESS;
	}
	long long host = hbctl_get_int(left, "host", -1);
	long long left_mono = hbctl_get_int(left, "mono_ms", 0);
	long long fault = hbctl_get_int(left, "last_heard_mono_ms", -1);
	long long fault_wall = hbctl_get_int(left, "last_heard_realtime_ms", -1);
	bool from_heard = fault >= 0;
	if (!from_heard) {
		fault = left_mono;
		fault_wall = hbctl_get_int(left, "realtime_ms", 0);
	}
	long long window_end = left_mono + (bound > 0 ? bound : 0);
	struct json_object *steps = json_object_new_array();
	bool exceeded = false;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(events, i);
		long long m = hbctl_get_int(e, "mono_ms", 0);
		if (m < fault || m > window_end)
			continue;
		const char *ev = hbctl_get_string(e, "event", "");
		long long eh = hbctl_get_int(e, "host", -1);
		/* the bounds the agent's timing gives: the lost host leaves every
		 * survivor's liveset, and so releases the master lock, within the
		 * failover bound */
		long long b = -1;
		if (eh == host && (strcmp(ev, "left") == 0 || strcmp(ev, "master-released") == 0))
			b = bound;
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "event", json_object_get(e));
		json_object_object_add(s, "since_fault_ms", json_object_new_int64(m - fault));
		json_object_object_add(s, "bound_ms", b >= 0 ? json_object_new_int64(b) : NULL);
		if (b >= 0) {
			json_object_object_add(s, "within_bound", json_object_new_boolean(m - fault <= b));
			exceeded |= m - fault > b;
		}
		json_object_array_add(steps, s);
	}
	if (json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "host", json_object_new_int64(host));
		json_object_object_add(o, "uuid", json_object_new_string(hbctl_get_string(left, "uuid", "")));
		json_object_object_add(o, "reason", json_object_new_string(hbctl_get_string(left, "reason", "")));
		json_object_object_add(o, "fault", json_object_new_string(from_heard ? "last-heard" : "left"));
		json_object_object_add(o, "fault_mono_ms", json_object_new_int64(fault));
		json_object_object_add(o, "fault_realtime_ms", json_object_new_int64(fault_wall));
		json_object_object_add(o, "failover_bound_ms", bound >= 0 ? json_object_new_int64(bound) : NULL);
		json_object_object_add(o, "within_bounds", json_object_new_boolean(!exceeded));
		json_object_object_add(o, "steps", steps);
		struct json_object *top = json_object_new_object();
		json_object_object_add(top, "failover", o);
		hbctl_print_json(top);
		json_object_put(top);
		return HB_EXIT_SUCCESS;
	}
	printf("last failover: host %lld (%s) left the liveset: %s\n", host, hbctl_get_string(left, "uuid", "?"),
	       hbctl_get_string(left, "reason", ""));
	printf("fault: host %lld %s at %.3f s on the agent's clock (time 0 below)\n", host,
	       from_heard ? "last heard" : "dropped (never heard)", (double)fault / 1000.0);
	size_t ns = json_object_array_length(steps);
	for (size_t i = 0; i < ns; i++) {
		struct json_object *s = json_object_array_get_idx(steps, i);
		struct json_object *e = hbctl_get(s, "event");
		long long dt = hbctl_get_int(s, "since_fault_ms", 0);
		long long b = hbctl_get_int(s, "bound_ms", -1);
		long long eh = hbctl_get_int(e, "host", -1);
		char hs[32] = "-";
		if (eh >= 0)
			snprintf(hs, sizeof hs, "host %lld", eh);
		char bs[64] = "";
		if (b >= 0)
			snprintf(bs, sizeof bs, "  %s bound %.3f s", dt <= b ? "within" : "EXCEEDED", (double)b / 1000.0);
		const char *what = hbctl_get_string(e, "what", "");
		printf("  %+9.3f s  %-8s %-16s %s%s%s%s\n", (double)dt / 1000.0, hs, hbctl_get_string(e, "event", "?"),
		       what[0] != '\0' ? what : "", what[0] != '\0' ? ": " : "", hbctl_get_string(e, "reason", ""), bs);
	}
	if (bound < 0)
		printf("(the agent's failover bound is unknown: no timeouts answer)\n");
	json_object_put(steps);
	return HB_EXIT_SUCCESS;
}

/* ---- follow ---------------------------------------------------------------- */

static int connect_agent(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* status --watch: the command to run again on each event. */
struct watch {
	int (*show)(const struct hbctl_opts *opts, int argc, char **argv);
	int argc;
	char **argv;
};

static void watch_event(const struct hbctl_opts *opts, const struct watch *w, struct json_object *e)
{
	long long h = hbctl_get_int(e, "host", -1);
	const char *what = hbctl_get_string(e, "what", "");
	printf("\n--- %s #%lld %s", hbctl_get_string(e, "time", "?"), hbctl_get_int(e, "seq", 0),
	       hbctl_get_string(e, "event", "?"));
	if (h >= 0)
		printf(" host %lld", h);
	printf("%s%s: %s ---\n", what[0] != '\0' ? " " : "", what, hbctl_get_string(e, "reason", ""));
	fflush(stdout);
	(void)w->show(opts, w->argc, w->argv);
	fflush(stdout);
}

static int follow(const struct hbctl_opts *opts, long long since, bool json, const struct watch *w)
{
	const char *path = NULL;
	int rc = hbctl_socket(opts, true, false, &path);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	int fd = connect_agent(path);
	if (fd < 0) {
		fprintf(stderr, "hbctl: events: no-agent (%d %s): no agent listens on %s (%s)\n",
		        HB_EXIT_DAEMON_IS_NOT_PRESENT, hb_exit_name(HB_EXIT_DAEMON_IS_NOT_PRESENT), path, strerror(errno));
		return HB_EXIT_DAEMON_IS_NOT_PRESENT;
	}
	char req[160];
	int len = snprintf(req, sizeof req, "{\"v\":%d,\"cmd\":\"events\",\"args\":{\"follow\":true,\"since\":%lld}}\n",
	                   CTL_VERSION, since);
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		fprintf(stderr, "hbctl: events: cannot send the request to %s: %s\n", path, strerror(errno));
		close(fd);
		return HB_EXIT_TRANSIENT_SYSTEM_ERROR;
	}
	char *buf = malloc(LINE_MAX_BYTES);
	if (buf == NULL) {
		close(fd);
		return HB_EXIT_SYSTEM_ERROR;
	}
	size_t have = 0;
	bool first = true;
	long long base = -1;
	for (;;) {
		char *nl = have > 0 ? memchr(buf, '\n', have) : NULL;
		if (nl == NULL) {
			if (have == LINE_MAX_BYTES) {
				fprintf(stderr, "hbctl: events: a line from the agent exceeds %u bytes\n", LINE_MAX_BYTES);
				rc = HB_EXIT_SYSTEM_ERROR;
				break;
			}
			ssize_t r = recv(fd, buf + have, LINE_MAX_BYTES - have, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				fprintf(stderr, "hbctl: events: the agent on %s closed the event stream%s%s: it stopped or "
				        "dropped this follower\n", path, r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
				rc = HB_EXIT_DAEMON_IS_NOT_PRESENT;
				break;
			}
			have += (size_t)r;
			continue;
		}
		*nl = '\0';
		struct json_object *o = json_tokener_parse(buf);
		size_t used = (size_t)(nl - buf) + 1u;
		memmove(buf, buf + used, have - used);
		have -= used;
		if (o == NULL) {
			fprintf(stderr, "hbctl: events: the agent sent a line that is not JSON\n");
			rc = HB_EXIT_SYSTEM_ERROR;
			break;
		}
		if (first) {
			first = false;
			if (hbctl_get_bool(o, "ok") != 1) {
				long long code = hbctl_get_int(o, "code", HB_EXIT_SYSTEM_ERROR);
				fprintf(stderr, "hbctl: events: %s (%lld %s): %s\n", hbctl_get_string(o, "error", "error"), code,
				        hbctl_get_string(o, "code_name", "?"), hbctl_get_string(o, "reason", ""));
				json_object_put(o);
				rc = code >= 1 && code <= 255 ? (int)code : HB_EXIT_SYSTEM_ERROR;
				break;
			}
			struct json_object *evs = hbctl_get(hbctl_get(o, "result"), "events");
			size_t n = evs != NULL && w == NULL ? json_object_array_length(evs) : 0;
			if (w != NULL)
				(void)w->show(opts, w->argc, w->argv);
			for (size_t i = 0; i < n; i++) {
				struct json_object *e = json_object_array_get_idx(evs, i);
				if (base < 0)
					base = hbctl_get_int(e, "mono_ms", 0);
				json ? print_json_line(e) : print_event(e, base);
			}
			if (base < 0)
				base = hbctl_get_int(hbctl_get(o, "result"), "mono_ms", 0);
		} else if (w != NULL) {
			watch_event(opts, w, o);
		} else {
			json ? print_json_line(o) : print_event(o, base);
		}
		json_object_put(o);
	}
	free(buf);
	close(fd);
	return rc;
}

int hbctl_watch(const struct hbctl_opts *opts, int (*show)(const struct hbctl_opts *opts, int argc, char **argv),
                int argc, char **argv)
{
	char **rest = calloc((size_t)argc + 1u, sizeof *rest);
	if (rest == NULL)
		return HB_EXIT_SYSTEM_ERROR;
	int n = 0;
	for (int i = 0; i < argc; i++)
		if (i == 0 || strcmp(argv[i], "--watch") != 0)
			rest[n++] = argv[i];
	const struct watch w = {.show = show, .argc = n, .argv = rest};
	/* since = a sequence far ahead: no history, only what happens next */
	int rc = follow(opts, INT64_MAX, false, &w);
	free(rest);
	return rc;
}

bool hbctl_watch_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--watch") == 0)
			return true;
	return false;
}

/* ---- the command ------------------------------------------------------------ */

int hbctl_events(const struct hbctl_opts *opts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"follow", no_argument, NULL, 'f'},
		{"last-failover", no_argument, NULL, 'l'},
		{"since", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool json = opts->json, want_follow = false, want_last = false;
	long long since = 0;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hf", long_opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'j': json = true; break;
		case 'f': want_follow = true; break;
		case 'l': want_last = true; break;
		case 's':
			errno = 0;
			since = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || since < 0) {
				fprintf(stderr, "hbctl events: --since %s: expected a sequence number >= 0\n", optarg);
				usage_help(stderr);
				return HB_EXIT_INVALID_PARAMETER;
			}
			break;
		case 'h': usage_help(stdout); return HB_EXIT_SUCCESS;
		default:
			fprintf(stderr, "hbctl events: unknown option or missing argument: %s\n", argv[optind - 1]);
			usage_help(stderr);
			return HB_EXIT_INVALID_PARAMETER;
		}
	}
	if (optind < argc || (want_follow && want_last)) {
		if (optind < argc)
			fprintf(stderr, "hbctl events: unexpected argument \"%s\"\n", argv[optind]);
		else
			fprintf(stderr, "hbctl events: --follow and --last-failover do not go together\n");
		usage_help(stderr);
		return HB_EXIT_INVALID_PARAMETER;
	}
	if (want_follow)
		return follow(opts, since, json, NULL);
	struct json_object *args = json_object_new_object();
	json_object_object_add(args, "since", json_object_new_int64(want_last ? 0 : since));
	struct json_object *res = NULL;
	int rc = hbctl_call(opts, CTL_EVENTS, args, &res);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	struct json_object *evs = hbctl_get(res, "events");
	if (evs == NULL || !json_object_is_type(evs, json_type_array)) {
		fprintf(stderr, "hbctl: events: the agent's answer has no events array\n");
		json_object_put(res);
		return HB_EXIT_SYSTEM_ERROR;
	}
	if (want_last) {
		rc = last_failover(opts, evs, json);
	} else if (json) {
		hbctl_print_json(res);
	} else {
		size_t n = json_object_array_length(evs);
		long long base = n > 0 ? hbctl_get_int(json_object_array_get_idx(evs, 0), "mono_ms", 0) : 0;
		long long missed = hbctl_get_int(res, "missed", 0);
		if (missed > 0)
			printf("(%lld older events are no longer kept: the agent keeps the latest %lld)\n", missed,
			       hbctl_get_int(res, "capacity", 0));
		for (size_t i = 0; i < n; i++)
			print_event(json_object_array_get_idx(evs, i), base);
		if (n == 0)
			printf("no events%s\n", since > 0 ? " after that sequence number" : "");
	}
	json_object_put(res);
	return rc;
}
