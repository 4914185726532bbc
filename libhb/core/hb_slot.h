/*
 * hb_slot.h: the statefile's records. Block 0 is the global block (pool
 * state, generation, host count, master); block 1+i is host i's slot, written
 * only by host i. Each is HB_SF_BLOCK_SIZE bytes, little-endian, with a
 * CRC-32C over the first 4092 bytes stored in the last 4, so a torn or
 * corrupted block is recognised on its own and one bad slot never hides the
 * others. Layout in docs/formats.md.
 */
#ifndef HB_SLOT_H
#define HB_SLOT_H

#include <stdbool.h>
#include <stdint.h>
#include "hb_types.h"
#include "hb_view.h"
#include "hb_wire.h" /* enum hb_reject */

#define HB_GLOBAL_MAGIC 0x4c474248u /* bytes "HBGL" */
#define HB_SLOT_MAGIC 0x4c534248u   /* bytes "HBSL" */
#define HB_SF_VERSION 1u

struct hb_global {
	hb_uuid generation;
	uint32_t pool_state; /* enum hb_pool_state, INIT..INVALID */
	uint32_t n_hosts;    /* 1..HB_MAX_HOSTS */
	hb_uuid master;      /* nil = no master recorded */
	uint64_t sequence;   /* +1 per write of the global block */
	uint8_t writer;      /* host index of the last writer, 0xff = hbctl */
};

/* Fencing reasons recorded in the last words. */
enum hb_fence_reason {
	HB_FENCE_NONE = 0,
	HB_FENCE_LOST_PARTITION = 1, /* survival rules failed */
	HB_FENCE_PROOF_EXPIRED = 2,  /* could not renew proof of membership */
	/* 3..5: reserved, never written (docs/formats.md): pool Invalid stops
	 * the agent (exit 11), there is no fence on request, and a broken
	 * invariant aborts it (the armed watchdog fences) */
	HB_FENCE_POOL_INVALID = 3,
	HB_FENCE_REQUESTED = 4,
	HB_FENCE_INTERNAL = 5,
	HB_FENCE_SLOT_OVERWRITTEN = 6, /* my slot was written by someone else */
	HB_FENCE_DROPPED = 7,        /* a member dropped me from its liveset */
	HB_FENCE_XAPI_FAILED = 8,    /* xapi supervision: still failing after its restarts */
	HB_FENCE_REASON_MAX = HB_FENCE_XAPI_FAILED
};
const char *hb_fence_reason_name(enum hb_fence_reason reason);

struct hb_last_words {
	uint32_t reason;         /* enum hb_fence_reason; NONE = no last words */
	uint64_t boot_id;        /* incarnation that fenced */
	uint64_t realtime_ms;    /* wall clock at fencing, for humans only */
	char text[HB_LAST_WORDS_MAX + 1]; /* NUL-terminated, printable */
};

struct hb_slot {
	hb_uuid generation;
	hb_uuid host_uuid;
	uint8_t host_index;
	uint8_t n_hosts;
	uint64_t boot_id;    /* 0 = never written by an agent (fresh init) */
	uint64_t sequence;   /* +1 per write */
	uint64_t written_at_ms; /* writer's monotonic clock, echo only */
	struct hb_view view;
	struct hb_last_words last_words;
};

/* What a decoder checks a block against. generation may be NULL (dump of an
 * unknown statefile); host_uuids may be NULL (then only the index range). */
struct hb_sf_pool {
	const hb_uuid *generation;
	unsigned n_hosts;
	const hb_uuid *host_uuids;
};

void hb_global_encode(const struct hb_global *g, uint8_t out[HB_SF_BLOCK_SIZE]);
/* On HB_REJECT_GENERATION, out->generation holds the block's generation (the
 * other pool's) and the rest of out is zero; on any other reject all of out is. */
enum hb_reject hb_global_decode(const uint8_t in[HB_SF_BLOCK_SIZE], const struct hb_sf_pool *pool, struct hb_global *out);

void hb_slot_encode(const struct hb_slot *s, uint8_t out[HB_SF_BLOCK_SIZE]);
/* expected_index: the slot position the block was read from. */
enum hb_reject hb_slot_decode(const uint8_t in[HB_SF_BLOCK_SIZE], unsigned expected_index, const struct hb_sf_pool *pool, struct hb_slot *out);

/* The same record, field by field; the wall-clock stamp of the last words
 * (set by the writer's executor, not by its core) is not compared. */
bool hb_slot_same(const struct hb_slot *a, const struct hb_slot *b);

/* A fresh slot as `statefile init` writes it: valid, boot_id 0, sequence 0,
 * phase STOPPED, weight 1, no last words. */
void hb_slot_init_fresh(struct hb_slot *s, const hb_uuid *generation, const hb_uuid *host_uuid, unsigned index, unsigned n_hosts);

#endif
