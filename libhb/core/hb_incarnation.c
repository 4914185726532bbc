/*
 * hb_incarnation.c: the boot id of a new incarnation (see hb_incarnation.h).
 *
 * Owns the choice of the next boot id and the text of the boot-id file.
 * Nothing here does I/O or reads a clock: the caller hands the values in.
 */
#include "hb_incarnation.h"

#include <inttypes.h>
#include <stdio.h>

int hb_incarnation_next(uint64_t slot_prev, uint64_t local_prev, uint64_t wall_us, uint64_t *out,
                        struct hb_err *err)
{
	const uint64_t prev = slot_prev > local_prev ? slot_prev : local_prev;
	if (prev >= HB_BOOT_ID_MAX)
		return hb_err_set(err, "no boot id is left above the previous one, %" PRIu64 " (my statefile slot: %" PRIu64
		                  ", the local boot-id file: %" PRIu64 "): boot ids stop at %" PRIu64 " and never wrap; "
		                  "a previous id that large is forged or corrupt",
		                  prev, slot_prev, local_prev, (uint64_t)HB_BOOT_ID_MAX);
	if (wall_us > HB_BOOT_ID_MAX)
		return hb_err_set(err, "the wall clock %" PRIu64 " us is beyond the largest boot id %" PRIu64
		                  ": set the clock right", wall_us, (uint64_t)HB_BOOT_ID_MAX);
	*out = wall_us > prev ? wall_us : prev + 1u; /* >= 1: prev + 1 >= 1 */
	return 0;
}

int hb_incarnation_parse(const char *text, size_t len, uint64_t *out, struct hb_err *err)
{
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len == 0)
		return hb_err_set(err, "empty, expected a boot id (a decimal number)");
	if (text[0] == '0')
		return hb_err_set(err, "\"%.*s\" is not a boot id (1 to %" PRIu64 ", no leading zero)",
		                  len > 32 ? 32 : (int)len, text, UINT64_MAX);
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		const char c = text[i];
		if (c < '0' || c > '9')
			return hb_err_set(err, "\"%.*s\" is not a boot id: unexpected character at offset %zu",
			                  len > 32 ? 32 : (int)len, text, i);
		const uint64_t d = (uint64_t)(c - '0');
		if (v > (UINT64_MAX - d) / 10u)
			return hb_err_set(err, "\"%.*s\" is not a boot id: larger than %" PRIu64,
			                  len > 32 ? 32 : (int)len, text, UINT64_MAX);
		v = v * 10u + d;
	}
	*out = v;
	return 0;
}

size_t hb_incarnation_format(uint64_t boot_id, char out[HB_BOOT_ID_TEXT_MAX])
{
	int n = snprintf(out, HB_BOOT_ID_TEXT_MAX, "%" PRIu64 "\n", boot_id);
	return n > 0 ? (size_t)n : 0;
}
