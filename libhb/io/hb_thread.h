/*
 * hb_thread.h: what the daemon's threads need of the kernel beyond
 * pthreads: locking a thread's whole fixed-size stack, so that it never
 * page-faults on it (docs/agent.md, "Memory"). Used by the watchdog feeder
 * (hb_watchdog.c), the log writer and the xenstore publisher.
 */
#ifndef HB_THREAD_H
#define HB_THREAD_H

#include <pthread.h>
#include <stddef.h>

/* Lock (mlock) the whole stack of a thread other than the main one, which
 * faults every page of it in now: a thread with a fixed-size stack then
 * never page-faults on its stack, however deep it goes later within it.
 * *bytes (may be NULL) gets the size locked. -1 with errno on failure
 * (RLIMIT_MEMLOCK, no privilege). */
int hb_thread_stack_lock(pthread_t thread, size_t *bytes);

#endif
