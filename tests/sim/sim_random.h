/*
 * sim_random.h: random runs of hbsim: draws a pool (size, HA timeout T,
 * paths, weights, drift, packet loss) and a fault schedule (single and
 * combined faults, heals, boots, propose-master) from one seed, as a script
 * of scenario statements, so a failing run prints as a scenario.
 */
#ifndef SIM_RANDOM_H
#define SIM_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "sim_world.h"

/* What a schedule was drawn to exercise. */
enum sim_rclass {
	RC_BENIGN = 0,   /* crashes, boots, clean shutdowns, short freezes, torn writes */
	RC_STORAGE_ALL,  /* storage faults on every host, network whole */
	RC_NET_SINGLE,   /* one network fault, healed late */
	RC_MIXED,        /* anything, combined */
	RC_COUNT
};

const char *sim_rclass_name(enum sim_rclass c);

/* Fill cfg and stmts (at most SIM_MAX_STMTS) for run seed `seed`.
 * Returns the number of statements. */
size_t sim_random_make(uint64_t seed, unsigned hosts_max, struct sim_cfg *cfg, struct sim_stmt *stmts,
                       enum sim_rclass *cls);

#endif
