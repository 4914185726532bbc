/*
 * test_hmac.c: libhb's HMAC-SHA256 and SHA-256 (hb_hmac). Goal: the RFC 4231
 * test vectors (short, long and block-sized keys), and agreement with
 * OpenSSL's own HMAC() and SHA256() for every key and message length that
 * matters (0..200 bytes, keys up to 2 blocks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "hb_hmac.h"

static void hex(const char *text, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		assert_int_equal(sscanf(text + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void rfc4231(const uint8_t *key, size_t key_len, const void *data, size_t len, const char *expected)
{
	uint8_t want[32], got[32];
	hex(expected, want, sizeof want);
	hb_hmac_sha256(key, key_len, data, len, got);
	assert_memory_equal(got, want, sizeof want);
}

static void test_rfc4231(void **state)
{
	(void)state;
	uint8_t key[131];
	/* test case 1 */
	memset(key, 0x0b, 20);
	rfc4231(key, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* test case 2 */
	rfc4231((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
	        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* test case 6: a key larger than the block size is hashed first */
	memset(key, 0xaa, sizeof key);
	rfc4231(key, sizeof key, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_matches_openssl(void **state)
{
	(void)state;
	uint8_t key[130], msg[200], a[32], b[32];
	unsigned int len = 0;
	for (unsigned i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (unsigned i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 13 + 5);
	for (size_t kl = 1; kl <= sizeof key; kl += 3)
		for (size_t ml = 0; ml <= sizeof msg; ml += 7) {
			hb_hmac_sha256(key, kl, msg, ml, a);
			assert_non_null(HMAC(EVP_sha256(), key, (int)kl, msg, ml, b, &len));
			assert_memory_equal(a, b, 32);
		}
	for (size_t ml = 0; ml <= sizeof msg; ml++) {
		hb_sha256(msg, ml, a);
		SHA256(msg, ml, b);
		assert_memory_equal(a, b, 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_matches_openssl),
	};
	return cmocka_run_group_tests_name("hmac", tests, NULL, NULL);
}
