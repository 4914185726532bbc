/*
 * hb_timing.h: the timing model. The one place where every interval, timeout,
 * watchdog timeout, decision wait, fence bound and failover bound is derived
 * and where the relations that safety needs are checked.
 *
 * Inputs are the configured values (xhad.conf <parameters>, whole seconds
 * there, milliseconds here) or a single HA timeout T derived the way xapi does.
 * Pure arithmetic: no I/O, no clock. docs/timing.md explains every formula.
 */
#ifndef HB_TIMING_H
#define HB_TIMING_H

#include <stdbool.h>
#include <stdint.h>
#include "hb_err.h"

/* Clock-rate drift allowed between any two hosts' monotonic clocks. */
#define HB_DRIFT_PPM 200u

/* The largest HA timeout T (seconds) hbagent supports, and so the limit of
 * HeartbeatTimeout T1 and StateFileTimeout T2: every bound derived from
 * T1 = T2 = T (the longest, the agreement bound, is about 3.7 T) fits
 * in 31-bit milliseconds (a signed int). xapi sets no upper limit; a
 * larger T is refused with a message that names this one. */
#define HB_TIMING_T_MAX_S 500000u
/* The smallest HA timeout T whose xapi derivation the agent accepts: below
 * it T2 = T < 3 x t2 = 6 s (t2 = max(2, T/20)). hbctl timeouts -T takes
 * HB_TIMING_T_MIN_S..HB_TIMING_T_MAX_S; hb_timing_params_from_T derives from
 * 4 up, for callers that override t2 (scaled test pools, hbsim). */
#define HB_TIMING_T_MIN_S 6u
/* Wh, Ws, BootJoinTimeout and EnableJoinTimeout: xapi writes T, T + 15 and
 * T + 60 */
#define HB_TIMING_LONG_MAX_S (HB_TIMING_T_MAX_S + 3600u)
/* The longest a host keeps sending with the old key after it saw a rotated
 * pool secret: every host must see the new secret within this of the first
 * (docs/operations.md, rotating the pool secret). */
#define HB_TIMING_KEY_SWITCH_MAX_MS 600000u
/* A StateFileInterval t2 above this is used as this: xapi writes T / 20,
 * which passes 60 s from T = 1220 on, and a host's slot write would then be
 * read by the others only minutes later (a join, a stop or a fencing flag
 * would wait that long). Writing more often is always safe: the relation
 * T2 >= 3 t2 is checked on the configured value and only gets easier. */
#define HB_TIMING_SF_INTERVAL_CAP_MS 60000u

/* The configured values, in milliseconds (xha.md section 8 names). */
struct hb_timing_params {
	uint32_t hb_interval_ms;        /* HeartbeatInterval t1 */
	uint32_t hb_timeout_ms;         /* HeartbeatTimeout T1 */
	uint32_t sf_interval_ms;        /* StateFileInterval t2 */
	uint32_t sf_timeout_ms;         /* StateFileTimeout T2 */
	uint32_t hb_wd_timeout_ms;      /* HeartbeatWatchdogTimeout Wh: upper bound on a hung agent's life */
	uint32_t sf_wd_timeout_ms;      /* StateFileWatchdogTimeout Ws: upper bound under hung storage */
	uint32_t watchdog_timeout_ms;   /* WatchdogTimeout W (extension): the hardware timer */
	uint32_t boot_join_timeout_ms;  /* BootJoinTimeout Tboot */
	uint32_t enable_join_timeout_ms;/* EnableJoinTimeout Tenable */
	uint32_t xapi_hc_interval_ms;   /* XapiHealthCheckInterval */
	uint32_t xapi_hc_timeout_ms;    /* XapiHealthCheckTimeout T3 */
	uint32_t xapi_restart_timeout_ms;/* XapiRestartTimeout */
	uint32_t xapi_restart_attempts; /* XapiRestartAttempts (a count) */
};

/* Everything derived from the parameters. All durations in milliseconds. */
struct hb_timing {
	struct hb_timing_params p;    /* as used: t2 capped (HB_TIMING_SF_INTERVAL_CAP_MS) */
	uint32_t sf_interval_configured_ms; /* t2 as configured, before the cap */
	uint32_t tick_ms;             /* period of the decision evaluation */
	uint32_t proof_window_ms;     /* P: healthy_until = last proof + P */
	uint32_t pet_interval_ms;     /* feeder pets the watchdog this often */
	uint32_t pet_recheck_ms;      /* a feeder that found healthy_until behind it looks again
	                               * this soon: a renewal after a stall is petted at once */
	uint32_t watchdog_slack_ms;   /* allowance for watchdog timer granularity */
	uint32_t sf_io_timeout_ms;    /* one statefile I/O past this is overdue */
	uint32_t sf_cycle_ms;         /* t2 + I/O deadline + tick: a slot write is read within it */
	uint32_t settle_ms;           /* consistent views must be unchanged this long to act */
	uint32_t settle_inconsistent_ms; /* inconsistent views (one-way cut) need this long */
	uint32_t sf_loss_grace_ms;    /* after losing statefile access, wait this long for the
	                               * others to lose it too (rule 2) before giving up */
	uint32_t sf_regain_grace_ms;  /* a peer that regained statefile access does not break
	                               * my rule-2 proof for this long: my own stuck I/O may need
	                               * its deadline to come back */
	uint32_t send_gap_ms;         /* least gap between two heartbeats sent early on a change */
	uint32_t last_words_wait_ms;  /* a loser waits at most this for its last-words write */
	uint32_t stop_confirm_ms;     /* a clean stop seen on heartbeats alone is believed after this */
	uint32_t stop_announce_ms;    /* a clean stop is announced until every member echoed it, at most this */
	uint32_t drift_margin_ms;     /* 2 * rho * fence bound, rounded up */
	uint32_t fence_bound_ms;      /* F: longest a silent host can still run after last heard */
	uint32_t fence_flag_bound_ms; /* longest a host runs after writing its fencing flag */
	uint32_t flag_wait_ms;        /* a fencing flag in a slot alone is believed this long (plus
	                               * drift) after it was read: the flag bound, plus a cycle in
	                               * which its host would read a forged flag back and fence (or
	                               * find its read overdue), plus P */
	uint32_t removal_wait_ms;     /* F + drift margin: peers wait this after last sign of life */
	uint32_t detect_ms;           /* crash -> a survivor notices the silence */
	uint32_t failover_bound_ms;   /* crash or isolation -> every survivor's liveset drops it */
	uint32_t failover_typical_ms; /* loser that can still write, with fencing flag */
	uint32_t isolation_bound_ms;  /* isolated (or cut) host -> every survivor drops it */
	uint32_t hung_agent_bound_ms; /* hung agent -> its watchdog fires (must be <= Wh) */
	uint32_t hung_storage_bound_ms;/* hung statefile, network cut too -> watchdog fires (<= Ws) */
	uint32_t hung_storage_decide_ms;/* hung statefile, network whole, peers fine -> it fences itself */
	uint32_t crash_typical_ms;    /* crash -> survivors drop it, typically (last sign of life
	                               * about the crash itself) */
	uint32_t host_stall_max_ms;   /* a whole-host (dom0) stall shorter than this is survived */
	uint32_t sf_stall_max_ms;     /* one host's statefile I/O stalled shorter than this, the
	                               * network whole and the others' storage fine, is survived */
	uint32_t warn_hb_ms;          /* heartbeat approaching timeout warning at T1/2 */
	uint32_t warn_sf_ms;          /* statefile approaching timeout warning at T2/2 */
	uint32_t lock_wait_ms;        /* propose-master never waits longer */
	uint32_t agreement_bound_ms;  /* faults stop -> every member publishes the same liveset and master */
	uint32_t key_switch_ms;       /* a new pool secret is sent with this long after it is seen
	                               * (the old one until then); hb_keyring.h */
	uint32_t key_grace_ms;        /* the old key is accepted this long after the new one is seen */
	unsigned warnings;            /* enum hb_timing_warning bits */
};

/* Relations that affect liveness, not safety: reported, never refused. */
enum hb_timing_warning {
	HB_TW_IO_DEADLINE_SHORT = 1u << 0,  /* multipath failover may exceed the I/O deadline */
	HB_TW_BOOT_JOIN_SHORT = 1u << 1,    /* a quick reboot may fail to join once */
	HB_TW_ENABLE_JOIN_SHORT = 1u << 2,  /* enabling may time out before every host is seen */
	HB_TW_ALL = (1u << 3) - 1u
};

/* xhad's defaults (xha.md section 8), watchdog 5 s. */
void hb_timing_params_default(struct hb_timing_params *out);
/* xapi's derivation from one HA timeout T (seconds, 4 <= T <= HB_TIMING_T_MAX_S;
 * xapi itself requires T >= 10). */
int hb_timing_params_from_T(uint32_t T_s, struct hb_timing_params *out, struct hb_err *err);
/* Derive and check. On an unsafe relation returns -1 and names the values.
 * out->p is what the agent uses: p, with t2 capped at
 * HB_TIMING_SF_INTERVAL_CAP_MS (out->sf_interval_configured_ms keeps p's). */
int hb_timing_derive(const struct hb_timing_params *p, struct hb_timing *out, struct hb_err *err);
/* The wait before removing a host that advertised bound_ms (its fence bound,
 * or its fencing-flag bound): bound * (1 + 2 rho), rounded up. */
uint32_t hb_timing_peer_wait(uint32_t bound_ms);

#endif
