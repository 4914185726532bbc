/*
 * fuzz_slot.c: libFuzzer target for the statefile host slot decoder
 * (hb_slot_decode, hb_view_decode, the last words).
 *
 * The input fills one 4096-byte block (zero-padded or cut). It is decoded as
 * is against a strict pool (the unit tests' generation and 5 host UUIDs,
 * read from the position its own host_index byte names) and a loose one (no
 * generation, size or UUIDs, as `statefile dump` reads); then its CRC is
 * recomputed and both decodes run again, so the field checks after the CRC
 * are fuzzed too. Whatever is accepted must re-encode to the same bytes.
 * Seeds: corpus/slot/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_bytes.h"
#include "hb_crc32c.h"
#include "hb_slot.h"

#define POOL_HOSTS 5u
enum { CRC_OFFSET = HB_SF_BLOCK_SIZE - 4, INDEX_OFFSET = 40 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hb_uuid generation;
static hb_uuid uuids[POOL_HOSTS];

static void setup(void)
{
	for (unsigned j = 0; j < 16; j++)
		generation.b[j] = (uint8_t)(0x60 + j);
	for (unsigned i = 0; i < POOL_HOSTS; i++) {
		uuids[i].b[0] = (uint8_t)(0x10 + i);
		for (unsigned j = 1; j < 16; j++)
			uuids[i].b[j] = (uint8_t)(0xa0 + j);
	}
}

static void decode_check(const uint8_t *buf, unsigned index, const struct hb_sf_pool *pool)
{
	struct hb_slot out;
	uint8_t again[HB_SF_BLOCK_SIZE];
	if (hb_slot_decode(buf, index, pool, &out) != HB_REJECT_NONE)
		return;
	hb_slot_encode(&out, again);
	if (memcmp(again, buf, HB_SF_BLOCK_SIZE) != 0)
		abort();
}

static void decode_both(const uint8_t *buf)
{
	const struct hb_sf_pool strict = {.generation = &generation, .n_hosts = POOL_HOSTS, .host_uuids = uuids};
	const struct hb_sf_pool loose = {.generation = NULL, .n_hosts = 0, .host_uuids = NULL};
	decode_check(buf, buf[INDEX_OFFSET], &strict);
	decode_check(buf, 2, &strict);
	decode_check(buf, buf[INDEX_OFFSET], &loose);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[HB_SF_BLOCK_SIZE] = {0};
	setup();
	memcpy(buf, data, size < sizeof buf ? size : sizeof buf);
	decode_both(buf);
	hb_put_u32(buf + CRC_OFFSET, hb_crc32c(buf, CRC_OFFSET));
	decode_both(buf);
	return 0;
}
