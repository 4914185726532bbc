/*
 * hb_timing_print.h: the timing model for humans and programs: the
 * effective values and the worst-case timelines as text (hbctl timeouts) or
 * JSON (the agent's timeouts query), and the name and sentence of each
 * timing warning. The values themselves are derived in core/hb_timing.c.
 */
#ifndef HB_TIMING_PRINT_H
#define HB_TIMING_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "hb_timing.h"

/* The effective values and the worst-case timelines, for
 * humans (hbctl timeouts). */
void hb_timing_print(const struct hb_timing *t, FILE *out);
/* Short name ("statefile_io_deadline_short") and one sentence with the
 * values, for one warning bit. */
const char *hb_timing_warning_name(enum hb_timing_warning w);
void hb_timing_warning_text(const struct hb_timing *t, enum hb_timing_warning w, char *buf, size_t len);
/* The same as a JSON object (json-c); the caller owns the reference. */
struct json_object *hb_timing_to_json(const struct hb_timing *t);

#endif
