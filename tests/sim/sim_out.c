/*
 * sim_out.c: the report buffer of a run (see sim_out.h).
 */
#include "sim_out.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char trunc_mark[] = "... (report truncated)\n";

int sim_out_init(struct sim_out *o, size_t cap)
{
	memset(o, 0, sizeof *o);
	o->buf = malloc(cap);
	if (o->buf == NULL)
		return -1;
	o->cap = cap;
	o->buf[0] = '\0';
	return 0;
}

void sim_out_free(struct sim_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof *o);
}

void sim_out_reset(struct sim_out *o)
{
	o->len = 0;
	o->truncated = false;
	if (o->buf != NULL)
		o->buf[0] = '\0';
}

void sim_out_printf(struct sim_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (o->echo != NULL) {
		vfprintf(o->echo, fmt, ap);
		va_end(ap);
		return;
	}
	if (o->truncated) {
		va_end(ap);
		return;
	}
	size_t room = o->cap - o->len;
	int n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		o->len += (size_t)n;
		return;
	}
	/* Did not fit: cut at a safe point and mark it. */
	o->truncated = true;
	size_t keep = o->cap > sizeof trunc_mark ? o->cap - sizeof trunc_mark : 0;
	if (o->len > keep)
		o->len = keep;
	memcpy(o->buf + o->len, trunc_mark, sizeof trunc_mark);
	o->len += sizeof trunc_mark - 1;
}

void sim_out_flush(struct sim_out *o, FILE *f)
{
	if (o->len > 0)
		fwrite(o->buf, 1, o->len, f);
	sim_out_reset(o);
}
