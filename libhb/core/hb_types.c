/* hb_types.c: names of the shared enumerations (see hb_types.h). */
#include "hb_types.h"

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
