/*
 * test_agent_sf.c: the daemon's statefile adapter (agent/daemon/agent_sf.c)
 * on a regular file through the real hb_sfdev (libaio, O_DIRECT), at unit
 * level.
 *
 * What the adapter tells the core is recorded: hb_core_on_sf_read, _write
 * and _overdue are wrapped at link time (-Wl,--wrap, tests/meson.build) and
 * not passed on, so the core (a real one, for the status documents) stays
 * as it was started. The decision clock is the test's: a->now, which the
 * agent_tick stub leaves alone. An I/O is "in flight" for the adapter until
 * its completion is reaped (agent_sf_on_event; the deadline tests hold the
 * device "stuck": hb_sfdev_reap is wrapped too), so nothing here depends on
 * how fast the disk is: the test waits on the device's eventfd (up to 30 s)
 * only to reap what it wants completed.
 *
 * Covers:
 *   - a global write asked while the slot write is on the device waits (not
 *     lost, not issued twice) and goes out when the slot write completes;
 *     a slot write asked while a global write is on the device waits too,
 *     and goes before a global write waiting with it;
 *   - a global write asked twice while it waits goes out once, the newest;
 *   - a read batch and a write in flight together, each reported on its
 *     own; a read after a write sees what was written;
 *   - a read and a write that completed while the host stalled past their
 *     deadline (the completions still in the ring) are not overdue;
 *   - a read or a write past its deadline on the decision clock is declared
 *     overdue to the core and the device at once (and only once); its late
 *     completion is still handed over, the late read does not count as the
 *     latest read (last_read_age_ms keeps growing); the status documents
 *     show the overdue/late counts, the latency and the ages;
 *   - a slot write still waiting behind a global write at its deadline is
 *     dropped and completed as failed (-ETIMEDOUT), counted in the status;
 *   - next_deadline follows the I/O in flight and waiting.
 * Skips (77) when no candidate directory accepts O_DIRECT.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"
#include "unit_sfdir.h"

#define N_HOSTS 3u
#define SELF 1u
#define T0 100000 /* decision clock at the start of each test, ms */

/* ---- what the core is told (link-time wrappers) -------------------------- */

enum call_kind { CALL_READ, CALL_WRITE, CALL_OVERDUE };

struct call {
	enum call_kind kind;
	hb_mono_ms now;
	bool global;            /* CALL_WRITE */
	int err;                /* CALL_WRITE */
	enum hb_sf_io_kind io;  /* CALL_OVERDUE */
	struct hb_sf_read read; /* CALL_READ: the batch as handed over */
};

#define MAX_CALLS 32u
static struct call g_calls[MAX_CALLS];
static unsigned g_n_calls;

static struct call *record(enum call_kind kind, hb_mono_ms now)
{
	assert_true(g_n_calls < MAX_CALLS);
	struct call *c = &g_calls[g_n_calls++];
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->now = now;
	return c;
}

void __wrap_hb_core_on_sf_read(struct hb_core *c, hb_mono_ms now, const struct hb_sf_read *r);
void __wrap_hb_core_on_sf_write(struct hb_core *c, hb_mono_ms now, bool global_block, int err);
void __wrap_hb_core_on_sf_overdue(struct hb_core *c, hb_mono_ms now, enum hb_sf_io_kind kind);

void __wrap_hb_core_on_sf_read(struct hb_core *c, hb_mono_ms now, const struct hb_sf_read *r)
{
	(void)c;
	record(CALL_READ, now)->read = *r;
}

void __wrap_hb_core_on_sf_write(struct hb_core *c, hb_mono_ms now, bool global_block, int err)
{
	(void)c;
	struct call *k = record(CALL_WRITE, now);
	k->global = global_block;
	k->err = err;
}

void __wrap_hb_core_on_sf_overdue(struct hb_core *c, hb_mono_ms now, enum hb_sf_io_kind kind)
{
	(void)c;
	record(CALL_OVERDUE, now)->io = kind;
}

/* A device that has not completed: while set, the adapter's reaps find
 * nothing (its I/O stays in flight, whatever the real file did), so a
 * deadline can pass with the I/O truly outstanding. */
static bool g_device_stuck;

int __real_hb_sfdev_reap(struct hb_sfdev *dev, int timeout_ms, struct hb_err *err);
int __wrap_hb_sfdev_reap(struct hb_sfdev *dev, int timeout_ms, struct hb_err *err);

int __wrap_hb_sfdev_reap(struct hb_sfdev *dev, int timeout_ms, struct hb_err *err)
{
	if (g_device_stuck)
		return 0;
	return __real_hb_sfdev_reap(dev, timeout_ms, err);
}

static unsigned count_calls(enum call_kind kind)
{
	unsigned n = 0;
	for (unsigned i = 0; i < g_n_calls; i++)
		n += g_calls[i].kind == kind;
	return n;
}

/* ---- what the agent's other modules would provide ------------------------ */

static char g_last_log[512];
static unsigned g_warnings, g_notices;

void agent_log(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g_last_log, sizeof g_last_log, fmt, ap);
	va_end(ap);
	g_warnings += prio == LOG_WARNING;
	g_notices += prio == LOG_NOTICE;
}
hb_mono_ms agent_tick(struct agent *a) { return a->now; } /* the test moves the clock */
uint64_t agent_log_dropped(void) { return 0; }
bool agent_xs_connected(void) { return true; }

/* ---- fixtures ------------------------------------------------------------ */

static char g_dir[1024];
static char g_path[1024 + 32];

static hb_uuid g_gen, g_uuids[N_HOSTS];

static int setup(void **state)
{
	g_device_stuck = false;
	if (unit_sfdir_mkfile(g_path, sizeof g_path, g_dir, "hb-agent-sf") != 0)
		return -1;
	/* the statefile, zeroed (every block reads fine and decodes as empty) */
	struct hb_sfdev dev;
	struct hb_err err;
	struct hb_sfdev_opts o = {.n_hosts = N_HOSTS, .create = true};
	if (hb_sfdev_open(&dev, g_path, &o, &err) < 0) {
		fprintf(stderr, "hb_sfdev_open: %s\n", err.msg);
		return -1;
	}
	hb_sfdev_close(&dev);

	struct agent *a = calloc(1, sizeof *a);
	if (a == NULL)
		return -1;
	for (unsigned k = 0; k < sizeof g_gen.b; k++)
		g_gen.b[k] = (uint8_t)(0x50 + k);
	a->cfg.n_hosts = N_HOSTS;
	a->cfg.local_index = SELF;
	a->cfg.n_paths = 1;
	a->cfg.generation = g_gen;
	snprintf(a->cfg.statefile, sizeof a->cfg.statefile, "%s", g_path);
	for (unsigned i = 0; i < N_HOSTS; i++) {
		for (unsigned k = 0; k < sizeof g_uuids[i].b; k++)
			g_uuids[i].b[k] = (uint8_t)(i * 16u + k + 1u);
		a->uuids[i] = g_uuids[i];
	}
	hb_uuid_format(&a->uuids[SELF], a->self_uuid);
	struct hb_timing_params tp;
	if (hb_timing_params_from_T(10, &tp, NULL) != 0 || hb_timing_derive(&tp, &a->timing, NULL) != 0)
		return -1;
	a->boot_id = 7;
	a->weight = 1;
	a->now = T0;
	/* a real core for the status documents; it never hears from the
	 * adapter (the wrappers above), so it stays Starting */
	a->core = calloc(1, hb_core_size());
	if (a->core == NULL)
		return -1;
	struct hb_core_config cc = {.n_hosts = N_HOSTS, .self = SELF, .host_uuids = a->uuids, .generation = g_gen,
	                            .n_paths = 1, .timing = a->timing, .weight = 1, .boot_id = a->boot_id};
	hb_core_init(a->core, &cc, T0);
	for (unsigned i = 0; i < AGENT_CTL_MAX_CLIENTS; i++)
		a->ctl.clients[i].fd = -1;
	if (agent_sf_open(a, &err) != 0) {
		fprintf(stderr, "agent_sf_open: %s\n", err.msg);
		return -1;
	}
	g_n_calls = 0;
	g_warnings = g_notices = 0;
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	struct agent *a = *state;
	if (a != NULL) {
		g_device_stuck = false;
		/* reap what a test left in flight, so close never waits */
		struct hb_err err;
		while (hb_sfdev_read_busy(&a->sf.dev) || hb_sfdev_write_busy(&a->sf.dev))
			if (hb_sfdev_reap(&a->sf.dev, 30000, &err) < 0)
				break;
		agent_sf_close(a);
		free(a->core);
		free(a);
	}
	unlink(g_path);
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static struct hb_slot my_slot(uint64_t seq)
{
	struct hb_slot s;
	hb_slot_init_fresh(&s, &g_gen, &g_uuids[SELF], SELF, N_HOSTS);
	s.sequence = seq;
	return s;
}

static struct hb_global global_block(uint64_t seq, enum hb_pool_state ps)
{
	return (struct hb_global){.generation = g_gen, .pool_state = ps, .n_hosts = N_HOSTS, .sequence = seq,
	                          .writer = SELF};
}

static void ask(struct agent *a, const struct hb_core_out *out) { agent_sf_execute(a, out); }

static void ask_slot(struct agent *a, uint64_t seq)
{
	struct hb_core_out out = {.write_slot = true};
	out.slot = my_slot(seq);
	ask(a, &out);
}

static void ask_global(struct agent *a, uint64_t seq, enum hb_pool_state ps)
{
	struct hb_core_out out = {.write_global = true, .global = global_block(seq, ps)};
	ask(a, &out);
}

/* A read batch and my slot write (this incarnation's), asked together. */
static void ask_read_and_slot(struct agent *a, uint64_t seq)
{
	struct hb_core_out out = {.write_slot = true, .read = true};
	out.slot = my_slot(seq);
	out.slot.boot_id = a->boot_id;
	ask(a, &out);
}

static void ask_read(struct agent *a)
{
	struct hb_core_out out = {.read = true};
	ask(a, &out);
}

/* Wait for the device's eventfd (no clock of the test depends on it: only a
 * hung disk makes this fail), then let the adapter reap. */
static void one_event(struct agent *a)
{
	struct pollfd p = {.fd = hb_sfdev_eventfd(&a->sf.dev), .events = POLLIN};
	assert_true(p.fd >= 0);
	int n = poll(&p, 1, 30000);
	assert_int_equal(n, 1);
	agent_sf_on_event(a);
}

/* Reap until the core has been told of `want` more calls of kind. */
static void until_calls(struct agent *a, enum call_kind kind, unsigned want)
{
	unsigned target = count_calls(kind) + want;
	for (unsigned i = 0; i < 64u && count_calls(kind) < target; i++)
		one_event(a);
	assert_int_equal(count_calls(kind), target);
}

/* Reap until a read and a write in flight together are both told: one event
 * may complete both, so both targets are taken before the first wait. */
static void until_read_and_write(struct agent *a)
{
	unsigned reads = count_calls(CALL_READ) + 1, writes = count_calls(CALL_WRITE) + 1;
	for (unsigned i = 0; i < 64u && (count_calls(CALL_READ) < reads || count_calls(CALL_WRITE) < writes); i++)
		one_event(a);
	assert_int_equal(count_calls(CALL_READ), reads);
	assert_int_equal(count_calls(CALL_WRITE), writes);
}

static const struct call *last_call(enum call_kind kind)
{
	for (unsigned i = g_n_calls; i-- > 0;)
		if (g_calls[i].kind == kind)
			return &g_calls[i];
	fail_msg("the core was never told of kind %d", (int)kind);
	return &g_calls[0]; /* not reached */
}

static void read_back(struct agent *a, struct hb_sf_read *out)
{
	ask_read(a);
	until_calls(a, CALL_READ, 1);
	*out = last_call(CALL_READ)->read;
}

static int64_t jint(struct json_object *o, const char *path1, const char *path2, const char *key)
{
	struct json_object *v = o;
	const char *keys[] = {path1, path2, key};
	for (unsigned i = 0; i < 3; i++) {
		if (keys[i] == NULL)
			continue;
		assert_true(json_object_object_get_ex(v, keys[i], &v));
	}
	return json_object_is_type(v, json_type_null) || v == NULL ? -1 : json_object_get_int64(v);
}

static bool jnull(struct json_object *o, const char *p1, const char *p2, const char *key)
{
	struct json_object *v = o;
	const char *keys[] = {p1, p2, key};
	for (unsigned i = 0; i < 3; i++) {
		if (keys[i] == NULL)
			continue;
		assert_true(json_object_object_get_ex(v, keys[i], &v));
	}
	return v == NULL;
}

/* ---- write queueing ------------------------------------------------------ */

/* A global write asked while my slot write is on the device waits for it;
 * it goes out, once, when the slot write completes. */
static void test_global_waits_for_slot(void **state)
{
	struct agent *a = *state;
	ask_slot(a, 1);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_SLOT);
	assert_true(hb_sfdev_write_busy(&a->sf.dev));
	assert_int_equal(a->sf.dev.wr_stats.submitted, 1);

	a->now += 5;
	ask_global(a, 1, HB_POOL_ACTIVE);
	/* queued, not issued: the device has one write buffer */
	assert_true(a->sf.global_q);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_SLOT);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 1);
	assert_int_equal(a->sf.dev.wr_stats.busy, 0);
	assert_int_equal(a->sf.global_waits, 1);
	assert_int_equal(a->sf.global_q_at, T0 + 5);

	/* the slot write completes: reported, then the global one goes out */
	a->now += 5;
	until_calls(a, CALL_WRITE, 1);
	const struct call *c = last_call(CALL_WRITE);
	assert_false(c->global);
	assert_int_equal(c->err, 0);
	assert_int_equal(c->now, T0 + 10);
	assert_false(a->sf.global_q);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_GLOBAL);
	assert_int_equal(a->sf.wr_at, T0 + 5); /* its deadline runs from when it was asked */
	assert_int_equal(a->sf.dev.wr_stats.submitted, 2);

	until_calls(a, CALL_WRITE, 1);
	c = last_call(CALL_WRITE);
	assert_true(c->global);
	assert_int_equal(c->err, 0);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_NONE);

	/* exactly two writes, one of each, nothing more pending */
	assert_int_equal(count_calls(CALL_WRITE), 2);
	assert_int_equal(a->sf.slot_writes, 1);
	assert_int_equal(a->sf.global_writes, 1);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 2);
	assert_int_equal(a->sf.dev.wr_stats.completed, 2);
	assert_int_equal(count_calls(CALL_OVERDUE), 0);
	assert_int_equal(agent_sf_next_deadline(a), INT64_MAX);

	/* both reached the statefile */
	struct hb_sf_read r;
	read_back(a, &r);
	assert_int_equal(r.global_err, 0);
	assert_int_equal(r.global_reject, HB_REJECT_NONE);
	assert_int_equal(r.global.pool_state, HB_POOL_ACTIVE);
	assert_int_equal(r.global.sequence, 1);
	assert_int_equal(r.slot_err[SELF], 0);
	assert_int_equal(r.slot_reject[SELF], HB_REJECT_NONE);
	assert_int_equal(r.slots[SELF].host_index, SELF);
}

/* A slot write asked while a global write is on the device waits too. */
static void test_slot_waits_for_global(void **state)
{
	struct agent *a = *state;
	ask_global(a, 3, HB_POOL_ACTIVE);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_GLOBAL);
	ask_slot(a, 1);
	assert_true(a->sf.slot_q);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 1);
	assert_int_equal(a->sf.global_waits, 0);

	until_calls(a, CALL_WRITE, 1);
	assert_true(last_call(CALL_WRITE)->global);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_SLOT);
	assert_false(a->sf.slot_q);
	until_calls(a, CALL_WRITE, 1);
	assert_false(last_call(CALL_WRITE)->global);
	assert_int_equal(last_call(CALL_WRITE)->err, 0);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 2);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_NONE);
}

/* Both kinds waiting behind a global write: my slot goes first. */
static void test_slot_before_global(void **state)
{
	struct agent *a = *state;
	ask_global(a, 3, HB_POOL_ACTIVE);
	ask_slot(a, 1);
	ask_global(a, 4, HB_POOL_ACTIVE);
	assert_true(a->sf.slot_q);
	assert_true(a->sf.global_q);
	assert_int_equal(a->sf.global_waits, 1);
	until_calls(a, CALL_WRITE, 1);
	assert_true(last_call(CALL_WRITE)->global);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_SLOT);
	assert_true(a->sf.global_q);
	until_calls(a, CALL_WRITE, 1);
	assert_false(last_call(CALL_WRITE)->global);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_GLOBAL);
	until_calls(a, CALL_WRITE, 1);
	assert_true(last_call(CALL_WRITE)->global);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_NONE);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 3);
	struct hb_sf_read r;
	read_back(a, &r);
	assert_int_equal(r.global.sequence, 4);
}

/* A global write asked twice while it waits goes out once, the newest. */
static void test_newest_global_wins(void **state)
{
	struct agent *a = *state;
	ask_slot(a, 1);
	ask_global(a, 10, HB_POOL_ACTIVE);
	a->now += 1;
	unsigned warnings = g_warnings;
	ask_global(a, 11, HB_POOL_INVALID);
	assert_int_equal(g_warnings, warnings + 1); /* "keeping the newest" */
	assert_int_equal(a->sf.global_q_at, T0 + 1);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 1);

	until_calls(a, CALL_WRITE, 2);
	assert_true(last_call(CALL_WRITE)->global);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_NONE);
	assert_false(a->sf.global_q);
	assert_int_equal(a->sf.global_writes, 1);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 2);
	assert_int_equal(count_calls(CALL_WRITE), 2);

	struct hb_sf_read r;
	read_back(a, &r);
	assert_int_equal(r.global_reject, HB_REJECT_NONE);
	assert_int_equal(r.global.sequence, 11);
	assert_int_equal(r.global.pool_state, HB_POOL_INVALID);
}

/* A global write asked again while one is on the device: the second waits
 * and goes out after the first, with its own content. */
static void test_global_behind_global(void **state)
{
	struct agent *a = *state;
	ask_global(a, 20, HB_POOL_ACTIVE);
	ask_global(a, 21, HB_POOL_INVALID);
	assert_true(a->sf.global_q);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 1);
	until_calls(a, CALL_WRITE, 1);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_GLOBAL);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 2);
	until_calls(a, CALL_WRITE, 1);
	assert_int_equal(a->sf.global_writes, 2);
	struct hb_sf_read r;
	read_back(a, &r);
	assert_int_equal(r.global.sequence, 21);
}

/* ---- read and write together --------------------------------------------- */

static void test_read_and_write_together(void **state)
{
	struct agent *a = *state;
	ask_read_and_slot(a, 42);
	assert_true(a->sf.rd_busy);
	assert_int_equal(a->sf.rd_at, T0);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_SLOT);
	assert_true(hb_sfdev_read_busy(&a->sf.dev));
	assert_true(hb_sfdev_write_busy(&a->sf.dev));
	assert_null(agent_sf_last_read(a)); /* none completed yet */

	a->now += 3;
	until_read_and_write(a);
	assert_false(a->sf.rd_busy);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_NONE);
	const struct call *rd = last_call(CALL_READ);
	assert_int_equal(rd->read.submitted_at, T0);
	assert_int_equal(rd->read.global_err, 0);
	for (unsigned i = 0; i < N_HOSTS; i++)
		assert_int_equal(rd->read.slot_err[i], 0);
	assert_false(last_call(CALL_WRITE)->global);
	assert_int_equal(last_call(CALL_WRITE)->err, 0);
	assert_int_equal(a->sf.last_read_at, T0 + 3);
	assert_non_null(agent_sf_last_read(a));

	/* the next read sees the slot as written */
	a->now += 10;
	struct hb_sf_read r;
	read_back(a, &r);
	assert_int_equal(r.slot_reject[SELF], HB_REJECT_NONE);
	assert_int_equal(r.slots[SELF].sequence, 42);
	assert_int_equal(r.slots[SELF].boot_id, a->boot_id);
	assert_int_equal(a->sf.reads, 2);
	assert_int_equal(a->sf.last_read_at, T0 + 13);
	assert_int_equal(agent_sf_last_read(a)->slots[SELF].sequence, 42);
}

/* ---- deadlines ----------------------------------------------------------- */

/* The whole host stalled past the I/O deadline while a read and a write were
 * in flight; both completed during the stall and wait in the ring, and the
 * timer is dispatched before the device's event: nothing is overdue, both
 * are handed over as done in time. */
static void test_completed_during_stall(void **state)
{
	struct agent *a = *state;
	ask_read_and_slot(a, 7);
	/* both complete on the device (taken from the kernel, up to 30 s
	 * each, no clock of the test involved) while the adapter, stalled, has
	 * not been told */
	struct hb_err err;
	for (unsigned i = 0; i < 64u && (hb_sfdev_read_busy(&a->sf.dev) || hb_sfdev_write_busy(&a->sf.dev)); i++)
		assert_int_equal(hb_sfdev_reap(&a->sf.dev, 30000, &err) >= 0, 1);
	assert_false(hb_sfdev_read_busy(&a->sf.dev) || hb_sfdev_write_busy(&a->sf.dev));
	assert_true(a->sf.rd_busy && a->sf.wr_kind == AGENT_WR_SLOT);
	a->now = T0 + (hb_mono_ms)a->sf.io_timeout_ms + 4000; /* the stall */
	agent_sf_check_overdue(a);
	assert_int_equal(count_calls(CALL_OVERDUE), 0);
	assert_int_equal(a->sf.dev.rd_stats.overdue, 0);
	assert_false(a->sf.rd_overdue);
	assert_false(a->sf.wr_overdue);
	assert_int_equal(count_calls(CALL_READ), 1);
	assert_int_equal(count_calls(CALL_WRITE), 1);
	assert_int_equal(last_call(CALL_WRITE)->err, 0);
}

/* A read batch past its deadline: overdue to the core and the device, once;
 * its late completion is handed over but is not the latest read. */
static void test_read_overdue(void **state)
{
	struct agent *a = *state;
	hb_mono_ms d = (hb_mono_ms)a->sf.io_timeout_ms;
	assert_true(d > 2);
	/* a first read in time */
	read_back(a, &(struct hb_sf_read){0});
	assert_int_equal(a->sf.last_read_at, T0);

	a->now = T0 + 100;
	ask_read(a);
	g_device_stuck = true; /* in flight until the late completion below */
	assert_int_equal(agent_sf_next_deadline(a), T0 + 100 + d);
	/* just before the deadline: nothing */
	a->now = T0 + 100 + d - 1;
	agent_sf_check_overdue(a);
	assert_int_equal(count_calls(CALL_OVERDUE), 0);
	assert_false(a->sf.rd_overdue);

	/* at the deadline: overdue, at once, on the decision clock */
	a->now = T0 + 100 + d;
	agent_sf_check_overdue(a);
	assert_int_equal(count_calls(CALL_OVERDUE), 1);
	const struct call *c = last_call(CALL_OVERDUE);
	assert_int_equal(c->io, HB_SF_IO_READ);
	assert_int_equal(c->now, T0 + 100 + d);
	assert_true(a->sf.rd_overdue);
	assert_int_equal(a->sf.dev.rd_stats.overdue, 1);
	assert_int_equal(agent_sf_next_deadline(a), INT64_MAX);
	/* still in flight past T2/2 (later than the I/O deadline): the
	 * approaching-timeout warning (Online only) */
	hb_mono_ms warn = (hb_mono_ms)a->timing.warn_sf_ms;
	assert_true(warn > d);
	struct hb_core_status s = {.phase = HB_PHASE_ONLINE};
	a->now = T0 + 100 + warn;
	assert_false(agent_warn_sf_approaching(a, &s));
	a->now += 1;
	assert_true(agent_warn_sf_approaching(a, &s));
	s.phase = HB_PHASE_JOINING;
	assert_false(agent_warn_sf_approaching(a, &s));
	/* only once */
	a->now += 1000;
	agent_sf_check_overdue(a);
	assert_int_equal(count_calls(CALL_OVERDUE), 1);
	assert_int_equal(a->sf.dev.rd_stats.overdue, 1);
	assert_int_equal(count_calls(CALL_READ), 1);

	/* the late completion: handed over (the core discards it), noticed,
	 * counted late, and not the latest read */
	hb_mono_ms late_at = a->now;
	unsigned notices = g_notices;
	g_device_stuck = false;
	until_calls(a, CALL_READ, 1);
	assert_int_equal(last_call(CALL_READ)->now, late_at);
	assert_int_equal(last_call(CALL_READ)->read.submitted_at, T0 + 100);
	assert_false(a->sf.rd_busy);
	assert_int_equal(g_notices, notices + 1);
	assert_non_null(strstr(g_last_log, "completed late"));
	/* hb_sfdev counts late completions by block: the whole batch */
	assert_int_equal(a->sf.dev.rd_stats.late, 1 + N_HOSTS);
	assert_int_equal(a->sf.last_read_at, T0);

	/* the status shows it */
	struct json_object *st = agent_status_json(a);
	assert_int_equal(jint(st, "statefile", "read", "overdue"), 1);
	assert_int_equal(jint(st, "statefile", "read", "late"), 1 + N_HOSTS);
	assert_int_equal(jint(st, "statefile", "read", "completed"), 2);
	assert_false(jnull(st, "statefile", "read", "latency_last_us"));
	assert_int_equal(jint(st, "statefile", NULL, "io_deadline_ms"), d);
	assert_int_equal(jint(st, "statefile", NULL, "last_read_age_ms"), late_at - T0);
	json_object_put(st);
	struct json_object *sfj = agent_statefile_json(a);
	assert_int_equal(jint(sfj, NULL, NULL, "read_age_ms"), late_at - T0);
	json_object_put(sfj);

	/* the next read in time is the latest again */
	a->now += 7;
	read_back(a, &(struct hb_sf_read){0});
	assert_int_equal(a->sf.last_read_at, late_at + 7);
	st = agent_status_json(a);
	assert_int_equal(jint(st, "statefile", NULL, "last_read_age_ms"), 0);
	a->now += 250;
	json_object_put(st);
	st = agent_status_json(a);
	assert_int_equal(jint(st, "statefile", NULL, "last_read_age_ms"), 250);
	assert_int_equal(jint(st, "statefile", "read", "late"), 1 + N_HOSTS);
	json_object_put(st);
}

/* A write past its deadline: overdue once; the write waiting behind it goes
 * out only after the late completion (its buffer is the kernel's until then). */
static void test_write_overdue(void **state)
{
	struct agent *a = *state;
	hb_mono_ms d = (hb_mono_ms)a->sf.io_timeout_ms;
	ask_global(a, 30, HB_POOL_ACTIVE);
	g_device_stuck = true; /* in flight until the late completion below */
	a->now = T0 + 10;
	ask_slot(a, 1);
	assert_true(a->sf.slot_q);
	/* the nearest deadline: the global write's */
	assert_int_equal(agent_sf_next_deadline(a), T0 + d);

	a->now = T0 + d;
	agent_sf_check_overdue(a);
	assert_int_equal(count_calls(CALL_OVERDUE), 1);
	assert_int_equal(last_call(CALL_OVERDUE)->io, HB_SF_IO_WRITE);
	assert_true(a->sf.wr_overdue);
	assert_int_equal(a->sf.dev.wr_stats.overdue, 1);
	assert_true(a->sf.slot_q); /* its own deadline is later */
	assert_int_equal(agent_sf_next_deadline(a), T0 + 10 + d);
	/* only once */
	a->now = T0 + d + 5;
	agent_sf_check_overdue(a);
	assert_int_equal(count_calls(CALL_OVERDUE), 1);
	assert_int_equal(a->sf.dev.wr_stats.overdue, 1);

	/* the late completion, before the slot write's deadline */
	a->now = T0 + d + 5;
	g_device_stuck = false;
	until_calls(a, CALL_WRITE, 1);
	const struct call *c = last_call(CALL_WRITE);
	assert_true(c->global);
	assert_int_equal(c->err, 0);
	assert_non_null(strstr(g_last_log, "completed late"));
	assert_int_equal(a->sf.dev.wr_stats.late, 1);
	/* the waiting slot write is on the device now, not overdue */
	assert_int_equal(a->sf.wr_kind, AGENT_WR_SLOT);
	assert_false(a->sf.wr_overdue);
	assert_int_equal(a->sf.wr_at, T0 + 10);
	until_calls(a, CALL_WRITE, 1);
	assert_false(last_call(CALL_WRITE)->global);
	assert_int_equal(last_call(CALL_WRITE)->err, 0);
	assert_int_equal(count_calls(CALL_OVERDUE), 1);
	assert_int_equal(a->sf.dropped_queued, 0);

	struct json_object *st = agent_status_json(a);
	assert_int_equal(jint(st, "statefile", "write", "overdue"), 1);
	assert_int_equal(jint(st, "statefile", "write", "late"), 1);
	assert_int_equal(jint(st, "statefile", "write", "completed"), 2);
	assert_int_equal(jint(st, "statefile", NULL, "dropped_queued_writes"), 0);
	json_object_put(st);
}

/* A slot write still waiting behind an overdue global write at its own
 * deadline never reached the kernel: dropped and reported failed. */
static void test_queued_slot_dropped(void **state)
{
	struct agent *a = *state;
	hb_mono_ms d = (hb_mono_ms)a->sf.io_timeout_ms;
	ask_global(a, 40, HB_POOL_ACTIVE);
	g_device_stuck = true; /* in flight until the late completion below */
	a->now = T0 + 10;
	ask_slot(a, 1);
	a->now = T0 + 10 + d;
	agent_sf_check_overdue(a);
	/* the global write overdue, the slot write overdue and dropped */
	assert_int_equal(count_calls(CALL_OVERDUE), 2);
	assert_int_equal(g_calls[0].kind, CALL_OVERDUE);
	assert_int_equal(g_calls[0].io, HB_SF_IO_WRITE);
	assert_int_equal(g_calls[1].kind, CALL_OVERDUE);
	assert_int_equal(g_calls[2].kind, CALL_WRITE);
	assert_false(g_calls[2].global);
	assert_int_equal(g_calls[2].err, -ETIMEDOUT);
	assert_int_equal(g_calls[2].now, T0 + 10 + d);
	assert_true(a->again);
	assert_false(a->sf.slot_q);
	assert_int_equal(a->sf.dropped_queued, 1);
	assert_int_equal(a->sf.slot_writes, 0);
	assert_int_equal(agent_sf_next_deadline(a), INT64_MAX);

	/* the global write's late completion: nothing else goes out */
	g_device_stuck = false;
	until_calls(a, CALL_WRITE, 1);
	assert_true(last_call(CALL_WRITE)->global);
	assert_int_equal(a->sf.wr_kind, AGENT_WR_NONE);
	assert_int_equal(a->sf.dev.wr_stats.submitted, 1);

	struct json_object *st = agent_status_json(a);
	assert_int_equal(jint(st, "statefile", NULL, "dropped_queued_writes"), 1);
	assert_int_equal(jint(st, "statefile", "write", "overdue"), 1);
	json_object_put(st);
}

int main(void)
{
	if (!unit_sfdir_find(g_dir, sizeof g_dir, "hb-agent-sf-probe"))
		return 77;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_global_waits_for_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_waits_for_global, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_before_global, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_global_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_behind_global, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_and_write_together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_completed_during_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queued_slot_dropped, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
