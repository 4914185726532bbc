/*
 * hbctl_fencelog.c: `hbctl fence-log`: why and when each host last fenced
 * itself, from the last words in its statefile slot. Needs no agent.
 *
 * Owns reading every configured slot (hb_sftool_dump, with its deadline),
 * the per-host rendering (human, --json array), the wall-clock formatting of
 * last words shared with `hbctl status`, and the exit codes: 8 when a block
 * cannot be read, 9 when the global block or a slot does not decode.
 */
#include "hbctl.h"
#include "hb_clock.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hb_config.h"
#include "hb_exit.h"
#include "hb_sf_json.h"
#include "hb_sftool.h"
#include "hb_uuid.h"

/* What the slot says about last words, or why it says nothing. */
static const char *slot_problem(const struct hb_sf_dump *d, unsigned i, char *buf, size_t len)
{
	switch (hb_sf_dump_slot_state(d, i)) {
	case HB_SF_SLOT_IOERROR:
		if (d->slot_io[i].status == HB_SFIO_ERROR)
			snprintf(buf, len, "slot unreadable (%s)", strerror(d->slot_io[i].error));
		else
			snprintf(buf, len, "slot unreadable (%s)", hb_sfio_status_name(d->slot_io[i].status));
		return buf;
	case HB_SF_SLOT_INVALID:
		snprintf(buf, len, "slot invalid (%s)", hb_reject_name(d->slot_reject[i]));
		return buf;
	case HB_SF_SLOT_VALID:
	case HB_SF_SLOT_EMPTY:
		break;
	}
	return NULL;
}

/* No last words: what the slot's last record says of how the host ended.
 * A watchdog reset or a power loss leaves no words, only a slot that was
 * last written Online and armed. */
static const char *no_words_why(const struct hb_slot *s)
{
	if (s->boot_id == 0)
		return "no agent has written this slot since the statefile was formatted";
	switch ((enum hb_phase)s->view.phase) {
	case HB_PHASE_STOPPED: return "its last record is a clean stop";
	case HB_PHASE_STARTING:
	case HB_PHASE_JOINING: return "its last record was written while starting; it never fenced";
	case HB_PHASE_FENCING: return "its last record says it was fencing, but its words did not land";
	case HB_PHASE_ONLINE: break;
	}
	if (s->view.flags & HB_VF_ARMED)
		return "its last record was written Online and armed: if the host is not running now, its watchdog "
		       "reset it (a hang, a stall longer than W) or it lost power, which leave no words";
	return "its last record was written Online and disarmed";
}

static void print_human(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	char u[HB_UUID_STR_LEN], buf[128];
	for (unsigned i = 0; i < t->n_hosts; i++) {
		printf("host %u %s%s: ", i, hb_uuid_format(&t->host_uuids[i], u), i == t->local_index ? " (this host)" : "");
		const char *problem = slot_problem(d, i, buf, sizeof buf);
		const struct hb_last_words *lw = &d->slots[i].last_words;
		if (problem != NULL) {
			printf("%s\n", problem);
		} else if (lw->reason == HB_FENCE_NONE) {
			printf("no last words (boot id %" PRIu64 "): %s\n", d->slots[i].boot_id, no_words_why(&d->slots[i]));
		} else {
			hb_clock_format_iso((int64_t)lw->realtime_ms, buf, sizeof buf);
			printf("fenced %s at %s (boot id %" PRIu64 "): %s\n",
			       hb_fence_reason_name((enum hb_fence_reason)lw->reason), buf, lw->boot_id, lw->text);
		}
	}
}

static void print_json(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	char u[HB_UUID_STR_LEN], buf[128];
	json_object *arr = json_object_new_array();
	for (unsigned i = 0; i < t->n_hosts; i++) {
		json_object *o = json_object_new_object();
		const enum hb_sf_slot_state st = hb_sf_dump_slot_state(d, i);
		const struct hb_last_words *lw = &d->slots[i].last_words;
		json_object_object_add(o, "index", json_object_new_int((int)i));
		json_object_object_add(o, "uuid", json_object_new_string(hb_uuid_format(&t->host_uuids[i], u)));
		json_object_object_add(o, "local", json_object_new_boolean(i == t->local_index));
		json_object_object_add(o, "slot", json_object_new_string(hb_sf_slot_state_name(st)));
		const char *problem = slot_problem(d, i, buf, sizeof buf);
		json_object_object_add(o, "error", problem != NULL ? json_object_new_string(problem) : NULL);
		json_object_object_add(o, "last_words", problem == NULL ? hb_json_last_words(lw) : NULL);
		json_object_object_add(o, "no_words_why", problem == NULL && lw->reason == HB_FENCE_NONE
		                                                  ? json_object_new_string(no_words_why(&d->slots[i]))
		                                                  : NULL);
		json_object_array_add(arr, o);
	}
	hbctl_print_json(arr);
	json_object_put(arr);
}

/* 8 when a block could not be read, 9 when the global block or a slot does
 * not decode (with a line on stderr), else 0. */
static int verdict(const struct hb_sftool_target *t, const struct hb_sf_dump *d)
{
	unsigned io_errors = hb_sf_dump_io_errors(d, t->n_hosts), invalid = 0;
	for (unsigned i = 0; i < t->n_hosts; i++)
		invalid += hb_sf_dump_slot_state(d, i) == HB_SF_SLOT_INVALID;
	if (io_errors > 0) {
		fprintf(stderr, "hbctl: fence-log: statefile %s: %u block(s) could not be read\n", t->path, io_errors);
		return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
	}
	if (d->global_reject != HB_REJECT_NONE) {
		fprintf(stderr, "hbctl: fence-log: statefile %s: the global block is invalid (%s)\n", t->path,
		        hb_reject_name(d->global_reject));
		return HB_EXIT_INVALID_STATE_FILE;
	}
	if (!d->global_generation_ok || !d->global_n_hosts_ok) {
		fprintf(stderr, "hbctl: fence-log: statefile %s belongs to another pool (generation or host count differ)\n",
		        t->path);
		return HB_EXIT_INVALID_STATE_FILE;
	}
	if (invalid > 0) {
		fprintf(stderr, "hbctl: fence-log: statefile %s: %u slot(s) do not decode\n", t->path, invalid);
		return HB_EXIT_INVALID_STATE_FILE;
	}
	return HB_EXIT_SUCCESS;
}

int hbctl_fence_log(const struct hbctl_opts *opts, int argc, char **argv)
{
	static struct hb_sf_dump dump;
	struct hbctl_args a;
	int rc = hbctl_parse_args(opts, argc, argv, false, 0, 0, "fence-log [--json]", &a);
	if (rc != 0)
		return rc < 0 ? HB_EXIT_INVALID_PARAMETER : HB_EXIT_SUCCESS;
	const struct hb_config *cfg = NULL;
	if ((rc = hbctl_config(opts, false, &cfg)) != HB_EXIT_SUCCESS)
		return rc;
	struct hb_sftool_target t;
	struct hb_err err = {{0}};
	hb_sftool_target_from_config(cfg, HB_SFTOOL_TIMEOUT_DEFAULT_MS, &t);
	rc = hb_sftool_dump(&t, &dump, &err);
	if (rc != HB_EXIT_SUCCESS) {
		fprintf(stderr, "hbctl: fence-log: %s\n", err.msg);
		return rc;
	}
	if (a.json)
		print_json(&t, &dump);
	else
		print_human(&t, &dump);
	rc = verdict(&t, &dump);
	if (fflush(stdout) != 0 && rc == HB_EXIT_SUCCESS)
		rc = HB_EXIT_SYSTEM_ERROR;
	return rc;
}
