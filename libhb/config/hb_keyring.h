/*
 * hb_keyring.h: the heartbeat keys in use while a pool secret (or a
 * <PoolKeyFile>) is rotated, as knet does: a bounded time in which the old
 * and the new key are both accepted.
 *
 * Hosts see a rotated secret at different moments (it is rewritten on one
 * host after another). A host that sees it at t0:
 *   t0 .. t0 + switch   sends with the OLD key, accepts old and new
 *                       (peers that have not seen the new secret yet still
 *                       authenticate what it sends);
 *   t0 + switch .. t0 + grace
 *                       sends with the NEW key, accepts new and old
 *                       (peers that saw the secret up to `switch` later
 *                       still send with the old one);
 *   after t0 + grace    sends and accepts the new key only.
 * So if every host sees the new secret within `switch` of the first, no
 * heartbeat is ever rejected: a host j that saw it at tj <= t0 + switch
 * accepts the new key from tj, before t0 + switch; and it sends the old key
 * until tj + switch <= t0 + 2 switch < t0 + grace. hb_timing derives switch
 * and grace (key_switch_ms, key_grace_ms). At most two keys are accepted: a
 * further change during a rotation restarts it from the key being sent.
 *
 * Pure: no I/O, no clock (the caller passes the decision clock), no
 * allocation.
 */
#ifndef HB_KEYRING_H
#define HB_KEYRING_H

#include <stdbool.h>
#include <stdint.h>
#include "hb_key.h"
#include "hb_types.h"

enum hb_keyring_phase {
	HB_KEYRING_STEADY = 0,  /* one key */
	HB_KEYRING_PENDING = 1, /* new key accepted, old one still sent */
	HB_KEYRING_RETIRING = 2 /* new key sent, old one still accepted */
};

struct hb_keyring {
	struct hb_key send;  /* heartbeats are sent with this; always accepted */
	struct hb_key other; /* PENDING: the new key; RETIRING: the old one */
	enum hb_keyring_phase phase;
	hb_mono_ms since;    /* when the rotation under way was seen */
	uint32_t switch_ms, grace_ms;
	uint64_t rotations;  /* new keys seen since init */
};

/* Steady on key. 0 < switch_ms < grace_ms. */
void hb_keyring_init(struct hb_keyring *kr, const struct hb_key *key, uint32_t switch_ms, uint32_t grace_ms);
/* The key source now says key (read at now). Returns true when the keys
 * sent or accepted changed (the caller then hands them to hb_net). A key
 * already sent, or already pending, changes nothing. */
bool hb_keyring_offer(struct hb_keyring *kr, const struct hb_key *key, hb_mono_ms now);
/* Move the schedule on to now; true when the keys sent or accepted changed. */
bool hb_keyring_advance(struct hb_keyring *kr, hb_mono_ms now);
/* The key to send with, and the second key accepted (NULL when steady). */
const struct hb_key *hb_keyring_send_key(const struct hb_keyring *kr);
const struct hb_key *hb_keyring_also_accepted(const struct hb_keyring *kr);
/* When the schedule next changes by itself (-1: steady). */
hb_mono_ms hb_keyring_next_change(const struct hb_keyring *kr);
const char *hb_keyring_phase_name(enum hb_keyring_phase phase);

#endif
