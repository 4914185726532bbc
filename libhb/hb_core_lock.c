/*
 * hb_core_lock.c: the master lock, xhad's protocol over single-writer
 * registers (xha.md section 6). Each host publishes lock_request and a
 * lock_grant bitmap in its slot; the registers of others are read from the
 * statefile only, so every host reasons on the same data. Priority: the
 * lower index wins.
 *
 *  1. withdraw my grants from hosts that are not requesting or not members;
 *  2. raise my request, if one is wanted, only when no member still grants
 *     me from an earlier round and I grant no member of lower priority;
 *  3. drop my request when it is no longer wanted (and I do not hold);
 *  4. grant every requesting member k if I am not requesting or k <= me.
 *
 * Holder: a member that requests and that every member grants. Two hosts
 * cannot both hold: the higher-priority one would have to grant the other
 * while requesting, which rule 4 forbids, and it cannot start requesting
 * while it grants a lower-priority host (rule 2). A holder keeps the lock
 * until it leaves the liveset, and leaving the liveset means it is fenced.
 */
#include "hb_core_internal.h"

static bool member_registers(const struct hb_core *c, unsigned k, hb_mono_ms now, bool *request, hb_hostmap *grant)
{
	if (k == c->cfg.self) {
		*request = c->lock_request;
		*grant = c->lock_grant;
		return true;
	}
	const struct hb_peer *p = &c->peers[k];
	if (!p->slot_valid || p->slot.boot_id != p->member_boot || !fresh(now, p->slot_adv_at, c->t->p.sf_timeout_ms))
		return false;
	*request = p->slot.view.lock_request != 0;
	*grant = p->slot.view.lock_grant;
	return true;
}

/* Index of the holder as seen from the registers, or -1. */
static int find_holder(const struct hb_core *c, hb_mono_ms now)
{
	hb_hostmap requesting = 0, granted_by_all = c->liveset;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		bool req;
		hb_hostmap grant;
		if (!(c->liveset & hb_host_bit(k)))
			continue;
		if (!member_registers(c, k, now, &req, &grant))
			return -1; /* a member's registers are unknown: nobody can be shown to hold */
		if (req)
			requesting |= hb_host_bit(k);
		granted_by_all &= grant;
	}
	hb_hostmap holders = requesting & granted_by_all;
	return holders ? __builtin_ctzll(holders) : -1;
}

void core_lock_reset(struct hb_core *c)
{
	c->lock_wanted = c->lock_request = c->i_am_master = false;
	c->lock_grant = 0;
	c->master_seen = -1;
}

void core_lock_evaluate(struct hb_core *c, hb_mono_ms now)
{
	unsigned me = c->cfg.self;
	hb_hostmap requesting = 0, grants_me = 0, before = c->lock_grant;
	bool req_before = c->lock_request;
	if (!c->sf_access) {
		c->master_seen = c->i_am_master ? (int)me : -1;
		return; /* registers live on the statefile */
	}
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		bool req;
		hb_hostmap grant;
		if (k == me || !(c->liveset & hb_host_bit(k)) || !member_registers(c, k, now, &req, &grant))
			continue;
		if (req)
			requesting |= hb_host_bit(k);
		if (grant & hb_host_bit(me))
			grants_me |= hb_host_bit(k);
	}
	if (c->lock_request)
		requesting |= hb_host_bit(me);
	/* 1 */
	c->lock_grant &= requesting & c->liveset;
	/* 2 */
	hb_hostmap lower_priority = ~hb_hostmap_all(me + 1);
	if (c->lock_wanted && !c->lock_request && !grants_me && !(c->lock_grant & lower_priority & c->liveset)) {
		c->lock_request = true;
		requesting |= hb_host_bit(me);
	}
	/* 3 */
	if (!c->lock_wanted && c->lock_request && !c->i_am_master) {
		c->lock_request = false;
		requesting &= ~hb_host_bit(me);
	}
	/* 4 */
	hb_hostmap may_grant = c->lock_request ? hb_hostmap_all(me + 1) : ~(hb_hostmap)0;
	c->lock_grant |= requesting & c->liveset & may_grant;
	c->lock_grant &= requesting & c->liveset;

	int holder = find_holder(c, now);
	if (holder == (int)me && c->lock_request) {
		c->i_am_master = true;
		c->lock_wanted = false;
	}
	c->master_seen = c->i_am_master ? (int)me : holder;
	if (c->lock_grant != before || c->lock_request != req_before)
		c->send_asap = true;
}
