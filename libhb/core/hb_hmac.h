/*
 * hb_hmac.h: SHA-256 and HMAC-SHA256 (RFC 2104) for the heartbeat MACs and
 * the pool key, over libcrypto's direct SHA-256 primitives.
 *
 * OpenSSL 3's one-shot HMAC() and SHA256() go through its provider layer:
 * they fetch the algorithm and allocate on every call and keep megabytes of
 * libcrypto resident. A heartbeat is authenticated several times a second
 * per peer, on the path that must not allocate, so libhb computes the HMAC
 * construction itself around SHA256_Init/Update/Final: no allocation, no
 * global state. Checked against RFC 4231's test vectors (tests/unit).
 */
#ifndef HB_HMAC_H
#define HB_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define HB_SHA256_SIZE 32u

void hb_sha256(const void *data, size_t len, uint8_t out[HB_SHA256_SIZE]);
void hb_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[HB_SHA256_SIZE]);

#endif
