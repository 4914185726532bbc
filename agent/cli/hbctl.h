/*
 * hbctl.h: subcommands of the hbctl CLI, one file each.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand name)
 * and returns a process exit code from hb_exit.h. Global options (-c FILE,
 * -S SOCKET, --json, --no-color, --timeout MS) are parsed by hbctl.c and
 * passed in struct hbctl_opts. docs/control.md section 2 is the contract.
 */
#ifndef HBCTL_H
#define HBCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "hb_ctl_proto.h"
#include "hb_err.h"

#define HBCTL_TIMEOUT_DEFAULT_MS 5000u  /* --timeout: one socket exchange */
#define HBCTL_TIMEOUT_MAX_MS 3600000u   /* one hour */
/* The largest reply hbctl reads (the liveset of a 64-host pool is about
 * 0.7 MiB; tests/unit/test_ctl_replies.c measures every reply). */
#define HBCTL_REPLY_MAX (16u * 1024u * 1024u)

struct hbctl_opts {
	const char *config_path; /* -c FILE, default HB_DEFAULT_CONFIG_FILE */
	bool config_given;       /* -c was on the command line */
	bool json;               /* --json */
	const char *socket_path; /* -S SOCKET; NULL = the config's <ControlSocket> */
	bool no_color;           /* --no-color */
	unsigned timeout_ms;     /* --timeout MS, bounds every socket exchange */
};

int hbctl_timeouts(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_statefile(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_status.c */
int hbctl_status(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_liveset.c */
int hbctl_liveset(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_commands.c */
int hbctl_ping(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_propose_master(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_disarm(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_arm(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_set_excluded(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_clear_excluded(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_set_pool_state(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_set_weight(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_shutdown(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_fencelog.c */
int hbctl_fence_log(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_check.c: a Nagios/Icinga plugin (exit 0..3, not hb_exit.h) */
int hbctl_check(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_metrics.c */
int hbctl_metrics(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_config.c: `config check` */
int hbctl_config_cmd(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_watchdog.c */
int hbctl_watchdog(const struct hbctl_opts *opts, int argc, char **argv);
/* hbctl_events.c */
int hbctl_events(const struct hbctl_opts *opts, int argc, char **argv);
/* --watch among a command's arguments; then hbctl_watch runs show (with
 * the arguments but --watch) once, and again after each event the agent
 * reports, until interrupted; 14 when the agent goes away. */
bool hbctl_watch_asked(int argc, char **argv);
int hbctl_watch(const struct hbctl_opts *opts, int (*show)(const struct hbctl_opts *opts, int argc, char **argv),
                int argc, char **argv);

/* ---- hbctl.c: shared helpers --------------------------------------------- */

/* Load the config named by opts; on failure print the error to stderr and
 * return the xhad exit code (6 cannot read, 7 invalid); 0 on success. */
struct hb_config;
int hbctl_load_config(const struct hbctl_opts *opts, struct hb_config *cfg);
/* The same, loaded once per process and kept: *out points to it. With quiet,
 * a failure is not printed (a later call without quiet prints it). */
int hbctl_config(const struct hbctl_opts *opts, bool quiet, const struct hb_config **out);
/* Why hbctl_config failed ("" when it did not, or was not called). */
const char *hbctl_config_error(void);

/* A subcommand's own arguments: --json, --xml (only when xml_ok), -h, and
 * the positional arguments, of which there must be n_min..n_max. On a usage
 * error prints it with "usage: hbctl [OPTIONS] <usage>" and returns -1; on
 * --help prints the usage to stdout and returns 1; else 0. */
struct hbctl_args {
	bool json;  /* --json here or before the command */
	bool xml;   /* --xml */
	bool keep_latency;  /* --keep-latency (liveset): the default, kept for old callers */
	bool reset_latency; /* --reset-latency (liveset, root): start a new latency period */
	int n_pos;
	char **pos;
};
int hbctl_parse_args(const struct hbctl_opts *opts, int argc, char **argv, bool xml_ok, int n_min, int n_max,
                     const char *usage, struct hbctl_args *out);
/* ANSI colour on stdout: a terminal, no --no-color, $NO_COLOR unset or empty. */
bool hbctl_use_color(const struct hbctl_opts *opts);

/* ---- hbctl_client.c: one request to the agent's control socket ----------- */

struct json_object;

/* The socket hbctl talks to: -S, else the config's <ControlSocket>, else
 * HB_DEFAULT_CONTROL_SOCKET. A config that cannot be loaded is an error
 * (6, 7, printed unless quiet) for changes; queries fall back to the default
 * socket. Returns 0 and *path (static storage), or the exit code. */
int hbctl_socket(const struct hbctl_opts *opts, bool query, bool quiet, const char **path);

/* Send {"v":1,"cmd":cmd,"args":args} (args is taken over; NULL = {}) and read
 * the one response line, all within opts->timeout_ms. Returns 0 with
 * *result (a new reference, may be NULL for JSON null), or the exit code with
 * err holding "CMD: CLASS (CODE CODE_NAME): REASON": the agent's own error,
 * or no-agent (14: nothing listens on the socket), timeout (3), ...
 * Prints nothing. */
int hbctl_request(const struct hbctl_opts *opts, enum ctl_cmd cmd, struct json_object *args,
                  struct json_object **result, struct hb_err *err);
/* hbctl_request, printing "hbctl: <err>" on stderr on failure. */
int hbctl_call(const struct hbctl_opts *opts, enum ctl_cmd cmd, struct json_object *args, struct json_object **result);
/* Whether an agent is there: 14 when nothing listens on the socket, 0 when
 * one answers a ping or at least accepted the connection (a busy or
 * unfriendly agent is still an agent). */
int hbctl_agent_present(const struct hbctl_opts *opts);
/* Print a JSON value pretty, as --json does. */
void hbctl_print_json(struct json_object *value);

/* Reading a reply leniently: a missing member, a member of another type or
 * a non-object o gives NULL or the fallback. */
struct json_object *hbctl_get(struct json_object *o, const char *key);
const char *hbctl_get_string(struct json_object *o, const char *key, const char *fallback);
long long hbctl_get_int(struct json_object *o, const char *key, long long fallback);
/* 1 true, 0 false, -1 missing, null or not a boolean */
int hbctl_get_bool(struct json_object *o, const char *key);
/* The length of an array, 0 for anything else. */
size_t hbctl_array_len(struct json_object *a);
/* From a status document: the hosts whose slot did not decode at the latest
 * read (neither valid, empty nor unread). */
long long hbctl_invalid_slots(struct json_object *status);

#endif
