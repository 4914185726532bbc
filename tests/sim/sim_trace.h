/*
 * sim_trace.h: the trace of a run: a ring of the last SIM_TRACE_RING events
 * (printed when an invariant is violated) and, with --trace, every event as
 * it happens.
 *
 * Entries are small fixed records, formatted only when printed, so tracing
 * costs almost nothing per event.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_out.h"

#define SIM_TRACE_RING 256u

enum sim_tk {
	TK_STMT,       /* a = statement index */
	TK_BOOT,       /* a = boot id */
	TK_PHASE,      /* a = old phase, b = new phase */
	TK_LIVESET,    /* a = old liveset, b = new liveset */
	TK_MASTER,     /* a = i_am_master, b = master seen */
	TK_ARM,
	TK_DISARM,
	TK_FENCE,      /* a = reason */
	TK_WATCHDOG,   /* the watchdog fired */
	TK_DOWN,       /* a = enum sim_down */
	TK_EXIT,       /* a = exit code, b = watchdog still armed */
	TK_OVERDUE,    /* a = io kind */
	TK_IO_ERR,     /* a = io kind, b = err */
	TK_IO_LATE,    /* a = io kind: completed after being declared overdue */
	TK_TORN,       /* a torn slot write landed */
	TK_PROPOSE,    /* a = enum hb_propose_result */
	TK_THAW,       /* a = queued packets delivered, b = packets dropped */
	TK_EXPECT,     /* a = statement index, b = met */
	TK_FORMED,     /* a = liveset */
	TK_FAILOVER,   /* a = victims, b = failover ms */
	TK_VIOLATION,  /* a = check id */
	TK_SEND,       /* verbose: a = sequence */
	TK_RECV,       /* verbose: a = sender, b = path */
	TK_IO_DONE,    /* verbose: a = io kind, b = err */
	TK_SUSPEND,    /* a = duration ms */
	TK_RESTART,    /* restart-agent: a = watchdog armed */
	TK_CLOCK_STEP, /* a = step ms */
	TK_RESIDUAL,   /* host removed a = host in the documented residual case */
	TK_COUNT
};

struct sim_trace_ent {
	int64_t t_us;
	int64_t local_ms;
	int64_t a, b;
	int16_t host;
	uint8_t kind;
};

struct sim_world;

struct sim_trace {
	struct sim_trace_ent ring[SIM_TRACE_RING];
	uint64_t n;           /* entries ever added */
	bool verbose;         /* also trace sends, receives, I/O completions */
	struct sim_out *live; /* --trace: print each entry here as it is added */
	const struct sim_world *w;
};

void sim_trace_reset(struct sim_trace *t, const struct sim_world *w);
void sim_trace_add(struct sim_trace *t, int64_t t_us, int host, int64_t local_ms, enum sim_tk kind, int64_t a, int64_t b);
/* The last `max` entries, oldest first. */
void sim_trace_dump(const struct sim_trace *t, struct sim_out *o, unsigned max);
void sim_trace_format(const struct sim_trace *t, const struct sim_trace_ent *e, char *buf, size_t len);
/* "12.345s" */
void sim_time_format(int64_t t_us, char *buf, size_t len);

#endif
