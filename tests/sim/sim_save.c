/*
 * sim_save.c: saves a run that broke the contract as a scenario file
 * (sim_save.h).
 */
#include "sim_save.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SIM_SAVE_CAP (64u * 1024u)

int sim_save_violation(const struct sim_world *w, const char *path, const char *report, size_t len)
{
	struct sim_out script;
	if (sim_out_init(&script, SIM_SAVE_CAP) < 0)
		return -1;
	sim_world_write_scenario(w, &script, w->now_us / SIM_US_PER_MS + 1000);
	if (script.truncated) {
		sim_out_free(&script);
		errno = EFBIG;
		return -1;
	}
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		sim_out_free(&script);
		return -1;
	}
	char flags[96];
	sim_replay_flags(w, flags, sizeof flags);
	fprintf(f, "# %s: a run that broke the safety contract, saved by hbsim.\n"
	           "# Replay: hbsim --scenario %s%s (its seed is the #@ seed line).\n#\n", path, path, flags);
	/* the report, each line a comment */
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(report + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (report + i)) : len - i;
		fprintf(f, "# %.*s\n", (int)n, report + i);
		i += n + 1;
	}
	fprintf(f, "\n%.*s", (int)script.len, script.buf);
	sim_out_free(&script);
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	return fclose(f);
}
