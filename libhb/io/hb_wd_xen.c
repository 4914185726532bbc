/*
 * hb_wd_xen.c: the Xen hypervisor watchdog backend (libxenctrl).
 *
 * Owns: the libxenctrl handle (opened at open, with a silent logger so no
 * call, the feeder's included, ever writes to stderr), one dom0 watchdog slot
 * (xc_watchdog: id 0 creates a slot and returns its id, 1 or 2; id N with a
 * timeout feeds it; timeout 0 closes it, only on disarm), and the fence:
 * shorten the slot to 1 s as a backstop, pause every guest domain, then
 * reboot the host through the hypervisor (remote shutdown of dom0 with
 * SHUTDOWN_reboot). Just before the reboot it writes one line to the dom0
 * kernel log (/dev/kmsg, opened at open): the reason and how many guests it
 * paused, which dom0's console (Xen's serial console on a real host) shows
 * as the host's last line. There is no read-back hypercall: a valid slot id
 * from the create call and an immediate successful feed (hb_watchdog_arm)
 * are it. Exercised on real Xen by tests/xen; kept small.
 */
/* xenctrl.h pulls in Xen public headers that insist on GNU C (anonymous
 * structs, __attribute__ alignment) and test __STRICT_ANSI__, which -std=c11
 * defines. C11 has anonymous structs and GCC has the attributes in any mode. */
#undef __STRICT_ANSI__

#include "hb_watchdog.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>

#define HB_XEN_PRIVCMD "/dev/xen/privcmd"
#define HB_XEN_KMSG "/dev/kmsg"
/* Xen gives each domain two watchdog slots (NR_DOMAIN_WATCHDOG_TIMERS). */
#define HB_XEN_MAX_SLOT 2
#define HB_XEN_DOMINFO_BATCH 64u
/* Bounds the guest enumeration: domids stop below DOMID_FIRST_RESERVED. */
#define HB_XEN_DOMINFO_ROUNDS (DOMID_FIRST_RESERVED / HB_XEN_DOMINFO_BATCH + 1u)

/* The fence path is entered once per process: a static table, no allocation. */
static xc_domaininfo_t dominfo[HB_XEN_DOMINFO_BATCH];

static void silent_vmessage(struct xentoollog_logger *logger, xentoollog_level level, int errnoval,
                            const char *context, const char *format, va_list al)
{
	(void)logger, (void)level, (void)errnoval, (void)context, (void)format, (void)al;
}

static void silent_progress(struct xentoollog_logger *logger, const char *context, const char *doing_what,
                            int percent, unsigned long done, unsigned long total)
{
	(void)logger, (void)context, (void)doing_what, (void)percent, (void)done, (void)total;
}

static void silent_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static struct xentoollog_logger silent_logger = {
	.vmessage = silent_vmessage,
	.progress = silent_progress,
	.destroy = silent_destroy,
};

static int xen_open(struct hb_watchdog *wd, struct hb_err *err)
{
	wd->b.xen.xch = NULL;
	wd->b.xen.slot = 0;
	wd->b.xen.kmsg_fd = -1;
	if (access(HB_XEN_PRIVCMD, R_OK | W_OK) < 0)
		return hb_err_set(err, "the xen watchdog backend needs %s (%s): not a Xen dom0, not root, or xen-privcmd is not loaded",
		                  HB_XEN_PRIVCMD, strerror(errno));
	xc_interface *xch = xc_interface_open(&silent_logger, &silent_logger, 0);
	if (xch == NULL)
		return hb_err_set(err, "xc_interface_open failed: %s (the xen watchdog backend needs a Xen dom0)",
		                  strerror(errno));
	wd->b.xen.xch = xch;
	/* Opened now so the fence path needs no open; without it the fence
	 * just has no console line. */
	wd->b.xen.kmsg_fd = open(HB_XEN_KMSG, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	return 0;
}

static int xen_arm(struct hb_watchdog *wd, struct hb_err *err)
{
	assert(wd->b.xen.xch != NULL && wd->b.xen.slot == 0);
	const uint32_t t = wd->p.timeout_ms / 1000u;
	int id = xc_watchdog(wd->b.xen.xch, 0, t);
	if (id < 0) {
		int e = errno;
		return hb_err_set(err, "cannot create a Xen watchdog slot with a %u s timeout: %s%s", t, strerror(e),
		                  e == ENOSPC || e == EEXIST ? " (both dom0 slots are taken: is xen-watchdog or xhad running, or did an agent die armed?)" : "");
	}
	if (id < 1 || id > HB_XEN_MAX_SLOT) {
		if (id > 0)
			(void)xc_watchdog(wd->b.xen.xch, (uint32_t)id, 0);
		return hb_err_set(err, "Xen returned watchdog slot %d (expected 1..%d); refused", id, HB_XEN_MAX_SLOT);
	}
	wd->b.xen.slot = (uint32_t)id;
	snprintf(wd->identity, sizeof wd->identity, "xen slot %d", id);
	return 0;
}

static int xen_pet(struct hb_watchdog *wd)
{
	if (xc_watchdog(wd->b.xen.xch, wd->b.xen.slot, wd->p.timeout_ms / 1000u) < 0)
		return errno > 0 ? -errno : -EIO;
	return 0;
}

static int xen_disarm(struct hb_watchdog *wd, struct hb_err *err)
{
	if (wd->b.xen.slot == 0)
		return 0;
	if (xc_watchdog(wd->b.xen.xch, wd->b.xen.slot, 0) < 0)
		return hb_err_set(err, "cannot close Xen watchdog slot %u: %s; it is still armed", wd->b.xen.slot,
		                  strerror(errno));
	wd->b.xen.slot = 0;
	snprintf(wd->identity, sizeof wd->identity, "xen, no slot (disarmed)");
	return 0;
}

struct pause_count {
	unsigned guests;          /* guest domains found */
	unsigned paused;          /* of those, xc_domain_pause succeeded */
};

/* Pause every domain but dom0 (stops their I/O at once). Best effort: a
 * failure to pause one domain does not stop the fence. */
static struct pause_count pause_guests(xc_interface *xch)
{
	struct pause_count pc = {0, 0};
	uint32_t first = 1;
	for (unsigned round = 0; round < HB_XEN_DOMINFO_ROUNDS && first < DOMID_FIRST_RESERVED; round++) {
		int n = xc_domain_getinfolist(xch, first, HB_XEN_DOMINFO_BATCH, dominfo);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			if (dominfo[i].domain != 0 && !(dominfo[i].flags & XEN_DOMINF_dying)) {
				pc.guests++;
				if (xc_domain_pause(xch, dominfo[i].domain) == 0)
					pc.paused++;
			}
		}
		first = (uint32_t)dominfo[n - 1].domain + 1u;
	}
	return pc;
}

/* One line for dom0's kernel log and console (priority 2, critical). A
 * non-blocking write of a stack buffer; a failure changes nothing. */
static void console_line(int fd, const char *reason, struct pause_count pc)
{
	if (fd < 0)
		return;
	char line[160];
	int n = snprintf(line, sizeof line,
	                 "<2>hbagent: FENCE (%s): paused %u of %u guest domain(s); rebooting the host through Xen\n",
	                 reason, pc.paused, pc.guests);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int xen_reboot(struct hb_watchdog *wd, const char *reason, struct hb_err *err)
{
	xc_interface *xch = wd->b.xen.xch;
	assert(xch != NULL);
	if (wd->b.xen.slot != 0)
		(void)xc_watchdog(xch, wd->b.xen.slot, 1); /* backstop if a step hangs */
	struct pause_count pc = pause_guests(xch);
	console_line(wd->b.xen.kmsg_fd, reason, pc);
	if (xc_domain_shutdown(xch, 0, SHUTDOWN_reboot) < 0)
		return hb_err_set(err, "reboot through the hypervisor failed: %s; the watchdog is the backstop",
		                  strerror(errno));
	return hb_err_set(err, "the hypervisor accepted the reboot of dom0; waiting for it (the watchdog is the backstop)");
}

static void xen_close(struct hb_watchdog *wd)
{
	/* The slot is a hypervisor timer of dom0, not of this handle: it keeps
	 * counting after the handle (or the process) is gone. */
	if (wd->b.xen.xch != NULL)
		xc_interface_close(wd->b.xen.xch);
	if (wd->b.xen.kmsg_fd >= 0)
		close(wd->b.xen.kmsg_fd);
	wd->b.xen.kmsg_fd = -1;
	wd->b.xen.xch = NULL;
	wd->b.xen.slot = 0;
}

const struct hb_wd_ops hb_wd_xen_ops = {
	.name = "xen",
	.open = xen_open,
	.arm = xen_arm,
	.pet = xen_pet,
	.disarm = xen_disarm,
	.reboot = xen_reboot,
	.close = xen_close,
};
