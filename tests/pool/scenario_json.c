/*
 * scenario_json.c: `hbscenario-json FILE` parses a scenario with libhb's
 * parser (the one hbsim uses) and prints it as one JSON object, so hbpool
 * (a Python program) executes exactly the language hbsim does, errors and
 * all: a file hbsim refuses, hbpool refuses with the same message (exit 1).
 *
 * Top level: name, hosts, timeout_s, paths, sector; the header overrides
 * of xapi's derivation (heartbeat_interval_ms, heartbeat_timeout_ms,
 * statefile_interval_ms, statefile_timeout_ms, watchdog_timeout_ms: 0 = not
 * overridden); "timing": the pool's effective parameters
 * (hb_scenario_timing_params: the derivation from T, then the overrides),
 * keyed as `hbctl timeouts --json` keys "configured", so that no reader
 * derives them again; "timing_derived": hb_timing_to_json() of them when
 * the timing model accepts them, else null and "timing_error" says why.
 * Per statement: line, kind (hb_sc_kind_name), text, at_ms, host (index,
 * "all", "none" or null), host2 (cut or link target, forge-heartbeat
 * target, reported master: index, "none" or null), path (null: every
 * path), duration_ms (signed for clock-step), jitter_ms, rate_ppm, forge
 * (hb_sc_forge_name, or null), within_ms, weight, pool_state, hosts, groups.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hb_err.h"
#include "hb_scenario.h"
#include "hb_timing.h"
#include "hb_timing_print.h"
#include "hb_types.h"

static struct json_object *hosts_json(hb_hostmap m, unsigned n)
{
	struct json_object *a = json_object_new_array();
	for (unsigned i = 0; i < n; i++)
		if (m & hb_host_bit(i))
			json_object_array_add(a, json_object_new_int((int)i));
	return a;
}

static struct json_object *statement_json(const struct hb_scenario *sc, const struct hb_sc_statement *st)
{
	char text[512];
	struct json_object *o = json_object_new_object();
	hb_sc_statement_format(st, text, sizeof text);
	json_object_object_add(o, "line", json_object_new_int(st->line));
	json_object_object_add(o, "kind", json_object_new_string(hb_sc_kind_name(st->kind)));
	json_object_object_add(o, "text", json_object_new_string(text));
	json_object_object_add(o, "at_ms", json_object_new_int64(st->at_ms));
	json_object_object_add(o, "host", st->host == HB_SC_ALL ? json_object_new_string("all")
	                                  : st->host == HB_SC_NONE ? json_object_new_string("none")
	                                  : st->host >= 0 ? json_object_new_int(st->host) : NULL);
	json_object_object_add(o, "host2", st->host2 == HB_SC_NONE ? json_object_new_string("none")
	                                   : st->host2 >= 0 ? json_object_new_int(st->host2) : NULL);
	json_object_object_add(o, "path", st->path >= 0 ? json_object_new_int(st->path) : NULL);
	json_object_object_add(o, "duration_ms", json_object_new_int64(st->duration_ms));
	json_object_object_add(o, "jitter_ms", json_object_new_int64(st->jitter_ms));
	json_object_object_add(o, "rate_ppm", json_object_new_int64(st->rate_ppm));
	bool forged = st->kind == HB_SC_FORGE_SLOT || st->kind == HB_SC_FORGE_HEARTBEAT;
	json_object_object_add(o, "forge", forged ? json_object_new_string(hb_sc_forge_name((enum hb_sc_forge)st->forge))
	                                          : NULL);
	json_object_object_add(o, "within_ms", json_object_new_int64(st->within_ms));
	json_object_object_add(o, "weight", json_object_new_int(st->weight));
	json_object_object_add(o, "pool_state", json_object_new_string(hb_pool_state_name((enum hb_pool_state)st->pool_state)));
	json_object_object_add(o, "hosts", hosts_json(st->hosts, sc->n_hosts));
	struct json_object *groups = json_object_new_array();
	for (unsigned g = 0; g < st->n_groups; g++)
		json_object_array_add(groups, hosts_json(st->groups[g], sc->n_hosts));
	json_object_object_add(o, "groups", groups);
	return o;
}

/* The effective parameters, keyed as `hbctl timeouts --json` keys them. */
static struct json_object *params_json(const struct hb_timing_params *p)
{
	struct json_object *o = json_object_new_object();
	static const struct {
		const char *key;
		size_t off;
	} rows[] = {
		{"heartbeat_interval_ms", offsetof(struct hb_timing_params, hb_interval_ms)},
		{"heartbeat_timeout_ms", offsetof(struct hb_timing_params, hb_timeout_ms)},
		{"statefile_interval_ms", offsetof(struct hb_timing_params, sf_interval_ms)},
		{"statefile_timeout_ms", offsetof(struct hb_timing_params, sf_timeout_ms)},
		{"watchdog_timeout_ms", offsetof(struct hb_timing_params, watchdog_timeout_ms)},
		{"heartbeat_watchdog_timeout_ms", offsetof(struct hb_timing_params, hb_wd_timeout_ms)},
		{"statefile_watchdog_timeout_ms", offsetof(struct hb_timing_params, sf_wd_timeout_ms)},
		{"boot_join_timeout_ms", offsetof(struct hb_timing_params, boot_join_timeout_ms)},
		{"enable_join_timeout_ms", offsetof(struct hb_timing_params, enable_join_timeout_ms)},
		{"xapi_healthcheck_interval_ms", offsetof(struct hb_timing_params, xapi_hc_interval_ms)},
		{"xapi_healthcheck_timeout_ms", offsetof(struct hb_timing_params, xapi_hc_timeout_ms)},
		{"xapi_restart_timeout_ms", offsetof(struct hb_timing_params, xapi_restart_timeout_ms)},
		{"xapi_restart_attempts", offsetof(struct hb_timing_params, xapi_restart_attempts)},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint32_t v;
		memcpy(&v, (const char *)p + rows[i].off, sizeof v);
		json_object_object_add(o, rows[i].key, json_object_new_int64(v));
	}
	return o;
}

static void timing_json(const struct hb_scenario *sc, struct json_object *o)
{
	struct hb_timing_params p;
	static struct hb_timing t;
	struct hb_err err = {{0}};
	if (hb_scenario_timing_params(sc, &p, &err) < 0) {
		json_object_object_add(o, "timing", NULL);
		json_object_object_add(o, "timing_derived", NULL);
		json_object_object_add(o, "timing_error", json_object_new_string(err.msg));
		return;
	}
	json_object_object_add(o, "timing", params_json(&p));
	if (hb_timing_derive(&p, &t, &err) < 0) {
		json_object_object_add(o, "timing_derived", NULL);
		json_object_object_add(o, "timing_error", json_object_new_string(err.msg));
		return;
	}
	json_object_object_add(o, "timing_derived", hb_timing_to_json(&t));
	json_object_object_add(o, "timing_error", NULL);
}

int main(int argc, char **argv)
{
	static struct hb_scenario sc;
	struct hb_err err = {{0}};
	if (argc != 2) {
		fprintf(stderr, "usage: hbscenario-json FILE\n");
		return 2;
	}
	if (hb_scenario_load_file(argv[1], &sc, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(sc.name));
	json_object_object_add(o, "hosts", json_object_new_int((int)sc.n_hosts));
	json_object_object_add(o, "timeout_s", json_object_new_int64(sc.timeout_s));
	json_object_object_add(o, "paths", json_object_new_int((int)sc.paths));
	json_object_object_add(o, "sector", json_object_new_int((int)sc.sector));
	json_object_object_add(o, "heartbeat_interval_ms", json_object_new_int64(sc.hb_interval_ms));
	json_object_object_add(o, "heartbeat_timeout_ms", json_object_new_int64(sc.hb_timeout_ms));
	json_object_object_add(o, "statefile_interval_ms", json_object_new_int64(sc.sf_interval_ms));
	json_object_object_add(o, "statefile_timeout_ms", json_object_new_int64(sc.sf_timeout_ms));
	json_object_object_add(o, "watchdog_timeout_ms", json_object_new_int64(sc.watchdog_ms));
	timing_json(&sc, o);
	struct json_object *stmts = json_object_new_array();
	for (size_t i = 0; i < sc.n_statements; i++)
		json_object_array_add(stmts, statement_json(&sc, &sc.statements[i]));
	json_object_object_add(o, "statements", stmts);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}
