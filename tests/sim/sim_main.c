/*
 * sim_main.c: the hbsim command line.
 *
 *   hbsim --scenario FILE [--seed S] [--trace] [--unsafe RULE]
 *   hbsim --random --runs R --seed S [--hosts-max N] [--jobs J] [--verbose]
 *         [--save DIR]
 *
 * Random mode forks J workers (default 2); run r (seed S + r) goes to
 * worker r mod J, which sends its result and report over a pipe; the parent
 * prints them in run order, so the output is the same for the same seed
 * whatever the scheduling (the throughput line excepted: it measures wall
 * time). Exit status: 0 when every invariant held and every expectation
 * was met, 1 otherwise, 2 on a usage or scenario error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hb_err.h"
#include "sim_out.h"
#include "sim_random.h"
#include "sim_save.h"
#include "sim_scenario.h"
#include "sim_check.h"
#include "sim_world.h"

#define SIM_OUT_CAP (256u * 1024u)
#define SIM_MAX_JOBS 64u
#define SIM_MAX_PRINTED_REPORTS 20u

struct opts {
	const char *scenario;
	bool random;
	uint64_t runs;
	uint64_t seed;
	unsigned hosts_max;
	unsigned jobs;
	bool trace;
	bool trace_verbose;
	bool verbose;
	unsigned unsafe;   /* hb_core_unsafe bits */
	bool no_wire;
	bool broken_suspend_clock;
	bool seed_given;
	const char *save_dir; /* random mode: a violating run saved as DIR/random-seed-S.sc */
};

/* What a worker sends for each run, followed by text_len bytes of report. */
struct run_rec {
	uint64_t seed;
	uint64_t sim_us;
	uint64_t events;
	uint32_t violations;
	uint32_t check;  /* enum sim_check_id of the violation */
	uint32_t kinds;  /* bits of enum sim_kind the run drew faults from */
	uint32_t n_samples;
	uint32_t residuals;
	uint32_t samples[SIM_MAX_SAMPLES];
	uint32_t text_len;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hbsim --scenario FILE [--seed S] [--trace] [--trace-verbose] [--unsafe RULE]...\n"
	           "             [--broken-suspend-clock] [--no-wire]\n"
	           "       hbsim --random --runs R --seed S [--hosts-max N] [--jobs J] [--verbose] [--save DIR]\n"
	           "             [--unsafe RULE]... [--broken-suspend-clock] [--no-wire]\n"
	           "  --seed S       scenario: the world's seed (default the file's #@ seed, else 1)\n"
	           "  --save DIR     random: save each run that breaks the contract as DIR/random-seed-S.sc\n"
	           "  --unsafe RULE  break one rule of the core on purpose (tests of the checks): skip-removal-wait,\n"
	           "                 form-from-heard, lock-forgets-stale, never-admit, rule2-off, stale-access\n"
	           "                 (--unsafe-skip-removal-wait is --unsafe skip-removal-wait)\n");
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return false;
	*out = v;
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"scenario", required_argument, NULL, 'f'}, {"random", no_argument, NULL, 'r'},
		{"runs", required_argument, NULL, 'n'},     {"seed", required_argument, NULL, 's'},
		{"hosts-max", required_argument, NULL, 'm'},{"jobs", required_argument, NULL, 'j'},
		{"trace", no_argument, NULL, 't'},          {"trace-verbose", no_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},        {"unsafe-skip-removal-wait", no_argument, NULL, 'U'},
		{"no-wire", no_argument, NULL, 'W'},        {"help", no_argument, NULL, 'h'},
		{"broken-suspend-clock", no_argument, NULL, 'S'}, {"unsafe", required_argument, NULL, 'u'},
		{"save", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct opts){.runs = 1, .seed = 1, .hosts_max = 8, .jobs = 2};
	uint64_t v;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': o->scenario = optarg; break;
		case 'r': o->random = true; break;
		case 'n': if (!parse_u64(optarg, &o->runs)) return -1; break;
		case 's': if (!parse_u64(optarg, &o->seed)) return -1; o->seed_given = true; break;
		case 'D': o->save_dir = optarg; break;
		case 'm': if (!parse_u64(optarg, &v) || v < 2 || v > HB_MAX_HOSTS) return -1; o->hosts_max = (unsigned)v; break;
		case 'j': if (!parse_u64(optarg, &v) || v < 1 || v > SIM_MAX_JOBS) return -1; o->jobs = (unsigned)v; break;
		case 't': o->trace = true; break;
		case 'T': o->trace = o->trace_verbose = true; break;
		case 'v': o->verbose = true; break;
		case 'U': o->unsafe |= HB_UNSAFE_SKIP_REMOVAL_WAIT; break;
		case 'u':
			if (hb_core_unsafe_parse(optarg) == 0)
				return -1;
			o->unsafe |= hb_core_unsafe_parse(optarg);
			break;
		case 'W': o->no_wire = true; break;
		case 'S': o->broken_suspend_clock = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (optind != argc || (o->scenario != NULL) == o->random || (o->save_dir != NULL && !o->random))
		return -1;
	if (o->trace)
		o->jobs = 1;
	return 0;
}

/* ---- scenario mode ------------------------------------------------------ */

static void print_timing(const struct sim_cfg *cfg)
{
	const struct hb_timing *t = &cfg->timing;
	printf("hbsim: timing T=%" PRIu32 "s: failover_bound %" PRIu32 "ms, isolation_bound %" PRIu32
	       "ms, failover_typical %" PRIu32 "ms, removal_wait %" PRIu32 "ms, fence_bound %" PRIu32
	       "ms, hung_agent_bound %" PRIu32 "ms, hung_storage_bound %" PRIu32 "ms, lock_wait %" PRIu32
	       "ms, io_deadline %" PRIu32 "ms, settle %" PRIu32 "ms, watchdog %" PRIu32 "ms\n",
	       cfg->T_s, t->failover_bound_ms, t->isolation_bound_ms, t->failover_typical_ms, t->removal_wait_ms,
	       t->fence_bound_ms, t->hung_agent_bound_ms, t->hung_storage_bound_ms, t->lock_wait_ms,
	       t->sf_io_timeout_ms, t->settle_ms, t->p.watchdog_timeout_ms);
}

static int scenario_in(const struct opts *o, struct sim_world *w, struct sim_out *out)
{
	struct hb_err err = {{0}};
	struct sim_cfg cfg = {0};
	size_t n;
	if (sim_scenario_load(o->scenario, &cfg, w->stmts, &n, &err) < 0) {
		fprintf(stderr, "hbsim: %s\n", err.msg);
		return 2;
	}
	if (o->seed_given || !cfg.seed_in_file)
		cfg.seed = o->seed;
	cfg.unsafe = o->unsafe;
	cfg.broken_suspend_clock = o->broken_suspend_clock;
	cfg.wire = !o->no_wire;
	cfg.check_quiet_agreement = true;
	w->print_expect = true;
	w->trace.verbose = o->trace_verbose;
	w->trace.live = o->trace ? out : NULL;
	printf("hbsim: scenario %s: %u hosts, %u path(s), seed %" PRIu64 "%s\n", o->scenario, cfg.n_hosts, cfg.n_paths,
	       cfg.seed, o->unsafe ? ", UNSAFE core (a rule broken on purpose)" : "");
	print_timing(&cfg);
	if (sim_world_reset(w, &cfg, n) < 0)
		return 2;
	unsigned v = sim_world_run(w);
	if (w->chk.residuals)
		printf("hbsim: removals in the residual case of docs/design.md: %u\n", w->chk.residuals);
	printf("hbsim: expectations=%u met=%u violations=%u\n", w->chk.expects, w->chk.met, v);
	return v == 0 && w->chk.met == w->chk.expects ? 0 : 1;
}

static int run_scenario(const struct opts *o)
{
	struct sim_out out = {0};
	out.echo = stdout; /* no buffer: the report goes straight out */
	struct sim_world *w = sim_world_new(HB_MAX_HOSTS, &out);
	if (w == NULL)
		return 2;
	int rc = scenario_in(o, w, &out);
	sim_world_free(w);
	return rc;
}

/* ---- random mode ---------------------------------------------------------- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void run_random_one(struct sim_world *w, const struct opts *o, uint64_t seed, struct run_rec *rec)
{
	struct sim_cfg cfg;
	uint32_t kinds;
	size_t n = sim_random_make(seed, o->hosts_max, &cfg, w->stmts, &kinds);
	cfg.unsafe = o->unsafe;
	cfg.broken_suspend_clock = o->broken_suspend_clock;
	cfg.wire = !o->no_wire;
	char kn[200] = "";
	for (unsigned k = 0, used = 0; k < SK_COUNT; k++)
		if (kinds & (1u << k))
			used += (unsigned)snprintf(kn + used, used < sizeof kn ? sizeof kn - used : 0, "%s%s", used ? "," : "",
			                           sim_kind_name((enum sim_kind)k));
	snprintf(cfg.name, sizeof cfg.name, "random run, seed %" PRIu64 ", faults %s", seed, kinds ? kn : "none");
	w->trace.verbose = o->trace_verbose;
	if (sim_world_reset(w, &cfg, n) < 0)
		abort();
	unsigned v = sim_world_run(w);
	*rec = (struct run_rec){.seed = seed, .sim_us = (uint64_t)w->now_us, .events = w->events, .violations = v,
	                        .check = w->chk.first, .kinds = kinds, .n_samples = w->chk.n_samples,
	                        .residuals = w->chk.residuals};
	memcpy(rec->samples, w->chk.samples, sizeof rec->samples);
	if (v > 0 && o->save_dir != NULL) {
		char path[4096];
		snprintf(path, sizeof path, "%s/random-seed-%" PRIu64 ".sc", o->save_dir, seed);
		if (sim_save_violation(w, path, w->out->buf, w->out->len) < 0)
			sim_out_printf(w->out, "hbsim: cannot save %s: %s\n", path, strerror(errno));
		else
			sim_out_printf(w->out, "hbsim: saved as %s\n", path);
	}
	if (o->verbose)
		sim_out_printf(w->out, "run seed %" PRIu64 ": %s, %u hosts, T=%" PRIu32 "s, %u path(s), %.1fs simulated, "
		               "%" PRIu64 " events, %u failover(s), %s%s\n", seed, kinds ? kn : "no faults", cfg.n_hosts, cfg.T_s,
		               cfg.n_paths, (double)w->now_us / 1e6, w->events, w->chk.n_samples, v ? "VIOLATION " : "ok",
		               v ? sim_check_name(w->chk.first) : "");
}

static void worker(const struct opts *o, unsigned j, int fd)
{
	struct sim_out out;
	if (sim_out_init(&out, SIM_OUT_CAP) < 0)
		_exit(3);
	struct sim_world *w = sim_world_new(o->hosts_max, &out);
	if (w == NULL)
		_exit(3);
	if (o->trace)
		w->trace.live = &out;
	for (uint64_t r = j; r < o->runs; r += o->jobs) {
		struct run_rec rec;
		sim_out_reset(&out);
		run_random_one(w, o, o->seed + r, &rec);
		rec.text_len = (uint32_t)out.len;
		if (write_all(fd, &rec, sizeof rec) < 0 || write_all(fd, out.buf, out.len) < 0)
			_exit(3);
	}
	sim_world_free(w);
	sim_out_free(&out);
	_exit(0);
}

struct totals {
	uint64_t runs, violations, sim_us, events, residuals;
	uint64_t by_check[CK_COUNT];
	uint64_t kinds[SK_COUNT];
	uint32_t *samples;
	size_t n_samples;
};

static void account(struct totals *t, const struct run_rec *rec, const char *text, unsigned *printed)
{
	t->runs++;
	t->residuals += rec->residuals;
	t->sim_us += rec->sim_us;
	t->events += rec->events;
	for (unsigned k = 0; k < SK_COUNT; k++)
		if (rec->kinds & (1u << k))
			t->kinds[k]++;
	for (uint32_t i = 0; i < rec->n_samples && i < SIM_MAX_SAMPLES; i++)
		t->samples[t->n_samples++] = rec->samples[i];
	if (rec->violations > 0) {
		t->violations++;
		if (rec->check < CK_COUNT)
			t->by_check[rec->check]++;
		if ((*printed)++ >= SIM_MAX_PRINTED_REPORTS) {
			printf("hbsim: run seed %" PRIu64 ": VIOLATION %s (report not printed, replay with --runs 1 --seed %"
			       PRIu64 ")\n", rec->seed, sim_check_name((enum sim_check_id)rec->check), rec->seed);
			return;
		}
	}
	fwrite(text, 1, rec->text_len, stdout);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* throughput only, never a decision */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_summary(const struct opts *o, struct totals *t, double wall)
{
	qsort(t->samples, t->n_samples, sizeof t->samples[0], cmp_u32);
	uint32_t p50 = t->n_samples ? t->samples[(t->n_samples - 1) / 2] : 0;
	uint32_t max = t->n_samples ? t->samples[t->n_samples - 1] : 0;
	printf("hbsim: runs with each fault kind:");
	for (unsigned k = 0; k < SK_COUNT; k++)
		printf(" %s=%" PRIu64, sim_kind_name((enum sim_kind)k), t->kinds[k]);
	printf("\nhbsim: removals in the residual case of docs/design.md (a forged claim its victim could not read "
	       "back, storage failing, unheard): %" PRIu64, t->residuals);
	printf("\nhbsim: failovers timed=%zu, simulated %.0fs, %" PRIu64 " events\n", t->n_samples, (double)t->sim_us / 1e6,
	       t->events);
	if (t->violations > 0) {
		printf("hbsim: violations by check:");
		for (unsigned c = 0; c < CK_COUNT; c++)
			if (t->by_check[c] > 0)
				printf(" %s=%" PRIu64, sim_check_name((enum sim_check_id)c), t->by_check[c]);
		printf("\n");
	}
	if (wall <= 0)
		wall = 1e-9;
	printf("hbsim: throughput %.1f runs/s, %.0f simulated s per wall s, %.2fM events/s (%.1fs wall, %u jobs)\n",
	       (double)t->runs / wall, (double)t->sim_us / 1e6 / wall, (double)t->events / wall / 1e6, wall, o->jobs);
	printf("hbsim: runs=%" PRIu64 " violations=%" PRIu64 " failover_p50=%" PRIu32 "ms failover_max=%" PRIu32 "ms\n",
	       t->runs, t->violations, p50, max);
}

static int collect(const struct opts *o, const int *fds, struct totals *t)
{
	char *text = malloc(SIM_OUT_CAP);
	unsigned printed = 0;
	if (text == NULL)
		return -1;
	for (uint64_t r = 0; r < o->runs; r++) {
		struct run_rec rec;
		int fd = fds[r % o->jobs];
		if (read_all(fd, &rec, sizeof rec) < 0 || rec.text_len > SIM_OUT_CAP || read_all(fd, text, rec.text_len) < 0) {
			free(text);
			return -1;
		}
		account(t, &rec, text, &printed);
		fflush(stdout);
	}
	free(text);
	return 0;
}

static int run_random(const struct opts *o)
{
	int fds[SIM_MAX_JOBS];
	pid_t pids[SIM_MAX_JOBS];
	struct totals t = {0};
	t.samples = calloc(o->runs * SIM_MAX_SAMPLES + 1, sizeof *t.samples);
	if (t.samples == NULL)
		return 2;
	double start = wall_s();
	fflush(stdout);
	for (unsigned j = 0; j < o->jobs; j++) {
		int p[2];
		if (pipe(p) < 0)
			return 2;
		pids[j] = fork();
		if (pids[j] < 0)
			return 2;
		if (pids[j] == 0) {
			close(p[0]);
			worker(o, j, p[1]);
		}
		close(p[1]);
		fds[j] = p[0];
	}
	int rc = collect(o, fds, &t);
	int failed_workers = 0;
	for (unsigned j = 0; j < o->jobs; j++) {
		int status;
		close(fds[j]);
		if (rc < 0)
			kill(pids[j], SIGKILL);
		if (waitpid(pids[j], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed_workers++;
	}
	if (rc < 0 || failed_workers > 0) {
		fprintf(stderr, "hbsim: %d worker(s) failed\n", failed_workers);
		return 3;
	}
	print_summary(o, &t, wall_s() - start);
	free(t.samples);
	return t.violations == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	int rc = o.scenario != NULL ? run_scenario(&o) : run_random(&o);
	fflush(stdout);
	return rc;
}
