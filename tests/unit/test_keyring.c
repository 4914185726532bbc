/*
 * test_keyring.c: a pool key rotation (hb_keyring, and the decoder's second
 * accepted key). Goal: what a user relies on when the pool secret is
 * rewritten on one host after another: while the hosts see the new secret
 * within the switch time of each other, every heartbeat any host sends is
 * accepted by every other, at every moment, through the real decoder; the
 * old key is refused once the grace is over; and a key nobody has (the one
 * derived from the generation alone) is never accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hb_key.h"
#include "hb_keyring.h"
#include "hb_timing.h"
#include "hb_uuid.h"
#include "hb_wire.h"

#define N_HOSTS 3u
#define GEN "5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f"

static hb_uuid generation;
static hb_uuid uuids[N_HOSTS];

static void secret_key(const char *secret, struct hb_key *out)
{
	hb_key_derive_from_secret((const uint8_t *)secret, strlen(secret), &generation, out);
}

static void init_pool(void)
{
	assert_true(hb_uuid_parse(GEN, &generation));
	for (unsigned i = 0; i < N_HOSTS; i++) {
		memset(&uuids[i], 0, sizeof uuids[i]);
		uuids[i].b[0] = (uint8_t)(0x10 + i);
		uuids[i].b[15] = 0x42;
	}
}

/* A heartbeat of host from, sent as its keyring says. */
static void encode_from(const struct hb_keyring *kr, unsigned from, uint64_t seq, uint8_t out[HB_PACKET_SIZE])
{
	struct hb_packet pkt;
	memset(&pkt, 0, sizeof pkt);
	pkt.sender_uuid = uuids[from];
	pkt.sender_index = (uint8_t)from;
	pkt.n_hosts = N_HOSTS;
	pkt.boot_id = 1;
	pkt.sequence = seq;
	pkt.view.phase = HB_PHASE_ONLINE;
	pkt.view.liveset = hb_hostmap_all(N_HOSTS);
	pkt.view.flags = HB_VF_SF_ACCESS | HB_VF_ARMED;
	pkt.view.weight = 1;
	struct hb_wire_pool pool = {
		.key = hb_keyring_send_key(kr), .generation_tag = hb_key_generation_tag(&generation),
		.n_hosts = N_HOSTS, .host_uuids = uuids,
	};
	assert_int_equal(hb_packet_encode(&pkt, &pool, out), HB_PACKET_SIZE);
}

/* What a receiver with keyring kr makes of buf. */
static enum hb_reject decode_at(const struct hb_keyring *kr, const uint8_t buf[HB_PACKET_SIZE])
{
	struct hb_wire_pool pool = {
		.key = hb_keyring_send_key(kr), .key_also = hb_keyring_also_accepted(kr),
		.generation_tag = hb_key_generation_tag(&generation), .n_hosts = N_HOSTS, .host_uuids = uuids,
	};
	struct hb_packet pkt;
	return hb_packet_decode(buf, HB_PACKET_SIZE, &pool, &pkt);
}

/* The schedule of one host: pending (old sent, both accepted), retiring
 * (new sent, both accepted), steady on the new key. */
static void test_schedule(void **state)
{
	(void)state;
	struct hb_key k1, k2;
	secret_key("old secret 0123456789", &k1);
	secret_key("new secret 0123456789", &k2);
	struct hb_keyring kr;
	hb_keyring_init(&kr, &k1, 10000, 25000);
	assert_null(hb_keyring_also_accepted(&kr));
	assert_int_equal(hb_keyring_next_change(&kr), -1);
	assert_false(hb_keyring_offer(&kr, &k1, 500)); /* same secret rewritten: nothing */
	assert_true(hb_keyring_offer(&kr, &k2, 1000));
	assert_int_equal(kr.phase, HB_KEYRING_PENDING);
	assert_true(hb_key_equal(hb_keyring_send_key(&kr), &k1));
	assert_true(hb_key_equal(hb_keyring_also_accepted(&kr), &k2));
	assert_int_equal(hb_keyring_next_change(&kr), 11000);
	assert_false(hb_keyring_offer(&kr, &k2, 2000)); /* seen again: nothing */
	assert_false(hb_keyring_advance(&kr, 10999));
	assert_true(hb_keyring_advance(&kr, 11000));
	assert_int_equal(kr.phase, HB_KEYRING_RETIRING);
	assert_true(hb_key_equal(hb_keyring_send_key(&kr), &k2));
	assert_true(hb_key_equal(hb_keyring_also_accepted(&kr), &k1));
	assert_int_equal(hb_keyring_next_change(&kr), 26000);
	assert_false(hb_keyring_offer(&kr, &k2, 20000)); /* sending it already */
	assert_true(hb_keyring_advance(&kr, 26000));
	assert_int_equal(kr.phase, HB_KEYRING_STEADY);
	assert_null(hb_keyring_also_accepted(&kr));
	assert_true(hb_key_equal(hb_keyring_send_key(&kr), &k2));
	assert_int_equal(kr.rotations, 1);
	assert_string_equal(hb_keyring_phase_name(kr.phase), "steady");
}

/* A change taken back before the switch, and a second change during a
 * rotation (restarts it from the key being sent). */
static void test_revert_and_second_change(void **state)
{
	(void)state;
	struct hb_key k1, k2, k3;
	secret_key("old secret 0123456789", &k1);
	secret_key("new secret 0123456789", &k2);
	secret_key("third secret 01234567", &k3);
	struct hb_keyring kr;
	hb_keyring_init(&kr, &k1, 10000, 25000);
	assert_true(hb_keyring_offer(&kr, &k2, 0));
	assert_true(hb_keyring_offer(&kr, &k1, 3000)); /* taken back */
	assert_int_equal(kr.phase, HB_KEYRING_STEADY);
	assert_true(hb_key_equal(hb_keyring_send_key(&kr), &k1));
	assert_true(hb_keyring_offer(&kr, &k2, 4000));
	assert_true(hb_keyring_advance(&kr, 14000)); /* sending k2, accepting k1 */
	assert_true(hb_keyring_offer(&kr, &k3, 15000));
	assert_int_equal(kr.phase, HB_KEYRING_PENDING);
	assert_true(hb_key_equal(hb_keyring_send_key(&kr), &k2));
	assert_true(hb_key_equal(hb_keyring_also_accepted(&kr), &k3));
	assert_int_equal(hb_keyring_next_change(&kr), 25000);
	assert_int_equal(kr.rotations, 3);
}

/* Three hosts see the new secret at 0, spread / 2 and spread (one after
 * another, as an admin rewrites it): with spread <= switch, every heartbeat
 * each sends every 100 ms is accepted by both others at every moment; with
 * hb_timing's switch and grace for xapi's T = 60 and for a test pool's T = 6.
 * Afterwards the old key is refused, and the generation's key never works. */
static void run_rotation(uint32_t switch_ms, uint32_t grace_ms, hb_mono_ms spread, unsigned *rejected)
{
	struct hb_key old_key, new_key, gen_key;
	secret_key("xapi ptoken before rotation", &old_key);
	secret_key("xapi ptoken after rotation!", &new_key);
	hb_key_derive_from_generation(&generation, &gen_key);
	struct hb_keyring kr[N_HOSTS];
	hb_mono_ms seen_at[N_HOSTS] = { 0, spread / 2, spread };
	for (unsigned i = 0; i < N_HOSTS; i++)
		hb_keyring_init(&kr[i], &old_key, switch_ms, grace_ms);
	*rejected = 0;
	uint64_t seq = 1;
	hb_mono_ms end = spread + (hb_mono_ms)grace_ms + 1000;
	for (hb_mono_ms now = 0; now <= end; now += 100) {
		for (unsigned i = 0; i < N_HOSTS; i++) {
			if (now == seen_at[i])
				hb_keyring_offer(&kr[i], &new_key, now);
			hb_keyring_advance(&kr[i], now);
		}
		for (unsigned from = 0; from < N_HOSTS; from++) {
			uint8_t buf[HB_PACKET_SIZE];
			encode_from(&kr[from], from, seq++, buf);
			for (unsigned to = 0; to < N_HOSTS; to++)
				if (to != from && decode_at(&kr[to], buf) != HB_REJECT_NONE)
					(*rejected)++;
		}
		/* a forgery with the generation's key: refused by everyone, always */
		struct hb_keyring forger;
		hb_keyring_init(&forger, &gen_key, switch_ms, grace_ms);
		uint8_t forged[HB_PACKET_SIZE];
		encode_from(&forger, 0, seq++, forged);
		for (unsigned to = 1; to < N_HOSTS; to++)
			assert_int_equal(decode_at(&kr[to], forged), HB_REJECT_MAC);
	}
	/* all steady on the new key; a heartbeat with the old key is refused */
	for (unsigned i = 0; i < N_HOSTS; i++) {
		assert_int_equal(kr[i].phase, HB_KEYRING_STEADY);
		assert_true(hb_key_equal(hb_keyring_send_key(&kr[i]), &new_key));
	}
	struct hb_keyring stale;
	hb_keyring_init(&stale, &old_key, switch_ms, grace_ms);
	uint8_t buf[HB_PACKET_SIZE];
	encode_from(&stale, 0, seq++, buf);
	assert_int_equal(decode_at(&kr[1], buf), HB_REJECT_MAC);
}

static void test_rotation_one_host_after_another(void **state)
{
	(void)state;
	static const uint32_t Ts[] = { 6, 60, 100000 };
	for (size_t i = 0; i < sizeof Ts / sizeof Ts[0]; i++) {
		struct hb_timing_params p;
		struct hb_timing t;
		assert_int_equal(hb_timing_params_from_T(Ts[i], &p, NULL), 0);
		assert_int_equal(hb_timing_derive(&p, &t, NULL), 0);
		unsigned rejected;
		run_rotation(t.key_switch_ms, t.key_grace_ms, t.key_switch_ms, &rejected);
		assert_int_equal(rejected, 0);
		run_rotation(t.key_switch_ms, t.key_grace_ms, t.key_switch_ms / 3, &rejected);
		assert_int_equal(rejected, 0);
		/* hosts that see it further apart than the switch time lose heartbeats
		 * (the bound the docs state is real) */
		run_rotation(t.key_switch_ms, t.key_grace_ms, 2 * (hb_mono_ms)t.key_switch_ms, &rejected);
		assert_true(rejected > 0);
	}
	/* T = 60: the new key is sent 120 s after it is seen, the old one
	 * accepted for 300 s; T = 6: 12 s and 30 s */
	struct hb_timing_params p;
	struct hb_timing t;
	assert_int_equal(hb_timing_params_from_T(60, &p, NULL), 0);
	assert_int_equal(hb_timing_derive(&p, &t, NULL), 0);
	assert_int_equal(t.key_switch_ms, 120000);
	assert_int_equal(t.key_grace_ms, 300000);
	assert_int_equal(hb_timing_params_from_T(6, &p, NULL), 0);
	assert_int_equal(hb_timing_derive(&p, &t, NULL), 0);
	assert_int_equal(t.key_switch_ms, 12000);
	assert_int_equal(t.key_grace_ms, 30000);
}

/* The decoder's second key: accepted only when given. */
static void test_decoder_second_key(void **state)
{
	(void)state;
	struct hb_key k1, k2;
	secret_key("old secret 0123456789", &k1);
	secret_key("new secret 0123456789", &k2);
	struct hb_keyring sender, receiver;
	hb_keyring_init(&sender, &k2, 1000, 3000);
	hb_keyring_init(&receiver, &k1, 1000, 3000);
	uint8_t buf[HB_PACKET_SIZE];
	encode_from(&sender, 0, 1, buf);
	assert_int_equal(decode_at(&receiver, buf), HB_REJECT_MAC);
	hb_keyring_offer(&receiver, &k2, 0);
	assert_int_equal(decode_at(&receiver, buf), HB_REJECT_NONE);
}

int main(void)
{
	init_pool();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_revert_and_second_change),
		cmocka_unit_test(test_rotation_one_host_after_another),
		cmocka_unit_test(test_decoder_second_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
