/*
 * unit_records.h: what the record tests (test_slot.c, test_wire.c) share:
 * the host UUIDs of their fixtures, the field-by-field comparison of a view
 * block, and the golden vectors and fuzz seeds they read and write
 * (tests/data/golden/, tests/fuzz/corpus/). Owns nothing else; each test
 * keeps its own records and offsets.
 */
#ifndef UNIT_RECORDS_H
#define UNIT_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "hb_view.h"

/* uuids[i] = 10+i a1 a2 ... af, for every host index. */
void unit_fixture_uuids(hb_uuid uuids[HB_MAX_HOSTS]);

/* Every field of two views equal (cmocka assertions). */
void unit_assert_view_equal(const struct hb_view *a, const struct hb_view *b);

/* $HB_TEST_DATA/golden/<name>: written as commented hex lines, or read
 * back (returns the byte count, at most cap). Fails the test on error. */
void unit_golden_write(const char *name, const char *title, const uint8_t *buf, size_t len);
size_t unit_golden_read(const char *name, uint8_t *buf, size_t cap);
/* $HB_SOURCE_ROOT/tests/fuzz/corpus/<kind>/<name>, raw bytes. */
void unit_seed_write(const char *kind, const char *name, const uint8_t *buf, size_t len);

#endif
