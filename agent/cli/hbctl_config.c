/*
 * hbctl_config.c: `hbctl config check [-c FILE] [--json]`: load xhad.conf as
 * the agent would, without an agent, and say whether it is clean.
 *
 * Strict where the agent is lenient: an unknown element (a warning the
 * agent logs and starts anyway, unless --strict) makes the check fail.
 * Exit 0 clean, 7 any error or unknown element (or a timing the agent
 * refuses), 6 the file cannot be read, 1 usage. Everything goes to stdout:
 * it is the command's answer; docs/config.md describes the output.
 */
#include <getopt.h>
#include <stdint.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_timing.h"
#include "hb_uuid.h"
#include "hbctl.h"

#define CONFIG_USAGE "usage: hbctl [-c FILE] config check [-c FILE] [--json]\n"

static void config_usage(FILE *out)
{
	fprintf(out, CONFIG_USAGE
	        "  Loads the configuration as hbagent would, without an agent, and prints\n"
	        "  \"FILE: OK\" and a summary, or every error and unknown element as\n"
	        "  \"FILE:LINE: <element>: message\". Exit 0 clean, 7 an error or an unknown\n"
	        "  element, 6 the file cannot be read.\n"
	        "  -c, --config FILE   the file to check (default: hbctl's -c, else %s)\n"
	        "      --json          {\"file\", \"ok\", \"errors\", \"warnings\", \"summary\"}\n",
	        HB_DEFAULT_CONFIG_FILE);
}

/* What one check found. */
struct check {
	const char *path;
	bool loaded;       /* the file parsed (the timing may still be refused) */
	bool read_error;   /* cannot read: exit 6 */
	char error[HB_CONFIG_PATH_MAX + HB_ERR_LEN + 64]; /* "" or the one error (the parser stops at the first) */
	struct hb_timing timing;
};

/* "60 s", or "400 ms" when not whole seconds */
static const char *dur(uint32_t ms, char out[32])
{
	if (ms % 1000u == 0)
		snprintf(out, 32, "%u s", (unsigned)(ms / 1000u));
	else
		snprintf(out, 32, "%u ms", (unsigned)ms);
	return out;
}

static void summary_text(const struct hb_config *cfg, const struct hb_timing *t, char *out, size_t cap)
{
	char uuid[HB_UUID_STR_LEN], a[32], b[32], c[32];
	hb_uuid_format(&cfg->hosts[cfg->local_index].uuid, uuid);
	snprintf(out, cap, "%u host%s, this host %u (%s), %u heartbeat path%s, HeartbeatTimeout %s, StateFileTimeout %s, "
	         "fence bound %s",
	         cfg->n_hosts, cfg->n_hosts == 1 ? "" : "s", cfg->local_index, uuid, cfg->n_paths,
	         cfg->n_paths == 1 ? "" : "s", dur(t->p.hb_timeout_ms, a), dur(t->p.sf_timeout_ms, b),
	         dur(t->fence_bound_ms, c));
}

static int print_json(const struct hb_config *cfg, const struct check *ck, bool ok)
{
	json_object *o = json_object_new_object();
	json_object *errors = json_object_new_array();
	json_object *warnings = json_object_new_array();
	json_object_object_add(o, "file", json_object_new_string(ck->path));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	if (ck->error[0] != '\0')
		json_object_array_add(errors, json_object_new_string(ck->error));
	for (unsigned i = 0; i < cfg->warnings.n; i++) {
		const struct hb_config_warning *w = &cfg->warnings.w[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "line", json_object_new_int(w->line));
		json_object_object_add(j, "element", json_object_new_string(w->element));
		json_object_object_add(j, "path", json_object_new_string(w->path));
		json_object_object_add(j, "suggestion", w->suggestion[0] ? json_object_new_string(w->suggestion) : NULL);
		json_object_object_add(j, "message", json_object_new_string(w->msg));
		json_object_array_add(warnings, j);
	}
	json_object_object_add(o, "errors", errors);
	json_object_object_add(o, "warnings", warnings);
	json_object_object_add(o, "warnings_dropped", json_object_new_int((int)cfg->warnings.dropped));
	json_object *summary = NULL;
	if (ck->loaded && ck->error[0] == '\0') {
		char uuid[HB_UUID_STR_LEN];
		summary = json_object_new_object();
		json_object_object_add(summary, "hosts", json_object_new_int((int)cfg->n_hosts));
		json_object_object_add(summary, "local_index", json_object_new_int((int)cfg->local_index));
		json_object_object_add(summary, "local_uuid",
		                       json_object_new_string(hb_uuid_format(&cfg->hosts[cfg->local_index].uuid, uuid)));
		json_object_object_add(summary, "paths", json_object_new_int((int)cfg->n_paths));
		json_object_object_add(summary, "hb_timeout_ms", json_object_new_int64(ck->timing.p.hb_timeout_ms));
		json_object_object_add(summary, "sf_timeout_ms", json_object_new_int64(ck->timing.p.sf_timeout_ms));
		json_object_object_add(summary, "fence_bound_ms", json_object_new_int64(ck->timing.fence_bound_ms));
	}
	json_object_object_add(o, "summary", summary);
	hbctl_print_json(o);
	json_object_put(o);
	return 0;
}

static int config_check(const struct hbctl_opts *opts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct hb_config cfg; /* large: keep it off the stack */
	struct check ck = {.path = opts->config_path};
	bool json = opts->json;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': ck.path = optarg; break;
		case 'j': json = true; break;
		case 'h': config_usage(stdout); return HB_EXIT_SUCCESS;
		default:
			fprintf(stderr, "hbctl config check: %s %s\n", c == ':' ? "missing argument of" : "unknown option",
			        argv[optind - 1]);
			fputs(CONFIG_USAGE, stderr);
			return HB_EXIT_INVALID_PARAMETER;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hbctl config check: unexpected argument \"%s\"\n", argv[optind]);
		fputs(CONFIG_USAGE, stderr);
		return HB_EXIT_INVALID_PARAMETER;
	}
	struct hb_err err = {{0}};
	if (hb_config_load_file(ck.path, &cfg, &ck.read_error, &err) < 0) {
		snprintf(ck.error, sizeof ck.error, "%s", err.msg);
	} else {
		ck.loaded = true;
		/* the agent refuses an unsafe timing at start (exit 7): so does the check */
		if (hb_timing_derive(&cfg.params, &ck.timing, &err) < 0)
			snprintf(ck.error, sizeof ck.error, "%s: <parameters>: unsafe timing: %s", ck.path, err.msg);
	}
	bool ok = ck.error[0] == '\0' && cfg.warnings.n == 0 && cfg.warnings.dropped == 0;
	if (json) {
		print_json(&cfg, &ck, ok);
	} else {
		for (unsigned i = 0; i < cfg.warnings.n; i++)
			printf("%s\n", cfg.warnings.w[i].msg);
		if (cfg.warnings.dropped > 0)
			printf("%s: %u more unknown elements not shown\n", ck.path, cfg.warnings.dropped);
		if (ck.error[0] != '\0')
			printf("%s\n", ck.error);
		if (ok) {
			char summary[512];
			summary_text(&cfg, &ck.timing, summary, sizeof summary);
			printf("%s: OK: %s\n", ck.path, summary);
		}
	}
	if (ck.read_error)
		return HB_EXIT_CAN_NOT_READ_CONFIG_FILE;
	return ok ? HB_EXIT_SUCCESS : HB_EXIT_INVALID_CONFIG_FILE;
}

int hbctl_config_cmd(const struct hbctl_opts *opts, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		config_usage(stdout);
		return HB_EXIT_SUCCESS;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		if (argc >= 2)
			fprintf(stderr, "hbctl config: unknown action \"%s\" (expected check)\n", argv[1]);
		else
			fprintf(stderr, "hbctl config: missing action (expected check)\n");
		fputs(CONFIG_USAGE, stderr);
		return HB_EXIT_INVALID_PARAMETER;
	}
	return config_check(opts, argc - 1, argv + 1);
}
