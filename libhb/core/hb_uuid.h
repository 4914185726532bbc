/*
 * hb_uuid.h: UUID text <-> bytes.
 *
 * Accepts the dashed 8-4-4-4-12 form and the 32-hex-digit undashed form xhad
 * stores, in any case; prints lowercase dashed (xapi's liveset XML) or plain.
 */
#ifndef HB_UUID_H
#define HB_UUID_H

#include <stdbool.h>
#include "hb_types.h"

#define HB_UUID_STR_LEN 37 /* dashed, with the NUL */

/* Returns true and fills *out when text is exactly a UUID (no spaces). */
bool hb_uuid_parse(const char *text, hb_uuid *out);
/* Lowercase dashed form into out[HB_UUID_STR_LEN]; returns out. */
char *hb_uuid_format(const hb_uuid *uuid, char out[HB_UUID_STR_LEN]);
int hb_uuid_cmp(const hb_uuid *a, const hb_uuid *b);
bool hb_uuid_is_nil(const hb_uuid *uuid);

#endif
