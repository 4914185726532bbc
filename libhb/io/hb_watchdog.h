/*
 * hb_watchdog.h: the watchdog, fed by deadline, and the immediate fence.
 *
 * Owns: arming a watchdog backend (xen: libxenctrl xc_watchdog; linux:
 * /dev/watchdog; test: the hbwatchdog-test helper process) with its timeout
 * read back; the feeder thread that pets it only while the decision clock
 * (hb_clock.h, the core's clock) is before the healthy_until last published
 * by the decision loop; explicit disarm; the immediate fence (pause guests,
 * reboot); the unclean-restart guard marker. Does not decide anything: the
 * core publishes the deadline and says when to fence. docs/watchdog.md
 * explains the contract.
 *
 * Lifecycle (one thread calls these; the feeder is internal):
 *   open -> arm -> [start_feeder, set_deadline ...] -> disarm -> close
 *   open -> arm -> start_feeder -> close        (stop without disarm: fires)
 *   any armed state -> reboot_now               (does not return on success)
 * Only hb_watchdog_set_deadline() and hb_watchdog_get_stats() may be called
 * from other threads. Nothing allocates after hb_watchdog_open().
 */
#ifndef HB_WATCHDOG_H
#define HB_WATCHDOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "hb_config.h"
#include "hb_err.h"
#include "hb_timing.h"

#define HB_WATCHDOG_GUARD_PATH "/run/hbagent/armed"
#define HB_WATCHDOG_HELPER_ENV "HB_WATCHDOG_TEST_HELPER"
#define HB_WATCHDOG_HELPER_NAME "hbwatchdog-test"
#ifndef HB_WATCHDOG_HELPER_PATH
#define HB_WATCHDOG_HELPER_PATH "/usr/libexec/hbagent/" HB_WATCHDOG_HELPER_NAME
#endif
/* Identity the Linux softdog driver reports through WDIOC_GETSUPPORT. */
#define HB_WATCHDOG_SOFTDOG_IDENTITY "Software Watchdog"
/* Bounds on the timeout. xen and linux count whole seconds. */
#define HB_WATCHDOG_TEST_MIN_MS 100u
#define HB_WATCHDOG_MAX_MS 3600000u
/* The test backend waits this long for the helper's replies. */
#define HB_WATCHDOG_HELPER_REPLY_MS 5000

struct hb_watchdog_params {
	enum hb_wd_backend backend;
	const char *device;       /* linux: "" or NULL = /dev/watchdog */
	bool allow_softdog;       /* linux: accept the softdog driver */
	const char *fence_log;    /* test: required; one line per fence */
	const char *helper;       /* test: NULL = $HB_WATCHDOG_TEST_HELPER, next
	                           * to the executable, HB_WATCHDOG_HELPER_PATH */
	uint32_t timeout_ms;      /* W; whole seconds for xen and linux */
	uint32_t pet_interval_ms; /* > 0, 2 * pet_interval_ms <= timeout_ms */
	uint32_t pet_recheck_ms;  /* after a missed pet, look again this soon (0 or
	                           * more than pet_interval_ms: the pet interval) */
	pid_t victim;             /* test: process the "reboot" kills; 0 = caller */
	const char *guard_path;   /* NULL or "" = no marker; else written at arm,
	                           * removed at disarm (hb_watchdog_guard_*) */
	bool lock_stack;          /* mlock the feeder's whole stack when it starts
	                           * (hb_thread.h): set by a caller that
	                           * locks its memory */
};

/* Counters for status output. Times are decision-clock milliseconds
 * (hb_clock_now_ms()). */
struct hb_watchdog_stats {
	const char *backend;      /* "xen", "linux", "test" */
	uint32_t timeout_ms;
	uint32_t pet_interval_ms;
	bool armed;
	bool feeding;             /* feeder thread running */
	bool softdog;             /* linux: the device is softdog (allowed) */
	char identity[48];        /* driver identity, "xen slot N", "helper pid N" */
	int64_t healthy_until_ms; /* last published deadline, 0 = none */
	int64_t last_pet_ms;      /* 0 = never */
	uint64_t pets;            /* successful pets (the arm's own pet included) */
	uint64_t missed;          /* feeder wake-ups with now >= healthy_until */
	uint64_t pet_errors;      /* pets the device refused */
	int last_pet_errno;       /* errno of the last refused pet, 0 = none */
};

struct hb_watchdog;

/* A backend (hb_wd_xen.c, hb_wd_linux.c, hb_wd_test.c). Internal to libhb:
 * the functions below are the API. */
struct hb_wd_ops {
	const char *name;
	int (*open)(struct hb_watchdog *wd, struct hb_err *err);   /* may be a no-op */
	int (*arm)(struct hb_watchdog *wd, struct hb_err *err);    /* incl. read back; on
	                                                             * failure leaves it stopped */
	int (*pet)(struct hb_watchdog *wd);                        /* feeder: 0 or -errno */
	int (*disarm)(struct hb_watchdog *wd, struct hb_err *err);
	int (*reboot)(struct hb_watchdog *wd, const char *reason, struct hb_err *err);
	void (*close)(struct hb_watchdog *wd);                     /* never disarms */
};

struct hb_wd_xen_state {
	struct xc_interface_core *xch;
	uint32_t slot;            /* 1 or 2 while armed, 0 = none */
	int kmsg_fd;              /* /dev/kmsg for the fence's console line, -1 = none */
};

struct hb_wd_linux_state {
	int fd;                   /* -1 when closed */
	uint32_t options;         /* WDIOF_* from WDIOC_GETSUPPORT */
};

struct hb_wd_test_state {
	int sock;                 /* our end of the helper's socket, -1 = none */
	int log_fd;               /* fence log, O_APPEND, -1 = closed */
	pid_t helper_pid;         /* 0 = none */
	pid_t victim;             /* resolved at arm */
	char helper[HB_CONFIG_PATH_MAX];
};

enum hb_wd_state { HB_WD_CLOSED = 0, HB_WD_OPEN = 1, HB_WD_ARMED = 2 };

struct hb_watchdog {
	const struct hb_wd_ops *ops;
	struct hb_watchdog_params p; /* strings point into the buffers below */
	char device[HB_CONFIG_PATH_MAX];
	char fence_log[HB_CONFIG_PATH_MAX];
	char guard_path[HB_CONFIG_PATH_MAX];
	_Atomic int state;           /* enum hb_wd_state */
	bool softdog;
	char identity[48];
	union {
		struct hb_wd_xen_state xen;
		struct hb_wd_linux_state linux_;
		struct hb_wd_test_state test;
	} b;
	/* deadline and feeder */
	_Atomic int64_t healthy_until_ms;
	_Atomic bool feeder_stop;
	_Atomic bool feeding;
	pthread_t feeder;
	_Atomic int64_t last_pet_ms;
	_Atomic uint64_t pets;
	_Atomic uint64_t missed;
	_Atomic uint64_t pet_errors;
	_Atomic int last_pet_errno;
};

/* The feeder's stack: 128 KiB. Its deepest use measured (test backend,
 * 64 agents, thread descriptor and static TLS included) is under 12 KiB; a
 * pet is one ioctl (linux), one hypercall through libxenctrl (xen) or one
 * write (test). */
#define HB_WATCHDOG_FEEDER_STACK (128u * 1024u)


/* Fill params from a loaded config and derived timing (pointers into cfg). */
void hb_watchdog_params_from_config(const struct hb_config *cfg, const struct hb_timing *t,
                                    struct hb_watchdog_params *out);

/* Check the params and open the backend without starting any timer (xen:
 * the libxenctrl handle; linux: nothing yet, the device starts counting when
 * opened so arm opens it; test: find the helper). Refuses with a message
 * that names the value. */
int hb_watchdog_open(struct hb_watchdog *wd, const struct hb_watchdog_params *p, struct hb_err *err);
/* Start the timer with the timeout and read it back: xen creates a slot and
 * feeds it once; linux sets the timeout, reads it back with WDIOC_GETTIMEOUT
 * (must be equal), refuses softdog unless allowed and drivers without magic
 * close, pets once; test starts the helper and reads its "armed" reply.
 * Then writes the guard marker if configured. On failure returns -1 and the
 * timer is stopped again: the agent must not go Online. */
int hb_watchdog_arm(struct hb_watchdog *wd, struct hb_err *err);
/* Start the feeder thread (all signals blocked in it). It wakes every
 * pet_interval_ms of the decision clock (hb_clock_now_ms(); relative sleeps
 * on CLOCK_BOOTTIME, the clock read again at every wake) and pets only while
 * now < healthy_until on that clock. Requires an armed watchdog. Its stack
 * is HB_WATCHDOG_FEEDER_STACK bytes, all of it locked when p.lock_stack. */
int hb_watchdog_start_feeder(struct hb_watchdog *wd, struct hb_err *err);
/* Publish the deadline (decision-clock ms, hb_clock_now_ms()): any thread,
 * lock-free. */
void hb_watchdog_set_deadline(struct hb_watchdog *wd, int64_t healthy_until_ms);
/* The only way to stop the timer: stops the feeder, then xen closes its slot
 * (timeout 0), linux WDIOS_DISABLECARD + magic 'V' + close, test sends 'V',
 * closes and waits for the helper's "disarmed". Removes the guard marker.
 * On -1 the timer may still be running. */
int hb_watchdog_disarm(struct hb_watchdog *wd, struct hb_err *err);
/* Fence now: stop petting, then xen pauses every guest domain and reboots
 * the host through the hypervisor, linux calls reboot(RB_AUTOBOOT) without
 * sync, test appends "fence <reason>" to the log, stops its helper and
 * SIGKILLs the victim. Does not return when that works (except test with a
 * victim other than the caller, which returns 0). On -1 the armed watchdog is
 * the backstop: the caller must stop doing anything else. */
int hb_watchdog_reboot_now(struct hb_watchdog *wd, const char *reason, struct hb_err *err);
/* Process exit path: stops the feeder and releases the backend WITHOUT
 * disarming; an armed timer keeps counting and fires. Safe on a closed or
 * failed-open struct. */
void hb_watchdog_close(struct hb_watchdog *wd);
void hb_watchdog_get_stats(const struct hb_watchdog *wd, struct hb_watchdog_stats *out);
/* hbctl watchdog probe: open, arm (with read back), disarm, close; out (may be
 * NULL) gets the stats while armed. The caller must make sure no agent runs;
 * refuses when p->guard_path names an existing marker. */
int hb_watchdog_probe(const struct hb_watchdog_params *p, struct hb_watchdog_stats *out, struct hb_err *err);

/* Unclean-restart guard. The marker (HB_WATCHDOG_GUARD_PATH by default, on
 * tmpfs) holds "boottime_ms=<CLOCK_BOOTTIME> pid=<agent> backend=<name>".
 * It exists while a watchdog is armed and after an agent stopped without
 * disarming. check: 0 = no marker (wait 0); 1 = marker found, *wait_ms is how
 * long to wait from now before arming again (the fence bound: the previous
 * agent may have petted until it died, so the wait is counted from now, not
 * from the marker), *pid its agent (may be NULL); -1 on a read error. */
int hb_watchdog_guard_check(const char *path, uint32_t fence_bound_ms, uint32_t *wait_ms, pid_t *pid,
                            struct hb_err *err);
int hb_watchdog_guard_set(const char *path, const char *backend, struct hb_err *err);
int hb_watchdog_guard_clear(const char *path, struct hb_err *err);

/* Test hook for the linux backend: replace the system calls it uses (NULL
 * restores the real ones). Not thread-safe; call before open. */
struct hb_wd_linux_sysops {
	int (*open)(const char *path, int flags);
	int (*ioctl)(int fd, unsigned long request, void *arg);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*close)(int fd);
	int (*reboot)(int cmd);
};
void hb_wd_linux_set_sysops(const struct hb_wd_linux_sysops *ops);

extern const struct hb_wd_ops hb_wd_xen_ops;
extern const struct hb_wd_ops hb_wd_linux_ops;
extern const struct hb_wd_ops hb_wd_test_ops;

#endif
