/*
 * hb_exit.c: the names of xhad's exit codes (hb_exit.h), as xapi's
 * Xha_errno spells them, for messages and the control protocol.
 */
#include "hb_exit.h"

#include <stddef.h>

const char *hb_exit_name(int code)
{
	static const char *const names[] = {
		"SUCCESS", "INVALID_PARAMETER", "SYSTEM_ERROR", "TRANSIENT_SYSTEM_ERROR", "WATCHDOG_ERROR",
		"IMPROPER_LICENSE", "CAN_NOT_READ_CONFIG_FILE", "INVALID_CONFIG_FILE", "CAN_NOT_ACCESS_STATEFILE",
		"INVALID_STATE_FILE", "GENERATION_UUID_MISMATCH", "INVALID_POOL_STATE", "BOOTJOIN_TIMEOUT",
		"CAN_NOT_JOIN_EXISTING_LIVESET", "DAEMON_IS_NOT_PRESENT", "DAEMON_IS_PRESENT", "INVALID_ENVIRONMENT",
		"INVALID_LOCALHOST_STATE", "BOOT_BLOCKED_BY_EXCLUDED", "SET_EXCLUDED",
	};
	if (code >= 0 && (size_t)code < sizeof names / sizeof names[0])
		return names[code];
	return code == HB_EXIT_INTERNAL_BUG ? "INTERNAL_BUG" : "UNKNOWN";
}
