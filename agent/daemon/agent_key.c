/*
 * agent_key.c: the daemon's heartbeat key (agent_key.h; docs/config.md,
 * <PoolKeyFile> and <PoolSecretFile>; docs/operations.md, "The pool secret").
 *
 * Owns: choosing the key at start-up (hb_key_resolve) and saying loudly when
 * it is only the generation's; watching the key file or the pool secret
 * while the agent runs (a stat per second, a read only when it changed, a
 * new content used only once two reads a second apart agree); handing a new
 * key to hb_keyring and the keys the schedule says to hb_net; the log lines
 * and the status of all this. A file that vanishes or turns unusable keeps
 * the keys in use (logged once). No allocation on the polling path.
 */
#include "agent.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

static const char *element_of(enum hb_key_source kind)
{
	return kind == HB_KEY_SRC_KEY_FILE ? "<PoolKeyFile>" : "<PoolSecretFile>";
}

static void stamp_of(const struct stat *st, struct agent_key_stamp *out)
{
	*out = (struct agent_key_stamp){.exists = true, .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
	                                .mtime = st->st_mtim, .ctime = st->st_ctim};
}

static bool stamp_equal(const struct agent_key_stamp *x, const struct agent_key_stamp *y)
{
	if (x->exists != y->exists)
		return false;
	if (!x->exists)
		return true;
	return x->dev == y->dev && x->ino == y->ino && x->size == y->size && x->mtime.tv_sec == y->mtime.tv_sec &&
	       x->mtime.tv_nsec == y->mtime.tv_nsec && x->ctime.tv_sec == y->ctime.tv_sec &&
	       x->ctime.tv_nsec == y->ctime.tv_nsec;
}

/* The file's stamp now (exists = false when it cannot be stat'ed). */
static void stamp_now(const char *path, struct agent_key_stamp *out)
{
	struct stat st;
	if (stat(path, &st) == 0)
		stamp_of(&st, out);
	else
		*out = (struct agent_key_stamp){.exists = false, .error = errno};
}

static void apply_keys(struct agent *a)
{
	if (a->net_open)
		hb_net_set_keys(&a->net, hb_keyring_send_key(&a->pk.ring), hb_keyring_also_accepted(&a->pk.ring));
}

int agent_key_open(struct agent *a, struct hb_err *err)
{
	struct agent_key *k = &a->pk;
	const char *used = "";
	memset(k, 0, sizeof *k);
	/* The file to follow: the key file, else the pool secret (also when it
	 * does not exist yet: its appearance is a rotation like any other).
	 * Its stamp is taken before it is read: a write in between is seen. */
	if (a->cfg.pool_key_file[0] != '\0') {
		k->file_kind = HB_KEY_SRC_KEY_FILE;
		snprintf(k->path, sizeof k->path, "%s", a->cfg.pool_key_file);
	} else if (a->cfg.pool_secret_file[0] != '\0') {
		k->file_kind = HB_KEY_SRC_POOL_SECRET;
		snprintf(k->path, sizeof k->path, "%s", a->cfg.pool_secret_file);
	}
	if (k->path[0] != '\0')
		stamp_now(k->path, &k->seen);
	if (hb_key_resolve(&a->cfg, &a->key, &used, err) < 0)
		return -1;
	hb_keyring_init(&k->ring, &a->key, a->timing.key_switch_ms, a->timing.key_grace_ms);
	switch (a->key.source) {
	case HB_KEY_SRC_KEY_FILE:
		agent_log(LOG_INFO, "heartbeats are authenticated with the key in <PoolKeyFile> %s", used);
		break;
	case HB_KEY_SRC_POOL_SECRET:
		agent_log(LOG_INFO, "heartbeats are authenticated with a key derived from the pool secret %s and the "
		          "GenerationUUID", used);
		break;
	case HB_KEY_SRC_GENERATION:
		agent_log(LOG_WARNING, "INSECURE: heartbeats are authenticated with a key derived from the GenerationUUID "
		          "alone, which is in xhad.conf and in plain text in every statefile block: anyone who can read the "
		          "heartbeat LUN or NFS file can forge heartbeats. No <PoolKeyFile>, and %s%s%s. Give every host "
		          "the same root-only secret (xapi's /etc/xensource/ptoken, or <PoolKeyFile>)",
		          a->cfg.pool_secret_file[0] ? "the pool secret " : "<PoolSecretFile> is empty",
		          a->cfg.pool_secret_file, a->cfg.pool_secret_file[0] ? " does not exist" : "");
		break;
	}
	agent_log(LOG_INFO, "pool key rotation: a new key is sent %" PRIu32 " ms after its file changes, the old one "
	          "accepted for %" PRIu32 " ms", a->timing.key_switch_ms, a->timing.key_grace_ms);
	return 0;
}

static void report_problem(struct agent_key *k, const char *msg)
{
	if (strcmp(k->problem, msg) == 0)
		return;
	snprintf(k->problem, sizeof k->problem, "%s", msg);
	k->problems++;
	agent_log(LOG_WARNING, "%s; the heartbeat keys in use are kept", msg);
}

/* The key the file holds now; false (problem reported) when it cannot be
 * read or used. A pool secret that vanished is a problem, not a rotation
 * back to the generation's key. */
static bool read_key(struct agent *a, struct hb_key *out)
{
	struct agent_key *k = &a->pk;
	struct hb_err err = {{0}};
	uint8_t secret[HB_KEY_MAX];
	size_t len = 0;
	bool ok = hb_key_read_secret(k->path, element_of(k->file_kind), secret, &len, NULL, &err) == 0;
	if (!ok) {
		report_problem(k, err.msg);
	} else if (k->file_kind == HB_KEY_SRC_KEY_FILE) {
		memset(out, 0, sizeof *out);
		memcpy(out->bytes, secret, len);
		out->len = len;
		out->source = HB_KEY_SRC_KEY_FILE;
	} else {
		hb_key_derive_from_secret(secret, len, &a->cfg.generation, out);
	}
	OPENSSL_cleanse(secret, sizeof secret);
	return ok;
}

/* The key being moved to (the pending one), else the one sent. */
static const struct hb_key *target_key(const struct agent_key *k)
{
	return k->ring.phase == HB_KEYRING_PENDING ? &k->ring.other : &k->ring.send;
}

static void look_at_file(struct agent *a)
{
	struct agent_key *k = &a->pk;
	struct agent_key_stamp now_stamp;
	stamp_now(k->path, &now_stamp);
	if (!k->have_candidate && stamp_equal(&now_stamp, &k->seen))
		return;
	if (!now_stamp.exists) {
		if (k->seen.exists) {
			struct hb_err err = {{0}};
			hb_err_set(&err, "%s %s: cannot stat: %s", element_of(k->file_kind), k->path, strerror(now_stamp.error));
			report_problem(k, err.msg);
		}
		k->have_candidate = false;
		k->seen = now_stamp;
		return;
	}
	struct hb_key key;
	if (!read_key(a, &key)) {
		k->have_candidate = false;
		k->seen = now_stamp;
		return;
	}
	k->problem[0] = '\0';
	if (hb_key_equal(&key, target_key(k))) {
		/* touched, same secret (or a change taken back before it was used) */
		k->have_candidate = false;
		k->seen = now_stamp;
	} else if (k->have_candidate && hb_key_equal(&key, &k->candidate) && stamp_equal(&now_stamp, &k->cand_stamp)) {
		/* the same new content a poll apart: the write is complete */
		k->have_candidate = false;
		k->seen = now_stamp;
		hb_keyring_offer(&k->ring, &key, a->now);
		apply_keys(a);
		agent_log(LOG_NOTICE, "%s %s changed (rotation %" PRIu64 "): accepting the new key now, sending with it "
		          "in %" PRIu32 " ms, accepting the old one for %" PRIu32 " ms; every host must see the new secret "
		          "within %" PRIu32 " ms", element_of(k->file_kind), k->path, k->ring.rotations,
		          k->ring.switch_ms, k->ring.grace_ms, k->ring.switch_ms);
	} else {
		k->candidate = key;
		k->cand_stamp = now_stamp;
		k->have_candidate = true;
	}
	OPENSSL_cleanse(&key, sizeof key);
}

void agent_key_poll(struct agent *a)
{
	struct agent_key *k = &a->pk;
	if (k->path[0] != '\0' && a->now >= k->next_poll) {
		k->next_poll = a->now + AGENT_KEY_POLL_MS;
		look_at_file(a);
	}
	enum hb_keyring_phase before = k->ring.phase;
	if (!hb_keyring_advance(&k->ring, a->now))
		return;
	apply_keys(a);
	if (before == HB_KEYRING_PENDING)
		agent_log(LOG_NOTICE, "pool key rotation %" PRIu64 ": sending with the new key%s", k->ring.rotations,
		          k->ring.phase == HB_KEYRING_RETIRING ? ", still accepting the old one" : "");
	if (k->ring.phase == HB_KEYRING_STEADY)
		agent_log(LOG_NOTICE, "pool key rotation %" PRIu64 ": done, the old key is no longer accepted",
		          k->ring.rotations);
}

bool agent_key_from_generation(const struct agent *a)
{
	return a->pk.ring.send.source == HB_KEY_SRC_GENERATION;
}

bool agent_key_rotating(const struct agent *a) { return a->pk.ring.phase != HB_KEYRING_STEADY; }

struct json_object *agent_key_json(const struct agent *a)
{
	const struct agent_key *k = &a->pk;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "source", json_object_new_string(hb_key_source_name(k->ring.send.source)));
	json_object_object_add(o, "file", k->path[0] ? json_object_new_string(k->path) : NULL);
	json_object_object_add(o, "rotation", json_object_new_string(hb_keyring_phase_name(k->ring.phase)));
	hb_mono_ms next = hb_keyring_next_change(&k->ring);
	json_object_object_add(o, "rotation_next_ms", next < 0 ? NULL : json_object_new_int64(next - a->now));
	json_object_object_add(o, "rotations", json_object_new_uint64(k->ring.rotations));
	json_object_object_add(o, "problem", k->problem[0] ? json_object_new_string(k->problem) : NULL);
	return o;
}

void agent_key_close(struct agent *a)
{
	OPENSSL_cleanse(&a->pk, sizeof a->pk);
	OPENSSL_cleanse(&a->key, sizeof a->key);
}
