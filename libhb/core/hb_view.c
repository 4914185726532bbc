/*
 * hb_view.c: the view block shared by heartbeat packets and statefile slots.
 *
 * Owns the byte layout of struct hb_view (offsets below, table in
 * docs/formats.md), its encoder and its validating decoder. Little-endian,
 * field by field through hb_bytes.h; no I/O, no allocation.
 */
#include "hb_view.h"

#include <assert.h>
#include <string.h>

#include "hb_bytes.h"

/* Byte offsets inside the view block. */
enum {
	VW_HB_HEARD = 0,
	VW_HB_HEARD_PATH = 8,      /* HB_MAX_PATHS x u64 */
	VW_SF_SEEN = 40,
	VW_LIVESET = 48,
	VW_PROPOSED = 56,
	VW_EPOCH = 64,
	VW_PHASE = 72,
	VW_FLAGS = 73,
	VW_WEIGHT = 74,
	VW_LOCK_REQUEST = 76,
	VW_RESERVED = 77,          /* 3 bytes, zero */
	VW_RESERVED_LEN = 3,
	VW_LOCK_GRANT = 80,
	VW_FENCE_BOUND = 88,
	VW_FENCE_FLAG_BOUND = 92,
	VW_HB_TIMEOUT = 96,
	VW_SF_TIMEOUT = 100,
	VW_ECHO = 104,             /* HB_MAX_HOSTS x u64 */
	VW_SF_SEQ_SEEN = VW_ECHO + 8 * HB_MAX_HOSTS,
	VW_END = VW_SF_SEQ_SEEN + 8 * HB_MAX_HOSTS
};

_Static_assert(VW_HB_HEARD_PATH + 8 * HB_MAX_PATHS == VW_SF_SEEN, "view: heard_path size");
_Static_assert(VW_RESERVED + VW_RESERVED_LEN == VW_LOCK_GRANT, "view: reserved size");
_Static_assert((int)VW_END == (int)HB_VIEW_WIRE_SIZE, "view: HB_VIEW_WIRE_SIZE must match the layout");

/* The checks that do not depend on the pool size. */
static bool view_scalars_valid(const struct hb_view *v)
{
	return v->phase <= HB_PHASE_MAX && (v->flags & ~(unsigned)HB_VF_ALL) == 0 &&
	       v->weight >= 1 && v->lock_request <= 1;
}

void hb_view_encode(const struct hb_view *view, uint8_t *out)
{
	assert(view != NULL && out != NULL);
	bool valid = view_scalars_valid(view);
	assert(valid);
	(void)valid;
	memset(out, 0, HB_VIEW_WIRE_SIZE);
	hb_put_u64(out + VW_HB_HEARD, view->hb_heard);
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		hb_put_u64(out + VW_HB_HEARD_PATH + 8 * p, view->hb_heard_path[p]);
	hb_put_u64(out + VW_SF_SEEN, view->sf_seen);
	hb_put_u64(out + VW_LIVESET, view->liveset);
	hb_put_u64(out + VW_PROPOSED, view->proposed);
	hb_put_u64(out + VW_EPOCH, view->epoch);
	hb_put_u8(out + VW_PHASE, view->phase);
	hb_put_u8(out + VW_FLAGS, view->flags);
	hb_put_u16(out + VW_WEIGHT, view->weight);
	hb_put_u8(out + VW_LOCK_REQUEST, view->lock_request);
	hb_put_u64(out + VW_LOCK_GRANT, view->lock_grant);
	hb_put_u32(out + VW_FENCE_BOUND, view->fence_bound_ms);
	hb_put_u32(out + VW_FENCE_FLAG_BOUND, view->fence_flag_bound_ms);
	hb_put_u32(out + VW_HB_TIMEOUT, view->hb_timeout_ms);
	hb_put_u32(out + VW_SF_TIMEOUT, view->sf_timeout_ms);
	for (unsigned k = 0; k < HB_MAX_HOSTS; k++) {
		hb_put_u64(out + VW_ECHO + 8 * k, view->echo_ms[k]);
		hb_put_u64(out + VW_SF_SEQ_SEEN + 8 * k, view->sf_seq_seen[k]);
	}
}

static void view_read(const uint8_t *in, struct hb_view *v)
{
	memset(v, 0, sizeof *v);
	v->hb_heard = hb_get_u64(in + VW_HB_HEARD);
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		v->hb_heard_path[p] = hb_get_u64(in + VW_HB_HEARD_PATH + 8 * p);
	v->sf_seen = hb_get_u64(in + VW_SF_SEEN);
	v->liveset = hb_get_u64(in + VW_LIVESET);
	v->proposed = hb_get_u64(in + VW_PROPOSED);
	v->epoch = hb_get_u64(in + VW_EPOCH);
	v->phase = hb_get_u8(in + VW_PHASE);
	v->flags = hb_get_u8(in + VW_FLAGS);
	v->weight = hb_get_u16(in + VW_WEIGHT);
	v->lock_request = hb_get_u8(in + VW_LOCK_REQUEST);
	v->lock_grant = hb_get_u64(in + VW_LOCK_GRANT);
	v->fence_bound_ms = hb_get_u32(in + VW_FENCE_BOUND);
	v->fence_flag_bound_ms = hb_get_u32(in + VW_FENCE_FLAG_BOUND);
	v->hb_timeout_ms = hb_get_u32(in + VW_HB_TIMEOUT);
	v->sf_timeout_ms = hb_get_u32(in + VW_SF_TIMEOUT);
	for (unsigned k = 0; k < HB_MAX_HOSTS; k++) {
		v->echo_ms[k] = hb_get_u64(in + VW_ECHO + 8 * k);
		v->sf_seq_seen[k] = hb_get_u64(in + VW_SF_SEQ_SEEN + 8 * k);
	}
}

/* Host sets: no bit at or beyond n_hosts. Returns the bad field or NULL. */
static const char *view_check_maps(const struct hb_view *v, hb_hostmap beyond)
{
	if (v->hb_heard & beyond)
		return "hb_heard";
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		if (v->hb_heard_path[p] & beyond)
			return "hb_heard_path";
	if (v->sf_seen & beyond)
		return "sf_seen";
	if (v->liveset & beyond)
		return "liveset";
	if (v->proposed & beyond)
		return "proposed";
	if (v->lock_grant & beyond)
		return "lock_grant";
	return NULL;
}

/* Scalars, then the per-host arrays beyond the pool. */
static const char *view_check_fields(const uint8_t *in, const struct hb_view *v, unsigned n_hosts)
{
	if (v->phase > HB_PHASE_MAX)
		return "phase";
	if (v->flags & ~(unsigned)HB_VF_ALL)
		return "flags";
	if (v->weight == 0)
		return "weight";
	if (v->lock_request > 1)
		return "lock_request";
	if (v->fence_bound_ms > HB_VIEW_MAX_BOUND_MS)
		return "fence_bound_ms";
	if (v->fence_flag_bound_ms > v->fence_bound_ms)
		return "fence_flag_bound_ms";
	for (unsigned i = 0; i < VW_RESERVED_LEN; i++)
		if (in[VW_RESERVED + i] != 0)
			return "reserved";
	for (unsigned k = n_hosts; k < HB_MAX_HOSTS; k++) {
		if (v->echo_ms[k] != 0)
			return "echo_ms";
		if (v->sf_seq_seen[k] != 0)
			return "sf_seq_seen";
	}
	return NULL;
}

int hb_view_decode(const uint8_t *in, unsigned n_hosts, struct hb_view *out, const char **what)
{
	assert(in != NULL && out != NULL);
	const char *bad = NULL;
	view_read(in, out);
	if (n_hosts == 0 || n_hosts > HB_MAX_HOSTS)
		bad = "n_hosts";
	if (bad == NULL)
		bad = view_check_maps(out, ~hb_hostmap_all(n_hosts));
	if (bad == NULL)
		bad = view_check_fields(in, out, n_hosts);
	if (what != NULL)
		*what = bad;
	return bad == NULL ? 0 : -1;
}

bool hb_view_equal(const struct hb_view *a, const struct hb_view *b)
{
	if (a->hb_heard != b->hb_heard || a->sf_seen != b->sf_seen || a->liveset != b->liveset ||
	    a->proposed != b->proposed || a->epoch != b->epoch || a->phase != b->phase || a->flags != b->flags ||
	    a->weight != b->weight || a->lock_request != b->lock_request || a->lock_grant != b->lock_grant ||
	    a->fence_bound_ms != b->fence_bound_ms || a->fence_flag_bound_ms != b->fence_flag_bound_ms ||
	    a->hb_timeout_ms != b->hb_timeout_ms || a->sf_timeout_ms != b->sf_timeout_ms)
		return false;
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		if (a->hb_heard_path[p] != b->hb_heard_path[p])
			return false;
	for (unsigned k = 0; k < HB_MAX_HOSTS; k++)
		if (a->echo_ms[k] != b->echo_ms[k] || a->sf_seq_seen[k] != b->sf_seq_seen[k])
			return false;
	return true;
}
