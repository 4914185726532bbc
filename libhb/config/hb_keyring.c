/*
 * hb_keyring.c: the schedule of a key rotation (see hb_keyring.h and
 * docs/operations.md, "Rotating the pool secret"). Owns which key is sent
 * and which are accepted at any moment; not where keys come from (hb_key,
 * the agent) nor how long the phases last (hb_timing).
 */
#include "hb_keyring.h"

#include <assert.h>
#include <string.h>

#include <openssl/crypto.h>

void hb_keyring_init(struct hb_keyring *kr, const struct hb_key *key, uint32_t switch_ms, uint32_t grace_ms)
{
	assert(kr != NULL && key != NULL && key->len >= 1 && key->len <= HB_KEY_MAX);
	assert(switch_ms > 0 && switch_ms < grace_ms);
	memset(kr, 0, sizeof *kr);
	kr->send = *key;
	kr->phase = HB_KEYRING_STEADY;
	kr->switch_ms = switch_ms;
	kr->grace_ms = grace_ms;
}

static void forget_other(struct hb_keyring *kr)
{
	OPENSSL_cleanse(&kr->other, sizeof kr->other);
	kr->phase = HB_KEYRING_STEADY;
}

bool hb_keyring_offer(struct hb_keyring *kr, const struct hb_key *key, hb_mono_ms now)
{
	assert(kr != NULL && key != NULL && key->len >= 1 && key->len <= HB_KEY_MAX);
	hb_keyring_advance(kr, now);
	if (hb_key_equal(key, &kr->send)) {
		if (kr->phase != HB_KEYRING_PENDING)
			return false; /* sending it already (perhaps still accepting the old one) */
		forget_other(kr); /* the change was taken back before we switched */
		return true;
	}
	if (kr->phase == HB_KEYRING_PENDING && hb_key_equal(key, &kr->other))
		return false;
	/* A new key: it becomes pending, the key sent so far stays sent. A key
	 * pending or retiring until now is no longer accepted. */
	kr->other = *key;
	kr->phase = HB_KEYRING_PENDING;
	kr->since = now;
	kr->rotations++;
	return true;
}

bool hb_keyring_advance(struct hb_keyring *kr, hb_mono_ms now)
{
	assert(kr != NULL);
	bool changed = false;
	if (kr->phase == HB_KEYRING_PENDING && now - kr->since >= (hb_mono_ms)kr->switch_ms) {
		struct hb_key old = kr->send;
		kr->send = kr->other;
		kr->other = old;
		OPENSSL_cleanse(&old, sizeof old);
		kr->phase = HB_KEYRING_RETIRING;
		changed = true;
	}
	if (kr->phase == HB_KEYRING_RETIRING && now - kr->since >= (hb_mono_ms)kr->grace_ms) {
		forget_other(kr);
		changed = true;
	}
	return changed;
}

const struct hb_key *hb_keyring_send_key(const struct hb_keyring *kr)
{
	assert(kr != NULL);
	return &kr->send;
}

const struct hb_key *hb_keyring_also_accepted(const struct hb_keyring *kr)
{
	assert(kr != NULL);
	return kr->phase == HB_KEYRING_STEADY ? NULL : &kr->other;
}

hb_mono_ms hb_keyring_next_change(const struct hb_keyring *kr)
{
	assert(kr != NULL);
	switch (kr->phase) {
	case HB_KEYRING_PENDING: return kr->since + kr->switch_ms;
	case HB_KEYRING_RETIRING: return kr->since + kr->grace_ms;
	case HB_KEYRING_STEADY: break;
	}
	return -1;
}

const char *hb_keyring_phase_name(enum hb_keyring_phase phase)
{
	switch (phase) {
	case HB_KEYRING_STEADY: return "steady";
	case HB_KEYRING_PENDING: return "pending";
	case HB_KEYRING_RETIRING: return "retiring";
	}
	return "unknown";
}
