/*
 * hbctl_statefile.c: `hbctl statefile init|dump|set-pool-state STATE|
 * set-excluded|clear-excluded [--timeout MS] [--json]`.
 *
 * Owns the argument parsing, the human rendering of a statefile dump (its
 * JSON records are hb_sf_json's, shared with the agent's statefile query)
 * and the mapping to xhad's exit codes. The device work, its deadline
 * and the decoding are hb_sftool's (libhb/tools/hb_sftool.h); docs/statefile.md
 * describes the commands and their output.
 */
#include "hbctl.h"
#include "hb_clock.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_sf_json.h"
#include "hb_sftool.h"
#include "hb_uuid.h"

#define TIMEOUT_MAX_MS 3600000u /* one hour */

enum sf_action { ACT_INIT, ACT_DUMP, ACT_SET_POOL_STATE, ACT_SET_EXCLUDED, ACT_CLEAR_EXCLUDED };

struct sf_args {
	enum sf_action action;
	enum hb_pool_state state; /* ACT_SET_POOL_STATE */
	unsigned timeout_ms;
	bool json;
	bool help;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hbctl [-c FILE] statefile COMMAND [--timeout MS] [--json]\n"
		"commands:\n"
		"  init                      write every host slot, then the global block (pool state init)\n"
		"  dump                      print the global block and every configured host slot\n"
		"  set-pool-state init|active|invalid\n"
		"                            rewrite the pool state in the global block\n"
		"  set-excluded              set the excluded flag in this host's slot (pool state active)\n"
		"  clear-excluded            clear it\n"
		"options:\n"
		"  --timeout MS              give up after MS milliseconds (default %u, exit 8)\n"
		"  --json                    print the statefile as a JSON object\n",
		HB_SFTOOL_TIMEOUT_DEFAULT_MS);
}

/* ---- arguments ----------------------------------------------------------- */

static int parse_timeout(const char *text, unsigned *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < 1 || v > TIMEOUT_MAX_MS) {
		fprintf(stderr, "hbctl statefile: --timeout %s: expected milliseconds, 1..%u\n", text, TIMEOUT_MAX_MS);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_action(int n, char **pos, struct sf_args *a)
{
	static const struct { const char *name; enum sf_action action; int n_args; } table[] = {
		{"init", ACT_INIT, 0}, {"dump", ACT_DUMP, 0}, {"set-pool-state", ACT_SET_POOL_STATE, 1},
		{"set-excluded", ACT_SET_EXCLUDED, 0}, {"clear-excluded", ACT_CLEAR_EXCLUDED, 0},
	};
	if (n < 1) {
		fprintf(stderr, "hbctl statefile: missing command\n");
		return -1;
	}
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strcmp(pos[0], table[i].name) != 0)
			continue;
		if (n - 1 != table[i].n_args) {
			fprintf(stderr, "hbctl statefile %s: expected %d argument(s), got %d\n", pos[0], table[i].n_args, n - 1);
			return -1;
		}
		a->action = table[i].action;
		if (a->action == ACT_SET_POOL_STATE && !hb_pool_state_parse(pos[1], &a->state)) {
			fprintf(stderr, "hbctl statefile set-pool-state: \"%s\" is not init, active or invalid\n", pos[1]);
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "hbctl statefile: unknown command \"%s\"\n", pos[0]);
	return -1;
}

static int parse_args(const struct hbctl_opts *opts, int argc, char **argv, struct sf_args *a)
{
	static const struct option long_opts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof *a);
	a->timeout_ms = HB_SFTOOL_TIMEOUT_DEFAULT_MS;
	a->json = opts->json;
	optind = 0; /* full re-initialisation of getopt (argv[0] is "statefile") */
	int c;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_timeout(optarg, &a->timeout_ms) < 0)
				return -1;
			break;
		case 'j': a->json = true; break;
		case 'h': a->help = true; return 0;
		default: return -1;
		}
	}
	return parse_action(argc - optind, argv + optind, a);
}

/* ---- shared rendering helpers -------------------------------------------- */

static void format_flags(unsigned flags, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (unsigned b = 0; (1u << b) & HB_VF_ALL && used < len; b++) {
		if (flags & (1u << b))
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", hb_view_flag_name(1u << b));
	}
	if (out[0] == '\0')
		snprintf(out, len, "-");
}

static const char *format_io(const struct hb_sfio_result *io, char *out, size_t len)
{
	if (io->status == HB_SFIO_ERROR)
		snprintf(out, len, "%s", strerror(io->error));
	else if (io->status == HB_SFIO_SHORT)
		snprintf(out, len, "short read, %u of %u bytes", io->bytes, HB_SF_BLOCK_SIZE);
	else
		snprintf(out, len, "%s", hb_sfio_status_name(io->status));
	return out;
}

/* "hbctl" or "host N". */
static void format_writer(unsigned writer, char *out, size_t len)
{
	if (writer == HB_SFTOOL_WRITER)
		snprintf(out, len, "hbctl");
	else
		snprintf(out, len, "host %u", writer);
}

/* ---- text ---------------------------------------------------------------- */

static void print_sector(const char *label, unsigned bytes)
{
	if (bytes)
		printf("%-18s%u bytes\n", label, bytes);
	else
		printf("%-18sn/a\n", label);
}

static void print_device(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	printf("%-18s%s\n", "statefile:", t->path);
	printf("%-18s%s\n", "device:", hb_sfdev_kind_name(d->dev.kind));
	print_sector("logical sector:", d->dev.logical_sector);
	print_sector("physical sector:", d->dev.physical_sector);
	printf("%-18s%" PRIu64 " bytes (%u hosts need %" PRIu64 ")\n", "size:", d->dev.size, t->n_hosts, d->required_size);
}

static void print_global(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	char buf[128], u[HB_UUID_STR_LEN];
	const struct hb_global *g = &d->global;
	if (d->global_io.status != HB_SFIO_OK) {
		printf("%-18sIOERROR(%s)\n", "global block:", format_io(&d->global_io, buf, sizeof buf));
		return;
	}
	if (d->global_reject != HB_REJECT_NONE) {
		printf("%-18sINVALID(%s)\n", "global block:", hb_reject_name(d->global_reject));
		return;
	}
	printf("%-18s%s\n", "global block:", d->global_generation_ok && d->global_n_hosts_ok ? "VALID" : "VALID (does not match the configuration)");
	printf("  %-16s%s", "generation:", hb_uuid_format(&g->generation, u));
	if (d->global_generation_ok)
		printf(" (matches the configuration)\n");
	else
		printf(" (MISMATCH: the configuration has %s)\n", hb_uuid_format(&t->generation, u));
	printf("  %-16s%s\n", "pool state:", hb_pool_state_name((enum hb_pool_state)g->pool_state));
	printf("  %-16s%u%s\n", "hosts:", g->n_hosts, d->global_n_hosts_ok ? "" : " (MISMATCH with the configuration)");
	if (hb_uuid_is_nil(&g->master))
		printf("  %-16s%s\n", "master field:", "none (reserved: the master lock is in the slots, below)");
	else
		printf("  %-16s%s\n", "master field:", hb_uuid_format(&g->master, u));
	printf("  %-16s%" PRIu64 "\n", "sequence:", g->sequence);
	format_writer(g->writer, buf, sizeof buf);
	printf("  %-16s%s\n", "writer:", buf);
}

static void print_last_words(const struct hb_last_words *lw)
{
	char when[64];
	if (lw->reason == HB_FENCE_NONE)
		return;
	hb_clock_format_iso((int64_t)lw->realtime_ms, when, sizeof when);
	printf("  last words: %s \"%s\" at %s (boot_id %" PRIu64 ")\n",
		hb_fence_reason_name((enum hb_fence_reason)lw->reason), lw->text, when, lw->boot_id);
}

static void print_slot(const struct hb_sftool_target *t, const struct hb_sf_dump *d, unsigned i)
{
	char u[HB_UUID_STR_LEN], a[256], b[256];
	const enum hb_sf_slot_state st = hb_sf_dump_slot_state(d, i);
	printf("slot %u %s%s: ", i, hb_uuid_format(&t->host_uuids[i], u), i == t->local_index ? " (local)" : "");
	if (st == HB_SF_SLOT_IOERROR) {
		printf("IOERROR(%s)\n", format_io(&d->slot_io[i], a, sizeof a));
		return;
	}
	if (st == HB_SF_SLOT_INVALID) {
		printf("INVALID(%s)\n", hb_reject_name(d->slot_reject[i]));
		return;
	}
	const struct hb_slot *s = &d->slots[i];
	printf("%s\n", hb_sf_slot_state_name(st));
	format_flags(s->view.flags, a, sizeof a);
	printf("  sequence %" PRIu64 "  boot_id %" PRIu64 "  phase %s  flags %s  weight %u\n", s->sequence, s->boot_id,
		hb_phase_name((enum hb_phase)s->view.phase), a, s->view.weight);
	printf("  liveset %s  proposed %s  epoch %" PRIu64 "  fence bound %" PRIu32 " ms\n",
	       hb_hostmap_format(s->view.liveset, ",", "-", a, sizeof a), hb_hostmap_format(s->view.proposed, ",", "-", b, sizeof b),
	       s->view.epoch, s->view.fence_bound_ms);
	print_last_words(&s->last_words);
}

/* Who holds the master lock, as the slots say (the master flag of a host
 * Online): the statefile's view; a host's status and liveset are the
 * agent's, which also weigh its heartbeats. */
static void print_master(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	char u[HB_UUID_STR_LEN];
	unsigned n = 0;
	printf("master lock:      ");
	for (unsigned i = 0; i < t->n_hosts; i++) {
		enum hb_sf_slot_state st = hb_sf_dump_slot_state(d, i);
		const struct hb_slot *s = &d->slots[i];
		if (st != HB_SF_SLOT_VALID || s->view.phase != HB_PHASE_ONLINE || !(s->view.flags & HB_VF_MASTER))
			continue;
		printf("%shost %u %s", n++ ? ", " : "", i, hb_uuid_format(&t->host_uuids[i], u));
	}
	printf("%s\n", n == 0 ? "none held (no Online slot has the master flag)" : " (the master flag of its slot)");
}

static void print_dump(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	print_device(t, d);
	print_global(t, d);
	for (unsigned i = 0; i < t->n_hosts; i++)
		print_slot(t, d, i);
	print_master(t, d);
}

/* ---- JSON ---------------------------------------------------------------- */

/* How a block was read, for hb_sf_json (buf holds the I/O error's text). */
static struct hb_sf_json_block json_block(const struct hb_sfio_result *io, enum hb_reject reject, char *buf, size_t len)
{
	return (struct hb_sf_json_block){.io_error = io->status == HB_SFIO_OK ? NULL : format_io(io, buf, len), .reject = reject};
}

static json_object *json_device(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(t->path));
	json_object_object_add(o, "kind", json_object_new_string(d->dev.kind == HB_SFDEV_BLOCK ? "block" : "file"));
	json_object_object_add(o, "logical_sector_size", json_object_new_int((int)d->dev.logical_sector));
	json_object_object_add(o, "physical_sector_size", json_object_new_int((int)d->dev.physical_sector));
	json_object_object_add(o, "size", json_object_new_uint64(d->dev.size));
	json_object_object_add(o, "required_size", json_object_new_uint64(d->required_size));
	return o;
}

static void print_json(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	char buf[128];
	json_object *root = json_object_new_object();
	json_object_object_add(root, "statefile", json_device(t, d));
	json_object_object_add(root, "config", hb_json_sf_config(&t->generation, t->n_hosts, t->local_index));
	struct hb_sf_json_block b = json_block(&d->global_io, d->global_reject, buf, sizeof buf);
	json_object_object_add(root, "global", hb_json_sf_global(&b, &d->global, &t->generation, t->n_hosts));
	json_object *slots = json_object_new_array();
	for (unsigned i = 0; i < t->n_hosts; i++) {
		b = json_block(&d->slot_io[i], d->slot_reject[i], buf, sizeof buf);
		json_object_array_add(slots, hb_json_sf_slot(i, &t->host_uuids[i], i == t->local_index, &b, &d->slots[i]));
	}
	json_object_object_add(root, "slots", slots);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

/* ---- commands ------------------------------------------------------------ */

static void print_done(const struct sf_args *a, const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	char u[HB_UUID_STR_LEN];
	const struct hb_slot *s = &d->slots[t->local_index];
	switch (a->action) {
	case ACT_INIT:
		printf("statefile %s initialised: generation %s, %u hosts, pool state init\n", t->path, hb_uuid_format(&t->generation, u), t->n_hosts);
		break;
	case ACT_SET_POOL_STATE:
		printf("statefile %s: pool state %s (global sequence %" PRIu64 ")\n", t->path, hb_pool_state_name(a->state), d->global.sequence);
		break;
	case ACT_SET_EXCLUDED:
	case ACT_CLEAR_EXCLUDED:
		printf("statefile %s: host %u %s excluded flag %s (slot sequence %" PRIu64 ")\n", t->path, t->local_index,
			hb_uuid_format(&t->host_uuids[t->local_index], u), a->action == ACT_SET_EXCLUDED ? "set" : "cleared", s->sequence);
		break;
	case ACT_DUMP:
		print_dump(t, d);
		break;
	}
}

static int run_action(const struct sf_args *a, const struct hb_sftool_target *t, struct hb_sf_dump *d, struct hb_err *err)
{
	switch (a->action) {
	case ACT_INIT: return hb_sftool_init(t, d, err);
	case ACT_DUMP: return hb_sftool_dump(t, d, err);
	case ACT_SET_POOL_STATE: return hb_sftool_set_pool_state(t, a->state, d, err);
	case ACT_SET_EXCLUDED: return hb_sftool_set_excluded(t, true, d, err);
	case ACT_CLEAR_EXCLUDED: return hb_sftool_set_excluded(t, false, d, err);
	}
	return HB_EXIT_INTERNAL_BUG;
}

int hbctl_statefile(const struct hbctl_opts *opts, int argc, char **argv)
{
	static struct hb_config cfg;
	static struct hb_sf_dump dump;
	struct hb_sftool_target t;
	struct hb_err err = {{0}};
	struct sf_args a;
	if (parse_args(opts, argc, argv, &a) < 0) {
		usage(stderr);
		return HB_EXIT_INVALID_PARAMETER;
	}
	if (a.help) {
		usage(stdout);
		return HB_EXIT_SUCCESS;
	}
	int rc = hbctl_load_config(opts, &cfg);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	hb_sftool_target_from_config(&cfg, a.timeout_ms, &t);
	rc = run_action(&a, &t, &dump, &err);
	if (rc != HB_EXIT_SUCCESS) {
		fprintf(stderr, "hbctl: %s\n", err.msg);
		return rc;
	}
	if (a.json)
		print_json(&t, &dump);
	else
		print_done(&a, &t, &dump);
	unsigned io_errors = hb_sf_dump_io_errors(&dump, t.n_hosts);
	if (io_errors > 0) {
		fprintf(stderr, "hbctl: statefile %s: %u block(s) could not be read\n", t.path, io_errors);
		return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
	}
	return fflush(stdout) == 0 ? HB_EXIT_SUCCESS : HB_EXIT_SYSTEM_ERROR;
}
