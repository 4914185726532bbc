/*
 * hbfaultfs: a FUSE pass-through filesystem for ONE backing file, with
 * injectable storage faults. Part of the pool harness (tests/pool/, hbpool):
 * each simulated host reaches the shared statefile through its own hbfaultfs
 * mount and a loop device over MOUNTPOINT/statefile, so one host's storage
 * can fail, hang, slow down or tear a write while the others keep theirs.
 *
 *     hbfaultfs [-f] [-d] [--log=FILE] [-o OPT[,OPT...]] BACKING_FILE MOUNTPOINT
 *
 * Owns: the mount at MOUNTPOINT and its two files, nothing else.
 *   MOUNTPOINT/statefile  pread/pwrite on BACKING_FILE (opened O_RDWR once, at
 *                         start). Opened with direct_io, so the kernel keeps
 *                         no page cache for it: several mounts of the same
 *                         backing file (one per host) stay coherent.
 *   MOUNTPOINT/control    write one line to set the fault mode; read it for
 *                         the mode and the counters ("mode M", then
 *                         "name value" lines).
 * Modes (they apply to read, write and fsync of statefile only):
 *   pass       I/O passes through (the default; "heal" is an alias);
 *   error      every I/O fails with EIO;
 *   hang       every I/O blocks until the mode changes, then completes
 *              according to the new mode (pass: the I/O is done);
 *   slow MS    every I/O is delayed by MS milliseconds, then done (a new
 *              `slow` value applies to delays in progress);
 *   torn SECTOR  the NEXT write of more than SECTOR bytes writes only its
 *              first SECTOR bytes but reports full success; the mode then
 *              returns to pass.
 *
 * Threads: the multithreaded FUSE loop with a high thread limit, so the
 * control file is served while statefile I/O hangs, and the kernel's limit on
 * asynchronous requests (max_background) raised from 12 to 256, so every I/O
 * of a loop device's queue reaches us and is delayed or hung in parallel, as
 * on a real device. A waiting I/O waits on a condition variable (the lock is
 * released while it waits; nothing sleeps or logs holding it) and rechecks
 * every 200 ms whether the process was told to exit (then the I/O fails with
 * EIO, so the loop can join its threads).
 *
 * Start-up: BACKING_FILE and MOUNTPOINT are checked and the mount is made
 * before the process daemonises (unless -f), so a caller can use the mount as
 * soon as hbfaultfs returns. Unmounting (fusermount3 -u, umount) ends the
 * process. So do SIGTERM, SIGINT and SIGHUP, which unmount, except while a
 * loop device still holds MOUNTPOINT/statefile: then the mount is left in
 * place, dead (I/O through it fails), so the loop device's backing path still
 * names it; a lazy unmount would turn that into a bare "/statefile" that no
 * clean-up could trace. --log=FILE appends mode changes and errors to FILE
 * (after daemonising, stderr is /dev/null otherwise).
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SF_NAME "statefile"
#define CTL_NAME "control"

enum fh_kind { FH_STATEFILE = 1, FH_CONTROL = 2 };
enum mode { MODE_PASS = 0, MODE_ERROR, MODE_HANG, MODE_SLOW, MODE_TORN };
enum io_kind { IO_READ, IO_WRITE, IO_FSYNC };

#define SLOW_MAX_MS 3600000L     /* an hour: anything longer is a typo */
#define TORN_MAX 1048576L
#define CTL_WRITE_MAX 256
#define POLL_MS 200              /* how often a waiting I/O checks for exit */
#define MAX_THREADS 1024
#define MAX_BACKGROUND 256

struct counters {
	uint64_t reads, writes, fsyncs;
	uint64_t bytes_read, bytes_written;
	uint64_t failed;          /* I/Os failed by `error` */
	uint64_t hung;            /* I/Os that waited in `hang` */
	uint64_t hanging;         /* ... waiting now */
	uint64_t delayed;         /* I/Os delayed by `slow` */
	uint64_t delaying;        /* ... being delayed now */
	uint64_t torn;            /* writes torn */
	uint64_t backing_errors;  /* pread/pwrite/fdatasync on the backing file failed */
	uint64_t mode_changes;
	uint64_t exit_aborts;     /* waiting I/Os failed because we are exiting */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;   /* the mode changed (CLOCK_MONOTONIC) */
	enum mode mode;
	long slow_ms;
	long torn_sector;
	struct counters c;
} st = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.mode = MODE_PASS,
};

static int backing_fd = -1;
static const char *backing_path;
static char *log_path;
static struct fuse_session *session;
static struct timespec mount_time;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	/* One fprintf per line so concurrent lines do not interleave. */
	char line[512];
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s.%03ld hbfaultfs[%ld]: %s\n", when, ts.tv_nsec / 1000000L,
		(long)getpid(), line);
}

#define NS_PER_MS 1000000LL

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000LL), .tv_nsec = (long)(ns % 1000000000LL) };
	return ts;
}

static bool exiting(void)
{
	return session != NULL && fuse_session_exited(session);
}

/* Describe the current mode as the line that would set it. Lock held. */
static void mode_str(char *buf, size_t len)
{
	switch (st.mode) {
	case MODE_PASS: snprintf(buf, len, "pass"); break;
	case MODE_ERROR: snprintf(buf, len, "error"); break;
	case MODE_HANG: snprintf(buf, len, "hang"); break;
	case MODE_SLOW: snprintf(buf, len, "slow %ld", st.slow_ms); break;
	case MODE_TORN: snprintf(buf, len, "torn %ld", st.torn_sector); break;
	}
}

#define MSG_MAX 160

/* Set the mode and wake every waiting I/O. Lock held: the line for the log
 * goes to msg, to be logged once the lock is released. */
static void set_mode_locked(enum mode m, long arg, const char *why, char *msg)
{
	char old[48], cur[48];

	mode_str(old, sizeof old);
	st.mode = m;
	if (m == MODE_SLOW)
		st.slow_ms = arg;
	if (m == MODE_TORN)
		st.torn_sector = arg;
	st.c.mode_changes++;
	pthread_cond_broadcast(&st.changed);
	mode_str(cur, sizeof cur);
	snprintf(msg, MSG_MAX, "mode %s -> %s (%s)", old, cur, why);
}

/*
 * The fault gate every statefile I/O passes before touching the backing file.
 * Returns 0 to do the I/O (with *tear_to > 0: a write to tear to that many
 * bytes), or -EIO. Never returns with the lock held; waits release it.
 */
static int gate(enum io_kind kind, size_t size, size_t *tear_to)
{
	int64_t slow_from = 0;  /* when this I/O first met `slow` */
	bool hung = false, delayed = false;
	char msg[MSG_MAX] = "";
	int rc = 0;

	*tear_to = 0;
	pthread_mutex_lock(&st.lock);
	for (;;) {
		int64_t wake = now_ns() + POLL_MS * NS_PER_MS;

		if (exiting()) {
			st.c.exit_aborts++;
			rc = -EIO;
			break;
		}
		if (st.mode == MODE_PASS)
			break;
		if (st.mode == MODE_ERROR) {
			st.c.failed++;
			rc = -EIO;
			break;
		}
		if (st.mode == MODE_TORN) {
			if (kind == IO_WRITE && size > (size_t)st.torn_sector) {
				*tear_to = (size_t)st.torn_sector;
				st.c.torn++;
				set_mode_locked(MODE_PASS, 0, "after a torn write", msg);
			}
			break;
		}
		if (st.mode == MODE_SLOW) {
			if (!delayed) {
				delayed = true;
				slow_from = now_ns();
				st.c.delayed++;
			}
			/* The current MS: lowering it shortens waits in progress. */
			int64_t deadline = slow_from + st.slow_ms * NS_PER_MS;
			if (now_ns() >= deadline)
				break;
			if (deadline < wake)
				wake = deadline;
			st.c.delaying++;
			struct timespec ts = ns_to_ts(wake);
			pthread_cond_timedwait(&st.changed, &st.lock, &ts);
			st.c.delaying--;
			continue;
		}
		/* MODE_HANG */
		if (!hung) {
			hung = true;
			st.c.hung++;
		}
		st.c.hanging++;
		struct timespec ts = ns_to_ts(wake);
		pthread_cond_timedwait(&st.changed, &st.lock, &ts);
		st.c.hanging--;
	}
	pthread_mutex_unlock(&st.lock);
	if (msg[0] != '\0')
		logmsg("%s", msg);
	return rc;
}

static void count(uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&st.lock);
	*counter += n;
	pthread_mutex_unlock(&st.lock);
}

static enum fh_kind path_kind(const char *path)
{
	if (path == NULL)
		return 0;
	if (strcmp(path, "/" SF_NAME) == 0)
		return FH_STATEFILE;
	if (strcmp(path, "/" CTL_NAME) == 0)
		return FH_CONTROL;
	return 0;
}

static enum fh_kind file_kind(const char *path, const struct fuse_file_info *fi)
{
	if (fi != NULL && (fi->fh == FH_STATEFILE || fi->fh == FH_CONTROL))
		return (enum fh_kind)fi->fh;
	return path_kind(path);
}

/* ---- control ----------------------------------------------------------- */

static int control_text(char *buf, size_t len)
{
	char m[48];
	struct counters c;

	pthread_mutex_lock(&st.lock);
	mode_str(m, sizeof m);
	c = st.c;
	pthread_mutex_unlock(&st.lock);
	return snprintf(buf, len,
		"mode %s\n"
		"reads %" PRIu64 "\n"
		"writes %" PRIu64 "\n"
		"fsyncs %" PRIu64 "\n"
		"bytes_read %" PRIu64 "\n"
		"bytes_written %" PRIu64 "\n"
		"failed %" PRIu64 "\n"
		"hung %" PRIu64 "\n"
		"hanging %" PRIu64 "\n"
		"delayed %" PRIu64 "\n"
		"delaying %" PRIu64 "\n"
		"torn %" PRIu64 "\n"
		"backing_errors %" PRIu64 "\n"
		"mode_changes %" PRIu64 "\n"
		"exit_aborts %" PRIu64 "\n"
		"backing %s\n",
		m, c.reads, c.writes, c.fsyncs, c.bytes_read, c.bytes_written, c.failed,
		c.hung, c.hanging, c.delayed, c.delaying, c.torn, c.backing_errors,
		c.mode_changes, c.exit_aborts, backing_path);
}

/* Parse a decimal number in [lo, hi]; the whole word must be a number. */
static bool parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (*s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Parse one control line (NUL-terminated, no newline). */
static bool parse_line(char *line, enum mode *m, long *arg)
{
	char *words[3];
	int n = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, " \t\r", &save); w != NULL; w = strtok_r(NULL, " \t\r", &save)) {
		if (n == 3)
			return false;
		words[n++] = w;
	}
	if (n == 0)
		return false;
	*arg = 0;
	if (n == 1 && (strcmp(words[0], "pass") == 0 || strcmp(words[0], "heal") == 0)) {
		*m = MODE_PASS;
		return true;
	}
	if (n == 1 && strcmp(words[0], "error") == 0) {
		*m = MODE_ERROR;
		return true;
	}
	if (n == 1 && strcmp(words[0], "hang") == 0) {
		*m = MODE_HANG;
		return true;
	}
	if (n == 2 && strcmp(words[0], "slow") == 0) {
		*m = MODE_SLOW;
		return parse_num(words[1], 0, SLOW_MAX_MS, arg);
	}
	if (n == 2 && strcmp(words[0], "torn") == 0) {
		*m = MODE_TORN;
		return parse_num(words[1], 1, TORN_MAX, arg);
	}
	return false;
}

static int control_write(const char *buf, size_t size)
{
	char text[CTL_WRITE_MAX + 1];
	enum mode m = MODE_PASS;
	long arg = 0;
	int lines = 0;
	char *save = NULL;

	if (size > CTL_WRITE_MAX) {
		logmsg("control: refused a %zu-byte write (at most %d)", size, CTL_WRITE_MAX);
		return -EINVAL;
	}
	memcpy(text, buf, size);
	text[size] = '\0';
	if (strlen(text) != size) {
		logmsg("control: refused a write containing a NUL byte");
		return -EINVAL;
	}
	/* Every non-empty line must parse; the last one wins. */
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char copy[CTL_WRITE_MAX + 1];
		bool blank = l[strspn(l, " \t\r")] == '\0';

		if (blank)
			continue;
		snprintf(copy, sizeof copy, "%s", l);
		if (!parse_line(copy, &m, &arg)) {
			logmsg("control: refused \"%s\": expected pass, error, hang, slow MS (0..%ld) or "
				"torn SECTOR (1..%ld)", l, SLOW_MAX_MS, TORN_MAX);
			return -EINVAL;
		}
		lines++;
	}
	if (lines == 0) {
		logmsg("control: refused an empty write");
		return -EINVAL;
	}
	char msg[MSG_MAX];
	pthread_mutex_lock(&st.lock);
	set_mode_locked(m, arg, "control", msg);
	pthread_mutex_unlock(&st.lock);
	logmsg("%s", msg);
	return (int)size;
}

/* ---- FUSE operations --------------------------------------------------- */

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* The kernel passes at most max_background asynchronous requests (a
	 * loop device's direct I/O is that) to us at once, 12 by default: a
	 * read batch of 1 + 64 blocks under `slow MS` would then take 6 x MS.
	 * Let a loop device's whole queue (128) through. */
	conn->max_background = MAX_BACKGROUND;
	conn->congestion_threshold = MAX_BACKGROUND * 3 / 4;
	cfg->direct_io = 1;      /* no page cache: mounts of one backing file stay coherent */
	cfg->kernel_cache = 0;
	cfg->nullpath_ok = 1;    /* read/write go by fi->fh: no path lookups, no tree locks */
	cfg->use_ino = 0;
	return NULL;
}

static int fs_getattr(const char *path, struct stat *sb, struct fuse_file_info *fi)
{
	struct stat b;

	memset(sb, 0, sizeof *sb);
	if (fi == NULL && path != NULL && strcmp(path, "/") == 0) {
		sb->st_mode = S_IFDIR | 0755;
		sb->st_nlink = 2;
		sb->st_atim = sb->st_mtim = sb->st_ctim = mount_time;
		return 0;
	}
	switch (file_kind(path, fi)) {
	case FH_STATEFILE:
		if (fstat(backing_fd, &b) != 0) {
			int e = errno;
			logmsg("fstat %s: %s", backing_path, strerror(e));
			return -e;
		}
		sb->st_mode = S_IFREG | 0600;
		sb->st_nlink = 1;
		sb->st_size = b.st_size;
		sb->st_blocks = b.st_blocks;
		sb->st_blksize = 4096;
		sb->st_atim = b.st_atim;
		sb->st_mtim = b.st_mtim;
		sb->st_ctim = b.st_ctim;
		return 0;
	case FH_CONTROL:
		sb->st_mode = S_IFREG | 0600;
		sb->st_nlink = 1;
		sb->st_size = 0;  /* read with direct_io: the size is not consulted */
		sb->st_atim = sb->st_mtim = sb->st_ctim = mount_time;
		return 0;
	}
	return -ENOENT;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (path != NULL && strcmp(path, "/") != 0)
		return -ENOTDIR;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	filler(buf, SF_NAME, NULL, 0, 0);
	filler(buf, CTL_NAME, NULL, 0, 0);
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	enum fh_kind k = path_kind(path);

	if (k == 0)
		return path != NULL && strcmp(path, "/") == 0 ? -EISDIR : -ENOENT;
	fi->fh = k;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	enum fh_kind k = file_kind(path, fi);
	size_t tear;

	if (k == FH_CONTROL) {
		char text[1024 + PATH_MAX];
		int n = control_text(text, sizeof text);

		if (n < 0)
			return -EIO;
		if ((size_t)n >= sizeof text)
			n = (int)sizeof text - 1;
		if (off >= n)
			return 0;
		size_t len = (size_t)n - (size_t)off;
		if (len > size)
			len = size;
		memcpy(buf, text + off, len);
		return (int)len;
	}
	if (k != FH_STATEFILE)
		return -ENOENT;
	count(&st.c.reads, 1);
	int rc = gate(IO_READ, size, &tear);
	if (rc != 0)
		return rc;
	size_t done = 0;
	while (done < size) {
		ssize_t n = pread(backing_fd, buf + done, size - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			count(&st.c.backing_errors, 1);
			logmsg("pread %s (%zu bytes at %lld): %s", backing_path, size, (long long)off, strerror(e));
			if (done > 0)
				break;
			return -e;
		}
		if (n == 0)
			break;  /* end of file */
		done += (size_t)n;
	}
	count(&st.c.bytes_read, done);
	return (int)done;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	enum fh_kind k = file_kind(path, fi);
	size_t tear;

	if (k == FH_CONTROL)
		return control_write(buf, size);
	if (k != FH_STATEFILE)
		return -ENOENT;
	count(&st.c.writes, 1);
	int rc = gate(IO_WRITE, size, &tear);
	if (rc != 0)
		return rc;
	size_t want = tear > 0 ? tear : size;
	size_t done = 0;
	while (done < want) {
		ssize_t n = pwrite(backing_fd, buf + done, want - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			count(&st.c.backing_errors, 1);
			logmsg("pwrite %s (%zu bytes at %lld): %s", backing_path, want, (long long)off, strerror(e));
			if (done > 0)
				break;
			return -e;
		}
		done += (size_t)n;
	}
	count(&st.c.bytes_written, done);
	if (tear > 0) {
		logmsg("tore a %zu-byte write at %lld: wrote its first %zu bytes, reported %zu", size,
			(long long)off, done, size);
		return done == want ? (int)size : (int)done;
	}
	return (int)done;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	size_t tear;

	(void)datasync;
	if (file_kind(path, fi) != FH_STATEFILE)
		return 0;
	count(&st.c.fsyncs, 1);
	int rc = gate(IO_FSYNC, 0, &tear);
	if (rc != 0)
		return rc;
	if (fdatasync(backing_fd) != 0) {
		int e = errno;
		count(&st.c.backing_errors, 1);
		logmsg("fdatasync %s: %s", backing_path, strerror(e));
		return -e;
	}
	return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	switch (file_kind(path, fi)) {
	case FH_CONTROL:
		return 0;  /* `echo hang > control` truncates first */
	case FH_STATEFILE:
		if (ftruncate(backing_fd, size) != 0)
			return -errno;
		return 0;
	}
	return -ENOENT;
}

static int fs_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	return 0;
}

static const struct fuse_operations ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readdir = fs_readdir,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.fsync = fs_fsync,
	.truncate = fs_truncate,
	.flush = fs_flush,
};

/*
 * On a signal, libfuse would detach the mount lazily. While a loop device
 * still has MOUNTPOINT/statefile open, that would leave the loop device backed
 * by a nameless "/statefile" that no cleanup can trace back to its run. So
 * try a plain unmount: done (true), or, when it is busy, leave the mount in
 * place, dead (its connection is aborted when we exit), for the owner to
 * detach its loop devices and then unmount it (true). False: not root or some
 * other failure; let libfuse unmount as usual.
 */
static bool keep_mount_if_busy(const char *mountpoint)
{
	if (umount2(mountpoint, UMOUNT_NOFOLLOW) == 0) {
		logmsg("unmounted %s", mountpoint);
		return true;
	}
	if (errno == EBUSY) {
		logmsg("%s is busy (a loop device over statefile?): left mounted with its connection aborted; "
			"detach the loop devices, then fusermount3 -u %s", mountpoint, mountpoint);
		return true;
	}
	return false;
}

/* ---- command line ------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hbfaultfs [-f] [-d] [--log=FILE] [-o OPT[,OPT...]] BACKING_FILE MOUNTPOINT\n"
		"\n"
		"Mount a pass-through view of BACKING_FILE at MOUNTPOINT/statefile, with\n"
		"faults set by writing one line to MOUNTPOINT/control:\n"
		"  pass | error | hang | slow MS | torn SECTOR\n"
		"Reading MOUNTPOINT/control shows the mode and the counters.\n"
		"\n"
		"  -f            stay in the foreground (default: daemonise once mounted)\n"
		"  -d            FUSE debug output (implies -f)\n"
		"  --log=FILE    append mode changes and errors to FILE\n"
		"  -o OPT        FUSE mount options (e.g. allow_other, auto_unmount)\n"
		"  -h, --help    this text\n");
}

struct cli {
	const char *backing;
	const char *log;
	int help;
	int nonopts;
};

enum { KEY_HELP = 1 };

static const struct fuse_opt cli_opts[] = {
	{ "--log=%s", offsetof(struct cli, log), 0 },
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_END
};

static int cli_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct cli *cli = data;

	(void)outargs;
	if (key == KEY_HELP) {
		cli->help = 1;
		return 0;
	}
	if (key == FUSE_OPT_KEY_NONOPT) {
		cli->nonopts++;
		if (cli->backing == NULL) {
			cli->backing = arg;
			return 0;  /* consumed: the rest (MOUNTPOINT) goes to FUSE */
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts fo;
	struct cli cli = { 0 };
	struct fuse *f = NULL;
	pthread_condattr_t ca;
	char *backing_abs = NULL;
	int ret = 1, loop_rc = -EIO;

	memset(&fo, 0, sizeof fo);
	if (fuse_opt_parse(&args, &cli, cli_opts, cli_proc) != 0) {
		usage(stderr);
		return 2;
	}
	if (cli.help) {
		usage(stdout);
		fuse_opt_free_args(&args);
		return 0;
	}
	if (cli.backing == NULL || cli.nonopts != 2) {
		fprintf(stderr, "hbfaultfs: need exactly BACKING_FILE and MOUNTPOINT\n");
		usage(stderr);
		fuse_opt_free_args(&args);
		return 2;
	}
	if (fuse_parse_cmdline(&args, &fo) != 0 || fo.mountpoint == NULL) {
		fprintf(stderr, "hbfaultfs: bad arguments\n");
		usage(stderr);
		goto out;
	}
	if (fo.show_help || fo.show_version) {
		usage(stdout);
		ret = 0;
		goto out;
	}

	backing_abs = realpath(cli.backing, NULL);
	if (backing_abs == NULL) {
		fprintf(stderr, "hbfaultfs: backing file %s: %s\n", cli.backing, strerror(errno));
		goto out;
	}
	backing_path = backing_abs;
	backing_fd = open(backing_abs, O_RDWR | O_CLOEXEC);
	if (backing_fd < 0) {
		fprintf(stderr, "hbfaultfs: cannot open backing file %s read-write: %s\n", backing_abs, strerror(errno));
		goto out;
	}
	struct stat sb;
	if (fstat(backing_fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "hbfaultfs: backing file %s is not a regular file\n", backing_abs);
		goto out;
	}
	struct stat mp;
	if (stat(fo.mountpoint, &mp) != 0) {
		fprintf(stderr, "hbfaultfs: mount point %s: %s\n", fo.mountpoint, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(mp.st_mode)) {
		fprintf(stderr, "hbfaultfs: mount point %s is not a directory\n", fo.mountpoint);
		goto out;
	}
	if (cli.log != NULL) {
		/* Open it now, relative to our working directory and so errors show. */
		int lfd = open(cli.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (lfd < 0) {
			fprintf(stderr, "hbfaultfs: log file %s: %s\n", cli.log, strerror(errno));
			goto out;
		}
		close(lfd);
		log_path = realpath(cli.log, NULL);
	}

	clock_gettime(CLOCK_REALTIME, &mount_time);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st.changed, &ca);
	pthread_condattr_destroy(&ca);

	/* The default file system name is argv[0]; name it after the backing file
	 * instead (commas escaped for the option parser is not worth it: only
	 * when the path has none). */
	if (strchr(backing_abs, ',') == NULL && strlen(backing_abs) < PATH_MAX) {
		char opt[PATH_MAX + 64];
		snprintf(opt, sizeof opt, "-ofsname=hbfaultfs:%s,subtype=hbfaultfs", backing_abs);
		fuse_opt_add_arg(&args, opt);
	} else {
		fuse_opt_add_arg(&args, "-ofsname=hbfaultfs,subtype=hbfaultfs");
	}

	f = fuse_new(&args, &ops, sizeof ops, NULL);
	if (f == NULL) {
		fprintf(stderr, "hbfaultfs: fuse_new failed (bad -o option?)\n");
		goto out;
	}
	if (fuse_mount(f, fo.mountpoint) != 0) {
		fprintf(stderr, "hbfaultfs: cannot mount on %s (see the message above; /dev/fuse, root?)\n",
			fo.mountpoint);
		fuse_destroy(f);
		f = NULL;
		goto out;
	}
	session = fuse_get_session(f);
	if (fuse_set_signal_handlers(session) != 0) {
		fprintf(stderr, "hbfaultfs: cannot set signal handlers\n");
		goto unmount;
	}
	/* The mount is in place: only now does the parent return (fuse_daemonize
	 * waits for the child to get here). */
	if (fuse_daemonize(fo.foreground) != 0) {
		fprintf(stderr, "hbfaultfs: cannot daemonise\n");
		goto unsignal;
	}
	if (log_path != NULL) {
		int lfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (lfd >= 0) {
			dup2(lfd, STDERR_FILENO);
			close(lfd);
		}
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	logmsg("mounted %s at %s (%lld bytes)%s", backing_abs, fo.mountpoint, (long long)sb.st_size,
		fo.foreground ? "" : ", daemonised");

#if FUSE_USE_VERSION >= 312
	{
		struct fuse_loop_config *lc = fuse_loop_cfg_create();
		if (lc == NULL) {
			logmsg("out of memory");
			goto unsignal;
		}
		fuse_loop_cfg_set_clone_fd(lc, (unsigned)fo.clone_fd);
		fuse_loop_cfg_set_idle_threads(lc, 16);
		/* Each hung I/O holds a thread: never run out, or control would hang too. */
		fuse_loop_cfg_set_max_threads(lc, MAX_THREADS);
		loop_rc = fuse_loop_mt(f, lc);
		fuse_loop_cfg_destroy(lc);
	}
#else
	{
		/* Before libfuse 3.12 the loop has no thread limit. */
		struct fuse_loop_config lc = { .clone_fd = fo.clone_fd, .max_idle_threads = 16 };
		loop_rc = fuse_loop_mt(f, &lc);
	}
#endif
	/* 0: unmounted; > 0: the signal that stopped us; < 0: -errno. */
	if (loop_rc < 0) {
		logmsg("exiting: the FUSE loop failed: %s", strerror(-loop_rc));
	} else {
		logmsg("exiting: %s", loop_rc == 0 ? "unmounted" : strsignal(loop_rc));
		ret = 0;
	}
	if (loop_rc == 0 || !keep_mount_if_busy(fo.mountpoint))
		goto unsignal;  /* fuse_unmount: nothing left to do after an unmount */
	fuse_remove_signal_handlers(session);
	session = NULL;
	fuse_destroy(f);  /* closes /dev/fuse: the connection is aborted */
	f = NULL;
	goto out;
unsignal:
	fuse_remove_signal_handlers(session);
unmount:
	fuse_unmount(f);
	fuse_destroy(f);
	f = NULL;
out:
	if (backing_fd >= 0)
		close(backing_fd);
	free(backing_abs);
	free(log_path);
	free(fo.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
