/*
 * sim_random.c: draws one random run of hbsim from its seed: the pool
 * (2..hosts_max hosts, T from {6,8,10,15,20,30,60}, 1 or 2 paths, weights,
 * packet loss) and a fault schedule of one class (sim_random.h), written as
 * scenario statements. Fault times count from the moment the pool has
 * formed (deferred statements); after the faults come a heal of everything,
 * optionally a boot of every host that is down, and a quiet period long
 * enough for the agreement check at the end.
 */
#include "sim_random.h"

#include <assert.h>
#include <string.h>

#include "hb_timing.h"

#define GEN_MAX 64u /* schedule entries before sorting */

struct gen {
	struct sim_rng r;
	struct sim_cfg *cfg;
	const struct hb_timing *t;
	struct sim_stmt ev[GEN_MAX];
	size_t n;
	hb_hostmap gone;      /* crashed or shut down by the schedule */
	int64_t last_ms;
	int64_t last_boot_ms; /* -1: no boot */
	int64_t max_slow_ms;  /* largest storage latency injected, 0 = none */
};

static const char *const class_names[RC_COUNT] = {"benign", "storage-all", "net-single", "mixed"};

const char *sim_rclass_name(enum sim_rclass c)
{
	return c < RC_COUNT ? class_names[c] : "?";
}

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
	if (at_ms > g->last_ms)
		g->last_ms = at_ms;
	if (kind == HB_SC_BOOT && at_ms > g->last_boot_ms)
		g->last_boot_ms = at_ms;
	return &s->st;
}

static int gen_host(struct gen *g)
{
	return (int)sim_rng_below(&g->r, g->cfg->n_hosts);
}

static int64_t gen_ms(struct gen *g, int64_t lo, int64_t hi)
{
	return sim_rng_range(&g->r, lo, hi > lo ? hi : lo);
}

static void pick_timing(struct gen *g)
{
	static const uint32_t Ts[] = {6, 8, 10, 15, 20, 30, 60};
	for (unsigned tries = 0; tries < 32; tries++) {
		uint32_t T = Ts[sim_rng_below(&g->r, sizeof Ts / sizeof Ts[0])];
		struct hb_timing_params p;
		if (hb_timing_params_from_T(T, &p, NULL) < 0 || hb_timing_derive(&p, &g->cfg->timing, NULL) < 0)
			continue;
		g->cfg->T_s = T;
		return;
	}
	assert(0 && "no T derives");
}

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

static int64_t short_freeze_max(const struct gen *g)
{
	int64_t m = (int64_t)g->t->p.watchdog_timeout_ms - 2 * (int64_t)g->t->pet_interval_ms - 500;
	return m > 100 ? m : 100;
}

static void gen_crash(struct gen *g, int64_t at, bool reboot)
{
	int h = gen_victim(g);
	if (h < 0)
		return;
	gen_add(g, HB_SC_CRASH, at)->host = h;
	if (reboot) {
		int64_t fb = g->t->failover_bound_ms;
		gen_add(g, HB_SC_BOOT, at + gen_ms(g, fb + fb / 5, fb * 2))->host = h;
	}
}

static void gen_propose(struct gen *g, int64_t at)
{
	gen_add(g, HB_SC_PROPOSE_MASTER, at)->host = gen_host(g);
	if (sim_rng_chance(&g->r, 300000)) /* a race */
		gen_add(g, HB_SC_PROPOSE_MASTER, at)->host = gen_host(g);
}

static void gen_benign_one(struct gen *g, int64_t at)
{
	uint64_t k = sim_rng_below(&g->r, 100);
	struct hb_sc_statement *st;
	if (k < 50) {
		gen_crash(g, at, sim_rng_chance(&g->r, 500000));
	} else if (k < 60) {
		int h = gen_victim(g);
		if (h >= 0)
			gen_add(g, HB_SC_SHUTDOWN, at)->host = h;
	} else if (k < 85) {
		st = gen_add(g, HB_SC_FREEZE, at);
		st->host = gen_host(g);
		st->duration_ms = gen_ms(g, 100, short_freeze_max(g));
	} else {
		gen_add(g, HB_SC_STORAGE_TORN, at)->host = gen_host(g);
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

static void gen_storage_all(struct gen *g, int64_t at)
{
	static const enum hb_sc_kind kinds[] = {HB_SC_STORAGE_FAIL, HB_SC_STORAGE_HANG, HB_SC_STORAGE_SLOW};
	struct hb_sc_statement *st = gen_add(g, kinds[sim_rng_below(&g->r, 3)], at);
	st->host = HB_SC_ALL;
	if (st->kind == HB_SC_STORAGE_SLOW)
		st->duration_ms = gen_slow_ms(g);
	if (sim_rng_chance(&g->r, 700000))
		gen_add(g, HB_SC_STORAGE_HEAL, at + gen_ms(g, 1000, 3 * (int64_t)g->t->p.sf_timeout_ms))->host = HB_SC_ALL;
}

static void gen_partition(struct gen *g, struct hb_sc_statement *st)
{
	unsigned n = g->cfg->n_hosts;
	unsigned groups = n >= 3 && sim_rng_chance(&g->r, 300000) ? 3 : 2;
	for (unsigned tries = 0; tries < 32; tries++) {
		memset(st->groups, 0, sizeof st->groups);
		for (unsigned h = 0; h < n; h++)
			st->groups[sim_rng_below(&g->r, groups)] |= hb_host_bit(h);
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

static void gen_net(struct gen *g, int64_t at)
{
	uint64_t k = sim_rng_below(&g->r, 100);
	struct hb_sc_statement *st;
	if (k < 40) {
		gen_add(g, HB_SC_ISOLATE, at)->host = gen_host(g);
	} else if (k < 80) {
		gen_partition(g, gen_add(g, HB_SC_PARTITION, at));
	} else {
		st = gen_add(g, HB_SC_CUT, at);
		st->host = gen_host(g);
		st->host2 = (st->host + 1 + (int)sim_rng_below(&g->r, g->cfg->n_hosts - 1)) % (int)g->cfg->n_hosts;
	}
}

static void gen_freeze_any(struct gen *g, int64_t at)
{
	struct hb_sc_statement *st = gen_add(g, HB_SC_FREEZE, at);
	int64_t hb = g->t->hung_agent_bound_ms;
	st->host = gen_host(g);
	switch (sim_rng_below(&g->r, 3)) {
	case 0: st->duration_ms = gen_ms(g, 100, short_freeze_max(g)); break;
	case 1: st->duration_ms = gen_ms(g, short_freeze_max(g), hb + 2000); break;
	default: st->duration_ms = gen_ms(g, hb + 2000, hb + 15000); break;
	}
}

static void gen_storage_any(struct gen *g, int64_t at)
{
	static const enum hb_sc_kind kinds[] = {HB_SC_STORAGE_FAIL, HB_SC_STORAGE_HANG, HB_SC_STORAGE_SLOW,
	                                        HB_SC_STORAGE_HEAL, HB_SC_STORAGE_TORN};
	struct hb_sc_statement *st = gen_add(g, kinds[sim_rng_below(&g->r, 5)], at);
	st->host = st->kind != HB_SC_STORAGE_TORN && sim_rng_chance(&g->r, 300000) ? HB_SC_ALL : gen_host(g);
	if (st->kind == HB_SC_STORAGE_SLOW)
		st->duration_ms = gen_slow_ms(g);
}

static void gen_mixed_one(struct gen *g, int64_t at)
{
	uint64_t k = sim_rng_below(&g->r, 100);
	if (k < 20)
		gen_crash(g, at, sim_rng_chance(&g->r, 300000));
	else if (k < 27)
		gen_add(g, HB_SC_BOOT, at)->host = gen_host(g);
	else if (k < 32)
		gen_add(g, HB_SC_SHUTDOWN, at)->host = gen_host(g);
	else if (k < 45)
		gen_freeze_any(g, at);
	else if (k < 65)
		gen_net(g, at);
	else if (k < 72)
		gen_add(g, HB_SC_HEAL, at);
	else if (k < 92)
		gen_storage_any(g, at);
	else if (k < 95)
		gen_add(g, HB_SC_DISARM, at)->host = gen_host(g);
	else
		gen_propose(g, at);
}

static void gen_faults(struct gen *g, enum sim_rclass cls)
{
	int64_t fb = g->t->failover_bound_ms;
	int64_t span = gen_ms(g, 5000, fb);
	unsigned k = (unsigned)sim_rng_range(&g->r, 1, 4);
	switch (cls) {
	case RC_BENIGN:
		for (unsigned i = 0; i < k; i++)
			gen_benign_one(g, gen_ms(g, 1000, span));
		return;
	case RC_STORAGE_ALL:
		gen_storage_all(g, gen_ms(g, 1000, span));
		if (k > 2)
			gen_storage_all(g, g->last_ms + gen_ms(g, 1000, span));
		return;
	case RC_NET_SINGLE: {
		/* healed only after every loser must have been dropped */
		int64_t at = gen_ms(g, 1000, span), ib = g->t->isolation_bound_ms;
		gen_net(g, at);
		gen_add(g, HB_SC_HEAL, at + gen_ms(g, ib + ib / 10, ib + ib / 3));
		return;
	}
	case RC_MIXED:
		for (unsigned i = 0; i < k; i++)
			gen_mixed_one(g, gen_ms(g, 1000, span));
		return;
	case RC_COUNT: break;
	}
	assert(0 && "bad class");
}

/* Heal everything, maybe boot every host that is down, then stay quiet. */
static void gen_tail(struct gen *g)
{
	int64_t heal = g->last_ms + 1000;
	const struct hb_timing *t = g->t;
	gen_add(g, HB_SC_HEAL, heal);
	gen_add(g, HB_SC_STORAGE_HEAL, heal)->host = HB_SC_ALL;
	int64_t quiet = (int64_t)t->failover_bound_ms * 10004 / 10000 + 1000 + t->settle_ms + 2000;
	int64_t last = heal;
	if (sim_rng_chance(&g->r, 500000)) {
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
	if (sim_rng_chance(&g->r, 500000))
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

static size_t emit_prelude(struct gen *g, struct sim_stmt *out)
{
	size_t n = 0;
	if (sim_rng_chance(&g->r, 200000)) {
		struct sim_stmt *s = &out[n++];
		memset(s, 0, sizeof *s);
		s->x = SX_LOSS;
		s->st.host = -1;
		s->st.host2 = -1;
		s->st.weight = (uint16_t)sim_rng_range(&g->r, 1, 10); /* per mille */
	}
	for (unsigned h = 0; h < g->cfg->n_hosts && sim_rng_chance(&g->r, 200000); h++) {
		struct sim_stmt *s = &out[n++];
		memset(s, 0, sizeof *s);
		s->st.kind = HB_SC_SET_WEIGHT;
		s->st.host = (int)sim_rng_below(&g->r, g->cfg->n_hosts);
		s->st.host2 = -1;
		s->st.weight = (uint16_t)sim_rng_range(&g->r, 2, 3);
	}
	struct sim_stmt *s = &out[n++];
	memset(s, 0, sizeof *s);
	s->st.kind = HB_SC_START_ALL;
	s->st.host = -1;
	s->st.host2 = -1;
	return n;
}

size_t sim_random_make(uint64_t seed, unsigned hosts_max, struct sim_cfg *cfg, struct sim_stmt *stmts,
                       enum sim_rclass *cls)
{
	struct gen *g = &(struct gen){0};
	sim_rng_seed(&g->r, seed, 2);
	memset(cfg, 0, sizeof *cfg);
	g->cfg = cfg;
	g->t = &cfg->timing;
	g->last_boot_ms = -1;
	cfg->seed = seed;
	cfg->n_hosts = (unsigned)sim_rng_range(&g->r, 2, hosts_max < 2 ? 2 : hosts_max);
	cfg->n_paths = sim_rng_chance(&g->r, 250000) ? 2 : 1;
	cfg->sector = 512;
	cfg->random = true;
	cfg->check_quiet_agreement = true;
	for (unsigned i = 0; i < HB_MAX_HOSTS; i++)
		cfg->weights[i] = 1;
	pick_timing(g);
	uint64_t c = sim_rng_below(&g->r, 100);
	*cls = c < 30 ? RC_BENIGN : c < 45 ? RC_STORAGE_ALL : c < 60 ? RC_NET_SINGLE : RC_MIXED;
	gen_propose(g, gen_ms(g, 0, 3000));
	gen_faults(g, *cls);
	gen_tail(g);
	gen_sort(g);
	size_t n = emit_prelude(g, stmts);
	assert(n + g->n <= SIM_MAX_STMTS);
	memcpy(stmts + n, g->ev, g->n * sizeof g->ev[0]);
	n += g->n;
	for (size_t i = 0; i < n; i++)
		stmts[i].st.line = (int)i + 1;
	return n;
}
