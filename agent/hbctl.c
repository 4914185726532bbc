/*
 * hbctl.c: the hbctl command line: global options, the subcommand table and
 * the shared config loading. Each subcommand lives in its own file
 * (hbctl_<name>.c) and returns an xhad exit code (hb_exit.h).
 */
#include "hbctl.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_version.h"

struct subcommand {
	const char *name;
	int (*run)(const struct hbctl_opts *opts, int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{"timeouts", hbctl_timeouts, "timeouts [-T SECONDS]   effective timeouts and worst-case timelines"},
	{"statefile", hbctl_statefile,
	 "statefile init|dump|set-pool-state init|active|invalid|set-excluded|clear-excluded [--timeout MS]"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: hbctl [-c FILE] [--json] COMMAND [ARGS...]\n"
	             "       hbctl --version | --help\n\n"
	             "  -c, --config FILE   xhad.conf to use (default %s)\n"
	             "      --json          machine-readable output where supported\n\n"
	             "commands:\n",
	        HB_DEFAULT_CONFIG_FILE);
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

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct hbctl_opts opts = {.config_path = HB_DEFAULT_CONFIG_FILE};
	int c;
	while ((c = getopt_long(argc, argv, "+c:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': opts.config_path = optarg; opts.config_given = true; break;
		case 'j': opts.json = true; break;
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
	fprintf(stderr, "hbctl: unknown command \"%s\"\n", argv[optind]);
	usage(stderr);
	return HB_EXIT_INVALID_PARAMETER;
}
