/*
 * hb_err.h: error reporting for libhb.
 *
 * The library never logs. A function that can fail takes a struct hb_err and,
 * on failure, writes one sentence into it that names what is wrong (the file,
 * element, line, value and what was expected); the caller decides what to do.
 */
#ifndef HB_ERR_H
#define HB_ERR_H

#include <stddef.h>

#define HB_ERR_LEN 512

struct hb_err {
	char msg[HB_ERR_LEN];
};

/* printf-style; err may be NULL. Always returns -1 so callers can write
 * `return hb_err_set(err, ...);`. */
int hb_err_set(struct hb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
