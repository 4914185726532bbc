/*
 * hb_key.c: the pool secret (see hb_key.h and docs/config.md, <PoolKeyFile>).
 *
 * Owns: reading the key file safely (no symlink, regular file, mode 600 or
 * stricter, bounded size), the key derived from the generation UUID when no
 * file is configured, and the generation tag carried in packets. Uses
 * HMAC-SHA256 and SHA-256 come from hb_hmac (libcrypto's primitives).
 */
#include "hb_key.h"
#include "hb_hmac.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define KEY_DERIVE_LABEL "hbagent pool key v1"
#define KEY_TAG_LABEL "hbagent generation tag"
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

/* Open the key file and check what it is: fd, or -1 with err set. */
static int open_checked(const char *path, struct hb_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ELOOP)
			return hb_err_set(err, "<PoolKeyFile> %s: is a symbolic link; name the file itself", path);
		return hb_err_set(err, "<PoolKeyFile> %s: cannot open: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return hb_err_set(err, "<PoolKeyFile> %s: cannot stat: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return hb_err_set(err, "<PoolKeyFile> %s: not a regular file", path);
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return hb_err_set(err, "<PoolKeyFile> %s: mode %04o lets group or others read the pool key; run chmod 600 %s",
		                  path, (unsigned)(st.st_mode & 07777), path);
	}
	if (st.st_size > (off_t)HB_KEY_MAX + 1) {
		close(fd);
		return hb_err_set(err, "<PoolKeyFile> %s: %lld bytes, longer than the %u allowed", path,
		                  (long long)st.st_size, HB_KEY_MAX);
	}
	return fd;
}

int hb_key_load_file(const char *path, struct hb_key *out, struct hb_err *err)
{
	uint8_t buf[HB_KEY_MAX + 1];
	assert(path != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	int fd = open_checked(path, err);
	if (fd < 0)
		return -1;
	ssize_t n = read_bounded(fd, buf, sizeof buf);
	int e = errno;
	close(fd);
	if (n < 0)
		return hb_err_set(err, "<PoolKeyFile> %s: cannot read: %s", path, strerror(e));
	size_t len = (size_t)n;
	while (len > 0 && is_space(buf[len - 1]))
		len--;
	int rc = 0;
	if (len < HB_KEY_MIN)
		rc = hb_err_set(err, "<PoolKeyFile> %s: %zu bytes after trailing whitespace is removed, expected %u to %u",
		                path, len, HB_KEY_MIN, HB_KEY_MAX);
	else if (len > HB_KEY_MAX)
		rc = hb_err_set(err, "<PoolKeyFile> %s: longer than the %u bytes allowed", path, HB_KEY_MAX);
	else {
		memcpy(out->bytes, buf, len);
		out->len = len;
		out->derived = false;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return rc;
}

void hb_key_derive_from_generation(const hb_uuid *generation, struct hb_key *out)
{
	assert(generation != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	hb_hmac_sha256(KEY_DERIVE_LABEL, strlen(KEY_DERIVE_LABEL), generation->b, sizeof generation->b, out->bytes);
	out->len = HB_SHA256_SIZE;
	out->derived = true;
}

uint64_t hb_key_generation_tag(const hb_uuid *generation)
{
	uint8_t msg[sizeof KEY_TAG_LABEL - 1 + sizeof generation->b];
	uint8_t digest[HB_SHA256_SIZE];
	assert(generation != NULL);
	memcpy(msg, KEY_TAG_LABEL, sizeof KEY_TAG_LABEL - 1);
	memcpy(msg + sizeof KEY_TAG_LABEL - 1, generation->b, sizeof generation->b);
	hb_sha256(msg, sizeof msg, digest);
	uint64_t tag = 0;
	for (unsigned i = 0; i < 8; i++)
		tag |= (uint64_t)digest[i] << (8 * i);
	return tag;
}
