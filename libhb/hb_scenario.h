/*
 * hb_scenario.h: the scenario language shared by the simulator (hbsim), the
 * multi-host harness (hbpool) and the Xen testbed (hbxen).
 *
 * One statement per line, `#` starts a comment, times as `30s`, `500ms`,
 * `1.5s` or `2m`, hosts by index:
 *
 *   hosts N            pool size (required; header lines precede any at/expect)
 *   timeout T          the HA timeout T in seconds the pool is configured with
 *   paths P            heartbeat paths per host (default 1)
 *   sector S           statefile logical sector size, 512 or 4096 (default 512)
 *   at TIME ACTION     ACTION is one of:
 *       start all | crash H | boot H | shutdown H | freeze H DURATION
 *       isolate H | partition 0,1 | 2,3 [| ...] | cut A -> B | heal
 *       storage-fail H|all | storage-hang H|all | storage-slow H|all DURATION
 *       storage-heal H|all | storage-torn H | propose-master H | disarm H
 *       set-weight H W | set-pool-state H init|active|invalid
 *   (storage-torn H: H's next slot write lands torn, only its first sector)
 *   expect TIME liveset 0,1 [within DURATION]   every running Online host publishes exactly this
 *   expect TIME master H|none [within DURATION]
 *   expect TIME down 2,3|none [within DURATION] exactly these hosts are not running
 *   expect TIME fenced 2|none [within DURATION] exactly these hosts have fenced so far
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
#include "hb_types.h"

#define HB_SC_MAX_STATEMENTS 1024u
#define HB_SC_MAX_GROUPS 8u
#define HB_SC_ALL (-1) /* host field: every host */
#define HB_SC_NONE (-2) /* master field: none */

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
	HB_SC_EXPECT_LIVESET, /* hosts */
	HB_SC_EXPECT_MASTER,  /* host, or HB_SC_NONE */
	HB_SC_EXPECT_DOWN,    /* hosts */
	HB_SC_EXPECT_FENCED,  /* hosts: fenced (watchdog or self) since the start */
	HB_SC_KIND_COUNT
};

struct hb_sc_statement {
	int line;
	enum hb_sc_kind kind;
	int64_t at_ms;
	int host;                 /* subject host, HB_SC_ALL, HB_SC_NONE, or -1 unused */
	int host2;                /* cut target, else -1 */
	int64_t duration_ms;      /* freeze, storage-slow */
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
	size_t n_statements;
	struct hb_sc_statement statements[HB_SC_MAX_STATEMENTS];
};

int hb_scenario_parse(const char *text, size_t len, const char *name, struct hb_scenario *out, struct hb_err *err);
int hb_scenario_load_file(const char *path, struct hb_scenario *out, struct hb_err *err);
const char *hb_sc_kind_name(enum hb_sc_kind kind);
/* One statement back as text, in the language's own syntax. */
void hb_sc_statement_format(const struct hb_sc_statement *st, char *buf, size_t len);
/* "1.500s", "30s", "250ms" */
void hb_sc_format_time(int64_t ms, char *buf, size_t len);

#endif
