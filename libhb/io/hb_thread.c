/*
 * hb_thread.c: locking a thread's whole stack (hb_thread.h).
 */
#include "hb_thread.h"

#include <errno.h>
#include <sys/mman.h>

int hb_thread_stack_lock(pthread_t thread, size_t *bytes)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	int rc = pthread_getattr_np(thread, &attr);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	rc = pthread_attr_getstack(&attr, &addr, &size);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	/* [addr, addr + size): the stack with the thread descriptor and static
	 * TLS at its top, without the guard page below */
	if (mlock(addr, size) < 0)
		return -1;
	if (bytes != NULL)
		*bytes = size;
	return 0;
}
