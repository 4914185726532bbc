/*
 * test_core.c: the membership core, driven directly.
 *
 * Goal: the pure pieces (best partition) follow xhad's rules, and a few real
 * cores wired by the unit tests' pool executor (unit_pool.c: perfect
 * clocks, instant storage, lossless network unless a host is cut out) form
 * a pool, keep a crashed host until its fence bound has passed and not a
 * millisecond less, make an isolated host fence itself and announce it, and
 * grant the master lock to one host only. The simulator (tests/sim) covers
 * faults at scale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hb_core.h"
#include "hb_partition.h"
#include "unit_pool.h"

/* ---- partition ---- */

static void full(struct hb_partition_input *in, unsigned n)
{
	memset(in, 0, sizeof *in);
	in->n_hosts = n;
	in->candidates = hb_hostmap_all(n);
	for (unsigned i = 0; i < n; i++) {
		in->adj[i] = hb_hostmap_all(n) & ~hb_host_bit(i);
		in->weight[i] = 1;
	}
}

static void cut(struct hb_partition_input *in, unsigned a, unsigned b)
{
	in->adj[a] &= ~hb_host_bit(b);
	in->adj[b] &= ~hb_host_bit(a);
}

static void test_partition_rules(void **state)
{
	(void)state;
	struct hb_partition_input in;
	full(&in, 5);
	assert_int_equal(hb_partition_best(&in), 0x1f);
	/* 2-host pool split: lowest index wins */
	full(&in, 2);
	cut(&in, 0, 1);
	assert_int_equal(hb_partition_best(&in), 0x1);
	/* even split 2|2: the lower index list {0,1} wins */
	full(&in, 4);
	cut(&in, 0, 2), cut(&in, 0, 3), cut(&in, 1, 2), cut(&in, 1, 3);
	assert_int_equal(hb_partition_best(&in), 0x3);
	/* ... unless weights say otherwise */
	in.weight[3] = 2;
	assert_int_equal(hb_partition_best(&in), 0xc);
	/* the largest partition wins over the lowest index */
	full(&in, 5);
	cut(&in, 0, 1), cut(&in, 0, 2), cut(&in, 0, 3), cut(&in, 0, 4);
	assert_int_equal(hb_partition_best(&in), 0x1e);
	/* a one-way link is no link */
	full(&in, 3);
	in.adj[0] &= ~hb_host_bit(1);
	assert_int_equal(hb_partition_best(&in), 0x5);
	/* only candidates count */
	full(&in, 4);
	in.candidates = 0xa;
	assert_int_equal(hb_partition_best(&in), 0xa);
	/* a loser that fences never changes the picture: {0,1} still wins over
	 * {2,3} while 2 fences */
	full(&in, 4);
	cut(&in, 0, 2), cut(&in, 0, 3), cut(&in, 1, 2), cut(&in, 1, 3);
	in.leaving = 0x4;
	assert_int_equal(hb_partition_best(&in), 0x3);
	/* a fencing host weighs nothing: when 0 fences (for a reason of its own)
	 * the living {2,3} outweigh the living {1} */
	in.leaving = 0x1;
	assert_int_equal(hb_partition_best(&in), 0xc);
	/* nor does its stale view decide a tie: 1 (fencing) does not hear 2, so
	 * {0,1,3} and {0,2,3} are both cliques; only {0,3} + 1 living host
	 * each: the tie goes by the living hosts' indices, and 2 is not out
	 * because of 1's view */
	full(&in, 4);
	cut(&in, 1, 2);
	in.leaving = 0x2;
	assert_int_equal(hb_partition_best(&in) & ~in.leaving, 0xd);
	/* ... but a partition of fencing hosts only never wins: host 1 (fencing)
	 * alone against host 2 alone (host 0 stopped, host 3 gone) */
	full(&in, 3);
	in.candidates = 0x6;
	cut(&in, 1, 2);
	in.leaving = 0x2;
	assert_int_equal(hb_partition_best(&in), 0x4);
	/* everybody fencing: no best partition */
	in.leaving = 0x6;
	assert_int_equal(hb_partition_best(&in), 0);
}

static void test_partition_large(void **state)
{
	(void)state;
	struct hb_partition_input in;
	/* 64 hosts split 32|32 and 64 isolated hosts finish and tie-break low */
	full(&in, 64);
	for (unsigned a = 0; a < 32; a++)
		for (unsigned b = 32; b < 64; b++)
			cut(&in, a, b);
	assert_int_equal(hb_partition_best(&in), 0xffffffffu);
	full(&in, 64);
	for (unsigned i = 0; i < 64; i++)
		in.adj[i] = 0;
	assert_int_equal(hb_partition_best(&in), 1);
	full(&in, 64);
	assert_int_equal(hb_partition_best(&in), ~(hb_hostmap)0);
}

/* ---- a pool of real cores (unit_pool.c): perfect clocks, instant statefile ---- */

static void unsafe_config(struct hb_core_config *cfg) { cfg->unsafe = HB_UNSAFE_SKIP_REMOVAL_WAIT; }

/* n hosts, the pool state Init, the watchdog modelled; the pool records
 * when each host drops each other host (p->removed_at). */
static struct unit_pool *pool_new(unsigned n, uint32_t T, bool unsafe)
{
	hb_uuid uuids[UNIT_POOL_MAX];
	memset(uuids, 0, sizeof uuids);
	for (unsigned i = 0; i < n; i++)
		uuids[i].b[0] = (uint8_t)(0x10 + i);
	struct unit_pool_opts o = {
		.n_hosts = n, .T = T, .n_paths = 1, .pool_state = HB_POOL_INIT, .start = 0, .watchdog = true,
		.gen = {.b = {0x9e}}, .uuids = uuids, .configure = unsafe ? unsafe_config : NULL,
	};
	return unit_pool_new(&o);
}

/* Host 2 runs with T = 12 where the others run T = 10 (one host's
 * xhad.conf differs): every host reports the other side as a mismatch. */
static void t12_on_host2(struct hb_core_config *cfg)
{
	struct hb_timing_params params;
	if (cfg->self != 2)
		return;
	assert_int_equal(hb_timing_params_from_T(12, &params, NULL), 0);
	assert_int_equal(hb_timing_derive(&params, &cfg->timing, NULL), 0);
}

static void test_timing_mismatch_reported(void **state)
{
	(void)state;
	hb_uuid uuids[3] = {{.b = {0x10}}, {.b = {0x11}}, {.b = {0x12}}};
	struct unit_pool_opts o = {
		.n_hosts = 3, .T = 10, .n_paths = 1, .pool_state = HB_POOL_INIT, .start = 0, .watchdog = true,
		.gen = {.b = {0x9e}}, .uuids = uuids, .configure = t12_on_host2,
	};
	struct unit_pool *p = unit_pool_new(&o);
	unit_pool_run_until(p, 15000);
	assert_int_equal(unit_pool_status(p, 0).timing_mismatch, 0x4);
	assert_int_equal(unit_pool_status(p, 1).timing_mismatch, 0x4);
	assert_int_equal(unit_pool_status(p, 2).timing_mismatch, 0x3);
	unit_pool_free(p);
	/* the same timing everywhere: no mismatch */
	p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(unit_pool_status(p, i).timing_mismatch, 0);
	unit_pool_free(p);
}

/* A new pool with one host down: the others say they wait for every host,
 * name the missing one and when they give up (Tenable after the start). */
static void test_start_wait_names_missing_host(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	p->up[2] = false;
	unit_pool_run_until(p, 8000);
	for (unsigned i = 0; i < 2; i++) {
		struct hb_core_status st = unit_pool_status(p, i);
		assert_int_equal(st.phase, HB_PHASE_STARTING);
		assert_int_equal(st.start_wait, HB_START_ALL_HOSTS);
		assert_int_equal(st.start_waiting, 0x4);
		assert_int_equal(st.start_gives_up_at, (hb_mono_ms)p->t.p.enable_join_timeout_ms);
	}
	assert_string_equal(hb_start_wait_name(HB_START_ALL_HOSTS), "all-hosts");
	/* host 2 comes: the pool forms and nothing is waited for any more */
	p->up[2] = true;
	unit_pool_restart(p, 2, 500);
	unit_pool_run_for(p, 15000);
	for (unsigned i = 0; i < 3; i++) {
		struct hb_core_status st = unit_pool_status(p, i);
		assert_int_equal(st.phase, HB_PHASE_ONLINE);
		assert_int_equal(st.start_wait, HB_START_NONE);
	}
	unit_pool_free(p);
}

static void test_init_pool_forms(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	for (unsigned i = 0; i < 3; i++) {
		struct hb_core_status st = unit_pool_status(p, i);
		assert_int_equal(st.phase, HB_PHASE_ONLINE);
		assert_int_equal(st.liveset, 0x7);
		assert_true(st.armed && st.sf_access);
		assert_true(st.healthy_until > p->now - 10);
	}
	/* the lowest index made the pool Active */
	assert_int_equal(p->global.pool_state, HB_POOL_ACTIVE);
	unit_pool_free(p);
}

static void test_crash_waits_for_fence_bound(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	hb_mono_ms crash = p->now;
	p->up[2] = false;
	unit_pool_run_until(p, crash + p->t.failover_bound_ms + 1000);
	for (unsigned i = 0; i < 2; i++) {
		struct hb_core_status st = unit_pool_status(p, i);
		assert_int_equal(st.liveset, 0x3);
		hb_mono_ms after = p->removed_at[i][2] - crash;
		/* never before the removal wait, always within the failover bound */
		if (after < (hb_mono_ms)p->t.removal_wait_ms - (hb_mono_ms)p->t.p.sf_interval_ms ||
		    after > (hb_mono_ms)p->t.failover_bound_ms)
			fail_msg("host %u dropped the crashed host %lld ms after the crash (removal wait %u, bound %u)", i,
			         (long long)after, p->t.removal_wait_ms, p->t.failover_bound_ms);
	}
	assert_false(p->fenced[0] || p->fenced[1]);
	unit_pool_free(p);
}

static void test_isolated_host_fences_and_says_so(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	hb_mono_ms cut_at = p->now;
	p->cut_out[2] = true;
	while (p->now < cut_at + (hb_mono_ms)p->t.isolation_bound_ms) {
		unit_pool_run_until(p, p->now + 100);
		/* removal means fenced */
		assert_true(p->removed_at[0][2] < 0 || p->fenced[2]);
		assert_true(p->removed_at[1][2] < 0 || p->fenced[2]);
	}
	assert_true(p->fenced[2]);
	assert_false(p->fenced[0] || p->fenced[1]);
	/* its slot carries the fencing flag and its last words */
	assert_true(p->slots[2].view.flags & HB_VF_FENCING);
	assert_int_equal(p->slots[2].last_words.reason, HB_FENCE_LOST_PARTITION);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(unit_pool_status(p, i).liveset, 0x3);
		/* dropped on its fencing flag, within the bound for a loser that can
		 * still write (not after a silent host's full wait from its flag) */
		assert_true(p->removed_at[i][2] - cut_at <= (hb_mono_ms)p->t.failover_typical_ms + 1000);
	}
	unit_pool_free(p);
}

static void test_master_lock_single_holder(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	enum hb_propose_result r1 = HB_PROPOSE_PENDING, r2 = HB_PROPOSE_PENDING;
	for (int i = 0; i < 200 && (r1 == HB_PROPOSE_PENDING || r2 == HB_PROPOSE_PENDING); i++) {
		if (r1 == HB_PROPOSE_PENDING)
			r1 = hb_core_propose_master(p->core[1], p->now);
		if (r2 == HB_PROPOSE_PENDING)
			r2 = hb_core_propose_master(p->core[2], p->now);
		unit_pool_run_until(p, p->now + 500);
	}
	/* racing proposals: exactly one TRUE, and everyone agrees on it */
	assert_true((r1 == HB_PROPOSE_TRUE) != (r2 == HB_PROPOSE_TRUE));
	int holder = r1 == HB_PROPOSE_TRUE ? 1 : 2;
	unit_pool_run_until(p, p->now + 5000);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(unit_pool_status(p, i).master, holder);
	assert_int_equal(hb_core_propose_master(p->core[(unsigned)holder], p->now), HB_PROPOSE_TRUE);
	assert_int_equal(hb_core_propose_master(p->core[0], p->now), HB_PROPOSE_FALSE);
	unit_pool_free(p);
}

/* Each path carries a copy of the same packet: every copy keeps its path
 * alive, none counts as a replay, and an old copy is still refused. */
static void test_paths_are_tracked_separately(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(2, 10, false);
	struct hb_core_config cfg = {
		.n_hosts = 2, .self = 1, .host_uuids = p->uuids, .generation = p->gen, .n_paths = 2,
		.timing = p->t, .weight = 1, .boot_id = 7,
	};
	struct hb_core *c = calloc(1, hb_core_size());
	struct hb_core_out out;
	struct hb_core_status st;
	hb_core_init(c, &cfg, 0);
	/* a view counts once it echoes a recent send of mine: host 0 hears
	 * host 1 first */
	hb_core_poll(c, 50, &out);
	assert_true(out.send);
	hb_core_on_packet(p->core[0], 60, &out.packet, 0);
	hb_core_poll(p->core[0], 100, &out);
	assert_true(out.send);
	hb_core_on_packet(c, 110, &out.packet, 0);
	hb_core_on_packet(c, 120, &out.packet, 1);
	hb_core_on_packet(c, 130, &out.packet, 1); /* a replay on path 1 */
	hb_core_status(c, 130, &st);
	assert_int_equal(st.last_heard_path[0][0], 110);
	assert_int_equal(st.last_heard_path[0][1], 120);
	assert_int_equal(st.dropped[HB_REJECT_REPLAY], 1);
	free(c);
	unit_pool_free(p);
}

/* The unsafe switch really breaks the removal rule: an isolated host is
 * dropped while it is still running (what hbsim's checker must catch). */
static void test_unsafe_switch_breaks_removal(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, true);
	unit_pool_run_until(p, 15000);
	p->cut_out[2] = true;
	hb_mono_ms cut_at = p->now;
	bool early = false;
	while (p->now < cut_at + (hb_mono_ms)p->t.failover_bound_ms) {
		unit_pool_run_until(p, p->now + 100);
		if (p->removed_at[0][2] >= 0 && p->up[2])
			early = true;
	}
	assert_true(early);
	unit_pool_free(p);
}

/* Family 4: heartbeats recorded before a receiver restarted echo sends of
 * its earlier incarnation: they are never taken as a view (the dead sender
 * is not heard), so they cannot hold up the restarted host's join. */
static void test_replay_into_restarted_host(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	struct hb_packet recorded = p->last_pkt[2];
	p->up[2] = false; /* host 2 dies */
	unit_pool_restart(p, 0, 500);
	for (int i = 0; i < 20; i++) {
		recorded.sequence++;
		hb_core_on_packet(p->core[0], p->now, &recorded, 0);
		unit_pool_run_until(p, p->now + 200);
	}
	assert_null(hb_core_peer_net_view(p->core[0], 2));
	assert_false(unit_pool_status(p, 0).hb_heard & hb_host_bit(2));
	unit_pool_free(p);
}

/* Family 4: one key-holder packet with a huge sequence, then one with the
 * next boot id, blind the receiver for at most one of its send intervals:
 * the real sender's next packet echoes a later send and is taken. */
static void test_huge_sequence_does_not_blind(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	struct hb_packet forged = p->last_pkt[1];
	forged.sequence = UINT64_C(1) << 62;
	hb_core_on_packet(p->core[0], p->now, &forged, 0);
	unit_pool_run_until(p, p->now + p->t.p.hb_timeout_ms + 5000);
	assert_true(unit_pool_status(p, 0).hb_heard & hb_host_bit(1));
	forged = p->last_pkt[1];
	forged.boot_id++;
	forged.sequence = 1;
	hb_core_on_packet(p->core[0], p->now, &forged, 0);
	unit_pool_run_until(p, p->now + p->t.p.hb_timeout_ms + 5000);
	struct hb_core_status st = unit_pool_status(p, 0);
	assert_true(st.hb_heard & hb_host_bit(1));
	assert_int_equal(st.liveset, 0x7);
	assert_false(p->fenced[0] || p->fenced[1] || p->fenced[2]);
	unit_pool_free(p);
}

/* Family 3: one heartbeat claiming a member's clean stop (or its fence) is
 * never believed on its own; the member's own heartbeats contradict it. */
static void test_forged_stop_not_believed(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	struct hb_packet forged = p->last_pkt[2];
	forged.sequence++;
	forged.view.phase = HB_PHASE_STOPPED;
	forged.view.flags = (uint8_t)((forged.view.flags & ~HB_VF_ARMED) | HB_VF_EXCLUDED);
	hb_core_on_packet(p->core[0], p->now, &forged, 0);
	unit_pool_run_until(p, p->now + 10000);
	assert_int_equal(unit_pool_status(p, 0).liveset, 0x7);
	assert_false(p->fenced[2]);
	unit_pool_free(p);
}

/* Family 3: a host reads its own slot back and fences when someone else
 * wrote it; the others drop it only after that. */
static void test_foreign_slot_write_fences(void **state)
{
	(void)state;
	struct unit_pool *p = pool_new(3, 10, false);
	unit_pool_run_until(p, 15000);
	p->slots[2].sequence++;
	p->slots[2].view.phase = HB_PHASE_STOPPED;
	unit_pool_run_until(p, p->now + 5000);
	assert_true(p->fenced[2]);
	assert_int_equal(p->slots[2].last_words.reason, HB_FENCE_SLOT_OVERWRITTEN);
	assert_true(p->removed_at[0][2] < 0 || p->removed_at[0][2] > p->now - 5000);
	unit_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partition_rules),
		cmocka_unit_test(test_partition_large),
		cmocka_unit_test(test_init_pool_forms),
		cmocka_unit_test(test_crash_waits_for_fence_bound),
		cmocka_unit_test(test_isolated_host_fences_and_says_so),
		cmocka_unit_test(test_master_lock_single_holder),
		cmocka_unit_test(test_paths_are_tracked_separately),
		cmocka_unit_test(test_unsafe_switch_breaks_removal),
		cmocka_unit_test(test_replay_into_restarted_host),
		cmocka_unit_test(test_huge_sequence_does_not_blind),
		cmocka_unit_test(test_forged_stop_not_believed),
		cmocka_unit_test(test_foreign_slot_write_fences),
		cmocka_unit_test(test_timing_mismatch_reported),
		cmocka_unit_test(test_start_wait_names_missing_host),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
