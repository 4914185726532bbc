/*
 * hb_wire.h: the network heartbeat packet.
 *
 * Header (magic "HBHB", version, length, generation tag, sender UUID and
 * index, path, pool size, boot id, 64-bit sequence, sent_at_ms), then the
 * sender's view (hb_view.h), then HMAC-SHA256 over everything before it under
 * the pool key. Little-endian, fixed size HB_PACKET_SIZE. Layout in
 * docs/formats.md.
 *
 * The decoder is pure: it authenticates and validates one datagram against
 * the pool (key, generation tag, host UUIDs) and reports why it was rejected.
 * Replay and incarnation checks need per-sender state and belong to the
 * receiver (the membership core: struct hb_rx_key in hb_core_internal.h).
 */
#ifndef HB_WIRE_H
#define HB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_key.h"
#include "hb_types.h"
#include "hb_view.h"

#define HB_PACKET_MAGIC 0x42484248u /* bytes "HBHB" */
#define HB_PACKET_VERSION 1u
enum { HB_PACKET_HEADER_SIZE = 64, HB_MAC_SIZE = 32 };
enum { HB_PACKET_SIZE = HB_PACKET_HEADER_SIZE + HB_VIEW_WIRE_SIZE + HB_MAC_SIZE };

/* Why a record (packet, slot or global block) was rejected. Shared with
 * hb_slot.h; also the index of the per-reason drop counters. */
enum hb_reject {
	HB_REJECT_NONE = 0,
	HB_REJECT_TRUNCATED,  /* shorter than its fixed size */
	HB_REJECT_LENGTH,     /* length field or datagram size wrong */
	HB_REJECT_MAGIC,
	HB_REJECT_VERSION,
	HB_REJECT_GENERATION, /* another pool generation */
	HB_REJECT_MAC,        /* authentication failed */
	HB_REJECT_CRC,        /* checksum failed (statefile) */
	HB_REJECT_INDEX,      /* host index out of range or not this slot's */
	HB_REJECT_UUID,       /* host UUID does not match the index */
	HB_REJECT_FIELD,      /* a field out of range */
	HB_REJECT_REPLAY,     /* sequence not newer (receiver state) */
	HB_REJECT_STALE_BOOT, /* older incarnation (receiver state) */
	HB_REJECT_SELF,       /* my own packet looped back */
	HB_REJECT_COUNT
};
const char *hb_reject_name(enum hb_reject reason);

struct hb_packet {
	hb_uuid sender_uuid;
	uint8_t sender_index;
	uint8_t path;      /* sender's address index the packet left from */
	uint8_t n_hosts;   /* sender's configured pool size */
	uint64_t boot_id;  /* sender's incarnation: strictly increases across restarts */
	uint64_t sequence; /* per incarnation, starts at 1, +1 per packet */
	uint64_t sent_at_ms; /* sender's monotonic clock; an echo token only */
	struct hb_view view;
};

/* What a receiver checks a datagram against. */
struct hb_wire_pool {
	const struct hb_key *key;      /* encodes; accepted */
	const struct hb_key *key_also; /* also accepted (a key rotation, hb_keyring.h), or NULL */
	uint64_t generation_tag;
	unsigned n_hosts;
	const hb_uuid *host_uuids; /* n_hosts entries, by index */
};

/* Encode + MAC into out[HB_PACKET_SIZE]. Returns HB_PACKET_SIZE. */
size_t hb_packet_encode(const struct hb_packet *pkt, const struct hb_wire_pool *pool, uint8_t *out);
/* Validate and decode one datagram of len bytes. Order: size, magic,
 * version, length field, generation, MAC, index, UUID, fields. */
enum hb_reject hb_packet_decode(const uint8_t *buf, size_t len, const struct hb_wire_pool *pool, struct hb_packet *out);


#endif
