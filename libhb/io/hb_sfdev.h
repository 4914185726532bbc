/*
 * hb_sfdev.h: the statefile device, read and written with libaio.
 *
 * Owns: opening the statefile (block device or regular file) O_DIRECT, its
 * geometry (logical/physical sector size, size) and the checks on it; a fixed
 * table of iocbs and 4 KiB-aligned buffers allocated at open (one per block of
 * a read batch, plus one write buffer); non-blocking submission of a read
 * batch (the global block and every host slot, one iocb per block so one bad
 * sector never blinds the others) and of one block write; reaping with a
 * caller-given timeout; per-block results; latency and error counters.
 *
 * Discipline (docs/statefile.md): at most one read batch and one write in
 * flight; a submission while the previous one of its kind is still in flight
 * is refused with HB_SFDEV_BUSY, never queued; a buffer is never reused or
 * freed before its completion has been reaped; a completion that arrives
 * after the caller declared the I/O overdue is still reaped, counted as late
 * and its data kept. Nothing is allocated after hb_sfdev_open().
 *
 * Block numbering: block 0 is the global block, block 1+i is host i's slot,
 * at byte offset HB_SF_BLOCK_SIZE * block (hb_types.h).
 *
 * Not thread-safe: one owner drives a device.
 */
#ifndef HB_SFDEV_H
#define HB_SFDEV_H

#include <libaio.h>
#include <stdbool.h>
#include <stdint.h>
#include "hb_err.h"
#include "hb_types.h"

#define HB_SF_PATH_MAX 4096

/* Returned by the submit functions when the previous I/O of that kind has
 * not been reaped yet (its buffer still belongs to the kernel). */
#define HB_SFDEV_BUSY 1

enum hb_sfdev_kind {
	HB_SFDEV_FILE = 0,  /* regular file (e.g. on NFS) */
	HB_SFDEV_BLOCK = 1  /* block device (LUN, LV, loop, dm) */
};

enum hb_sfio_status {
	HB_SFIO_IDLE = 0,      /* never submitted */
	HB_SFIO_IN_FLIGHT = 1, /* submitted, completion not reaped yet */
	HB_SFIO_OK = 2,        /* completed, HB_SF_BLOCK_SIZE bytes transferred */
	HB_SFIO_ERROR = 3,     /* submission or completion failed: see error */
	HB_SFIO_SHORT = 4      /* completed with fewer bytes: see bytes */
};

/* The outcome of one block's latest I/O. */
struct hb_sfio_result {
	enum hb_sfio_status status;
	int error;      /* positive errno when HB_SFIO_ERROR */
	uint32_t bytes; /* bytes transferred (OK or SHORT) */
	bool late;      /* completed after the caller declared it overdue */
};

/* Latency of one kind of I/O (read batch: submit to last completion of the
 * batch; write: submit to completion), CLOCK_MONOTONIC, microseconds. */
struct hb_sfdev_stats {
	uint64_t submitted;  /* batches / writes submitted */
	uint64_t completed;  /* batches / writes fully reaped */
	uint64_t errors;     /* blocks that failed (submit or completion) */
	uint64_t short_ios;  /* blocks that transferred fewer bytes */
	uint64_t busy;       /* submissions refused with HB_SFDEV_BUSY */
	uint64_t overdue;    /* times the caller declared one overdue */
	uint64_t late;       /* completions reaped after being declared overdue */
	uint64_t lat_min_us; /* UINT64_MAX until the first completion */
	uint64_t lat_max_us;
	uint64_t lat_last_us;
};

struct hb_sfdev_opts {
	unsigned n_hosts;  /* 1..HB_MAX_HOSTS: blocks = 1 + n_hosts */
	bool create;       /* regular file only: create it if missing and
	                    * extend it to HB_SF_MIN_SIZE(n_hosts) (init) */
	bool use_eventfd;  /* signal completions on an eventfd (event loop) */
};

/* One block of the fixed table. Private to hb_sfdev.c. */
struct hb_sfdev_slot {
	struct iocb iocb;
	uint8_t *buf;      /* HB_SF_BLOCK_SIZE bytes, 4 KiB-aligned */
	unsigned block;    /* block number it was last submitted for */
	bool is_write;
	struct hb_sfio_result result;
};

/* Treat as opaque: use the functions below. Fields are visible so that the
 * daemon can embed it in its fixed tables. */
struct hb_sfdev {
	char path[HB_SF_PATH_MAX];
	int fd;
	int efd;                   /* eventfd, or -1 */
	io_context_t ctx;
	enum hb_sfdev_kind kind;
	unsigned logical_sector;   /* bytes; 0 = unknown (regular file) */
	unsigned physical_sector;  /* bytes; 0 = unknown */
	uint64_t size;             /* bytes */
	unsigned n_hosts;
	unsigned n_blocks;         /* 1 + n_hosts */
	struct hb_sfdev_slot *rd;  /* n_blocks entries, rd[b] reads block b */
	struct hb_sfdev_slot wr;   /* the one write */
	struct io_event *events;   /* n_blocks + 1 */
	unsigned rd_pending;       /* read completions not reaped yet */
	bool rd_overdue, wr_overdue;
	int64_t rd_start_us, wr_start_us;
	struct hb_sfdev_stats rd_stats, wr_stats;
};

/* Open and check the statefile; allocate the table. Returns 0, or -1 with
 * err naming the path and what is wrong (O_DIRECT refused, sector size,
 * size too small, io_setup limits, ...). *dev is zeroed first. */
int hb_sfdev_open(struct hb_sfdev *dev, const char *path, const struct hb_sfdev_opts *opts, struct hb_err *err);
/* Release everything. io_destroy() waits for I/O still in flight, so this
 * can block on a hung device: never call it on a path that must finish
 * quickly (tear down from a process that may block, or at exit). */
void hb_sfdev_close(struct hb_sfdev *dev);

/* The eventfd to poll for completions (POLLIN), or -1. hb_sfdev_reap()
 * drains it. */
int hb_sfdev_eventfd(const struct hb_sfdev *dev);

/* Submit a read of every block (global + slots) without blocking. Returns 0,
 * HB_SFDEV_BUSY when the previous batch is not fully reaped, or -1 with err
 * when not a single block could be submitted (per-block submission errors
 * are also in the results). */
int hb_sfdev_submit_read(struct hb_sfdev *dev, struct hb_err *err);
/* The write buffer to fill before hb_sfdev_submit_write(), or NULL while the
 * previous write is in flight. */
uint8_t *hb_sfdev_write_buf(struct hb_sfdev *dev);
/* Submit the write buffer to `block` (0 = global, 1+i = slot i). Returns 0,
 * HB_SFDEV_BUSY, or -1 with err. */
int hb_sfdev_submit_write(struct hb_sfdev *dev, unsigned block, struct hb_err *err);

/* Reap completions: wait up to timeout_ms (0 = only what is done now) until
 * nothing is in flight. Returns the number of completions reaped (>= 0), or
 * -1 with err on an io_getevents failure. Late completions are counted. */
int hb_sfdev_reap(struct hb_sfdev *dev, int timeout_ms, struct hb_err *err);

/* True while some block of the read batch / the write is in flight. */
bool hb_sfdev_read_busy(const struct hb_sfdev *dev);
bool hb_sfdev_write_busy(const struct hb_sfdev *dev);

/* Declare the read batch / the write overdue (the caller's deadline has
 * passed): counted; its completion, when it comes, is marked late. */
void hb_sfdev_read_overdue(struct hb_sfdev *dev);
void hb_sfdev_write_overdue(struct hb_sfdev *dev);

/* Result and data of block b of the latest read batch. The data is valid
 * only when the result is HB_SFIO_OK (the buffer is not touched by the
 * kernel once reaped, until the next hb_sfdev_submit_read()). */
const struct hb_sfio_result *hb_sfdev_read_result(const struct hb_sfdev *dev, unsigned block);
const uint8_t *hb_sfdev_read_data(const struct hb_sfdev *dev, unsigned block);
/* Result of the latest write. */
const struct hb_sfio_result *hb_sfdev_write_result(const struct hb_sfdev *dev);

const char *hb_sfdev_kind_name(enum hb_sfdev_kind kind);
const char *hb_sfio_status_name(enum hb_sfio_status status);

/* Start a new latency period: min and max forget earlier completions
 * (xhad resets them on each liveset query); lat_last_us and counts stay. */
void hb_sfdev_reset_latency(struct hb_sfdev *dev);

#endif
