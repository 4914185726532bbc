/*
 * sim_save.h: a run that broke the contract, saved as a scenario file that
 * `hbsim --scenario FILE` replays event for event (a random run of hbsim,
 * an input of the fuzzer): the report as comments, then the run's script
 * at absolute times, its seed and its end (sim_world_write_scenario).
 */
#ifndef SIM_SAVE_H
#define SIM_SAVE_H

#include "sim_world.h"

/* Write the run of w, stopped at its first violation, to path with the
 * report (text, len bytes) as comments. The run is replayed for one second
 * past the violation. Returns 0, or -1 with errno set. */
int sim_save_violation(const struct sim_world *w, const char *path, const char *report, size_t len);

#endif
