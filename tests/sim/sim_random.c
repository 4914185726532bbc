/*
 * sim_random.c: draws one random run of hbsim from its seed (sim_random.h):
 * the pool, its timing (xapi's T, or any combination of t1, T1, t2, T2 and W
 * that hb_timing_derive accepts), a random subset of fault kinds (swarm
 * testing) and a schedule drawn from those kinds, written as scenario
 * statements. Fault times count from the moment the pool has formed
 * (deferred statements); after the faults come a heal of everything,
 * optionally a boot of every host that is down, and a quiet period long
 * enough for the agreement check at the end.
 */
#include "sim_random.h"

#include <assert.h>
#include <string.h>

#include "hb_timing.h"

#define GEN_MAX 200u        /* schedule entries before sorting */
#define GEN_FAULTS_MAX 6u   /* faults drawn per run */

static const char *const kind_names[SK_COUNT] = {
	[SK_CRASH] = "crash", [SK_SHUTDOWN] = "shutdown", [SK_FREEZE_SHORT] = "freeze-short",
	[SK_FREEZE_LONG] = "freeze-long", [SK_SUSPEND] = "suspend", [SK_RESTART_AGENT] = "restart-agent",
	[SK_POOL_RESTART] = "pool-restart", [SK_ISOLATE] = "isolate", [SK_PARTITION] = "partition", [SK_CUT] = "cut",
	[SK_HEAL] = "heal", [SK_LOSS] = "loss", [SK_DELAY] = "delay", [SK_DUPLICATE] = "duplicate",
	[SK_REPLAY] = "replay", [SK_SF_FAIL] = "storage-fail", [SK_SF_HANG] = "storage-hang",
	[SK_SF_SLOW] = "storage-slow", [SK_SF_ALL] = "storage-all", [SK_TORN] = "storage-torn",
	[SK_CLOCK_STEP] = "clock-step", [SK_DISARM] = "disarm", [SK_WEIGHT] = "set-weight",
	[SK_PROPOSE] = "propose-master", [SK_FORGE_HEARTBEAT] = "forge-heartbeat", [SK_FORGE_SLOT] = "forge-slot",
};

const char *sim_kind_name(enum sim_kind k)
{
	return k < SK_COUNT ? kind_names[k] : "?";
}

struct gen {
	struct sim_rng r;
	const uint8_t *in;    /* the fuzzer's input: draws come from it (zeros once used up), not from r */
	size_t in_len, in_pos;
	struct sim_cfg *cfg;
	const struct hb_timing *t;
	struct sim_stmt ev[GEN_MAX];
	size_t n;
	hb_hostmap gone;      /* crashed or shut down by the schedule, not booted again */
	int64_t last_ms;      /* the latest moment a fault still acts */
	int64_t last_boot_ms; /* -1: no boot */
	int64_t max_slow_ms;  /* largest storage latency injected, 0 = none */
	uint32_t kinds;       /* kinds faults were drawn from */
};

static struct hb_sc_statement *gen_add(struct gen *g, enum hb_sc_kind kind, int64_t at_ms)
{
	assert(g->n < GEN_MAX);
	struct sim_stmt *s = &g->ev[g->n++];
	memset(s, 0, sizeof *s);
	s->x = SX_LANG;
	s->deferred = true;
	s->st.kind = kind;
	s->st.at_ms = at_ms;
	s->st.host = -1;
	s->st.host2 = -1;
	s->st.path = -1;
	if (at_ms > g->last_ms)
		g->last_ms = at_ms;
	if (kind == HB_SC_BOOT && at_ms > g->last_boot_ms)
		g->last_boot_ms = at_ms;
	return &s->st;
}

static bool room(const struct gen *g, size_t n) { return g->n + n + 8 < GEN_MAX; }

/* Every draw of the generator: a number below n (n > 0). From the fuzzer's
 * input, the fewest whole bytes that cover n, so that a mutated byte
 * changes one decision. */
static uint64_t gen_below(struct gen *g, uint64_t n)
{
	assert(n > 0);
	if (g->in == NULL)
		return sim_rng_below(&g->r, n);
	uint64_t v = 0;
	for (uint64_t span = n - 1; span > 0; span >>= 8) {
		v = v << 8 | (g->in_pos < g->in_len ? g->in[g->in_pos] : 0u);
		g->in_pos++;
	}
	return v % n;
}

static int gen_host(struct gen *g)
{
	return (int)gen_below(g, g->cfg->n_hosts);
}

static int64_t gen_ms(struct gen *g, int64_t lo, int64_t hi)
{
	if (g->in == NULL)
		return sim_rng_range(&g->r, lo, hi > lo ? hi : lo);
	if (hi <= lo)
		return lo;
	return lo + (int64_t)gen_below(g, (uint64_t)(hi - lo) + 1u);
}

/* A chance in a million; from input bytes, one byte (1/256 steps). */
static bool gen_chance(struct gen *g, uint32_t ppm)
{
	if (g->in == NULL)
		return sim_rng_chance(&g->r, ppm);
	return gen_below(g, 256) < (uint64_t)ppm * 256u / 1000000u;
}

static void effect_until(struct gen *g, int64_t end_ms)
{
	if (end_ms > g->last_ms)
		g->last_ms = end_ms;
}

/* ---- timing ---------------------------------------------------------- */

static bool try_T(struct gen *g, uint32_t T)
{
	struct hb_timing_params p;
	if (hb_timing_params_from_T(T, &p, NULL) < 0 || hb_timing_derive(&p, &g->cfg->timing, NULL) < 0)
		return false;
	g->cfg->T_s = T;
	return true;
}

static uint32_t round100(int64_t ms) { return (uint32_t)(ms / 100 * 100); }

/* Any t1, T1, t2, T2, W the timing model accepts, under a T large enough
 * that xapi's Wh = T, Ws = T + 15 and BootJoinTimeout = T + 60 hold them
 * (so the run prints as a scenario: `timeout T` and the overrides). */
static bool try_combination(struct gen *g)
{
	uint32_t t1 = round100(gen_ms(g, 300, 4000)), t2 = round100(gen_ms(g, 300, 5000));
	uint32_t T1 = round100(3 * (int64_t)t1 + gen_ms(g, 0, 30000));
	uint32_t T2 = round100(3 * (int64_t)t2 + gen_ms(g, 0, 50000));
	uint32_t W = (uint32_t)gen_ms(g, 2, 10) * 1000u;
	uint32_t tick = t1 < t2 ? t1 : t2;
	tick = tick < 1000 ? tick : 1000;
	uint32_t need = T1 > T2 ? T1 : T2;
	if (2 * tick + W + 1000 > need)
		need = 2 * tick + W + 1000;
	uint32_t T = (need + 999) / 1000;
	struct hb_timing_params p;
	if (hb_timing_params_from_T(T < 4 ? 4 : T, &p, NULL) < 0)
		return false;
	p.hb_interval_ms = t1;
	p.hb_timeout_ms = T1;
	p.sf_interval_ms = t2;
	p.sf_timeout_ms = T2;
	p.watchdog_timeout_ms = W;
	if (hb_timing_derive(&p, &g->cfg->timing, NULL) < 0)
		return false;
	struct sim_cfg *c = g->cfg;
	c->T_s = T < 4 ? 4 : T;
	c->hb_interval_ms = t1;
	c->hb_timeout_ms = T1;
	c->sf_interval_ms = t2;
	c->sf_timeout_ms = T2;
	c->watchdog_ms = W;
	return true;
}

static void pick_timing(struct gen *g)
{
	static const uint32_t Ts[] = {6, 8, 10, 15, 20, 30, 60};
	if (gen_chance(g, 500000))
		for (unsigned tries = 0; tries < 64; tries++)
			if (try_combination(g))
				return;
	for (unsigned tries = 0; tries < 32; tries++)
		if (try_T(g, Ts[gen_below(g, sizeof Ts / sizeof Ts[0])]))
			return;
	assert(0 && "no T derives");
}

/* ---- faults ------------------------------------------------------------ */

/* A host to crash or stop, keeping at least one host up; -1 if none. */
static int gen_victim(struct gen *g)
{
	unsigned n = g->cfg->n_hosts;
	if ((unsigned)__builtin_popcountll(g->gone) + 1 >= n)
		return -1;
	for (unsigned tries = 0; tries < 64; tries++) {
		int h = gen_host(g);
		if (!(g->gone & hb_host_bit((unsigned)h))) {
			g->gone |= hb_host_bit((unsigned)h);
			return h;
		}
	}
	return -1;
}

static void gen_boot(struct gen *g, int h, int64_t at)
{
	gen_add(g, HB_SC_BOOT, at)->host = h;
	g->gone &= ~hb_host_bit((unsigned)h);
}

static int64_t short_freeze_max(const struct gen *g)
{
	int64_t m = (int64_t)g->t->host_stall_max_ms - 500;
	return m > 100 ? m : 100;
}

static void gen_groups(struct gen *g, struct hb_sc_statement *st)
{
	unsigned n = g->cfg->n_hosts;
	unsigned groups = n >= 3 && gen_chance(g, 300000) ? 3 : 2;
	for (unsigned tries = 0; tries < 32; tries++) {
		memset(st->groups, 0, sizeof st->groups);
		for (unsigned h = 0; h < n; h++)
			st->groups[gen_below(g, groups)] |= hb_host_bit(h);
		bool ok = true;
		for (unsigned i = 0; i < groups; i++)
			ok = ok && st->groups[i] != 0;
		if (ok) {
			st->n_groups = groups;
			return;
		}
	}
	st->groups[0] = hb_host_bit(0); /* fallback: 0 | rest */
	st->groups[1] = hb_hostmap_all(n) & ~hb_host_bit(0);
	st->n_groups = 2;
}

/* A link (a -> b), a host (every link to and from it), or every link;
 * one path or all. */
static void gen_scope(struct gen *g, struct hb_sc_statement *st)
{
	uint64_t k = gen_below(g, 3);
	if (k >= 1)
		st->host = gen_host(g);
	if (k == 2)
		st->host2 = (st->host + 1 + (int)gen_below(g, g->cfg->n_hosts - 1)) % (int)g->cfg->n_hosts;
	if (g->cfg->n_paths > 1 && gen_chance(g, 300000))
		st->path = (int)gen_below(g, g->cfg->n_paths);
}

static void copy_scope(struct hb_sc_statement *to, const struct hb_sc_statement *from)
{
	to->host = from->host;
	to->host2 = from->host2;
	to->path = from->path;
}

/* All of the host's packets are lost for a moment (a NIC reset, a switch
 * reboot): around a command, or as a fault of its own. */
static void gen_loss_burst(struct gen *g, int host, int64_t at, int64_t dur)
{
	struct hb_sc_statement *a = gen_add(g, HB_SC_LOSS, at);
	a->host = host;
	a->rate_ppm = 1000000;
	struct hb_sc_statement *b = gen_add(g, HB_SC_LOSS, at + dur);
	copy_scope(b, a);
}

static void gen_network(struct gen *g, enum sim_kind k, int64_t at)
{
	const struct hb_timing *t = g->t;
	struct hb_sc_statement *st;
	switch (k) {
	case SK_ISOLATE: gen_add(g, HB_SC_ISOLATE, at)->host = gen_host(g); return;
	case SK_PARTITION: gen_groups(g, gen_add(g, HB_SC_PARTITION, at)); return;
	case SK_CUT:
		st = gen_add(g, HB_SC_CUT, at);
		st->host = gen_host(g);
		st->host2 = (st->host + 1 + (int)gen_below(g, g->cfg->n_hosts - 1)) % (int)g->cfg->n_hosts;
		return;
	case SK_HEAL: gen_add(g, HB_SC_HEAL, at); return;
	case SK_LOSS:
		if (gen_chance(g, 500000)) {
			gen_loss_burst(g, gen_host(g), at, gen_ms(g, 100, 2 * (int64_t)t->p.hb_interval_ms));
			return;
		}
		st = gen_add(g, HB_SC_LOSS, at);
		gen_scope(g, st);
		st->rate_ppm = (uint32_t)(gen_chance(g, 700000) ? gen_ms(g, 1000, 20000) : gen_ms(g, 20000, 600000));
		return;
	case SK_DELAY: {
		st = gen_add(g, HB_SC_DELAY, at);
		gen_scope(g, st);
		st->duration_ms = gen_ms(g, 1, (int64_t)t->p.hb_timeout_ms / 4);
		st->jitter_ms = gen_chance(g, 500000) ? gen_ms(g, 0, st->duration_ms) : 0;
		struct hb_sc_statement *off = gen_add(g, HB_SC_DELAY, at + gen_ms(g, 1000, 2 * (int64_t)t->p.hb_timeout_ms));
		copy_scope(off, st);
		return;
	}
	case SK_DUPLICATE:
		st = gen_add(g, HB_SC_DUPLICATE, at);
		gen_scope(g, st);
		st->rate_ppm = (uint32_t)gen_ms(g, 10000, 300000);
		return;
	case SK_REPLAY:
		st = gen_add(g, HB_SC_REPLAY, at);
		gen_scope(g, st);
		st->duration_ms = gen_ms(g, 1000, 3 * (int64_t)t->p.hb_timeout_ms);
		effect_until(g, at + st->duration_ms + gen_ms(g, 1000, 30000));
		return;
	default: assert(0 && "not a network kind");
	}
}

/* A storage latency to inject; remembered for the quiet tail. */
static int64_t gen_slow_ms(struct gen *g)
{
	int64_t d = gen_ms(g, 100, g->t->p.sf_timeout_ms);
	if (d > g->max_slow_ms)
		g->max_slow_ms = d;
	return d;
}

static void gen_storage(struct gen *g, enum sim_kind k, int64_t at)
{
	const struct hb_timing *t = g->t;
	static const enum hb_sc_kind all_kinds[] = {HB_SC_STORAGE_FAIL, HB_SC_STORAGE_HANG, HB_SC_STORAGE_SLOW};
	struct hb_sc_statement *st;
	if (k == SK_SF_ALL) {
		st = gen_add(g, all_kinds[gen_below(g, 3)], at);
		st->host = HB_SC_ALL;
		if (st->kind == HB_SC_STORAGE_SLOW)
			st->duration_ms = gen_slow_ms(g);
		if (!gen_chance(g, 700000))
			return;
		/* healed host by host: uneven recovery */
		int64_t heal = at + gen_ms(g, 1000, 3 * (int64_t)t->p.sf_timeout_ms);
		for (unsigned h = 0; h < g->cfg->n_hosts; h++)
			gen_add(g, HB_SC_STORAGE_HEAL, heal + gen_ms(g, 0, t->sf_regain_grace_ms))->host = (int)h;
		return;
	}
	enum hb_sc_kind kind = k == SK_SF_FAIL ? HB_SC_STORAGE_FAIL : k == SK_SF_HANG ? HB_SC_STORAGE_HANG : HB_SC_STORAGE_SLOW;
	st = gen_add(g, kind, at);
	st->host = gen_host(g);
	if (kind == HB_SC_STORAGE_SLOW)
		st->duration_ms = gen_slow_ms(g);
	if (gen_chance(g, 700000))
		gen_add(g, HB_SC_STORAGE_HEAL, at + gen_ms(g, 500, 2 * (int64_t)t->hung_storage_decide_ms))->host = st->host;
}

static void gen_host_fault(struct gen *g, enum sim_kind k, int64_t at)
{
	const struct hb_timing *t = g->t;
	struct hb_sc_statement *st;
	int h;
	switch (k) {
	case SK_CRASH:
		if ((h = gen_victim(g)) < 0)
			return;
		gen_add(g, HB_SC_CRASH, at)->host = h;
		if (gen_chance(g, 500000))
			gen_boot(g, h, at + gen_ms(g, t->failover_bound_ms * 6 / 5, 2 * (int64_t)t->failover_bound_ms));
		return;
	case SK_SHUTDOWN:
		if ((h = gen_victim(g)) < 0)
			return;
		gen_add(g, HB_SC_SHUTDOWN, at)->host = h;
		if (gen_chance(g, 300000))
			gen_loss_burst(g, h, at, gen_ms(g, 50, t->p.hb_interval_ms));
		if (gen_chance(g, 500000))
			gen_boot(g, h, at + gen_ms(g, 1000, 30000));
		return;
	case SK_FREEZE_SHORT:
	case SK_FREEZE_LONG:
		st = gen_add(g, HB_SC_FREEZE, at);
		st->host = gen_host(g);
		st->duration_ms = k == SK_FREEZE_SHORT ? gen_ms(g, 100, short_freeze_max(g))
		                                       : gen_ms(g, short_freeze_max(g), t->hung_agent_bound_ms + 15000);
		if (gen_chance(g, 300000)) { /* a freeze while a slow write is in flight */
			struct hb_sc_statement *slow = gen_add(g, HB_SC_STORAGE_SLOW, at >= 1000 ? at - 1000 : at);
			slow->host = st->host;
			slow->duration_ms = gen_ms(g, t->sf_io_timeout_ms / 2, t->sf_io_timeout_ms);
			if (slow->duration_ms > g->max_slow_ms)
				g->max_slow_ms = slow->duration_ms;
		}
		effect_until(g, at + st->duration_ms);
		return;
	case SK_SUSPEND:
		st = gen_add(g, HB_SC_SUSPEND, at);
		st->host = gen_host(g);
		st->duration_ms = gen_ms(g, 200, 2 * (int64_t)t->fence_bound_ms);
		effect_until(g, at + st->duration_ms);
		return;
	case SK_RESTART_AGENT: gen_add(g, HB_SC_RESTART_AGENT, at)->host = gen_host(g); return;
	case SK_POOL_RESTART: {
		if (!room(g, 3 * g->cfg->n_hosts + 4))
			return;
		for (unsigned i = 0; i < g->cfg->n_hosts; i++)
			gen_add(g, HB_SC_CRASH, at)->host = (int)i;
		if (gen_chance(g, 600000))
			gen_groups(g, gen_add(g, HB_SC_PARTITION, at + 500));
		int64_t boot = at + gen_ms(g, 1000, 10000);
		for (unsigned i = 0; i < g->cfg->n_hosts; i++)
			gen_boot(g, (int)i, boot + gen_ms(g, 0, 5000));
		if (gen_chance(g, 500000))
			gen_add(g, HB_SC_HEAL, boot + gen_ms(g, 0, 2 * (int64_t)t->p.boot_join_timeout_ms));
		return;
	}
	case SK_TORN: gen_add(g, HB_SC_STORAGE_TORN, at)->host = gen_host(g); return;
	case SK_CLOCK_STEP:
		st = gen_add(g, HB_SC_CLOCK_STEP, at);
		st->host = gen_host(g);
		st->duration_ms = gen_ms(g, 1000, 86400000) * (gen_chance(g, 500000) ? -1 : 1);
		if (gen_chance(g, 500000)) /* then the host restarts: the boot id must still grow */
			gen_add(g, HB_SC_RESTART_AGENT, at + 1000)->host = st->host;
		return;
	case SK_DISARM: gen_add(g, HB_SC_DISARM, at)->host = gen_host(g); return;
	case SK_WEIGHT:
		st = gen_add(g, HB_SC_SET_WEIGHT, at);
		st->host = gen_host(g);
		st->weight = (uint16_t)gen_ms(g, 1, 3);
		return;
	case SK_PROPOSE:
		h = gen_host(g);
		gen_add(g, HB_SC_PROPOSE_MASTER, at)->host = h;
		if (gen_chance(g, 300000))
			gen_add(g, HB_SC_PROPOSE_MASTER, at)->host = gen_host(g); /* a race */
		if (gen_chance(g, 300000))
			gen_loss_burst(g, h, at >= 200 ? at - 200 : at, gen_ms(g, 50, 2 * (int64_t)t->p.hb_interval_ms));
		return;
	case SK_FORGE_HEARTBEAT:
		st = gen_add(g, HB_SC_FORGE_HEARTBEAT, at);
		st->host = gen_host(g);
		st->forge = (uint8_t)gen_below(g, HB_SC_FORGE_COUNT);
		if (gen_chance(g, 500000))
			st->host2 = (st->host + 1 + (int)gen_below(g, g->cfg->n_hosts - 1)) % (int)g->cfg->n_hosts;
		return;
	case SK_FORGE_SLOT: {
		int victim = gen_host(g);
		uint8_t what = (uint8_t)gen_below(g, HB_SC_FORGE_COUNT);
		unsigned times = (unsigned)gen_ms(g, 1, 4);
		for (unsigned i = 0; i < times; i++) {
			st = gen_add(g, HB_SC_FORGE_SLOT, at + 500 * (int64_t)i);
			st->host = victim;
			st->forge = what;
		}
		return;
	}
	default: gen_network(g, k, at); return;
	}
}

static void gen_fault(struct gen *g, enum sim_kind k, int64_t at)
{
	g->kinds |= 1u << k;
	if (k >= SK_SF_FAIL && k <= SK_SF_ALL)
		gen_storage(g, k, at);
	else
		gen_host_fault(g, k, at);
}

/* Swarm: each kind is enabled with probability 1/2 (at least one), and the
 * faults are drawn from the enabled kinds only. One run in four has a lone
 * crash or network fault instead: the failover bounds are judged on a
 * fault that nothing else disturbs. */
static void gen_faults(struct gen *g)
{
	if (gen_chance(g, 250000)) {
		static const enum sim_kind lone[] = {SK_CRASH, SK_ISOLATE, SK_PARTITION, SK_CUT};
		int64_t at = gen_ms(g, 1000, 20000);
		gen_fault(g, lone[gen_below(g, sizeof lone / sizeof lone[0])], at);
		effect_until(g, at + (int64_t)g->t->isolation_bound_ms * 11 / 10 + 1000); /* healed after its bound */
		return;
	}
	enum sim_kind enabled[SK_COUNT];
	unsigned n_enabled = 0;
	for (unsigned k = 0; k < SK_COUNT; k++)
		if (gen_chance(g, 500000))
			enabled[n_enabled++] = (enum sim_kind)k;
	if (n_enabled == 0)
		enabled[n_enabled++] = (enum sim_kind)gen_below(g, SK_COUNT);
	int64_t span = gen_ms(g, 5000, g->t->failover_bound_ms);
	unsigned count = (unsigned)gen_ms(g, 1, GEN_FAULTS_MAX);
	for (unsigned i = 0; i < count && room(g, 12); i++)
		gen_fault(g, enabled[gen_below(g, n_enabled)], gen_ms(g, 1000, span));
}

/* Heal everything, maybe boot every host that is down, then stay quiet. */
static void gen_tail(struct gen *g)
{
	int64_t heal = g->last_ms + 1000;
	const struct hb_timing *t = g->t;
	gen_add(g, HB_SC_HEAL, heal);
	gen_add(g, HB_SC_STORAGE_HEAL, heal)->host = HB_SC_ALL;
	int64_t quiet = (int64_t)t->agreement_bound_ms * 10004 / 10000 + 1000 + t->settle_ms + 2000;
	int64_t last = heal;
	if (gen_chance(g, 500000)) {
		last = heal + gen_ms(g, 0, 5000);
		for (unsigned h = 0; h < g->cfg->n_hosts; h++)
			gen_add(g, HB_SC_BOOT, last)->host = (int)h;
		/* The old incarnation may be removed only a failover later. */
		quiet += t->failover_bound_ms + 2 * t->settle_ms + t->p.hb_timeout_ms;
	}
	/* An I/O made slow may complete that much after the heal; the first read
	 * that follows sees every slot that advanced meanwhile, and an advance
	 * it cannot date counts as a sign of life then (the safe choice): one
	 * more removal wait before such a host agrees. */
	if (g->max_slow_ms)
		quiet += g->max_slow_ms + t->removal_wait_ms + t->settle_ms;
	int64_t end_ms = last + quiet;
	/* A booted host joins, or gives up and exits, within BootJoinTimeout. */
	int64_t joined = g->last_boot_ms + (int64_t)t->p.boot_join_timeout_ms + 2 * t->settle_ms + 2000;
	if (g->last_boot_ms >= 0 && joined > end_ms)
		end_ms = joined;
	if (gen_chance(g, 500000))
		gen_add(g, HB_SC_PROPOSE_MASTER, last + (end_ms - last) / 2)->host = gen_host(g);
	struct sim_stmt *end = &g->ev[g->n];
	gen_add(g, HB_SC_HEAL, end_ms);
	end->x = SX_END;
}

static void gen_sort(struct gen *g)
{
	for (size_t i = 1; i < g->n; i++) {
		struct sim_stmt s = g->ev[i];
		size_t j = i;
		while (j > 0 && g->ev[j - 1].st.at_ms > s.st.at_ms) {
			g->ev[j] = g->ev[j - 1];
			j--;
		}
		g->ev[j] = s;
	}
}

static struct sim_stmt *prelude_add(struct sim_stmt *out, size_t *n, enum hb_sc_kind kind)
{
	struct sim_stmt *s = &out[(*n)++];
	memset(s, 0, sizeof *s);
	s->st.kind = kind;
	s->st.host = -1;
	s->st.host2 = -1;
	s->st.path = -1;
	return s;
}

static size_t emit_prelude(struct gen *g, struct sim_stmt *out)
{
	size_t n = 0;
	if (gen_chance(g, 200000)) /* a little loss on every link, all run long */
		prelude_add(out, &n, HB_SC_LOSS)->st.rate_ppm = (uint32_t)gen_ms(g, 1000, 10000);
	for (unsigned h = 0; h < g->cfg->n_hosts && gen_chance(g, 200000); h++) {
		struct sim_stmt *s = prelude_add(out, &n, HB_SC_SET_WEIGHT);
		s->st.host = (int)gen_below(g, g->cfg->n_hosts);
		s->st.weight = (uint16_t)gen_ms(g, 2, 3);
	}
	prelude_add(out, &n, HB_SC_START_ALL)->st.host = HB_SC_ALL;
	return n;
}

static size_t make(struct gen *g, unsigned hosts_max, struct sim_cfg *cfg, struct sim_stmt *stmts, uint32_t *kinds)
{
	g->cfg = cfg;
	g->t = &cfg->timing;
	g->last_boot_ms = -1;
	cfg->hosts_max = hosts_max;
	cfg->n_hosts = (unsigned)gen_ms(g, 2, hosts_max < 2 ? 2 : hosts_max);
	cfg->n_paths = gen_chance(g, 250000) ? 2 : 1;
	cfg->sector = 512;
	cfg->random = true;
	cfg->check_quiet_agreement = true;
	for (unsigned i = 0; i < HB_MAX_HOSTS; i++)
		cfg->weights[i] = 1;
	pick_timing(g);
	gen_add(g, HB_SC_PROPOSE_MASTER, gen_ms(g, 0, 3000))->host = gen_host(g);
	gen_faults(g);
	gen_tail(g);
	gen_sort(g);
	size_t n = emit_prelude(g, stmts);
	assert(n + g->n <= SIM_MAX_STMTS);
	memcpy(stmts + n, g->ev, g->n * sizeof g->ev[0]);
	n += g->n;
	for (size_t i = 0; i < n; i++)
		stmts[i].st.line = (int)i + 1;
	*kinds = g->kinds;
	return n;
}

size_t sim_random_make(uint64_t seed, unsigned hosts_max, struct sim_cfg *cfg, struct sim_stmt *stmts, uint32_t *kinds)
{
	struct gen *g = &(struct gen){0};
	sim_rng_seed(&g->r, seed, 2);
	memset(cfg, 0, sizeof *cfg);
	cfg->seed = seed;
	return make(g, hosts_max, cfg, stmts, kinds);
}

size_t sim_random_from_bytes(const uint8_t *data, size_t len, unsigned hosts_max, struct sim_cfg *cfg,
                             struct sim_stmt *stmts, uint32_t *kinds)
{
	struct gen *g = &(struct gen){.in = data, .in_len = len};
	memset(cfg, 0, sizeof *cfg);
	/* the world's own randomness (delays, loss, drift) from one byte:
	 * a saved run replays with `hbsim --scenario FILE` (its #@ seed) */
	cfg->seed = 1 + gen_below(g, 256);
	cfg->from_bytes = true;
	return make(g, hosts_max, cfg, stmts, kinds);
}
