/*
 * hb_key.h: the pool secret that keys the heartbeat MACs.
 *
 * From <PoolKeyFile> when configured: the file's bytes, trailing whitespace
 * removed, 16 to 1024 bytes, not readable by group or others. Without it, a
 * key derived from the GenerationUUID (which never travels on the wire) with
 * HMAC-SHA256, and a warning that a real secret is better. The generation tag
 * (hb_key_generation_tag) identifies the generation in packets without
 * revealing it.
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

struct hb_key {
	uint8_t bytes[HB_KEY_MAX];
	size_t len;
	bool derived; /* true when derived from the generation UUID */
};

int hb_key_load_file(const char *path, struct hb_key *out, struct hb_err *err);
void hb_key_derive_from_generation(const hb_uuid *generation, struct hb_key *out);
/* First 8 bytes (little-endian u64) of SHA-256("hbagent generation tag" || uuid bytes). */
uint64_t hb_key_generation_tag(const hb_uuid *generation);

#endif
