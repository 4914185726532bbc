/*
 * sim_check.c: the invariants hbsim checks at every simulated step (the
 * safety contract of docs/design-brief), and the scenario expectations.
 *
 *  (a) removal means fenced: when a running host's published liveset loses
 *      host h, the incarnation of h that was a member is not running, unless
 *      it was disarmed or has been frozen past its fence bound;
 *  (b) at most one running host holds the master lock;
 *  (c) agreement: after a quiet period every running host is Online and all
 *      publish the same liveset (= the Online hosts) and the same master;
 *  (d) minimal fencing: nobody fences while the only faults are crashes,
 *      boots, clean shutdowns, short freezes and torn writes, or storage
 *      faults on every host with the network whole (rule 2); after a lone
 *      network fault, nobody in the winning partition fences;
 *  (e) failover: a crashed member (or the losers of a lone network fault)
 *      leaves every survivor's liveset within failover_bound (+ drift and
 *      1 s of scheduling slack); the times feed the p50/max statistics;
 *  (f) a host frozen longer than hung_agent_bound (+ slack) has been fenced
 *      by its watchdog;
 *  (g) healthy_until is never more than the proof window ahead of now;
 * plus: one I/O of a kind in flight at a time, every datagram decodes,
 * propose-master answers within its bound, and (random mode) the pool
 * forms. The expectations of scenarios are in sim_expect.c.
 *
 * A violation stops the run and writes the seed, the scenario, the
 * statement in force and the last events of the trace into the report.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hb_partition.h"
#include "sim_check.h"

#define SIM_SLACK_US 1000000      /* scheduling slack added to time bounds */
#define SIM_TRACE_ON_VIOLATION 200u

static const char *const check_names[CK_COUNT] = {
	[CK_REMOVAL] = "removal-means-fenced",
	[CK_MASTER] = "at-most-one-master",
	[CK_AGREEMENT] = "agreement",
	[CK_MIN_FENCE] = "minimal-fencing",
	[CK_FAILOVER] = "failover-bound",
	[CK_HUNG] = "hung-agent-fenced",
	[CK_HEALTHY] = "healthy-until-bound",
	[CK_PROPOSE] = "propose-master-bound",
	[CK_IO] = "io-discipline",
	[CK_WIRE] = "wire-codec",
	[CK_STARTUP] = "pool-formation",
	[CK_RENEW] = "renew-after-silence",
	[CK_REPORTED] = "reported-master",
};

const char *sim_check_name(enum sim_check_id id)
{
	return id < CK_COUNT ? check_names[id] : "?";
}

int64_t sim_bound_us(uint32_t ms)
{
	int64_t us = (int64_t)ms * SIM_US_PER_MS;
	return us + us * 4 / 10000 + SIM_SLACK_US;
}

void sim_check_reset(struct sim_world *w)
{
	memset(&w->chk, 0, sizeof w->chk);
	for (unsigned i = 0; i < HB_MAX_HOSTS; i++) {
		w->chk.touched_us[i] = -1;
		for (unsigned j = 0; j < HB_MAX_HOSTS; j++)
			w->chk.bad_since[i][j] = w->chk.cut_origin[i][j] = w->chk.good_at[i][j] = -1;
	}
	w->chk.quiet_checked_us = -1;
}

static hb_mono_ms now_of(const struct sim_world *w, const struct sim_host *h)
{
	return sim_local_ms(h, w->now_us);
}

static void dump_slot(struct sim_world *w, struct sim_out *o, unsigned k)
{
	enum hb_reject rej;
	const struct hb_slot *s = sim_store_slot(w, k, &rej);
	if (rej != HB_REJECT_NONE) {
		sim_out_printf(o, "    slot %u: rejected (%s)\n", k, hb_reject_name(rej));
		return;
	}
	char ls[200], hh[200], ss[200];
	hb_hostmap_format(s->view.liveset, ",", "none", ls, sizeof ls);
	hb_hostmap_format(s->view.hb_heard, ",", "none", hh, sizeof hh);
	hb_hostmap_format(s->view.sf_seen, ",", "none", ss, sizeof ss);
	sim_out_printf(o, "    slot %u: boot %" PRIu64 " seq %" PRIu64 " %s flags 0x%02x weight %u liveset %s heard %s "
	               "sf_seen %s epoch %" PRIu64 "\n", k, s->boot_id, s->sequence,
	               hb_phase_name((enum hb_phase)s->view.phase), s->view.flags, (unsigned)s->view.weight, ls, hh, ss,
	               s->view.epoch);
}

/* Every host as the simulator sees it, and the statefile's slots. */
static void dump_state(struct sim_world *w, struct sim_out *o)
{
	static const char *const states[] = {"down", "running", "fencing", "orphan"};
	sim_out_printf(o, "  hosts:\n");
	for (unsigned k = 0; k < w->cfg.n_hosts; k++) {
		const struct sim_host *h = &w->hosts[k];
		char ls[200];
		hb_hostmap_format(h->liveset, ",", "none", ls, sizeof ls);
		sim_out_printf(o, "    h%u: %s%s boot %" PRIu32 " %s liveset %s master %d%s watchdog %s clock %+d ppm\n", k,
		               states[h->state], h->frozen ? " frozen" : "", h->inc, hb_phase_name(h->phase), ls, h->master,
		               h->i_am_master ? " (holder)" : "", h->wd_armed ? "armed" : "off", (int)h->ppm);
	}
	sim_out_printf(o, "  statefile:\n");
	for (unsigned k = 0; k < w->cfg.n_hosts; k++)
		dump_slot(w, o, k);
}

void sim_violation(struct sim_world *w, enum sim_check_id id, const char *fmt, ...)
{
	char msg[1024], ts[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->chk.violations++ == 0)
		w->chk.first = id;
	sim_trace_add(&w->trace, w->now_us, -1, 0, TK_VIOLATION, id, 0);
	sim_time_format(w->now_us, ts, sizeof ts);
	struct sim_out *o = w->out;
	sim_out_printf(o, "VIOLATION %s at %s: %s\n", sim_check_name(id), ts, msg);
	sim_out_printf(o, "  seed: %" PRIu64 "\n  scenario: %s\n", w->cfg.seed, w->cfg.name);
	if (w->last_stmt >= 0) {
		char st[256];
		sim_stmt_format(w, w->last_stmt, st, sizeof st);
		sim_out_printf(o, "  statement in force: line %d: %s\n", w->stmts[w->last_stmt].st.line, st);
	}
	if (w->cfg.random && w->cfg.from_bytes) {
		sim_out_printf(o, "  script (drawn from a fuzzer input; replay: the scenario file saved from it):\n");
		sim_world_print_script(w, o);
	} else if (w->cfg.random) {
		char flags[96];
		sim_replay_flags(w, flags, sizeof flags);
		sim_out_printf(o, "  script (replay: hbsim --random --runs 1 --seed %" PRIu64 " --hosts-max %u%s):\n",
		               w->cfg.seed, w->cfg.hosts_max, flags);
		sim_world_print_script(w, o);
	}
	dump_state(w, o);
	sim_out_printf(o, "  trace (last %u events):\n", SIM_TRACE_ON_VIOLATION);
	sim_trace_dump(&w->trace, o, SIM_TRACE_ON_VIOLATION);
	w->stop = true;
}

/* ---- (a) and (b): after every event a core processed ----------------- */

static bool frozen_past_fence_bound(const struct sim_world *w, const struct sim_host *v)
{
	return v->frozen && w->now_us - v->frozen_since_us >= sim_bound_us(w->cfg.timing.fence_bound_ms);
}

/* The one case docs/design.md (Removal, "What is left") leaves open: a
 * forged Stopped or Fencing record landed in v's slot, v's storage went bad
 * within two statefile intervals of it (so v never read it back, and wrote
 * nothing over it), and k cannot hear v. Counted, not a violation. */
static bool residual_case(const struct sim_world *w, const struct sim_host *k, const struct sim_host *v)
{
	const struct hb_timing *t = &w->cfg.timing;
	int64_t window = sim_bound_us(2u * (t->p.sf_interval_ms + t->tick_ms));
	return v->forged_claim_us >= 0 && v->sf_bad_since_us >= 0 && v->last_ok_read_us < v->forged_claim_us &&
	       v->sf_bad_since_us <= v->forged_claim_us + window && v->sf_bad_since_us >= v->forged_claim_us - window &&
	       sim_net_link_state(w, v->idx, k->idx) == SIM_LINK_CUT;
}

/* The incarnation boot_id of host j was removed by host k. */
static void check_removal(struct sim_world *w, const struct sim_host *k, hb_hostmap now_live, unsigned j,
                          uint64_t boot_id)
{
	const struct sim_host *v = &w->hosts[j];
	if (boot_id == 0)
		boot_id = v->boot_id; /* the core did not say: assume the current one */
	if (!sim_host_alive(v) || v->boot_id != boot_id)
		return;
	if (v->state == HS_FENCING)
		return; /* fenced: guests paused, going down */
	if (v->wd_disarmed && !v->wd_armed)
		return; /* protection explicitly off */
	if (v->online_us < 0 && !v->wd_armed)
		return; /* never went Online (a formation it did not complete): not a member in its own eyes; should
		         * it go Online later, agreement and the split check judge it */
	if (frozen_past_fence_bound(w, v) || v->suspended)
		return; /* a suspended host does nothing until it resumes: checked then */
	if (residual_case(w, k, v)) {
		w->chk.residuals++;
		sim_trace_add(&w->trace, w->now_us, (int)k->idx, 0, TK_RESIDUAL, j, 0);
		return;
	}
	static const char *const states[] = {"down", "running", "fencing", "agent exited, watchdog armed"};
	char ls[200];
	hb_hostmap_format(now_live, ",", "none", ls, sizeof ls);
	sim_violation(w, CK_REMOVAL,
	              "host %u removed host %u (boot %" PRIu64 ") from its liveset (now %s) while that host is still "
	              "running (%s%s, watchdog %s, removal wait %" PRIu32 " ms)",
	              k->idx, j, boot_id, ls, states[v->state], v->frozen ? ", frozen" : "",
	              v->wd_armed ? "armed" : "not armed", w->cfg.timing.removal_wait_ms);
}

/* A host that holds the lock, or reports itself as master, counts as a
 * master while it runs (armed, and not frozen past its fence bound). */
static bool master_counts(const struct sim_world *w, const struct sim_host *h)
{
	if (!sim_host_alive(h) || !(h->i_am_master || (h->phase == HB_PHASE_ONLINE && h->master == (int)h->idx)))
		return false;
	if (h->wd_disarmed && !h->wd_armed)
		return false;
	return !frozen_past_fence_bound(w, h);
}

static void check_masters(struct sim_world *w, const struct sim_host *h)
{
	if (!master_counts(w, h))
		return;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		if (i != h->idx && master_counts(w, &w->hosts[i])) {
			sim_violation(w, CK_MASTER, "hosts %u and %u both hold the master lock (or report themselves master)",
			              i, h->idx);
			return;
		}
	}
}

/* (b) The master a host reports is never a running host other than the
 * one that holds the lock. (A dead holder may still be reported until it
 * leaves the reporter's liveset.) */
static void check_reported(struct sim_world *w, const struct sim_host *r)
{
	if (!sim_host_reporting(r) || r->master < 0 || (unsigned)r->master >= w->cfg.n_hosts)
		return;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *holder = &w->hosts[i];
		if (!master_counts(w, holder) || (int)i == r->master)
			continue;
		if (sim_host_alive(&w->hosts[r->master]))
			sim_violation(w, CK_REPORTED, "host %u reports master %d, a running host, while host %u holds the lock",
			              r->idx, r->master, i);
		return;
	}
}

/* (a) Two running, armed Online hosts whose livesets leave each other out:
 * each has removed (or never admitted) the other, so one of them runs
 * outside a liveset that the pool acts on. */
static bool counts_for_split(const struct sim_world *w, const struct sim_host *h)
{
	/* a suspended host does nothing until it resumes: checked then */
	return h->state == HS_RUNNING && h->phase == HB_PHASE_ONLINE && h->wd_armed && !frozen_past_fence_bound(w, h) &&
	       !h->suspended;
}

/* Two hosts that complete their joins of the same liveset at the same
 * moment each go Online without the other and add each other at the first
 * heartbeat (the master lock waits for agreement meanwhile): not a split. */
static bool joined_together(const struct sim_world *w, const struct sim_host *a, const struct sim_host *b)
{
	int64_t grace = sim_bound_us(w->cfg.timing.settle_ms);
	return (a->liveset & b->liveset) != 0 && a->online_us >= 0 && b->online_us >= 0 &&
	       w->now_us - a->online_us < grace && w->now_us - b->online_us < grace;
}

static void check_split(struct sim_world *w, const struct sim_host *h)
{
	if (!counts_for_split(w, h))
		return;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *k = &w->hosts[i];
		if (i == h->idx || !counts_for_split(w, k) || joined_together(w, h, k))
			continue;
		if (!(h->liveset & hb_host_bit(i)) && !(k->liveset & hb_host_bit(h->idx))) {
			char a[200], b[200];
			hb_hostmap_format(h->liveset, ",", "none", a, sizeof a);
			hb_hostmap_format(k->liveset, ",", "none", b, sizeof b);
			sim_violation(w, CK_REMOVAL, "hosts %u (liveset %s) and %u (liveset %s) are both running, armed and "
			              "Online, and neither lists the other", h->idx, a, i, b);
			return;
		}
	}
}

static void watches_update(struct sim_world *w);
static bool fence_legitimate(struct sim_world *w, const struct sim_host *h);

static void trace_changes(struct sim_world *w, const struct sim_host *h, const struct hb_core_status *st)
{
	hb_mono_ms now = now_of(w, h);
	if (st->phase != h->phase)
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, now, TK_PHASE, h->phase, st->phase);
	if (st->liveset != h->liveset)
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, now, TK_LIVESET, (int64_t)h->liveset, (int64_t)st->liveset);
	if (st->i_am_master != h->i_am_master || st->master != h->master)
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, now, TK_MASTER, st->i_am_master, st->master);
}

void sim_check_host(struct sim_world *w, struct sim_host *h)
{
	struct hb_core_status st;
	hb_core_status(h->core, now_of(w, h), &st);
	trace_changes(w, h, &st);
	bool liveset_changed = st.liveset != h->liveset;
	bool went_online = st.phase == HB_PHASE_ONLINE && h->phase != HB_PHASE_ONLINE;
	if (st.phase == HB_PHASE_FENCING && h->phase == HB_PHASE_ONLINE)
		h->fence_judged = fence_legitimate(w, h) ? 1 : 0; /* before it stops counting as Online */
	bool master_changed = st.master != h->master || st.i_am_master != h->i_am_master;
	if (went_online)
		h->online_us = w->now_us;
	if (h->phase == HB_PHASE_ONLINE && st.phase == HB_PHASE_ONLINE) {
		hb_hostmap removed = h->liveset & ~st.liveset & ~hb_host_bit(h->idx);
		for (unsigned j = 0; removed != 0 && j < w->cfg.n_hosts && !w->stop; j++)
			if (removed & hb_host_bit(j))
				check_removal(w, h, st.liveset, j, h->member_boot[j]);
	}
	h->phase = st.phase;
	h->liveset = st.liveset;
	h->master = st.master;
	h->i_am_master = st.i_am_master;
	h->armed_seen = st.armed;
	memcpy(h->member_boot, st.member_boot_id, sizeof h->member_boot);
	if (w->stop)
		return;
	if (liveset_changed || went_online)
		check_split(w, h);
	if (master_changed || went_online) {
		check_masters(w, h);
		check_reported(w, h);
		if (master_counts(w, h))
			for (unsigned i = 0; i < w->cfg.n_hosts && !w->stop; i++)
				check_reported(w, &w->hosts[i]);
	}
	if (liveset_changed)
		watches_update(w);
}

/* A host resumed from a suspend: if a peer dropped it meanwhile, it must
 * not carry on as a member (its first steps after the resume fence it). */
void sim_check_resumed(struct sim_world *w, struct sim_host *h)
{
	if (w->stop || h->state != HS_RUNNING || h->phase != HB_PHASE_ONLINE || !h->wd_armed)
		return;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *k = &w->hosts[i];
		if (i != h->idx && sim_host_reporting(k) && !(k->liveset & hb_host_bit(h->idx)) &&
		    (h->liveset & hb_host_bit(i))) {
			sim_violation(w, CK_REMOVAL, "host %u resumed from a suspend and carries on Online and armed, "
			              "although host %u dropped it meanwhile", h->idx, i);
			return;
		}
	}
}

/* (e) The fence-bound argument, asserted directly: a host renews its
 * healthy_until only while some input of its proof is fresh, and every
 * such input means somebody heard it (a peer took its heartbeat or saw
 * its slot advance, or its own read confirmed its write) within
 * max(T1, T2) on its clock. */
void sim_check_renew(struct sim_world *w, struct sim_host *h)
{
	const struct hb_timing_params *p = &w->cfg.timing.p;
	uint32_t window = p->hb_timeout_ms > p->sf_timeout_ms ? p->hb_timeout_ms : p->sf_timeout_ms;
	if (!h->wd_armed || w->stop)
		return;
	/* The argument protects peers that would remove h: without one (a lone
	 * member), there is nobody to protect. */
	bool listed = false;
	for (unsigned i = 0; i < w->cfg.n_hosts && !listed; i++) {
		const struct sim_host *k = &w->hosts[i];
		listed = i != h->idx && sim_host_alive(k) && k->phase == HB_PHASE_ONLINE && (k->liveset & hb_host_bit(h->idx));
	}
	if (!listed)
		return;
	if (h->heard_us < 0 || w->now_us > h->heard_us + sim_bound_us(window)) {
		char ts[32];
		sim_time_format(h->heard_us, ts, sizeof ts);
		sim_violation(w, CK_RENEW, "host %u renewed healthy_until although nobody has heard it since %s "
		              "(max(T1, T2) = %" PRIu32 " ms): its fence bound no longer holds", h->idx,
		              h->heard_us < 0 ? "it started" : ts, window);
	}
}

void sim_check_host_gone(struct sim_world *w, struct sim_host *h)
{
	h->i_am_master = false;
	h->liveset = 0;
	h->phase = HB_PHASE_STOPPED;
	watches_update(w);
}

void sim_check_healthy(struct sim_world *w, struct sim_host *h, hb_mono_ms now, hb_mono_ms healthy_until)
{
	uint32_t p = w->cfg.timing.proof_window_ms;
	if (healthy_until > now + (hb_mono_ms)p)
		sim_violation(w, CK_HEALTHY, "host %u set healthy_until %" PRId64 " ms ahead of its now (proof window %" PRIu32 " ms)",
		              h->idx, healthy_until - now, p);
}

/* ---- (d) minimal fencing, judged per fault ---------------------------- */

/* A fence decided (or fired) this long after the fault that caused it is
 * still that fault's: a loser decides on settled views (isolation bound),
 * a host with hung storage within the hung-storage bounds. */
static int64_t justify_window_us(const struct sim_world *w)
{
	const struct hb_timing *t = &w->cfg.timing;
	uint32_t m = t->isolation_bound_ms;
	if (t->hung_storage_bound_ms > m)
		m = t->hung_storage_bound_ms;
	if (t->hung_storage_decide_ms > m)
		m = t->hung_storage_decide_ms;
	return sim_bound_us(m + t->settle_inconsistent_ms);
}

static void touch(struct sim_world *w, unsigned h, int64_t until_us)
{
	if (until_us > w->chk.touched_us[h])
		w->chk.touched_us[h] = until_us;
}

/* Its own statefile works (a slow one counts as working while its latency
 * stays well under the I/O deadline). */
/* An I/O of a slow (or hung) storage still in flight after a heal keeps its
 * latency: until it completes, the host's access is not back. */
static bool io_lagging(const struct sim_world *w, const struct sim_host *h)
{
	int64_t half = (int64_t)w->cfg.timing.sf_io_timeout_ms * SIM_US_PER_MS / 2;
	for (unsigned k = 0; k < SIO_COUNT; k++) {
		const struct sim_io *io = &h->io[k];
		if (io->busy && io->done_us > w->now_us && io->done_us - io->submit_us > half)
			return true;
	}
	return false;
}

static bool storage_ok(const struct sim_world *w, const struct sim_host *h)
{
	return (h->sf_fault == SF_OK ||
	        (h->sf_fault == SF_SLOW && h->sf_slow_us * 2 < (int64_t)w->cfg.timing.sf_io_timeout_ms * SIM_US_PER_MS)) &&
	       !io_lagging(w, h);
}

/* Storage slow enough that the host may keep its access or lose it (under
 * the I/O deadline, over half of it), or healed while an I/O of the fault is
 * still on its way: both outcomes are legitimate. */
static bool storage_maybe(const struct sim_world *w, const struct sim_host *h)
{
	if (storage_ok(w, h))
		return false;
	if (h->sf_fault == SF_OK || io_lagging(w, h))
		return h->sf_fault != SF_FAIL && h->sf_fault != SF_HANG;
	return h->sf_fault == SF_SLOW && h->sf_slow_us < (int64_t)w->cfg.timing.sf_io_timeout_ms * SIM_US_PER_MS;
}

/* A network fault shorter than this cannot make anyone miss a peer for
 * T1 (a heartbeat gets through every t1, echoing one of mine at most t1
 * old): it touches nobody. */
static int64_t net_min_us(const struct sim_world *w)
{
	return ((int64_t)w->cfg.timing.p.hb_timeout_ms - 2 * (int64_t)w->cfg.timing.p.hb_interval_ms) * SIM_US_PER_MS;
}

/* Under rule 2 a cut may act sooner: it hides the views in which a peer
 * reports it lost the statefile too (its last view, from before the cut,
 * says it still has it), so two heartbeat intervals suffice; or as soon as
 * echoes age past T1, as for rule 1. */
static int64_t net_min_r2_us(const struct sim_world *w)
{
	int64_t r2 = 2 * (int64_t)w->cfg.timing.p.hb_interval_ms * SIM_US_PER_MS;
	return net_min_us(w) < r2 ? net_min_us(w) : r2;
}

/* Online hosts the survival rules still count: a frozen or suspended host
 * too, until the others stop hearing it and its slot goes stale (it may
 * still win a tie meanwhile). */
static bool participating(const struct sim_world *w, const struct sim_host *h)
{
	const struct hb_timing *t = &w->cfg.timing;
	int64_t horizon = (int64_t)(t->p.hb_timeout_ms + t->p.sf_timeout_ms + 2 * (t->p.sf_interval_ms + t->sf_io_timeout_ms)) *
	                  SIM_US_PER_MS;
	if (h->state != HS_RUNNING || h->phase != HB_PHASE_ONLINE)
		return false;
	if (!h->frozen)
		return true;
	if (w->now_us - h->frozen_since_us >= horizon)
		return false;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) /* ... and while a member still lists it */
		if (sim_host_reporting(&w->hosts[i]) && (w->hosts[i].liveset & hb_host_bit(h->idx)) && i != h->idx)
			return true;
	return false;
}

/* The pair a-b: cut if either way is cut, else flaky if either way is. */
static enum sim_link_state pair_state(const struct sim_world *w, unsigned a, unsigned b)
{
	enum sim_link_state x = sim_net_link_state(w, a, b), y = sim_net_link_state(w, b, a);
	return x > y ? x : y;
}

static hb_hostmap best_clique_of(const struct sim_world *w, hb_hostmap cand, const hb_hostmap *adj);

/* The survival rules' verdict on the world as it is now, as an oracle: the
 * Online hosts that a fence may legitimately take. Without rule 2: hosts
 * without a working statefile while some host has one, and hosts outside
 * the best clique (weight, size, lowest indices) of good links among the
 * hosts with a working statefile. With every Online host's statefile gone
 * (rule 2): nobody, until a further failure (a link, a member lost), then
 * everybody. */
static void justify_refresh(struct sim_world *w)
{
	unsigned n = w->cfg.n_hosts < HB_MAX_HOSTS ? w->cfg.n_hosts : HB_MAX_HOSTS;
	int64_t net_min = net_min_us(w);
	int64_t net_min_r2 = net_min_r2_us(w);
	hb_hostmap part = 0, ok = 0, maybe = 0, adj[HB_MAX_HOSTS] = {0}, adj_r2[HB_MAX_HOSTS] = {0};
	for (unsigned i = 0; i < n; i++) {
		if (!participating(w, &w->hosts[i]))
			continue;
		part |= hb_host_bit(i);
		if (storage_ok(w, &w->hosts[i]))
			ok |= hb_host_bit(i);
		else if (storage_maybe(w, &w->hosts[i]))
			maybe |= hb_host_bit(i);
	}
	/* every pair's link: good, or bad since when (a cut counts once it has
	 * lasted net_min; re-judged then) */
	bool flaky = false;
	int64_t brief_us = 2 * (int64_t)w->cfg.timing.p.hb_interval_ms * SIM_US_PER_MS;
	for (unsigned a = 0; a < n; a++)
		for (unsigned b = a + 1; b < n; b++) {
			int64_t *since = &w->chk.bad_since[a][b];
			enum sim_link_state ls = pair_state(w, a, b);
			if ((part & hb_host_bit(a)) && (part & hb_host_bit(b)) && ls == SIM_LINK_FLAKY)
				flaky = true;
			if (ls != SIM_LINK_CUT) {
				if (*since >= 0) {
					w->chk.cut_origin[a][b] = *since;
					w->chk.good_at[a][b] = w->now_us;
				}
				*since = -1;
			} else if (*since < 0) {
				/* a link good for less than two heartbeat intervals may not
				 * have carried a heartbeat each way: the cut goes on */
				bool brief = w->chk.good_at[a][b] >= 0 && w->now_us - w->chk.good_at[a][b] < brief_us;
				*since = brief ? w->chk.cut_origin[a][b] : w->now_us;
				int64_t at1 = *since + net_min, at2 = *since + net_min_r2;
				sim_q_push(w, at1 > w->now_us ? at1 : w->now_us, EV_CHECK, -1, CK_MIN_FENCE, 0);
				sim_q_push(w, at2 > w->now_us ? at2 : w->now_us, EV_CHECK, -1, CK_MIN_FENCE, 0);
			}
			if (*since < 0 || w->now_us - *since < net_min) {
				adj[a] |= hb_host_bit(b);
				adj[b] |= hb_host_bit(a);
			}
			if (*since < 0 || w->now_us - *since < net_min_r2) {
				adj_r2[a] |= hb_host_bit(b);
				adj_r2[b] |= hb_host_bit(a);
			}
		}
	int64_t announce = (int64_t)w->cfg.timing.stop_announce_ms * SIM_US_PER_MS;
	for (unsigned i = 0; i < n; i++) {
		struct sim_host *h = &w->hosts[i];
		if (h->stop_at < 0 || h->stop_unheard)
			continue;
		for (unsigned k = 0; k < n; k++) {
			int64_t since = i < k ? w->chk.bad_since[i][k] : w->chk.bad_since[k][i];
			if (k != i && since >= 0 && since <= h->stop_at + announce && w->now_us - since >= net_min_r2)
				h->stop_unheard = true;
		}
	}
	hb_hostmap vulnerable = 0;
	bool rule2 = part != 0 && ok == 0;
	if (flaky) {
		vulnerable = part; /* a lossy or slow link: which picture the rules see is chance */
	} else if (rule2 && maybe) {
		vulnerable = part; /* rule 2 or not: it depends on slow storage */
	} else if (rule2) {
		/* a clean stop (shutdown) is announced: it never breaks rule 2,
		 * unless a cut long enough to count hid the announcement; any
		 * other exit (a disarmed host that would have fenced stops at
		 * once) is a member gone, as a crash */
		hb_hostmap stopped = 0;
		for (unsigned i = 0; i < n; i++)
			if (((w->hosts[i].state == HS_DOWN && w->hosts[i].down_why == DOWN_EXIT) ||
			     (w->hosts[i].state == HS_RUNNING && w->hosts[i].phase == HB_PHASE_STOPPED)) &&
			    w->hosts[i].stop_at >= 0 && !w->hosts[i].stop_unheard)
				stopped |= hb_host_bit(i);
		/* rule 2 needs every member heard: a member that is not here (it
		 * crashed and is not yet removed, or froze) breaks it as a cut does */
		hb_hostmap silent = 0; /* frozen or suspended long enough not to be heard */
		for (unsigned i = 0; i < n; i++)
			if (w->hosts[i].frozen && w->now_us - w->hosts[i].frozen_since_us >= net_min_r2)
				silent |= hb_host_bit(i);
		for (unsigned a = 0; a < n; a++)
			if ((part & hb_host_bit(a)) && (((adj_r2[a] | hb_host_bit(a)) & part) != part ||
			                                (w->hosts[a].liveset & (~(part | stopped) | silent)) != 0))
				w->chk.rule2_broken = true;
		/* and at least one other running member to vouch for it: a host
		 * whose liveset holds no other participating, unstopped host
		 * fences by rule 2's absence (docs/design.md) */
		for (unsigned a = 0; a < n; a++)
			if ((part & hb_host_bit(a)) && (w->hosts[a].liveset & part & ~stopped & ~hb_host_bit(a)) == 0)
				w->chk.rule2_broken = true;
		if (w->chk.rule2_broken)
			vulnerable = part;
	} else {
		w->chk.rule2_broken = false;
		/* a host whose slow storage may or may not keep its access counts
		 * both ways: a candidate, or not */
		vulnerable = (part & ~ok) | (ok & ~best_clique_of(w, ok, adj));
		if (maybe)
			vulnerable |= (ok | maybe) & ~best_clique_of(w, ok | maybe, adj);
		/* a frozen or suspended host still within the horizon counts both
		 * ways too: heard (its slot fresh) or not, depending on how long ago
		 * the peers last heard it */
		hb_hostmap frozen = 0;
		for (unsigned i = 0; i < n; i++)
			if ((part & hb_host_bit(i)) && w->hosts[i].frozen)
				frozen |= hb_host_bit(i);
		if (frozen) {
			hb_hostmap thawed = (ok | maybe) & ~frozen;
			vulnerable |= thawed & ~best_clique_of(w, thawed, adj);
		}
		/* so does a member that went down (crashed, its watchdog fired) while
		 * its last slot write may still look fresh: the cores keep it a
		 * candidate for T2, and a partition it wins with a greater weight
		 * beats the living ones meanwhile */
		hb_hostmap ghosts = 0;
		int64_t ghost_us = sim_bound_us(w->cfg.timing.p.sf_timeout_ms + w->cfg.timing.sf_cycle_ms);
		for (unsigned i = 0; i < n; i++) {
			const struct sim_host *g = &w->hosts[i];
			if (g->state == HS_DOWN && g->down_why != DOWN_EXIT && g->online_us >= 0 && g->down_us >= 0 &&
			    w->now_us - g->down_us < ghost_us)
				ghosts |= hb_host_bit(i);
		}
		/* which of them the cores still count depends on what each one's
		 * slot last said: all of them, or each with the ghosts it was linked
		 * to (a partition that died whole may still win on paper); linked
		 * to the living as the network is, or to none of them (T1 after
		 * its death nobody hears it, and its last view may say it heard
		 * nobody either) */
		hb_hostmap adj_dead[HB_MAX_HOSTS];
		for (unsigned a = 0; a < n; a++)
			adj_dead[a] = (ghosts & hb_host_bit(a)) ? adj[a] & ghosts : adj[a] & ~ghosts;
		for (unsigned v = 0; ghosts && v < 2; v++) {
			const hb_hostmap *aj = v ? adj_dead : adj;
			vulnerable |= (ok | maybe) & ~best_clique_of(w, ok | maybe | ghosts, aj);
			for (unsigned g = 0; g < n; g++)
				if (ghosts & hb_host_bit(g))
					vulnerable |= (ok | maybe) & ~best_clique_of(w, ok | maybe | (ghosts & (aj[g] | hb_host_bit(g))), aj);
		}
	}
	w->chk.sf_all_faulty = rule2;
	int64_t until = w->now_us + justify_window_us(w);
	for (unsigned i = 0; i < n; i++)
		if (vulnerable & hb_host_bit(i))
			touch(w, i, until);
}

/* A fault statement was applied. Faults that touch one host directly (a
 * long freeze or suspend, an armed agent killed) and the failures that end
 * survival rule 2 are noted here; the rest follows from the world. */
static void justify_fault(struct sim_world *w, int stmt, unsigned bits)
{
	const struct hb_sc_statement *st = stmt >= 0 ? &w->stmts[stmt].st : NULL;
	bool breaker = (bits & (FB_CRASH | FB_FREEZE_LONG | FB_SUSPEND | FB_RESTART)) != 0;
	if (w->chk.sf_all_faulty && breaker)
		w->chk.rule2_broken = true;
	if (st != NULL && st->host >= 0 && (unsigned)st->host < w->cfg.n_hosts) {
		const struct sim_host *h = &w->hosts[st->host];
		if (bits & (FB_FREEZE_LONG | FB_SUSPEND)) /* re-judged once it is long enough not to be heard */
			sim_q_push(w, w->now_us + net_min_r2_us(w), EV_CHECK, -1,
			           CK_MIN_FENCE, 0);
		if (bits & (FB_FREEZE_LONG | FB_SUSPEND))
			touch(w, (unsigned)st->host, w->now_us + st->duration_ms * SIM_US_PER_MS + justify_window_us(w));
		if ((bits & FB_RESTART) && h->wd_armed)
			touch(w, (unsigned)st->host, w->now_us + justify_window_us(w));
		/* A forged record may get its victim fenced (it reads a foreign
		 * slot back, or learns that the others dropped it): that is the
		 * safe outcome, for as long as a removal wait can take. */
		if (bits & FB_FORGE)
			touch(w, (unsigned)st->host,
			      w->now_us + sim_bound_us(w->cfg.timing.removal_wait_ms) + justify_window_us(w));
	}
	justify_refresh(w);
}

void sim_check_touch(struct sim_world *w, unsigned h)
{
	touch(w, h, w->now_us + justify_window_us(w));
}

void sim_check_world_changed(struct sim_world *w)
{
	justify_refresh(w);
}

/* Judged at the decision (the core's phase turns Fencing), while the host
 * is still one of the Online hosts the oracle looks at; a watchdog that
 * fires without a decision is judged when it fires. */
static bool fence_legitimate(struct sim_world *w, const struct sim_host *h)
{
	justify_refresh(w);
	return w->chk.touched_us[h->idx] >= w->now_us;
}

void sim_check_fence(struct sim_world *w, struct sim_host *h, const char *how)
{
	w->fenced_ever |= hb_host_bit(h->idx);
	if (h->fence_judged == 1 || (h->fence_judged < 0 && fence_legitimate(w, h)))
		return;
	char ts[32] = "never";
	if (w->chk.touched_us[h->idx] >= 0)
		sim_time_format(w->chk.touched_us[h->idx] - justify_window_us(w), ts, sizeof ts);
	sim_violation(w, CK_MIN_FENCE, "host %u %s although no fault touches it: it is in the best partition of the "
	              "hosts with a working statefile, its own statefile works (or every host's is gone and the network "
	              "is whole: rule 2), and it was not frozen, suspended or restarted armed (last touched: %s)",
	              h->idx, how, ts);
}

/* ---- (e) failover watches --------------------------------------------- */

static bool survivor(const struct sim_host *s)
{
	return sim_host_reporting(s);
}

/* Every survivor has dropped every victim. */
static bool watch_done(const struct sim_world *w, const struct sim_watch *wa, unsigned *any)
{
	*any = 0;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *s = &w->hosts[i];
		if ((wa->victims & hb_host_bit(i)) || !survivor(s))
			continue;
		if (s->liveset & wa->victims)
			return false;
		(*any)++;
	}
	return true;
}

static void watch_finish(struct sim_world *w, struct sim_watch *wa)
{
	int64_t ms = (w->now_us - wa->start_us) / SIM_US_PER_MS;
	wa->active = false;
	sim_trace_add(&w->trace, w->now_us, -1, 0, TK_FAILOVER, (int64_t)wa->victims, ms);
	if (w->chk.n_samples < SIM_MAX_SAMPLES)
		w->chk.samples[w->chk.n_samples++] = (uint32_t)ms;
}

static void watches_update(struct sim_world *w)
{
	for (unsigned i = 0; i < SIM_MAX_WATCH; i++) {
		struct sim_watch *wa = &w->chk.watch[i];
		unsigned any;
		if (wa->active && watch_done(w, wa, &any) && any > 0)
			watch_finish(w, wa);
	}
}

static void watch_deadline(struct sim_world *w, unsigned i)
{
	struct sim_watch *wa = &w->chk.watch[i];
	unsigned any;
	if (!wa->active || w->now_us < wa->deadline_us)
		return; /* finished, or the slot was reused by a later watch */
	if (watch_done(w, wa, &any)) {
		wa->active = false; /* nobody left to drop it */
		return;
	}
	char vs[200], ts[32];
	hb_hostmap_format(wa->victims, ",", "none", vs, sizeof vs);
	sim_time_format(wa->start_us, ts, sizeof ts);
	sim_violation(w, CK_FAILOVER, "%s of host(s) %s at %s: a survivor still lists them after %s %" PRIu32
	              " ms (+ drift + 1 s)", wa->net ? "network fault" : "crash", vs, ts,
	              wa->net ? "isolation_bound" : "failover_bound", wa->bound_ms);
}

static void watch_add(struct sim_world *w, bool net, hb_hostmap victims, int stmt, uint32_t bound_ms)
{
	for (unsigned i = 0; i < SIM_MAX_WATCH; i++) {
		struct sim_watch *wa = &w->chk.watch[i];
		if (wa->active)
			continue;
		*wa = (struct sim_watch){.active = true, .net = net, .victims = victims, .start_us = w->now_us, .stmt = stmt};
		wa->deadline_us = w->now_us + sim_bound_us(bound_ms);
		wa->bound_ms = bound_ms;
		sim_q_push(w, wa->deadline_us, EV_CHECK, -1, CK_FAILOVER, i);
		return;
	}
}

/* ---- (c) agreement after every quiet period --------------------------- */

/* Nothing is broken any more: every link up and clean, every host's
 * statefile working, nobody frozen, no I/O left over from a fault. */
static bool world_clean(const struct sim_world *w)
{
	if (w->netq_active || w->cfg.loss_ppm > 0)
		return false;
	hb_hostmap all = hb_hostmap_all(w->cfg.n_hosts);
	for (unsigned p = 0; p < w->cfg.n_paths; p++)
		for (unsigned a = 0; a < w->cfg.n_hosts; a++)
			if ((w->link[p][a] | hb_host_bit(a)) != all)
				return false;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *h = &w->hosts[i];
		if (h->sf_fault != SF_OK || h->frozen)
			return false;
	}
	return true;
}

/* The latest moment an I/O in flight may still complete (a slow one
 * submitted before a heal keeps its latency). */
static int64_t io_settled_us(const struct sim_world *w)
{
	int64_t t = w->now_us;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++)
		for (unsigned k = 0; k < SIO_COUNT; k++) {
			const struct sim_io *io = &w->hosts[i].io[k];
			if (io->busy && io->done_us > t)
				t = io->done_us;
		}
	return t;
}

static void quiet_schedule(struct sim_world *w)
{
	if (!w->cfg.check_quiet_agreement)
		return;
	sim_q_push(w, w->now_us + sim_bound_us(w->cfg.timing.agreement_bound_ms), EV_QUIET, -1, w->chk.last_fault_us, 0);
}

static void check_agreement(struct sim_world *w);

void sim_check_quiet(struct sim_world *w, int64_t fault_us)
{
	if (fault_us != w->chk.last_fault_us || w->chk.quiet_checked_us == fault_us || !world_clean(w))
		return;
	int64_t io = io_settled_us(w);
	if (io > w->now_us) {
		sim_q_push(w, io + sim_bound_us(w->cfg.timing.agreement_bound_ms), EV_QUIET, -1, fault_us, 0);
		return;
	}
	w->chk.quiet_checked_us = fault_us;
	check_agreement(w);
}

/* A command that changes the pool (propose-master): agreement is judged a
 * quiet period after it, as after a fault. */
void sim_check_activity(struct sim_world *w)
{
	w->chk.last_fault_us = w->now_us;
	quiet_schedule(w);
}

/* Record a fault statement; returns the fault mask before it. The bounds
 * hold for one fault at a time: a later fault ends every failover watch
 * (but a crash does not end a crash's: removing a crashed host does not wait
 * for settled views; nor does a repair, which mends only faults that came
 * after the crash and ended its watch already) and the winner's no-fence
 * rule. A network fault's watch ends with anything, its own repair
 * included. */
unsigned sim_check_fault(struct sim_world *w, int stmt, unsigned bits)
{
	unsigned prev = w->chk.fault_mask;
	for (unsigned i = 0; i < SIM_MAX_WATCH; i++)
		if (w->chk.watch[i].net || (bits & ~(unsigned)(FB_CRASH | FB_REPAIR)) != 0)
			w->chk.watch[i].active = false;
	w->chk.fault_mask |= bits;
	w->chk.last_fault_us = w->now_us;
	justify_fault(w, stmt, bits);
	quiet_schedule(w);
	return prev;
}

void sim_check_crash(struct sim_world *w, unsigned victim, int stmt, unsigned prev_mask)
{
	const struct sim_host *v = &w->hosts[victim];
	if ((prev_mask & ~(unsigned)(FB_CRASH | FB_REPAIR)) != 0 || v->phase != HB_PHASE_ONLINE)
		return;
	unsigned survivors = 0;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *s = &w->hosts[i];
		if (i == victim || !survivor(s))
			continue;
		if (!(s->liveset & hb_host_bit(victim)))
			return;
		survivors++;
	}
	if (survivors > 0)
		watch_add(w, false, hb_host_bit(victim), stmt, w->cfg.timing.failover_bound_ms);
}

/* ---- lone network fault: the winning partition ------------------------ */

/* Hosts that a hears on some path. */
static hb_hostmap heard_by(const struct sim_world *w, unsigned a)
{
	hb_hostmap m = 0;
	for (unsigned b = 0; b < w->cfg.n_hosts; b++)
		for (unsigned p = 0; p < w->cfg.n_paths; p++)
			if (b != a && sim_net_up(w, p, b, a))
				m |= hb_host_bit(b);
	return m;
}

static bool is_clique(const hb_hostmap *adj, hb_hostmap s)
{
	for (unsigned a = 0; a < HB_MAX_HOSTS; a++)
		if ((s & hb_host_bit(a)) && ((adj[a] | hb_host_bit(a)) & s) != s)
			return false;
	return true;
}

/* a better than b: greater weight, then more hosts, then the smaller sorted
 * index list. */
static bool clique_better(const struct sim_world *w, hb_hostmap a, hb_hostmap b)
{
	unsigned wa = 0, wb = 0;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		wa += (a & hb_host_bit(i)) ? w->cfg.weights[i] : 0;
		wb += (b & hb_host_bit(i)) ? w->cfg.weights[i] : 0;
	}
	if (wa != wb)
		return wa > wb;
	int ca = __builtin_popcountll(a), cb = __builtin_popcountll(b);
	if (ca != cb)
		return ca > cb;
	hb_hostmap d = a ^ b;
	return d != 0 && (a & d & (~d + 1)) != 0;
}

/* The best clique of cand under adj (exhaustive: used for small pools;
 * larger ones take libhb's search, which the core uses too). */
static hb_hostmap best_clique_of(const struct sim_world *w, hb_hostmap cand, const hb_hostmap *adj)
{
	if (cand == 0)
		return 0;
	if (__builtin_popcountll(cand) > 12) {
		struct hb_partition_input in = {.n_hosts = w->cfg.n_hosts, .candidates = cand};
		for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
			in.adj[i] = adj[i];
			in.weight[i] = w->cfg.weights[i] ? w->cfg.weights[i] : 1;
		}
		return hb_partition_best(&in);
	}
	hb_hostmap best = 0;
	for (hb_hostmap s = cand; s != 0; s = (s - 1) & cand)
		if (is_clique(adj, s) && (best == 0 || clique_better(w, s, best)))
			best = s;
	return best;
}

/* The best partition the survival rules should pick among cand. */
static hb_hostmap best_partition(const struct sim_world *w, hb_hostmap cand)
{
	hb_hostmap heard[HB_MAX_HOSTS] = {0}, adj[HB_MAX_HOSTS] = {0};
	for (unsigned a = 0; a < w->cfg.n_hosts; a++)
		heard[a] = heard_by(w, a);
	for (unsigned a = 0; a < w->cfg.n_hosts; a++)
		for (unsigned b = 0; b < w->cfg.n_hosts; b++)
			if ((heard[a] & hb_host_bit(b)) && (heard[b] & hb_host_bit(a)))
				adj[a] |= hb_host_bit(b);
	return best_clique_of(w, cand, adj);
}

/* A network fault was applied. If it is the first fault of the run, the
 * losers must leave every winner's liveset within the failover bound and
 * no winner may fence. */
void sim_check_net_fault(struct sim_world *w, int stmt, unsigned prev_mask)
{
	if ((prev_mask & ~(unsigned)FB_REPAIR) != 0)
		return;
	hb_hostmap cand = 0;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++)
		if (survivor(&w->hosts[i]))
			cand |= hb_host_bit(i);
	if (cand == 0 || __builtin_popcountll(cand) > 16)
		return;
	hb_hostmap win = best_partition(w, cand);
	/* A loser that still writes its slot leaves only once it decides it
	 * lost: isolation_bound, not failover_bound, covers that (and a one-way
	 * cut, whose views stay inconsistent). */
	if ((cand & ~win) != 0)
		watch_add(w, true, cand & ~win, stmt, w->cfg.timing.isolation_bound_ms);
}

/* ---- (f) hung agents, propose-master bound ---------------------------- */

void sim_check_freeze(struct sim_world *w, struct sim_host *h, int64_t dur_us)
{
	int64_t by = sim_bound_us(w->cfg.timing.hung_agent_bound_ms);
	if (!h->wd_armed || dur_us < by)
		return;
	sim_q_push(w, w->now_us + by, EV_CHECK, (int)h->idx, CK_HUNG, 0);
}

void sim_check_propose_start(struct sim_world *w, struct sim_host *h, int stmt)
{
	h->propose_start_us = w->now_us;
	int64_t by = sim_bound_us(w->cfg.timing.lock_wait_ms) + 2 * SIM_SLACK_US;
	sim_q_push(w, w->now_us + by, EV_CHECK, (int)h->idx, CK_PROPOSE, stmt);
}

void sim_check_event(struct sim_world *w, const struct sim_ev *ev)
{
	struct sim_host *h = ev->host < HB_MAX_HOSTS ? &w->hosts[ev->host] : NULL;
	switch ((enum sim_check_id)ev->a) {
	case CK_FAILOVER:
		watch_deadline(w, (unsigned)ev->b);
		return;
	case CK_MIN_FENCE:
		justify_refresh(w); /* a network fault has lasted long enough to count */
		return;
	case CK_HUNG:
		if (h != NULL && h->inc == ev->inc && sim_host_alive(h))
			sim_violation(w, CK_HUNG, "host %u, frozen at %.3fs, is still running: its watchdog should have "
			              "fired within hung_agent_bound %" PRIu32 " ms", h->idx, (double)h->frozen_since_us / 1e6,
			              w->cfg.timing.hung_agent_bound_ms);
		return;
	case CK_PROPOSE:
		if (h != NULL && h->inc == ev->inc && h->state == HS_RUNNING && h->proposing &&
		    h->propose_stmt == (int)ev->b && h->frozen_since_us < h->propose_start_us)
			sim_violation(w, CK_PROPOSE, "propose-master on host %u has no answer after lock_wait %" PRIu32 " ms",
			              h->idx, w->cfg.timing.lock_wait_ms);
		return;
	default:
		assert(0 && "unknown check");
	}
}

/* ---- (c) agreement at the end, formation ------------------------------ */

/* A host that booted less than BootJoinTimeout ago may still be joining
 * (or about to give up and exit): not yet bound to agree. */
static bool still_joining(const struct sim_world *w, const struct sim_host *h)
{
	const struct hb_timing *t = &w->cfg.timing;
	return h->state == HS_RUNNING && (h->phase == HB_PHASE_STARTING || h->phase == HB_PHASE_JOINING) &&
	       w->now_us - h->boot_us < sim_bound_us(t->p.boot_join_timeout_ms + t->settle_ms);
}

static void check_agreement(struct sim_world *w)
{
	hb_hostmap online = 0;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *h = &w->hosts[i];
		if (!sim_host_alive(h) || still_joining(w, h))
			continue;
		if (!sim_host_reporting(h)) {
			sim_violation(w, CK_AGREEMENT, "after the quiet period host %u is still %s%s", i,
			              h->state == HS_RUNNING ? hb_phase_name(h->phase) : "going down",
			              h->frozen ? " (frozen)" : "");
			return;
		}
		online |= hb_host_bit(i);
	}
	int master = -2;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *h = &w->hosts[i];
		if (!(online & hb_host_bit(i)))
			continue;
		char ls[200], os[200];
		hb_hostmap_format(h->liveset, ",", "none", ls, sizeof ls);
		hb_hostmap_format(online, ",", "none", os, sizeof os);
		if (h->liveset != online) {
			sim_violation(w, CK_AGREEMENT, "after the quiet period host %u publishes liveset %s, the Online hosts are %s",
			              i, ls, os);
			return;
		}
		if (master != -2 && h->master != master) {
			sim_violation(w, CK_AGREEMENT, "after the quiet period hosts disagree on the master (%d, %d)", master, h->master);
			return;
		}
		master = h->master;
	}
}

void sim_check_end(struct sim_world *w)
{
	sim_expect_close_all(w);
	int64_t quiet = sim_bound_us(w->cfg.timing.failover_bound_ms) + (int64_t)w->cfg.timing.settle_ms * SIM_US_PER_MS;
	if (w->cfg.check_quiet_agreement && w->now_us - w->chk.last_fault_us >= quiet)
		check_agreement(w);
}

void sim_check_formation(struct sim_world *w)
{
	if (w->chk.formed)
		return;
	hb_hostmap all = hb_hostmap_all(w->cfg.n_hosts);
	bool ok = true;
	for (unsigned i = 0; i < w->cfg.n_hosts && ok; i++)
		ok = sim_host_reporting(&w->hosts[i]) && w->hosts[i].liveset == all;
	if (ok) {
		w->chk.formed = true;
		w->chk.formed_us = w->now_us;
		sim_trace_add(&w->trace, w->now_us, -1, 0, TK_FORMED, (int64_t)all, 0);
		sim_world_start_deferred(w);
		return;
	}
	const struct hb_timing *t = &w->cfg.timing;
	if (w->now_us > sim_bound_us(t->p.enable_join_timeout_ms + t->failover_bound_ms)) {
		sim_violation(w, CK_STARTUP, "the pool of %u hosts did not form (every host Online with the full liveset)",
		              w->cfg.n_hosts);
		return;
	}
	sim_q_push(w, w->now_us + 500000, EV_FORM_POLL, -1, 0, 0);
}
