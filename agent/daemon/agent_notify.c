/*
 * agent_notify.c: the systemd notification protocol, by hand (no
 * libsystemd): one datagram per message to $NOTIFY_SOCKET, a filesystem path
 * or an abstract name ("@..."). Owns the socket; messages are sent with
 * MSG_DONTWAIT so a full socket loses a message rather than block the loop.
 */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;

int agent_notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path == NULL || path[0] == '\0')
		return 0;
	size_t n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof notify_addr.sun_path) {
		agent_log(LOG_WARNING, "NOTIFY_SOCKET=%s is not usable: no systemd notifications", path);
		unsetenv("NOTIFY_SOCKET");
		return -1;
	}
	memset(&notify_addr, 0, sizeof notify_addr);
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, n);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0'; /* abstract namespace */
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	unsetenv("NOTIFY_SOCKET"); /* not for our children */
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (notify_fd < 0) {
		agent_log(LOG_WARNING, "cannot create the systemd notification socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

bool agent_notify_enabled(void)
{
	return notify_fd >= 0;
}

void agent_notify(const char *fmt, ...)
{
	if (notify_fd < 0)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
	if (sendto(notify_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&notify_addr, notify_len) < 0)
		agent_log(LOG_DEBUG, "systemd notification \"%.40s\" not sent: %s", msg, strerror(errno));
}

void agent_notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
