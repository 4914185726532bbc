/*
 * hb_sfdev.c: the statefile device through libaio (see hb_sfdev.h).
 *
 * Owns the open-time checks (O_DIRECT, sector sizes, size), the fixed table
 * of iocbs and aligned buffers, bounded submission (one read batch and one
 * write at most), reaping and the latency counters. libaio returns -errno
 * from io_setup/io_submit/io_getevents instead of setting errno: every call
 * site converts it.
 */
#include "hb_sfdev.h"
#include "hb_clock.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* io_getevents() interrupted by a signal is retried at most this often per
 * hb_sfdev_reap() call. */
#define HB_SFDEV_EINTR_MAX 16u

/* Durations here are CLOCK_MONOTONIC (hb_clock_monotonic_us), not the
 * decision clock: they only measure durations inside this module, the
 * latencies reported to humans (status, xhad's statefile latency) and the
 * bounded wait of hb_sfdev_reap(), and are never compared with a time of the
 * core. The I/O deadlines that decide are kept by the caller on the decision
 * clock. */

const char *hb_sfdev_kind_name(enum hb_sfdev_kind kind)
{
	switch (kind) {
	case HB_SFDEV_FILE: return "regular file";
	case HB_SFDEV_BLOCK: return "block device";
	}
	return "unknown";
}

const char *hb_sfio_status_name(enum hb_sfio_status status)
{
	switch (status) {
	case HB_SFIO_IDLE: return "idle";
	case HB_SFIO_IN_FLIGHT: return "in-flight";
	case HB_SFIO_OK: return "ok";
	case HB_SFIO_ERROR: return "error";
	case HB_SFIO_SHORT: return "short";
	}
	return "unknown";
}

/* ---- open ---------------------------------------------------------------- */

static int open_fd(struct hb_sfdev *dev, const struct hb_sfdev_opts *opts, struct hb_err *err)
{
	const int flags = O_RDWR | O_DIRECT | O_CLOEXEC;
	int fd = open(dev->path, flags);
	if (fd < 0 && errno == ENOENT && opts->create) {
		if (strncmp(dev->path, "/dev/", 5) == 0)
			return hb_err_set(err, "statefile %s does not exist; refusing to create a regular file under /dev", dev->path);
		fd = open(dev->path, flags | O_CREAT | O_EXCL, 0600);
	}
	if (fd < 0) {
		int e = errno;
		if (e == EINVAL)
			return hb_err_set(err, "cannot open statefile %s with O_DIRECT: the filesystem refuses direct I/O (EINVAL, as tmpfs does); use a block device or a filesystem that supports O_DIRECT", dev->path);
		hb_err_set(err, "cannot open statefile %s: %s", dev->path, strerror(e));
		errno = e; /* callers tell a permission refusal from an outage */
		return -1;
	}
	dev->fd = fd;
	return 0;
}

static int probe_block(struct hb_sfdev *dev, struct hb_err *err)
{
	int lss = 0;
	unsigned int pbs = 0;
	uint64_t size = 0;
	if (ioctl(dev->fd, BLKSSZGET, &lss) < 0)
		return hb_err_set(err, "statefile %s: BLKSSZGET (logical sector size) failed: %s", dev->path, strerror(errno));
	if (lss != 512 && lss != 4096)
		return hb_err_set(err, "statefile %s: logical sector size %d bytes is not supported (must be 512 or 4096)", dev->path, lss);
	if (ioctl(dev->fd, BLKPBSZGET, &pbs) < 0)
		pbs = 0; /* unknown: reported as such, not needed for correctness */
	if (ioctl(dev->fd, BLKGETSIZE64, &size) < 0)
		return hb_err_set(err, "statefile %s: BLKGETSIZE64 (device size) failed: %s", dev->path, strerror(errno));
	dev->kind = HB_SFDEV_BLOCK;
	dev->logical_sector = (unsigned)lss;
	dev->physical_sector = pbs;
	dev->size = size;
	return 0;
}

static int probe_file(struct hb_sfdev *dev, const struct stat *st, struct hb_err *err)
{
	dev->kind = HB_SFDEV_FILE;
	dev->size = (uint64_t)st->st_size;
	dev->logical_sector = 0;
	dev->physical_sector = 0;
#ifdef STATX_DIOALIGN
	struct statx sx;
	if (statx(dev->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align != 0) {
		unsigned off = sx.stx_dio_offset_align, mem = sx.stx_dio_mem_align;
		if (off > HB_SF_BLOCK_SIZE || HB_SF_BLOCK_SIZE % off != 0 || mem > HB_SF_BLOCK_SIZE)
			return hb_err_set(err, "statefile %s: direct I/O alignment %u (offset) / %u (memory) bytes is not supported (must divide %u)", dev->path, off, mem, HB_SF_BLOCK_SIZE);
		dev->logical_sector = off;
	}
#endif
	return 0;
}

static int probe_geometry(struct hb_sfdev *dev, struct hb_err *err)
{
	struct stat st;
	if (fstat(dev->fd, &st) < 0)
		return hb_err_set(err, "statefile %s: fstat failed: %s", dev->path, strerror(errno));
	if (S_ISBLK(st.st_mode))
		return probe_block(dev, err);
	if (S_ISREG(st.st_mode))
		return probe_file(dev, &st, err);
	return hb_err_set(err, "statefile %s is neither a block device nor a regular file", dev->path);
}

static int check_size(struct hb_sfdev *dev, const struct hb_sfdev_opts *opts, struct hb_err *err)
{
	const uint64_t need = HB_SF_MIN_SIZE(dev->n_hosts);
	if (dev->size >= need)
		return 0;
	if (dev->kind == HB_SFDEV_FILE && opts->create) {
		if (ftruncate(dev->fd, (off_t)need) < 0)
			return hb_err_set(err, "statefile %s: cannot extend it to %" PRIu64 " bytes: %s", dev->path, need, strerror(errno));
		dev->size = need;
		return 0;
	}
	return hb_err_set(err, "statefile %s is too small: %" PRIu64 " bytes, but %u hosts need at least %" PRIu64 " bytes (%u x (1 + %u))",
		dev->path, dev->size, dev->n_hosts, need, HB_SF_BLOCK_SIZE, dev->n_hosts);
}

static int alloc_buf(uint8_t **out)
{
	void *p = NULL;
	if (posix_memalign(&p, HB_SF_BLOCK_SIZE, HB_SF_BLOCK_SIZE) != 0)
		return -1;
	memset(p, 0, HB_SF_BLOCK_SIZE);
	*out = p;
	return 0;
}

static int alloc_table(struct hb_sfdev *dev, struct hb_err *err)
{
	dev->rd = calloc(dev->n_blocks, sizeof *dev->rd);
	dev->events = calloc(dev->n_blocks + 1u, sizeof *dev->events);
	if (!dev->rd || !dev->events)
		return hb_err_set(err, "statefile %s: out of memory for the I/O table", dev->path);
	for (unsigned b = 0; b < dev->n_blocks; b++) {
		if (alloc_buf(&dev->rd[b].buf) < 0)
			return hb_err_set(err, "statefile %s: out of memory for aligned buffers", dev->path);
	}
	if (alloc_buf(&dev->wr.buf) < 0)
		return hb_err_set(err, "statefile %s: out of memory for aligned buffers", dev->path);
	return 0;
}

static void read_proc_value(const char *file, char *out, size_t len)
{
	snprintf(out, len, "?");
	FILE *f = fopen(file, "re");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static int setup_aio(struct hb_sfdev *dev, const struct hb_sfdev_opts *opts, struct hb_err *err)
{
	if (opts->use_eventfd) {
		dev->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (dev->efd < 0)
			return hb_err_set(err, "statefile %s: eventfd failed: %s", dev->path, strerror(errno));
	}
	const unsigned nr = dev->n_blocks + 1u;
	int rc = io_setup((int)nr, &dev->ctx);
	if (rc == -EAGAIN) {
		char cur[32], max[32];
		read_proc_value("/proc/sys/fs/aio-nr", cur, sizeof cur);
		read_proc_value("/proc/sys/fs/aio-max-nr", max, sizeof max);
		dev->ctx = 0;
		return hb_err_set(err, "statefile %s: io_setup(%u) failed: the system-wide AIO limit is reached (fs.aio-nr %s of fs.aio-max-nr %s); raise it with sysctl -w fs.aio-max-nr=N", dev->path, nr, cur, max);
	}
	if (rc < 0) {
		dev->ctx = 0;
		return hb_err_set(err, "statefile %s: io_setup(%u) failed: %s", dev->path, nr, strerror(-rc));
	}
	return 0;
}

static void stats_reset(struct hb_sfdev_stats *s)
{
	memset(s, 0, sizeof *s);
	s->lat_min_us = UINT64_MAX;
}

void hb_sfdev_reset_latency(struct hb_sfdev *dev)
{
	dev->rd_stats.lat_min_us = dev->wr_stats.lat_min_us = UINT64_MAX;
	dev->rd_stats.lat_max_us = dev->wr_stats.lat_max_us = 0;
}

int hb_sfdev_open(struct hb_sfdev *dev, const char *path, const struct hb_sfdev_opts *opts, struct hb_err *err)
{
	assert(dev && path && opts);
	memset(dev, 0, sizeof *dev);
	dev->fd = -1;
	dev->efd = -1;
	if (opts->n_hosts < 1 || opts->n_hosts > HB_MAX_HOSTS)
		return hb_err_set(err, "statefile %s: %u hosts is out of range 1..%u", path, opts->n_hosts, HB_MAX_HOSTS);
	if (strlen(path) >= sizeof dev->path)
		return hb_err_set(err, "statefile path is too long (%zu bytes)", strlen(path));
	snprintf(dev->path, sizeof dev->path, "%s", path);
	dev->n_hosts = opts->n_hosts;
	dev->n_blocks = 1u + opts->n_hosts;
	stats_reset(&dev->rd_stats);
	stats_reset(&dev->wr_stats);
	if (open_fd(dev, opts, err) < 0 || probe_geometry(dev, err) < 0 || check_size(dev, opts, err) < 0 ||
	    alloc_table(dev, err) < 0 || setup_aio(dev, opts, err) < 0) {
		hb_sfdev_close(dev);
		return -1;
	}
	return 0;
}

void hb_sfdev_close(struct hb_sfdev *dev)
{
	assert(dev);
	if (dev->n_blocks == 0)
		return; /* never opened */
	if (dev->ctx)
		io_destroy(dev->ctx); /* waits for I/O in flight: buffers are free after */
	if (dev->fd >= 0)
		close(dev->fd);
	if (dev->efd >= 0)
		close(dev->efd);
	if (dev->rd) {
		for (unsigned b = 0; b < dev->n_blocks; b++)
			free(dev->rd[b].buf);
	}
	free(dev->rd);
	free(dev->wr.buf);
	free(dev->events);
	memset(dev, 0, sizeof *dev);
	dev->fd = -1;
	dev->efd = -1;
}

int hb_sfdev_eventfd(const struct hb_sfdev *dev)
{
	return dev->efd;
}

/* ---- submission ---------------------------------------------------------- */

static void prep_slot(struct hb_sfdev *dev, struct hb_sfdev_slot *s, unsigned block, bool is_write)
{
	assert(block < dev->n_blocks);
	const long long off = (long long)HB_SF_BLOCK_SIZE * block;
	if (is_write)
		io_prep_pwrite(&s->iocb, dev->fd, s->buf, HB_SF_BLOCK_SIZE, off);
	else
		io_prep_pread(&s->iocb, dev->fd, s->buf, HB_SF_BLOCK_SIZE, off);
	s->iocb.data = s;
	if (dev->efd >= 0)
		io_set_eventfd(&s->iocb, dev->efd);
	s->block = block;
	s->is_write = is_write;
	s->result = (struct hb_sfio_result){.status = HB_SFIO_IN_FLIGHT};
}

static void fail_slot(struct hb_sfdev *dev, struct hb_sfdev_slot *s, int error)
{
	assert(s->result.status == HB_SFIO_IN_FLIGHT);
	s->result.status = HB_SFIO_ERROR;
	s->result.error = error;
	if (s->is_write)
		dev->wr_stats.errors++;
	else
		dev->rd_stats.errors++;
}

/* Submit list[0..n); an iocb the kernel refuses is failed on its own and the
 * rest still submitted. Returns how many were submitted; *last_error gets the
 * errno of the last refusal. At most n io_submit calls. */
static unsigned submit_list(struct hb_sfdev *dev, struct iocb **list, unsigned n, int *last_error)
{
	unsigned i = 0, submitted = 0;
	*last_error = 0;
	while (i < n) {
		int rc = io_submit(dev->ctx, (long)(n - i), list + i);
		if (rc > 0) {
			assert((unsigned)rc <= n - i);
			i += (unsigned)rc;
			submitted += (unsigned)rc;
			continue;
		}
		*last_error = rc < 0 ? -rc : EAGAIN;
		fail_slot(dev, list[i]->data, *last_error);
		i++;
	}
	return submitted;
}

int hb_sfdev_submit_read(struct hb_sfdev *dev, struct hb_err *err)
{
	assert(dev && dev->rd);
	if (dev->rd_pending > 0) {
		dev->rd_stats.busy++;
		return HB_SFDEV_BUSY;
	}
	struct iocb *list[HB_MAX_HOSTS + 1u];
	assert(dev->n_blocks <= HB_MAX_HOSTS + 1u);
	for (unsigned b = 0; b < dev->n_blocks; b++) {
		prep_slot(dev, &dev->rd[b], b, false);
		list[b] = &dev->rd[b].iocb;
	}
	dev->rd_overdue = false;
	dev->rd_start_us = hb_clock_monotonic_us();
	int last_error = 0;
	unsigned n = submit_list(dev, list, dev->n_blocks, &last_error);
	dev->rd_pending = n;
	if (n == 0)
		return hb_err_set(err, "statefile %s: cannot submit the read batch: %s", dev->path, strerror(last_error));
	dev->rd_stats.submitted++;
	return 0;
}

uint8_t *hb_sfdev_write_buf(struct hb_sfdev *dev)
{
	assert(dev && dev->wr.buf);
	return hb_sfdev_write_busy(dev) ? NULL : dev->wr.buf;
}

int hb_sfdev_submit_write(struct hb_sfdev *dev, unsigned block, struct hb_err *err)
{
	assert(dev && dev->wr.buf);
	if (block >= dev->n_blocks)
		return hb_err_set(err, "statefile %s: block %u is beyond the %u blocks", dev->path, block, dev->n_blocks);
	if (hb_sfdev_write_busy(dev)) {
		dev->wr_stats.busy++;
		return HB_SFDEV_BUSY;
	}
	prep_slot(dev, &dev->wr, block, true);
	struct iocb *list[1] = {&dev->wr.iocb};
	dev->wr_overdue = false;
	dev->wr_start_us = hb_clock_monotonic_us();
	int last_error = 0;
	if (submit_list(dev, list, 1, &last_error) == 0)
		return hb_err_set(err, "statefile %s: cannot submit the write of block %u: %s", dev->path, block, strerror(last_error));
	dev->wr_stats.submitted++;
	return 0;
}

/* ---- completion ---------------------------------------------------------- */

static void record_latency(struct hb_sfdev_stats *s, int64_t start_us)
{
	int64_t d = hb_clock_monotonic_us() - start_us;
	uint64_t us = d > 0 ? (uint64_t)d : 0;
	s->lat_last_us = us;
	if (us < s->lat_min_us)
		s->lat_min_us = us;
	if (us > s->lat_max_us)
		s->lat_max_us = us;
	s->completed++;
}

static void complete_event(struct hb_sfdev *dev, const struct io_event *ev)
{
	struct hb_sfdev_slot *s = ev->data;
	assert(s && ev->obj == &s->iocb);
	assert(s->result.status == HB_SFIO_IN_FLIGHT);
	struct hb_sfdev_stats *st = s->is_write ? &dev->wr_stats : &dev->rd_stats;
	const long res = (long)ev->res;
	if (res < 0) {
		s->result.status = HB_SFIO_ERROR;
		s->result.error = (int)-res;
		st->errors++;
	} else if ((unsigned long)res != HB_SF_BLOCK_SIZE) {
		s->result.status = HB_SFIO_SHORT;
		s->result.bytes = (uint32_t)res;
		st->short_ios++;
	} else {
		s->result.status = HB_SFIO_OK;
		s->result.bytes = HB_SF_BLOCK_SIZE;
	}
	s->result.late = s->is_write ? dev->wr_overdue : dev->rd_overdue;
	if (s->result.late)
		st->late++;
	if (s->is_write) {
		record_latency(st, dev->wr_start_us);
		return;
	}
	assert(dev->rd_pending > 0);
	if (--dev->rd_pending == 0)
		record_latency(st, dev->rd_start_us);
}

static unsigned in_flight(const struct hb_sfdev *dev)
{
	return dev->rd_pending + (hb_sfdev_write_busy(dev) ? 1u : 0u);
}

static void drain_eventfd(struct hb_sfdev *dev)
{
	if (dev->efd < 0)
		return;
	uint64_t count;
	/* Non-blocking; EAGAIN = nothing to drain. Drained before reaping so
	 * that a completion after io_getevents() rings it again. */
	if (read(dev->efd, &count, sizeof count) < 0)
		return;
}

int hb_sfdev_reap(struct hb_sfdev *dev, int timeout_ms, struct hb_err *err)
{
	assert(dev && dev->events);
	drain_eventfd(dev);
	const int64_t deadline = hb_clock_monotonic_us() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
	const unsigned budget = dev->n_blocks + 1u + HB_SFDEV_EINTR_MAX;
	int total = 0;
	for (unsigned it = 0; it < budget; it++) {
		const unsigned n = in_flight(dev);
		if (n == 0)
			break;
		int64_t left = deadline - hb_clock_monotonic_us();
		if (left < 0)
			left = 0;
		struct timespec ts = {.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
		int rc = io_getevents(dev->ctx, left > 0 ? 1 : 0, (long)n, dev->events, &ts);
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			return hb_err_set(err, "statefile %s: io_getevents failed: %s", dev->path, strerror(-rc));
		assert((unsigned)rc <= n);
		for (int k = 0; k < rc; k++)
			complete_event(dev, &dev->events[k]);
		total += rc;
		if (rc == 0)
			break; /* timed out, or nothing ready when polling */
	}
	return total;
}

/* ---- state --------------------------------------------------------------- */

bool hb_sfdev_read_busy(const struct hb_sfdev *dev)
{
	return dev->rd_pending > 0;
}

bool hb_sfdev_write_busy(const struct hb_sfdev *dev)
{
	return dev->wr.result.status == HB_SFIO_IN_FLIGHT;
}

void hb_sfdev_read_overdue(struct hb_sfdev *dev)
{
	if (dev->rd_pending > 0 && !dev->rd_overdue) {
		dev->rd_overdue = true;
		dev->rd_stats.overdue++;
	}
}

void hb_sfdev_write_overdue(struct hb_sfdev *dev)
{
	if (hb_sfdev_write_busy(dev) && !dev->wr_overdue) {
		dev->wr_overdue = true;
		dev->wr_stats.overdue++;
	}
}

const struct hb_sfio_result *hb_sfdev_read_result(const struct hb_sfdev *dev, unsigned block)
{
	assert(block < dev->n_blocks);
	return &dev->rd[block].result;
}

const uint8_t *hb_sfdev_read_data(const struct hb_sfdev *dev, unsigned block)
{
	assert(block < dev->n_blocks);
	return dev->rd[block].buf;
}

const struct hb_sfio_result *hb_sfdev_write_result(const struct hb_sfdev *dev)
{
	return &dev->wr.result;
}
