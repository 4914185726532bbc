/*
 * scenario_json.c: `hbscenario-json FILE` parses a scenario with libhb's
 * parser (the one hbsim uses) and prints it as one JSON object, so hbpool
 * (a Python program) executes exactly the language hbsim does, errors and
 * all: a file hbsim refuses, hbpool refuses with the same message (exit 1).
 */
#include <json-c/json.h>
#include <stdio.h>

#include "hb_err.h"
#include "hb_scenario.h"
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
	json_object_object_add(o, "host2", st->host2 >= 0 ? json_object_new_int(st->host2) : NULL);
	json_object_object_add(o, "duration_ms", json_object_new_int64(st->duration_ms));
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
	struct json_object *stmts = json_object_new_array();
	for (size_t i = 0; i < sc.n_statements; i++)
		json_object_array_add(stmts, statement_json(&sc, &sc.statements[i]));
	json_object_object_add(o, "statements", stmts);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}
