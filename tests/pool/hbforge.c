/*
 * hbforge.c: hbpool's forger, for the scenario language's `forge-slot H
 * WHAT` and `forge-heartbeat H WHAT [-> K]` (tests/sim/hb_scenario.h): a record
 * of host H's current incarnation, written by somebody other than H (a
 * stray tool, a cloned host, a key holder), claiming WHAT:
 *
 *   stopped        phase Stopped, excluded, neither armed nor under rule 2
 *   fencing        phase Fencing, the fencing flag
 *   huge-sequence  the view as it is, under the sequence 2^62
 *   next-boot      the view as it is, under the next boot id (sequence 1)
 *
 * exactly as hbsim applies them (tests/sim/sim_world.c, forge_view and
 * exec_forge): every other field is H's own, the sequence of stopped and
 * fencing is H's last one + 1.
 *
 *   hbforge slot CONF IMAGE H WHAT
 *       reads H's slot from IMAGE (the pool's backing file, so no host's
 *       fault layer is in the way) at HB_SF_OFFSET(H), decodes it with
 *       libhb's decoder against the pool of CONF (generation, host UUIDs),
 *       applies the claim, encodes it with hb_slot_encode (a valid CRC) and
 *       writes it back in place (O_DIRECT, else pwrite + fdatasync).
 *   hbforge heartbeat CONF H WHAT [K] [--wait-ms MS]
 *       run inside H's network namespace: captures H's own outgoing
 *       heartbeats (an AF_PACKET socket; the first burst, up to MS
 *       milliseconds, default 5000), takes the one with the highest
 *       sequence, authenticates it with the pool key (PoolKeyFile of CONF,
 *       else its PoolSecretFile, else the key derived from the generation:
 *       hb_key_resolve), applies the claim,
 *       signs it again and sends it from H's address and the pool's port on
 *       every path to K's address on that path (without K: to every other
 *       host), through a raw socket, as one more datagram of H's.
 *
 * Prints one line saying what it wrote. Exit 0 done, 1 usage or
 * configuration error, 2 I/O or send error, 3 not permitted (raw sockets),
 * 4 nothing to forge from (the slot does not decode, or H sent no
 * heartbeat in time): hbsim skips the statement then too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hb_clock.h"
#include "hb_config.h"
#include "hb_key.h"
#include "hb_slot.h"
#include "hb_types.h"
#include "hb_wire.h"
#include "raw_udp.h"

#define HUGE_SEQUENCE (UINT64_C(1) << 62)
#define BURST_GAP_MS 100

enum forge { F_STOPPED, F_FENCING, F_HUGE_SEQUENCE, F_NEXT_BOOT, F_COUNT };
static const char *const forge_names[F_COUNT] = {"stopped", "fencing", "huge-sequence", "next-boot"};

static int usage(void)
{
	fprintf(stderr, "usage: hbforge slot CONF IMAGE H stopped|fencing|huge-sequence|next-boot\n"
	                "       hbforge heartbeat CONF H stopped|fencing|huge-sequence|next-boot [K] [--wait-ms MS]\n");
	return 1;
}

static int parse_forge(const char *s, enum forge *out)
{
	for (int f = 0; f < F_COUNT; f++)
		if (strcmp(s, forge_names[f]) == 0) {
			*out = (enum forge)f;
			return 0;
		}
	fprintf(stderr, "hbforge: unknown claim \"%s\" (expected stopped, fencing, huge-sequence or next-boot)\n", s);
	return -1;
}

static int parse_index(const char *s, unsigned n, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v >= n) {
		fprintf(stderr, "hbforge: bad host \"%s\" (pool of %u)\n", s, n);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* hbsim's forge_view (tests/sim/sim_world.c). */
static void forge_view(struct hb_view *v, enum forge f)
{
	if (f == F_STOPPED) {
		v->phase = HB_PHASE_STOPPED;
		v->flags = (uint8_t)((v->flags & ~(HB_VF_ARMED | HB_VF_RULE2)) | HB_VF_EXCLUDED);
	} else if (f == F_FENCING) {
		v->phase = HB_PHASE_FENCING;
		v->flags |= HB_VF_FENCING;
	}
}

/* hbsim's exec_forge: the sequence and boot id of the forged record. */
static void forge_ids(uint64_t *boot_id, uint64_t *sequence, enum forge f)
{
	*sequence = f == F_HUGE_SEQUENCE ? HUGE_SEQUENCE : f == F_NEXT_BOOT ? 1 : *sequence + 1;
	if (f == F_NEXT_BOOT)
		(*boot_id)++;
}

static int load_conf(const char *path, struct hb_config *cfg)
{
	struct hb_err err = {{0}};
	if (hb_config_load_file(path, cfg, NULL, &err) != 0) {
		fprintf(stderr, "hbforge: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* ---- forge-slot ------------------------------------------------------- */

static int rw_block(int fd, bool write, uint8_t *buf, uint64_t off)
{
	ssize_t n = write ? pwrite(fd, buf, HB_SF_BLOCK_SIZE, (off_t)off) : pread(fd, buf, HB_SF_BLOCK_SIZE, (off_t)off);
	if (n != (ssize_t)HB_SF_BLOCK_SIZE) {
		fprintf(stderr, "hbforge: %s of the slot at %" PRIu64 ": %s\n", write ? "write" : "read", off,
		        n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

static int cmd_slot(int argc, char **argv)
{
	if (argc != 6)
		return usage();
	static struct hb_config cfg;
	unsigned h;
	enum forge f;
	if (load_conf(argv[2], &cfg) < 0 || parse_index(argv[4], cfg.n_hosts, &h) < 0 || parse_forge(argv[5], &f) < 0)
		return 1;
	const char *image = argv[3];
	bool direct = true;
	int fd = open(image, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0 && errno == EINVAL) {
		direct = false; /* a file system without O_DIRECT: pwrite + fdatasync */
		fd = open(image, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0) {
		fprintf(stderr, "hbforge: %s: %s\n", image, strerror(errno));
		return 2;
	}
	uint8_t *buf;
	if (posix_memalign((void **)&buf, HB_SF_BLOCK_SIZE, HB_SF_BLOCK_SIZE) != 0) {
		close(fd);
		return 2;
	}
	uint64_t off = HB_SF_OFFSET(h);
	int rc = 2;
	if (rw_block(fd, false, buf, off) < 0)
		goto out;
	hb_uuid uuids[HB_MAX_HOSTS];
	for (unsigned i = 0; i < cfg.n_hosts; i++)
		uuids[i] = cfg.hosts[i].uuid;
	struct hb_sf_pool pool = {.generation = &cfg.generation, .n_hosts = cfg.n_hosts, .host_uuids = uuids};
	static struct hb_slot s;
	enum hb_reject rej = hb_slot_decode(buf, h, &pool, &s);
	if (rej != HB_REJECT_NONE) {
		printf("hbforge: slot %u does not decode (%s): nothing to forge from\n", h, hb_reject_name(rej));
		rc = 4;
		goto out;
	}
	uint64_t boot0 = s.boot_id, seq0 = s.sequence;
	uint8_t phase0 = s.view.phase, flags0 = s.view.flags;
	forge_ids(&s.boot_id, &s.sequence, f);
	forge_view(&s.view, f);
	hb_slot_encode(&s, buf);
	if (rw_block(fd, true, buf, off) < 0 || (!direct && fdatasync(fd) < 0))
		goto out;
	printf("hbforge: slot %u (%s): boot %" PRIu64 " sequence %" PRIu64 " phase %s flags 0x%02x -> boot %" PRIu64
	       " sequence %" PRIu64 " phase %s flags 0x%02x%s\n",
	       h, forge_names[f], boot0, seq0, hb_phase_name((enum hb_phase)phase0), flags0, s.boot_id, s.sequence,
	       hb_phase_name((enum hb_phase)s.view.phase), s.view.flags, direct ? "" : " (buffered, fdatasync)");
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- forge-heartbeat -------------------------------------------------- */

static bool is_addr_of(const struct hb_config *cfg, unsigned h, uint32_t saddr)
{
	for (unsigned p = 0; p < cfg->hosts[h].n_addrs; p++) {
		const struct hb_addr *a = &cfg->hosts[h].addrs[p];
		if (a->family == AF_INET && a->u.v4.s_addr == saddr)
			return true;
	}
	return false;
}

/* H's own heartbeats leaving this namespace: the first burst, the one with
 * the highest sequence. 0, or -1 when none came within wait_ms. */
static int capture(const struct hb_config *cfg, const struct hb_wire_pool *pool, unsigned h, int wait_ms,
                   struct hb_packet *out)
{
	/* ETH_P_ALL: only the taps of every protocol see outgoing frames */
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "hbforge: packet socket: %s\n", strerror(errno));
		return -2;
	}
	int64_t deadline = hb_clock_monotonic_ms() + wait_ms, first = -1;
	bool have = false;
	static uint8_t buf[65536];
	for (;;) {
		int64_t now = hb_clock_monotonic_ms();
		int64_t until = first >= 0 && first + BURST_GAP_MS < deadline ? first + BURST_GAP_MS : deadline;
		if (now >= until)
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)(until - now)) <= 0)
			continue;
		struct sockaddr_ll from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < (ssize_t)(sizeof(struct iphdr) + sizeof(struct udphdr)) || from.sll_pkttype != PACKET_OUTGOING ||
		    from.sll_protocol != htons(ETH_P_IP))
			continue;
		const struct iphdr *ip = (const struct iphdr *)buf;
		size_t ihl = (size_t)ip->ihl * 4;
		if (ip->version != 4 || ip->protocol != IPPROTO_UDP || ihl < sizeof *ip ||
		    (size_t)n < ihl + sizeof(struct udphdr) || !is_addr_of(cfg, h, ip->saddr))
			continue;
		const struct udphdr *udp = (const struct udphdr *)(buf + ihl);
		if (ntohs(udp->source) != cfg->udp_port || ntohs(udp->dest) != cfg->udp_port)
			continue;
		struct hb_packet pkt;
		size_t len = (size_t)n - ihl - sizeof *udp;
		if (hb_packet_decode(buf + ihl + sizeof *udp, len, pool, &pkt) != HB_REJECT_NONE || pkt.sender_index != h)
			continue;
		if (!have || pkt.boot_id > out->boot_id || (pkt.boot_id == out->boot_id && pkt.sequence > out->sequence))
			*out = pkt;
		have = true;
		first = hb_clock_monotonic_ms(); /* the burst goes on while packets keep coming */
	}
	close(fd);
	return have ? 0 : -1;
}

static int cmd_heartbeat(int argc, char **argv)
{
	int wait_ms = 5000;
	const char *pos[4];
	int npos = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--wait-ms") == 0 && i + 1 < argc) {
			wait_ms = atoi(argv[++i]);
			if (wait_ms <= 0)
				return usage();
		} else if (npos < 4) {
			pos[npos++] = argv[i];
		} else {
			return usage();
		}
	}
	if (npos != 3 && npos != 4)
		return usage();
	static struct hb_config cfg;
	unsigned h, k = 0;
	enum forge f;
	if (load_conf(pos[0], &cfg) < 0 || parse_index(pos[1], cfg.n_hosts, &h) < 0 || parse_forge(pos[2], &f) < 0)
		return 1;
	bool one = npos == 4;
	if (one && parse_index(pos[3], cfg.n_hosts, &k) < 0)
		return 1;
	if (one && k == h) {
		fprintf(stderr, "hbforge: a heartbeat of host %u sent to itself\n", h);
		return 1;
	}
	for (unsigned p = 0; p < cfg.hosts[h].n_addrs; p++)
		if (cfg.hosts[h].addrs[p].family != AF_INET) {
			fprintf(stderr, "hbforge: host %u's address %s is not IPv4\n", h, cfg.hosts[h].addrs[p].text);
			return 1;
		}
	static struct raw_udp_pool pool; /* the agents' key */
	if (raw_udp_pool_load(&pool, &cfg, "hbforge") != 0)
		return 1;
	struct hb_packet pkt;
	int c = capture(&cfg, &pool.wire, h, wait_ms, &pkt);
	if (c == -2)
		return errno == EPERM ? 3 : 2;
	if (c < 0) {
		printf("hbforge: host %u sent no heartbeat in %d ms: nothing to forge from\n", h, wait_ms);
		return 4;
	}
	uint64_t boot0 = pkt.boot_id, seq0 = pkt.sequence;
	uint8_t phase0 = pkt.view.phase;
	forge_ids(&pkt.boot_id, &pkt.sequence, f);
	forge_view(&pkt.view, f);
	int fd = raw_udp_open("hbforge");
	if (fd < 0)
		return errno == EPERM ? 3 : 2;
	unsigned sent = 0, failed = 0;
	for (unsigned d = 0; d < cfg.n_hosts; d++) {
		if (d == h || (one && d != k))
			continue;
		for (unsigned p = 0; p < cfg.hosts[h].n_addrs && p < cfg.hosts[d].n_addrs; p++) {
			if (cfg.hosts[d].addrs[p].family != AF_INET)
				continue;
			pkt.path = (uint8_t)p;
			if (raw_udp_send(fd, "hbforge", &pkt, &pool.wire, cfg.hosts[h].addrs[p].u.v4, cfg.udp_port,
			                 cfg.hosts[d].addrs[p].u.v4, cfg.udp_port) < 0)
				failed++;
			else
				sent++;
		}
	}
	close(fd);
	printf("hbforge: heartbeat of host %u (%s): captured boot %" PRIu64 " sequence %" PRIu64 " phase %s, sent boot %"
	       PRIu64 " sequence %" PRIu64 " phase %s flags 0x%02x: %u datagram(s)%s\n",
	       h, forge_names[f], boot0, seq0, hb_phase_name((enum hb_phase)phase0), pkt.boot_id, pkt.sequence,
	       hb_phase_name((enum hb_phase)pkt.view.phase), pkt.view.flags, sent, failed ? ", some failed" : "");
	return failed && !sent ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "slot") == 0)
		return cmd_slot(argc, argv);
	if (strcmp(argv[1], "heartbeat") == 0)
		return cmd_heartbeat(argc, argv);
	return usage();
}
