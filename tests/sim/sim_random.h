/*
 * sim_random.h: random runs of hbsim, as swarm testing: each run draws a
 * pool (size, timing from xapi's T or any combination of t1, T1, t2, T2 and
 * W that the timing model accepts, paths, weights), enables a random subset
 * of fault kinds, and draws a schedule from those kinds only, written as
 * scenario statements, so a failing run prints (and saves) as a scenario.
 * Different subsets reach different corners: a run with only partitions
 * and boots restarts the pool under partitions; one with only storage
 * faults and shutdowns exercises rule 2; and so on.
 */
#ifndef SIM_RANDOM_H
#define SIM_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "sim_world.h"

/* The fault kinds a run may enable. */
enum sim_kind {
	SK_CRASH = 0,       /* crash, sometimes rebooted after a failover */
	SK_SHUTDOWN,        /* clean shutdown, sometimes booted again */
	SK_FREEZE_SHORT,    /* shorter than the watchdog */
	SK_FREEZE_LONG,
	SK_SUSPEND,
	SK_RESTART_AGENT,
	SK_POOL_RESTART,    /* every host crashes and boots, perhaps under a partition */
	SK_ISOLATE,
	SK_PARTITION,
	SK_CUT,             /* one way */
	SK_HEAL,
	SK_LOSS,            /* a link, a host or everything, a rate or a burst */
	SK_DELAY,           /* with jitter: reordering */
	SK_DUPLICATE,
	SK_REPLAY,
	SK_SF_FAIL,
	SK_SF_HANG,
	SK_SF_SLOW,
	SK_SF_ALL,          /* fail, hang or slow on every host, healed unevenly */
	SK_TORN,
	SK_CLOCK_STEP,
	SK_DISARM,
	SK_WEIGHT,
	SK_PROPOSE,         /* sometimes with a loss burst around it, sometimes a race */
	SK_FORGE_HEARTBEAT,
	SK_FORGE_SLOT,
	SK_COUNT
};

const char *sim_kind_name(enum sim_kind k);

/* Fill cfg and stmts (at most SIM_MAX_STMTS) for run seed `seed`. Returns the
 * number of statements; *kinds gets the bits (1 << enum sim_kind) of the
 * kinds this run drew faults from. */
size_t sim_random_make(uint64_t seed, unsigned hosts_max, struct sim_cfg *cfg, struct sim_stmt *stmts, uint32_t *kinds);

/* The same from a fuzzer's input bytes instead of a seed: every draw takes
 * the next byte or bytes (zeros once they are used up), the world's seed
 * included (1..256). */
size_t sim_random_from_bytes(const uint8_t *data, size_t len, unsigned hosts_max, struct sim_cfg *cfg,
                             struct sim_stmt *stmts, uint32_t *kinds);

#endif
