/*
 * fuzz_packet.c: libFuzzer target for the heartbeat packet decoder
 * (hb_packet_decode, hb_view_decode).
 *
 * Each input is decoded as is against a fixed pool (the unit tests' golden
 * pool: key 01..20, generation tag 0x0123456789abcdef, 5 hosts), then, when
 * it is at least a packet long, its first HB_PACKET_SIZE bytes are
 * re-authenticated (MAC recomputed) and decoded again, and once more with the
 * frame fields (magic, version, length, tag) also forced, so the checks after
 * the MAC are fuzzed too. Whatever is accepted must re-encode to the very
 * same bytes (the encoding is canonical). Seeds: corpus/packet/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hb_bytes.h"
#include "hb_wire.h"

#define GEN_TAG 0x0123456789abcdefull
#define POOL_HOSTS 5u
enum { MAC_OFFSET = HB_PACKET_SIZE - HB_MAC_SIZE };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hb_key key;
static hb_uuid uuids[POOL_HOSTS];
static struct hb_wire_pool pool;

static void setup(void)
{
	if (pool.key != NULL)
		return;
	for (unsigned i = 0; i < 32; i++)
		key.bytes[i] = (uint8_t)(i + 1);
	key.len = 32;
	for (unsigned i = 0; i < POOL_HOSTS; i++) {
		uuids[i].b[0] = (uint8_t)(0x10 + i);
		for (unsigned j = 1; j < 16; j++)
			uuids[i].b[j] = (uint8_t)(0xa0 + j);
	}
	pool.key = &key;
	pool.generation_tag = GEN_TAG;
	pool.n_hosts = POOL_HOSTS;
	pool.host_uuids = uuids;
}

/* Decode; an accepted packet must re-encode to the same bytes. */
static void decode_check(const uint8_t *buf, size_t len)
{
	struct hb_packet out;
	uint8_t again[HB_PACKET_SIZE];
	if (hb_packet_decode(buf, len, &pool, &out) != HB_REJECT_NONE)
		return;
	if (len != HB_PACKET_SIZE || hb_packet_encode(&out, &pool, again) != HB_PACKET_SIZE ||
	    memcmp(again, buf, HB_PACKET_SIZE) != 0)
		abort();
}

static void remac(uint8_t *buf)
{
	unsigned int len = 0;
	if (HMAC(EVP_sha256(), key.bytes, (int)key.len, buf, MAC_OFFSET, buf + MAC_OFFSET, &len) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[HB_PACKET_SIZE];
	setup();
	decode_check(data, size);
	if (size < HB_PACKET_SIZE)
		return 0;
	memcpy(buf, data, HB_PACKET_SIZE);
	remac(buf);
	decode_check(buf, sizeof buf);
	hb_put_u32(buf + 0, HB_PACKET_MAGIC);
	hb_put_u16(buf + 4, HB_PACKET_VERSION);
	hb_put_u16(buf + 6, HB_PACKET_SIZE);
	hb_put_u64(buf + 8, GEN_TAG);
	remac(buf);
	decode_check(buf, sizeof buf);
	return 0;
}
