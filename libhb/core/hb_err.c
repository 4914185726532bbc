/* hb_err.c: the one-sentence error buffer of libhb (see hb_err.h). */
#include "hb_err.h"

#include <stdarg.h>
#include <stdio.h>

int hb_err_set(struct hb_err *err, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}
