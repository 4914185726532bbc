/*
 * hb_scenario.h: the scenario language shared by the simulator (hbsim), the
 * multi-host harness (hbpool) and the Xen testbed (hbxen).
 *
 * One statement per line, `#` starts a comment, times as `30s`, `500ms`,
 * `1.5s` or `2m`, hosts by index:
 *
 *   hosts N            pool size (required; header lines precede any at/expect)
 *   timeout T          the HA timeout T in seconds the pool is configured with
 *   heartbeat-interval D | heartbeat-timeout D | statefile-interval D
 *   statefile-timeout D | watchdog-timeout D
 *                      override one value of xapi's derivation from T (t1,
 *                      T1, t2, T2, W); the timing model checks the result
 *   paths P            heartbeat paths per host (default 1)
 *   sector S           statefile logical sector size, 512 or 4096 (default 512)
 *   at TIME ACTION     ACTION is one of:
 *       start all | crash H | boot H | shutdown H | freeze H DURATION
 *       isolate H | partition 0,1 | 2,3 [| ...] | cut A -> B | heal
 *       storage-fail H|all | storage-hang H|all | storage-slow H|all DURATION
 *       storage-heal H|all | storage-torn H | propose-master H | disarm H
 *       set-weight H W | set-pool-state H init|active|invalid
 *       loss RATE [LINK] [path P] | duplicate RATE [LINK] [path P]
 *       delay DURATION [jitter DURATION] [LINK] [path P]
 *       replay DURATION [LINK] [path P]
 *       clock-step H +D|-D | suspend H DURATION | restart-agent H
 *       forge-slot H WHAT | forge-heartbeat H WHAT [-> K]
 *         (WHAT: stopped, fencing, huge-sequence or next-boot: a record of
 *         H's current incarnation written by someone else)
 *   (storage-torn H: H's next slot write lands torn, only its first sector;
 *    RATE is a percentage such as 5% or 0.1%; LINK is nothing (every link),
 *    H (every link to and from H) or A -> B (one way))
 *   expect TIME liveset 0,1 [within DURATION]   every running Online host publishes exactly this
 *   expect TIME master H|none [within DURATION]
 *   expect TIME down 2,3|none [within DURATION] exactly these hosts are not running
 *   expect TIME fenced 2|none [within DURATION] exactly these hosts have fenced so far
 *   expect TIME reported-master H J|none [within DURATION] host H reports master J
 *
 * Statements are kept in file order; the parser checks that times never go
 * backwards. Errors name the line and what was expected.
 */
#ifndef HB_SCENARIO_H
#define HB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_err.h"
#include "hb_timing.h"
#include "hb_types.h"

#define HB_SC_MAX_STATEMENTS 1024u
#define HB_SC_MAX_GROUPS 8u
#define HB_SC_ALL (-1) /* host field: every host */
#define HB_SC_NONE (-2) /* master field: none */

/* What a forged record claims about the host's current incarnation. */
enum hb_sc_forge {
	HB_SC_FORGE_STOPPED = 0,   /* phase Stopped, excluded, disarmed: a clean stop */
	HB_SC_FORGE_FENCING,       /* phase Fencing, the fencing flag */
	HB_SC_FORGE_HUGE_SEQUENCE, /* its current view under the sequence 2^62 */
	HB_SC_FORGE_NEXT_BOOT,     /* its current view under the next boot id */
	HB_SC_FORGE_COUNT
};
const char *hb_sc_forge_name(enum hb_sc_forge f);

enum hb_sc_kind {
	HB_SC_START_ALL,
	HB_SC_CRASH,
	HB_SC_BOOT,
	HB_SC_SHUTDOWN,
	HB_SC_FREEZE,         /* duration_ms */
	HB_SC_ISOLATE,
	HB_SC_PARTITION,      /* groups[0..n_groups) */
	HB_SC_CUT,            /* host -> host2, one way */
	HB_SC_HEAL,           /* every network fault */
	HB_SC_STORAGE_FAIL,   /* host or HB_SC_ALL */
	HB_SC_STORAGE_HANG,
	HB_SC_STORAGE_SLOW,   /* duration_ms = added latency per I/O */
	HB_SC_STORAGE_HEAL,
	HB_SC_STORAGE_TORN,   /* host: its next slot write lands torn */
	HB_SC_PROPOSE_MASTER,
	HB_SC_DISARM,
	HB_SC_SET_WEIGHT,     /* weight */
	HB_SC_SET_POOL_STATE, /* pool_state, through host's agent */
	HB_SC_LOSS,           /* rate_ppm on the links named by host/host2/path */
	HB_SC_DUPLICATE,      /* rate_ppm: each packet is delivered twice */
	HB_SC_DELAY,          /* duration_ms + uniform [0, jitter_ms] per packet */
	HB_SC_REPLAY,         /* every packet is delivered again duration_ms later */
	HB_SC_CLOCK_STEP,     /* host's wall clock steps by duration_ms (signed) */
	HB_SC_SUSPEND,        /* host suspended for duration_ms */
	HB_SC_RESTART_AGENT,  /* host's agent killed and started again, host up */
	HB_SC_FORGE_SLOT,     /* someone else writes host's slot: forge */
	HB_SC_FORGE_HEARTBEAT,/* someone with the pool key sends host's heartbeat: forge, to host2 or all */
	HB_SC_EXPECT_LIVESET, /* hosts */
	HB_SC_EXPECT_MASTER,  /* host, or HB_SC_NONE */
	HB_SC_EXPECT_DOWN,    /* hosts */
	HB_SC_EXPECT_FENCED,  /* hosts: fenced (watchdog or self) since the start */
	HB_SC_EXPECT_REPORTED_MASTER, /* host reports master host2 (or HB_SC_NONE) */
	HB_SC_KIND_COUNT
};

struct hb_sc_statement {
	int line;
	enum hb_sc_kind kind;
	int64_t at_ms;
	int host;                 /* subject host, HB_SC_ALL, HB_SC_NONE, or -1 unused */
	int host2;                /* cut target; link target; reported master; else -1 */
	int path;                 /* loss, duplicate, delay, replay: one path, or -1 every path */
	int64_t duration_ms;      /* freeze, storage-slow, delay, replay, suspend; clock-step (signed) */
	int64_t jitter_ms;        /* delay */
	uint32_t rate_ppm;        /* loss, duplicate: parts per million (1% = 10000) */
	uint8_t forge;            /* forge-slot, forge-heartbeat: enum hb_sc_forge */
	int64_t within_ms;        /* expectations: tolerance, 0 = exact time */
	uint16_t weight;          /* set-weight */
	uint8_t pool_state;       /* set-pool-state: enum hb_pool_state */
	hb_hostmap hosts;         /* expect liveset / down */
	unsigned n_groups;        /* partition */
	hb_hostmap groups[HB_SC_MAX_GROUPS];
};

struct hb_scenario {
	char name[256];
	unsigned n_hosts;         /* 1..HB_MAX_HOSTS */
	uint32_t timeout_s;       /* HA timeout T; default 30 */
	unsigned paths;           /* 1..HB_MAX_PATHS */
	unsigned sector;          /* 512 or 4096 */
	/* Overrides of xapi's derivation from T, in ms; 0 = not overridden. */
	uint32_t hb_interval_ms, hb_timeout_ms, sf_interval_ms, sf_timeout_ms, watchdog_ms;
	size_t n_statements;
	struct hb_sc_statement statements[HB_SC_MAX_STATEMENTS];
};

int hb_scenario_parse(const char *text, size_t len, const char *name, struct hb_scenario *out, struct hb_err *err);
int hb_scenario_load_file(const char *path, struct hb_scenario *out, struct hb_err *err);
/* The pool's timing parameters: xapi's derivation from `timeout T`, then the
 * header overrides; -1 when T is outside what the derivation accepts. The
 * relations are not checked here: hb_timing_derive() decides. */
int hb_scenario_timing_params(const struct hb_scenario *sc, struct hb_timing_params *out, struct hb_err *err);
const char *hb_sc_kind_name(enum hb_sc_kind kind);
/* One statement back as text, in the language's own syntax. */
void hb_sc_statement_format(const struct hb_sc_statement *st, char *buf, size_t len);
/* "1.500s", "30s", "250ms" */
void hb_sc_format_time(int64_t ms, char *buf, size_t len);

#endif
