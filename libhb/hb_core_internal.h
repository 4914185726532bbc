/*
 * hb_core_internal.h: the state of one host's membership core, shared by
 * the files that implement it: hb_core.c (events, outputs, the published
 * view), hb_core_member.c (proof, survival rules, removal, start and join)
 * and hb_core_lock.c (the master lock). Not part of the library's API.
 */
#ifndef HB_CORE_INTERNAL_H
#define HB_CORE_INTERNAL_H

#include "hb_core.h"

#define HB_NEVER ((hb_mono_ms)-1)

/* What this host knows of another host. */
struct hb_peer {
	/* network: the newest incarnation heard */
	struct hb_wire_last wire_path[HB_MAX_PATHS]; /* replay state per path */
	struct hb_wire_last wire;          /* newest packet adopted, any path */
	hb_mono_ms rx_at;                  /* last accepted packet, any path */
	hb_mono_ms rx_path_at[HB_MAX_PATHS];
	bool net_valid;
	struct hb_view net;                /* view from its latest packet */
	uint64_t net_boot;
	uint64_t echo_token;               /* its sent_at_ms: what I echo back to it */
	hb_mono_ms access_since;           /* it has reported statefile access since */
	/* statefile */
	bool slot_valid;                   /* its slot decoded at some read */
	enum hb_core_slot_read slot_read;  /* how the latest read of its slot went */
	enum hb_reject slot_reject;        /* why it did not decode (HB_CORE_SLOT_CORRUPT) */
	struct hb_slot slot;               /* latest valid slot */
	hb_mono_ms slot_adv_at;            /* its slot last seen advancing (read completion) */
	/* membership: the incarnation in my liveset */
	uint64_t member_boot;              /* 0 = not a member */
	uint64_t removed_boot;             /* last incarnation removed: never admitted again */
	hb_mono_ms member_sign_at;         /* its last sign of life */
	hb_mono_ms fencing_at;             /* it announced it is fencing, HB_NEVER if not */
	bool stopped;                      /* it announced a clean stop */
	uint32_t fence_bound_ms;           /* the largest bounds it advertised */
	uint32_t flag_bound_ms;
};

struct hb_core {
	struct hb_core_config cfg;
	hb_uuid uuids[HB_MAX_HOSTS];
	const struct hb_timing *t;         /* &cfg.timing */
	hb_mono_ms started_at, last_now;

	enum hb_phase phase;
	bool armed, excluded;
	uint16_t weight;
	hb_hostmap liveset, proposed;
	hb_hostmap my_proposals[4];        /* the last first livesets I proposed that include me (forming) */
	hb_mono_ms proposal_since;         /* `proposed` last changed (forming) */
	uint64_t epoch;
	enum hb_pool_state pool_state;     /* NONE until a valid global block is read */
	struct hb_global global;
	enum hb_reject global_reject;

	/* heartbeats */
	uint64_t packet_seq;
	hb_mono_ms next_send, last_send;
	bool send_asap;

	/* statefile: one write of my slot and one read batch in flight at most */
	uint64_t slot_seq;
	hb_mono_ms next_cycle;
	bool write_busy, write_overdue, read_busy, read_overdue, read_pending;
	hb_mono_ms write_at, read_at;
	uint64_t write_seq;
	uint64_t unconfirmed_seq;          /* written, not yet seen in a read */
	hb_mono_ms unconfirmed_at;         /* its submission time */
	hb_mono_ms confirmed_at;           /* submission of the last write seen in a read */
	bool global_wanted, global_busy;
	struct hb_global global_out;
	uint64_t late_completions;

	/* evaluation */
	hb_hostmap hb_heard, hb_heard_path[HB_MAX_PATHS], sf_seen;
	bool sf_access, rule2;
	hb_mono_ms sf_lost_at;             /* access lost at, HB_NEVER while it holds */
	hb_hostmap snap_c;                 /* the rule-1 input last evaluated */
	hb_hostmap snap_adj[HB_MAX_HOSTS];
	uint16_t snap_w[HB_MAX_HOSTS];
	hb_mono_ms snap_since;
	hb_hostmap best;
	hb_mono_ms healthy_until;

	/* master lock */
	bool lock_wanted, lock_request, i_am_master;
	hb_hostmap lock_grant;
	hb_mono_ms lock_asked_at;
	int master_seen;

	/* outcome */
	bool fence, exit, exit_after_write, arm_out, disarm_out;
	bool fencing;                      /* decided to fence; `fence` once the last words are out */
	bool last_words_pending;           /* the last-words write is still to be submitted */
	bool last_words_busy;              /* ... is in flight */
	hb_mono_ms fence_decided_at;
	enum hb_fence_reason fence_reason;
	int exit_code;
	hb_mono_ms exit_deadline;
	struct hb_last_words last_words;
	uint64_t dropped[HB_REJECT_COUNT];
	hb_mono_ms hb_gap_min, hb_gap_max, hb_gap_last; /* heartbeat latency, -1 none */

	struct hb_peer peers[HB_MAX_HOSTS];
};

static inline hb_hostmap core_self_bit(const struct hb_core *c) { return hb_host_bit(c->cfg.self); }
static inline bool fresh(hb_mono_ms now, hb_mono_ms at, uint32_t window)
{
	return at != HB_NEVER && now - at <= (hb_mono_ms)window;
}

/* hb_core_member.c */
void core_evaluate(struct hb_core *c, hb_mono_ms now);
void core_fence(struct hb_core *c, hb_mono_ms now, enum hb_fence_reason reason, const char *text);
void core_stop(struct hb_core *c, hb_mono_ms now, int exit_code);
/* The freshest view of k from its current incarnation, or NULL. */
const struct hb_view *core_peer_view(const struct hb_core *c, unsigned k, hb_mono_ms now, uint64_t *boot);

/* hb_core_lock.c */
void core_lock_evaluate(struct hb_core *c, hb_mono_ms now);
void core_lock_reset(struct hb_core *c);

#endif
