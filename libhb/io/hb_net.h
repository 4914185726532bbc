/*
 * hb_net.h: the network heartbeat channel, UDP over every configured path.
 *
 * Owns: one non-blocking UDP socket per local address (path p = the p-th
 * <IPaddress> of every host), bound to that address and <UDPport>, optionally
 * to <HeartbeatInterface>; sending one heartbeat to every peer's address on
 * every path (encoded once per path, never retried, never blocking);
 * draining a path's socket with a fixed budget per call; filtering each
 * datagram (source address and port first, before any crypto, then the
 * authenticating decoder, then sender and path consistency) and the drop
 * counters per reason and per path. docs/network.md explains the rules.
 *
 * Not owned: replay and incarnation checks (per-sender state, the core's:
 * hb_core_on_packet), timing, what a heartbeat says.
 *
 * Memory is fixed at hb_net_open(): the struct holds every buffer (send
 * buffer, a batch of receive buffers, the address tables, a copy of the
 * pool key). Nothing is allocated afterwards, nothing blocks, and whatever
 * arrives, a receive call reads at most HB_NET_RECV_BUDGET datagrams.
 *
 * Not thread-safe: one owner (the decision loop) drives it.
 */
#ifndef HB_NET_H
#define HB_NET_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include "hb_config.h"
#include "hb_err.h"
#include "hb_key.h"
#include "hb_types.h"
#include "hb_wire.h"

/* Datagrams read per recvmmsg() call. */
#define HB_NET_BATCH 32u
/* Datagrams read at most per hb_net_receive() call: what a flood can cost
 * the loop per wake-up. A full pool sends n_hosts - 1 per interval and path,
 * so the budget is well above the legitimate rate. */
#define HB_NET_RECV_BUDGET 256u
/* Receive buffer asked of the kernel per socket (SO_RCVBUFFORCE when
 * privileged, else SO_RCVBUF, capped by net.core.rmem_max). */
#define HB_NET_RCVBUF_BYTES (4u * 1024u * 1024u)
/* Receive buffer of one datagram: one byte more than a packet, so that an
 * oversize datagram is seen as such (HB_REJECT_LENGTH). */
#define HB_NET_RX_BUF_SIZE (HB_PACKET_SIZE + 1u)

/* Why a datagram was dropped. Values below HB_REJECT_COUNT are the wire
 * decoder's reasons (enum hb_reject, HB_REJECT_SELF included); the others
 * are this module's own. */
enum hb_net_drop {
	/* source address or port is not a configured host's on this path
	 * (checked before any crypto) */
	HB_NET_DROP_FOREIGN_SOURCE = HB_REJECT_COUNT,
	/* authenticated, but the sender index is not the host that owns the
	 * source address */
	HB_NET_DROP_WRONG_SOURCE,
	/* authenticated, but its path field is not the path it arrived on
	 * (a copy moved from another path) */
	HB_NET_DROP_WRONG_PATH,
	/* larger than the receive buffer: cut by the kernel (MSG_TRUNC) */
	HB_NET_DROP_OVERSIZE,
	HB_NET_DROP_COUNT
};

/* Counters of one path. Monotonic from hb_net_open(); never reset. */
struct hb_net_path_counters {
	uint64_t sent;                          /* datagrams handed to the kernel */
	uint64_t send_errors;                   /* sendto() failures, every errno */
	uint64_t send_would_block;              /* of which EAGAIN/EWOULDBLOCK/ENOBUFS */
	uint64_t send_errors_to[HB_MAX_HOSTS];  /* failures by destination host */
	int last_send_errno;                    /* 0 = none yet */
	uint64_t received;                      /* datagrams read off the socket */
	uint64_t delivered;                     /* passed every check, handed over */
	uint64_t delivered_from[HB_MAX_HOSTS];  /* delivered, by sender */
	uint64_t dropped[HB_NET_DROP_COUNT];    /* by enum hb_reject / hb_net_drop */
	uint64_t recv_errors;                   /* recvmmsg() failures (not EAGAIN) */
	int last_recv_errno;                    /* 0 = none yet */
	uint64_t budget_exhausted;              /* receive calls that hit the budget */
};

struct hb_net_counters {
	struct hb_net_path_counters path[HB_MAX_PATHS];
};

/* An IPv4 or IPv6 socket address. */
union hb_net_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* Treat as opaque: use the functions below. Fields are visible so that the
 * daemon can embed it in its fixed tables (about 57 KiB). It holds no
 * pointer into itself. */
struct hb_net {
	unsigned n_hosts;
	unsigned n_paths;
	unsigned local_index;
	uint16_t port;
	int fd[HB_MAX_PATHS];                                   /* -1 when closed */
	int rcvbuf_bytes[HB_MAX_PATHS];                         /* SO_RCVBUF the kernel granted */
	socklen_t addr_len[HB_MAX_PATHS];                       /* one family per path */
	union hb_net_sockaddr addr[HB_MAX_PATHS][HB_MAX_HOSTS]; /* host h's address on path p */
	struct hb_key key;                                      /* copy, wiped at close */
	struct hb_key key_also;                                 /* also accepted when have_key_also */
	bool have_key_also;
	uint64_t generation_tag;
	hb_uuid host_uuids[HB_MAX_HOSTS];
	uint8_t tx[HB_PACKET_SIZE];
	uint8_t rx[HB_NET_BATCH][HB_NET_RX_BUF_SIZE];
	struct mmsghdr rx_msg[HB_NET_BATCH];
	struct iovec rx_iov[HB_NET_BATCH];
	union hb_net_sockaddr rx_from[HB_NET_BATCH];
	struct hb_net_counters counters;
};

/* Called for every datagram that passed every check. pkt is valid only
 * during the call; path < n_paths is the path it arrived on (== pkt->path). */
typedef void (*hb_net_deliver_fn)(void *ctx, const struct hb_packet *pkt, unsigned path);

/* Open one socket per path of the local host (cfg->local_index) and copy
 * the pool (addresses, host UUIDs, generation tag of cfg->generation, key);
 * cfg and key need not outlive the call. Returns 0, or -1 with err naming
 * the address, port or interface and the system's reason ("cannot bind
 * 127.0.0.2:694: Address already in use"); nothing stays open then. */
int hb_net_open(struct hb_net *net, const struct hb_config *cfg, const struct hb_key *key, struct hb_err *err);
/* Close every socket and wipe the key copy. Idempotent. */
void hb_net_close(struct hb_net *net);
/* From now on send with key and accept it, and also accept also (NULL:
 * none): a key rotation (hb_keyring.h). Copies both; no allocation. */
void hb_net_set_keys(struct hb_net *net, const struct hb_key *key, const struct hb_key *also);

/* The socket of path (< n_paths), to watch for EPOLLIN. */
int hb_net_fd(const struct hb_net *net, unsigned path);

/* Send pkt (sender must be the local host) on every path to every peer:
 * pkt's path field is set per path, the packet encoded once per path, then
 * one sendto() per peer. Failures are counted per path and destination,
 * never retried; nothing blocks. Returns the datagrams handed to the kernel. */
unsigned hb_net_send(struct hb_net *net, const struct hb_packet *pkt);

/* Read what is waiting on path's socket, at most HB_NET_RECV_BUDGET
 * datagrams, filter each and call deliver for the good ones. Returns the
 * datagrams read (errors included); HB_NET_RECV_BUDGET means more may be
 * waiting: a level-triggered epoll reports the socket again, an
 * edge-triggered one needs another call. */
unsigned hb_net_receive(struct hb_net *net, unsigned path, hb_net_deliver_fn deliver, void *ctx);

/* The counters, for status output. */
const struct hb_net_counters *hb_net_counters(const struct hb_net *net);
/* Name of a drop reason (enum hb_reject or enum hb_net_drop), as in status
 * output: "bad_mac", "foreign_source", ... */
const char *hb_net_drop_name(unsigned reason);

#endif
