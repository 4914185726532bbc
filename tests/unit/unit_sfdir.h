/*
 * unit_sfdir.h: where the statefile tests (test_sfdev.c, test_agent_sf.c)
 * keep their statefile: a directory that accepts O_DIRECT, and a fresh
 * empty file in it. Owns the probing and the file's creation only; each
 * test sizes and removes its own file.
 */
#ifndef UNIT_SFDIR_H
#define UNIT_SFDIR_H

#include <stdbool.h>
#include <stddef.h>

/* The first of ., /var/tmp, $TMPDIR, /tmp where a file made by mkstemp
 * from "<dir>/<probe>-XXXXXX" opens with O_DIRECT, copied into dir. False,
 * after a SKIP line on stderr, when none does. */
bool unit_sfdir_find(char *dir, size_t size, const char *probe);

/* A new empty file "<dir>/<name>-XXXXXX" (mkstemp); its name in path.
 * 0, or -1 with errno. */
int unit_sfdir_mkfile(char *path, size_t size, const char *dir, const char *name);

#endif
