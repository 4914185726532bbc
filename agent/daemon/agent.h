/*
 * agent.h: the hbagent daemon's shared state and its modules' prototypes.
 *
 * Owns struct agent (everything the daemon holds, allocated once at start-up
 * and then fixed) and the interfaces between the daemon's files:
 *   hbagent.c       options, start-up order, teardown, exit codes
 *   agent_loop.c    the decision loop: epoll, timerfd, signalfd; feeding the
 *                   core and executing struct hb_core_out
 *   agent_sf.c      the statefile adapter over hb_sfdev
 *   agent_bootid.c  the local boot-id file (the last incarnation's boot id)
 *   agent_log.c     non-blocking logging (ring + writer thread)
 *   agent_notify.c  sd_notify by hand
 *   agent_xs.c      the xenstore publisher thread
 *   agent_ctl.c     the control socket: clients, limits, framing (agent_ctl.h)
 *   ctl_proto.c     the control protocol's messages, pure (ctl_proto.h)
 *   agent_status.c  the query documents: status, liveset, statefile
 *   agent_command.c the change commands: checks, core calls, audit log
 *   agent_xapi_watch.c xapi supervision (agent_xapi_watch.h)
 *   agent_events.c  the event history (a fixed ring) and its subscribers
 * docs/agent.md describes the daemon for admins.
 */
#ifndef AGENT_H
#define AGENT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <sys/types.h>

#include "agent_ctl.h"
#include "agent_key.h"
#include "agent_xapi_watch.h"
#include "hb_clock.h"
#include "hb_config.h"
#include "hb_core.h"
#include "hb_err.h"
#include "hb_key.h"
#include "hb_net.h"
#include "hb_sfdev.h"
#include "hb_slot.h"
#include "hb_timing.h"
#include "hb_types.h"
#include "hb_uuid.h"
#include "hb_watchdog.h"

#define AGENT_NAME "hbagent"
#define AGENT_RUN_DIR "/run/hbagent"
/* Persistent state (survives a reboot, unlike AGENT_RUN_DIR on tmpfs). */
#define AGENT_STATE_DIR "/var/lib/hbagent"
#define AGENT_RT_PRIORITY_DEFAULT 40
/* Bounded re-polls of the core in one step when an output completes at once
 * (an I/O refused at submission is handed back to the core immediately). */
#define AGENT_STEP_MAX 4u
#define AGENT_PATH_MAX HB_CONFIG_PATH_MAX

/* ---- options (hbagent.c) ------------------------------------------------- */

struct agent_opts {
	const char *config_path;
	const char *lock_path; /* NULL = AGENT_RUN_DIR/hbagent.<uuid>.lock */
	const char *boot_id_path; /* NULL = AGENT_STATE_DIR/hbagent.<uuid>.boot-id,
	                           * or next to lock_path when that is given */
	const char *log_file;  /* NULL = none; reopened on SIGHUP */
	bool mlock;            /* mlockall (default on; off for sanitizer builds) */
	bool realtime;         /* SCHED_RR (default on) */
	int rt_priority;
	bool log_stderr;
	bool log_syslog;
	bool verbose;          /* debug lines */
	bool strict;           /* --strict: an unknown config element refuses the start */
};

/* ---- statefile adapter (agent_sf.c) -------------------------------------- */

enum agent_wr_kind { AGENT_WR_NONE = 0, AGENT_WR_SLOT = 1, AGENT_WR_GLOBAL = 2 };

struct agent_sf {
	struct hb_sfdev dev;
	struct hb_sf_pool pool;
	uint32_t io_timeout_ms;
	/* the read batch (mirrors the core's read_busy) */
	bool rd_busy, rd_overdue;
	hb_mono_ms rd_at;
	/* the one write on the device */
	enum agent_wr_kind wr_kind;
	bool wr_overdue;
	hb_mono_ms wr_at;       /* when the core asked for it: the deadline base */
	/* writes waiting for the device (hb_sfdev has one write buffer) */
	bool slot_q, global_q;
	hb_mono_ms slot_q_at, global_q_at;
	struct hb_slot slot_out;
	struct hb_global global_out;
	/* this incarnation's last words, as last written (for the log) */
	struct hb_last_words words;
	uint64_t slot_writes, global_writes, reads, dropped_queued, submit_errors, reap_errors;
	uint64_t global_waits; /* global writes that waited for a slot write */
	unsigned rd_fail_streak, wr_fail_streak; /* failures in a row (logged once) */
	hb_mono_ms last_read_at; /* latest read batch completed in time, -1 none */
};

/* ---- event history (agent_events.c) -------------------------------------- */

#define AGENT_EVENTS_MAX 256u        /* the ring: the latest events kept */
#define AGENT_EVENT_REASON_MAX 160u
#define AGENT_EVENTS_FOLLOWERS_MAX 8u /* clients in follow mode at once */
/* The history a follow request gets in its first reply: the latest this
 * many, so that it always fits a client's output buffer (an event's
 * document is well under 1 KiB) and the events after it queue behind it. */
#define AGENT_EVENTS_FOLLOW_HISTORY 96u

enum agent_event_kind {
	AGENT_EV_STARTED = 0,  /* the agent started (the ring begins) */
	AGENT_EV_PHASE,        /* this host's phase changed */
	AGENT_EV_JOINED,       /* a host joined the liveset */
	AGENT_EV_LEFT,         /* a host left the liveset, and why */
	AGENT_EV_FENCING,      /* this host fences itself, and why */
	AGENT_EV_MASTER_GRANTED,  /* a host holds the master lock */
	AGENT_EV_MASTER_RELEASED, /* the host that held it no longer does */
	AGENT_EV_ARMED,
	AGENT_EV_DISARMED,
	AGENT_EV_SF_ACCESS_LOST,
	AGENT_EV_SF_ACCESS_REGAINED,
	AGENT_EV_WARNING_RAISED,  /* what: the warning's name */
	AGENT_EV_WARNING_CLEARED,
	AGENT_EV_KIND_COUNT
};

struct agent_event {
	uint64_t seq;                /* 1, 2, ... never reused */
	hb_mono_ms mono_ms;          /* decision clock */
	int64_t realtime_ms;         /* wall clock */
	enum agent_event_kind kind;
	int host;                    /* the host concerned, -1 none */
	hb_mono_ms last_heard_ms;    /* LEFT: when the host was last heard, -1 never */
	hb_mono_ms last_seen_ms;     /* LEFT: when its slot last advanced, -1 never */
	char what[48];               /* the warning's or the phase's name */
	char reason[AGENT_EVENT_REASON_MAX];
};

struct agent_events {
	struct agent_event ring[AGENT_EVENTS_MAX]; /* fixed: no allocation when adding */
	uint64_t next_seq;           /* the seq the next event gets (0 = not started: 1) */
	unsigned count;              /* events in the ring, <= AGENT_EVENTS_MAX */
	char warnings[512];          /* the warnings at the last look (agent_warnings) */
	bool started;
	uint64_t followers_dropped;  /* follow clients cut off for not keeping up */
};

/* ---- the daemon ---------------------------------------------------------- */

struct agent {
	struct agent_opts opts;
	struct hb_config cfg;
	struct hb_timing timing;
	struct hb_key key;               /* the key at start-up (hb_net_open) */
	struct agent_key pk;             /* the key file watched, the rotation (agent_key.c) */
	hb_uuid uuids[HB_MAX_HOSTS];
	char self_uuid[HB_UUID_STR_LEN];
	char lock_path[AGENT_PATH_MAX];
	char guard_path[AGENT_PATH_MAX];
	char boot_id_path[AGENT_PATH_MAX];
	int lock_fd;
	uint64_t boot_id;
	struct hb_last_words prev_words; /* from my slot at start-up */
	int64_t started_realtime_ms;

	struct hb_core *core;            /* hb_core_size() bytes, at start-up */
	struct hb_core_out out;
	struct hb_core_status st;        /* after the latest step */
	struct hb_core_status st_prev;   /* what was last logged / published */
	bool st_valid;
	hb_mono_ms now;                  /* decision clock ms (hb_clock.h), never decreasing */

	struct hb_net net;
	bool net_open;
	struct agent_sf sf;
	bool sf_open;
	struct hb_watchdog wd;
	struct hb_watchdog_params wdp;
	bool wd_open, wd_armed;

	struct agent_ctl ctl;
	struct agent_xw xw;              /* xapi supervision */
	struct agent_events ev;          /* the event history (agent_events.c) */
	uint16_t weight;                 /* advertised weight (set-weight), 1 at start */

	/* scheduling and clock health (warnings) */
	hb_mono_ms planned_wakeup;       /* the timer's next expiry, 0 none */
	hb_mono_ms max_late_ms;          /* largest lateness of a timer wake-up */
	hb_mono_ms stall_at;             /* last wake-up later than one tick, 0 never */
	uint64_t stalls;
	int64_t suspended_ms;            /* hb_clock_suspended_ms() last reported */
	hb_mono_ms clock_jump_at;        /* last suspend seen, 0 never */

	/* loop */
	int epfd, tfd, sigfd;
	bool running;
	bool again;                      /* poll the core once more in this step */
	int exit_code;
	bool fencing;                    /* out.fence executed */
	uint64_t steps, wakeups, signals;
};

/* ---- agent_loop.c -------------------------------------------------------- */

/* a->now = the decision clock (hb_clock_now_ms()), never going backwards;
 * returns it. The wall clock is hb_clock_realtime_ms(). */
hb_mono_ms agent_tick(struct agent *a);

/* Set up epoll, timerfd and signalfd (signals are blocked by the caller). */
int agent_loop_open(struct agent *a, struct hb_err *err);
/* Run until stopped, fenced or exited; returns the exit code. */
int agent_loop_run(struct agent *a);
void agent_loop_close(struct agent *a);
/* Poll the core and execute its outputs (bounded re-polls), then log and
 * publish what changed and re-arm the timer. */
void agent_step(struct agent *a);
/* Stop the loop with code (used by modules on fatal conditions). */
void agent_stop(struct agent *a, int code);

/* ---- agent_warnings.c ---------------------------------------------------- */

enum agent_severity { AGENT_SEV_INFO = 0, AGENT_SEV_WARNING = 1, AGENT_SEV_CRITICAL = 2 };
struct agent_warning_info {
	const char *name;
	enum agent_severity severity;
	const char *text; /* one sentence for a human */
};
/* The table entry of a warning name, NULL for an unknown name. */
const struct agent_warning_info *agent_warning_lookup(const char *name);
const char *agent_severity_name(enum agent_severity sev);
/* Warning names, comma-separated (xenstore and status; docs/control.md). */
void agent_warnings(const struct agent *a, const struct hb_core_status *s, char *buf, size_t len);
bool agent_warn_hb_approaching(const struct agent *a, const struct hb_core_status *s);
bool agent_warn_sf_approaching(const struct agent *a, const struct hb_core_status *s);
/* Live peers whose latest view announces fencing disarmed. */
hb_hostmap agent_peers_disarmed(const struct agent *a, const struct hb_core_status *s);
/* Online, armed, and with statefile access or rule 2. */
bool agent_protected(const struct hb_core_status *s);
/* Why this host is not protected (in buf), NULL when it is. */
const char *agent_unprotected_reason(const struct hb_core_status *s, char *buf, size_t len);

/* ---- agent_status.c ------------------------------------------------------ */

struct json_object;
/* The query documents (docs/control.md); the caller owns the reference.
 * agent_liveset_json starts a new latency period when Online and asked to. */
struct json_object *agent_status_json(struct agent *a);
struct json_object *agent_liveset_json(struct agent *a, bool reset_latency);
struct json_object *agent_statefile_json(struct agent *a);
struct json_object *agent_timeouts_json(const struct agent *a);

/* ---- agent_events.c ------------------------------------------------------ */

/* Record one event (copied into the ring, the oldest overwritten) and send
 * it to every follow client. what and reason may be NULL. Returns it. */
const struct agent_event *agent_events_add(struct agent *a, enum agent_event_kind kind, int host, const char *what,
                                           const char *reason);
/* Compare the previous and the current core status (and the warnings) and
 * record what changed; the first call records the start. Cheap, allocates
 * nothing: called once per step. */
void agent_events_diff(struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n);
/* Why host k left the liveset, as far as this host can tell (o: the status
 * when it was a member, n: now): one sentence into buf. */
void agent_events_left_reason(const struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n,
                              unsigned k, char *buf, size_t len);
const char *agent_event_kind_name(enum agent_event_kind kind);
/* One event as its JSON document (docs/control.md). */
struct json_object *agent_event_json(const struct agent *a, const struct agent_event *e);
/* The events query's result: {"events":[...seq > since...],"next_seq":N,...},
 * at most the latest max of them ("missed" counts those left out, by the
 * ring or by max). */
struct json_object *agent_events_json(const struct agent *a, uint64_t since, unsigned max);

/* ---- agent_command.c ----------------------------------------------------- */

struct ctl_request;
/* Run one parsed request for a client with uid/pid; returns the response. */
struct json_object *agent_command(struct agent *a, const struct ctl_request *req, uid_t uid, pid_t pid);

/* ---- agent_sf.c ---------------------------------------------------------- */

int agent_sf_open(struct agent *a, struct hb_err *err);
/* Start-up: one synchronous read batch, waiting at most timeout_ms; decodes
 * my own slot into *mine (returns 1), 0 when it does not decode, -1 on an
 * I/O error or no answer in time (err says which). */
int agent_sf_first_read(struct agent *a, int timeout_ms, struct hb_slot *mine, struct hb_err *err);
/* Carry out the statefile part of an hb_core_out. */
void agent_sf_execute(struct agent *a, const struct hb_core_out *out);
/* The eventfd rang: reap and hand completions to the core. */
void agent_sf_on_event(struct agent *a);
/* Declare I/O past its deadline overdue (core and device). */
void agent_sf_check_overdue(struct agent *a);
/* Nearest I/O deadline, or INT64_MAX. */
hb_mono_ms agent_sf_next_deadline(const struct agent *a);
/* Close unless I/O is still in flight (io_destroy would wait for it). */
void agent_sf_close(struct agent *a);
/* The latest read batch that completed in time, decoded; NULL before one. */
const struct hb_sf_read *agent_sf_last_read(const struct agent *a);

/* ---- agent_bootid.c ------------------------------------------------------ */

/* Resolve a->boot_id_path: --boot-id-file, else hbagent.<uuid>.boot-id in
 * the lock file's directory when --lock-file was given (test pools run
 * several agents on one machine), else in AGENT_STATE_DIR. 0, or -1 when
 * the path is too long (err). */
int agent_bootid_resolve(struct agent *a, struct hb_err *err);
/* The boot id last recorded in path; 0 when the file is missing (first
 * start), and 0 with a warning logged when it cannot be read or is
 * malformed. */
uint64_t agent_bootid_load(const char *path);
/* Record id in path atomically (a temporary file, fsync, rename, fsync of
 * the directory; the directory is created mode 0700 when missing). */
int agent_bootid_store(const char *path, uint64_t id, struct hb_err *err);

/* ---- agent_log.c --------------------------------------------------------- */

struct agent_log_opts {
	bool to_stderr;
	bool to_syslog;
	const char *file;  /* NULL = none */
	bool verbose;
};

/* Start the writer thread; before that, lines go straight to stderr. */
int agent_log_start(const struct agent_log_opts *opts);
/* prio: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. Never blocks
 * on the outputs: a full ring drops the line and counts it. */
void agent_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void agent_vlog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Ask the writer to reopen its outputs (SIGHUP). */
void agent_log_reopen(void);
/* Wait at most timeout_ms for the ring to drain (before a fence, at exit). */
void agent_log_flush(int timeout_ms);
/* Flush, stop the writer (if it is not stuck in a write). */
void agent_log_stop(int timeout_ms);
uint64_t agent_log_dropped(void);
uint64_t agent_log_written(void);
/* Lock the writer's whole fixed-size stack (hb_thread_stack_lock); 0 and
 * *bytes 0 when no writer runs. */
int agent_log_lock_stack(size_t *bytes);

/* ---- agent_notify.c ------------------------------------------------------ */

/* Read and unset $NOTIFY_SOCKET; 0 = not started by systemd or ready. */
int agent_notify_init(void);
bool agent_notify_enabled(void);
/* One datagram ("READY=1", "STATUS=...", "STOPPING=1"); never blocks. */
void agent_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void agent_notify_close(void);

/* ---- agent_xs.c ---------------------------------------------------------- */

#define AGENT_XS_ROOT "/local/domain/0/hbagent"

struct agent_xs_state {
	char phase[16];
	char liveset[HB_MAX_HOSTS * HB_UUID_STR_LEN + 1]; /* UUIDs, space-separated */
	char master[HB_UUID_STR_LEN];                     /* "" = none */
	char armed[2];                                    /* "1" / "0" */
	char warnings[512];                               /* names, comma-separated */
};

/* Start the publisher thread (it connects on its own). */
int agent_xs_start(void);
/* Hand a new state over (copied); the thread writes the keys that changed. */
void agent_xs_publish(const struct agent_xs_state *st);
/* Stop the thread, waiting at most timeout_ms (it may be stuck in xenstored). */
void agent_xs_stop(int timeout_ms);
bool agent_xs_connected(void);
/* Lock the publisher's whole fixed-size stack (hb_thread_stack_lock); 0 and
 * *bytes 0 when it does not run. */
int agent_xs_lock_stack(size_t *bytes);

#endif
