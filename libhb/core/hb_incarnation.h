/*
 * hb_incarnation.h: the boot id of a new incarnation of the agent.
 *
 * Owns the rule that picks the boot id (the core's incarnation number,
 * carried by every heartbeat and slot): strictly greater than every boot id
 * this host used before, as far as it knows them (its statefile slot and its
 * local boot-id file), at least the wall clock in microseconds (so that an
 * id stays fresh when both are lost), never 0 and never a wrap. Also the
 * text of the local boot-id file. Pure: no I/O, no clock.
 */
#ifndef HB_INCARNATION_H
#define HB_INCARNATION_H

#include <stddef.h>
#include <stdint.h>

#include "hb_err.h"

/* The largest boot id ever handed out. UINT64_MAX is never used, so that
 * "previous + 1" of any id handed out is representable. */
#define HB_BOOT_ID_MAX (UINT64_MAX - 1u)
/* The longest text hb_incarnation_format() writes, with its newline. */
#define HB_BOOT_ID_TEXT_MAX 24u

/* The next boot id from the previous one in my statefile slot (0 = none or
 * unreadable), the one in the local boot-id file (0 = none) and the wall
 * clock in µs: max(wall_us, max(slot_prev, local_prev) + 1). Returns 0 and
 * *out, or -1 with a sentence naming the values when no id in
 * 1..HB_BOOT_ID_MAX is both above the previous ones and at least the wall
 * clock (a previous id >= HB_BOOT_ID_MAX: a forged or corrupt record). */
int hb_incarnation_next(uint64_t slot_prev, uint64_t local_prev, uint64_t wall_us, uint64_t *out,
                        struct hb_err *err);

/* The boot-id file: one decimal number and a newline. parse accepts len
 * bytes of text: the number (1..UINT64_MAX, no sign, no leading zero),
 * optionally followed by one newline; returns 0 and *out, or -1 with a
 * sentence (the file's name is the caller's to add). format writes the
 * text (NUL-terminated) and returns its length. */
int hb_incarnation_parse(const char *text, size_t len, uint64_t *out, struct hb_err *err);
size_t hb_incarnation_format(uint64_t boot_id, char out[HB_BOOT_ID_TEXT_MAX]);

#endif
