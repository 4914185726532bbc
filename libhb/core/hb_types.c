/* hb_types.c: names of the shared enumerations and the text of a host set
 * (see hb_types.h). */
#include "hb_types.h"

#include <stdio.h>
#include <strings.h>

const char *hb_phase_name(enum hb_phase phase)
{
	switch (phase) {
	case HB_PHASE_STARTING: return "starting";
	case HB_PHASE_JOINING: return "joining";
	case HB_PHASE_ONLINE: return "online";
	case HB_PHASE_FENCING: return "fencing";
	case HB_PHASE_STOPPED: return "stopped";
	}
	return "unknown";
}

const char *hb_pool_state_name(enum hb_pool_state state)
{
	switch (state) {
	case HB_POOL_NONE: return "none";
	case HB_POOL_INIT: return "init";
	case HB_POOL_ACTIVE: return "active";
	case HB_POOL_INVALID: return "invalid";
	}
	return "unknown";
}

const char *hb_view_flag_name(unsigned flag)
{
	switch (flag) {
	case HB_VF_SF_ACCESS: return "sf_access";
	case HB_VF_FENCING: return "fencing";
	case HB_VF_EXCLUDED: return "excluded";
	case HB_VF_RULE2: return "rule2";
	case HB_VF_ARMED: return "armed";
	case HB_VF_STARTING: return "starting";
	case HB_VF_JOINING: return "joining";
	case HB_VF_MASTER: return "master";
	}
	return NULL;
}

const char *hb_hostmap_format(hb_hostmap set, const char *sep, const char *empty, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (!set)
		snprintf(buf, len, "%s", empty);
	while (set && used + 4 < len) {
		unsigned i = (unsigned)__builtin_ctzll(set);
		set &= set - 1;
		int n = snprintf(buf + used, len - used, "%s%u", used ? sep : "", i);
		used += n > 0 ? (size_t)n : 0;
	}
	if (set && len > 4)
		snprintf(buf + len - 4, 4, "...");
	return buf;
}

bool hb_pool_state_parse(const char *text, enum hb_pool_state *out)
{
	static const enum hb_pool_state states[] = {HB_POOL_INIT, HB_POOL_ACTIVE, HB_POOL_INVALID};
	for (unsigned i = 0; i < sizeof states / sizeof states[0]; i++) {
		if (strcasecmp(text, hb_pool_state_name(states[i])) == 0) {
			*out = states[i];
			return true;
		}
	}
	return false;
}
