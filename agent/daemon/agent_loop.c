/*
 * agent_loop.c: hbagent's decision loop.
 *
 * Owns the one thread that drives the core: an epoll set with the heartbeat
 * sockets (one per path), the statefile's completion eventfd, a timerfd armed
 * at the nearest of the core's next_wakeup, the statefile I/O deadlines and
 * the control clients' idle deadlines, a signalfd (SIGTERM, SIGINT, SIGHUP)
 * and the control socket. Every event is fed to the core with the decision
 * clock (hb_clock.h), then hb_core_poll() runs and its outputs are executed
 * here: send, statefile I/O (agent_sf.c), the watchdog deadline, arm and
 * disarm, fence, exit. Changes of the core's status are logged, published
 * in xenstore and sent to systemd. Nothing here blocks on the network, the
 * statefile or the logs; arming and disarming the watchdog wait for the
 * backend (bounded by hb_watchdog: the test helper's reply, the feeder's
 * join).
 */
#include "agent.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "hb_exit.h"

#define TAG_NET 0x10u
#define TAG_SF 0x20u
#define TAG_TIMER 0x30u
#define TAG_SIG 0x40u
#define LOOP_EVENTS 32
#define FENCE_LOG_FLUSH_MS 200
/* A growth of the time suspended below this is read jitter of CLOCK_BOOTTIME
 * - CLOCK_MONOTONIC (microseconds, hb_clock.c), not a suspend to report. */
#define SUSPEND_REPORT_MS 10

hb_mono_ms agent_tick(struct agent *a)
{
	hb_mono_ms t = hb_clock_now_ms();
	if (t > a->now)
		a->now = t;
	return a->now;
}

/* ---- set-up -------------------------------------------------------------- */

static int watch(struct agent *a, int fd, uint32_t tag, struct hb_err *err)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
	if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return hb_err_set(err, "epoll_ctl(add fd %d): %s", fd, strerror(errno));
	return 0;
}

int agent_loop_open(struct agent *a, struct hb_err *err)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	/* Relative expiries on CLOCK_BOOTTIME (rearm_timer says why). */
	a->tfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	a->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->epfd < 0 || a->tfd < 0 || a->sigfd < 0)
		return hb_err_set(err, "cannot create the event loop (epoll, timerfd, signalfd): %s", strerror(errno));
	for (unsigned p = 0; p < a->cfg.n_paths; p++)
		if (watch(a, hb_net_fd(&a->net, p), TAG_NET + p, err) < 0)
			return -1;
	if (watch(a, hb_sfdev_eventfd(&a->sf.dev), TAG_SF, err) < 0 || watch(a, a->tfd, TAG_TIMER, err) < 0 ||
	    watch(a, a->sigfd, TAG_SIG, err) < 0)
		return -1;
	if (a->ctl.fd >= 0 && watch(a, a->ctl.fd, AGENT_TAG_CTL, err) < 0)
		return -1;
	return 0;
}

void agent_loop_close(struct agent *a)
{
	if (a->sigfd >= 0)
		close(a->sigfd);
	if (a->tfd >= 0)
		close(a->tfd);
	if (a->epfd >= 0)
		close(a->epfd);
	a->sigfd = a->tfd = a->epfd = -1;
}

void agent_stop(struct agent *a, int code)
{
	if (!a->running)
		return;
	a->running = false;
	a->exit_code = code;
}

/* ---- the watchdog -------------------------------------------------------- */

static int wd_arm(struct agent *a)
{
	struct hb_err err;
	if (hb_watchdog_arm(&a->wd, &err) < 0) {
		agent_log(LOG_ERR, "cannot arm the watchdog: %s; refusing to go online", err.msg);
		return -1;
	}
	if (hb_watchdog_start_feeder(&a->wd, &err) < 0) {
		agent_log(LOG_ERR, "%s; refusing to go online", err.msg);
		struct hb_err ignored;
		(void)hb_watchdog_disarm(&a->wd, &ignored);
		return -1;
	}
	a->wd_armed = true;
	struct hb_watchdog_stats s;
	hb_watchdog_get_stats(&a->wd, &s);
	agent_log(LOG_NOTICE, "watchdog armed: backend %s (%s), timeout %" PRIu32 " ms, fed every %" PRIu32
	          " ms while healthy", s.backend, s.identity, s.timeout_ms, s.pet_interval_ms);
	return 0;
}

static void wd_disarm(struct agent *a)
{
	if (!a->wd_armed)
		return;
	struct hb_err err;
	if (hb_watchdog_disarm(&a->wd, &err) < 0) {
		agent_log(LOG_ERR, "cannot disarm the watchdog: %s: it is STILL ARMED and will fence this host if not fed",
		          err.msg);
		return;
	}
	a->wd_armed = false;
	hb_core_status(a->core, a->now, &a->st);
	if (a->st.phase == HB_PHASE_STOPPED)
		agent_log(LOG_NOTICE, "watchdog disarmed for a clean stop");
	else
		agent_log(LOG_WARNING, "watchdog disarmed: this host is NOT protected by fencing until it is armed again");
}

/* ---- fence and exit ------------------------------------------------------ */

static void do_fence(struct agent *a, const struct hb_core_out *o)
{
	a->fencing = true;
	const char *why = hb_fence_reason_name(o->fence_reason);
	const struct hb_last_words *w = &a->sf.words;
	bool have_text = w->reason == o->fence_reason && w->boot_id == a->boot_id;
	agent_log(LOG_CRIT, "FENCING this host now (%s)%s%s: pausing guests and rebooting", why, have_text ? ": " : "",
	          have_text ? w->text : "");
	agent_notify("STATUS=fencing (%s)", why);
	agent_log_flush(FENCE_LOG_FLUSH_MS);
	struct hb_err err;
	if (hb_watchdog_reboot_now(&a->wd, why, &err) == 0)
		agent_log(LOG_CRIT, "fence carried out by the %s backend", hb_wd_backend_name(a->cfg.wd_backend));
	else
		agent_log(LOG_CRIT, "fence: %s; waiting for the watchdog to fire", err.msg);
	agent_stop(a, HB_EXIT_WATCHDOG_ERROR);
}

/* Giving up on starting: say what the agent waited for and for whom. */
static void log_start_gave_up(struct agent *a, int code)
{
	struct hb_core_status *s = &a->st;
	hb_core_status(a->core, a->now, s);
	if (code == HB_EXIT_GENERATION_UUID_MISMATCH && s->global_reject == HB_REJECT_GENERATION) {
		char mine[HB_UUID_STR_LEN], theirs[HB_UUID_STR_LEN];
		agent_log(LOG_ERR,
		          "the statefile belongs to another pool: its global block has generation %s, this host's "
		          "configuration %s (a stale xhad.conf, or the statefile of another pool)",
		          hb_uuid_format(&s->foreign_generation, theirs), hb_uuid_format(&a->cfg.generation, mine));
		return;
	}
	if (s->start_wait == HB_START_NONE)
		return;
	char hosts[1024] = "";
	size_t n = 0;
	char u[HB_UUID_STR_LEN];
	for (unsigned k = 0; k < a->cfg.n_hosts && n < sizeof hosts; k++) {
		if (!(s->start_waiting & hb_host_bit(k)))
			continue;
		bool heard = (s->hb_heard & hb_host_bit(k)) != 0, seen = (s->sf_seen & hb_host_bit(k)) != 0;
		n += (size_t)snprintf(hosts + n, sizeof hosts - n, "%shost %u %s (%s): %s", n ? "; " : "", k,
		                      hb_uuid_format(&a->uuids[k], u), a->cfg.hosts[k].addrs[0].text,
		                      heard && seen ? "heard and seen"
		                      : heard       ? "heard, not seen on the statefile"
		                      : seen        ? "seen on the statefile, not heard"
		                                    : "neither heard nor seen on the statefile");
	}
	if (s->start_wait == HB_START_STATEFILE && s->global_reject != HB_REJECT_NONE)
		agent_log(LOG_ERR, "gave up starting: the statefile's global block does not decode (%s)",
		          hb_reject_name(s->global_reject));
	else
		agent_log(LOG_ERR, "gave up starting: %s%s%s", hb_start_wait_text(s->start_wait), n ? "; waited for " : "",
		          hosts);
}

static void do_exit(struct agent *a, int code)
{
	if (code != HB_EXIT_SUCCESS && code != HB_EXIT_SET_EXCLUDED)
		log_start_gave_up(a, code);
	if (a->wd_armed)
		agent_log(LOG_WARNING, "stopping (exit %d, %s) while armed: the watchdog will fence this host", code,
		          hb_exit_name(code));
	else
		agent_log(code == HB_EXIT_SUCCESS ? LOG_NOTICE : LOG_ERR, "stopping: exit %d (%s)", code, hb_exit_name(code));
	agent_notify("STOPPING=1");
	agent_stop(a, code);
}

static void execute(struct agent *a, const struct hb_core_out *o)
{
	if (a->wd_open)
		hb_watchdog_set_deadline(&a->wd, o->healthy_until);
	if (o->disarm)
		wd_disarm(a);
	if (o->arm && !a->wd_armed && wd_arm(a) < 0) {
		agent_stop(a, HB_EXIT_WATCHDOG_ERROR);
		return;
	}
	if (o->send)
		hb_net_send(&a->net, &o->packet);
	agent_sf_execute(a, o);
	if (o->fence && !a->fencing) {
		do_fence(a, o);
		return;
	}
	if (o->exit)
		do_exit(a, o->exit_code);
}

/* ---- reporting ----------------------------------------------------------- */

static void log_members(const struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n,
                        hb_hostmap set, bool left)
{
	char u[HB_UUID_STR_LEN], why[AGENT_EVENT_REASON_MAX];
	for (unsigned i = 0; i < a->cfg.n_hosts; i++) {
		if (!(set & hb_host_bit(i)))
			continue;
		why[0] = '\0';
		if (left)
			agent_events_left_reason(a, o, n, i, why, sizeof why);
		agent_log(LOG_NOTICE, "host %u (%s) %s the liveset%s%s", i, hb_uuid_format(&a->uuids[i], u),
		          left ? "left" : "joined", left ? ": " : "", why);
	}
}

static void log_liveset(const struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n)
{
	char b[HB_HOSTMAP_TEXT_MAX];
	if (n->liveset == o->liveset)
		return;
	log_members(a, o, n, n->liveset & ~o->liveset & ~hb_host_bit(a->cfg.local_index), false);
	log_members(a, o, n, o->liveset & ~n->liveset & ~hb_host_bit(a->cfg.local_index), true);
	agent_log(LOG_NOTICE, "liveset is now {%s} (epoch %" PRIu64 ")", hb_hostmap_format(n->liveset, ",", "none", b, sizeof b), n->epoch);
}

static void log_flags(const struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n)
{
	if (n->sf_access != o->sf_access)
		agent_log(n->sf_access ? LOG_NOTICE : LOG_WARNING, "statefile access %s", n->sf_access ? "confirmed" : "LOST");
	if (n->rule2 != o->rule2)
		agent_log(LOG_WARNING, "survival rule 2 %s", n->rule2 ? "in force: no host reaches the statefile; "
		                                                        "any further failure fences" : "no longer in force");
	if (n->armed != o->armed && n->phase == HB_PHASE_ONLINE)
		agent_log(n->armed ? LOG_NOTICE : LOG_WARNING, "fencing %s",
		          n->armed ? "armed" : "DISARMED (maintenance): HA protection is OFF");
	if (n->excluded != o->excluded)
		agent_log(LOG_NOTICE, "excluded flag %s", n->excluded ? "set" : "cleared");
	if (n->pool_state != o->pool_state)
		agent_log(LOG_NOTICE, "pool state %s", hb_pool_state_name(n->pool_state));
	if (n->master != o->master) {
		char u[HB_UUID_STR_LEN];
		if (n->master < 0)
			agent_log(LOG_NOTICE, "no master");
		else
			agent_log(LOG_NOTICE, "master is host %d (%s)%s", n->master, hb_uuid_format(&a->uuids[n->master], u),
			          (unsigned)n->master == a->cfg.local_index ? ": this host" : "");
	}
}

static void log_phase(struct agent *a, const struct hb_core_status *o, const struct hb_core_status *n)
{
	if (n->phase == o->phase)
		return;
	agent_log(n->phase == HB_PHASE_FENCING ? LOG_CRIT : LOG_NOTICE, "phase %s -> %s%s%s", hb_phase_name(o->phase),
	          hb_phase_name(n->phase), n->phase == HB_PHASE_FENCING ? ": lost, reason " : "",
	          n->phase == HB_PHASE_FENCING ? hb_fence_reason_name(a->out.fence_reason) : "");
	if (n->phase == HB_PHASE_ONLINE) {
		agent_log(LOG_NOTICE, "online: a host that crashes leaves every survivor's liveset within %" PRIu32
		          " ms (failover bound)", a->timing.failover_bound_ms);
		agent_notify("READY=1");
	}
}

static void publish(struct agent *a, const struct hb_core_status *s)
{
	static struct agent_xs_state x;
	char u[HB_UUID_STR_LEN], b[HB_HOSTMAP_TEXT_MAX];
	memset(&x, 0, sizeof x);
	snprintf(x.phase, sizeof x.phase, "%s", hb_phase_name(s->phase));
	size_t n = 0;
	for (unsigned i = 0; i < a->cfg.n_hosts; i++)
		if (s->liveset & hb_host_bit(i))
			n += (size_t)snprintf(x.liveset + n, sizeof x.liveset - n, "%s%s", n ? " " : "", hb_uuid_format(&a->uuids[i], u));
	if (s->master >= 0)
		hb_uuid_format(&a->uuids[s->master], x.master);
	snprintf(x.armed, sizeof x.armed, "%d", s->armed ? 1 : 0);
	agent_warnings(a, s, x.warnings, sizeof x.warnings);
	agent_xs_publish(&x);
	agent_notify("STATUS=%s, liveset {%s}, master %d, %s%s", x.phase, hb_hostmap_format(s->liveset, ",", "none", b, sizeof b), s->master,
	             s->armed ? "armed" : "disarmed", s->sf_access ? "" : ", no statefile access");
}

static bool status_changed(const struct hb_core_status *o, const struct hb_core_status *n)
{
	return o->phase != n->phase || o->liveset != n->liveset || o->master != n->master || o->armed != n->armed ||
	       o->sf_access != n->sf_access || o->rule2 != n->rule2 || o->excluded != n->excluded ||
	       o->pool_state != n->pool_state;
}

static void report(struct agent *a)
{
	hb_core_status(a->core, a->now, &a->st);
	/* the event history: what changed since st_prev, and the warnings */
	agent_events_diff(a, &a->st_prev, &a->st);
	if (!a->st_valid) {
		a->st_prev = a->st;
		a->st_valid = true;
		publish(a, &a->st);
		return;
	}
	if (!status_changed(&a->st_prev, &a->st))
		return;
	log_phase(a, &a->st_prev, &a->st);
	log_liveset(a, &a->st_prev, &a->st);
	log_flags(a, &a->st_prev, &a->st);
	publish(a, &a->st);
	a->st_prev = a->st;
}

/* ---- the step ------------------------------------------------------------ */

/* The times are on the decision clock, which no kernel timer runs on, so
 * the timer is armed relative to a fresh reading of it. Its clock is
 * CLOCK_BOOTTIME, which counts a suspend as the decision clock does: a timer
 * pending across a suspend expires at the resume, and the core at once sees
 * its inputs as stale as the suspend made them. NTP slewing (BOOTTIME moves
 * with MONOTONIC) may make the wait up to 10 % short or long: short, the
 * core has nothing due yet and the timer is armed again for the rest; long,
 * the wake-up is late by at most a tenth of the wait (check_schedule). */
static void rearm_timer(struct agent *a)
{
	hb_mono_ms next = a->out.next_wakeup;
	hb_mono_ms t = agent_sf_next_deadline(a);
	if (t < next)
		next = t;
	t = agent_ctl_expire(a);
	if (t < next)
		next = t;
	t = agent_xw_next_deadline(a);
	if (t < next)
		next = t;
	if (a->again || next <= a->now)
		next = a->now + 1;
	a->planned_wakeup = next;
	hb_mono_ms now = hb_clock_now_ms();
	hb_mono_ms wait = next > now ? next - now : 1; /* 0 would disarm the timer */
	struct itimerspec its = {.it_value = {.tv_sec = wait / 1000, .tv_nsec = (long)(wait % 1000) * 1000000L}};
	if (timerfd_settime(a->tfd, 0, &its, NULL) < 0) {
		agent_log(LOG_ERR, "timerfd_settime: %s", strerror(errno));
		agent_stop(a, HB_EXIT_SYSTEM_ERROR);
	}
}

void agent_step(struct agent *a)
{
	if (!a->running)
		return;
	agent_tick(a);
	agent_xw_poll(a); /* may fence through the core, polled next */
	agent_key_poll(a); /* a rotated pool secret: the keys hb_net uses */
	for (unsigned i = 0; i < AGENT_STEP_MAX; i++) {
		a->again = false;
		agent_tick(a);
		agent_sf_check_overdue(a);
		hb_core_poll(a->core, a->now, &a->out);
		execute(a, &a->out);
		if (!a->again || !a->running)
			break;
	}
	a->steps++;
	report(a);
	if (a->running)
		rearm_timer(a);
}

/* ---- events -------------------------------------------------------------- */

static void deliver(void *ctx, const struct hb_packet *pkt, unsigned path)
{
	struct agent *a = ctx;
	hb_core_on_packet(a->core, a->now, pkt, path);
}

static void on_signal(struct agent *a)
{
	struct signalfd_siginfo si;
	for (unsigned i = 0; i < 8 && read(a->sigfd, &si, sizeof si) == (ssize_t)sizeof si; i++) {
		a->signals++;
		if (si.ssi_signo == SIGHUP) {
			agent_log(LOG_NOTICE, "SIGHUP: reopening the logs");
			agent_log_reopen();
			continue;
		}
		agent_log(LOG_NOTICE, "%s from pid %u: stopping", strsignal((int)si.ssi_signo), si.ssi_pid);
		if (a->wd_armed)
			agent_log(LOG_WARNING, "stopping while armed: the watchdog will fence this host "
			          "(the control command shutdown stops cleanly)");
		agent_notify("STOPPING=1");
		agent_stop(a, HB_EXIT_SUCCESS);
		return;
	}
}

/* The timer fired: was the host suspended, and how late is the wake-up?
 * A suspend (CLOCK_BOOTTIME moved without CLOCK_MONOTONIC) has moved the
 * decision clock on by its length (hb_clock.h): the core already sees every
 * input as stale as after a freeze of that length and acts on it. Lateness
 * beyond the suspend means this process was not scheduled. Both are
 * warnings; the core's deadlines cope. */
static void check_schedule(struct agent *a)
{
	int64_t suspended = hb_clock_suspended_ms() - a->suspended_ms;
	if (suspended >= SUSPEND_REPORT_MS) {
		a->suspended_ms += suspended;
		a->clock_jump_at = a->now;
		agent_log(LOG_WARNING, "the host was suspended for about %lld ms: every input of the core (heartbeats, "
		          "statefile reads, the proof that feeds the watchdog) is now stale, as after a freeze of the same "
		          "length (the core's clock moved on by the suspend)", (long long)suspended);
	} else {
		suspended = 0;
	}
	if (a->planned_wakeup <= 0 || a->now - suspended <= a->planned_wakeup)
		return;
	hb_mono_ms late = a->now - suspended - a->planned_wakeup;
	if (late > a->max_late_ms)
		a->max_late_ms = late;
	if (late > (hb_mono_ms)a->timing.tick_ms) {
		a->stall_at = a->now;
		a->stalls++;
		agent_log(LOG_WARNING, "scheduling stall: the decision loop woke %lld ms late", (long long)late);
	}
}

static void dispatch(struct agent *a, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64, junk;
	agent_tick(a);
	if (tag >= AGENT_TAG_CLIENT && tag < AGENT_TAG_CLIENT + AGENT_CTL_MAX_CLIENTS) {
		agent_ctl_on_client(a, (unsigned)(tag - AGENT_TAG_CLIENT), ev->events);
	} else if (tag == AGENT_TAG_CTL) {
		agent_ctl_on_listen(a);
	} else if (tag >= TAG_NET && tag < TAG_NET + HB_MAX_PATHS) {
		hb_net_receive(&a->net, (unsigned)(tag - TAG_NET), deliver, a);
	} else if (tag == TAG_SF) {
		agent_sf_on_event(a);
	} else if (tag == TAG_TIMER) {
		if (read(a->tfd, &junk, sizeof junk) < 0 && errno != EAGAIN)
			agent_log(LOG_DEBUG, "timerfd read: %s", strerror(errno));
		check_schedule(a);
	} else if (tag == TAG_SIG) {
		on_signal(a);
	} else if (tag == AGENT_TAG_XAPI_PID || tag == AGENT_TAG_XAPI_OUT) {
		agent_xw_on_event(a, tag);
	} else {
		assert(0 && "unknown epoll tag");
	}
}

int agent_loop_run(struct agent *a)
{
	struct epoll_event evs[LOOP_EVENTS];
	a->running = true;
	agent_step(a);
	while (a->running) {
		int n = epoll_wait(a->epfd, evs, LOOP_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			agent_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
			agent_stop(a, HB_EXIT_SYSTEM_ERROR);
			break;
		}
		a->wakeups++;
		for (int i = 0; i < n && a->running; i++) {
			dispatch(a, &evs[i]);
			agent_step(a);
		}
	}
	return a->exit_code;
}
