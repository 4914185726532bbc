#!/usr/bin/env bash
# check_doc_examples.sh [--update] [--root DIR] HBCTL
# check_doc_examples.sh --self-test HBCTL
#
# Keeps the examples of the documentation true. Checks, in DIR (default: the
# source tree, $HB_SOURCE_ROOT or this script's ../..):
#
# 1. Checked example blocks, in every docs/*.md. A line
#        <!-- output -->
#    followed by a fenced block: each line of the block that starts with "$ "
#    is a command; the lines up to the next "$ " line are its output. Each
#    block is run in a fresh scratch directory holding a copy of
#    docs/examples/ (so `hbctl -c docs/examples/scratch.conf ...` works and
#    files it creates stay there), one `bash -c` per command, stdout and
#    stderr together, with HBCTL's directory first on PATH (so `hbctl` is
#    the hbctl under test) and NO_COLOR set. The block must be exactly the
#    commands and what they print.
#        <!-- golden: tests/control/golden/status.txt -->
#    followed by a fenced block: the block (after an optional first "$ "
#    line naming the command) must equal that file, a golden file that
#    tests/control/test_hbctl_live.sh checks against a live pool.
#    A mismatch prints a unified diff (- the document, + the real output)
#    and fails. --update rewrites the blocks instead.
# 2. In docs/operations.md and docs/orchestrators.md, every fenced block
#    with a "$ " line is a checked block: no output is shown unchecked.
# 3. Every docs/examples/*.conf is a valid configuration (`hbctl -c FILE
#    timeouts` exits 0).
# 4. Every key of tests/control/golden/status.json (recursively; keys that
#    are UUIDs excluded) appears as a word in docs/*.md or docs/man/*.
# 5. Every hbctl command listed by `hbctl --help` appears in docs/*.md or
#    docs/man/*, as `hbctl [OPTIONS] COMMAND`, as `COMMAND in backquotes, or
#    in a man page as \fBCOMMAND (man) or .Cm COMMAND / .It Cm COMMAND (mdoc).
#
# --self-test runs the checker on a copy of the tree in which one value of a
# checked output block and one line of a golden block were changed, and
# passes only if both are reported as stale (and the unchanged copy passes).
#
# Exit: 0 all true, 1 something is stale or missing, 2 usage.
set -uo pipefail

update=0 self_test=0 root=
while [ $# -gt 0 ]; do
	case $1 in
	--update) update=1; shift ;;
	--self-test) self_test=1; shift ;;
	--root) root=${2:?--root DIR}; shift 2 ;;
	-*) echo "usage: $0 [--update] [--root DIR] HBCTL | --self-test HBCTL" >&2; exit 2 ;;
	*) break ;;
	esac
done
hbctl=${1:?usage: $0 [--update] [--root DIR] HBCTL | --self-test HBCTL}
here=$(cd "$(dirname "$0")" && pwd)
hbctl=$(cd "$(dirname "$hbctl")" && pwd)/$(basename "$hbctl")
[ -x "$hbctl" ] || { echo "$hbctl: not executable" >&2; exit 2; }
[ -n "$root" ] || root=${HB_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
root=$(cd "$root" && pwd)

# shellcheck source=../lib/lib.sh
source "$here/../lib/lib.sh"
make_tmp .doc-examples "${TMPDIR:-/var/tmp}" || exit 2

if [ "$self_test" = 1 ]; then
	copy=$tmp/tree
	mkdir -p "$copy/tests/control" && cp -r "$root/docs" "$copy/" && cp -r "$root/tests/control/golden" "$copy/tests/control/"
	if "$0" --root "$copy" "$hbctl" >"$tmp/clean.log" 2>&1; then
		pass "the unchanged copy passes"
	else
		fail "the unchanged copy does not pass:"; sed 's/^/    /' "$tmp/clean.log"
	fi
	# a value in a checked output block: the T = 30 fence bound, 37.000 s -> 36.000 s
	sed -i '/^  fence bound F  *37\.000 s/s/37\.000 s/36.000 s/' "$copy/docs/operations.md"
	# a line of a golden block: the status summary's "armed: yes" -> "armed: no"
	sed -i 's/^armed:            yes$/armed:            no/' "$copy/docs/operations.md"
	if "$0" --root "$copy" "$hbctl" >"$tmp/stale.log" 2>&1; then
		fail "the checker passed stale blocks"
	else
		# (the checker indents its diffs by 4 spaces)
		for want in '^    -  fence bound F  *36\.000 s' '^    \+  fence bound F  *37\.000 s' \
			'^    -armed:  *no$' '^    \+armed:  *yes$'; do
			if grep -Eq -- "$want" "$tmp/stale.log"; then
				pass "a stale block is reported: /$want/"
			else
				fail "not reported: /$want/"
			fi
		done
	fi
	[ "$fails" -eq 0 ] || { echo "--- the checker's output on the stale copy:"; cat "$tmp/stale.log"; exit 1; }
	echo "self-test passed"
	exit 0
fi

cd "$root" || exit 2

# run_block OUT: run the "$ " commands of the block in $tmp/block (one command
# per "$ " line) and write the commands and their output to OUT
run_block() {
	local out=$1 scratch line n=0
	scratch=$tmp/run.$RANDOM$RANDOM
	mkdir -p "$scratch/docs" && cp -r "$root/docs/examples" "$scratch/docs/"
	: >"$out"
	while IFS= read -r line; do
		case $line in
		'$ '*)
			n=$((n + 1))
			printf '%s\n' "$line" >>"$out"
			(cd "$scratch" && PATH="$(dirname "$hbctl"):$PATH" NO_COLOR=1 TZ=UTC LC_ALL=C \
				timeout 60 bash -c "${line#\$ }" </dev/null >>"$out" 2>&1)
			;;
		esac
	done <"$tmp/block"
	rm -rf "$scratch"
	[ "$n" -gt 0 ]
}

# check_file FILE STRICT: the marked blocks of FILE; STRICT=1: also refuse
# unmarked blocks with commands
check_file() {
	local file=$1 strict=$2 n_lines i=0 line marker kind ref start end changed=0
	mapfile -t lines <"$file"
	n_lines=${#lines[@]}
	: >"$tmp/new"
	while [ "$i" -lt "$n_lines" ]; do
		line=${lines[$i]}
		marker=
		if [[ $line =~ ^\<\!--\ output\ --\>$ ]]; then
			marker=output
		elif [[ $line =~ ^\<\!--\ golden:\ ([^ ]+)\ --\>$ ]]; then
			marker=golden ref=${BASH_REMATCH[1]}
		fi
		if [ -n "$marker" ]; then
			printf '%s\n' "$line" >>"$tmp/new"
			i=$((i + 1))
			if [ "$i" -ge "$n_lines" ] || [[ ! ${lines[$i]} =~ ^\`\`\` ]]; then
				fail "$file:$i: a marker must be followed by a fenced block"
				continue
			fi
			start=$i
			end=$((i + 1))
			while [ "$end" -lt "$n_lines" ] && [[ ! ${lines[$end]} =~ ^\`\`\`$ ]]; do end=$((end + 1)); done
			if [ "$end" -ge "$n_lines" ]; then
				fail "$file:$((start + 1)): the fenced block is not closed"
				break
			fi
			printf '%s\n' "${lines[@]:start+1:end-start-1}" >"$tmp/block"
			[ "$end" -eq $((start + 1)) ] && : >"$tmp/block"
			kind="$file:$((start + 1))"
			if [ "$marker" = output ]; then
				if ! run_block "$tmp/real"; then
					fail "$kind: a checked output block without a \"\$ \" command line"
					cp "$tmp/block" "$tmp/real"
				fi
			else
				: >"$tmp/real"
				head -n1 "$tmp/block" | grep -q '^\$ ' && head -n1 "$tmp/block" >"$tmp/real"
				if [ -f "$root/$ref" ]; then
					cat "$root/$ref" >>"$tmp/real"
				else
					fail "$kind: golden file $ref does not exist"
					cp "$tmp/block" "$tmp/real"
				fi
			fi
			if cmp -s "$tmp/block" "$tmp/real"; then
				pass "$kind ($marker${ref:+ $ref})"
			elif [ "$update" = 1 ]; then
				echo "updated: $kind ($marker${ref:+ $ref})"
				changed=1
			else
				fail "$kind: the block is stale (- the document, + the real output):"
				diff -u --label "$file (document)" --label "real output" "$tmp/block" "$tmp/real" | sed 's/^/    /'
			fi
			printf '%s\n' "${lines[start]}" >>"$tmp/new"
			cat "$tmp/real" >>"$tmp/new"
			printf '%s\n' "${lines[end]}" >>"$tmp/new"
			i=$((end + 1))
			ref=
			continue
		fi
		if [ "$strict" = 1 ] && [[ $line =~ ^\`\`\` ]]; then
			# an unmarked block: no "$ " line (no unchecked output)
			end=$((i + 1))
			while [ "$end" -lt "$n_lines" ] && [[ ! ${lines[$end]} =~ ^\`\`\`$ ]]; do
				[[ ${lines[$end]} == '$ '* ]] && fail "$file:$((end + 1)): \"${lines[$end]}\" is in a block without <!-- output --> (its output would be unchecked)"
				end=$((end + 1))
			done
			printf '%s\n' "${lines[@]:i:end-i+1}" >>"$tmp/new"
			i=$((end + 1))
			continue
		fi
		printf '%s\n' "$line" >>"$tmp/new"
		i=$((i + 1))
	done
	if [ "$update" = 1 ] && [ "$changed" = 1 ]; then
		cat "$tmp/new" >"$file"
		echo "rewrote $file"
	fi
}

# 1, 2: the documents
for f in docs/*.md; do
	case $f in
	docs/operations.md | docs/orchestrators.md) check_file "$f" 1 ;;
	*) grep -Eq '^<!-- (output|golden: [^ ]+) -->$' "$f" && check_file "$f" 0 ;;
	esac
done
for f in docs/operations.md docs/orchestrators.md; do
	[ -f "$f" ] || fail "$f is missing"
done

# 3: the example configurations
for f in docs/examples/*.conf; do
	if (cd "$tmp" && "$hbctl" -c "$root/$f" timeouts >"$tmp/out" 2>&1); then
		pass "$f is a valid configuration"
	else
		fail "$f: hbctl timeouts refuses it: $(cat "$tmp/out")"
	fi
done

# the documentation's text: docs/*.md and the man pages, when present
doc_text=(docs/*.md)
[ -d docs/man ] && while IFS= read -r f; do doc_text+=("$f"); done < <(find docs/man -type f | sort)

# 4: every status field
status_json=tests/control/golden/status.json
if ! command -v jq >/dev/null; then
	fail "jq is needed to read the keys of $status_json"
elif [ ! -f "$status_json" ]; then
	fail "$status_json is missing"
else
	n=0 missing=0
	while IFS= read -r key; do
		[[ $key =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]] && continue
		n=$((n + 1))
		if ! grep -qwF -- "$key" "${doc_text[@]}"; then
			fail "status field \"$key\" ($status_json) appears nowhere in docs/*.md or docs/man/"
			missing=$((missing + 1))
		fi
	done < <(jq -r '[paths | map(select(type == "string")) | last // empty] | unique | .[]' "$status_json")
	[ "$missing" -eq 0 ] && pass "all $n status fields of $status_json are documented"
fi

# 5: every hbctl command
"$hbctl" --help >"$tmp/help" 2>&1 || fail "hbctl --help exits non-zero"
mapfile -t cmds < <(awk '
	/^commands:/ { in_cmds = 1; next }
	in_cmds && /^  [a-z]/ {
		sub(/^  /, ""); split($0, f, /  +/); n = split(f[1], w, / /); name = ""
		for (i = 1; i <= n; i++) { if (w[i] !~ /^[a-z][a-z-]*$/) break; name = name (name == "" ? "" : " ") w[i] }
		print name
	}' "$tmp/help")
[ "${#cmds[@]}" -ge 10 ] || fail "could not read the commands from hbctl --help (found ${#cmds[@]})"
undocumented=0
for c in "${cmds[@]}"; do
	re="(hbctl( +\\\\?-[-a-zA-Z]+( +[^ -][^ ]*)?)* +$c|\`$c|\\\\fB$c|^\\.(It )?Cm $c)([^a-z-]|\$)"
	if ! grep -Eq -- "$re" "${doc_text[@]}"; then
		fail "hbctl command \"$c\" (hbctl --help) is documented nowhere in docs/*.md or docs/man/"
		undocumented=$((undocumented + 1))
	fi
done
[ "$undocumented" -eq 0 ] && pass "all ${#cmds[@]} hbctl commands are documented (${cmds[*]})"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	[ "$update" = 0 ] && echo "(tests/docs/check_doc_examples.sh --update HBCTL rewrites stale blocks from the real output)"
	exit 1
fi
echo "all documentation examples are true"
