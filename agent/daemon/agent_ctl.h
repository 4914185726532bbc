/*
 * agent_ctl.h: hbagent's control socket (docs/control.md).
 *
 * Owns the UNIX stream socket at <ControlSocket> (mode 0600, or 0660 with
 * <ControlGroup>; parent directory created 0700 / 0750, and the agent's own
 * run directory given the group's access), non-blocking accept and client
 * I/O driven by the decision loop's epoll, the per-client buffers (fixed,
 * allocated at open), the peer credentials, the limits (AGENT_CTL_MAX_CLIENTS
 * clients, of which AGENT_CTL_ROOT_RESERVED only for uid 0, a request line of
 * at most AGENT_CTL_LINE_MAX bytes, AGENT_CTL_IDLE_MS without a request, the
 * same without the client reading a pending reply) and the counters. A reply
 * too large for the output buffer (the liveset of a large pool grows with
 * the square of its size) is sent from the response object's own text, with
 * the client's next requests held until it is written. A client that asked
 * for events with follow stays connected without requests and gets one line
 * per new event (at most AGENT_EVENTS_FOLLOWERS_MAX such clients; one that
 * does not keep up is cut off). Requests are parsed by
 * ctl_proto.c and carried out by agent_command.c.
 */
#ifndef AGENT_CTL_H
#define AGENT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hb_err.h"
#include "hb_types.h"

/* Slots only uid 0 may take (xapi's scripts), so that group members can
 * never lock root out: other callers get at most MAX - RESERVED slots. */
#define AGENT_CTL_ROOT_RESERVED 4u
#define AGENT_CTL_MAX_CLIENTS (16u + AGENT_CTL_ROOT_RESERVED)
#define AGENT_CTL_LINE_MAX (64u * 1024u)
#define AGENT_CTL_OUT_MAX (128u * 1024u)
#define AGENT_CTL_IDLE_MS 1000
#define AGENT_CTL_PATH_MAX 108 /* sun_path */
#define AGENT_CTL_GROUPS_MAX 64u /* supplementary groups looked at */

struct json_object;

struct agent_ctl_client {
	int fd;                  /* -1 = free */
	uid_t uid;               /* SO_PEERCRED */
	pid_t pid;
	bool in_group;           /* the control group is among its groups */
	hb_mono_ms last_request; /* connect or last complete request line */
	hb_mono_ms last_tx;      /* last progress writing a reply */
	size_t in_len;
	char *in;                /* AGENT_CTL_LINE_MAX + 1 bytes */
	size_t out_len, out_off;
	char *out;               /* AGENT_CTL_OUT_MAX bytes */
	struct json_object *big; /* a reply larger than out, sent after out */
	const char *big_text;    /* its text (owned by big), then a newline */
	size_t big_len, big_off;
	bool want_out;           /* registered for EPOLLOUT */
	bool reading;            /* registered for EPOLLIN */
	bool close_after;        /* close once the output is written */
	bool follow;             /* events follow mode: one line per new event */
};

struct agent_ctl {
	int fd;                  /* listening socket, -1 = closed */
	bool allocated;          /* client table set up (fds -1, buffers) */
	bool have_group;
	gid_t group;             /* <ControlGroup>, when have_group */
	char path[AGENT_CTL_PATH_MAX];
	struct agent_ctl_client clients[AGENT_CTL_MAX_CLIENTS];
	uint64_t accepted, refused, idle_closed, stalled_closed, oversize, bad_requests, requests, denied;
	uint64_t streamed;       /* replies larger than the output buffer */
	size_t largest_reply;    /* bytes, newline included */
};

struct agent;

/* epoll tags of the control socket and of client i. */
#define AGENT_TAG_CTL 0x100u
#define AGENT_TAG_CLIENT 0x200u

/* Returns 0, or an exit code (hb_exit.h) with err: 15 another agent answers
 * on the socket, 7 an unknown <ControlGroup>, 2 anything else. */
int agent_ctl_open(struct agent *a, struct hb_err *err);
void agent_ctl_close(struct agent *a);
/* The listening socket is readable: accept what waits (bounded). */
void agent_ctl_on_listen(struct agent *a);
/* Client i has events (EPOLLIN / EPOLLOUT / errors). */
void agent_ctl_on_client(struct agent *a, unsigned i, uint32_t events);
/* One request line of client c (without its newline): parsed (ctl_proto),
 * checked against who may run it (c's uid and control group), then run
 * (agent_command.c). Returns the response; the caller owns the reference.
 * Counts requests, bad_requests and denied. */
struct json_object *agent_ctl_dispatch(struct agent *a, const struct agent_ctl_client *c, const char *line,
                                       size_t len);
/* Follow clients (events with follow): how many, and send one line (text
 * without its newline) to each. A follow client whose output buffer cannot
 * take the line is cut off (never waited for). */
unsigned agent_ctl_followers(const struct agent *a);
void agent_ctl_broadcast(struct agent *a, const char *text, size_t len);
/* Cut off silent and stalled clients; next such deadline or INT64_MAX. */
hb_mono_ms agent_ctl_expire(struct agent *a);

#endif
