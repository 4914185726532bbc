/*
 * hb_types.h: the vocabulary shared by every libhb module.
 *
 * Owns the fixed limits of a pool (hosts, paths), the identifiers (UUIDs,
 * host bitmaps), monotonic time in milliseconds, and the enumerations that
 * appear on the wire and on the statefile (phases, view flags, pool states).
 * Nothing here does I/O.
 */
#ifndef HB_TYPES_H
#define HB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A pool has at most 64 hosts: host sets are 64-bit bitmaps (bit i = host
 * index i), as in xhad. */
#define HB_MAX_HOSTS 64u
/* Heartbeat paths: addresses per host (the first <IPaddress> and up to three
 * more). Path p joins address p of every host. */
#define HB_MAX_PATHS 4u
/* Statefile geometry: a global block then one slot per host, each 4 KiB, at
 * 4 KiB offsets, whatever the device's logical sector size (512 or 4096). */
#define HB_SF_BLOCK_SIZE 4096u
#define HB_SF_OFFSET(slot_index) ((uint64_t)HB_SF_BLOCK_SIZE * (1u + (uint64_t)(slot_index)))
#define HB_SF_MIN_SIZE(n_hosts) ((uint64_t)HB_SF_BLOCK_SIZE * (1u + (uint64_t)(n_hosts)))
/* Last words: the reason a host fenced, kept in its slot across reboots. */
#define HB_LAST_WORDS_MAX 200u

/* Monotonic time in milliseconds on the local host: in the daemon the
 * decision clock of hb_clock.h (CLOCK_MONOTONIC_RAW plus the time spent
 * suspended), in hbsim the host's simulated clock. Never compared across
 * hosts; never wall-clock. */
typedef int64_t hb_mono_ms;

/* Set of hosts: bit i = host index i. */
typedef uint64_t hb_hostmap;

static inline hb_hostmap hb_host_bit(unsigned index) { return (hb_hostmap)1u << index; }
static inline hb_hostmap hb_hostmap_all(unsigned n_hosts)
{
	return n_hosts >= 64u ? ~(hb_hostmap)0 : (hb_host_bit(n_hosts) - 1u);
}

/* Room for the text of any host set with a one-character separator
 * ("0,1,...,63" is 181 characters). */
#define HB_HOSTMAP_TEXT_MAX 200u

/* A 128-bit UUID, stored as its 16 bytes in textual order. The byte order
 * equals the order of the lowercase hex text, so sorting UUIDs by bytes sorts
 * them as xhad's strncmp does (host index = position in that order). */
typedef struct hb_uuid {
	uint8_t b[16];
} hb_uuid;

/* Phase of a host, published in every heartbeat and slot. */
enum hb_phase {
	HB_PHASE_STARTING = 0, /* agent up, looking at the pool */
	HB_PHASE_JOINING = 1,  /* asking the members to admit it */
	HB_PHASE_ONLINE = 2,   /* member of the liveset */
	HB_PHASE_FENCING = 3,  /* lost: fencing itself now */
	HB_PHASE_STOPPED = 4,  /* clean stop (possibly excluded) */
	HB_PHASE_MAX = HB_PHASE_STOPPED
};

/* Flags of a published view (struct hb_view.flags). */
enum hb_view_flag {
	HB_VF_SF_ACCESS = 1u << 0, /* my own writes show up in my reads within T2 */
	HB_VF_FENCING = 1u << 1,   /* I lost and am fencing: gone within my fence-flag bound */
	HB_VF_EXCLUDED = 1u << 2,  /* excluded by a clean shutdown */
	HB_VF_RULE2 = 1u << 3,     /* survival rule 2 (statefile lost by all) in force */
	HB_VF_ARMED = 1u << 4,     /* fencing armed (watchdog armed and fed by deadline) */
	HB_VF_STARTING = 1u << 5,  /* booting, not yet a member */
	HB_VF_JOINING = 1u << 6,   /* asking to join the liveset */
	HB_VF_MASTER = 1u << 7,    /* I hold the master lock (the registers show it, and I took it) */
	HB_VF_ALL = (1u << 8) - 1u
};

/* Pool state, in the statefile's global block. NONE is "not readable". */
enum hb_pool_state {
	HB_POOL_NONE = 0,
	HB_POOL_INIT = 1,
	HB_POOL_ACTIVE = 2,
	HB_POOL_INVALID = 3,
	HB_POOL_STATE_MAX = HB_POOL_INVALID
};

const char *hb_phase_name(enum hb_phase phase);
const char *hb_pool_state_name(enum hb_pool_state state);
/* The name of one view flag ("sf_access", ..., "master"); NULL for a value
 * that is not exactly one known flag. */
const char *hb_view_flag_name(unsigned flag);
/* The one text form of a host set, for logs, last words and the human
 * outputs: the host indexes in ascending order with sep between them
 * ("0,2,5" with sep ","), or empty ("none", "-") when the set is empty.
 * Always NUL-terminated within len; a set that does not fit ends in "...".
 * Returns buf. */
const char *hb_hostmap_format(hb_hostmap set, const char *sep, const char *empty, char *buf, size_t len);
/* "init", "active", "invalid" (any case) -> state; returns false otherwise. */
bool hb_pool_state_parse(const char *text, enum hb_pool_state *out);

#endif
