/*
 * hb_partition.c: maximum-weight clique by branch and bound over 64-bit host
 * bitmaps (see hb_partition.h). The graphs are small (<= 64 hosts) and
 * nearly complete in practice (a few broken links), where the weight bound
 * prunes almost everything after the first descent.
 */
#include "hb_partition.h"

#include <assert.h>

struct search {
	const struct hb_partition_input *in;
	hb_hostmap best;
	uint32_t best_weight;
	unsigned expansions;
};

/* Leaving (fencing) hosts weigh nothing and do not count: only the hosts
 * that will live on decide between two cliques. */
static uint32_t set_weight(const struct hb_partition_input *in, hb_hostmap set)
{
	uint32_t w = 0;
	set &= ~in->leaving;
	while (set) {
		unsigned i = (unsigned)__builtin_ctzll(set);
		w += in->weight[i];
		set &= set - 1;
	}
	return w;
}

bool hb_partition_better(const struct hb_partition_input *in, hb_hostmap a, hb_hostmap b)
{
	uint32_t wa = set_weight(in, a), wb = set_weight(in, b);
	if (wa != wb)
		return wa > wb;
	hb_hostmap la = a & ~in->leaving, lb = b & ~in->leaving;
	int na = __builtin_popcountll(la), nb = __builtin_popcountll(lb);
	if (na != nb)
		return na > nb;
	if (la == lb)
		return false;
	/* same size: the smaller sorted index list holds the lowest index where
	 * the two sets differ */
	hb_hostmap diff = la ^ lb;
	return (la & diff & -diff) != 0;
}

static void consider(struct search *s, hb_hostmap r, uint32_t wr)
{
	if (wr < s->best_weight || (r & ~s->in->leaving) == 0)
		return;
	if (s->best == 0 || hb_partition_better(s->in, r, s->best)) {
		s->best = r;
		s->best_weight = wr;
	}
}

/* r: current clique (weight wr); p: vertices adjacent to all of r. */
static void expand(struct search *s, hb_hostmap r, uint32_t wr, hb_hostmap p)
{
	if (++s->expansions > HB_PARTITION_MAX_EXPANSIONS)
		return;
	if (p == 0) {
		consider(s, r, wr);
		return;
	}
	while (p) {
		/* A tie on weight can still win on size or index, so prune only
		 * when strictly lighter. */
		if (wr + set_weight(s->in, p) < s->best_weight)
			return;
		unsigned v = (unsigned)__builtin_ctzll(p);
		hb_hostmap bit = hb_host_bit(v);
		expand(s, r | bit, wr + s->in->weight[v], p & s->in->adj[v] & ~bit);
		p &= ~bit;
		if (s->expansions > HB_PARTITION_MAX_EXPANSIONS)
			return;
	}
}

hb_hostmap hb_partition_best(const struct hb_partition_input *in)
{
	assert(in->n_hosts >= 1 && in->n_hosts <= HB_MAX_HOSTS);
	assert((in->candidates & ~hb_hostmap_all(in->n_hosts)) == 0);
	struct search s = {.in = in};
	/* symmetric adjacency restricted to the candidates */
	struct hb_partition_input sym = *in;
	for (unsigned i = 0; i < in->n_hosts; i++) {
		hb_hostmap row = 0;
		for (unsigned j = 0; j < in->n_hosts; j++)
			if (i != j && (in->adj[i] & hb_host_bit(j)) && (in->adj[j] & hb_host_bit(i)))
				row |= hb_host_bit(j);
		sym.adj[i] = row & in->candidates;
		assert(in->weight[i] >= 1);
	}
	s.in = &sym;
	expand(&s, 0, 0, in->candidates);
	assert((s.best & ~in->candidates) == 0);
	return s.best;
}
