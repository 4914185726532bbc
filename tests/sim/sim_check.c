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
	sim_hostmap_format(s->view.liveset, ls, sizeof ls);
	sim_hostmap_format(s->view.hb_heard, hh, sizeof hh);
	sim_hostmap_format(s->view.sf_seen, ss, sizeof ss);
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
		sim_hostmap_format(h->liveset, ls, sizeof ls);
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
	if (w->cfg.random) {
		sim_out_printf(o, "  script (replay: hbsim --random --runs 1 --seed %" PRIu64 "):\n", w->cfg.seed);
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

/* The incarnation boot_id of host j was removed by host k. */
static void check_removal(struct sim_world *w, const struct sim_host *k, hb_hostmap now_live, unsigned j,
                          uint64_t boot_id)
{
	const struct sim_host *v = &w->hosts[j];
	if (boot_id == 0)
		boot_id = v->inc; /* the core did not say: assume the current one */
	if (!sim_host_alive(v) || v->inc != boot_id)
		return;
	if (v->wd_disarmed && !v->wd_armed)
		return; /* protection explicitly off */
	if (frozen_past_fence_bound(w, v))
		return;
	static const char *const states[] = {"down", "running", "fencing", "agent exited, watchdog armed"};
	char ls[200];
	sim_hostmap_format(now_live, ls, sizeof ls);
	sim_violation(w, CK_REMOVAL,
	              "host %u removed host %u (boot %" PRIu64 ") from its liveset (now %s) while that host is still "
	              "running (%s%s, watchdog %s, removal wait %" PRIu32 " ms)",
	              k->idx, j, boot_id, ls, states[v->state], v->frozen ? ", frozen" : "",
	              v->wd_armed ? "armed" : "not armed", w->cfg.timing.removal_wait_ms);
}

static bool master_counts(const struct sim_world *w, const struct sim_host *h)
{
	if (!sim_host_alive(h) || !h->i_am_master)
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
			sim_violation(w, CK_MASTER, "hosts %u and %u both hold the master lock", i, h->idx);
			return;
		}
	}
}

static void watches_update(struct sim_world *w);

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
	memcpy(h->member_boot, st.member_boot_id, sizeof h->member_boot);
	if (h->i_am_master)
		check_masters(w, h);
	if (liveset_changed)
		watches_update(w);
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

/* ---- (d) minimal fencing -------------------------------------------- */

void sim_check_fence(struct sim_world *w, struct sim_host *h, const char *how)
{
	unsigned m = w->chk.fault_mask;
	w->fenced_ever |= hb_host_bit(h->idx);
	if ((m & ~(unsigned)FB_BENIGN) == 0) {
		sim_violation(w, CK_MIN_FENCE, "host %u %s although the only faults so far are crashes, boots, clean "
		              "shutdowns, short freezes or torn writes (fault mask 0x%x)", h->idx, how, m);
		return;
	}
	if ((m & ~(unsigned)FB_RULE2) == 0) {
		sim_violation(w, CK_MIN_FENCE, "host %u %s although the only faults are storage faults on every host with "
		              "the network whole (survival rule 2: nobody fences)", h->idx, how);
		return;
	}
	if (w->chk.no_fence_active && (w->chk.no_fence & hb_host_bit(h->idx))) {
		char ws[200];
		sim_hostmap_format(w->chk.no_fence, ws, sizeof ws);
		sim_violation(w, CK_MIN_FENCE, "host %u %s although it is in the winning partition %s of the only network fault",
		              h->idx, how, ws);
	}
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
	sim_hostmap_format(wa->victims, vs, sizeof vs);
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

/* Record a fault statement; returns the fault mask before it. The bounds
 * hold for one fault at a time: a later fault ends every failover watch
 * (but a crash does not end a crash's: removing a crashed host does not wait
 * for settled views) and the winner's no-fence rule. */
unsigned sim_check_fault(struct sim_world *w, int stmt, unsigned bits)
{
	(void)stmt;
	unsigned prev = w->chk.fault_mask;
	for (unsigned i = 0; i < SIM_MAX_WATCH; i++)
		if (bits != FB_CRASH || w->chk.watch[i].net)
			w->chk.watch[i].active = false;
	w->chk.no_fence_active = false; /* even a crash can change the winner */
	w->chk.fault_mask |= bits;
	w->chk.last_fault_us = w->now_us;
	return prev;
}

void sim_check_crash(struct sim_world *w, unsigned victim, int stmt, unsigned prev_mask)
{
	const struct sim_host *v = &w->hosts[victim];
	if ((prev_mask & ~(unsigned)FB_CRASH) != 0 || v->phase != HB_PHASE_ONLINE)
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
	hb_hostmap best = 0;
	for (hb_hostmap s = cand; s != 0; s = (s - 1) & cand)
		if (is_clique(adj, s) && (best == 0 || clique_better(w, s, best)))
			best = s;
	return best;
}

/* A network fault was applied. If it is the first fault of the run, the
 * losers must leave every winner's liveset within the failover bound and
 * no winner may fence. */
void sim_check_net_fault(struct sim_world *w, int stmt, unsigned prev_mask)
{
	if (prev_mask != 0)
		return;
	hb_hostmap cand = 0;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++)
		if (survivor(&w->hosts[i]))
			cand |= hb_host_bit(i);
	if (cand == 0 || __builtin_popcountll(cand) > 16)
		return;
	hb_hostmap win = best_partition(w, cand);
	w->chk.no_fence = win;
	w->chk.no_fence_active = true;
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
		sim_hostmap_format(h->liveset, ls, sizeof ls);
		sim_hostmap_format(online, os, sizeof os);
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
