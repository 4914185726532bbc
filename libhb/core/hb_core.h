/*
 * hb_core.h: the membership core of one host: a pure state machine.
 *
 * It owns the liveset, the survival rules, fencing decisions, joining, the
 * master lock and the watchdog deadline. It does no I/O and has no clock of
 * its own: an executor (the daemon, or the simulator hbsim) gives it the
 * current monotonic time with every call, feeds it events (heartbeats,
 * statefile results, commands) and, after each call, asks hb_core_poll() what
 * to do: send a heartbeat, write the own slot or the global block, read the
 * statefile, the new healthy_until for the watchdog feeder, fence now, exit.
 * docs/design.md explains the algorithm and why it is safe.
 *
 * The core keeps fixed tables sized for HB_MAX_HOSTS and never allocates.
 */
#ifndef HB_CORE_H
#define HB_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include "hb_slot.h"
#include "hb_timing.h"
#include "hb_types.h"
#include "hb_wire.h"

struct hb_core_config {
	unsigned n_hosts;
	unsigned self;               /* my host index */
	const hb_uuid *host_uuids;   /* n_hosts entries, by index (copied) */
	hb_uuid generation;
	unsigned n_paths;            /* heartbeat paths, 1..HB_MAX_PATHS */
	struct hb_timing timing;     /* derived and checked (hb_timing_derive) */
	uint16_t weight;             /* >= 1 */
	uint64_t boot_id;            /* my incarnation: larger than any before */
	struct hb_last_words last_words; /* carried from my slot across reboots */
	/* Test only: enum hb_core_unsafe bits, each breaking one safety rule on
	 * purpose, so that a test proves the simulator's checks catch such a
	 * core. Never set outside tests. */
	unsigned unsafe;
};

/* The rules a test may break on purpose (hb_core_config.unsafe), each the
 * one a check of hbsim must catch (docs/simulator.md). */
enum hb_core_unsafe {
	HB_UNSAFE_SKIP_REMOVAL_WAIT = 1u << 0, /* drop a member once it is not heard: removal-means-fenced */
	HB_UNSAFE_FORM_FROM_HEARD = 1u << 1,   /* form the first liveset from the hosts I hear: two livesets */
	HB_UNSAFE_LOCK_FORGETS_STALE = 1u << 2,/* a member with a stale slot counts as not requesting the lock */
	HB_UNSAFE_NEVER_ADMIT = 1u << 3,       /* members never add a host that joined: no agreement */
	HB_UNSAFE_RULE2_OFF = 1u << 4,         /* no survival rule 2: minimal fencing */
	HB_UNSAFE_STALE_ACCESS = 1u << 5,      /* statefile access never expires: renew after silence */
	HB_UNSAFE_ALL = (1u << 6) - 1u
};
/* "skip-removal-wait" ... ; the bit for a name, 0 when unknown. */
unsigned hb_core_unsafe_parse(const char *name);
const char *hb_core_unsafe_name(unsigned bit);

/* One statefile read batch, decoded by the executor. */
struct hb_sf_read {
	hb_mono_ms submitted_at;
	int global_err;                   /* 0 ok, else -errno (I/O) */
	enum hb_reject global_reject;     /* when global_err == 0 */
	struct hb_global global;
	int slot_err[HB_MAX_HOSTS];       /* 0 ok, else -errno */
	enum hb_reject slot_reject[HB_MAX_HOSTS];
	struct hb_slot slots[HB_MAX_HOSTS];
};

enum hb_sf_io_kind { HB_SF_IO_READ = 0, HB_SF_IO_WRITE = 1 };

/* What the executor must do after a call. */
struct hb_core_out {
	bool send;                 /* send `packet` to every peer on every path */
	struct hb_packet packet;   /* path is set by the executor per path */
	bool write_slot;           /* submit a write of `slot` to my slot */
	struct hb_slot slot;
	bool write_global;         /* submit a write of `global` to block 0 */
	struct hb_global global;
	bool read;                 /* submit a read batch of block 0 and every slot */
	hb_mono_ms healthy_until;  /* feed the watchdog only while now < this */
	bool arm;                  /* the watchdog must be armed (Online) */
	bool disarm;               /* disarm the watchdog (maintenance, stop, pool invalid) */
	bool fence;                /* fence now: pause guests, reboot */
	enum hb_fence_reason fence_reason;
	bool exit;                 /* stop the agent with exit_code (hb_exit.h) */
	int exit_code;
	hb_mono_ms next_wakeup;    /* call hb_core_poll again no later than this */
};

enum hb_propose_result { HB_PROPOSE_PENDING = 0, HB_PROPOSE_TRUE = 1, HB_PROPOSE_FALSE = 2 };

/* What a starting or joining host waits for before it goes Online (the
 * latest evaluation's answer; HB_START_NONE once Online or before the first
 * evaluation). Reported by status and named when the agent gives up. */
enum hb_start_wait {
	HB_START_NONE = 0,
	HB_START_STATEFILE,            /* no valid read of the statefile yet */
	HB_START_PREVIOUS_INCARNATION, /* my previous incarnation is still a member */
	HB_START_JOIN_ACKS,            /* the members have not all admitted me */
	HB_START_ALL_HOSTS,            /* a new (Init) pool forms with every host only */
	HB_START_OTHERS,               /* Active pool: half of Tboot for the others */
	HB_START_SLOT_UNSURE,          /* a slot shows a host neither live nor gone yet */
	HB_START_AGREEMENT,            /* the candidates' proposals are not yet the same */
	HB_START_WAIT_COUNT
};
/* "statefile", "join-acks", ... and one sentence for a human. */
const char *hb_start_wait_name(enum hb_start_wait w);
const char *hb_start_wait_text(enum hb_start_wait w);

/* A read-only summary for status output and the simulator's checks. */
struct hb_core_status {
	enum hb_phase phase;
	hb_hostmap liveset;        /* published liveset (empty until Online) */
	uint64_t epoch;
	int master;                /* index of the host I see holding the lock, -1 none */
	bool i_am_master;          /* I hold the lock (propose returned TRUE) */
	bool armed;
	bool sf_access;
	bool rule2;                /* survival rule 2 in force */
	bool excluded;
	enum hb_pool_state pool_state;
	hb_hostmap hb_heard;
	hb_hostmap sf_seen;
	hb_mono_ms healthy_until;
	hb_mono_ms last_heard[HB_MAX_HOSTS];          /* any path, -1 never */
	hb_mono_ms last_heard_path[HB_MAX_HOSTS][HB_MAX_PATHS];
	hb_mono_ms last_sf_advance[HB_MAX_HOSTS];     /* -1 never */
	uint64_t member_boot_id[HB_MAX_HOSTS];        /* incarnation of each liveset member */
	uint64_t dropped[HB_REJECT_COUNT];            /* packets refused by the core */
	/* Heartbeat latency: gaps between consecutive heartbeats of live peers
	 * since the last hb_core_reset_latency (-1 = none yet). */
	hb_mono_ms hb_gap_min, hb_gap_max, hb_gap_last;
	/* Never Online yet: what I wait for (or waited for, when I gave up), the
	 * hosts it concerns, and when I give up (started + Tboot, or Tenable in
	 * an Init pool). */
	enum hb_start_wait start_wait;
	enum hb_reject global_reject; /* why the latest global block did not decode */
	hb_uuid foreign_generation;   /* ... wrong_generation: the generation it holds */
	hb_hostmap start_waiting;
	hb_mono_ms start_gives_up_at;
	/* Peers whose advertised T1, T2 or fence bound differ from mine: their
	 * configs differ (a typo in one host's xhad.conf). */
	hb_hostmap timing_mismatch;
};

/* How the latest statefile read of a host's slot went. */
enum hb_core_slot_read {
	HB_CORE_SLOT_UNREAD = 0,   /* no read completed yet */
	HB_CORE_SLOT_VALID = 1,
	HB_CORE_SLOT_CORRUPT = 2,  /* read, did not decode */
	HB_CORE_SLOT_IO_ERROR = 3
};

struct hb_core; /* opaque; size from hb_core_size() */

size_t hb_core_size(void);
/* Start a core at time now, in phase STARTING. cfg must be valid (asserted). */
void hb_core_init(struct hb_core *c, const struct hb_core_config *cfg, hb_mono_ms now);

/* Events. now must never go backwards across calls (asserted). */
void hb_core_on_packet(struct hb_core *c, hb_mono_ms now, const struct hb_packet *pkt, unsigned path);
void hb_core_on_sf_read(struct hb_core *c, hb_mono_ms now, const struct hb_sf_read *r);
/* err 0 = written, else -errno. For the slot or the global block. */
void hb_core_on_sf_write(struct hb_core *c, hb_mono_ms now, bool global_block, int err);
/* The executor declares an in-flight I/O overdue (past the I/O deadline):
 * from now on the statefile counts as lost for this host. The executor still
 * delivers the late completion (on_sf_read / on_sf_write) when it is reaped:
 * the core then discards its data and only then asks for a new I/O of that
 * kind, so a buffer is never reused while the kernel may still write it. */
void hb_core_on_sf_overdue(struct hb_core *c, hb_mono_ms now, enum hb_sf_io_kind kind);

/* Commands (control socket, scenario). */
enum hb_propose_result hb_core_propose_master(struct hb_core *c, hb_mono_ms now);
void hb_core_disarm(struct hb_core *c, hb_mono_ms now);
void hb_core_arm(struct hb_core *c, hb_mono_ms now);
/* Clean shutdown: disarm, publish excluded + STOPPED, then exit 0. */
void hb_core_shutdown(struct hb_core *c, hb_mono_ms now);
/* The same clean leave, exiting 19 (SET_EXCLUDED) as xhad's set_excluded. */
void hb_core_set_excluded(struct hb_core *c, hb_mono_ms now);
/* Clear my excluded flag (published from the next heartbeat and write). */
void hb_core_clear_excluded(struct hb_core *c, hb_mono_ms now);
void hb_core_set_weight(struct hb_core *c, hb_mono_ms now, uint16_t weight);
/* An executor's supervisor decided this host must go (xapi supervision):
 * the same fence path as a lost partition (last words with reason and text,
 * the fencing flag on the network, the watchdog); only while Online and
 * armed, else ignored. */
void hb_core_fence(struct hb_core *c, hb_mono_ms now, enum hb_fence_reason reason, const char *text);
/* Request a pool-state change written to the global block. */
void hb_core_set_pool_state(struct hb_core *c, hb_mono_ms now, enum hb_pool_state state);

/* After any event, and at out->next_wakeup at the latest. */
void hb_core_poll(struct hb_core *c, hb_mono_ms now, struct hb_core_out *out);

void hb_core_status(const struct hb_core *c, hb_mono_ms now, struct hb_core_status *out);
/* Start a new heartbeat-latency period (xhad resets on each liveset query). */
void hb_core_reset_latency(struct hb_core *c);
/* k's view from its latest accepted heartbeat, NULL if never heard (or k is me). */
const struct hb_view *hb_core_peer_net_view(const struct hb_core *c, unsigned k);
/* k's latest slot that decoded, NULL if none; *state (may be NULL) says how
 * the latest read of that slot went. */
const struct hb_slot *hb_core_peer_slot(const struct hb_core *c, unsigned k, enum hb_core_slot_read *state);
/* Why k's slot did not decode at the latest read (HB_REJECT_NONE otherwise). */
enum hb_reject hb_core_peer_slot_reject(const struct hb_core *c, unsigned k);
/* Cheap accessors (no status copy), for executors and the simulator's
 * checks: when I last took a heartbeat of k, when I last took a packet of
 * k's member incarnation as its sign of life (adopted or not: my removal
 * wait runs from it, and I echo its token), when I last saw k's slot
 * advance, and the submission time of my last write seen in a read (-1
 * never). */
hb_mono_ms hb_core_peer_heard_at(const struct hb_core *c, unsigned k);
hb_mono_ms hb_core_peer_net_sign_at(const struct hb_core *c, unsigned k);
hb_mono_ms hb_core_peer_seen_at(const struct hb_core *c, unsigned k);
hb_mono_ms hb_core_confirmed_at(const struct hb_core *c);

#endif
