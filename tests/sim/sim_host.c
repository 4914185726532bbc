/*
 * sim_host.c: the simulated hosts of hbsim.
 *
 * Owns each host's drifting monotonic clock and scheduling delay, its
 * lifecycle (boot, crash, fence, exit, freeze and thaw), the watchdog and
 * its feeder (pets every pet interval of local time while the agent runs,
 * is not frozen and now < healthy_until, looks again a recheck later when
 * it is not, and at the thaw; fires at last pet + W), and the
 * executor of struct hb_core_out: every event delivered to a core is
 * followed by hb_core_poll() and the execution of what it asks for.
 */
#include <assert.h>
#include <string.h>

#include "hb_exit.h"
#include "hb_incarnation.h"
#include "sim_check.h"
#include "sim_world.h"

#define SIM_FENCE_DOWN_MIN_US 50000   /* fence -> host down */
#define SIM_FENCE_DOWN_MAX_US 150000
#define SIM_MIN_WAKE_US 100
#define SIM_PROPOSE_RETRY_US 1000000

hb_mono_ms sim_local_ms(const struct sim_host *h, int64_t t_us)
{
	int64_t local_us = h->off_us + t_us + (t_us * h->ppm) / 1000000;
	return local_us / SIM_US_PER_MS;
}

/* The first global time >= not_before_us at which h's clock reads local.
 * The drift counts both ways: a clock running slow (ppm < 0) reaches local
 * later than local - off_us, by ppm x the time run so far (200 ppm over
 * 1000 s: 200 ms, a whole I/O deadline at a 900 ms T2). */
int64_t sim_global_at(const struct sim_host *h, hb_mono_ms local, int64_t not_before_us)
{
	if (sim_local_ms(h, not_before_us) >= local)
		return not_before_us;
	int64_t target = local * SIM_US_PER_MS - h->off_us;
	int64_t t = target * 1000000 / (1000000 + h->ppm) - 4;
	if (t < not_before_us)
		t = not_before_us;
	for (unsigned i = 0; i < 64 && sim_local_ms(h, t) < local; i++)
		t++;
	assert(sim_local_ms(h, t) >= local);
	return t;
}

/* Scheduling delay of one event delivered to an agent: usually under 20 ms,
 * now and then up to 200 ms. */
int64_t sim_sched_delay(struct sim_world *w)
{
	if (sim_rng_chance(&w->rng, 5000))
		return sim_rng_range(&w->rng, 20000, 200000);
	return sim_rng_range(&w->rng, 0, 20000);
}

bool sim_host_alive(const struct sim_host *h)
{
	return h->state != HS_DOWN;
}

/* The agent runs and takes events: also while fencing, until the host goes
 * down, so that its last-words write can be issued and land. */
bool sim_host_can_take(const struct sim_host *h)
{
	return (h->state == HS_RUNNING || h->state == HS_FENCING) && !h->frozen;
}

static hb_mono_ms host_now(const struct sim_world *w, const struct sim_host *h)
{
	return sim_local_ms(h, w->now_us);
}

static void host_trace(struct sim_world *w, const struct sim_host *h, enum sim_tk kind, int64_t a, int64_t b)
{
	sim_trace_add(&w->trace, w->now_us, (int)h->idx, host_now(w, h), kind, a, b);
}

static void watchdog_schedule(struct sim_world *w, struct sim_host *h)
{
	if (h->wd_ev_pending || !h->wd_armed)
		return;
	hb_mono_ms deadline = h->wd_last_pet + (hb_mono_ms)w->cfg.timing.p.watchdog_timeout_ms + h->wd_lag_ms;
	h->wd_ev_pending = true;
	sim_q_push(w, sim_global_at(h, deadline, w->now_us), EV_WATCHDOG, (int)h->idx, 0, 0);
}

static void pet_schedule_in(struct sim_world *w, struct sim_host *h, uint32_t in_ms)
{
	hb_mono_ms next = host_now(w, h) + (hb_mono_ms)in_ms;
	int64_t t = sim_global_at(h, next, w->now_us) + sim_rng_range(&w->rng, 0, 20000);
	sim_q_push(w, t, EV_PET, (int)h->idx, 0, 0);
}

static void pet_schedule(struct sim_world *w, struct sim_host *h)
{
	pet_schedule_in(w, h, w->cfg.timing.pet_interval_ms);
}

/* Start a new incarnation of host idx, as `hbagent` starting on it. */
void sim_host_boot(struct sim_world *w, unsigned idx)
{
	struct sim_host *h = &w->hosts[idx];
	assert(h->state == HS_DOWN);
	struct hb_core *core = h->core;
	int32_t ppm = h->ppm;
	int64_t off_us = h->off_us, wall_us = h->wall_off_us, lag = h->wd_lag_ms, slow = h->sf_slow_us;
	uint64_t last_boot = h->last_boot_id;
	enum sim_sf_fault fault = h->sf_fault;
	bool torn = h->torn_next;
	*h = (struct sim_host){.idx = idx, .core = core, .ppm = ppm, .off_us = off_us, .wall_off_us = wall_us,
	                       .wd_lag_ms = lag, .sf_fault = fault, .sf_slow_us = slow, .torn_next = torn,
	                       .last_boot_id = last_boot};
	h->state = HS_RUNNING;
	h->boot_us = w->now_us;
	h->online_us = -1;
	h->stop_at = -1;
	h->fence_judged = -1;
	h->heard_us = -1;
	h->last_ok_write_us = -1;
	h->last_ok_read_us = -1;
	h->forged_claim_us = -1;
	h->sf_bad_since_us = h->sf_fault != SF_OK ? w->now_us : -1;
	h->healthy_seen = -1;
	h->inc = ++w->boot_counter[idx];
	h->wake_us = SIM_NEVER;
	h->master = -1;
	h->phase = HB_PHASE_STARTING;

	enum hb_reject rej;
	const struct hb_slot *slot = sim_store_slot(w, idx, &rej);
	/* as the agent does (hb_incarnation.h): above the slot's and the
	 * persisted boot id, at least the wall clock (which clock-step moves) */
	uint64_t prev = rej == HB_REJECT_NONE ? slot->boot_id : 0;
	uint64_t wall = (uint64_t)(w->now_us + h->wall_off_us);
	if (hb_incarnation_next(prev, h->last_boot_id, wall, &h->boot_id, NULL) < 0) {
		h->exit_code = HB_EXIT_SYSTEM_ERROR; /* the agent refuses to start */
		h->state = HS_DOWN;
		h->down_why = DOWN_EXIT;
		host_trace(w, h, TK_EXIT, HB_EXIT_SYSTEM_ERROR, 0);
		return;
	}
	h->last_boot_id = h->boot_id;
	struct hb_core_config cfg = {
		.n_hosts = w->cfg.n_hosts,
		.self = idx,
		.host_uuids = w->uuids,
		.generation = w->generation,
		.n_paths = w->cfg.n_paths,
		.timing = w->cfg.timing,
		.weight = w->cfg.weights[idx],
		.boot_id = h->boot_id,
		.unsafe = w->cfg.unsafe,
	};
	if (rej == HB_REJECT_NONE)
		cfg.last_words = slot->last_words;
	hb_mono_ms now = host_now(w, h);
	hb_core_init(h->core, &cfg, now);
	host_trace(w, h, TK_BOOT, h->inc, (int64_t)h->boot_id);
	pet_schedule(w, h);
	sim_host_after(w, h, now);
}

/* Release what a host holds when it stops (queued packets, I/O). */
static void host_release(struct sim_world *w, struct sim_host *h)
{
	for (unsigned i = 0; i < h->fq_n; i++)
		sim_pkt_put(w, h->fq[i]);
	h->fq_n = 0;
	h->pet_at_thaw = false;
	h->thawed_us = SIM_NEVER;
	h->frozen = false;
	h->wd_armed = false;
	h->proposing = false;
	sim_io_host_down(w, h);
}

void sim_host_down(struct sim_world *w, unsigned idx, enum sim_down why)
{
	struct sim_host *h = &w->hosts[idx];
	if (h->state == HS_DOWN)
		return;
	if (h->proposing && w->print_expect)
		sim_out_printf(w->out, "propose-master %u (line %d): no answer, host went down\n", idx,
		               w->stmts[h->propose_stmt].st.line);
	host_release(w, h);
	h->state = HS_DOWN;
	h->down_why = why;
	h->down_us = w->now_us;
	host_trace(w, h, TK_DOWN, why, 0);
	sim_check_host_gone(w, h);
}

void sim_host_crash(struct sim_world *w, unsigned idx)
{
	sim_host_down(w, idx, DOWN_CRASH);
}

void sim_host_freeze(struct sim_world *w, unsigned idx, int64_t dur_us)
{
	struct sim_host *h = &w->hosts[idx];
	if (h->state != HS_RUNNING)
		return;
	if (!h->frozen) {
		h->frozen = true;
		h->frozen_since_us = w->now_us;
		h->thaw_us = w->now_us + dur_us;
	} else if (w->now_us + dur_us > h->thaw_us) {
		h->thaw_us = w->now_us + dur_us;
	}
	if (!h->suspended)
		sim_check_freeze(w, h, dur_us);
	sim_q_push(w, h->thaw_us, EV_THAW, (int)idx, 0, 0);
}

/* The whole host sleeps: like a freeze, but its watchdog timer stops too
 * (the kernel suspends it) and resumes with the time it had left. The
 * decision clock counts the suspend (hb_clock), unless the run models the
 * broken clock that does not. */
void sim_host_suspend(struct sim_world *w, unsigned idx, int64_t dur_us)
{
	struct sim_host *h = &w->hosts[idx];
	if (h->state != HS_RUNNING || h->frozen)
		return;
	h->suspended = true;
	host_trace(w, h, TK_SUSPEND, dur_us / SIM_US_PER_MS, 0);
	sim_host_freeze(w, idx, dur_us);
}

/* The agent of a running host is killed and started again, the host (and
 * its guests) staying up. An armed watchdog is not disarmed by the kill: it
 * fires (the new agent would wait for it first, as the real one does). */
void sim_host_restart_agent(struct sim_world *w, unsigned idx)
{
	struct sim_host *h = &w->hosts[idx];
	if (h->state != HS_RUNNING || h->frozen)
		return;
	host_trace(w, h, TK_RESTART, h->wd_armed, 0);
	if (h->wd_armed) {
		sim_io_host_down(w, h);
		h->proposing = false;
		h->state = HS_ORPHAN;
		sim_check_host_gone(w, h);
		watchdog_schedule(w, h);
		return;
	}
	sim_host_down(w, idx, DOWN_EXIT);
	sim_q_push(w, w->now_us + sim_rng_range(&w->rng, 100000, 500000), EV_AGENT_START, (int)idx, 0, 0);
}

void sim_host_clock_step(struct sim_world *w, unsigned idx, int64_t step_us)
{
	struct sim_host *h = &w->hosts[idx];
	h->wall_off_us += step_us;
	host_trace(w, h, TK_CLOCK_STEP, step_us / SIM_US_PER_MS, 0);
}

static void exec_watchdog(struct sim_world *w, struct sim_host *h, const struct hb_core_out *out, hb_mono_ms now)
{
	if (out->disarm) {
		if (h->wd_armed) {
			h->wd_armed = false;
			h->wd_disarmed = true;
			host_trace(w, h, TK_DISARM, 0, 0);
		}
		return;
	}
	if (out->arm && !h->wd_armed) {
		h->wd_armed = true;
		h->wd_disarmed = false;
		h->wd_last_pet = now;
		host_trace(w, h, TK_ARM, 0, 0);
		watchdog_schedule(w, h);
	}
}

static void exec_fence_exit(struct sim_world *w, struct sim_host *h, const struct hb_core_out *out)
{
	if (out->fence) {
		if (h->state != HS_RUNNING)
			return; /* already fencing */
		h->state = HS_FENCING;
		h->ever_fenced = true;
		host_trace(w, h, TK_FENCE, out->fence_reason, 0);
		sim_check_fence(w, h, "fenced itself");
		int64_t d = sim_rng_range(&w->rng, SIM_FENCE_DOWN_MIN_US, SIM_FENCE_DOWN_MAX_US);
		sim_q_push(w, w->now_us + d, EV_DOWN, (int)h->idx, 0, 0);
		return;
	}
	if (!out->exit)
		return;
	h->exit_code = out->exit_code;
	host_trace(w, h, TK_EXIT, out->exit_code, h->wd_armed);
	if (h->wd_armed) {
		/* Stopping the agent does not disarm: the watchdog will fire. */
		h->state = HS_ORPHAN;
		watchdog_schedule(w, h);
		return;
	}
	sim_host_down(w, h->idx, DOWN_EXIT);
}

static void wake_schedule(struct sim_world *w, struct sim_host *h, hb_mono_ms next_wakeup)
{
	int64_t t = sim_global_at(h, next_wakeup, w->now_us) + sim_sched_delay(w);
	if (t < w->now_us + SIM_MIN_WAKE_US)
		t = w->now_us + SIM_MIN_WAKE_US;
	if (h->wake_us < w->now_us)
		h->wake_us = SIM_NEVER;
	if (t >= h->wake_us)
		return;
	h->wake_us = t;
	sim_q_push(w, t, EV_WAKE, (int)h->idx, 0, 0);
}

/* After an event was delivered to h's core: poll it and do what it asks. */
void sim_host_after(struct sim_world *w, struct sim_host *h, hb_mono_ms now)
{
	struct hb_core_out out;
	memset(&out, 0, sizeof out);
	hb_core_poll(h->core, now, &out);
	sim_check_healthy(w, h, now, out.healthy_until);
	if (out.healthy_until > h->healthy_seen && h->healthy_seen >= 0)
		sim_check_renew(w, h);
	h->healthy_seen = out.healthy_until;
	h->healthy_until = out.healthy_until;
	if (out.send)
		sim_net_send(w, h, &out.packet);
	if (out.write_slot)
		sim_io_submit(w, h, SIO_SLOT, &out.slot);
	if (out.write_global)
		sim_io_submit(w, h, SIO_GLOBAL, &out.global);
	if (out.read)
		sim_io_submit(w, h, SIO_READ, NULL);
	exec_watchdog(w, h, &out, now);
	exec_fence_exit(w, h, &out);
	if (h->state == HS_DOWN)
		return;
	sim_check_host(w, h);
	if (h->state == HS_RUNNING || h->state == HS_FENCING)
		wake_schedule(w, h, out.next_wakeup);
}

/* The feeder (hb_watchdog.c): pets while now < healthy_until, then sleeps a
 * pet interval; finding healthy_until behind it, it looks again a recheck
 * later. Frozen, its sleep ends during the freeze and it looks at the thaw. */
static void on_pet(struct sim_world *w, struct sim_host *h)
{
	if (h->state != HS_RUNNING)
		return; /* the feeder is part of the agent */
	if (h->frozen) {
		h->pet_at_thaw = true;
		return;
	}
	hb_mono_ms now = host_now(w, h);
	if (!h->wd_armed) {
		pet_schedule(w, h); /* no feeder runs before the arm: the schedule only */
	} else if (now < h->healthy_until) {
		h->wd_last_pet = now;
		pet_schedule(w, h);
	} else {
		pet_schedule_in(w, h, w->cfg.timing.pet_recheck_ms);
	}
}

static void on_watchdog(struct sim_world *w, struct sim_host *h)
{
	h->wd_ev_pending = false;
	if (!sim_host_alive(h) || !h->wd_armed || h->suspended)
		return; /* a suspended host's timer is stopped: rescheduled at resume */
	hb_mono_ms now = host_now(w, h);
	hb_mono_ms deadline = h->wd_last_pet + (hb_mono_ms)w->cfg.timing.p.watchdog_timeout_ms + h->wd_lag_ms;
	if (now < deadline) {
		watchdog_schedule(w, h);
		return;
	}
	host_trace(w, h, TK_WATCHDOG, 0, 0);
	h->ever_fenced = true;
	sim_check_fence(w, h, "was fenced by its watchdog");
	sim_host_down(w, h->idx, DOWN_WATCHDOG);
}

static void on_packet(struct sim_world *w, struct sim_host *h, uint32_t slot)
{
	if (h->state != HS_RUNNING && h->state != HS_FENCING) {
		sim_pkt_put(w, slot);
		return;
	}
	if (h->frozen && h->suspended) {
		sim_pkt_put(w, slot); /* a sleeping host's NIC is off: lost */
		return;
	}
	if (h->frozen) {
		if (h->fq_n < SIM_FREEZE_Q) {
			h->fq[h->fq_n++] = slot;
		} else {
			h->fq_dropped++;
			sim_pkt_put(w, slot);
		}
		return;
	}
	unsigned path;
	struct hb_packet tmp;
	const struct hb_packet *pkt = sim_pkt_get(w, slot, &path, &tmp);
	if (pkt == NULL) {
		sim_pkt_put(w, slot);
		return;
	}
	hb_mono_ms now = host_now(w, h);
	if (w->trace.verbose)
		host_trace(w, h, TK_RECV, pkt->sender_index, path);
	unsigned from = pkt->sender_index;
	uint64_t from_boot = pkt->boot_id;
	hb_mono_ms before = hb_core_peer_heard_at(h->core, from);
	hb_mono_ms sign_before = hb_core_peer_net_sign_at(h->core, from);
	hb_core_on_packet(h->core, now, pkt, path);
	sim_pkt_put(w, slot);
	/* (e): the sender's incarnation was heard, if the core took the packet:
	 * adopted, or (its view not echoing me recently) taken all the same as
	 * a sign of life of its member incarnation. The core echoes the token
	 * of such a packet too, and its removal wait runs from it: it is heard
	 * in the sense of the fence-bound argument (docs/design.md). */
	struct sim_host *sender = &w->hosts[from];
	hb_mono_ms sign = hb_core_peer_net_sign_at(h->core, from);
	bool took = hb_core_peer_heard_at(h->core, from) != before || (sign != sign_before && sign >= 0);
	if (took && sender->boot_id == from_boot && sim_host_alive(sender))
		sender->heard_us = w->now_us;
	sim_host_after(w, h, now);
}

static void on_overdue(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind, uint32_t token)
{
	struct sim_io *io = &h->io[kind];
	if (!sim_host_can_take(h) || !io->busy || io->held || io->overdue || io->token != token)
		return; /* a frozen host's executor checks at thaw */
	hb_mono_ms now = host_now(w, h);
	io->overdue = true;
	host_trace(w, h, TK_OVERDUE, kind, 0);
	hb_core_on_sf_overdue(h->core, now, kind == SIO_READ ? HB_SF_IO_READ : HB_SF_IO_WRITE);
	sim_host_after(w, h, now);
}

/* Overdue checks the frozen executor could not make. */
static void thaw_overdue(struct sim_world *w, struct sim_host *h)
{
	hb_mono_ms limit = (hb_mono_ms)w->cfg.timing.sf_io_timeout_ms;
	for (unsigned k = 0; k < SIO_COUNT && sim_host_can_take(h); k++) {
		struct sim_io *io = &h->io[k];
		if (io->busy && !io->held && !io->overdue && host_now(w, h) >= io->submit_local + limit)
			on_overdue(w, h, (enum sim_io_kind)k, io->token);
	}
}

static void on_thaw(struct sim_world *w, struct sim_host *h)
{
	if (!h->frozen || w->now_us < h->thaw_us)
		return;
	h->frozen = false;
	bool resumed = h->suspended;
	if (h->suspended) {
		int64_t slept_us = w->now_us - h->frozen_since_us;
		h->suspended = false;
		if (w->cfg.broken_suspend_clock)
			h->off_us -= slept_us + slept_us * h->ppm / 1000000; /* the clock did not move */
		else
			h->wd_last_pet += slept_us / SIM_US_PER_MS; /* the timer resumes where it stopped */
		watchdog_schedule(w, h);
	}
	host_trace(w, h, TK_THAW, h->fq_n, h->fq_dropped);
	h->thawed_us = w->now_us;
	if (h->pet_at_thaw) {
		/* the worst order: the feeder looks before the loop has renewed
		 * healthy_until (and so looks again a recheck later) */
		h->pet_at_thaw = false;
		on_pet(w, h);
	}
	for (unsigned k = 0; k < SIO_COUNT && sim_host_can_take(h); k++)
		if (h->io[k].held)
			sim_io_complete(w, h, (enum sim_io_kind)k);
	/* (a completion may have taken the host down, and its queue with it) */
	unsigned n = h->fq_n;
	uint32_t q[SIM_FREEZE_Q];
	memcpy(q, h->fq, n * sizeof q[0]);
	h->fq_n = 0;
	h->fq_dropped = 0;
	for (unsigned i = 0; i < n; i++)
		on_packet(w, h, q[i]);
	thaw_overdue(w, h);
	if (sim_host_can_take(h))
		sim_host_after(w, h, host_now(w, h));
	if (resumed)
		sim_check_resumed(w, h);
	sim_check_world_changed(w);
}

static void on_propose(struct sim_world *w, struct sim_host *h, int stmt)
{
	if (!h->proposing || h->propose_stmt != stmt || h->state != HS_RUNNING)
		return;
	if (h->frozen) {
		sim_q_push(w, h->thaw_us + 1, EV_PROPOSE, (int)h->idx, stmt, 0);
		return;
	}
	hb_mono_ms now = host_now(w, h);
	if (h->propose_start_us < 0)
		sim_check_propose_start(w, h, stmt); /* the core sees the request now */
	enum hb_propose_result r = hb_core_propose_master(h->core, now);
	sim_host_after(w, h, now);
	if (r == HB_PROPOSE_PENDING) {
		if (h->state == HS_RUNNING)
			sim_q_push(w, w->now_us + SIM_PROPOSE_RETRY_US, EV_PROPOSE, (int)h->idx, stmt, 0);
		return;
	}
	h->proposing = false;
	host_trace(w, h, TK_PROPOSE, r, 0);
	if (w->print_expect) {
		char ts[32];
		sim_time_format(w->now_us, ts, sizeof ts);
		sim_out_printf(w->out, "propose-master %u (line %d): %s at %s\n", h->idx, w->stmts[stmt].st.line,
		               r == HB_PROPOSE_TRUE ? "TRUE" : "FALSE", ts);
	}
}

/* Begin propose-master on h (statement stmt): asked every second until
 * the core answers TRUE or FALSE. */
void sim_host_propose(struct sim_world *w, unsigned idx, int stmt)
{
	struct sim_host *h = &w->hosts[idx];
	if (h->state != HS_RUNNING) {
		if (w->print_expect)
			sim_out_printf(w->out, "propose-master %u (line %d): host not running\n", idx, w->stmts[stmt].st.line);
		return;
	}
	h->proposing = true;
	h->propose_stmt = stmt;
	h->propose_start_us = -1;
	on_propose(w, h, stmt);
}

void sim_host_event(struct sim_world *w, const struct sim_ev *ev)
{
	struct sim_host *h = &w->hosts[ev->host];
	if (ev->kind == EV_PACKET) {
		if ((ev->inc != h->inc && ev->b == 0) || h->state == HS_DOWN)
			sim_pkt_put(w, (uint32_t)ev->a);
		else
			on_packet(w, h, (uint32_t)ev->a);
		return;
	}
	if (ev->kind == EV_AGENT_START) {
		if (ev->inc == h->inc && h->state == HS_DOWN)
			sim_host_boot(w, h->idx);
		return;
	}
	if (ev->inc != h->inc || h->state == HS_DOWN)
		return; /* an earlier incarnation's event */
	switch ((enum sim_ev_kind)ev->kind) {
	case EV_WAKE:
		if (ev->t_us != h->wake_us)
			return; /* superseded by an earlier wake-up */
		h->wake_us = SIM_NEVER;
		if (sim_host_can_take(h))
			sim_host_after(w, h, host_now(w, h));
		return;
	case EV_IO_DONE:
		if (h->io[ev->a].busy && !h->io[ev->a].hung && h->io[ev->a].token == (uint32_t)ev->b)
			sim_io_complete(w, h, (enum sim_io_kind)ev->a);
		return;
	case EV_OVERDUE: on_overdue(w, h, (enum sim_io_kind)ev->a, (uint32_t)ev->b); return;
	case EV_PET: on_pet(w, h); return;
	case EV_WATCHDOG: on_watchdog(w, h); return;
	case EV_DOWN:
		if (h->state == HS_FENCING)
			sim_host_down(w, h->idx, DOWN_FENCE);
		return;
	case EV_THAW: on_thaw(w, h); return;
	case EV_PROPOSE: on_propose(w, h, (int)ev->a); return;
	default: assert(0 && "not a host event"); return;
	}
}
