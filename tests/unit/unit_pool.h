/*
 * unit_pool.h: a pool of real cores (hb_core) in memory, for the unit tests
 * that need one (test_core.c, test_ctl_replies.c, test_ctl_dispatch.c).
 * Owns the executor: perfect clocks, an instant statefile (one global block
 * and the slots, shared by every host), a lossless network that delivers
 * each packet to every other host on every heartbeat path. The test sets
 * what goes wrong: a host down, a host cut out of the network, a host whose
 * statefile I/O never completes, and (optionally) a watchdog that fences an
 * armed host past its deadline. Needs the core only.
 */
#ifndef UNIT_POOL_H
#define UNIT_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "hb_core.h"

#define UNIT_POOL_MAX HB_MAX_HOSTS
#define UNIT_POOL_STEP_MS 10 /* every host is polled once per step */

struct unit_pool_opts {
	unsigned n_hosts;              /* 1 .. UNIT_POOL_MAX */
	uint32_t T;                    /* the timing's T (hb_timing_params_from_T) */
	unsigned n_paths;              /* heartbeat paths, 1 .. HB_MAX_PATHS (0: 1) */
	enum hb_pool_state pool_state; /* the global block's at start */
	hb_mono_ms start;              /* the clock at start */
	bool watchdog;                 /* fence an armed host W after its healthy_until */
	hb_uuid gen;                   /* the pool's generation */
	const hb_uuid *uuids;          /* n_hosts host UUIDs, copied */
	/* Adjusts host i's core config (cfg->self) after the defaults (weight 1,
	 * boot id 100 + i); NULL: the defaults. */
	void (*configure)(struct hb_core_config *cfg);
};

struct unit_pool {
	unsigned n;
	unsigned n_paths;
	bool watchdog;
	void (*configure)(struct hb_core_config *cfg);
	struct hb_core *core[UNIT_POOL_MAX];
	struct hb_timing t;
	hb_uuid uuids[UNIT_POOL_MAX], gen;
	hb_mono_ms now;
	/* the statefile, and the latest read batch served (to any host) */
	struct hb_global global;
	struct hb_slot slots[UNIT_POOL_MAX];
	struct hb_sf_read read;
	/* set by the test */
	bool up[UNIT_POOL_MAX];      /* polled and reached by packets (the executor clears it on fence/exit) */
	bool cut_out[UNIT_POOL_MAX]; /* no packet to or from this host */
	bool sf_dead[UNIT_POOL_MAX]; /* this host's statefile I/O never completes */
	/* recorded by the executor */
	bool fenced[UNIT_POOL_MAX];
	bool exited[UNIT_POOL_MAX];
	int exit_code[UNIT_POOL_MAX];
	bool wrote_global[UNIT_POOL_MAX];       /* wrote the global block (the test may clear it) */
	struct hb_packet last_pkt[UNIT_POOL_MAX]; /* each host's latest heartbeat */
	hb_mono_ms watchdog_fire[UNIT_POOL_MAX];
	struct hb_core_status status[UNIT_POOL_MAX]; /* right after its latest poll */
	hb_mono_ms removed_at[UNIT_POOL_MAX][UNIT_POOL_MAX]; /* when host i dropped host j, -1 never */
};

/* Every host up, its core initialised at o->start, the slots fresh. */
struct unit_pool *unit_pool_new(const struct unit_pool_opts *o);
void unit_pool_free(struct unit_pool *p);
/* Host i's core config: the defaults, then the pool's configure. */
void unit_pool_core_config(const struct unit_pool *p, unsigned i, struct hb_core_config *cfg);
/* Restart host i as a new incarnation (its core, not its slot) at now. */
void unit_pool_restart(struct unit_pool *p, unsigned i, uint64_t boot_id);

/* Poll every host that is up once at now and carry out its outputs. */
void unit_pool_step(struct unit_pool *p);
/* Steps from now while now <= until, UNIT_POOL_STEP_MS apart. */
void unit_pool_run_until(struct unit_pool *p, hb_mono_ms until);
/* Steps for ms from now (now < now + ms). */
void unit_pool_run_for(struct unit_pool *p, hb_mono_ms ms);

struct hb_core_status unit_pool_status(const struct unit_pool *p, unsigned i);

#endif
