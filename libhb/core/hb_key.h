/*
 * hb_key.h: the key that authenticates the heartbeat MACs (pure). Where it
 * comes from is config/hb_key_file.h.
 *
 * In this order (hb_key_resolve, config/hb_key_file.h):
 *  1. <PoolKeyFile> (plain Xen), when configured: the file's bytes, trailing
 *     whitespace removed, 16 to 1024 bytes, not readable by group or others.
 *  2. The pool secret (<PoolSecretFile>, default /etc/xensource/ptoken:
 *     xapi's pool secret, on every member, root-only), with the same checks,
 *     mixed with the GenerationUUID by HKDF-SHA256 (RFC 5869): salt = the
 *     generation's 16 bytes, info = "hbagent pool key v2", 32 bytes.
 *  3. Neither: a key derived from the GenerationUUID alone with HMAC-SHA256.
 *     The GenerationUUID is in xhad.conf and in plain text in every
 *     statefile block: anyone who can read the heartbeat LUN can forge
 *     heartbeats. The agent warns loudly (pool_key_from_generation).
 * The generation tag (hb_key_generation_tag) identifies the generation in
 * packets without revealing it. Rotation of a secret: hb_keyring.h.
 */
#ifndef HB_KEY_H
#define HB_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_err.h"
#include "hb_types.h"

#define HB_KEY_MAX 1024u
#define HB_KEY_MIN 16u

enum hb_key_source {
	HB_KEY_SRC_KEY_FILE = 0,    /* <PoolKeyFile> */
	HB_KEY_SRC_POOL_SECRET = 1, /* <PoolSecretFile> + generation */
	HB_KEY_SRC_GENERATION = 2   /* the generation UUID alone */
};

struct hb_key {
	uint8_t bytes[HB_KEY_MAX];
	size_t len;
	bool derived; /* true when derived from the generation UUID alone */
	enum hb_key_source source;
};

void hb_key_derive_from_generation(const hb_uuid *generation, struct hb_key *out);
/* HKDF-SHA256(salt = generation, IKM = secret, info = "hbagent pool key v2"). */
void hb_key_derive_from_secret(const uint8_t *secret, size_t len, const hb_uuid *generation, struct hb_key *out);

const char *hb_key_source_name(enum hb_key_source source);
/* Constant-time equality of two keys (length and bytes). */
bool hb_key_equal(const struct hb_key *a, const struct hb_key *b);
/* First 8 bytes (little-endian u64) of SHA-256("hbagent generation tag" || uuid bytes). */
uint64_t hb_key_generation_tag(const hb_uuid *generation);

#endif
