/*
 * hb_sftool.h: the offline statefile operations behind `hbctl statefile`
 * (xhad's writestatefile / dumpstatefile): init / format, dump, set-pool-state,
 * set-excluded / clear-excluded.
 *
 * Every operation has a hard deadline and never hangs on a dead device: the
 * device work (open included, which can itself hang on a dead LUN) runs in a
 * forked helper process that reads and writes raw 4 KiB blocks through
 * hb_sfdev and streams them and its status back over a socketpair; this
 * process decodes and decides, and waits with poll() only until the
 * deadline. On timeout the helper is sent SIGKILL and abandoned, not waited
 * for: it may be stuck in uninterruptible sleep (D state) and exits when the
 * device answers or the I/O errors out.
 *
 * Functions return an exit code from hb_exit.h (0 on success) and, when not
 * 0, a sentence in err. They fork: call them from a single-threaded process.
 */
#ifndef HB_SFTOOL_H
#define HB_SFTOOL_H

#include <stdbool.h>
#include <stdint.h>
#include "hb_err.h"
#include "hb_sfdev.h"
#include "hb_slot.h"
#include "hb_types.h"

#define HB_SFTOOL_WRITER 0xffu           /* hb_global.writer for the offline tool */
#define HB_SFTOOL_TIMEOUT_DEFAULT_MS 10000u

struct hb_config;

/* What to operate on: the statefile and the pool it belongs to. */
struct hb_sftool_target {
	const char *path;
	hb_uuid generation;
	unsigned n_hosts;      /* 1..HB_MAX_HOSTS */
	unsigned local_index;  /* the host whose slot set-excluded rewrites */
	hb_uuid host_uuids[HB_MAX_HOSTS]; /* by host index */
	unsigned timeout_ms;   /* whole operation, open included; > 0 */
};

/* Fill a target from a loaded config (path and tables point into cfg). */
void hb_sftool_target_from_config(const struct hb_config *cfg, unsigned timeout_ms, struct hb_sftool_target *out);

/* The device as the helper found it. */
struct hb_sf_devinfo {
	enum hb_sfdev_kind kind;
	unsigned logical_sector;  /* 0 = unknown (regular file) */
	unsigned physical_sector; /* 0 = unknown */
	uint64_t size;
};

enum hb_sf_slot_state {
	HB_SF_SLOT_VALID = 0,   /* decodes; written by an agent (boot_id != 0) */
	HB_SF_SLOT_EMPTY = 1,   /* decodes; never written by an agent (boot_id 0) */
	HB_SF_SLOT_INVALID = 2, /* read, but rejected: see slot_reject */
	HB_SF_SLOT_IOERROR = 3  /* could not be read: see slot_io */
};

/* Everything read back from the statefile, decoded. */
struct hb_sf_dump {
	struct hb_sf_devinfo dev;
	uint64_t required_size;             /* HB_SF_MIN_SIZE(n_hosts) */
	struct hb_sfio_result global_io;
	/* Decoded without the generation and host-count checks, so that a
	 * statefile of another pool still shows its fields; those two checks
	 * are global_generation_ok and global_n_hosts_ok. */
	enum hb_reject global_reject;
	struct hb_global global;
	bool global_generation_ok;
	bool global_n_hosts_ok;
	/* Slots decoded against the configured generation, size and UUIDs. */
	struct hb_sfio_result slot_io[HB_MAX_HOSTS];
	enum hb_reject slot_reject[HB_MAX_HOSTS];
	struct hb_slot slots[HB_MAX_HOSTS];
};

/* Write every host slot fresh (hb_slot_init_fresh), then the global block
 * (INIT, no master, sequence 1, writer HB_SFTOOL_WRITER) last; the global
 * block is invalidated first, so a torn init reads as "global invalid".
 * Creates / extends a regular file; refuses a block device that is too
 * small. Reads everything back into out and verifies it. */
int hb_sftool_init(const struct hb_sftool_target *t, struct hb_sf_dump *out, struct hb_err *err);
/* The same on a statefile that must already exist with room for every
 * configured host (xapi's VDI, `ha_set_pool_state init`): never created or
 * extended, whatever it holds (zeros, random bytes, another generation's
 * pool) is overwritten; a missing or too small one is 8 with a sentence
 * naming its size and the size needed. */
int hb_sftool_format(const struct hb_sftool_target *t, struct hb_sf_dump *out, struct hb_err *err);
/* Read and decode everything. Invalid slots and per-block I/O errors are
 * reported in out, not failures (see hb_sf_dump_io_errors). */
int hb_sftool_dump(const struct hb_sftool_target *t, struct hb_sf_dump *out, struct hb_err *err);
/* Read-modify-write of the global block: pool state, sequence + 1, writer
 * HB_SFTOOL_WRITER. Needs a valid global block of the configured generation
 * (else 9 / 10). out gets the read-back. */
int hb_sftool_set_pool_state(const struct hb_sftool_target *t, enum hb_pool_state state, struct hb_sf_dump *out, struct hb_err *err);
/* Read-modify-write of the local host's slot: set or clear HB_VF_EXCLUDED,
 * sequence + 1. Needs pool state ACTIVE (else 11, as xhad) and a slot that
 * decodes (else 9). For a stopped agent only: a running agent owns its slot. */
int hb_sftool_set_excluded(const struct hb_sftool_target *t, bool excluded, struct hb_sf_dump *out, struct hb_err *err);

enum hb_sf_slot_state hb_sf_dump_slot_state(const struct hb_sf_dump *d, unsigned index);
/* Blocks (global + configured slots) that could not be read. */
unsigned hb_sf_dump_io_errors(const struct hb_sf_dump *d, unsigned n_hosts);
const char *hb_sf_slot_state_name(enum hb_sf_slot_state state);

#endif
