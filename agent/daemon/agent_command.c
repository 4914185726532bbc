/*
 * agent_command.c: what each control request does (docs/control.md).
 *
 * Owns the checks that map the agent's state to xhad's codes (17 not Online,
 * 8 no statefile access, 11 pool state not active, 15 an agent is running),
 * the calls into the core, and the audit line every change leaves in the log
 * with the caller's uid and pid, whatever its outcome. Permissions are
 * checked before this, by agent_ctl.c.
 */
#include "agent.h"

#include <json-c/json.h>
#include <stdio.h>

#include "hb_ctl_proto.h"
#include "hb_exit.h"

static struct json_object *refuse(const struct ctl_request *req, int code, const char *reason)
{
	return ctl_fail(req->id, CTL_E_REFUSED, code, reason);
}

static struct json_object *ok_str(const struct ctl_request *req, const char *result, const char *reason)
{
	return ctl_ok(req->id, reason, json_object_new_string(result));
}

/* The conditions xhad puts on set/clear-excluded and pool-state changes. */
static struct json_object *need_statefile(const struct agent *a, const struct ctl_request *req, bool need_active)
{
	char reason[128];
	if (!a->st.sf_access)
		return refuse(req, HB_EXIT_CAN_NOT_ACCESS_STATEFILE, "this host has no statefile access");
	if (need_active && a->st.pool_state != HB_POOL_ACTIVE) {
		snprintf(reason, sizeof reason, "the pool state is %s, not active", hb_pool_state_name(a->st.pool_state));
		return refuse(req, HB_EXIT_INVALID_POOL_STATE, reason);
	}
	return NULL;
}

static struct json_object *need_online(const struct agent *a, const struct ctl_request *req)
{
	char reason[128];
	if (a->st.phase == HB_PHASE_ONLINE)
		return NULL;
	snprintf(reason, sizeof reason, "this host is not online (phase %s)", hb_phase_name(a->st.phase));
	return refuse(req, HB_EXIT_INVALID_LOCALHOST_STATE, reason);
}

static struct json_object *propose(struct agent *a, const struct ctl_request *req, hb_mono_ms now)
{
	struct json_object *r = need_online(a, req);
	if (r != NULL)
		return r;
	switch (hb_core_propose_master(a->core, now)) {
	case HB_PROPOSE_TRUE: return ok_str(req, "TRUE", "this host holds the master lock");
	case HB_PROPOSE_FALSE: {
		char why[160], u[HB_UUID_STR_LEN];
		hb_core_status(a->core, now, &a->st);
		if (a->st.master >= 0 && (unsigned)a->st.master != a->cfg.local_index)
			snprintf(why, sizeof why, "host %d (%s) holds the master lock", a->st.master,
			         hb_uuid_format(&a->uuids[a->st.master], u));
		else
			snprintf(why, sizeof why, "no host holds the master lock: it could not be taken within the lock wait");
		return ok_str(req, "FALSE", why);
	}
	case HB_PROPOSE_PENDING: break;
	}
	return ok_str(req, "PENDING", "the lock is being decided: ask again");
}

static struct json_object *change(struct agent *a, const struct ctl_request *req, hb_mono_ms now)
{
	struct json_object *r;
	char reason[160];
	switch (req->cmd) {
	case CTL_PROPOSE_MASTER:
		return propose(a, req, now);
	case CTL_DISARM:
		if ((r = need_online(a, req)) != NULL)
			return r;
		hb_core_disarm(a->core, now);
		return ok_str(req, "disarmed", "fencing is disarmed: this host will not fence itself until armed again");
	case CTL_ARM:
		if ((r = need_online(a, req)) != NULL)
			return r;
		hb_core_arm(a->core, now);
		return ok_str(req, "armed", "fencing is armed");
	case CTL_SET_EXCLUDED:
		if ((r = need_statefile(a, req, true)) != NULL)
			return r;
		hb_core_set_excluded(a->core, now);
		return ok_str(req, "excluded", "leaving the pool: disarmed, the slot says excluded, the agent exits 19");
	case CTL_CLEAR_EXCLUDED:
		if ((r = need_statefile(a, req, true)) != NULL)
			return r;
		hb_core_clear_excluded(a->core, now);
		return ok_str(req, "cleared", "the excluded flag is clear");
	case CTL_SET_POOL_STATE:
		if (req->pool_state == HB_POOL_INIT)
			return refuse(req, HB_EXIT_DAEMON_IS_PRESENT, "pool state init needs every agent stopped; this one runs");
		if ((r = need_statefile(a, req, false)) != NULL)
			return r;
		hb_core_set_pool_state(a->core, now, req->pool_state);
		snprintf(reason, sizeof reason, "pool state %s is written at the next statefile cycle",
		         hb_pool_state_name(req->pool_state));
		return ok_str(req, "requested", reason);
	case CTL_SET_WEIGHT:
		hb_core_set_weight(a->core, now, req->weight);
		a->weight = req->weight;
		snprintf(reason, sizeof reason, "weight %u is advertised from the next heartbeat", (unsigned)req->weight);
		return ok_str(req, "ok", reason);
	case CTL_SHUTDOWN:
		hb_core_shutdown(a->core, now);
		return ok_str(req, "stopping", "clean stop: disarm, publish stopped and excluded, exit 0");
	default:
		break;
	}
	return ctl_fail(req->id, CTL_E_UNKNOWN_COMMAND, HB_EXIT_INVALID_PARAMETER, "not a change command");
}

static void audit(const struct ctl_request *req, uid_t uid, pid_t pid, const struct json_object *resp)
{
	struct json_object *okj = NULL, *reason = NULL, *code = NULL;
	json_object_object_get_ex(resp, "ok", &okj);
	json_object_object_get_ex(resp, "reason", &reason);
	json_object_object_get_ex(resp, "code", &code);
	bool ok = json_object_get_boolean(okj);
	char args[48] = "";
	if (req->cmd == CTL_SET_POOL_STATE)
		snprintf(args, sizeof args, " %s", hb_pool_state_name(req->pool_state));
	else if (req->cmd == CTL_SET_WEIGHT)
		snprintf(args, sizeof args, " %u", (unsigned)req->weight);
	int prio = !ok ? LOG_NOTICE : (req->cmd == CTL_DISARM || req->cmd == CTL_SET_EXCLUDED) ? LOG_WARNING : LOG_NOTICE;
	if (req->cmd == CTL_PROPOSE_MASTER && ok)
		prio = LOG_INFO; /* xapi asks again and again */
	agent_log(prio, "control: %s%s by uid %ld pid %ld: %s (%d): %s", ctl_cmd_name(req->cmd), args, (long)uid, (long)pid,
	          ok ? "done" : "refused", json_object_get_int(code), json_object_get_string(reason));
}

struct json_object *agent_command(struct agent *a, const struct ctl_request *req, uid_t uid, pid_t pid)
{
	hb_mono_ms now = agent_tick(a);
	hb_core_status(a->core, now, &a->st);
	switch (req->cmd) {
	case CTL_PING: return ok_str(req, "pong", "the agent answers");
	case CTL_STATUS: return ctl_ok(req->id, "status", agent_status_json(a));
	case CTL_LIVESET: return ctl_ok(req->id, "liveset", agent_liveset_json(a, req->reset_latency));
	case CTL_TIMEOUTS: return ctl_ok(req->id, "effective timeouts", agent_timeouts_json(a));
	case CTL_STATEFILE: return ctl_ok(req->id, "latest statefile read", agent_statefile_json(a));
	case CTL_EVENTS:
		return ctl_ok(req->id, req->follow ? "event history; new events follow, one line each" : "event history",
		              agent_events_json(a, req->since, req->follow ? AGENT_EVENTS_FOLLOW_HISTORY : AGENT_EVENTS_MAX));
	default: break;
	}
	struct json_object *resp = change(a, req, now);
	audit(req, uid, pid, resp);
	return resp;
}
