/*
 * test_ctl_dispatch.c: the control socket's dispatch (agent_ctl_dispatch in
 * agent/daemon/agent_ctl.c: parse, who may run what, then agent_command.c)
 * at function level, without a socket, against real cores (docs/control.md,
 * "Requests and responses" and "Commands").
 *
 * Host 0 of a 3-host pool of real cores, run by the unit pool (unit_pool.c, one
 * heartbeat path, an instant statefile), is the agent; a fresh core that
 * was never polled stands for an agent that is Starting. Covers:
 *   - malformed requests: bad-request, unsupported-version, unknown-command,
 *     each with code 1, the id echoed, counted in bad_requests, the agent
 *     untouched;
 *   - who may run what: queries for root and control-group members, changes
 *     (and liveset with reset_latency) for root only, permission-denied 16
 *     otherwise, counted in denied, a denied change logged with the uid;
 *   - queries answered while the agent is not Online;
 *   - every change command reaches the core (its effect seen in the core's
 *     status or its next outputs) and is logged with the caller's uid and
 *     pid, done or refused;
 *   - refusals in the states docs/control.md lists: 17 not Online (propose-
 *     master, disarm, arm), 8 no statefile access (set-excluded, clear-
 *     excluded, set-pool-state), 15 set-pool-state init with an agent
 *     running (before any other check), 11 pool state not active.
 */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "hb_ctl_proto.h"
#include "unit_pool.h"

#define N 3u

/* ---- what the agent's other modules would provide ------------------------ */

static char g_log[16][512];
static unsigned g_n_log;

void agent_log(int prio, const char *fmt, ...)
{
	(void)prio;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g_log[g_n_log % 16u], sizeof g_log[0], fmt, ap);
	va_end(ap);
	g_n_log++;
}
hb_mono_ms agent_tick(struct agent *a) { return a->now; } /* the test's clock */
uint64_t agent_log_dropped(void) { return 0; }
bool agent_xs_connected(void) { return true; }
const struct hb_sf_read *agent_sf_last_read(const struct agent *a)
{
	(void)a;
	return NULL; /* no statefile read kept in this test */
}

static const char *last_log(void) { return g_n_log > 0 ? g_log[(g_n_log - 1u) % 16u] : ""; }

/* ---- a pool of real cores (unit_pool.c) ---------------------------------- */

static struct unit_pool *pool_new(enum hb_pool_state ps)
{
	hb_uuid uuids[N];
	struct unit_pool_opts o = {.n_hosts = N, .T = 10, .n_paths = 1, .pool_state = ps, .start = 1000, .uuids = uuids};
	for (unsigned k = 0; k < sizeof o.gen.b; k++)
		o.gen.b[k] = (uint8_t)(0xa0 + k);
	for (unsigned i = 0; i < N; i++)
		for (unsigned k = 0; k < sizeof uuids[i].b; k++)
			uuids[i].b[k] = (uint8_t)(i * 7u + k + 1u);
	return unit_pool_new(&o);
}

/* Every host Online with the whole pool in its liveset, then 5 s more. */
static void pool_online(struct unit_pool *p)
{
	hb_mono_ms limit = p->now + 60000;
	while (p->now < limit) {
		unit_pool_run_for(p, UNIT_POOL_STEP_MS);
		bool all = true;
		for (unsigned i = 0; i < N; i++) {
			struct hb_core_status st = unit_pool_status(p, i);
			all = all && st.phase == HB_PHASE_ONLINE && st.liveset == (hb_hostmap)((1u << N) - 1u);
		}
		if (all)
			break;
	}
	assert_true(p->now < limit);
	unit_pool_run_for(p, 5000);
}

/* Host 0's agent. */
static struct agent *agent_new(struct unit_pool *p, const char *group)
{
	struct agent *a = calloc(1, sizeof *a);
	assert_non_null(a);
	a->cfg.n_hosts = N;
	a->cfg.local_index = 0;
	a->cfg.n_paths = 1;
	snprintf(a->cfg.statefile, sizeof a->cfg.statefile, "/dev/null");
	a->timing = p->t;
	memcpy(a->uuids, p->uuids, sizeof p->uuids);
	hb_uuid_format(&p->uuids[0], a->self_uuid);
	a->core = p->core[0];
	a->now = p->now;
	a->boot_id = 100;
	a->weight = 1;
	a->sf.last_read_at = -1;
	a->sf.io_timeout_ms = p->t.sf_io_timeout_ms;
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++)
		a->ctl.clients[i].fd = -1;
	if (group != NULL) {
		a->ctl.have_group = true;
		a->ctl.group = 4242;
		snprintf(a->cfg.control_group, sizeof a->cfg.control_group, "%s", group);
	}
	return a;
}

/* ---- requests ------------------------------------------------------------ */

static const struct agent_ctl_client ROOT = {.fd = -1, .uid = 0, .pid = 501};
static const struct agent_ctl_client MEMBER = {.fd = -1, .uid = 1000, .pid = 502, .in_group = true};
static const struct agent_ctl_client STRANGER = {.fd = -1, .uid = 1001, .pid = 503};

struct reply {
	bool ok;
	int code;
	char error[32];  /* "" on success */
	char reason[200];
	char result[64]; /* a string result, else "" */
	struct json_object *o;
};

static struct reply ask(struct agent *a, struct unit_pool *p, const struct agent_ctl_client *c, const char *line)
{
	if (p != NULL)
		a->now = p->now;
	struct reply r;
	memset(&r, 0, sizeof r);
	r.o = agent_ctl_dispatch(a, c, line, strlen(line));
	assert_non_null(r.o);
	struct json_object *v;
	assert_true(json_object_object_get_ex(r.o, "v", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(r.o, "ok", &v));
	r.ok = json_object_get_boolean(v);
	assert_true(json_object_object_get_ex(r.o, "code", &v));
	r.code = json_object_get_int(v);
	assert_true(json_object_object_get_ex(r.o, "reason", &v));
	snprintf(r.reason, sizeof r.reason, "%s", json_object_get_string(v));
	if (json_object_object_get_ex(r.o, "error", &v))
		snprintf(r.error, sizeof r.error, "%s", json_object_get_string(v));
	else
		assert_true(r.ok);
	if (json_object_object_get_ex(r.o, "result", &v) && json_object_is_type(v, json_type_string))
		snprintf(r.result, sizeof r.result, "%s", json_object_get_string(v));
	return r;
}

static void done(struct reply *r)
{
	json_object_put(r->o);
	r->o = NULL;
}

/* The reply is a failure of class `error` with `code`; released. */
static void expect_fail(struct reply r, const char *error, int code)
{
	if (r.ok || strcmp(r.error, error) != 0 || r.code != code)
		fail_msg("expected %s (%d), got ok=%d %s (%d): %s", error, code, r.ok, r.error, r.code, r.reason);
	done(&r);
}

/* The reply succeeded with the string result `result`; released. */
static void expect_ok(struct reply r, const char *result)
{
	if (!r.ok || r.code != 0 || strcmp(r.result, result) != 0)
		fail_msg("expected ok \"%s\", got ok=%d \"%s\" %s (%d): %s", result, r.ok, r.result, r.error, r.code,
		         r.reason);
	done(&r);
}

static struct json_object *result_of(const struct reply *r)
{
	struct json_object *v = NULL;
	assert_true(json_object_object_get_ex(r->o, "result", &v));
	assert_non_null(v);
	return v;
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

/* ---- malformed requests -------------------------------------------------- */

static void test_malformed(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE);
	struct agent *a = agent_new(p, NULL);
	const char *bad[] = {
		"not json",
		"[1,2]",
		"{\"v\":1}",
		"{\"v\":1,\"cmd\":7}",
		"{\"v\":1,\"cmd\":\"ping\",\"args\":[]}",
		"{\"v\":1,\"cmd\":\"ping\",\"args\":{\"x\":1}}",
		"{\"v\":1,\"cmd\":\"ping\",\"colour\":\"red\"}",
		"{\"v\":1,\"cmd\":\"set-weight\"}",
		"{\"v\":1,\"cmd\":\"set-weight\",\"args\":{\"weight\":0}}",
		"{\"v\":1,\"cmd\":\"set-weight\",\"args\":{\"weight\":65536}}",
		"{\"v\":1,\"cmd\":\"set-weight\",\"args\":{\"weight\":\"9\"}}",
		"{\"v\":1,\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"bogus\"}}",
		"{\"v\":1,\"cmd\":\"set-pool-state\"}",
		"{\"v\":1,\"cmd\":\"liveset\",\"args\":{\"reset_latency\":1}}",
		"{\"v\":1,\"cmd\":\"liveset\",\"args\":{\"reset_latency\":true,\"keep_latency\":true}}",
	};
	unsigned n = sizeof bad / sizeof bad[0];
	for (unsigned k = 0; k < n; k++)
		expect_fail(ask(a, p, &ROOT, bad[k]), "bad-request", 1);
	expect_fail(ask(a, p, &ROOT, "{\"v\":2,\"cmd\":\"ping\"}"), "unsupported-version", 1);
	expect_fail(ask(a, p, &ROOT, "{\"v\":\"1\",\"cmd\":\"ping\"}"), "unsupported-version", 1);
	expect_fail(ask(a, p, &ROOT, "{\"v\":1,\"cmd\":\"reboot\"}"), "unknown-command", 1);
	expect_fail(ask(a, p, &ROOT, "{\"v\":1,\"cmd\":\"PING\"}"), "unknown-command", 1);
	/* the id is echoed on a failure too */
	struct reply r = ask(a, p, &ROOT, "{\"v\":1,\"cmd\":\"reboot\",\"id\":{\"n\":42}}");
	struct json_object *id = NULL, *nv = NULL;
	assert_true(json_object_object_get_ex(r.o, "id", &id));
	assert_true(json_object_object_get_ex(id, "n", &nv));
	assert_int_equal(json_object_get_int(nv), 42);
	expect_fail(r, "unknown-command", 1);
	/* counted; nothing ran and nothing was logged as a change */
	assert_int_equal(a->ctl.requests, n + 5u);
	assert_int_equal(a->ctl.bad_requests, n + 5u);
	assert_int_equal(a->ctl.denied, 0);
	assert_int_equal(a->weight, 1);
	assert_int_equal(g_n_log, 0);
	/* a request without v is version 1 */
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"ping\",\"id\":\"x\"}"), "pong");
	assert_int_equal(a->ctl.bad_requests, n + 5u);
	free(a);
	unit_pool_free(p);
}

/* ---- permissions --------------------------------------------------------- */

static void test_permissions(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE);
	pool_online(p);
	const char *queries[] = {"{\"cmd\":\"ping\"}", "{\"cmd\":\"status\"}", "{\"cmd\":\"liveset\"}",
	                         "{\"cmd\":\"timeouts\"}", "{\"cmd\":\"statefile\"}",
	                         "{\"cmd\":\"liveset\",\"args\":{\"keep_latency\":true}}"};
	const char *changes[] = {"{\"cmd\":\"propose-master\"}", "{\"cmd\":\"disarm\"}", "{\"cmd\":\"arm\"}",
	                         "{\"cmd\":\"set-excluded\"}", "{\"cmd\":\"clear-excluded\"}",
	                         "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"invalid\"}}",
	                         "{\"cmd\":\"set-weight\",\"args\":{\"weight\":9}}", "{\"cmd\":\"shutdown\"}",
	                         "{\"cmd\":\"liveset\",\"args\":{\"reset_latency\":true}}"};
	unsigned nq = sizeof queries / sizeof queries[0], nc = sizeof changes / sizeof changes[0];

	/* without a control group: only root; the stranger gets nothing */
	struct agent *a = agent_new(p, NULL);
	for (unsigned k = 0; k < nq; k++)
		expect_fail(ask(a, p, &STRANGER, queries[k]), "permission-denied", 16);
	/* a member of a group that is not configured is a stranger */
	for (unsigned k = 0; k < nq; k++)
		expect_fail(ask(a, p, &MEMBER, queries[k]), "permission-denied", 16);
	g_n_log = 0;
	for (unsigned k = 0; k < nc; k++) {
		struct reply r = ask(a, p, &STRANGER, changes[k]);
		assert_non_null(strstr(r.reason, "needs root"));
		assert_non_null(strstr(r.reason, "uid 1001"));
		expect_fail(r, "permission-denied", 16);
	}
	/* a denied change is logged with the caller (a liveset reset too) */
	assert_int_equal(g_n_log, nc);
	assert_non_null(strstr(last_log(), "liveset by uid 1001 pid 503: permission denied"));
	assert_non_null(strstr(g_log[0], "propose-master by uid 1001 pid 503: permission denied"));
	assert_int_equal(a->ctl.denied, 2u * nq + nc);
	/* nothing changed in the core or the agent */
	struct hb_core_status st = unit_pool_status(p, 0);
	assert_true(st.armed);
	assert_false(st.excluded);
	assert_int_equal(st.pool_state, HB_POOL_ACTIVE);
	assert_int_equal(a->weight, 1);
	free(a);

	/* with a control group: its members may query, never change */
	a = agent_new(p, "hbadmins");
	for (unsigned k = 0; k < nq; k++) {
		struct reply r = ask(a, p, &MEMBER, queries[k]);
		assert_true(r.ok);
		done(&r);
	}
	for (unsigned k = 0; k < nq; k++)
		expect_fail(ask(a, p, &STRANGER, queries[k]), "permission-denied", 16);
	for (unsigned k = 0; k < nc; k++)
		expect_fail(ask(a, p, &MEMBER, changes[k]), "permission-denied", 16);
	assert_int_equal(a->ctl.denied, nq + nc);
	assert_true(unit_pool_status(p, 0).armed);
	/* root may do both */
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"ping\"}"), "pong");
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"set-weight\",\"args\":{\"weight\":9}}"), "ok");
	assert_int_equal(a->weight, 9);
	struct reply r = ask(a, p, &ROOT, "{\"cmd\":\"liveset\",\"args\":{\"reset_latency\":true}}");
	assert_true(r.ok);
	done(&r);
	assert_int_equal(a->ctl.denied, nq + nc);
	free(a);
	unit_pool_free(p);
}

/* ---- not Online ---------------------------------------------------------- */

static void test_not_online(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE); /* never run: Starting */
	struct agent *a = agent_new(p, "hbadmins");
	assert_int_equal(unit_pool_status(p, 0).phase, HB_PHASE_STARTING);
	assert_false(unit_pool_status(p, 0).sf_access);

	/* queries are answered, by root and by the control group */
	expect_ok(ask(a, p, &MEMBER, "{\"cmd\":\"ping\"}"), "pong");
	struct reply r = ask(a, p, &MEMBER, "{\"cmd\":\"status\"}");
	assert_true(r.ok);
	assert_string_equal(member_str(result_of(&r), "phase"), "starting");
	done(&r);
	r = ask(a, p, &ROOT, "{\"cmd\":\"liveset\"}");
	assert_true(r.ok);
	assert_string_equal(member_str(result_of(&r), "status"), "Starting");
	done(&r);
	r = ask(a, p, &MEMBER, "{\"cmd\":\"timeouts\"}");
	assert_true(r.ok);
	done(&r);
	r = ask(a, p, &MEMBER, "{\"cmd\":\"statefile\"}");
	assert_true(r.ok);
	done(&r);

	/* changes that need Online: 17; statefile access: 8; init: 15 */
	g_n_log = 0;
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"propose-master\"}"), "refused", 17);
	assert_non_null(strstr(last_log(), "propose-master by uid 0 pid 501: refused (17)"));
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"disarm\"}"), "refused", 17);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"arm\"}"), "refused", 17);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-excluded\"}"), "refused", 8);
	assert_non_null(strstr(last_log(), "set-excluded by uid 0 pid 501: refused (8)"));
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"clear-excluded\"}"), "refused", 8);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"active\"}}"), "refused", 8);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"invalid\"}}"), "refused", 8);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"init\"}}"), "refused", 15);
	assert_non_null(strstr(last_log(), "set-pool-state init by uid 0 pid 501: refused (15)"));
	assert_int_equal(g_n_log, 8);
	/* set-weight needs no state */
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"set-weight\",\"args\":{\"weight\":77}}"), "ok");
	assert_int_equal(a->weight, 77);
	assert_non_null(strstr(last_log(), "set-weight 77 by uid 0 pid 501: done (0)"));
	/* the refused changes left the core as it was: once run, it joins
	 * and comes Online armed, not excluded, with the pool active */
	pool_online(p);
	struct hb_core_status st = unit_pool_status(p, 0);
	assert_true(st.armed);
	assert_false(st.excluded);
	assert_int_equal(st.pool_state, HB_POOL_ACTIVE);
	assert_false(p->wrote_global[0]);
	free(a);
	unit_pool_free(p);
}

/* ---- changes reach the core ---------------------------------------------- */

static void test_changes_online(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE);
	pool_online(p);
	struct agent *a = agent_new(p, NULL);
	assert_true(unit_pool_status(p, 0).armed);
	assert_true(unit_pool_status(p, 0).sf_access);

	/* status while Online */
	struct reply r = ask(a, p, &ROOT, "{\"cmd\":\"status\"}");
	assert_string_equal(member_str(result_of(&r), "phase"), "online");
	done(&r);
	r = ask(a, p, &ROOT, "{\"cmd\":\"liveset\"}");
	assert_string_equal(member_str(result_of(&r), "status"), "Online");
	done(&r);

	g_n_log = 0;
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"disarm\"}"), "disarmed");
	assert_false(unit_pool_status(p, 0).armed);
	assert_non_null(strstr(last_log(), "disarm by uid 0 pid 501: done (0)"));
	unit_pool_run_for(p, 100);
	assert_false(unit_pool_status(p, 0).armed);
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"arm\"}"), "armed");
	assert_true(unit_pool_status(p, 0).armed);

	/* propose-master: decided within the lock wait; host 0 alone asks */
	r = ask(a, p, &ROOT, "{\"cmd\":\"propose-master\"}");
	assert_true(r.ok);
	assert_true(strcmp(r.result, "PENDING") == 0 || strcmp(r.result, "TRUE") == 0);
	done(&r);
	for (unsigned k = 0; k < 100u && strcmp(r.result, "TRUE") != 0; k++) {
		unit_pool_run_for(p, 200);
		r = ask(a, p, &ROOT, "{\"cmd\":\"propose-master\"}");
		assert_true(r.ok);
		assert_true(strcmp(r.result, "FALSE") != 0);
		done(&r);
	}
	assert_string_equal(r.result, "TRUE");
	assert_true(unit_pool_status(p, 0).i_am_master);

	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"set-weight\",\"args\":{\"weight\":300}}"), "ok");
	assert_int_equal(a->weight, 300);

	/* set-pool-state: written to the global block at the next cycle */
	p->wrote_global[0] = false;
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"active\"}}"), "requested");
	assert_non_null(strstr(last_log(), "set-pool-state active by uid 0 pid 501: done (0)"));
	unit_pool_run_for(p, 2 * (hb_mono_ms)p->t.sf_cycle_ms + 100);
	assert_true(p->wrote_global[0]);
	assert_int_equal(p->global.pool_state, HB_POOL_ACTIVE);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"init\"}}"), "refused", 15);

	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"clear-excluded\"}"), "cleared");
	assert_false(unit_pool_status(p, 0).excluded);

	/* set-excluded: disarmed, the slot says excluded, exit 19 */
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"set-excluded\"}"), "excluded");
	assert_false(unit_pool_status(p, 0).armed);
	unit_pool_run_for(p, 10000);
	assert_true(p->exited[0]);
	assert_int_equal(p->exit_code[0], 19);
	free(a);
	unit_pool_free(p);
}

static void test_shutdown(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE);
	pool_online(p);
	struct agent *a = agent_new(p, NULL);
	g_n_log = 0;
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"shutdown\"}"), "stopping");
	assert_non_null(strstr(last_log(), "shutdown by uid 0 pid 501: done (0)"));
	assert_false(unit_pool_status(p, 0).armed);
	unit_pool_run_for(p, 10000);
	assert_true(p->exited[0]);
	assert_int_equal(p->exit_code[0], 0);
	free(a);
	unit_pool_free(p);
}

/* Online, the pool state not active: set-/clear-excluded refused, 11;
 * set-pool-state needs no active pool. */
static void test_pool_not_active(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE);
	pool_online(p);
	struct agent *a = agent_new(p, NULL);
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"invalid\"}}"), "requested");
	for (unsigned k = 0; k < 200u && unit_pool_status(p, 0).pool_state == HB_POOL_ACTIVE; k++)
		unit_pool_run_for(p, 50);
	assert_int_equal(p->global.pool_state, HB_POOL_INVALID);
	assert_int_equal(unit_pool_status(p, 0).pool_state, HB_POOL_INVALID);
	if (unit_pool_status(p, 0).sf_access) {
		g_n_log = 0;
		expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-excluded\"}"), "refused", 11);
		assert_non_null(strstr(last_log(), "set-excluded by uid 0 pid 501: refused (11)"));
		expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"clear-excluded\"}"), "refused", 11);
		assert_false(unit_pool_status(p, 0).excluded);
	} else {
		fail_msg("host 0 lost statefile access after set-pool-state invalid");
	}
	free(a);
	unit_pool_free(p);
}

/* Online without statefile access: the changes that need it are refused, 8;
 * the others still run. */
static void test_no_statefile_access(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE);
	pool_online(p);
	p->sf_dead[0] = true;
	for (unsigned k = 0; k < 600u && unit_pool_status(p, 0).sf_access; k++)
		unit_pool_run_for(p, 50);
	struct hb_core_status st = unit_pool_status(p, 0);
	assert_false(st.sf_access);
	assert_int_equal(st.phase, HB_PHASE_ONLINE); /* the network still holds the pool */
	struct agent *a = agent_new(p, NULL);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-excluded\"}"), "refused", 8);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"clear-excluded\"}"), "refused", 8);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"invalid\"}}"), "refused", 8);
	expect_fail(ask(a, p, &ROOT, "{\"cmd\":\"set-pool-state\",\"args\":{\"state\":\"init\"}}"), "refused", 15);
	assert_false(unit_pool_status(p, 0).excluded);
	expect_ok(ask(a, p, &ROOT, "{\"cmd\":\"disarm\"}"), "disarmed");
	struct reply r = ask(a, p, &ROOT, "{\"cmd\":\"status\"}");
	struct json_object *v = NULL;
	assert_true(json_object_object_get_ex(result_of(&r), "sf_access", &v));
	assert_false(json_object_get_boolean(v));
	done(&r);
	free(a);
	unit_pool_free(p);
}

/* ---- the event history (agent_events.c) ----------------------------------- */

static bool has_event(const struct agent *a, enum agent_event_kind kind, int host)
{
	uint64_t next = a->ev.next_seq, oldest = next - a->ev.count;
	for (uint64_t s = oldest; s < next; s++) {
		const struct agent_event *e = &a->ev.ring[(s - 1u) % AGENT_EVENTS_MAX];
		if (e->kind == kind && e->host == host)
			return true;
	}
	return false;
}

static struct json_object *events_of(struct json_object *res)
{
	struct json_object *v = NULL;
	assert_true(json_object_object_get_ex(res, "events", &v));
	assert_true(json_object_is_type(v, json_type_array));
	return v;
}

static int64_t int_member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

/* The status diff records the pool forming and a crashed host leaving with
 * why and when it was last heard; the ring keeps the latest
 * AGENT_EVENTS_MAX; since gives the events after it. */
static void test_events(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(HB_POOL_ACTIVE);
	struct agent *a = agent_new(p, NULL);
	struct hb_core_status starting, online, now;
	memset(&starting, 0, sizeof starting);
	starting.master = -1;
	starting.phase = HB_PHASE_STARTING;
	agent_events_diff(a, &starting, &starting);
	assert_true(a->ev.count >= 1); /* and the warnings already raised */
	assert_int_equal(a->ev.ring[0].kind, AGENT_EV_STARTED);
	pool_online(p);
	a->now = p->now;
	online = unit_pool_status(p, 0);
	agent_events_diff(a, &starting, &online);
	for (int h = 0; h < (int)N; h++)
		assert_true(has_event(a, AGENT_EV_JOINED, h));
	assert_true(has_event(a, AGENT_EV_PHASE, 0));
	assert_true(has_event(a, AGENT_EV_ARMED, 0));
	assert_false(has_event(a, AGENT_EV_LEFT, 2));
	/* host 2 crashes */
	p->up[2] = false;
	hb_mono_ms limit = p->now + 120000;
	do {
		unit_pool_run_for(p, UNIT_POOL_STEP_MS);
		now = unit_pool_status(p, 0);
	} while ((now.liveset & hb_host_bit(2)) && p->now < limit);
	assert_false(now.liveset & hb_host_bit(2));
	a->now = p->now;
	agent_events_diff(a, &online, &now);
	assert_true(has_event(a, AGENT_EV_LEFT, 2));
	const struct agent_event *left = &a->ev.ring[(a->ev.next_seq - 2u) % AGENT_EVENTS_MAX];
	for (uint64_t s = a->ev.next_seq - a->ev.count; s < a->ev.next_seq; s++)
		if (a->ev.ring[(s - 1u) % AGENT_EVENTS_MAX].kind == AGENT_EV_LEFT)
			left = &a->ev.ring[(s - 1u) % AGENT_EVENTS_MAX];
	assert_int_equal(left->host, 2);
	if (strstr(left->reason, "heartbeat silent") == NULL || strstr(left->reason, "slot not advancing") == NULL)
		fail_msg("left reason: %s", left->reason);
	assert_true(left->last_heard_ms >= 0 && left->last_heard_ms < left->mono_ms);
	/* nothing changed: nothing recorded */
	uint64_t next = a->ev.next_seq;
	agent_events_diff(a, &now, &now);
	assert_int_equal(a->ev.next_seq, next);

	/* the query: all, then since */
	struct reply r = ask(a, NULL, &ROOT, "{\"cmd\":\"events\"}");
	assert_true(r.ok);
	assert_int_equal(json_object_array_length(events_of(result_of(&r))), next - 1u);
	struct json_object *e0 = json_object_array_get_idx(events_of(result_of(&r)), 0);
	assert_int_equal(int_member(e0, "seq"), 1);
	assert_string_equal(member_str(e0, "event"), "started");
	done(&r);
	char line[160];
	snprintf(line, sizeof line, "{\"cmd\":\"events\",\"args\":{\"since\":%llu}}", (unsigned long long)(next - 3u));
	r = ask(a, NULL, &ROOT, line);
	assert_true(r.ok);
	assert_int_equal(json_object_array_length(events_of(result_of(&r))), 2);
	assert_int_equal(int_member(json_object_array_get_idx(events_of(result_of(&r)), 0), "seq"), next - 2u);
	done(&r);

	/* the ring wraps: the latest AGENT_EVENTS_MAX are kept, in order */
	for (unsigned k = 0; k < AGENT_EVENTS_MAX + 44u; k++)
		agent_events_add(a, AGENT_EV_WARNING_RAISED, 0, "test", "filler");
	next = a->ev.next_seq;
	assert_int_equal(a->ev.count, AGENT_EVENTS_MAX);
	r = ask(a, NULL, &ROOT, "{\"cmd\":\"events\",\"args\":{\"since\":0}}");
	struct json_object *res = result_of(&r), *evs = events_of(res);
	assert_int_equal(json_object_array_length(evs), AGENT_EVENTS_MAX);
	assert_int_equal(int_member(res, "next_seq"), next);
	assert_int_equal(int_member(res, "oldest_seq"), next - AGENT_EVENTS_MAX);
	assert_int_equal(int_member(res, "missed"), next - AGENT_EVENTS_MAX - 1u);
	for (unsigned k = 0; k < AGENT_EVENTS_MAX; k++)
		assert_int_equal(int_member(json_object_array_get_idx(evs, k), "seq"), next - AGENT_EVENTS_MAX + k);
	done(&r);
	snprintf(line, sizeof line, "{\"cmd\":\"events\",\"args\":{\"since\":%llu}}", (unsigned long long)(next - 1u));
	r = ask(a, NULL, &ROOT, line);
	assert_int_equal(json_object_array_length(events_of(result_of(&r))), 0);
	assert_int_equal(int_member(result_of(&r), "missed"), 0);
	done(&r);
	r = ask(a, NULL, &ROOT, "{\"cmd\":\"events\",\"args\":{\"since\":99999999}}");
	assert_int_equal(json_object_array_length(events_of(result_of(&r))), 0);
	done(&r);
	snprintf(line, sizeof line, "{\"cmd\":\"events\",\"args\":{\"since\":%llu}}", (unsigned long long)(next - 11u));
	r = ask(a, NULL, &ROOT, line);
	assert_int_equal(json_object_array_length(events_of(result_of(&r))), 10);
	done(&r);
	/* follow through the dispatch alone is a plain reply (no client to
	 * keep), with the latest AGENT_EVENTS_FOLLOW_HISTORY events only */
	r = ask(a, NULL, &ROOT, "{\"cmd\":\"events\",\"args\":{\"follow\":true,\"since\":0}}");
	assert_true(r.ok);
	evs = events_of(result_of(&r));
	assert_int_equal(json_object_array_length(evs), AGENT_EVENTS_FOLLOW_HISTORY);
	assert_int_equal(int_member(json_object_array_get_idx(evs, 0), "seq"), next - AGENT_EVENTS_FOLLOW_HISTORY);
	assert_int_equal(int_member(result_of(&r), "missed"), next - 1u - AGENT_EVENTS_FOLLOW_HISTORY);
	done(&r);
	expect_fail(ask(a, NULL, &ROOT, "{\"cmd\":\"events\",\"args\":{\"since\":-1}}"), "bad-request", 1);
	expect_fail(ask(a, NULL, &ROOT, "{\"cmd\":\"events\",\"args\":{\"since\":\"3\"}}"), "bad-request", 1);
	expect_fail(ask(a, NULL, &ROOT, "{\"cmd\":\"events\",\"args\":{\"follow\":1}}"), "bad-request", 1);
	expect_fail(ask(a, NULL, &ROOT, "{\"cmd\":\"events\",\"args\":{\"sinse\":1}}"), "bad-request", 1);
	free(a);
	unit_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_not_online),
		cmocka_unit_test(test_changes_online),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_pool_not_active),
		cmocka_unit_test(test_no_statefile_access),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
