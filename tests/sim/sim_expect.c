/*
 * sim_expect.c: the expectations of a scenario (`expect TIME liveset|master|
 * down|fenced|reported-master ... [within D]`): each is met
 * when it holds at some instant of [TIME, TIME + D], evaluated after every
 * event while its window is open, and printed as met or NOT MET with what
 * each host showed.
 */
#include <assert.h>
#include <stdio.h>

#include "sim_check.h"

bool sim_host_reporting(const struct sim_host *h)
{
	return h->state == HS_RUNNING && !h->frozen && h->phase == HB_PHASE_ONLINE;
}

static bool holds_liveset(const struct sim_world *w, hb_hostmap want)
{
	bool any = false;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *h = &w->hosts[i];
		if (!sim_host_reporting(h))
			continue;
		any = true;
		if (h->liveset != want)
			return false;
	}
	return any || want == 0;
}

static bool holds_master(const struct sim_world *w, int want)
{
	if (want >= 0) {
		const struct sim_host *m = &w->hosts[want];
		if (!sim_host_reporting(m) || !m->i_am_master)
			return false;
	}
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		const struct sim_host *h = &w->hosts[i];
		if (!sim_host_alive(h))
			continue;
		if (h->i_am_master && (int)i != want)
			return false;
		if (sim_host_reporting(h) && h->master != (want >= 0 ? want : -1))
			return false;
	}
	return true;
}

/* Host h runs, is Online and reports master want (-1 none). */
static bool holds_reported(const struct sim_world *w, int h, int want)
{
	const struct sim_host *r = &w->hosts[h];
	return sim_host_reporting(r) && r->master == want;
}

static hb_hostmap down_set(const struct sim_world *w)
{
	hb_hostmap m = 0;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++)
		if (!sim_host_alive(&w->hosts[i]))
			m |= hb_host_bit(i);
	return m;
}

static bool expect_holds(const struct sim_world *w, const struct sim_stmt *s)
{
	const struct hb_sc_statement *st = &s->st;
	if (s->x == SX_EXPECT_FENCED)
		return w->fenced_ever == st->hosts;
	switch (st->kind) {
	case HB_SC_EXPECT_LIVESET: return holds_liveset(w, st->hosts);
	case HB_SC_EXPECT_MASTER: return holds_master(w, st->host == HB_SC_NONE ? -1 : st->host);
	case HB_SC_EXPECT_DOWN: return down_set(w) == st->hosts;
	case HB_SC_EXPECT_REPORTED_MASTER: return holds_reported(w, st->host, st->host2 == HB_SC_NONE ? -1 : st->host2);
	default: assert(0 && "not an expectation"); return false;
	}
}

/* What each host shows, for a NOT MET line. */
static void observed(const struct sim_world *w, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < w->cfg.n_hosts && used + 1 < len; i++) {
		const struct sim_host *h = &w->hosts[i];
		char ls[200];
		int n;
		hb_hostmap_format(h->liveset, ",", "none", ls, sizeof ls);
		if (!sim_host_alive(h))
			n = snprintf(buf + used, len - used, "%sh%u down", i ? "; " : "", i);
		else
			n = snprintf(buf + used, len - used, "%sh%u %s%s liveset %s master %d%s", i ? "; " : "", i,
			             h->frozen ? "frozen " : "", hb_phase_name(h->phase), ls, h->master,
			             h->i_am_master ? " (holder)" : "");
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static void expect_report(struct sim_world *w, int stmt, bool met)
{
	char text[256], ts[32], obs[2048];
	sim_trace_add(&w->trace, w->now_us, -1, 0, TK_EXPECT, stmt, met);
	if (met)
		w->chk.met++;
	if (!w->print_expect)
		return;
	sim_stmt_format(w, stmt, text, sizeof text);
	sim_time_format(w->now_us, ts, sizeof ts);
	int line = w->stmts[stmt].st.line;
	if (met) {
		sim_out_printf(w->out, "met      line %d: %s (at %s)\n", line, text, ts);
		return;
	}
	observed(w, obs, sizeof obs);
	sim_out_printf(w->out, "NOT MET  line %d: %s; observed at %s: %s\n", line, text, ts, obs);
}

void sim_check_expect_open(struct sim_world *w, int stmt)
{
	const struct hb_sc_statement *st = &w->stmts[stmt].st;
	w->chk.expects++;
	if (expect_holds(w, &w->stmts[stmt])) {
		expect_report(w, stmt, true);
		return;
	}
	if (st->within_ms <= 0 || w->chk.n_open >= SIM_MAX_OPEN_EXPECT) {
		expect_report(w, stmt, false);
		return;
	}
	w->chk.open[w->chk.n_open++] = stmt;
	sim_q_push(w, w->now_us + st->within_ms * SIM_US_PER_MS, EV_EXPECT_END, -1, stmt, 0);
}

static void open_remove(struct sim_world *w, unsigned i)
{
	w->chk.open[i] = w->chk.open[--w->chk.n_open];
}

void sim_check_expects_eval(struct sim_world *w)
{
	for (unsigned i = 0; i < w->chk.n_open;) {
		int stmt = w->chk.open[i];
		if (expect_holds(w, &w->stmts[stmt])) {
			open_remove(w, i);
			expect_report(w, stmt, true);
		} else {
			i++;
		}
	}
}

void sim_check_expect_end(struct sim_world *w, int stmt)
{
	for (unsigned i = 0; i < w->chk.n_open; i++) {
		if (w->chk.open[i] == stmt) {
			open_remove(w, i);
			expect_report(w, stmt, false);
			return;
		}
	}
}

void sim_expect_close_all(struct sim_world *w)
{
	while (w->chk.n_open > 0) {
		int stmt = w->chk.open[0];
		open_remove(w, 0);
		expect_report(w, stmt, false);
	}
}
