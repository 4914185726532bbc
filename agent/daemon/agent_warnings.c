/*
 * agent_warnings.c: what is wrong on this host, in words an admin can act
 * on (docs/control.md, "Warnings"; docs/operations.md, "Severities").
 *
 * Owns the list of warning names, each with its severity (info, warning,
 * critical) and one sentence, which of them are up now, whether this host
 * is protected and, when it is not, why. The names are a stable interface
 * (xenstore, the status document, hbctl check and metrics); the severity is
 * the one place the docs, `hbctl status`'s exit and `hbctl check` read.
 * Reads the agent and the core status; changes nothing.
 */
#include "agent.h"

#include "hb_timing_print.h"

#include <stdio.h>
#include <string.h>

/* A warning stays up this long after a scheduling stall or a clock jump. */
#define STATUS_EVENT_WARN_MS 60000

static const struct agent_warning_info warning_table[] = {
	{"statefile_io_deadline_short", AGENT_SEV_INFO,
	 "the statefile I/O deadline is shorter than a multipath failover may take (expected at xapi's T = 30)"},
	{"boot_join_timeout_short", AGENT_SEV_INFO, "a quick reboot may fail to rejoin once (BootJoinTimeout is short)"},
	{"enable_join_timeout_short", AGENT_SEV_INFO,
	 "enabling HA may time out before every host is seen (EnableJoinTimeout is short)"},
	{"fencing_disarmed", AGENT_SEV_CRITICAL, "fencing is disarmed on this host: it is not protected (hbctl arm)"},
	{"statefile_lost", AGENT_SEV_CRITICAL,
	 "every host lost the statefile: the pool runs on survival rule 2 and a network split fences hosts"},
	{"statefile_access_lost", AGENT_SEV_CRITICAL, "this host cannot read or write the statefile"},
	{"heartbeat_approaching_timeout", AGENT_SEV_WARNING, "a live peer has been silent for more than half of T1"},
	{"statefile_approaching_timeout", AGENT_SEV_WARNING, "a statefile I/O took more than half of T2"},
	{"xapi_healthcheck_approaching_timeout", AGENT_SEV_WARNING, "xapi's health check is taking more than half of T3"},
	{"xapi_unhealthy", AGENT_SEV_WARNING, "xapi's health check failed; the agent restarts xapi"},
	{"softdog", AGENT_SEV_WARNING, "the watchdog is the kernel's softdog: a hung kernel is not reset"},
	{"scheduling_stall", AGENT_SEV_WARNING, "the agent was not scheduled on time in the last minute"},
	{"clock_jump", AGENT_SEV_INFO, "the wall clock jumped in the last minute (timing uses the monotonic clock)"},
	{"pool_key_from_generation", AGENT_SEV_INFO, "the pool key is derived from the generation UUID (no pool secret)"},
	{"pool_key_rotation", AGENT_SEV_INFO, "a pool key rotation is under way"},
	{"peer_disarmed", AGENT_SEV_WARNING, "a live peer announces fencing disarmed: that host is not protected"},
	{"timing_mismatch", AGENT_SEV_WARNING,
	 "a peer advertises other timeouts than this host's: the hosts' xhad.conf differ"},
};

const struct agent_warning_info *agent_warning_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof warning_table / sizeof warning_table[0]; i++)
		if (strcmp(warning_table[i].name, name) == 0)
			return &warning_table[i];
	return NULL;
}

const char *agent_severity_name(enum agent_severity sev)
{
	switch (sev) {
	case AGENT_SEV_INFO: return "info";
	case AGENT_SEV_WARNING: return "warning";
	case AGENT_SEV_CRITICAL: return "critical";
	}
	return "unknown";
}

/* A live peer silent for more than T1/2. */
static bool heartbeat_late(const struct agent *a, const struct hb_core_status *s)
{
	for (unsigned k = 0; k < a->cfg.n_hosts; k++) {
		if (k == a->cfg.local_index || !(s->liveset & hb_host_bit(k)))
			continue;
		if (s->last_heard[k] < 0 || a->now - s->last_heard[k] > (hb_mono_ms)a->timing.warn_hb_ms)
			return true;
	}
	return false;
}

/* A statefile I/O in flight, or the last one, took more than T2/2. */
static bool statefile_late(const struct agent *a, const struct hb_core_status *s)
{
	if (s->rule2)
		return false;
	hb_mono_ms warn = (hb_mono_ms)a->timing.warn_sf_ms;
	if ((a->sf.rd_busy && a->now - a->sf.rd_at > warn) || (a->sf.wr_kind != AGENT_WR_NONE && a->now - a->sf.wr_at > warn))
		return true;
	const struct hb_sfdev *d = &a->sf.dev;
	return (d->rd_stats.completed && d->rd_stats.lat_last_us / 1000u > (uint64_t)warn) ||
	       (d->wr_stats.completed && d->wr_stats.lat_last_us / 1000u > (uint64_t)warn);
}

bool agent_warn_hb_approaching(const struct agent *a, const struct hb_core_status *s)
{
	return s->phase == HB_PHASE_ONLINE && heartbeat_late(a, s);
}

bool agent_warn_sf_approaching(const struct agent *a, const struct hb_core_status *s)
{
	return s->phase == HB_PHASE_ONLINE && statefile_late(a, s);
}

hb_hostmap agent_peers_disarmed(const struct agent *a, const struct hb_core_status *s)
{
	hb_hostmap set = 0;
	for (unsigned k = 0; k < a->cfg.n_hosts; k++) {
		if (k == a->cfg.local_index || !(s->liveset & hb_host_bit(k)))
			continue;
		const struct hb_view *v = hb_core_peer_net_view(a->core, k);
		if (v == NULL) {
			const struct hb_slot *slot = hb_core_peer_slot(a->core, k, NULL);
			v = slot != NULL && slot->boot_id != 0 ? &slot->view : NULL;
		}
		if (v != NULL && v->phase == HB_PHASE_ONLINE && !(v->flags & HB_VF_ARMED))
			set |= hb_host_bit(k);
	}
	return set;
}

void agent_warnings(const struct agent *a, const struct hb_core_status *s, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
#define ADD(name)                                                                 \
	do {                                                                      \
		if (n < len)                                                      \
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", name); \
	} while (0)
	for (unsigned bit = 1; bit & HB_TW_ALL; bit <<= 1)
		if (a->timing.warnings & bit)
			ADD(hb_timing_warning_name((enum hb_timing_warning)bit));
	if (s->phase == HB_PHASE_ONLINE && !s->armed)
		ADD("fencing_disarmed");
	if (s->rule2)
		ADD("statefile_lost");
	if (s->phase == HB_PHASE_ONLINE && !s->sf_access)
		ADD("statefile_access_lost");
	if (agent_warn_hb_approaching(a, s))
		ADD("heartbeat_approaching_timeout");
	if (agent_warn_sf_approaching(a, s))
		ADD("statefile_approaching_timeout");
	if (s->phase == HB_PHASE_ONLINE && agent_xw_approaching(a))
		ADD("xapi_healthcheck_approaching_timeout");
	if (a->xw.error[0] != '\0')
		ADD("xapi_unhealthy");
	if (a->wd_open) {
		struct hb_watchdog_stats w;
		hb_watchdog_get_stats(&a->wd, &w);
		if (w.softdog)
			ADD("softdog");
	}
	if (a->stall_at > 0 && a->now - a->stall_at < STATUS_EVENT_WARN_MS)
		ADD("scheduling_stall");
	if (a->clock_jump_at > 0 && a->now - a->clock_jump_at < STATUS_EVENT_WARN_MS)
		ADD("clock_jump");
	if (agent_key_from_generation(a))
		ADD("pool_key_from_generation");
	if (agent_key_rotating(a))
		ADD("pool_key_rotation");
	if (s->phase == HB_PHASE_ONLINE && agent_peers_disarmed(a, s) != 0)
		ADD("peer_disarmed");
	if (s->timing_mismatch != 0)
		ADD("timing_mismatch");
#undef ADD
}

bool agent_protected(const struct hb_core_status *s)
{
	return s->phase == HB_PHASE_ONLINE && s->armed && (s->sf_access || s->rule2);
}

const char *agent_unprotected_reason(const struct hb_core_status *s, char *buf, size_t len)
{
	if (agent_protected(s))
		return NULL;
	switch (s->phase) {
	case HB_PHASE_STARTING:
	case HB_PHASE_JOINING:
		if (s->global_reject == HB_REJECT_GENERATION)
			snprintf(buf, len, "%s: the statefile belongs to another pool (wrong_generation)", hb_phase_name(s->phase));
		else if (s->start_wait == HB_START_STATEFILE && s->global_reject != HB_REJECT_NONE)
			snprintf(buf, len, "%s: the statefile's global block does not decode (%s)", hb_phase_name(s->phase),
			         hb_reject_name(s->global_reject));
		else
			snprintf(buf, len, "%s: %s", hb_phase_name(s->phase), hb_start_wait_text(s->start_wait));
		return buf;
	case HB_PHASE_FENCING: snprintf(buf, len, "this host is fencing itself"); return buf;
	case HB_PHASE_STOPPED:
		snprintf(buf, len, "the agent is stopping%s", s->excluded ? " (excluded)" : "");
		return buf;
	case HB_PHASE_ONLINE: break;
	}
	if (!s->armed)
		snprintf(buf, len, "fencing is disarmed (hbctl arm arms it again)");
	else
		snprintf(buf, len, "no statefile access: losing the network now would fence this host");
	return buf;
}
