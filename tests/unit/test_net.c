/*
 * test_net.c: hb_net (UDP heartbeat channel) on loopback addresses.
 *
 * Covers: a heartbeat from host 0 delivered exactly once per path to hosts 1
 * and 2 with the right sender and path; forged (wrong key, wrong
 * generation), foreign-source, self, wrong-source, wrong-path, garbage,
 * truncated and oversize datagrams dropped and counted by reason; a flood of
 * 10,000 junk datagrams with the per-call budget respected and the real
 * heartbeat behind it delivered; two paths; IPv6; open errors that name the
 * address and the interface.
 *
 * When it may (root), the test runs in a private network namespace: no
 * clash with other tests, and IPv6 addresses fd00:6b::1..3 on its own lo
 * for a real three-host IPv6 pool. Otherwise it uses 127.0.0.x of the host
 * and a reduced IPv6 check on ::1 (skipped when IPv6 is off).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "hb_config.h"
#include "hb_key.h"
#include "hb_net.h"
#include "hb_wire.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_HAVE_ASAN 1
#endif
#endif

#define FLOOD_TOTAL 10000u
#define FLOOD_ROUND 250u
#define WAIT_MS 2000

static uint16_t test_port;
static bool have_netns;   /* private network namespace with lo up */
static bool have_v6_pool; /* fd00:6b::1..3 on lo */

static const char *const host_uuid_text[3] = {
	"10000000-0000-4000-8000-000000000001",
	"20000000-0000-4000-8000-000000000002",
	"30000000-0000-4000-8000-000000000003",
};

/* A pool of up to 3 hosts (listed in UUID order, so index = position). */
struct pool_spec {
	unsigned n_hosts;
	unsigned n_paths;
	const char *addr[3][2];
	const char *iface; /* NULL = none */
};

static const struct pool_spec pool_v4 = {
	3, 1, { { "127.0.0.1", NULL }, { "127.0.0.2", NULL }, { "127.0.0.3", NULL } }, NULL
};
static const struct pool_spec pool_two_paths = {
	3, 2, { { "127.0.0.1", "127.0.1.1" }, { "127.0.0.2", "127.0.1.2" }, { "127.0.0.3", "127.0.1.3" } }, NULL
};
static const struct pool_spec pool_v6 = {
	3, 2, { { "fd00:6b::1", "127.0.0.1" }, { "fd00:6b::2", "127.0.0.2" }, { "fd00:6b::3", "127.0.0.3" } }, NULL
};
static const struct pool_spec pool_v6_lo = { 2, 1, { { "::1", NULL }, { "fd00:6b::2", NULL } }, NULL };

/* ---- fixtures ------------------------------------------------------------ */

static size_t append(char *buf, size_t cap, size_t at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t cap, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + at, cap - at, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap - at);
	return at + (size_t)n;
}

static void load_config(const struct pool_spec *spec, unsigned local, struct hb_config *cfg)
{
	static char xml[8192];
	size_t at = append(xml, sizeof xml, 0, "<?xml version=\"1.0\"?>\n<xhad-config version=\"1.0\"><common-config>"
	                   "<GenerationUUID>22222222-3333-4444-8555-666666666666</GenerationUUID>"
	                   "<UDPport>%u</UDPport>\n", (unsigned)test_port);
	for (unsigned h = 0; h < spec->n_hosts; h++) {
		at = append(xml, sizeof xml, at, "<host><HostID>%s</HostID>", host_uuid_text[h]);
		for (unsigned p = 0; p < spec->n_paths; p++)
			at = append(xml, sizeof xml, at, "<IPaddress>%s</IPaddress>", spec->addr[h][p]);
		at = append(xml, sizeof xml, at, "</host>\n");
	}
	at = append(xml, sizeof xml, at, "</common-config><local-config><localhost><HostID>%s</HostID>",
	            host_uuid_text[local]);
	if (spec->iface != NULL)
		at = append(xml, sizeof xml, at, "<HeartbeatInterface>%s</HeartbeatInterface>", spec->iface);
	at = append(xml, sizeof xml, at, "<StateFile>/dev/null</StateFile></localhost></local-config></xhad-config>\n");
	struct hb_err err = { { 0 } };
	int rc = hb_config_load_buffer(xml, at, "test.conf", cfg, &err);
	if (rc != 0)
		fail_msg("config: %s", err.msg);
	assert_int_equal(cfg->local_index, local);
}

static void pool_key(const struct hb_config *cfg, struct hb_key *key)
{
	hb_key_derive_from_generation(&cfg->generation, key);
}

/* An hb_net for host `local` of spec; fails the test if it cannot open. */
static struct hb_net *open_host(const struct pool_spec *spec, unsigned local)
{
	struct hb_config *cfg = calloc(1, sizeof *cfg);
	struct hb_net *net = calloc(1, sizeof *net);
	assert_non_null(cfg);
	assert_non_null(net);
	load_config(spec, local, cfg);
	struct hb_key key;
	pool_key(cfg, &key);
	struct hb_err err = { { 0 } };
	if (hb_net_open(net, cfg, &key, &err) != 0)
		fail_msg("open host %u: %s", local, err.msg);
	free(cfg);
	return net;
}

static void close_host(struct hb_net *net)
{
	hb_net_close(net);
	hb_net_close(net); /* idempotent */
	free(net);
}

static struct hb_packet make_packet(const struct hb_config *cfg, unsigned sender, uint64_t seq)
{
	struct hb_packet pkt;
	memset(&pkt, 0, sizeof pkt);
	pkt.sender_uuid = cfg->hosts[sender].uuid;
	pkt.sender_index = (uint8_t)sender;
	pkt.n_hosts = (uint8_t)cfg->n_hosts;
	pkt.boot_id = 7;
	pkt.sequence = seq;
	pkt.sent_at_ms = 1000 + seq;
	pkt.view.liveset = hb_hostmap_all(cfg->n_hosts);
	pkt.view.phase = HB_PHASE_ONLINE;
	pkt.view.weight = 1;
	return pkt;
}

/* Encode as host `sender` of spec would on `path`, under `key` (NULL = the
 * pool's) and generation tag `tag` (0 = the pool's). */
static void encode_as(const struct pool_spec *spec, unsigned sender, unsigned path, const struct hb_key *key,
                      uint64_t tag, uint8_t out[HB_PACKET_SIZE])
{
	static struct hb_config cfg;
	load_config(spec, sender, &cfg);
	struct hb_key pk;
	pool_key(&cfg, &pk);
	hb_uuid uuids[HB_MAX_HOSTS];
	for (unsigned h = 0; h < cfg.n_hosts; h++)
		uuids[h] = cfg.hosts[h].uuid;
	struct hb_wire_pool pool = {
		.key = key != NULL ? key : &pk,
		.generation_tag = tag != 0 ? tag : hb_key_generation_tag(&cfg.generation),
		.n_hosts = cfg.n_hosts,
		.host_uuids = uuids,
	};
	struct hb_packet pkt = make_packet(&cfg, sender, 1);
	pkt.path = (uint8_t)path;
	assert_int_equal(hb_packet_encode(&pkt, &pool, out), HB_PACKET_SIZE);
}

/* ---- raw sockets ----------------------------------------------------------- */

static socklen_t sockaddr_of(const char *text, uint16_t port, union hb_net_sockaddr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, text, &out->v4.sin_addr) == 1) {
		out->v4.sin_family = AF_INET;
		out->v4.sin_port = htons(port);
		return sizeof out->v4;
	}
	assert_int_equal(inet_pton(AF_INET6, text, &out->v6.sin6_addr), 1);
	out->v6.sin6_family = AF_INET6;
	out->v6.sin6_port = htons(port);
	return sizeof out->v6;
}

/* A UDP socket bound to text:port (port 0 = any); -1 if it cannot bind. */
static int raw_socket(const char *text, uint16_t port)
{
	union hb_net_sockaddr a;
	socklen_t len = sockaddr_of(text, port, &a);
	int fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, &a.sa, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void raw_send(int fd, const void *buf, size_t len, const char *to)
{
	union hb_net_sockaddr a;
	socklen_t alen = sockaddr_of(to, test_port, &a);
	assert_int_equal(sendto(fd, buf, len, 0, &a.sa, alen), (ssize_t)len);
}

/* ---- receiving --------------------------------------------------------------- */

struct rx_log {
	unsigned count;
	unsigned per_path[HB_MAX_PATHS];
	unsigned per_sender[HB_MAX_HOSTS];
	uint64_t last_seq;
};

static void record(void *ctx, const struct hb_packet *pkt, unsigned path)
{
	struct rx_log *log = ctx;
	assert_int_equal(pkt->path, path);
	log->count++;
	log->per_path[path]++;
	log->per_sender[pkt->sender_index]++;
	log->last_seq = pkt->sequence;
}

static bool wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	return poll(&pfd, 1, ms) == 1;
}

static size_t heap_in_use(void)
{
#ifdef TEST_HAVE_ASAN
	return 0; /* ASan's allocator does not report through mallinfo2 */
#else
	return mallinfo2().uordblks;
#endif
}

/* Heap bytes gained inside hb_net_receive since the test reset it: the
 * receive path must not allocate. Measured around the call only, so that an
 * allocation by libc or cmocka elsewhere in the test cannot fail it. */
static size_t receive_heap_growth;

static unsigned receive(struct hb_net *net, unsigned path, struct rx_log *log)
{
	size_t before = heap_in_use();
	unsigned n = hb_net_receive(net, path, record, log);
	size_t after = heap_in_use();
	if (after > before)
		receive_heap_growth += after - before;
	return n;
}

/* Wait for `expect` datagrams on path, then drain it. Returns datagrams read. */
static unsigned drain(struct hb_net *net, unsigned path, struct rx_log *log, unsigned expect)
{
	unsigned total = 0;
	for (unsigned round = 0; round < 1000; round++) {
		if (total >= expect && !wait_readable(hb_net_fd(net, path), 0))
			break;
		if (total < expect && !wait_readable(hb_net_fd(net, path), WAIT_MS))
			break;
		unsigned n = receive(net, path, log);
		assert_true(n <= HB_NET_RECV_BUDGET);
		total += n;
	}
	return total;
}

static const struct hb_net_path_counters *path_counters(const struct hb_net *net, unsigned path)
{
	return &hb_net_counters(net)->path[path];
}

static uint64_t drops_total(const struct hb_net_path_counters *c)
{
	uint64_t sum = 0;
	for (unsigned r = 0; r < HB_NET_DROP_COUNT; r++)
		sum += c->dropped[r];
	return sum;
}

/* Exactly `count` drops, all for `reason`, nothing delivered. */
static void expect_only_drop(const struct hb_net *net, unsigned path, unsigned reason, uint64_t count)
{
	const struct hb_net_path_counters *c = path_counters(net, path);
	if (c->dropped[reason] != count || drops_total(c) != count)
		fail_msg("expected %llu x %s, got %llu of %llu drops", (unsigned long long)count,
		         hb_net_drop_name(reason), (unsigned long long)c->dropped[reason],
		         (unsigned long long)drops_total(c));
	assert_int_equal(c->delivered, 0);
}

/* ---- tests: delivery ----------------------------------------------------------- */

static void send_and_check(const struct pool_spec *spec)
{
	struct hb_net *net[3];
	for (unsigned h = 0; h < 3; h++)
		net[h] = open_host(spec, h);
	struct hb_config *cfg = calloc(1, sizeof *cfg);
	assert_non_null(cfg);
	load_config(spec, 0, cfg);
	struct hb_packet pkt = make_packet(cfg, 0, 42);
	assert_int_equal(hb_net_send(net[0], &pkt), 2 * spec->n_paths);
	for (unsigned h = 1; h < 3; h++) {
		for (unsigned p = 0; p < spec->n_paths; p++) {
			struct rx_log log = { 0 };
			assert_int_equal(drain(net[h], p, &log, 1), 1);
			assert_int_equal(log.count, 1);
			assert_int_equal(log.per_path[p], 1);
			assert_int_equal(log.per_sender[0], 1);
			assert_int_equal(log.last_seq, 42);
			assert_int_equal(path_counters(net[h], p)->delivered_from[0], 1);
			assert_int_equal(drops_total(path_counters(net[h], p)), 0);
		}
	}
	for (unsigned p = 0; p < spec->n_paths; p++) {
		struct rx_log log = { 0 };
		assert_int_equal(drain(net[0], p, &log, 0), 0); /* never to self */
		assert_int_equal(path_counters(net[0], p)->sent, 2);
		assert_int_equal(path_counters(net[0], p)->send_errors, 0);
	}
	free(cfg);
	for (unsigned h = 0; h < 3; h++)
		close_host(net[h]);
}

static void test_send_v4(void **state)
{
	(void)state;
	send_and_check(&pool_v4);
}

static void test_two_paths(void **state)
{
	(void)state;
	send_and_check(&pool_two_paths);
}

static void test_ipv6_pool(void **state)
{
	(void)state;
	if (!have_v6_pool) {
		print_message("no private namespace with fd00:6b::/64 addresses (needs root): skipped\n");
		skip();
	}
	send_and_check(&pool_v6);
}

/* Without a private namespace: only ::1 exists. Open there (bind, V6ONLY),
 * and see a datagram from ::1 on another port dropped as foreign. */
static void test_ipv6_loopback(void **state)
{
	(void)state;
	int probe = raw_socket("::1", 0);
	if (probe < 0) {
		print_message("IPv6 loopback unavailable: skipped\n");
		skip();
	}
	struct hb_net *net = open_host(&pool_v6_lo, 0);
	uint8_t buf[HB_PACKET_SIZE];
	encode_as(&pool_v6_lo, 1, 0, NULL, 0, buf);
	raw_send(probe, buf, sizeof buf, "::1");
	struct rx_log log = { 0 };
	assert_int_equal(drain(net, 0, &log, 1), 1);
	expect_only_drop(net, 0, HB_NET_DROP_FOREIGN_SOURCE, 1);
	close(probe);
	close_host(net);
}

/* ---- tests: what is dropped ---------------------------------------------------- */

/* Host 1 open alone; `as_host0` is a raw socket on host 0's address and
 * port (host 0's hb_net is not open), so its datagrams pass the source
 * check and reach the decoder. */
struct victim {
	struct hb_net *net;
	int as_host0;
};

static struct victim open_victim(void)
{
	struct victim v = { open_host(&pool_v4, 1), raw_socket("127.0.0.1", test_port) };
	assert_true(v.as_host0 >= 0);
	return v;
}

static void close_victim(struct victim *v)
{
	close(v->as_host0);
	close_host(v->net);
}

static void send_expect_drop(struct victim *v, int from, const void *buf, size_t len, unsigned reason)
{
	uint64_t before = path_counters(v->net, 0)->dropped[reason];
	raw_send(from, buf, len, "127.0.0.2");
	struct rx_log log = { 0 };
	assert_int_equal(drain(v->net, 0, &log, 1), 1);
	assert_int_equal(log.count, 0);
	if (path_counters(v->net, 0)->dropped[reason] != before + 1)
		fail_msg("expected a drop as %s", hb_net_drop_name(reason));
}

static void test_forged(void **state)
{
	(void)state;
	struct victim v = open_victim();
	uint8_t buf[HB_PACKET_SIZE];
	struct hb_key wrong;
	memset(&wrong, 0x5a, sizeof wrong);
	wrong.len = 32;
	encode_as(&pool_v4, 0, 0, &wrong, 0, buf);
	send_expect_drop(&v, v.as_host0, buf, sizeof buf, HB_REJECT_MAC);
	encode_as(&pool_v4, 0, 0, NULL, 0x1122334455667788ull, buf);
	send_expect_drop(&v, v.as_host0, buf, sizeof buf, HB_REJECT_GENERATION);
	/* Genuine bytes with one bit flipped in the view. */
	encode_as(&pool_v4, 0, 0, NULL, 0, buf);
	buf[HB_PACKET_HEADER_SIZE + 3] ^= 1;
	send_expect_drop(&v, v.as_host0, buf, sizeof buf, HB_REJECT_MAC);
	/* Authentic, but host 2's packet coming from host 0's address. */
	encode_as(&pool_v4, 2, 0, NULL, 0, buf);
	send_expect_drop(&v, v.as_host0, buf, sizeof buf, HB_NET_DROP_WRONG_SOURCE);
	assert_int_equal(drops_total(path_counters(v.net, 0)), 4);
	assert_int_equal(path_counters(v.net, 0)->delivered, 0);
	close_victim(&v);
}

static void test_foreign_source(void **state)
{
	(void)state;
	struct victim v = open_victim();
	int stranger = raw_socket("127.0.0.9", test_port);
	int other_port = raw_socket("127.0.0.1", 0);
	assert_true(stranger >= 0 && other_port >= 0);
	uint8_t buf[HB_PACKET_SIZE];
	encode_as(&pool_v4, 0, 0, NULL, 0, buf);
	/* Valid packets, wrong source: dropped before the MAC is looked at. */
	send_expect_drop(&v, stranger, buf, sizeof buf, HB_NET_DROP_FOREIGN_SOURCE);
	send_expect_drop(&v, other_port, buf, sizeof buf, HB_NET_DROP_FOREIGN_SOURCE);
	/* Garbage from a stranger is foreign, not truncated: no parsing. */
	send_expect_drop(&v, stranger, "junk", 4, HB_NET_DROP_FOREIGN_SOURCE);
	expect_only_drop(v.net, 0, HB_NET_DROP_FOREIGN_SOURCE, 3);
	/* Its own address: the socket talking to itself. */
	send_expect_drop(&v, hb_net_fd(v.net, 0), buf, sizeof buf, HB_REJECT_SELF);
	close(stranger);
	close(other_port);
	close_victim(&v);
}

static void test_garbage(void **state)
{
	(void)state;
	struct victim v = open_victim();
	static uint8_t big[2000];
	uint8_t buf[HB_PACKET_SIZE];
	encode_as(&pool_v4, 0, 0, NULL, 0, buf);
	memcpy(big, buf, sizeof buf);
	send_expect_drop(&v, v.as_host0, "", 0, HB_REJECT_TRUNCATED);
	send_expect_drop(&v, v.as_host0, "0123456789", 10, HB_REJECT_TRUNCATED);
	send_expect_drop(&v, v.as_host0, buf, sizeof buf - 1, HB_REJECT_TRUNCATED);
	send_expect_drop(&v, v.as_host0, big, sizeof buf + 1, HB_REJECT_LENGTH);
	send_expect_drop(&v, v.as_host0, big, sizeof big, HB_NET_DROP_OVERSIZE);
	memset(big, 0xee, sizeof buf);
	send_expect_drop(&v, v.as_host0, big, sizeof buf, HB_REJECT_MAGIC);
	assert_int_equal(path_counters(v.net, 0)->received, 6);
	assert_int_equal(drops_total(path_counters(v.net, 0)), 6);
	/* Still works: a genuine packet is delivered after all that. */
	raw_send(v.as_host0, buf, sizeof buf, "127.0.0.2");
	struct rx_log log = { 0 };
	assert_int_equal(drain(v.net, 0, &log, 1), 1);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.per_sender[0], 1);
	close_victim(&v);
}

/* Path 1's socket receiving an authentic copy made for path 0. */
static void test_wrong_path(void **state)
{
	(void)state;
	struct hb_net *net = open_host(&pool_two_paths, 1);
	int as_host0 = raw_socket("127.0.1.1", test_port);
	assert_true(as_host0 >= 0);
	uint8_t buf[HB_PACKET_SIZE];
	encode_as(&pool_two_paths, 0, 0, NULL, 0, buf);
	raw_send(as_host0, buf, sizeof buf, "127.0.1.2");
	struct rx_log log = { 0 };
	assert_int_equal(drain(net, 1, &log, 1), 1);
	assert_int_equal(log.count, 0);
	expect_only_drop(net, 1, HB_NET_DROP_WRONG_PATH, 1);
	encode_as(&pool_two_paths, 0, 1, NULL, 0, buf);
	raw_send(as_host0, buf, sizeof buf, "127.0.1.2");
	assert_int_equal(drain(net, 1, &log, 1), 1);
	assert_int_equal(log.per_path[1], 1);
	close(as_host0);
	close_host(net);
}

/* ---- tests: flood ----------------------------------------------------------------- */

/* n junk datagrams, alternately from a stranger and from host 0's address. */
static void send_junk(struct victim *v, int stranger, unsigned n)
{
	static const uint8_t junk[16] = { 'j', 'u', 'n', 'k' };
	for (unsigned i = 0; i < n; i++)
		raw_send(i % 2 ? v->as_host0 : stranger, junk, sizeof junk, "127.0.0.2");
}

/* The flood is paced so that the kernel queue never overflows: every junk
 * datagram reaches hb_net and is counted. */
static void flood_paced(struct victim *v, int stranger)
{
	struct rx_log log = { 0 };
	for (unsigned sent = 0; sent < FLOOD_TOTAL; sent += FLOOD_ROUND) {
		send_junk(v, stranger, FLOOD_ROUND);
		assert_true(wait_readable(hb_net_fd(v->net, 0), WAIT_MS));
		assert_true(receive(v->net, 0, &log) <= HB_NET_RECV_BUDGET);
	}
	drain(v->net, 0, &log, 0);
	const struct hb_net_path_counters *c = path_counters(v->net, 0);
	assert_int_equal(log.count, 0);
	assert_int_equal(c->received, FLOOD_TOTAL);
	assert_int_equal(c->dropped[HB_NET_DROP_FOREIGN_SOURCE], FLOOD_TOTAL / 2);
	assert_int_equal(c->dropped[HB_REJECT_TRUNCATED], FLOOD_TOTAL / 2);
}

/* A backlog of junk queued ahead of a real heartbeat: each call stops at the
 * budget, and the heartbeat comes out within a bounded number of calls. */
static void flood_backlog(struct victim *v, int stranger)
{
	unsigned backlog = 2 * HB_NET_RECV_BUDGET + 10;
	unsigned fit = (unsigned)v->net->rcvbuf_bytes[0] / 2048u;
	if (fit <= backlog)
		backlog = fit > 1 ? fit - 1 : 0; /* small rmem_max without privileges */
	uint8_t buf[HB_PACKET_SIZE];
	encode_as(&pool_v4, 0, 0, NULL, 0, buf);
	send_junk(v, stranger, backlog);
	raw_send(v->as_host0, buf, sizeof buf, "127.0.0.2");
	struct rx_log log = { 0 };
	unsigned calls = 0, total = 0;
	assert_true(wait_readable(hb_net_fd(v->net, 0), WAIT_MS));
	while (log.count == 0 && calls < FLOOD_TOTAL) {
		unsigned n = receive(v->net, 0, &log);
		assert_true(n <= HB_NET_RECV_BUDGET);
		if (log.count == 0 && total + n < backlog)
			assert_int_equal(n, HB_NET_RECV_BUDGET);
		total += n;
		calls++;
	}
	assert_int_equal(log.count, 1);
	assert_int_equal(total, backlog + 1);
	assert_int_equal(calls, backlog / HB_NET_RECV_BUDGET + 1);
	if (backlog > HB_NET_RECV_BUDGET)
		assert_true(path_counters(v->net, 0)->budget_exhausted >= 2);
}

static void test_flood(void **state)
{
	(void)state;
	struct victim v = open_victim();
	int stranger = raw_socket("127.0.0.9", test_port);
	assert_true(stranger >= 0);
	receive_heap_growth = 0;
	flood_paced(&v, stranger);
	flood_backlog(&v, stranger);
	const struct hb_net_path_counters c = *path_counters(v.net, 0);
	close(stranger);
	close_victim(&v); /* before any assertion, so the next test can bind */
	if (receive_heap_growth != 0)
		fail_msg("hb_net_receive allocated %zu bytes during the flood", receive_heap_growth);
	assert_int_equal(c.received, drops_total(&c) + c.delivered);
	assert_int_equal(c.delivered, 1);
}

/* ---- tests: open errors --------------------------------------------------------- */

static int try_open(const struct pool_spec *spec, unsigned local, struct hb_net *net, struct hb_err *err)
{
	static struct hb_config cfg;
	load_config(spec, local, &cfg);
	struct hb_key key;
	pool_key(&cfg, &key);
	return hb_net_open(net, &cfg, &key, err);
}

static void expect_open_error(const struct pool_spec *spec, unsigned local, const char *want1, const char *want2)
{
	static struct hb_net net;
	struct hb_err err = { { 0 } };
	assert_int_equal(try_open(spec, local, &net, &err), -1);
	if (strstr(err.msg, want1) == NULL || (want2 != NULL && strstr(err.msg, want2) == NULL))
		fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err.msg, want1, want2 != NULL ? want2 : "");
	for (unsigned p = 0; p < HB_MAX_PATHS; p++)
		assert_int_equal(net.fd[p], -1);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct hb_net *first = open_host(&pool_two_paths, 2);
	char want[64];
	snprintf(want, sizeof want, "cannot bind 127.0.0.3:%u: ", (unsigned)test_port);
	expect_open_error(&pool_two_paths, 2, want, strerror(EADDRINUSE));
	close_host(first);
	static const struct pool_spec not_mine = { 2, 1, { { "192.0.2.1", NULL }, { "127.0.0.2", NULL } }, NULL };
	snprintf(want, sizeof want, "cannot bind 192.0.2.1:%u: ", (unsigned)test_port);
	expect_open_error(&not_mine, 0, want, strerror(EADDRNOTAVAIL));
	static const struct pool_spec no_iface = { 2, 1, { { "127.0.0.1", NULL }, { "127.0.0.2", NULL } }, "nosuchif0" };
	expect_open_error(&no_iface, 0, "interface nosuchif0 (SO_BINDTODEVICE)", NULL);
	static const struct pool_spec link_local = { 2, 1, { { "fe80::1", NULL }, { "fe80::2", NULL } }, NULL };
	expect_open_error(&link_local, 0, "link-local address fe80::1", "<HeartbeatInterface>");
}

/* SO_BINDTODEVICE to lo: allowed with CAP_NET_RAW; traffic still flows. */
static void test_bind_interface(void **state)
{
	(void)state;
	static const struct pool_spec on_lo = { 2, 1, { { "127.0.0.1", NULL }, { "127.0.0.2", NULL } }, "lo" };
	static struct hb_net net[2];
	struct hb_err err = { { 0 } };
	if (try_open(&on_lo, 0, &net[0], &err) != 0) {
		print_message("cannot bind to lo (%s): skipped\n", err.msg);
		skip();
	}
	assert_int_equal(try_open(&on_lo, 1, &net[1], &err), 0);
	struct hb_config *cfg = calloc(1, sizeof *cfg);
	assert_non_null(cfg);
	load_config(&on_lo, 0, cfg);
	struct hb_packet pkt = make_packet(cfg, 0, 5);
	assert_int_equal(hb_net_send(&net[0], &pkt), 1);
	struct rx_log log = { 0 };
	assert_int_equal(drain(&net[1], 0, &log, 1), 1);
	assert_int_equal(log.per_sender[0], 1);
	free(cfg);
	hb_net_close(&net[0]);
	hb_net_close(&net[1]);
}

/* A peer whose address refuses datagrams (a broadcast address without
 * SO_BROADCAST: EACCES at once): counted for that peer and path, never
 * retried, and the other peers still get theirs. */
static void test_send_errors_counted(void **state)
{
	(void)state;
	static const struct pool_spec bad_peer = {
		3, 1, { { "127.0.0.1", NULL }, { "127.255.255.255", NULL }, { "127.0.0.3", NULL } }, NULL
	};
	struct hb_net *net0 = open_host(&bad_peer, 0);
	struct hb_net *net2 = open_host(&bad_peer, 2);
	struct hb_config *cfg = calloc(1, sizeof *cfg);
	assert_non_null(cfg);
	load_config(&bad_peer, 0, cfg);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		struct hb_packet pkt = make_packet(cfg, 0, seq);
		assert_int_equal(hb_net_send(net0, &pkt), 1);
	}
	const struct hb_net_path_counters *c = path_counters(net0, 0);
	assert_int_equal(c->sent, 3);
	assert_int_equal(c->send_errors, 3);
	assert_int_equal(c->send_errors_to[1], 3);
	assert_int_equal(c->send_errors_to[2], 0);
	assert_int_equal(c->last_send_errno, EACCES);
	struct rx_log log = { 0 };
	assert_int_equal(drain(net2, 0, &log, 3), 3);
	assert_int_equal(log.count, 3);
	assert_int_equal(log.last_seq, 3);
	free(cfg);
	close_host(net0);
	close_host(net2);
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(hb_net_drop_name(HB_REJECT_MAC), "bad_mac");
	assert_string_equal(hb_net_drop_name(HB_REJECT_SELF), "self");
	assert_string_equal(hb_net_drop_name(HB_NET_DROP_FOREIGN_SOURCE), "foreign_source");
	assert_string_equal(hb_net_drop_name(HB_NET_DROP_WRONG_SOURCE), "wrong_source");
	assert_string_equal(hb_net_drop_name(HB_NET_DROP_WRONG_PATH), "wrong_path");
	assert_string_equal(hb_net_drop_name(HB_NET_DROP_OVERSIZE), "oversize");
	assert_string_equal(hb_net_drop_name(HB_NET_DROP_COUNT), "unknown");
	for (unsigned r = 1; r < HB_NET_DROP_COUNT; r++)
		assert_string_not_equal(hb_net_drop_name(r), "unknown");
}

/* ---- main ------------------------------------------------------------------------ */

/* Same layout as the kernel's struct in6_ifreq (linux/ipv6.h). */
struct test_in6_ifreq {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

static bool lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	bool ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	close(fd);
	return ok;
}

static bool lo_add_v6(const char *text)
{
	struct test_in6_ifreq req;
	memset(&req, 0, sizeof req);
	if (inet_pton(AF_INET6, text, &req.addr) != 1)
		return false;
	req.prefixlen = 128;
	req.ifindex = (int)if_nametoindex("lo");
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = ioctl(fd, SIOCSIFADDR, &req) == 0;
	close(fd);
	return ok;
}

/* A new IPv6 address is tentative until the kernel's address work has run
 * (asynchronously, even on lo): bind() fails with EADDRNOTAVAIL until then.
 * Wait for it, at most 2 s. */
static bool v6_usable(const char *text)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	if (inet_pton(AF_INET6, text, &sa.sin6_addr) != 1)
		return false;
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return false;
		int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
		close(fd);
		if (rc == 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* A private network namespace keeps this test off the host's ports and
 * gives it IPv6 addresses of its own. Needs CAP_SYS_ADMIN. */
static void setup_namespace(void)
{
	if (getenv("HB_TEST_NO_NETNS") != NULL || unshare(CLONE_NEWNET) != 0)
		return;
	have_netns = lo_up();
	if (!have_netns)
		fail_msg("private network namespace: cannot bring lo up");
	have_v6_pool = lo_add_v6("fd00:6b::1") && lo_add_v6("fd00:6b::2") && lo_add_v6("fd00:6b::3") &&
	               v6_usable("fd00:6b::1") && v6_usable("fd00:6b::2") && v6_usable("fd00:6b::3");
}

int main(void)
{
	setup_namespace();
	test_port = (uint16_t)(20000u + (unsigned)getpid() % 40000u);
	print_message("net: port %u, %s, IPv6 pool %s\n", (unsigned)test_port,
	              have_netns ? "private network namespace" : "host network namespace",
	              have_v6_pool ? "on" : "off");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_v4),
		cmocka_unit_test(test_two_paths),
		cmocka_unit_test(test_ipv6_pool),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_foreign_source),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_wrong_path),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_send_errors_counted),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_bind_interface),
		cmocka_unit_test(test_drop_names),
	};
	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
