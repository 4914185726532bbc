/*
 * test_config.c: unit tests of hb_config (xhad.conf parsing).
 *
 * Owns: the good files of tests/data/config and docs/examples/xhad.conf, and
 * one test per class of error, each checking that the message names the
 * line, the element and what was wrong. Most bad configurations are built in
 * memory from one base file by replacing single lines, so that the expected
 * line number is explicit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_config.h"
#include "hb_timing.h"
#include "hb_uuid.h"

#define S(x) ((uint32_t)(x) * 1000u)
#define BUF_MAX 65536u

/* The base configuration; line i + 1 of the text is base_lines[i]. */
static const char *const base_lines[] = {
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>",                                       /* 1 */
	"<xhad-config version=\"1.0\">",                                                    /* 2 */
	"  <common-config>",                                                                /* 3 */
	"    <GenerationUUID>5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f</GenerationUUID>",        /* 4 */
	"    <UDPport>694</UDPport>",                                                       /* 5 */
	"    <host>",                                                                       /* 6 */
	"      <HostID>c0ffee00-1111-4222-8333-444455556666</HostID>",                      /* 7 */
	"      <IPaddress>192.0.2.11</IPaddress>",                                          /* 8 */
	"    </host>",                                                                      /* 9 */
	"    <host>",                                                                       /* 10 */
	"      <HostID>0badcafe-aaaa-4bbb-8ccc-dddddddddddd</HostID>",                      /* 11 */
	"      <IPaddress>192.0.2.12</IPaddress>",                                          /* 12 */
	"    </host>",                                                                      /* 13 */
	"    <host>",                                                                       /* 14 */
	"      <HostID>7e57ab1e-0000-4000-8000-000000000001</HostID>",                      /* 15 */
	"      <IPaddress>192.0.2.13</IPaddress>",                                          /* 16 */
	"    </host>",                                                                      /* 17 */
	"    <parameters>",                                                                 /* 18 */
	"      <HeartbeatInterval>4</HeartbeatInterval>",                                   /* 19 */
	"      <HeartbeatTimeout>30</HeartbeatTimeout>",                                    /* 20 */
	"      <StateFileInterval>4</StateFileInterval>",                                   /* 21 */
	"      <StateFileTimeout>30</StateFileTimeout>",                                    /* 22 */
	"      <HeartbeatWatchdogTimeout>30</HeartbeatWatchdogTimeout>",                    /* 23 */
	"      <StateFileWatchdogTimeout>45</StateFileWatchdogTimeout>",                    /* 24 */
	"      <BootJoinTimeout>90</BootJoinTimeout>",                                      /* 25 */
	"      <EnableJoinTimeout>90</EnableJoinTimeout>",                                  /* 26 */
	"      <XapiHealthCheckInterval>60</XapiHealthCheckInterval>",                      /* 27 */
	"      <XapiHealthCheckTimeout>10</XapiHealthCheckTimeout>",                        /* 28 */
	"      <XapiRestartAttempts>1</XapiRestartAttempts>",                               /* 29 */
	"      <XapiRestartTimeout>30</XapiRestartTimeout>",                                /* 30 */
	"    </parameters>",                                                                /* 31 */
	"  </common-config>",                                                               /* 32 */
	"  <local-config>",                                                                 /* 33 */
	"    <localhost>",                                                                  /* 34 */
	"      <HostID>c0ffee00-1111-4222-8333-444455556666</HostID>",                      /* 35 */
	"      <HeartbeatInterface>xenbr0</HeartbeatInterface>",                            /* 36 */
	"      <HeartbeatPhysicalInterface>eth0</HeartbeatPhysicalInterface>",              /* 37 */
	"      <StateFile>/dev/disk/by-id/scsi-360000000000000000000000000000001</StateFile>", /* 38 */
	"    </localhost>",                                                                 /* 39 */
	"  </local-config>",                                                                /* 40 */
	"</xhad-config>",                                                                   /* 41 */
};
#define BASE_LINES (sizeof base_lines / sizeof base_lines[0])

struct edit {
	unsigned line;    /* 1-based line of the base to replace */
	const char *text; /* its replacement (may span lines, may be "") */
};

/* The base with edits applied, into a static buffer. */
static const char *build(const struct edit *edits, size_t n_edits)
{
	static char buf[BUF_MAX];
	size_t len = 0;
	for (unsigned i = 0; i < BASE_LINES; i++) {
		const char *line = base_lines[i];
		for (size_t e = 0; e < n_edits; e++) {
			if (edits[e].line == i + 1)
				line = edits[e].text;
		}
		int n = snprintf(buf + len, sizeof buf - len, "%s\n", line);
		assert_true(n > 0 && (size_t)n < sizeof buf - len);
		len += (size_t)n;
	}
	return buf;
}

static int load_text(const char *text, struct hb_config *cfg, struct hb_err *err)
{
	memset(err, 0, sizeof *err);
	return hb_config_load_buffer(text, strlen(text), "test.conf", cfg, err);
}

/* Apply edits, expect failure, and check that the message holds each of
 * the (NULL-terminated) fragments. */
static void expect_error(const struct edit *edits, size_t n_edits, ...)
{
	static struct hb_config cfg;
	struct hb_err err;
	int rc = load_text(build(edits, n_edits), &cfg, &err);
	if (rc == 0)
		fail_msg("expected an error, the configuration loaded");
	va_list ap;
	va_start(ap, n_edits);
	for (const char *frag = va_arg(ap, const char *); frag != NULL; frag = va_arg(ap, const char *)) {
		if (strstr(err.msg, frag) == NULL)
			fail_msg("error \"%s\" lacks \"%s\"", err.msg, frag);
	}
	va_end(ap);
}

#define EXPECT_ERROR(edits, ...) expect_error(edits, sizeof edits / sizeof edits[0], __VA_ARGS__, (const char *)NULL)

static void data_path(char *out, size_t cap, const char *name)
{
	const char *dir = getenv("HB_TEST_DATA");
	assert_non_null(dir);
	snprintf(out, cap, "%s/config/%s", dir, name);
}

static void load_data(const char *name, struct hb_config *cfg)
{
	char path[1024];
	struct hb_err err = { { 0 } };
	bool read_error = true;
	data_path(path, sizeof path, name);
	if (hb_config_load_file(path, cfg, &read_error, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	assert_false(read_error);
}

static void assert_uuid(const hb_uuid *u, const char *text)
{
	char buf[HB_UUID_STR_LEN];
	assert_string_equal(hb_uuid_format(u, buf), text);
}

static void assert_sorted(const struct hb_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_hosts; i++) {
		assert_int_equal(cfg->hosts[i].index, i);
		assert_int_equal(cfg->hosts[i].n_addrs, cfg->n_paths);
		if (i > 0)
			assert_true(hb_uuid_cmp(&cfg->hosts[i - 1].uuid, &cfg->hosts[i].uuid) < 0);
	}
}

/* ---- good files ------------------------------------------------------- */

static void test_xapi_three_hosts(void **state)
{
	static struct hb_config cfg;
	(void)state;
	load_data("good_xapi3.conf", &cfg);
	assert_int_equal(cfg.n_hosts, 3);
	assert_int_equal(cfg.n_paths, 1);
	assert_int_equal(cfg.udp_port, 694);
	assert_sorted(&cfg);
	assert_uuid(&cfg.generation, "5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f");
	/* file order c0ffee00, 0badcafe, 7e57ab1e -> indices 2, 0, 1 */
	assert_uuid(&cfg.hosts[0].uuid, "0badcafe-aaaa-4bbb-8ccc-dddddddddddd");
	assert_uuid(&cfg.hosts[1].uuid, "7e57ab1e-0000-4000-8000-000000000001");
	assert_uuid(&cfg.hosts[2].uuid, "c0ffee00-1111-4222-8333-444455556666");
	assert_string_equal(cfg.hosts[0].addrs[0].text, "192.0.2.12");
	assert_int_equal(cfg.hosts[0].line, 12);
	assert_int_equal(cfg.hosts[2].line, 8);
	assert_int_equal(cfg.local_index, 2);
	assert_ptr_equal(hb_config_local(&cfg), &cfg.hosts[2]);
	assert_string_equal(cfg.heartbeat_interface, "xenbr0");
	assert_string_equal(cfg.heartbeat_physical_interface, "eth0");
	assert_string_equal(cfg.statefile, "/dev/disk/by-id/scsi-360000000000000000000000000000001");
	assert_int_equal(cfg.params.hb_interval_ms, S(3));
	assert_int_equal(cfg.params.hb_timeout_ms, S(60));
	assert_int_equal(cfg.params.sf_wd_timeout_ms, S(75));
	assert_int_equal(cfg.params.boot_join_timeout_ms, S(120));
	assert_int_equal(cfg.params.xapi_hc_timeout_ms, S(120));
	assert_int_equal(cfg.params.xapi_restart_timeout_ms, S(300));
	assert_int_equal(cfg.params.xapi_restart_attempts, 1);
	assert_int_equal(cfg.params.watchdog_timeout_ms, S(5));
	/* extensions at their defaults */
	assert_int_equal(cfg.wd_backend, HB_WD_XEN);
	assert_string_equal(cfg.wd_device, HB_DEFAULT_WATCHDOG_DEVICE);
	assert_string_equal(cfg.control_socket, HB_DEFAULT_CONTROL_SOCKET);
	assert_string_equal(cfg.control_group, "");
	assert_string_equal(cfg.pool_key_file, "");
	assert_string_equal(cfg.test_fence_log, "");
	assert_false(cfg.allow_softdog);
	assert_true(strstr(cfg.source, "good_xapi3.conf") != NULL);
}

static void test_undashed_uppercase(void **state)
{
	static struct hb_config cfg;
	(void)state;
	load_data("good_undashed_upper.conf", &cfg);
	assert_int_equal(cfg.n_hosts, 2);
	assert_sorted(&cfg);
	assert_uuid(&cfg.generation, "5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f");
	assert_uuid(&cfg.hosts[0].uuid, "00112233-4455-6677-8899-aabbccddeeff");
	assert_uuid(&cfg.hosts[1].uuid, "ffeeddcc-bbaa-9988-7766-554433221100");
	assert_int_equal(cfg.local_index, 1);
	assert_string_equal(cfg.hosts[1].addrs[0].text, "192.0.2.21");
	assert_int_equal(cfg.udp_port, 694);
	assert_string_equal(cfg.heartbeat_interface, "");
	assert_int_equal(cfg.wd_backend, HB_WD_XEN);
}

static void test_ipv6(void **state)
{
	static struct hb_config cfg;
	struct in6_addr want;
	(void)state;
	load_data("good_ipv6.conf", &cfg);
	assert_int_equal(cfg.n_hosts, 2);
	assert_int_equal(cfg.hosts[0].addrs[0].family, AF_INET6);
	assert_string_equal(cfg.hosts[0].addrs[0].text, "2001:db8::1");
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &want), 1);
	assert_memory_equal(&cfg.hosts[0].addrs[0].u.v6, &want, sizeof want);
	assert_int_equal(cfg.local_index, 1);
}

static void test_two_paths(void **state)
{
	static struct hb_config cfg;
	(void)state;
	load_data("good_two_paths.conf", &cfg);
	assert_int_equal(cfg.n_hosts, 3);
	assert_int_equal(cfg.n_paths, 2);
	assert_sorted(&cfg);
	assert_int_equal(cfg.udp_port, 7694);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(cfg.hosts[i].addrs[0].family, AF_INET);
		assert_int_equal(cfg.hosts[i].addrs[1].family, AF_INET6);
	}
	assert_string_equal(cfg.hosts[0].addrs[0].text, "192.0.2.31");
	assert_string_equal(cfg.hosts[2].addrs[1].text, "2001:db8:1::33");
	assert_int_equal(cfg.local_index, 1);
}

static void test_extensions(void **state)
{
	static struct hb_config cfg;
	(void)state;
	load_data("good_extensions.conf", &cfg);
	assert_int_equal(cfg.n_paths, 4);
	assert_string_equal(cfg.pool_key_file, "/etc/hbagent/pool.key");
	assert_int_equal(cfg.wd_backend, HB_WD_TEST);
	assert_string_equal(hb_wd_backend_name(cfg.wd_backend), "test");
	assert_string_equal(cfg.wd_device, "/dev/watchdog1");
	assert_true(cfg.allow_softdog);
	assert_string_equal(cfg.test_fence_log, "/var/lib/hbagent-test/fence.log");
	assert_string_equal(cfg.control_socket, "/run/hbagent-test/b.sock");
	assert_string_equal(cfg.control_group, "hbadmin");
	assert_int_equal(cfg.params.watchdog_timeout_ms, S(3));
	assert_int_equal(cfg.params.hb_interval_ms, S(1));
	assert_int_equal(cfg.params.sf_interval_ms, 2000); /* "2000ms" */
	assert_int_equal(cfg.params.xapi_restart_attempts, 0);
	/* not in the file: defaults */
	assert_int_equal(cfg.params.xapi_hc_interval_ms, S(60));
	assert_int_equal(cfg.local_index, 1);
}

static void test_defaults_without_parameters(void **state)
{
	static struct hb_config cfg;
	struct hb_timing_params def;
	(void)state;
	load_data("good_no_parameters.conf", &cfg);
	hb_timing_params_default(&def);
	assert_memory_equal(&cfg.params, &def, sizeof def);
	assert_int_equal(cfg.params.hb_interval_ms, S(4));
	assert_int_equal(cfg.params.sf_wd_timeout_ms, S(45));
	assert_int_equal(cfg.params.watchdog_timeout_ms, S(5));
	assert_int_equal(cfg.n_hosts, 1);
	assert_int_equal(cfg.local_index, 0);
}

static void test_docs_example(void **state)
{
	static struct hb_config cfg;
	struct hb_err err = { { 0 } };
	struct hb_timing_params xapi;
	char path[1024];
	bool read_error = true;
	(void)state;
	const char *root = getenv("HB_SOURCE_ROOT");
	assert_non_null(root);
	snprintf(path, sizeof path, "%s/docs/examples/xhad.conf", root);
	if (hb_config_load_file(path, &cfg, &read_error, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.n_hosts, 3);
	assert_sorted(&cfg);
	assert_int_equal(cfg.local_index, 1);
	assert_int_equal(hb_timing_params_from_T(30, &xapi, &err), 0);
	assert_memory_equal(&cfg.params, &xapi, sizeof xapi);
	for (unsigned i = 0; i < cfg.n_hosts; i++)
		assert_true(strncmp(cfg.hosts[i].addrs[0].text, "192.0.2.", 8) == 0);
}

static void test_watchdog_mode_and_backend(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	const struct edit hyp[] = { { 37, "<WatchdogMode> hypervisor </WatchdogMode>" } };
	assert_int_equal(load_text(build(hyp, 1), &cfg, &err), 0);
	assert_int_equal(cfg.wd_backend, HB_WD_XEN);
	const struct edit lin[] = { { 37, "<WatchdogBackend>linux</WatchdogBackend><AllowSoftdog>FALSE</AllowSoftdog>" } };
	assert_int_equal(load_text(build(lin, 1), &cfg, &err), 0);
	assert_int_equal(cfg.wd_backend, HB_WD_LINUX);
	assert_false(cfg.allow_softdog);
	assert_string_equal(hb_wd_backend_name(HB_WD_LINUX), "linux");
	assert_string_equal(hb_wd_backend_name(HB_WD_XEN), "xen");
}

static void test_boundaries(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	const struct edit e[] = {
		{ 5, "<UDPport>65535</UDPport>" },
		{ 20, "<HeartbeatTimeout> 3600 </HeartbeatTimeout>" },
		{ 19, "<HeartbeatInterval>060</HeartbeatInterval>" },
		{ 29, "<XapiRestartAttempts>100</XapiRestartAttempts>" },
		{ 36, "<HeartbeatInterface>abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk</HeartbeatInterface>" },
		{ 37, "<Unknown><Nested/></Unknown><!-- a comment -->" },
	};
	if (load_text(build(e, sizeof e / sizeof e[0]), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.udp_port, 65535);
	assert_int_equal(cfg.params.hb_timeout_ms, S(3600));
	assert_int_equal(cfg.params.hb_interval_ms, S(60));
	assert_int_equal(cfg.params.xapi_restart_attempts, 100);
	assert_int_equal(strlen(cfg.heartbeat_interface), 63);
	/* the unknown element still loads, as a warning (its child is not one) */
	assert_int_equal(cfg.warnings.n, 1);
	assert_string_equal(cfg.warnings.w[0].element, "Unknown");
	assert_int_equal(cfg.warnings.w[0].line, 37);
}

/* ---- unknown elements: warnings ------------------------------------------ */

/* A misspelled parameter: loads with the default, one warning naming the
 * line, the path and the parameter meant. */
static void test_warn_misspelled_element(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	const struct edit e[] = { { 20, "      <HeartbeatTimout>6</HeartbeatTimout>" } };
	if (load_text(build(e, 1), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.params.hb_timeout_ms, S(30)); /* the default: the typo is not read */
	assert_int_equal(cfg.warnings.n, 1);
	assert_int_equal(cfg.warnings.dropped, 0);
	const struct hb_config_warning *w = &cfg.warnings.w[0];
	assert_int_equal(w->line, 20);
	assert_string_equal(w->element, "HeartbeatTimout");
	assert_string_equal(w->path, "/xhad-config/common-config/parameters/HeartbeatTimout");
	assert_string_equal(w->suggestion, "HeartbeatTimeout");
	assert_string_equal(w->msg, "test.conf:20: <HeartbeatTimout>: unknown element in <parameters>, ignored "
	                            "(did you mean <HeartbeatTimeout>?)");
}

/* A misspelled parent: one warning for it, none for what it holds, and every
 * parameter at its default. */
static void test_warn_misspelled_parent(void **state)
{
	static struct hb_config cfg;
	struct hb_config_warning *w = &cfg.warnings.w[0];
	struct hb_err err;
	(void)state;
	const struct edit e[] = { { 18, "    <paramaters>" }, { 31, "    </paramaters>" },
	                          { 20, "      <HeartbeatTimeout>60</HeartbeatTimeout>" } };
	if (load_text(build(e, 3), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.params.hb_timeout_ms, S(30));
	assert_int_equal(cfg.warnings.n, 1);
	assert_int_equal(w->line, 18);
	assert_string_equal(w->path, "/xhad-config/common-config/paramaters");
	assert_string_equal(w->suggestion, "parameters");
	assert_non_null(strstr(w->msg, "test.conf:18: <paramaters>: unknown element in <common-config>, ignored with "
	                               "everything in it (did you mean <parameters>?)"));
}

/* Suggestions only when close; a known name in the wrong parent is named with
 * its parent; case counts for matching, not for suggesting. */
static void test_warn_suggestions(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	const struct edit e[] = {
		{ 8, "      <IPaddress>192.0.2.11</IPaddress><IPadress>192.0.2.99</IPadress>" },
		{ 37, "<Frobnicator>1</Frobnicator><udpport>1</udpport><HeartbeatTimeout>5</HeartbeatTimeout>"
		      "<StateFiel>x</StateFiel>" },
	};
	if (load_text(build(e, 2), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.warnings.n, 5);
	const struct hb_config_warning *w = cfg.warnings.w;
	assert_int_equal(w[0].line, 8);
	assert_string_equal(w[0].path, "/xhad-config/common-config/host/IPadress");
	assert_string_equal(w[0].suggestion, "IPaddress");
	assert_string_equal(w[1].suggestion, ""); /* nothing close to Frobnicator */
	assert_null(strstr(w[1].msg, "did you mean"));
	assert_string_equal(w[2].suggestion, "UDPport");
	assert_non_null(strstr(w[2].msg, "which belongs in <common-config>"));
	assert_non_null(strstr(w[3].msg, "(<HeartbeatTimeout> belongs in <parameters>)"));
	assert_string_equal(w[4].suggestion, "StateFile");
	assert_int_equal(hb_config_edit_distance("HeartbeatTimout", "HeartbeatTimeout"), 1);
	assert_int_equal(hb_config_edit_distance("hots", "host"), 1); /* a swap is one edit */
	assert_int_equal(hb_config_edit_distance("udpport", "UDPport"), 0);
	assert_int_equal(hb_config_edit_distance("", "abc"), 3);
}

/* The list is bounded: the rest are counted. */
static void test_warn_many(void **state)
{
	static struct hb_config cfg;
	static char line[4096];
	struct hb_err err;
	size_t len = 0;
	(void)state;
	for (unsigned i = 0; i < HB_CONFIG_WARNINGS_MAX + 5; i++)
		len += (size_t)snprintf(line + len, sizeof line - len, "<X%u/>", i);
	const struct edit e[] = { { 37, line } };
	if (load_text(build(e, 1), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.warnings.n, HB_CONFIG_WARNINGS_MAX);
	assert_int_equal(cfg.warnings.dropped, 5);
}

/* Warnings before an error are kept; an extension in the wrong place stays
 * an error. */
static void test_warn_then_error(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	const struct edit e[] = { { 5, "    <UDPport>694</UDPport><UDPprt>1</UDPprt>" },
	                          { 15, "      <HostID>zz</HostID>" } };
	assert_int_equal(load_text(build(e, 2), &cfg, &err), -1);
	assert_non_null(strstr(err.msg, "test.conf:15: <HostID>"));
	assert_int_equal(cfg.warnings.n, 1);
	assert_string_equal(cfg.warnings.w[0].suggestion, "UDPport");
}

/* Every sample config (as xapi writes them, and ours) and the shipped
 * example give no warning: xhad's elements that hbagent does not use
 * (<XapiRestartRetry>, <XapiLicenseCheckTimeout>) are known. */
static void test_warn_none_in_samples(void **state)
{
	static struct hb_config cfg;
	static const char *const samples[] = { "good_xapi3.conf", "good_undashed_upper.conf", "good_ipv6.conf",
	                                       "good_two_paths.conf", "good_extensions.conf",
	                                       "good_no_parameters.conf" };
	(void)state;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		load_data(samples[i], &cfg);
		if (cfg.warnings.n != 0)
			fail_msg("%s: %s", samples[i], cfg.warnings.w[0].msg);
	}
	char path[1024];
	struct hb_err err = { { 0 } };
	snprintf(path, sizeof path, "%s/docs/examples/xhad.conf", getenv("HB_SOURCE_ROOT"));
	assert_int_equal(hb_config_load_file(path, &cfg, NULL, &err), 0);
	if (cfg.warnings.n != 0)
		fail_msg("%s: %s", path, cfg.warnings.w[0].msg);
	/* every element xapi and xhad know, written at once */
	const struct edit e[] = { { 30, "<XapiRestartTimeout>30</XapiRestartTimeout><XapiRestartRetry>3</XapiRestartRetry>"
	                                "<XapiLicenseCheckTimeout>30</XapiLicenseCheckTimeout>" },
	                          { 37, "<HeartbeatPhysicalInterface>eth0</HeartbeatPhysicalInterface>"
	                                "<WatchdogMode>HYPERVISOR</WatchdogMode>" } };
	if (load_text(build(e, 2), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	if (cfg.warnings.n != 0)
		fail_msg("xhad's elements: %s", cfg.warnings.w[0].msg);
}

/* The parameters exactly as xapi writes them for a large HA timeout T
 * (xapi_ha.ml Timeouts.derive: no upper limit): they load, match
 * hb_timing_params_from_T, and derive, with t2 = T / 20 used as 60 s.
 * T = 1220 is the first T whose t2 passed the old limit of 60 s. */
static void test_xapi_large_T(void **state)
{
	static struct hb_config cfg;
	static const uint32_t Ts[] = { 1220, 3601, 86400, 100000, HB_TIMING_T_MAX_S };
	(void)state;
	for (size_t i = 0; i < sizeof Ts / sizeof Ts[0]; i++) {
		uint32_t T = Ts[i];
		char l[8][96];
		snprintf(l[0], sizeof l[0], "<HeartbeatInterval>%u</HeartbeatInterval>", (T + 10) / 10 < 3 ? (T + 10) / 10 : 3);
		snprintf(l[1], sizeof l[1], "<HeartbeatTimeout>%u</HeartbeatTimeout>", T);
		snprintf(l[2], sizeof l[2], "<StateFileInterval>%u</StateFileInterval>", T / 20 > 2 ? T / 20 : 2);
		snprintf(l[3], sizeof l[3], "<StateFileTimeout>%u</StateFileTimeout>", T);
		snprintf(l[4], sizeof l[4], "<HeartbeatWatchdogTimeout>%u</HeartbeatWatchdogTimeout>", T);
		snprintf(l[5], sizeof l[5], "<StateFileWatchdogTimeout>%u</StateFileWatchdogTimeout>", T + 15);
		snprintf(l[6], sizeof l[6], "<BootJoinTimeout>%u</BootJoinTimeout>", T + 60);
		snprintf(l[7], sizeof l[7], "<EnableJoinTimeout>%u</EnableJoinTimeout>", T + 60);
		const struct edit e[] = {
			{ 19, l[0] }, { 20, l[1] }, { 21, l[2] }, { 22, l[3] }, { 23, l[4] }, { 24, l[5] }, { 25, l[6] },
			{ 26, l[7] }, { 27, "<XapiHealthCheckInterval>60</XapiHealthCheckInterval>" },
			{ 28, "<XapiHealthCheckTimeout>120</XapiHealthCheckTimeout>" },
			{ 30, "<XapiRestartTimeout>300</XapiRestartTimeout>" },
		};
		struct hb_err err = { { 0 } };
		if (load_text(build(e, sizeof e / sizeof e[0]), &cfg, &err) != 0)
			fail_msg("T = %u: %s", T, err.msg);
		struct hb_timing_params xapi;
		assert_int_equal(hb_timing_params_from_T(T, &xapi, &err), 0);
		xapi.watchdog_timeout_ms = cfg.params.watchdog_timeout_ms; /* not xapi's */
		assert_memory_equal(&cfg.params, &xapi, sizeof xapi);
		struct hb_timing t;
		if (hb_timing_derive(&cfg.params, &t, &err) != 0)
			fail_msg("T = %u: %s", T, err.msg);
		assert_int_equal(t.p.sf_interval_ms, 60000);
		assert_int_equal(t.sf_interval_configured_ms, S(T / 20));
	}
}

/* <PoolSecretFile>: xapi's /etc/xensource/ptoken unless set; empty means
 * none; it is a <localhost> element (each host has its own copy). */
static void test_pool_secret_file(void **state)
{
	static struct hb_config cfg;
	struct hb_err err = { { 0 } };
	(void)state;
	assert_int_equal(load_text(build(NULL, 0), &cfg, &err), 0);
	assert_string_equal(cfg.pool_secret_file, "/etc/xensource/ptoken");
	const struct edit set[] = { { 37, "<PoolSecretFile>/var/lib/test/ptoken</PoolSecretFile>" } };
	if (load_text(build(set, 1), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(cfg.pool_secret_file, "/var/lib/test/ptoken");
	const struct edit none[] = { { 37, "<PoolSecretFile></PoolSecretFile>" } };
	assert_int_equal(load_text(build(none, 1), &cfg, &err), 0);
	assert_string_equal(cfg.pool_secret_file, "");
	const struct edit misplaced[] = { { 5, "<UDPport>694</UDPport><PoolSecretFile>/x</PoolSecretFile>" } };
	EXPECT_ERROR(misplaced, "test.conf:5: ", "<PoolSecretFile>: belongs in <localhost>, not in <common-config>");
}

/* ---- one test per class of error -------------------------------------- */

static void test_err_not_well_formed(void **state)
{
	(void)state;
	const struct edit e[] = { { 13, "    </hots>" } };
	EXPECT_ERROR(e, "test.conf:13: ", "not well-formed XML", "hots");
}

static void test_err_not_well_formed_file(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	char path[1024];
	bool read_error = true;
	(void)state;
	data_path(path, sizeof path, "bad_not_xml.conf");
	assert_int_equal(hb_config_load_file(path, &cfg, &read_error, &err), -1);
	assert_false(read_error);
	assert_non_null(strstr(err.msg, "bad_not_xml.conf:9: not well-formed XML"));
}

/* libxml2 must never print: errors only come back in hb_err. */
static void test_err_libxml_silent(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	static const char *const bad[] = {
		"",
		"<xhad-config",
		"<?xml version=\"1.0\" encoding=\"klingon\"?><xhad-config/>",
		"<?xml version=\"1.0\" encoding=\"UTF-16\"?><xhad-config/>",
		"<a>\xff\xfe\x80</a>",
		"<a xmlns:x=\"u\"><y:b/></a>",
		"<a>&undefined;</a>",
		"<a><b></a>",
	};
	char tmpl[] = "/tmp/hb-test-stderr-XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) >= 0);
	int failures = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		failures += load_text(bad[i], &cfg, &err) != 0;
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(tmpl);
	assert_int_equal(failures, (int)(sizeof bad / sizeof bad[0]));
	assert_int_equal(st.st_size, 0);
	assert_non_null(strstr(err.msg, "test.conf:1: not well-formed XML"));
}

static void test_err_doctype(void **state)
{
	(void)state;
	const struct edit e[] = { { 1, "<?xml version=\"1.0\"?>\n<!DOCTYPE xhad-config [ <!ENTITY a \"aaaa\"> ]>" } };
	EXPECT_ERROR(e, "test.conf:2: ", "<!DOCTYPE>", "not allowed");
}

static void test_err_wrong_root(void **state)
{
	(void)state;
	const struct edit e[] = { { 2, "<xha-config version=\"1.0\">" }, { 41, "</xha-config>" } };
	EXPECT_ERROR(e, "test.conf:2: ", "<xha-config>", "expected root element <xhad-config>");
	const struct edit v[] = { { 2, "<xhad-config version=\"2.0\">" } };
	EXPECT_ERROR(v, "test.conf:2: ", "<xhad-config>", "unsupported version \"2.0\"");
}

static void test_err_missing_generation(void **state)
{
	(void)state;
	const struct edit e[] = { { 4, "" } };
	EXPECT_ERROR(e, "test.conf:3: ", "<common-config>: missing <GenerationUUID>");
	const struct edit p[] = { { 5, "" } };
	EXPECT_ERROR(p, "test.conf:3: ", "<common-config>: missing <UDPport>");
	const struct edit l[] = { { 33, "" }, { 34, "" }, { 35, "" }, { 36, "" },
	                          { 37, "" }, { 38, "" }, { 39, "" }, { 40, "" } };
	EXPECT_ERROR(l, "test.conf:2: ", "<xhad-config>: missing <local-config>");
}

static void test_err_bad_uuid(void **state)
{
	(void)state;
	const struct edit e[] = { { 11, "<HostID>zz</HostID>" } };
	EXPECT_ERROR(e, "test.conf:11: ", "<HostID>", "expected a UUID (32 hex digits, dashes optional), got \"zz\"");
	const struct edit g[] = { { 4, "<GenerationUUID>5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2</GenerationUUID>" } };
	EXPECT_ERROR(g, "test.conf:4: ", "<GenerationUUID>", "expected a UUID");
}

static void test_err_bad_uuid_file(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	char path[1024];
	bool read_error = true;
	(void)state;
	data_path(path, sizeof path, "bad_hostid.conf");
	assert_int_equal(hb_config_load_file(path, &cfg, &read_error, &err), -1);
	assert_false(read_error);
	assert_non_null(strstr(err.msg, "bad_hostid.conf:11: <HostID>: expected a UUID"));
}

static void test_err_duplicate_host(void **state)
{
	(void)state;
	const struct edit e[] = { { 15, "<HostID>C0FFEE00111142228333444455556666</HostID>" } };
	EXPECT_ERROR(e, "test.conf:15: ", "<HostID>", "c0ffee00-1111-4222-8333-444455556666 appears twice (also at line 7)");
}

static void test_err_local_not_in_list(void **state)
{
	(void)state;
	const struct edit e[] = { { 35, "<HostID>12345678-1234-4234-8234-123456789abc</HostID>" } };
	EXPECT_ERROR(e, "test.conf:35: ", "<localhost>/<HostID> 12345678-1234-4234-8234-123456789abc",
	             "is not one of the 3 <host> entries");
}

static void test_err_out_of_range(void **state)
{
	(void)state;
	const struct edit e[] = { { 20, "<HeartbeatTimeout>0</HeartbeatTimeout>" } };
	EXPECT_ERROR(e, "test.conf:20: ", "<HeartbeatTimeout>: 0 is out of range 1..500000 seconds");
	/* above the largest HA timeout T supported: the message names it */
	const struct edit big[] = { { 20, "<HeartbeatTimeout>500001</HeartbeatTimeout>" } };
	EXPECT_ERROR(big, "test.conf:20: ", "<HeartbeatTimeout>: 500001 is out of range 1..500000 seconds",
	             "the largest HA timeout T hbagent supports is 500000 s");
	const struct edit huge[] = { { 20, "<HeartbeatTimeout>99999999999999999999999</HeartbeatTimeout>" } };
	EXPECT_ERROR(huge, "test.conf:20: ", "the largest HA timeout T hbagent supports is 500000 s");
	const struct edit i[] = { { 19, "<HeartbeatInterval>61</HeartbeatInterval>" } };
	EXPECT_ERROR(i, "test.conf:19: ", "<HeartbeatInterval>: 61 is out of range 1..60 seconds");
	const struct edit p[] = { { 5, "<UDPport>0</UDPport>" } };
	EXPECT_ERROR(p, "test.conf:5: ", "<UDPport>: 0 is out of range 1..65535");
	const struct edit b[] = { { 29, "<XapiRestartAttempts>99999999999999999999999</XapiRestartAttempts>" } };
	EXPECT_ERROR(b, "test.conf:29: ", "<XapiRestartAttempts>", "is out of range 0..100");
}

static void test_err_not_a_number(void **state)
{
	(void)state;
	const struct edit e[] = { { 22, "<StateFileTimeout>30s</StateFileTimeout>" } };
	EXPECT_ERROR(e, "test.conf:22: ", "<StateFileTimeout>", "expected a whole number of seconds", "\"30s\"");
	const struct edit m[] = { { 22, "<StateFileTimeout>-1</StateFileTimeout>" } };
	EXPECT_ERROR(m, "test.conf:22: ", "<StateFileTimeout>", "expected a whole number", "\"-1\"");
	const struct edit s[] = { { 22, "<StateFileTimeout>3 0</StateFileTimeout>" } };
	EXPECT_ERROR(s, "test.conf:22: ", "<StateFileTimeout>", "expected a whole number");
	const struct edit zm[] = { { 22, "<StateFileTimeout>0ms</StateFileTimeout>" } };
	EXPECT_ERROR(zm, "test.conf:22: ", "<StateFileTimeout>", "out of range 1..500000000 ms");
	const struct edit um[] = { { 22, "<StateFileTimeout>ms</StateFileTimeout>" } };
	EXPECT_ERROR(um, "test.conf:22: ", "<StateFileTimeout>", "expected a whole number");
	const struct edit h[] = { { 5, "<UDPport>0x2b6</UDPport>" } };
	EXPECT_ERROR(h, "test.conf:5: ", "<UDPport>", "expected a whole number");
	const struct edit z[] = { { 5, "<UDPport></UDPport>" } };
	EXPECT_ERROR(z, "test.conf:5: ", "<UDPport>", "expected a whole number");
}

static void test_err_bad_ip(void **state)
{
	(void)state;
	const struct edit e[] = { { 12, "<IPaddress>host2.example.com</IPaddress>" } };
	EXPECT_ERROR(e, "test.conf:12: ", "<IPaddress>", "expected a numeric IPv4 or IPv6 address",
	             "\"host2.example.com\"");
	const struct edit o[] = { { 12, "<IPaddress>192.0.2.300</IPaddress>" } };
	EXPECT_ERROR(o, "test.conf:12: ", "<IPaddress>", "expected a numeric IPv4 or IPv6 address");
	const struct edit m[] = { { 12, "<IPaddress>224.0.0.1</IPaddress>" } };
	EXPECT_ERROR(m, "test.conf:12: ", "<IPaddress>", "not a unicast address");
}

static void test_err_too_many_addresses(void **state)
{
	(void)state;
	const struct edit e[] = { { 8, "<IPaddress>192.0.2.11</IPaddress>\n<IPaddress>192.0.2.111</IPaddress>\n"
	                               "<IPaddress>192.0.2.112</IPaddress>\n<IPaddress>192.0.2.113</IPaddress>\n"
	                               "<IPaddress>192.0.2.114</IPaddress>" } };
	EXPECT_ERROR(e, "test.conf:12: ", "<IPaddress>", "more than 4 addresses");
}

static void test_err_path_count_mismatch(void **state)
{
	(void)state;
	const struct edit e[] = { { 12, "<IPaddress>192.0.2.12</IPaddress><IPaddress>198.51.100.12</IPaddress>" } };
	EXPECT_ERROR(e, "test.conf:10: ", "<host>", "has 2 <IPaddress> elements but the <host> at line 6 has 1");
	const struct edit f[] = { { 16, "<IPaddress>2001:db8::13</IPaddress>" } };
	EXPECT_ERROR(f, "test.conf:16: ", "<IPaddress>", "heartbeat path 1 mixes IPv4 and IPv6");
}

static void test_err_duplicate_address(void **state)
{
	(void)state;
	const struct edit e[] = { { 16, "<IPaddress>192.0.2.11</IPaddress>" } };
	EXPECT_ERROR(e, "test.conf:16: ", "<IPaddress>", "192.0.2.11 appears twice in the pool (also at line 8)");
	const struct edit v6[] = { { 8, "<IPaddress>2001:db8::1</IPaddress>" }, { 12, "<IPaddress>2001:db8::2</IPaddress>" },
	                           { 16, "<IPaddress>2001:DB8:0::1</IPaddress>" } };
	EXPECT_ERROR(v6, "test.conf:16: ", "<IPaddress>", "2001:db8::1 appears twice");
}

static void test_err_unknown_backend(void **state)
{
	(void)state;
	const struct edit e[] = { { 37, "<WatchdogBackend>foo</WatchdogBackend>" } };
	EXPECT_ERROR(e, "test.conf:37: ", "<WatchdogBackend>: unknown backend \"foo\" (expected xen, linux or test)");
	const struct edit c[] = { { 36, "<WatchdogMode>HYPERVISOR</WatchdogMode>" },
	                          { 37, "<WatchdogBackend>linux</WatchdogBackend>" } };
	EXPECT_ERROR(c, "test.conf:37: ", "<WatchdogBackend>", "conflicts with <WatchdogMode>HYPERVISOR at line 36");
}

static void test_err_watchdog_mode_none(void **state)
{
	(void)state;
	const struct edit e[] = { { 37, "<WatchdogMode>NONE</WatchdogMode>" } };
	EXPECT_ERROR(e, "test.conf:37: ", "<WatchdogMode>", "always fences through a watchdog", "WatchdogBackend");
	const struct edit u[] = { { 37, "<WatchdogMode>user</WatchdogMode>" } };
	EXPECT_ERROR(u, "test.conf:37: ", "<WatchdogMode>", "not supported");
	const struct edit x[] = { { 37, "<WatchdogMode>hw</WatchdogMode>" } };
	EXPECT_ERROR(x, "test.conf:37: ", "<WatchdogMode>", "unknown mode \"hw\" (expected HYPERVISOR)");
}

static void test_err_test_backend_without_log(void **state)
{
	(void)state;
	const struct edit e[] = { { 37, "<WatchdogBackend>test</WatchdogBackend>" } };
	EXPECT_ERROR(e, "test.conf:34: ", "<localhost>: missing <TestFenceLog>", "<WatchdogBackend>test");
}

static void test_err_bad_allow_softdog(void **state)
{
	(void)state;
	const struct edit e[] = { { 37, "<AllowSoftdog>yes</AllowSoftdog>" } };
	EXPECT_ERROR(e, "test.conf:37: ", "<AllowSoftdog>", "expected true or false, got \"yes\"");
}

/* xapi supervision: auto and xapi's paths by default; mode in any case;
 * the command lines kept as written (the agent splits and checks them). */
static void test_xapi_supervision(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	load_data("good_no_parameters.conf", &cfg);
	assert_int_equal(cfg.xapi_supervision, HB_XAPI_SUP_AUTO);
	assert_string_equal(cfg.xapi_health_check, "/opt/xensource/libexec/xapi-health-check");
	assert_string_equal(cfg.xapi_restart_command, "/usr/bin/systemctl restart xapi.service");
	const struct edit e[] = { { 37, "<XapiSupervision>Off</XapiSupervision><XapiHealthCheck> /x/hc --quick "
	                                "</XapiHealthCheck><XapiRestartCommand>/bin/true</XapiRestartCommand>" } };
	assert_int_equal(load_text(build(e, 1), &cfg, &err), 0);
	assert_int_equal(cfg.xapi_supervision, HB_XAPI_SUP_OFF);
	assert_string_equal(cfg.xapi_health_check, "/x/hc --quick");
	assert_string_equal(cfg.xapi_restart_command, "/bin/true");
	const struct edit on[] = { { 37, "<XapiSupervision>ON</XapiSupervision>" } };
	assert_int_equal(load_text(build(on, 1), &cfg, &err), 0);
	assert_int_equal(cfg.xapi_supervision, HB_XAPI_SUP_ON);
}

static void test_err_xapi_supervision(void **state)
{
	(void)state;
	const struct edit e[] = { { 37, "<XapiSupervision>yes</XapiSupervision>" } };
	EXPECT_ERROR(e, "test.conf:37: ", "<XapiSupervision>: expected auto, on or off, got \"yes\"");
	const struct edit h[] = { { 5, "<UDPport>694</UDPport><XapiHealthCheck>/x</XapiHealthCheck>" } };
	EXPECT_ERROR(h, "test.conf:5: ", "<XapiHealthCheck>: belongs in <localhost>, not in <common-config>");
	const struct edit z[] = { { 37, "<XapiRestartCommand> </XapiRestartCommand>" } };
	EXPECT_ERROR(z, "test.conf:37: ", "<XapiRestartCommand>", "expected a value, got an empty element");
}

static void test_err_missing_statefile(void **state)
{
	(void)state;
	const struct edit e[] = { { 38, "" } };
	EXPECT_ERROR(e, "test.conf:34: ", "<localhost>: missing <StateFile>");
	const struct edit z[] = { { 38, "<StateFile>  </StateFile>" } };
	EXPECT_ERROR(z, "test.conf:38: ", "<StateFile>", "expected a value, got an empty element");
}

static void test_err_zero_hosts(void **state)
{
	(void)state;
	struct edit e[12];
	for (unsigned i = 0; i < 12; i++)
		e[i] = (struct edit){ 6 + i, "" };
	EXPECT_ERROR(e, "test.conf:3: ", "<common-config>", "no <host> entries (expected 1 to 64)");
}

static void test_err_too_long_string(void **state)
{
	(void)state;
	const struct edit e[] = { { 36, "<HeartbeatInterface>"
	                                "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"
	                                "</HeartbeatInterface>" } };
	EXPECT_ERROR(e, "test.conf:36: ", "<HeartbeatInterface>", "is longer than 63 characters");
	char sock[300];
	memset(sock, 'x', sizeof sock);
	memcpy(sock, "<ControlSocket>/", 16);
	memcpy(sock + 16 + 108, "</ControlSocket>", 17);
	const struct edit s[] = { { 37, sock } };
	EXPECT_ERROR(s, "test.conf:37: ", "<ControlSocket>", "is longer than 107 characters");
}

static void test_err_duplicate_element(void **state)
{
	(void)state;
	const struct edit e[] = { { 38, "<StateFile>/dev/a</StateFile>\n<StateFile>/dev/b</StateFile>" } };
	EXPECT_ERROR(e, "test.conf:39: ", "<StateFile>: appears twice (first at line 38)");
	const struct edit h[] = { { 8, "<HostID>c0ffee00-1111-4222-8333-444455556666</HostID>" } };
	EXPECT_ERROR(h, "test.conf:8: ", "<HostID>: appears twice (first at line 7)");
}

static void test_err_misplaced_extension(void **state)
{
	(void)state;
	const struct edit e[] = { { 5, "<UDPport>694</UDPport><WatchdogBackend>linux</WatchdogBackend>" } };
	EXPECT_ERROR(e, "test.conf:5: ", "<WatchdogBackend>: belongs in <localhost>, not in <common-config>");
}

static void test_err_element_instead_of_text(void **state)
{
	(void)state;
	const struct edit e[] = { { 38, "<StateFile><path>/dev/sdb</path></StateFile>" } };
	EXPECT_ERROR(e, "test.conf:38: ", "<StateFile>: expected text, found element <path>");
}

/* A pool of n hosts, one line per element; host k starts at line 6 + 4k. */
static const char *many_hosts(unsigned n)
{
	static char buf[BUF_MAX];
	size_t len = 0;
	len += (size_t)snprintf(buf + len, sizeof buf - len,
	                        "<?xml version=\"1.0\"?>\n<xhad-config version=\"1.0\">\n<common-config>\n"
	                        "<GenerationUUID>5d3c4a1e-8f0b-4c2d-9e6f-7a8b9c0d1e2f</GenerationUUID>\n"
	                        "<UDPport>694</UDPport>\n");
	for (unsigned k = 0; k < n; k++)
		len += (size_t)snprintf(buf + len, sizeof buf - len,
		                        "<host>\n<HostID>00000000-0000-4000-8000-0000000000%02x</HostID>\n"
		                        "<IPaddress>192.0.2.%u</IPaddress>\n</host>\n",
		                        n - k, k + 1);
	len += (size_t)snprintf(buf + len, sizeof buf - len,
	                        "</common-config>\n<local-config><localhost>\n"
	                        "<HostID>00000000-0000-4000-8000-000000000001</HostID>\n"
	                        "<StateFile>/dev/sdb</StateFile>\n</localhost></local-config>\n</xhad-config>\n");
	assert_true(len < sizeof buf);
	return buf;
}

static void test_max_hosts(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	if (load_text(many_hosts(64), &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.n_hosts, 64);
	assert_sorted(&cfg);
	assert_int_equal(cfg.local_index, 0);
	assert_string_equal(cfg.hosts[0].addrs[0].text, "192.0.2.64");
}

static void test_too_many_hosts(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	(void)state;
	assert_int_equal(load_text(many_hosts(65), &cfg, &err), -1);
	if (strstr(err.msg, "test.conf:262: <host>: more than 64 <host> entries") == NULL)
		fail_msg("%s", err.msg);
}

static void test_err_unreadable(void **state)
{
	static struct hb_config cfg;
	struct hb_err err;
	bool read_error = false;
	(void)state;
	assert_int_equal(hb_config_load_file("/nonexistent/xhad.conf", &cfg, &read_error, &err), -1);
	assert_true(read_error);
	assert_non_null(strstr(err.msg, "/nonexistent/xhad.conf: cannot open"));
	read_error = false;
	assert_int_equal(hb_config_load_file(getenv("HB_TEST_DATA"), &cfg, &read_error, &err), -1);
	assert_true(read_error);
	assert_non_null(strstr(err.msg, "cannot read"));
	assert_int_equal(hb_config_load_file("/nonexistent/xhad.conf", &cfg, NULL, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xapi_three_hosts),
		cmocka_unit_test(test_undashed_uppercase),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_two_paths),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_defaults_without_parameters),
		cmocka_unit_test(test_docs_example),
		cmocka_unit_test(test_watchdog_mode_and_backend),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_xapi_large_T),
		cmocka_unit_test(test_pool_secret_file),
		cmocka_unit_test(test_max_hosts),
		cmocka_unit_test(test_warn_misspelled_element),
		cmocka_unit_test(test_warn_misspelled_parent),
		cmocka_unit_test(test_warn_suggestions),
		cmocka_unit_test(test_warn_many),
		cmocka_unit_test(test_warn_then_error),
		cmocka_unit_test(test_warn_none_in_samples),
		cmocka_unit_test(test_err_not_well_formed),
		cmocka_unit_test(test_err_not_well_formed_file),
		cmocka_unit_test(test_err_libxml_silent),
		cmocka_unit_test(test_err_doctype),
		cmocka_unit_test(test_err_wrong_root),
		cmocka_unit_test(test_err_missing_generation),
		cmocka_unit_test(test_err_bad_uuid),
		cmocka_unit_test(test_err_bad_uuid_file),
		cmocka_unit_test(test_err_duplicate_host),
		cmocka_unit_test(test_err_local_not_in_list),
		cmocka_unit_test(test_err_out_of_range),
		cmocka_unit_test(test_err_not_a_number),
		cmocka_unit_test(test_err_bad_ip),
		cmocka_unit_test(test_err_too_many_addresses),
		cmocka_unit_test(test_err_path_count_mismatch),
		cmocka_unit_test(test_err_duplicate_address),
		cmocka_unit_test(test_err_unknown_backend),
		cmocka_unit_test(test_err_watchdog_mode_none),
		cmocka_unit_test(test_err_test_backend_without_log),
		cmocka_unit_test(test_err_bad_allow_softdog),
		cmocka_unit_test(test_xapi_supervision),
		cmocka_unit_test(test_err_xapi_supervision),
		cmocka_unit_test(test_err_missing_statefile),
		cmocka_unit_test(test_too_many_hosts),
		cmocka_unit_test(test_err_zero_hosts),
		cmocka_unit_test(test_err_too_long_string),
		cmocka_unit_test(test_err_duplicate_element),
		cmocka_unit_test(test_err_misplaced_extension),
		cmocka_unit_test(test_err_element_instead_of_text),
		cmocka_unit_test(test_err_unreadable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
