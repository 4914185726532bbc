/*
 * hb_core_lock.c: the master lock, xhad's protocol over single-writer
 * registers (xha.md section 6). Each host publishes lock_request and a
 * lock_grant bitmap in its slot; the registers of others are read from the
 * statefile only, so every host reasons on the same data. Priority: the
 * lower index wins.
 *
 *  1. withdraw my grants from hosts that are known not to request, or are
 *     not members;
 *  2. raise my request, if one is wanted, only when every member's
 *     registers are fresh, no member still grants me from an earlier round
 *     and I grant no member of lower priority;
 *  3. drop my request when it is no longer wanted (and I do not hold);
 *  4. grant every requesting member k if I am not requesting or k <= me.
 *
 * Holder: a member that requests and that every member grants, judged only
 * while every member's registers are known and every member publishes my
 * liveset. Two hosts cannot both hold: the higher-priority one would have
 * to grant the other while requesting, which rule 4 forbids, and it cannot
 * start requesting while it grants a lower-priority host (rule 2).
 *
 * What a member last wrote stays its registers until it leaves the liveset:
 * a member whose slot went stale (its statefile I/O stalls, or came back
 * later than mine) may still be alive and still hold, or grant, the lock. So
 * a grant to a holder that may be alive is never withdrawn; only its removal
 * from the liveset (its fence) ends the lock. A holder keeps the lock until
 * it leaves the liveset, and every host keeps reporting it meanwhile.
 */
#include "hb_core_internal.h"

/* The registers k last published in a slot of its member incarnation;
 * false when none was ever read. *fresh: that slot advanced within T2. */
static bool member_registers(const struct hb_core *c, unsigned k, hb_mono_ms now, bool *request, hb_hostmap *grant,
                             bool *fresh_out)
{
	if (k == c->cfg.self) {
		*request = c->lock_request;
		*grant = c->lock_grant;
		*fresh_out = c->sf_access;
		return true;
	}
	const struct hb_peer *p = &c->peers[k];
	if (!p->slot_valid || p->slot.boot_id != p->member_boot)
		return false;
	if ((c->cfg.unsafe & HB_UNSAFE_LOCK_FORGETS_STALE) && !fresh(now, p->slot_adv_at, c->t->p.sf_timeout_ms))
		return false; /* tests only: the old rule */
	*request = p->slot.view.lock_request != 0;
	*grant = p->slot.view.lock_grant;
	*fresh_out = fresh(now, p->slot_adv_at, c->t->p.sf_timeout_ms);
	return true;
}

/* k's latest record of its member incarnation (heartbeat or slot) says it
 * took the lock (HB_VF_MASTER). */
static bool claims_master(const struct hb_core *c, unsigned k)
{
	if (k == c->cfg.self)
		return c->i_am_master;
	const struct hb_peer *p = &c->peers[k];
	return (p->net_valid && p->net_boot == p->member_boot && (p->net.flags & HB_VF_MASTER)) ||
	       (p->slot_valid && p->slot.boot_id == p->member_boot && (p->slot.view.flags & HB_VF_MASTER));
}

/* The members' registers as last known. */
struct lock_view {
	hb_hostmap requesting;  /* members known to request */
	hb_hostmap grants_me;   /* members known to grant me */
	hb_hostmap granted_by_all;
	hb_hostmap claiming;    /* members whose latest record says they took the lock */
	bool all_known;         /* every member's registers were read */
	bool all_fresh;         /* ... and are fresh */
	bool agreed;            /* every member's slot publishes my liveset */
};

static void lock_view(const struct hb_core *c, hb_mono_ms now, struct lock_view *lv)
{
	*lv = (struct lock_view){.granted_by_all = c->liveset, .all_known = true, .all_fresh = true, .agreed = true};
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		bool req, fr;
		hb_hostmap grant;
		if (!(c->liveset & hb_host_bit(k)))
			continue;
		if (!member_registers(c, k, now, &req, &grant, &fr)) {
			lv->all_known = lv->agreed = false;
			lv->all_fresh &= (c->cfg.unsafe & HB_UNSAFE_LOCK_FORGETS_STALE) != 0; /* tests only: raise anyway */
			lv->granted_by_all = 0;
			continue;
		}
		lv->all_fresh &= fr;
		if (k != c->cfg.self && c->peers[k].slot.view.liveset != c->liveset)
			lv->agreed = false;
		if (req)
			lv->requesting |= hb_host_bit(k);
		if (claims_master(c, k))
			lv->claiming |= hb_host_bit(k);
		if (k != c->cfg.self && (grant & core_self_bit(c)))
			lv->grants_me |= hb_host_bit(k);
		lv->granted_by_all &= grant;
	}
}

void core_lock_reset(struct hb_core *c)
{
	c->lock_wanted = c->lock_request = c->i_am_master = false;
	c->lock_grant = 0;
	c->master_seen = -1;
}

/* The holder every host reports: the one the registers show, judged on
 * complete and agreed data, once it says it took the lock (registers that
 * show a requester granted by all while its own reads lag do not make it
 * the holder: it may give up its propose first); otherwise the last one
 * shown, while it is a member that still requests (it may hold, and it
 * keeps the lock until it leaves the liveset). */
static void update_master_seen(struct hb_core *c, const struct lock_view *lv)
{
	unsigned me = c->cfg.self;
	if (c->i_am_master) {
		c->master_seen = (int)me;
		return;
	}
	hb_hostmap holders = lv->requesting & lv->granted_by_all & lv->claiming;
	if (lv->all_known && lv->agreed && holders) {
		c->master_seen = __builtin_ctzll(holders);
		return;
	}
	int m = c->master_seen;
	if (m >= 0 && (!(c->liveset & hb_host_bit((unsigned)m)) || (lv->all_known && !(lv->requesting & hb_host_bit((unsigned)m))) ||
	               (c->cfg.unsafe & HB_UNSAFE_LOCK_FORGETS_STALE))) /* tests only: the old rule reported -1 */
		c->master_seen = -1;
}

void core_lock_evaluate(struct hb_core *c, hb_mono_ms now)
{
	unsigned me = c->cfg.self;
	hb_hostmap before = c->lock_grant;
	bool req_before = c->lock_request;
	struct lock_view lv;
	lock_view(c, now, &lv);
	if (!c->sf_access) {
		update_master_seen(c, &lv);
		return; /* my registers live on the statefile: they wait for it */
	}
	/* 1: withdraw only from hosts known not to request, or not members */
	hb_hostmap keep = lv.requesting;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		bool req, fr;
		hb_hostmap grant;
		if ((c->liveset & hb_host_bit(k)) && !member_registers(c, k, now, &req, &grant, &fr) &&
		    !(c->cfg.unsafe & HB_UNSAFE_LOCK_FORGETS_STALE))
			keep |= hb_host_bit(k); /* unknown: it may still request */
	}
	c->lock_grant &= keep & c->liveset;
	/* 2 */
	hb_hostmap lower_priority = ~hb_hostmap_all(me + 1);
	if (c->lock_wanted && !c->lock_request && lv.all_fresh && !lv.grants_me &&
	    !(c->lock_grant & lower_priority & c->liveset)) {
		c->lock_request = true;
		lv.requesting |= hb_host_bit(me);
	}
	/* 3 */
	if (!c->lock_wanted && c->lock_request && !c->i_am_master) {
		c->lock_request = false;
		lv.requesting &= ~hb_host_bit(me);
	}
	/* 4 */
	hb_hostmap may_grant = c->lock_request ? hb_hostmap_all(me + 1) : ~(hb_hostmap)0;
	c->lock_grant |= lv.requesting & c->liveset & may_grant;

	/* The holder, on my registers as they are now. */
	lock_view(c, now, &lv);
	hb_hostmap holders = lv.requesting & lv.granted_by_all;
	if (lv.all_known && lv.agreed && c->lock_request && holders && (unsigned)__builtin_ctzll(holders) == me) {
		c->i_am_master = true;
		c->lock_wanted = false;
	}
	update_master_seen(c, &lv);
	if (c->lock_grant != before || c->lock_request != req_before)
		c->send_asap = true;
}

