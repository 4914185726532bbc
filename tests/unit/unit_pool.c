/*
 * unit_pool.c: the in-memory pool of real cores and its executor
 * (unit_pool.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit_pool.h"

void unit_pool_core_config(const struct unit_pool *p, unsigned i, struct hb_core_config *cfg)
{
	*cfg = (struct hb_core_config){
		.n_hosts = p->n, .self = i, .host_uuids = p->uuids, .generation = p->gen, .n_paths = p->n_paths,
		.timing = p->t, .weight = 1, .boot_id = 100 + i,
	};
	if (p->configure != NULL)
		p->configure(cfg);
}

struct unit_pool *unit_pool_new(const struct unit_pool_opts *o)
{
	struct unit_pool *p = calloc(1, sizeof *p);
	struct hb_timing_params tp;
	assert_non_null(p);
	assert_true(o->n_hosts >= 1 && o->n_hosts <= UNIT_POOL_MAX);
	assert_true(o->n_paths <= HB_MAX_PATHS);
	p->n = o->n_hosts;
	p->n_paths = o->n_paths > 0 ? o->n_paths : 1;
	p->watchdog = o->watchdog;
	p->configure = o->configure;
	assert_int_equal(hb_timing_params_from_T(o->T, &tp, NULL), 0);
	assert_int_equal(hb_timing_derive(&tp, &p->t, NULL), 0);
	p->gen = o->gen;
	memcpy(p->uuids, o->uuids, p->n * sizeof *o->uuids);
	p->global = (struct hb_global){.generation = p->gen, .pool_state = o->pool_state, .n_hosts = p->n, .writer = 0xff};
	p->now = o->start;
	for (unsigned i = 0; i < p->n; i++) {
		hb_slot_init_fresh(&p->slots[i], &p->gen, &p->uuids[i], i, p->n);
		struct hb_core_config cfg;
		unit_pool_core_config(p, i, &cfg);
		p->core[i] = calloc(1, hb_core_size());
		assert_non_null(p->core[i]);
		hb_core_init(p->core[i], &cfg, p->now);
		p->up[i] = true;
		for (unsigned j = 0; j < p->n; j++)
			p->removed_at[i][j] = -1;
	}
	return p;
}

void unit_pool_free(struct unit_pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->core[i]);
	free(p);
}

void unit_pool_restart(struct unit_pool *p, unsigned i, uint64_t boot_id)
{
	struct hb_core_config cfg;
	unit_pool_core_config(p, i, &cfg);
	cfg.boot_id = boot_id;
	hb_core_init(p->core[i], &cfg, p->now);
	p->up[i] = true;
}

static void execute(struct unit_pool *p, unsigned i, const struct hb_core_out *out)
{
	if (out->send) {
		p->last_pkt[i] = out->packet;
		for (unsigned j = 0; j < p->n; j++)
			for (unsigned path = 0; path < p->n_paths && j != i; path++)
				if (p->up[j] && !p->cut_out[i] && !p->cut_out[j]) {
					struct hb_packet pkt = out->packet;
					pkt.path = (uint8_t)path;
					hb_core_on_packet(p->core[j], p->now, &pkt, path);
				}
	}
	bool dead = p->sf_dead[i];
	if (out->write_slot && !dead) {
		p->slots[i] = out->slot;
		hb_core_on_sf_write(p->core[i], p->now, false, 0);
	}
	if (out->write_global && !dead) {
		p->global = out->global;
		p->wrote_global[i] = true;
		hb_core_on_sf_write(p->core[i], p->now, true, 0);
	}
	if (out->read && !dead) {
		memset(&p->read, 0, sizeof p->read);
		p->read.submitted_at = p->now;
		p->read.global = p->global;
		for (unsigned j = 0; j < p->n; j++)
			p->read.slots[j] = p->slots[j];
		hb_core_on_sf_read(p->core[i], p->now, &p->read);
	}
	if (out->fence || out->exit) {
		p->up[i] = false;
		p->fenced[i] = out->fence;
		p->exited[i] = out->exit;
		p->exit_code[i] = out->exit_code;
	}
	/* the watchdog fires W after the deadline once it is armed */
	p->watchdog_fire[i] = out->healthy_until + p->t.p.watchdog_timeout_ms;
}

void unit_pool_step(struct unit_pool *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct hb_core_out out;
		struct hb_core_status *st = &p->status[i];
		if (!p->up[i])
			continue;
		hb_core_poll(p->core[i], p->now, &out);
		execute(p, i, &out);
		hb_core_status(p->core[i], p->now, st);
		if (p->watchdog && st->armed && p->now > p->watchdog_fire[i]) {
			p->up[i] = false, p->fenced[i] = true;
			continue;
		}
		for (unsigned j = 0; j < p->n; j++)
			if (st->phase == HB_PHASE_ONLINE && !(st->liveset & hb_host_bit(j)) && p->removed_at[i][j] < 0 &&
			    i != j)
				p->removed_at[i][j] = p->now;
	}
}

void unit_pool_run_until(struct unit_pool *p, hb_mono_ms until)
{
	for (; p->now <= until; p->now += UNIT_POOL_STEP_MS)
		unit_pool_step(p);
}

void unit_pool_run_for(struct unit_pool *p, hb_mono_ms ms)
{
	for (hb_mono_ms end = p->now + ms; p->now < end; p->now += UNIT_POOL_STEP_MS)
		unit_pool_step(p);
}

struct hb_core_status unit_pool_status(const struct unit_pool *p, unsigned i)
{
	struct hb_core_status st;
	hb_core_status(p->core[i], p->now, &st);
	return st;
}
