/* hb_sf_json.c: the JSON form of the statefile's records (see hb_sf_json.h). */
#include "hb_sf_json.h"

#include <json-c/json.h>

#include "hb_clock.h"
#include "hb_uuid.h"

static void jset(struct json_object *o, const char *k, struct json_object *v) { json_object_object_add(o, k, v); }

static struct json_object *json_uuid(const hb_uuid *uuid)
{
	char u[HB_UUID_STR_LEN];
	return json_object_new_string(hb_uuid_format(uuid, u));
}

struct json_object *hb_json_hostlist(hb_hostmap set)
{
	struct json_object *arr = json_object_new_array();
	for (unsigned i = 0; i < HB_MAX_HOSTS; i++)
		if (set & hb_host_bit(i))
			json_object_array_add(arr, json_object_new_int((int)i));
	return arr;
}

struct json_object *hb_json_view_flags(unsigned flags)
{
	struct json_object *arr = json_object_new_array();
	for (unsigned b = 0; (1u << b) & HB_VF_ALL; b++)
		if (flags & (1u << b))
			json_object_array_add(arr, json_object_new_string(hb_view_flag_name(1u << b)));
	return arr;
}

struct json_object *hb_json_last_words(const struct hb_last_words *lw)
{
	char when[64];
	if (lw == NULL || lw->reason == HB_FENCE_NONE)
		return NULL;
	struct json_object *o = json_object_new_object();
	hb_clock_format_iso((int64_t)lw->realtime_ms, when, sizeof when);
	jset(o, "reason", json_object_new_string(hb_fence_reason_name((enum hb_fence_reason)lw->reason)));
	jset(o, "text", json_object_new_string(lw->text));
	jset(o, "boot_id", json_object_new_uint64(lw->boot_id));
	jset(o, "realtime_ms", json_object_new_uint64(lw->realtime_ms));
	jset(o, "time", json_object_new_string(when));
	return o;
}

struct json_object *hb_json_sf_config(const hb_uuid *generation, unsigned n_hosts, unsigned local_index)
{
	struct json_object *o = json_object_new_object();
	jset(o, "generation", json_uuid(generation));
	jset(o, "n_hosts", json_object_new_int((int)n_hosts));
	jset(o, "local_index", json_object_new_int((int)local_index));
	return o;
}

static bool decodes(const struct hb_sf_json_block *b) { return b->io_error == NULL && b->reject == HB_REJECT_NONE; }

/* {valid, io_error, reject}: how the block was read. */
static void block_fields(struct json_object *o, const struct hb_sf_json_block *b)
{
	jset(o, "valid", json_object_new_boolean(decodes(b)));
	jset(o, "io_error", b->io_error != NULL ? json_object_new_string(b->io_error) : NULL);
	jset(o, "reject", b->io_error == NULL && b->reject != HB_REJECT_NONE ? json_object_new_string(hb_reject_name(b->reject)) : NULL);
}

struct json_object *hb_json_sf_global(const struct hb_sf_json_block *b, const struct hb_global *g,
                                      const hb_uuid *generation, unsigned n_hosts)
{
	struct json_object *o = json_object_new_object();
	block_fields(o, b);
	if (!decodes(b))
		return o;
	jset(o, "generation", json_uuid(&g->generation));
	jset(o, "generation_matches", json_object_new_boolean(hb_uuid_cmp(&g->generation, generation) == 0));
	jset(o, "pool_state", json_object_new_string(hb_pool_state_name((enum hb_pool_state)g->pool_state)));
	jset(o, "n_hosts", json_object_new_int((int)g->n_hosts));
	jset(o, "n_hosts_matches", json_object_new_boolean(g->n_hosts == n_hosts));
	jset(o, "master", hb_uuid_is_nil(&g->master) ? NULL : json_uuid(&g->master));
	jset(o, "sequence", json_object_new_uint64(g->sequence));
	jset(o, "writer", json_object_new_int(g->writer));
	return o;
}

const char *hb_sf_json_slot_state(const struct hb_sf_json_block *b, const struct hb_slot *s)
{
	if (b->io_error != NULL)
		return "IOERROR";
	if (b->reject != HB_REJECT_NONE)
		return "INVALID";
	return s->boot_id == 0 ? "EMPTY" : "VALID";
}

struct json_object *hb_json_sf_slot(unsigned index, const hb_uuid *uuid, bool local, const struct hb_sf_json_block *b,
                                    const struct hb_slot *s)
{
	struct json_object *o = json_object_new_object();
	jset(o, "index", json_object_new_int((int)index));
	jset(o, "uuid", json_uuid(uuid));
	jset(o, "local", json_object_new_boolean(local));
	jset(o, "state", json_object_new_string(hb_sf_json_slot_state(b, s)));
	block_fields(o, b);
	if (!decodes(b))
		return o;
	jset(o, "sequence", json_object_new_uint64(s->sequence));
	jset(o, "boot_id", json_object_new_uint64(s->boot_id));
	jset(o, "written_at_ms", json_object_new_uint64(s->written_at_ms));
	jset(o, "phase", json_object_new_string(hb_phase_name((enum hb_phase)s->view.phase)));
	jset(o, "flags", hb_json_view_flags(s->view.flags));
	jset(o, "weight", json_object_new_int(s->view.weight));
	jset(o, "liveset", hb_json_hostlist(s->view.liveset));
	jset(o, "proposed", hb_json_hostlist(s->view.proposed));
	jset(o, "epoch", json_object_new_uint64(s->view.epoch));
	jset(o, "fence_bound_ms", json_object_new_int64(s->view.fence_bound_ms));
	jset(o, "fence_flag_bound_ms", json_object_new_int64(s->view.fence_flag_bound_ms));
	jset(o, "hb_timeout_ms", json_object_new_int64(s->view.hb_timeout_ms));
	jset(o, "sf_timeout_ms", json_object_new_int64(s->view.sf_timeout_ms));
	jset(o, "last_words", hb_json_last_words(&s->last_words));
	return o;
}
