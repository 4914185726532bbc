/*
 * fuzz_sim.c: libFuzzer target that searches for runs breaking the safety
 * contract. Each input becomes a random run of hbsim
 * (sim_random_from_bytes, tests/sim/sim_random.h: the pool's size and
 * paths, its timing, the fault kinds enabled, the schedule, the world's
 * seed), the real cores run it in the deterministic simulator with every
 * check of tests/sim/sim_check.c, and a violation aborts: the run is first
 * saved as a scenario file that hbsim replays (sim_save.h), named
 * fuzz-HASH.sc, in $HBSIM_FUZZ_SAVE_DIR (default tests/scenarios under the
 * current directory when there is one, else the current directory), and
 * its report is printed. Coverage of the core (libhb built with
 * -fsanitize=fuzzer-no-link) guides the search toward new decisions.
 *
 * Environment: HBSIM_FUZZ_HOSTS_MAX (2..64, default 8) the largest pool;
 * HBSIM_FUZZ_UNSAFE=RULE breaks a rule of the core on purpose (the fuzzer
 * must then find a violation: run_fuzzers.sh checks it does). Seeds:
 * corpus/sim/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hb_core.h"
#include "sim_out.h"
#include "sim_random.h"
#include "sim_save.h"
#include "sim_world.h"

#define REPORT_CAP (256u * 1024u)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sim_out out;
static struct sim_world *world;
static unsigned hosts_max = 8;
static unsigned unsafe;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *e = getenv("HBSIM_FUZZ_HOSTS_MAX");
	if (e != NULL) {
		long v = strtol(e, NULL, 10);
		if (v < 2 || v > HB_MAX_HOSTS) {
			fprintf(stderr, "fuzz_sim: HBSIM_FUZZ_HOSTS_MAX=%s: not 2..%u\n", e, HB_MAX_HOSTS);
			exit(2);
		}
		hosts_max = (unsigned)v;
	}
	e = getenv("HBSIM_FUZZ_UNSAFE");
	if (e != NULL && *e != '\0') {
		unsafe = hb_core_unsafe_parse(e);
		if (unsafe == 0) {
			fprintf(stderr, "fuzz_sim: HBSIM_FUZZ_UNSAFE=%s: no such rule\n", e);
			exit(2);
		}
	}
	if (sim_out_init(&out, REPORT_CAP) < 0 || (world = sim_world_new(hosts_max, &out)) == NULL) {
		fprintf(stderr, "fuzz_sim: out of memory\n");
		exit(2);
	}
	return 0;
}

static const char *save_dir(void)
{
	const char *d = getenv("HBSIM_FUZZ_SAVE_DIR");
	struct stat st;
	if (d != NULL && *d != '\0')
		return d;
	return stat("tests/scenarios", &st) == 0 && S_ISDIR(st.st_mode) ? "tests/scenarios" : ".";
}

/* FNV-1a of the input: the saved file's name. */
static uint64_t input_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_cfg cfg;
	uint32_t kinds;
	size_t n = sim_random_from_bytes(data, size, hosts_max, &cfg, world->stmts, &kinds);
	cfg.unsafe = unsafe;
	cfg.wire = true;
	snprintf(cfg.name, sizeof cfg.name, "fuzz_sim input of %zu bytes", size);
	sim_out_reset(&out);
	if (sim_world_reset(world, &cfg, n) < 0)
		abort();
	if (sim_world_run(world) == 0)
		return 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/fuzz-%016llx.sc", save_dir(), (unsigned long long)input_hash(data, size));
	fprintf(stderr, "%.*s", (int)out.len, out.buf);
	if (sim_save_violation(world, path, out.buf, out.len) == 0)
		fprintf(stderr, "fuzz_sim: saved as %s (replay: hbsim --scenario %s%s%s)\n", path, path,
		        unsafe ? " --unsafe " : "", unsafe ? hb_core_unsafe_name(unsafe) : "");
	else
		perror(path);
	abort();
}
