#!/usr/bin/env bash
# check_man.sh HBAGENT HBCTL [SOURCE_ROOT]: the man pages in docs/man.
#
#  1. coverage, from the code itself (no hand-kept lists):
#     - every element the config parser knows (libhb/config/hb_config.c: PARAM(...),
#       is_elem(..., "X"), the root name, the arrays handed to collect(), the
#       extension table) has an ".It Ic X" entry in hbagent.conf.5, and every
#       ".It Ic X" entry there is such an element (no stale entries);
#     - every option of `hbagent --help` is an "Fl" in hbagent.8;
#     - every exit code of libhb/core/hb_exit.h is an ".It N" entry in hbagent.8
#       whose text starts with its name;
#     - every command of `hbctl --help` has an ".It Cm COMMAND" entry in
#       hbctl.8 (and ".It Cm COMMAND ACTION" for "watchdog probe" and for the
#       actions a command's own --help lists, as statefile's), and every
#       option of `hbctl --help` and of each command's --help is an "Fl" in
#       hbctl.8;
#     - every key of a real status document (tests/control/golden/status.json)
#       appears in hbctl.8 or docs/control.md;
#  2. rendering: `man -l` with every groff warning on, and `mandoc -Tlint
#     -W warning` when mandoc is installed; any warning fails.
# Exit 0 all good, 1 a failure, 77 (after the coverage checks passed) when
# man is not installed (packaging/install-deps installs man-db and groff-base).
set -uo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 HBAGENT HBCTL [SOURCE_ROOT]" >&2
	exit 2
fi
hbagent=$1
hbctl=$2
src=${3:-$(cd "$(dirname "$0")/../.." && pwd)}
man_dir=$src/docs/man
conf5=$man_dir/hbagent.conf.5
agent8=$man_dir/hbagent.8
ctl8=$man_dir/hbctl.8
parser=$src/libhb/config/hb_config.c
exit_h=$src/libhb/core/hb_exit.h
status_json=$src/tests/control/golden/status.json
control_md=$src/docs/control.md

# shellcheck source=../lib/lib.sh
source "$(dirname "$0")/../lib/lib.sh"
make_tmp .check-man "${TMPDIR:-/tmp}"

for f in "$conf5" "$agent8" "$ctl8" "$parser" "$exit_h" "$status_json" "$control_md"; do
	[ -f "$f" ] || die "$f is missing"
done
for b in "$hbagent" "$hbctl"; do
	[ -x "$b" ] || die "$b is not an executable"
done

# Each page without its comment lines (.\" and \"), so that nothing counts
# that a reader cannot see. (Files, not pipes: "grep -q" in a pipe under
# pipefail fails when it stops reading early.)
for page in "$conf5" "$agent8" "$ctl8"; do
	grep -v -e '^\.\\"' -e '^\\"' "$page" >"$tmp/$(basename "$page").vis"
done
vis_conf5=$tmp/hbagent.conf.5.vis
vis_agent8=$tmp/hbagent.8.vis
vis_ctl8=$tmp/hbctl.8.vis

# Does the (visible) page $1 carry the option $2 (-c, --config) as "Fl c" /
# "Fl -config"?
has_flag() {
	local name=${2#-}
	grep -Eq "(^|[[:space:]])Fl ${name}([[:space:]]|$)" "$1"
}

# Option names (-x, --long) in a --help text on stdin.
options_in() {
	grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ ,|(]//' | sort -u
}

# ---- 1a. hbagent.conf.5: every element the parser knows --------------------

# Elements, read from the parser's structures: PARAM("X", ...), is_elem(node,
# "X"), strcmp(nname(root), "X"), the extension table (element and parent),
# and the string arrays passed to collect() (the children a parent accepts),
# resolved in the function that calls collect(), else at file scope.
awk '
# the strings of a line, appended to arrays[key] (and to elems when all_elems)
function add_strings(key, line, all_elems,    s) {
	while (match(line, /"[^"]*"/)) {
		s = substr(line, RSTART + 1, RLENGTH - 2)
		arrays[key] = arrays[key] "\n" s
		if (all_elems)
			elems[s] = 1
		line = substr(line, RSTART + RLENGTH)
	}
}
# the quoted string inside the text matched by pattern re, for every match
function quoted(line, re,    s) {
	while (match(line, re)) {
		s = substr(line, RSTART, RLENGTH)
		sub(/^[^"]*"/, "", s)
		sub(/".*$/, "", s)
		elems[s] = 1
		line = substr(line, RSTART + RLENGTH)
	}
}
{
	line = $0
	sub(/\/\/.*/, "", line)
	# function boundaries: a definition starts at column 0, ends at "}"
	if (line ~ /^[A-Za-z].*[a-z_0-9]+\(/ && line !~ /;[[:space:]]*$/) {
		fn = line
		sub(/\(.*/, "", fn)
		sub(/.*[ *]/, "", fn)
	}
	if (line ~ /^}/)
		fn = ""
	quoted(line, "PARAM\\(\"[^\"]+\"")
	quoted(line, "is_elem\\([^,]+,[[:space:]]*\"[^\"]+\"")
	quoted(line, "strcmp\\(nname\\([a-z_]+\\),[[:space:]]*\"[^\"]+\"")
	rest = line
	while (match(rest, /collect\([^,]+,[^,]+,[[:space:]]*[A-Za-z_][A-Za-z_0-9]*/)) {
		s = substr(rest, RSTART, RLENGTH)
		sub(/.*,[[:space:]]*/, "", s)
		uses[fn ":" s] = 1
		rest = substr(rest, RSTART + RLENGTH)
	}
	# a string array: keep its strings until "};" (every string of the
	# extension table is an element: the extension or its parent)
	if (cur == "" && match(line, /[A-Za-z_][A-Za-z_0-9]*\[[A-Za-z_0-9 ]*\][[:space:]]*=[[:space:]]*\{/)) {
		decl = substr(line, RSTART, RLENGTH)
		sub(/\[.*/, "", decl)
		cur = fn ":" decl
		ext = decl == "extension_homes"
		line = substr(line, RSTART + RLENGTH)
	}
	if (cur != "") {
		add_strings(cur, line, ext)
		if (line ~ /\};/)
			cur = ""
	}
}
END {
	for (u in uses) {
		split(u, parts, ":")
		key = (u in arrays) ? u : ((":" parts[2]) in arrays ? ":" parts[2] : "")
		if (key == "")
			continue
		n = split(arrays[key], names, "\n")
		for (i = 1; i <= n; i++)
			if (names[i] != "")
				elems[names[i]] = 1
	}
	for (e in elems)
		print e
}' "$parser" | sort -u >"$tmp/elements"

n_elements=$(wc -l <"$tmp/elements")
if [ "$n_elements" -lt 20 ] || grep -qvE '^[A-Za-z][A-Za-z-]*$' "$tmp/elements"; then
	fail "could not read the element names from $parser ($n_elements found: $(tr '\n' ' ' <"$tmp/elements")); update the extraction in $0"
fi
while read -r e; do
	grep -Eq "^\.It Ic ${e}([[:space:]]|$)" "$vis_conf5" ||
		fail "hbagent.conf.5: the parser knows <$e> but the page has no \".It Ic $e\" entry"
done <"$tmp/elements"
sed -nE 's/^\.It Ic ([A-Za-z-]+).*/\1/p' "$vis_conf5" | sort -u | while read -r e; do
	grep -qxF "$e" "$tmp/elements" ||
		echo "hbagent.conf.5: \".It Ic $e\" documents an element the parser does not know"
done >"$tmp/stale"
while read -r line; do fail "$line"; done <"$tmp/stale"
echo "hbagent.conf.5: $n_elements elements of $parser covered"

# ---- 1b. hbagent.8: options and exit codes -----------------------------------

if ! "$hbagent" --help >"$tmp/agent-help" 2>"$tmp/agent-help.err"; then
	fail "$hbagent --help failed: $(cat "$tmp/agent-help.err")"
fi
options_in <"$tmp/agent-help" >"$tmp/agent-opts"
[ -s "$tmp/agent-opts" ] || fail "no options found in $hbagent --help"
while read -r o; do
	has_flag "$vis_agent8" "$o" || fail "hbagent.8: option $o of hbagent --help is not documented (no \"Fl ${o#-}\")"
done <"$tmp/agent-opts"
echo "hbagent.8: $(wc -l <"$tmp/agent-opts") options of hbagent --help covered"

sed -nE 's/^[[:space:]]*HB_EXIT_([A-Z_]+)[[:space:]]*=[[:space:]]*([0-9]+).*/\2 \1/p' "$exit_h" >"$tmp/exit-codes"
[ "$(wc -l <"$tmp/exit-codes")" -ge 20 ] || fail "could not read the exit codes from $exit_h"
while read -r code name; do
	entry=$(grep -A1 -E "^\.It ${code}$" "$vis_agent8")
	grep -Eq "^${name}(:|[[:space:]]|$)" <<<"$entry" ||
		fail "hbagent.8: exit code $code $name has no \".It $code\" entry starting with $name"
done <"$tmp/exit-codes"
echo "hbagent.8: $(wc -l <"$tmp/exit-codes") exit codes of $exit_h covered"

# ---- 1c. hbctl.8: commands, actions, options ---------------------------------

if ! "$hbctl" --help >"$tmp/ctl-help" 2>"$tmp/ctl-help.err"; then
	fail "$hbctl --help failed: $(cat "$tmp/ctl-help.err")"
fi
# The synopsis of each command: its line under "commands:", up to the first
# run of two spaces (the summary).
sed -n '/^commands:/,$p' "$tmp/ctl-help" | sed '1d' | sed -E 's/^[[:space:]]+//; s/  .*//' >"$tmp/ctl-synopses"
[ -s "$tmp/ctl-synopses" ] || fail "no commands found in $hbctl --help"
options_in <"$tmp/ctl-help" >"$tmp/ctl-opts"
n_cmds=0
while read -r cmd second _; do
	[ -n "$cmd" ] || continue
	n_cmds=$((n_cmds + 1))
	grep -Eq "^\.It Cm ${cmd}([[:space:]]|$)" "$vis_ctl8" ||
		fail "hbctl.8: command $cmd of hbctl --help has no \".It Cm $cmd\" entry"
	# a fixed action word right after the command ("watchdog probe")
	if [[ ${second:-} =~ ^[a-z][a-z-]*$ ]]; then
		grep -Eq "^\.It Cm ${cmd} ${second}([[:space:]]|$)" "$vis_ctl8" ||
			fail "hbctl.8: \"$cmd $second\" has no \".It Cm $cmd $second\" entry"
	fi
	# the command's own --help (never run against an agent or a real config)
	if "$hbctl" -c "$tmp/none.conf" -S "$tmp/none.sock" "$cmd" --help >"$tmp/sub-help" 2>/dev/null; then
		options_in <"$tmp/sub-help" >>"$tmp/ctl-opts"
		sed -n '/^commands:/,/^[^ ]/p' "$tmp/sub-help" | sed -nE 's/^  ([a-z][a-z-]*)([[:space:]].*)?$/\1/p' |
			while read -r action; do
				grep -Eq "^\.It Cm ${cmd} ${action}([[:space:]]|$)" "$vis_ctl8" ||
					echo "hbctl.8: \"$cmd $action\" (hbctl $cmd --help) has no \".It Cm $cmd $action\" entry"
			done >>"$tmp/ctl-missing-actions"
	fi
done <"$tmp/ctl-synopses"
if [ -s "$tmp/ctl-missing-actions" ]; then
	while read -r line; do fail "$line"; done <"$tmp/ctl-missing-actions"
fi
sort -u "$tmp/ctl-opts" -o "$tmp/ctl-opts"
while read -r o; do
	has_flag "$vis_ctl8" "$o" || fail "hbctl.8: option $o of hbctl's --help is not documented (no \"Fl ${o#-}\")"
done <"$tmp/ctl-opts"
echo "hbctl.8: $n_cmds commands and $(wc -l <"$tmp/ctl-opts") options of hbctl's --help covered"

# ---- 1d. the status document ---------------------------------------------------

grep -oE '"[A-Za-z0-9_]+":' "$status_json" | tr -d '":' | sort -u >"$tmp/status-keys"
[ -s "$tmp/status-keys" ] || fail "no keys found in $status_json"
while read -r k; do
	grep -qw -- "$k" "$vis_ctl8" || grep -qw -- "$k" "$control_md" ||
		fail "status key \"$k\" ($status_json) is in neither hbctl.8 nor docs/control.md"
done <"$tmp/status-keys"
echo "status document: $(wc -l <"$tmp/status-keys") keys covered"

# ---- 2. rendering ----------------------------------------------------------------

if ! command -v man >/dev/null 2>&1; then
	if [ "$fails" -gt 0 ]; then
		echo "check_man: $fails failure(s)"
		exit 1
	fi
	skip "man (man-db) is not installed, so the pages were not rendered; packaging/install-deps installs man-db and groff-base"
fi
for page in "$conf5" "$agent8" "$ctl8"; do
	name=$(basename "$page")
	# --warnings=w: every groff warning category (-ww)
	LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat \
		man --warnings=w -E UTF-8 -l "$page" >"$tmp/$name.txt" 2>"$tmp/$name.err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/$name.err" ]; then
		fail "$name: man -l reports (exit $rc):"
		sed 's/^/    /' "$tmp/$name.err"
	elif ! grep -q '^NAME' "$tmp/$name.txt" || ! grep -q '^DESCRIPTION' "$tmp/$name.txt"; then
		fail "$name: the rendered page has no NAME or DESCRIPTION section"
	else
		echo "$name: man renders it without warnings ($(wc -l <"$tmp/$name.txt") lines)"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -Tlint -W warning "$page" >"$tmp/$name.lint" 2>&1
		rc=$?
		if [ $rc -ne 0 ] || [ -s "$tmp/$name.lint" ]; then
			fail "$name: mandoc -Tlint -W warning reports (exit $rc):"
			sed 's/^/    /' "$tmp/$name.lint"
		else
			echo "$name: mandoc -Tlint -W warning is clean"
		fi
	fi
done
command -v mandoc >/dev/null 2>&1 || echo "note: mandoc is not installed: no mandoc lint"

if [ "$fails" -gt 0 ]; then
	echo "check_man: $fails failure(s)"
	exit 1
fi
echo "check_man: all man pages pass"
exit 0
