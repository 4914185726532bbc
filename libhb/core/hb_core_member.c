/*
 * hb_core_member.c: the membership decisions of one host (docs/design.md).
 *
 *  - channels: whom I hear (T1), whose slot advances (T2), whether my own
 *    writes show up in my reads (statefile access);
 *  - proof: healthy_until is renewed only while this host has fresh proof
 *    that it may live: statefile access (rule 1), or, with nobody having
 *    statefile access, every member heard and hearing me (rule 2);
 *  - survival rule 1: the best partition, computed from the views published
 *    in the statefile (the same data for every host), decides who must
 *    fence; a loser acts only on settled views, and says so (fencing flag);
 *  - removal: a member leaves my liveset only when it has been silent for
 *    its advertised fence bound, or its fencing-flag bound has passed since
 *    it announced it was fencing, or it announced a clean stop;
 *  - start: forming the first liveset (Init pool, or an Active pool with no
 *    live member) and joining an existing one with every member's ack.
 */
#include "hb_core_internal.h"
#include "hb_exit.h"
#include "hb_partition.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* k's latest view: from its heartbeats while fresh, else from its slot.
 * A heartbeat counts as fresh for T1 from when I took it, but it may have
 * waited in a queue (mine, while I was frozen or suspended) for most of T1:
 * its view can be older than the slot record I read since. Within one
 * incarnation the phase only moves forward (starting, joining, Online,
 * fencing or stopped), so a fresh slot record of the same incarnation in a
 * later phase is the newer view, and it is the one used. (Otherwise a
 * host starting after a thaw could take a peer that has formed a liveset
 * alone for a starting candidate, and form one of its own beside it.) */
static bool slot_view_newer(const struct hb_peer *p)
{
	const struct hb_view *n = &p->net, *s = &p->slot.view;
	if (p->slot.boot_id != p->net_boot)
		return false;
	return s->phase > n->phase;
}

const struct hb_view *core_peer_view(const struct hb_core *c, unsigned k, hb_mono_ms now, uint64_t *boot)
{
	const struct hb_peer *p = &c->peers[k];
	const struct hb_timing_params *tp = &c->t->p;
	bool slot_fresh = p->slot_valid && fresh(now, p->slot_adv_at, tp->sf_timeout_ms);
	if (p->net_valid && fresh(now, p->rx_at, tp->hb_timeout_ms) && !(slot_fresh && slot_view_newer(p))) {
		*boot = p->net_boot;
		return &p->net;
	}
	if (slot_fresh) {
		*boot = p->slot.boot_id;
		return &p->slot.view;
	}
	return NULL;
}

static void update_channels(struct hb_core *c, hb_mono_ms now)
{
	const struct hb_timing_params *tp = &c->t->p;
	bool had = c->sf_access;
	c->sf_access = fresh(now, c->confirmed_at, tp->sf_timeout_ms) && !c->read_overdue && !c->write_overdue;
	if (c->cfg.unsafe & HB_UNSAFE_STALE_ACCESS) /* tests only: access never expires */
		c->sf_access = c->ever_confirmed;
	if (had && !c->sf_access)
		c->sf_lost_at = now;
	if (c->sf_access)
		c->sf_lost_at = HB_NEVER;
	hb_hostmap heard = core_self_bit(c), seen = c->sf_access ? core_self_bit(c) : 0;
	memset(c->hb_heard_path, 0, sizeof c->hb_heard_path);
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		if (k == c->cfg.self)
			continue;
		if (fresh(now, p->rx_at, tp->hb_timeout_ms))
			heard |= hb_host_bit(k);
		for (unsigned i = 0; i < c->cfg.n_paths; i++)
			if (fresh(now, p->rx_path_at[i], tp->hb_timeout_ms))
				c->hb_heard_path[i] |= hb_host_bit(k);
		if (fresh(now, p->slot_adv_at, tp->sf_timeout_ms))
			seen |= hb_host_bit(k);
	}
	for (unsigned i = 0; i < c->cfg.n_paths; i++)
		c->hb_heard_path[i] |= core_self_bit(c);
	c->hb_heard = heard;
	c->sf_seen = seen;
}

void core_stop(struct hb_core *c, hb_mono_ms now, int exit_code)
{
	(void)now;
	if (c->armed)
		c->disarm_out = true;
	c->armed = false;
	c->phase = HB_PHASE_STOPPED;
	c->exit = true;
	c->exit_code = exit_code;
	c->i_am_master = false;
}

void core_fence(struct hb_core *c, hb_mono_ms now, enum hb_fence_reason reason, const char *text)
{
	c->last_words.reason = reason;
	c->last_words.boot_id = c->cfg.boot_id;
	c->last_words.realtime_ms = 0; /* the executor stamps wall-clock time */
	snprintf(c->last_words.text, sizeof c->last_words.text, "%s", text);
	if (!c->armed) {
		/* Disarmed (maintenance): no protection to honour; stop instead. */
		core_stop(c, now, HB_EXIT_SYSTEM_ERROR);
		return;
	}
	c->phase = HB_PHASE_FENCING;
	c->fencing = true;
	c->fence_decided_at = now;
	c->fence_reason = reason;
	/* Wait for the last-words write at most so long, and never past the
	 * moment the watchdog would have fired had it kept running: after a
	 * suspend (its timer stopped) or a stall the peers may already count on
	 * that, so fence at once. */
	c->fence_by = now + c->t->last_words_wait_ms;
	if (c->healthy_until + (hb_mono_ms)c->t->p.watchdog_timeout_ms < c->fence_by)
		c->fence_by = c->healthy_until + (hb_mono_ms)c->t->p.watchdog_timeout_ms;
	if (c->healthy_until > now)
		c->healthy_until = now; /* stop feeding the watchdog at once */
	c->last_words_pending = true;
	c->next_send = now;             /* tell the pool on the network too */
	c->i_am_master = false;
}

static void renew(struct hb_core *c, hb_mono_ms now)
{
	hb_mono_ms until = now + c->t->proof_window_ms;
	if (until > c->healthy_until)
		c->healthy_until = until;
}

/* ---- survival rule 1: the best partition over the statefile's views ---- */

static const struct hb_view *member_slot_view(const struct hb_core *c, unsigned k, hb_mono_ms now)
{
	const struct hb_peer *p = &c->peers[k];
	if (!p->slot_valid)
		return NULL;
	if (k == c->cfg.self)
		return c->sf_access && p->slot.boot_id == c->cfg.boot_id ? &p->slot.view : NULL;
	if (p->slot.boot_id != p->member_boot || !fresh(now, p->slot_adv_at, c->t->p.sf_timeout_ms))
		return NULL;
	const struct hb_view *v = &p->slot.view;
	/* A member that is fencing keeps its place while its slot is fresh
	 * (evaluate_partition). */
	if (!(v->flags & HB_VF_SF_ACCESS) || (v->phase != HB_PHASE_ONLINE && v->phase != HB_PHASE_FENCING))
		return NULL;
	return v;
}

/* Fill a partition input from the given views; returns true when it differs
 * from the last snapshot (which it then replaces). */
static bool snapshot(struct hb_core *c, const struct hb_partition_input *in)
{
	bool same = in->candidates == c->snap_c;
	for (unsigned k = 0; same && k < c->cfg.n_hosts; k++)
		if (in->candidates & hb_host_bit(k))
			same = c->snap_adj[k] == in->adj[k] && c->snap_w[k] == in->weight[k];
	if (same)
		return false;
	c->snap_c = in->candidates;
	memcpy(c->snap_adj, in->adj, sizeof c->snap_adj);
	memcpy(c->snap_w, in->weight, sizeof c->snap_w);
	return true;
}

static bool snapshot_consistent(const struct hb_core *c)
{
	for (unsigned a = 0; a < c->cfg.n_hosts; a++) {
		if (!(c->snap_c & hb_host_bit(a)))
			continue;
		for (unsigned b = a + 1; b < c->cfg.n_hosts; b++)
			if ((c->snap_c & hb_host_bit(b)) &&
			    !!(c->snap_adj[a] & hb_host_bit(b)) != !!(c->snap_adj[b] & hb_host_bit(a)))
				return false;
	}
	return true;
}

static void evaluate_partition(struct hb_core *c, hb_mono_ms now)
{
	struct hb_partition_input in;
	memset(&in, 0, sizeof in);
	in.n_hosts = c->cfg.n_hosts;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		in.weight[k] = 1;
		const struct hb_view *v = (c->liveset & hb_host_bit(k)) ? member_slot_view(c, k, now) : NULL;
		if (!v)
			continue;
		in.candidates |= hb_host_bit(k);
		in.adj[k] = v->hb_heard;
		in.weight[k] = v->weight;
		if (v->phase == HB_PHASE_FENCING || (v->flags & HB_VF_FENCING))
			in.leaving |= hb_host_bit(k);
	}
	/* A fencing host keeps its place as a vertex while its slot is fresh,
	 * but weighs nothing: only the hosts that live on decide. A loser that
	 * fences never changes the best partition (it is not in it), so no
	 * other loser's settle restarts; a winner that fences for a reason of
	 * its own may hand the win to another partition, and then everybody
	 * waits a settle again (its partners must not fence on a race with
	 * losers that are fencing on the old picture). */
	bool changed = snapshot(c, &in);
	if (changed)
		c->snap_since = now;
	if (changed || in.leaving != c->snap_leaving) {
		hb_hostmap before = c->best;
		c->snap_leaving = in.leaving;
		c->best = in.candidates ? hb_partition_best(&in) : 0;
		if (!changed && c->best != before)
			c->snap_since = now;
	}
}

/* ---- survival rule 2: nobody has the statefile, the network is whole ---- */

/* Rule 2 needs at least one other running member, heard and hearing me: a
 * host alone in its liveset (every other member removed or stopped) that
 * loses the statefile has nobody to vouch that the statefile is dead for
 * everyone, and nobody hears it any more; a host that starts later and reads
 * its slot unchanged may count it gone after its fence bound. It fences. */
static bool rule2_holds(const struct hb_core *c, hb_mono_ms now)
{
	const struct hb_timing *t = c->t;
	hb_hostmap others = c->liveset & ~core_self_bit(c);
	bool vouched = false;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		if (!(others & hb_host_bit(k)) || core_stop_believed(c, k, now))
			continue;
		if (!fresh(now, p->rx_at, t->p.hb_timeout_ms) || p->net_boot != p->member_boot)
			return false;
		/* it heard me within T1, measured on my own clock */
		hb_mono_ms echo = core_echo_time(c, p->net.echo_ms[c->cfg.self]);
		if (echo == HB_NEVER || now - echo > (hb_mono_ms)t->p.hb_timeout_ms)
			return false;
		/* It has the statefile: tolerated for a while after I lost mine (it
		 * may be about to lose it too) or after it regained it (so may I). */
		if ((p->net.flags & HB_VF_SF_ACCESS) && !fresh(now, c->sf_lost_at, t->sf_loss_grace_ms) &&
		    !fresh(now, p->access_since, t->sf_regain_grace_ms))
			return false;
		vouched = true;
	}
	return vouched;
}

static bool peer_reports_access(const struct hb_core *c, hb_mono_ms now)
{
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		if (k != c->cfg.self && (c->liveset & hb_host_bit(k)) && !core_stop_believed(c, k, now) && p->net_valid &&
		    p->net_boot == p->member_boot && (p->net.flags & HB_VF_SF_ACCESS))
			return true;
	}
	return false;
}

/* ---- removal and admission of members ---- */

/* A member's clean stop is believed, and it leaves my liveset, a stop
 * confirmation wait after its first Stopped heartbeat (an Online heartbeat
 * of the same incarnation in that wait contradicts a forged one), when
 * its slot says so too, or, when its slot cannot speak (the statefile lost,
 * by me or by it: rule 2; or my reads failing), when its heartbeats say so
 * at least twice. One record never suffices, nor do two forged ones on the
 * two channels, nor two forged heartbeats while its slot says Online. */
bool core_stop_believed(const struct hb_core *c, unsigned k, hb_mono_ms now)
{
	const struct hb_peer *p = &c->peers[k];
	if (!(p->claims & CLAIM_NET_STOP) || p->net_claim_at == HB_NEVER ||
	    now - p->net_claim_at < (hb_mono_ms)c->t->stop_confirm_ms)
		return false;
	if (p->claims & CLAIM_SLOT_STOP)
		return true;
	/* heartbeats alone: only when its slot cannot speak: I have no
	 * statefile, or its Stopped heartbeats say it has none, or none of my
	 * reads completed in the statefile cycle after its first Stopped
	 * heartbeat (a real stop's Stopped record lands within that cycle) */
	hb_mono_ms cycle_end = p->net_claim_at + (hb_mono_ms)hb_timing_peer_wait(c->t->sf_cycle_ms);
	bool slot_mute = !c->sf_access || (p->net_valid && !(p->net.flags & HB_VF_SF_ACCESS)) ||
	                 (now >= cycle_end && (p->slot_ok_at == HB_NEVER || p->slot_ok_at < cycle_end));
	return slot_mute && p->stop_packets >= 2;
}

/* A member's slot says it stopped or is fencing (a claim), and:
 *  - its heartbeats say so too: it decided by the first of them, and is
 *    gone within its fencing-flag bound of it; or
 *  - its heartbeats say nothing, and the slot alone makes the case. Against
 *    one forged slot while it runs and is heard, its Online heartbeats
 *    contradict the claim (note_claim), and it finds the foreign write in
 *    its own slot and fences. Unheard, the claim is believed only if
 *      . it came on schedule, right after its previous write: a host whose
 *        writes had stopped may have had failing storage, blind to a
 *        forgery it would otherwise read back (only silence removes it
 *        then, as any silent member);
 *      . the wait covers the cycle in which a live host reads a forged
 *        claim back and fences, or finds its read overdue and loses its
 *        proof within P (flag_wait), and a read of mine after it still
 *        shows the claim (its own writes would have replaced it);
 *      . its heartbeats stopped for as long as a proof resting on my echoes
 *        of them could last, and its watchdog after it (T1 + P + W + slack
 *        of its own): a victim whose statefile hangs may live on rule 2.
 * What is left: a forgery that lands within two cycles before the victim's
 * storage fails, while nobody hears the victim (docs/design.md). */
/* The two waits of a slot-alone claim: its heartbeats silent this long
 * (T1 + P + W + slack of its own), and the fencing-flag wait after the
 * claim was first read. */
static hb_mono_ms flag_silence(const struct hb_peer *p)
{
	uint32_t t12 = p->hb_timeout_ms > p->sf_timeout_ms ? p->hb_timeout_ms : p->sf_timeout_ms;
	return (hb_mono_ms)hb_timing_peer_wait(p->fence_bound_ms - t12 + p->hb_timeout_ms);
}

static hb_mono_ms flag_wait(const struct hb_core *c, const struct hb_peer *p)
{
	return (hb_mono_ms)hb_timing_peer_wait(p->flag_bound_ms + c->t->flag_wait_ms - c->t->fence_flag_bound_ms);
}

static bool flag_believed(const struct hb_core *c, unsigned k, hb_mono_ms now)
{
	const struct hb_peer *p = &c->peers[k];
	if (!(p->claims & CLAIM_SLOT) || p->slot_claim_at == HB_NEVER)
		return false;
	if (p->claims & CLAIM_NET)
		return now - p->net_claim_at > (hb_mono_ms)hb_timing_peer_wait(p->flag_bound_ms);
	if ((c->hb_heard & hb_host_bit(k)) || !p->slot_claim_on_time)
		return false;
	if (p->net_sign_at != HB_NEVER && now - p->net_sign_at <= flag_silence(p))
		return false;
	hb_mono_ms wait = flag_wait(c, p);
	if (p->slot_ok_at == HB_NEVER || p->slot_ok_at - p->slot_claim_at <= wait)
		return false;
	return now - p->slot_claim_at > wait;
}

/* A slot-alone claim becomes believable at the first read of mine that
 * completes after both waits; a read made then, instead of up to a
 * statefile interval later, removes the loser that much sooner. Reading
 * sooner only adds a read: every condition above is unchanged. */
hb_mono_ms core_flag_read_at(const struct hb_core *c)
{
	hb_mono_ms at = HB_NEVER;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		if (k == c->cfg.self || !(c->liveset & hb_host_bit(k)) || !(p->claims & CLAIM_SLOT) ||
		    (p->claims & CLAIM_NET) || p->slot_claim_at == HB_NEVER || !p->slot_claim_on_time)
			continue;
		hb_mono_ms ready = p->slot_claim_at + flag_wait(c, p) + 1;
		if (p->net_sign_at != HB_NEVER && p->net_sign_at + flag_silence(p) + 1 > ready)
			ready = p->net_sign_at + flag_silence(p) + 1;
		if (at == HB_NEVER || ready < at)
			at = ready;
	}
	return at;
}

static bool removable(const struct hb_core *c, unsigned k, hb_mono_ms now)
{
	const struct hb_peer *p = &c->peers[k];
	if (c->cfg.unsafe & HB_UNSAFE_SKIP_REMOVAL_WAIT) /* tests only: drop a host once it is not heard */
		return !(c->hb_heard & hb_host_bit(k));
	if (core_stop_believed(c, k, now) || flag_believed(c, k, now))
		return true;
	assert(p->member_sign_at != HB_NEVER);
	if (now - p->member_sign_at <= (hb_mono_ms)hb_timing_peer_wait(p->fence_bound_ms))
		return false;
	/* Silence means death only if I could have seen it live: a read of
	 * mine showed its slot after its proof would have lapsed (its writes,
	 * had they landed, would have shown; without writes and unheard, no
	 * proof lasts longer). A host whose own reads fail is blind: it keeps
	 * its members, and its own proof decides its fate. */
	uint32_t t12 = p->hb_timeout_ms > p->sf_timeout_ms ? p->hb_timeout_ms : p->sf_timeout_ms;
	return p->slot_ok_at != HB_NEVER && p->slot_ok_at - p->member_sign_at >= (hb_mono_ms)hb_timing_peer_wait(t12);
}

static void make_member(struct hb_core *c, unsigned k, uint64_t boot, const struct hb_view *v, hb_mono_ms now)
{
	struct hb_peer *p = &c->peers[k];
	p->member_boot = boot;
	p->member_sign_at = now;
	p->net_sign_at = HB_NEVER;
	p->claims = 0;
	p->slot_online_after_claim = 0;
	p->slot_claim_at = p->net_claim_at = HB_NEVER;
	p->stop_packets = 0;
	p->listed_epoch = 0; /* set by the first view that lists me after it heard me Online */
	p->fence_bound_ms = v && v->fence_bound_ms > c->t->fence_bound_ms ? v->fence_bound_ms : c->t->fence_bound_ms;
	p->flag_bound_ms = v && v->fence_flag_bound_ms > c->t->fence_flag_bound_ms ? v->fence_flag_bound_ms
	                                                                            : c->t->fence_flag_bound_ms;
	c->liveset |= hb_host_bit(k);
}

static void drop_member(struct hb_core *c, unsigned k)
{
	struct hb_peer *p = &c->peers[k];
	p->removed_boot = p->member_boot;
	p->member_boot = 0;
	p->member_sign_at = HB_NEVER;
	p->net_sign_at = HB_NEVER;
	p->claims = 0;
	p->slot_online_after_claim = 0;
	p->slot_claim_at = p->net_claim_at = HB_NEVER;
	p->stop_packets = 0;
	p->listed_epoch = 0;
	c->liveset &= ~hb_host_bit(k);
	c->proposed &= ~hb_host_bit(k);
}

/* Some other member of my liveset lists k in its own liveset. */
static bool listed_by_member(const struct hb_core *c, unsigned k, hb_mono_ms now)
{
	for (unsigned m = 0; m < c->cfg.n_hosts; m++) {
		uint64_t boot;
		const struct hb_view *v;
		if (m == c->cfg.self || m == k || !(c->liveset & hb_host_bit(m)))
			continue;
		v = core_peer_view(c, m, now, &boot);
		if (v && boot == c->peers[m].member_boot && v->phase == HB_PHASE_ONLINE && (v->liveset & hb_host_bit(k)))
			return true;
	}
	return false;
}

static void update_members(struct hb_core *c, hb_mono_ms now)
{
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		hb_hostmap bit = hb_host_bit(k);
		if (k == c->cfg.self)
			continue;
		if (c->liveset & bit) {
			if (removable(c, k, now)) {
				drop_member(c, k);
				c->epoch++;
				c->send_asap = true;
			}
			continue;
		}
		uint64_t boot = 0;
		const struct hb_view *v = core_peer_view(c, k, now, &boot);
		/* A removed incarnation is fenced: a late write of its own must not
		 * bring it back. Only a newer incarnation may join. */
		if (v && boot <= c->peers[k].removed_boot)
			v = NULL;
		bool reachable = (c->hb_heard & bit) && ((c->sf_seen & bit) || c->rule2);
		/* It joined the liveset I am in: it lists every member of mine
		 * (two hosts that complete their joins at the same moment each
		 * go Online without the other). */
		bool same_lineage = v && ((v->liveset | core_self_bit(c)) & c->liveset) == c->liveset;
		if (v && v->phase == HB_PHASE_JOINING && reachable) {
			c->proposed |= bit; /* acknowledge its join */
		} else if (v && v->phase == HB_PHASE_ONLINE && (v->flags & HB_VF_ARMED) && (v->liveset & bit) &&
		           !(c->cfg.unsafe & HB_UNSAFE_NEVER_ADMIT) &&
		           ((c->proposed & bit) || (v->liveset & core_self_bit(c)) || same_lineage ||
		            listed_by_member(c, k, now))) {
			/* It went Online, armed, with every ack: mine, or, when it
			 * joined while I was joining, the pool's (it lists me, it
			 * lists all my members, or a member lists it). */
			make_member(c, k, boot, v, now);
			c->proposed &= ~bit;
			c->epoch++;
			c->send_asap = true;
		} else if (!v || v->phase != HB_PHASE_ONLINE) {
			c->proposed &= ~bit;
		}
	}
}

static void online_evaluate(struct hb_core *c, hb_mono_ms now)
{
	const struct hb_timing *t = c->t;
	char text[HB_LAST_WORDS_MAX + 1];
	if (c->slot_overwritten) {
		/* as sanlock with its own lease: someone else wrote my slot, and may
		 * have told the pool I stopped or fence */
		const struct hb_slot *f = &c->foreign_slot;
		snprintf(text, sizeof text, "my slot was written by someone else (boot id %" PRIu64 ", sequence %" PRIu64
		         ", phase %s)", f->boot_id, f->sequence, hb_phase_name((enum hb_phase)f->view.phase));
		core_fence(c, now, HB_FENCE_SLOT_OVERWRITTEN, text);
		return;
	}
	if (c->dropped_by >= 0 && (c->liveset & hb_host_bit((unsigned)c->dropped_by))) {
		/* a member left me out of its liveset after listing me: the pool
		 * acts as if I were fenced; make it so at once */
		snprintf(text, sizeof text, "host %d dropped me from its liveset", c->dropped_by);
		core_fence(c, now, HB_FENCE_DROPPED, text);
		return;
	}
	/* Proof first: a host without fresh proof (it was suspended, hung, cut
	 * off) is the one that must go, before it drops anybody else. Rule 2
	 * proof also covers the grace after losing the statefile while a peer
	 * still has it; rule 2 is "in force" (published, reported) only when no
	 * member reports access any more. */
	if (now - c->healthy_until >= (hb_mono_ms)t->p.watchdog_timeout_ms) {
		/* I did not run for so long (suspended, stalled) that my watchdog
		 * would have fired had its timer kept running: the peers may count
		 * me gone (a removal wait, or a flag bound after a fencing flag in
		 * my slot, written by me or forged), whatever my inputs say now. */
		snprintf(text, sizeof text, "did not run for %" PRId64 " ms (suspended or stalled), past my watchdog timeout",
		         (int64_t)(now - c->healthy_until + (hb_mono_ms)t->proof_window_ms));
		core_fence(c, now, HB_FENCE_PROOF_EXPIRED, text);
		return;
	}
	bool rule2_proof = !c->sf_access && rule2_holds(c, now) && !(c->cfg.unsafe & HB_UNSAFE_RULE2_OFF);
	if (c->sf_access || rule2_proof) {
		renew(c, now);
	} else if (now >= c->healthy_until) {
		/* The proof lapsed: the feeder stops now and the watchdog would fire
		 * within W; fence at once instead, with a reason and the flag. */
		core_fence(c, now, HB_FENCE_PROOF_EXPIRED,
		           c->sf_lost_at != HB_NEVER ? "lost statefile access while peers kept theirs, or the network split"
		                                     : "no statefile access and the network is not whole (rule 2 failed)");
		return;
	}
	update_members(c, now);
	c->rule2 = rule2_proof && !peer_reports_access(c, now);
	evaluate_partition(c, now);
	/* Rule 1 judges me only when I am one of its candidates; if my own
	 * view is missing (my reads fail), statefile access expiring decides. */
	if (c->sf_access && c->best && (c->snap_c & core_self_bit(c)) && !(c->best & core_self_bit(c))) {
		uint32_t need = snapshot_consistent(c) ? t->settle_ms : t->settle_inconsistent_ms;
		if (now - c->snap_since >= (hb_mono_ms)need) {
			char cand[96], best[96];
			snprintf(text, sizeof text, "outside the best partition (rule 1): best %s of %s",
			         hb_hostmap_format(c->best, ",", "none", best, sizeof best),
			         hb_hostmap_format(c->snap_c, ",", "none", cand, sizeof cand));
			core_fence(c, now, HB_FENCE_LOST_PARTITION, text);
		}
	}
}

/* ---- start: form the first liveset, or join the existing one ---- */

static void go_online(struct hb_core *c, hb_mono_ms now, hb_hostmap set)
{
	c->phase = HB_PHASE_ONLINE;
	c->online_at = now;
	if (c->healthy_until < now)
		c->healthy_until = now; /* the watchdog is armed now: its timer starts here */
	c->armed = true;
	c->arm_out = true;
	c->excluded = false;
	c->liveset = core_self_bit(c);
	c->proposed = 0;
	c->epoch++;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		uint64_t boot = 0;
		const struct hb_view *v;
		if (k == c->cfg.self || !(set & hb_host_bit(k)) || !(v = core_peer_view(c, k, now, &boot)))
			continue;
		make_member(c, k, boot, v, now);
	}
	renew(c, now);
	c->send_asap = true;
	c->next_cycle = now;
	/* the lowest index of the first liveset makes the pool Active */
	if (c->pool_state == HB_POOL_INIT && (unsigned)__builtin_ctzll(set | core_self_bit(c)) == c->cfg.self)
		hb_core_set_pool_state(c, now, HB_POOL_ACTIVE);
}

/* The members that have not yet admitted me (0: all have). */
static hb_hostmap not_acked(const struct hb_core *c, hb_mono_ms now, hb_hostmap members)
{
	hb_hostmap missing = 0;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		uint64_t boot;
		const struct hb_view *v;
		if (!(members & hb_host_bit(k)))
			continue;
		v = core_peer_view(c, k, now, &boot);
		if (!v || v->phase != HB_PHASE_ONLINE || !(v->proposed & core_self_bit(c)))
			missing |= hb_host_bit(k);
	}
	return missing;
}

static void join(struct hb_core *c, hb_mono_ms now, hb_hostmap members, hb_mono_ms age)
{
	if (c->phase == HB_PHASE_STARTING) {
		c->phase = HB_PHASE_JOINING;
		c->send_asap = true;
		c->next_cycle = now;
	}
	c->start_wait = HB_START_JOIN_ACKS;
	c->start_waiting = not_acked(c, now, members);
	if (c->start_waiting == 0)
		go_online(c, now, members);
	else if (age >= (hb_mono_ms)c->t->p.boot_join_timeout_ms)
		core_stop(c, now, HB_EXIT_CAN_NOT_JOIN_EXISTING_LIVESET);
}

/* The candidates for forming the first liveset: every starting or joining
 * host whose slot advances on the statefile, heard on the network or not,
 * with the views their slots publish. The statefile is what every host
 * sees alike, so every host computes the same best partition from it (as
 * xhad counts every host seen on the statefile). */
static bool forming_input(const struct hb_core *c, hb_mono_ms now, struct hb_partition_input *in)
{
	const struct hb_peer *me = &c->peers[c->cfg.self];
	memset(in, 0, sizeof *in);
	in->n_hosts = c->cfg.n_hosts;
	if (!me->slot_valid || me->slot.boot_id != c->cfg.boot_id)
		return false; /* my own view has not been read back yet */
	for (unsigned k = 0; k < c->cfg.n_hosts && k < HB_MAX_HOSTS; k++) {
		const struct hb_peer *p = &c->peers[k];
		const struct hb_view *v = &p->slot.view;
		in->weight[k] = 1;
		if (k != c->cfg.self && (!p->slot_valid || !fresh(now, p->slot_adv_at, c->t->p.sf_timeout_ms)))
			continue;
		if (k != c->cfg.self && (c->cfg.unsafe & HB_UNSAFE_FORM_FROM_HEARD) && !(c->hb_heard & hb_host_bit(k)))
			continue; /* tests only: the old rule, what I hear */
		if (v->phase != HB_PHASE_STARTING && v->phase != HB_PHASE_JOINING)
			continue;
		in->candidates |= hb_host_bit(k);
		in->adj[k] = v->hb_heard;
		in->weight[k] = v->weight;
	}
	return true;
}

/* Agreement through the statefile: every candidate's slot (mine as read
 * back, written since I last changed my mind) publishes the proposal set,
 * members and non-members of it alike, and I hear every member now. Two
 * different sets cannot both pass: a host that forms set A is a fresh
 * candidate in the reads of any host that would form set B, and its slot
 * shows A (or Online) until it is gone. */
static bool proposal_agreed(const struct hb_core *c, const struct hb_partition_input *in, hb_hostmap set)
{
	const struct hb_slot *mine = &c->peers[c->cfg.self].slot;
	if (mine->written_at_ms < (uint64_t)c->proposal_since || mine->view.proposed != set)
		return false;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		if (!(in->candidates & hb_host_bit(k)) || k == c->cfg.self)
			continue;
		if (c->peers[k].slot.view.proposed != set && !(c->cfg.unsafe & HB_UNSAFE_FORM_FROM_HEARD))
			return false;
		if ((set & hb_host_bit(k)) && !(c->hb_heard & hb_host_bit(k)))
			return false;
	}
	return true;
}

/* Some host of set has not been excluded (excluded hosts cannot form a
 * liveset alone). */
static bool has_non_excluded(const struct hb_core *c, hb_hostmap set)
{
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		if (!(set & hb_host_bit(k)))
			continue;
		bool excluded = k == c->cfg.self ? c->excluded : (c->peers[k].slot.view.flags & HB_VF_EXCLUDED) != 0;
		if (!excluded)
			return true;
	}
	return false;
}

/* Some slot shows a host running (starting, joining, Online or fencing)
 * that I can tell neither alive nor gone: its record is not fresh, but I
 * have not yet read it unchanged for T2 and a cycle (the first read of a
 * slot is only a baseline, and my own reads may have failed meanwhile). A
 * running host with statefile access lands a write within that time; until
 * I know it did not, it may be a candidate I would leave out, or hold a
 * liveset that formed while I could not read: forming now could split the
 * pool. */
static bool slot_unsure(const struct hb_core *c, hb_mono_ms now)
{
	hb_mono_ms watch = (hb_mono_ms)hb_timing_peer_wait(c->t->p.sf_timeout_ms + c->t->sf_cycle_ms);
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		if (k == c->cfg.self || !p->slot_valid)
			continue;
		if (p->slot.view.phase == HB_PHASE_STOPPED || fresh(now, p->slot_adv_at, c->t->p.sf_timeout_ms))
			continue;
		if (p->slot_same_at - p->slot_new_at < watch)
			return true;
	}
	return false;
}

static void form(struct hb_core *c, hb_mono_ms now, hb_mono_ms age)
{
	const struct hb_timing_params *tp = &c->t->p;
	struct hb_partition_input in;
	hb_hostmap all = hb_hostmap_all(c->cfg.n_hosts), set = 0;
	bool readback = forming_input(c, now, &in);
	if (readback && (in.candidates & core_self_bit(c)))
		set = hb_partition_best(&in);
	bool unsure = slot_unsure(c, now);
	bool active = c->pool_state == HB_POOL_ACTIVE;
	bool non_excluded = has_non_excluded(c, set);
	/* Init: only every configured host forms the pool. Active (a whole-pool
	 * restart): the best partition of what the statefile shows, once half
	 * of BootJoinTimeout has let the other hosts start. */
	bool may = (set & core_self_bit(c)) && !unsure &&
	           (set == all || (active && age >= (hb_mono_ms)tp->boot_join_timeout_ms / 2 && non_excluded));
	if (set != c->proposed) {
		c->proposed = set; /* published whether or not I am in it */
		c->proposal_since = now;
		c->send_asap = true;
	}
	if ((set & core_self_bit(c)) && set != c->my_proposals[0]) {
		memmove(&c->my_proposals[1], &c->my_proposals[0], sizeof c->my_proposals - sizeof c->my_proposals[0]);
		c->my_proposals[0] = set;
	}
	/* what I wait for, for status and the message if I give up */
	c->start_waiting = all & ~set;
	if (!readback) {
		c->start_wait = HB_START_STATEFILE; /* my own slot not read back yet */
	} else if (unsure) {
		c->start_wait = HB_START_SLOT_UNSURE;
	} else if (!may) {
		c->start_wait = active ? HB_START_OTHERS : HB_START_ALL_HOSTS;
	} else {
		c->start_wait = HB_START_AGREEMENT;
		c->start_waiting = set & ~c->hb_heard & ~core_self_bit(c);
	}
	if (may && proposal_agreed(c, &in, set)) {
		go_online(c, now, set);
		return;
	}
	if (c->pool_state == HB_POOL_INIT && age >= (hb_mono_ms)tp->enable_join_timeout_ms)
		core_stop(c, now, HB_EXIT_BOOTJOIN_TIMEOUT);
	else if (active && age >= (hb_mono_ms)tp->boot_join_timeout_ms)
		core_stop(c, now, !has_non_excluded(c, in.candidates) && c->excluded ? HB_EXIT_BOOT_BLOCKED_BY_EXCLUDED
		                                                                    : HB_EXIT_CAN_NOT_JOIN_EXISTING_LIVESET);
}

static void start_evaluate(struct hb_core *c, hb_mono_ms now)
{
	hb_mono_ms age = now - c->started_at;
	hb_hostmap online = 0, members = 0, formed = 0;
	bool listed = false;
	if (c->pool_state == HB_POOL_NONE || !c->sf_access) {
		c->start_wait = HB_START_STATEFILE;
		c->start_waiting = 0;
		if (age >= (hb_mono_ms)c->t->p.boot_join_timeout_ms)
			core_stop(c, now,
			          c->global_reject != HB_REJECT_NONE ? HB_EXIT_INVALID_STATE_FILE : HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
		return;
	}
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		uint64_t boot;
		const struct hb_view *v = k == c->cfg.self ? NULL : core_peer_view(c, k, now, &boot);
		if (!v || v->phase != HB_PHASE_ONLINE)
			continue;
		online |= hb_host_bit(k);
		members |= v->liveset | hb_host_bit(k);
		if (v->liveset & core_self_bit(c)) {
			listed = true;
			formed = v->liveset;
		}
	}
	/* A peer went Online first with a first liveset that includes me: it
	 * formed what we all proposed. (Once the others are Online they are no
	 * longer starting candidates, so my current proposal may already have
	 * changed: compare with the last ones I made.) */
	bool proposed_it = false;
	for (unsigned i = 0; i < sizeof c->my_proposals / sizeof c->my_proposals[0]; i++)
		proposed_it |= formed != 0 && formed == c->my_proposals[i];
	if (listed && (c->pool_state == HB_POOL_INIT || proposed_it)) {
		go_online(c, now, formed);
		return;
	}
	if (online && c->pool_state == HB_POOL_INIT) {
		core_stop(c, now, HB_EXIT_INVALID_POOL_STATE); /* a liveset without me exists in an Init pool */
		return;
	}
	if (listed && c->phase == HB_PHASE_STARTING) {
		/* my previous incarnation is still a member: wait until it is removed */
		c->start_wait = HB_START_PREVIOUS_INCARNATION;
		c->start_waiting = online;
		if (age >= (hb_mono_ms)c->t->p.boot_join_timeout_ms)
			core_stop(c, now, HB_EXIT_BOOTJOIN_TIMEOUT);
		return;
	}
	if (online)
		join(c, now, members & ~core_self_bit(c), age);
	else
		form(c, now, age);
}

void core_evaluate(struct hb_core *c, hb_mono_ms now)
{
	update_channels(c, now);
	if (c->global_reject == HB_REJECT_GENERATION) {
		core_stop(c, now, HB_EXIT_GENERATION_UUID_MISMATCH);
		return;
	}
	if (c->pool_state == HB_POOL_INVALID) {
		core_stop(c, now, HB_EXIT_INVALID_POOL_STATE); /* pool disabled: every host stops, disarmed */
		return;
	}
	switch (c->phase) {
	case HB_PHASE_STARTING:
	case HB_PHASE_JOINING:
		if (c->slot_overwritten) {
			core_stop(c, now, HB_EXIT_INVALID_STATE_FILE); /* another writer of my slot: a duplicate host? */
			return;
		}
		start_evaluate(c, now);
		break;
	case HB_PHASE_ONLINE:
		online_evaluate(c, now);
		if (!c->fencing)
			core_lock_evaluate(c, now);
		break;
	case HB_PHASE_FENCING:
	case HB_PHASE_STOPPED:
		break;
	}
	assert(c->healthy_until <= now + (hb_mono_ms)c->t->proof_window_ms);
	assert(c->phase != HB_PHASE_ONLINE || (c->liveset & core_self_bit(c)));
}
