/*
 * agent_status.c: the documents the control socket answers queries with
 * (docs/control.md): status, liveset (the data of xapi's ha_query_liveset
 * XML), statefile (the latest read, decoded), and the warning names shared
 * with xenstore.
 *
 * Everything here reads the agent and the core; nothing changes them, except
 * that an Online liveset query that asks for it (xapi's ha_query_liveset, as
 * xhad's every query) starts a new latency period.
 * json-c allocates: these run only on a control request, never on the
 * heartbeat or statefile path.
 */
#include "agent.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hb_sf_json.h"
#include "hb_timing_print.h"
#include "hb_version.h"

static void jset(struct json_object *o, const char *k, struct json_object *v) { json_object_object_add(o, k, v); }

static struct json_object *age(hb_mono_ms now, hb_mono_ms at)
{
	return at < 0 ? NULL : json_object_new_int64(now - at);
}

static struct json_object *uuid_list(const struct agent *a, hb_hostmap set)
{
	char u[HB_UUID_STR_LEN];
	struct json_object *arr = json_object_new_array();
	for (unsigned i = 0; i < a->cfg.n_hosts; i++)
		if (set & hb_host_bit(i))
			json_object_array_add(arr, json_object_new_string(hb_uuid_format(&a->uuids[i], u)));
	return arr;
}

/* "warnings" (the names, as in xenstore), "warning_details" (each with its
 * severity and sentence) and "health": the worst severity, critical when
 * this host is not protected, "ok" when nothing is up. */
static void warnings_json(struct json_object *o, const struct agent *a, const struct hb_core_status *s)
{
	char buf[512];
	struct json_object *arr = json_object_new_array(), *details = json_object_new_array();
	int worst = agent_protected(s) ? -1 : AGENT_SEV_CRITICAL;
	agent_warnings(a, s, buf, sizeof buf);
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		const struct agent_warning_info *info = agent_warning_lookup(w);
		enum agent_severity sev = info != NULL ? info->severity : AGENT_SEV_WARNING;
		struct json_object *d = json_object_new_object();
		json_object_array_add(arr, json_object_new_string(w));
		jset(d, "name", json_object_new_string(w));
		jset(d, "severity", json_object_new_string(agent_severity_name(sev)));
		jset(d, "text", json_object_new_string(info != NULL ? info->text : w));
		json_object_array_add(details, d);
		if ((int)sev > worst)
			worst = (int)sev;
	}
	jset(o, "warnings", arr);
	jset(o, "warning_details", details);
	jset(o, "health", json_object_new_string(worst < 0 ? "ok" : agent_severity_name((enum agent_severity)worst)));
}

/* Starting or joining: what the host waits for, for whom, and until when. */
static struct json_object *start_json(const struct agent *a, const struct hb_core_status *s)
{
	if (s->phase != HB_PHASE_STARTING && s->phase != HB_PHASE_JOINING)
		return NULL;
	struct json_object *o = json_object_new_object();
	jset(o, "waiting_for", json_object_new_string(hb_start_wait_name(s->start_wait)));
	jset(o, "text", json_object_new_string(hb_start_wait_text(s->start_wait)));
	jset(o, "hosts", hb_json_hostlist(s->start_waiting));
	jset(o, "gives_up_in_ms", json_object_new_int64(s->start_gives_up_at > a->now ? s->start_gives_up_at - a->now : 0));
	return o;
}

/* ---- status -------------------------------------------------------------- */

/* What host k says of itself in its latest view (heartbeat, else slot). */
static const struct hb_view *latest_view(const struct agent *a, unsigned k)
{
	const struct hb_view *v = hb_core_peer_net_view(a->core, k);
	if (v != NULL)
		return v;
	const struct hb_slot *s = hb_core_peer_slot(a->core, k, NULL);
	return s != NULL && s->boot_id != 0 ? &s->view : NULL;
}

static const char *slot_state(const struct agent *a, unsigned k)
{
	enum hb_core_slot_read st;
	const struct hb_slot *s = hb_core_peer_slot(a->core, k, &st);
	switch (st) {
	case HB_CORE_SLOT_UNREAD: return "unread";
	case HB_CORE_SLOT_IO_ERROR: return "io-error";
	case HB_CORE_SLOT_CORRUPT: return hb_reject_name(hb_core_peer_slot_reject(a->core, k));
	case HB_CORE_SLOT_VALID: return s != NULL && s->boot_id == 0 ? "empty" : "valid";
	}
	return "unknown";
}

static struct json_object *host_json(const struct agent *a, const struct hb_core_status *s, unsigned i)
{
	char u[HB_UUID_STR_LEN];
	bool self = i == a->cfg.local_index;
	struct json_object *h = json_object_new_object();
	jset(h, "index", json_object_new_int((int)i));
	jset(h, "uuid", json_object_new_string(hb_uuid_format(&a->uuids[i], u)));
	jset(h, "local", json_object_new_boolean(self));
	jset(h, "liveness", json_object_new_string((s->liveset & hb_host_bit(i)) ? "live" : "not-live"));
	jset(h, "heard", json_object_new_boolean((s->hb_heard & hb_host_bit(i)) != 0));
	jset(h, "seen", json_object_new_boolean((s->sf_seen & hb_host_bit(i)) != 0));
	jset(h, "address", json_object_new_string(a->cfg.hosts[i].addrs[0].text));
	jset(h, "last_heard_age_ms", self ? NULL : age(a->now, s->last_heard[i]));
	jset(h, "member_boot_id", json_object_new_uint64(s->member_boot_id[i]));
	if (self) {
		jset(h, "phase", json_object_new_string(hb_phase_name(s->phase)));
		jset(h, "sf_access", json_object_new_boolean(s->sf_access));
		jset(h, "excluded", json_object_new_boolean(s->excluded));
		jset(h, "armed", json_object_new_boolean(s->armed));
		jset(h, "weight", json_object_new_int(a->weight));
	} else {
		const struct hb_view *v = latest_view(a, i);
		jset(h, "phase", v ? json_object_new_string(hb_phase_name((enum hb_phase)v->phase)) : NULL);
		jset(h, "sf_access", v ? json_object_new_boolean((v->flags & HB_VF_SF_ACCESS) != 0) : NULL);
		jset(h, "excluded", json_object_new_boolean(v != NULL && (v->flags & HB_VF_EXCLUDED) != 0));
		/* what the host last announced: a disarmed peer is unprotected */
		jset(h, "armed", v ? json_object_new_boolean((v->flags & HB_VF_ARMED) != 0) : NULL);
		jset(h, "weight", v ? json_object_new_int(v->weight) : NULL);
	}
	struct json_object *paths = json_object_new_array();
	for (unsigned p = 0; p < a->cfg.n_paths; p++)
		json_object_array_add(paths, self ? NULL : age(a->now, s->last_heard_path[i][p]));
	jset(h, "heartbeat_age_ms", paths);
	jset(h, "statefile_advance_age_ms", age(a->now, s->last_sf_advance[i]));
	jset(h, "slot", json_object_new_string(slot_state(a, i)));
	const struct hb_slot *slot = hb_core_peer_slot(a->core, i, NULL);
	jset(h, "last_words", hb_json_last_words(slot != NULL ? &slot->last_words : NULL));
	return h;
}

static struct json_object *watchdog_json(const struct agent *a)
{
	struct hb_watchdog_stats w;
	hb_watchdog_get_stats(&a->wd, &w);
	struct json_object *o = json_object_new_object();
	jset(o, "backend", json_object_new_string(w.backend));
	jset(o, "identity", json_object_new_string(w.identity));
	jset(o, "timeout_ms", json_object_new_int64(w.timeout_ms));
	jset(o, "pet_interval_ms", json_object_new_int64(w.pet_interval_ms));
	jset(o, "armed", json_object_new_boolean(w.armed));
	jset(o, "feeding", json_object_new_boolean(w.feeding));
	jset(o, "softdog", json_object_new_boolean(w.softdog));
	jset(o, "last_pet_age_ms", w.last_pet_ms > 0 ? json_object_new_int64(a->now - w.last_pet_ms) : NULL);
	jset(o, "healthy_for_ms", json_object_new_int64(w.healthy_until_ms - a->now));
	jset(o, "pets", json_object_new_uint64(w.pets));
	jset(o, "missed", json_object_new_uint64(w.missed));
	jset(o, "pet_errors", json_object_new_uint64(w.pet_errors));
	return o;
}

static struct json_object *io_json(const struct hb_sfdev_stats *s)
{
	bool any = s->completed && s->lat_min_us != UINT64_MAX;
	struct json_object *o = json_object_new_object();
	jset(o, "submitted", json_object_new_uint64(s->submitted));
	jset(o, "completed", json_object_new_uint64(s->completed));
	jset(o, "errors", json_object_new_uint64(s->errors));
	jset(o, "short", json_object_new_uint64(s->short_ios));
	jset(o, "overdue", json_object_new_uint64(s->overdue));
	jset(o, "late", json_object_new_uint64(s->late));
	jset(o, "latency_min_us", any ? json_object_new_uint64(s->lat_min_us) : NULL);
	jset(o, "latency_max_us", any ? json_object_new_uint64(s->lat_max_us) : NULL);
	jset(o, "latency_last_us", s->completed ? json_object_new_uint64(s->lat_last_us) : NULL);
	return o;
}

static struct json_object *statefile_json(const struct agent *a)
{
	const struct hb_sfdev *d = &a->sf.dev;
	struct json_object *o = json_object_new_object();
	jset(o, "path", json_object_new_string(a->cfg.statefile));
	jset(o, "kind", json_object_new_string(hb_sfdev_kind_name(d->kind)));
	jset(o, "logical_sector_size", json_object_new_int((int)d->logical_sector));
	jset(o, "io_deadline_ms", json_object_new_int64(a->sf.io_timeout_ms));
	jset(o, "read", io_json(&d->rd_stats));
	jset(o, "write", io_json(&d->wr_stats));
	jset(o, "last_read_age_ms", age(a->now, a->sf.last_read_at));
	jset(o, "dropped_queued_writes", json_object_new_uint64(a->sf.dropped_queued));
	jset(o, "submit_errors", json_object_new_uint64(a->sf.submit_errors));
	return o;
}

static struct json_object *gap(hb_mono_ms v) { return v < 0 ? NULL : json_object_new_int64(v); }

static struct json_object *heartbeat_json(const struct hb_core_status *s)
{
	struct json_object *o = json_object_new_object();
	jset(o, "interval_min_ms", gap(s->hb_gap_min));
	jset(o, "interval_max_ms", gap(s->hb_gap_max));
	jset(o, "interval_last_ms", gap(s->hb_gap_last));
	return o;
}

static struct json_object *counts_json(const uint64_t *v, unsigned n, const char *(*name)(unsigned))
{
	struct json_object *o = json_object_new_object();
	for (unsigned r = 1; r < n; r++)
		if (v[r] != 0)
			jset(o, name(r), json_object_new_uint64(v[r]));
	return o;
}

static const char *reject_name(unsigned r) { return hb_reject_name((enum hb_reject)r); }

static struct json_object *dropped_json(const struct agent *a, const struct hb_core_status *s)
{
	struct json_object *o = json_object_new_object();
	jset(o, "core", counts_json(s->dropped, HB_REJECT_COUNT, reject_name));
	struct json_object *paths = json_object_new_array();
	const struct hb_net_counters *nc = hb_net_counters(&a->net);
	for (unsigned p = 0; p < a->cfg.n_paths; p++) {
		const struct hb_net_path_counters *c = &nc->path[p];
		struct json_object *po = json_object_new_object();
		jset(po, "path", json_object_new_int((int)p));
		jset(po, "sent", json_object_new_uint64(c->sent));
		jset(po, "send_errors", json_object_new_uint64(c->send_errors));
		jset(po, "received", json_object_new_uint64(c->received));
		jset(po, "delivered", json_object_new_uint64(c->delivered));
		jset(po, "dropped", counts_json(c->dropped, HB_NET_DROP_COUNT, hb_net_drop_name));
		json_object_array_add(paths, po);
	}
	jset(o, "net", paths);
	jset(o, "log_lines", json_object_new_uint64(agent_log_dropped()));
	return o;
}

static struct json_object *timing_json(const struct hb_timing *t)
{
	struct json_object *o = json_object_new_object();
	jset(o, "fence_bound_ms", json_object_new_int64(t->fence_bound_ms));
	jset(o, "removal_wait_ms", json_object_new_int64(t->removal_wait_ms));
	jset(o, "detect_ms", json_object_new_int64(t->detect_ms));
	jset(o, "failover_bound_ms", json_object_new_int64(t->failover_bound_ms));
	jset(o, "isolation_bound_ms", json_object_new_int64(t->isolation_bound_ms));
	jset(o, "lock_wait_ms", json_object_new_int64(t->lock_wait_ms));
	jset(o, "settle_ms", json_object_new_int64(t->settle_ms));
	return o;
}

static struct json_object *timeouts_json(const struct hb_timing *t)
{
	const struct hb_timing_params *p = &t->p;
	struct json_object *o = json_object_new_object();
	jset(o, "T1", json_object_new_int64(p->hb_timeout_ms));
	jset(o, "T2", json_object_new_int64(p->sf_timeout_ms));
	jset(o, "T3", json_object_new_int64(p->xapi_hc_timeout_ms));
	jset(o, "Wh", json_object_new_int64(p->hb_wd_timeout_ms));
	jset(o, "Ws", json_object_new_int64(p->sf_wd_timeout_ms));
	jset(o, "W", json_object_new_int64(p->watchdog_timeout_ms));
	jset(o, "tboot", json_object_new_int64(p->boot_join_timeout_ms));
	jset(o, "tenable", json_object_new_int64(p->enable_join_timeout_ms));
	return o;
}

static struct json_object *control_json(const struct agent_ctl *c)
{
	struct json_object *o = json_object_new_object();
	jset(o, "accepted", json_object_new_uint64(c->accepted));
	jset(o, "refused", json_object_new_uint64(c->refused));
	jset(o, "requests", json_object_new_uint64(c->requests));
	jset(o, "bad_requests", json_object_new_uint64(c->bad_requests));
	jset(o, "oversize", json_object_new_uint64(c->oversize));
	jset(o, "idle_closed", json_object_new_uint64(c->idle_closed));
	jset(o, "stalled_closed", json_object_new_uint64(c->stalled_closed));
	jset(o, "denied", json_object_new_uint64(c->denied));
	jset(o, "streamed", json_object_new_uint64(c->streamed));
	jset(o, "largest_reply", json_object_new_uint64(c->largest_reply));
	return o;
}

static struct json_object *agent_json(const struct agent *a)
{
	struct json_object *o = json_object_new_object();
	jset(o, "version", json_object_new_string(HB_VERSION));
	jset(o, "pid", json_object_new_int((int)getpid()));
	jset(o, "host_index", json_object_new_int((int)a->cfg.local_index));
	jset(o, "host_uuid", json_object_new_string(a->self_uuid));
	jset(o, "boot_id", json_object_new_uint64(a->boot_id));
	jset(o, "xenstore", json_object_new_boolean(agent_xs_connected()));
	jset(o, "steps", json_object_new_uint64(a->steps));
	jset(o, "max_step_late_ms", json_object_new_int64(a->max_late_ms));
	jset(o, "stalls", json_object_new_uint64(a->stalls));
	return o;
}

struct json_object *agent_status_json(struct agent *a)
{
	struct hb_core_status *s = &a->st;
	hb_core_status(a->core, a->now, s);
	unsigned n = a->cfg.n_hosts;
	struct json_object *o = json_object_new_object();
	jset(o, "phase", json_object_new_string(hb_phase_name(s->phase)));
	char why[160];
	const char *reason = agent_unprotected_reason(s, why, sizeof why);
	jset(o, "protected", json_object_new_boolean(agent_protected(s)));
	jset(o, "protected_reason", reason != NULL ? json_object_new_string(reason) : NULL);
	jset(o, "start", start_json(a, s));
	jset(o, "liveset", hb_json_hostlist(s->liveset));
	jset(o, "master", s->master >= 0 ? json_object_new_int(s->master) : NULL);
	jset(o, "i_am_master", json_object_new_boolean(s->i_am_master));
	jset(o, "armed", json_object_new_boolean(s->armed));
	jset(o, "sf_access", json_object_new_boolean(s->sf_access));
	jset(o, "rule2", json_object_new_boolean(s->rule2));
	jset(o, "excluded", json_object_new_boolean(s->excluded));
	jset(o, "pool_state", json_object_new_string(hb_pool_state_name(s->pool_state)));
	jset(o, "epoch", json_object_new_uint64(s->epoch));
	warnings_json(o, a, s);
	jset(o, "peers_disarmed", hb_json_hostlist(s->phase == HB_PHASE_ONLINE ? agent_peers_disarmed(a, s) : 0));
	jset(o, "timing_mismatch", hb_json_hostlist(s->timing_mismatch));
	struct json_object *hosts = json_object_new_array();
	for (unsigned i = 0; i < n; i++)
		json_object_array_add(hosts, host_json(a, s, i));
	jset(o, "hosts", hosts);
	jset(o, "watchdog", watchdog_json(a));
	jset(o, "statefile", statefile_json(a));
	jset(o, "heartbeat", heartbeat_json(s));
	jset(o, "timing", timing_json(&a->timing));
	jset(o, "timeouts", timeouts_json(&a->timing));
	jset(o, "dropped", dropped_json(a, s));
	jset(o, "pool_key", agent_key_json(a));
	jset(o, "control", control_json(&a->ctl));
	jset(o, "previous_last_words", hb_json_last_words(&a->prev_words));
	jset(o, "xapi", agent_xw_json(a));
	jset(o, "agent", agent_json(a));
	return o;
}

/* ---- liveset (xapi's ha_query_liveset) ----------------------------------- */

static struct json_object *ms_or_na(bool have, int64_t v) { return json_object_new_int64(have ? v : -1); }

/* Latency in ms from microseconds, -1 when none. */
static struct json_object *lat_ms(bool have, uint64_t us) { return json_object_new_int64(have ? (int64_t)(us / 1000u) : -1); }

static struct json_object *raw_host_json(const struct agent *a, const struct hb_core_status *s, unsigned k)
{
	char u[HB_UUID_STR_LEN];
	bool self = k == a->cfg.local_index;
	hb_hostmap me = hb_host_bit(k);
	struct json_object *h = json_object_new_object();
	jset(h, "HostID", json_object_new_string(hb_uuid_format(&a->uuids[k], u)));
	jset(h, "HostIndex", json_object_new_int((int)k));
	if (self)
		jset(h, "time_since_last_update_on_statefile", ms_or_na(a->sf.last_read_at >= 0 && s->sf_access, a->now - a->sf.last_read_at));
	else
		jset(h, "time_since_last_update_on_statefile", ms_or_na(s->last_sf_advance[k] >= 0, a->now - s->last_sf_advance[k]));
	jset(h, "time_since_last_heartbeat", ms_or_na(!self && s->last_heard[k] >= 0, a->now - s->last_heard[k]));
	/* xapi supervision is local: peers' values do not travel (-1, "") */
	jset(h, "time_since_xapi_restart_first_attempted", json_object_new_int64(self ? agent_xw_since_restart(a) : -1));
	jset(h, "xapi_error_string", json_object_new_string(self ? a->xw.error : ""));
	hb_hostmap hb_on_hb = 0, hb_on_sf = 0, sf_on_hb = 0, sf_on_sf = 0;
	if (self) {
		hb_on_hb = hb_on_sf = s->hb_heard | me;
		sf_on_hb = sf_on_sf = s->sf_seen;
	} else {
		const struct hb_view *v = hb_core_peer_net_view(a->core, k);
		const struct hb_slot *sl = hb_core_peer_slot(a->core, k, NULL);
		if (v != NULL)
			hb_on_hb = v->hb_heard | me, sf_on_hb = v->sf_seen;
		if (sl != NULL && sl->boot_id != 0)
			hb_on_sf = sl->view.hb_heard | me, sf_on_sf = sl->view.sf_seen;
	}
	jset(h, "heartbeat_active_list_on_heartbeat", uuid_list(a, hb_on_hb));
	jset(h, "heartbeat_active_list_on_statefile", uuid_list(a, hb_on_sf));
	jset(h, "statefile_active_list_on_heartbeat", uuid_list(a, sf_on_hb));
	jset(h, "statefile_active_list_on_statefile", uuid_list(a, sf_on_sf));
	return h;
}

static bool host_sf_access(const struct agent *a, const struct hb_core_status *s, unsigned k)
{
	if (!(s->liveset & hb_host_bit(k)))
		return false;
	if (!s->rule2)
		return true;
	if (k == a->cfg.local_index)
		return s->sf_access;
	const struct hb_view *v = latest_view(a, k);
	return v != NULL && (v->flags & HB_VF_SF_ACCESS) != 0;
}

struct json_object *agent_liveset_json(struct agent *a, bool reset_latency)
{
	char u[HB_UUID_STR_LEN];
	struct hb_core_status *s = &a->st;
	hb_core_status(a->core, a->now, s);
	unsigned n = a->cfg.n_hosts;
	bool online = s->phase == HB_PHASE_ONLINE;
	struct json_object *o = json_object_new_object();
	jset(o, "status", json_object_new_string(online ? "Online" : "Starting"));
	struct json_object *local = json_object_new_object();
	jset(local, "HostID", json_object_new_string(a->self_uuid));
	jset(local, "HostIndex", json_object_new_int((int)a->cfg.local_index));
	jset(o, "localhost", local);
	if (!online)
		return o;

	struct json_object *hosts = json_object_new_array();
	for (unsigned k = 0; k < n; k++) {
		enum hb_core_slot_read st;
		bool self = k == a->cfg.local_index;
		(void)hb_core_peer_slot(a->core, k, &st);
		const struct hb_view *v = self ? NULL : latest_view(a, k);
		struct json_object *h = json_object_new_object();
		jset(h, "HostID", json_object_new_string(hb_uuid_format(&a->uuids[k], u)));
		jset(h, "HostIndex", json_object_new_int((int)k));
		jset(h, "liveness", json_object_new_boolean((s->liveset & hb_host_bit(k)) != 0));
		jset(h, "master", json_object_new_boolean(s->master == (int)k));
		jset(h, "statefile_access", json_object_new_boolean(host_sf_access(a, s, k)));
		jset(h, "statefile_corrupted", json_object_new_boolean(st == HB_CORE_SLOT_CORRUPT));
		jset(h, "excluded", json_object_new_boolean(self ? s->excluded : (v != NULL && (v->flags & HB_VF_EXCLUDED))));
		json_object_array_add(hosts, h);
	}
	jset(o, "hosts", hosts);

	const struct hb_sfdev_stats *rd = &a->sf.dev.rd_stats;
	bool have_sf = rd->completed > 0 && rd->lat_min_us != UINT64_MAX;
	struct json_object *raw = json_object_new_object();
	jset(raw, "statefile_latency", lat_ms(rd->completed > 0, rd->lat_last_us));
	jset(raw, "statefile_latency_max", lat_ms(have_sf, rd->lat_max_us));
	jset(raw, "statefile_latency_min", lat_ms(have_sf, rd->lat_min_us));
	jset(raw, "heartbeat_latency", ms_or_na(s->hb_gap_last >= 0, s->hb_gap_last));
	jset(raw, "heartbeat_latency_max", ms_or_na(s->hb_gap_max >= 0, s->hb_gap_max));
	jset(raw, "heartbeat_latency_min", ms_or_na(s->hb_gap_min >= 0, s->hb_gap_min));
	jset(raw, "Xapi_healthcheck_latency", json_object_new_int64(a->xw.latency));
	jset(raw, "Xapi_healthcheck_latency_max", json_object_new_int64(a->xw.latency_max));
	jset(raw, "Xapi_healthcheck_latency_min", json_object_new_int64(a->xw.latency_min));
	struct json_object *rawh = json_object_new_array();
	for (unsigned k = 0; k < n; k++)
		json_object_array_add(rawh, raw_host_json(a, s, k));
	jset(raw, "host_raw_data", rawh);
	jset(o, "raw", raw);

	const struct hb_timing_params *p = &a->timing.p;
	struct json_object *t = json_object_new_object();
	jset(t, "T1", json_object_new_int64(p->hb_timeout_ms));
	jset(t, "T2", json_object_new_int64(p->sf_timeout_ms));
	jset(t, "T3", json_object_new_int64(p->xapi_hc_timeout_ms));
	jset(t, "Wh", json_object_new_int64(p->hb_wd_timeout_ms));
	jset(t, "Ws", json_object_new_int64(p->sf_wd_timeout_ms));
	jset(o, "timeout", t);

	struct json_object *w = json_object_new_object();
	jset(w, "statefile_lost", json_object_new_boolean(s->rule2));
	jset(w, "heartbeat_approaching_timeout", json_object_new_boolean(agent_warn_hb_approaching(a, s) ||
	                                                                  s->hb_gap_max > (hb_mono_ms)a->timing.warn_hb_ms));
	jset(w, "statefile_approaching_timeout", json_object_new_boolean(agent_warn_sf_approaching(a, s)));
	jset(w, "Xapi_healthcheck_approaching_timeout", json_object_new_boolean(agent_xw_approaching(a)));
	jset(w, "network_bonding_error", json_object_new_boolean(false));
	jset(o, "warning", w);

	/* asked (ha_query_liveset, as xhad on every query): a new latency period */
	if (reset_latency) {
		hb_core_reset_latency(a->core);
		hb_sfdev_reset_latency(&a->sf.dev);
		agent_xw_reset_latency(a);
	}
	return o;
}

/* ---- statefile (the agent's latest read) --------------------------------- */

/* {path, read_age_ms, config, global, slots}: global and each slot as
 * `hbctl statefile dump --json` prints them (hb_sf_json), each slot with
 * the hosts its writer heard and saw advancing. */
struct json_object *agent_statefile_json(struct agent *a)
{
	const struct hb_sf_read *r = agent_sf_last_read(a);
	struct json_object *o = json_object_new_object();
	jset(o, "path", json_object_new_string(a->cfg.statefile));
	jset(o, "read_age_ms", age(a->now, a->sf.last_read_at));
	jset(o, "config", hb_json_sf_config(&a->cfg.generation, a->cfg.n_hosts, a->cfg.local_index));
	if (r == NULL) {
		jset(o, "global", NULL);
		jset(o, "slots", json_object_new_array());
		return o;
	}
	struct hb_sf_json_block b = {.io_error = r->global_err != 0 ? strerror(-r->global_err) : NULL, .reject = r->global_reject};
	jset(o, "global", hb_json_sf_global(&b, &r->global, &a->cfg.generation, a->cfg.n_hosts));
	struct json_object *slots = json_object_new_array();
	for (unsigned k = 0; k < a->cfg.n_hosts; k++) {
		const struct hb_slot *s = &r->slots[k];
		b = (struct hb_sf_json_block){.io_error = r->slot_err[k] != 0 ? strerror(-r->slot_err[k]) : NULL, .reject = r->slot_reject[k]};
		struct json_object *so = hb_json_sf_slot(k, &a->uuids[k], k == a->cfg.local_index, &b, s);
		if (b.io_error == NULL && b.reject == HB_REJECT_NONE) {
			jset(so, "heard", hb_json_hostlist(s->view.hb_heard));
			jset(so, "seen", hb_json_hostlist(s->view.sf_seen));
		}
		json_object_array_add(slots, so);
	}
	jset(o, "slots", slots);
	return o;
}

struct json_object *agent_timeouts_json(const struct agent *a) { return hb_timing_to_json(&a->timing); }
