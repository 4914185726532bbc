/*
 * hb_key.c: the heartbeat key itself (see hb_key.h): the two derivations
 * (HKDF from the pool secret and the generation; HMAC from the generation
 * alone), key equality and the generation tag carried in packets. Pure:
 * HMAC-SHA256 and SHA-256 come from hb_hmac (libcrypto's primitives). Where
 * a key comes from (files, the configuration): config/hb_key_file.c.
 */
#include "hb_key.h"
#include "hb_hmac.h"

#include <assert.h>
#include <string.h>

#include <openssl/crypto.h>

#define KEY_DERIVE_LABEL "hbagent pool key v1"
#define KEY_SECRET_INFO "hbagent pool key v2"
#define KEY_TAG_LABEL "hbagent generation tag"

/* RFC 5869 with SHA-256, one output block (L = 32). */
void hb_key_derive_from_secret(const uint8_t *secret, size_t len, const hb_uuid *generation, struct hb_key *out)
{
	uint8_t prk[HB_SHA256_SIZE];
	uint8_t info[sizeof KEY_SECRET_INFO]; /* info || 0x01 */
	assert(secret != NULL && generation != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	hb_hmac_sha256(generation->b, sizeof generation->b, secret, len, prk);
	memcpy(info, KEY_SECRET_INFO, sizeof KEY_SECRET_INFO - 1);
	info[sizeof info - 1] = 0x01;
	hb_hmac_sha256(prk, sizeof prk, info, sizeof info, out->bytes);
	OPENSSL_cleanse(prk, sizeof prk);
	out->len = HB_SHA256_SIZE;
	out->derived = false;
	out->source = HB_KEY_SRC_POOL_SECRET;
}

const char *hb_key_source_name(enum hb_key_source source)
{
	switch (source) {
	case HB_KEY_SRC_KEY_FILE: return "key_file";
	case HB_KEY_SRC_POOL_SECRET: return "pool_secret";
	case HB_KEY_SRC_GENERATION: return "generation";
	}
	return "unknown";
}

bool hb_key_equal(const struct hb_key *a, const struct hb_key *b)
{
	assert(a != NULL && b != NULL);
	return a->len == b->len && CRYPTO_memcmp(a->bytes, b->bytes, a->len) == 0;
}

void hb_key_derive_from_generation(const hb_uuid *generation, struct hb_key *out)
{
	assert(generation != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	hb_hmac_sha256(KEY_DERIVE_LABEL, strlen(KEY_DERIVE_LABEL), generation->b, sizeof generation->b, out->bytes);
	out->len = HB_SHA256_SIZE;
	out->derived = true;
	out->source = HB_KEY_SRC_GENERATION;
}

uint64_t hb_key_generation_tag(const hb_uuid *generation)
{
	uint8_t msg[sizeof KEY_TAG_LABEL - 1 + sizeof generation->b];
	uint8_t digest[HB_SHA256_SIZE];
	assert(generation != NULL);
	memcpy(msg, KEY_TAG_LABEL, sizeof KEY_TAG_LABEL - 1);
	memcpy(msg + sizeof KEY_TAG_LABEL - 1, generation->b, sizeof generation->b);
	hb_sha256(msg, sizeof msg, digest);
	uint64_t tag = 0;
	for (unsigned i = 0; i < 8; i++)
		tag |= (uint64_t)digest[i] << (8 * i);
	return tag;
}
