/*
 * hb_exit.h: process exit codes, exactly xhad's (xha.md section 7).
 *
 * xapi matches these numbers one by one (Xha_errno.of_int); hbagent, hbctl and
 * the ha_* scripts use only these, for the same conditions.
 */
#ifndef HB_EXIT_H
#define HB_EXIT_H

enum hb_exit {
	HB_EXIT_SUCCESS = 0,
	HB_EXIT_INVALID_PARAMETER = 1,
	HB_EXIT_SYSTEM_ERROR = 2,
	HB_EXIT_TRANSIENT_SYSTEM_ERROR = 3,
	HB_EXIT_WATCHDOG_ERROR = 4,
	HB_EXIT_IMPROPER_LICENSE = 5,
	HB_EXIT_CAN_NOT_READ_CONFIG_FILE = 6,
	HB_EXIT_INVALID_CONFIG_FILE = 7,
	HB_EXIT_CAN_NOT_ACCESS_STATEFILE = 8,
	HB_EXIT_INVALID_STATE_FILE = 9,
	HB_EXIT_GENERATION_UUID_MISMATCH = 10,
	HB_EXIT_INVALID_POOL_STATE = 11,
	HB_EXIT_BOOTJOIN_TIMEOUT = 12,
	HB_EXIT_CAN_NOT_JOIN_EXISTING_LIVESET = 13,
	HB_EXIT_DAEMON_IS_NOT_PRESENT = 14,
	HB_EXIT_DAEMON_IS_PRESENT = 15,
	HB_EXIT_INVALID_ENVIRONMENT = 16,
	HB_EXIT_INVALID_LOCALHOST_STATE = 17,
	HB_EXIT_BOOT_BLOCKED_BY_EXCLUDED = 18,
	HB_EXIT_SET_EXCLUDED = 19,
	HB_EXIT_INTERNAL_BUG = 127
};

/* xhad's name of a code ("WATCHDOG_ERROR"); "UNKNOWN" for any other. */
const char *hb_exit_name(int code);

#endif
