/*
 * hbctl_watchdog.c: `hbctl watchdog probe`: does the configured watchdog
 * work? Opens the backend the agent would use (the config's backend, device
 * and timeout, hb_watchdog_params_from_config as hbagent does), arms it,
 * reads it back, disarms it with the safe close and says what it found.
 *
 * Owns the refusals (an agent answers on the control socket, or the armed
 * marker says an agent's watchdog is still counting: 15, so that a probe
 * never cancels a pending fence), the output and exit 4 on any watchdog
 * failure. The device work is hb_watchdog_probe's (libhb/io/hb_watchdog.h).
 */
#include "hbctl.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_timing.h"
#include "hb_watchdog.h"

static void print_stats(const struct hbctl_args *a, const struct hb_watchdog_stats *st)
{
	if (a->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "backend", json_object_new_string(st->backend));
		json_object_object_add(o, "identity", json_object_new_string(st->identity));
		json_object_object_add(o, "timeout_ms", json_object_new_int64(st->timeout_ms));
		json_object_object_add(o, "pet_interval_ms", json_object_new_int64(st->pet_interval_ms));
		json_object_object_add(o, "softdog", json_object_new_boolean(st->softdog));
		json_object_object_add(o, "pets", json_object_new_uint64(st->pets));
		json_object_object_add(o, "pet_errors", json_object_new_uint64(st->pet_errors));
		json_object_object_add(o, "disarmed", json_object_new_boolean(true));
		hbctl_print_json(o);
		json_object_put(o);
		return;
	}
	printf("watchdog %s (%s): armed with timeout %" PRIu32 " ms (read back), petted %" PRIu64
	       " time(s), disarmed again\n", st->backend, st->identity, st->timeout_ms, st->pets);
	if (st->softdog)
		printf("warning: this is Linux's software watchdog: it does not reset a hung kernel\n");
	if (st->pet_errors > 0)
		printf("warning: %" PRIu64 " pet(s) refused (last errno %d: %s)\n", st->pet_errors, st->last_pet_errno,
		       strerror(st->last_pet_errno));
}

static int probe(const struct hbctl_opts *opts, const struct hbctl_args *a)
{
	if (hbctl_agent_present(opts) != HB_EXIT_DAEMON_IS_NOT_PRESENT) {
		fprintf(stderr, "hbctl: watchdog probe: refused (%d %s): an agent is running; it owns the watchdog\n",
		        HB_EXIT_DAEMON_IS_PRESENT, hb_exit_name(HB_EXIT_DAEMON_IS_PRESENT));
		return HB_EXIT_DAEMON_IS_PRESENT;
	}
	const struct hb_config *cfg = NULL;
	int rc = hbctl_config(opts, false, &cfg);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	struct hb_err err = {{0}};
	struct hb_timing t;
	if (hb_timing_derive(&cfg->params, &t, &err) < 0) {
		fprintf(stderr, "hbctl: watchdog probe: unsafe timing in %s: %s\n", cfg->source, err.msg);
		return HB_EXIT_INVALID_CONFIG_FILE;
	}
	struct hb_watchdog_params p;
	hb_watchdog_params_from_config(cfg, &t, &p);
	if (p.guard_path != NULL && p.guard_path[0] != '\0' && access(p.guard_path, F_OK) == 0) {
		fprintf(stderr, "hbctl: watchdog probe: refused (%d %s): %s exists: an agent armed the watchdog and has "
		        "not disarmed it; probing could cancel a pending fence\n", HB_EXIT_DAEMON_IS_PRESENT,
		        hb_exit_name(HB_EXIT_DAEMON_IS_PRESENT), p.guard_path);
		return HB_EXIT_DAEMON_IS_PRESENT;
	}
	struct hb_watchdog_stats st;
	memset(&st, 0, sizeof st);
	if (hb_watchdog_probe(&p, &st, &err) < 0) {
		fprintf(stderr, "hbctl: watchdog probe: backend %s: %s\n", hb_wd_backend_name(cfg->wd_backend), err.msg);
		return HB_EXIT_WATCHDOG_ERROR;
	}
	print_stats(a, &st);
	return fflush(stdout) == 0 ? HB_EXIT_SUCCESS : HB_EXIT_SYSTEM_ERROR;
}

int hbctl_watchdog(const struct hbctl_opts *opts, int argc, char **argv)
{
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 1, 1, "watchdog probe [--json]", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	if (strcmp(a.pos[0], "probe") != 0) {
		fprintf(stderr, "hbctl: watchdog: unknown command \"%s\"\nusage: hbctl [OPTIONS] watchdog probe [--json]\n",
		        a.pos[0]);
		return HB_EXIT_INVALID_PARAMETER;
	}
	return probe(opts, &a);
}
