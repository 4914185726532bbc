/*
 * test_sfdev.c: hb_sfdev (libaio statefile device) and hb_sftool (offline
 * operations) on a regular file in a directory that supports O_DIRECT.
 *
 * Covers: open-time size checks and create/extend, a slot write seen by the
 * next read batch, busy refusal while a batch or a write is in flight,
 * per-block results (short reads past a truncated end), latency and late
 * completion counters, and init -> dump -> corrupt one slot -> only that
 * slot invalid, the exit codes of set-pool-state / set-excluded, and the
 * deadline of the offline operations.
 * Skips (77) when no candidate directory accepts O_DIRECT.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hb_exit.h"
#include "hb_sfdev.h"
#include "hb_sftool.h"
#include "hb_slot.h"
#include "hb_uuid.h"
#include "unit_sfdir.h"

static char test_dir[PATH_MAX];
static char test_path[PATH_MAX + 32];

/* ---- fixtures ------------------------------------------------------------ */

static int setup_file(void **state)
{
	(void)state;
	return unit_sfdir_mkfile(test_path, sizeof test_path, test_dir, "hb-sfdev-test");
}

static int teardown_file(void **state)
{
	(void)state;
	unlink(test_path);
	return 0;
}

static void file_resize(off_t size)
{
	assert_int_equal(truncate(test_path, size), 0);
}

static void file_poke(off_t offset, uint8_t byte)
{
	int fd = open(test_path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &byte, 1, offset), 1);
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

/* ---- hb_sfdev ------------------------------------------------------------ */

static void test_open_size_checks(void **state)
{
	(void)state;
	struct hb_sfdev dev;
	struct hb_err err = {{0}};
	struct hb_sfdev_opts o = {.n_hosts = 3};
	file_resize(3 * HB_SF_BLOCK_SIZE);
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), -1);
	assert_non_null(strstr(err.msg, "too small"));
	assert_non_null(strstr(err.msg, "12288"));
	assert_non_null(strstr(err.msg, "16384"));
	o.n_hosts = 2; /* 3 blocks is exactly enough */
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), 0);
	assert_int_equal(dev.kind, HB_SFDEV_FILE);
	assert_int_equal(dev.size, 3 * HB_SF_BLOCK_SIZE);
	assert_int_equal(dev.n_blocks, 3);
	hb_sfdev_close(&dev);
	o = (struct hb_sfdev_opts){.n_hosts = 5, .create = true}; /* extends */
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), 0);
	assert_int_equal(dev.size, HB_SF_MIN_SIZE(5));
	hb_sfdev_close(&dev);
	o.n_hosts = 0;
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), -1);
	o = (struct hb_sfdev_opts){.n_hosts = 1};
	assert_int_equal(hb_sfdev_open(&dev, "/nonexistent/hb-statefile", &o, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	assert_int_equal(hb_sfdev_open(&dev, test_dir, &o, &err), -1);
	hb_sfdev_close(&dev); /* harmless on a failed open */
}

static void fill_pattern(uint8_t *buf, uint8_t seed)
{
	for (unsigned i = 0; i < HB_SF_BLOCK_SIZE; i++)
		buf[i] = (uint8_t)(seed + i * 7u);
}

static void test_write_then_read(void **state)
{
	(void)state;
	struct hb_sfdev dev;
	struct hb_err err = {{0}};
	const struct hb_sfdev_opts o = {.n_hosts = 3, .create = true, .use_eventfd = true};
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), 0);
	assert_true(hb_sfdev_eventfd(&dev) >= 0);
	uint8_t *buf = hb_sfdev_write_buf(&dev);
	assert_non_null(buf);
	assert_int_equal((uintptr_t)buf % HB_SF_BLOCK_SIZE, 0);
	fill_pattern(buf, 42);
	assert_int_equal(hb_sfdev_submit_write(&dev, 2, &err), 0);
	struct pollfd pfd = {.fd = hb_sfdev_eventfd(&dev), .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 5000), 1); /* the eventfd rings */
	assert_int_equal(hb_sfdev_reap(&dev, 5000, &err), 1);
	assert_int_equal(hb_sfdev_write_result(&dev)->status, HB_SFIO_OK);
	assert_int_equal(hb_sfdev_submit_read(&dev, &err), 0);
	assert_int_equal(hb_sfdev_reap(&dev, 5000, &err), 4);
	uint8_t expect[HB_SF_BLOCK_SIZE], zero[HB_SF_BLOCK_SIZE] = {0};
	fill_pattern(expect, 42);
	for (unsigned b = 0; b < dev.n_blocks; b++) {
		assert_int_equal(hb_sfdev_read_result(&dev, b)->status, HB_SFIO_OK);
		assert_memory_equal(hb_sfdev_read_data(&dev, b), b == 2 ? expect : zero, HB_SF_BLOCK_SIZE);
	}
	/* Latency recorded per kind. */
	assert_int_equal(dev.rd_stats.submitted, 1);
	assert_int_equal(dev.rd_stats.completed, 1);
	assert_int_equal(dev.wr_stats.completed, 1);
	assert_true(dev.rd_stats.lat_min_us != UINT64_MAX);
	assert_true(dev.rd_stats.lat_min_us <= dev.rd_stats.lat_last_us);
	assert_true(dev.rd_stats.lat_last_us <= dev.rd_stats.lat_max_us);
	assert_int_equal(dev.rd_stats.errors, 0);
	hb_sfdev_close(&dev);
}

static void test_busy(void **state)
{
	(void)state;
	struct hb_sfdev dev;
	struct hb_err err = {{0}};
	const struct hb_sfdev_opts o = {.n_hosts = 4, .create = true};
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), 0);
	assert_int_equal(hb_sfdev_submit_read(&dev, &err), 0);
	assert_true(hb_sfdev_read_busy(&dev));
	/* The batch is not reaped yet: its buffers still belong to the kernel. */
	assert_int_equal(hb_sfdev_submit_read(&dev, &err), HB_SFDEV_BUSY);
	assert_int_equal(dev.rd_stats.busy, 1);
	/* One write may be in flight beside it, not two. */
	assert_non_null(hb_sfdev_write_buf(&dev));
	assert_int_equal(hb_sfdev_submit_write(&dev, 0, &err), 0);
	assert_null(hb_sfdev_write_buf(&dev));
	assert_int_equal(hb_sfdev_submit_write(&dev, 1, &err), HB_SFDEV_BUSY);
	assert_int_equal(dev.wr_stats.busy, 1);
	assert_int_equal(hb_sfdev_reap(&dev, 5000, &err), 5 + 1);
	assert_false(hb_sfdev_read_busy(&dev));
	assert_false(hb_sfdev_write_busy(&dev));
	assert_int_equal(hb_sfdev_submit_read(&dev, &err), 0);
	assert_int_equal(hb_sfdev_reap(&dev, 5000, &err), 5);
	assert_int_equal(hb_sfdev_submit_write(&dev, 7, &err), -1); /* beyond the blocks */
	hb_sfdev_close(&dev);
}

static void test_per_block_results(void **state)
{
	(void)state;
	struct hb_sfdev dev;
	struct hb_err err = {{0}};
	const struct hb_sfdev_opts o = {.n_hosts = 3, .create = true};
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), 0);
	/* Shrink the file under the open device: block 2 is half there, block 3
	 * is past the end. Each block reports on its own. */
	file_resize(2 * HB_SF_BLOCK_SIZE + HB_SF_BLOCK_SIZE / 2);
	assert_int_equal(hb_sfdev_submit_read(&dev, &err), 0);
	assert_int_equal(hb_sfdev_reap(&dev, 5000, &err), 4);
	assert_int_equal(hb_sfdev_read_result(&dev, 0)->status, HB_SFIO_OK);
	assert_int_equal(hb_sfdev_read_result(&dev, 1)->status, HB_SFIO_OK);
	assert_int_equal(hb_sfdev_read_result(&dev, 2)->status, HB_SFIO_SHORT);
	assert_true(hb_sfdev_read_result(&dev, 2)->bytes < HB_SF_BLOCK_SIZE);
	assert_int_equal(hb_sfdev_read_result(&dev, 3)->status, HB_SFIO_SHORT);
	assert_int_equal(hb_sfdev_read_result(&dev, 3)->bytes, 0);
	assert_int_equal(dev.rd_stats.short_ios, 2);
	hb_sfdev_close(&dev);
}

static void test_overdue_then_late(void **state)
{
	(void)state;
	struct hb_sfdev dev;
	struct hb_err err = {{0}};
	const struct hb_sfdev_opts o = {.n_hosts = 2, .create = true};
	assert_int_equal(hb_sfdev_open(&dev, test_path, &o, &err), 0);
	hb_sfdev_read_overdue(&dev); /* nothing in flight: not counted */
	assert_int_equal(dev.rd_stats.overdue, 0);
	assert_int_equal(hb_sfdev_submit_read(&dev, &err), 0);
	hb_sfdev_read_overdue(&dev);
	hb_sfdev_read_overdue(&dev); /* once per batch */
	assert_int_equal(dev.rd_stats.overdue, 1);
	assert_int_equal(hb_sfdev_reap(&dev, 5000, &err), 3);
	for (unsigned b = 0; b < 3; b++) {
		assert_int_equal(hb_sfdev_read_result(&dev, b)->status, HB_SFIO_OK);
		assert_true(hb_sfdev_read_result(&dev, b)->late);
	}
	assert_int_equal(dev.rd_stats.late, 3);
	assert_int_equal(dev.rd_stats.completed, 1);
	/* The next batch starts on time again. */
	assert_int_equal(hb_sfdev_submit_read(&dev, &err), 0);
	assert_int_equal(hb_sfdev_reap(&dev, 5000, &err), 3);
	assert_false(hb_sfdev_read_result(&dev, 0)->late);
	assert_int_equal(dev.rd_stats.completed, 2);
	/* Polling with nothing in flight reaps nothing. */
	assert_int_equal(hb_sfdev_reap(&dev, 0, &err), 0);
	hb_sfdev_close(&dev);
}

/* ---- hb_sftool ----------------------------------------------------------- */

static void make_target(struct hb_sftool_target *t, unsigned n_hosts, unsigned local)
{
	memset(t, 0, sizeof *t);
	t->path = test_path;
	assert_true(hb_uuid_parse("8a1c1f0e-3b0e-4c3f-9a43-1d2e3f405162", &t->generation));
	t->n_hosts = n_hosts;
	t->local_index = local;
	for (unsigned i = 0; i < n_hosts; i++) {
		memset(t->host_uuids[i].b, 0x11 * (int)(i + 1), 16);
	}
	t->timeout_ms = 10000;
}

static void assert_slots(const struct hb_sf_dump *d, unsigned n, int invalid, enum hb_reject why)
{
	for (unsigned i = 0; i < n; i++) {
		if ((int)i == invalid) {
			assert_int_equal(hb_sf_dump_slot_state(d, i), HB_SF_SLOT_INVALID);
			assert_int_equal(d->slot_reject[i], why);
		} else {
			assert_int_equal(hb_sf_dump_slot_state(d, i), HB_SF_SLOT_EMPTY);
		}
	}
}

static void test_sftool_init_dump_corrupt(void **state)
{
	(void)state;
	static struct hb_sf_dump d;
	struct hb_sftool_target t;
	struct hb_err err = {{0}};
	make_target(&t, 3, 1);
	unlink(test_path); /* init creates it */
	assert_int_equal(hb_sftool_init(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(d.dev.size, HB_SF_MIN_SIZE(3));
	assert_int_equal(hb_sftool_dump(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(d.global_reject, HB_REJECT_NONE);
	assert_true(d.global_generation_ok && d.global_n_hosts_ok);
	assert_int_equal(d.global.pool_state, HB_POOL_INIT);
	assert_int_equal(d.global.sequence, 1);
	assert_int_equal(d.global.writer, HB_SFTOOL_WRITER);
	assert_true(hb_uuid_is_nil(&d.global.master));
	assert_slots(&d, 3, -1, HB_REJECT_NONE);
	assert_int_equal(hb_sf_dump_io_errors(&d, 3), 0);
	/* One flipped byte in slot 2: only that slot is invalid. */
	file_poke((off_t)HB_SF_OFFSET(2) + 100, 0x5a);
	assert_int_equal(hb_sftool_dump(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(d.global_reject, HB_REJECT_NONE);
	assert_slots(&d, 3, 2, HB_REJECT_CRC);
}

static void test_sftool_state_changes(void **state)
{
	(void)state;
	static struct hb_sf_dump d;
	struct hb_sftool_target t;
	struct hb_err err = {{0}};
	make_target(&t, 3, 1);
	assert_int_equal(hb_sftool_init(&t, &d, &err), HB_EXIT_SUCCESS);
	/* set-excluded needs pool state active, as xhad. */
	assert_int_equal(hb_sftool_set_excluded(&t, true, &d, &err), HB_EXIT_INVALID_POOL_STATE);
	assert_int_equal(hb_sftool_set_pool_state(&t, HB_POOL_ACTIVE, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(d.global.pool_state, HB_POOL_ACTIVE);
	assert_int_equal(d.global.sequence, 2);
	assert_int_equal(hb_sftool_set_excluded(&t, true, &d, &err), HB_EXIT_SUCCESS);
	assert_true(d.slots[1].view.flags & HB_VF_EXCLUDED);
	assert_int_equal(d.slots[1].sequence, 1);
	assert_false(d.slots[0].view.flags & HB_VF_EXCLUDED);
	assert_int_equal(hb_sftool_set_excluded(&t, false, &d, &err), HB_EXIT_SUCCESS);
	assert_false(d.slots[1].view.flags & HB_VF_EXCLUDED);
	assert_int_equal(d.slots[1].sequence, 2);
	/* Another generation: 10. */
	struct hb_sftool_target other = t;
	other.generation.b[0] ^= 0xff;
	assert_int_equal(hb_sftool_set_pool_state(&other, HB_POOL_INVALID, &d, &err), HB_EXIT_GENERATION_UUID_MISMATCH);
	assert_non_null(strstr(err.msg, "generation"));
	/* A corrupt local slot: 9, and the others untouched. */
	file_poke((off_t)HB_SF_OFFSET(1) + 8, 0x01);
	assert_int_equal(hb_sftool_set_excluded(&t, true, &d, &err), HB_EXIT_INVALID_STATE_FILE);
	/* A corrupt global block: 9 for set-pool-state; dump still works. */
	file_poke(4, 0x77);
	assert_int_equal(hb_sftool_set_pool_state(&t, HB_POOL_ACTIVE, &d, &err), HB_EXIT_INVALID_STATE_FILE);
	assert_int_equal(hb_sftool_dump(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_int_not_equal(d.global_reject, HB_REJECT_NONE);
	assert_int_equal(hb_sf_dump_slot_state(&d, 0), HB_SF_SLOT_EMPTY);
	assert_int_equal(hb_sf_dump_slot_state(&d, 1), HB_SF_SLOT_INVALID);
	/* init repairs everything. */
	assert_int_equal(hb_sftool_init(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_slots(&d, 3, -1, HB_REJECT_NONE);
}

static void test_sftool_errors(void **state)
{
	(void)state;
	static struct hb_sf_dump d;
	struct hb_sftool_target t;
	struct hb_err err = {{0}};
	make_target(&t, 3, 0);
	t.path = "/nonexistent/hb-statefile";
	assert_int_equal(hb_sftool_dump(&t, &d, &err), HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
	assert_non_null(strstr(err.msg, "No such file"));
	make_target(&t, 3, 0);
	file_resize(HB_SF_BLOCK_SIZE); /* too small, and dump never creates */
	assert_int_equal(hb_sftool_dump(&t, &d, &err), HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
	assert_non_null(strstr(err.msg, "too small"));
	/* A zeroed statefile of the right size: dump works, all invalid. */
	file_resize(0);
	file_resize((off_t)HB_SF_MIN_SIZE(3));
	assert_int_equal(hb_sftool_dump(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(d.global_reject, HB_REJECT_MAGIC);
	assert_int_equal(hb_sftool_set_pool_state(&t, HB_POOL_ACTIVE, &d, &err), HB_EXIT_INVALID_STATE_FILE);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(hb_sf_dump_slot_state(&d, i), HB_SF_SLOT_INVALID);
}

/* format (xapi's ha_set_pool_state init): whatever the statefile holds
 * (zeros, random bytes, another generation's pool) becomes a fresh pool of
 * this generation; a missing or too small statefile is 8 and is never
 * created or extended. */
static void test_sftool_format(void **state)
{
	(void)state;
	static struct hb_sf_dump d;
	struct hb_sftool_target t;
	struct hb_err err = {{0}};
	make_target(&t, 3, 0);
	const off_t size = 266240; /* xapi's minimum statefile VDI */
	/* zeros */
	file_resize(size);
	assert_int_equal(hb_sftool_format(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(d.global.pool_state, HB_POOL_INIT);
	assert_true(d.global_generation_ok);
	assert_slots(&d, 3, -1, HB_REJECT_NONE);
	/* random bytes */
	static uint8_t noise[266240];
	for (size_t i = 0; i < sizeof noise; i++)
		noise[i] = (uint8_t)(i * 131u + 7u + (i >> 9));
	int fd = open(test_path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, noise, sizeof noise, 0), (ssize_t)sizeof noise);
	close(fd);
	assert_int_equal(hb_sftool_dump(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_int_not_equal(d.global_reject, HB_REJECT_NONE);
	assert_int_equal(hb_sftool_format(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_slots(&d, 3, -1, HB_REJECT_NONE);
	/* an earlier generation, pool state invalid, a slot excluded */
	struct hb_sftool_target old = t;
	old.generation.b[0] ^= 0xff;
	assert_int_equal(hb_sftool_set_pool_state(&old, HB_POOL_ACTIVE, &d, &err), HB_EXIT_GENERATION_UUID_MISMATCH);
	assert_int_equal(hb_sftool_format(&old, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(hb_sftool_set_pool_state(&old, HB_POOL_ACTIVE, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(hb_sftool_set_excluded(&old, true, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(hb_sftool_set_pool_state(&old, HB_POOL_INVALID, &d, &err), HB_EXIT_SUCCESS);
	assert_int_equal(hb_sftool_format(&t, &d, &err), HB_EXIT_SUCCESS);
	assert_true(d.global_generation_ok);
	assert_int_equal(d.global.pool_state, HB_POOL_INIT);
	assert_int_equal(d.global.sequence, 1);
	assert_slots(&d, 3, -1, HB_REJECT_NONE);
	assert_false(d.slots[0].view.flags & HB_VF_EXCLUDED);
	struct stat st;
	assert_int_equal(stat(test_path, &st), 0);
	assert_int_equal(st.st_size, size); /* never shrunk or extended */
	/* too small: 8, the size named, nothing written or extended */
	file_resize(0);
	file_resize(HB_SF_BLOCK_SIZE);
	assert_int_equal(hb_sftool_format(&t, &d, &err), HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
	assert_non_null(strstr(err.msg, "too small: 4096 bytes"));
	assert_int_equal(stat(test_path, &st), 0);
	assert_int_equal(st.st_size, HB_SF_BLOCK_SIZE);
	/* missing: 8, not created */
	t.path = "/nonexistent/hb-statefile";
	assert_int_equal(hb_sftool_format(&t, &d, &err), HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
	assert_non_null(strstr(err.msg, "No such file"));
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A deadline too short for the helper: the call returns at once with 8 and
 * the "did not answer" message (or, on a very fast machine, succeeds). The
 * real hang (a device whose I/O never completes) is in test_loopdev.sh. */
static void test_sftool_deadline(void **state)
{
	(void)state;
	static struct hb_sf_dump d;
	struct hb_sftool_target t;
	struct hb_err err = {{0}};
	make_target(&t, 3, 0);
	assert_int_equal(hb_sftool_init(&t, &d, &err), HB_EXIT_SUCCESS);
	t.timeout_ms = 1;
	unsigned timeouts = 0;
	for (unsigned i = 0; i < 5; i++) {
		int64_t start = mono_ms();
		int rc = hb_sftool_dump(&t, &d, &err);
		assert_true(mono_ms() - start < 1000);
		if (rc == HB_EXIT_SUCCESS)
			continue;
		assert_int_equal(rc, HB_EXIT_CAN_NOT_ACCESS_STATEFILE);
		assert_non_null(strstr(err.msg, "did not answer within 1 ms"));
		timeouts++;
	}
	printf("deadline of 1 ms: %u of 5 dumps timed out\n", timeouts);
}

int main(void)
{
	if (!unit_sfdir_find(test_dir, sizeof test_dir, "hb-sfdev-probe"))
		return 77;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_size_checks, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_write_then_read, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_busy, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_per_block_results, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_overdue_then_late, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_sftool_init_dump_corrupt, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_sftool_state_changes, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_sftool_errors, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_sftool_format, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_sftool_deadline, setup_file, teardown_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
