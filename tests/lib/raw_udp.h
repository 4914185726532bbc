/*
 * raw_udp.h: what the test tools that forge heartbeats share
 * (tests/agent/udp_inject.c, tests/pool/hbforge.c); test-only code, linked
 * into those two tools and nothing else.
 *
 * It owns two steps: the pool's wire parameters (struct hb_wire_pool) from a
 * loaded configuration, with the key the agents use (hb_key_resolve); and
 * one heartbeat sent as an IPv4 + UDP datagram with a chosen (spoofed)
 * source through a raw IPPROTO_RAW socket.
 */
#ifndef HB_TEST_RAW_UDP_H
#define HB_TEST_RAW_UDP_H

#include <netinet/in.h>
#include <stdint.h>

#include "hb_config.h"
#include "hb_key.h"
#include "hb_wire.h"

/* A pool's wire parameters and what they point to: wire.key is &key,
 * wire.host_uuids is uuids (so the struct is not copied once set up). */
struct raw_udp_pool {
	struct hb_key key;
	hb_uuid uuids[HB_MAX_HOSTS];
	struct hb_wire_pool wire;
};

/* Fill p from cfg with the pool key the agents have (hb_key_resolve: key
 * file, else the pool secret of cfg's host, else the generation). 0, or -1
 * with "PROG: reason" on stderr. The caller may change p->key afterwards. */
int raw_udp_pool_load(struct raw_udp_pool *p, const struct hb_config *cfg, const char *prog);

/* A raw IPPROTO_RAW socket (the kernel fills in the IP checksum), or -1
 * with "PROG: raw socket: reason" on stderr and errno kept. */
int raw_udp_open(const char *prog);

/* Encode pkt under pool and send it through fd as one IPv4 datagram from
 * src:sport to dst:dport (don't fragment, TTL 64, no UDP checksum). 0, or
 * -1 with "PROG: sendto DST: reason" on stderr and errno kept (0 on a short
 * write). */
int raw_udp_send(int fd, const char *prog, const struct hb_packet *pkt, const struct hb_wire_pool *pool,
                 struct in_addr src, uint16_t sport, struct in_addr dst, uint16_t dport);

#endif
