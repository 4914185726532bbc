/*
 * hbctl_liveset.c: `hbctl liveset [--xml]`: the agent's liveset document
 * (docs/control.md, "The liveset document").
 *
 * Owns its three renderings: a human summary (default), the agent's JSON
 * unchanged (--json) and xapi's ha_query_liveset XML (--xml), element for
 * element as xhad prints it (xha.md section 7), written with libxml2's
 * xmlTextWriter: TRUE/FALSE booleans, times in ms (-1 when not applicable),
 * UUID lists one per line inside their element; only <status> and
 * <localhost> unless the status is Online. Only --reset-latency (xapi's
 * ha_query_liveset) starts a new latency period in the agent.
 */
#include "hbctl.h"

#include <json-c/json.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <string.h>

#include "hb_exit.h"

/* ---- XML ----------------------------------------------------------------- */

/* libxml2 counts in unsigned char; our strings are UTF-8 already. */
static const xmlChar *X(const char *s)
{
	return (const xmlChar *)s;
}

struct xw {
	xmlTextWriterPtr w;
	bool failed;
};

static void check(struct xw *x, int rc)
{
	if (rc < 0)
		x->failed = true;
}

static void start(struct xw *x, const char *name)
{
	check(x, xmlTextWriterStartElement(x->w, X(name)));
}

static void end(struct xw *x)
{
	check(x, xmlTextWriterEndElement(x->w));
}

static void text(struct xw *x, const char *name, const char *value)
{
	check(x, xmlTextWriterWriteElement(x->w, X(name), X(value)));
}

/* An integer member of o, -1 when absent (xhad's "not applicable"). */
static void integer(struct xw *x, struct json_object *o, const char *name)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", hbctl_get_int(o, name, -1));
	text(x, name, buf);
}

static void boolean(struct xw *x, struct json_object *o, const char *name)
{
	text(x, name, hbctl_get_bool(o, name) == 1 ? "TRUE" : "FALSE");
}

/* An array of UUID strings: one per line inside the element. */
static void uuid_list(struct xw *x, struct json_object *o, const char *name)
{
	struct json_object *arr = hbctl_get(o, name);
	size_t n = arr != NULL && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	char buf[64u * 40u]; /* 64 hosts, 36 characters and a newline each */
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof buf; i++) {
		const char *u = json_object_get_string(json_object_array_get_idx(arr, i));
		used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? "\n" : "", u != NULL ? u : "");
	}
	text(x, name, buf);
}

static size_t array_len(struct json_object *arr)
{
	return arr != NULL && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

static void xml_host(struct xw *x, struct json_object *h)
{
	static const char *const flags[] = {"liveness", "master", "statefile_access", "statefile_corrupted", "excluded"};
	start(x, "host");
	text(x, "HostID", hbctl_get_string(h, "HostID", ""));
	integer(x, h, "HostIndex");
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		boolean(x, h, flags[i]);
	end(x);
}

static void xml_host_raw(struct xw *x, struct json_object *h)
{
	static const char *const times[] = {"time_since_last_update_on_statefile", "time_since_last_heartbeat",
	                                    "time_since_xapi_restart_first_attempted"};
	static const char *const lists[] = {"heartbeat_active_list_on_heartbeat", "heartbeat_active_list_on_statefile",
	                                    "statefile_active_list_on_heartbeat", "statefile_active_list_on_statefile"};
	start(x, "host_raw_data");
	text(x, "HostID", hbctl_get_string(h, "HostID", ""));
	integer(x, h, "HostIndex");
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
		integer(x, h, times[i]);
	text(x, "xapi_error_string", hbctl_get_string(h, "xapi_error_string", ""));
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		uuid_list(x, h, lists[i]);
	end(x);
}

static void xml_raw(struct xw *x, struct json_object *raw)
{
	static const char *const latencies[] = {
		"statefile_latency",        "statefile_latency_max",        "statefile_latency_min",
		"heartbeat_latency",        "heartbeat_latency_max",        "heartbeat_latency_min",
		"Xapi_healthcheck_latency", "Xapi_healthcheck_latency_max", "Xapi_healthcheck_latency_min",
	};
	start(x, "raw_status_on_local_host");
	for (size_t i = 0; i < sizeof latencies / sizeof latencies[0]; i++)
		integer(x, raw, latencies[i]);
	struct json_object *hosts = hbctl_get(raw, "host_raw_data");
	for (size_t i = 0; i < array_len(hosts); i++)
		xml_host_raw(x, json_object_array_get_idx(hosts, i));
	end(x);
}

static void xml_online(struct xw *x, struct json_object *l)
{
	static const char *const timeouts[] = {"T1", "T2", "T3", "Wh", "Ws"};
	static const char *const warnings[] = {"statefile_lost", "heartbeat_approaching_timeout",
	                                       "statefile_approaching_timeout", "Xapi_healthcheck_approaching_timeout",
	                                       "network_bonding_error"};
	struct json_object *hosts = hbctl_get(l, "hosts");
	for (size_t i = 0; i < array_len(hosts); i++)
		xml_host(x, json_object_array_get_idx(hosts, i));
	xml_raw(x, hbctl_get(l, "raw"));
	struct json_object *t = hbctl_get(l, "timeout");
	start(x, "timeout");
	for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++)
		integer(x, t, timeouts[i]);
	end(x);
	struct json_object *w = hbctl_get(l, "warning");
	start(x, "warning_on_local_host");
	for (size_t i = 0; i < sizeof warnings / sizeof warnings[0]; i++)
		boolean(x, w, warnings[i]);
	end(x);
}

static int print_xml(struct json_object *l)
{
	xmlBufferPtr buf = xmlBufferCreate();
	struct xw x = {.w = buf != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL};
	if (x.w == NULL) {
		if (buf != NULL)
			xmlBufferFree(buf);
		fprintf(stderr, "hbctl: liveset: cannot create an XML writer\n");
		return HB_EXIT_SYSTEM_ERROR;
	}
	const char *status = hbctl_get_string(l, "status", "Starting");
	check(&x, xmlTextWriterSetIndent(x.w, 1));
	check(&x, xmlTextWriterSetIndentString(x.w, X("  ")));
	check(&x, xmlTextWriterStartDocument(x.w, NULL, "UTF-8", NULL));
	start(&x, "ha_liveset_info");
	check(&x, xmlTextWriterWriteAttribute(x.w, X("version"), X("1.0")));
	text(&x, "status", status);
	struct json_object *local = hbctl_get(l, "localhost");
	start(&x, "localhost");
	text(&x, "HostID", hbctl_get_string(local, "HostID", ""));
	integer(&x, local, "HostIndex");
	end(&x);
	if (strcmp(status, "Online") == 0)
		xml_online(&x, l);
	end(&x);
	check(&x, xmlTextWriterEndDocument(x.w));
	xmlFreeTextWriter(x.w); /* flushes into buf */
	int rc = HB_EXIT_SUCCESS;
	if (x.failed) {
		fprintf(stderr, "hbctl: liveset: cannot write the XML document\n");
		rc = HB_EXIT_SYSTEM_ERROR;
	} else {
		fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), stdout);
	}
	xmlBufferFree(buf);
	return rc;
}

/* ---- human --------------------------------------------------------------- */

static const char *yn(struct json_object *o, const char *key)
{
	int b = hbctl_get_bool(o, key);
	return b < 0 ? "?" : b ? "yes" : "no";
}

static void print_human(struct json_object *l)
{
	static const char *const warnings[] = {"statefile_lost", "heartbeat_approaching_timeout",
	                                       "statefile_approaching_timeout", "Xapi_healthcheck_approaching_timeout",
	                                       "network_bonding_error"};
	const char *status = hbctl_get_string(l, "status", "?");
	struct json_object *local = hbctl_get(l, "localhost");
	printf("%-12s%s\n", "status:", status);
	printf("%-12s%s (host %lld)\n", "localhost:", hbctl_get_string(local, "HostID", "?"),
	       hbctl_get_int(local, "HostIndex", -1));
	if (strcmp(status, "Online") != 0)
		return;
	struct json_object *t = hbctl_get(l, "timeout");
	printf("%-12sT1 %lld ms, T2 %lld ms, T3 %lld ms, Wh %lld ms, Ws %lld ms\n", "timeouts:", hbctl_get_int(t, "T1", -1),
	       hbctl_get_int(t, "T2", -1), hbctl_get_int(t, "T3", -1), hbctl_get_int(t, "Wh", -1),
	       hbctl_get_int(t, "Ws", -1));
	struct json_object *w = hbctl_get(l, "warning");
	printf("%-12s", "warnings:");
	bool any = false;
	for (size_t i = 0; i < sizeof warnings / sizeof warnings[0]; i++) {
		if (hbctl_get_bool(w, warnings[i]) == 1) {
			printf("%s%s", any ? ", " : "", warnings[i]);
			any = true;
		}
	}
	printf("%s\n\n", any ? "" : "none");
	printf("%4s  %-38s%-6s%-8s%-11s%-14s%s\n", "HOST", "UUID", "LIVE", "MASTER", "SF ACCESS", "SF CORRUPTED",
	       "EXCLUDED");
	struct json_object *hosts = hbctl_get(l, "hosts");
	for (size_t i = 0; i < array_len(hosts); i++) {
		struct json_object *h = json_object_array_get_idx(hosts, i);
		printf("%4lld  %-38s%-6s%-8s%-11s%-14s%s\n", hbctl_get_int(h, "HostIndex", -1),
		       hbctl_get_string(h, "HostID", "?"), yn(h, "liveness"), yn(h, "master"), yn(h, "statefile_access"),
		       yn(h, "statefile_corrupted"), yn(h, "excluded"));
	}
}

int hbctl_liveset(const struct hbctl_opts *opts, int argc, char **argv)
{
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, true, 0, 0, "liveset [--xml | --json] [--reset-latency]", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	if (a.keep_latency && a.reset_latency) {
		fprintf(stderr, "hbctl liveset: --keep-latency and --reset-latency contradict each other\n");
		return HB_EXIT_INVALID_PARAMETER;
	}
	struct json_object *l = NULL, *args = NULL;
	if (a.reset_latency) {
		args = json_object_new_object();
		json_object_object_add(args, "reset_latency", json_object_new_boolean(true));
	}
	rc = hbctl_call(opts, CTL_LIVESET, args, &l);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	if (a.xml)
		rc = print_xml(l);
	else if (a.json)
		hbctl_print_json(l);
	else
		print_human(l);
	json_object_put(l);
	if (rc == HB_EXIT_SUCCESS && fflush(stdout) != 0)
		rc = HB_EXIT_SYSTEM_ERROR;
	return rc;
}
