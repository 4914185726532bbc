/*
 * hb_timing_print.c: presents a derived struct hb_timing, as a table and
 * worst-case timelines for humans (hbctl timeouts) and as JSON for programs.
 *
 * It never recomputes a formula: every figure comes from struct hb_timing
 * (hb_timing.c is the one place that derives them); the formula column is
 * text only.
 */
#include "hb_timing.h"
#include "hb_timing_print.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdlib.h>

struct timing_row {
	const char *label;
	const char *key; /* JSON name */
	size_t offset;   /* of a uint32_t in struct hb_timing */
	const char *formula;
};

#define P_ROW(label, key, field) {label, key, offsetof(struct hb_timing, p.field), NULL}
#define D_ROW(label, key, field, formula) {label, key, offsetof(struct hb_timing, field), formula}

static const struct timing_row configured_rows[] = {
	P_ROW("heartbeat interval t1", "heartbeat_interval_ms", hb_interval_ms),
	P_ROW("heartbeat timeout T1", "heartbeat_timeout_ms", hb_timeout_ms),
	P_ROW("statefile interval t2", "statefile_interval_ms", sf_interval_ms),
	P_ROW("statefile timeout T2", "statefile_timeout_ms", sf_timeout_ms),
	P_ROW("watchdog timeout W", "watchdog_timeout_ms", watchdog_timeout_ms),
	P_ROW("heartbeat watchdog timeout Wh", "heartbeat_watchdog_timeout_ms", hb_wd_timeout_ms),
	P_ROW("statefile watchdog timeout Ws", "statefile_watchdog_timeout_ms", sf_wd_timeout_ms),
	P_ROW("boot join timeout", "boot_join_timeout_ms", boot_join_timeout_ms),
	P_ROW("enable join timeout", "enable_join_timeout_ms", enable_join_timeout_ms),
	P_ROW("xapi health check interval", "xapi_healthcheck_interval_ms", xapi_hc_interval_ms),
	P_ROW("xapi health check timeout T3", "xapi_healthcheck_timeout_ms", xapi_hc_timeout_ms),
	P_ROW("xapi restart timeout", "xapi_restart_timeout_ms", xapi_restart_timeout_ms),
};

static const struct timing_row derived_rows[] = {
	D_ROW("decision tick", "tick_ms", tick_ms, "min(t1, t2, 500 ms)"),
	D_ROW("proof window P", "proof_window_ms", proof_window_ms, "2 x tick"),
	D_ROW("watchdog pet interval", "pet_interval_ms", pet_interval_ms, "min(1 s, W/4)"),
	D_ROW("watchdog pet recheck", "pet_recheck_ms", pet_recheck_ms, "max(10 ms, tick / 10)"),
	D_ROW("watchdog slack", "watchdog_slack_ms", watchdog_slack_ms, "timer granularity"),
	D_ROW("statefile I/O deadline", "statefile_io_timeout_ms", sf_io_timeout_ms, "(T2 - t2) / 3"),
	D_ROW("statefile cycle", "statefile_cycle_ms", sf_cycle_ms, "t2 + I/O deadline + tick"),
	D_ROW("settle time", "settle_ms", settle_ms, "t1 + 2 x t2 + tick"),
	D_ROW("settle time, inconsistent views", "settle_inconsistent_ms", settle_inconsistent_ms,
	      "max(T1, T2, T2 + t2 + 2 x I/O deadline + tick - T1)"),
	D_ROW("statefile loss grace", "statefile_loss_grace_ms", sf_loss_grace_ms, "T2 + t1 + tick"),
	D_ROW("statefile regain grace", "statefile_regain_grace_ms", sf_regain_grace_ms, "I/O deadline + loss grace"),
	D_ROW("early heartbeat gap", "send_gap_ms", send_gap_ms, "tick / 4"),
	D_ROW("last-words write wait", "last_words_wait_ms", last_words_wait_ms, "min(4 x tick, 2 s)"),
	D_ROW("stop confirmation wait", "stop_confirm_ms", stop_confirm_ms, "1.5 x t1"),
	D_ROW("stop announcement, at most", "stop_announce_ms", stop_announce_ms, "stop confirmation + 2 x t1 + tick"),
	D_ROW("fence bound F", "fence_bound_ms", fence_bound_ms, "max(T1, T2) + P + W + slack"),
	D_ROW("clock drift margin", "drift_margin_ms", drift_margin_ms, "2 x 200 ppm x F"),
	D_ROW("peers' removal wait", "removal_wait_ms", removal_wait_ms, "F + drift margin"),
	D_ROW("fencing-flag bound", "fence_flag_bound_ms", fence_flag_bound_ms, "W + slack"),
	D_ROW("fencing-flag wait, slot alone", "flag_wait_ms", flag_wait_ms, "flag bound + statefile cycle + P"),
	D_ROW("propose-master wait", "lock_wait_ms", lock_wait_ms, "3 x (t2 + I/O deadline)"),
	D_ROW("heartbeat warning at", "warn_heartbeat_ms", warn_hb_ms, "T1 / 2"),
	D_ROW("statefile warning at", "warn_statefile_ms", warn_sf_ms, "T2 / 2"),
	D_ROW("new pool key sent after", "key_switch_ms", key_switch_ms, "min(2 x T1, 10 min)"),
	D_ROW("old pool key accepted for", "key_grace_ms", key_grace_ms, "2.5 x key switch"),
};

static const struct timing_row bound_rows[] = {
	D_ROW("detection", "detect_ms", detect_ms, "min(T1, T2) + tick"),
	D_ROW("failover, typical crash", "crash_typical_ms", crash_typical_ms, "removal wait + tick / 2"),
	D_ROW("failover, worst case", "failover_bound_ms", failover_bound_ms,
	      "t2 + I/O deadline + removal wait + settle + tick"),
	D_ROW("failover, loser that can write", "failover_typical_ms", failover_typical_ms,
	      "T1 + settle + tick + t2 + flag wait + drift + t2"),
	D_ROW("isolation, worst case", "isolation_bound_ms", isolation_bound_ms,
	      "max(T1 + settle (inconsistent), 2 T1 + settle) + 2 cycles + tick + last words + max(2 cycles + flag wait + drift, removal wait) + tick"),
	D_ROW("hung agent fenced within", "hung_agent_bound_ms", hung_agent_bound_ms, "P + W + slack (<= Wh)"),
	D_ROW("hung statefile, network cut", "hung_storage_bound_ms", hung_storage_bound_ms,
	      "T2 + P + W + slack (<= Ws)"),
	D_ROW("hung statefile, network whole", "hung_storage_decide_ms", hung_storage_decide_ms,
	      "T2 + loss grace + P"),
	D_ROW("agreement after the last fault", "agreement_bound_ms", agreement_bound_ms,
	      "max(failover, isolation) + settle + tick"),
	D_ROW("dom0 stall survived, up to", "host_stall_max_ms", host_stall_max_ms,
	      "min(W - pet interval - recheck, T2 - t2 - tick)"),
	D_ROW("statefile stall survived, up to", "statefile_stall_max_ms", sf_stall_max_ms,
	      "I/O deadline + loss grace + P - t2 - tick"),
};

#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t row_value(const struct hb_timing *t, const struct timing_row *row)
{
	return *(const uint32_t *)((const char *)t + row->offset);
}

static void print_rows(FILE *out, const char *title, const struct hb_timing *t, const struct timing_row *rows, size_t n)
{
	fprintf(out, "%s\n", title);
	for (size_t i = 0; i < n; i++) {
		uint32_t v = row_value(t, &rows[i]);
		fprintf(out, "  %-32s %8" PRIu32 ".%03" PRIu32 " s", rows[i].label, v / 1000u, v % 1000u);
		if (rows[i].formula)
			fprintf(out, "   %s", rows[i].formula);
		fputc('\n', out);
	}
}

struct timeline_event {
	uint32_t at_ms;
	const char *what;
};

static int event_cmp(const void *a, const void *b)
{
	const struct timeline_event *x = a, *y = b;
	return (x->at_ms > y->at_ms) - (x->at_ms < y->at_ms);
}

/* Print events in time order (the formulas decide the order, not the code). */
static void print_timeline(FILE *out, const char *title, struct timeline_event *ev, size_t n)
{
	qsort(ev, n, sizeof ev[0], event_cmp);
	fprintf(out, "\n%s\n", title);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %+9.3f s  %s\n", ev[i].at_ms / 1000.0, ev[i].what);
}

static void print_ms(FILE *out, uint32_t ms)
{
	fprintf(out, "%5" PRIu32 ".%03" PRIu32 " s", ms / 1000u, ms % 1000u);
}

/* The figures an admin asks for first: what each fault costs, and what this
 * configuration rides out. */
static void print_faults(const struct hb_timing *t, FILE *out)
{
	fprintf(out, "\nfailover, from the fault until every survivor's liveset is without the host\n"
	             "                                  typical      worst case\n");
	fprintf(out, "  %-30s", "crash (or hang)");
	print_ms(out, t->crash_typical_ms);
	fputs("    ", out);
	print_ms(out, t->failover_bound_ms);
	fprintf(out, "\n  %-30s", "cable pull (network isolation)");
	print_ms(out, t->failover_typical_ms);
	fputs("    ", out);
	print_ms(out, t->isolation_bound_ms);
	fprintf(out, "\n\nstalls survived (a longer one fences the host, by design, as sbd does)\n");
	fprintf(out, "  %-30s up to %" PRIu32 ".%03" PRIu32 " s", "whole dom0 stalled", t->host_stall_max_ms / 1000u,
	        t->host_stall_max_ms % 1000u);
	fprintf(out, ": W - pet interval - recheck; raise WatchdogTimeout W to ride out longer\n"
	             "  %-30s   (every failover grows by as much)\n", "");
	fprintf(out, "  %-30s up to %" PRIu32 ".%03" PRIu32 " s", "this host's statefile stalled",
	        t->sf_stall_max_ms / 1000u, t->sf_stall_max_ms % 1000u);
	fprintf(out, ": the others' fine, the network whole; raise StateFileTimeout T2\n"
	             "  %-30s   (xapi: the HA timeout) to ride out longer\n", "");
}

static void print_timelines(const struct hb_timing *t, FILE *out)
{
	const struct hb_timing_params *p = &t->p;
	uint32_t decide = p->hb_timeout_ms + t->settle_ms + t->tick_ms;
	uint32_t last_read = p->sf_interval_ms + t->sf_io_timeout_ms;

	struct timeline_event crash[] = {
		{0, "last heartbeat sent, last slot write submitted"},
		{t->detect_ms, "survivors notice the silence (first channel to time out)"},
		{t->hung_agent_bound_ms, "H's watchdog has fired at the latest, if H was only hung"},
		{last_read, "latest a survivor can still read H's last slot write"},
		{last_read + t->removal_wait_ms, "latest a survivor may remove H (last sign of life + F + drift)"},
		{t->failover_bound_ms, "every survivor publishes a liveset without H (failover bound)"},
	};
	print_timeline(out, "worst case: host H crashes (or hangs) at 0", crash, sizeof crash / sizeof crash[0]);

	struct timeline_event isolated[] = {
		{p->hb_timeout_ms, "H and the pool stop hearing each other (T1)"},
		{decide, "H finds itself outside the best partition on settled views: it writes its fencing flag, "
		         "stops feeding its watchdog, pauses guests, reboots"},
		{decide + t->fence_flag_bound_ms, "H's watchdog has fired at the latest (flag + W + slack)"},
		{t->failover_typical_ms, "survivors have read the flag, waited the flag wait and read it again: they drop H"},
		{t->isolation_bound_ms, "latest every survivor drops H (slow statefile, one-way cut, or flag lost)"},
	};
	print_timeline(out, "host H isolated from the network at 0, statefile still working", isolated,
	               sizeof isolated / sizeof isolated[0]);

	struct timeline_event hung[] = {
		{p->sf_timeout_ms, "H's last confirmed write is older than T2 (or an I/O passed its deadline): "
		                   "H has lost statefile access"},
		{t->hung_storage_decide_ms, "H, still heard by the pool, gives up waiting for the others to lose the "
		                            "statefile too and fences itself"},
		{t->hung_storage_bound_ms, "if H's network is cut as well, its watchdog has fired (<= Ws)"},
	};
	print_timeline(out, "H's statefile hangs at 0 while the others still reach it", hung, sizeof hung / sizeof hung[0]);
}

void hb_timing_print(const struct hb_timing *t, FILE *out)
{
	print_rows(out, "configured", t, configured_rows, N_ROWS(configured_rows));
	fprintf(out, "  %-32s %8" PRIu32 "\n", "xapi restart attempts", t->p.xapi_restart_attempts);
	if (t->sf_interval_configured_ms != t->p.sf_interval_ms)
		fprintf(out, "  (StateFileInterval %" PRIu32 ".%03" PRIu32 " s is used as %" PRIu32 ".%03" PRIu32
		        " s: t2 is capped at %u s)\n", t->sf_interval_configured_ms / 1000u, t->sf_interval_configured_ms % 1000u,
		        t->p.sf_interval_ms / 1000u, t->p.sf_interval_ms % 1000u, HB_TIMING_SF_INTERVAL_CAP_MS / 1000u);
	print_rows(out, "\nderived", t, derived_rows, N_ROWS(derived_rows));
	print_rows(out, "\nbounds", t, bound_rows, N_ROWS(bound_rows));
	print_faults(t, out);
	print_timelines(t, out);
	fprintf(out, "\nwarnings\n");
	if (!t->warnings)
		fprintf(out, "  none\n");
	for (unsigned bit = 1; bit & HB_TW_ALL; bit <<= 1) {
		char text[256];
		if (!(t->warnings & bit))
			continue;
		hb_timing_warning_text(t, (enum hb_timing_warning)bit, text, sizeof text);
		fprintf(out, "  %s\n", text);
	}
}

const char *hb_timing_warning_name(enum hb_timing_warning w)
{
	switch (w) {
	case HB_TW_IO_DEADLINE_SHORT: return "statefile_io_deadline_short";
	case HB_TW_BOOT_JOIN_SHORT: return "boot_join_timeout_short";
	case HB_TW_ENABLE_JOIN_SHORT: return "enable_join_timeout_short";
	case HB_TW_ALL: break;
	}
	return "unknown";
}

void hb_timing_warning_text(const struct hb_timing *t, enum hb_timing_warning w, char *buf, size_t len)
{
	const struct hb_timing_params *p = &t->p;
	switch (w) {
	case HB_TW_IO_DEADLINE_SHORT:
		snprintf(buf, len, "statefile I/O deadline %" PRIu32 " ms is short: a multipath path failover must "
		         "complete within it, or this host loses statefile access", t->sf_io_timeout_ms);
		return;
	case HB_TW_BOOT_JOIN_SHORT:
		snprintf(buf, len, "BootJoinTimeout %" PRIu32 " ms < removal wait %" PRIu32 " ms + 2 x settle %" PRIu32
		         " ms: a host that reboots faster than that may fail to join once (xapi retries)",
		         p->boot_join_timeout_ms, t->removal_wait_ms, t->settle_ms);
		return;
	case HB_TW_ENABLE_JOIN_SHORT:
		snprintf(buf, len, "EnableJoinTimeout %" PRIu32 " ms < max(T1, T2) + 2 x settle: enabling HA may time "
		         "out before every host is seen on both channels", p->enable_join_timeout_ms);
		return;
	case HB_TW_ALL: break;
	}
	snprintf(buf, len, "unknown warning");
}

static json_object *rows_to_json(const struct hb_timing *t, const struct timing_row *rows, size_t n)
{
	json_object *obj = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(obj, rows[i].key, json_object_new_int64(row_value(t, &rows[i])));
	return obj;
}

json_object *hb_timing_to_json(const struct hb_timing *t)
{
	json_object *obj = json_object_new_object();
	json_object *configured = rows_to_json(t, configured_rows, N_ROWS(configured_rows));
	json_object_object_add(configured, "xapi_restart_attempts", json_object_new_int64(t->p.xapi_restart_attempts));
	if (t->sf_interval_configured_ms != t->p.sf_interval_ms) /* only when capped */
		json_object_object_add(configured, "statefile_interval_as_configured_ms",
		                       json_object_new_int64(t->sf_interval_configured_ms));
	json_object_object_add(obj, "configured", configured);
	json_object_object_add(obj, "derived", rows_to_json(t, derived_rows, N_ROWS(derived_rows)));
	json_object_object_add(obj, "bounds", rows_to_json(t, bound_rows, N_ROWS(bound_rows)));
	json_object *warnings = json_object_new_array();
	for (unsigned bit = 1; bit & HB_TW_ALL; bit <<= 1)
		if (t->warnings & bit)
			json_object_array_add(warnings, json_object_new_string(hb_timing_warning_name(bit)));
	json_object_object_add(obj, "warnings", warnings);
	return obj;
}
