/*
 * hb_config.c: xhad.conf (see hb_config.h and docs/config.md).
 *
 * Owns: reading the XML with libxml2 (no network, no DTD, no entities,
 * errors captured instead of printed), the walk over <common-config> and
 * <local-config>, every default and range, the checks across hosts
 * (duplicate HostIDs and addresses, heartbeat paths), the sorted host table
 * and the wording of every error ("FILE:LINE: <Element>: what was expected").
 * An unknown element is not an error (xhad ignored it) but a warning kept in
 * cfg->warnings with its line, path and the nearest known name; printing it,
 * or refusing it, is the caller's choice.
 */
#include "hb_config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "hb_uuid.h"

#define CFG_FILE_MAX (1024u * 1024u) /* a real file is a few KiB */
#define CFG_MAX_CHILDREN 4096u       /* nodes under any one element */
#define CFG_SHOW_MAX 64u             /* characters of a bad value quoted */
#define CFG_XML_MSG_MAX 160u
#define CFG_SOCKET_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1u)
#define CFG_READ_RETRIES 100u

#if LIBXML_VERSION >= 21200
typedef const xmlError *cfg_xml_error;
#else
typedef xmlError *cfg_xml_error;
#endif

/* What the libxml2 callbacks saw during one parse (parser ctxt->_private). */
struct xml_state {
	const void *ctxt; /* the parser context this state belongs to */
	bool have_error;
	int error_line;
	char error_msg[CFG_XML_MSG_MAX];
	bool doctype;
	int doctype_line;
};

/* One parse: where errors go, and the lines of elements that the sorted
 * host table does not keep (valid before the hosts are sorted). */
struct parse_ctx {
	const char *name;
	struct hb_config *cfg;
	struct hb_err *err;
	int hostid_line[HB_MAX_HOSTS];
	int addr_line[HB_MAX_HOSTS][HB_MAX_PATHS];
};

/* <parameters>: whole seconds in the file, milliseconds in hb_timing_params. */
struct param_def {
	const char *name;
	size_t offset; /* of the uint32_t in struct hb_timing_params */
	uint32_t min, max;
	bool is_count; /* XapiRestartAttempts: a count, not seconds */
};

#define PARAM(n, f, lo, hi, c) { n, offsetof(struct hb_timing_params, f), lo, hi, c }
static const struct param_def param_defs[] = {
	PARAM("HeartbeatInterval", hb_interval_ms, 1, 60, false),
	PARAM("HeartbeatTimeout", hb_timeout_ms, 1, HB_TIMING_T_MAX_S, false),
	/* xapi writes T / 20; above 60 s hb_timing uses 60 s */
	PARAM("StateFileInterval", sf_interval_ms, 1, HB_TIMING_T_MAX_S / 3u, false),
	PARAM("StateFileTimeout", sf_timeout_ms, 1, HB_TIMING_T_MAX_S, false),
	PARAM("HeartbeatWatchdogTimeout", hb_wd_timeout_ms, 1, HB_TIMING_LONG_MAX_S, false),
	PARAM("StateFileWatchdogTimeout", sf_wd_timeout_ms, 1, HB_TIMING_LONG_MAX_S, false),
	PARAM("WatchdogTimeout", watchdog_timeout_ms, 1, 300, false),
	PARAM("BootJoinTimeout", boot_join_timeout_ms, 1, HB_TIMING_LONG_MAX_S, false),
	PARAM("EnableJoinTimeout", enable_join_timeout_ms, 1, HB_TIMING_LONG_MAX_S, false),
	PARAM("XapiHealthCheckInterval", xapi_hc_interval_ms, 1, 3600, false),
	PARAM("XapiHealthCheckTimeout", xapi_hc_timeout_ms, 1, 3600, false),
	PARAM("XapiRestartTimeout", xapi_restart_timeout_ms, 1, 3600, false),
	PARAM("XapiRestartAttempts", xapi_restart_attempts, 0, 100, true),
};
#undef PARAM
#define N_PARAMS (sizeof param_defs / sizeof param_defs[0])

/* hbagent's extensions and the one element each belongs in: found anywhere
 * else they are an error, not silently ignored like unknown elements. */
static const struct {
	const char *name;
	const char *parent;
} extension_homes[] = {
	{ "PoolKeyFile", "common-config" },   { "WatchdogTimeout", "parameters" },
	{ "WatchdogBackend", "localhost" },   { "WatchdogDevice", "localhost" },
	{ "AllowSoftdog", "localhost" },      { "TestFenceLog", "localhost" },
	{ "ControlSocket", "localhost" },     { "ControlGroup", "localhost" },
	{ "XapiSupervision", "localhost" },   { "XapiHealthCheck", "localhost" },
	{ "XapiRestartCommand", "localhost" }, { "PoolSecretFile", "localhost" },
};

/* ---- small helpers ---------------------------------------------------- */

static const char *nname(const xmlNode *node) { return (const char *)node->name; }

static int nline(const xmlNode *node)
{
	long line = node ? xmlGetLineNo(node) : 0;
	return line < 0 || line > INT_MAX ? 0 : (int)line;
}

static bool is_elem(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && strcmp(nname(node), name) == 0;
}

/* A value fit for quoting in an error: printable ASCII, at most CFG_SHOW_MAX. */
static const char *show(const char *s, char out[CFG_SHOW_MAX + 4])
{
	size_t i = 0;
	for (; s[i] != '\0' && i < CFG_SHOW_MAX; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

__attribute__((format(printf, 3, 4)))
static int fail(const struct parse_ctx *pc, const xmlNode *node, const char *fmt, ...)
{
	char msg[HB_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return hb_err_set(pc->err, "%s:%d: %s", pc->name, nline(node), msg);
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void trim(char *s)
{
	size_t len = strlen(s);
	size_t start = 0;
	while (start < len && is_space(s[start]))
		start++;
	while (len > start && is_space(s[len - 1]))
		len--;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
}

/* The trimmed text of a leaf element (comments ignored, no child elements). */
static int leaf_text(const struct parse_ctx *pc, const xmlNode *node, char out[HB_CONFIG_PATH_MAX])
{
	size_t len = 0;
	unsigned count = 0;
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		if (++count > CFG_MAX_CHILDREN)
			return fail(pc, node, "<%s>: more than %u child nodes", nname(node), CFG_MAX_CHILDREN);
		if (c->type == XML_ELEMENT_NODE)
			return fail(pc, c, "<%s>: expected text, found element <%s>", nname(node), nname(c));
		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || c->content == NULL)
			continue;
		size_t n = strlen((const char *)c->content);
		if (n >= HB_CONFIG_PATH_MAX - len)
			return fail(pc, node, "<%s>: value longer than %u characters", nname(node), HB_CONFIG_PATH_MAX - 1);
		memcpy(out + len, c->content, n);
		len += n;
	}
	out[len] = '\0';
	trim(out);
	return 0;
}

/* Record the first occurrence of a singleton element; a second is an error. */
static int once(const struct parse_ctx *pc, const xmlNode **slot, const xmlNode *node)
{
	if (*slot != NULL)
		return fail(pc, node, "<%s>: appears twice (first at line %d)", nname(node), nline(*slot));
	*slot = node;
	return 0;
}

/* An unknown child: a warning in cfg->warnings (xhad ignores it, and so does
 * hbagent), unless it is one of our extensions put in the wrong element (an
 * error). Defined after the tables of known elements. */
static int unknown_child(const struct parse_ctx *pc, const xmlNode *parent, const xmlNode *child);

/* Sort the element children of parent into slots by name (names[i] ->
 * nodes[i]), each at most once. skip (may be NULL) names a repeated child
 * the caller handles itself. */
static int collect(const struct parse_ctx *pc, const xmlNode *parent, const char *const names[],
                   const xmlNode *nodes[], size_t n, const char *skip)
{
	unsigned count = 0;
	for (const xmlNode *c = parent->children; c != NULL; c = c->next) {
		if (++count > CFG_MAX_CHILDREN)
			return fail(pc, parent, "<%s>: more than %u child nodes", nname(parent), CFG_MAX_CHILDREN);
		if (c->type != XML_ELEMENT_NODE || (skip != NULL && is_elem(c, skip)))
			continue;
		size_t i = 0;
		while (i < n && strcmp(nname(c), names[i]) != 0)
			i++;
		int rc = i < n ? once(pc, &nodes[i], c) : unknown_child(pc, parent, c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- typed values ----------------------------------------------------- */

static int parse_uint(const struct parse_ctx *pc, const xmlNode *node, uint32_t min, uint32_t max,
                      const char *unit, uint32_t *out)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	if (leaf_text(pc, node, text) < 0)
		return -1;
	size_t len = strlen(text);
	bool digits = len > 0 && strspn(text, "0123456789") == len;
	if (!digits)
		return fail(pc, node, "<%s>: expected a whole number%s%s (decimal digits only), got \"%s\"",
		            nname(node), *unit ? " of " : "", unit, show(text, shown));
	errno = 0;
	unsigned long long v = strtoull(text, NULL, 10);
	if (errno != 0 || v < min || v > max)
		return fail(pc, node, "<%s>: %s is out of range %u..%u%s%s", nname(node), show(text, shown),
		            min, max, *unit ? " " : "", unit);
	*out = (uint32_t)v;
	return 0;
}

/* A duration: whole seconds as xapi writes them, or (extension) whole
 * milliseconds with the suffix "ms", for test pools run faster than real
 * time (hbpool --scale). Either way within min..max seconds, the
 * milliseconds form from 1 ms up. Out in milliseconds. */
static int parse_duration(const struct parse_ctx *pc, const xmlNode *node, uint32_t min_s, uint32_t max_s, uint32_t *out_ms)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	if (leaf_text(pc, node, text) < 0)
		return -1;
	size_t len = strlen(text);
	bool ms = len > 2 && strcmp(text + len - 2, "ms") == 0;
	size_t nd = ms ? len - 2 : len;
	if (nd == 0 || strspn(text, "0123456789") != nd)
		return fail(pc, node, "<%s>: expected a whole number of seconds (or of milliseconds, ending in \"ms\"), got \"%s\"",
		            nname(node), show(text, shown));
	errno = 0;
	unsigned long long v = strtoull(text, NULL, 10);
	unsigned long long lo = ms ? 1u : min_s, hi = ms ? (unsigned long long)max_s * 1000u : max_s;
	/* the values xapi derives from its HA timeout T reach their limit when T
	 * passes the largest T supported: say so */
	char hint[96] = "";
	if (max_s >= HB_TIMING_T_MAX_S / 3u && (errno != 0 || v > hi))
		snprintf(hint, sizeof hint, " (the largest HA timeout T hbagent supports is %u s)", HB_TIMING_T_MAX_S);
	if (errno != 0 || v < lo || v > hi)
		return fail(pc, node, "<%s>: %s is out of range %llu..%llu %s%s", nname(node), show(text, shown), lo, hi,
		            ms ? "ms" : "seconds", hint);
	*out_ms = (uint32_t)(ms ? v : v * 1000u);
	return 0;
}

static int parse_uuid(const struct parse_ctx *pc, const xmlNode *node, hb_uuid *out)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	if (leaf_text(pc, node, text) < 0)
		return -1;
	if (!hb_uuid_parse(text, out))
		return fail(pc, node, "<%s>: expected a UUID (32 hex digits, dashes optional), got \"%s\"",
		            nname(node), show(text, shown));
	return 0;
}

/* A string value into out[cap]; empty is refused unless allow_empty. */
static int parse_string(const struct parse_ctx *pc, const xmlNode *node, char *out, size_t cap, bool allow_empty)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	assert(cap > 1 && cap <= HB_CONFIG_PATH_MAX);
	if (leaf_text(pc, node, text) < 0)
		return -1;
	size_t len = strlen(text);
	if (len == 0 && !allow_empty)
		return fail(pc, node, "<%s>: expected a value, got an empty element", nname(node));
	if (len >= cap)
		return fail(pc, node, "<%s>: \"%s\" is longer than %zu characters", nname(node), show(text, shown),
		            cap - 1);
	memcpy(out, text, len + 1);
	return 0;
}

static bool addr_is_unicast(const struct hb_addr *a)
{
	if (a->family == AF_INET) {
		uint32_t v = ntohl(a->u.v4.s_addr);
		return v != 0 && v != 0xffffffffu && (v >> 28) != 0xeu;
	}
	return !IN6_IS_ADDR_UNSPECIFIED(&a->u.v6) && !IN6_IS_ADDR_MULTICAST(&a->u.v6);
}

static int parse_addr(const struct parse_ctx *pc, const xmlNode *node, struct hb_addr *out)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	if (leaf_text(pc, node, text) < 0)
		return -1;
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, text, &out->u.v4) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, text, &out->u.v6) == 1)
		out->family = AF_INET6;
	else
		return fail(pc, node, "<%s>: expected a numeric IPv4 or IPv6 address, got \"%s\"", nname(node),
		            show(text, shown));
	if (!addr_is_unicast(out))
		return fail(pc, node, "<%s>: %s is not a unicast address", nname(node), show(text, shown));
	const char *ok = inet_ntop(out->family, &out->u, out->text, sizeof out->text);
	assert(ok != NULL);
	(void)ok;
	return 0;
}

static bool addr_equal(const struct hb_addr *a, const struct hb_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	return memcmp(&a->u.v6, &b->u.v6, sizeof a->u.v6) == 0;
}

static const char *family_name(int family) { return family == AF_INET ? "IPv4" : "IPv6"; }

/* ---- <host> and the checks across hosts -------------------------------- */

static int parse_host(struct parse_ctx *pc, const xmlNode *node)
{
	struct hb_config *cfg = pc->cfg;
	if (cfg->n_hosts >= HB_MAX_HOSTS)
		return fail(pc, node, "<host>: more than %u <host> entries", HB_MAX_HOSTS);
	unsigned i = cfg->n_hosts;
	struct hb_config_host *h = &cfg->hosts[i];
	const xmlNode *id = NULL;
	unsigned count = 0;
	memset(h, 0, sizeof *h);
	h->line = nline(node);
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		if (++count > CFG_MAX_CHILDREN)
			return fail(pc, node, "<host>: more than %u child nodes", CFG_MAX_CHILDREN);
		int rc = 0;
		if (is_elem(c, "HostID")) {
			rc = once(pc, &id, c);
		} else if (is_elem(c, "IPaddress")) {
			if (h->n_addrs >= HB_MAX_PATHS)
				return fail(pc, c, "<IPaddress>: more than %u addresses in one <host> (at most %u heartbeat paths)",
				            HB_MAX_PATHS, HB_MAX_PATHS);
			pc->addr_line[i][h->n_addrs] = nline(c);
			rc = parse_addr(pc, c, &h->addrs[h->n_addrs]);
			h->n_addrs++;
		} else if (c->type == XML_ELEMENT_NODE) {
			rc = unknown_child(pc, node, c);
		}
		if (rc < 0)
			return rc;
	}
	if (id == NULL)
		return fail(pc, node, "<host>: missing <HostID>");
	if (h->n_addrs == 0)
		return fail(pc, node, "<host>: missing <IPaddress>");
	pc->hostid_line[i] = nline(id);
	cfg->n_hosts++;
	return parse_uuid(pc, id, &h->uuid);
}

/* Same number of addresses everywhere, one family per path. */
static int check_paths(const struct parse_ctx *pc)
{
	const struct hb_config *cfg = pc->cfg;
	const struct hb_config_host *first = &cfg->hosts[0];
	for (unsigned i = 1; i < cfg->n_hosts; i++) {
		const struct hb_config_host *h = &cfg->hosts[i];
		if (h->n_addrs != first->n_addrs)
			return hb_err_set(pc->err,
			                  "%s:%d: <host>: has %u <IPaddress> elements but the <host> at line %d has %u "
			                  "(every host needs one address per heartbeat path)",
			                  pc->name, h->line, h->n_addrs, first->line, first->n_addrs);
		for (unsigned p = 0; p < h->n_addrs; p++) {
			if (h->addrs[p].family != first->addrs[p].family)
				return hb_err_set(pc->err,
				                  "%s:%d: <IPaddress>: heartbeat path %u mixes IPv4 and IPv6 "
				                  "(%s %s here, %s %s at line %d)",
				                  pc->name, pc->addr_line[i][p], p + 1, family_name(h->addrs[p].family),
				                  h->addrs[p].text, family_name(first->addrs[p].family),
				                  first->addrs[p].text, pc->addr_line[0][p]);
		}
	}
	return 0;
}

/* No HostID twice. */
static int check_duplicate_ids(const struct parse_ctx *pc)
{
	const struct hb_config *cfg = pc->cfg;
	char text[HB_UUID_STR_LEN];
	for (unsigned i = 1; i < cfg->n_hosts; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (hb_uuid_cmp(&cfg->hosts[i].uuid, &cfg->hosts[j].uuid) == 0)
				return hb_err_set(pc->err, "%s:%d: <HostID>: %s appears twice (also at line %d)", pc->name,
				                  pc->hostid_line[i], hb_uuid_format(&cfg->hosts[i].uuid, text),
				                  pc->hostid_line[j]);
		}
	}
	return 0;
}

/* The line of an earlier occurrence of address p of host i, or 0. */
static int earlier_addr_line(const struct parse_ctx *pc, unsigned i, unsigned p)
{
	const struct hb_config *cfg = pc->cfg;
	const struct hb_addr *a = &cfg->hosts[i].addrs[p];
	for (unsigned j = 0; j <= i; j++) {
		unsigned limit = j == i ? p : cfg->hosts[j].n_addrs;
		for (unsigned q = 0; q < limit; q++) {
			if (addr_equal(a, &cfg->hosts[j].addrs[q]))
				return pc->addr_line[j][q] > 0 ? pc->addr_line[j][q] : 1;
		}
	}
	return 0;
}

/* No address twice in the pool (n_hosts * n_paths <= 256: quadratic is fine). */
static int check_duplicate_addrs(const struct parse_ctx *pc)
{
	const struct hb_config *cfg = pc->cfg;
	for (unsigned i = 0; i < cfg->n_hosts; i++) {
		for (unsigned p = 0; p < cfg->hosts[i].n_addrs; p++) {
			int line = earlier_addr_line(pc, i, p);
			if (line != 0)
				return hb_err_set(pc->err, "%s:%d: <IPaddress>: %s appears twice in the pool (also at line %d)",
				                  pc->name, pc->addr_line[i][p], cfg->hosts[i].addrs[p].text, line);
		}
	}
	return 0;
}

static int host_cmp(const void *a, const void *b)
{
	const struct hb_config_host *x = a;
	const struct hb_config_host *y = b;
	return hb_uuid_cmp(&x->uuid, &y->uuid);
}

/* Host index = position in sorted UUID order (xhad's strncmp order). */
static void sort_hosts(struct hb_config *cfg)
{
	assert(cfg->n_hosts >= 1 && cfg->n_hosts <= HB_MAX_HOSTS);
	qsort(cfg->hosts, cfg->n_hosts, sizeof cfg->hosts[0], host_cmp);
	for (unsigned i = 0; i < cfg->n_hosts; i++) {
		cfg->hosts[i].index = i;
		assert(i == 0 || hb_uuid_cmp(&cfg->hosts[i - 1].uuid, &cfg->hosts[i].uuid) < 0);
	}
	cfg->n_paths = cfg->hosts[0].n_addrs;
}

/* ---- <parameters> ------------------------------------------------------- */

static int parse_params(const struct parse_ctx *pc, const xmlNode *node)
{
	const char *names[N_PARAMS];
	const xmlNode *nodes[N_PARAMS] = { 0 };
	for (size_t i = 0; i < N_PARAMS; i++)
		names[i] = param_defs[i].name;
	if (collect(pc, node, names, nodes, N_PARAMS, NULL) < 0)
		return -1;
	for (size_t i = 0; i < N_PARAMS; i++) {
		const struct param_def *d = &param_defs[i];
		uint32_t v;
		if (nodes[i] == NULL)
			continue; /* keep the default */
		if (d->is_count ? parse_uint(pc, nodes[i], d->min, d->max, "", &v) : parse_duration(pc, nodes[i], d->min, d->max, &v))
			return -1;
		uint32_t *field = (uint32_t *)(void *)((char *)&pc->cfg->params + d->offset);
		*field = v;
	}
	return 0;
}

/* ---- <common-config> ---------------------------------------------------- */

enum { C_GENERATION, C_PORT, C_PARAMETERS, C_KEYFILE, C_COUNT };
static const char *const common_names[C_COUNT] = { "GenerationUUID", "UDPport", "parameters", "PoolKeyFile" };

static int parse_hosts(struct parse_ctx *pc, const xmlNode *common)
{
	unsigned count = 0;
	for (const xmlNode *c = common->children; c != NULL; c = c->next) {
		if (++count > CFG_MAX_CHILDREN)
			return fail(pc, common, "<common-config>: more than %u child nodes", CFG_MAX_CHILDREN);
		if (is_elem(c, "host") && parse_host(pc, c) < 0)
			return -1;
	}
	if (pc->cfg->n_hosts == 0)
		return fail(pc, common, "<common-config>: no <host> entries (expected 1 to %u)", HB_MAX_HOSTS);
	if (check_paths(pc) < 0 || check_duplicate_ids(pc) < 0 || check_duplicate_addrs(pc) < 0)
		return -1;
	sort_hosts(pc->cfg);
	return 0;
}

static int parse_common(struct parse_ctx *pc, const xmlNode *common)
{
	struct hb_config *cfg = pc->cfg;
	const xmlNode *n[C_COUNT] = { 0 };
	uint32_t port;
	if (collect(pc, common, common_names, n, C_COUNT, "host") < 0)
		return -1;
	if (n[C_GENERATION] == NULL)
		return fail(pc, common, "<common-config>: missing <GenerationUUID>");
	if (n[C_PORT] == NULL)
		return fail(pc, common, "<common-config>: missing <UDPport>");
	if (parse_uuid(pc, n[C_GENERATION], &cfg->generation) < 0)
		return -1;
	if (hb_uuid_is_nil(&cfg->generation))
		return fail(pc, n[C_GENERATION], "<GenerationUUID>: the nil UUID is not a generation");
	if (parse_uint(pc, n[C_PORT], 1, 65535, "", &port) < 0)
		return -1;
	cfg->udp_port = (uint16_t)port;
	if (n[C_KEYFILE] != NULL &&
	    parse_string(pc, n[C_KEYFILE], cfg->pool_key_file, sizeof cfg->pool_key_file, true) < 0)
		return -1;
	if (n[C_PARAMETERS] != NULL && parse_params(pc, n[C_PARAMETERS]) < 0)
		return -1;
	return parse_hosts(pc, common);
}

/* ---- <local-config><localhost> ------------------------------------------ */

enum {
	L_HOSTID, L_IFACE, L_PHYS, L_STATEFILE, L_WDMODE, L_BACKEND,
	L_DEVICE, L_SOFTDOG, L_FENCELOG, L_SOCKET, L_GROUP, L_XAPI_SUP, L_XAPI_HC, L_XAPI_RESTART, L_SECRET, L_COUNT
};
static const char *const local_names[L_COUNT] = {
	"HostID", "HeartbeatInterface", "HeartbeatPhysicalInterface", "StateFile", "WatchdogMode",
	"WatchdogBackend", "WatchdogDevice", "AllowSoftdog", "TestFenceLog", "ControlSocket", "ControlGroup",
	"XapiSupervision", "XapiHealthCheck", "XapiRestartCommand", "PoolSecretFile",
};

static int parse_local_host_id(const struct parse_ctx *pc, const xmlNode *node)
{
	struct hb_config *cfg = pc->cfg;
	hb_uuid id;
	char text[HB_UUID_STR_LEN];
	if (parse_uuid(pc, node, &id) < 0)
		return -1;
	for (unsigned i = 0; i < cfg->n_hosts; i++) {
		if (hb_uuid_cmp(&cfg->hosts[i].uuid, &id) == 0) {
			cfg->local_index = i;
			return 0;
		}
	}
	return fail(pc, node, "<localhost>/<HostID> %s is not one of the %u <host> entries", hb_uuid_format(&id, text),
	            cfg->n_hosts);
}

/* WatchdogMode (xhad) and WatchdogBackend (hbagent) into cfg->wd_backend. */
static int parse_backend(const struct parse_ctx *pc, const xmlNode *mode, const xmlNode *backend)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	static const char *const names[] = { "xen", "linux", "test" };
	if (mode != NULL) {
		if (leaf_text(pc, mode, text) < 0)
			return -1;
		if (strcasecmp(text, "USER") == 0 || strcasecmp(text, "NONE") == 0)
			return fail(pc, mode, "<WatchdogMode>: %s is not supported: hbagent always fences through a "
			            "watchdog (<WatchdogBackend>test</WatchdogBackend> exists for testing)", show(text, shown));
		if (strcasecmp(text, "HYPERVISOR") != 0)
			return fail(pc, mode, "<WatchdogMode>: unknown mode \"%s\" (expected HYPERVISOR)", show(text, shown));
	}
	pc->cfg->wd_backend = HB_WD_XEN;
	if (backend == NULL)
		return 0;
	if (leaf_text(pc, backend, text) < 0)
		return -1;
	unsigned i = 0;
	while (i < 3 && strcasecmp(text, names[i]) != 0)
		i++;
	if (i == 3)
		return fail(pc, backend, "<WatchdogBackend>: unknown backend \"%s\" (expected xen, linux or test)",
		            show(text, shown));
	if (mode != NULL && i != HB_WD_XEN)
		return fail(pc, backend, "<WatchdogBackend>: %s conflicts with <WatchdogMode>HYPERVISOR at line %d",
		            names[i], nline(mode));
	pc->cfg->wd_backend = (enum hb_wd_backend)i;
	return 0;
}

static int parse_softdog(const struct parse_ctx *pc, const xmlNode *node)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	if (leaf_text(pc, node, text) < 0)
		return -1;
	if (strcasecmp(text, "true") == 0)
		pc->cfg->allow_softdog = true;
	else if (strcasecmp(text, "false") == 0)
		pc->cfg->allow_softdog = false;
	else
		return fail(pc, node, "<AllowSoftdog>: expected true or false, got \"%s\"", show(text, shown));
	return 0;
}

static int parse_xapi_supervision(const struct parse_ctx *pc, const xmlNode *node)
{
	char text[HB_CONFIG_PATH_MAX];
	char shown[CFG_SHOW_MAX + 4];
	static const char *const names[] = { "auto", "on", "off" };
	if (leaf_text(pc, node, text) < 0)
		return -1;
	for (unsigned i = 0; i < 3; i++) {
		if (strcasecmp(text, names[i]) == 0) {
			pc->cfg->xapi_supervision = (enum hb_xapi_supervision)i;
			return 0;
		}
	}
	return fail(pc, node, "<XapiSupervision>: expected auto, on or off, got \"%s\"", show(text, shown));
}

/* The optional string elements of <localhost>, each into its field. */
static int parse_local_strings(const struct parse_ctx *pc, const xmlNode *const n[L_COUNT])
{
	struct hb_config *cfg = pc->cfg;
	const struct {
		unsigned which;
		char *field;
		size_t cap;
		bool allow_empty;
	} strs[] = {
		{ L_IFACE, cfg->heartbeat_interface, sizeof cfg->heartbeat_interface, true },
		{ L_PHYS, cfg->heartbeat_physical_interface, sizeof cfg->heartbeat_physical_interface, true },
		{ L_STATEFILE, cfg->statefile, sizeof cfg->statefile, false },
		{ L_DEVICE, cfg->wd_device, sizeof cfg->wd_device, false },
		{ L_FENCELOG, cfg->test_fence_log, sizeof cfg->test_fence_log, false },
		{ L_SOCKET, cfg->control_socket, CFG_SOCKET_PATH_MAX + 1u, false },
		{ L_GROUP, cfg->control_group, sizeof cfg->control_group, false },
		{ L_XAPI_HC, cfg->xapi_health_check, sizeof cfg->xapi_health_check, false },
		{ L_XAPI_RESTART, cfg->xapi_restart_command, sizeof cfg->xapi_restart_command, false },
		{ L_SECRET, cfg->pool_secret_file, sizeof cfg->pool_secret_file, true },
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		const xmlNode *node = n[strs[i].which];
		if (node != NULL && parse_string(pc, node, strs[i].field, strs[i].cap, strs[i].allow_empty) < 0)
			return -1;
	}
	return 0;
}

static int parse_localhost(const struct parse_ctx *pc, const xmlNode *localhost)
{
	const xmlNode *n[L_COUNT] = { 0 };
	if (collect(pc, localhost, local_names, n, L_COUNT, NULL) < 0)
		return -1;
	if (n[L_HOSTID] == NULL)
		return fail(pc, localhost, "<localhost>: missing <HostID>");
	if (n[L_STATEFILE] == NULL)
		return fail(pc, localhost, "<localhost>: missing <StateFile>");
	if (parse_local_host_id(pc, n[L_HOSTID]) < 0 || parse_local_strings(pc, n) < 0)
		return -1;
	if (parse_backend(pc, n[L_WDMODE], n[L_BACKEND]) < 0)
		return -1;
	if (n[L_SOFTDOG] != NULL && parse_softdog(pc, n[L_SOFTDOG]) < 0)
		return -1;
	if (n[L_XAPI_SUP] != NULL && parse_xapi_supervision(pc, n[L_XAPI_SUP]) < 0)
		return -1;
	if (pc->cfg->wd_backend == HB_WD_TEST && n[L_FENCELOG] == NULL)
		return fail(pc, localhost, "<localhost>: missing <TestFenceLog> (required with <WatchdogBackend>test)");
	return 0;
}

static int parse_local(const struct parse_ctx *pc, const xmlNode *local)
{
	static const char *const names[] = { "localhost" };
	const xmlNode *localhost = NULL;
	if (collect(pc, local, names, &localhost, 1, NULL) < 0)
		return -1;
	if (localhost == NULL)
		return fail(pc, local, "<local-config>: missing <localhost>");
	return parse_localhost(pc, localhost);
}

/* ---- unknown elements ----------------------------------------------------- */

/* Every element xhad or hbagent knows, by parent: the candidates of "did you
 * mean". <XapiLicenseCheckTimeout> and <XapiRestartRetry> are xhad's (xapi
 * or xhad's sample file may write them); hbagent reads past them silently. */
static const char *const root_names[] = { "common-config", "local-config" };
static const char *const host_only[] = { "host" };
static const char *const host_names[] = { "HostID", "IPaddress" };
static const char *const xhad_ignored_params[] = { "XapiLicenseCheckTimeout", "XapiRestartRetry" };
static const char *const local_config_names[] = { "localhost" };
static const struct {
	const char *parent;
	const char *const *names;
	size_t n;
} known_groups[] = {
	{ "xhad-config", root_names, 2 },
	{ "common-config", common_names, C_COUNT },
	{ "common-config", host_only, 1 },
	{ "host", host_names, 2 },
	{ "parameters", NULL, N_PARAMS }, /* param_defs */
	{ "parameters", xhad_ignored_params, 2 },
	{ "local-config", local_config_names, 1 },
	{ "localhost", local_names, L_COUNT },
};
#define N_KNOWN_GROUPS (sizeof known_groups / sizeof known_groups[0])

static const char *known_name(size_t group, size_t i)
{
	return known_groups[group].names != NULL ? known_groups[group].names[i] : param_defs[i].name;
}

unsigned hb_config_edit_distance(const char *a, const char *b)
{
	enum { M = HB_CONFIG_NAME_MAX };
	unsigned short d[M][M];
	size_t la = strnlen(a, M - 1), lb = strnlen(b, M - 1);
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned short)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned short)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			unsigned v = d[i - 1][j - 1] + (ca != cb ? 1u : 0u);
			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned short)v;
		}
	}
	return d[la][lb];
}

/* Close enough to suggest: at most 3 edits and at most a third of the
 * known name's length, but always 1 (<hots> -> <host>): a far name is no
 * help. */
static bool close_enough(unsigned dist, const char *known)
{
	size_t third = strlen(known) / 3u;
	unsigned limit = third < 1u ? 1u : third > 3u ? 3u : (unsigned)third;
	return dist <= limit;
}

/* "/xhad-config/common-config/paramaters" */
static void element_path(const xmlNode *node, char out[HB_CONFIG_XPATH_MAX])
{
	const xmlNode *chain[16];
	size_t n = 0;
	for (const xmlNode *p = node; p != NULL && p->type == XML_ELEMENT_NODE && n < 16; p = p->parent)
		chain[n++] = p;
	size_t len = 0;
	out[0] = '\0';
	while (n > 0) {
		char shown[CFG_SHOW_MAX + 4];
		int w = snprintf(out + len, HB_CONFIG_XPATH_MAX - len, "/%s", show(nname(chain[--n]), shown));
		if (w < 0 || (size_t)w >= HB_CONFIG_XPATH_MAX - len)
			break;
		len += (size_t)w;
	}
}

static int unknown_child(const struct parse_ctx *pc, const xmlNode *parent, const xmlNode *child)
{
	for (size_t i = 0; i < sizeof extension_homes / sizeof extension_homes[0]; i++) {
		if (strcmp(nname(child), extension_homes[i].name) == 0)
			return fail(pc, child, "<%s>: belongs in <%s>, not in <%s>", nname(child),
			            extension_homes[i].parent, nname(parent));
	}
	/* the nearest known name, preferring the parent's own children */
	const char *best = NULL, *best_parent = NULL;
	unsigned best_dist = UINT_MAX;
	bool best_here = false;
	for (size_t g = 0; g < N_KNOWN_GROUPS; g++) {
		bool here = strcmp(known_groups[g].parent, nname(parent)) == 0;
		for (size_t i = 0; i < known_groups[g].n; i++) {
			const char *name = known_name(g, i);
			if (here && strcmp(name, nname(child)) == 0)
				return 0; /* known to xhad, not used by hbagent */
			unsigned dist = hb_config_edit_distance(nname(child), name);
			if (dist < best_dist || (dist == best_dist && here && !best_here)) {
				best = name;
				best_parent = known_groups[g].parent;
				best_dist = dist;
				best_here = here;
			}
		}
	}
	struct hb_config_warnings *ws = &pc->cfg->warnings;
	if (ws->n >= HB_CONFIG_WARNINGS_MAX) {
		ws->dropped++;
		return 0;
	}
	struct hb_config_warning *w = &ws->w[ws->n++];
	char shown[CFG_SHOW_MAX + 4], pshown[CFG_SHOW_MAX + 4];
	memset(w, 0, sizeof *w);
	w->line = nline(child);
	snprintf(w->element, sizeof w->element, "%s", show(nname(child), shown));
	element_path(child, w->path);
	if (best != NULL && close_enough(best_dist, best))
		snprintf(w->suggestion, sizeof w->suggestion, "%s", best);
	bool has_elements = false;
	for (const xmlNode *c = child->children; c != NULL && !has_elements; c = c->next)
		has_elements = c->type == XML_ELEMENT_NODE;
	char hint[160] = "";
	if (w->suggestion[0] != '\0' && best_here)
		snprintf(hint, sizeof hint, " (did you mean <%s>?)", w->suggestion);
	else if (w->suggestion[0] != '\0' && strcmp(w->suggestion, nname(child)) == 0)
		snprintf(hint, sizeof hint, " (<%s> belongs in <%s>)", w->suggestion, best_parent);
	else if (w->suggestion[0] != '\0')
		snprintf(hint, sizeof hint, " (did you mean <%s>, which belongs in <%s>?)", w->suggestion, best_parent);
	snprintf(w->msg, sizeof w->msg, "%s:%d: <%s>: unknown element in <%s>, ignored%s%s", pc->name, w->line,
	         show(nname(child), shown), show(nname(parent), pshown), has_elements ? " with everything in it" : "", hint);
	return 0;
}

/* ---- the document ------------------------------------------------------- */

static int check_root(const struct parse_ctx *pc, const xmlNode *root)
{
	char shown[CFG_SHOW_MAX + 4];
	if (root->type != XML_ELEMENT_NODE || strcmp(nname(root), "xhad-config") != 0)
		return fail(pc, root, "<%s>: expected root element <xhad-config>", show(nname(root), shown));
	xmlChar *version = xmlGetProp(root, (const xmlChar *)"version");
	if (version == NULL)
		return 0; /* xapi always writes 1.0; absent means 1.0 */
	char text[16];
	snprintf(text, sizeof text, "%s", (const char *)version);
	bool ok = xmlStrlen(version) < (int)sizeof text;
	xmlFree(version);
	trim(text);
	if (!ok || strcmp(text, "1.0") != 0)
		return fail(pc, root, "<xhad-config>: unsupported version \"%s\" (expected 1.0)", show(text, shown));
	return 0;
}

static int walk(struct parse_ctx *pc, const xmlNode *root)
{
	static const char *const names[] = { "common-config", "local-config" };
	const xmlNode *n[2] = { 0 };
	if (check_root(pc, root) < 0 || collect(pc, root, names, n, 2, NULL) < 0)
		return -1;
	if (n[0] == NULL)
		return fail(pc, root, "<xhad-config>: missing <common-config>");
	if (n[1] == NULL)
		return fail(pc, root, "<xhad-config>: missing <local-config>");
	if (parse_common(pc, n[0]) < 0)
		return -1;
	return parse_local(pc, n[1]);
}

/* libxml2 reports here instead of stderr; keep the first parser error. */
static void on_xml_error(void *data, cfg_xml_error e)
{
	(void)data;
	if (e == NULL || e->ctxt == NULL || (e->domain != XML_FROM_PARSER && e->domain != XML_FROM_NAMESPACE))
		return;
	const xmlParserCtxt *ctxt = e->ctxt;
	struct xml_state *st = ctxt->_private;
	if (st == NULL || st->ctxt != ctxt || st->have_error)
		return;
	st->have_error = true;
	st->error_line = e->line;
	snprintf(st->error_msg, sizeof st->error_msg, "%s", e->message ? e->message : "parse error");
	trim(st->error_msg);
}

/* A DOCTYPE could declare entities: refuse it before anything is expanded. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xml_state *st = ctxt->_private;
	(void)name;
	(void)ext_id;
	(void)sys_id;
	if (st != NULL && st->ctxt == ctxt && !st->doctype) {
		st->doctype = true;
		st->doctype_line = ctxt->input != NULL ? ctxt->input->line : 0;
	}
	xmlStopParser(ctxt);
}

static xmlDocPtr run_parser(const char *buf, int len, struct xml_state *st)
{
	xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buf, len);
	if (ctxt == NULL)
		return NULL;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
	                        XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
	st->ctxt = ctxt;
	ctxt->_private = st;
	ctxt->sax->internalSubset = on_doctype;
	xmlParseDocument(ctxt);
	xmlDocPtr doc = ctxt->myDoc;
	if (!ctxt->wellFormed || st->doctype) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (doc == NULL && !st->have_error && ctxt->lastError.code != XML_ERR_OK) {
		st->have_error = true;
		st->error_line = ctxt->lastError.line;
		snprintf(st->error_msg, sizeof st->error_msg, "%s",
		         ctxt->lastError.message ? ctxt->lastError.message : "parse error");
		trim(st->error_msg);
	}
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* Parse the XML with libxml2's error output captured. */
static xmlDocPtr parse_xml(const struct parse_ctx *pc, const char *buf, size_t len)
{
	struct xml_state st;
	char shown[CFG_SHOW_MAX + 4];
	memset(&st, 0, sizeof st);
	xmlInitParser();
	xmlStructuredErrorFunc old_fn = xmlStructuredError;
	void *old_ctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(NULL, on_xml_error);
	xmlDocPtr doc = run_parser(buf, (int)len, &st);
	xmlSetStructuredErrorFunc(old_ctx, old_fn);
	if (st.doctype) {
		hb_err_set(pc->err, "%s:%d: <!DOCTYPE>: not allowed in a configuration file", pc->name, st.doctype_line);
		return NULL;
	}
	if (doc == NULL && st.have_error)
		hb_err_set(pc->err, "%s:%d: not well-formed XML: %s", pc->name, st.error_line,
		           show(st.error_msg, shown));
	else if (doc == NULL)
		hb_err_set(pc->err, "%s:1: not well-formed XML", pc->name);
	return doc;
}

static void set_defaults(struct hb_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->source, sizeof cfg->source, "%s", name);
	hb_timing_params_default(&cfg->params);
	cfg->wd_backend = HB_WD_XEN;
	snprintf(cfg->wd_device, sizeof cfg->wd_device, "%s", HB_DEFAULT_WATCHDOG_DEVICE);
	snprintf(cfg->control_socket, sizeof cfg->control_socket, "%s", HB_DEFAULT_CONTROL_SOCKET);
	snprintf(cfg->xapi_health_check, sizeof cfg->xapi_health_check, "%s", HB_DEFAULT_XAPI_HEALTH_CHECK);
	snprintf(cfg->xapi_restart_command, sizeof cfg->xapi_restart_command, "%s", HB_DEFAULT_XAPI_RESTART_COMMAND);
	snprintf(cfg->pool_secret_file, sizeof cfg->pool_secret_file, "%s", HB_DEFAULT_POOL_SECRET_FILE);
}

int hb_config_load_buffer(const char *buf, size_t len, const char *name, struct hb_config *out, struct hb_err *err)
{
	assert(out != NULL);
	assert(buf != NULL || len == 0);
	struct parse_ctx pc = { .name = name ? name : "(buffer)", .cfg = out, .err = err };
	set_defaults(out, pc.name);
	if (len > CFG_FILE_MAX)
		return hb_err_set(err, "%s: larger than %u bytes, not a configuration file", pc.name, CFG_FILE_MAX);
	xmlDocPtr doc = parse_xml(&pc, buf != NULL ? buf : "", len);
	if (doc == NULL)
		return -1;
	const xmlNode *root = xmlDocGetRootElement(doc);
	int rc = root != NULL ? walk(&pc, root) : hb_err_set(err, "%s:1: no root element", pc.name);
	xmlFreeDoc(doc);
	if (rc == 0) {
		assert(out->n_hosts >= 1 && out->local_index < out->n_hosts);
		assert(out->n_paths >= 1 && out->n_paths <= HB_MAX_PATHS);
	}
	return rc;
}

/* The whole file into a malloc'd buffer; -1 cannot read, -2 too large. */
static int read_file(const char *path, char **buf, size_t *len, struct hb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hb_err_set(err, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return hb_err_set(err, "%s: cannot read: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return hb_err_set(err, "%s: cannot read: %s", path,
		                  S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
	}
	*buf = malloc(CFG_FILE_MAX + 1u);
	if (*buf == NULL) {
		close(fd);
		return hb_err_set(err, "%s: cannot read: out of memory", path);
	}
	size_t total = 0;
	unsigned retries = 0;
	while (total <= CFG_FILE_MAX) {
		ssize_t n = read(fd, *buf + total, CFG_FILE_MAX + 1u - total);
		if (n < 0 && errno == EINTR && ++retries < CFG_READ_RETRIES)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			free(*buf);
			*buf = NULL;
			return hb_err_set(err, "%s: cannot read: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	*len = total;
	return total > CFG_FILE_MAX ? -2 : 0;
}

int hb_config_load_file(const char *path, struct hb_config *out, bool *is_read_error, struct hb_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	assert(path != NULL && out != NULL);
	if (is_read_error)
		*is_read_error = false;
	int rc = read_file(path, &buf, &len, err);
	if (rc == -1) {
		set_defaults(out, path);
		if (is_read_error)
			*is_read_error = true;
		return -1;
	}
	if (rc == -2) {
		free(buf);
		set_defaults(out, path);
		return hb_err_set(err, "%s: larger than %u bytes, not a configuration file", path, CFG_FILE_MAX);
	}
	rc = hb_config_load_buffer(buf, len, path, out, err);
	free(buf);
	return rc;
}

const char *hb_wd_backend_name(enum hb_wd_backend backend)
{
	switch (backend) {
	case HB_WD_XEN:
		return "xen";
	case HB_WD_LINUX:
		return "linux";
	case HB_WD_TEST:
		return "test";
	}
	return "unknown";
}

const struct hb_config_host *hb_config_local(const struct hb_config *cfg)
{
	assert(cfg != NULL);
	assert(cfg->n_hosts >= 1 && cfg->local_index < cfg->n_hosts);
	assert(cfg->hosts[cfg->local_index].index == cfg->local_index);
	return &cfg->hosts[cfg->local_index];
}
