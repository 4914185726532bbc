/*
 * hb_wd_linux.c: the Linux watchdog API backend (/dev/watchdog).
 *
 * Owns: opening the device only when arming (opening starts the timer), the
 * driver identity (WDIOC_GETSUPPORT: softdog refused unless allowed, drivers
 * without magic close refused because any close would stop them), setting
 * the timeout and reading it back (WDIOC_SETTIMEOUT then WDIOC_GETTIMEOUT
 * must agree exactly), WDIOC_KEEPALIVE, stopping (WDIOS_DISABLECARD, magic
 * 'V', close) only on disarm or a refused arm, and reboot(RB_AUTOBOOT)
 * without sync. Every system call goes through a replaceable table so the
 * unit tests can stand in for the device.
 */
#include "hb_watchdog.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <unistd.h>

static int real_open(const char *path, int flags)
{
	return open(path, flags);
}

static int real_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static ssize_t real_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

static int real_close(int fd)
{
	return close(fd);
}

static int real_reboot(int cmd)
{
	return reboot(cmd);
}

static const struct hb_wd_linux_sysops real_sysops = {
	.open = real_open,
	.ioctl = real_ioctl,
	.write = real_write,
	.close = real_close,
	.reboot = real_reboot,
};

static const struct hb_wd_linux_sysops *sys = &real_sysops;

void hb_wd_linux_set_sysops(const struct hb_wd_linux_sysops *ops)
{
	sys = ops != NULL ? ops : &real_sysops;
}

static int lx_open(struct hb_watchdog *wd, struct hb_err *err)
{
	(void)err;
	wd->b.linux_.fd = -1; /* opened by arm: opening starts the timer */
	return 0;
}

/* Stop the timer: WDIOS_DISABLECARD where supported, then the magic 'V' and
 * close. A driver that refuses DISABLECARD with EBUSY has nowayout set and
 * would not stop on magic close either: the fd stays open (still armed). */
static int lx_stop(struct hb_watchdog *wd, struct hb_err *err)
{
	const int fd = wd->b.linux_.fd;
	assert(fd >= 0);
	int opt = WDIOS_DISABLECARD;
	if (sys->ioctl(fd, WDIOC_SETOPTIONS, &opt) < 0 && errno == EBUSY)
		return hb_err_set(err, "watchdog %s (%s) cannot be stopped (nowayout); it is still armed",
		                  wd->device, wd->identity);
	if (sys->write(fd, "V", 1) != 1)
		return hb_err_set(err, "watchdog %s (%s): magic close failed: %s; it is still armed",
		                  wd->device, wd->identity, strerror(errno));
	(void)sys->close(fd);
	wd->b.linux_.fd = -1;
	return 0;
}

static int lx_identify(struct hb_watchdog *wd, struct hb_err *err)
{
	struct watchdog_info info;
	memset(&info, 0, sizeof info);
	if (sys->ioctl(wd->b.linux_.fd, WDIOC_GETSUPPORT, &info) < 0)
		return hb_err_set(err, "watchdog %s: cannot identify the driver (WDIOC_GETSUPPORT: %s); refused",
		                  wd->device, strerror(errno));
	char id[sizeof info.identity + 1];
	memcpy(id, info.identity, sizeof info.identity);
	id[sizeof info.identity] = '\0';
	snprintf(wd->identity, sizeof wd->identity, "%s", id);
	wd->b.linux_.options = info.options;
	wd->softdog = strcmp(id, HB_WATCHDOG_SOFTDOG_IDENTITY) == 0;
	if (wd->softdog && !wd->p.allow_softdog)
		return hb_err_set(err, "watchdog %s is softdog (a software timer in the dom0 kernel, which dies with a wedged dom0); refused unless <AllowSoftdog>true</AllowSoftdog>",
		                  wd->device);
	if (!(info.options & WDIOF_SETTIMEOUT))
		return hb_err_set(err, "watchdog %s (%s) cannot set its timeout (no WDIOF_SETTIMEOUT); refused", wd->device, id);
	if (!(info.options & WDIOF_MAGICCLOSE))
		return hb_err_set(err, "watchdog %s (%s) has no magic close: any close, even a crash of the agent, would stop it; refused",
		                  wd->device, id);
	return 0;
}

static int lx_set_timeout(struct hb_watchdog *wd, struct hb_err *err)
{
	const int want = (int)(wd->p.timeout_ms / 1000u);
	int arg = want;
	if (sys->ioctl(wd->b.linux_.fd, WDIOC_SETTIMEOUT, &arg) < 0)
		return hb_err_set(err, "watchdog %s (%s) refuses a timeout of %d s (WDIOC_SETTIMEOUT: %s)",
		                  wd->device, wd->identity, want, strerror(errno));
	int got = -1;
	if (sys->ioctl(wd->b.linux_.fd, WDIOC_GETTIMEOUT, &got) < 0)
		return hb_err_set(err, "watchdog %s (%s): cannot read the timeout back (WDIOC_GETTIMEOUT: %s); refused",
		                  wd->device, wd->identity, strerror(errno));
	if (got != want)
		return hb_err_set(err, "watchdog %s (%s) reads back a timeout of %d s after setting %d s; refused",
		                  wd->device, wd->identity, got, want);
	return 0;
}

static int lx_arm(struct hb_watchdog *wd, struct hb_err *err)
{
	assert(wd->b.linux_.fd < 0);
	wd->identity[0] = '\0';
	wd->softdog = false;
	int fd = sys->open(wd->device, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		const char *hint = e == EBUSY ? " (another process holds it: a watchdog daemon or another agent?)"
		                 : e == ENOENT ? " (no driver loaded: xen_wdt, iTCO_wdt, ipmi_watchdog...)" : "";
		return hb_err_set(err, "cannot open watchdog %s: %s%s", wd->device, strerror(e), hint);
	}
	wd->b.linux_.fd = fd;
	if (lx_identify(wd, err) == 0 && lx_set_timeout(wd, err) == 0)
		return 0;
	/* Refused: the open started the timer; stop it again. */
	struct hb_err stop_err;
	if (lx_stop(wd, &stop_err) < 0 && err != NULL) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, "; and %s", stop_err.msg);
	}
	return -1;
}

static int lx_pet(struct hb_watchdog *wd)
{
	int dummy = 0;
	if (sys->ioctl(wd->b.linux_.fd, WDIOC_KEEPALIVE, &dummy) < 0)
		return -errno;
	return 0;
}

static int lx_disarm(struct hb_watchdog *wd, struct hb_err *err)
{
	if (wd->b.linux_.fd < 0)
		return 0;
	return lx_stop(wd, err);
}

static int lx_reboot(struct hb_watchdog *wd, const char *reason, struct hb_err *err)
{
	(void)reason; /* the caller logged it; nothing may touch storage now */
	if (sys->reboot(RB_AUTOBOOT) < 0)
		return hb_err_set(err, "reboot(RB_AUTOBOOT) failed: %s; the watchdog %s is the backstop",
		                  strerror(errno), wd->device);
	return 0; /* only a test double returns */
}

static void lx_close(struct hb_watchdog *wd)
{
	if (wd->b.linux_.fd >= 0)
		(void)sys->close(wd->b.linux_.fd); /* no 'V': an armed timer keeps counting */
	wd->b.linux_.fd = -1;
}

const struct hb_wd_ops hb_wd_linux_ops = {
	.name = "linux",
	.open = lx_open,
	.arm = lx_arm,
	.pet = lx_pet,
	.disarm = lx_disarm,
	.reboot = lx_reboot,
	.close = lx_close,
};
