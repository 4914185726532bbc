#!/usr/bin/env bash
# test_rpm.sh [OUTDIR]: the RPMs of packaging/hbagent.spec, end to end.
#  1. packaging/build-rpm OUTDIR (default build/rpm): the SRPM and the
#     binary RPMs from the committed tree, %check (unit and cli suites)
#     included;
#  2. every RPM's files against tests/packaging/rpm-files.txt, one line each:
#     package (.src for the SRPM), mode, owner:group, path, rpm's file
#     flags (c config, n noreplace, d doc, s spec); a diff on mismatch;
#  3. the scriptlets call systemctl only to reload or (on erase) disable,
#     never to start, stop or restart;
#  4. rpmlint with packaging/hbagent.rpmlintrc: no finding left;
#  5. the binary RPMs installed into a scratch root WITH their scriptlets
#     (busybox as the root's /bin/sh and cat, a /dev/null: the scriptlets
#     are plain sh);
#     rpm -V; hbctl --version, hbagent --version and hbctl timeouts on the
#     example config from the root (LD_LIBRARY_PATH into it, so libhb.so.0 is
#     the package's); systemd-analyze verify of the unit; a program built
#     against hbagent-devel through libhb.pc;
#  6. %preun with an hbagent in the root's /proc (a regular file there: the
#     scratch root has no procfs): an erase is refused, the package stays, an
#     upgrade goes through; without it, the erase removes everything.
# Exit 0 pass, 77 skip (rpmbuild not installed), 1 fail. Needs root (rpm
# --root chroots to run the scriptlets).
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$src/build/rpm}
expected=$src/tests/packaging/rpm-files.txt
t0=$SECONDS
# shellcheck source=../lib/lib.sh
source "$src/tests/lib/lib.sh"

# lib.sh's results, with this test's prefix: "rpm: STEP", "FAIL: rpm: ..."
step() { echo "rpm: $*"; }
rpm_fail() { fail "rpm: $*"; }

command -v rpmbuild >/dev/null ||
	skip "rpm: rpmbuild is not installed (Debian: apt-get install rpm rpmlint; RHEL: dnf install rpm-build rpmlint)"
for tool in rpmlint busybox pkg-config cc; do
	command -v "$tool" >/dev/null || die "rpm: $tool is not installed (packaging/install-deps)"
done
[ "$(id -u)" -eq 0 ] || die "rpm: needs root (rpm --root runs the scriptlets in a chroot)"

make_tmp .rpm-build-test /tmp
work=$tmp

# 1. build
step "packaging/build-rpm $out"
if ! "$src/packaging/build-rpm" "$out"; then
	die "rpm: packaging/build-rpm"
fi
version=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$src/meson.build")
shopt -s nullglob
rpms=("$out"/hbagent-*.rpm)
bin_rpms=("$out"/hbagent-*.x86_64.rpm)
[ ${#bin_rpms[@]} -gt 0 ] || die "rpm: no binary RPM in $out"

# 2. contents: one line per file, "package mode owner:group path flags";
#    the version becomes @VERSION@, the build-id links (a hash per build)
#    are left out
step "contents against ${expected#"$src"/}"
for r in "${rpms[@]}"; do
	label=$(rpm -qp --qf '%{NAME}' "$r")
	case $r in *.src.rpm) label=$label.src ;; esac
	rpm -qp --qf "[$label %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES} %{FILEFLAGS:fflags}\\n]" "$r"
done | grep -v ' /usr/lib/\.build-id' | sed -e 's/ $//' -e "s/$version/@VERSION@/g" | LC_ALL=C sort -k1,1 -k4 >"$work/files.txt"
if ! diff -u "$expected" "$work/files.txt"; then
	rpm_fail "the RPMs' contents differ from ${expected#"$src"/} (- expected, + built)"
fi

# 3. scriptlets: systemctl only to reload or disable (no start, stop,
#    restart, try-restart, --now)
step "scriptlets"
main_rpm=$(ls "$out"/hbagent-"$version"-*.x86_64.rpm)
rpm -qp --scripts "$main_rpm" >"$work/scripts.txt"
if grep -E '^[[:space:]]*(/usr)?(/bin/)?systemctl[[:space:]]' "$work/scripts.txt" |
	grep -vE 'systemctl (daemon-reload|--no-reload disable hbagent\.service) ' >"$work/bad.txt"; then
	cat "$work/bad.txt" >&2
	rpm_fail "a scriptlet runs systemctl for more than reload or disable"
fi
if grep -nE '(^|[^-])\<(kill|pkill|killall)[[:space:]]' "$work/scripts.txt" >&2; then
	rpm_fail "a scriptlet sends signals"
fi

# 4. rpmlint
step "rpmlint -r packaging/hbagent.rpmlintrc"
rpmlint -r "$src/packaging/hbagent.rpmlintrc" "${rpms[@]}" >"$work/rpmlint.txt" 2>&1
lint_rc=$?
if [ $lint_rc -ne 0 ] || ! grep -q ' 0 errors, 0 warnings' "$work/rpmlint.txt"; then
	grep -E ': [EW]: ' "$work/rpmlint.txt" >&2
	tail -n 1 "$work/rpmlint.txt" >&2
	rpm_fail "rpmlint: findings not justified in packaging/hbagent.rpmlintrc (exit $lint_rc)"
fi

# 5. install into a scratch root, scriptlets run by busybox sh
root=$work/root
mkdir -p "$root/bin" "$root/dev"
cp "$(command -v busybox)" "$root/bin/busybox"
for a in sh cat echo; do ln -s busybox "$root/bin/$a"; done
mknod -m 666 "$root/dev/null" c 1 3
step "rpm --root (scratch) --nodeps -i ${bin_rpms[*]##*/}"
# --nodeps: the root's database knows none of glibc, libxenctrl, ...
if ! rpm --root "$root" --nodeps -i "${bin_rpms[@]}" >"$work/install.txt" 2>&1; then
	cat "$work/install.txt" >&2
	rpm_fail "rpm -i into the scratch root"
else
	rpm --root "$root" --nodeps -V hbagent hbagent-devel hbagent-test-watchdog || rpm_fail "rpm -V after install"
	libdir=$root/usr/lib64
	hbctl=$root/usr/sbin/hbctl
	# captured first: grep -q in a pipe under pipefail would SIGPIPE ldd
	libs=$(LD_LIBRARY_PATH=$libdir ldd "$hbctl")
	if ! grep -q "libhb.so.0 => $libdir/libhb.so.0 " <<<"$libs"; then
		echo "$libs" >&2
		rpm_fail "hbctl does not load libhb.so.0 from the package"
	fi
	v=$(LD_LIBRARY_PATH=$libdir "$hbctl" --version 2>&1)
	[ "$v" = "hbctl $version" ] || rpm_fail "hbctl --version: '$v', expected 'hbctl $version'"
	v=$(LD_LIBRARY_PATH=$libdir "$root/usr/sbin/hbagent" --version 2>&1)
	[ "$v" = "hbagent $version" ] || rpm_fail "hbagent --version: '$v', expected 'hbagent $version'"
	conf=$root/usr/share/doc/hbagent/examples/xhad.conf
	if ! LD_LIBRARY_PATH=$libdir "$hbctl" -c "$conf" timeouts >"$work/timeouts.txt" 2>&1; then
		cat "$work/timeouts.txt" >&2
		rpm_fail "hbctl -c <example config> timeouts"
	elif ! grep -q '^  fence bound F  *37.000 s' "$work/timeouts.txt"; then
		cat "$work/timeouts.txt" >&2
		rpm_fail "hbctl timeouts on the example config: no fence bound of 37 s"
	else
		echo "rpm: hbctl timeouts on the packaged example: $(grep '^  fence bound F' "$work/timeouts.txt" | tr -s ' ')"
	fi
	# the unit as systemd reads it, with its commands pointed into the root:
	# no warning at all (an unknown key or a bad value is only a warning)
	if command -v systemd-analyze >/dev/null; then
		mkdir -p "$work/unit"
		sed -E "s#^(Exec[A-Za-z]*=)/usr/#\1$root/usr/#" "$root/usr/lib/systemd/system/hbagent.service" \
			>"$work/unit/hbagent.service"
		if ! systemd-analyze verify --man=no "$work/unit/hbagent.service" >"$work/verify.txt" 2>&1 ||
			[ -s "$work/verify.txt" ]; then
			cat "$work/verify.txt" >&2
			rpm_fail "systemd-analyze verify hbagent.service"
		fi
	else
		echo "rpm: no systemd-analyze: the unit file is not verified"
	fi
	# hbagent-devel: libhb.pc relocated into the root, a program using libhb
	cat >"$work/use_libhb.c" <<-'EOF'
		#include <stdio.h>
		#include <string.h>
		#include <hb_exit.h>
		int main(void)
		{
			const char *n = hb_exit_name(15);
			printf("%s\n", n);
			return strcmp(n, "DAEMON_IS_PRESENT") != 0;
		}
	EOF
	if ! flags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --define-prefix --cflags --libs libhb 2>&1); then
		rpm_fail "pkg-config libhb: $flags"
	# shellcheck disable=SC2086 # flags are words
	elif ! cc -o "$work/use_libhb" "$work/use_libhb.c" $flags 2>"$work/cc.txt"; then
		cat "$work/cc.txt" >&2
		rpm_fail "a program against hbagent-devel does not build (flags: $flags)"
	elif ! LD_LIBRARY_PATH=$libdir "$work/use_libhb" >/dev/null; then
		rpm_fail "a program against hbagent-devel: hb_exit_name(15) is not DAEMON_IS_PRESENT"
	fi

	# 6. %preun: refuses to erase while an hbagent runs; upgrades go through
	mkdir -p "$root/proc/4242"
	echo hbagent >"$root/proc/4242/comm"
	step "erase with an hbagent running (pid 4242 in the root's /proc): refused"
	if rpm --root "$root" -e hbagent-test-watchdog hbagent-devel hbagent >"$work/erase.txt" 2>&1; then
		rpm_fail "rpm -e went through while an hbagent runs"
	elif ! grep -q 'refusing to erase the package while hbagent runs (pid 4242)' "$work/erase.txt" ||
		! grep -q 'hbctl disarm' "$work/erase.txt"; then
		cat "$work/erase.txt" >&2
		rpm_fail "rpm -e refused without the expected message"
	elif ! rpm --root "$root" -q hbagent >/dev/null || [ ! -x "$root/usr/sbin/hbagent" ]; then
		rpm_fail "hbagent was removed although %preun refused"
	else
		grep -v 'use Alien instead\|assuming you know what' "$work/erase.txt" | sed 's/^/  /'
	fi
	step "upgrade (same version, --replacepkgs) with an hbagent running: goes through"
	if ! rpm --root "$root" --nodeps -U --replacepkgs "${bin_rpms[@]}" >"$work/upgrade.txt" 2>&1; then
		cat "$work/upgrade.txt" >&2
		rpm_fail "rpm -U refused while an hbagent runs"
	fi
	rm -rf "$root/proc"
	step "erase with no hbagent running"
	if ! rpm --root "$root" -e hbagent-test-watchdog hbagent-devel hbagent >"$work/erase.txt" 2>&1; then
		cat "$work/erase.txt" >&2
		rpm_fail "rpm -e with no agent running"
	elif left=$(cd "$root" && find usr etc -mindepth 1 ! -type d 2>/dev/null) && [ -n "$left" ]; then
		echo "$left" >&2
		rpm_fail "files left in the root after rpm -e"
	fi
fi

echo "rpm: $([ "$fails" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - t0)) s"
exit $((fails > 0))
