/* hb_hmac.c: SHA-256 and HMAC-SHA256 without allocation (see hb_hmac.h). */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init & co.: the allocation-free primitives */
#include "hb_hmac.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#define BLOCK 64u /* SHA-256 block size */

void hb_sha256(const void *data, size_t len, uint8_t out[HB_SHA256_SIZE])
{
	SHA256_CTX ctx;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, data, len);
	SHA256_Final(out, &ctx);
	OPENSSL_cleanse(&ctx, sizeof ctx);
}

void hb_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[HB_SHA256_SIZE])
{
	uint8_t k[BLOCK] = {0}, pad[BLOCK], inner[HB_SHA256_SIZE];
	SHA256_CTX ctx;
	if (key_len > BLOCK)
		hb_sha256(key, key_len, k); /* long keys are hashed first */
	else
		memcpy(k, key, key_len);
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36u;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, pad, BLOCK);
	SHA256_Update(&ctx, data, len);
	SHA256_Final(inner, &ctx);
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5cu;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, pad, BLOCK);
	SHA256_Update(&ctx, inner, sizeof inner);
	SHA256_Final(out, &ctx);
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(pad, sizeof pad);
	OPENSSL_cleanse(&ctx, sizeof ctx);
}
