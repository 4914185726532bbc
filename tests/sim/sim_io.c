/*
 * sim_io.c: the simulated network and shared statefile of hbsim.
 *
 * Network: per path, per directed link up or down (isolate, partition, one-
 * way cut, heal) and its quality (loss, duplication, added delay with
 * jitter, which reorders, and replay: every packet delivered once more a
 * fixed time later, as a recording played back); base delay 0.1..2 ms plus
 * the receiver's scheduling delay. `heal` repairs all of it. Packets travel
 * in a fixed pool, one copy per path, reference-counted by their deliveries.
 *
 * Statefile: block 0 and one 4 KiB slot per host, as `hbctl statefile init`
 * leaves them, encoded and decoded with the real hb_slot.c codecs so a torn
 * write (only the first 512 bytes of the new block land) is caught by the
 * real CRC. I/O per host: latency 1..5 ms plus the scheduling delay, or
 * fails with -EIO, hangs until storage-heal, or is slowed; completions after
 * the I/O deadline are preceded by hb_core_on_sf_overdue (sim_host.c).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_check.h"
#include "sim_world.h"

#define SIM_TORN_BYTES 512u
#define SIM_LINK_MIN_US 100
#define SIM_LINK_MAX_US 2000
#define SIM_IO_MIN_US 1000
#define SIM_IO_MAX_US 5000

/* ---- network -------------------------------------------------------- */

void sim_net_heal(struct sim_world *w)
{
	hb_hostmap all = hb_hostmap_all(w->cfg.n_hosts);
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		for (unsigned s = 0; s < HB_MAX_HOSTS; s++)
			w->link[p][s] = s < w->cfg.n_hosts ? all & ~hb_host_bit(s) : 0;
	if (w->netq_active || w->cfg.loss_ppm > 0)
		memset(w->linkq, 0, sizeof(struct sim_linkq) * HB_MAX_PATHS * HB_MAX_HOSTS * HB_MAX_HOSTS);
	w->netq_active = false;
	w->cfg.loss_ppm = 0;
}

static void quality_set(struct sim_linkq *q, const struct hb_sc_statement *st)
{
	switch (st->kind) {
	case HB_SC_LOSS: q->loss_ppm = st->rate_ppm; break;
	case HB_SC_DUPLICATE: q->dup_ppm = st->rate_ppm; break;
	case HB_SC_DELAY:
		q->delay_us = st->duration_ms * SIM_US_PER_MS;
		q->jitter_us = st->jitter_ms * SIM_US_PER_MS;
		break;
	case HB_SC_REPLAY: q->replay_us = st->duration_ms * SIM_US_PER_MS; break;
	default: assert(0 && "not a link quality statement");
	}
}

/* The links named by st: every link, every link to and from st->host, or
 * st->host -> st->host2; on one path or all. */
void sim_net_quality(struct sim_world *w, const struct hb_sc_statement *st)
{
	unsigned n = w->cfg.n_hosts;
	for (unsigned p = 0; p < w->cfg.n_paths; p++) {
		if (st->path >= 0 && (unsigned)st->path != p)
			continue;
		for (unsigned a = 0; a < n; a++)
			for (unsigned b = 0; b < n; b++) {
				if (a == b)
					continue;
				bool named = st->host < 0 || (st->host2 >= 0 ? (a == (unsigned)st->host && b == (unsigned)st->host2)
				                                             : (a == (unsigned)st->host || b == (unsigned)st->host));
				if (named)
					quality_set(&w->linkq[p][a][b], st);
			}
	}
	w->netq_active = true;
}

/* For the minimal-fencing oracle: what the survival rules can make of a
 * link. Good when some path is up with little loss and delay; cut when
 * every path is down or loses everything; flaky in between (lossy or slow
 * enough that whether the rules see it depends on chance). */
enum sim_link_state sim_net_link_state(const struct sim_world *w, unsigned from, unsigned to)
{
	const struct hb_timing *t = &w->cfg.timing;
	bool flaky = false;
	for (unsigned p = 0; p < w->cfg.n_paths; p++) {
		if (!sim_net_up(w, p, from, to))
			continue;
		if (!w->netq_active)
			return SIM_LINK_GOOD;
		const struct sim_linkq *q = &w->linkq[p][from][to];
		if (q->loss_ppm >= 1000000u)
			continue;
		bool slow = 4 * (q->delay_us + q->jitter_us) + 2 * (int64_t)t->p.hb_interval_ms * SIM_US_PER_MS >
		            (int64_t)t->p.hb_timeout_ms * SIM_US_PER_MS;
		if (q->loss_ppm < SIM_BAD_LOSS_PPM && !slow)
			return SIM_LINK_GOOD;
		flaky = true;
	}
	return flaky ? SIM_LINK_FLAKY : SIM_LINK_CUT;
}

void sim_net_isolate(struct sim_world *w, unsigned h)
{
	for (unsigned p = 0; p < HB_MAX_PATHS; p++) {
		w->link[p][h] = 0;
		for (unsigned s = 0; s < HB_MAX_HOSTS; s++)
			w->link[p][s] &= ~hb_host_bit(h);
	}
}

/* Only links inside a group stay up; hosts in no group are isolated. */
void sim_net_partition(struct sim_world *w, const hb_hostmap *groups, unsigned n_groups)
{
	for (unsigned s = 0; s < w->cfg.n_hosts; s++) {
		hb_hostmap mine = 0;
		for (unsigned g = 0; g < n_groups; g++)
			if (groups[g] & hb_host_bit(s))
				mine = groups[g];
		for (unsigned p = 0; p < HB_MAX_PATHS; p++)
			w->link[p][s] &= mine;
	}
}

void sim_net_cut(struct sim_world *w, unsigned from, unsigned to)
{
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		w->link[p][from] &= ~hb_host_bit(to);
}

bool sim_net_up(const struct sim_world *w, unsigned path, unsigned from, unsigned to)
{
	return (w->link[path][from] & hb_host_bit(to)) != 0;
}

/* UINT32_MAX when the pool is exhausted: the packet is dropped (counted). */
static uint32_t pkt_alloc(struct sim_world *w)
{
	uint32_t slot = w->pkt_free;
	if (slot == UINT32_MAX) {
		w->pkts_dropped++;
		return slot;
	}
	w->pkt_free = w->pkts[slot].next_free;
	w->pkts[slot].refs = 0;
	return slot;
}

static void pkt_free(struct sim_world *w, uint32_t slot)
{
	w->pkts[slot].next_free = w->pkt_free;
	w->pkt_free = slot;
}

/* A slot holding pkt as sent on path p (encoded when the world checks the
 * wire), or UINT32_MAX when the pool is exhausted (pkt_alloc). */
static uint32_t pkt_on_path(struct sim_world *w, const struct hb_packet *pkt, unsigned p)
{
	uint32_t slot = pkt_alloc(w);
	if (slot == UINT32_MAX)
		return slot;
	struct sim_pkt *sp = &w->pkts[slot];
	sp->pkt = *pkt;
	sp->pkt.path = (uint8_t)p;
	sp->path = (uint8_t)p;
	if (w->cfg.wire)
		hb_packet_encode(&sp->pkt, &w->wire_pool, sp->wire);
	return slot;
}

const struct hb_packet *sim_pkt_get(struct sim_world *w, uint32_t slot, unsigned *path, struct hb_packet *tmp)
{
	assert(slot < SIM_PKTCAP && w->pkts[slot].refs > 0);
	const struct sim_pkt *sp = &w->pkts[slot];
	*path = sp->path;
	if (!w->cfg.wire)
		return &sp->pkt;
	enum hb_reject r = hb_packet_decode(sp->wire, HB_PACKET_SIZE, &w->wire_pool, tmp);
	if (r != HB_REJECT_NONE) {
		sim_violation(w, CK_WIRE, "a packet encoded by host %u was rejected by the decoder: %s",
		              sp->pkt.sender_index, hb_reject_name(r));
		return NULL;
	}
	return tmp;
}

void sim_pkt_put(struct sim_world *w, uint32_t slot)
{
	assert(slot < SIM_PKTCAP && w->pkts[slot].refs > 0);
	if (--w->pkts[slot].refs == 0)
		pkt_free(w, slot);
}

/* replay: delivered to whatever incarnation of d runs then (b = 1). */
static void deliver_at(struct sim_world *w, struct sim_pkt *sp, uint32_t slot, unsigned d, int64_t delay, bool replay)
{
	sp->refs++;
	sim_q_push(w, w->now_us + delay, EV_PACKET, (int)d, slot, replay);
}

/* Send one packet to every peer on every path whose link is up. A receiver
 * that is down, or not running an agent, gets nothing (an incarnation that
 * starts later must not receive packets sent before it existed... except by
 * a replay, which is delivered whatever the receiver's incarnation). */
void sim_net_send(struct sim_world *w, struct sim_host *h, const struct hb_packet *pkt)
{
	if (w->trace.verbose)
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, sim_local_ms(h, w->now_us), TK_SEND, (int64_t)pkt->sequence, 0);
	h->last_pkt = *pkt;
	h->sent_any = true;
	for (unsigned p = 0; p < w->cfg.n_paths; p++) {
		uint32_t slot = pkt_on_path(w, pkt, p);
		if (slot == UINT32_MAX)
			return;
		struct sim_pkt *sp = &w->pkts[slot];
		for (unsigned d = 0; d < w->cfg.n_hosts; d++) {
			if (d == h->idx || !sim_net_up(w, p, h->idx, d))
				continue;
			const struct sim_linkq *q = w->netq_active ? &w->linkq[p][h->idx][d] : NULL;
			int64_t base = sim_rng_range(&w->rng, SIM_LINK_MIN_US, SIM_LINK_MAX_US);
			if (q != NULL && q->replay_us > 0)
				deliver_at(w, sp, slot, d, base + q->replay_us + sim_sched_delay(w), true);
			if (w->hosts[d].state != HS_RUNNING)
				continue;
			if (w->cfg.loss_ppm > 0 && sim_rng_chance(&w->rng, w->cfg.loss_ppm))
				continue;
			if (q != NULL && q->loss_ppm > 0 && sim_rng_chance(&w->rng, q->loss_ppm))
				continue;
			if (q != NULL)
				base += q->delay_us + (q->jitter_us > 0 ? sim_rng_range(&w->rng, 0, q->jitter_us) : 0);
			deliver_at(w, sp, slot, d, base + sim_sched_delay(w), false);
			if (q != NULL && q->dup_ppm > 0 && sim_rng_chance(&w->rng, q->dup_ppm))
				deliver_at(w, sp, slot, d,
				           base + (q->jitter_us > 0 ? sim_rng_range(&w->rng, 0, q->jitter_us) : 0) + sim_sched_delay(w),
				           false);
		}
		if (sp->refs == 0)
			pkt_free(w, slot);
	}
}

void sim_net_inject(struct sim_world *w, const struct hb_packet *pkt, int to)
{
	for (unsigned p = 0; p < w->cfg.n_paths; p++) {
		uint32_t slot = pkt_on_path(w, pkt, p);
		if (slot == UINT32_MAX)
			return;
		struct sim_pkt *sp = &w->pkts[slot];
		for (unsigned d = 0; d < w->cfg.n_hosts; d++) {
			if (d == pkt->sender_index || (to >= 0 && (unsigned)to != d) || w->hosts[d].state != HS_RUNNING)
				continue;
			deliver_at(w, sp, slot, d, sim_rng_range(&w->rng, SIM_LINK_MIN_US, SIM_LINK_MAX_US) + sim_sched_delay(w),
			           false);
		}
		if (sp->refs == 0)
			pkt_free(w, slot);
	}
}

/* ---- statefile ------------------------------------------------------ */

static struct sim_block *store_block(struct sim_world *w, enum sim_io_kind kind, unsigned idx)
{
	return kind == SIO_GLOBAL ? &w->store->global : &w->store->slot[idx];
}

static struct hb_sf_pool store_pool(const struct sim_world *w)
{
	return (struct hb_sf_pool){.generation = &w->generation, .n_hosts = w->cfg.n_hosts, .host_uuids = w->uuids};
}

void sim_store_init(struct sim_world *w)
{
	struct sim_store *st = w->store;
	for (unsigned i = 0; i < w->cfg.n_hosts; i++) {
		struct hb_slot s;
		hb_slot_init_fresh(&s, &w->generation, &w->uuids[i], i, w->cfg.n_hosts);
		hb_slot_encode(&s, st->slot[i].bytes);
		st->slot[i].version = 1;
		st->slot[i].dec_version = 0;
	}
	struct hb_global g = {
		.generation = w->generation,
		.pool_state = HB_POOL_INIT,
		.n_hosts = w->cfg.n_hosts,
		.sequence = 1,
		.writer = 0xff,
	};
	hb_global_encode(&g, st->global.bytes);
	st->global.version = 1;
	st->global.dec_version = 0;
}

const struct hb_slot *sim_store_slot(struct sim_world *w, unsigned idx, enum hb_reject *rej)
{
	struct sim_block *b = &w->store->slot[idx];
	if (b->dec_version != b->version) {
		struct hb_sf_pool pool = store_pool(w);
		b->rej = hb_slot_decode(b->bytes, idx, &pool, &w->store->slot_dec[idx]);
		b->dec_version = b->version;
	}
	*rej = b->rej;
	return &w->store->slot_dec[idx];
}

void sim_store_forge_slot(struct sim_world *w, unsigned idx, const struct hb_slot *s)
{
	struct sim_block *b = &w->store->slot[idx];
	hb_slot_encode(s, b->bytes);
	b->version++;
}

static const struct hb_global *store_global(struct sim_world *w, enum hb_reject *rej)
{
	struct sim_block *b = &w->store->global;
	if (b->dec_version != b->version) {
		struct hb_sf_pool pool = store_pool(w);
		b->rej = hb_global_decode(b->bytes, &pool, &w->store->global_dec);
		b->dec_version = b->version;
	}
	*rej = b->rej;
	return &w->store->global_dec;
}

/* The completion lands latency_us from now plus the agent's scheduling
 * delay (rarely up to 200 ms, the whole I/O deadline when T2 is under a
 * second). An I/O that ends up taking over half its deadline, whatever the
 * cause, may cost its host the statefile as slow storage would: the host
 * is touched (minimal-fencing oracle), as storage_maybe does for a slow
 * fault. */
static void io_schedule(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind, int64_t latency_us)
{
	int64_t t = w->now_us + latency_us + sim_sched_delay(w);
	h->io[kind].done_us = t;
	sim_q_push(w, t, EV_IO_DONE, (int)h->idx, kind, h->io[kind].token);
	if (2 * (t - h->io[kind].submit_us) > (int64_t)w->cfg.timing.sf_io_timeout_ms * SIM_US_PER_MS)
		sim_check_touch(w, h->idx);
}

void sim_io_submit(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind, const void *rec)
{
	static const char *const names[SIO_COUNT] = {"read", "slot write", "global write"};
	struct sim_io *io = &h->io[kind];
	if (io->busy) {
		sim_violation(w, CK_IO, "host %u asked for a %s while one was still in flight", h->idx, names[kind]);
		return;
	}
	uint32_t token = io->token + 1;
	memset(io, 0, offsetof(struct sim_io, block));
	io->busy = true;
	io->token = token;
	io->submit_local = sim_local_ms(h, w->now_us);
	io->submit_us = w->now_us;
	if (kind == SIO_SLOT) {
		hb_slot_encode(rec, io->block);
		io->torn = h->torn_next;
		h->torn_next = false;
	} else if (kind == SIO_GLOBAL) {
		hb_global_encode(rec, io->block);
	}
	switch (h->sf_fault) {
	case SF_FAIL: io->err = -EIO; io_schedule(w, h, kind, sim_rng_range(&w->rng, 200, 2000)); break;
	case SF_HANG: io->hung = true; io->done_us = SIM_NEVER; break;
	case SF_SLOW: io_schedule(w, h, kind, sim_rng_range(&w->rng, SIM_IO_MIN_US, SIM_IO_MAX_US) + h->sf_slow_us); break;
	case SF_OK: io_schedule(w, h, kind, sim_rng_range(&w->rng, SIM_IO_MIN_US, SIM_IO_MAX_US)); break;
	}
	hb_mono_ms deadline = io->submit_local + (hb_mono_ms)w->cfg.timing.sf_io_timeout_ms;
	sim_q_push(w, sim_global_at(h, deadline, w->now_us), EV_OVERDUE, (int)h->idx, kind, token);
}

static void io_land(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind)
{
	struct sim_io *io = &h->io[kind];
	if (kind == SIO_READ || io->err != 0)
		return;
	struct sim_block *b = store_block(w, kind, h->idx);
	if (io->torn) {
		memcpy(b->bytes, io->block, SIM_TORN_BYTES);
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, sim_local_ms(h, w->now_us), TK_TORN, 0, 0);
		/* a write that never confirms: a few in a row cost the host its
		 * access, as failing storage would (minimal-fencing oracle) */
		sim_check_touch(w, h->idx);
	} else {
		memcpy(b->bytes, io->block, HB_SF_BLOCK_SIZE);
	}
	b->version++;
}

static void read_fill(struct sim_world *w, const struct sim_io *io)
{
	struct hb_sf_read *r = w->readbuf;
	unsigned n = w->cfg.n_hosts;
	r->submitted_at = io->submit_local;
	r->global_err = io->err;
	r->global_reject = HB_REJECT_NONE;
	memset(&r->global, 0, sizeof r->global);
	if (io->err == 0)
		r->global = *store_global(w, &r->global_reject);
	for (unsigned i = 0; i < n; i++) {
		r->slot_err[i] = io->err;
		r->slot_reject[i] = HB_REJECT_NONE;
		if (io->err == 0)
			r->slots[i] = *sim_store_slot(w, i, &r->slot_reject[i]);
		else
			memset(&r->slots[i], 0, sizeof r->slots[i]);
	}
}

/* Deliver a read batch; (e): note whose slot the core saw advance (that
 * incarnation was heard) and whether my own write was confirmed. */
static void read_deliver(struct sim_world *w, struct sim_host *h, hb_mono_ms now)
{
	unsigned n = w->cfg.n_hosts;
	hb_mono_ms seen[HB_MAX_HOSTS];
	for (unsigned k = 0; k < n; k++)
		seen[k] = hb_core_peer_seen_at(h->core, k);
	hb_mono_ms confirmed = hb_core_confirmed_at(h->core);
	hb_core_on_sf_read(h->core, now, w->readbuf);
	for (unsigned k = 0; k < n; k++) {
		struct sim_host *o = &w->hosts[k];
		if (k != h->idx && hb_core_peer_seen_at(h->core, k) != seen[k] && w->readbuf->slot_reject[k] == HB_REJECT_NONE &&
		    w->readbuf->slot_err[k] == 0 && w->readbuf->slots[k].boot_id == o->boot_id && sim_host_alive(o))
			o->heard_us = w->now_us;
	}
	if (hb_core_confirmed_at(h->core) != confirmed && h->last_ok_write_us > h->heard_us)
		h->heard_us = h->last_ok_write_us;
}

static void io_deliver(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind)
{
	struct sim_io *io = &h->io[kind];
	hb_mono_ms now = sim_local_ms(h, w->now_us);
	if (io->overdue)
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, now, TK_IO_LATE, kind, 0);
	if (io->err != 0)
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, now, TK_IO_ERR, kind, io->err);
	else if (w->trace.verbose)
		sim_trace_add(&w->trace, w->now_us, (int)h->idx, now, TK_IO_DONE, kind, 0);
	io->busy = false;
	io->held = false;
	if (kind == SIO_READ) {
		read_fill(w, io);
		if (io->err == 0 && !io->overdue && w->readbuf->slot_err[h->idx] == 0)
			h->last_ok_read_us = w->now_us;
		read_deliver(w, h, now);
	} else {
		if (kind == SIO_SLOT && io->err == 0 && !io->overdue)
			h->last_ok_write_us = io->submit_us;
		hb_core_on_sf_write(h->core, now, kind == SIO_GLOBAL, io->err);
	}
	sim_host_after(w, h, now);
}

/* An I/O of h finished (or was held while frozen and is now delivered). */
void sim_io_complete(struct sim_world *w, struct sim_host *h, enum sim_io_kind kind)
{
	struct sim_io *io = &h->io[kind];
	assert(io->busy);
	if (!io->held)
		io_land(w, h, kind);
	if (h->state != HS_RUNNING && h->state != HS_FENCING) {
		io->busy = false; /* orphaned: nobody reaps it */
		return;
	}
	if (h->frozen) {
		io->held = true;
		return;
	}
	io_deliver(w, h, kind);
}

void sim_io_storage_heal(struct sim_world *w, struct sim_host *h)
{
	h->sf_fault = SF_OK;
	h->sf_bad_since_us = -1;
	h->sf_slow_us = 0;
	for (unsigned k = 0; k < SIO_COUNT; k++) {
		struct sim_io *io = &h->io[k];
		if (io->busy && io->hung) {
			io->hung = false;
			if (sim_host_alive(h))
				io_schedule(w, h, (enum sim_io_kind)k, sim_rng_range(&w->rng, SIM_IO_MIN_US, SIM_IO_MAX_US));
		}
	}
}

/* The host stops: writes already on their way land now, hung ones never. */
void sim_io_host_down(struct sim_world *w, struct sim_host *h)
{
	for (unsigned k = 0; k < SIO_COUNT; k++) {
		struct sim_io *io = &h->io[k];
		if (io->busy && !io->hung && !io->held)
			io_land(w, h, (enum sim_io_kind)k);
		io->busy = false;
		io->held = false;
		io->hung = false;
		io->token++;
	}
}
