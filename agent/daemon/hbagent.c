/*
 * hbagent.c: the hbagent daemon's entry point.
 *
 * Owns the command line, the start-up order (decision clock, config, timing,
 * pool key, xapi supervision, lock file, watchdog guard, statefile and its first read, the
 * incarnation's boot id, network, watchdog probe, control socket, xenstore,
 * mlockall, real-time priority, core), the teardown and the exit codes
 * (xhad's, hb_exit.h). The loop is in agent_loop.c. Runs in the foreground
 * until stopped or fenced; docs/agent.md describes it for admins.
 */
#include "agent.h"

#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hb_exit.h"
#include "hb_incarnation.h"
#include "hb_timing_print.h"
#include "hb_version.h"

#define FIRST_READ_MIN_MS 1000
#define FENCE_WAIT_EXTRA_MS 5000
#define STOP_WAIT_MS 500
/* setup() result: a stop was asked before the loop ran (exit 0). */
#define STOPPED_EARLY 256

static struct agent g_agent; /* large (network buffers): static */

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: %s [-c FILE] [OPTIONS]\n"
	        "       %s --version | --help\n\n"
	        "Runs in the foreground until stopped or fenced.\n\n"
	        "  -c, --config FILE      xhad.conf to use (default %s)\n"
	        "  -l, --lock-file FILE   lock file (default %s/hbagent.<host uuid>.lock)\n"
	        "      --boot-id-file FILE\n"
	        "                         the last boot id used by this host (default\n"
	        "                         %s/hbagent.<host uuid>.boot-id, or next to\n"
	        "                         the --lock-file when one is given)\n"
	        "      --log-file FILE    also log to FILE (reopened on SIGHUP)\n"
	        "      --no-syslog        do not log to syslog\n"
	        "      --no-stderr        do not log to stderr\n"
	        "      --no-mlock         do not lock memory (debugging, sanitizers)\n"
	        "      --no-realtime      do not ask for SCHED_RR\n"
	        "      --rt-priority N    SCHED_RR priority 1..99 (default %d)\n"
	        "      --strict           refuse to start (exit 7) when the config has an\n"
	        "                         unknown element (by default a warning)\n"
	        "  -v, --verbose          debug lines\n",
	        AGENT_NAME, AGENT_NAME, HB_DEFAULT_CONFIG_FILE, AGENT_RUN_DIR, AGENT_STATE_DIR,
	        AGENT_RT_PRIORITY_DEFAULT);
}

/* Returns -1 to go on, else the exit code. */
static int parse_options(int argc, char **argv, struct agent_opts *o)
{
	enum { O_LOGFILE = 256, O_NOSYSLOG, O_NOSTDERR, O_NORT, O_RTPRIO, O_NOMLOCK, O_BOOTID, O_STRICT };
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'}, {"lock-file", required_argument, NULL, 'l'},
		{"log-file", required_argument, NULL, O_LOGFILE}, {"no-syslog", no_argument, NULL, O_NOSYSLOG},
		{"no-stderr", no_argument, NULL, O_NOSTDERR}, {"no-realtime", no_argument, NULL, O_NORT},
		{"rt-priority", required_argument, NULL, O_RTPRIO}, {"no-mlock", no_argument, NULL, O_NOMLOCK},
		{"boot-id-file", required_argument, NULL, O_BOOTID}, {"verbose", no_argument, NULL, 'v'},
		{"strict", no_argument, NULL, O_STRICT},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	*o = (struct agent_opts){.config_path = HB_DEFAULT_CONFIG_FILE, .mlock = true, .realtime = true,
	                         .rt_priority = AGENT_RT_PRIORITY_DEFAULT, .log_stderr = true, .log_syslog = true};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "c:l:vhV", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o->config_path = optarg; break;
		case 'l': o->lock_path = optarg; break;
		case O_BOOTID: o->boot_id_path = optarg; break;
		case O_LOGFILE: o->log_file = optarg; break;
		case O_NOSYSLOG: o->log_syslog = false; break;
		case O_NOSTDERR: o->log_stderr = false; break;
		case O_NORT: o->realtime = false; break;
		case O_NOMLOCK: o->mlock = false; break;
		case O_STRICT: o->strict = true; break;
		case O_RTPRIO:
			o->rt_priority = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o->rt_priority < 1 || o->rt_priority > 99) {
				fprintf(stderr, "%s: --rt-priority %s: expected 1..99\n", AGENT_NAME, optarg);
				return HB_EXIT_INVALID_PARAMETER;
			}
			break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); return HB_EXIT_SUCCESS;
		case 'V': printf("%s %s\n", AGENT_NAME, HB_VERSION); return HB_EXIT_SUCCESS;
		default: usage(stderr); return HB_EXIT_INVALID_PARAMETER;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", AGENT_NAME, argv[optind]);
		usage(stderr);
		return HB_EXIT_INVALID_PARAMETER;
	}
	return -1;
}

/* ---- configuration ------------------------------------------------------- */

static void log_timing(const struct agent *a)
{
	const struct hb_timing *t = &a->timing;
	agent_log(LOG_INFO, "timeouts: t1 %" PRIu32 " T1 %" PRIu32 " t2 %" PRIu32 " T2 %" PRIu32 " W %" PRIu32
	          " ms; statefile I/O deadline %" PRIu32 " ms; fence bound %" PRIu32 " ms; failover bound %" PRIu32 " ms",
	          t->p.hb_interval_ms, t->p.hb_timeout_ms, t->p.sf_interval_ms, t->p.sf_timeout_ms,
	          t->p.watchdog_timeout_ms, t->sf_io_timeout_ms, t->fence_bound_ms, t->failover_bound_ms);
	for (unsigned bit = 1; bit & HB_TW_ALL; bit <<= 1) {
		if (!(t->warnings & bit))
			continue;
		char text[512];
		hb_timing_warning_text(t, (enum hb_timing_warning)bit, text, sizeof text);
		agent_log(LOG_WARNING, "timing: %s", text);
	}
}

/* The key file, else the pool secret, else the generation (agent_key.c). */
static int load_key(struct agent *a)
{
	struct hb_err err;
	if (agent_key_open(a, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_INVALID_CONFIG_FILE;
	}
	return HB_EXIT_SUCCESS;
}

/* Unknown elements: a warning each (xhad ignored them silently); with
 * --strict the agent refuses to start. Returns the exit code or 0. */
static int log_config_warnings(const struct agent *a)
{
	const struct hb_config_warnings *w = &a->cfg.warnings;
	int prio = a->opts.strict ? LOG_ERR : LOG_WARNING;
	for (unsigned i = 0; i < w->n; i++)
		agent_log(prio, "%s", w->w[i].msg);
	if (w->dropped > 0)
		agent_log(prio, "%s: %u more unknown elements not shown", a->cfg.source, w->dropped);
	if (a->opts.strict && (w->n > 0 || w->dropped > 0)) {
		agent_log(LOG_ERR, "%s: %u unknown element(s): refused (--strict)", a->cfg.source, w->n + w->dropped);
		return HB_EXIT_INVALID_CONFIG_FILE;
	}
	return HB_EXIT_SUCCESS;
}

static int load_config(struct agent *a)
{
	struct hb_err err;
	bool read_error = false;
	int rc = hb_config_load_file(a->opts.config_path, &a->cfg, &read_error, &err);
	int wrc = log_config_warnings(a);
	if (rc < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return read_error ? HB_EXIT_CAN_NOT_READ_CONFIG_FILE : HB_EXIT_INVALID_CONFIG_FILE;
	}
	if (wrc != HB_EXIT_SUCCESS)
		return wrc;
	if (hb_timing_derive(&a->cfg.params, &a->timing, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_INVALID_CONFIG_FILE;
	}
	for (unsigned i = 0; i < a->cfg.n_hosts; i++)
		a->uuids[i] = a->cfg.hosts[i].uuid;
	hb_uuid_format(&a->uuids[a->cfg.local_index], a->self_uuid);
	agent_log(LOG_NOTICE, "%s %s starting: host %u (%s) of %u, %u heartbeat path(s), watchdog backend %s",
	          AGENT_NAME, HB_VERSION, a->cfg.local_index, a->self_uuid, a->cfg.n_hosts, a->cfg.n_paths,
	          hb_wd_backend_name(a->cfg.wd_backend));
	log_timing(a);
	return load_key(a);
}

/* ---- lock file ----------------------------------------------------------- */

static void make_parent_dir(const char *path)
{
	char dir[AGENT_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0700);
	}
}

static int take_lock(struct agent *a)
{
	if (a->opts.lock_path != NULL)
		snprintf(a->lock_path, sizeof a->lock_path, "%s", a->opts.lock_path);
	else
		snprintf(a->lock_path, sizeof a->lock_path, "%s/hbagent.%s.lock", AGENT_RUN_DIR, a->self_uuid);
	make_parent_dir(a->lock_path);
	a->lock_fd = open(a->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->lock_fd < 0) {
		agent_log(LOG_ERR, "cannot open the lock file %s: %s", a->lock_path, strerror(errno));
		return HB_EXIT_SYSTEM_ERROR;
	}
	if (flock(a->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		agent_log(LOG_ERR, "%s: %s", a->lock_path,
		          e == EWOULDBLOCK ? "another agent runs for this host (the lock file is held)" : strerror(e));
		return e == EWOULDBLOCK ? HB_EXIT_DAEMON_IS_PRESENT : HB_EXIT_SYSTEM_ERROR;
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(a->lock_fd, 0) < 0 || write(a->lock_fd, pid, (size_t)n) != n)
		agent_log(LOG_WARNING, "cannot write the pid into %s", a->lock_path);
	struct hb_err err;
	if (agent_bootid_resolve(a, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_INVALID_PARAMETER;
	}
	return HB_EXIT_SUCCESS;
}

/* ---- watchdog ------------------------------------------------------------ */

static bool is_agent(pid_t pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return false;
	bool ok = fgets(comm, sizeof comm, f) != NULL && strncmp(comm, AGENT_NAME, strlen(AGENT_NAME)) == 0;
	fclose(f);
	return ok;
}

/* Sleep ms unless SIGTERM/SIGINT (blocked) arrives; true when interrupted. */
static bool wait_or_signal(uint32_t ms)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	hb_mono_ms end = hb_clock_now_ms() + ms;
	for (hb_mono_ms left = ms; left > 0; left = end - hb_clock_now_ms()) {
		struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (long)(left % 1000) * 1000000L};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return true;
	}
	return false;
}

static int guard_wait(struct agent *a)
{
	struct hb_err err;
	uint32_t wait_ms = 0;
	pid_t pid = 0;
	int rc = hb_watchdog_guard_check(a->guard_path, a->timing.fence_bound_ms, &wait_ms, &pid, &err);
	if (rc < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_WATCHDOG_ERROR;
	}
	if (rc == 0)
		return HB_EXIT_SUCCESS;
	if (pid > 0 && pid != getpid() && is_agent(pid)) {
		agent_log(LOG_ERR, "agent pid %ld holds the watchdog (%s)", (long)pid, a->guard_path);
		return HB_EXIT_DAEMON_IS_PRESENT;
	}
	agent_log(LOG_WARNING, "the previous agent (pid %ld) stopped without disarming its watchdog (%s): waiting %" PRIu32
	          " ms (the fence bound) before arming, so that a pending fence is not cancelled", (long)pid,
	          a->guard_path, wait_ms);
	agent_log_flush(STOP_WAIT_MS);
	if (wait_or_signal(wait_ms)) {
		agent_log(LOG_NOTICE, "stopped while waiting for the watchdog guard");
		return STOPPED_EARLY;
	}
	if (hb_watchdog_guard_clear(a->guard_path, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_WATCHDOG_ERROR;
	}
	return HB_EXIT_SUCCESS;
}

static int open_watchdog(struct agent *a)
{
	struct hb_err err;
	hb_watchdog_params_from_config(&a->cfg, &a->timing, &a->wdp);
	a->wdp.lock_stack = a->opts.mlock; /* the feeder's stack, locked whole */
	if (a->cfg.wd_backend == HB_WD_TEST) {
		/* several test agents share a machine: one marker each */
		char dir[AGENT_PATH_MAX];
		snprintf(dir, sizeof dir, "%s", a->lock_path);
		char *slash = strrchr(dir, '/');
		int n = snprintf(a->guard_path, sizeof a->guard_path, "%s/hbagent.%s.armed",
		                 slash ? (*slash = '\0', dir) : ".", a->self_uuid);
		if (n < 0 || (size_t)n >= sizeof a->guard_path) {
			agent_log(LOG_ERR, "the lock file path %s is too long", a->lock_path);
			return HB_EXIT_INVALID_PARAMETER;
		}
		a->wdp.guard_path = a->guard_path;
	} else {
		snprintf(a->guard_path, sizeof a->guard_path, "%s", a->wdp.guard_path);
	}
	int rc = guard_wait(a);
	if (rc != HB_EXIT_SUCCESS)
		return rc;
	struct hb_watchdog_stats st;
	if (hb_watchdog_probe(&a->wdp, &st, &err) < 0) {
		agent_log(LOG_ERR, "watchdog probe failed: %s; refusing to start", err.msg);
		return HB_EXIT_WATCHDOG_ERROR;
	}
	agent_log(LOG_INFO, "watchdog probe: backend %s (%s) armed with timeout %" PRIu32 " ms and disarmed again",
	          st.backend, st.identity, st.timeout_ms);
	if (hb_watchdog_open(&a->wd, &a->wdp, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_WATCHDOG_ERROR;
	}
	a->wd_open = true;
	return HB_EXIT_SUCCESS;
}

/* ---- statefile and network ----------------------------------------------- */

static void log_words(const struct hb_last_words *w)
{
	if (w->reason == HB_FENCE_NONE)
		return;
	char ts[HB_CLOCK_ISO_MAX];
	hb_clock_format_iso((int64_t)w->realtime_ms, ts, sizeof ts);
	agent_log(LOG_WARNING, "an earlier incarnation (boot id %" PRIu64 ") fenced itself at %s: %s: %s", w->boot_id, ts,
	          hb_fence_reason_name((enum hb_fence_reason)w->reason), w->text);
}

/* The new incarnation's boot id: above the one in my slot (slot_prev, 0 =
 * none) and the one in the boot-id file, at least the wall clock; recorded
 * in the boot-id file before the core starts. */
static int new_incarnation(struct agent *a, uint64_t slot_prev)
{
	struct hb_err err;
	uint64_t local_prev = agent_bootid_load(a->boot_id_path);
	if (hb_incarnation_next(slot_prev, local_prev, hb_clock_realtime_us(), &a->boot_id, &err) < 0) {
		agent_log(LOG_ERR, "refusing to start: %s (boot-id file %s)", err.msg, a->boot_id_path);
		return HB_EXIT_SYSTEM_ERROR;
	}
	agent_log(LOG_INFO, "incarnation boot id %" PRIu64 " (previous %" PRIu64 " in my statefile slot, %" PRIu64
	          " in %s)", a->boot_id, slot_prev, local_prev, a->boot_id_path);
	if (agent_bootid_store(a->boot_id_path, a->boot_id, &err) < 0)
		agent_log(LOG_WARNING, "%s; the next start relies on the statefile slot and the wall clock alone", err.msg);
	return HB_EXIT_SUCCESS;
}

static int open_statefile(struct agent *a)
{
	struct hb_err err;
	if (agent_sf_open(a, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
	}
	const struct hb_sfdev *d = &a->sf.dev;
	agent_log(LOG_INFO, "statefile %s: %s, logical sector %u, size %" PRIu64 " bytes", d->path,
	          hb_sfdev_kind_name(d->kind), d->logical_sector, d->size);
	static struct hb_slot mine;
	int timeout = (int)a->timing.p.sf_timeout_ms;
	int rc = agent_sf_first_read(a, timeout < FIRST_READ_MIN_MS ? FIRST_READ_MIN_MS : timeout, &mine, &err);
	if (rc < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_CAN_NOT_ACCESS_STATEFILE;
	}
	if (rc == 1)
		a->prev_words = mine.last_words;
	log_words(&a->prev_words);
	return new_incarnation(a, rc == 1 ? mine.boot_id : 0);
}

static int open_network(struct agent *a)
{
	struct hb_err err;
	if (hb_net_open(&a->net, &a->cfg, &a->key, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_SYSTEM_ERROR;
	}
	a->net_open = true;
	return HB_EXIT_SUCCESS;
}

/* ---- process hygiene ----------------------------------------------------- */

/* The libraries that only the configuration parser uses: libxml2 and what
 * it links (ICU, libstdc++, liblzma, zlib, libm). Nothing after load_config
 * calls into them: hb_config.c is their only user, and no library the
 * steady path calls (libc, libcrypto, json-c, libaio, libxenctrl,
 * libxenstore and theirs) imports a symbol from them. Their pages, touched
 * by the loader and the parse, are a third of the agent's resident memory. */
static const char *const startup_only_libs[] = {
	"libxml2.so", "libicuuc.so", "libicudata.so", "libstdc++.so", "liblzma.so", "libz.so", "libm.so",
};

static bool startup_only(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	for (size_t i = 0; i < sizeof startup_only_libs / sizeof startup_only_libs[0]; i++)
		if (strncmp(base, startup_only_libs[i], strlen(startup_only_libs[i])) == 0)
			return true;
	return false;
}

/* Drop from this process's page tables the pages of the start-up-only
 * libraries, before mlockall locks whatever is present. Only read-only or
 * executable private mappings without a single anonymous (copy-on-write)
 * page qualify: every page there is the page cache's copy of the file, so
 * MADV_DONTNEED loses nothing, and a touch would bring the same bytes back.
 * Their writable data and relocated (RELRO) segments stay as they are.
 * Returns the KiB released. */
static unsigned long shed_startup_pages(void)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (f == NULL)
		return 0;
	char line[512], perms[8] = "", path[AGENT_PATH_MAX] = "";
	unsigned long start = 0, end = 0, rss = 0, anon = 0, kib = 0, v;
	bool have = false;
	for (;;) {
		bool eof = fgets(line, sizeof line, f) == NULL;
		unsigned long s, e;
		int off = 0;
		bool header = !eof && sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s, &e, perms, &off) == 3;
		if (eof || header) {
			if (have && perms[1] != 'w' && perms[3] == 'p' && anon == 0 && rss > 0 && startup_only(path) &&
			    madvise((void *)start, end - start, MADV_DONTNEED) == 0)
				kib += rss;
			if (eof)
				break;
			have = true;
			start = s;
			end = e;
			rss = anon = 0;
			snprintf(path, sizeof path, "%s", line + off);
			path[strcspn(path, "\n")] = '\0';
			continue;
		}
		if (sscanf(line, "Rss: %lu kB", &v) == 1)
			rss = v;
		else if (sscanf(line, "Anonymous: %lu kB", &v) == 1)
			anon = v;
	}
	fclose(f);
	return kib;
}

/* The main thread's stack in use by the decision loop and everything it
 * calls, faulted in before locking: the deepest use measured is under
 * 28 KiB, and this is the part of the 8 MiB stack that is kept resident. */
#define MAIN_STACK_PREFAULT (128u * 1024u)

__attribute__((noinline)) static void prefault_main_stack(void)
{
	unsigned char *p = alloca(MAIN_STACK_PREFAULT);
	explicit_bzero(p, MAIN_STACK_PREFAULT);
}

/* Lock every page the agent uses, once touched (MCL_ONFAULT): a plain
 * mlockall would also make resident every page of every mapped library,
 * such as the 30 MiB of ICU data that libxml2 maps and never reads. The
 * steady-state path has run once before this point is ever needed, so its
 * pages are already in and stay in; the stacks, whose depth varies, are
 * faulted in whole (prefault_main_stack, the threads' fixed-size stacks
 * through hb_thread_stack_lock). Kernels without MCL_ONFAULT (< 4.4) get
 * the plain form. */
static int lock_memory(void)
{
#ifdef MCL_ONFAULT
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
#endif
	return mlockall(MCL_CURRENT | MCL_FUTURE);
}

/* The writer's and the publisher's whole stacks; the feeder locks its own
 * when it starts (wdp.lock_stack). */
static void lock_thread_stacks(void)
{
	size_t log_bytes = 0, xs_bytes = 0;
	if (agent_log_lock_stack(&log_bytes) < 0 || agent_xs_lock_stack(&xs_bytes) < 0)
		agent_log(LOG_WARNING, "cannot lock the log writer's or the state publisher's stack (%s): locked page "
		          "by page as touched", strerror(errno));
	else /* no "xenstore" here: agent_xs.c's one message says it all */
		agent_log(LOG_INFO, "memory locked; thread stacks locked whole: log writer %zu KiB, state publisher %zu KiB",
		          log_bytes / 1024u, xs_bytes / 1024u);
}

static void hygiene(struct agent *a)
{
	unsigned long shed = shed_startup_pages();
	agent_log(LOG_INFO, "released %lu KiB of start-up-only library pages (the configuration parser's)", shed);
	prefault_main_stack();
	if (!a->opts.mlock)
		agent_log(LOG_WARNING, "memory not locked (--no-mlock): the agent may be paged out under memory pressure");
	else if (lock_memory() < 0)
		agent_log(LOG_WARNING, "mlockall refused (%s): the agent may be paged out under memory pressure",
		          strerror(errno));
	else
		lock_thread_stacks();
	if (!a->opts.realtime) {
		agent_log(LOG_NOTICE, "real-time scheduling not requested (--no-realtime)");
		return;
	}
	struct sched_param sp = {.sched_priority = a->opts.rt_priority};
	if (sched_setscheduler(0, SCHED_RR, &sp) < 0)
		agent_log(LOG_WARNING, "SCHED_RR priority %d refused (%s): running with normal priority", a->opts.rt_priority,
		          strerror(errno));
	else
		agent_log(LOG_INFO, "decision loop runs SCHED_RR priority %d", a->opts.rt_priority);
}

static int start_core(struct agent *a)
{
	a->core = calloc(1, hb_core_size());
	if (a->core == NULL) {
		agent_log(LOG_ERR, "out of memory for the core");
		return HB_EXIT_SYSTEM_ERROR;
	}
	struct hb_core_config cc = {
		.n_hosts = a->cfg.n_hosts, .self = a->cfg.local_index, .host_uuids = a->uuids,
		.generation = a->cfg.generation, .n_paths = a->cfg.n_paths, .timing = a->timing, .weight = 1,
		.boot_id = a->boot_id, .last_words = a->prev_words,
	};
	a->weight = cc.weight;
	hb_core_init(a->core, &cc, agent_tick(a));
	return HB_EXIT_SUCCESS;
}

/* ---- start, run, stop ---------------------------------------------------- */

static int setup(struct agent *a)
{
	struct hb_err err;
	int rc;
	if ((rc = load_config(a)) != HB_EXIT_SUCCESS || (rc = agent_xw_setup(a)) != HB_EXIT_SUCCESS || (rc = take_lock(a)) != HB_EXIT_SUCCESS ||
	    (rc = open_watchdog(a)) != HB_EXIT_SUCCESS ||
	    (rc = open_statefile(a)) != HB_EXIT_SUCCESS || (rc = open_network(a)) != HB_EXIT_SUCCESS)
		return rc;
	if ((rc = agent_ctl_open(a, &err)) != HB_EXIT_SUCCESS) {
		agent_log(LOG_ERR, "%s", err.msg);
		return rc;
	}
	agent_notify_init();
	if (agent_xs_start() < 0)
		agent_log(LOG_WARNING, "cannot start the xenstore publisher thread: not publishing");
	hygiene(a);
	if ((rc = start_core(a)) != HB_EXIT_SUCCESS)
		return rc;
	if (agent_loop_open(a, &err) < 0) {
		agent_log(LOG_ERR, "%s", err.msg);
		return HB_EXIT_SYSTEM_ERROR;
	}
	agent_log(LOG_NOTICE, "running: control socket %s, lock %s", a->ctl.path, a->lock_path);
	return HB_EXIT_SUCCESS;
}

/* After a fence the agent does nothing but wait for the reboot or the
 * watchdog; it never exits 0. */
static int fence_wait(struct agent *a)
{
	uint32_t ms = a->timing.fence_bound_ms + FENCE_WAIT_EXTRA_MS;
	agent_log(LOG_CRIT, "fenced: waiting up to %" PRIu32 " ms for the reboot or the watchdog", ms);
	agent_log_flush(STOP_WAIT_MS);
	hb_mono_ms end = hb_clock_now_ms() + ms;
	for (hb_mono_ms left = ms; left > 0; left = end - hb_clock_now_ms()) {
		struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (long)(left % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	agent_log(LOG_CRIT, "the host was not reset within %" PRIu32 " ms of the fence: the watchdog did not fire", ms);
	return HB_EXIT_WATCHDOG_ERROR;
}

static void teardown(struct agent *a)
{
	agent_xw_close(a);
	agent_ctl_close(a);
	agent_loop_close(a);
	if (a->wd_open) {
		if (a->wd_armed)
			agent_log(LOG_WARNING, "exiting while armed: the watchdog (%s) keeps counting and will fence this host",
			          hb_wd_backend_name(a->cfg.wd_backend));
		hb_watchdog_close(&a->wd);
	}
	if (a->net_open)
		hb_net_close(&a->net);
	agent_key_close(a);
	agent_sf_close(a);
	agent_xs_stop(STOP_WAIT_MS);
	agent_notify_close();
	free(a->core);
	a->core = NULL;
	if (agent_log_dropped() > 0)
		agent_log(LOG_WARNING, "%" PRIu64 " log lines were dropped (ring full)", agent_log_dropped());
	if (a->lock_fd >= 0)
		close(a->lock_fd);
}

static void block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct agent *a = &g_agent;
	a->lock_fd = a->epfd = a->tfd = a->sigfd = -1;
	a->ctl.fd = -1;
	a->xw.pidfd = a->xw.out_fd = a->xw.null_fd = a->xw.out_slot_fd = -1;
	int rc = parse_options(argc, argv, &a->opts);
	if (rc >= 0)
		return rc;
	hb_clock_init(); /* before any thread reads the decision clock */
	block_signals(); /* before any thread: every thread inherits the mask */
	struct agent_log_opts lo = {.to_stderr = a->opts.log_stderr, .to_syslog = a->opts.log_syslog,
	                            .file = a->opts.log_file, .verbose = a->opts.verbose};
	if (agent_log_start(&lo) < 0)
		fprintf(stderr, "%s: cannot start the log writer; logging to stderr directly\n", AGENT_NAME);
	rc = setup(a);
	if (rc == HB_EXIT_SUCCESS)
		rc = agent_loop_run(a);
	else if (rc == STOPPED_EARLY)
		rc = HB_EXIT_SUCCESS;
	else
		agent_log(LOG_ERR, "cannot start: exit %d (%s)", rc, hb_exit_name(rc));
	if (a->fencing)
		rc = fence_wait(a);
	teardown(a);
	agent_log(LOG_NOTICE, "exit %d (%s)", rc, hb_exit_name(rc));
	agent_log_stop(STOP_WAIT_MS);
	return rc;
}
