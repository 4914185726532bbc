/*
 * hbctl_timeouts.c: `hbctl timeouts`: the effective timeouts, the bounds and
 * the worst-case timelines, from the config's <parameters> or from one HA
 * timeout T (-T, derived as xapi does). An unsafe configuration is refused
 * with the message from hb_timing_derive (exit 7, as an invalid config).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_timing.h"
#include "hb_timing_print.h"
#include "hbctl.h"

static int parse_T(const char *text, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	/* the range (HB_TIMING_T_MIN_S..HB_TIMING_T_MAX_S) is checked by load_params */
	if (errno || end == text || *end || text[0] == '-' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int load_params(const struct hbctl_opts *opts, bool have_T, uint32_t T_s, struct hb_timing_params *p,
                       const char **source)
{
	static struct hb_config cfg; /* large: keep it off the stack */
	struct hb_err err = {{0}};
	if (have_T) {
		/* the T the agent accepts: hb_timing's range, the one the man page gives */
		if (T_s < HB_TIMING_T_MIN_S) {
			fprintf(stderr, "hbctl timeouts: HA timeout T=%" PRIu32 " s is out of range %u..%u s: below %u s xapi's "
			        "derivation is unsafe (StateFileTimeout T under 3 x StateFileInterval = 6 s)\n",
			        T_s, HB_TIMING_T_MIN_S, HB_TIMING_T_MAX_S, HB_TIMING_T_MIN_S);
			return HB_EXIT_INVALID_PARAMETER;
		}
		if (T_s > HB_TIMING_T_MAX_S) {
			fprintf(stderr, "hbctl timeouts: HA timeout T=%" PRIu32 " s is out of range %u..%u s: the largest T "
			        "hbagent supports is %u s\n", T_s, HB_TIMING_T_MIN_S, HB_TIMING_T_MAX_S, HB_TIMING_T_MAX_S);
			return HB_EXIT_INVALID_PARAMETER;
		}
		if (hb_timing_params_from_T(T_s, p, &err) < 0) {
			fprintf(stderr, "hbctl timeouts: %s\n", err.msg);
			return HB_EXIT_INVALID_PARAMETER;
		}
		*source = "HA timeout T (xapi's derivation)";
		return HB_EXIT_SUCCESS;
	}
	int rc = hbctl_load_config(opts, &cfg);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	*p = cfg.params;
	*source = opts->config_path;
	return HB_EXIT_SUCCESS;
}

int hbctl_timeouts(const struct hbctl_opts *opts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"ha-timeout", required_argument, NULL, 'T'},
		{"timeout", required_argument, NULL, 't'}, /* only to say what it is not */
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool json = opts->json, have_T = false;
	uint32_t T_s = 0;
	int c;
	while ((c = getopt_long(argc, argv, "T:h", long_opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			printf("usage: hbctl [-c FILE] timeouts [-T SECONDS] [--json]\n"
			       "  -T, --ha-timeout SECONDS  xapi's derivation from HA timeout T instead of the config\n");
			return HB_EXIT_SUCCESS;
		} else if (c == 't') {
			/* one meaning per option name: --timeout is hbctl's bound in ms */
			fprintf(stderr, "hbctl timeouts: --timeout is hbctl's own bound in milliseconds (before the command); "
			                "the HA timeout is -T or --ha-timeout SECONDS\n");
			return HB_EXIT_INVALID_PARAMETER;
		} else if (c == 'T' && parse_T(optarg, &T_s) == 0) {
			have_T = true;
		} else {
			fprintf(stderr, "usage: hbctl [-c FILE] timeouts [-T SECONDS] [--json]\n");
			return HB_EXIT_INVALID_PARAMETER;
		}
	}
	struct hb_timing_params p;
	const char *source = NULL;
	int rc = load_params(opts, have_T, T_s, &p, &source);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	struct hb_timing t;
	struct hb_err err = {{0}};
	if (hb_timing_derive(&p, &t, &err) < 0) {
		fprintf(stderr, "hbctl timeouts: unsafe timing in %s: %s\n", source, err.msg);
		return HB_EXIT_INVALID_CONFIG_FILE;
	}
	if (json) {
		json_object *obj = hb_timing_to_json(&t);
		printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(obj);
	} else {
		printf("hbagent timeouts from %s\n\n", source);
		hb_timing_print(&t, stdout);
	}
	return HB_EXIT_SUCCESS;
}
