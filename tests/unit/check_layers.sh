#!/usr/bin/env bash
# check_layers.sh SRC CORE_ARCHIVE: the layers of libhb (libhb/meson.build)
# hold, in the sources and in the built core.
#  1. Every quoted include of a libhb source names a header of its own layer
#     or of a layer below it (the build's include paths refuse most of these
#     already; this also covers headers no source of the layer compiles).
#  2. The core includes no system header outside a short list (the C
#     library's pure headers, libcrypto, the CRC instruction): libaio,
#     libxml2, json-c, xenctrl, xenstore, pthread, sockets or files are
#     refused by name.
#  3. The built core (CORE_ARCHIVE, libhb_core.a) needs no symbol that
#     neither the C library, libcrypto nor the compiler's runtime defines:
#     its link line is libcrypto and nothing else.
# Exit 0, or 1 with one line per breach ("FAIL: layers: ...").
set -uo pipefail
src=${1:?usage: check_layers.sh SRC CORE_ARCHIVE}
core_archive=${2:?usage: check_layers.sh SRC CORE_ARCHIVE}
# shellcheck source=../lib/lib.sh
source "$(dirname "$0")/../lib/lib.sh"
breach() { fail "layers: $*"; }

# the layers each layer may include from
declare -A allowed=(
	[core]="core"
	[config]="core config"
	[io]="core config io"
	[control]="core control"
	[tools]="core config io control tools"
)
for layer in "${!allowed[@]}"; do
	for f in "$src/libhb/$layer"/*.[ch]; do
		while IFS= read -r h; do
			found=""
			for dep in ${allowed[$layer]}; do
				[ -f "$src/libhb/$dep/$h" ] && found=$dep
			done
			if [ -z "$found" ]; then
				owner=$(cd "$src/libhb" && ls -d */"$h" 2>/dev/null | cut -d/ -f1)
				breach "libhb/$layer/${f##*/} includes \"$h\" (${owner:-no layer}); $layer may include from: ${allowed[$layer]}"
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done

core_system_ok='^(assert|inttypes|limits|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|strings|nmmintrin|openssl/[a-z0-9_]+)\.h$'
for f in "$src"/libhb/core/*.[ch]; do
	while IFS= read -r h; do
		[[ $h =~ $core_system_ok ]] || breach "libhb/core/${f##*/} includes <$h>: the core is pure (no I/O, threads or libraries but libcrypto)"
	done < <(sed -n 's/^#include <\([^>]*\)>.*/\1/p' "$f")
done

libdir=$(pkg-config --variable=libdir libcrypto 2>/dev/null || echo /usr/lib/x86_64-linux-gnu)
libc=$(ldd /bin/sh | awk '/libc\.so/ {print $3}')
crypto=$(ls "$libdir"/libcrypto.so* 2>/dev/null | head -1)
if [ ! -f "$core_archive" ] || [ -z "$libc" ] || [ -z "$crypto" ]; then
	breach "cannot read the core archive ($core_archive), libc ($libc) or libcrypto ($crypto)"
else
	make_tmp .layers "${TMPDIR:-/tmp}"
	nm -u "$core_archive" | awk 'NF == 2 {print $2}' | sort -u >"$tmp/needed"
	nm -g --defined-only "$core_archive" | awk 'NF == 3 {print $3}' | sort -u >"$tmp/own"
	{ nm -D --defined-only "$libc"; nm -D --defined-only "$crypto"; } |
		awk 'NF == 3 {sub(/@.*/, "", $3); print $3}' | sort -u >"$tmp/libs"
	comm -23 "$tmp/needed" "$tmp/own" | comm -23 - "$tmp/libs" >"$tmp/missing"
	# the compiler's own: GOT, CPU model (__builtin_cpu_supports), libgcc
	# helpers, and the sanitizers' and coverage's hooks in those builds
	while IFS= read -r sym; do
		case $sym in
			_GLOBAL_OFFSET_TABLE_ | __cpu_model | __cpu_indicator_init | __popcount?i2 | __*di3 | \
				__asan_* | __ubsan_* | __sanitizer_* | __sancov_* | __gcov_* | __llvm_*) ;;
			*) breach "the core ($core_archive) needs $sym, which neither libc nor libcrypto defines" ;;
		esac
	done <"$tmp/missing"
fi
[ "$fails" -eq 0 ] || exit 1
pass "layers: libhb's layers hold; the core needs libc and libcrypto only"
