/*
 * hb_key_file.c: where the heartbeat key comes from (see hb_key_file.h and
 * docs/config.md, <PoolKeyFile> and <PoolSecretFile>).
 *
 * Owns: reading a secret file safely (no symlink, regular file, mode 600 or
 * stricter, bounded size) and the choice between the key file, the pool
 * secret and the generation. The derivations are the core's (hb_key.c).
 */
#include "hb_key_file.h"
#include "hb_config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define KEY_READ_RETRIES 100u

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Read at most cap bytes; returns the count or -1 with errno set. */
static ssize_t read_bounded(int fd, uint8_t *buf, size_t cap)
{
	size_t total = 0;
	unsigned retries = 0;
	while (total < cap) {
		ssize_t n = read(fd, buf + total, cap - total);
		if (n < 0 && errno == EINTR && ++retries < KEY_READ_RETRIES)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		total += (size_t)n;
	}
	return (ssize_t)total;
}

/* Open the secret file and check what it is: fd, or -1 with err set. */
static int open_checked(const char *path, const char *what, bool *absent, struct hb_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && absent != NULL)
			*absent = true;
		if (errno == ELOOP)
			return hb_err_set(err, "%s %s: is a symbolic link; name the file itself", what, path);
		return hb_err_set(err, "%s %s: cannot open: %s", what, path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return hb_err_set(err, "%s %s: cannot stat: %s", what, path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return hb_err_set(err, "%s %s: not a regular file", what, path);
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return hb_err_set(err, "%s %s: mode %04o lets group or others read the pool key; run chmod 600 %s",
		                  what, path, (unsigned)(st.st_mode & 07777), path);
	}
	if (st.st_size > (off_t)HB_KEY_MAX + 1) {
		close(fd);
		return hb_err_set(err, "%s %s: %lld bytes, longer than the %u allowed", what, path,
		                  (long long)st.st_size, HB_KEY_MAX);
	}
	return fd;
}

int hb_key_read_secret(const char *path, const char *what, uint8_t out[HB_KEY_MAX], size_t *out_len, bool *absent,
                       struct hb_err *err)
{
	uint8_t buf[HB_KEY_MAX + 1];
	assert(path != NULL && what != NULL && out != NULL && out_len != NULL);
	*out_len = 0;
	if (absent != NULL)
		*absent = false;
	int fd = open_checked(path, what, absent, err);
	if (fd < 0)
		return -1;
	ssize_t n = read_bounded(fd, buf, sizeof buf);
	int e = errno;
	close(fd);
	if (n < 0)
		return hb_err_set(err, "%s %s: cannot read: %s", what, path, strerror(e));
	size_t len = (size_t)n;
	while (len > 0 && is_space(buf[len - 1]))
		len--;
	int rc = 0;
	if (len < HB_KEY_MIN)
		rc = hb_err_set(err, "%s %s: %zu bytes after trailing whitespace is removed, expected %u to %u",
		                what, path, len, HB_KEY_MIN, HB_KEY_MAX);
	else if (len > HB_KEY_MAX)
		rc = hb_err_set(err, "%s %s: longer than the %u bytes allowed", what, path, HB_KEY_MAX);
	else {
		memcpy(out, buf, len);
		*out_len = len;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

int hb_key_load_file(const char *path, struct hb_key *out, struct hb_err *err)
{
	assert(path != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	if (hb_key_read_secret(path, "<PoolKeyFile>", out->bytes, &out->len, NULL, err) < 0)
		return -1;
	out->derived = false;
	out->source = HB_KEY_SRC_KEY_FILE;
	return 0;
}

int hb_key_resolve(const struct hb_config *cfg, struct hb_key *out, const char **path_used, struct hb_err *err)
{
	assert(cfg != NULL && out != NULL);
	if (path_used != NULL)
		*path_used = "";
	if (cfg->pool_key_file[0] != '\0') {
		if (path_used != NULL)
			*path_used = cfg->pool_key_file;
		return hb_key_load_file(cfg->pool_key_file, out, err);
	}
	if (cfg->pool_secret_file[0] != '\0') {
		uint8_t secret[HB_KEY_MAX];
		size_t len = 0;
		bool absent = false;
		int rc = hb_key_read_secret(cfg->pool_secret_file, "<PoolSecretFile>", secret, &len, &absent, err);
		if (rc == 0) {
			hb_key_derive_from_secret(secret, len, &cfg->generation, out);
			if (path_used != NULL)
				*path_used = cfg->pool_secret_file;
		}
		OPENSSL_cleanse(secret, sizeof secret);
		if (rc == 0 || !absent)
			return rc;
	}
	hb_key_derive_from_generation(&cfg->generation, out);
	return 0;
}
