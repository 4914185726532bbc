/*
 * hbctl.h: subcommands of the hbctl CLI, one file each.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand name)
 * and returns a process exit code from hb_exit.h. Global options (-c FILE)
 * are parsed by hbctl.c and passed in struct hbctl_opts.
 */
#ifndef HBCTL_H
#define HBCTL_H

#include <stdbool.h>

struct hbctl_opts {
	const char *config_path; /* -c FILE, default HB_DEFAULT_CONFIG_FILE */
	bool config_given;       /* -c was on the command line */
	bool json;               /* --json */
};

int hbctl_timeouts(const struct hbctl_opts *opts, int argc, char **argv);
int hbctl_statefile(const struct hbctl_opts *opts, int argc, char **argv);

/* Load the config named by opts; on failure print the error to stderr and
 * return the xhad exit code (6 cannot read, 7 invalid); 0 on success. */
struct hb_config;
int hbctl_load_config(const struct hbctl_opts *opts, struct hb_config *cfg);

#endif
