/*
 * agent_key.h: the daemon's heartbeat key (agent_key.c): chosen at start-up,
 * its file watched while the agent runs, a rotation carried out through
 * hb_keyring and handed to hb_net.
 */
#ifndef AGENT_KEY_H
#define AGENT_KEY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hb_clock.h"
#include "hb_config.h"
#include "hb_err.h"
#include "hb_key.h"
#include "hb_key_file.h"
#include "hb_keyring.h"

/* The file is looked at (one stat) this often; a changed content is used
 * only when two looks at least this far apart read the same bytes (xapi
 * rewrites /etc/xensource/ptoken in place, not atomically). */
#define AGENT_KEY_POLL_MS 1000

/* What identifies one version of the file without reading it. */
struct agent_key_stamp {
	bool exists;
	int error; /* errno of stat() when !exists */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct agent_key {
	struct hb_keyring ring;
	enum hb_key_source file_kind; /* what the watched file is: KEY_FILE or POOL_SECRET */
	char path[HB_CONFIG_PATH_MAX]; /* the file watched, "" = none */
	struct agent_key_stamp seen;   /* the version last acted on */
	struct agent_key_stamp cand_stamp;
	struct hb_key candidate;       /* a new content, seen once */
	bool have_candidate;
	hb_mono_ms next_poll;
	char problem[HB_ERR_LEN];      /* the file's latest problem, logged once; "" none */
	uint64_t problems;
};

struct agent;
struct json_object;

/* Start-up (after the timing is derived): a->key and the keyring. Logs
 * which key is used, loudly when it is the generation's. -1 with err set
 * when a configured key file, or a pool secret file that exists, cannot be
 * used (exit 7). */
int agent_key_open(struct agent *a, struct hb_err *err);
/* Every loop step: look at the file (at most every AGENT_KEY_POLL_MS), move
 * the rotation on, hand changed keys to hb_net. No allocation. */
void agent_key_poll(struct agent *a);
/* Warnings: only the generation's key is sent; a rotation is under way. */
bool agent_key_from_generation(const struct agent *a);
bool agent_key_rotating(const struct agent *a);
/* status: "pool_key" (docs/control.md). */
struct json_object *agent_key_json(const struct agent *a);
void agent_key_close(struct agent *a);

#endif
