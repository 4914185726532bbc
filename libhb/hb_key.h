/*
 * hb_key.h: the key that authenticates the heartbeat MACs, and where it
 * comes from.
 *
 * In this order (hb_key_resolve):
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

struct hb_config;

/* The bytes of a secret file, checked (no symlink, regular, mode 600 or
 * stricter, 16..1024 bytes once trailing whitespace is removed). element
 * ("<PoolKeyFile>") starts every error message. Returns 0, -1 with err set;
 * *absent (may be NULL) tells a file that does not exist (ENOENT) from the
 * other errors. No allocation. */
int hb_key_read_secret(const char *path, const char *element, uint8_t out[HB_KEY_MAX], size_t *len, bool *absent,
                       struct hb_err *err);
int hb_key_load_file(const char *path, struct hb_key *out, struct hb_err *err);
void hb_key_derive_from_generation(const hb_uuid *generation, struct hb_key *out);
/* HKDF-SHA256(salt = generation, IKM = secret, info = "hbagent pool key v2"). */
void hb_key_derive_from_secret(const uint8_t *secret, size_t len, const hb_uuid *generation, struct hb_key *out);
/* The key cfg says to use (order above); the path it came from (or "") in
 * *path_used (may be NULL). Returns 0, or -1 with err set when a configured
 * key file, or a pool secret file that exists, cannot be used. */
int hb_key_resolve(const struct hb_config *cfg, struct hb_key *out, const char **path_used, struct hb_err *err);
const char *hb_key_source_name(enum hb_key_source source);
/* Constant-time equality of two keys (length and bytes). */
bool hb_key_equal(const struct hb_key *a, const struct hb_key *b);
/* First 8 bytes (little-endian u64) of SHA-256("hbagent generation tag" || uuid bytes). */
uint64_t hb_key_generation_tag(const hb_uuid *generation);

#endif
