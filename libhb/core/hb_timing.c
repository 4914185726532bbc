/*
 * hb_timing.c: derives every timeout of hbagent from the configured values
 * and checks the relations safety needs (see hb_timing.h, docs/timing.md).
 *
 * The argument in one paragraph: a host renews its watchdog deadline
 * (healthy_until = last proof + P) only while it holds fresh proof that it
 * belongs to the winning partition: heartbeats heard within T1, its own
 * statefile write (timestamped at submission) seen in a read within T2. So a
 * host that nobody has heard from since s cannot renew after s + max(T1, T2),
 * stops being fed at + P, and its watchdog fires at the latest W (plus the
 * timer's granularity) after that: F = max(T1, T2) + P + W + slack. Peers
 * measure F on their own clocks, which may run 2 * rho faster relative to
 * the victim's, hence the removal wait F * (1 + 2 rho). A host that learns it
 * lost and says so (fencing flag) is gone W + slack after that write.
 */
#include "hb_timing.h"

#include <assert.h>
#include <inttypes.h>

#define S(x) ((uint32_t)(x) * 1000u)

/* Upper bound of the decision tick: evaluations at least twice a second.
 * The proof window P is two ticks and is part of the fence bound F, and
 * so of every failover: a 500 ms tick takes a second off each (docs/design.md,
 * "The decision tick"); the loop wakes for packets far more often anyway. */
#define HB_TICK_MAX_MS 500u
/* The longest a loser waits for its last-words write before it reboots. */
#define HB_LAST_WORDS_WAIT_MAX_MS 2000u
/* Allowance for the watchdog timer's own granularity (Xen and most hardware
 * watchdogs count whole seconds). */
#define HB_WATCHDOG_SLACK_MS 1000u
/* The smallest hardware watchdog timeout accepted: below this a scheduling
 * hiccup of the feeder thread would reboot a healthy host. */
#define HB_WATCHDOG_MIN_MS 2000u
/* Multipath failover commonly takes 5-30 s; warn when the I/O deadline is
 * shorter than this. */
#define HB_IO_DEADLINE_WARN_MS 10000u

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* ceil(2 * rho * x), rho = HB_DRIFT_PPM / 1e6 */
static uint32_t drift_margin(uint32_t x_ms)
{
	uint64_t num = (uint64_t)x_ms * 2u * HB_DRIFT_PPM;
	return (uint32_t)((num + 999999u) / 1000000u);
}

void hb_timing_params_default(struct hb_timing_params *out)
{
	*out = (struct hb_timing_params){
		.hb_interval_ms = S(4),
		.hb_timeout_ms = S(30),
		.sf_interval_ms = S(4),
		.sf_timeout_ms = S(30),
		.hb_wd_timeout_ms = S(30),
		.sf_wd_timeout_ms = S(45),
		.watchdog_timeout_ms = S(5),
		.boot_join_timeout_ms = S(90),
		.enable_join_timeout_ms = S(90),
		.xapi_hc_interval_ms = S(60),
		.xapi_hc_timeout_ms = S(10),
		.xapi_restart_timeout_ms = S(30),
		.xapi_restart_attempts = 1,
	};
}

/*
 * xapi's derivation (xha.md section 8, xapi_ha.ml): t1 = min((T+10)/10, 3),
 * T1 = T, t2 = max(2, T/20), T2 = T, Wh = T, Ws = T+15, Tboot = Tenable =
 * T+60, health check every 60 s with timeout 120 s, 1 restart in 300 s.
 * xapi refuses T < 10; smaller values (down to 4 s) are accepted here so
 * that test pools can run the same scenarios scaled down in time (the
 * relations are still checked by hb_timing_derive: T = 6 is the smallest
 * that passes). xapi has no upper limit; HB_TIMING_T_MAX_S is ours. t2 is
 * xapi's T / 20 even above 60 s: hb_timing_derive caps it (the value in
 * xhad.conf is the same).
 */
int hb_timing_params_from_T(uint32_t T_s, struct hb_timing_params *out, struct hb_err *err)
{
	if (T_s < 4 || T_s > HB_TIMING_T_MAX_S)
		return hb_err_set(err, "HA timeout T=%" PRIu32 " s is out of range 4..%u s: the largest T hbagent supports is %u s "
		                  "(xapi itself requires at least 10)", T_s, HB_TIMING_T_MAX_S, HB_TIMING_T_MAX_S);
	hb_timing_params_default(out);
	out->hb_interval_ms = S(min_u32((T_s + 10) / 10, 3));
	out->hb_timeout_ms = S(T_s);
	out->sf_interval_ms = S(max_u32(2, T_s / 20));
	out->sf_timeout_ms = S(T_s);
	out->hb_wd_timeout_ms = S(T_s);
	out->sf_wd_timeout_ms = S(T_s + 15);
	out->boot_join_timeout_ms = S(T_s + 60);
	out->enable_join_timeout_ms = S(T_s + 60);
	out->xapi_hc_interval_ms = S(60);
	out->xapi_hc_timeout_ms = S(120);
	out->xapi_restart_timeout_ms = S(300);
	out->xapi_restart_attempts = 1;
	/* Not xapi's: the hardware watchdog, 5 s, shortened for small T so
	 * that a hung agent still dies within Wh = T (P + W + slack <= T). */
	out->watchdog_timeout_ms = S(max_u32(2, min_u32(5, T_s > 3 ? T_s - 3 : 0)));
	return 0;
}

/* p (checked) as the agent uses it: t2 capped. */
static void derive_values(const struct hb_timing_params *configured, struct hb_timing *t)
{
	*t = (struct hb_timing){.p = *configured, .sf_interval_configured_ms = configured->sf_interval_ms};
	t->p.sf_interval_ms = min_u32(configured->sf_interval_ms, HB_TIMING_SF_INTERVAL_CAP_MS);
	const struct hb_timing_params *p = &t->p;
	t->tick_ms = min_u32(min_u32(p->hb_interval_ms, p->sf_interval_ms), HB_TICK_MAX_MS);
	t->proof_window_ms = 2u * t->tick_ms;
	t->pet_interval_ms = min_u32(1000u, p->watchdog_timeout_ms / 4u);
	/* After a stall the feeder may look before the decision loop renewed
	 * healthy_until; it looks again this soon, not a whole interval later
	 * (a whole interval would cost the longest survivable stall as much). */
	t->pet_recheck_ms = max_u32(10u, t->tick_ms / 10u);
	t->watchdog_slack_ms = HB_WATCHDOG_SLACK_MS;
	/* A write and the read that confirms it, each within the deadline, and a
	 * cycle's wait must fit in T2: an I/O that is not overdue never costs a
	 * host its access, and slower storage is lost at once, alike on all. */
	t->sf_io_timeout_ms = (p->sf_timeout_ms - p->sf_interval_ms) / 3u;
	t->sf_cycle_ms = p->sf_interval_ms + t->sf_io_timeout_ms + t->tick_ms;
	/* When the statefile dies for everyone, every host has lost access by T2
	 * after my own loss (its last confirmed write was no older than mine
	 * when the statefile died); the news then takes a heartbeat interval and
	 * a tick to arrive. A host that lost access alone waits that long, still
	 * heard by all, before it gives up (survival rule 2 cannot hold). */
	t->sf_loss_grace_ms = p->sf_timeout_ms + p->hb_interval_ms + t->tick_ms;
	t->sf_regain_grace_ms = t->sf_io_timeout_ms + t->sf_loss_grace_ms;
	/* After a fault, hosts drop a peer up to a heartbeat interval apart
	 * (their last packets came at different moments), and each change
	 * reaches the others' reads up to two statefile cycles later: an
	 * intermediate picture can last that long and must not be acted on. */
	t->settle_ms = p->hb_interval_ms + 2u * p->sf_interval_ms + t->tick_ms;
	/* Views that stay inconsistent (a one-way cut; or a host that died while
	 * its slot still looks fresh, its view saying it hears me while mine no
	 * longer hears it) must be unchanged this long: a dead host's last
	 * write may land an I/O deadline after it died and be read a cycle
	 * later, then it stays fresh T2; my own view changed no earlier than T1
	 * after its death. So it is a candidate up to T2 + t2 + 2 I/O deadlines
	 * - T1 after the picture turned inconsistent (and at least max(T1, T2)
	 * for a one-way cut). */
	uint32_t dead_fresh = p->sf_timeout_ms + p->sf_interval_ms + 2u * t->sf_io_timeout_ms + t->tick_ms;
	t->settle_inconsistent_ms = max_u32(max_u32(p->hb_timeout_ms, p->sf_timeout_ms),
	                                    dead_fresh > p->hb_timeout_ms ? dead_fresh - p->hb_timeout_ms : 0);
	t->send_gap_ms = t->tick_ms / 4u;
	/* the watchdog stops being fed at the decision; waiting for the write
	 * only makes the fencing flag (and the reason) reach the statefile */
	t->last_words_wait_ms = min_u32(4u * t->tick_ms, HB_LAST_WORDS_WAIT_MAX_MS);
	/* A clean stop seen only on heartbeats (the statefile lost by all, or
	 * the stopping host's own write failed) is believed after two of them
	 * and this wait, in which a real host's next Online heartbeat would
	 * contradict a forged one; still well within T1 >= 3 t1, so that rule-2
	 * peers never miss the stopped host before they believe its stop. */
	t->stop_confirm_ms = p->hb_interval_ms + p->hb_interval_ms / 2u;
	/* The stopping host repeats its Stopped heartbeat until every member
	 * echoed its second one: one lost packet never hides the stop. */
	t->stop_announce_ms = t->stop_confirm_ms + 2u * p->hb_interval_ms + t->tick_ms;
	t->fence_bound_ms = max_u32(p->hb_timeout_ms, p->sf_timeout_ms) + t->proof_window_ms +
	                    p->watchdog_timeout_ms + t->watchdog_slack_ms;
	t->drift_margin_ms = drift_margin(t->fence_bound_ms);
	t->removal_wait_ms = hb_timing_peer_wait(t->fence_bound_ms);
	t->fence_flag_bound_ms = p->watchdog_timeout_ms + t->watchdog_slack_ms;
	/* A flag that only the slot shows may be a forgery: its host, if alive,
	 * reads it back within a cycle and fences then, or its read is overdue
	 * by then and its proof lapses within P. */
	t->flag_wait_ms = t->fence_flag_bound_ms + t->sf_cycle_ms + t->proof_window_ms;
	t->detect_ms = min_u32(p->hb_timeout_ms, p->sf_timeout_ms) + t->tick_ms;
	/* A survivor's last sign of life from a crashed host can be its last
	 * slot write, seen by the next read: up to t2 + the I/O deadline late. */
	t->failover_bound_ms = p->sf_interval_ms + t->sf_io_timeout_ms + t->removal_wait_ms + t->settle_ms + t->tick_ms;
	/* An isolated host that still writes: it notices after T1, decides on
	 * settled views, writes its fencing flag (seen within a statefile cycle),
	 * and survivors wait the flag wait (with drift) after reading it, then
	 * read it once more. */
	t->failover_typical_ms = p->hb_timeout_ms + t->settle_ms + t->tick_ms + p->sf_interval_ms +
	                         hb_timing_peer_wait(t->flag_wait_ms) + p->sf_interval_ms;
	/* An isolated host still writes its slot, so it leaves only when it
	 * decides it lost: its views change within T1, reach the statefile and
	 * are read back within two cycles (each up to t2 + I/O deadline), and
	 * must stay unchanged for the settle time (the longer one when they are
	 * inconsistent, as with a one-way cut). Then survivors drop it on its
	 * fencing flag (read within a cycle, then its flag wait, then the next
	 * read that still shows it) or, if the flag never lands, a removal wait
	 * after its last write. */
	uint32_t cycle = p->sf_interval_ms + t->sf_io_timeout_ms;
	/* A one-way cut: the side that no longer hears stops at T1; the other
	 * still takes the heartbeats of the first until their echo of its own
	 * sends is T1 old, and hears them for T1 more: the picture changes
	 * again at 2 T1, then settles (consistent by then). */
	uint32_t settled = max_u32(p->hb_timeout_ms + t->settle_inconsistent_ms, 2u * p->hb_timeout_ms + t->settle_ms);
	uint32_t decide = settled + 2u * cycle + t->tick_ms;
	uint32_t after_flag = cycle + hb_timing_peer_wait(t->flag_wait_ms) + cycle;
	t->isolation_bound_ms = decide + t->last_words_wait_ms + max_u32(after_flag, t->removal_wait_ms) + t->tick_ms;
	t->hung_agent_bound_ms = t->proof_window_ms + p->watchdog_timeout_ms + t->watchdog_slack_ms;
	t->hung_storage_bound_ms = p->sf_timeout_ms + t->hung_agent_bound_ms;
	t->hung_storage_decide_ms = p->sf_timeout_ms + t->sf_loss_grace_ms + t->proof_window_ms;
	/* Typically the last sign of life is the crash itself: the last
	 * heartbeat came up to t1 before it, the read that saw the last slot
	 * write up to t2 after it; then the removal wait and an evaluation. */
	t->crash_typical_ms = t->removal_wait_ms + t->tick_ms / 2u;
	/* A whole-host stall (every thread of dom0 stopped, the watchdog timer
	 * running) that starts just before a pet: the last pet was a pet
	 * interval earlier, and after the thaw the feeder pets at the latest a
	 * recheck after the loop renews (at once: its inputs are fresh as long
	 * as the stall is shorter than T2 - t2 - tick, the age a confirmed
	 * write may reach). Longer fences, by design (as sbd): raise W. */
	t->host_stall_max_ms = min_u32(p->watchdog_timeout_ms - t->pet_interval_ms - t->pet_recheck_ms,
	                               p->sf_timeout_ms - p->sf_interval_ms - t->tick_ms);
	/* One host's statefile I/O stalls (the others' is fine, the network
	 * whole): the first I/O stuck is overdue an I/O deadline after it was
	 * submitted, the host has lost access and lives on rule 2 for the loss
	 * grace and P more; after the stall its next write (up to t2 later) is
	 * confirmed by a read and a tick. */
	t->sf_stall_max_ms = t->sf_io_timeout_ms + t->sf_loss_grace_ms + t->proof_window_ms - p->sf_interval_ms -
	                     t->tick_ms;
	t->warn_hb_ms = p->hb_timeout_ms / 2u;
	t->warn_sf_ms = p->sf_timeout_ms / 2u;
	t->lock_wait_ms = 3u * (p->sf_interval_ms + t->sf_io_timeout_ms);
	/* Once faults stop, every running member publishes the same liveset and
	 * master within this: the last victim is dropped (a crash or an
	 * isolation, whichever is slower), then the views settle. */
	t->agreement_bound_ms = max_u32(t->failover_bound_ms, t->isolation_bound_ms) + t->settle_ms + t->tick_ms;
	/* A rotated pool secret (hb_keyring.h): the hosts see it at different
	 * moments, up to key_switch apart without a single heartbeat rejected
	 * (and up to key_switch + T1 without a host dropped). Two T1: the
	 * rewrite of the secret on every host may take as long as the pool
	 * already tolerates for a network outage, twice over; at most 10 min.
	 * The old key is accepted until every host has stopped sending it
	 * (2 x switch after the first saw the new one), and half a switch more
	 * for the file checks and packets in flight. */
	t->key_switch_ms = min_u32(2u * p->hb_timeout_ms, HB_TIMING_KEY_SWITCH_MAX_MS);
	t->key_grace_ms = 2u * t->key_switch_ms + t->key_switch_ms / 2u;
}

/* Values that must be positive and whole, before any relation is checked. */
static int check_ranges(const struct hb_timing_params *p, struct hb_err *err)
{
	if (p->hb_interval_ms < 100 || p->sf_interval_ms < 100)
		return hb_err_set(err, "HeartbeatInterval t1=%" PRIu32 " ms and StateFileInterval t2=%" PRIu32
		                  " ms must both be at least 100 ms", p->hb_interval_ms, p->sf_interval_ms);
	if (p->watchdog_timeout_ms < HB_WATCHDOG_MIN_MS || p->watchdog_timeout_ms % 1000u != 0)
		return hb_err_set(err, "WatchdogTimeout W=%" PRIu32 " ms must be a whole number of seconds, at least %u s "
		                  "(watchdogs count seconds; a shorter one reboots healthy hosts on a scheduling hiccup)",
		                  p->watchdog_timeout_ms, HB_WATCHDOG_MIN_MS / 1000u);
	if (p->hb_timeout_ms > S(HB_TIMING_T_MAX_S) || p->sf_timeout_ms > S(HB_TIMING_T_MAX_S) ||
	    p->watchdog_timeout_ms > S(3600) || p->hb_wd_timeout_ms > S(HB_TIMING_LONG_MAX_S) ||
	    p->sf_wd_timeout_ms > S(HB_TIMING_LONG_MAX_S) || p->boot_join_timeout_ms > S(HB_TIMING_LONG_MAX_S) ||
	    p->enable_join_timeout_ms > S(HB_TIMING_LONG_MAX_S))
		return hb_err_set(err, "a timeout is above its limit (T1 and T2 at most %u s, the largest HA timeout T "
		                  "hbagent supports; W at most 3600 s; Wh, Ws, BootJoinTimeout and EnableJoinTimeout at "
		                  "most %u s)", HB_TIMING_T_MAX_S, HB_TIMING_LONG_MAX_S);
	/* intervals longer than their timeouts are refused by check_intervals;
	 * bounded here too so that no sum below can wrap */
	if (p->hb_interval_ms > S(HB_TIMING_T_MAX_S) || p->sf_interval_ms > S(HB_TIMING_T_MAX_S))
		return hb_err_set(err, "HeartbeatInterval t1=%" PRIu32 " ms and StateFileInterval t2=%" PRIu32
		                  " ms must both be at most %u s", p->hb_interval_ms, p->sf_interval_ms, HB_TIMING_T_MAX_S);
	return 0;
}

/* The relations between configured values (each names the values). */
static int check_intervals(const struct hb_timing_params *p, struct hb_err *err)
{
	if (p->hb_timeout_ms < 3u * p->hb_interval_ms)
		return hb_err_set(err, "HeartbeatTimeout T1=%" PRIu32 " ms must be at least 3 x HeartbeatInterval t1=%" PRIu32
		                  " ms = %" PRIu32 " ms, so that two lost heartbeats never remove a host",
		                  p->hb_timeout_ms, p->hb_interval_ms, 3u * p->hb_interval_ms);
	if (p->sf_timeout_ms < 3u * p->sf_interval_ms)
		return hb_err_set(err, "StateFileTimeout T2=%" PRIu32 " ms must be at least 3 x StateFileInterval t2=%" PRIu32
		                  " ms = %" PRIu32 " ms, so that one slow statefile cycle never costs a host its access",
		                  p->sf_timeout_ms, p->sf_interval_ms, 3u * p->sf_interval_ms);
	return 0;
}

static int check_watchdog_bounds(const struct hb_timing *t, struct hb_err *err)
{
	const struct hb_timing_params *p = &t->p;
	if (t->hung_agent_bound_ms > p->hb_wd_timeout_ms)
		return hb_err_set(err, "HeartbeatWatchdogTimeout Wh=%" PRIu32 " ms is shorter than the time a hung agent "
		                  "can live: proof window P=%" PRIu32 " ms + WatchdogTimeout W=%" PRIu32 " ms + slack %" PRIu32
		                  " ms = %" PRIu32 " ms; raise Wh or lower W",
		                  p->hb_wd_timeout_ms, t->proof_window_ms, p->watchdog_timeout_ms, t->watchdog_slack_ms,
		                  t->hung_agent_bound_ms);
	if (t->hung_storage_bound_ms > p->sf_wd_timeout_ms)
		return hb_err_set(err, "StateFileWatchdogTimeout Ws=%" PRIu32 " ms is shorter than the time a host with hung "
		                  "statefile I/O can live: StateFileTimeout T2=%" PRIu32 " ms + P=%" PRIu32 " ms + W=%" PRIu32
		                  " ms + slack %" PRIu32 " ms = %" PRIu32 " ms; raise Ws or lower T2 or W",
		                  p->sf_wd_timeout_ms, p->sf_timeout_ms, t->proof_window_ms, p->watchdog_timeout_ms,
		                  t->watchdog_slack_ms, t->hung_storage_bound_ms);
	if (p->watchdog_timeout_ms < 2u * t->pet_interval_ms + t->tick_ms)
		return hb_err_set(err, "WatchdogTimeout W=%" PRIu32 " ms must cover two pet intervals (%" PRIu32
		                  " ms each) and a decision tick (%" PRIu32 " ms)",
		                  p->watchdog_timeout_ms, t->pet_interval_ms, t->tick_ms);
	return 0;
}

/* Join timeouts only decide how long a start may take before it gives up
 * (xapi then retries), so a short one is a warning. Boot: the pool must have
 * removed this host's previous incarnation first. Enable: every host must be
 * seen on both channels. */
static unsigned join_warnings(const struct hb_timing *t)
{
	const struct hb_timing_params *p = &t->p;
	unsigned w = 0;
	if (p->boot_join_timeout_ms < t->removal_wait_ms + 2u * t->settle_ms)
		w |= HB_TW_BOOT_JOIN_SHORT;
	if (p->enable_join_timeout_ms < max_u32(p->hb_timeout_ms, p->sf_timeout_ms) + 2u * t->settle_ms)
		w |= HB_TW_ENABLE_JOIN_SHORT;
	if (t->sf_io_timeout_ms < HB_IO_DEADLINE_WARN_MS)
		w |= HB_TW_IO_DEADLINE_SHORT;
	return w;
}

/* Relations that hold by construction; asserted so a change to the formulas
 * above that breaks one is caught by every test run. */
static void assert_invariants(const struct hb_timing *t)
{
	const struct hb_timing_params *p = &t->p;
	assert(t->tick_ms > 0 && t->tick_ms <= p->hb_interval_ms && t->tick_ms <= p->sf_interval_ms);
	assert(t->proof_window_ms >= 2u * t->tick_ms);
	assert(t->pet_interval_ms > 0 && 2u * t->pet_interval_ms <= p->watchdog_timeout_ms);
	assert(t->pet_recheck_ms > 0 && t->pet_recheck_ms <= t->pet_interval_ms);
	assert(t->host_stall_max_ms > 0 && t->host_stall_max_ms < p->watchdog_timeout_ms);
	assert(t->sf_stall_max_ms > t->sf_io_timeout_ms && t->crash_typical_ms < t->failover_bound_ms);
	assert(p->sf_interval_ms + 2u * t->sf_io_timeout_ms <= p->sf_timeout_ms);
	assert(t->fence_bound_ms >= max_u32(p->hb_timeout_ms, p->sf_timeout_ms) + t->hung_agent_bound_ms);
	assert((uint64_t)t->removal_wait_ms * 1000000u >= (uint64_t)t->fence_bound_ms * (1000000u + 2u * HB_DRIFT_PPM));
	assert(t->fence_flag_bound_ms >= p->watchdog_timeout_ms);
	assert(t->failover_bound_ms > t->removal_wait_ms);
	/* t2 is capped, never raised; every T the limits admit fits 32 bits
	 * (no sum wrapped: the longest bounds still exceed their parts) */
	assert(p->sf_interval_ms <= t->sf_interval_configured_ms && p->sf_interval_ms <= HB_TIMING_SF_INTERVAL_CAP_MS);
	assert(t->isolation_bound_ms > t->removal_wait_ms && t->isolation_bound_ms > 2u * p->hb_timeout_ms);
	assert(t->agreement_bound_ms > t->isolation_bound_ms && t->agreement_bound_ms > t->failover_bound_ms);
	assert(t->agreement_bound_ms < UINT32_MAX / 2u);
	assert(t->key_switch_ms > 0 && t->key_grace_ms >= 2u * t->key_switch_ms + t->key_switch_ms / 2u);
}

int hb_timing_derive(const struct hb_timing_params *p, struct hb_timing *out, struct hb_err *err)
{
	struct hb_timing t;
	if (check_ranges(p, err) < 0 || check_intervals(p, err) < 0)
		return -1;
	derive_values(p, &t);
	if (check_watchdog_bounds(&t, err) < 0)
		return -1;
	t.warnings = join_warnings(&t);
	assert_invariants(&t);
	*out = t;
	return 0;
}

uint32_t hb_timing_peer_wait(uint32_t bound_ms)
{
	/* saturates instead of wrapping: a wait is never shortened */
	uint64_t w = (uint64_t)bound_ms + drift_margin(bound_ms);
	return w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}
