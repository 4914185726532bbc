/*
 * sim_scenario.c: loads a scenario file for hbsim: the statements of the
 * scenario language (parsed by libhb's hb_scenario.c) merged, in line
 * order, with hbsim's own `#@` statements, which the language does not have
 * and the parser sees as comments:
 *
 *   #@ at TIME set-pool-state H init|active|invalid   command to H's agent
 *   #@ at TIME loss PERMILLE                          random packet loss
 *   #@ expect TIME fenced LIST|none [within DURATION] exactly these hosts
 *                                                     have fenced so far
 *   #@ at TIME end                                    the run lasts until TIME
 *   #@ seed N                                         the world's seed unless
 *                                                     --seed is given
 *
 * (the last two end a scenario saved from a random run or the fuzzer).
 */
#include "sim_scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_err.h"
#include "hb_scenario.h"

#define SIM_FILE_MAX (1024u * 1024u)
#define SIM_MAX_EXT 64u

/* TIME: digits [. up to 3 digits] then ms, s or m. */
static bool parse_time(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0 || v > 1e10 || !isdigit((unsigned char)s[0]))
		return false;
	double mult = strcmp(end, "ms") == 0 ? 1 : strcmp(end, "s") == 0 ? 1000 : strcmp(end, "m") == 0 ? 60000 : -1;
	if (mult < 0)
		return false;
	*out = (int64_t)(v * mult + 0.5);
	return true;
}

static int ext_fail(struct hb_err *err, const char *path, int line, const char *what)
{
	return hb_err_set(err, "%s:%d: %s (expected \"#@ at TIME set-pool-state H init|active|invalid\", "
	                  "\"#@ at TIME loss PERMILLE\", \"#@ at TIME end\", \"#@ seed N\" or "
	                  "\"#@ expect TIME fenced LIST|none [within DURATION]\")",
	                  path, line, what);
}

/* LIST: "none" or host indexes separated by commas. */
static bool parse_list(const char *s, unsigned n_hosts, hb_hostmap *out)
{
	*out = 0;
	if (strcmp(s, "none") == 0)
		return true;
	for (const char *p = s;;) {
		char *end;
		long h = strtol(p, &end, 10);
		if (end == p || h < 0 || (unsigned long)h >= n_hosts || (*out & hb_host_bit((unsigned)h)))
			return false;
		*out |= hb_host_bit((unsigned)h);
		if (*end == '\0')
			return true;
		if (*end != ',')
			return false;
		p = end + 1;
	}
}

static int parse_expect_fenced(const char *path, int line, char **words, unsigned n, unsigned n_hosts,
                               struct sim_stmt *s, struct hb_err *err)
{
	if ((n != 4 && n != 6) || strcmp(words[2], "fenced") != 0 || !parse_list(words[3], n_hosts, &s->st.hosts))
		return ext_fail(err, path, line, "bad #@ expect statement");
	if (n == 6 && (strcmp(words[4], "within") != 0 || !parse_time(words[5], &s->st.within_ms)))
		return ext_fail(err, path, line, "bad within");
	s->x = SX_EXPECT_FENCED;
	return 0;
}

/* One `#@` line into s; returns 1 for `#@ seed N` (into *seed: no
 * statement). */
static int parse_ext(const char *path, int line, char *text, unsigned n_hosts, struct sim_stmt *s, uint64_t *seed,
                     struct hb_err *err)
{
	char *words[8];
	unsigned n = 0;
	for (char *tok = strtok(text, " \t\r"); tok != NULL && n < 8; tok = strtok(NULL, " \t\r"))
		words[n++] = tok;
	memset(s, 0, sizeof *s);
	s->st.line = line;
	s->st.host = -1;
	s->st.host2 = -1;
	if (n == 2 && strcmp(words[0], "seed") == 0) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(words[1], &end, 10);
		if (errno != 0 || *end != '\0' || !isdigit((unsigned char)words[1][0]))
			return ext_fail(err, path, line, "bad seed");
		*seed = (uint64_t)v;
		return 1;
	}
	if (n < 3 || !parse_time(words[1], &s->st.at_ms))
		return ext_fail(err, path, line, "bad #@ statement");
	if (strcmp(words[0], "expect") == 0)
		return parse_expect_fenced(path, line, words, n, n_hosts, s, err);
	if (strcmp(words[0], "at") != 0)
		return ext_fail(err, path, line, "bad #@ statement");
	if (strcmp(words[2], "set-pool-state") == 0 && n == 5) {
		enum hb_pool_state ps;
		char *end;
		long h = strtol(words[3], &end, 10);
		if (*end != '\0' || h < 0 || (unsigned long)h >= n_hosts || !hb_pool_state_parse(words[4], &ps))
			return ext_fail(err, path, line, "bad set-pool-state arguments");
		s->x = SX_SET_POOL_STATE;
		s->st.host = (int)h;
		s->pool_state = (int)ps;
		return 0;
	}
	if (strcmp(words[2], "end") == 0 && n == 3) {
		s->x = SX_END;
		return 0;
	}
	if (strcmp(words[2], "loss") == 0 && n == 4) {
		char *end;
		long pm = strtol(words[3], &end, 10);
		if (*end != '\0' || pm < 0 || pm > 1000)
			return ext_fail(err, path, line, "loss must be 0..1000 per mille");
		s->x = SX_LOSS;
		s->st.weight = (uint16_t)pm;
		return 0;
	}
	return ext_fail(err, path, line, "unknown #@ statement");
}

/* Every `#@` line of the file, in line order. */
static int load_ext(const char *path, unsigned n_hosts, struct sim_stmt *ext, size_t *n_ext, struct sim_cfg *cfg,
                    struct hb_err *err)
{
	FILE *f = fopen(path, "r");
	char buf[1100];
	int line = 0;
	*n_ext = 0;
	if (f == NULL)
		return hb_err_set(err, "%s: %s", path, strerror(errno));
	while (fgets(buf, sizeof buf, f) != NULL) {
		line++;
		char *p = buf + strspn(buf, " \t");
		if (strncmp(p, "#@", 2) != 0)
			continue;
		p[strcspn(p, "\n")] = '\0';
		int rc = *n_ext < SIM_MAX_EXT ? parse_ext(path, line, p + 2, n_hosts, &ext[*n_ext], &cfg->seed, err) : -1;
		if (rc < 0) {
			fclose(f);
			return *n_ext >= SIM_MAX_EXT ? ext_fail(err, path, line, "too many #@ statements") : -1;
		}
		if (rc == 1)
			cfg->seed_in_file = true;
		else
			(*n_ext)++;
	}
	fclose(f);
	return 0;
}

/* Merge the language statements and ext by line into out. */
static size_t merge(const struct hb_scenario *sc, const struct sim_stmt *ext, size_t n_ext, struct sim_stmt *out)
{
	size_t i = 0, j = 0, n = 0;
	while (i < sc->n_statements || j < n_ext) {
		if (j >= n_ext || (i < sc->n_statements && sc->statements[i].line < ext[j].st.line)) {
			memset(&out[n], 0, sizeof out[n]);
			out[n].x = SX_LANG;
			out[n].st = sc->statements[i++];
			/* the language's own forms of two statements hbsim also
			 * accepts as `#@` lines: the same execution paths */
			if (out[n].st.kind == HB_SC_SET_POOL_STATE) {
				out[n].x = SX_SET_POOL_STATE;
				out[n].pool_state = out[n].st.pool_state;
			} else if (out[n].st.kind == HB_SC_EXPECT_FENCED) {
				out[n].x = SX_EXPECT_FENCED;
			}
			n++;
		} else {
			out[n++] = ext[j++];
		}
	}
	return n;
}

int sim_scenario_load(const char *path, struct sim_cfg *cfg, struct sim_stmt *stmts, size_t *n_stmts, struct hb_err *err)
{
	static struct hb_scenario sc;
	static struct sim_stmt ext[SIM_MAX_EXT];
	size_t n_ext;
	if (hb_scenario_load_file(path, &sc, err) < 0)
		return -1;
	if (load_ext(path, sc.n_hosts, ext, &n_ext, cfg, err) < 0)
		return -1;
	struct hb_timing_params p;
	struct hb_err terr = {{0}};
	if (hb_scenario_timing_params(&sc, &p, &terr) < 0 || hb_timing_derive(&p, &cfg->timing, &terr) < 0)
		return hb_err_set(err, "%s: the pool's timing is refused: %s", path, terr.msg);
	cfg->T_s = sc.timeout_s;
	cfg->hb_interval_ms = sc.hb_interval_ms;
	cfg->hb_timeout_ms = sc.hb_timeout_ms;
	cfg->sf_interval_ms = sc.sf_interval_ms;
	cfg->sf_timeout_ms = sc.sf_timeout_ms;
	cfg->watchdog_ms = sc.watchdog_ms;
	cfg->n_hosts = sc.n_hosts;
	cfg->n_paths = sc.paths;
	cfg->sector = sc.sector;
	for (unsigned i = 0; i < HB_MAX_HOSTS; i++)
		cfg->weights[i] = 1;
	snprintf(cfg->name, sizeof cfg->name, "%s", path);
	*n_stmts = merge(&sc, ext, n_ext, stmts);
	return 0;
}
