/*
 * sim_trace.c: the event trace of a run (see sim_trace.h): the ring of the
 * last events, their formatting, and the live --trace output.
 */
#include "sim_trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hb_core.h"
#include "hb_slot.h"
#include "sim_check.h"
#include "sim_world.h"

static const char *const io_names[SIO_COUNT] = {"read", "slot-write", "global-write"};
static const char *const down_names[] = {"none", "crash", "fenced", "watchdog", "exit"};

void sim_time_format(int64_t t_us, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64 ".%03" PRId64 "s", t_us / 1000000, (t_us / 1000) % 1000);
}

void sim_trace_reset(struct sim_trace *t, const struct sim_world *w)
{
	t->n = 0;
	t->w = w;
}

void sim_trace_add(struct sim_trace *t, int64_t t_us, int host, int64_t local_ms, enum sim_tk kind, int64_t a, int64_t b)
{
	struct sim_trace_ent *e = &t->ring[t->n % SIM_TRACE_RING];
	*e = (struct sim_trace_ent){.t_us = t_us, .local_ms = local_ms, .a = a, .b = b, .host = (int16_t)host, .kind = (uint8_t)kind};
	t->n++;
	if (t->live != NULL) {
		char line[640];
		sim_trace_format(t, e, line, sizeof line);
		sim_out_printf(t->live, "%s\n", line);
	}
}

static const char *propose_name(int64_t r)
{
	return r == HB_PROPOSE_TRUE ? "TRUE" : r == HB_PROPOSE_FALSE ? "FALSE" : "PENDING";
}

/* The text after the time and host columns. */
static void format_body(const struct sim_trace *t, const struct sim_trace_ent *e, char *buf, size_t len)
{
	char m1[160], m2[160];
	switch ((enum sim_tk)e->kind) {
	case TK_STMT: sim_stmt_format(t->w, (int)e->a, m1, sizeof m1); snprintf(buf, len, "> %s", m1); return;
	case TK_BOOT: snprintf(buf, len, "boot (incarnation %" PRId64 ", boot_id %" PRIu64 ")", e->a, (uint64_t)e->b); return;
	case TK_PHASE: snprintf(buf, len, "phase %s -> %s", hb_phase_name((enum hb_phase)e->a), hb_phase_name((enum hb_phase)e->b)); return;
	case TK_LIVESET:
		hb_hostmap_format((uint64_t)e->a, ",", "none", m1, sizeof m1);
		hb_hostmap_format((uint64_t)e->b, ",", "none", m2, sizeof m2);
		snprintf(buf, len, "liveset %s -> %s", m1, m2);
		return;
	case TK_MASTER: snprintf(buf, len, "master: i_am_master=%d, sees master %" PRId64, (int)e->a, e->b); return;
	case TK_ARM: snprintf(buf, len, "watchdog armed"); return;
	case TK_DISARM: snprintf(buf, len, "watchdog disarmed"); return;
	case TK_FENCE: snprintf(buf, len, "FENCE (%s)", hb_fence_reason_name((enum hb_fence_reason)e->a)); return;
	case TK_WATCHDOG: snprintf(buf, len, "WATCHDOG FIRED"); return;
	case TK_DOWN: snprintf(buf, len, "down (%s)", down_names[e->a]); return;
	case TK_EXIT: snprintf(buf, len, "agent exit %" PRId64 "%s", e->a, e->b ? " with the watchdog armed" : ""); return;
	case TK_OVERDUE: snprintf(buf, len, "%s overdue", io_names[e->a]); return;
	case TK_IO_ERR: snprintf(buf, len, "%s error %" PRId64, io_names[e->a], e->b); return;
	case TK_IO_LATE: snprintf(buf, len, "%s completed late", io_names[e->a]); return;
	case TK_TORN: snprintf(buf, len, "slot write landed torn"); return;
	case TK_PROPOSE: snprintf(buf, len, "propose-master -> %s", propose_name(e->a)); return;
	case TK_THAW: snprintf(buf, len, "thaw (%" PRId64 " queued packets, %" PRId64 " dropped)", e->a, e->b); return;
	case TK_EXPECT:
		sim_stmt_format(t->w, (int)e->a, m1, sizeof m1);
		snprintf(buf, len, "%s: %s", e->b ? "met" : "NOT MET", m1);
		return;
	case TK_FORMED: hb_hostmap_format((uint64_t)e->a, ",", "none", m1, sizeof m1); snprintf(buf, len, "pool formed: %s", m1); return;
	case TK_FAILOVER:
		hb_hostmap_format((uint64_t)e->a, ",", "none", m1, sizeof m1);
		snprintf(buf, len, "failover of %s done in %" PRId64 " ms", m1, e->b);
		return;
	case TK_VIOLATION: snprintf(buf, len, "VIOLATION %s", sim_check_name((enum sim_check_id)e->a)); return;
	case TK_RESIDUAL:
		snprintf(buf, len, "removed host %" PRId64 ": a forged claim it could not read back, its storage failing, "
		         "unheard (the residual case of docs/design.md)", e->a);
		return;
	case TK_SEND: snprintf(buf, len, "send seq %" PRId64, e->a); return;
	case TK_RECV: snprintf(buf, len, "recv from %" PRId64 " path %" PRId64, e->a, e->b); return;
	case TK_IO_DONE: snprintf(buf, len, "%s done", io_names[e->a]); return;
	case TK_SUSPEND: snprintf(buf, len, "suspended for %" PRId64 " ms", e->a); return;
	case TK_RESTART: snprintf(buf, len, "agent killed and restarted%s", e->a ? " (watchdog armed: it will fire)" : ""); return;
	case TK_CLOCK_STEP: snprintf(buf, len, "wall clock stepped by %+" PRId64 " ms", e->a); return;
	case TK_COUNT: break;
	}
	snprintf(buf, len, "?");
}

void sim_trace_format(const struct sim_trace *t, const struct sim_trace_ent *e, char *buf, size_t len)
{
	char ts[32], ls[32], body[512];
	sim_time_format(e->t_us, ts, sizeof ts);
	sim_time_format(e->local_ms * 1000, ls, sizeof ls);
	format_body(t, e, body, sizeof body);
	if (e->host >= 0)
		snprintf(buf, len, "%10s  h%-2d [local %s]  %s", ts, e->host, ls, body);
	else
		snprintf(buf, len, "%10s  %s", ts, body);
}

void sim_trace_dump(const struct sim_trace *t, struct sim_out *o, unsigned max)
{
	uint64_t n = t->n < SIM_TRACE_RING ? t->n : SIM_TRACE_RING;
	if (n > max)
		n = max;
	for (uint64_t i = t->n - n; i < t->n; i++) {
		char line[640];
		sim_trace_format(t, &t->ring[i % SIM_TRACE_RING], line, sizeof line);
		sim_out_printf(o, "  %s\n", line);
	}
}
