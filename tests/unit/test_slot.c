/*
 * test_slot.c: unit tests of the statefile records (hb_slot.c): the global
 * block and the host slots. Round trips, golden byte vectors, the fresh
 * slot, and every corruption class with its exact reject reason.
 *
 * HB_WRITE_GOLDEN=1 regenerates tests/data/golden/{global,slot}.hex and the
 * slot/global fuzz seeds instead of comparing; a golden change needs a
 * version bump (docs/formats.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hb_bytes.h"
#include "hb_crc32c.h"
#include "hb_slot.h"
#include "unit_records.h"

#define BS HB_SF_BLOCK_SIZE
#define POOL_HOSTS 5u

/* Offsets (docs/formats.md). */
enum { O_CRC = 4092 };
enum {
	G_MAGIC = 0, G_VERSION = 4, G_RESERVED = 6, G_GENERATION = 8, G_POOL_STATE = 24,
	G_N_HOSTS = 28, G_MASTER = 32, G_SEQUENCE = 48, G_WRITER = 56, G_ZERO = 57
};
enum {
	S_MAGIC = 0, S_VERSION = 4, S_RESERVED0 = 6, S_GENERATION = 8, S_HOST_UUID = 24,
	S_INDEX = 40, S_N_HOSTS = 41, S_RESERVED1 = 42, S_BOOT_ID = 44, S_SEQUENCE = 52,
	S_WRITTEN_AT = 60, S_VIEW = 68, S_LW_REASON = 1196, S_LW_BOOT_ID = 1200,
	S_LW_REALTIME = 1208, S_LW_TEXT = 1216, S_ZERO = 1417
};
/* View offsets inside the slot's view block. */
enum { V_LIVESET = 48, V_PHASE = 72, V_FLAGS = 73, V_WEIGHT = 74, V_LOCK_REQUEST = 76, V_LOCK_GRANT = 80, V_ECHO = 104 };

static hb_uuid generation;
static hb_uuid uuids[HB_MAX_HOSTS];

static void fixtures_init(void)
{
	for (unsigned j = 0; j < 16; j++)
		generation.b[j] = (uint8_t)(0x60 + j);
	unit_fixture_uuids(uuids);
}

static struct hb_sf_pool strict_pool(void)
{
	struct hb_sf_pool pool = {.generation = &generation, .n_hosts = POOL_HOSTS, .host_uuids = uuids};
	return pool;
}

static void reseal(uint8_t *buf) { hb_put_u32(buf + O_CRC, hb_crc32c(buf, O_CRC)); }

static void fill_global(struct hb_global *g)
{
	memset(g, 0, sizeof *g);
	g->generation = generation;
	g->pool_state = HB_POOL_ACTIVE;
	g->n_hosts = POOL_HOSTS;
	g->master = uuids[1];
	g->sequence = 0x0102030405060708ull;
	g->writer = 1;
}

static void fill_slot(struct hb_slot *s, unsigned n_hosts, unsigned index, uint64_t salt)
{
	hb_hostmap all = hb_hostmap_all(n_hosts);
	hb_slot_init_fresh(s, &generation, &uuids[index], index, n_hosts);
	s->boot_id = 0x1122334455667788ull + salt;
	s->sequence = 0x99 + salt;
	s->written_at_ms = 86400000ull + salt;
	struct hb_view *v = &s->view;
	v->hb_heard = v->sf_seen = v->liveset = v->proposed = all;
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		v->hb_heard_path[p] = all >> p;
	v->epoch = 12 + salt;
	v->phase = HB_PHASE_ONLINE;
	v->flags = HB_VF_SF_ACCESS | HB_VF_ARMED;
	v->weight = 2;
	v->lock_request = 1;
	v->lock_grant = hb_host_bit(index);
	v->fence_bound_ms = 75000;
	v->fence_flag_bound_ms = 5000;
	v->hb_timeout_ms = 30000;
	v->sf_timeout_ms = 45000;
	for (unsigned k = 0; k < n_hosts; k++) {
		v->echo_ms[k] = 7000ull * (k + 1) + salt;
		v->sf_seq_seen[k] = 300ull + k;
	}
	s->last_words.reason = HB_FENCE_LOST_PARTITION;
	s->last_words.boot_id = s->boot_id - 1;
	s->last_words.realtime_ms = 1700000000000ull;
	snprintf(s->last_words.text, sizeof s->last_words.text, "lost partition: best {0,1,3} without me");
}

static void assert_slot_equal(const struct hb_slot *a, const struct hb_slot *b)
{
	assert_memory_equal(a->generation.b, b->generation.b, 16);
	assert_memory_equal(a->host_uuid.b, b->host_uuid.b, 16);
	assert_int_equal(a->host_index, b->host_index);
	assert_int_equal(a->n_hosts, b->n_hosts);
	assert_int_equal(a->boot_id, b->boot_id);
	assert_int_equal(a->sequence, b->sequence);
	assert_int_equal(a->written_at_ms, b->written_at_ms);
	unit_assert_view_equal(&a->view, &b->view);
	assert_int_equal(a->last_words.reason, b->last_words.reason);
	assert_int_equal(a->last_words.boot_id, b->last_words.boot_id);
	assert_int_equal(a->last_words.realtime_ms, b->last_words.realtime_ms);
	assert_string_equal(a->last_words.text, b->last_words.text);
}

static void assert_global_equal(const struct hb_global *a, const struct hb_global *b)
{
	assert_memory_equal(a->generation.b, b->generation.b, 16);
	assert_int_equal(a->pool_state, b->pool_state);
	assert_int_equal(a->n_hosts, b->n_hosts);
	assert_memory_equal(a->master.b, b->master.b, 16);
	assert_int_equal(a->sequence, b->sequence);
	assert_int_equal(a->writer, b->writer);
}

static enum hb_reject slot_decode_strict(const uint8_t *buf, unsigned index)
{
	struct hb_sf_pool pool = strict_pool();
	struct hb_slot out;
	return hb_slot_decode(buf, index, &pool, &out);
}

static enum hb_reject global_decode_strict(const uint8_t *buf)
{
	struct hb_sf_pool pool = strict_pool();
	struct hb_global out;
	return hb_global_decode(buf, &pool, &out);
}

static void expect_reason(enum hb_reject got, enum hb_reject want)
{
	assert_string_equal(hb_reject_name(got), hb_reject_name(want));
}

/* Edit a valid slot of host 2, reseal it, expect `want`. */
static void slot_expect_edit(size_t off, const uint8_t *bytes, size_t n, enum hb_reject want)
{
	uint8_t buf[BS];
	struct hb_slot s;
	fill_slot(&s, POOL_HOSTS, 2, 0);
	hb_slot_encode(&s, buf);
	memcpy(buf + off, bytes, n);
	reseal(buf);
	expect_reason(slot_decode_strict(buf, 2), want);
}

static void slot_expect_u8(size_t off, uint8_t v, enum hb_reject want) { slot_expect_edit(off, &v, 1, want); }

static void slot_expect_u64(size_t off, uint64_t v, enum hb_reject want)
{
	uint8_t b[8];
	hb_put_u64(b, v);
	slot_expect_edit(off, b, 8, want);
}

static void global_expect_edit(size_t off, const uint8_t *bytes, size_t n, enum hb_reject want)
{
	uint8_t buf[BS];
	struct hb_global g;
	fill_global(&g);
	hb_global_encode(&g, buf);
	memcpy(buf + off, bytes, n);
	reseal(buf);
	expect_reason(global_decode_strict(buf), want);
}

static void global_expect_u32(size_t off, uint32_t v, enum hb_reject want)
{
	uint8_t b[4];
	hb_put_u32(b, v);
	global_expect_edit(off, b, 4, want);
}

/* ---- golden vectors ---- */

static void test_golden_global(void **state)
{
	(void)state;
	struct hb_sf_pool pool = strict_pool();
	struct hb_global g, out;
	uint8_t buf[BS], want[BS + 1];
	fill_global(&g);
	hb_global_encode(&g, buf);
	if (getenv("HB_WRITE_GOLDEN") != NULL) {
		unit_golden_write("global.hex", "statefile global block v1", buf, BS);
		unit_seed_write("global", "golden", buf, BS);
		g.pool_state = HB_POOL_INIT;
		g.writer = 0xff;
		memset(g.master.b, 0, 16);
		hb_global_encode(&g, buf);
		unit_seed_write("global", "init", buf, BS);
		return;
	}
	assert_int_equal(unit_golden_read("global.hex", want, sizeof want), BS);
	assert_memory_equal(buf, want, BS);
	assert_int_equal(hb_global_decode(want, &pool, &out), HB_REJECT_NONE);
	assert_global_equal(&g, &out);
}

static void test_golden_slot(void **state)
{
	(void)state;
	struct hb_sf_pool pool = strict_pool();
	struct hb_slot s, out;
	uint8_t buf[BS], want[BS + 1];
	fill_slot(&s, POOL_HOSTS, 2, 0);
	hb_slot_encode(&s, buf);
	if (getenv("HB_WRITE_GOLDEN") != NULL) {
		unit_golden_write("slot.hex", "statefile host slot v1 (host 2 of 5)", buf, BS);
		unit_seed_write("slot", "golden", buf, BS);
		hb_slot_init_fresh(&s, &generation, &uuids[1], 1, POOL_HOSTS);
		hb_slot_encode(&s, buf);
		unit_seed_write("slot", "fresh", buf, BS);
		return;
	}
	assert_int_equal(unit_golden_read("slot.hex", want, sizeof want), BS);
	assert_memory_equal(buf, want, BS);
	assert_int_equal(hb_slot_decode(want, 2, &pool, &out), HB_REJECT_NONE);
	assert_slot_equal(&s, &out);
}

/* ---- round trips ---- */

static void test_global_roundtrip(void **state)
{
	(void)state;
	struct hb_global g, out;
	uint8_t buf[BS];
	struct hb_sf_pool pool = strict_pool();
	struct hb_sf_pool loose = {.generation = NULL, .n_hosts = 0, .host_uuids = NULL};
	fill_global(&g);
	for (uint32_t st = HB_POOL_INIT; st <= HB_POOL_STATE_MAX; st++) {
		g.pool_state = st;
		hb_global_encode(&g, buf);
		assert_int_equal(hb_global_decode(buf, &pool, &out), HB_REJECT_NONE);
		assert_global_equal(&g, &out);
	}
	g.writer = 0xff; /* hbctl */
	g.n_hosts = HB_MAX_HOSTS;
	g.sequence = ~0ull;
	hb_global_encode(&g, buf);
	assert_int_equal(hb_global_decode(buf, &loose, &out), HB_REJECT_NONE);
	assert_global_equal(&g, &out);
	assert_memory_equal(buf, "HBGL", 4);
}

static void slot_roundtrip(unsigned n_hosts, unsigned index, uint64_t salt)
{
	struct hb_slot s, out;
	uint8_t buf[BS];
	struct hb_sf_pool pool = {.generation = &generation, .n_hosts = n_hosts, .host_uuids = uuids};
	fill_slot(&s, n_hosts, index, salt);
	hb_slot_encode(&s, buf);
	assert_int_equal(hb_slot_decode(buf, index, &pool, &out), HB_REJECT_NONE);
	assert_slot_equal(&s, &out);
}

static void test_slot_roundtrip(void **state)
{
	(void)state;
	slot_roundtrip(POOL_HOSTS, 2, 0);
	slot_roundtrip(1, 0, 1);
	slot_roundtrip(64, 63, 2);
	slot_roundtrip(64, 0, 3);
	slot_roundtrip(33, 32, 4);
}

static void test_slot_last_words_text(void **state)
{
	(void)state;
	struct hb_slot s, out;
	uint8_t buf[BS];
	struct hb_sf_pool pool = strict_pool();
	fill_slot(&s, POOL_HOSTS, 2, 0);
	memset(s.last_words.text, 'x', HB_LAST_WORDS_MAX); /* longest text */
	s.last_words.text[HB_LAST_WORDS_MAX] = '\0';
	hb_slot_encode(&s, buf);
	assert_int_equal(hb_slot_decode(buf, 2, &pool, &out), HB_REJECT_NONE);
	assert_slot_equal(&s, &out);
	snprintf(s.last_words.text, sizeof s.last_words.text, "h\xc3\xb4te perdu ~"); /* UTF-8 */
	hb_slot_encode(&s, buf);
	assert_int_equal(hb_slot_decode(buf, 2, &pool, &out), HB_REJECT_NONE);
	assert_slot_equal(&s, &out);
	/* bytes after the terminating NUL in the struct are not written */
	memset(s.last_words.text, 'y', sizeof s.last_words.text);
	s.last_words.text[3] = '\0';
	s.last_words.text[HB_LAST_WORDS_MAX] = '\0';
	hb_slot_encode(&s, buf);
	for (unsigned i = S_LW_TEXT + 3; i < O_CRC; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(hb_slot_decode(buf, 2, &pool, &out), HB_REJECT_NONE);
	assert_string_equal(out.last_words.text, "yyy");
}

static void test_fresh_slot(void **state)
{
	(void)state;
	struct hb_slot s, out;
	uint8_t buf[BS];
	struct hb_sf_pool pool = strict_pool();
	hb_slot_init_fresh(&s, &generation, &uuids[4], 4, POOL_HOSTS);
	assert_int_equal(s.boot_id, 0);
	assert_int_equal(s.sequence, 0);
	assert_int_equal(s.view.phase, HB_PHASE_STOPPED);
	assert_int_equal(s.view.weight, 1);
	assert_int_equal(s.view.flags, 0);
	assert_int_equal(s.view.liveset, 0);
	assert_int_equal(s.last_words.reason, HB_FENCE_NONE);
	assert_string_equal(s.last_words.text, "");
	hb_slot_encode(&s, buf);
	assert_int_equal(hb_slot_decode(buf, 4, &pool, &out), HB_REJECT_NONE);
	assert_slot_equal(&s, &out);
	assert_memory_equal(buf, "HBSL", 4);
}

/* ---- corruption classes ---- */

static void test_all_zero_block(void **state)
{
	(void)state;
	static const uint8_t zero[BS];
	expect_reason(global_decode_strict(zero), HB_REJECT_MAGIC);
	expect_reason(slot_decode_strict(zero, 0), HB_REJECT_MAGIC);
	struct hb_sf_pool loose = {NULL, 0, NULL};
	struct hb_slot s;
	struct hb_global g;
	expect_reason(hb_slot_decode(zero, 0, &loose, &s), HB_REJECT_MAGIC);
	expect_reason(hb_global_decode(zero, &loose, &g), HB_REJECT_MAGIC);
}

static void test_bad_magic(void **state)
{
	(void)state;
	uint8_t gbuf[BS], sbuf[BS];
	struct hb_global g;
	struct hb_slot s;
	fill_global(&g);
	hb_global_encode(&g, gbuf);
	fill_slot(&s, POOL_HOSTS, 0, 0);
	hb_slot_encode(&s, sbuf);
	/* a global block read as a slot and the other way round */
	expect_reason(slot_decode_strict(gbuf, 0), HB_REJECT_MAGIC);
	expect_reason(global_decode_strict(sbuf), HB_REJECT_MAGIC);
	slot_expect_u8(S_MAGIC + 3, 'X', HB_REJECT_MAGIC);
	uint8_t xhad[4] = {'h', 'o', 's', 't'}; /* an xhad host block */
	slot_expect_edit(S_MAGIC, xhad, 4, HB_REJECT_MAGIC);
	uint8_t pool_sig[4] = {'p', 'o', 'o', 'l'};
	global_expect_edit(G_MAGIC, pool_sig, 4, HB_REJECT_MAGIC);
}

static void test_bad_version(void **state)
{
	(void)state;
	uint8_t v[2];
	hb_put_u16(v, HB_SF_VERSION + 1);
	slot_expect_edit(S_VERSION, v, 2, HB_REJECT_VERSION);
	global_expect_edit(G_VERSION, v, 2, HB_REJECT_VERSION);
	hb_put_u16(v, 2); /* xhad's SF_VERSION */
	global_expect_edit(G_VERSION, v, 2, HB_REJECT_VERSION);
}

static enum hb_reject flip_expect(size_t off)
{
	if (off < 4)
		return HB_REJECT_MAGIC;
	if (off < 6)
		return HB_REJECT_VERSION;
	return HB_REJECT_CRC;
}

static void flip_every_byte(uint8_t *buf, bool slot)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	for (size_t off = 0; off < BS; off++) {
		for (unsigned m = 0; m < sizeof masks; m++) {
			buf[off] ^= masks[m];
			enum hb_reject r = slot ? slot_decode_strict(buf, 2) : global_decode_strict(buf);
			if (r != flip_expect(off))
				fail_msg("flip 0x%02x at %zu: %s", masks[m], off, hb_reject_name(r));
			buf[off] ^= masks[m];
		}
	}
}

static void test_bad_crc(void **state)
{
	(void)state;
	uint8_t buf[BS];
	struct hb_slot s;
	struct hb_global g;
	fill_slot(&s, POOL_HOSTS, 2, 0);
	hb_slot_encode(&s, buf);
	flip_every_byte(buf, true);
	expect_reason(slot_decode_strict(buf, 2), HB_REJECT_NONE);
	fill_global(&g);
	hb_global_encode(&g, buf);
	flip_every_byte(buf, false);
	expect_reason(global_decode_strict(buf), HB_REJECT_NONE);
}

static void test_torn_write(void **state)
{
	(void)state;
	uint8_t old_buf[BS], new_buf[BS];
	struct hb_slot s;
	fill_slot(&s, POOL_HOSTS, 2, 0);
	hb_slot_encode(&s, old_buf);
	s.sequence++;
	s.view.echo_ms[4] += 1000;
	hb_slot_encode(&s, new_buf);
	/* new first sector(s), old rest: each 512-byte tear point */
	for (size_t cut = 512; cut < BS; cut += 512) {
		uint8_t torn[BS];
		memcpy(torn, new_buf, cut);
		memcpy(torn + cut, old_buf + cut, BS - cut);
		expect_reason(slot_decode_strict(torn, 2), HB_REJECT_CRC);
	}
}

static void test_wrong_generation(void **state)
{
	(void)state;
	uint8_t other[16];
	memset(other, 0x42, sizeof other);
	slot_expect_edit(S_GENERATION, other, 16, HB_REJECT_GENERATION);
	global_expect_edit(G_GENERATION, other, 16, HB_REJECT_GENERATION);
	/* generation NULL: a dump of an unknown statefile accepts it */
	uint8_t buf[BS];
	struct hb_slot s, out;
	fill_slot(&s, POOL_HOSTS, 2, 0);
	s.generation.b[0] ^= 1;
	hb_slot_encode(&s, buf);
	struct hb_sf_pool pool = strict_pool();
	expect_reason(hb_slot_decode(buf, 2, &pool, &out), HB_REJECT_GENERATION);
	pool.generation = NULL;
	expect_reason(hb_slot_decode(buf, 2, &pool, &out), HB_REJECT_NONE);
	assert_slot_equal(&s, &out);
}

static void test_slot_wrong_position(void **state)
{
	(void)state;
	uint8_t buf[BS];
	struct hb_slot s;
	fill_slot(&s, POOL_HOSTS, 2, 0);
	hb_slot_encode(&s, buf);
	for (unsigned i = 0; i < HB_MAX_HOSTS; i++)
		expect_reason(slot_decode_strict(buf, i), i == 2 ? HB_REJECT_NONE : HB_REJECT_INDEX);
	expect_reason(slot_decode_strict(buf, 1000), HB_REJECT_INDEX);
}

static void test_slot_index_out_of_range(void **state)
{
	(void)state;
	uint8_t buf[BS];
	struct hb_slot s, out;
	/* index 5 in a pool of 5 hosts: the block claims it, we read it there */
	fill_slot(&s, POOL_HOSTS, 2, 0);
	hb_slot_encode(&s, buf);
	buf[S_INDEX] = POOL_HOSTS;
	reseal(buf);
	expect_reason(slot_decode_strict(buf, POOL_HOSTS), HB_REJECT_INDEX);
	slot_expect_u8(S_N_HOSTS, POOL_HOSTS + 1, HB_REJECT_INDEX); /* pool size mismatch */
	slot_expect_u8(S_N_HOSTS, 2, HB_REJECT_INDEX);              /* index 2 >= 2 */
	slot_expect_u8(S_N_HOSTS, 0, HB_REJECT_INDEX);
	/* without a configured pool size, the block's own n_hosts bounds it */
	struct hb_sf_pool loose = {NULL, 0, NULL};
	hb_slot_encode(&s, buf);
	buf[S_N_HOSTS] = 2;
	reseal(buf);
	expect_reason(hb_slot_decode(buf, 2, &loose, &out), HB_REJECT_INDEX);
}

static void test_slot_uuid_mismatch(void **state)
{
	(void)state;
	slot_expect_u8(S_HOST_UUID + 15, 0, HB_REJECT_UUID);
	slot_expect_edit(S_HOST_UUID, uuids[3].b, 16, HB_REJECT_UUID);
	/* no host UUIDs: only the index is checked */
	uint8_t buf[BS];
	struct hb_slot s, out;
	fill_slot(&s, POOL_HOSTS, 2, 0);
	s.host_uuid = uuids[3];
	hb_slot_encode(&s, buf);
	struct hb_sf_pool pool = strict_pool();
	expect_reason(hb_slot_decode(buf, 2, &pool, &out), HB_REJECT_UUID);
	pool.host_uuids = NULL;
	expect_reason(hb_slot_decode(buf, 2, &pool, &out), HB_REJECT_NONE);
}

static void test_slot_fields(void **state)
{
	(void)state;
	uint8_t one = 1, z2[2] = {0, 0};
	slot_expect_u8(S_RESERVED0, 1, HB_REJECT_FIELD);
	slot_expect_u8(S_RESERVED1 + 1, 1, HB_REJECT_FIELD);
	slot_expect_u64(S_VIEW + V_LIVESET, hb_host_bit(POOL_HOSTS), HB_REJECT_FIELD);
	slot_expect_u64(S_VIEW + V_LOCK_GRANT, 1ull << 63, HB_REJECT_FIELD);
	slot_expect_u64(S_VIEW + V_ECHO + 8 * POOL_HOSTS, 5, HB_REJECT_FIELD);
	slot_expect_u8(S_VIEW + V_PHASE, 9, HB_REJECT_FIELD);
	slot_expect_u8(S_VIEW + V_FLAGS, 0xff, HB_REJECT_NONE); /* every bit is a flag (HB_VF_ALL) */
	slot_expect_edit(S_VIEW + V_WEIGHT, z2, 2, HB_REJECT_FIELD);
	slot_expect_u8(S_VIEW + V_LOCK_REQUEST, 2, HB_REJECT_FIELD);
	slot_expect_edit(S_ZERO, &one, 1, HB_REJECT_FIELD);
	slot_expect_edit(O_CRC - 1, &one, 1, HB_REJECT_FIELD);
	/* the block's n_hosts beyond 64 with no configured pool size */
	uint8_t buf[BS];
	struct hb_slot s, out;
	struct hb_sf_pool loose = {NULL, 0, NULL};
	fill_slot(&s, POOL_HOSTS, 2, 0);
	hb_slot_encode(&s, buf);
	buf[S_N_HOSTS] = 65;
	reseal(buf);
	expect_reason(hb_slot_decode(buf, 2, &loose, &out), HB_REJECT_FIELD);
}

static void test_slot_last_words_fields(void **state)
{
	(void)state;
	uint8_t b4[4];
	hb_put_u32(b4, HB_FENCE_REASON_MAX + 1);
	slot_expect_edit(S_LW_REASON, b4, 4, HB_REJECT_FIELD);
	hb_put_u32(b4, HB_FENCE_REASON_MAX);
	slot_expect_edit(S_LW_REASON, b4, 4, HB_REJECT_NONE);
	hb_put_u32(b4, HB_FENCE_NONE); /* no reason, but text */
	slot_expect_edit(S_LW_REASON, b4, 4, HB_REJECT_FIELD);
	slot_expect_u8(S_LW_TEXT, '\n', HB_REJECT_FIELD);
	slot_expect_u8(S_LW_TEXT + 5, 0x1b, HB_REJECT_FIELD); /* ESC */
	slot_expect_u8(S_LW_TEXT + 5, 0x7f, HB_REJECT_FIELD);
	slot_expect_u8(S_LW_TEXT + 5, 0xe9, HB_REJECT_NONE);
	slot_expect_u8(S_LW_TEXT + 150, 'z', HB_REJECT_FIELD);  /* a byte after the NUL */
	slot_expect_u8(S_LW_TEXT + HB_LAST_WORDS_MAX, 'z', HB_REJECT_FIELD);
	uint8_t full[HB_LAST_WORDS_MAX + 1];
	memset(full, 'a', sizeof full); /* no terminating NUL */
	slot_expect_edit(S_LW_TEXT, full, sizeof full, HB_REJECT_FIELD);
	full[HB_LAST_WORDS_MAX] = 0;
	slot_expect_edit(S_LW_TEXT, full, sizeof full, HB_REJECT_NONE);
	slot_expect_u64(S_LW_BOOT_ID, 0, HB_REJECT_NONE);
	slot_expect_u64(S_LW_REALTIME, ~0ull, HB_REJECT_NONE);
}

static void test_global_fields(void **state)
{
	(void)state;
	uint8_t one = 1;
	global_expect_u32(G_POOL_STATE, HB_POOL_NONE, HB_REJECT_FIELD);
	global_expect_u32(G_POOL_STATE, HB_POOL_STATE_MAX + 1, HB_REJECT_FIELD);
	global_expect_u32(G_POOL_STATE, HB_POOL_INVALID, HB_REJECT_NONE);
	global_expect_u32(G_N_HOSTS, POOL_HOSTS + 1, HB_REJECT_INDEX);
	global_expect_u32(G_N_HOSTS, 0, HB_REJECT_INDEX);
	uint8_t w = POOL_HOSTS;
	global_expect_edit(G_WRITER, &w, 1, HB_REJECT_FIELD);
	w = 0xff;
	global_expect_edit(G_WRITER, &w, 1, HB_REJECT_NONE);
	w = 0xfe;
	global_expect_edit(G_WRITER, &w, 1, HB_REJECT_FIELD);
	global_expect_edit(G_RESERVED, &one, 1, HB_REJECT_FIELD);
	global_expect_edit(G_ZERO, &one, 1, HB_REJECT_FIELD);
	global_expect_edit(O_CRC - 1, &one, 1, HB_REJECT_FIELD);
	uint8_t nil[16] = {0};
	global_expect_edit(G_MASTER, nil, 16, HB_REJECT_NONE);
	/* n_hosts range with no configured pool size */
	uint8_t buf[BS];
	struct hb_global g, out;
	struct hb_sf_pool loose = {NULL, 0, NULL};
	fill_global(&g);
	const uint32_t bad[] = {0, HB_MAX_HOSTS + 1, UINT32_MAX};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hb_global_encode(&g, buf);
		hb_put_u32(buf + G_N_HOSTS, bad[i]);
		reseal(buf);
		expect_reason(hb_global_decode(buf, &loose, &out), HB_REJECT_FIELD);
	}
}

static void test_fence_reason_names(void **state)
{
	(void)state;
	assert_string_equal(hb_fence_reason_name(HB_FENCE_NONE), "none");
	assert_string_equal(hb_fence_reason_name(HB_FENCE_LOST_PARTITION), "lost_partition");
	assert_string_equal(hb_fence_reason_name((enum hb_fence_reason)(HB_FENCE_REASON_MAX + 1)), "unknown");
	for (int i = 0; i <= HB_FENCE_REASON_MAX; i++) {
		const char *a = hb_fence_reason_name((enum hb_fence_reason)i);
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, hb_fence_reason_name((enum hb_fence_reason)j));
	}
}

/* The view flags' names and the one text form of a host set (hb_types.h). */
static void test_view_flag_names(void **state)
{
	(void)state;
	static const char *const names[] = {"sf_access", "fencing", "excluded", "rule2", "armed", "starting", "joining", "master"};
	unsigned b = 0;
	for (; (1u << b) & HB_VF_ALL; b++)
		assert_string_equal(hb_view_flag_name(1u << b), names[b]);
	assert_int_equal(b, sizeof names / sizeof names[0]);
	assert_null(hb_view_flag_name(1u << b));
	assert_null(hb_view_flag_name(HB_VF_SF_ACCESS | HB_VF_ARMED));
}

static void test_hostmap_format(void **state)
{
	(void)state;
	char buf[HB_HOSTMAP_TEXT_MAX], small[12];
	assert_string_equal(hb_hostmap_format(0, ",", "none", buf, sizeof buf), "none");
	assert_string_equal(hb_hostmap_format(0, " ", "-", buf, sizeof buf), "-");
	assert_string_equal(hb_hostmap_format(0x25, ",", "none", buf, sizeof buf), "0,2,5");
	assert_string_equal(hb_hostmap_format(0x7, " ", "-", buf, sizeof buf), "0 1 2");
	/* every host fits the documented room */
	hb_hostmap_format(~(hb_hostmap)0, ",", "none", buf, sizeof buf);
	assert_int_equal(strlen(buf), 181);
	assert_string_equal(buf + 176, "62,63");
	/* too long: cut at a whole index, marked */
	assert_string_equal(hb_hostmap_format(0x3ff, ",", "none", small, sizeof small), "0,1,2,3,...");
}

int main(void)
{
	fixtures_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_global),
		cmocka_unit_test(test_golden_slot),
		cmocka_unit_test(test_global_roundtrip),
		cmocka_unit_test(test_slot_roundtrip),
		cmocka_unit_test(test_slot_last_words_text),
		cmocka_unit_test(test_fresh_slot),
		cmocka_unit_test(test_all_zero_block),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_crc),
		cmocka_unit_test(test_torn_write),
		cmocka_unit_test(test_wrong_generation),
		cmocka_unit_test(test_slot_wrong_position),
		cmocka_unit_test(test_slot_index_out_of_range),
		cmocka_unit_test(test_slot_uuid_mismatch),
		cmocka_unit_test(test_slot_fields),
		cmocka_unit_test(test_slot_last_words_fields),
		cmocka_unit_test(test_global_fields),
		cmocka_unit_test(test_fence_reason_names),
		cmocka_unit_test(test_view_flag_names),
		cmocka_unit_test(test_hostmap_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
