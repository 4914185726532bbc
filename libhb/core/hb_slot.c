/*
 * hb_slot.c: the statefile's records, the global block and the host slots.
 *
 * Owns their byte layout (offsets below, tables in docs/formats.md), the
 * CRC-32C trailer, the validating decoders (magic, version, CRC, generation,
 * index, UUID, fields, in that order), the fresh slot that `statefile init`
 * writes, and the fence reason names. No I/O, no allocation.
 */
#include "hb_slot.h"

#include <assert.h>
#include <string.h>

#include "hb_bytes.h"
#include "hb_crc32c.h"

enum {
	SF_CRC = HB_SF_BLOCK_SIZE - 4, /* CRC-32C of [0, SF_CRC), u32 */
	SF_WRITER_HBCTL = 0xff
};

/* Global block offsets. */
enum {
	GB_MAGIC = 0,
	GB_VERSION = 4,
	GB_RESERVED0 = 6,     /* u16, zero */
	GB_GENERATION = 8,
	GB_POOL_STATE = 24,
	GB_N_HOSTS = 28,
	GB_MASTER = 32,
	GB_SEQUENCE = 48,
	GB_WRITER = 56,
	GB_ZERO = 57          /* zero up to SF_CRC */
};

/* Host slot offsets. */
enum {
	SL_MAGIC = 0,
	SL_VERSION = 4,
	SL_RESERVED0 = 6,     /* u16, zero */
	SL_GENERATION = 8,
	SL_HOST_UUID = 24,
	SL_HOST_INDEX = 40,
	SL_N_HOSTS = 41,
	SL_RESERVED1 = 42,    /* u16, zero */
	SL_BOOT_ID = 44,
	SL_SEQUENCE = 52,
	SL_WRITTEN_AT = 60,
	SL_VIEW = 68,
	SL_LW_REASON = SL_VIEW + HB_VIEW_WIRE_SIZE,
	SL_LW_BOOT_ID = SL_LW_REASON + 4,
	SL_LW_REALTIME = SL_LW_BOOT_ID + 8,
	SL_LW_TEXT = SL_LW_REALTIME + 8,
	SL_LW_TEXT_LEN = HB_LAST_WORDS_MAX + 1,
	SL_ZERO = SL_LW_TEXT + SL_LW_TEXT_LEN /* zero up to SF_CRC */
};

_Static_assert((int)GB_ZERO <= (int)SF_CRC, "global block overflows");
_Static_assert((int)SL_ZERO <= (int)SF_CRC, "host slot overflows");
_Static_assert(sizeof(((struct hb_last_words *)0)->text) == SL_LW_TEXT_LEN, "last words text size");

static bool bytes_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void block_seal(uint8_t *out)
{
	hb_put_u32(out + SF_CRC, hb_crc32c(out, SF_CRC));
}

/* Magic, version, CRC: the checks every block shares. */
static enum hb_reject block_check(const uint8_t *in, uint32_t magic)
{
	if (hb_get_u32(in) != magic)
		return HB_REJECT_MAGIC;
	if (hb_get_u16(in + 4) != HB_SF_VERSION)
		return HB_REJECT_VERSION;
	if (hb_get_u32(in + SF_CRC) != hb_crc32c(in, SF_CRC))
		return HB_REJECT_CRC;
	return HB_REJECT_NONE;
}

static bool generation_ok(const uint8_t *in, const struct hb_sf_pool *pool)
{
	return pool->generation == NULL || memcmp(in, pool->generation->b, 16) == 0;
}

void hb_global_encode(const struct hb_global *g, uint8_t out[HB_SF_BLOCK_SIZE])
{
	assert(g != NULL && out != NULL);
	assert(g->pool_state >= HB_POOL_INIT && g->pool_state <= HB_POOL_STATE_MAX);
	assert(g->n_hosts >= 1 && g->n_hosts <= HB_MAX_HOSTS);
	assert(g->writer < g->n_hosts || g->writer == SF_WRITER_HBCTL);
	memset(out, 0, HB_SF_BLOCK_SIZE);
	hb_put_u32(out + GB_MAGIC, HB_GLOBAL_MAGIC);
	hb_put_u16(out + GB_VERSION, HB_SF_VERSION);
	memcpy(out + GB_GENERATION, g->generation.b, 16);
	hb_put_u32(out + GB_POOL_STATE, g->pool_state);
	hb_put_u32(out + GB_N_HOSTS, g->n_hosts);
	memcpy(out + GB_MASTER, g->master.b, 16);
	hb_put_u64(out + GB_SEQUENCE, g->sequence);
	hb_put_u8(out + GB_WRITER, g->writer);
	block_seal(out);
}

static enum hb_reject global_check_fields(const uint8_t *in, const struct hb_global *g)
{
	if (g->n_hosts < 1 || g->n_hosts > HB_MAX_HOSTS)
		return HB_REJECT_FIELD;
	if (g->pool_state < HB_POOL_INIT || g->pool_state > HB_POOL_STATE_MAX)
		return HB_REJECT_FIELD;
	if (g->writer >= g->n_hosts && g->writer != SF_WRITER_HBCTL)
		return HB_REJECT_FIELD;
	if (hb_get_u16(in + GB_RESERVED0) != 0 || !bytes_zero(in + GB_ZERO, SF_CRC - GB_ZERO))
		return HB_REJECT_FIELD;
	return HB_REJECT_NONE;
}

enum hb_reject hb_global_decode(const uint8_t in[HB_SF_BLOCK_SIZE], const struct hb_sf_pool *pool, struct hb_global *out)
{
	assert(in != NULL && pool != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	enum hb_reject r = block_check(in, HB_GLOBAL_MAGIC);
	if (r != HB_REJECT_NONE)
		return r;
	memcpy(out->generation.b, in + GB_GENERATION, 16); /* kept on a mismatch: messages name it */
	if (!generation_ok(in + GB_GENERATION, pool))
		return HB_REJECT_GENERATION;
	out->pool_state = hb_get_u32(in + GB_POOL_STATE);
	out->n_hosts = hb_get_u32(in + GB_N_HOSTS);
	memcpy(out->master.b, in + GB_MASTER, 16);
	out->sequence = hb_get_u64(in + GB_SEQUENCE);
	out->writer = hb_get_u8(in + GB_WRITER);
	if (pool->n_hosts != 0 && out->n_hosts != pool->n_hosts)
		return HB_REJECT_INDEX;
	return global_check_fields(in, out);
}

static void last_words_write(const struct hb_last_words *lw, uint8_t *out)
{
	size_t len = strnlen(lw->text, sizeof lw->text);
	assert(len <= HB_LAST_WORDS_MAX);
	assert(lw->reason <= HB_FENCE_REASON_MAX);
	assert(lw->reason != HB_FENCE_NONE || len == 0);
	hb_put_u32(out + SL_LW_REASON, lw->reason);
	hb_put_u64(out + SL_LW_BOOT_ID, lw->boot_id);
	hb_put_u64(out + SL_LW_REALTIME, lw->realtime_ms);
	memcpy(out + SL_LW_TEXT, lw->text, len); /* the rest stays zero */
}

void hb_slot_encode(const struct hb_slot *s, uint8_t out[HB_SF_BLOCK_SIZE])
{
	assert(s != NULL && out != NULL);
	assert(s->n_hosts >= 1 && s->n_hosts <= HB_MAX_HOSTS && s->host_index < s->n_hosts);
	memset(out, 0, HB_SF_BLOCK_SIZE);
	hb_put_u32(out + SL_MAGIC, HB_SLOT_MAGIC);
	hb_put_u16(out + SL_VERSION, HB_SF_VERSION);
	memcpy(out + SL_GENERATION, s->generation.b, 16);
	memcpy(out + SL_HOST_UUID, s->host_uuid.b, 16);
	hb_put_u8(out + SL_HOST_INDEX, s->host_index);
	hb_put_u8(out + SL_N_HOSTS, s->n_hosts);
	hb_put_u64(out + SL_BOOT_ID, s->boot_id);
	hb_put_u64(out + SL_SEQUENCE, s->sequence);
	hb_put_u64(out + SL_WRITTEN_AT, s->written_at_ms);
	hb_view_encode(&s->view, out + SL_VIEW);
	last_words_write(&s->last_words, out);
	block_seal(out);
#ifndef NDEBUG
	/* The encoder never writes what the decoder would reject. */
	struct hb_slot check;
	const struct hb_sf_pool any = {.generation = NULL, .n_hosts = s->n_hosts, .host_uuids = NULL};
	assert(hb_slot_decode(out, s->host_index, &any, &check) == HB_REJECT_NONE);
#endif
}

/* Text: printable bytes (0x20..0x7e or >= 0x80), then NULs to the end; at
 * least one NUL. Reason NONE carries no text. */
static bool last_words_read(const uint8_t *in, struct hb_last_words *lw)
{
	const uint8_t *t = in + SL_LW_TEXT;
	size_t len = 0;
	lw->reason = hb_get_u32(in + SL_LW_REASON);
	lw->boot_id = hb_get_u64(in + SL_LW_BOOT_ID);
	lw->realtime_ms = hb_get_u64(in + SL_LW_REALTIME);
	while (len < SL_LW_TEXT_LEN && t[len] != 0) {
		if (t[len] < 0x20 || t[len] == 0x7f)
			return false;
		len++;
	}
	if (len > HB_LAST_WORDS_MAX || !bytes_zero(t + len, SL_LW_TEXT_LEN - len))
		return false;
	memcpy(lw->text, t, SL_LW_TEXT_LEN);
	if (lw->reason > HB_FENCE_REASON_MAX)
		return false;
	return lw->reason != HB_FENCE_NONE || len == 0;
}

static void slot_read_header(const uint8_t *in, struct hb_slot *s)
{
	memcpy(s->generation.b, in + SL_GENERATION, 16);
	memcpy(s->host_uuid.b, in + SL_HOST_UUID, 16);
	s->host_index = hb_get_u8(in + SL_HOST_INDEX);
	s->n_hosts = hb_get_u8(in + SL_N_HOSTS);
	s->boot_id = hb_get_u64(in + SL_BOOT_ID);
	s->sequence = hb_get_u64(in + SL_SEQUENCE);
	s->written_at_ms = hb_get_u64(in + SL_WRITTEN_AT);
}

static enum hb_reject slot_check_identity(const struct hb_slot *s, unsigned expected_index, const struct hb_sf_pool *pool)
{
	if (s->host_index != expected_index || s->host_index >= s->n_hosts)
		return HB_REJECT_INDEX;
	if (pool->n_hosts != 0 && s->n_hosts != pool->n_hosts)
		return HB_REJECT_INDEX;
	if (pool->host_uuids != NULL && memcmp(s->host_uuid.b, pool->host_uuids[s->host_index].b, 16) != 0)
		return HB_REJECT_UUID;
	return HB_REJECT_NONE;
}

static enum hb_reject slot_check_fields(const uint8_t *in, struct hb_slot *s)
{
	if (s->n_hosts > HB_MAX_HOSTS)
		return HB_REJECT_FIELD;
	if (hb_get_u16(in + SL_RESERVED0) != 0 || hb_get_u16(in + SL_RESERVED1) != 0)
		return HB_REJECT_FIELD;
	const char *what = NULL;
	if (hb_view_decode(in + SL_VIEW, s->n_hosts, &s->view, &what) != 0)
		return HB_REJECT_FIELD;
	if (!last_words_read(in, &s->last_words))
		return HB_REJECT_FIELD;
	if (!bytes_zero(in + SL_ZERO, SF_CRC - SL_ZERO))
		return HB_REJECT_FIELD;
	return HB_REJECT_NONE;
}

enum hb_reject hb_slot_decode(const uint8_t in[HB_SF_BLOCK_SIZE], unsigned expected_index, const struct hb_sf_pool *pool, struct hb_slot *out)
{
	assert(in != NULL && pool != NULL && out != NULL);
	assert(pool->n_hosts <= HB_MAX_HOSTS);
	assert(pool->host_uuids == NULL || pool->n_hosts != 0);
	memset(out, 0, sizeof *out);
	enum hb_reject r = block_check(in, HB_SLOT_MAGIC);
	if (r != HB_REJECT_NONE)
		return r;
	if (!generation_ok(in + SL_GENERATION, pool))
		return HB_REJECT_GENERATION;
	slot_read_header(in, out);
	r = slot_check_identity(out, expected_index, pool);
	if (r != HB_REJECT_NONE)
		return r;
	return slot_check_fields(in, out);
}

void hb_slot_init_fresh(struct hb_slot *s, const hb_uuid *generation, const hb_uuid *host_uuid, unsigned index, unsigned n_hosts)
{
	assert(s != NULL && generation != NULL && host_uuid != NULL);
	assert(n_hosts >= 1 && n_hosts <= HB_MAX_HOSTS && index < n_hosts);
	memset(s, 0, sizeof *s);
	s->generation = *generation;
	s->host_uuid = *host_uuid;
	s->host_index = (uint8_t)index;
	s->n_hosts = (uint8_t)n_hosts;
	s->view.phase = HB_PHASE_STOPPED;
	s->view.weight = 1;
}

const char *hb_fence_reason_name(enum hb_fence_reason reason)
{
	switch (reason) {
	case HB_FENCE_NONE: return "none";
	case HB_FENCE_LOST_PARTITION: return "lost_partition";
	case HB_FENCE_PROOF_EXPIRED: return "proof_expired";
	case HB_FENCE_POOL_INVALID: return "pool_invalid";
	case HB_FENCE_REQUESTED: return "requested";
	case HB_FENCE_INTERNAL: return "internal";
	case HB_FENCE_SLOT_OVERWRITTEN: return "slot_overwritten";
	case HB_FENCE_DROPPED: return "dropped_by_peer";
	case HB_FENCE_XAPI_FAILED: return "xapi_failed";
	}
	return "unknown";
}

bool hb_slot_same(const struct hb_slot *a, const struct hb_slot *b)
{
	return memcmp(a->generation.b, b->generation.b, sizeof a->generation.b) == 0 &&
	       memcmp(a->host_uuid.b, b->host_uuid.b, sizeof a->host_uuid.b) == 0 && a->host_index == b->host_index &&
	       a->n_hosts == b->n_hosts && a->boot_id == b->boot_id && a->sequence == b->sequence &&
	       a->written_at_ms == b->written_at_ms && hb_view_equal(&a->view, &b->view) &&
	       a->last_words.reason == b->last_words.reason && a->last_words.boot_id == b->last_words.boot_id &&
	       strcmp(a->last_words.text, b->last_words.text) == 0;
}
