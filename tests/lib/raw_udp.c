/* raw_udp.c: the forging test tools' pool parameters and raw IPv4 + UDP
 * sender (raw_udp.h). */
#include "raw_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hb_key_file.h"

int raw_udp_pool_load(struct raw_udp_pool *p, const struct hb_config *cfg, const char *prog)
{
	struct hb_err err = {{0}};
	if (hb_key_resolve(cfg, &p->key, NULL, &err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_hosts; i++)
		p->uuids[i] = cfg->hosts[i].uuid;
	p->wire = (struct hb_wire_pool){
		.key = &p->key,
		.generation_tag = hb_key_generation_tag(&cfg->generation),
		.n_hosts = cfg->n_hosts,
		.host_uuids = p->uuids,
	};
	return 0;
}

int raw_udp_open(const char *prog)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		int e = errno;
		fprintf(stderr, "%s: raw socket: %s\n", prog, strerror(e));
		errno = e;
	}
	return fd;
}

int raw_udp_send(int fd, const char *prog, const struct hb_packet *pkt, const struct hb_wire_pool *pool,
                 struct in_addr src, uint16_t sport, struct in_addr dst, uint16_t dport)
{
	struct {
		struct iphdr ip;
		struct udphdr udp;
		uint8_t payload[HB_PACKET_SIZE];
	} __attribute__((packed)) dgram;
	memset(&dgram, 0, sizeof dgram);
	size_t n = hb_packet_encode(pkt, pool, dgram.payload);
	size_t total = sizeof dgram.ip + sizeof dgram.udp + n;
	dgram.ip.version = 4;
	dgram.ip.ihl = 5;
	dgram.ip.tot_len = htons((uint16_t)total);
	dgram.ip.frag_off = htons(IP_DF);
	dgram.ip.ttl = 64;
	dgram.ip.protocol = IPPROTO_UDP;
	dgram.ip.saddr = src.s_addr;
	dgram.ip.daddr = dst.s_addr;
	/* ip.check: filled in by the kernel for raw IPPROTO_RAW sockets */
	dgram.udp.source = htons(sport);
	dgram.udp.dest = htons(dport);
	dgram.udp.len = htons((uint16_t)(sizeof dgram.udp + n));
	dgram.udp.check = 0; /* none: allowed for IPv4 */
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = dst};
	ssize_t w = sendto(fd, &dgram, total, 0, (struct sockaddr *)&to, sizeof to);
	if (w != (ssize_t)total) {
		int e = w < 0 ? errno : 0;
		char text[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, &dst, text, sizeof text);
		fprintf(stderr, "%s: sendto %s: %s\n", prog, text, w < 0 ? strerror(e) : "short");
		errno = e;
		return -1;
	}
	return 0;
}
