/*
 * fuzz_global.c: libFuzzer target for the statefile global block decoder
 * (hb_global_decode).
 *
 * The input fills one 4096-byte block (zero-padded or cut). It is decoded as
 * is against a strict pool (the unit tests' generation, 5 hosts) and a loose
 * one (no generation, no size); then its CRC is recomputed and both decodes
 * run again, so the field checks after the CRC are fuzzed too. Whatever is
 * accepted must re-encode to the same bytes. Seeds: corpus/global/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_bytes.h"
#include "hb_crc32c.h"
#include "hb_slot.h"

#define POOL_HOSTS 5u
enum { CRC_OFFSET = HB_SF_BLOCK_SIZE - 4 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hb_uuid generation;

static void decode_check(const uint8_t *buf, const struct hb_sf_pool *pool)
{
	struct hb_global out;
	uint8_t again[HB_SF_BLOCK_SIZE];
	if (hb_global_decode(buf, pool, &out) != HB_REJECT_NONE)
		return;
	hb_global_encode(&out, again);
	if (memcmp(again, buf, HB_SF_BLOCK_SIZE) != 0)
		abort();
}

static void decode_both(const uint8_t *buf)
{
	const struct hb_sf_pool strict = {.generation = &generation, .n_hosts = POOL_HOSTS, .host_uuids = NULL};
	const struct hb_sf_pool loose = {.generation = NULL, .n_hosts = 0, .host_uuids = NULL};
	decode_check(buf, &strict);
	decode_check(buf, &loose);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[HB_SF_BLOCK_SIZE] = {0};
	for (unsigned j = 0; j < 16; j++)
		generation.b[j] = (uint8_t)(0x60 + j);
	memcpy(buf, data, size < sizeof buf ? size : sizeof buf);
	decode_both(buf);
	hb_put_u32(buf + CRC_OFFSET, hb_crc32c(buf, CRC_OFFSET));
	decode_both(buf);
	return 0;
}
