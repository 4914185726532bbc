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
/* A core's clock stays below this (echo tokens keep 48 bits of it). */
#define HB_ECHO_TIME_LIMIT ((hb_mono_ms)1 << 47)

/* The order in which a sender's packets are taken (hb_core.c): the send
 * time of mine it echoes first (a packet generated later echoes a later
 * send of mine, and no replay echoes a send newer than the one it was
 * recorded with), then its incarnation and sequence. A forged packet with
 * a huge sequence or the next boot id is overtaken by the real sender's
 * first packet that echoes my next send: it cannot blind me. */
struct hb_rx_key {
	hb_mono_ms echo;                   /* my send time it echoes, HB_NEVER none */
	uint64_t boot_id;
	uint64_t sequence;
};

/* Claims of a member incarnation that shorten the wait before its removal
 * (a clean stop: none; fencing: its flag bound), by channel. */
enum {
	CLAIM_NET_STOP = 1u << 0,
	CLAIM_NET_FENCE = 1u << 1,
	CLAIM_SLOT_STOP = 1u << 2,
	CLAIM_SLOT_FENCE = 1u << 3,
	CLAIM_NET = CLAIM_NET_STOP | CLAIM_NET_FENCE,
	CLAIM_SLOT = CLAIM_SLOT_STOP | CLAIM_SLOT_FENCE,
	CLAIM_STOP = CLAIM_NET_STOP | CLAIM_SLOT_STOP,
};

/* What this host knows of another host. */
struct hb_peer {
	/* network */
	struct hb_rx_key key_path[HB_MAX_PATHS]; /* newest packet taken, per path */
	struct hb_rx_key key;              /* newest packet taken, any path */
	hb_mono_ms rx_at;                  /* last view adopted: a packet that echoes a recent send of mine */
	hb_mono_ms rx_path_at[HB_MAX_PATHS];
	bool net_valid;
	struct hb_view net;                /* view from its latest adopted packet (of its member incarnation
	                                    * while it is a member) */
	uint64_t net_boot;
	uint64_t echo_token;               /* its sent_at_ms: what I echo back to it */
	hb_mono_ms access_since;           /* it has reported statefile access since */
	/* statefile */
	bool slot_valid;                   /* its slot decoded at some read */
	enum hb_core_slot_read slot_read;  /* how the latest read of its slot went */
	enum hb_reject slot_reject;        /* why it did not decode (HB_CORE_SLOT_CORRUPT) */
	struct hb_slot slot;               /* latest valid slot */
	hb_mono_ms slot_adv_at;            /* its slot last seen advancing (read completion) */
	hb_mono_ms slot_prev_adv_at;       /* ... the time before that */
	hb_mono_ms slot_new_at;            /* its current record was first read (a baseline too) */
	hb_mono_ms slot_same_at;           /* ... and last read again, unchanged */
	hb_mono_ms slot_ok_at;             /* its slot last read without an I/O error (read completion) */
	/* membership: the incarnation in my liveset */
	uint64_t member_boot;              /* 0 = not a member */
	uint64_t removed_boot;             /* last incarnation removed: never admitted again */
	hb_mono_ms member_sign_at;         /* its last sign of life */
	hb_mono_ms net_sign_at;            /* ... on the network (a packet of its member incarnation taken) */
	unsigned claims;                   /* CLAIM_* seen, none contradicted since */
	unsigned slot_online_after_claim;  /* Online slot records read since its heartbeats claimed */
	hb_mono_ms slot_claim_at;          /* first claim seen in its slot, HB_NEVER none */
	hb_mono_ms net_claim_at;           /* ... in its heartbeats */
	uint64_t net_claim_seq;            /* the sequence of that first claiming heartbeat */
	bool slot_claim_on_time;           /* its slot's claim came as a new record at most
	                                    * 2 (t2 + tick) after the record before it */
	unsigned stop_packets;             /* distinct heartbeats claiming a clean stop */
	uint64_t listed_epoch;             /* latest epoch of its liveset that listed me, 0 never */
	uint32_t fence_bound_ms;           /* the largest bounds it advertised */
	uint32_t flag_bound_ms;
	uint32_t hb_timeout_ms, sf_timeout_ms; /* ... and timeouts (T1, T2) */
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
	enum hb_start_wait start_wait;     /* starting: what the last evaluation waits for */
	hb_hostmap start_waiting;          /* ... and the hosts it concerns */
	uint64_t epoch;
	enum hb_pool_state pool_state;     /* NONE until a valid global block is read */
	struct hb_global global;
	enum hb_reject global_reject;
	hb_uuid foreign_generation;        /* the global block's when global_reject is GENERATION */

	/* heartbeats */
	uint64_t packet_seq;
	hb_mono_ms next_send, last_send;
	bool send_asap;
	hb_mono_ms stop_first_send, stop_second_send; /* leaving: my first two Stopped heartbeats */
	hb_mono_ms stop_announce_until;    /* leaving: announce the stop until every member echoed it, or this */

	/* statefile: one write of my slot and one read batch in flight at most */
	uint64_t slot_seq;
	hb_mono_ms next_cycle;
	hb_mono_ms cycle_at;          /* when the last statefile cycle started */
	bool write_busy, write_overdue, read_busy, read_overdue, write_pending;
	hb_mono_ms write_at, read_at;
	uint64_t write_seq;
	struct hb_slot written[2];         /* my last two slot writes: [0] newest (read-back check) */
	uint64_t first_write_seq;          /* my first slot write's sequence, 0 none yet */
	uint64_t stop_write_seq;           /* leaving: my first Stopped slot write, 0 none yet */
	bool stop_written;                 /* ... completed (written or failed) */
	hb_mono_ms written_ok_at;          /* a write of mine last completed, HB_NEVER none */
	bool slot_overwritten;             /* my slot was read back with what I did not write */
	struct hb_slot foreign_slot;       /* ... what it held */
	int dropped_by;                    /* a member whose liveset dropped me after listing me, -1 none */
	hb_mono_ms online_at;              /* I went Online, HB_NEVER not yet */
	uint64_t unconfirmed_seq;          /* written, not yet seen in a read */
	hb_mono_ms unconfirmed_at;         /* its submission time */
	hb_mono_ms confirmed_at;           /* submission of the last write seen in a read */
	bool ever_confirmed;               /* a write of mine was ever seen in a read */
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
	hb_hostmap snap_leaving;           /* ... its candidates that are fencing (not part of the
	                                    * settle: a loser's fence never restarts another's wait) */
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
	hb_mono_ms fence_by;               /* fence then at the latest, last words written or not */
	enum hb_fence_reason fence_reason;
	int exit_code;
	hb_mono_ms exit_deadline;
	struct hb_last_words last_words;
	uint64_t dropped[HB_REJECT_COUNT];
	uint64_t unproven;                 /* heartbeats taken as sign of life only: no recent echo of mine */
	uint64_t claims_contradicted;      /* stop or fencing claims a later Online record contradicted */
	hb_mono_ms hb_gap_min, hb_gap_max, hb_gap_last; /* heartbeat latency, -1 none */

	struct hb_peer peers[HB_MAX_HOSTS];
};

static inline hb_hostmap core_self_bit(const struct hb_core *c) { return hb_host_bit(c->cfg.self); }
/* The send time a token of mine (echoed in a peer's view) stands for, or
 * HB_NEVER when it is not a send of this incarnation (hb_core.c). */
hb_mono_ms core_echo_time(const struct hb_core *c, uint64_t token);
/* A member claims a clean stop that I believe (hb_core_member.c). */
bool core_stop_believed(const struct hb_core *c, unsigned k, hb_mono_ms now);
static inline bool fresh(hb_mono_ms now, hb_mono_ms at, uint32_t window)
{
	return at != HB_NEVER && now - at <= (hb_mono_ms)window;
}

/* hb_core_member.c */
void core_evaluate(struct hb_core *c, hb_mono_ms now);
void core_fence(struct hb_core *c, hb_mono_ms now, enum hb_fence_reason reason, const char *text);
void core_stop(struct hb_core *c, hb_mono_ms now, int exit_code);
/* The earliest moment after which a completed read of mine lets me believe
 * a member's fencing flag that only its slot shows, or HB_NEVER: the
 * statefile cycle is brought forward to it (hb_core.c, poll_statefile). */
hb_mono_ms core_flag_read_at(const struct hb_core *c);
/* The freshest view of k from its current incarnation, or NULL. */
const struct hb_view *core_peer_view(const struct hb_core *c, unsigned k, hb_mono_ms now, uint64_t *boot);

/* hb_core_lock.c */
void core_lock_evaluate(struct hb_core *c, hb_mono_ms now);
void core_lock_reset(struct hb_core *c);

#endif
