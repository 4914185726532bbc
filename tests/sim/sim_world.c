/*
 * sim_world.c: the world of one hbsim run: its tables (allocated once),
 * their reset, the run loop (pop the earliest event, dispatch it, evaluate
 * the open expectations), and the execution of script statements (faults,
 * commands, expectations) on hosts, network and statefile.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_check.h"
#include "sim_world.h"

#define SIM_CORE_ALIGN 64u
#define SIM_FORM_POLL_US 500000

struct sim_world *sim_world_new(unsigned max_hosts, struct sim_out *out)
{
	assert(max_hosts >= 1 && max_hosts <= HB_MAX_HOSTS);
	struct sim_world *w = calloc(1, sizeof *w);
	if (w == NULL)
		return NULL;
	w->max_hosts = max_hosts;
	w->out = out;
	w->core_size = (hb_core_size() + SIM_CORE_ALIGN - 1) / SIM_CORE_ALIGN * SIM_CORE_ALIGN;
	w->heap = calloc(SIM_QCAP, sizeof *w->heap);
	w->linkq = calloc(HB_MAX_PATHS, sizeof *w->linkq);
	w->pkts = calloc(SIM_PKTCAP, sizeof *w->pkts);
	w->store = calloc(1, sizeof *w->store);
	w->readbuf = calloc(1, sizeof *w->readbuf);
	w->stmts = calloc(SIM_MAX_STMTS, sizeof *w->stmts);
	w->core_mem = aligned_alloc(SIM_CORE_ALIGN, w->core_size * max_hosts);
	if (w->heap == NULL || w->linkq == NULL || w->pkts == NULL || w->store == NULL || w->readbuf == NULL || w->stmts == NULL ||
	    w->core_mem == NULL) {
		sim_world_free(w);
		return NULL;
	}
	return w;
}

void sim_world_free(struct sim_world *w)
{
	if (w == NULL)
		return;
	free(w->heap);
	free(w->linkq);
	free(w->pkts);
	free(w->store);
	free(w->readbuf);
	free(w->stmts);
	free(w->core_mem);
	free(w);
}

static void uuid_random(struct sim_rng *r, hb_uuid *u)
{
	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t x = sim_rng_next(r);
		memcpy(u->b + i, &x, 8);
	}
	u->b[6] = (uint8_t)((u->b[6] & 0x0f) | 0x40);
	u->b[8] = (uint8_t)((u->b[8] & 0x3f) | 0x80);
}

/* Host UUIDs in sorted order: host index = position in that order. */
static void uuids_make(struct sim_world *w)
{
	unsigned n = w->cfg.n_hosts;
	uuid_random(&w->rng, &w->generation);
	for (unsigned i = 0; i < n; i++) {
		hb_uuid u;
		uuid_random(&w->rng, &u);
		unsigned j = i;
		while (j > 0 && memcmp(w->uuids[j - 1].b, u.b, 16) > 0) {
			w->uuids[j] = w->uuids[j - 1];
			j--;
		}
		w->uuids[j] = u;
	}
	for (unsigned i = 1; i < n; i++)
		assert(memcmp(w->uuids[i - 1].b, w->uuids[i].b, 16) < 0);
}

static void hosts_reset(struct sim_world *w)
{
	memset(w->hosts, 0, sizeof w->hosts);
	memset(w->boot_counter, 0, sizeof w->boot_counter);
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		struct sim_host *h = &w->hosts[i];
		h->idx = i;
		h->state = HS_DOWN;
		h->core = (struct hb_core *)(void *)(w->core_mem + (size_t)i * w->core_size);
		h->ppm = (int32_t)sim_rng_range(&w->rng, -(int64_t)HB_DRIFT_PPM, HB_DRIFT_PPM);
		h->off_us = sim_rng_range(&w->rng, 10000000, 1000000000000);
		h->wd_lag_ms = sim_rng_range(&w->rng, 0, w->cfg.timing.watchdog_slack_ms);
		/* wall clock in microseconds since the epoch, about 2026 */
		h->wall_off_us = INT64_C(1780000000000000) + sim_rng_range(&w->rng, -5000000, 5000000);
		h->wake_us = SIM_NEVER;
		h->master = -1;
		h->phase = HB_PHASE_STOPPED;
	}
}

static void queue_reset(struct sim_world *w)
{
	w->heap_n = 0;
	w->seq = 0;
	w->pkt_free = UINT32_MAX;
	for (uint32_t i = SIM_PKTCAP; i-- > 0;) {
		w->pkts[i].refs = 0;
		w->pkts[i].next_free = w->pkt_free;
		w->pkt_free = i;
	}
}

static void script_schedule(struct sim_world *w)
{
	int64_t end_ms = 0;
	for (size_t i = 0; i < w->n_stmts; i++) {
		const struct sim_stmt *s = &w->stmts[i];
		if (s->deferred)
			continue;
		sim_q_push(w, s->st.at_ms * SIM_US_PER_MS, EV_STMT, -1, (int64_t)i, 0);
		int64_t until = s->st.at_ms + (s->st.within_ms > 0 ? s->st.within_ms : 0);
		if (until > end_ms)
			end_ms = until;
	}
	if (!w->cfg.random)
		sim_q_push(w, (end_ms + 1000) * SIM_US_PER_MS, EV_END, -1, 0, 0);
	else
		sim_q_push(w, SIM_FORM_POLL_US, EV_FORM_POLL, -1, 0, 0);
}

int sim_world_reset(struct sim_world *w, const struct sim_cfg *cfg, size_t n_stmts)
{
	if (cfg->n_hosts < 1 || cfg->n_hosts > w->max_hosts || n_stmts > SIM_MAX_STMTS)
		return -1;
	w->cfg = *cfg;
	w->n_stmts = n_stmts;
	sim_rng_seed(&w->rng, cfg->seed, 1);
	w->now_us = 0;
	w->events = 0;
	w->stop = false;
	w->last_stmt = -1;
	w->fenced_ever = 0;
	w->pkts_dropped = 0;
	w->netq_active = true; /* sim_net_heal clears every link's quality */
	uuids_make(w);
	hb_key_derive_from_generation(&w->generation, &w->key);
	w->wire_pool = (struct hb_wire_pool){.key = &w->key, .generation_tag = hb_key_generation_tag(&w->generation),
	                                     .n_hosts = cfg->n_hosts, .host_uuids = w->uuids};
	queue_reset(w);
	hosts_reset(w);
	sim_net_heal(w);
	sim_store_init(w);
	sim_check_reset(w);
	sim_trace_reset(&w->trace, w);
	script_schedule(w);
	return 0;
}

void sim_world_start_deferred(struct sim_world *w)
{
	int64_t base_ms = (w->now_us + SIM_US_PER_MS - 1) / SIM_US_PER_MS;
	for (size_t i = 0; i < w->n_stmts; i++) {
		struct sim_stmt *s = &w->stmts[i];
		if (!s->deferred)
			continue;
		s->deferred = false;
		s->st.at_ms += base_ms;
		sim_q_push(w, s->st.at_ms * SIM_US_PER_MS, EV_STMT, -1, (int64_t)i, 0);
	}
}

/* ---- statements ------------------------------------------------------ */

/* A freeze this short never starves a healthy watchdog (shorter than the
 * longest whole-host stall survived, hb_timing.c, by 500 ms of scheduling:
 * the last pet is at most a pet interval before the freeze, and the first
 * after the thaw at most a recheck after it), nor outlasts the host's proof (its last
 * confirmed write is at most two statefile cycles old when it freezes, and
 * the echo of its heartbeats two heartbeat intervals): otherwise it touches
 * the host, which may fence when it thaws. */
static bool freeze_is_short(const struct sim_world *w, const struct sim_host *h, int64_t dur_ms)
{
	const struct hb_timing *t = &w->cfg.timing;
	const struct hb_timing_params *p = &t->p;
	/* Frozen already, or thawed too recently for a pet in between (the
	 * feeder pets at the latest a recheck after the thaw): with the one
	 * before, it is one longer stall. */
	if (h->frozen || (h->thawed_us != SIM_NEVER &&
	                  w->now_us - h->thawed_us < ((int64_t)t->pet_recheck_ms + 500) * SIM_US_PER_MS))
		return false;
	return dur_ms + 500 <= (int64_t)t->host_stall_max_ms &&
	       dur_ms + 2 * (int64_t)(p->sf_interval_ms + t->sf_io_timeout_ms) <= (int64_t)p->sf_timeout_ms &&
	       dur_ms + 2 * (int64_t)p->hb_interval_ms <= (int64_t)p->hb_timeout_ms;
}

static void note(struct sim_world *w, int i, const char *what)
{
	if (w->print_expect)
		sim_out_printf(w->out, "note     line %d: %s\n", w->stmts[i].st.line, what);
}

/* A command to a core over its control socket: only a running, unfrozen
 * agent answers. Returns the host or NULL. */
static struct sim_host *command_host(struct sim_world *w, int i)
{
	int hi = w->stmts[i].st.host;
	if (hi < 0 || (unsigned)hi >= w->cfg.n_hosts)
		return NULL;
	struct sim_host *h = &w->hosts[hi];
	if (h->state != HS_RUNNING || h->frozen) {
		note(w, i, "host not running or frozen: command ignored");
		return NULL;
	}
	return h;
}

static void exec_command(struct sim_world *w, int i)
{
	const struct sim_stmt *s = &w->stmts[i];
	if (s->x == SX_LANG && s->st.kind == HB_SC_PROPOSE_MASTER) {
		sim_check_activity(w); /* the master may change: agreement waits */
		sim_host_propose(w, (unsigned)s->st.host, i);
		return;
	}
	bool weight = s->x == SX_LANG && s->st.kind == HB_SC_SET_WEIGHT;
	/* A weight set while the host is down only changes its configuration. */
	if (!weight || sim_host_alive(&w->hosts[s->st.host]))
		sim_check_fault(w, i, FB_OTHER);
	if (weight)
		w->cfg.weights[s->st.host] = s->st.weight;
	struct sim_host *h = command_host(w, i);
	if (h == NULL)
		return;
	hb_mono_ms now = sim_local_ms(h, w->now_us);
	if (s->x == SX_SET_POOL_STATE)
		hb_core_set_pool_state(h->core, now, (enum hb_pool_state)s->pool_state);
	else if (s->st.kind == HB_SC_SET_WEIGHT)
		hb_core_set_weight(h->core, now, s->st.weight);
	else if (s->st.kind == HB_SC_DISARM)
		hb_core_disarm(h->core, now);
	else if (s->st.kind == HB_SC_SHUTDOWN)
		hb_core_shutdown(h->core, now);
	sim_host_after(w, h, now);
}

static void exec_lifecycle(struct sim_world *w, int i)
{
	const struct hb_sc_statement *st = &w->stmts[i].st;
	switch (st->kind) {
	case HB_SC_START_ALL:
		for (unsigned k = 0; k < w->cfg.n_hosts; k++)
			if (w->hosts[k].state == HS_DOWN)
				sim_host_boot(w, k);
		return;
	case HB_SC_CRASH: {
		unsigned prev = sim_check_fault(w, i, FB_CRASH);
		if (!sim_host_alive(&w->hosts[st->host])) {
			note(w, i, "host already down");
			return;
		}
		sim_check_crash(w, (unsigned)st->host, i, prev);
		sim_host_crash(w, (unsigned)st->host);
		return;
	}
	case HB_SC_BOOT:
		sim_check_fault(w, i, FB_BOOT);
		if (sim_host_alive(&w->hosts[st->host]))
			note(w, i, "host is running: boot ignored");
		else
			sim_host_boot(w, (unsigned)st->host);
		return;
	case HB_SC_FREEZE:
		sim_check_fault(w, i, freeze_is_short(w, &w->hosts[st->host], st->duration_ms) ? FB_FREEZE_SHORT : FB_FREEZE_LONG);
		sim_host_freeze(w, (unsigned)st->host, st->duration_ms * SIM_US_PER_MS);
		return;
	case HB_SC_SHUTDOWN:
		w->hosts[st->host].stop_at = w->now_us; /* (d): see justify_refresh */
		w->hosts[st->host].stop_unheard = false;
		sim_check_fault(w, i, FB_SHUTDOWN);
		exec_command(w, i);
		return;
	default: assert(0 && "not a lifecycle statement");
	}
}

/* What a forged record claims, applied to a view. */
static void forge_view(struct hb_view *v, enum hb_sc_forge f)
{
	if (f == HB_SC_FORGE_STOPPED) {
		v->phase = HB_PHASE_STOPPED;
		v->flags = (uint8_t)((v->flags & ~(HB_VF_ARMED | HB_VF_RULE2)) | HB_VF_EXCLUDED);
	} else if (f == HB_SC_FORGE_FENCING) {
		v->phase = HB_PHASE_FENCING;
		v->flags |= HB_VF_FENCING;
	}
}

#define SIM_HUGE_SEQUENCE (UINT64_C(1) << 62)

/* forge-slot, forge-heartbeat: a record of the host's current incarnation
 * written by somebody else (a bug, a stray tool, a key holder). */
static void exec_forge(struct sim_world *w, int i)
{
	const struct hb_sc_statement *st = &w->stmts[i].st;
	struct sim_host *h = &w->hosts[st->host];
	enum hb_sc_forge f = (enum hb_sc_forge)st->forge;
	sim_check_fault(w, i, FB_FORGE);
	if (st->kind == HB_SC_FORGE_SLOT) {
		enum hb_reject rej;
		struct hb_slot s = *sim_store_slot(w, (unsigned)st->host, &rej);
		if (rej != HB_REJECT_NONE) {
			note(w, i, "the slot does not decode: nothing to forge from");
			return;
		}
		s.sequence = f == HB_SC_FORGE_HUGE_SEQUENCE ? SIM_HUGE_SEQUENCE : f == HB_SC_FORGE_NEXT_BOOT ? 1 : s.sequence + 1;
		if (f == HB_SC_FORGE_NEXT_BOOT)
			s.boot_id++;
		forge_view(&s.view, f);
		sim_store_forge_slot(w, (unsigned)st->host, &s);
		if ((f == HB_SC_FORGE_STOPPED || f == HB_SC_FORGE_FENCING) && s.boot_id == h->boot_id)
			h->forged_claim_us = w->now_us;
		return;
	}
	if (!h->sent_any) {
		note(w, i, "the host never sent a heartbeat: nothing to forge from");
		return;
	}
	struct hb_packet pkt = h->last_pkt;
	pkt.sequence = f == HB_SC_FORGE_HUGE_SEQUENCE ? SIM_HUGE_SEQUENCE : f == HB_SC_FORGE_NEXT_BOOT ? 1 : pkt.sequence + 1;
	if (f == HB_SC_FORGE_NEXT_BOOT)
		pkt.boot_id++;
	forge_view(&pkt.view, f);
	sim_net_inject(w, &pkt, st->host2);
}

/* clock-step, suspend, restart-agent: things that happen to one host. */
static void exec_host_fault(struct sim_world *w, int i)
{
	const struct hb_sc_statement *st = &w->stmts[i].st;
	unsigned h = (unsigned)st->host;
	switch (st->kind) {
	case HB_SC_CLOCK_STEP:
		sim_host_clock_step(w, h, st->duration_ms * SIM_US_PER_MS);
		sim_check_fault(w, i, FB_CLOCK);
		return;
	case HB_SC_SUSPEND:
		if (w->hosts[h].state != HS_RUNNING || w->hosts[h].frozen) {
			note(w, i, "host not running, or frozen: suspend ignored");
			return;
		}
		sim_host_suspend(w, h, st->duration_ms * SIM_US_PER_MS);
		sim_check_fault(w, i, freeze_is_short(w, &w->hosts[st->host], st->duration_ms) ? FB_FREEZE_SHORT : FB_SUSPEND);
		return;
	case HB_SC_RESTART_AGENT:
		if (w->hosts[h].state != HS_RUNNING || w->hosts[h].frozen) {
			note(w, i, "host not running, or frozen: restart-agent ignored");
			return;
		}
		sim_check_fault(w, i, FB_RESTART);
		sim_host_restart_agent(w, h);
		return;
	default: assert(0 && "not a host fault");
	}
}

static void exec_network(struct sim_world *w, int i)
{
	const struct hb_sc_statement *st = &w->stmts[i].st;
	if (st->kind == HB_SC_HEAL) {
		sim_check_fault(w, i, FB_NET_HEAL);
		sim_net_heal(w);
		return;
	}
	unsigned prev = sim_check_fault(w, i, FB_NET);
	if (st->kind == HB_SC_ISOLATE)
		sim_net_isolate(w, (unsigned)st->host);
	else if (st->kind == HB_SC_PARTITION)
		sim_net_partition(w, st->groups, st->n_groups);
	else
		sim_net_cut(w, (unsigned)st->host, (unsigned)st->host2);
	sim_check_net_fault(w, i, prev);
}

static void storage_apply(struct sim_world *w, const struct hb_sc_statement *st, struct sim_host *h)
{
	if (st->kind != HB_SC_STORAGE_HEAL && st->kind != HB_SC_STORAGE_TORN && h->sf_bad_since_us < 0)
		h->sf_bad_since_us = w->now_us;
	switch (st->kind) {
	case HB_SC_STORAGE_FAIL: h->sf_fault = SF_FAIL; return;
	case HB_SC_STORAGE_HANG: h->sf_fault = SF_HANG; return;
	case HB_SC_STORAGE_SLOW:
		h->sf_fault = SF_SLOW;
		h->sf_slow_us = st->duration_ms * SIM_US_PER_MS;
		return;
	case HB_SC_STORAGE_HEAL: sim_io_storage_heal(w, h); return;
	case HB_SC_STORAGE_TORN: h->torn_next = true; return;
	default: assert(0 && "not a storage statement");
	}
}

static void exec_storage(struct sim_world *w, int i)
{
	const struct hb_sc_statement *st = &w->stmts[i].st;
	unsigned bits = st->host == HB_SC_ALL ? FB_SF_ALL : FB_SF_ONE;
	if (st->kind == HB_SC_STORAGE_HEAL)
		bits = FB_SF_HEAL;
	else if (st->kind == HB_SC_STORAGE_TORN)
		bits = FB_TORN;
	sim_check_fault(w, i, bits);
	for (unsigned k = 0; k < w->cfg.n_hosts; k++)
		if (st->host == HB_SC_ALL || (unsigned)st->host == k)
			storage_apply(w, st, &w->hosts[k]);
}

static void exec_lang(struct sim_world *w, int i)
{
	switch (w->stmts[i].st.kind) {
	case HB_SC_START_ALL: case HB_SC_CRASH: case HB_SC_BOOT: case HB_SC_FREEZE: case HB_SC_SHUTDOWN:
		exec_lifecycle(w, i);
		return;
	case HB_SC_ISOLATE: case HB_SC_PARTITION: case HB_SC_CUT: case HB_SC_HEAL:
		exec_network(w, i);
		return;
	case HB_SC_STORAGE_FAIL: case HB_SC_STORAGE_HANG: case HB_SC_STORAGE_SLOW: case HB_SC_STORAGE_HEAL:
	case HB_SC_STORAGE_TORN:
		exec_storage(w, i);
		return;
	case HB_SC_PROPOSE_MASTER: case HB_SC_DISARM: case HB_SC_SET_WEIGHT:
		exec_command(w, i);
		return;
	case HB_SC_LOSS: case HB_SC_DUPLICATE: case HB_SC_DELAY: case HB_SC_REPLAY:
		sim_net_quality(w, &w->stmts[i].st);
		sim_check_fault(w, i, w->stmts[i].st.kind == HB_SC_LOSS && w->stmts[i].st.rate_ppm < SIM_BAD_LOSS_PPM
		                              ? FB_NETQ_MILD : FB_NETQ);
		return;
	case HB_SC_CLOCK_STEP: case HB_SC_SUSPEND: case HB_SC_RESTART_AGENT:
		exec_host_fault(w, i);
		return;
	case HB_SC_FORGE_SLOT: case HB_SC_FORGE_HEARTBEAT:
		exec_forge(w, i);
		return;
	case HB_SC_EXPECT_LIVESET: case HB_SC_EXPECT_MASTER: case HB_SC_EXPECT_DOWN: case HB_SC_EXPECT_REPORTED_MASTER:
		sim_check_expect_open(w, i);
		return;
	case HB_SC_SET_POOL_STATE: case HB_SC_EXPECT_FENCED: /* mapped to SX_* when loaded */
	case HB_SC_KIND_COUNT: break;
	}
	assert(0 && "unknown statement");
}

static void exec_stmt(struct sim_world *w, int i)
{
	const struct sim_stmt *s = &w->stmts[i];
	bool expect = s->x == SX_EXPECT_FENCED ||
	              (s->x == SX_LANG && (s->st.kind == HB_SC_EXPECT_LIVESET || s->st.kind == HB_SC_EXPECT_MASTER ||
	                                   s->st.kind == HB_SC_EXPECT_DOWN || s->st.kind == HB_SC_EXPECT_REPORTED_MASTER));
	if (!expect)
		w->last_stmt = i;
	sim_trace_add(&w->trace, w->now_us, -1, 0, TK_STMT, i, 0);
	switch (s->x) {
	case SX_LANG:
		exec_lang(w, i);
		if (!w->stop)
			sim_check_world_changed(w); /* (d) judged on the world after the statement */
		return;
	case SX_SET_POOL_STATE: exec_command(w, i); return;
	case SX_LOSS:
		sim_check_fault(w, i, FB_OTHER);
		w->cfg.loss_ppm = (uint32_t)s->st.weight * 1000u;
		return;
	case SX_END: sim_q_push(w, w->now_us, EV_END, -1, 0, 0); return;
	case SX_EXPECT_FENCED: sim_check_expect_open(w, i); return;
	}
}

/* ---- the run loop ----------------------------------------------------- */

static void dispatch(struct sim_world *w, const struct sim_ev *ev)
{
	switch ((enum sim_ev_kind)ev->kind) {
	case EV_STMT: exec_stmt(w, (int)ev->a); return;
	case EV_EXPECT_END: sim_check_expect_end(w, (int)ev->a); return;
	case EV_CHECK: sim_check_event(w, ev); return;
	case EV_FORM_POLL: sim_check_formation(w); return;
	case EV_QUIET: sim_check_quiet(w, ev->a); return;
	case EV_END:
		sim_check_end(w);
		w->stop = true;
		return;
	case EV_WAKE: case EV_PACKET: case EV_IO_DONE: case EV_OVERDUE: case EV_PET: case EV_WATCHDOG: case EV_DOWN:
	case EV_THAW: case EV_PROPOSE: case EV_AGENT_START:
		sim_host_event(w, ev);
		return;
	}
	assert(0 && "unknown event");
}

unsigned sim_world_run(struct sim_world *w)
{
	struct sim_ev ev;
	while (!w->stop && sim_q_pop(w, &ev)) {
		assert(ev.t_us >= w->now_us);
		w->now_us = ev.t_us;
		w->events++;
		dispatch(w, &ev);
		if (w->chk.n_open > 0 && !w->stop)
			sim_check_expects_eval(w);
	}
	return w->chk.violations;
}

/* ---- printing the script ---------------------------------------------- */

void sim_stmt_format(const struct sim_world *w, int idx, char *buf, size_t len)
{
	const struct sim_stmt *s = &w->stmts[idx];
	char ts[32];
	hb_sc_format_time(s->st.at_ms, ts, sizeof ts);
	const char *rel = s->deferred ? "formation+" : "";
	switch (s->x) {
	case SX_LANG:
		if (!s->deferred) {
			hb_sc_statement_format(&s->st, buf, len);
			return;
		}
		{
			char body[200];
			hb_sc_statement_format(&s->st, body, sizeof body);
			snprintf(buf, len, "%s (at formation+%s)", body, ts);
		}
		return;
	case SX_SET_POOL_STATE:
		snprintf(buf, len, "#@ at %s%s set-pool-state %d %s", rel, ts, s->st.host,
		         hb_pool_state_name((enum hb_pool_state)s->pool_state));
		return;
	case SX_LOSS: snprintf(buf, len, "#@ at %s%s loss %u", rel, ts, (unsigned)s->st.weight); return;
	case SX_END: snprintf(buf, len, "# at %s%s end of run", rel, ts); return;
	case SX_EXPECT_FENCED: {
		char ls[200], wt[32] = "";
		hb_hostmap_format(s->st.hosts, ",", "none", ls, sizeof ls);
		if (s->st.within_ms > 0) {
			char d[24];
			hb_sc_format_time(s->st.within_ms, d, sizeof d);
			snprintf(wt, sizeof wt, " within %s", d);
		}
		snprintf(buf, len, "#@ expect %s fenced %s%s", ts, ls, wt);
		return;
	}
	}
}

/* The command-line flags a replay of w needs (the core broken on purpose),
 * each with a leading space; "" for the real core. */
void sim_replay_flags(const struct sim_world *w, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned bit = 1; bit != 0 && used < len; bit <<= 1)
		if (w->cfg.unsafe & bit)
			used += (size_t)snprintf(buf + used, len - used, " --unsafe %s", hb_core_unsafe_name(bit));
	if (w->cfg.broken_suspend_clock && used < len)
		snprintf(buf + used, len - used, " --broken-suspend-clock");
}

/* The pool's header (hosts, timeout, paths, sector, timing overrides), each
 * line after indent. */
static void print_header(const struct sim_world *w, struct sim_out *o, const char *indent)
{
	const struct sim_cfg *c = &w->cfg;
	sim_out_printf(o, "%shosts %u\n%stimeout %" PRIu32 "\n%spaths %u\n", indent, c->n_hosts, indent, c->T_s, indent,
	               c->n_paths);
	if (c->sector != 512)
		sim_out_printf(o, "%ssector %u\n", indent, c->sector);
	const struct { const char *name; uint32_t ms; } ov[] = {
		{"heartbeat-interval", c->hb_interval_ms}, {"heartbeat-timeout", c->hb_timeout_ms},
		{"statefile-interval", c->sf_interval_ms}, {"statefile-timeout", c->sf_timeout_ms},
		{"watchdog-timeout", c->watchdog_ms},
	};
	for (size_t i = 0; i < sizeof ov / sizeof ov[0]; i++) {
		char t[32];
		if (ov[i].ms == 0)
			continue;
		hb_sc_format_time(ov[i].ms, t, sizeof t);
		sim_out_printf(o, "%s%s %s\n", indent, ov[i].name, t);
	}
}

/* The run so far as a scenario file (`hbsim --scenario FILE` replays it,
 * event for event): the header, the world's seed, every statement at the
 * absolute time it ran or was scheduled for (a statement still waiting for
 * the pool to form is left out), and the end of the run at end_ms. */
void sim_world_write_scenario(const struct sim_world *w, struct sim_out *o, int64_t end_ms)
{
	print_header(w, o, "");
	sim_out_printf(o, "#@ seed %" PRIu64 "\n", w->cfg.seed);
	for (size_t i = 0; i < w->n_stmts; i++) {
		const struct sim_stmt *s = &w->stmts[i];
		if (s->deferred || s->x == SX_END || s->x == SX_EXPECT_FENCED)
			continue;
		char text[256];
		sim_stmt_format(w, (int)i, text, sizeof text);
		sim_out_printf(o, "%s\n", text);
	}
	char t[32];
	hb_sc_format_time(end_ms, t, sizeof t);
	sim_out_printf(o, "#@ at %s end\n", t);
}

void sim_world_print_script(const struct sim_world *w, struct sim_out *o)
{
	print_header(w, o, "    ");
	if (w->cfg.loss_ppm > 0)
		sim_out_printf(o, "    # packet loss %" PRIu32 " ppm\n", w->cfg.loss_ppm);
	for (size_t i = 0; i < w->n_stmts; i++) {
		char text[256];
		sim_stmt_format(w, (int)i, text, sizeof text);
		sim_out_printf(o, "    %s\n", text);
	}
}
