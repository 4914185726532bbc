/*
 * sim_world.h: the simulated world of hbsim: global time, the event queue,
 * hosts (each running a copy of the real membership core, hb_core.h, with
 * its own drifting monotonic clock and scheduling delay), the network, the
 * shared statefile and the watchdogs, and the script (scenario statements)
 * that drives faults.
 *
 * Global time is in microseconds from the start of the run. Host k's clock
 * reads local_ms = (off_us + t + t * ppm / 1e6) / 1000; cores never see
 * global time. Every table is fixed and allocated once (sim_world_new);
 * a run only resets them.
 *
 * Files: sim_queue.c (event heap), sim_host.c (hosts, clocks, watchdogs,
 * executor of hb_core_out), sim_io.c (network and statefile), sim_world.c
 * (run loop and script), sim_check.c (invariants), sim_expect.c
 * (expectations); their functions are declared in sim_check.h.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "hb_core.h"
#include "hb_key.h"
#include "hb_scenario.h"
#include "hb_slot.h"
#include "hb_timing.h"
#include "hb_types.h"
#include "sim_out.h"
#include "sim_rng.h"
#include "sim_trace.h"

#define SIM_QCAP (1u << 18)      /* pending events */
#define SIM_PKTCAP 32768u        /* packets in flight or queued */
#define SIM_FREEZE_Q 64u         /* packets queued for a frozen host */
#define SIM_MAX_STMTS (HB_SC_MAX_STATEMENTS + 64u)
#define SIM_MAX_WATCH 16u
#define SIM_MAX_SAMPLES 32u
#define SIM_MAX_OPEN_EXPECT 64u
#define SIM_US_PER_MS 1000
#define SIM_NEVER INT64_MAX

/* ---- script -------------------------------------------------------- */

/* Statements beyond the scenario language (hbsim only, `#@` lines). */
enum sim_xkind {
	SX_LANG = 0,        /* st.kind is a hb_sc_kind */
	SX_SET_POOL_STATE,  /* st.host, pool_state */
	SX_LOSS,            /* packet loss, st.weight = per mille */
	SX_END,             /* end of the run (random mode, `#@ at TIME end`) */
	SX_EXPECT_FENCED,   /* expectation: st.hosts = exactly the hosts that fenced so far */
};

struct sim_stmt {
	struct hb_sc_statement st;
	enum sim_xkind x;
	int pool_state;
	bool deferred; /* random mode: at_ms counts from pool formation */
};

/* ---- configuration of one run ------------------------------------- */

struct sim_cfg {
	uint64_t seed;
	bool seed_in_file;          /* a scenario file's `#@ seed N` (its runs' default) */
	bool from_bytes;            /* random, drawn from a fuzzer's input (not from seed) */
	unsigned hosts_max;         /* random: the --hosts-max it was drawn with */
	unsigned n_hosts;
	unsigned n_paths;
	unsigned sector;
	uint32_t T_s;
	/* header overrides of the derivation from T (0 = none), for printing */
	uint32_t hb_interval_ms, hb_timeout_ms, sf_interval_ms, sf_timeout_ms, watchdog_ms;
	struct hb_timing timing;
	uint32_t loss_ppm;
	uint16_t weights[HB_MAX_HOSTS];
	unsigned unsafe;    /* hb_core_config.unsafe: a core broken on purpose (tests) */
	bool wire;          /* packets travel encoded (hb_packet_encode/decode, HMAC) */
	bool random;        /* random mode: formation check, deferred script */
	bool check_quiet_agreement; /* agreement at the end, if quiet long enough */
	/* Test only: the host's decision clock stops while it is suspended (as
	 * CLOCK_MONOTONIC does), instead of counting the suspend (hb_clock). */
	bool broken_suspend_clock;
	char name[256];
};

/* ---- hosts ---------------------------------------------------------- */

enum sim_io_kind { SIO_READ = 0, SIO_SLOT = 1, SIO_GLOBAL = 2, SIO_COUNT = 3 };
enum sim_sf_fault { SF_OK = 0, SF_FAIL, SF_HANG, SF_SLOW };

enum sim_hstate {
	HS_DOWN = 0,
	HS_RUNNING,   /* agent running */
	HS_FENCING,   /* fence requested: guests paused, going down shortly */
	HS_ORPHAN,    /* agent exited with the watchdog armed: host runs until it fires */
};

enum sim_down { DOWN_NONE = 0, DOWN_CRASH, DOWN_FENCE, DOWN_WATCHDOG, DOWN_EXIT };

struct sim_io {
	bool busy;
	bool hung;        /* waits for storage-heal */
	bool overdue;     /* hb_core_on_sf_overdue delivered */
	bool held;        /* completed while frozen: deliver at thaw */
	bool torn;
	int err;
	uint32_t token;
	hb_mono_ms submit_local;
	int64_t submit_us;
	int64_t done_us;  /* completion scheduled at (global), SIM_NEVER while hung */
	uint8_t block[HB_SF_BLOCK_SIZE]; /* write payload */
};

struct sim_host {
	unsigned idx;
	enum sim_hstate state;
	uint32_t inc;            /* incarnation: +1 per agent start (the simulator's own count) */
	uint64_t boot_id;        /* the core's boot id of this incarnation */
	uint64_t last_boot_id;   /* persisted on the host's disk: the last boot id used */
	struct hb_core *core;
	int32_t ppm;
	int64_t off_us;
	int64_t wall_off_us;     /* wall clock = off + global time; clock-step moves it */
	int64_t wake_us;         /* earliest pending wake-up, SIM_NEVER none */
	/* watchdog and feeder */
	bool wd_armed;
	bool wd_disarmed;        /* this incarnation disarmed after arming */
	bool wd_ev_pending;
	hb_mono_ms wd_last_pet;
	bool pet_at_thaw;          /* the feeder's sleep ended during a freeze: it looks at the thaw */
	int64_t thawed_us;         /* the last thaw (global), SIM_NEVER none */
	hb_mono_ms healthy_until;
	int64_t wd_lag_ms;       /* timer granularity, in [0, slack] */
	/* freeze (and suspend: a freeze during which the watchdog timer stops) */
	bool frozen;
	bool suspended;
	int64_t frozen_since_us;
	int64_t thaw_us;
	unsigned fq_n;
	unsigned fq_dropped;
	uint32_t fq[SIM_FREEZE_Q];
	/* statefile faults of this host (kept across boots) */
	enum sim_sf_fault sf_fault;
	int64_t sf_slow_us;
	bool torn_next;
	struct sim_io io[SIO_COUNT];
	/* its last heartbeat, for forge-heartbeat */
	bool sent_any;
	struct hb_packet last_pkt;
	/* propose-master in progress */
	bool proposing;
	int propose_stmt;
	int64_t propose_start_us;
	/* last observed status, for the checks */
	enum hb_phase phase;
	hb_hostmap liveset;
	int master;
	bool i_am_master;
	bool armed_seen;         /* the core's own armed flag */
	uint64_t member_boot[HB_MAX_HOSTS];
	/* (e): the last moment (global) anyone heard this incarnation: a peer
	 * accepted its heartbeat or saw its slot advance, or its own read
	 * confirmed its own write */
	int64_t heard_us;
	int64_t last_ok_write_us; /* submission of its last successful slot write */
	int64_t last_ok_read_us;  /* completion of its last read that returned its own slot */
	int64_t forged_claim_us;  /* a forged Stopped or Fencing record of it landed in its slot, -1 none */
	int64_t sf_bad_since_us;  /* its storage fault began (-1: none now) */
	hb_mono_ms healthy_seen;  /* healthy_until last returned by the core */
	/* lifecycle */
	int64_t boot_us;
	int64_t online_us;       /* when it last went Online, -1 never */
	int fence_judged;        /* (d) at its decision to fence: 1 legitimate, 0 not, -1 not judged */
	enum sim_down down_why;
	int exit_code;
	int64_t down_us;
	bool ever_fenced;
	int64_t stop_at;         /* (d) its clean stop began, -1 none */
	bool stop_unheard;       /* a cut hid its stop announcement from some host */
};

/* ---- network and statefile ------------------------------------------ */

/* Quality of one directed link on one path (loss, duplicate, delay, replay
 * statements); all zero = a perfect link. */
struct sim_linkq {
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	int64_t delay_us;
	int64_t jitter_us;
	int64_t replay_us;   /* every packet delivered again this much later; 0 = no */
};

struct sim_pkt {
	struct hb_packet pkt;
	uint8_t wire[HB_PACKET_SIZE];   /* cfg.wire: the datagram */
	uint32_t refs;
	uint32_t next_free;
	uint8_t path;
};

struct sim_block {
	uint8_t bytes[HB_SF_BLOCK_SIZE];
	uint64_t version;     /* +1 per landed write */
	uint64_t dec_version; /* version the decoded copy is of */
	enum hb_reject rej;
};

struct sim_store {
	struct sim_block global;
	struct hb_global global_dec;
	struct sim_block slot[HB_MAX_HOSTS];
	struct hb_slot slot_dec[HB_MAX_HOSTS];
};

/* ---- checks --------------------------------------------------------- */

enum sim_fault_bit {
	FB_CRASH = 1u << 0,
	FB_BOOT = 1u << 1,
	FB_SHUTDOWN = 1u << 2,
	FB_FREEZE_SHORT = 1u << 3,
	FB_FREEZE_LONG = 1u << 4,
	FB_NET = 1u << 5,
	FB_NET_HEAL = 1u << 6,
	FB_SF_ALL = 1u << 7,
	FB_SF_ONE = 1u << 8,
	FB_SF_HEAL = 1u << 9,
	FB_TORN = 1u << 10,
	FB_OTHER = 1u << 11,  /* disarm, weights, pool state */
	FB_NETQ = 1u << 12,   /* loss, duplicate, delay, replay */
	FB_CLOCK = 1u << 13,  /* clock-step */
	FB_SUSPEND = 1u << 14,
	FB_RESTART = 1u << 15,/* restart-agent */
	FB_FORGE = 1u << 16,  /* forge-slot, forge-heartbeat */
	FB_NETQ_MILD = 1u << 17, /* loss below SIM_BAD_LOSS_PPM: no heartbeat proof at stake */
	/* Statements that break nothing: a failover watch survives them, and a
	 * history of them counts as no fault for a new watch. (A repair while a
	 * watch runs repairs nothing: any fault since would have ended it.) */
	FB_REPAIR = FB_NET_HEAL | FB_SF_HEAL | FB_NETQ_MILD,
};
#define SIM_BAD_LOSS_PPM 50000u /* 5 %: a link this lossy may break a host's proof */
#define FB_RULE2 (FB_SF_ALL | FB_SF_HEAL)

/* A failover being timed: every survivor must drop every victim. */
struct sim_watch {
	bool active;
	bool net;              /* network fault (losers), else crash */
	hb_hostmap victims;
	uint32_t victim_inc[HB_MAX_HOSTS];
	int64_t start_us;
	int64_t deadline_us;
	uint32_t bound_ms;
	int stmt;
};

enum sim_check_id {
	CK_REMOVAL = 0,   /* (a) removal means fenced */
	CK_MASTER,        /* (b) at most one master */
	CK_AGREEMENT,     /* (c) agreement once faults stop */
	CK_MIN_FENCE,     /* (d) minimal fencing */
	CK_FAILOVER,      /* (e) failover within the bound */
	CK_HUNG,          /* (f) a hung agent is fenced by its watchdog */
	CK_HEALTHY,       /* (g) healthy_until within the proof window */
	CK_PROPOSE,       /* propose-master answered within its bound */
	CK_IO,            /* the core broke the one-I/O-in-flight contract */
	CK_WIRE,          /* a packet the encoder wrote did not decode */
	CK_STARTUP,       /* random mode: the pool did not form */
	CK_RENEW,         /* (e) healthy_until renewed too long after anyone heard the host */
	CK_REPORTED,      /* (b) a host reports as master a running host that is not the holder */
	CK_COUNT
};

struct sim_check {
	unsigned fault_mask;
	int64_t last_fault_us;
	int64_t quiet_checked_us;   /* last_fault_us of the quiet period last checked */
	/* (d) per fault: the last moment a fault touched each host (made its
	 * fence legitimate), -1 never; and the hosts touched now */
	int64_t touched_us[HB_MAX_HOSTS];
	bool rule2_broken;          /* storage lost by all and a further failure since */
	int64_t bad_since[HB_MAX_HOSTS][HB_MAX_HOSTS]; /* link a-b (either way) cut or bad since, -1 good */
	int64_t cut_origin[HB_MAX_HOSTS][HB_MAX_HOSTS]; /* ... the start of its last cut, kept while good */
	int64_t good_at[HB_MAX_HOSTS][HB_MAX_HOSTS];    /* ... good again since (after that cut) */
	bool sf_all_faulty;         /* every running host's storage is faulty */
	bool formed;
	int64_t formed_us;
	hb_hostmap no_fence;        /* these hosts must not fence (winner of a lone network fault) */
	bool no_fence_active;
	struct sim_watch watch[SIM_MAX_WATCH];
	uint32_t samples[SIM_MAX_SAMPLES]; /* failover times, ms */
	unsigned n_samples;
	int open[SIM_MAX_OPEN_EXPECT];     /* statement indexes */
	int64_t open_end[SIM_MAX_OPEN_EXPECT];
	unsigned n_open;
	unsigned expects;
	unsigned met;
	unsigned violations;
	unsigned residuals;         /* removals of the documented residual case (docs/design.md) */
	enum sim_check_id first;
};

/* ---- events --------------------------------------------------------- */

enum sim_ev_kind {
	EV_STMT,      /* a = statement index */
	EV_WAKE,      /* host: poll the core */
	EV_PACKET,    /* host = receiver, a = packet slot, b = 1 replay (any incarnation) */
	EV_IO_DONE,   /* a = io kind, b = token */
	EV_OVERDUE,   /* a = io kind, b = token */
	EV_PET,       /* feeder period */
	EV_WATCHDOG,  /* the watchdog timer may have expired */
	EV_DOWN,      /* end of fencing: the host is down */
	EV_THAW,
	EV_PROPOSE,   /* retry propose-master, a = statement */
	EV_EXPECT_END,/* a = statement index: its window closes */
	EV_CHECK,     /* a = enum sim_check_id, b = parameter */
	EV_FORM_POLL, /* random mode: has the pool formed? */
	EV_QUIET,     /* a = last_fault_us it was scheduled for: agreement after a quiet period */
	EV_AGENT_START, /* host: restart-agent's new agent starts */
	EV_END,
};

struct sim_ev {
	int64_t t_us;
	uint64_t seq;
	int64_t a;
	int64_t b;
	uint32_t inc;    /* incarnation the event belongs to (host events) */
	uint8_t kind;
	uint8_t host;
};

/* ---- the world -------------------------------------------------------- */

struct sim_world {
	struct sim_cfg cfg;
	unsigned max_hosts;      /* tables sized for this many */
	hb_uuid uuids[HB_MAX_HOSTS];
	hb_uuid generation;
	struct hb_key key;       /* derived from the generation, as without PoolKeyFile */
	struct hb_wire_pool wire_pool;
	struct sim_rng rng;      /* world randomness: delays, loss, drift */
	int64_t now_us;
	int64_t end_us;
	uint64_t seq;
	uint64_t events;
	bool stop;
	/* queue */
	struct sim_ev *heap;
	size_t heap_n;
	/* packets */
	struct sim_pkt *pkts;
	uint32_t pkt_free;
	/* hosts, network, statefile */
	struct sim_host hosts[HB_MAX_HOSTS];
	uint32_t boot_counter[HB_MAX_HOSTS];
	hb_hostmap link[HB_MAX_PATHS][HB_MAX_HOSTS]; /* link[p][src]: bit dst = up */
	struct sim_linkq (*linkq)[HB_MAX_HOSTS][HB_MAX_HOSTS]; /* [path][src][dst] */
	bool netq_active;        /* some link has a loss, duplicate, delay or replay */
	uint64_t pkts_dropped;   /* packet pool exhausted: dropped (counted) */
	struct sim_store *store;
	struct hb_sf_read *readbuf;
	unsigned char *core_mem;
	size_t core_size;
	/* script */
	struct sim_stmt *stmts;
	size_t n_stmts;
	/* checks, trace, report */
	struct sim_check chk;
	hb_hostmap fenced_ever;  /* hosts that fenced (any incarnation) this run */
	struct sim_trace trace;
	struct sim_out *out;
	int last_stmt;           /* index of the statement in force, -1 none */
	bool print_expect;       /* scenario mode: print met / NOT MET lines */
};

/* sim_world.c */
struct sim_world *sim_world_new(unsigned max_hosts, struct sim_out *out);
void sim_world_free(struct sim_world *w);
/* Reset every table for a new run with this configuration and script. */
int sim_world_reset(struct sim_world *w, const struct sim_cfg *cfg, size_t n_stmts);
/* Run to the end (or the first violation). Returns the violation count. */
unsigned sim_world_run(struct sim_world *w);
void sim_stmt_format(const struct sim_world *w, int idx, char *buf, size_t len);
void sim_world_print_script(const struct sim_world *w, struct sim_out *o);
void sim_world_write_scenario(const struct sim_world *w, struct sim_out *o, int64_t end_ms);
void sim_replay_flags(const struct sim_world *w, char *buf, size_t len);
/* Random mode: the pool formed; schedule the statements that wait for it. */
void sim_world_start_deferred(struct sim_world *w);

/* sim_queue.c */
void sim_q_push(struct sim_world *w, int64_t t_us, enum sim_ev_kind kind, int host, int64_t a, int64_t b);
bool sim_q_pop(struct sim_world *w, struct sim_ev *out);

/* sim_host.c */
hb_mono_ms sim_local_ms(const struct sim_host *h, int64_t t_us);
int64_t sim_global_at(const struct sim_host *h, hb_mono_ms local, int64_t not_before_us);
int64_t sim_sched_delay(struct sim_world *w);
bool sim_host_alive(const struct sim_host *h);  /* running, fencing or orphan */
void sim_host_boot(struct sim_world *w, unsigned idx);
void sim_host_down(struct sim_world *w, unsigned idx, enum sim_down why);
void sim_host_crash(struct sim_world *w, unsigned idx);
void sim_host_freeze(struct sim_world *w, unsigned idx, int64_t dur_us);
void sim_host_suspend(struct sim_world *w, unsigned idx, int64_t dur_us);
void sim_host_restart_agent(struct sim_world *w, unsigned idx);
void sim_host_clock_step(struct sim_world *w, unsigned idx, int64_t step_us);
void sim_host_event(struct sim_world *w, const struct sim_ev *ev);
/* Deliver a command to a running core and execute its output. */
void sim_host_after(struct sim_world *w, struct sim_host *h, hb_mono_ms now);
bool sim_host_can_take(const struct sim_host *h);
void sim_host_propose(struct sim_world *w, unsigned idx, int stmt);

/* sim_io.c */
void sim_net_heal(struct sim_world *w);
void sim_net_isolate(struct sim_world *w, unsigned h);
void sim_net_partition(struct sim_world *w, const hb_hostmap *groups, unsigned n_groups);
void sim_net_cut(struct sim_world *w, unsigned from, unsigned to);
/* loss, duplicate, delay, replay: set on the links the statement names. */
void sim_net_quality(struct sim_world *w, const struct hb_sc_statement *st);
enum sim_link_state { SIM_LINK_GOOD, SIM_LINK_FLAKY, SIM_LINK_CUT };
/* What the survival rules can make of the link from -> to (the
 * minimal-fencing oracle). */
enum sim_link_state sim_net_link_state(const struct sim_world *w, unsigned from, unsigned to);
/* A datagram from someone with the pool key (forge-heartbeat): to host `to`
 * (or every host when to < 0) on every path, whatever the links. */
void sim_net_inject(struct sim_world *w, const struct hb_packet *pkt, int to);
/* Someone other than the host writes its slot (forge-slot). */
void sim_store_forge_slot(struct sim_world *w, unsigned idx, const struct hb_slot *s);
bool sim_net_up(const struct sim_world *w, unsigned path, unsigned from, unsigned to);
void sim_net_send(struct sim_world *w, struct sim_host *h, const struct hb_packet *pkt);
/* The packet in slot as the receiver sees it (decoded into *tmp with
 * cfg.wire); NULL when the datagram was rejected. */
const struct hb_packet *sim_pkt_get(struct sim_world *w, uint32_t slot, unsigned *path, struct hb_packet *tmp);
void sim_pkt_put(struct sim_world *w, uint32_t slot);
void sim_store_init(struct sim_world *w);
void sim_io_submit(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind, const void *rec);
void sim_io_complete(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind);
void sim_io_storage_heal(struct sim_world *w, struct sim_host *h);
void sim_io_host_down(struct sim_world *w, struct sim_host *h);
const struct hb_slot *sim_store_slot(struct sim_world *w, unsigned idx, enum hb_reject *rej);


#endif
