/*
 * hbctl.c: the hbctl command line: global options, the subcommand table and
 * the helpers every subcommand shares (config loading, a subcommand's own
 * arguments, whether to colour). Each subcommand lives in its own file
 * (hbctl_<name>.c) and returns an xhad exit code (hb_exit.h); the control
 * socket client is hbctl_client.c.
 */
#include "hbctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_version.h"

struct subcommand {
	const char *name;
	int (*run)(const struct hbctl_opts *opts, int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{"status", hbctl_status, "status                  who is live, who is master, whether this host is protected"},
	{"liveset", hbctl_liveset, "liveset [--xml]         the liveset (--xml: xapi's ha_query_liveset document)"},
	{"ping", hbctl_ping, "ping                    exit 0 when an agent answers"},
	{"propose-master", hbctl_propose_master, "propose-master          ask for the master lock, print TRUE or FALSE"},
	{"disarm", hbctl_disarm, "disarm                  disarm fencing until `arm`"},
	{"arm", hbctl_arm, "arm                     arm fencing again"},
	{"set-excluded", hbctl_set_excluded, "set-excluded            leave the pool cleanly (agent, else the statefile)"},
	{"clear-excluded", hbctl_clear_excluded, "clear-excluded          clear this host's excluded flag"},
	{"set-pool-state", hbctl_set_pool_state, "set-pool-state init|active|invalid"},
	{"set-weight", hbctl_set_weight, "set-weight N            advertise host weight N (1..65535)"},
	{"events", hbctl_events, "events [--follow | --last-failover]  the event history (joined, left and why, master, ...)"},
	{"fence-log", hbctl_fence_log, "fence-log               every host's last words from the statefile"},
	{"watchdog", hbctl_watchdog, "watchdog probe          arm, read back and disarm the watchdog (no agent)"},
	{"shutdown", hbctl_shutdown, "shutdown                clean stop of the agent"},
	{"check", hbctl_check, "check                   monitoring plugin: one line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"},
	{"metrics", hbctl_metrics, "metrics [openmetrics]   the status as Prometheus (default) or OpenMetrics text"},
	{"timeouts", hbctl_timeouts, "timeouts [-T SECONDS]   effective timeouts and worst-case timelines"},
	{"config", hbctl_config_cmd, "config check [-c FILE]  check a config file without an agent (unknown elements fail)"},
	{"statefile", hbctl_statefile,
	 "statefile init|dump|set-pool-state init|active|invalid|set-excluded|clear-excluded [--timeout MS]"},
};

/* Edit distance (insertions, deletions, substitutions), capped inputs. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 63), lb = strnlen(b, 63);
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The command closest to a mistyped one, NULL when none is close (at most
 * 2 edits, or a prefix of one). */
static const char *nearest_command(const char *typed)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		const char *name = subcommands[i].name;
		size_t d = edit_distance(typed, name);
		if (strlen(typed) >= 3 && strncmp(typed, name, strlen(typed)) == 0)
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = name;
		}
	}
	return best;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: hbctl [-c FILE] [-S SOCKET] [--json] [--no-color] [--timeout MS] COMMAND [ARGS...]\n"
	             "       hbctl --version | --help\n\n"
	             "  -c, --config FILE   xhad.conf to use (default %s)\n"
	             "  -S, --socket SOCKET the agent's control socket (default: the config's\n"
	             "                      <ControlSocket>, else %s)\n"
	             "      --json          machine-readable output where supported\n"
	             "      --no-color      no colour, even on a terminal (also $NO_COLOR)\n"
	             "      --timeout MS    bound on every exchange with the agent (default %u)\n\n"
	             "commands:\n",
	        HB_DEFAULT_CONFIG_FILE, HB_DEFAULT_CONTROL_SOCKET, HBCTL_TIMEOUT_DEFAULT_MS);
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(out, "  %s\n", subcommands[i].summary);
}

int hbctl_load_config(const struct hbctl_opts *opts, struct hb_config *cfg)
{
	struct hb_err err = {{0}};
	bool read_error = false;
	if (hb_config_load_file(opts->config_path, cfg, &read_error, &err) < 0) {
		fprintf(stderr, "hbctl: %s\n", err.msg);
		return read_error ? HB_EXIT_CAN_NOT_READ_CONFIG_FILE : HB_EXIT_INVALID_CONFIG_FILE;
	}
	return HB_EXIT_SUCCESS;
}

static struct hb_err config_err;

const char *hbctl_config_error(void)
{
	return config_err.msg;
}

int hbctl_config(const struct hbctl_opts *opts, bool quiet, const struct hb_config **out)
{
	static struct hb_config cfg; /* large: keep it off the stack */
	struct hb_err *err = &config_err;
	static bool loaded;
	static int rc;
	if (!loaded) {
		bool read_error = false;
		rc = HB_EXIT_SUCCESS;
		if (hb_config_load_file(opts->config_path, &cfg, &read_error, err) < 0)
			rc = read_error ? HB_EXIT_CAN_NOT_READ_CONFIG_FILE : HB_EXIT_INVALID_CONFIG_FILE;
		loaded = true;
	}
	if (rc != HB_EXIT_SUCCESS && !quiet)
		fprintf(stderr, "hbctl: %s\n", err->msg);
	*out = rc == HB_EXIT_SUCCESS ? &cfg : NULL;
	return rc;
}

int hbctl_parse_args(const struct hbctl_opts *opts, int argc, char **argv, bool xml_ok, int n_min, int n_max,
                     const char *usage_text, struct hbctl_args *out)
{
	static const struct option long_opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"xml", no_argument, NULL, 'x'},
		{"keep-latency", no_argument, NULL, 'k'},
		{"reset-latency", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*out = (struct hbctl_args){.json = opts->json};
	optind = 0; /* full re-initialisation of getopt (argv[0] is the command) */
	opterr = 0; /* the messages below name hbctl and the command */
	int c;
	bool bad = false;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j': out->json = true; break;
		case 'x':
			if (xml_ok) {
				out->xml = true;
			} else {
				fprintf(stderr, "hbctl %s: --xml is for liveset only\n", argv[0]);
				bad = true;
			}
			break;
		case 'k':
			if (xml_ok) {
				out->keep_latency = true;
			} else {
				fprintf(stderr, "hbctl %s: --keep-latency is for liveset only\n", argv[0]);
				bad = true;
			}
			break;
		case 'r':
			if (xml_ok) {
				out->reset_latency = true;
			} else {
				fprintf(stderr, "hbctl %s: --reset-latency is for liveset only\n", argv[0]);
				bad = true;
			}
			break;
		case 'h': printf("usage: hbctl [OPTIONS] %s\n", usage_text); return 1;
		case ':':
			fprintf(stderr, "hbctl %s: option %s needs an argument\n", argv[0], argv[optind - 1]);
			bad = true;
			break;
		default:
			fprintf(stderr, "hbctl %s: unknown option %s\n", argv[0], argv[optind - 1]);
			bad = true;
			break;
		}
	}
	out->n_pos = argc - optind;
	out->pos = argv + optind;
	if (!bad && (out->n_pos < n_min || out->n_pos > n_max)) {
		if (out->n_pos > n_max)
			fprintf(stderr, "hbctl %s: unexpected argument \"%s\"\n", argv[0], out->pos[n_max]);
		else
			fprintf(stderr, "hbctl %s: missing argument\n", argv[0]);
		bad = true;
	}
	if (bad) {
		fprintf(stderr, "usage: hbctl [OPTIONS] %s\n", usage_text);
		return -1;
	}
	return 0;
}

bool hbctl_use_color(const struct hbctl_opts *opts)
{
	const char *no_color = getenv("NO_COLOR");
	return !opts->no_color && (no_color == NULL || no_color[0] == '\0') && isatty(STDOUT_FILENO) == 1;
}

static int parse_timeout(const char *text, unsigned *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || text[0] == '+' || v < 1 ||
	    v > HBCTL_TIMEOUT_MAX_MS) {
		fprintf(stderr, "hbctl: --timeout %s: expected milliseconds, 1..%u\n", text, HBCTL_TIMEOUT_MAX_MS);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'j'},
		{"no-color", no_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct hbctl_opts opts = {.config_path = HB_DEFAULT_CONFIG_FILE, .timeout_ms = HBCTL_TIMEOUT_DEFAULT_MS};
	int c;
	while ((c = getopt_long(argc, argv, "+c:S:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': opts.config_path = optarg; opts.config_given = true; break;
		case 'S':
			if (optarg[0] == '\0') {
				fprintf(stderr, "hbctl: -S: empty socket path\n");
				return HB_EXIT_INVALID_PARAMETER;
			}
			opts.socket_path = optarg;
			break;
		case 'j': opts.json = true; break;
		case 'n': opts.no_color = true; break;
		case 't':
			if (parse_timeout(optarg, &opts.timeout_ms) < 0)
				return HB_EXIT_INVALID_PARAMETER;
			break;
		case 'h': usage(stdout); return HB_EXIT_SUCCESS;
		case 'V': printf("hbctl %s\n", HB_VERSION); return HB_EXIT_SUCCESS;
		default: usage(stderr); return HB_EXIT_INVALID_PARAMETER;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return HB_EXIT_INVALID_PARAMETER;
	}
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp(argv[optind], subcommands[i].name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 1; /* each subcommand parses its own options */
			return subcommands[i].run(&opts, sub_argc, sub_argv);
		}
	}
	const char *near = nearest_command(argv[optind]);
	if (near != NULL) {
		fprintf(stderr, "hbctl: unknown command \"%s\"; did you mean \"%s\"? (hbctl --help lists them)\n",
		        argv[optind], near);
		return HB_EXIT_INVALID_PARAMETER;
	}
	fprintf(stderr, "hbctl: unknown command \"%s\"\n", argv[optind]);
	usage(stderr);
	return HB_EXIT_INVALID_PARAMETER;
}
