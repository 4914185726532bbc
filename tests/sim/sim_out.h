/*
 * sim_out.h: a fixed text buffer that a run writes its report into.
 *
 * Worker processes send the buffer over a pipe; the parent prints reports in
 * run order, so the output does not depend on which worker ran what. The
 * buffer is allocated once; text beyond its end is dropped and marked.
 */
#ifndef SIM_OUT_H
#define SIM_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sim_out {
	char *buf;
	size_t len;
	size_t cap;
	bool truncated;
	FILE *echo; /* when set, text goes straight there instead */
};

int sim_out_init(struct sim_out *o, size_t cap);
void sim_out_free(struct sim_out *o);
void sim_out_reset(struct sim_out *o);
void sim_out_printf(struct sim_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write the buffer to f and reset it. */
void sim_out_flush(struct sim_out *o, FILE *f);

#endif
