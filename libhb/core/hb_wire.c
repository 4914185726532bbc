/*
 * hb_wire.c: the heartbeat packet.
 *
 * Owns the packet header layout (offsets below, table in docs/formats.md),
 * the HMAC-SHA256 trailer, the validating decoder (checks in the order given
 * in hb_wire.h, each with its own reject reason), the receiver-side
 * reject reason names.
 */
#include "hb_wire.h"
#include "hb_hmac.h"

#include <assert.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hb_bytes.h"

/* Byte offsets inside the packet. */
enum {
	PK_MAGIC = 0,
	PK_VERSION = 4,
	PK_LENGTH = 6,
	PK_GEN_TAG = 8,
	PK_SENDER_UUID = 16,
	PK_SENDER_INDEX = 32,
	PK_PATH = 33,
	PK_N_HOSTS = 34,
	PK_RESERVED = 35,
	PK_BOOT_ID = 36,
	PK_SEQUENCE = 44,
	PK_SENT_AT = 52,
	PK_PAD = 60,           /* zero up to the end of the header */
	PK_VIEW = HB_PACKET_HEADER_SIZE,
	PK_MAC = PK_VIEW + HB_VIEW_WIRE_SIZE
};

_Static_assert((int)PK_PAD <= (int)HB_PACKET_HEADER_SIZE, "packet: header fields overflow");
_Static_assert((int)PK_MAC + (int)HB_MAC_SIZE == (int)HB_PACKET_SIZE, "packet: size");
_Static_assert(HB_PACKET_SIZE <= 1280, "packet: must fit the IPv6 minimum MTU");
_Static_assert(HB_PACKET_SIZE <= UINT16_MAX, "packet: length field is u16");

/* HMAC-SHA256 of buf[0, PK_MAC) under key into mac. */
static bool packet_mac(const uint8_t *buf, const struct hb_key *key, uint8_t mac[HB_MAC_SIZE])
{
	_Static_assert(HB_MAC_SIZE == HB_SHA256_SIZE, "the MAC is a full HMAC-SHA256");
	assert(key->len >= 1 && key->len <= HB_KEY_MAX);
	hb_hmac_sha256(key->bytes, key->len, buf, PK_MAC, mac);
	return true;
}

static void packet_write_header(const struct hb_packet *pkt, const struct hb_wire_pool *pool, uint8_t *out)
{
	memset(out, 0, HB_PACKET_HEADER_SIZE);
	hb_put_u32(out + PK_MAGIC, HB_PACKET_MAGIC);
	hb_put_u16(out + PK_VERSION, HB_PACKET_VERSION);
	hb_put_u16(out + PK_LENGTH, HB_PACKET_SIZE);
	hb_put_u64(out + PK_GEN_TAG, pool->generation_tag);
	memcpy(out + PK_SENDER_UUID, pkt->sender_uuid.b, sizeof pkt->sender_uuid.b);
	hb_put_u8(out + PK_SENDER_INDEX, pkt->sender_index);
	hb_put_u8(out + PK_PATH, pkt->path);
	hb_put_u8(out + PK_N_HOSTS, pkt->n_hosts);
	hb_put_u8(out + PK_RESERVED, 0);
	hb_put_u64(out + PK_BOOT_ID, pkt->boot_id);
	hb_put_u64(out + PK_SEQUENCE, pkt->sequence);
	hb_put_u64(out + PK_SENT_AT, pkt->sent_at_ms);
}

size_t hb_packet_encode(const struct hb_packet *pkt, const struct hb_wire_pool *pool, uint8_t *out)
{
	assert(pkt != NULL && pool != NULL && pool->key != NULL && out != NULL);
	assert(pool->host_uuids != NULL);
	assert(pool->n_hosts >= 1 && pool->n_hosts <= HB_MAX_HOSTS);
	assert(pkt->n_hosts == pool->n_hosts && pkt->sender_index < pool->n_hosts);
	assert(memcmp(pkt->sender_uuid.b, pool->host_uuids[pkt->sender_index].b, 16) == 0);
	assert(pkt->path < HB_MAX_PATHS && pkt->boot_id != 0 && pkt->sequence != 0);
	packet_write_header(pkt, pool, out);
	hb_view_encode(&pkt->view, out + PK_VIEW);
	bool ok = packet_mac(out, pool->key, out + PK_MAC);
	assert(ok);
	(void)ok;
#ifndef NDEBUG
	/* The encoder never writes what the decoder would reject. */
	struct hb_packet check;
	assert(hb_packet_decode(out, HB_PACKET_SIZE, pool, &check) == HB_REJECT_NONE);
#endif
	return HB_PACKET_SIZE;
}

/* Size, magic, version, length field, generation: no secret needed. */
static enum hb_reject packet_check_frame(const uint8_t *buf, size_t len, const struct hb_wire_pool *pool)
{
	if (len < HB_PACKET_SIZE)
		return HB_REJECT_TRUNCATED;
	if (len > HB_PACKET_SIZE)
		return HB_REJECT_LENGTH;
	if (hb_get_u32(buf + PK_MAGIC) != HB_PACKET_MAGIC)
		return HB_REJECT_MAGIC;
	if (hb_get_u16(buf + PK_VERSION) != HB_PACKET_VERSION)
		return HB_REJECT_VERSION;
	if (hb_get_u16(buf + PK_LENGTH) != HB_PACKET_SIZE)
		return HB_REJECT_LENGTH;
	if (hb_get_u64(buf + PK_GEN_TAG) != pool->generation_tag)
		return HB_REJECT_GENERATION;
	return HB_REJECT_NONE;
}

static bool mac_matches(const uint8_t *buf, const struct hb_key *key)
{
	uint8_t mac[HB_MAC_SIZE];
	return packet_mac(buf, key, mac) && CRYPTO_memcmp(mac, buf + PK_MAC, HB_MAC_SIZE) == 0;
}

/* The pool key, then (during a key rotation) the other accepted key. */
static enum hb_reject packet_check_mac(const uint8_t *buf, const struct hb_wire_pool *pool)
{
	if (mac_matches(buf, pool->key))
		return HB_REJECT_NONE;
	if (pool->key_also != NULL && mac_matches(buf, pool->key_also))
		return HB_REJECT_NONE;
	return HB_REJECT_MAC;
}

/* Authenticated now: the sender's identity, then every field. */
static enum hb_reject packet_read_fields(const uint8_t *buf, const struct hb_wire_pool *pool, struct hb_packet *out)
{
	out->sender_index = hb_get_u8(buf + PK_SENDER_INDEX);
	out->n_hosts = hb_get_u8(buf + PK_N_HOSTS);
	if (out->sender_index >= pool->n_hosts || out->n_hosts != pool->n_hosts)
		return HB_REJECT_INDEX;
	memcpy(out->sender_uuid.b, buf + PK_SENDER_UUID, sizeof out->sender_uuid.b);
	if (memcmp(out->sender_uuid.b, pool->host_uuids[out->sender_index].b, 16) != 0)
		return HB_REJECT_UUID;
	out->path = hb_get_u8(buf + PK_PATH);
	out->boot_id = hb_get_u64(buf + PK_BOOT_ID);
	out->sequence = hb_get_u64(buf + PK_SEQUENCE);
	out->sent_at_ms = hb_get_u64(buf + PK_SENT_AT);
	if (out->path >= HB_MAX_PATHS || hb_get_u8(buf + PK_RESERVED) != 0)
		return HB_REJECT_FIELD;
	for (unsigned i = PK_PAD; i < HB_PACKET_HEADER_SIZE; i++)
		if (buf[i] != 0)
			return HB_REJECT_FIELD;
	if (out->boot_id == 0 || out->sequence == 0)
		return HB_REJECT_FIELD;
	const char *what = NULL;
	if (hb_view_decode(buf + PK_VIEW, pool->n_hosts, &out->view, &what) != 0)
		return HB_REJECT_FIELD;
	return HB_REJECT_NONE;
}

enum hb_reject hb_packet_decode(const uint8_t *buf, size_t len, const struct hb_wire_pool *pool, struct hb_packet *out)
{
	assert(pool != NULL && pool->key != NULL && pool->host_uuids != NULL && out != NULL);
	assert(pool->n_hosts >= 1 && pool->n_hosts <= HB_MAX_HOSTS);
	memset(out, 0, sizeof *out);
	enum hb_reject r = packet_check_frame(buf, len, pool);
	if (r == HB_REJECT_NONE)
		r = packet_check_mac(buf, pool);
	if (r == HB_REJECT_NONE)
		r = packet_read_fields(buf, pool, out);
	return r;
}

const char *hb_reject_name(enum hb_reject reason)
{
	switch (reason) {
	case HB_REJECT_NONE: return "none";
	case HB_REJECT_TRUNCATED: return "truncated";
	case HB_REJECT_LENGTH: return "bad_length";
	case HB_REJECT_MAGIC: return "bad_magic";
	case HB_REJECT_VERSION: return "bad_version";
	case HB_REJECT_GENERATION: return "wrong_generation";
	case HB_REJECT_MAC: return "bad_mac";
	case HB_REJECT_CRC: return "bad_crc";
	case HB_REJECT_INDEX: return "bad_index";
	case HB_REJECT_UUID: return "uuid_mismatch";
	case HB_REJECT_FIELD: return "bad_field";
	case HB_REJECT_REPLAY: return "replay";
	case HB_REJECT_STALE_BOOT: return "stale_boot";
	case HB_REJECT_SELF: return "self";
	case HB_REJECT_COUNT: break;
	}
	return "unknown";
}
