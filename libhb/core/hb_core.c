/*
 * hb_core.c: the membership core's lifecycle, its events (heartbeats,
 * statefile completions, commands), the outputs it asks its executor to
 * carry out (hb_core_poll) and the view it publishes. The decisions live in
 * hb_core_member.c and hb_core_lock.c. Pure: time comes in as an argument.
 */
#include "hb_core_internal.h"
#include "hb_exit.h"

#include <assert.h>
#include <string.h>

size_t hb_core_size(void) { return sizeof(struct hb_core); }

static const struct hb_rx_key no_key = {.echo = HB_NEVER, .boot_id = 0, .sequence = 0};

static void peer_init(struct hb_peer *p, const struct hb_timing *t)
{
	memset(p, 0, sizeof *p);
	p->rx_at = HB_NEVER;
	p->key = no_key;
	for (unsigned i = 0; i < HB_MAX_PATHS; i++) {
		p->rx_path_at[i] = HB_NEVER;
		p->key_path[i] = no_key;
	}
	p->slot_adv_at = HB_NEVER;
	p->slot_prev_adv_at = HB_NEVER;
	p->slot_new_at = p->slot_same_at = HB_NEVER;
	p->slot_ok_at = HB_NEVER;
	p->member_sign_at = HB_NEVER;
	p->slot_claim_at = p->net_claim_at = HB_NEVER;
	p->access_since = HB_NEVER;
	p->fence_bound_ms = t->fence_bound_ms;
	p->flag_bound_ms = t->fence_flag_bound_ms;
	p->hb_timeout_ms = t->p.hb_timeout_ms;
	p->sf_timeout_ms = t->p.sf_timeout_ms;
	p->net_sign_at = HB_NEVER;
}

void hb_core_init(struct hb_core *c, const struct hb_core_config *cfg, hb_mono_ms now)
{
	assert(cfg->n_hosts >= 1 && cfg->n_hosts <= HB_MAX_HOSTS && cfg->self < cfg->n_hosts);
	assert(cfg->n_paths >= 1 && cfg->n_paths <= HB_MAX_PATHS);
	assert(cfg->weight >= 1 && cfg->boot_id != 0 && now >= 0 && now < HB_ECHO_TIME_LIMIT);
	memset(c, 0, sizeof *c);
	c->cfg = *cfg;
	memcpy(c->uuids, cfg->host_uuids, sizeof(hb_uuid) * cfg->n_hosts);
	c->cfg.host_uuids = c->uuids;
	c->t = &c->cfg.timing;
	c->started_at = c->last_now = now;
	c->phase = HB_PHASE_STARTING;
	c->weight = cfg->weight;
	c->last_words = cfg->last_words;
	c->pool_state = HB_POOL_NONE;
	c->next_send = now;
	c->last_send = HB_NEVER;
	c->stop_first_send = c->stop_second_send = HB_NEVER;
	c->written_ok_at = HB_NEVER;
	c->online_at = HB_NEVER;
	c->dropped_by = -1;
	c->next_cycle = now;
	c->confirmed_at = HB_NEVER;
	c->sf_lost_at = HB_NEVER;
	hb_core_reset_latency(c);
	c->snap_since = now;
	c->proposal_since = now;
	c->healthy_until = now;
	c->master_seen = -1;
	for (unsigned k = 0; k < HB_MAX_HOSTS; k++)
		peer_init(&c->peers[k], c->t);
}

static void advance(struct hb_core *c, hb_mono_ms now)
{
	assert(now >= c->last_now);
	c->last_now = now;
}

static bool finished(const struct hb_core *c) { return c->fencing || c->exit; }

/* Echo tokens: my sent_at_ms, which peers echo back. The top 16 bits tag
 * my incarnation, so that a token of an earlier incarnation of mine
 * (recorded and replayed) is never taken for one of mine; the rest is my
 * clock + 1 (0 means "never heard"). */
#define ECHO_TAG_SHIFT 48u

static uint64_t boot_echo_tag(uint64_t boot_id) { return (boot_id * UINT64_C(0x9E3779B97F4A7C15)) >> ECHO_TAG_SHIFT; }

static uint64_t echo_tag(const struct hb_core *c) { return boot_echo_tag(c->cfg.boot_id); }

static uint64_t make_echo_token(const struct hb_core *c, hb_mono_ms now)
{
	return (echo_tag(c) << ECHO_TAG_SHIFT) | ((uint64_t)now + 1u);
}

hb_mono_ms core_echo_time(const struct hb_core *c, uint64_t token)
{
	if (token == 0 || (token >> ECHO_TAG_SHIFT) != echo_tag(c) || c->last_send == HB_NEVER)
		return HB_NEVER;
	hb_mono_ms t = (hb_mono_ms)(token & (((uint64_t)1 << ECHO_TAG_SHIFT) - 1u)) - 1;
	return t >= c->started_at && t <= c->last_send ? t : HB_NEVER;
}

/* What a record of k's member incarnation claims: a clean stop or a fence
 * (both terminal for an incarnation), or Online, which contradicts every
 * claim seen before it. `new_record`: a packet newly taken, or a slot that
 * advanced in this read. */
static void note_claim(struct hb_core *c, struct hb_peer *p, hb_mono_ms now, const struct hb_view *v, bool from_slot,
                       bool new_record)
{
	bool stop = v->phase == HB_PHASE_STOPPED;
	bool fence = v->phase == HB_PHASE_FENCING || (v->flags & HB_VF_FENCING);
	if (!stop && !fence) {
		if (new_record && v->phase == HB_PHASE_ONLINE && p->claims) {
			/* Its heartbeats claim it, its slot does not: the one Online
			 * write it had in flight when it stopped may land after its
			 * first Stopped heartbeat; a second one contradicts. */
			if (from_slot && !(p->claims & CLAIM_SLOT) && ++p->slot_online_after_claim < 2)
				return;
			p->claims = 0;
			p->slot_online_after_claim = 0;
			p->slot_claim_at = p->net_claim_at = HB_NEVER;
			p->stop_packets = 0;
			c->claims_contradicted++;
		}
		return;
	}
	if (p->claims == 0)
		p->slot_online_after_claim = 0;
	hb_mono_ms *at = from_slot ? &p->slot_claim_at : &p->net_claim_at;
	if (*at == HB_NEVER)
		*at = now;
	/* A claim in its slot while its writes ran on schedule (the record
	 * before it advanced at most two statefile intervals earlier, as a
	 * healthy writer's do): a forger's record there would be read back (and
	 * fenced on) by a host whose storage works, within a cycle. After a gap
	 * (or under slow writes), its storage may have been failing, and it
	 * blind to a forgery (flag_believed). */
	if (from_slot && !(p->claims & CLAIM_SLOT))
		p->slot_claim_on_time =
			new_record && p->slot_prev_adv_at != HB_NEVER &&
			now - p->slot_prev_adv_at <=
				(hb_mono_ms)hb_timing_peer_wait(2u * (c->t->p.sf_interval_ms + c->t->tick_ms));
	if (stop) {
		p->claims |= from_slot ? CLAIM_SLOT_STOP : CLAIM_NET_STOP;
		if (!from_slot && new_record)
			p->stop_packets++;
	} else {
		p->claims |= from_slot ? CLAIM_SLOT_FENCE : CLAIM_NET_FENCE;
	}
}

/* A sign of life, or an announcement, from k's member incarnation. */
static void note_member_view(struct hb_core *c, struct hb_peer *p, hb_mono_ms now, uint64_t boot, const struct hb_view *v,
                             bool alive, bool from_slot)
{
	if (boot != p->member_boot || p->member_boot == 0)
		return;
	if (alive)
		p->member_sign_at = now;
	if (alive && !from_slot)
		p->net_sign_at = now;
	/* the largest bounds it advertised: never shorter than mine (decoded
	 * views are range-checked, so no wrap either) */
	if (v->fence_bound_ms > p->fence_bound_ms)
		p->fence_bound_ms = v->fence_bound_ms;
	if (v->fence_flag_bound_ms > p->flag_bound_ms)
		p->flag_bound_ms = v->fence_flag_bound_ms;
	if (v->hb_timeout_ms > p->hb_timeout_ms && v->hb_timeout_ms <= v->fence_bound_ms)
		p->hb_timeout_ms = v->hb_timeout_ms;
	if (v->sf_timeout_ms > p->sf_timeout_ms && v->sf_timeout_ms <= v->fence_bound_ms)
		p->sf_timeout_ms = v->sf_timeout_ms;
	note_claim(c, p, now, v, from_slot, alive);
	/* It listed me, then a later liveset of its own leaves me out: it
	 * dropped me (the epoch grows with every change of its liveset). Only
	 * views made after it heard me Online count: an older one may list an
	 * earlier incarnation of mine. */
	hb_mono_ms echo = core_echo_time(c, v->echo_ms[c->cfg.self]);
	if (v->phase != HB_PHASE_ONLINE || c->online_at == HB_NEVER || echo == HB_NEVER || echo < c->online_at)
		return;
	if (v->liveset & core_self_bit(c)) {
		if (v->epoch > p->listed_epoch)
			p->listed_epoch = v->epoch;
	} else if (p->listed_epoch && v->epoch > p->listed_epoch) {
		c->dropped_by = (int)(p - c->peers);
	}
}

/* Heartbeat latency: the gap between two heartbeats of a live peer. */
static void note_gap(struct hb_core *c, hb_mono_ms gap)
{
	c->hb_gap_last = gap;
	if (c->hb_gap_min < 0 || gap < c->hb_gap_min)
		c->hb_gap_min = gap;
	if (gap > c->hb_gap_max)
		c->hb_gap_max = gap;
}

static bool key_newer(const struct hb_rx_key *a, const struct hb_rx_key *b)
{
	if (a->echo != b->echo)
		return a->echo > b->echo;
	if (a->boot_id != b->boot_id)
		return a->boot_id > b->boot_id;
	return a->sequence > b->sequence;
}

/* A packet the key order did not take (struct hb_rx_key) may still
 * contradict a claim in k's heartbeats. A forger holding the pool key can
 * send a Stopped copy of k's last heartbeat under the next sequence: when
 * k's own next heartbeat echoes the same send of mine (I sent nothing in
 * between that it heard), it has the forgery's key and is dropped as a
 * copy, and the claim stands past the stop confirmation wait with nothing
 * to contradict it. A host that stopped sends no Online heartbeat at or
 * after the sequence of its first Stopped one, so a proven Online packet
 * of the member incarnation at or after that sequence shows the claim
 * forged, whatever the key order made of it. Replays and late copies of
 * its earlier Online packets carry lower sequences: a real stop stands. */
static void note_untaken_packet(struct hb_core *c, struct hb_peer *p, hb_mono_ms now, const struct hb_packet *pkt,
                                hb_mono_ms echo)
{
	if (!(p->claims & CLAIM_NET) || p->member_boot == 0 || pkt->boot_id != p->member_boot ||
	    pkt->view.phase != HB_PHASE_ONLINE || pkt->sequence < p->net_claim_seq || echo == HB_NEVER ||
	    now - echo > (hb_mono_ms)c->t->p.hb_timeout_ms)
		return;
	note_claim(c, p, now, &pkt->view, false, true);
}

void hb_core_on_packet(struct hb_core *c, hb_mono_ms now, const struct hb_packet *pkt, unsigned path)
{
	advance(c, now);
	if (finished(c))
		return;
	unsigned k = pkt->sender_index;
	assert(k < c->cfg.n_hosts && path < HB_MAX_PATHS);
	if (k == c->cfg.self) {
		c->dropped[HB_REJECT_SELF]++;
		return;
	}
	struct hb_peer *p = &c->peers[k];
	if (path >= c->cfg.n_paths) {
		c->dropped[HB_REJECT_FIELD]++;
		return;
	}
	/* Taken only when newer (struct hb_rx_key), per path (each path's
	 * liveness) and over all paths (every path carries a copy of the same
	 * packet: the first copy is the one used). */
	hb_mono_ms echo = core_echo_time(c, pkt->view.echo_ms[c->cfg.self]);
	struct hb_rx_key key = {.echo = echo, .boot_id = pkt->boot_id, .sequence = pkt->sequence};
	if (!key_newer(&key, &p->key_path[path])) {
		c->dropped[pkt->boot_id < p->key_path[path].boot_id ? HB_REJECT_STALE_BOOT : HB_REJECT_REPLAY]++;
		note_untaken_packet(c, p, now, pkt, echo);
		return;
	}
	p->key_path[path] = key;
	bool copy = !key_newer(&key, &p->key);
	/* Its view counts only when it echoes a recent send of mine: it heard
	 * this incarnation of mine within T1, so it is neither a recording nor
	 * a host that cannot hear me. While it is a member, only the views of
	 * its member incarnation count. */
	bool proven = echo != HB_NEVER && now - echo <= (hb_mono_ms)c->t->p.hb_timeout_ms;
	bool adopt = proven && (p->member_boot == 0 || pkt->boot_id == p->member_boot);
	if (adopt)
		p->rx_path_at[path] = now;
	if (copy) {
		note_untaken_packet(c, p, now, pkt, echo);
		return; /* the same packet already came in on another path */
	}
	p->key = key;
	/* k's member incarnation may renew its rule-2 proof on my echo of its
	 * send time, while my removal wait runs from my last sign of it: I
	 * echo a token of the member (tagged with its boot id) only from a
	 * packet of the member, one that counts as its sign of life. A key
	 * holder's copy of its heartbeat under the next boot id still carries
	 * the member's token: echoing it would let the member renew up to T1
	 * past my last sign of it, and run on when I remove it. Tokens with
	 * another tag (a real new incarnation's) are echoed as before. */
	if (p->member_boot == 0 || pkt->boot_id == p->member_boot ||
	    (pkt->sent_at_ms >> ECHO_TAG_SHIFT) != boot_echo_tag(p->member_boot))
		p->echo_token = pkt->sent_at_ms;
	if (!adopt) {
		/* a sign of life of its member incarnation all the same: its
		 * rule-2 proof may rest on my echo of it */
		if (pkt->boot_id == p->member_boot && p->member_boot != 0)
			p->member_sign_at = p->net_sign_at = now;
		c->unproven++;
		return;
	}
	if (p->rx_at != HB_NEVER && (c->liveset & hb_host_bit(k)))
		note_gap(c, now - p->rx_at);
	p->rx_at = now;
	bool had_access = p->net_valid && p->net_boot == pkt->boot_id && (p->net.flags & HB_VF_SF_ACCESS);
	if ((pkt->view.flags & HB_VF_SF_ACCESS) && !had_access)
		p->access_since = now;
	p->net = pkt->view;
	p->net_valid = true;
	p->net_boot = pkt->boot_id;
	bool net_claim = p->claims & CLAIM_NET;
	note_member_view(c, p, now, pkt->boot_id, &pkt->view, true, false);
	if (!net_claim && (p->claims & CLAIM_NET))
		p->net_claim_seq = pkt->sequence;
}

/* My own slot as read back holds something I did not write: a stray tool,
 * a host configured with my UUID, a bug. (The slot shows one of my last two
 * writes, an older write of mine to a late read, or, before a write of mine
 * completed, what an earlier incarnation left.) */
static bool slot_foreign(const struct hb_core *c, const struct hb_sf_read *r, const struct hb_slot *s)
{
	if (s->boot_id == c->cfg.boot_id) {
		for (unsigned i = 0; i < 2; i++)
			if (c->written[i].sequence != 0 && s->sequence == c->written[i].sequence)
				return !hb_slot_same(s, &c->written[i]);
		return c->written[0].sequence == 0 || s->sequence > c->written[0].sequence || s->sequence < c->first_write_seq;
	}
	if (s->boot_id > c->cfg.boot_id)
		return true;
	return c->written_ok_at != HB_NEVER && r->submitted_at > c->written_ok_at;
}

static void read_slot(struct hb_core *c, hb_mono_ms now, const struct hb_sf_read *r, unsigned k, const struct hb_slot *s)
{
	struct hb_peer *p = &c->peers[k];
	if (k == c->cfg.self) {
		if (slot_foreign(c, r, s)) {
			c->slot_overwritten = true; /* judged by core_evaluate: fence, or stop */
			c->foreign_slot = *s;
		}
		if (s->boot_id == c->cfg.boot_id && c->unconfirmed_seq != 0 && s->sequence >= c->unconfirmed_seq) {
			c->confirmed_at = c->unconfirmed_at;
			c->ever_confirmed = true;
			c->unconfirmed_seq = 0;
		}
		/* a previous incarnation's clean shutdown left me excluded */
		if (s->boot_id != c->cfg.boot_id && (s->view.flags & HB_VF_EXCLUDED))
			c->excluded = true;
		if (s->boot_id != c->cfg.boot_id && s->sequence >= c->slot_seq)
			c->slot_seq = s->sequence; /* continue the on-disk sequence */
	} else {
		/* The first sight of a slot is only a baseline: a stale slot of a
		 * dead host must not look alive. */
		bool advanced = p->slot_valid && s->boot_id != 0 &&
		                (s->boot_id != p->slot.boot_id || s->sequence != p->slot.sequence);
		if (advanced) {
			p->slot_prev_adv_at = p->slot_adv_at;
			p->slot_adv_at = now;
		}
		if (!p->slot_valid || advanced || s->boot_id != p->slot.boot_id || s->sequence != p->slot.sequence)
			p->slot_new_at = now;
		p->slot_same_at = now;
		note_member_view(c, p, now, s->boot_id, &s->view, advanced, true);
	}
	p->slot = *s;
	p->slot_valid = true;
}

void hb_core_on_sf_read(struct hb_core *c, hb_mono_ms now, const struct hb_sf_read *r)
{
	advance(c, now);
	assert(c->read_busy);
	c->read_busy = false;
	if (c->read_overdue) {
		c->read_overdue = false;
		c->late_completions++;
		return;
	}
	if (finished(c))
		return;
	c->global_reject = r->global_err ? HB_REJECT_NONE : r->global_reject;
	if (c->global_reject == HB_REJECT_GENERATION)
		c->foreign_generation = r->global.generation;
	if (r->global_err == 0 && r->global_reject == HB_REJECT_NONE) {
		c->global = r->global;
		c->pool_state = (enum hb_pool_state)r->global.pool_state;
	}
	/* A slot that could not be read or decoded keeps its last valid
	 * content; whether it is still alive is judged by when it last
	 * advanced (peers) or by statefile access (myself). */
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		struct hb_peer *p = &c->peers[k];
		if (r->slot_err[k] != 0) {
			p->slot_read = HB_CORE_SLOT_IO_ERROR;
		} else if (r->slot_reject[k] != HB_REJECT_NONE) {
			p->slot_read = HB_CORE_SLOT_CORRUPT;
			p->slot_reject = r->slot_reject[k];
			p->slot_ok_at = now; /* read: a live owner's next write would mend it */
		} else {
			p->slot_read = HB_CORE_SLOT_VALID;
			read_slot(c, now, r, k, &r->slots[k]);
			p->slot_ok_at = now;
		}
	}
}

void hb_core_on_sf_write(struct hb_core *c, hb_mono_ms now, bool global_block, int err)
{
	advance(c, now);
	if (global_block) {
		assert(c->global_busy);
		c->global_busy = false;
		if (err == 0)
			c->global_wanted = false;
		return;
	}
	assert(c->write_busy);
	c->write_busy = false;
	if (c->write_overdue) {
		c->write_overdue = false;
		c->late_completions++;
		return;
	}
	if (err == 0) {
		c->unconfirmed_seq = c->write_seq;
		c->unconfirmed_at = c->write_at;
		c->written_ok_at = now;
	}
	if (c->exit_after_write && c->stop_write_seq != 0 && c->write_seq >= c->stop_write_seq)
		c->stop_written = true; /* the Stopped slot landed, or never will */
	if (c->last_words_busy) {
		c->last_words_busy = false;
		c->fence = true; /* last words written (or refused): fence now */
	}
}

void hb_core_on_sf_overdue(struct hb_core *c, hb_mono_ms now, enum hb_sf_io_kind kind)
{
	advance(c, now);
	if (kind == HB_SF_IO_READ && c->read_busy)
		c->read_overdue = true;
	if (kind == HB_SF_IO_WRITE && c->write_busy)
		c->write_overdue = true;
	/* the statefile counts as lost for this host from now on */
	c->confirmed_at = HB_NEVER;
	c->unconfirmed_seq = 0;
}

static uint8_t view_flags(const struct hb_core *c)
{
	uint8_t f = 0;
	if (c->sf_access)
		f |= HB_VF_SF_ACCESS;
	if (c->phase == HB_PHASE_FENCING)
		f |= HB_VF_FENCING;
	if (c->excluded)
		f |= HB_VF_EXCLUDED;
	if (c->rule2)
		f |= HB_VF_RULE2;
	if (c->armed)
		f |= HB_VF_ARMED;
	if (c->phase == HB_PHASE_STARTING)
		f |= HB_VF_STARTING;
	if (c->phase == HB_PHASE_JOINING)
		f |= HB_VF_JOINING;
	if (c->i_am_master)
		f |= HB_VF_MASTER;
	return f;
}

static void build_view(const struct hb_core *c, struct hb_view *v)
{
	memset(v, 0, sizeof *v);
	v->hb_heard = c->hb_heard;
	memcpy(v->hb_heard_path, c->hb_heard_path, sizeof v->hb_heard_path);
	v->sf_seen = c->sf_seen;
	v->liveset = c->liveset;
	v->proposed = c->proposed;
	v->epoch = c->epoch;
	v->phase = (uint8_t)c->phase;
	v->flags = view_flags(c);
	v->weight = c->weight;
	v->lock_request = c->lock_request;
	v->lock_grant = c->lock_grant;
	v->fence_bound_ms = c->t->fence_bound_ms;
	v->fence_flag_bound_ms = c->t->fence_flag_bound_ms;
	v->hb_timeout_ms = c->t->p.hb_timeout_ms;
	v->sf_timeout_ms = c->t->p.sf_timeout_ms;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		if (k == c->cfg.self)
			continue;
		v->echo_ms[k] = c->peers[k].echo_token;
		v->sf_seq_seen[k] = c->peers[k].slot_valid ? c->peers[k].slot.sequence : 0;
	}
}

static void emit_packet(struct hb_core *c, hb_mono_ms now, struct hb_core_out *out)
{
	out->send = true;
	struct hb_packet *pkt = &out->packet;
	pkt->sender_uuid = c->uuids[c->cfg.self];
	pkt->sender_index = (uint8_t)c->cfg.self;
	pkt->path = 0;
	pkt->n_hosts = (uint8_t)c->cfg.n_hosts;
	pkt->boot_id = c->cfg.boot_id;
	pkt->sequence = ++c->packet_seq;
	pkt->sent_at_ms = make_echo_token(c, now);
	if (c->exit_after_write) {
		if (c->stop_first_send == HB_NEVER)
			c->stop_first_send = now;
		else if (c->stop_second_send == HB_NEVER)
			c->stop_second_send = now;
	}
	build_view(c, &pkt->view);
	c->last_send = now;
	c->next_send = now + c->t->p.hb_interval_ms;
	c->send_asap = false;
}

static void emit_slot(struct hb_core *c, hb_mono_ms now, struct hb_core_out *out)
{
	struct hb_slot *s = &out->slot;
	out->write_slot = true;
	memset(s, 0, sizeof *s);
	s->generation = c->cfg.generation;
	s->host_uuid = c->uuids[c->cfg.self];
	s->host_index = (uint8_t)c->cfg.self;
	s->n_hosts = (uint8_t)c->cfg.n_hosts;
	s->boot_id = c->cfg.boot_id;
	s->sequence = ++c->slot_seq;
	s->written_at_ms = (uint64_t)now;
	build_view(c, &s->view);
	s->last_words = c->last_words;
	c->write_busy = true;
	c->write_at = now;
	c->write_seq = s->sequence;
	if (c->first_write_seq == 0)
		c->first_write_seq = s->sequence;
	if (c->exit_after_write && c->stop_write_seq == 0)
		c->stop_write_seq = s->sequence;
	c->written[1] = c->written[0];
	c->written[0] = *s;
}

static bool want_send(const struct hb_core *c, hb_mono_ms now)
{
	if (c->phase == HB_PHASE_STOPPED && !c->exit_after_write)
		return false;
	if (now >= c->next_send)
		return true;
	return c->send_asap && (c->last_send == HB_NEVER || now - c->last_send >= (hb_mono_ms)c->t->send_gap_ms);
}

/* One cycle = read every block, then write my slot. The read comes first
 * so that it shows my own slot as it stood for a whole interval since my
 * last write: a write by someone else in between is seen there, not
 * overwritten unseen (slot_foreign). It also confirms my previous write. The
 * write of a cycle is submitted before the next cycle's read, so slow I/O
 * stretches the cycle instead of starving writes; an I/O stuck past its
 * deadline does not stop the other kind (reads still show others alive,
 * writes still show me). */
static void poll_statefile(struct hb_core *c, hb_mono_ms now, struct hb_core_out *out)
{
	bool read_stuck = c->read_busy && c->read_overdue;
	bool write_stuck = c->write_busy && c->write_overdue;
	/* A member's slot-alone fencing flag becomes believable at flag_at:
	 * bring the cycle forward to it, once (core_flag_read_at). */
	hb_mono_ms flag_at = c->phase == HB_PHASE_ONLINE ? core_flag_read_at(c) : HB_NEVER;
	if (flag_at != HB_NEVER && c->next_cycle != HB_NEVER && flag_at < c->next_cycle &&
	    (c->cycle_at == HB_NEVER || flag_at > c->cycle_at))
		c->next_cycle = flag_at;
	if (now >= c->next_cycle && (!c->write_pending || write_stuck)) {
		c->cycle_at = now;
		if (!c->read_busy) {
			out->read = true;
			c->read_busy = true;
			c->read_at = now;
		}
		c->write_pending = true;
		c->next_cycle = now + c->t->p.sf_interval_ms;
	}
	if (c->write_pending && !c->write_busy && (!c->read_busy || read_stuck)) {
		emit_slot(c, now, out);
		c->write_pending = false;
	}
	if (c->global_wanted && !c->global_busy) {
		out->write_global = true;
		out->global = c->global_out;
		c->global_busy = true;
	}
}

/* Every member I hear has echoed my second Stopped heartbeat: it took at
 * least two, enough to believe my stop on heartbeats alone. */
static bool stop_echoed(const struct hb_core *c)
{
	if (c->stop_second_send == HB_NEVER)
		return false;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		if (k == c->cfg.self || !(c->liveset & hb_host_bit(k)) || !(c->hb_heard & hb_host_bit(k)))
			continue;
		hb_mono_ms echo = core_echo_time(c, p->net.echo_ms[c->cfg.self]);
		if (echo == HB_NEVER || echo < c->stop_second_send)
			return false;
	}
	return true;
}

/* Leaving cleanly: the Stopped slot is written (or the statefile gives up
 * on it), and the Stopped heartbeat is repeated until every member I hear
 * has echoed it (or the announce bound passes): with the statefile lost by
 * all (rule 2), heartbeats are the only channel, and one lost packet must
 * not make the others miss my stop and fence. */
static void poll_leaving(struct hb_core *c, hb_mono_ms now)
{
	bool announced = stop_echoed(c) || now >= c->stop_announce_until;
	bool written = c->stop_written || now >= c->exit_deadline;
	if (!announced)
		c->send_asap = true;
	if (announced && written)
		c->exit = true;
}

/* A loser writes its slot once more, with the fencing flag and its last
 * words, and asks to be fenced when that write completes, or after a short
 * wait if the statefile does not answer (it stopped feeding its watchdog
 * when it decided, so waiting delays nothing that matters for safety). */
static void poll_last_words(struct hb_core *c, hb_mono_ms now, struct hb_core_out *out)
{
	if (c->last_words_pending && !c->write_busy) {
		emit_slot(c, now, out);
		c->last_words_pending = false;
		c->last_words_busy = true;
	}
	if (now >= c->fence_by)
		c->fence = true;
}

static hb_mono_ms min_time(hb_mono_ms a, hb_mono_ms b) { return a < b ? a : b; }

void hb_core_poll(struct hb_core *c, hb_mono_ms now, struct hb_core_out *out)
{
	advance(c, now);
	memset(out, 0, sizeof *out);
	if (!finished(c))
		core_evaluate(c, now);
	if (!c->exit && want_send(c, now))
		emit_packet(c, now, out);
	if (!c->exit && !c->fencing)
		poll_statefile(c, now, out);
	else if (c->fencing)
		poll_last_words(c, now, out);
	if (c->exit_after_write)
		poll_leaving(c, now);
	out->healthy_until = c->healthy_until;
	out->arm = c->arm_out;
	out->disarm = c->disarm_out;
	c->arm_out = c->disarm_out = false;
	out->fence = c->fence;
	out->fence_reason = c->fence_reason;
	out->exit = c->exit;
	out->exit_code = c->exit_code;
	hb_mono_ms next = min_time(c->next_send, now + c->t->tick_ms);
	if (c->fencing && !c->fence)
		next = min_time(next, c->fence_by);
	if (!c->write_pending && c->next_cycle != HB_NEVER)
		next = min_time(next, c->next_cycle);
	if (c->send_asap)
		next = min_time(next, now + c->t->send_gap_ms);
	out->next_wakeup = next > now ? next : now + 1;
}

enum hb_propose_result hb_core_propose_master(struct hb_core *c, hb_mono_ms now)
{
	advance(c, now);
	if (c->phase != HB_PHASE_ONLINE || finished(c))
		return HB_PROPOSE_FALSE;
	if (c->i_am_master)
		return HB_PROPOSE_TRUE;
	if (c->master_seen >= 0 && (unsigned)c->master_seen != c->cfg.self) {
		c->lock_wanted = false;
		return HB_PROPOSE_FALSE;
	}
	if (!c->lock_wanted) {
		c->lock_wanted = true;
		c->lock_asked_at = now;
		c->send_asap = true;
		return HB_PROPOSE_PENDING;
	}
	if (now - c->lock_asked_at > (hb_mono_ms)c->t->lock_wait_ms) {
		c->lock_wanted = false;
		return HB_PROPOSE_FALSE;
	}
	return HB_PROPOSE_PENDING;
}

void hb_core_disarm(struct hb_core *c, hb_mono_ms now)
{
	advance(c, now);
	if (c->armed)
		c->disarm_out = true;
	c->armed = false;
	c->send_asap = true;
}

void hb_core_arm(struct hb_core *c, hb_mono_ms now)
{
	advance(c, now);
	if (c->phase == HB_PHASE_ONLINE && !c->armed && !finished(c)) {
		c->armed = true;
		c->arm_out = true;
		c->send_asap = true;
	}
}

void hb_core_fence(struct hb_core *c, hb_mono_ms now, enum hb_fence_reason reason, const char *text)
{
	advance(c, now);
	if (finished(c) || c->phase != HB_PHASE_ONLINE || !c->armed)
		return;
	core_fence(c, now, reason, text);
}

/* Leave the pool cleanly: disarm, publish stopped + excluded, exit with code. */
static void leave(struct hb_core *c, hb_mono_ms now, int exit_code)
{
	advance(c, now);
	if (finished(c) || c->exit_after_write)
		return;
	hb_core_disarm(c, now);
	c->excluded = true;
	c->phase = HB_PHASE_STOPPED;
	c->exit_code = exit_code;
	/* publish the stop and the excluded flag on both channels, then exit
	 * once the slot is written (or after one I/O deadline if the statefile
	 * is gone) and the members echoed the stop (poll_leaving) */
	c->exit_after_write = true;
	c->exit_deadline = now + c->t->sf_io_timeout_ms;
	c->stop_announce_until = now + c->t->stop_announce_ms;
	c->next_cycle = now;
	c->next_send = now;
}

void hb_core_shutdown(struct hb_core *c, hb_mono_ms now) { leave(c, now, HB_EXIT_SUCCESS); }
void hb_core_set_excluded(struct hb_core *c, hb_mono_ms now) { leave(c, now, HB_EXIT_SET_EXCLUDED); }

void hb_core_clear_excluded(struct hb_core *c, hb_mono_ms now)
{
	advance(c, now);
	if (finished(c) || c->exit_after_write || !c->excluded)
		return;
	c->excluded = false;
	c->send_asap = true;
}

void hb_core_reset_latency(struct hb_core *c)
{
	c->hb_gap_min = c->hb_gap_max = c->hb_gap_last = -1;
}

const struct hb_view *hb_core_peer_net_view(const struct hb_core *c, unsigned k)
{
	assert(k < c->cfg.n_hosts);
	return c->peers[k].net_valid ? &c->peers[k].net : NULL;
}

const struct hb_slot *hb_core_peer_slot(const struct hb_core *c, unsigned k, enum hb_core_slot_read *state)
{
	assert(k < c->cfg.n_hosts);
	const struct hb_peer *p = &c->peers[k];
	if (state != NULL)
		*state = p->slot_read;
	return p->slot_valid ? &p->slot : NULL;
}

enum hb_reject hb_core_peer_slot_reject(const struct hb_core *c, unsigned k)
{
	assert(k < c->cfg.n_hosts);
	return c->peers[k].slot_read == HB_CORE_SLOT_CORRUPT ? c->peers[k].slot_reject : HB_REJECT_NONE;
}

hb_mono_ms hb_core_peer_heard_at(const struct hb_core *c, unsigned k)
{
	assert(k < c->cfg.n_hosts);
	return c->peers[k].rx_at;
}

hb_mono_ms hb_core_peer_net_sign_at(const struct hb_core *c, unsigned k)
{
	assert(k < c->cfg.n_hosts);
	return c->peers[k].net_sign_at;
}

hb_mono_ms hb_core_peer_seen_at(const struct hb_core *c, unsigned k)
{
	assert(k < c->cfg.n_hosts);
	return c->peers[k].slot_adv_at;
}

hb_mono_ms hb_core_confirmed_at(const struct hb_core *c) { return c->confirmed_at; }

void hb_core_set_weight(struct hb_core *c, hb_mono_ms now, uint16_t weight)
{
	advance(c, now);
	assert(weight >= 1);
	c->weight = weight;
	c->send_asap = true;
}

void hb_core_set_pool_state(struct hb_core *c, hb_mono_ms now, enum hb_pool_state state)
{
	advance(c, now);
	assert(state >= HB_POOL_INIT && state <= HB_POOL_INVALID);
	struct hb_global g = c->global;
	if (c->pool_state == HB_POOL_NONE) {
		memset(&g, 0, sizeof g);
		g.generation = c->cfg.generation;
		g.n_hosts = c->cfg.n_hosts;
	}
	g.pool_state = state;
	g.sequence++;
	g.writer = (uint8_t)c->cfg.self;
	c->global_out = g;
	c->global_wanted = true;
}

void hb_core_status(const struct hb_core *c, hb_mono_ms now, struct hb_core_status *out)
{
	(void)now;
	memset(out, 0, sizeof *out);
	out->phase = c->phase;
	out->liveset = c->liveset;
	out->epoch = c->epoch;
	out->master = c->master_seen;
	out->i_am_master = c->i_am_master;
	out->armed = c->armed;
	out->sf_access = c->sf_access;
	out->rule2 = c->rule2;
	out->excluded = c->excluded;
	out->pool_state = c->pool_state;
	out->hb_heard = c->hb_heard;
	out->sf_seen = c->sf_seen;
	out->healthy_until = c->healthy_until;
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		out->last_heard[k] = p->rx_at;
		for (unsigned i = 0; i < HB_MAX_PATHS; i++)
			out->last_heard_path[k][i] = p->rx_path_at[i];
		out->last_sf_advance[k] = p->slot_adv_at;
		out->member_boot_id[k] = p->member_boot;
	}
	out->member_boot_id[c->cfg.self] = (c->liveset & core_self_bit(c)) ? c->cfg.boot_id : 0;
	memcpy(out->dropped, c->dropped, sizeof out->dropped);
	out->hb_gap_min = c->hb_gap_min;
	out->hb_gap_max = c->hb_gap_max;
	out->hb_gap_last = c->hb_gap_last;
	out->global_reject = c->global_reject;
	out->foreign_generation = c->foreign_generation;
	if (c->online_at == HB_NEVER) { /* also once stopped: why it gave up */
		out->start_wait = c->start_wait;

		out->start_waiting = c->start_waiting;
		bool init = c->pool_state == HB_POOL_INIT;
		out->start_gives_up_at =
		        c->started_at + (hb_mono_ms)(init ? c->t->p.enable_join_timeout_ms : c->t->p.boot_join_timeout_ms);
	}
	for (unsigned k = 0; k < c->cfg.n_hosts; k++) {
		const struct hb_peer *p = &c->peers[k];
		const struct hb_view *v = p->net_valid ? &p->net : p->slot_valid && p->slot.boot_id != 0 ? &p->slot.view : NULL;
		if (k == c->cfg.self || v == NULL)
			continue;
		if (v->fence_bound_ms != c->t->fence_bound_ms || v->hb_timeout_ms != c->t->p.hb_timeout_ms ||
		    v->sf_timeout_ms != c->t->p.sf_timeout_ms)
			out->timing_mismatch |= hb_host_bit(k);
	}
}

static const char *const start_wait_names[HB_START_WAIT_COUNT][2] = {
	[HB_START_NONE] = {"none", "not starting"},
	[HB_START_STATEFILE] = {"statefile", "no valid read of the statefile yet"},
	[HB_START_PREVIOUS_INCARNATION] = {"previous-incarnation",
	                                   "this host's previous incarnation is still a member: waiting for the others to remove it"},
	[HB_START_JOIN_ACKS] = {"join-acks", "waiting for every liveset member to admit this host"},
	[HB_START_ALL_HOSTS] = {"all-hosts", "a new pool forms only when every configured host has started"},
	[HB_START_OTHERS] = {"others-starting", "waiting half of BootJoinTimeout for the other hosts to start"},
	[HB_START_SLOT_UNSURE] = {"slot-unsure", "a slot shows a host that is neither live nor gone yet"},
	[HB_START_AGREEMENT] = {"agreement", "waiting for every starting host to propose the same first liveset"},
};

const char *hb_start_wait_name(enum hb_start_wait w)
{
	return (unsigned)w < HB_START_WAIT_COUNT ? start_wait_names[w][0] : "unknown";
}

const char *hb_start_wait_text(enum hb_start_wait w)
{
	return (unsigned)w < HB_START_WAIT_COUNT ? start_wait_names[w][1] : "unknown";
}

static const char *const unsafe_names[] = {
	"skip-removal-wait", "form-from-heard", "lock-forgets-stale", "never-admit", "rule2-off", "stale-access",
};

unsigned hb_core_unsafe_parse(const char *name)
{
	for (unsigned i = 0; i < sizeof unsafe_names / sizeof unsafe_names[0]; i++)
		if (strcmp(name, unsafe_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *hb_core_unsafe_name(unsigned bit)
{
	for (unsigned i = 0; i < sizeof unsafe_names / sizeof unsafe_names[0]; i++)
		if (bit == 1u << i)
			return unsafe_names[i];
	return "unknown";
}
