/*
 * udp_inject.c: send one forged heartbeat for the end-to-end tests.
 *
 *   udp_inject CONF MODE SRC_INDEX DST_ADDR DST_PORT [BOOT_ID SEQ]
 *
 * Loads the pool configuration CONF and builds a heartbeat that claims to
 * come from host SRC_INDEX (its UUID and index) with a view that would be
 * harmful if trusted: phase online, liveset = only the sender, the FENCING
 * flag, a master-lock request. The packet passes the decoder's field checks;
 * it is sent through a raw socket with a spoofed IPv4 source: host
 * SRC_INDEX's first configured address and the pool's UDP port. MODE:
 *   forge    MAC under a wrong key (receiver: bad_mac)
 *   genkey   MAC under the key derived from the GenerationUUID alone (what
 *            anyone who reads the statefile can compute; receiver: bad_mac
 *            when the pool uses a pool secret or a key file)
 *   stale    correct key, boot id 1 (receiver: stale_boot)
 *   replay   correct key, BOOT_ID and SEQ from the command line (replay)
 *   foreign  correct key, source port other than the pool's (foreign_source)
 * The pool key is the one the agents use (hb_key_resolve: PoolKeyFile, else
 * the PoolSecretFile of CONF's host, else the generation).
 * Exit 0 when sent, 1 on usage or configuration errors, 3 when a raw socket
 * cannot be opened (not permitted), 2 when sending fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hb_clock.h"
#include "hb_config.h"
#include "hb_key.h"
#include "hb_wire.h"
#include "raw_udp.h"

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s CONF forge|genkey|stale|replay|foreign SRC_INDEX DST_ADDR DST_PORT [BOOT_ID SEQ]\n",
	        argv0);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 8)
		return usage(argv[0]);
	const char *mode = argv[2];
	bool forge = strcmp(mode, "forge") == 0, stale = strcmp(mode, "stale") == 0;
	bool replay = strcmp(mode, "replay") == 0, foreign = strcmp(mode, "foreign") == 0;
	bool genkey = strcmp(mode, "genkey") == 0;
	if (!forge && !genkey && !stale && !replay && !foreign)
		return usage(argv[0]);
	if (replay != (argc == 8))
		return usage(argv[0]);

	static struct hb_config cfg;
	struct hb_err err = {0};
	if (hb_config_load_file(argv[1], &cfg, NULL, &err) != 0) {
		fprintf(stderr, "udp_inject: %s\n", err.msg);
		return 1;
	}
	char *end;
	unsigned long src = strtoul(argv[3], &end, 10);
	if (*end != 0 || src >= cfg.n_hosts) {
		fprintf(stderr, "udp_inject: SRC_INDEX out of range (pool of %u)\n", cfg.n_hosts);
		return 1;
	}
	const struct hb_addr *src_addr = &cfg.hosts[src].addrs[0];
	if (src_addr->family != AF_INET) {
		fprintf(stderr, "udp_inject: host %lu's address is not IPv4\n", src);
		return 1;
	}
	struct in_addr dst;
	unsigned long dport = strtoul(argv[5], &end, 10);
	if (inet_pton(AF_INET, argv[4], &dst) != 1 || *end != 0 || dport == 0 || dport > 65535)
		return usage(argv[0]);

	/* the pool key, as the agents have it, or a wrong one */
	static struct raw_udp_pool pool;
	if (raw_udp_pool_load(&pool, &cfg, "udp_inject") != 0)
		return 1;
	if (genkey)
		hb_key_derive_from_generation(&cfg.generation, &pool.key);
	if (forge) {
		hb_uuid other = cfg.generation;
		other.b[0] ^= 0x5a;
		hb_key_derive_from_generation(&other, &pool.key);
	}

	/* a harmful view: "I alone am the liveset, I am fencing, give me the lock" */
	struct hb_packet pkt = {0};
	pkt.sender_uuid = cfg.hosts[src].uuid;
	pkt.sender_index = (uint8_t)src;
	pkt.path = 0;
	pkt.n_hosts = (uint8_t)cfg.n_hosts;
	pkt.boot_id = hb_clock_realtime_us() + 1000000000u; /* a newer incarnation than any */
	pkt.sequence = (uint64_t)1 << 40;
	if (stale)
		pkt.boot_id = 1;
	if (replay) {
		pkt.boot_id = strtoull(argv[6], NULL, 10);
		pkt.sequence = strtoull(argv[7], NULL, 10);
		if (pkt.boot_id == 0 || pkt.sequence == 0) {
			fprintf(stderr, "udp_inject: BOOT_ID and SEQ must be > 0\n");
			return 1;
		}
	}
	pkt.sent_at_ms = 1;
	struct hb_view *v = &pkt.view;
	hb_hostmap me = hb_host_bit((unsigned)src);
	v->hb_heard = me;
	v->hb_heard_path[0] = me;
	v->sf_seen = me;
	v->liveset = me;
	v->proposed = me;
	v->epoch = (uint64_t)1 << 32;
	v->phase = HB_PHASE_ONLINE;
	v->flags = HB_VF_FENCING | HB_VF_ARMED | HB_VF_SF_ACCESS;
	v->weight = 1;
	v->lock_request = 1;
	v->lock_grant = me;
	v->fence_bound_ms = 1000;
	v->fence_flag_bound_ms = 1000;
	v->hb_timeout_ms = 6000;
	v->sf_timeout_ms = 6000;

	uint16_t sport = cfg.udp_port;
	if (foreign)
		sport = (uint16_t)(cfg.udp_port == 65535 ? 1024 : cfg.udp_port + 1);

	int fd = raw_udp_open("udp_inject");
	if (fd < 0)
		return 3;
	int rc = 0;
	if (raw_udp_send(fd, "udp_inject", &pkt, &pool.wire, src_addr->u.v4, sport, dst, (uint16_t)dport) != 0)
		rc = errno == EPERM ? 3 : 2;
	close(fd);
	return rc;
}
