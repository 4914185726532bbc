/* hb_uuid.c: UUID text <-> bytes (see hb_uuid.h). */
#include "hb_uuid.h"

#include <stdio.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hb_uuid_parse(const char *text, hb_uuid *out)
{
	size_t len = strlen(text);
	bool dashed = (len == 36);
	if (len != 32 && !dashed)
		return false;
	hb_uuid u;
	size_t pos = 0;
	for (unsigned i = 0; i < 16; i++) {
		if (dashed && (pos == 8 || pos == 13 || pos == 18 || pos == 23)) {
			if (text[pos] != '-')
				return false;
			pos++;
		}
		int hi = hex_value(text[pos]);
		int lo = hex_value(text[pos + 1]);
		if (hi < 0 || lo < 0)
			return false;
		u.b[i] = (uint8_t)(hi << 4 | lo);
		pos += 2;
	}
	*out = u;
	return true;
}

char *hb_uuid_format(const hb_uuid *uuid, char out[HB_UUID_STR_LEN])
{
	const uint8_t *b = uuid->b;
	snprintf(out, HB_UUID_STR_LEN,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return out;
}

int hb_uuid_cmp(const hb_uuid *a, const hb_uuid *b) { return memcmp(a->b, b->b, sizeof a->b); }

bool hb_uuid_is_nil(const hb_uuid *uuid)
{
	static const hb_uuid nil;
	return hb_uuid_cmp(uuid, &nil) == 0;
}
