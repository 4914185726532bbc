/*
 * test_key.c: unit tests of hb_key (pool key file, derived key, generation
 * tag). Key files are created at run time in a mkdtemp directory, because
 * git does not keep mode 600. Golden values were computed independently
 * (Python hashlib/hmac) and are hard-coded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_config.h"
#include "hb_key.h"
#include "hb_key_file.h"
#include "hb_uuid.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/hb-test-key-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/pool.key", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char link[160];
	snprintf(link, sizeof link, "%s/link.key", f->dir);
	unlink(link);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write len bytes to the fixture's key file with exactly the given mode. */
static const char *write_key(void **state, const void *data, size_t len, mode_t mode)
{
	struct fixture *f = *state;
	unlink(f->path);
	int fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return f->path;
}

static void load_ok(const char *path, struct hb_key *key)
{
	struct hb_err err = { { 0 } };
	if (hb_key_load_file(path, key, &err) != 0)
		fail_msg("%s", err.msg);
}

static void load_fails(const char *path, const char *frag)
{
	struct hb_key key;
	struct hb_err err = { { 0 } };
	assert_int_equal(hb_key_load_file(path, &key, &err), -1);
	if (strstr(err.msg, frag) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, frag);
	assert_non_null(strstr(err.msg, "<PoolKeyFile>"));
}

static void test_good_key(void **state)
{
	static const char secret[] = "0123456789abcdef0123456789abcdef";
	struct hb_key key;
	load_ok(write_key(state, secret, 32, 0600), &key);
	assert_int_equal(key.len, 32);
	assert_false(key.derived);
	assert_memory_equal(key.bytes, secret, 32);
	load_ok(write_key(state, secret, 16, 0400), &key);
	assert_int_equal(key.len, 16);
}

static void test_group_readable_refused(void **state)
{
	static const char secret[] = "0123456789abcdef0123456789abcdef";
	load_fails(write_key(state, secret, 32, 0640), "mode 0640");
	load_fails(write_key(state, secret, 32, 0644), "chmod 600");
	load_fails(write_key(state, secret, 32, 0604), "group or others");
}

static void test_too_short(void **state)
{
	load_fails(write_key(state, "0123456789abcde", 15, 0600), "15 bytes");
	load_fails(write_key(state, "short\n\n   \t\n", 12, 0600), "5 bytes after trailing whitespace");
	load_fails(write_key(state, "", 0, 0600), "0 bytes");
}

static void test_too_long(void **state)
{
	static uint8_t big[HB_KEY_MAX + 2];
	struct hb_key key;
	memset(big, 'k', sizeof big);
	load_fails(write_key(state, big, HB_KEY_MAX + 1, 0600), "longer than the 1024 bytes");
	load_fails(write_key(state, big, HB_KEY_MAX + 2, 0600), "longer than the 1024");
	/* exactly the maximum, plus a newline that is stripped */
	big[HB_KEY_MAX] = '\n';
	load_ok(write_key(state, big, HB_KEY_MAX + 1, 0600), &key);
	assert_int_equal(key.len, HB_KEY_MAX);
}

static void test_trailing_newline_stripped(void **state)
{
	struct hb_key key;
	load_ok(write_key(state, "secret-key-material-1234\r\n", 26, 0600), &key);
	assert_int_equal(key.len, 24);
	assert_memory_equal(key.bytes, "secret-key-material-1234", 24);
	/* leading whitespace is part of the key */
	load_ok(write_key(state, "  secret-key-material-1234\n", 27, 0600), &key);
	assert_int_equal(key.len, 26);
}

static void test_not_regular_or_symlink(void **state)
{
	struct fixture *f = *state;
	char link[160];
	write_key(state, "0123456789abcdef", 16, 0600);
	snprintf(link, sizeof link, "%s/link.key", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	load_fails(link, "symbolic link");
	load_fails(f->dir, "not a regular file");
	load_fails("/nonexistent/pool.key", "cannot open");
}

static void test_derived_key(void **state)
{
	static const uint8_t golden[32] = {
		0x59, 0x37, 0xf9, 0x3e, 0x4c, 0xa8, 0x41, 0x45, 0xdf, 0xe3, 0x70, 0x40, 0xb0, 0x95, 0xcc, 0xfc,
		0x1b, 0xbe, 0x3a, 0x45, 0xb1, 0xef, 0x88, 0x1c, 0x31, 0x3d, 0x1c, 0xfd, 0x1a, 0x21, 0x3d, 0x5d,
	};
	hb_uuid g1, g2;
	struct hb_key a, b, c;
	(void)state;
	assert_true(hb_uuid_parse("5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f", &g1));
	assert_true(hb_uuid_parse("00000000-0000-0000-0000-000000000001", &g2));
	hb_key_derive_from_generation(&g1, &a);
	hb_key_derive_from_generation(&g1, &b);
	hb_key_derive_from_generation(&g2, &c);
	assert_true(a.derived);
	assert_int_equal(a.len, 32);
	assert_memory_equal(a.bytes, golden, 32);
	assert_memory_equal(a.bytes, b.bytes, 32);
	assert_memory_not_equal(a.bytes, c.bytes, 32);
	/* the key is not the UUID itself */
	assert_memory_not_equal(a.bytes, g1.b, 16);
}

/* The pool secret, as xapi writes /etc/xensource/ptoken (three UUIDs joined
 * by "/", 110 bytes), mixed with the generation by HKDF-SHA256 (RFC 5869:
 * PRK = HMAC(salt = generation, secret), OKM = HMAC(PRK, info || 0x01)).
 * Golden value from Python's hmac/hashlib. */
#define PTOKEN "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/11111111-2222-3333-4444-555555555555/deadbeef-0000-1111-2222-333344445555"
static const uint8_t ptoken_golden[32] = {
	0x89, 0x78, 0x88, 0xc1, 0x21, 0x51, 0x0c, 0x84, 0x7a, 0x99, 0xd2, 0xdd, 0x3a, 0x99, 0xf5, 0x0d,
	0x4a, 0x7f, 0xf5, 0x27, 0x97, 0x3a, 0xf9, 0x54, 0xf5, 0x1b, 0x1a, 0xb0, 0x6e, 0xa0, 0xbb, 0x00,
};

static void test_secret_key(void **state)
{
	hb_uuid g1, g2;
	struct hb_key a, b, gen;
	(void)state;
	assert_true(hb_uuid_parse("5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f", &g1));
	assert_true(hb_uuid_parse("00000000-0000-0000-0000-000000000001", &g2));
	hb_key_derive_from_secret((const uint8_t *)PTOKEN, strlen(PTOKEN), &g1, &a);
	assert_int_equal(a.len, 32);
	assert_false(a.derived);
	assert_int_equal(a.source, HB_KEY_SRC_POOL_SECRET);
	assert_memory_equal(a.bytes, ptoken_golden, 32);
	/* another generation, same secret: another key (a statefile of an earlier
	 * generation never authenticates this one's heartbeats) */
	hb_key_derive_from_secret((const uint8_t *)PTOKEN, strlen(PTOKEN), &g2, &b);
	assert_false(hb_key_equal(&a, &b));
	/* and not the key anyone who reads the statefile can compute */
	hb_key_derive_from_generation(&g1, &gen);
	assert_false(hb_key_equal(&a, &gen));
	assert_true(hb_key_equal(&a, &a));
}

/* hb_key_resolve: <PoolKeyFile> first, then the pool secret, then the
 * generation; a pool secret that exists but is unusable is an error naming
 * <PoolSecretFile>, one that does not exist falls back to the generation. */
static void test_resolve(void **state)
{
	struct fixture *f = *state;
	static struct hb_config cfg;
	struct hb_key key, want;
	struct hb_err err = { { 0 } };
	const char *used = NULL;
	memset(&cfg, 0, sizeof cfg);
	assert_true(hb_uuid_parse("5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f", &cfg.generation));
	/* no secret configured: the generation's key */
	assert_int_equal(hb_key_resolve(&cfg, &key, &used, &err), 0);
	assert_int_equal(key.source, HB_KEY_SRC_GENERATION);
	assert_string_equal(used, "");
	hb_key_derive_from_generation(&cfg.generation, &want);
	assert_true(hb_key_equal(&key, &want));
	/* a pool secret that does not exist: the same */
	snprintf(cfg.pool_secret_file, sizeof cfg.pool_secret_file, "%s", f->path);
	assert_int_equal(hb_key_resolve(&cfg, &key, &used, &err), 0);
	assert_int_equal(key.source, HB_KEY_SRC_GENERATION);
	/* the pool secret (with xapi's trailing newline) */
	write_key(state, PTOKEN "\n", strlen(PTOKEN) + 1, 0600);
	assert_int_equal(hb_key_resolve(&cfg, &key, &used, &err), 0);
	assert_int_equal(key.source, HB_KEY_SRC_POOL_SECRET);
	assert_string_equal(used, f->path);
	assert_memory_equal(key.bytes, ptoken_golden, 32);
	/* readable by others: refused, naming the element and the fix */
	write_key(state, PTOKEN, strlen(PTOKEN), 0644);
	assert_int_equal(hb_key_resolve(&cfg, &key, &used, &err), -1);
	assert_non_null(strstr(err.msg, "<PoolSecretFile>"));
	assert_non_null(strstr(err.msg, "chmod 600"));
	/* too short to be a secret */
	write_key(state, "short", 5, 0600);
	assert_int_equal(hb_key_resolve(&cfg, &key, &used, &err), -1);
	assert_non_null(strstr(err.msg, "<PoolSecretFile>"));
	/* <PoolKeyFile> wins over the pool secret: its bytes are the key */
	write_key(state, PTOKEN, strlen(PTOKEN), 0600);
	char keyfile[160];
	snprintf(keyfile, sizeof keyfile, "%s/link.key", f->dir); /* removed by teardown */
	int fd = open(keyfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123", 20), 20);
	close(fd);
	snprintf(cfg.pool_key_file, sizeof cfg.pool_key_file, "%s", keyfile);
	assert_int_equal(hb_key_resolve(&cfg, &key, &used, &err), 0);
	assert_int_equal(key.source, HB_KEY_SRC_KEY_FILE);
	assert_string_equal(used, keyfile);
	assert_int_equal(key.len, 20);
	assert_memory_equal(key.bytes, "0123456789abcdef0123", 20);
	/* an empty <PoolSecretFile> and no key file: the generation's */
	cfg.pool_key_file[0] = '\0';
	cfg.pool_secret_file[0] = '\0';
	assert_int_equal(hb_key_resolve(&cfg, &key, &used, &err), 0);
	assert_int_equal(key.source, HB_KEY_SRC_GENERATION);
	assert_string_equal(hb_key_source_name(HB_KEY_SRC_POOL_SECRET), "pool_secret");
}

static void test_generation_tag(void **state)
{
	hb_uuid g1, g2;
	(void)state;
	assert_true(hb_uuid_parse("5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f", &g1));
	assert_true(hb_uuid_parse("00000000000000000000000000000001", &g2));
	assert_true(hb_key_generation_tag(&g1) == UINT64_C(0x4f5b422901bf89c6));
	assert_true(hb_key_generation_tag(&g2) == UINT64_C(0xce450c084fb807a4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_readable_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_newline_stripped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular_or_symlink, setup, teardown),
		cmocka_unit_test(test_derived_key),
		cmocka_unit_test(test_generation_tag),
		cmocka_unit_test(test_secret_key),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
