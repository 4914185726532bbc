/*
 * sim_check.h: the checks of hbsim (sim_check.c: the invariants of the
 * safety contract, checked after every event; sim_expect.c: the
 * expectations of scenarios). Called by the world, hosts and I/O.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_world.h"

/* sim_check.c */
void sim_check_reset(struct sim_world *w);
void sim_check_host(struct sim_world *w, struct sim_host *h);
void sim_check_host_gone(struct sim_world *w, struct sim_host *h);
void sim_check_healthy(struct sim_world *w, struct sim_host *h, hb_mono_ms now, hb_mono_ms healthy_until);
void sim_check_fence(struct sim_world *w, struct sim_host *h, const char *how);
/* (d) the world changed outside a fault statement (a thaw): re-judge. */
void sim_check_world_changed(struct sim_world *w);
/* (d) a fence of h is legitimate for a while (a forgery aimed at it). */
void sim_check_touch(struct sim_world *w, unsigned h);
/* (e) h's core just renewed its healthy_until. */
void sim_check_renew(struct sim_world *w, struct sim_host *h);
/* h resumed from a suspend and took its first steps. */
void sim_check_resumed(struct sim_world *w, struct sim_host *h);
/* (c) EV_QUIET: the pool has been quiet since the fault at fault_us. */
void sim_check_quiet(struct sim_world *w, int64_t fault_us);
unsigned sim_check_fault(struct sim_world *w, int stmt, unsigned bits);
void sim_check_activity(struct sim_world *w);
void sim_check_crash(struct sim_world *w, unsigned victim, int stmt, unsigned prev_mask);
void sim_check_net_fault(struct sim_world *w, int stmt, unsigned prev_mask);
void sim_check_propose_start(struct sim_world *w, struct sim_host *h, int stmt);
void sim_check_freeze(struct sim_world *w, struct sim_host *h, int64_t dur_us);
void sim_check_event(struct sim_world *w, const struct sim_ev *ev);
void sim_check_end(struct sim_world *w);
void sim_check_formation(struct sim_world *w);
void sim_violation(struct sim_world *w, enum sim_check_id id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *sim_check_name(enum sim_check_id id);
/* A duration measured on one host's clock, as a bound in global time:
 * + 2 x 200 ppm of drift + 1 s of scheduling slack. */
int64_t sim_bound_us(uint32_t ms);

/* sim_expect.c */
/* Running, not frozen, Online: the hosts whose published state counts. */
bool sim_host_reporting(const struct sim_host *h);
void sim_check_expect_open(struct sim_world *w, int stmt);
void sim_check_expect_end(struct sim_world *w, int stmt);
void sim_check_expects_eval(struct sim_world *w);
void sim_expect_close_all(struct sim_world *w);

#endif
