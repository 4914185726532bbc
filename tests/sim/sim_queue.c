/*
 * sim_queue.c: the event queue of hbsim, a binary min-heap ordered by
 * (time, insertion sequence). Equal times keep insertion order, so the order
 * of events never depends on anything but the seed and the script.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_world.h"

static bool ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	if (a->t_us != b->t_us)
		return a->t_us < b->t_us;
	return a->seq < b->seq;
}

static void heap_up(struct sim_ev *heap, size_t i)
{
	struct sim_ev e = heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ev_before(&e, &heap[parent]))
			break;
		heap[i] = heap[parent];
		i = parent;
	}
	heap[i] = e;
}

static void heap_down(struct sim_ev *heap, size_t n, size_t i)
{
	struct sim_ev e = heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ev_before(&heap[c + 1], &heap[c]))
			c++;
		if (!ev_before(&heap[c], &e))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = e;
}

void sim_q_push(struct sim_world *w, int64_t t_us, enum sim_ev_kind kind, int host, int64_t a, int64_t b)
{
	assert(t_us >= w->now_us);
	if (w->heap_n >= SIM_QCAP) {
		/* A table sized far above any run's need: a core flooding the
		 * executor with requests is a bug worth stopping for. */
		fprintf(stderr, "hbsim: event queue full (%u events) at t=%lld us\n", SIM_QCAP, (long long)w->now_us);
		abort();
	}
	struct sim_ev *e = &w->heap[w->heap_n];
	*e = (struct sim_ev){
		.t_us = t_us,
		.seq = w->seq++,
		.a = a,
		.b = b,
		.kind = (uint8_t)kind,
		.host = (uint8_t)(host < 0 ? 0xff : host),
	};
	if (host >= 0)
		e->inc = w->hosts[host].inc;
	heap_up(w->heap, w->heap_n);
	w->heap_n++;
}

bool sim_q_pop(struct sim_world *w, struct sim_ev *out)
{
	if (w->heap_n == 0)
		return false;
	*out = w->heap[0];
	w->heap_n--;
	if (w->heap_n > 0) {
		w->heap[0] = w->heap[w->heap_n];
		heap_down(w->heap, w->heap_n, 0);
	}
	return true;
}
