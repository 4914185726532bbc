/*
 * hb_net.c: the network heartbeat channel (see hb_net.h, docs/network.md).
 *
 * Owns the per-path UDP sockets and their options, the address tables, the
 * send loop (one encode per path, one non-blocking sendto per peer), the
 * bounded receive loop (recvmmsg into fixed buffers) and the filter of each
 * datagram: source first (no crypto for strangers), then hb_packet_decode,
 * then sender and path consistency. Counts everything it drops.
 */
#include "hb_net.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

_Static_assert(HB_NET_BATCH <= HB_NET_RECV_BUDGET, "net: batch larger than the budget");
_Static_assert((int)HB_NET_DROP_COUNT > (int)HB_REJECT_COUNT, "net: drop reasons");

/* DSCP CS6 (network control) in the TOS / traffic class byte, and the
 * highest socket priority an unprivileged socket may set. Best effort. */
#define HB_NET_TOS 0xc0
#define HB_NET_PRIORITY 6

const char *hb_net_drop_name(unsigned reason)
{
	if (reason < HB_REJECT_COUNT)
		return hb_reject_name((enum hb_reject)reason);
	switch ((enum hb_net_drop)reason) {
	case HB_NET_DROP_FOREIGN_SOURCE: return "foreign_source";
	case HB_NET_DROP_WRONG_SOURCE: return "wrong_source";
	case HB_NET_DROP_WRONG_PATH: return "wrong_path";
	case HB_NET_DROP_OVERSIZE: return "oversize";
	case HB_NET_DROP_COUNT: break;
	}
	return "unknown";
}

/* ---- addresses ---------------------------------------------------------- */

/* "127.0.0.1:694" or "[::1]:694". */
static void format_sockaddr(const union hb_net_sockaddr *a, char *out, size_t cap)
{
	char text[INET6_ADDRSTRLEN];
	if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->v4.sin_addr, text, sizeof text);
		snprintf(out, cap, "%s:%u", text, (unsigned)ntohs(a->v4.sin_port));
	} else {
		inet_ntop(AF_INET6, &a->v6.sin6_addr, text, sizeof text);
		snprintf(out, cap, "[%s]:%u", text, (unsigned)ntohs(a->v6.sin6_port));
	}
}

/* Scope of IPv6 link-local addresses on path p: the heartbeat interface's
 * index. Returns 0 with *scope (0 when not needed), or -1 with err. */
static int path_scope(const struct hb_config *cfg, unsigned p, uint32_t *scope, struct hb_err *err)
{
	*scope = 0;
	const struct hb_addr *link_local = NULL;
	for (unsigned h = 0; h < cfg->n_hosts && link_local == NULL; h++) {
		const struct hb_addr *a = &cfg->hosts[h].addrs[p];
		if (a->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->u.v6))
			link_local = a;
	}
	if (link_local == NULL)
		return 0;
	if (cfg->heartbeat_interface[0] == '\0')
		return hb_err_set(err, "heartbeat path %u uses the link-local address %s, which needs <HeartbeatInterface>",
		                  p + 1, link_local->text);
	*scope = if_nametoindex(cfg->heartbeat_interface);
	if (*scope == 0)
		return hb_err_set(err, "heartbeat path %u: interface %s (for link-local %s): %s", p + 1,
		                  cfg->heartbeat_interface, link_local->text, strerror(errno));
	return 0;
}

static socklen_t make_sockaddr(const struct hb_addr *a, uint16_t port, uint32_t scope, union hb_net_sockaddr *out)
{
	memset(out, 0, sizeof *out);
	if (a->family == AF_INET) {
		out->v4.sin_family = AF_INET;
		out->v4.sin_port = htons(port);
		out->v4.sin_addr = a->u.v4;
		return sizeof out->v4;
	}
	assert(a->family == AF_INET6);
	out->v6.sin6_family = AF_INET6;
	out->v6.sin6_port = htons(port);
	out->v6.sin6_addr = a->u.v6;
	if (IN6_IS_ADDR_LINKLOCAL(&a->u.v6))
		out->v6.sin6_scope_id = scope;
	return sizeof out->v6;
}

static int build_tables(struct hb_net *net, const struct hb_config *cfg, struct hb_err *err)
{
	for (unsigned p = 0; p < net->n_paths; p++) {
		uint32_t scope = 0;
		if (path_scope(cfg, p, &scope, err) < 0)
			return -1;
		for (unsigned h = 0; h < net->n_hosts; h++) {
			assert(cfg->hosts[h].index == h && cfg->hosts[h].n_addrs >= net->n_paths);
			net->addr_len[p] = make_sockaddr(&cfg->hosts[h].addrs[p], net->port, scope, &net->addr[p][h]);
			net->host_uuids[h] = cfg->hosts[h].uuid;
		}
	}
	return 0;
}

/* ---- sockets ------------------------------------------------------------ */

/* Options whose failure only costs quality: a large receive buffer (absorbs
 * bursts), DSCP CS6 and a high socket priority (ahead of bulk traffic). */
static void set_soft_options(struct hb_net *net, unsigned p, int fd, int family)
{
	int rcvbuf = (int)HB_NET_RCVBUF_BYTES;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	int tos = HB_NET_TOS;
	if (family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
	else
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
	int prio = HB_NET_PRIORITY;
	(void)setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof prio);
	socklen_t len = sizeof rcvbuf;
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) == 0)
		net->rcvbuf_bytes[p] = rcvbuf;
}

/* Options whose failure refuses the open: IPv6 only on IPv6 sockets (no
 * IPv4-mapped traffic), and the heartbeat interface when configured. */
static int set_hard_options(int fd, int family, const char *ifname, const char *where, struct hb_err *err)
{
	int one = 1;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return hb_err_set(err, "cannot set IPV6_V6ONLY on the heartbeat socket for %s: %s", where, strerror(errno));
	if (ifname[0] == '\0')
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
		int e = errno;
		return hb_err_set(err, "cannot bind the heartbeat socket for %s to interface %s (SO_BINDTODEVICE): %s%s",
		                  where, ifname, strerror(e), e == EPERM ? " (needs CAP_NET_RAW)" : "");
	}
	return 0;
}

static int open_path(struct hb_net *net, unsigned p, const char *ifname, struct hb_err *err)
{
	const union hb_net_sockaddr *local = &net->addr[p][net->local_index];
	int family = local->sa.sa_family;
	char where[INET6_ADDRSTRLEN + 16];
	format_sockaddr(local, where, sizeof where);
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return hb_err_set(err, "cannot create the heartbeat socket for %s: %s", where, strerror(errno));
	net->fd[p] = fd;
	if (set_hard_options(fd, family, ifname, where, err) < 0)
		return -1;
	set_soft_options(net, p, fd, family);
	if (bind(fd, &local->sa, net->addr_len[p]) < 0)
		return hb_err_set(err, "cannot bind %s: %s", where, strerror(errno));
	return 0;
}

int hb_net_open(struct hb_net *net, const struct hb_config *cfg, const struct hb_key *key, struct hb_err *err)
{
	assert(net != NULL && cfg != NULL && key != NULL);
	assert(cfg->n_hosts >= 1 && cfg->n_hosts <= HB_MAX_HOSTS);
	assert(cfg->n_paths >= 1 && cfg->n_paths <= HB_MAX_PATHS);
	assert(cfg->local_index < cfg->n_hosts);
	assert(key->len >= 1 && key->len <= HB_KEY_MAX);
	memset(net, 0, sizeof *net);
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		net->fd[p] = -1;
	net->n_hosts = cfg->n_hosts;
	net->n_paths = cfg->n_paths;
	net->local_index = cfg->local_index;
	net->port = cfg->udp_port;
	net->key = *key;
	net->generation_tag = hb_key_generation_tag(&cfg->generation);
	int rc = build_tables(net, cfg, err);
	for (unsigned p = 0; p < net->n_paths && rc == 0; p++)
		rc = open_path(net, p, cfg->heartbeat_interface, err);
	if (rc < 0)
		hb_net_close(net);
	return rc;
}

void hb_net_close(struct hb_net *net)
{
	assert(net != NULL);
	for (unsigned p = 0; p < HB_MAX_PATHS; p++) {
		if (net->fd[p] >= 0)
			close(net->fd[p]);
		net->fd[p] = -1;
	}
	explicit_bzero(&net->key, sizeof net->key);
	explicit_bzero(&net->key_also, sizeof net->key_also);
	net->have_key_also = false;
}

void hb_net_set_keys(struct hb_net *net, const struct hb_key *key, const struct hb_key *also)
{
	assert(net != NULL && key != NULL && key->len >= 1 && key->len <= HB_KEY_MAX);
	assert(also == NULL || (also->len >= 1 && also->len <= HB_KEY_MAX));
	net->key = *key;
	if (also != NULL)
		net->key_also = *also;
	else
		explicit_bzero(&net->key_also, sizeof net->key_also);
	net->have_key_also = also != NULL;
}

int hb_net_fd(const struct hb_net *net, unsigned path)
{
	assert(net != NULL && path < net->n_paths);
	return net->fd[path];
}

const struct hb_net_counters *hb_net_counters(const struct hb_net *net)
{
	assert(net != NULL);
	return &net->counters;
}

static struct hb_wire_pool net_pool(const struct hb_net *net)
{
	struct hb_wire_pool pool = {
		.key = &net->key,
		.key_also = net->have_key_also ? &net->key_also : NULL,
		.generation_tag = net->generation_tag,
		.n_hosts = net->n_hosts,
		.host_uuids = net->host_uuids,
	};
	return pool;
}

/* ---- sending ------------------------------------------------------------ */

static void count_send_error(struct hb_net_path_counters *c, unsigned host, int e)
{
	c->send_errors++;
	c->send_errors_to[host]++;
	c->last_send_errno = e;
	if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
		c->send_would_block++;
}

/* net->tx holds the packet of path p: one sendto() per peer. */
static unsigned send_path(struct hb_net *net, unsigned p)
{
	struct hb_net_path_counters *c = &net->counters.path[p];
	unsigned sent = 0;
	for (unsigned h = 0; h < net->n_hosts; h++) {
		if (h == net->local_index)
			continue;
		ssize_t n = sendto(net->fd[p], net->tx, sizeof net->tx, MSG_DONTWAIT | MSG_NOSIGNAL, &net->addr[p][h].sa,
		                   net->addr_len[p]);
		if (n == (ssize_t)sizeof net->tx) {
			c->sent++;
			sent++;
		} else {
			count_send_error(c, h, n < 0 ? errno : EMSGSIZE);
		}
	}
	return sent;
}

unsigned hb_net_send(struct hb_net *net, const struct hb_packet *pkt)
{
	assert(net != NULL && pkt != NULL);
	assert(pkt->sender_index == net->local_index && pkt->n_hosts == net->n_hosts);
	struct hb_wire_pool pool = net_pool(net);
	struct hb_packet copy = *pkt;
	unsigned sent = 0;
	for (unsigned p = 0; p < net->n_paths; p++) {
		assert(net->fd[p] >= 0);
		copy.path = (uint8_t)p;
		size_t len = hb_packet_encode(&copy, &pool, net->tx);
		assert(len == sizeof net->tx);
		(void)len;
		sent += send_path(net, p);
	}
	return sent;
}

/* ---- receiving ---------------------------------------------------------- */

/* The host whose address on path p is the source (address and port), or
 * -1: one comparison per host, no crypto. */
static int source_owner(const struct hb_net *net, unsigned p, const union hb_net_sockaddr *from, socklen_t len)
{
	if (len != net->addr_len[p] || from->sa.sa_family != net->addr[p][0].sa.sa_family)
		return -1;
	for (unsigned h = 0; h < net->n_hosts; h++) {
		const union hb_net_sockaddr *a = &net->addr[p][h];
		if (from->sa.sa_family == AF_INET) {
			if (from->v4.sin_port == a->v4.sin_port && from->v4.sin_addr.s_addr == a->v4.sin_addr.s_addr)
				return (int)h;
		} else if (from->v6.sin6_port == a->v6.sin6_port &&
		           memcmp(&from->v6.sin6_addr, &a->v6.sin6_addr, sizeof a->v6.sin6_addr) == 0) {
			return (int)h;
		}
	}
	return -1;
}

/* Why datagram i of the batch must be dropped (HB_REJECT_NONE: deliver
 * *pkt). Cheapest checks first. */
static unsigned check_datagram(const struct hb_net *net, unsigned p, unsigned i, struct hb_packet *pkt)
{
	const struct mmsghdr *m = &net->rx_msg[i];
	int owner = source_owner(net, p, &net->rx_from[i], m->msg_hdr.msg_namelen);
	if (owner < 0)
		return HB_NET_DROP_FOREIGN_SOURCE;
	if ((unsigned)owner == net->local_index)
		return HB_REJECT_SELF;
	if (m->msg_hdr.msg_flags & MSG_TRUNC)
		return HB_NET_DROP_OVERSIZE;
	struct hb_wire_pool pool = net_pool(net);
	enum hb_reject r = hb_packet_decode(net->rx[i], m->msg_len, &pool, pkt);
	if (r != HB_REJECT_NONE)
		return r;
	if (pkt->sender_index != (unsigned)owner)
		return HB_NET_DROP_WRONG_SOURCE;
	if (pkt->path != p)
		return HB_NET_DROP_WRONG_PATH;
	return HB_REJECT_NONE;
}

static void prepare_batch(struct hb_net *net, unsigned n)
{
	assert(n <= HB_NET_BATCH);
	for (unsigned i = 0; i < n; i++) {
		net->rx_iov[i].iov_base = net->rx[i];
		net->rx_iov[i].iov_len = sizeof net->rx[i];
		struct msghdr *h = &net->rx_msg[i].msg_hdr;
		memset(h, 0, sizeof *h);
		h->msg_name = &net->rx_from[i];
		h->msg_namelen = sizeof net->rx_from[i];
		h->msg_iov = &net->rx_iov[i];
		h->msg_iovlen = 1;
		net->rx_msg[i].msg_len = 0;
	}
}

static void handle_batch(struct hb_net *net, unsigned p, unsigned n, hb_net_deliver_fn deliver, void *ctx)
{
	struct hb_net_path_counters *c = &net->counters.path[p];
	for (unsigned i = 0; i < n; i++) {
		struct hb_packet pkt;
		unsigned why = check_datagram(net, p, i, &pkt);
		assert(why < HB_NET_DROP_COUNT);
		c->received++;
		if (why != HB_REJECT_NONE) {
			c->dropped[why]++;
			continue;
		}
		c->delivered++;
		c->delivered_from[pkt.sender_index]++;
		deliver(ctx, &pkt, p);
	}
}

unsigned hb_net_receive(struct hb_net *net, unsigned path, hb_net_deliver_fn deliver, void *ctx)
{
	assert(net != NULL && deliver != NULL && path < net->n_paths && net->fd[path] >= 0);
	struct hb_net_path_counters *c = &net->counters.path[path];
	unsigned done = 0;
	while (done < HB_NET_RECV_BUDGET) {
		unsigned want = HB_NET_RECV_BUDGET - done < HB_NET_BATCH ? HB_NET_RECV_BUDGET - done : HB_NET_BATCH;
		prepare_batch(net, want);
		int n = recvmmsg(net->fd[path], net->rx_msg, want, MSG_DONTWAIT, NULL);
		if (n == 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
			break;
		if (n < 0) {
			/* A pending socket error or a signal: counted against the
			 * budget so that this loop stays bounded. */
			c->recv_errors++;
			c->last_recv_errno = errno;
			done++;
			continue;
		}
		assert((unsigned)n <= want);
		handle_batch(net, path, (unsigned)n, deliver, ctx);
		done += (unsigned)n;
		if ((unsigned)n < want)
			break;
	}
	assert(done <= HB_NET_RECV_BUDGET);
	if (done == HB_NET_RECV_BUDGET)
		c->budget_exhausted++;
	return done;
}
