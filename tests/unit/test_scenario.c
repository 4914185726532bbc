/*
 * test_scenario.c: the scenario language (hb_scenario.c). Goal: every
 * statement kind parses into the right fields, defaults apply, every
 * statement survives format -> parse unchanged, times are read exactly, and
 * every class of error is refused at the right line with a message that says
 * what was wrong. The examples in docs/scenarios.md must parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hb_scenario.h"

/* Large (about 128 KiB): one shared instance rather than on the stack. */
static struct hb_scenario sc;

static void parse_ok(const char *text)
{
	struct hb_err err = {{0}};
	if (hb_scenario_parse(text, strlen(text), "t.sc", &sc, &err) != 0)
		fail_msg("refused: %s\n--- text:\n%s", err.msg, text);
}

/* text must be refused at `line` with a message containing needle. */
static void parse_err(const char *text, int line, const char *needle)
{
	struct hb_err err = {{0}};
	char prefix[32];
	snprintf(prefix, sizeof prefix, "t.sc:%d: ", line);
	if (hb_scenario_parse(text, strlen(text), "t.sc", &sc, &err) != -1)
		fail_msg("accepted:\n%s", text);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.msg, prefix, needle);
	assert_int_equal(sc.n_statements, 0);
}

/* One statement after "hosts 8": parse it and return it. */
static const struct hb_sc_statement *one(const char *stmt)
{
	char text[1200];
	snprintf(text, sizeof text, "hosts 8\n%s\n", stmt);
	parse_ok(text);
	assert_int_equal(sc.n_statements, 1);
	return &sc.statements[0];
}

static int64_t time_of(const char *t)
{
	char stmt[64];
	snprintf(stmt, sizeof stmt, "at %s heal", t);
	return one(stmt)->at_ms;
}

static const char full_text[] =
	"# every statement kind\n"
	"hosts 6\n"
	"timeout 45   # seconds\n"
	"paths 2\n"
	"sector 4096\n"
	"\n"
	"at 0s start all\n"
	"expect 0s down none\n"
	"at 1s crash 1\n"
	"at 2s boot 1\n"
	"at 3s shutdown 2\n"
	"at 4s freeze 3 1.5s\n"
	"at 5s isolate 4\n"
	"at 6s partition 0,1 | 2,3 | 5\n"
	"at 7s cut 0 -> 5\n"
	"at 8s heal\n"
	"at 9s storage-fail all\n"
	"at 10s storage-hang 2\n"
	"at 11s storage-slow all 250ms\n"
	"at 12s storage-heal 2\n"
	"at 13s storage-torn 4\n"
	"at 14s propose-master 3\n"
	"at 15s disarm 0\n"
	"at 16s set-weight 5 65535\n"
	"expect 1m liveset 0,2,4 within 10s\n"
	"expect 1m master 3\n"
	"expect 1m master none within 500ms\n"
	"expect 2m down 1,5\n";

static void check_head(const struct hb_sc_statement *st, int line, enum hb_sc_kind kind, int64_t at_ms)
{
	assert_int_equal(st->line, line);
	assert_int_equal(st->kind, kind);
	assert_int_equal(st->at_ms, at_ms);
}

static void test_full(void **state)
{
	(void)state;
	parse_ok(full_text);
	const struct hb_sc_statement *s = sc.statements;
	assert_string_equal(sc.name, "t.sc");
	assert_int_equal(sc.n_hosts, 6);
	assert_int_equal(sc.timeout_s, 45);
	assert_int_equal(sc.paths, 2);
	assert_int_equal(sc.sector, 4096);
	assert_int_equal(sc.n_statements, 22);
	check_head(&s[0], 7, HB_SC_START_ALL, 0);
	assert_int_equal(s[0].host, HB_SC_ALL);
	check_head(&s[1], 8, HB_SC_EXPECT_DOWN, 0);
	assert_int_equal(s[1].hosts, 0);
	check_head(&s[2], 9, HB_SC_CRASH, 1000);
	assert_int_equal(s[2].host, 1);
	assert_int_equal(s[2].host2, -1);
	check_head(&s[3], 10, HB_SC_BOOT, 2000);
	check_head(&s[4], 11, HB_SC_SHUTDOWN, 3000);
	assert_int_equal(s[4].host, 2);
	check_head(&s[5], 12, HB_SC_FREEZE, 4000);
	assert_int_equal(s[5].host, 3);
	assert_int_equal(s[5].duration_ms, 1500);
	check_head(&s[6], 13, HB_SC_ISOLATE, 5000);
	check_head(&s[7], 14, HB_SC_PARTITION, 6000);
	assert_int_equal(s[7].n_groups, 3);
	check_head(&s[8], 15, HB_SC_CUT, 7000);
	assert_int_equal(s[8].host, 0);
	assert_int_equal(s[8].host2, 5);
	check_head(&s[9], 16, HB_SC_HEAL, 8000);
	assert_int_equal(s[9].host, -1);
	check_head(&s[10], 17, HB_SC_STORAGE_FAIL, 9000);
	assert_int_equal(s[10].host, HB_SC_ALL);
	check_head(&s[11], 18, HB_SC_STORAGE_HANG, 10000);
	assert_int_equal(s[11].host, 2);
	check_head(&s[12], 19, HB_SC_STORAGE_SLOW, 11000);
	assert_int_equal(s[12].host, HB_SC_ALL);
	assert_int_equal(s[12].duration_ms, 250);
	check_head(&s[13], 20, HB_SC_STORAGE_HEAL, 12000);
	check_head(&s[14], 21, HB_SC_STORAGE_TORN, 13000);
	assert_int_equal(s[14].host, 4);
	check_head(&s[15], 22, HB_SC_PROPOSE_MASTER, 14000);
	assert_int_equal(s[15].host, 3);
	check_head(&s[16], 23, HB_SC_DISARM, 15000);
	assert_int_equal(s[16].host, 0);
	check_head(&s[17], 24, HB_SC_SET_WEIGHT, 16000);
	assert_int_equal(s[17].host, 5);
	assert_int_equal(s[17].weight, 65535);
	check_head(&s[18], 25, HB_SC_EXPECT_LIVESET, 60000);
	assert_int_equal(s[18].hosts, 0x15);
	assert_int_equal(s[18].within_ms, 10000);
	check_head(&s[19], 26, HB_SC_EXPECT_MASTER, 60000);
	assert_int_equal(s[19].host, 3);
	assert_int_equal(s[19].within_ms, 0);
	check_head(&s[20], 27, HB_SC_EXPECT_MASTER, 60000);
	assert_int_equal(s[20].host, HB_SC_NONE);
	assert_int_equal(s[20].within_ms, 500);
	check_head(&s[21], 28, HB_SC_EXPECT_DOWN, 120000);
	assert_int_equal(s[21].hosts, 0x22);
}

static void test_defaults(void **state)
{
	(void)state;
	parse_ok("hosts 1\n");
	assert_int_equal(sc.n_hosts, 1);
	assert_int_equal(sc.timeout_s, 30);
	assert_int_equal(sc.paths, 1);
	assert_int_equal(sc.sector, 512);
	assert_int_equal(sc.n_statements, 0);
	parse_ok("timeout 2m\nhosts 64\nsector 512\npaths 4");
	assert_int_equal(sc.n_hosts, 64);
	assert_int_equal(sc.timeout_s, 120);
	assert_int_equal(sc.paths, 4);
	parse_ok("hosts 2\ntimeout 3600\n");
	assert_int_equal(sc.timeout_s, 3600);
}

static void test_lexical(void **state)
{
	(void)state;
	parse_ok("  # comment only\n\n\thosts\t3# trailing comment\r\n"
	         "at 1s\tcrash   2 #crash it\r\n"
	         "#at 0s crash 9\n"
	         "at 2s boot 2#no space before the comment");
	assert_int_equal(sc.n_hosts, 3);
	assert_int_equal(sc.n_statements, 2);
	assert_int_equal(sc.statements[0].line, 4);
	assert_int_equal(sc.statements[1].line, 6);
	assert_int_equal(sc.statements[1].host, 2);
}

/* Every field but the line number. */
static bool same_statement(const struct hb_sc_statement *a, const struct hb_sc_statement *b)
{
	if (a->kind != b->kind || a->at_ms != b->at_ms || a->host != b->host || a->host2 != b->host2 ||
	    a->duration_ms != b->duration_ms || a->within_ms != b->within_ms || a->weight != b->weight ||
	    a->hosts != b->hosts || a->n_groups != b->n_groups || a->pool_state != b->pool_state ||
	    a->path != b->path || a->jitter_ms != b->jitter_ms || a->rate_ppm != b->rate_ppm || a->forge != b->forge)
		return false;
	for (unsigned g = 0; g < HB_SC_MAX_GROUPS; g++)
		if (a->groups[g] != b->groups[g])
			return false;
	return true;
}

static void test_round_trip(void **state)
{
	(void)state;
	static struct hb_scenario orig;
	parse_ok(full_text);
	orig = sc;
	for (size_t i = 0; i < orig.n_statements; i++) {
		char line[512], text[600];
		hb_sc_statement_format(&orig.statements[i], line, sizeof line);
		snprintf(text, sizeof text, "hosts 6\n%s\n", line);
		parse_ok(text);
		assert_int_equal(sc.n_statements, 1);
		if (!same_statement(&sc.statements[0], &orig.statements[i]))
			fail_msg("\"%s\" did not round-trip", line);
	}
}

static void formats_as(const char *stmt, const char *want)
{
	char buf[512];
	hb_sc_statement_format(one(stmt), buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void test_format(void **state)
{
	(void)state;
	formats_as("at 0ms start all", "at 0s start all");
	formats_as("at 1500ms freeze 3 0.25s", "at 1.500s freeze 3 250ms");
	formats_as("at 2m partition 3,1 | 0 | 7,6", "at 120s partition 1,3 | 0 | 6,7");
	formats_as("at 1s cut 2 -> 4", "at 1s cut 2 -> 4");
	formats_as("at 1s storage-slow all 10s", "at 1s storage-slow all 10s");
	formats_as("at 1s set-weight 0 7", "at 1s set-weight 0 7");
	formats_as("at 1s heal", "at 1s heal");
	formats_as("expect 1s liveset 2,0 within 0s", "expect 1s liveset 0,2");
	formats_as("expect 1s down none within 3s", "expect 1s down none within 3s");
	formats_as("expect 1s master none", "expect 1s master none");
	/* Truncation keeps the buffer terminated. */
	char small[8];
	hb_sc_statement_format(one("at 1s storage-fail all"), small, sizeof small);
	assert_string_equal(small, "at 1s s");
}

static void test_format_time(void **state)
{
	(void)state;
	static const struct {
		int64_t ms;
		const char *text;
	} cases[] = {
		{0, "0s"}, {1, "1ms"}, {250, "250ms"}, {999, "999ms"}, {1000, "1s"}, {1500, "1.500s"},
		{1001, "1.001s"}, {30000, "30s"}, {61050, "61.050s"}, {120000, "120s"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[32];
		hb_sc_format_time(cases[i].ms, buf, sizeof buf);
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(time_of(buf), cases[i].ms);
	}
}

static void test_times(void **state)
{
	(void)state;
	assert_int_equal(time_of("1.5s"), 1500);
	assert_int_equal(time_of("2m"), 120000);
	assert_int_equal(time_of("500ms"), 500);
	assert_int_equal(time_of("0s"), 0);
	assert_int_equal(time_of("0ms"), 0);
	assert_int_equal(time_of("30s"), 30000);
	assert_int_equal(time_of("0.001s"), 1);
	assert_int_equal(time_of("1.250s"), 1250);
	assert_int_equal(time_of("1.25000s"), 1250);
	assert_int_equal(time_of("0.5m"), 30000);
	assert_int_equal(time_of("0.0001m"), 6);
	assert_int_equal(time_of("007s"), 7000);
	assert_int_equal(time_of("10000000s"), 10000000000);
}

static void test_within(void **state)
{
	(void)state;
	const struct hb_sc_statement *st = one("expect 90s liveset 0,1,7 within 1.5s");
	assert_int_equal(st->kind, HB_SC_EXPECT_LIVESET);
	assert_int_equal(st->at_ms, 90000);
	assert_int_equal(st->within_ms, 1500);
	assert_int_equal(st->hosts, 0x83);
	st = one("expect 90s master 0 within 2m");
	assert_int_equal(st->within_ms, 120000);
	st = one("expect 90s down 3");
	assert_int_equal(st->within_ms, 0);
	st = one("expect 90s liveset none within 100ms");
	assert_int_equal(st->hosts, 0);
	assert_int_equal(st->within_ms, 100);
}

static void test_partition(void **state)
{
	(void)state;
	const struct hb_sc_statement *st = one("at 1s partition 0,1 | 2,3");
	assert_int_equal(st->n_groups, 2);
	assert_int_equal(st->groups[0], 0x3);
	assert_int_equal(st->groups[1], 0xc);
	st = one("at 1s partition 7 | 0,6 | 1,5,2");
	assert_int_equal(st->n_groups, 3);
	assert_int_equal(st->groups[0], 0x80);
	assert_int_equal(st->groups[1], 0x41);
	assert_int_equal(st->groups[2], 0x26);
	st = one("at 1s partition 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7");
	assert_int_equal(st->n_groups, HB_SC_MAX_GROUPS);
	for (unsigned g = 0; g < HB_SC_MAX_GROUPS; g++)
		assert_int_equal(st->groups[g], hb_host_bit(g));
	parse_ok("hosts 64\nat 0s partition 63 | 0,62\nexpect 0s down 63,0\n");
	assert_int_equal(sc.statements[0].groups[0], hb_host_bit(63));
	assert_int_equal(sc.statements[1].hosts, hb_host_bit(63) | 1u);
}

static void test_nondecreasing(void **state)
{
	(void)state;
	parse_ok("hosts 2\nat 5s crash 0\nexpect 5s down 0\nat 5s boot 0\nexpect 5000ms down none\nat 6s heal\n");
	assert_int_equal(sc.n_statements, 5);
	parse_err("hosts 2\nat 20s crash 0\nexpect 25s down 0\n\nat 10s boot 0\n", 5,
	          "time 10s goes backwards (previous statement at 25s)");
	parse_err("hosts 2\nexpect 1.5s down none\nat 1499ms heal\n", 3, "time 1.499s goes backwards");
}

static void test_err_unknown(void **state)
{
	(void)state;
	parse_err("hosts 4\nat 1s crash 0\nat 2s explode 1\n", 3, "unknown action \"explode\" (expected start, crash, boot");
	parse_err("hosts 4\nat 2s explode 1\n", 2, "restart-agent, forge-slot or forge-heartbeat)");
	parse_err("hosts 4\nexpect 2s quorum 1\n", 2,
	          "unknown expectation \"quorum\" (expected liveset, master, down, fenced or reported-master)");
	parse_err("hosts 4\nwait 2s\n", 2, "unknown statement \"wait\"");
	parse_err("hosts 4\nexpect 2s crash 1\n", 2, "unknown expectation \"crash\"");
	parse_err("hosts 4\nat 2s liveset 1\n", 2, "unknown action \"liveset\"");
}

static void test_err_host_range(void **state)
{
	(void)state;
	parse_err("hosts 4\n\n\n\n\n\nat 1s crash 5\n", 7, "host 5 is out of range (pool has 4 hosts)");
	parse_err("hosts 1\nat 1s crash 1\n", 2, "host 1 is out of range (pool has 1 host)");
	parse_err("hosts 4\nexpect 1s liveset 0,4\n", 2, "host 4 is out of range");
	parse_err("hosts 4\nat 1s cut 0 -> 99999999999999999999\n", 2, "host 99999999999999999999 is out of range");
	parse_err("hosts 4\nat 1s partition 0 | 1,9\n", 2, "host 9 is out of range");
	parse_err("hosts 4\nat 1s crash -1\n", 2, "bad host \"-1\" (expected a host index)");
	parse_err("hosts 4\nat 1s crash all\n", 2, "bad host \"all\"");
	parse_err("hosts 4\nat 1s storage-torn all\n", 2, "bad host \"all\"");
	parse_err("hosts 4\nat 1s crash none\n", 2, "bad host \"none\"");
	parse_err("hosts 4\nexpect 1s master all\n", 2, "bad host \"all\" (expected a host index or none)");
	parse_err("hosts 4\nat 1s storage-fail x\n", 2, "bad host \"x\" (expected a host index or all)");
}

static void test_err_lists(void **state)
{
	(void)state;
	parse_err("hosts 4\nexpect 1s liveset 0,1,1\n", 2, "host 1 is listed twice in \"0,1,1\"");
	parse_err("hosts 4\nexpect 1s liveset 0,,1\n", 2, "bad host list \"0,,1\"");
	parse_err("hosts 4\nexpect 1s down 0,\n", 2, "bad host list \"0,\"");
	parse_err("hosts 4\nexpect 1s down ,0\n", 2, "bad host list");
	parse_err("hosts 4\nexpect 1s down all\n", 2, "bad host list \"all\"");
	parse_err("hosts 4\nexpect 1s down 0, 1\n", 2, "unexpected \"1\" after down");
}

static void test_err_partition(void **state)
{
	(void)state;
	parse_err("hosts 4\nat 1s partition 0,1\n", 2, "partition needs at least 2 groups");
	parse_err("hosts 4\nat 1s partition\n", 2, "partition needs at least 2 groups");
	parse_err("hosts 4\nat 1s partition 0,1 | 1,2\n", 2, "host 1 is in two partition groups");
	parse_err("hosts 4\nat 1s partition 0,1 | | 2\n", 2, "empty partition group");
	parse_err("hosts 4\nat 1s partition | 0 | 2\n", 2, "empty partition group");
	parse_err("hosts 4\nat 1s partition 0 | 1 |\n", 2, "partition ends with \"|\"");
	parse_err("hosts 4\nat 1s partition 0,1|2,3\n", 2, "\"|\" must be separated by spaces in \"0,1|2,3\"");
	parse_err("hosts 4\nat 1s partition 0,1 2,3\n", 2, "\"2,3\" where a \"|\" should separate");
	parse_err("hosts 4\nat 1s partition 0 | none\n", 2, "\"none\" is not allowed here");
	parse_err("hosts 9\nat 1s partition 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8\n", 2,
	          "too many partition groups (expected at most 8)");
}

static void test_err_arguments(void **state)
{
	(void)state;
	parse_err("hosts 4\nat 1s crash\n", 2, "crash needs more arguments (expected \"at TIME crash H\")");
	parse_err("hosts 4\nat 1s crash 1 2\n", 2, "unexpected \"2\" after crash (expected \"at TIME crash H\")");
	parse_err("hosts 4\nat 1s heal now\n", 2, "unexpected \"now\" after heal");
	parse_err("hosts 4\nat 1s start 1\n", 2, "\"start 1\" is not supported (expected \"at TIME start all\")");
	parse_err("hosts 4\nat 1s start\n", 2, "start needs more arguments");
	parse_err("hosts 4\nat 1s freeze 1\n", 2, "freeze needs more arguments (expected \"at TIME freeze H DURATION\")");
	parse_err("hosts 4\nat 1s freeze 1 0s\n", 2, "freeze needs a positive duration, not \"0s\"");
	parse_err("hosts 4\nat 1s storage-slow all 0ms\n", 2, "storage-slow needs a positive duration");
	parse_err("hosts 4\nat 1s storage-slow all 10\n", 2, "missing unit in \"10\"");
	parse_err("hosts 4\nat 1s cut 1 -> 1\n", 2, "cut from host 1 to itself");
	parse_err("hosts 4\nat 1s cut 1 => 2\n", 2, "\"=>\" where \"->\" should be");
	parse_err("hosts 4\nat 1s cut 1->2\n", 2, "cut needs more arguments (expected \"at TIME cut A -> B\")");
	parse_err("hosts 4\nat 1s set-weight 1 0\n", 2, "bad weight \"0\" (expected a whole number from 1 to 65535)");
	parse_err("hosts 4\nat 1s set-weight 1 65536\n", 2, "bad weight \"65536\"");
	parse_err("hosts 4\nat 1s set-weight 1 x\n", 2, "bad weight \"x\"");
	parse_err("hosts 4\nat 1s\n", 2, "\"at\" needs a time and an action");
	parse_err("hosts 4\nexpect 1s\n", 2, "\"expect\" needs a time and an expectation");
	parse_err("hosts 4\nexpect 1s master\n", 2, "master needs more arguments");
	parse_err("hosts 4\nexpect 1s master 1 2\n", 2, "unexpected \"2\" after master");
}

static void test_err_within(void **state)
{
	(void)state;
	parse_err("hosts 4\nexpect 1s liveset 0 within\n", 2, "\"within\" needs a duration");
	parse_err("hosts 4\nexpect 1s liveset 0 within 5s 6s\n", 2, "unexpected \"6s\" after within 5s");
	parse_err("hosts 4\nexpect 1s liveset 0 within 5\n", 2, "missing unit in \"5\"");
	parse_err("hosts 4\nexpect 1s liveset within 5s\n", 2, "liveset needs more arguments");
	parse_err("hosts 4\nat 1s crash 0 within 5s\n", 2, "unexpected \"within\" after crash");
}

static void test_err_time(void **state)
{
	(void)state;
	parse_err("hosts 4\nat 30 crash 1\n", 2, "missing unit in \"30\" (expected ms, s or m)");
	parse_err("hosts 4\nat 30h crash 1\n", 2, "unknown unit \"h\" in \"30h\" (expected ms, s or m)");
	parse_err("hosts 4\nat 30S crash 1\n", 2, "unknown unit \"S\"");
	parse_err("hosts 4\nat 1.2345s crash 1\n", 2, "time \"1.2345s\" is not a whole number of milliseconds");
	parse_err("hosts 4\nat 1.5ms crash 1\n", 2, "not a whole number of milliseconds");
	parse_err("hosts 4\nat 0.00001m crash 1\n", 2, "not a whole number of milliseconds");
	parse_err("hosts 4\nat -1s crash 1\n", 2, "bad time \"-1s\"");
	parse_err("hosts 4\nat .5s crash 1\n", 2, "bad time \".5s\"");
	parse_err("hosts 4\nat 5.s crash 1\n", 2, "bad time \"5.s\"");
	parse_err("hosts 4\nat 1.2.3s crash 1\n", 2, "bad time \"1.2.3s\"");
	parse_err("hosts 4\nat s crash 1\n", 2, "bad time \"s\"");
	parse_err("hosts 4\nat 1 s crash 1\n", 2, "missing unit in \"1\"");
	parse_err("hosts 4\nat 100000000000000s crash 1\n", 2, "has too many digits");
	parse_err("hosts 4\nat 10000001s crash 1\n", 2, "is too large");
}

static void test_err_header(void **state)
{
	(void)state;
	parse_err("hosts 4\nat 1s crash 1\ntimeout 30\n", 3, "\"timeout\" after the first at/expect (line 2)");
	parse_err("hosts 4\nexpect 1s down none\nhosts 4\n", 3, "\"hosts\" after the first at/expect");
	parse_err("hosts 4\npaths 2\npaths 2\n", 3, "\"paths\" given twice (first on line 2)");
	parse_err("hosts 4\nhosts 5\n", 2, "\"hosts\" given twice");
	parse_err("hosts 0\n", 1, "hosts 0 is out of range (expected a whole number from 1 to 64)");
	parse_err("hosts 65\n", 1, "hosts 65 is out of range");
	parse_err("hosts four\n", 1, "bad value \"four\" for hosts");
	parse_err("hosts 4s\n", 1, "bad value \"4s\" for hosts");
	parse_err("hosts\n", 1, "\"hosts\" takes one value");
	parse_err("hosts 4 5\n", 1, "\"hosts\" takes one value");
	parse_err("hosts 4\ntimeout 0\n", 2, "timeout 0 is out of range");
	parse_err("hosts 4\ntimeout 3601\n", 2, "timeout 3601 is out of range");
	parse_err("hosts 4\ntimeout 61m\n", 2, "timeout 61m is out of range");
	parse_err("hosts 4\ntimeout 1.5s\n", 2, "timeout \"1.5s\" is not whole seconds");
	parse_err("hosts 4\ntimeout x\n", 2, "bad value \"x\" for timeout");
	parse_err("hosts 4\npaths 0\n", 2, "paths 0 is out of range (expected a whole number from 1 to 4)");
	parse_err("hosts 4\npaths 5\n", 2, "paths 5 is out of range");
	parse_err("hosts 4\nsector 1024\n", 2, "sector 1024 is out of range (expected 512 or 4096)");
	parse_err("hosts 4\nsector 513\n", 2, "sector 513 is out of range");
}

static void test_err_no_hosts(void **state)
{
	(void)state;
	parse_err("", 1, "no \"hosts\" statement");
	parse_err("# nothing\n\n# here\n", 3, "no \"hosts\" statement");
	parse_err("timeout 30\n", 1, "no \"hosts\" statement");
	parse_err("timeout 30\nat 1s heal\nhosts 2\n", 2, "\"at\" before \"hosts\"");
	parse_err("expect 1s down none\n", 1, "\"expect\" before \"hosts\"");
	struct hb_err err = {{0}};
	assert_int_equal(hb_scenario_parse(NULL, 0, NULL, &sc, &err), -1);
	assert_non_null(strstr(err.msg, "scenario:1: no \"hosts\""));
}

static void test_err_line_length(void **state)
{
	(void)state;
	static char text[2200];
	/* 1024 characters (comment included) is the limit; 1025 is refused. */
	int n = snprintf(text, sizeof text, "hosts 2\nat 1s heal #");
	memset(text + n, 'x', 1024 - (sizeof "at 1s heal #" - 1));
	n += 1024 - (int)(sizeof "at 1s heal #" - 1);
	snprintf(text + n, sizeof text - (size_t)n, "\n");
	parse_ok(text);
	snprintf(text + n, sizeof text - (size_t)n, "x\nat 2s heal\n");
	parse_err(text, 2, "line is 1025 characters long (expected at most 1024)");
}

static void test_err_too_many(void **state)
{
	(void)state;
	static char text[20 * (HB_SC_MAX_STATEMENTS + 2)];
	size_t pos = (size_t)snprintf(text, sizeof text, "hosts 2\n");
	for (unsigned i = 0; i < HB_SC_MAX_STATEMENTS; i++)
		pos += (size_t)snprintf(text + pos, sizeof text - pos, "at %us heal\n", i);
	parse_ok(text);
	assert_int_equal(sc.n_statements, HB_SC_MAX_STATEMENTS);
	snprintf(text + pos, sizeof text - pos, "# fine\nexpect 9999s down none\n");
	parse_err(text, (int)HB_SC_MAX_STATEMENTS + 3, "too many statements (expected at most 1024)");
	/* Too many words on one line. */
	parse_err("hosts 2\nat 1s heal 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30\n",
	          2, "too many words on the line");
}

static void test_err_nul_and_first(void **state)
{
	(void)state;
	static const char nul[] = "hosts 2\nat 1s h\0eal\n";
	struct hb_err err = {{0}};
	assert_int_equal(hb_scenario_parse(nul, sizeof nul - 1, "t.sc", &sc, &err), -1);
	assert_non_null(strstr(err.msg, "t.sc:2: NUL byte"));
	/* Only the first error is reported. */
	parse_err("hosts 2\nat 1s crash 7\nat 0s explode\n", 2, "host 7 is out of range");
	/* Text without a terminating NUL: only len bytes are read. */
	static const char cut[] = "hosts 2\nat 1s crash 1 extra";
	assert_int_equal(hb_scenario_parse(cut, sizeof cut - 1 - 6, "t.sc", &sc, &err), 0);
	assert_int_equal(sc.statements[0].host, 1);
}

/* set-pool-state (through a host's agent) and the fenced expectation. */
static void test_pool_state_and_fenced(void **state)
{
	(void)state;
	const struct hb_sc_statement *st = one("at 20s set-pool-state 3 invalid");
	assert_int_equal(st->kind, HB_SC_SET_POOL_STATE);
	assert_int_equal(st->host, 3);
	assert_int_equal(st->pool_state, HB_POOL_INVALID);
	formats_as("at 20s set-pool-state 3 invalid", "at 20s set-pool-state 3 invalid");
	formats_as("at 1s set-pool-state 0 ACTIVE", "at 1s set-pool-state 0 active");
	st = one("expect 90s fenced 2,5 within 3s");
	assert_int_equal(st->kind, HB_SC_EXPECT_FENCED);
	assert_int_equal(st->hosts, 0x24);
	assert_int_equal(st->within_ms, 3000);
	formats_as("expect 90s fenced none", "expect 90s fenced none");
	parse_err("hosts 4\nat 1s set-pool-state 1 broken\n", 2, "unknown pool state \"broken\"");
	parse_err("hosts 4\nat 1s set-pool-state all invalid\n", 2, "all");
	parse_err("hosts 4\nat 1s set-pool-state 1\n", 2, "needs more arguments");
	parse_err("hosts 4\nexpect 1s fenced 9\n", 2, "out of range");
}

/* loss, duplicate, delay, replay: rates, links, paths, and their round trip. */
static void test_network_quality(void **state)
{
	(void)state;
	static const char text[] =
		"hosts 4\npaths 2\n"
		"at 1s loss 5%\n"
		"at 2s loss 0.25% 2\n"
		"at 3s loss 100% 1 -> 3 path 1\n"
		"at 4s duplicate 0.0001% path 0\n"
		"at 5s delay 200ms jitter 50ms 0 -> 1\n"
		"at 6s delay 0ms\n"
		"at 7s replay 35s 2 -> 0\n";
	parse_ok(text);
	const struct hb_sc_statement *s = sc.statements;
	assert_int_equal(sc.n_statements, 7);
	check_head(&s[0], 3, HB_SC_LOSS, 1000);
	assert_int_equal(s[0].rate_ppm, 50000);
	assert_int_equal(s[0].host, -1);
	assert_int_equal(s[0].host2, -1);
	assert_int_equal(s[0].path, -1);
	assert_int_equal(s[1].rate_ppm, 2500);
	assert_int_equal(s[1].host, 2);
	assert_int_equal(s[1].host2, -1);
	assert_int_equal(s[2].rate_ppm, 1000000);
	assert_int_equal(s[2].host, 1);
	assert_int_equal(s[2].host2, 3);
	assert_int_equal(s[2].path, 1);
	check_head(&s[3], 6, HB_SC_DUPLICATE, 4000);
	assert_int_equal(s[3].rate_ppm, 1);
	assert_int_equal(s[3].path, 0);
	check_head(&s[4], 7, HB_SC_DELAY, 5000);
	assert_int_equal(s[4].duration_ms, 200);
	assert_int_equal(s[4].jitter_ms, 50);
	assert_int_equal(s[4].host, 0);
	assert_int_equal(s[4].host2, 1);
	assert_int_equal(s[5].duration_ms, 0);
	check_head(&s[6], 9, HB_SC_REPLAY, 7000);
	assert_int_equal(s[6].duration_ms, 35000);
	formats_as("at 1s loss 5%", "at 1s loss 5%");
	formats_as("at 1s loss 0.2500% 2", "at 1s loss 0.25% 2");
	formats_as("at 1s duplicate 1.5% 1 -> 2", "at 1s duplicate 1.5% 1 -> 2");
	formats_as("at 1s delay 1.5s jitter 0.5s", "at 1s delay 1.500s jitter 500ms");
	formats_as("at 1s replay 1m 3 -> 1", "at 1s replay 60s 3 -> 1");
	parse_err("hosts 4\nat 1s loss 5\n", 2, "bad rate \"5\" for loss");
	parse_err("hosts 4\nat 1s loss 101%\n", 2, "rate 101% is over 100%");
	parse_err("hosts 4\nat 1s loss 1.00001%\n", 2, "at most 4 decimals");
	parse_err("hosts 4\nat 1s loss .5%\n", 2, "bad rate");
	parse_err("hosts 4\nat 1s loss 5% path 1\n", 2, "path 1 is out of range (pool has 1 path)");
	parse_err("hosts 4\nat 1s loss 5% 1 ->\n", 2, "\"->\" needs a target host");
	parse_err("hosts 4\nat 1s loss 5% 1 -> 1\n", 2, "link from host 1 to itself");
	parse_err("hosts 4\nat 1s loss 5% 1 2\n", 2, "unexpected \"2\" after loss");
	parse_err("hosts 4\nat 1s loss\n", 2, "loss needs more arguments");
	parse_err("hosts 4\nat 1s delay 1s jitter\n", 2, "\"jitter\" needs a duration");
	parse_err("hosts 4\nat 1s replay 0s\n", 2, "replay needs a positive duration");
}

/* clock-step, suspend, restart-agent, forge-slot, forge-heartbeat. */
static void test_host_faults(void **state)
{
	(void)state;
	const struct hb_sc_statement *st = one("at 10s clock-step 3 -1.5s");
	assert_int_equal(st->kind, HB_SC_CLOCK_STEP);
	assert_int_equal(st->host, 3);
	assert_int_equal(st->duration_ms, -1500);
	formats_as("at 10s clock-step 3 -1.5s", "at 10s clock-step 3 -1.500s");
	formats_as("at 10s clock-step 3 +1m", "at 10s clock-step 3 +60s");
	parse_err("hosts 4\nat 1s clock-step 1 30s\n", 2, "has no sign");
	parse_err("hosts 4\nat 1s clock-step 1 +0s\n", 2, "non-zero step");
	st = one("at 10s suspend 2 1m");
	assert_int_equal(st->kind, HB_SC_SUSPEND);
	assert_int_equal(st->duration_ms, 60000);
	st = one("at 10s restart-agent 7");
	assert_int_equal(st->kind, HB_SC_RESTART_AGENT);
	assert_int_equal(st->host, 7);
	st = one("at 10s forge-slot 2 stopped");
	assert_int_equal(st->kind, HB_SC_FORGE_SLOT);
	assert_int_equal(st->forge, HB_SC_FORGE_STOPPED);
	assert_int_equal(st->host2, -1);
	st = one("at 10s forge-heartbeat 2 next-boot -> 5");
	assert_int_equal(st->kind, HB_SC_FORGE_HEARTBEAT);
	assert_int_equal(st->forge, HB_SC_FORGE_NEXT_BOOT);
	assert_int_equal(st->host2, 5);
	formats_as("at 1s forge-heartbeat 1 huge-sequence", "at 1s forge-heartbeat 1 huge-sequence");
	formats_as("at 1s forge-slot 1 fencing", "at 1s forge-slot 1 fencing");
	assert_string_equal(hb_sc_forge_name(HB_SC_FORGE_COUNT), "unknown");
	parse_err("hosts 4\nat 1s forge-slot 1 lies\n", 2, "unknown forgery \"lies\"");
	parse_err("hosts 4\nat 1s forge-slot 1 stopped -> 2\n", 2, "unexpected \"->\" after forge-slot");
	parse_err("hosts 4\nat 1s forge-heartbeat 1 stopped -> 1\n", 2, "sent to itself");
	parse_err("hosts 4\nat 1s forge-heartbeat 1\n", 2, "forge-heartbeat needs more arguments");
	st = one("expect 10s reported-master 2 none within 5s");
	assert_int_equal(st->kind, HB_SC_EXPECT_REPORTED_MASTER);
	assert_int_equal(st->host, 2);
	assert_int_equal(st->host2, HB_SC_NONE);
	formats_as("expect 10s reported-master 2 4", "expect 10s reported-master 2 4");
	parse_err("hosts 4\nexpect 1s reported-master none 1\n", 2, "bad host \"none\"");
}

/* Header overrides of t1, T1, t2, T2, W and the timing they give. */
static void test_timing_overrides(void **state)
{
	(void)state;
	struct hb_timing_params p;
	struct hb_err err = {{0}};
	parse_ok("hosts 2\ntimeout 30\nheartbeat-interval 1s\nheartbeat-timeout 3s\nstatefile-interval 4s\n"
	         "statefile-timeout 30s\nwatchdog-timeout 10s\n");
	assert_int_equal(sc.hb_interval_ms, 1000);
	assert_int_equal(sc.hb_timeout_ms, 3000);
	assert_int_equal(sc.sf_interval_ms, 4000);
	assert_int_equal(sc.sf_timeout_ms, 30000);
	assert_int_equal(sc.watchdog_ms, 10000);
	assert_int_equal(hb_scenario_timing_params(&sc, &p, &err), 0);
	assert_int_equal(p.hb_interval_ms, 1000);
	assert_int_equal(p.hb_timeout_ms, 3000);
	assert_int_equal(p.sf_interval_ms, 4000);
	assert_int_equal(p.watchdog_timeout_ms, 10000);
	assert_int_equal(p.hb_wd_timeout_ms, 30000); /* from T */
	parse_ok("hosts 2\ntimeout 10\n");
	assert_int_equal(sc.hb_interval_ms, 0);
	assert_int_equal(hb_scenario_timing_params(&sc, &p, &err), 0);
	assert_int_equal(p.hb_interval_ms, 2000);
	parse_ok("hosts 2\ntimeout 2\n");
	assert_int_equal(hb_scenario_timing_params(&sc, &p, &err), -1);
	assert_non_null(strstr(err.msg, "out of range"));
	parse_err("hosts 2\nwatchdog-timeout 5500ms\n", 2, "is not whole seconds");
	parse_err("hosts 2\nheartbeat-interval 0s\n", 2, "heartbeat-interval 0s is out of range");
	parse_err("hosts 2\nstatefile-timeout 2h\n", 2, "unknown unit");
	parse_err("hosts 2\nat 1s heal\nheartbeat-timeout 3s\n", 3, "after the first at/expect");
}

static void test_kind_names(void **state)
{
	(void)state;
	for (int k = 0; k < HB_SC_KIND_COUNT; k++) {
		const char *name = hb_sc_kind_name((enum hb_sc_kind)k);
		assert_non_null(name);
		assert_string_not_equal(name, "unknown");
		for (int j = 0; j < k; j++)
			assert_string_not_equal(name, hb_sc_kind_name((enum hb_sc_kind)j));
	}
	assert_string_equal(hb_sc_kind_name(HB_SC_STORAGE_TORN), "storage-torn");
	assert_string_equal(hb_sc_kind_name(HB_SC_EXPECT_MASTER), "expect-master");
	assert_string_equal(hb_sc_kind_name(HB_SC_KIND_COUNT), "unknown");
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text) { write_file(path, text, strlen(text)); }

static void test_load_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_scenario.XXXXXX";
	char path[128];
	struct hb_err err = {{0}};
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/crash.sc", dir);
	write_text(path, "hosts 4\n\nat 1s crash 1\nexpect 10s down 1 within 2s\n");
	assert_int_equal(hb_scenario_load_file(path, &sc, &err), 0);
	assert_string_equal(sc.name, "crash.sc");
	assert_int_equal(sc.n_statements, 2);
	write_text(path, "hosts 4\n#\n\n\n\n\nat 1s crash 5\n");
	assert_int_equal(hb_scenario_load_file(path, &sc, &err), -1);
	assert_string_equal(err.msg, "crash.sc:7: host 5 is out of range (pool has 4 hosts)");
	/* Larger than 1 MiB: refused before parsing. */
	char *big = malloc(1024 * 1024 + 1);
	assert_non_null(big);
	memset(big, '\n', 1024 * 1024 + 1);
	memcpy(big, "hosts 2", 7);
	write_file(path, big, 1024 * 1024 + 1);
	assert_int_equal(hb_scenario_load_file(path, &sc, &err), -1);
	assert_non_null(strstr(err.msg, "larger than 1 MiB"));
	write_file(path, big, 1024 * 1024);
	assert_int_equal(hb_scenario_load_file(path, &sc, &err), 0);
	free(big);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(hb_scenario_load_file(path, &sc, &err), -1);
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_int_equal(hb_scenario_load_file(dir, &sc, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read"));
	assert_int_equal(rmdir(dir), 0);
}

/* Every ```scenario block of docs/scenarios.md parses. */
static void test_doc_examples(void **state)
{
	(void)state;
	const char *root = getenv("HB_SOURCE_ROOT");
	char path[512];
	static char doc[256 * 1024];
	if (!root)
		skip();
	snprintf(path, sizeof path, "%s/docs/scenarios.md", root);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = '\0';
	unsigned blocks = 0;
	for (char *s = strstr(doc, "```scenario\n"); s; s = strstr(s, "```scenario\n")) {
		s += strlen("```scenario\n");
		char *end = strstr(s, "```");
		assert_non_null(end);
		struct hb_err err = {{0}};
		if (hb_scenario_parse(s, (size_t)(end - s), "doc", &sc, &err) != 0)
			fail_msg("docs/scenarios.md example %u refused: %s", blocks + 1, err.msg);
		blocks++;
		s = end + 3;
	}
	assert_true(blocks >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lexical),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_pool_state_and_fenced),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_nondecreasing),
		cmocka_unit_test(test_err_unknown),
		cmocka_unit_test(test_err_host_range),
		cmocka_unit_test(test_err_lists),
		cmocka_unit_test(test_err_partition),
		cmocka_unit_test(test_err_arguments),
		cmocka_unit_test(test_err_within),
		cmocka_unit_test(test_err_time),
		cmocka_unit_test(test_err_header),
		cmocka_unit_test(test_err_no_hosts),
		cmocka_unit_test(test_err_line_length),
		cmocka_unit_test(test_err_too_many),
		cmocka_unit_test(test_err_nul_and_first),
		cmocka_unit_test(test_network_quality),
		cmocka_unit_test(test_host_faults),
		cmocka_unit_test(test_timing_overrides),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_doc_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
