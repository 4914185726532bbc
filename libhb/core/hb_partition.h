/*
 * hb_partition.h: the best partition of survival rule 1, as a pure function.
 *
 * Hosts are vertices; a and b are joined when each lists the other as heard
 * on the network. The best partition is the clique of greatest total weight,
 * then of most hosts, then the one whose sorted index list is smallest
 * (xhad's lowest-index tie-break). Hosts that are leaving (fencing) keep
 * their place as vertices, but weigh nothing and do not count in the
 * comparison: only the hosts that will live on decide; a clique in which
 * every host is leaving never wins. Every host that evaluates the same
 * input gets the same answer.
 */
#ifndef HB_PARTITION_H
#define HB_PARTITION_H

#include <stdint.h>
#include "hb_types.h"

struct hb_partition_input {
	unsigned n_hosts;
	hb_hostmap candidates;            /* vertices */
	hb_hostmap adj[HB_MAX_HOSTS];     /* symmetric, no self loops needed */
	uint16_t weight[HB_MAX_HOSTS];    /* >= 1 */
	hb_hostmap leaving;               /* candidates that are fencing: vertices that
	                                   * weigh nothing */
};

/* Bound on the search (branch-and-bound expansions). Reached only by
 * adversarial graphs; the result is then the best found so far, still the
 * same on every host for the same input. */
#define HB_PARTITION_MAX_EXPANSIONS 200000u

hb_hostmap hb_partition_best(const struct hb_partition_input *in);
/* true when a is strictly better than b under the ordering above */
bool hb_partition_better(const struct hb_partition_input *in, hb_hostmap a, hb_hostmap b);

#endif
