/*
 * agent_bootid.c: the local boot-id file.
 *
 * Owns the file that records the boot id of the agent's latest incarnation
 * on this host (default AGENT_STATE_DIR/hbagent.<host uuid>.boot-id, on
 * persistent storage): where it is, reading it (missing = first start;
 * unreadable or malformed = a warning, never a failure) and writing it
 * atomically before the core starts. With the host's statefile slot it
 * gives hb_incarnation_next() the previous boot id, so that a new
 * incarnation's id never goes backwards even when the slot cannot be read
 * and the wall clock was stepped back. The file's text is one decimal number
 * and a newline (hb_incarnation_parse/format).
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_incarnation.h"

/* The file is a line; anything longer is malformed. */
#define BOOTID_READ_MAX 64

/* The directory part of path ("." when it has none, "/" for "/x"). */
static void dir_of(const char *path, char *dir, size_t len)
{
	snprintf(dir, len, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
}

int agent_bootid_resolve(struct agent *a, struct hb_err *err)
{
	char dir[AGENT_PATH_MAX];
	int n;
	if (a->opts.boot_id_path != NULL) {
		n = snprintf(a->boot_id_path, sizeof a->boot_id_path, "%s", a->opts.boot_id_path);
	} else {
		if (a->opts.lock_path != NULL)
			dir_of(a->opts.lock_path, dir, sizeof dir);
		else
			snprintf(dir, sizeof dir, "%s", AGENT_STATE_DIR);
		size_t dl = strlen(dir);
		n = snprintf(a->boot_id_path, sizeof a->boot_id_path, "%s%shbagent.%s.boot-id", dir,
		             dl > 0 && dir[dl - 1] == '/' ? "" : "/", a->self_uuid);
	}
	if (n < 0 || (size_t)n >= sizeof a->boot_id_path)
		return hb_err_set(err, "the boot-id file path is too long (at most %zu bytes)", sizeof a->boot_id_path - 1);
	return 0;
}

uint64_t agent_bootid_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			agent_log(LOG_INFO, "no boot-id file %s yet (first start on this host)", path);
			return 0;
		}
		agent_log(LOG_WARNING, "cannot open the boot-id file %s: %s; going on with the statefile slot and the "
		          "wall clock alone", path, strerror(errno));
		return 0;
	}
	char text[BOOTID_READ_MAX];
	size_t got = 0;
	ssize_t r = 0;
	while (got < sizeof text && (r = read(fd, text + got, sizeof text - got)) > 0)
		got += (size_t)r;
	int e = errno;
	close(fd);
	if (r < 0) {
		agent_log(LOG_WARNING, "cannot read the boot-id file %s: %s; going on with the statefile slot and the "
		          "wall clock alone", path, strerror(e));
		return 0;
	}
	uint64_t id = 0;
	struct hb_err err;
	if (got == sizeof text)
		hb_err_set(&err, "longer than %d bytes", BOOTID_READ_MAX - 1);
	if (got == sizeof text || hb_incarnation_parse(text, got, &id, &err) < 0) {
		agent_log(LOG_WARNING, "the boot-id file %s is malformed (%s); ignored, going on with the statefile "
		          "slot and the wall clock alone", path, err.msg);
		return 0;
	}
	return id;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int agent_bootid_store(const char *path, uint64_t id, struct hb_err *err)
{
	char dir[AGENT_PATH_MAX], tmp[AGENT_PATH_MAX + 32], text[HB_BOOT_ID_TEXT_MAX];
	dir_of(path, dir, sizeof dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return hb_err_set(err, "cannot create the directory %s of the boot-id file: %s", dir, strerror(errno));
	int n = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return hb_err_set(err, "the boot-id file path %s is too long", path);
	size_t len = hb_incarnation_format(id, text);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return hb_err_set(err, "cannot write the boot-id file %s: %s", tmp, strerror(errno));
	if (write_all(fd, text, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return hb_err_set(err, "cannot write the boot-id file %s: %s", tmp, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return hb_err_set(err, "cannot rename %s to the boot-id file %s: %s", tmp, path, strerror(e));
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return hb_err_set(err, "boot-id file %s written, but the directory %s cannot be synced: %s", path, dir,
		                  strerror(e));
	}
	close(dfd);
	return 0;
}
