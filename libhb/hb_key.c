/*
 * hb_key.c: the heartbeat key (see hb_key.h and docs/config.md,
 * <PoolKeyFile> and <PoolSecretFile>).
 *
 * Owns: reading a secret file safely (no symlink, regular file, mode 600 or
 * stricter, bounded size), the choice between the key file, the pool secret
 * and the generation, the two derivations (HKDF from the pool secret and
 * the generation; HMAC from the generation alone) and the generation tag
 * carried in packets. HMAC-SHA256 and SHA-256 come from hb_hmac
 * (libcrypto's primitives).
 */
#include "hb_key.h"
#include "hb_config.h"
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
#define KEY_SECRET_INFO "hbagent pool key v2"
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

/* RFC 5869 with SHA-256, one output block (L = 32). */
void hb_key_derive_from_secret(const uint8_t *secret, size_t len, const hb_uuid *generation, struct hb_key *out)
{
	uint8_t prk[HB_SHA256_SIZE];
	uint8_t info[sizeof KEY_SECRET_INFO]; /* info || 0x01 */
	assert(secret != NULL && generation != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	hb_hmac_sha256(generation->b, sizeof generation->b, secret, len, prk);
	memcpy(info, KEY_SECRET_INFO, sizeof KEY_SECRET_INFO - 1);
	info[sizeof info - 1] = 0x01;
	hb_hmac_sha256(prk, sizeof prk, info, sizeof info, out->bytes);
	OPENSSL_cleanse(prk, sizeof prk);
	out->len = HB_SHA256_SIZE;
	out->derived = false;
	out->source = HB_KEY_SRC_POOL_SECRET;
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

const char *hb_key_source_name(enum hb_key_source source)
{
	switch (source) {
	case HB_KEY_SRC_KEY_FILE: return "key_file";
	case HB_KEY_SRC_POOL_SECRET: return "pool_secret";
	case HB_KEY_SRC_GENERATION: return "generation";
	}
	return "unknown";
}

bool hb_key_equal(const struct hb_key *a, const struct hb_key *b)
{
	assert(a != NULL && b != NULL);
	return a->len == b->len && CRYPTO_memcmp(a->bytes, b->bytes, a->len) == 0;
}

void hb_key_derive_from_generation(const hb_uuid *generation, struct hb_key *out)
{
	assert(generation != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	hb_hmac_sha256(KEY_DERIVE_LABEL, strlen(KEY_DERIVE_LABEL), generation->b, sizeof generation->b, out->bytes);
	out->len = HB_SHA256_SIZE;
	out->derived = true;
	out->source = HB_KEY_SRC_GENERATION;
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
