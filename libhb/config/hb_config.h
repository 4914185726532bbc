/*
 * hb_config.h: the xhad.conf file (XML, as xapi writes it) and hbagent's
 * documented extensions, parsed with libxml2 into a fixed struct.
 *
 * Owns: every element, its default and its range; host index = position of
 * the host UUID in sorted order; the error messages (file:line, element,
 * what was expected). Does not derive timing (hb_timing does) nor read the
 * pool key file (hb_key does). docs/config.md lists every element.
 */
#ifndef HB_CONFIG_H
#define HB_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "hb_err.h"
#include "hb_timing.h"
#include "hb_types.h"

#define HB_CONFIG_PATH_MAX 4096
#define HB_IFNAME_MAX 64 /* 63 characters and the NUL, as xhad */

#define HB_DEFAULT_CONFIG_FILE "/etc/xensource/xhad.conf"
#define HB_CONFIG_GROUP_MAX 33 /* 32 characters */
#define HB_DEFAULT_CONTROL_SOCKET "/run/hbagent/hbagent.sock"
#define HB_DEFAULT_WATCHDOG_DEVICE "/dev/watchdog"
/* XenServer's pool secret (xapi's pool_secret_path), root-only on every member */
#define HB_DEFAULT_POOL_SECRET_FILE "/etc/xensource/ptoken"

enum hb_wd_backend {
	HB_WD_XEN = 0,   /* libxenctrl xc_watchdog (the default, as xhad) */
	HB_WD_LINUX = 1, /* /dev/watchdog API */
	HB_WD_TEST = 2   /* test backend: "reboots" by SIGKILL, logs to TestFenceLog */
};

/* <XapiSupervision>: auto = on when the health-check program exists. */
enum hb_xapi_supervision {
	HB_XAPI_SUP_AUTO = 0,
	HB_XAPI_SUP_ON = 1,
	HB_XAPI_SUP_OFF = 2
};
#define HB_DEFAULT_XAPI_HEALTH_CHECK "/opt/xensource/libexec/xapi-health-check"
#define HB_DEFAULT_XAPI_RESTART_COMMAND "/usr/bin/systemctl restart xapi.service"

struct hb_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
	char text[64]; /* as written in the file, normalised */
};

struct hb_config_host {
	hb_uuid uuid;
	unsigned index;  /* position in sorted UUID order */
	unsigned n_addrs; /* 1..HB_MAX_PATHS */
	struct hb_addr addrs[HB_MAX_PATHS];
	int line; /* line of its <host> element, for messages */
};

/* An element the parser does not know, kept (not printed) so that the caller
 * decides: hbagent logs it (refuses with --strict), hbctl config check
 * refuses. Elements that xhad knows but hbagent does not use
 * (<XapiLicenseCheckTimeout>, <XapiRestartRetry>) are known, not warned. */
#define HB_CONFIG_WARNINGS_MAX 16
#define HB_CONFIG_NAME_MAX 64  /* an element name as quoted, cut */
#define HB_CONFIG_XPATH_MAX 256 /* /xhad-config/common-config/... */
struct hb_config_warning {
	int line;
	char element[HB_CONFIG_NAME_MAX];    /* as written (printable ASCII, cut) */
	char path[HB_CONFIG_XPATH_MAX];      /* its path from the root */
	char suggestion[HB_CONFIG_NAME_MAX]; /* the nearest known name, "" when none is close */
	char msg[HB_ERR_LEN]; /* "FILE:LINE: <el>: unknown element in <parent>, ignored (did you mean <X>?)" */
};
struct hb_config_warnings {
	unsigned n;       /* 0..HB_CONFIG_WARNINGS_MAX kept */
	unsigned dropped; /* more than that: counted only */
	struct hb_config_warning w[HB_CONFIG_WARNINGS_MAX];
};

struct hb_config {
	char source[HB_CONFIG_PATH_MAX]; /* file name, for messages */
	/* unknown elements seen, in document order, also when the load failed
	 * (those found before the error) */
	struct hb_config_warnings warnings;
	hb_uuid generation;
	uint16_t udp_port;
	unsigned n_hosts;
	struct hb_config_host hosts[HB_MAX_HOSTS]; /* sorted: hosts[i].index == i */
	unsigned n_paths; /* min over hosts of n_addrs */
	unsigned local_index;
	char heartbeat_interface[HB_IFNAME_MAX];          /* "" when absent */
	char heartbeat_physical_interface[HB_IFNAME_MAX]; /* "" when absent */
	char statefile[HB_CONFIG_PATH_MAX];
	/* extensions (docs/config.md) */
	char pool_key_file[HB_CONFIG_PATH_MAX]; /* "" = none: the pool secret, else GenerationUUID */
	char pool_secret_file[HB_CONFIG_PATH_MAX]; /* <localhost><PoolSecretFile>; "" = do not use one */
	enum hb_wd_backend wd_backend;
	char wd_device[HB_CONFIG_PATH_MAX];
	bool allow_softdog;
	char test_fence_log[HB_CONFIG_PATH_MAX]; /* required for backend test */
	char control_socket[HB_CONFIG_PATH_MAX];
	char control_group[HB_CONFIG_GROUP_MAX];  /* "" = root only; a group name or number */
	enum hb_xapi_supervision xapi_supervision;
	char xapi_health_check[HB_CONFIG_PATH_MAX];    /* command line, words split on blanks */
	char xapi_restart_command[HB_CONFIG_PATH_MAX]; /* command line, words split on blanks */
	struct hb_timing_params params;
};

/* Parse a file. Returns 0, or -1 with err naming file:line, element and what
 * was expected. Either way out->warnings lists the unknown elements seen. *is_read_error tells "cannot read" (exit 6) from "invalid"
 * (exit 7); it may be NULL. */
int hb_config_load_file(const char *path, struct hb_config *out, bool *is_read_error, struct hb_err *err);
/* Parse from memory; name is used in messages. */
int hb_config_load_buffer(const char *buf, size_t len, const char *name, struct hb_config *out, struct hb_err *err);

/* Edit distance (optimal string alignment: insert, delete, substitute,
 * swap two neighbours), case-insensitive; names longer than
 * HB_CONFIG_NAME_MAX - 1 compare as cut there. */
unsigned hb_config_edit_distance(const char *a, const char *b);

const char *hb_wd_backend_name(enum hb_wd_backend backend);
const struct hb_config_host *hb_config_local(const struct hb_config *cfg);

#endif
