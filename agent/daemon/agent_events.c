/*
 * agent_events.c: hbagent's event history (docs/control.md, "events").
 *
 * Owns the ring of the latest AGENT_EVENTS_MAX membership events (fixed, in
 * struct agent: adding one never allocates), their sequence numbers, the
 * detection of events by comparing the core's previous and current status
 * (and the warnings) once per step, the reason a host left the liveset (also
 * used by the log line), and the event documents sent to the events query
 * and, one line each, to the follow clients (agent_ctl.c sends them and drops
 * a client that cannot keep up).
 */
#include "agent.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[AGENT_EV_KIND_COUNT] = {
	[AGENT_EV_STARTED] = "started",
	[AGENT_EV_PHASE] = "phase",
	[AGENT_EV_JOINED] = "joined",
	[AGENT_EV_LEFT] = "left",
	[AGENT_EV_FENCING] = "fencing",
	[AGENT_EV_MASTER_GRANTED] = "master-granted",
	[AGENT_EV_MASTER_RELEASED] = "master-released",
	[AGENT_EV_ARMED] = "armed",
	[AGENT_EV_DISARMED] = "disarmed",
	[AGENT_EV_SF_ACCESS_LOST] = "statefile-access-lost",
	[AGENT_EV_SF_ACCESS_REGAINED] = "statefile-access-regained",
	[AGENT_EV_WARNING_RAISED] = "warning-raised",
	[AGENT_EV_WARNING_CLEARED] = "warning-cleared",
};

const char *agent_event_kind_name(enum agent_event_kind kind)
{
	return kind < AGENT_EV_KIND_COUNT ? kind_names[kind] : "?";
}

static uint64_t first_seq(const struct agent_events *ev)
{
	return ev->next_seq == 0 ? 1u : ev->next_seq;
}

static struct agent_event *record(struct agent *a, enum agent_event_kind kind, int host, const char *what,
                                  const char *reason)
{
	struct agent_events *ev = &a->ev;
	if (ev->next_seq == 0)
		ev->next_seq = 1;
	uint64_t seq = ev->next_seq++;
	struct agent_event *e = &ev->ring[(seq - 1u) % AGENT_EVENTS_MAX];
	*e = (struct agent_event){.seq = seq, .mono_ms = a->now, .realtime_ms = hb_clock_realtime_ms(), .kind = kind,
	                          .host = host, .last_heard_ms = -1, .last_seen_ms = -1};
	snprintf(e->what, sizeof e->what, "%s", what != NULL ? what : "");
	snprintf(e->reason, sizeof e->reason, "%s", reason != NULL ? reason : "");
	if (ev->count < AGENT_EVENTS_MAX)
		ev->count++;
	return e;
}


/* Send e to the follow clients (after its fields are complete). */
static void publish(struct agent *a, const struct agent_event *e)
{
	if (agent_ctl_followers(a) == 0)
		return; /* the common case: no JSON is built */
	struct json_object *o = agent_event_json(a, e);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL)
		agent_ctl_broadcast(a, text, strlen(text));
	json_object_put(o);
}

const struct agent_event *agent_events_add(struct agent *a, enum agent_event_kind kind, int host, const char *what,
                                           const char *reason)
{
	struct agent_event *e = record(a, kind, host, what, reason);
	publish(a, e);
	return e;
}

static void add(struct agent *a, enum agent_event_kind kind, int host, const char *what, const char *reason)
{
	publish(a, agent_events_add(a, kind, host, what, reason));
}

/* ---- why a host left ----------------------------------------------------- */

static double secs(hb_mono_ms now, hb_mono_ms at) { return at < 0 ? -1.0 : (double)(now - at) / 1000.0; }

void agent_events_left_reason(const struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n,
                              unsigned k, char *buf, size_t len)
{
	if (k == a->cfg.local_index) {
		snprintf(buf, len, "this host left the liveset (phase %s)", hb_phase_name(n->phase));
		return;
	}
	const struct hb_view *v = hb_core_peer_net_view(a->core, k);
	const struct hb_slot *s = hb_core_peer_slot(a->core, k, NULL);
	uint64_t boot = o->member_boot_id[k];
	unsigned vflags = (v != NULL ? v->flags : 0u) | (s != NULL && s->boot_id != 0 ? s->view.flags : 0u);
	bool vstopped = (v != NULL && v->phase == HB_PHASE_STOPPED) ||
	                (s != NULL && s->boot_id != 0 && s->view.phase == HB_PHASE_STOPPED && s->boot_id == boot);
	if (s != NULL && s->last_words.reason != HB_FENCE_NONE && boot != 0 && s->last_words.boot_id == boot) {
		snprintf(buf, len, "fenced itself (%s)%s%.100s", hb_fence_reason_name((enum hb_fence_reason)s->last_words.reason),
		         s->last_words.text[0] != '\0' ? ": " : "", s->last_words.text);
		return;
	}
	if (vflags & HB_VF_FENCING) {
		snprintf(buf, len, "fenced itself (its fencing flag was seen)");
		return;
	}
	if ((vflags & HB_VF_EXCLUDED) || vstopped) {
		snprintf(buf, len, "left cleanly (stopped or excluded)");
		return;
	}
	if (s != NULL && boot != 0 && s->boot_id > boot) {
		snprintf(buf, len, "restarted (a new incarnation in its slot)");
		return;
	}
	bool heard = (n->hb_heard & hb_host_bit(k)) != 0, seen = (n->sf_seen & hb_host_bit(k)) != 0;
	double h = secs(a->now, n->last_heard[k]), f = secs(a->now, n->last_sf_advance[k]);
	if (!heard && !seen)
		snprintf(buf, len, "heartbeat silent for %.1f s and slot not advancing for %.1f s: crashed, hung or cut off", h, f);
	else if (!heard)
		snprintf(buf, len, "heartbeat silent for %.1f s while its slot still advances: network cut", h);
	else if (!seen)
		snprintf(buf, len, "slot not advancing for %.1f s while its heartbeats arrive: its statefile lost or hung", f);
	else
		snprintf(buf, len, "dropped by the pool's agreement (still heard and seen)");
}

/* ---- diffing ------------------------------------------------------------- */

/* Is name one of the comma-separated list's items? */
static bool listed(const char *list, const char *name, size_t nlen)
{
	for (const char *p = list; *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t l = end != NULL ? (size_t)(end - p) : strlen(p);
		if (l == nlen && memcmp(p, name, nlen) == 0)
			return true;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

/* Every item of from not in to: kind (raised or cleared). */
static void warn_diff(struct agent *a, const char *from, const char *to, enum agent_event_kind kind)
{
	char name[48];
	for (const char *p = from; *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t l = end != NULL ? (size_t)(end - p) : strlen(p);
		if (l > 0 && !listed(to, p, l)) {
			snprintf(name, sizeof name, "%.*s", (int)(l < sizeof name ? l : sizeof name - 1u), p);
			add(a, kind, (int)a->cfg.local_index, name,
			    kind == AGENT_EV_WARNING_RAISED ? "warning raised" : "warning cleared");
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
}

static void warnings(struct agent *a, const struct hb_core_status *n)
{
	char now[sizeof a->ev.warnings];
	agent_warnings(a, n, now, sizeof now);
	if (strcmp(now, a->ev.warnings) == 0)
		return;
	warn_diff(a, a->ev.warnings, now, AGENT_EV_WARNING_CLEARED);
	warn_diff(a, now, a->ev.warnings, AGENT_EV_WARNING_RAISED);
	memcpy(a->ev.warnings, now, sizeof now);
}

static void liveset(struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n)
{
	char reason[AGENT_EVENT_REASON_MAX];
	for (unsigned k = 0; k < a->cfg.n_hosts; k++) {
		hb_hostmap bit = hb_host_bit(k);
		if ((n->liveset & bit) && !(o->liveset & bit)) {
			snprintf(reason, sizeof reason, "joined the liveset (epoch %" PRIu64 ")%s", n->epoch,
			         k == a->cfg.local_index ? ": this host" : "");
			add(a, AGENT_EV_JOINED, (int)k, NULL, reason);
		} else if (!(n->liveset & bit) && (o->liveset & bit)) {
			agent_events_left_reason(a, o, n, k, reason, sizeof reason);
			struct agent_event *e = record(a, AGENT_EV_LEFT, (int)k, NULL, reason);
			e->last_heard_ms = n->last_heard[k];
			e->last_seen_ms = n->last_sf_advance[k];
			publish(a, e);
		}
	}
}

static void master(struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n)
{
	char reason[AGENT_EVENT_REASON_MAX];
	if (n->master == o->master)
		return;
	if (o->master >= 0) {
		bool gone = !(n->liveset & hb_host_bit((unsigned)o->master));
		snprintf(reason, sizeof reason, "host %d no longer holds the master lock%s", o->master,
		         gone ? ": it left the liveset" : "");
		add(a, AGENT_EV_MASTER_RELEASED, o->master, NULL, reason);
	}
	if (n->master >= 0) {
		snprintf(reason, sizeof reason, "host %d holds the master lock%s", n->master,
		         (unsigned)n->master == a->cfg.local_index ? ": this host" : "");
		add(a, AGENT_EV_MASTER_GRANTED, n->master, NULL, reason);
	}
}

void agent_events_diff(struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n)
{
	int self = (int)a->cfg.local_index;
	char reason[AGENT_EVENT_REASON_MAX];
	if (!a->ev.started) {
		a->ev.started = true;
		snprintf(reason, sizeof reason, "hbagent started (phase %s)", hb_phase_name(n->phase));
		add(a, AGENT_EV_STARTED, self, hb_phase_name(n->phase), reason);
		warnings(a, n);
		return;
	}
	if (o->phase != n->phase) {
		snprintf(reason, sizeof reason, "phase %s -> %s", hb_phase_name(o->phase), hb_phase_name(n->phase));
		add(a, AGENT_EV_PHASE, self, hb_phase_name(n->phase), reason);
		if (n->phase == HB_PHASE_FENCING) {
			const struct hb_last_words *w = &a->sf.words;
			bool text = w->reason == a->out.fence_reason && w->boot_id == a->boot_id && w->text[0] != '\0';
			snprintf(reason, sizeof reason, "this host fences itself (%s)%s%.100s",
			         hb_fence_reason_name(a->out.fence_reason), text ? ": " : "", text ? w->text : "");
			add(a, AGENT_EV_FENCING, self, hb_fence_reason_name(a->out.fence_reason), reason);
		}
	}
	if (o->liveset != n->liveset)
		liveset(a, o, n);
	master(a, o, n);
	if (o->armed != n->armed && (n->phase == HB_PHASE_ONLINE || o->phase == HB_PHASE_ONLINE))
		add(a, n->armed ? AGENT_EV_ARMED : AGENT_EV_DISARMED, self, NULL,
		    n->armed ? "fencing armed" : "fencing disarmed: this host is not protected");
	if (o->sf_access != n->sf_access)
		add(a, n->sf_access ? AGENT_EV_SF_ACCESS_REGAINED : AGENT_EV_SF_ACCESS_LOST, self, NULL,
		    n->sf_access ? "statefile access confirmed" : "statefile access lost");
	warnings(a, n);
}

/* ---- documents ----------------------------------------------------------- */

static void jset(struct json_object *o, const char *k, struct json_object *v) { json_object_object_add(o, k, v); }

struct json_object *agent_event_json(const struct agent *a, const struct agent_event *e)
{
	char iso[HB_CLOCK_ISO_MAX], u[HB_UUID_STR_LEN];
	struct json_object *o = json_object_new_object();
	jset(o, "seq", json_object_new_uint64(e->seq));
	jset(o, "time", json_object_new_string(hb_clock_format_iso(e->realtime_ms, iso, sizeof iso)));
	jset(o, "realtime_ms", json_object_new_int64(e->realtime_ms));
	jset(o, "mono_ms", json_object_new_int64(e->mono_ms));
	jset(o, "event", json_object_new_string(agent_event_kind_name(e->kind)));
	bool host = e->host >= 0 && (unsigned)e->host < a->cfg.n_hosts;
	jset(o, "host", host ? json_object_new_int(e->host) : NULL);
	jset(o, "uuid", host ? json_object_new_string(hb_uuid_format(&a->uuids[e->host], u)) : NULL);
	jset(o, "local", json_object_new_boolean(host && (unsigned)e->host == a->cfg.local_index));
	if (e->what[0] != '\0')
		jset(o, "what", json_object_new_string(e->what));
	jset(o, "reason", json_object_new_string(e->reason));
	if (e->kind == AGENT_EV_LEFT) {
		/* the best estimate of the fault: when the host was last heard */
		bool heard = e->last_heard_ms >= 0;
		jset(o, "last_heard_mono_ms", heard ? json_object_new_int64(e->last_heard_ms) : NULL);
		jset(o, "last_heard_realtime_ms",
		     heard ? json_object_new_int64(e->realtime_ms - (e->mono_ms - e->last_heard_ms)) : NULL);
		jset(o, "last_seen_mono_ms", e->last_seen_ms >= 0 ? json_object_new_int64(e->last_seen_ms) : NULL);
	}
	return o;
}

struct json_object *agent_events_json(const struct agent *a, uint64_t since, unsigned max)
{
	const struct agent_events *ev = &a->ev;
	uint64_t next = first_seq(ev), oldest = next - ev->count;
	struct json_object *arr = json_object_new_array();
	uint64_t from = since >= next ? next : since + 1u > oldest ? since + 1u : oldest;
	if (next - from > max)
		from = next - max;
	/* events after since not in this answer: overwritten, or beyond max */
	uint64_t missed = since < next && since + 1u < from ? from - since - 1u : 0u;
	for (uint64_t s = from; s < next; s++)
		json_object_array_add(arr, agent_event_json(a, &ev->ring[(s - 1u) % AGENT_EVENTS_MAX]));
	struct json_object *o = json_object_new_object();
	jset(o, "events", arr);
	jset(o, "next_seq", json_object_new_uint64(next));
	jset(o, "oldest_seq", json_object_new_uint64(oldest));
	jset(o, "capacity", json_object_new_int((int)AGENT_EVENTS_MAX));
	jset(o, "missed", json_object_new_uint64(missed));
	jset(o, "mono_ms", json_object_new_int64(a->now));
	jset(o, "realtime_ms", json_object_new_int64(hb_clock_realtime_ms()));
	jset(o, "followers", json_object_new_int((int)agent_ctl_followers(a)));
	jset(o, "followers_dropped", json_object_new_uint64(ev->followers_dropped));
	return o;
}
