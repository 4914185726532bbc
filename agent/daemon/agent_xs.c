/*
 * agent_xs.c: publishing the local state in xenstore, from a thread of its
 * own so that a slow or absent xenstored never blocks the decision loop.
 *
 * Owns the connection (xs_open in the thread, retried every
 * XS_RETRY_MS while it fails; the failure is logged once), the keys under
 * AGENT_XS_ROOT (phase, liveset, master, armed, warnings; docs/agent.md) and
 * the hand-over: the loop copies a new state in under a mutex and the thread
 * writes the keys whose value changed.
 */
#include "agent.h"
#include "hb_thread.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

#define XS_RETRY_MS 30000
/* Deepest use measured under 12 KiB (thread descriptor and static TLS
 * included); the stack is locked whole (agent_xs_lock_stack). */
#define XS_STACK_BYTES (128u * 1024u)

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, stop, done;
	uint64_t gen;                /* bumped by every publish */
	struct agent_xs_state want;
	pthread_t thread;
	_Atomic bool connected;
} X = {.mu = PTHREAD_MUTEX_INITIALIZER};

struct xs_key {
	const char *name;
	size_t off;
};

static const struct xs_key xs_keys[] = {
	{"phase", offsetof(struct agent_xs_state, phase)},
	{"liveset", offsetof(struct agent_xs_state, liveset)},
	{"master", offsetof(struct agent_xs_state, master)},
	{"armed", offsetof(struct agent_xs_state, armed)},
	{"warnings", offsetof(struct agent_xs_state, warnings)},
};

static const char *key_value(const struct agent_xs_state *s, const struct xs_key *k)
{
	return (const char *)s + k->off;
}

/* Write the keys that differ from *done (all when !have_done). */
static bool xs_write_changed(struct xs_handle *h, const struct agent_xs_state *s, struct agent_xs_state *done,
                             bool have_done)
{
	for (size_t i = 0; i < sizeof xs_keys / sizeof xs_keys[0]; i++) {
		const char *v = key_value(s, &xs_keys[i]);
		if (have_done && strcmp(v, key_value(done, &xs_keys[i])) == 0)
			continue;
		char path[128];
		snprintf(path, sizeof path, "%s/%s", AGENT_XS_ROOT, xs_keys[i].name);
		if (!xs_write(h, XBT_NULL, path, v, (unsigned)strlen(v))) {
			agent_log(LOG_WARNING, "xenstore: cannot write %s: %s; reconnecting", path, strerror(errno));
			return false;
		}
	}
	*done = *s;
	return true;
}

static void wait_for_work(uint64_t seen, bool connected)
{
	struct timespec dl = hb_clock_monotonic_deadline(XS_RETRY_MS);
	while (!X.stop && X.gen == seen) {
		if (connected)
			pthread_cond_wait(&X.cv, &X.mu);
		else if (pthread_cond_timedwait(&X.cv, &X.mu, &dl) == ETIMEDOUT)
			break; /* time to retry the connection */
	}
}

static struct xs_handle *xs_connect(bool *said)
{
	struct xs_handle *h = xs_open(0);
	if (h == NULL) {
		if (!*said)
			agent_log(LOG_NOTICE, "xenstore: cannot connect (%s): not publishing the local state (will retry quietly)",
			          strerror(errno));
		*said = true;
		return NULL;
	}
	agent_log(LOG_INFO, "xenstore: publishing the local state under %s", AGENT_XS_ROOT);
	atomic_store(&X.connected, true);
	return h;
}

static void *xs_main(void *arg)
{
	(void)arg;
	static struct agent_xs_state cur, done;
	struct xs_handle *h = NULL;
	bool said = false, have_done = false;
	uint64_t seen = 0;
	pthread_mutex_lock(&X.mu);
	for (;;) {
		if (!X.stop && (h != NULL || said))
			wait_for_work(seen, h != NULL);
		if (X.stop)
			break;
		seen = X.gen;
		cur = X.want;
		pthread_mutex_unlock(&X.mu);
		if (h == NULL && (h = xs_connect(&said)) != NULL)
			have_done = false;
		if (h != NULL && seen != 0) {
			have_done = xs_write_changed(h, &cur, &done, have_done);
			if (!have_done) {
				xs_close(h);
				h = NULL;
				atomic_store(&X.connected, false);
			}
		}
		pthread_mutex_lock(&X.mu);
	}
	X.done = true;
	pthread_cond_broadcast(&X.cv);
	pthread_mutex_unlock(&X.mu);
	xs_close(h);
	return NULL;
}

int agent_xs_start(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	/* CLOCK_MONOTONIC, not the decision clock: these waits are bounded
	 * delays of this thread (retries, flushes), never compared with a time
	 * of the core, and a condition variable cannot wait on another clock. */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&X.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return -1;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, XS_STACK_BYTES);
	rc = pthread_create(&X.thread, &attr, xs_main, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -1;
	X.started = true;
	return 0;
}

int agent_xs_lock_stack(size_t *bytes)
{
	*bytes = 0;
	return X.started ? hb_thread_stack_lock(X.thread, bytes) : 0;
}

void agent_xs_publish(const struct agent_xs_state *st)
{
	if (!X.started)
		return;
	pthread_mutex_lock(&X.mu);
	X.want = *st;
	X.gen++;
	pthread_cond_signal(&X.cv);
	pthread_mutex_unlock(&X.mu);
}

void agent_xs_stop(int timeout_ms)
{
	if (!X.started)
		return;
	struct timespec dl = hb_clock_monotonic_deadline(timeout_ms);
	pthread_mutex_lock(&X.mu);
	X.stop = true;
	pthread_cond_broadcast(&X.cv);
	while (!X.done) {
		if (pthread_cond_timedwait(&X.cv, &X.mu, &dl) == ETIMEDOUT)
			break;
	}
	bool done = X.done;
	pthread_mutex_unlock(&X.mu);
	if (done)
		pthread_join(X.thread, NULL);
	else
		agent_log(LOG_WARNING, "xenstore: the publisher is stuck in xenstored; leaving it");
	X.started = false;
}

bool agent_xs_connected(void)
{
	return atomic_load(&X.connected);
}
