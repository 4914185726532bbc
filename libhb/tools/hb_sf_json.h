/*
 * hb_sf_json.h: the one JSON form of the statefile's records: a slot (its
 * state, view flags, host sets and last words) and the global block, as
 * `hbctl statefile dump --json` prints them (docs/statefile.md) and the
 * agent's `statefile` query answers them (docs/control.md); `hbctl fence-log
 * --json` and the agent's `status` use the same last words and host sets.
 *
 * Here, not in the control layer, because last words carry their wall-clock
 * time in ISO 8601 (hb_clock, the io layer). json-c allocates: the caller
 * owns what each function returns (json_object_put); NULL is JSON null.
 */
#ifndef HB_SF_JSON_H
#define HB_SF_JSON_H

#include <stdbool.h>
#include "hb_slot.h"
#include "hb_types.h"

struct json_object;

/* How one block of the statefile was read. */
struct hb_sf_json_block {
	const char *io_error;  /* NULL when the block was read; else why not, for a human */
	enum hb_reject reject; /* when read: HB_REJECT_NONE, or why it did not decode */
};

/* [0, 2, 5]: the host indexes of a set, ascending. */
struct json_object *hb_json_hostlist(hb_hostmap set);
/* ["sf_access", "armed"]: the names of the view flags set (hb_view_flag_name). */
struct json_object *hb_json_view_flags(unsigned flags);
/* {reason, text, boot_id, realtime_ms, time (ISO 8601, UTC)}, or null when
 * lw is NULL or says none. */
struct json_object *hb_json_last_words(const struct hb_last_words *lw);
/* {generation, n_hosts, local_index}: the pool the statefile is read for. */
struct json_object *hb_json_sf_config(const hb_uuid *generation, unsigned n_hosts, unsigned local_index);
/* {valid, io_error, reject} and, when valid, {generation, generation_matches,
 * pool_state, n_hosts, n_hosts_matches, master, sequence, writer}; the
 * matches compare with the configured generation and n_hosts. g is read only
 * when the block was read and decodes. */
struct json_object *hb_json_sf_global(const struct hb_sf_json_block *b, const struct hb_global *g,
                                      const hb_uuid *generation, unsigned n_hosts);
/* {index, uuid, local, state ("VALID", "EMPTY", "INVALID", "IOERROR"),
 * valid, io_error, reject} and, when it decodes, {sequence, boot_id,
 * written_at_ms, phase, flags, weight, liveset, proposed, epoch,
 * fence_bound_ms, fence_flag_bound_ms, hb_timeout_ms, sf_timeout_ms,
 * last_words}. s is read only when the block was read and decodes. */
struct json_object *hb_json_sf_slot(unsigned index, const hb_uuid *uuid, bool local, const struct hb_sf_json_block *b,
                                    const struct hb_slot *s);
/* "VALID", "EMPTY", "INVALID" or "IOERROR" for a block read so. */
const char *hb_sf_json_slot_state(const struct hb_sf_json_block *b, const struct hb_slot *s);

#endif
