/*
 * hb_key_file.h: where the heartbeat key comes from: the secret files and
 * the configuration (the order is in core/hb_key.h). I/O: open, fstat,
 * read; no allocation.
 */
#ifndef HB_KEY_FILE_H
#define HB_KEY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hb_err.h"
#include "hb_key.h"

struct hb_config;

/* The bytes of a secret file, checked (no symlink, regular, mode 600 or
 * stricter, 16..1024 bytes once trailing whitespace is removed). element
 * ("<PoolKeyFile>") starts every error message. Returns 0, -1 with err set;
 * *absent (may be NULL) tells a file that does not exist (ENOENT) from the
 * other errors. No allocation. */
int hb_key_read_secret(const char *path, const char *element, uint8_t out[HB_KEY_MAX], size_t *len, bool *absent,
                       struct hb_err *err);
int hb_key_load_file(const char *path, struct hb_key *out, struct hb_err *err);
/* The key cfg says to use (order in hb_key.h); the path it came from (or "") in
 * *path_used (may be NULL). Returns 0, or -1 with err set when a configured
 * key file, or a pool secret file that exists, cannot be used. */
int hb_key_resolve(const struct hb_config *cfg, struct hb_key *out, const char **path_used, struct hb_err *err);

#endif
