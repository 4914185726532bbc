/*
 * hb_view.h: the view a host publishes, identical in every heartbeat packet
 * and in its statefile slot: whom it hears on each network path, whose slot
 * it sees advancing, its liveset and proposal, its master-lock registers, its
 * phase and flags, and the timeouts it advertises (its fence bound, so peers
 * wait for *its* values).
 *
 * Encoded as a fixed-size block of HB_VIEW_WIRE_SIZE bytes, little-endian,
 * field by field (layout in docs/formats.md). The decoder checks every field
 * against the pool size and never reads past the block.
 */
#ifndef HB_VIEW_H
#define HB_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include "hb_types.h"

struct hb_view {
	hb_hostmap hb_heard;                   /* heard on any path within T1 */
	hb_hostmap hb_heard_path[HB_MAX_PATHS];/* heard on path p within T1 */
	hb_hostmap sf_seen;                    /* slot seen advancing within T2 */
	hb_hostmap liveset;                    /* current liveset I publish */
	hb_hostmap proposed;                   /* liveset I propose */
	uint64_t epoch;                        /* liveset epoch */
	uint8_t phase;                         /* enum hb_phase */
	uint8_t flags;                         /* enum hb_view_flag bits */
	uint16_t weight;                       /* host weight (>= 1) */
	uint8_t lock_request;                  /* 1 = I request the master lock */
	hb_hostmap lock_grant;                 /* bit j = I grant the lock to j */
	uint32_t fence_bound_ms;               /* my F */
	uint32_t fence_flag_bound_ms;          /* my bound after writing HB_VF_FENCING */
	uint32_t hb_timeout_ms;                /* my T1 */
	uint32_t sf_timeout_ms;                /* my T2 */
	/* echo_ms[k]: the sent_at_ms of the latest packet I received from k
	 * (k's own clock; 0 = never). k learns from it, on its own clock, when I
	 * last heard it: no cross-host clock comparison. */
	uint64_t echo_ms[HB_MAX_HOSTS];
	/* sf_seq_seen[k]: the latest sequence I read in k's slot (0 = none). */
	uint64_t sf_seq_seen[HB_MAX_HOSTS];
};

enum { HB_VIEW_WIRE_SIZE = 1128 };

/* Encode into exactly HB_VIEW_WIRE_SIZE bytes. */
void hb_view_encode(const struct hb_view *view, uint8_t *out);
/* Decode; returns 0, or -1 when a field is out of range for a pool of
 * n_hosts (bits or echo entries beyond the pool, unknown phase or flag,
 * weight 0, lock_request > 1); *what then names the field. */
int hb_view_decode(const uint8_t *in, unsigned n_hosts, struct hb_view *out, const char **what);
/* Field by field (no padding compared). */
bool hb_view_equal(const struct hb_view *a, const struct hb_view *b);

/* The largest fence bound a view may advertise: max(T1, T2) + P + W + slack
 * with T1, T2 and W at most 3600 s. A larger value is refused by the
 * decoder, so no advertised bound wraps a peer's 32-bit arithmetic. */
#define HB_VIEW_MAX_BOUND_MS 7300000u

#endif
