/*
 * ctl_client.c: a tiny client of hbagent's control socket for the tests:
 * `hbagent-ctl-client SOCKET REQUEST` sends REQUEST and a newline, prints the
 * one-line reply and exits 0; exit 1 on usage, connection or timeout (5 s).
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET REQUEST\n", argv[0]);
		return 1;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror(argv[1]);
		return 1;
	}
	char req[4096];
	int n = snprintf(req, sizeof req, "%s\n", argv[2]);
	if (n < 0 || (size_t)n >= sizeof req || write(fd, req, (size_t)n) != n)
		return 1;
	static char buf[1 << 20];
	size_t len = 0;
	while (len < sizeof buf - 1 && (len == 0 || buf[len - 1] != '\n')) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			return 1;
		ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
		if (r <= 0)
			return 1;
		len += (size_t)r;
	}
	fwrite(buf, 1, len, stdout);
	close(fd);
	return 0;
}
