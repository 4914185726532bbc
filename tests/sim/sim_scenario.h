/*
 * sim_scenario.h: a scenario file as hbsim runs it: the scenario language
 * (hb_scenario.h) plus hbsim's `#@` statements (sim_scenario.c).
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>

#include "hb_err.h"
#include "sim_world.h"

/* Fill the pool part of cfg (hosts, T and its timing, paths, sector,
 * weights, name) and stmts (at least SIM_MAX_STMTS entries). */
int sim_scenario_load(const char *path, struct sim_cfg *cfg, struct sim_stmt *stmts, size_t *n_stmts, struct hb_err *err);

#endif
