/*
 * test_wire.c: unit tests of the view block (hb_view.c) and the heartbeat
 * packet (hb_wire.c): round trips, the golden byte vector, every corruption
 * class with its exact reject reason, and the receiver's freshness rule.
 *
 * HB_WRITE_GOLDEN=1 regenerates tests/data/golden/packet.hex and the packet
 * fuzz seeds instead of comparing; a golden change needs a version bump
 * (docs/formats.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hb_bytes.h"
#include "hb_view.h"
#include "hb_wire.h"
#include "unit_records.h"

/* Packet offsets (docs/formats.md). */
enum {
	O_MAGIC = 0, O_VERSION = 4, O_LENGTH = 6, O_GEN_TAG = 8, O_UUID = 16,
	O_INDEX = 32, O_PATH = 33, O_N_HOSTS = 34, O_RESERVED = 35, O_BOOT_ID = 36,
	O_SEQUENCE = 44, O_SENT_AT = 52, O_PAD = 60, O_VIEW = 64,
	O_MAC = 64 + HB_VIEW_WIRE_SIZE
};
/* View offsets (docs/formats.md). */
enum {
	V_HB_HEARD = 0, V_HEARD_PATH = 8, V_SF_SEEN = 40, V_LIVESET = 48, V_PROPOSED = 56,
	V_EPOCH = 64, V_PHASE = 72, V_FLAGS = 73, V_WEIGHT = 74, V_LOCK_REQUEST = 76,
	V_RESERVED = 77, V_LOCK_GRANT = 80, V_FENCE_BOUND = 88, V_ECHO = 104, V_SF_SEQ = 616
};

#define GEN_TAG 0x0123456789abcdefull
#define POOL_HOSTS 5u

static struct hb_key test_key;
static hb_uuid uuids[HB_MAX_HOSTS];

static void fixtures_init(void)
{
	memset(&test_key, 0, sizeof test_key);
	for (unsigned i = 0; i < 32; i++)
		test_key.bytes[i] = (uint8_t)(i + 1);
	test_key.len = 32;
	unit_fixture_uuids(uuids);
}

static struct hb_wire_pool make_pool(unsigned n_hosts)
{
	struct hb_wire_pool pool = {
		.key = &test_key, .generation_tag = GEN_TAG, .n_hosts = n_hosts, .host_uuids = uuids,
	};
	return pool;
}

static void fill_view(struct hb_view *v, unsigned n_hosts, uint64_t salt)
{
	hb_hostmap all = hb_hostmap_all(n_hosts);
	memset(v, 0, sizeof *v);
	v->hb_heard = (0x5a5a5a5a5a5a5a5bull ^ salt) & all;
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		v->hb_heard_path[p] = (0x3c3c3c3c3c3c3c3dull >> p ^ salt) & all;
	v->sf_seen = (0xf0f0f0f0f0f0f0f1ull ^ salt) & all;
	v->liveset = all;
	v->proposed = all & ~(hb_hostmap)2;
	v->epoch = 77 + salt;
	v->phase = HB_PHASE_ONLINE;
	v->flags = HB_VF_SF_ACCESS | HB_VF_ARMED;
	v->weight = 3;
	v->lock_request = 1;
	v->lock_grant = 1;
	v->fence_bound_ms = 75000;
	v->fence_flag_bound_ms = 5000;
	v->hb_timeout_ms = 30000;
	v->sf_timeout_ms = 45000;
	for (unsigned k = 0; k < n_hosts; k++) {
		v->echo_ms[k] = 1000000ull * (k + 1) + salt;
		v->sf_seq_seen[k] = 500ull + k + salt;
	}
}

static void fill_packet(struct hb_packet *pkt, unsigned n_hosts, unsigned index, uint64_t salt)
{
	memset(pkt, 0, sizeof *pkt);
	pkt->sender_uuid = uuids[index];
	pkt->sender_index = (uint8_t)index;
	pkt->path = 1;
	pkt->n_hosts = (uint8_t)n_hosts;
	pkt->boot_id = 0x1122334455667788ull;
	pkt->sequence = 42 + salt;
	pkt->sent_at_ms = 123456789ull + salt;
	fill_view(&pkt->view, n_hosts, salt);
}

static void assert_packet_equal(const struct hb_packet *a, const struct hb_packet *b)
{
	assert_memory_equal(a->sender_uuid.b, b->sender_uuid.b, 16);
	assert_int_equal(a->sender_index, b->sender_index);
	assert_int_equal(a->path, b->path);
	assert_int_equal(a->n_hosts, b->n_hosts);
	assert_int_equal(a->boot_id, b->boot_id);
	assert_int_equal(a->sequence, b->sequence);
	assert_int_equal(a->sent_at_ms, b->sent_at_ms);
	unit_assert_view_equal(&a->view, &b->view);
}

/* Recompute the MAC after editing a packet, as a key holder could. */
static void remac(uint8_t *buf)
{
	unsigned int len = 0;
	assert_non_null(HMAC(EVP_sha256(), test_key.bytes, (int)test_key.len, buf, O_MAC, buf + O_MAC, &len));
	assert_int_equal(len, HB_MAC_SIZE);
}

static void encode_default(uint8_t *buf, struct hb_packet *pkt)
{
	struct hb_wire_pool pool = make_pool(POOL_HOSTS);
	fill_packet(pkt, POOL_HOSTS, 2, 0);
	assert_int_equal(hb_packet_encode(pkt, &pool, buf), HB_PACKET_SIZE);
}

static enum hb_reject decode_default(const uint8_t *buf, size_t len)
{
	struct hb_wire_pool pool = make_pool(POOL_HOSTS);
	struct hb_packet out;
	return hb_packet_decode(buf, len, &pool, &out);
}

/* Edit a byte range of a valid packet, re-MAC it, expect `want`. */
static void expect_edit(size_t off, const uint8_t *bytes, size_t n, enum hb_reject want)
{
	uint8_t buf[HB_PACKET_SIZE];
	struct hb_packet pkt;
	encode_default(buf, &pkt);
	memcpy(buf + off, bytes, n);
	remac(buf);
	assert_string_equal(hb_reject_name(decode_default(buf, sizeof buf)), hb_reject_name(want));
}

static void expect_edit_u8(size_t off, uint8_t v, enum hb_reject want) { expect_edit(off, &v, 1, want); }

static void expect_edit_u64(size_t off, uint64_t v, enum hb_reject want)
{
	uint8_t b[8];
	hb_put_u64(b, v);
	expect_edit(off, b, 8, want);
}

/* ---- golden vectors ---- */

static void golden_packet(struct hb_packet *pkt)
{
	memset(pkt, 0, sizeof *pkt);
	pkt->sender_uuid = uuids[2];
	pkt->sender_index = 2;
	pkt->path = 1;
	pkt->n_hosts = POOL_HOSTS;
	pkt->boot_id = 0x1122334455667788ull;
	pkt->sequence = 0x0102030405060708ull;
	pkt->sent_at_ms = 86400000ull;
	fill_view(&pkt->view, POOL_HOSTS, 0);
	pkt->view.flags = HB_VF_SF_ACCESS | HB_VF_ARMED | HB_VF_RULE2;
}

static void test_golden_packet(void **state)
{
	(void)state;
	struct hb_wire_pool pool = make_pool(POOL_HOSTS);
	struct hb_packet pkt, out;
	uint8_t buf[HB_PACKET_SIZE], want[HB_PACKET_SIZE + 1];
	golden_packet(&pkt);
	assert_int_equal(hb_packet_encode(&pkt, &pool, buf), HB_PACKET_SIZE);
	if (getenv("HB_WRITE_GOLDEN") != NULL) {
		unit_golden_write("packet.hex", "heartbeat packet v1, key 01..20, generation tag 0x0123456789abcdef", buf, sizeof buf);
		unit_seed_write("packet", "golden", buf, sizeof buf);
		fill_packet(&pkt, POOL_HOSTS, 4, 9);
		hb_packet_encode(&pkt, &pool, buf);
		unit_seed_write("packet", "host4", buf, sizeof buf);
		return;
	}
	assert_int_equal(unit_golden_read("packet.hex", want, sizeof want), HB_PACKET_SIZE);
	assert_memory_equal(buf, want, HB_PACKET_SIZE);
	assert_int_equal(hb_packet_decode(want, HB_PACKET_SIZE, &pool, &out), HB_REJECT_NONE);
	assert_packet_equal(&pkt, &out);
}

/* ---- round trips ---- */

static void roundtrip(unsigned n_hosts, unsigned index, uint64_t salt)
{
	struct hb_wire_pool pool = make_pool(n_hosts);
	struct hb_packet pkt, out;
	uint8_t buf[HB_PACKET_SIZE];
	fill_packet(&pkt, n_hosts, index, salt);
	assert_int_equal(hb_packet_encode(&pkt, &pool, buf), HB_PACKET_SIZE);
	assert_int_equal(hb_packet_decode(buf, sizeof buf, &pool, &out), HB_REJECT_NONE);
	assert_packet_equal(&pkt, &out);
}

static void test_roundtrip(void **state)
{
	(void)state;
	roundtrip(POOL_HOSTS, 2, 0);
	roundtrip(1, 0, 1);
	roundtrip(2, 1, 2);
	roundtrip(63, 62, 3);
	roundtrip(64, 63, 4);
	roundtrip(64, 0, 5);
}

static void test_roundtrip_extremes(void **state)
{
	(void)state;
	struct hb_wire_pool pool = make_pool(HB_MAX_HOSTS);
	struct hb_packet pkt, out;
	uint8_t buf[HB_PACKET_SIZE];
	fill_packet(&pkt, HB_MAX_HOSTS, 63, 0);
	struct hb_view *v = &pkt.view;
	v->hb_heard = v->sf_seen = v->liveset = v->proposed = v->lock_grant = ~0ull;
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		v->hb_heard_path[p] = ~0ull;
	v->epoch = ~0ull;
	v->phase = HB_PHASE_MAX;
	v->flags = HB_VF_ALL;
	v->weight = UINT16_MAX;
	v->fence_bound_ms = v->fence_flag_bound_ms = HB_VIEW_MAX_BOUND_MS;
	v->hb_timeout_ms = v->sf_timeout_ms = UINT32_MAX;
	for (unsigned k = 0; k < HB_MAX_HOSTS; k++)
		v->echo_ms[k] = v->sf_seq_seen[k] = ~0ull - k;
	pkt.boot_id = pkt.sequence = pkt.sent_at_ms = ~0ull;
	pkt.path = HB_MAX_PATHS - 1;
	hb_packet_encode(&pkt, &pool, buf);
	assert_int_equal(hb_packet_decode(buf, sizeof buf, &pool, &out), HB_REJECT_NONE);
	assert_packet_equal(&pkt, &out);
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(HB_VIEW_WIRE_SIZE, 1128);
	assert_int_equal(HB_PACKET_SIZE, 1224);
	assert_true(HB_PACKET_SIZE <= 1280);
	uint8_t buf[HB_PACKET_SIZE];
	struct hb_packet pkt;
	encode_default(buf, &pkt);
	assert_int_equal(hb_get_u32(buf + O_MAGIC), HB_PACKET_MAGIC);
	assert_memory_equal(buf, "HBHB", 4);
	assert_int_equal(hb_get_u16(buf + O_LENGTH), HB_PACKET_SIZE);
	assert_int_equal(hb_get_u8(buf + O_INDEX), 2);
	for (unsigned i = O_PAD; i < O_VIEW; i++)
		assert_int_equal(buf[i], 0);
}

/* ---- corruption classes ---- */

static void test_truncated(void **state)
{
	(void)state;
	uint8_t buf[HB_PACKET_SIZE];
	struct hb_packet pkt;
	encode_default(buf, &pkt);
	assert_int_equal(decode_default(NULL, 0), HB_REJECT_TRUNCATED);
	for (size_t len = 0; len < HB_PACKET_SIZE; len++) {
		/* An exact-size heap copy, so ASan catches any read past len. */
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, buf, len);
		assert_int_equal(decode_default(copy, len), HB_REJECT_TRUNCATED);
		free(copy);
	}
}

static void test_oversize(void **state)
{
	(void)state;
	static uint8_t big[65536];
	struct hb_packet pkt;
	encode_default(big, &pkt);
	assert_int_equal(decode_default(big, HB_PACKET_SIZE), HB_REJECT_NONE);
	assert_int_equal(decode_default(big, HB_PACKET_SIZE + 1), HB_REJECT_LENGTH);
	assert_int_equal(decode_default(big, 1280), HB_REJECT_LENGTH);
	assert_int_equal(decode_default(big, sizeof big), HB_REJECT_LENGTH);
}

static void test_bad_magic(void **state)
{
	(void)state;
	expect_edit_u8(O_MAGIC, 'X', HB_REJECT_MAGIC);
	uint8_t xhah[4] = {'x', 'h', 'a', 'h'}; /* an xhad packet */
	expect_edit(O_MAGIC, xhah, 4, HB_REJECT_MAGIC);
	uint8_t zero[HB_PACKET_SIZE] = {0};
	assert_int_equal(decode_default(zero, sizeof zero), HB_REJECT_MAGIC);
}

static void test_bad_version(void **state)
{
	(void)state;
	uint8_t v[2];
	hb_put_u16(v, HB_PACKET_VERSION + 1);
	expect_edit(O_VERSION, v, 2, HB_REJECT_VERSION);
	hb_put_u16(v, 0);
	expect_edit(O_VERSION, v, 2, HB_REJECT_VERSION);
}

static void test_bad_length_field(void **state)
{
	(void)state;
	uint8_t v[2];
	hb_put_u16(v, HB_PACKET_SIZE - 1);
	expect_edit(O_LENGTH, v, 2, HB_REJECT_LENGTH);
	hb_put_u16(v, 744);
	expect_edit(O_LENGTH, v, 2, HB_REJECT_LENGTH);
}

static void test_wrong_generation(void **state)
{
	(void)state;
	expect_edit_u64(O_GEN_TAG, GEN_TAG + 1, HB_REJECT_GENERATION);
	uint8_t buf[HB_PACKET_SIZE];
	struct hb_packet pkt, out;
	encode_default(buf, &pkt);
	struct hb_wire_pool other = make_pool(POOL_HOSTS);
	other.generation_tag = ~GEN_TAG;
	assert_int_equal(hb_packet_decode(buf, sizeof buf, &other, &out), HB_REJECT_GENERATION);
}

/* Every single-byte change is caught: by the frame checks in the header's
 * first 16 bytes, by the MAC everywhere else. */
static enum hb_reject flip_expect(size_t off)
{
	if (off < O_VERSION)
		return HB_REJECT_MAGIC;
	if (off < O_LENGTH)
		return HB_REJECT_VERSION;
	if (off < O_GEN_TAG)
		return HB_REJECT_LENGTH;
	if (off < O_UUID)
		return HB_REJECT_GENERATION;
	return HB_REJECT_MAC;
}

static void test_every_byte_flip(void **state)
{
	(void)state;
	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	uint8_t buf[HB_PACKET_SIZE];
	struct hb_packet pkt;
	encode_default(buf, &pkt);
	for (size_t off = 0; off < HB_PACKET_SIZE; off++) {
		for (unsigned m = 0; m < sizeof masks; m++) {
			buf[off] ^= masks[m];
			enum hb_reject r = decode_default(buf, sizeof buf);
			if (r != flip_expect(off))
				fail_msg("flip 0x%02x at %zu: %s", masks[m], off, hb_reject_name(r));
			buf[off] ^= masks[m];
		}
	}
	assert_int_equal(decode_default(buf, sizeof buf), HB_REJECT_NONE);
}

static void test_wrong_key(void **state)
{
	(void)state;
	uint8_t buf[HB_PACKET_SIZE];
	struct hb_packet pkt, out;
	encode_default(buf, &pkt);
	struct hb_key other = test_key;
	other.bytes[31] ^= 1;
	struct hb_wire_pool pool = make_pool(POOL_HOSTS);
	pool.key = &other;
	assert_int_equal(hb_packet_decode(buf, sizeof buf, &pool, &out), HB_REJECT_MAC);
	other = test_key;
	other.len = 31; /* a prefix of the key is another key */
	assert_int_equal(hb_packet_decode(buf, sizeof buf, &pool, &out), HB_REJECT_MAC);
}

static void test_index_out_of_range(void **state)
{
	(void)state;
	expect_edit_u8(O_INDEX, POOL_HOSTS, HB_REJECT_INDEX);
	expect_edit_u8(O_INDEX, 255, HB_REJECT_INDEX);
	expect_edit_u8(O_N_HOSTS, POOL_HOSTS - 1, HB_REJECT_INDEX);
	expect_edit_u8(O_N_HOSTS, POOL_HOSTS + 1, HB_REJECT_INDEX);
	expect_edit_u8(O_N_HOSTS, 0, HB_REJECT_INDEX);
}

static void test_uuid_mismatch(void **state)
{
	(void)state;
	expect_edit_u8(O_UUID + 15, 0x00, HB_REJECT_UUID);
	expect_edit(O_UUID, uuids[3].b, 16, HB_REJECT_UUID); /* host 3 claiming index 2 */
	expect_edit_u8(O_INDEX, 3, HB_REJECT_UUID);           /* index 3 with host 2's UUID */
}

static void test_header_fields(void **state)
{
	(void)state;
	expect_edit_u8(O_PATH, HB_MAX_PATHS, HB_REJECT_FIELD);
	expect_edit_u8(O_PATH, 0xff, HB_REJECT_FIELD);
	expect_edit_u8(O_PATH, HB_MAX_PATHS - 1, HB_REJECT_NONE);
	expect_edit_u8(O_RESERVED, 1, HB_REJECT_FIELD);
	for (unsigned off = O_PAD; off < O_VIEW; off++)
		expect_edit_u8(off, 0x20, HB_REJECT_FIELD);
	expect_edit_u64(O_BOOT_ID, 0, HB_REJECT_FIELD);
	expect_edit_u64(O_SEQUENCE, 0, HB_REJECT_FIELD);
	expect_edit_u64(O_SENT_AT, 0, HB_REJECT_NONE);
}

static void test_view_fields_in_packet(void **state)
{
	(void)state;
	uint64_t beyond = hb_host_bit(POOL_HOSTS);
	static const unsigned maps[] = {V_HB_HEARD, V_HEARD_PATH, V_HEARD_PATH + 8, V_HEARD_PATH + 24,
	                                V_SF_SEEN, V_LIVESET, V_PROPOSED, V_LOCK_GRANT};
	for (unsigned i = 0; i < sizeof maps / sizeof maps[0]; i++) {
		expect_edit_u64(O_VIEW + maps[i], beyond, HB_REJECT_FIELD);
		expect_edit_u64(O_VIEW + maps[i], 1ull << 63, HB_REJECT_FIELD);
		expect_edit_u64(O_VIEW + maps[i], beyond - 1, HB_REJECT_NONE);
	}
	expect_edit_u64(O_VIEW + V_ECHO + 8 * POOL_HOSTS, 1, HB_REJECT_FIELD);
	expect_edit_u64(O_VIEW + V_SF_SEQ + 8 * 63, 1, HB_REJECT_FIELD);
	expect_edit_u8(O_VIEW + V_PHASE, 9, HB_REJECT_FIELD);
	expect_edit_u8(O_VIEW + V_PHASE, HB_PHASE_MAX + 1, HB_REJECT_FIELD);
	expect_edit_u8(O_VIEW + V_FLAGS, 0xff, HB_REJECT_NONE); /* every bit is a flag (HB_VF_ALL) */
	uint8_t zero2[2] = {0, 0};
	expect_edit(O_VIEW + V_WEIGHT, zero2, 2, HB_REJECT_FIELD);
	expect_edit_u8(O_VIEW + V_LOCK_REQUEST, 2, HB_REJECT_FIELD);
	expect_edit_u8(O_VIEW + V_RESERVED + 2, 1, HB_REJECT_FIELD);
}

/* ---- the view decoder on its own ---- */

static void view_expect(unsigned off, const uint8_t *bytes, size_t n, unsigned n_hosts, const char *what)
{
	struct hb_view v, out;
	uint8_t buf[HB_VIEW_WIRE_SIZE];
	const char *got = "unset";
	fill_view(&v, 4, 0);
	hb_view_encode(&v, buf);
	memcpy(buf + off, bytes, n);
	int rc = hb_view_decode(buf, n_hosts, &out, &got);
	if (what == NULL) {
		assert_int_equal(rc, 0);
		assert_null(got);
	} else {
		assert_int_equal(rc, -1);
		assert_non_null(got);
		assert_string_equal(got, what);
	}
}

static void view_expect_u64(unsigned off, uint64_t v, const char *what)
{
	uint8_t b[8];
	hb_put_u64(b, v);
	view_expect(off, b, 8, 4, what);
}

static void test_view_decoder(void **state)
{
	(void)state;
	uint8_t one = 1, nine = 9, ff = 0xff, two = 2, z2[2] = {0, 0};
	view_expect(0, &one, 1, 4, NULL);
	view_expect(0, &one, 1, 0, "n_hosts");
	view_expect(0, &one, 1, 65, "n_hosts");
	view_expect_u64(V_HB_HEARD, 1u << 4, "hb_heard");
	view_expect_u64(V_HEARD_PATH + 16, 1u << 4, "hb_heard_path");
	view_expect_u64(V_SF_SEEN, 1u << 4, "sf_seen");
	view_expect_u64(V_LIVESET, 1u << 4, "liveset");
	view_expect_u64(V_PROPOSED, 1u << 4, "proposed");
	view_expect_u64(V_LOCK_GRANT, 1u << 4, "lock_grant");
	view_expect(V_PHASE, &nine, 1, 4, "phase");
	view_expect(V_FLAGS, &ff, 1, 4, NULL); /* every bit is a flag */
	view_expect(V_WEIGHT, z2, 2, 4, "weight");
	view_expect(V_LOCK_REQUEST, &two, 1, 4, "lock_request");
	view_expect(V_RESERVED, &one, 1, 4, "reserved");
	view_expect_u64(V_ECHO + 8 * 4, 1, "echo_ms");
	view_expect_u64(V_SF_SEQ + 8 * 4, 1, "sf_seq_seen");
	view_expect_u64(V_ECHO + 8 * 3, ~0ull, NULL);
	view_expect_u64(V_EPOCH, ~0ull, NULL);
	/* advertised bounds: at most HB_VIEW_MAX_BOUND_MS, the flag bound not
	 * above the fence bound (fill_view: 75000 and 5000) */
	uint8_t b4[4];
	hb_put_u32(b4, HB_VIEW_MAX_BOUND_MS + 1);
	view_expect(V_FENCE_BOUND, b4, 4, 4, "fence_bound_ms");
	hb_put_u32(b4, UINT32_MAX);
	view_expect(V_FENCE_BOUND, b4, 4, 4, "fence_bound_ms");
	hb_put_u32(b4, HB_VIEW_MAX_BOUND_MS);
	view_expect(V_FENCE_BOUND, b4, 4, 4, NULL);
	hb_put_u32(b4, 75001);
	view_expect(V_FENCE_BOUND + 4, b4, 4, 4, "fence_flag_bound_ms");
	hb_put_u32(b4, 75000);
	view_expect(V_FENCE_BOUND + 4, b4, 4, 4, NULL);
	/* what may be NULL */
	struct hb_view v, out;
	uint8_t buf[HB_VIEW_WIRE_SIZE];
	fill_view(&v, 4, 0);
	hb_view_encode(&v, buf);
	assert_int_equal(hb_view_decode(buf, 3, &out, NULL), -1);
	assert_int_equal(hb_view_decode(buf, 4, &out, NULL), 0);
	unit_assert_view_equal(&v, &out);
}

static void test_reject_names(void **state)
{
	(void)state;
	assert_string_equal(hb_reject_name(HB_REJECT_NONE), "none");
	assert_string_equal(hb_reject_name(HB_REJECT_TRUNCATED), "truncated");
	assert_string_equal(hb_reject_name(HB_REJECT_MAC), "bad_mac");
	assert_string_equal(hb_reject_name(HB_REJECT_COUNT), "unknown");
	assert_string_equal(hb_reject_name((enum hb_reject)200), "unknown");
	for (int i = 0; i < HB_REJECT_COUNT; i++) {
		const char *a = hb_reject_name((enum hb_reject)i);
		assert_true(strlen(a) > 0 && strspn(a, "abcdefghijklmnopqrstuvwxyz_") == strlen(a));
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, hb_reject_name((enum hb_reject)j));
	}
}

int main(void)
{
	fixtures_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_golden_packet),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_extremes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_length_field),
		cmocka_unit_test(test_wrong_generation),
		cmocka_unit_test(test_every_byte_flip),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_index_out_of_range),
		cmocka_unit_test(test_uuid_mismatch),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_view_fields_in_packet),
		cmocka_unit_test(test_view_decoder),
		cmocka_unit_test(test_reject_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
