/*
 * agent_sf.c: the daemon's statefile adapter between the core and hb_sfdev.
 *
 * Owns: submitting the core's requests (a read batch of every block, a write
 * of my slot, a write of the global block) without blocking; the single
 * write buffer of hb_sfdev (a slot write and a global write asked together
 * are serialised: at most one of each waits, in order); reaping completions
 * when the device's eventfd rings, decoding the batch against the pool into
 * one static struct hb_sf_read and handing results to the core; the I/O
 * deadline (timing.sf_io_timeout_ms from the core's request): an I/O past it
 * is declared overdue to the device and the core at once, its buffer stays
 * the kernel's until the late completion is reaped (counted by hb_sfdev);
 * stamping this incarnation's last words with the wall clock before encoding.
 */
#include "agent.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#define SF_NEVER INT64_MAX

int agent_sf_open(struct agent *a, struct hb_err *err)
{
	struct agent_sf *sf = &a->sf;
	memset(sf, 0, sizeof *sf);
	sf->last_read_at = -1;
	struct hb_sfdev_opts o = {.n_hosts = a->cfg.n_hosts, .create = false, .use_eventfd = true};
	if (hb_sfdev_open(&sf->dev, a->cfg.statefile, &o, err) < 0)
		return -1;
	sf->pool = (struct hb_sf_pool){.generation = &a->cfg.generation, .n_hosts = a->cfg.n_hosts, .host_uuids = a->uuids};
	sf->io_timeout_ms = a->timing.sf_io_timeout_ms;
	a->sf_open = true;
	return 0;
}

void agent_sf_close(struct agent *a)
{
	if (!a->sf_open)
		return;
	if (hb_sfdev_read_busy(&a->sf.dev) || hb_sfdev_write_busy(&a->sf.dev)) {
		agent_log(LOG_WARNING, "statefile: I/O still in flight at exit; not waiting for it");
		return;
	}
	hb_sfdev_close(&a->sf.dev);
	a->sf_open = false;
}

static int block_err(const struct hb_sfio_result *r)
{
	switch (r->status) {
	case HB_SFIO_OK: return 0;
	case HB_SFIO_ERROR: return -(r->error != 0 ? r->error : EIO);
	case HB_SFIO_SHORT: return -EIO;
	default: return -EIO; /* idle or in flight: not a result */
	}
}

int agent_sf_first_read(struct agent *a, int timeout_ms, struct hb_slot *mine, struct hb_err *err)
{
	struct hb_sfdev *dev = &a->sf.dev;
	if (hb_sfdev_submit_read(dev, err) != 0)
		return -1;
	hb_mono_ms deadline = hb_clock_now_ms() + timeout_ms;
	while (hb_sfdev_read_busy(dev)) {
		hb_mono_ms left = deadline - hb_clock_now_ms();
		if (left <= 0) {
			hb_sfdev_read_overdue(dev);
			return hb_err_set(err, "statefile %s did not answer a read within %d ms", dev->path, timeout_ms);
		}
		if (hb_sfdev_reap(dev, (int)left, err) < 0)
			return -1;
	}
	unsigned b = 1u + a->cfg.local_index;
	int e = block_err(hb_sfdev_read_result(dev, b));
	if (e != 0)
		return hb_err_set(err, "statefile %s: cannot read my slot (block %u): %s", dev->path, b, strerror(-e));
	enum hb_reject r = hb_slot_decode(hb_sfdev_read_data(dev, b), a->cfg.local_index, &a->sf.pool, mine);
	if (r != HB_REJECT_NONE) {
		agent_log(LOG_WARNING, "statefile: my slot does not decode (%s); starting without a previous incarnation",
		          hb_reject_name(r));
		return 0;
	}
	return 1;
}

static void read_done(struct agent *a);

/* Log the first failure of a streak and the recovery, not every failure. */
static void note_result(struct agent *a, bool is_write, int e, const char *detail)
{
	unsigned *streak = is_write ? &a->sf.wr_fail_streak : &a->sf.rd_fail_streak;
	const char *what = is_write ? "writes" : "reads";
	if (e != 0 && (*streak)++ == 0)
		agent_log(LOG_WARNING, "statefile %s fail: %s%s (logged once until they work again)", what, detail,
		          strerror(-e));
	if (e == 0 && *streak > 0) {
		agent_log(LOG_NOTICE, "statefile %s work again after %u failure(s)", what, *streak);
		*streak = 0;
	}
}

/* ---- submission ---------------------------------------------------------- */

/* Stamp this incarnation's last words with the wall clock, once. */
static void stamp_words(struct agent *a, struct hb_slot *s)
{
	struct hb_last_words *w = &s->last_words;
	if (w->reason == HB_FENCE_NONE || w->boot_id != a->boot_id)
		return;
	if (a->sf.words.reason != HB_FENCE_NONE && a->sf.words.realtime_ms != 0)
		w->realtime_ms = a->sf.words.realtime_ms;
	else if (w->realtime_ms == 0)
		w->realtime_ms = (uint64_t)hb_clock_realtime_ms();
	a->sf.words = *w;
}

static void write_failed(struct agent *a, enum agent_wr_kind kind, int e)
{
	a->sf.submit_errors++;
	note_result(a, true, e, kind == AGENT_WR_SLOT ? "slot write refused at submission: "
	                                              : "global write refused at submission: ");
	hb_core_on_sf_write(a->core, a->now, kind == AGENT_WR_GLOBAL, e);
	a->again = true;
}

/* Put the next waiting write on the device if its buffer is free. Returns
 * true when the submission was refused at once (the buffer is free again). */
static bool submit_one_write(struct agent *a)
{
	struct agent_sf *sf = &a->sf;
	uint8_t *buf = hb_sfdev_write_buf(&sf->dev);
	if (buf == NULL || (!sf->slot_q && !sf->global_q))
		return false;
	enum agent_wr_kind kind = sf->slot_q ? AGENT_WR_SLOT : AGENT_WR_GLOBAL;
	unsigned block = 0;
	if (kind == AGENT_WR_SLOT) {
		stamp_words(a, &sf->slot_out);
		hb_slot_encode(&sf->slot_out, buf);
		block = 1u + a->cfg.local_index;
		sf->wr_at = sf->slot_q_at;
		sf->slot_q = false;
		sf->slot_writes++;
	} else {
		hb_global_encode(&sf->global_out, buf);
		sf->wr_at = sf->global_q_at;
		sf->global_q = false;
		sf->global_writes++;
	}
	struct hb_err err;
	int rc = hb_sfdev_submit_write(&sf->dev, block, &err);
	assert(rc != HB_SFDEV_BUSY);
	if (rc == 0) {
		sf->wr_kind = kind;
		sf->wr_overdue = false;
		return false;
	}
	const struct hb_sfio_result *res = hb_sfdev_write_result(&sf->dev);
	write_failed(a, kind, res->error != 0 ? -res->error : -EIO);
	return true;
}

/* A refused slot write lets the waiting global write try: two at most. */
static void submit_next_write(struct agent *a)
{
	for (unsigned i = 0; i < 2u && submit_one_write(a); i++)
		;
}

static void submit_read(struct agent *a)
{
	struct agent_sf *sf = &a->sf;
	assert(!sf->rd_busy && !hb_sfdev_read_busy(&sf->dev));
	struct hb_err err;
	sf->rd_busy = true;
	sf->rd_overdue = false;
	sf->rd_at = a->now;
	sf->reads++;
	if (hb_sfdev_submit_read(&sf->dev, &err) == 0)
		return;
	/* not a single block submitted: every result is an error, no
	 * completion will come, hand the batch back now */
	sf->submit_errors++;
	if (sf->rd_fail_streak == 0)
		agent_log(LOG_WARNING, "%s", err.msg);
	assert(!hb_sfdev_read_busy(&sf->dev));
	read_done(a);
	a->again = true;
}

void agent_sf_execute(struct agent *a, const struct hb_core_out *out)
{
	struct agent_sf *sf = &a->sf;
	if (out->write_slot) {
		assert(!sf->slot_q && sf->wr_kind != AGENT_WR_SLOT);
		sf->slot_out = out->slot;
		sf->slot_q = true;
		sf->slot_q_at = a->now;
	}
	if (out->write_global) {
		if (sf->global_q || sf->wr_kind == AGENT_WR_GLOBAL)
			agent_log(LOG_WARNING, "statefile: a global write was asked while one is pending; keeping the newest");
		if (sf->wr_kind == AGENT_WR_SLOT || sf->slot_q)
			sf->global_waits++;
		sf->global_out = out->global;
		sf->global_q = true;
		sf->global_q_at = a->now;
	}
	submit_next_write(a);
	if (out->read)
		submit_read(a);
}

/* ---- completion ---------------------------------------------------------- */

static void decode_batch(struct agent *a, struct hb_sf_read *r)
{
	const struct hb_sfdev *dev = &a->sf.dev;
	const struct hb_sf_pool *pool = &a->sf.pool;
	memset(r, 0, sizeof *r);
	r->submitted_at = a->sf.rd_at;
	r->global_err = block_err(hb_sfdev_read_result(dev, 0));
	if (r->global_err == 0)
		r->global_reject = hb_global_decode(hb_sfdev_read_data(dev, 0), pool, &r->global);
	for (unsigned i = 0; i < a->cfg.n_hosts; i++) {
		r->slot_err[i] = block_err(hb_sfdev_read_result(dev, 1u + i));
		if (r->slot_err[i] == 0)
			r->slot_reject[i] = hb_slot_decode(hb_sfdev_read_data(dev, 1u + i), i, pool, &r->slots[i]);
	}
}

static struct hb_sf_read batch; /* large: one, reused, loop thread only */

const struct hb_sf_read *agent_sf_last_read(const struct agent *a)
{
	return a->sf.last_read_at >= 0 ? &batch : NULL;
}

static void read_done(struct agent *a)
{
	struct agent_sf *sf = &a->sf;
	sf->rd_busy = false;
	if (sf->rd_overdue)
		agent_log(LOG_NOTICE, "statefile: a read batch completed late (%lld ms after it was asked)",
		          (long long)(a->now - sf->rd_at));
	decode_batch(a, &batch);
	if (!sf->rd_overdue)
		sf->last_read_at = a->now;
	int e = batch.global_err;
	for (unsigned i = 0; i < a->cfg.n_hosts && e == 0; i++)
		e = batch.slot_err[i];
	note_result(a, false, e, "");
	hb_core_on_sf_read(a->core, a->now, &batch);
}

static void write_done(struct agent *a)
{
	struct agent_sf *sf = &a->sf;
	enum agent_wr_kind kind = sf->wr_kind;
	int e = block_err(hb_sfdev_write_result(&sf->dev));
	sf->wr_kind = AGENT_WR_NONE;
	if (sf->wr_overdue)
		agent_log(LOG_NOTICE, "statefile: a %s write completed late (%lld ms after it was asked)",
		          kind == AGENT_WR_SLOT ? "slot" : "global", (long long)(a->now - sf->wr_at));
	note_result(a, true, e, kind == AGENT_WR_SLOT ? "slot write: " : "global write: ");
	hb_core_on_sf_write(a->core, a->now, kind == AGENT_WR_GLOBAL, e);
}

void agent_sf_on_event(struct agent *a)
{
	struct agent_sf *sf = &a->sf;
	struct hb_err err;
	if (hb_sfdev_reap(&sf->dev, 0, &err) < 0 && sf->reap_errors++ == 0)
		agent_log(LOG_ERR, "%s", err.msg);
	agent_tick(a);
	if (sf->rd_busy && !hb_sfdev_read_busy(&sf->dev))
		read_done(a);
	if (sf->wr_kind != AGENT_WR_NONE && !hb_sfdev_write_busy(&sf->dev)) {
		write_done(a);
		submit_next_write(a);
	}
}

/* ---- deadlines ----------------------------------------------------------- */

static bool past(const struct agent *a, hb_mono_ms at)
{
	return a->now >= at + (hb_mono_ms)a->sf.io_timeout_ms;
}

/* A slot write still waiting for the device when its deadline passes never
 * reached the kernel: drop it and complete it as failed. */
static void drop_queued_slot(struct agent *a)
{
	struct agent_sf *sf = &a->sf;
	sf->slot_q = false;
	sf->dropped_queued++;
	hb_core_on_sf_write(a->core, a->now, false, -ETIMEDOUT);
	a->again = true;
}

void agent_sf_check_overdue(struct agent *a)
{
	struct agent_sf *sf = &a->sf;
	/* Before calling an I/O overdue, take what completed: after a stall of
	 * the whole host (or of this process) longer than the I/O deadline,
	 * the completion waits in the ring and the timer may be dispatched
	 * first; the storage was not late, we were. Only here, on the rare
	 * path, so the steady path makes no extra system call. */
	if ((sf->rd_busy && !sf->rd_overdue && past(a, sf->rd_at)) ||
	    (sf->wr_kind != AGENT_WR_NONE && !sf->wr_overdue && past(a, sf->wr_at)))
		agent_sf_on_event(a);
	if (sf->rd_busy && !sf->rd_overdue && past(a, sf->rd_at)) {
		sf->rd_overdue = true;
		hb_sfdev_read_overdue(&sf->dev);
		agent_log(LOG_WARNING, "statefile: read batch overdue (> %u ms): statefile lost for this host until I/O recovers",
		          sf->io_timeout_ms);
		hb_core_on_sf_overdue(a->core, a->now, HB_SF_IO_READ);
	}
	if (sf->wr_kind != AGENT_WR_NONE && !sf->wr_overdue && past(a, sf->wr_at)) {
		sf->wr_overdue = true;
		hb_sfdev_write_overdue(&sf->dev);
		agent_log(LOG_WARNING, "statefile: %s write overdue (> %u ms): statefile lost for this host until I/O recovers",
		          sf->wr_kind == AGENT_WR_SLOT ? "slot" : "global", sf->io_timeout_ms);
		hb_core_on_sf_overdue(a->core, a->now, HB_SF_IO_WRITE);
	}
	if (sf->slot_q && past(a, sf->slot_q_at)) {
		agent_log(LOG_WARNING, "statefile: slot write waited past its deadline behind a global write; dropped");
		hb_core_on_sf_overdue(a->core, a->now, HB_SF_IO_WRITE);
		drop_queued_slot(a);
	}
}

hb_mono_ms agent_sf_next_deadline(const struct agent *a)
{
	const struct agent_sf *sf = &a->sf;
	hb_mono_ms t = SF_NEVER, d = (hb_mono_ms)sf->io_timeout_ms;
	if (sf->rd_busy && !sf->rd_overdue && sf->rd_at + d < t)
		t = sf->rd_at + d;
	if (sf->wr_kind != AGENT_WR_NONE && !sf->wr_overdue && sf->wr_at + d < t)
		t = sf->wr_at + d;
	if (sf->slot_q && sf->slot_q_at + d < t)
		t = sf->slot_q_at + d;
	return t;
}
