/*
 * hb_scenario.c: the scenario language (see hb_scenario.h, docs/scenarios.md).
 *
 * Owns the strict line parser (header statements, `at` actions, `expect`
 * expectations, times and host lists), every error message about a scenario
 * file, the bounded file loader, and the formatter that prints a statement
 * back in the language's own syntax. Actions and expectations are described
 * by one table (verbs[], indexed by kind): name, argument shape, usage.
 */
#include "hb_scenario.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_MAX_LINE 1024u                     /* characters, without the newline */
#define SC_MAX_WORDS 32u                      /* words on one line */
#define SC_MAX_FILE (1024u * 1024u)           /* bytes, hb_scenario_load_file */
#define SC_MAX_TIME_MS INT64_C(10000000000)   /* 10^10 ms, about 115 days */
#define SC_MAX_DIGITS 14u                     /* digits of a time, before the unit */
#define SC_NUM_CAP UINT64_C(1000000000000)    /* parse_digits saturates above this */
#define SC_DEFAULT_TIMEOUT_S 30u
#define SC_MAX_TIMEOUT_S 3600u
#define SC_MAX_WEIGHT 65535u
#define SC_MAX_OVERRIDE_MS 3600000u           /* header overrides of t1, T1, t2, T2, W */
#define SC_PPM_PER_PERCENT 10000u
#define SC_RATE_DECIMALS 4u                   /* 0.0001% = 1 ppm */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* How the words after an action or expectation name are read. */
enum arg_shape {
	ARGS_NONE,         /* heal */
	ARGS_ALL,          /* start all */
	ARGS_HOST,         /* crash H */
	ARGS_HOST_ALL,     /* storage-fail H|all */
	ARGS_HOST_DUR,     /* freeze H DURATION */
	ARGS_HOST_ALL_DUR, /* storage-slow H|all DURATION */
	ARGS_GROUPS,       /* partition LIST | LIST [| LIST ...] */
	ARGS_CUT,          /* cut A -> B */
	ARGS_WEIGHT,       /* set-weight H W */
	ARGS_LIST,         /* expect liveset|down LIST|none */
	ARGS_HOST_NONE,    /* expect master H|none */
	ARGS_POOL_STATE,   /* set-pool-state H init|active|invalid */
	ARGS_RATE_LINK,    /* loss|duplicate RATE [LINK] [path P] */
	ARGS_DELAY_LINK,   /* delay DURATION [jitter DURATION] [LINK] [path P] */
	ARGS_DUR_LINK,     /* replay DURATION [LINK] [path P] */
	ARGS_HOST_STEP,    /* clock-step H +D|-D */
	ARGS_HOST_HOST_NONE, /* expect reported-master H J|none */
	ARGS_FORGE,        /* forge-slot H WHAT | forge-heartbeat H WHAT [-> K] */
	ARGS_SHAPE_COUNT
};

/* Fixed number of words per shape (ARGS_GROUPS counts its own). */
static const unsigned shape_words[ARGS_SHAPE_COUNT] = {
	[ARGS_NONE] = 0, [ARGS_ALL] = 1, [ARGS_HOST] = 1, [ARGS_HOST_ALL] = 1,
	[ARGS_HOST_DUR] = 2, [ARGS_HOST_ALL_DUR] = 2, [ARGS_GROUPS] = 0,
	[ARGS_CUT] = 3, [ARGS_WEIGHT] = 2, [ARGS_LIST] = 1, [ARGS_HOST_NONE] = 1, [ARGS_POOL_STATE] = 2,
	[ARGS_RATE_LINK] = 0, [ARGS_DELAY_LINK] = 0, [ARGS_DUR_LINK] = 0, /* parse_link_args counts */
	[ARGS_HOST_STEP] = 2, [ARGS_HOST_HOST_NONE] = 2, [ARGS_FORGE] = 0, /* parse_forge counts */
};

struct verb {
	enum hb_sc_kind kind;
	const char *name;   /* the word after TIME */
	enum arg_shape shape;
	bool expect;        /* `expect` statement, else `at` */
	const char *label;  /* hb_sc_kind_name */
	const char *usage;  /* after "at TIME " / "expect TIME " */
};

/* Indexed by kind. */
static const struct verb verbs[] = {
	{HB_SC_START_ALL, "start", ARGS_ALL, false, "start", "start all"},
	{HB_SC_CRASH, "crash", ARGS_HOST, false, "crash", "crash H"},
	{HB_SC_BOOT, "boot", ARGS_HOST, false, "boot", "boot H"},
	{HB_SC_SHUTDOWN, "shutdown", ARGS_HOST, false, "shutdown", "shutdown H"},
	{HB_SC_FREEZE, "freeze", ARGS_HOST_DUR, false, "freeze", "freeze H DURATION"},
	{HB_SC_ISOLATE, "isolate", ARGS_HOST, false, "isolate", "isolate H"},
	{HB_SC_PARTITION, "partition", ARGS_GROUPS, false, "partition", "partition 0,1 | 2,3 [| ...]"},
	{HB_SC_CUT, "cut", ARGS_CUT, false, "cut", "cut A -> B"},
	{HB_SC_HEAL, "heal", ARGS_NONE, false, "heal", "heal"},
	{HB_SC_STORAGE_FAIL, "storage-fail", ARGS_HOST_ALL, false, "storage-fail", "storage-fail H|all"},
	{HB_SC_STORAGE_HANG, "storage-hang", ARGS_HOST_ALL, false, "storage-hang", "storage-hang H|all"},
	{HB_SC_STORAGE_SLOW, "storage-slow", ARGS_HOST_ALL_DUR, false, "storage-slow",
	 "storage-slow H|all DURATION"},
	{HB_SC_STORAGE_HEAL, "storage-heal", ARGS_HOST_ALL, false, "storage-heal", "storage-heal H|all"},
	{HB_SC_STORAGE_TORN, "storage-torn", ARGS_HOST, false, "storage-torn", "storage-torn H"},
	{HB_SC_PROPOSE_MASTER, "propose-master", ARGS_HOST, false, "propose-master", "propose-master H"},
	{HB_SC_DISARM, "disarm", ARGS_HOST, false, "disarm", "disarm H"},
	{HB_SC_SET_WEIGHT, "set-weight", ARGS_WEIGHT, false, "set-weight", "set-weight H W"},
	{HB_SC_SET_POOL_STATE, "set-pool-state", ARGS_POOL_STATE, false, "set-pool-state",
	 "set-pool-state H init|active|invalid"},
	{HB_SC_LOSS, "loss", ARGS_RATE_LINK, false, "loss", "loss RATE [H | A -> B] [path P]"},
	{HB_SC_DUPLICATE, "duplicate", ARGS_RATE_LINK, false, "duplicate", "duplicate RATE [H | A -> B] [path P]"},
	{HB_SC_DELAY, "delay", ARGS_DELAY_LINK, false, "delay",
	 "delay DURATION [jitter DURATION] [H | A -> B] [path P]"},
	{HB_SC_REPLAY, "replay", ARGS_DUR_LINK, false, "replay", "replay DURATION [H | A -> B] [path P]"},
	{HB_SC_CLOCK_STEP, "clock-step", ARGS_HOST_STEP, false, "clock-step", "clock-step H +DURATION|-DURATION"},
	{HB_SC_SUSPEND, "suspend", ARGS_HOST_DUR, false, "suspend", "suspend H DURATION"},
	{HB_SC_RESTART_AGENT, "restart-agent", ARGS_HOST, false, "restart-agent", "restart-agent H"},
	{HB_SC_FORGE_SLOT, "forge-slot", ARGS_FORGE, false, "forge-slot",
	 "forge-slot H stopped|fencing|huge-sequence|next-boot"},
	{HB_SC_FORGE_HEARTBEAT, "forge-heartbeat", ARGS_FORGE, false, "forge-heartbeat",
	 "forge-heartbeat H stopped|fencing|huge-sequence|next-boot [-> K]"},
	{HB_SC_EXPECT_LIVESET, "liveset", ARGS_LIST, true, "expect-liveset",
	 "liveset LIST|none [within DURATION]"},
	{HB_SC_EXPECT_MASTER, "master", ARGS_HOST_NONE, true, "expect-master", "master H|none [within DURATION]"},
	{HB_SC_EXPECT_DOWN, "down", ARGS_LIST, true, "expect-down", "down LIST|none [within DURATION]"},
	{HB_SC_EXPECT_FENCED, "fenced", ARGS_LIST, true, "expect-fenced", "fenced LIST|none [within DURATION]"},
	{HB_SC_EXPECT_REPORTED_MASTER, "reported-master", ARGS_HOST_HOST_NONE, true, "expect-reported-master",
	 "reported-master H J|none [within DURATION]"},
};
_Static_assert(ARRAY_LEN(verbs) == HB_SC_KIND_COUNT, "verbs[] must have one entry per kind");

/* Header statements; index into parser.header_line. */
enum header_id {
	HDR_HOSTS, HDR_TIMEOUT, HDR_PATHS, HDR_SECTOR,
	/* overrides of the derivation from T: durations */
	HDR_HB_INTERVAL, HDR_HB_TIMEOUT, HDR_SF_INTERVAL, HDR_SF_TIMEOUT, HDR_WATCHDOG,
	HDR_COUNT
};
#define HDR_FIRST_DURATION HDR_HB_INTERVAL

struct header {
	const char *name;
	uint64_t min, max;
	const char *expected;
};

static const struct header headers[HDR_COUNT] = {
	[HDR_HOSTS] = {"hosts", 1, HB_MAX_HOSTS, "a whole number from 1 to 64"},
	[HDR_TIMEOUT] = {"timeout", 1, SC_MAX_TIMEOUT_S, "whole seconds from 1 to 3600, e.g. 30 or 30s"},
	[HDR_PATHS] = {"paths", 1, HB_MAX_PATHS, "a whole number from 1 to 4"},
	[HDR_SECTOR] = {"sector", 512, 4096, "512 or 4096"},
	[HDR_HB_INTERVAL] = {"heartbeat-interval", 1, SC_MAX_OVERRIDE_MS, "a duration from 1ms to 3600s, e.g. 1s"},
	[HDR_HB_TIMEOUT] = {"heartbeat-timeout", 1, SC_MAX_OVERRIDE_MS, "a duration from 1ms to 3600s, e.g. 3s"},
	[HDR_SF_INTERVAL] = {"statefile-interval", 1, SC_MAX_OVERRIDE_MS, "a duration from 1ms to 3600s, e.g. 4s"},
	[HDR_SF_TIMEOUT] = {"statefile-timeout", 1, SC_MAX_OVERRIDE_MS, "a duration from 1ms to 3600s, e.g. 30s"},
	[HDR_WATCHDOG] = {"watchdog-timeout", 1000, SC_MAX_OVERRIDE_MS, "whole seconds from 1s to 3600s, e.g. 5s"},
};
_Static_assert(HB_MAX_HOSTS == 64u && HB_MAX_PATHS == 4u, "update headers[].expected");

struct parser {
	const char *name;
	int line;
	struct hb_scenario *sc;
	struct hb_err *err;
	int header_line[HDR_COUNT]; /* line of each header statement, 0 = not seen */
	int first_event_line;       /* first at/expect, 0 = none yet */
	int64_t last_ms;            /* time of the previous at/expect */
};

/* One line split into words (pointers into buf). */
struct words {
	char buf[SC_MAX_LINE + 1];
	const char *w[SC_MAX_WORDS];
	unsigned n;
};

__attribute__((format(printf, 2, 3))) static int fail(const struct parser *p, const char *fmt, ...)
{
	char what[HB_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return hb_err_set(p->err, "%s:%d: %s", p->name, p->line, what);
}

/* ---- numbers, times, hosts ---------------------------------------------- */

/* s[0..n) all decimal digits (n > 0) -> value, saturated just above
 * SC_NUM_CAP so that huge numbers are "out of range", never overflow. */
static bool parse_digits(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v <= SC_NUM_CAP)
			v = v * 10u + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_number(const char *tok, uint64_t *out) { return parse_digits(tok, strlen(tok), out); }

static int64_t unit_ms(const char *unit)
{
	if (strcmp(unit, "ms") == 0)
		return 1;
	if (strcmp(unit, "s") == 0)
		return 1000;
	if (strcmp(unit, "m") == 0)
		return 60000;
	return 0;
}

/* "30s", "500ms", "1.5s", "2m" -> milliseconds (whole, non-negative). */
static int parse_time(const struct parser *p, const char *tok, int64_t *out)
{
	uint64_t mant = 0, scale = 1;
	unsigned digits = 0, decimals = 0;
	bool dot = false;
	const char *c = tok;
	for (; (*c >= '0' && *c <= '9') || *c == '.'; c++) {
		if (*c == '.') {
			if (dot || digits == 0)
				break;
			dot = true;
			continue;
		}
		if (++digits > SC_MAX_DIGITS)
			return fail(p, "time \"%s\" has too many digits (expected at most %u)", tok, SC_MAX_DIGITS);
		mant = mant * 10u + (uint64_t)(*c - '0');
		if (dot) {
			decimals++;
			scale *= 10u;
		}
	}
	if (digits == 0 || (dot && decimals == 0) || *c == '.')
		return fail(p, "bad time \"%s\" (expected a number and a unit, e.g. 30s, 500ms, 1.5s or 2m)", tok);
	if (*c == '\0')
		return fail(p, "missing unit in \"%s\" (expected ms, s or m)", tok);
	int64_t unit = unit_ms(c);
	if (unit == 0)
		return fail(p, "unknown unit \"%s\" in \"%s\" (expected ms, s or m)", c, tok);
	uint64_t total = mant * (uint64_t)unit; /* < 10^14 * 60000 < 2^63 */
	if (total % scale != 0)
		return fail(p, "time \"%s\" is not a whole number of milliseconds "
		            "(expected at most 3 decimals with s, none with ms)", tok);
	if (total / scale > (uint64_t)SC_MAX_TIME_MS)
		return fail(p, "time \"%s\" is too large (expected at most %" PRId64 "s)", tok, SC_MAX_TIME_MS / 1000);
	*out = (int64_t)(total / scale);
	return 0;
}

static int parse_duration(const struct parser *p, const struct verb *v, const char *tok, int64_t *out)
{
	if (parse_time(p, tok, out) < 0)
		return -1;
	if (*out <= 0)
		return fail(p, "%s needs a positive duration, not \"%s\" (expected e.g. 10s)", v->name, tok);
	return 0;
}

static int host_out_of_range(const struct parser *p, const char *s, size_t n)
{
	unsigned hosts = p->sc->n_hosts;
	return fail(p, "host %.*s is out of range (pool has %u host%s)", (int)n, s, hosts, hosts == 1 ? "" : "s");
}

enum { HOST_ALL_OK = 1, HOST_NONE_OK = 2 };

/* A host index, or "all" / "none" when allowed. */
static int parse_host(const struct parser *p, const char *tok, unsigned allow, int *out)
{
	uint64_t v;
	if ((allow & HOST_ALL_OK) && strcmp(tok, "all") == 0) {
		*out = HB_SC_ALL;
		return 0;
	}
	if ((allow & HOST_NONE_OK) && strcmp(tok, "none") == 0) {
		*out = HB_SC_NONE;
		return 0;
	}
	if (!parse_number(tok, &v))
		return fail(p, "bad host \"%s\" (expected a host index%s)", tok,
		            (allow & HOST_ALL_OK) ? " or all" : (allow & HOST_NONE_OK) ? " or none" : "");
	if (v >= p->sc->n_hosts)
		return host_out_of_range(p, tok, strlen(tok));
	*out = (int)v;
	return 0;
}

static unsigned first_host(hb_hostmap map)
{
	assert(map != 0);
	unsigned i = 0;
	while (!(map & hb_host_bit(i)))
		i++;
	return i;
}

/* "0,1,2" (or "none" when allowed) -> bitmap. */
static int parse_list(const struct parser *p, const char *tok, bool allow_none, hb_hostmap *out)
{
	hb_hostmap set = 0;
	if (strcmp(tok, "none") == 0) {
		if (!allow_none)
			return fail(p, "\"none\" is not allowed here (expected at least one host, e.g. 0,1)");
		*out = 0;
		return 0;
	}
	for (const char *s = tok;;) {
		size_t n = strcspn(s, ",");
		uint64_t h;
		if (!parse_digits(s, n, &h))
			return fail(p, "bad host list \"%s\" (expected host indices separated by commas, e.g. 0,1,2%s)",
			            tok, allow_none ? ", or none" : "");
		if (h >= p->sc->n_hosts)
			return host_out_of_range(p, s, n);
		if (set & hb_host_bit((unsigned)h))
			return fail(p, "host %u is listed twice in \"%s\" (expected each host once)", (unsigned)h, tok);
		set |= hb_host_bit((unsigned)h);
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	*out = set;
	return 0;
}

/* ---- actions and expectations ------------------------------------------- */

static void verb_usage(const struct verb *v, char *buf, size_t len)
{
	snprintf(buf, len, "%s TIME %s", v->expect ? "expect" : "at", v->usage);
}

static const struct verb *find_verb(const char *name, bool expect)
{
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++) {
		assert(verbs[i].kind == (enum hb_sc_kind)i);
		if (verbs[i].expect == expect && strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	}
	return NULL;
}

static int unknown_verb(const struct parser *p, const char *name, bool expect)
{
	char list[512];
	size_t pos = 0, count = 0, seen = 0;
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		count += verbs[i].expect == expect;
	list[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(verbs) && pos < sizeof list; i++) {
		if (verbs[i].expect != expect)
			continue;
		seen++;
		const char *sep = seen == 1 ? "" : seen == count ? " or " : ", ";
		int n = snprintf(list + pos, sizeof list - pos, "%s%s", sep, verbs[i].name);
		pos += n > 0 ? (size_t)n : 0;
	}
	return fail(p, "unknown %s \"%s\" (expected %s)", expect ? "expectation" : "action", name, list);
}

static int parse_groups(const struct parser *p, const char *const *a, unsigned n, struct hb_sc_statement *st)
{
	static const char usage[] = "at TIME partition 0,1 | 2,3 [| ...]";
	hb_hostmap seen = 0;
	for (unsigned i = 0; i < n; i++) {
		bool bar = strcmp(a[i], "|") == 0;
		if (i % 2 == 1) {
			if (!bar)
				return fail(p, "\"%s\" where a \"|\" should separate partition groups (expected \"%s\")",
				            a[i], usage);
			continue;
		}
		if (bar)
			return fail(p, "empty partition group (expected a host list on each side of \"|\", \"%s\")", usage);
		if (strchr(a[i], '|'))
			return fail(p, "\"|\" must be separated by spaces in \"%s\" (expected \"%s\")", a[i], usage);
		if (st->n_groups == HB_SC_MAX_GROUPS)
			return fail(p, "too many partition groups (expected at most %u)", HB_SC_MAX_GROUPS);
		hb_hostmap g;
		if (parse_list(p, a[i], false, &g) < 0)
			return -1;
		if (g & seen)
			return fail(p, "host %u is in two partition groups (expected disjoint groups)", first_host(g & seen));
		seen |= g;
		st->groups[st->n_groups++] = g;
	}
	if (n % 2 == 0 && n > 0)
		return fail(p, "partition ends with \"|\" (expected a host list after it)");
	if (st->n_groups < 2)
		return fail(p, "partition needs at least 2 groups (expected \"%s\")", usage);
	return 0;
}

static int parse_cut(const struct parser *p, const char *const *a, struct hb_sc_statement *st)
{
	if (parse_host(p, a[0], 0, &st->host) < 0)
		return -1;
	if (strcmp(a[1], "->") != 0)
		return fail(p, "\"%s\" where \"->\" should be (expected \"at TIME cut A -> B\")", a[1]);
	if (parse_host(p, a[2], 0, &st->host2) < 0)
		return -1;
	if (st->host == st->host2)
		return fail(p, "cut from host %d to itself (expected two different hosts)", st->host);
	return 0;
}

static int parse_weight(const struct parser *p, const char *const *a, struct hb_sc_statement *st)
{
	uint64_t w;
	if (parse_host(p, a[0], 0, &st->host) < 0)
		return -1;
	if (!parse_number(a[1], &w) || w < 1 || w > SC_MAX_WEIGHT)
		return fail(p, "bad weight \"%s\" (expected a whole number from 1 to %u)", a[1], SC_MAX_WEIGHT);
	st->weight = (uint16_t)w;
	return 0;
}

/* "5%", "0.1%", "100%" -> parts per million. */
static int parse_rate(const struct parser *p, const struct verb *v, const char *tok, uint32_t *out)
{
	size_t len = strlen(tok);
	const char *dot = strchr(tok, '.');
	size_t int_len = dot ? (size_t)(dot - tok) : len - 1;
	size_t dec_len = dot ? len - 1 - int_len - 1 : 0;
	uint64_t whole = 0, frac = 0;
	if (len < 2 || tok[len - 1] != '%' || !parse_digits(tok, int_len, &whole) ||
	    (dot && (dec_len == 0 || dec_len > SC_RATE_DECIMALS || !parse_digits(dot + 1, dec_len, &frac))))
		return fail(p, "bad rate \"%s\" for %s (expected a percentage with at most %u decimals, e.g. 5%% or 0.1%%)",
		            tok, v->name, SC_RATE_DECIMALS);
	for (size_t i = dec_len; i < SC_RATE_DECIMALS; i++)
		frac *= 10u;
	uint64_t ppm = whole * SC_PPM_PER_PERCENT + frac / (10000u / SC_PPM_PER_PERCENT);
	if (whole > 100 || ppm > 100u * SC_PPM_PER_PERCENT)
		return fail(p, "rate %s is over 100%% (expected 0%% to 100%%)", tok);
	*out = (uint32_t)ppm;
	return 0;
}

/* The optional tail of a network-quality action: [H | A -> B] [path P]. */
static int parse_link_tail(const struct parser *p, const struct verb *v, const char *const *a, unsigned n,
                           struct hb_sc_statement *st)
{
	char usage[128];
	unsigned i = 0;
	verb_usage(v, usage, sizeof usage);
	if (i < n && strcmp(a[i], "path") != 0) {
		if (parse_host(p, a[i], 0, &st->host) < 0)
			return -1;
		i++;
		if (i < n && strcmp(a[i], "->") == 0) {
			if (i + 1 >= n)
				return fail(p, "\"->\" needs a target host (expected \"%s\")", usage);
			if (parse_host(p, a[i + 1], 0, &st->host2) < 0)
				return -1;
			if (st->host == st->host2)
				return fail(p, "link from host %d to itself (expected two different hosts)", st->host);
			i += 2;
		}
	}
	if (i < n && strcmp(a[i], "path") == 0) {
		uint64_t path;
		if (i + 1 >= n)
			return fail(p, "\"path\" needs a path index (expected \"%s\")", usage);
		if (!parse_number(a[i + 1], &path))
			return fail(p, "bad path \"%s\" (expected a path index from 0 to %u)", a[i + 1], p->sc->paths - 1);
		if (path >= p->sc->paths)
			return fail(p, "path %s is out of range (pool has %u path%s)", a[i + 1], p->sc->paths,
			            p->sc->paths == 1 ? "" : "s");
		st->path = (int)path;
		i += 2;
	}
	if (i < n)
		return fail(p, "unexpected \"%s\" after %s (expected \"%s\")", a[i], v->name, usage);
	return 0;
}

static int parse_link_args(const struct parser *p, const struct verb *v, const char *const *a, unsigned n,
                           struct hb_sc_statement *st)
{
	char usage[128];
	unsigned used = 1;
	verb_usage(v, usage, sizeof usage);
	if (n < 1)
		return fail(p, "%s needs more arguments (expected \"%s\")", v->name, usage);
	switch (v->shape) {
	case ARGS_RATE_LINK:
		if (parse_rate(p, v, a[0], &st->rate_ppm) < 0)
			return -1;
		break;
	case ARGS_DELAY_LINK:
		if (parse_time(p, a[0], &st->duration_ms) < 0)
			return -1;
		if (n >= 2 && strcmp(a[1], "jitter") == 0) {
			if (n < 3)
				return fail(p, "\"jitter\" needs a duration (expected \"%s\")", usage);
			if (parse_time(p, a[2], &st->jitter_ms) < 0)
				return -1;
			used = 3;
		}
		break;
	case ARGS_DUR_LINK:
		if (parse_duration(p, v, a[0], &st->duration_ms) < 0)
			return -1;
		break;
	default:
		assert(!"not a link shape");
		return -1;
	}
	return parse_link_tail(p, v, a + used, n - used, st);
}

static const char *const forge_names[HB_SC_FORGE_COUNT] = {
	[HB_SC_FORGE_STOPPED] = "stopped", [HB_SC_FORGE_FENCING] = "fencing",
	[HB_SC_FORGE_HUGE_SEQUENCE] = "huge-sequence", [HB_SC_FORGE_NEXT_BOOT] = "next-boot",
};

const char *hb_sc_forge_name(enum hb_sc_forge f)
{
	return (unsigned)f < HB_SC_FORGE_COUNT ? forge_names[f] : "unknown";
}

static int parse_forge(const struct parser *p, const struct verb *v, const char *const *a, unsigned n,
                       struct hb_sc_statement *st)
{
	char usage[128];
	verb_usage(v, usage, sizeof usage);
	bool target = v->kind == HB_SC_FORGE_HEARTBEAT;
	if (n < 2)
		return fail(p, "%s needs more arguments (expected \"%s\")", v->name, usage);
	if (parse_host(p, a[0], 0, &st->host) < 0)
		return -1;
	unsigned f = 0;
	while (f < HB_SC_FORGE_COUNT && strcmp(forge_names[f], a[1]) != 0)
		f++;
	if (f == HB_SC_FORGE_COUNT)
		return fail(p, "unknown forgery \"%s\" (expected stopped, fencing, huge-sequence or next-boot)", a[1]);
	st->forge = (uint8_t)f;
	if (n == 2)
		return 0;
	if (!target || n != 4 || strcmp(a[2], "->") != 0)
		return fail(p, "unexpected \"%s\" after %s (expected \"%s\")", a[2], v->name, usage);
	if (parse_host(p, a[3], 0, &st->host2) < 0)
		return -1;
	if (st->host2 == st->host)
		return fail(p, "forge-heartbeat of host %d sent to itself (expected another host)", st->host);
	return 0;
}

/* "+30s" or "-1.5s": a signed, non-zero duration. */
static int parse_step(const struct parser *p, const struct verb *v, const char *const *a, struct hb_sc_statement *st)
{
	int64_t d;
	if (parse_host(p, a[0], 0, &st->host) < 0)
		return -1;
	if (a[1][0] != '+' && a[1][0] != '-')
		return fail(p, "clock step \"%s\" has no sign (expected +DURATION or -DURATION, e.g. -30s)", a[1]);
	if (parse_time(p, a[1] + 1, &d) < 0)
		return -1;
	if (d == 0)
		return fail(p, "%s needs a non-zero step, not \"%s\" (expected e.g. -30s)", v->name, a[1]);
	st->duration_ms = a[1][0] == '-' ? -d : d;
	return 0;
}

static int check_count(const struct parser *p, const struct verb *v, const char *const *a, unsigned n)
{
	char usage[128];
	unsigned want = shape_words[v->shape];
	verb_usage(v, usage, sizeof usage);
	if (v->shape == ARGS_GROUPS || v->shape == ARGS_RATE_LINK || v->shape == ARGS_DELAY_LINK ||
	    v->shape == ARGS_DUR_LINK || v->shape == ARGS_FORGE)
		return 0; /* parse_groups, parse_link_args and parse_forge count */
	if (n < want)
		return fail(p, "%s needs more arguments (expected \"%s\")", v->name, usage);
	if (n > want)
		return fail(p, "unexpected \"%s\" after %s (expected \"%s\")", a[want], v->name, usage);
	return 0;
}

static int parse_pool_state(const struct parser *p, const char *const *a, struct hb_sc_statement *st)
{
	enum hb_pool_state state;
	if (parse_host(p, a[0], 0, &st->host) < 0)
		return -1;
	if (!hb_pool_state_parse(a[1], &state))
		return fail(p, "unknown pool state \"%s\" (expected init, active or invalid)", a[1]);
	st->pool_state = (uint8_t)state;
	return 0;
}

static int parse_args(const struct parser *p, const struct verb *v, const char *const *a, unsigned n,
                      struct hb_sc_statement *st)
{
	if (check_count(p, v, a, n) < 0)
		return -1;
	switch (v->shape) {
	case ARGS_NONE:
		return 0;
	case ARGS_ALL:
		if (strcmp(a[0], "all") != 0)
			return fail(p, "\"start %s\" is not supported (expected \"at TIME start all\")", a[0]);
		st->host = HB_SC_ALL;
		return 0;
	case ARGS_HOST:
		return parse_host(p, a[0], 0, &st->host);
	case ARGS_HOST_ALL:
		return parse_host(p, a[0], HOST_ALL_OK, &st->host);
	case ARGS_HOST_DUR:
	case ARGS_HOST_ALL_DUR:
		if (parse_host(p, a[0], v->shape == ARGS_HOST_ALL_DUR ? HOST_ALL_OK : 0, &st->host) < 0)
			return -1;
		return parse_duration(p, v, a[1], &st->duration_ms);
	case ARGS_GROUPS:
		return parse_groups(p, a, n, st);
	case ARGS_CUT:
		return parse_cut(p, a, st);
	case ARGS_WEIGHT:
		return parse_weight(p, a, st);
	case ARGS_LIST:
		return parse_list(p, a[0], true, &st->hosts);
	case ARGS_HOST_NONE:
		return parse_host(p, a[0], HOST_NONE_OK, &st->host);
	case ARGS_POOL_STATE:
		return parse_pool_state(p, a, st);
	case ARGS_RATE_LINK:
	case ARGS_DELAY_LINK:
	case ARGS_DUR_LINK:
		return parse_link_args(p, v, a, n, st);
	case ARGS_HOST_STEP:
		return parse_step(p, v, a, st);
	case ARGS_HOST_HOST_NONE:
		if (parse_host(p, a[0], 0, &st->host) < 0)
			return -1;
		return parse_host(p, a[1], HOST_NONE_OK, &st->host2);
	case ARGS_FORGE:
		return parse_forge(p, v, a, n, st);
	case ARGS_SHAPE_COUNT:
		break;
	}
	assert(!"unknown argument shape");
	return -1;
}

/* Optional trailing "within DURATION" of an expectation: parsed and cut off. */
static int parse_within(const struct parser *p, const char *const *a, unsigned *n, int64_t *within_ms)
{
	unsigned i = 0;
	while (i < *n && strcmp(a[i], "within") != 0)
		i++;
	if (i == *n)
		return 0;
	if (i + 1 == *n)
		return fail(p, "\"within\" needs a duration (expected \"within DURATION\", e.g. within 5s)");
	if (i + 2 < *n)
		return fail(p, "unexpected \"%s\" after within %s (expected end of line)", a[i + 2], a[i + 1]);
	if (parse_time(p, a[i + 1], within_ms) < 0)
		return -1;
	*n = i;
	return 0;
}

static void statement_init(struct hb_sc_statement *st, int line, enum hb_sc_kind kind, int64_t at_ms)
{
	memset(st, 0, sizeof *st);
	st->line = line;
	st->kind = kind;
	st->at_ms = at_ms;
	st->host = -1;
	st->host2 = -1;
	st->path = -1;
}

static int check_time(const struct parser *p, int64_t at)
{
	char now[32], prev[32];
	if (at >= p->last_ms)
		return 0;
	hb_sc_format_time(at, now, sizeof now);
	hb_sc_format_time(p->last_ms, prev, sizeof prev);
	return fail(p, "time %s goes backwards (previous statement at %s)", now, prev);
}

/* `at TIME ACTION ...` or `expect TIME WHAT ... [within DURATION]`. */
static int parse_event(struct parser *p, const struct words *w, bool expect)
{
	const char *kw = w->w[0];
	int64_t at;
	if (!p->header_line[HDR_HOSTS])
		return fail(p, "\"%s\" before \"hosts\" (expected \"hosts N\" before any at/expect)", kw);
	if (w->n < 3)
		return fail(p, "\"%s\" needs a time and %s (expected \"%s\")", kw, expect ? "an expectation" : "an action",
		            expect ? "expect TIME liveset|master|down ..." : "at TIME ACTION ...");
	if (p->sc->n_statements >= HB_SC_MAX_STATEMENTS)
		return fail(p, "too many statements (expected at most %u)", HB_SC_MAX_STATEMENTS);
	if (parse_time(p, w->w[1], &at) < 0 || check_time(p, at) < 0)
		return -1;
	const struct verb *v = find_verb(w->w[2], expect);
	if (!v)
		return unknown_verb(p, w->w[2], expect);
	struct hb_sc_statement *st = &p->sc->statements[p->sc->n_statements];
	statement_init(st, p->line, v->kind, at);
	const char *const *args = &w->w[3];
	unsigned n = w->n - 3;
	if (expect && parse_within(p, args, &n, &st->within_ms) < 0)
		return -1;
	if (parse_args(p, v, args, n, st) < 0)
		return -1;
	p->sc->n_statements++;
	p->last_ms = at;
	if (!p->first_event_line)
		p->first_event_line = p->line;
	return 0;
}

/* ---- header statements --------------------------------------------------- */

static int find_header(const char *name)
{
	for (int i = 0; i < HDR_COUNT; i++)
		if (strcmp(headers[i].name, name) == 0)
			return i;
	return -1;
}

/* timeout: bare whole seconds ("30") or a time in whole seconds ("30s");
 * the overrides of t1, T1, t2, T2 and W: a duration, in ms. */
static int header_value(const struct parser *p, enum header_id id, const char *tok, uint64_t *out)
{
	int64_t ms;
	if (id >= HDR_FIRST_DURATION) {
		if (parse_time(p, tok, &ms) < 0)
			return -1;
		if (id == HDR_WATCHDOG && ms % 1000 != 0)
			return fail(p, "watchdog-timeout \"%s\" is not whole seconds (expected %s)", tok, headers[id].expected);
		*out = (uint64_t)ms;
		return 0;
	}
	if (parse_number(tok, out))
		return 0;
	if (id != HDR_TIMEOUT || tok[0] < '0' || tok[0] > '9')
		return fail(p, "bad value \"%s\" for %s (expected %s)", tok, headers[id].name, headers[id].expected);
	if (parse_time(p, tok, &ms) < 0)
		return -1;
	if (ms % 1000 != 0)
		return fail(p, "timeout \"%s\" is not whole seconds (expected %s)", tok, headers[id].expected);
	*out = (uint64_t)(ms / 1000);
	return 0;
}

static int parse_header(struct parser *p, const struct words *w, enum header_id id)
{
	const struct header *h = &headers[id];
	uint64_t v = 0;
	if (p->first_event_line)
		return fail(p, "\"%s\" after the first at/expect (line %d) (expected header statements first)", h->name,
		            p->first_event_line);
	if (p->header_line[id])
		return fail(p, "\"%s\" given twice (first on line %d) (expected at most once)", h->name,
		            p->header_line[id]);
	if (w->n != 2)
		return fail(p, "\"%s\" takes one value (expected \"%s\" followed by %s)", h->name, h->name, h->expected);
	if (header_value(p, id, w->w[1], &v) < 0)
		return -1;
	if (v < h->min || v > h->max || (id == HDR_SECTOR && v != 512 && v != 4096))
		return fail(p, "%s %s is out of range (expected %s)", h->name, w->w[1], h->expected);
	switch (id) {
	case HDR_HOSTS: p->sc->n_hosts = (unsigned)v; break;
	case HDR_TIMEOUT: p->sc->timeout_s = (uint32_t)v; break;
	case HDR_PATHS: p->sc->paths = (unsigned)v; break;
	case HDR_SECTOR: p->sc->sector = (unsigned)v; break;
	case HDR_HB_INTERVAL: p->sc->hb_interval_ms = (uint32_t)v; break;
	case HDR_HB_TIMEOUT: p->sc->hb_timeout_ms = (uint32_t)v; break;
	case HDR_SF_INTERVAL: p->sc->sf_interval_ms = (uint32_t)v; break;
	case HDR_SF_TIMEOUT: p->sc->sf_timeout_ms = (uint32_t)v; break;
	case HDR_WATCHDOG: p->sc->watchdog_ms = (uint32_t)v; break;
	case HDR_COUNT: assert(!"bad header id"); break;
	}
	p->header_line[id] = p->line;
	return 0;
}

/* ---- lines ---------------------------------------------------------------- */

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Copy s[0..n) without its comment into w->buf and split it at blanks. */
static int split_words(const struct parser *p, const char *s, size_t n, struct words *w)
{
	assert(n <= SC_MAX_LINE);
	memcpy(w->buf, s, n);
	w->buf[n] = '\0';
	w->buf[strcspn(w->buf, "#")] = '\0';
	w->n = 0;
	for (char *c = w->buf; *c;) {
		if (is_blank(*c)) {
			*c++ = '\0';
			continue;
		}
		if (w->n == SC_MAX_WORDS)
			return fail(p, "too many words on the line (expected at most %u)", SC_MAX_WORDS);
		w->w[w->n++] = c;
		while (*c && !is_blank(*c))
			c++;
	}
	return 0;
}

static int parse_line(struct parser *p, const char *s, size_t n)
{
	struct words w;
	if (n > SC_MAX_LINE)
		return fail(p, "line is %zu characters long (expected at most %u)", n, SC_MAX_LINE);
	if (memchr(s, '\0', n))
		return fail(p, "NUL byte in line (expected text)");
	if (split_words(p, s, n, &w) < 0)
		return -1;
	if (w.n == 0)
		return 0;
	if (strcmp(w.w[0], "at") == 0)
		return parse_event(p, &w, false);
	if (strcmp(w.w[0], "expect") == 0)
		return parse_event(p, &w, true);
	int id = find_header(w.w[0]);
	if (id >= 0)
		return parse_header(p, &w, (enum header_id)id);
	return fail(p, "unknown statement \"%s\" (expected hosts, timeout, paths, sector, heartbeat-interval, "
	            "heartbeat-timeout, statefile-interval, statefile-timeout, watchdog-timeout, at or expect)", w.w[0]);
}

static void scenario_init(struct hb_scenario *sc, const char *name)
{
	sc->name[0] = '\0';
	snprintf(sc->name, sizeof sc->name, "%s", name);
	sc->n_hosts = 0;
	sc->timeout_s = SC_DEFAULT_TIMEOUT_S;
	sc->paths = 1;
	sc->sector = 512;
	sc->hb_interval_ms = sc->hb_timeout_ms = sc->sf_interval_ms = sc->sf_timeout_ms = sc->watchdog_ms = 0;
	sc->n_statements = 0;
}

int hb_scenario_parse(const char *text, size_t len, const char *name, struct hb_scenario *out, struct hb_err *err)
{
	assert(out && (text || len == 0));
	struct parser p = {.name = name ? name : "scenario", .sc = out, .err = err};
	scenario_init(out, p.name);
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (p.line == INT_MAX) {
			fail(&p, "too many lines (expected at most %d)", INT_MAX);
			goto failed;
		}
		p.line++;
		if (parse_line(&p, text + pos, end - pos) < 0)
			goto failed;
		pos = end + 1;
	}
	if (!p.header_line[HDR_HOSTS]) {
		p.line = p.line > 0 ? p.line : 1;
		fail(&p, "no \"hosts\" statement in the scenario (expected \"hosts N\" before any at/expect)");
		goto failed;
	}
	return 0;
failed:
	out->n_hosts = 0;
	out->n_statements = 0;
	return -1;
}

/* ---- files ------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

int hb_scenario_load_file(const char *path, struct hb_scenario *out, struct hb_err *err)
{
	assert(path && out);
	FILE *f = fopen(path, "rb");
	if (!f)
		return hb_err_set(err, "%s: cannot open (%s)", path, strerror(errno));
	char *buf = malloc(SC_MAX_FILE + 1u);
	if (!buf) {
		fclose(f);
		return hb_err_set(err, "%s: out of memory reading the scenario", path);
	}
	size_t n = fread(buf, 1, SC_MAX_FILE + 1u, f);
	int read_errno = ferror(f) ? errno : 0;
	bool failed = ferror(f) != 0;
	fclose(f);
	int rc;
	if (failed)
		rc = hb_err_set(err, "%s: cannot read (%s)", path, strerror(read_errno));
	else if (n > SC_MAX_FILE)
		rc = hb_err_set(err, "%s: file is larger than 1 MiB (expected a scenario of at most %u bytes)", path,
		                SC_MAX_FILE);
	else
		rc = hb_scenario_parse(buf, n, base_name(path), out, err);
	free(buf);
	return rc;
}

/* ---- formatting ------------------------------------------------------------- */

const char *hb_sc_kind_name(enum hb_sc_kind kind)
{
	if ((unsigned)kind >= HB_SC_KIND_COUNT)
		return "unknown";
	assert(verbs[kind].kind == kind);
	return verbs[kind].label;
}

void hb_sc_format_time(int64_t ms, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	if (ms < 0 || (ms > 0 && ms < 1000))
		snprintf(buf, len, "%" PRId64 "ms", ms);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRId64 "s", ms / 1000);
	else
		snprintf(buf, len, "%" PRId64 ".%03" PRId64 "s", ms / 1000, ms % 1000);
}

/* Bounded appender: output is cut at len - 1, always terminated. */
struct out {
	char *buf;
	size_t len, pos;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	if (o->pos + 1 >= o->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos = o->pos + (size_t)n < o->len ? o->pos + (size_t)n : o->len - 1;
}

static void put_time(struct out *o, int64_t ms)
{
	char t[32];
	hb_sc_format_time(ms, t, sizeof t);
	put(o, " %s", t);
}

static void put_host(struct out *o, int host)
{
	if (host == HB_SC_ALL)
		put(o, " all");
	else if (host == HB_SC_NONE)
		put(o, " none");
	else
		put(o, " %d", host);
}

static void put_list(struct out *o, hb_hostmap map)
{
	char buf[HB_HOSTMAP_TEXT_MAX];
	put(o, " %s", hb_hostmap_format(map, ",", "none", buf, sizeof buf));
}

/* parts per million -> "5%", "0.1%", "0.0025%" */
static void put_rate(struct out *o, uint32_t ppm)
{
	uint32_t whole = ppm / SC_PPM_PER_PERCENT, frac = ppm % SC_PPM_PER_PERCENT;
	if (frac == 0) {
		put(o, " %" PRIu32 "%%", whole);
		return;
	}
	char digits[8];
	snprintf(digits, sizeof digits, "%04" PRIu32, frac);
	for (size_t i = strlen(digits); i > 0 && digits[i - 1] == '0'; i--)
		digits[i - 1] = '\0';
	put(o, " %" PRIu32 ".%s%%", whole, digits);
}

static void put_link(struct out *o, const struct hb_sc_statement *st)
{
	if (st->host >= 0)
		put(o, " %d", st->host);
	if (st->host >= 0 && st->host2 >= 0)
		put(o, " -> %d", st->host2);
	if (st->path >= 0)
		put(o, " path %d", st->path);
}

static void put_args(struct out *o, const struct verb *v, const struct hb_sc_statement *st)
{
	switch (v->shape) {
	case ARGS_NONE: break;
	case ARGS_ALL: put(o, " all"); break;
	case ARGS_HOST:
	case ARGS_HOST_ALL:
	case ARGS_HOST_NONE: put_host(o, st->host); break;
	case ARGS_HOST_DUR:
	case ARGS_HOST_ALL_DUR:
		put_host(o, st->host);
		put_time(o, st->duration_ms);
		break;
	case ARGS_GROUPS:
		for (unsigned g = 0; g < st->n_groups && g < HB_SC_MAX_GROUPS; g++) {
			if (g > 0)
				put(o, " |");
			put_list(o, st->groups[g]);
		}
		break;
	case ARGS_CUT: put(o, " %d -> %d", st->host, st->host2); break;
	case ARGS_WEIGHT: put(o, " %d %u", st->host, (unsigned)st->weight); break;
	case ARGS_LIST: put_list(o, st->hosts); break;
	case ARGS_POOL_STATE: put(o, " %d %s", st->host, hb_pool_state_name((enum hb_pool_state)st->pool_state)); break;
	case ARGS_RATE_LINK:
		put_rate(o, st->rate_ppm);
		put_link(o, st);
		break;
	case ARGS_DELAY_LINK:
		put_time(o, st->duration_ms);
		if (st->jitter_ms > 0) {
			put(o, " jitter");
			put_time(o, st->jitter_ms);
		}
		put_link(o, st);
		break;
	case ARGS_DUR_LINK:
		put_time(o, st->duration_ms);
		put_link(o, st);
		break;
	case ARGS_HOST_STEP: {
		char t[32];
		hb_sc_format_time(st->duration_ms < 0 ? -st->duration_ms : st->duration_ms, t, sizeof t);
		put(o, " %d %c%s", st->host, st->duration_ms < 0 ? '-' : '+', t);
		break;
	}
	case ARGS_HOST_HOST_NONE:
		put_host(o, st->host);
		put_host(o, st->host2);
		break;
	case ARGS_FORGE:
		put(o, " %d %s", st->host, hb_sc_forge_name((enum hb_sc_forge)st->forge));
		if (st->host2 >= 0)
			put(o, " -> %d", st->host2);
		break;
	case ARGS_SHAPE_COUNT: assert(!"unknown argument shape"); break;
	}
}

void hb_sc_statement_format(const struct hb_sc_statement *st, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len, .pos = 0};
	if (!buf || len == 0)
		return;
	buf[0] = '\0';
	if ((unsigned)st->kind >= HB_SC_KIND_COUNT) {
		put(&o, "# unknown statement kind %d", (int)st->kind);
		return;
	}
	const struct verb *v = &verbs[st->kind];
	put(&o, "%s", v->expect ? "expect" : "at");
	put_time(&o, st->at_ms);
	put(&o, " %s", v->name);
	put_args(&o, v, st);
	if (v->expect && st->within_ms > 0) {
		put(&o, " within");
		put_time(&o, st->within_ms);
	}
}

int hb_scenario_timing_params(const struct hb_scenario *sc, struct hb_timing_params *out, struct hb_err *err)
{
	if (hb_timing_params_from_T(sc->timeout_s, out, err) < 0)
		return -1;
	if (sc->hb_interval_ms)
		out->hb_interval_ms = sc->hb_interval_ms;
	if (sc->hb_timeout_ms)
		out->hb_timeout_ms = sc->hb_timeout_ms;
	if (sc->sf_interval_ms)
		out->sf_interval_ms = sc->sf_interval_ms;
	if (sc->sf_timeout_ms)
		out->sf_timeout_ms = sc->sf_timeout_ms;
	if (sc->watchdog_ms)
		out->watchdog_timeout_ms = sc->watchdog_ms;
	return 0;
}
