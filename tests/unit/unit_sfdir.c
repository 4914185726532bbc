/*
 * unit_sfdir.c: a directory that accepts O_DIRECT, and a fresh file in it,
 * for the statefile tests (unit_sfdir.h).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit_sfdir.h"

static bool dir_supports_odirect(const char *dir, const char *probe)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s-XXXXXX", dir, probe);
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	close(fd);
	fd = open(path, O_RDWR | O_DIRECT);
	bool ok = fd >= 0;
	if (fd >= 0)
		close(fd);
	unlink(path);
	return ok;
}

bool unit_sfdir_find(char *dir, size_t size, const char *probe)
{
	const char *candidates[] = {".", "/var/tmp", getenv("TMPDIR"), "/tmp"};
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
		if (candidates[i] != NULL && dir_supports_odirect(candidates[i], probe)) {
			snprintf(dir, size, "%s", candidates[i]);
			return true;
		}
	fprintf(stderr, "SKIP: no directory among ., /var/tmp, $TMPDIR, /tmp supports O_DIRECT\n");
	return false;
}

int unit_sfdir_mkfile(char *path, size_t size, const char *dir, const char *name)
{
	snprintf(path, size, "%s/%s-XXXXXX", dir, name);
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}
