/*
 * agent_xapi_watch.h: xapi supervision, as xhad's Xapimon (xha.md 1.2, 12).
 *
 * Every XapiHealthCheckInterval, while this host is Online and armed, the
 * agent runs the health check (<XapiHealthCheck>, by default xapi's
 * /opt/xensource/libexec/xapi-health-check) as a child process, killed
 * after XapiHealthCheckTimeout. A failed check restarts xapi
 * (<XapiRestartCommand>, by default systemctl restart xapi.service), at
 * most XapiRestartAttempts times in 24 h, each round of restarts within
 * XapiRestartTimeout; when that is used up the host fences itself
 * (HB_FENCE_XAPI_FAILED), so that a master whose xapi is dead does not keep
 * the master lock. On a host without xapi (the health check absent) it is
 * off and says so. docs/operations.md, "xapi supervision".
 *
 * The children never block the loop: posix_spawn, a pidfd (or a 50 ms poll
 * where the kernel has none) and a non-blocking pipe for the health check's
 * output, all in the agent's epoll set, reaped with waitpid(WNOHANG).
 */
#ifndef AGENT_XAPI_WATCH_H
#define AGENT_XAPI_WATCH_H

#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hb_clock.h"
#include "hb_config.h"
#include "hb_err.h"

#define AGENT_TAG_XAPI_PID 0x50u /* the child's pidfd */
#define AGENT_TAG_XAPI_OUT 0x51u /* the child's stdout and stderr */
#define AGENT_XW_ARGS_MAX 16u
#define AGENT_XW_ERROR_MAX 100u  /* xhad's xapi error string */

enum agent_xw_state {
	AGENT_XW_OFF = 0,     /* not configured on this host */
	AGENT_XW_PAUSED,      /* not Online and armed: nothing runs */
	AGENT_XW_IDLE,        /* waiting for the next check */
	AGENT_XW_CHECKING,    /* the health check runs */
	AGENT_XW_RESTARTING,  /* the restart command runs */
	AGENT_XW_FENCED       /* gave up: the host fences */
};

/* A command line split into words (no shell, no quoting). */
struct agent_xw_cmd {
	char buf[HB_CONFIG_PATH_MAX];
	char *argv[AGENT_XW_ARGS_MAX + 1];
	unsigned argc;
};

/* Derived from the configuration, in one place (agent_xw_configure). */
struct agent_xw_timing {
	uint32_t interval_ms;        /* XapiHealthCheckInterval: from the end of one check to the next */
	uint32_t check_timeout_ms;   /* XapiHealthCheckTimeout T3: the check is killed after this */
	uint32_t restart_timeout_ms; /* XapiRestartTimeout: one round of restarts, from its first */
	uint32_t attempts;           /* XapiRestartAttempts: restarts allowed in window_ms */
	uint32_t window_ms;          /* 24 h, as xhad */
	uint32_t approaching_ms;     /* T3/2: Xapi_healthcheck_approaching_timeout */
};

struct agent_xw {
	bool enabled;
	char off_reason[512];        /* why it is off */
	struct agent_xw_cmd check, restart;
	struct agent_xw_timing t;
	/* spawning, prepared once */
	bool spawn_ready;
	posix_spawn_file_actions_t fa;       /* the check: output into a pipe */
	posix_spawn_file_actions_t fa_quiet; /* the restart: output to /dev/null (a daemon it
	                                      * starts must not hold our pipe) */
	posix_spawnattr_t attr;
	int null_fd;                 /* /dev/null, the children's stdin */
	int out_slot_fd;             /* fixed fd number the pipe's write end is put on */
	enum agent_xw_state state;
	/* the one child (check or restart); pid 0 = none */
	pid_t pid;
	int pidfd, out_fd;           /* -1 when none */
	bool is_restart, timed_out, abandoned;
	hb_mono_ms started_at, deadline;
	char out[AGENT_XW_ERROR_MAX + 1];
	size_t out_len;
	/* the schedule and the restart budget */
	hb_mono_ms next_check_at;
	hb_mono_ms round_deadline;
	hb_mono_ms restart_first_at; /* first restart of this outage, -1 = none */
	hb_mono_ms window_start;     /* first restart counted in the 24 h window, -1 */
	unsigned window_restarts;
	unsigned spawn_failures;     /* health check spawns failed in a row */
	/* what is reported */
	int64_t latency, latency_min, latency_max; /* ms, -1 = none */
	char error[AGENT_XW_ERROR_MAX + 1];        /* the last failure, "" after a pass */
	hb_mono_ms last_ok_at, last_fail_at;       /* -1 = never */
	uint64_t checks, failures, restarts, restart_failures;
};

struct agent;
struct json_object;

/* Derive and check the supervision's settings from cfg (every message names
 * the element); decide whether it is on (auto: the health check exists). */
int agent_xw_configure(const struct hb_config *cfg, const struct hb_timing_params *p, struct agent_xw *xw,
                       struct hb_err *err);
/* Start-up: configure, prepare spawning, log whether it is on. 0 or an exit code. */
int agent_xw_setup(struct agent *a);
/* Every step, before the core: reap, time out, start the next child, fence. */
void agent_xw_poll(struct agent *a);
/* The pidfd or the output pipe is ready. */
void agent_xw_on_event(struct agent *a, uint64_t tag);
/* When agent_xw_poll must run next, INT64_MAX for never. */
hb_mono_ms agent_xw_next_deadline(const struct agent *a);
/* Kill and reap a child still running (exit). */
void agent_xw_close(struct agent *a);

/* Reporting (liveset XML and status). */
void agent_xw_reset_latency(struct agent *a);
bool agent_xw_approaching(const struct agent *a);
int64_t agent_xw_since_restart(const struct agent *a); /* ms since the outage's first restart, -1 */
struct json_object *agent_xw_json(const struct agent *a);

#endif
