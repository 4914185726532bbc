#!/bin/bash
# build-image.sh BUILD_DIR OUT_DIR: the boot image of a real Xen test host
# (issue 7; /work/shared/xen-testbed.md has the verified facts).
#
# Needs only Debian packages (apt-get download + dpkg-deb -x; nothing is
# installed on the machine) and the project's own meson build in BUILD_DIR
# (agent/hbagent, agent/hbctl, agent/hbwatchdog-test, libhb/libhb.so*).
# Downloads are cached in ${HBXEN_CACHE:-/var/cache/hbxen} between runs.
#
# OUT_DIR gets:
#   xen.elf      the Xen 4.17 hypervisor (xen-hypervisor-4.17-amd64, unzipped)
#   vmlinuz      the Debian 6.1 dom0 kernel
#   initrd.gz    the dom0 initramfs (cpio newc, gzip)
#   manifest.txt what went in (package versions, files)
#   hbx-conf.sh, pool.key  the configuration writer and the pool key of the
#                guests (tests/xen/hbxen uses them to read the statefile
#                back from the shared disk image)
#
# The initramfs /init (busybox sh) of every host:
#   1. mounts proc, sys, devtmpfs, tmpfs /run; loads the modules (in this
#      order: xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc watchdog
#      xen_wdt virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
#      virtio_pci virtio_blk failover net_failover virtio_net virtio_console);
#      mounts xenfs on /proc/xen; starts xenstored and runs xen-init-dom0;
#   2. reads its identity from /proc/cmdline:
#        hbx.index=N      this host's index, 0-based (required)
#        hbx.hosts=M      pool size (default 1); host i has IP 10.0.0.(i+1)
#        hbx.backend=B    xen | linux (WatchdogBackend; default xen)
#        hbx.init=1       with index 0: `hbctl statefile init` before starting
#        hbx.start=0      do not start hbagent (default 1)
#        hbx.t1= hbx.T1= hbx.t2= hbx.T2= hbx.Wh= hbx.Ws= hbx.W= hbx.Tboot=
#                         timing overrides (seconds, or "NNNms")
#        hbx.period=S     status print period in seconds (default 2)
#      configures eth0 (10.0.0.(N+1)/24) and lo, and writes
#      /etc/xensource/xhad.conf (fixed GenerationUUID, host UUIDs
#      00000000-0000-4000-8000-0000000000NN with NN = index+1 in hex,
#      UDP 694, StateFile /dev/vda, PoolKeyFile /etc/hbagent/pool.key);
#   3. non-zero indexes wait (up to 120 s) until the statefile dumps cleanly;
#   4. starts `hbagent --no-syslog` with its stderr on the console and
#      --log-file /run/hbagent.log; when it exits prints
#      `HBX-AGENT-EXIT rc=N`;
#   5. every period prints one line on the console:
#        HBX-STATUS {json}    `hbctl --json status` joined on one line, or
#        HBX-STATUS {"hbx_error":"...","rc":N} when the agent does not answer
#
# Console protocol (all lines start at column 0):
#   guest -> runner: HBX-BOOT ..., HBX-STATUS {...}, HBX-ACK SEQ CMD rc=N,
#                    HBX-OUT SEQ text (output of commands), HBX-AGENT-EXIT rc=N
#   runner -> guest: `HBX-CMD SEQ COMMAND [ARGS]` lines, written either to the
#     console (QEMU's serial input: Xen passes it to dom0's hvc0) or to a
#     virtio-serial port named `hbx.cmd`, or both: every SEQ runs once (the
#     first channel to deliver it wins). Commands:
#       stop-agent | cont-agent | kill-agent   SIGSTOP / SIGCONT / SIGKILL hbagent
#       term-agent                             SIGTERM hbagent
#       disarm | arm | shutdown                hbctl disarm / arm / shutdown
#       status                                 print an HBX-STATUS line now
#       start-agent                            start hbagent (if not running)
#       start-guest                            xenconsoled + `xl create` of a
#                                              PV guest (128 MiB, capped at 10 %
#                                              of the CPU) that only sleeps
#       sh TEXT                                run TEXT with sh, output as HBX-OUT
#
# Environment: HBXEN_CACHE (download cache), HBXEN_KERNEL_DEB (use this
# linux-image .deb), HBXEN_NO_DOWNLOAD=1 (use only the cache).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
cache=${HBXEN_CACHE:-/var/cache/hbxen}
mkdir -p "$cache"
t0=$(date +%s)
log() { echo "build-image: $*" >&2; }
die() { echo "build-image: error: $*" >&2; exit 1; }

for f in agent/hbagent agent/hbctl agent/hbwatchdog-test; do
	[ -x "$build/$f" ] || die "$build/$f is missing: build the project first (meson setup $build && ninja -C $build)"
done
for p in dpkg-deb cpio gzip ldd; do
	command -v "$p" >/dev/null || die "$p is needed (apt-get install cpio dpkg)"
done

# fetch PKG: path of the cached .deb of PKG (candidate version), downloading
# it when missing.
fetch() {
	local pkg=$1 ver deb
	ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -n "$ver" ] && [ "$ver" != "(none)" ]; then
		deb=$(ls "$cache/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
		[ -n "$deb" ] && { echo "$deb"; return 0; }
	fi
	# not the candidate, but cached: fine when offline
	deb=$(ls -t "$cache/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -n "$deb" ] && { [ "${HBXEN_NO_DOWNLOAD:-0}" = 1 ] || [ -z "$ver" ] || [ "$ver" = "(none)" ]; }; then
		echo "$deb"; return 0
	fi
	[ "${HBXEN_NO_DOWNLOAD:-0}" = 1 ] && die "$pkg is not in $cache and HBXEN_NO_DOWNLOAD=1"
	log "downloading $pkg $ver"
	(cd "$cache" && apt-get download -q "$pkg" >&2 2>/dev/null) ||
		(cd "$cache" && apt-get download "$pkg" >&2) || die "apt-get download $pkg failed"
	deb=$(ls -t "$cache/${pkg}_"*.deb | head -n1)
	echo "$deb"
}

# unpack DEB: directory where DEB is unpacked (cached next to it)
unpack() {
	local deb=$1 dir
	dir="$cache/x/$(basename "$deb" .deb)"
	if [ ! -e "$dir/.done" ]; then
		rm -rf "$dir"; mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		touch "$dir/.done"
	fi
	echo "$dir"
}

# The dom0 kernel: $HBXEN_KERNEL_DEB, else what linux-image-amd64 depends on
# when that is 6.1, else the newest cached linux-image-6.1.0-*-amd64.
if [ -n "${HBXEN_KERNEL_DEB:-}" ]; then
	kdeb=$HBXEN_KERNEL_DEB
else
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n1 || true)
	kdeb=""
	if [ -n "$kpkg" ] && [ "${HBXEN_NO_DOWNLOAD:-0}" != 1 ]; then
		kdeb=$(ls "$cache/${kpkg}_"*.deb 2>/dev/null | head -n1 || true)
		[ -n "$kdeb" ] || kdeb=$(fetch "$kpkg" || true)
	fi
	[ -n "$kdeb" ] || kdeb=$(ls -v "$cache"/linux-image-6.1.0-*-amd64_*.deb 2>/dev/null | tail -n1 || true)
	[ -n "$kdeb" ] || die "no linux-image-6.1.0-*-amd64 package (set HBXEN_KERNEL_DEB)"
fi
xdeb=$(fetch xen-hypervisor-4.17-amd64)
udeb=$(fetch xen-utils-4.17)
sdeb=$(fetch xenstore-utils)
bdeb=$(fetch busybox-static)
log "packages: $(basename "$kdeb") $(basename "$xdeb") $(basename "$udeb") $(basename "$sdeb") $(basename "$bdeb")"
kdir=$(unpack "$kdeb")
xdir=$(unpack "$xdeb")
udir=$(unpack "$udeb")
sdir=$(unpack "$sdeb")
bdir=$(unpack "$bdeb")

# hypervisor and kernel
zcat "$xdir"/boot/xen-4.17-amd64.gz >"$out/xen.elf.tmp" && mv "$out/xen.elf.tmp" "$out/xen.elf"
vml=$(ls "$kdir"/boot/vmlinuz-* | head -n1)
kver=${vml##*/vmlinuz-}
cp "$vml" "$out/vmlinuz"

# the initramfs tree
root=$(mktemp -d "${TMPDIR:-/tmp}/hbxen-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,etc/xensource,etc/hbagent,proc,sys,dev,run,tmp,var/lib/xenstored,lib/modules/"$kver",usr/libexec/hbagent}
ln -s ../run "$root/var/run"
# the initial console of /init, before devtmpfs is mounted (needs root)
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || log "warning: cannot mknod dev/console (not root?)"

# busybox and its applets
cp "$bdir/bin/busybox" "$root/bin/busybox"
for a in $("$root/bin/busybox" --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done

# modules, in load order (missing ones are reported, the init skips them)
mods="xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc watchdog xen_wdt virtio_ring virtio
virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk failover net_failover virtio_net
virtio_console"
: >"$root/lib/modules/$kver/load-order"
for m in $mods; do
	f=$(find "$kdir/lib/modules/$kver/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -n1)
	if [ -z "$f" ]; then
		grep -q "/$m.ko" "$kdir/lib/modules/$kver/modules.builtin" 2>/dev/null && continue
		log "warning: module $m not found in $kver"
		continue
	fi
	case "$f" in
	*.xz) xz -dc "$f" >"$root/lib/modules/$kver/$m.ko" ;;
	*) cp "$f" "$root/lib/modules/$kver/$m.ko" ;;
	esac
	echo "$m" >>"$root/lib/modules/$kver/load-order"
done

# programs and their shared libraries (as the build machine resolves them:
# the project's build and the Xen libraries come from the same Debian release)
copy_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }'); do
		[ -f "$lib" ] || continue
		case "$lib" in
		*/libhb.so*) cp -L "$lib" "$root/lib/x86_64-linux-gnu/$(basename "$lib")" ;;
		/lib64/*) cp -L "$lib" "$root/lib64/" ;;
		*) cp -L "$lib" "$root/lib/x86_64-linux-gnu/$(basename "$lib")" ;;
		esac
	done
}
install_bin() { # SRC DEST
	cp -L "$1" "$root/$2"
	chmod 755 "$root/$2"
	copy_libs "$1"
}
install_bin "$build/agent/hbagent" usr/sbin/hbagent
install_bin "$build/agent/hbctl" usr/sbin/hbctl
install_bin "$build/agent/hbwatchdog-test" usr/libexec/hbagent/hbwatchdog-test
install_bin "$udir/usr/lib/xen-4.17/bin/xenstored" usr/sbin/xenstored
# a guest domain for the fence's pause (xl, xenconsoled; command start-guest):
# a PV guest running the same kernel with a tiny initramfs that only sleeps
install_bin "$udir/usr/lib/xen-4.17/bin/xl" usr/sbin/xl
install_bin "$udir/usr/lib/xen-4.17/bin/xenconsoled" usr/sbin/xenconsoled
install_bin "$udir/usr/lib/xen-4.17/bin/xen-init-dom0" usr/sbin/xen-init-dom0
mkdir -p "$root"/{boot,etc/xen,var/lib/xen,var/log/xen}
cp "$vml" "$root/boot/guest-vmlinuz"
groot=$(mktemp -d "${TMPDIR:-/tmp}/hbxen-guest.XXXXXX")
mkdir -p "$groot"/{bin,proc,dev}
cp "$bdir/bin/busybox" "$groot/bin/busybox"
for a in sh sleep mount echo; do ln -s busybox "$groot/bin/$a"; done
cat >"$groot/init" <<'GINIT'
#!/bin/sh
mount -t proc proc /proc
echo "hbxen guest running"
while :; do sleep 1; done
GINIT
chmod 755 "$groot/init"
(cd "$groot" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) | gzip -6 >"$root/boot/guest-initrd.gz"
rm -rf "$groot"
echo "# xl defaults (none needed)" >"$root/etc/xen/xl.conf"
cat >"$root/etc/xen/guest.cfg" <<'GCFG'
# hbxen's guest: PV, 128 MiB (the kernel image alone needs 58), one vCPU capped at 10 % so dom0 keeps its CPU
name = "guest1"
type = "pv"
kernel = "/boot/guest-vmlinuz"
ramdisk = "/boot/guest-initrd.gz"
extra = "console=hvc0 quiet"
memory = 128
vcpus = 1
cap = 10
on_crash = "preserve"
GCFG
for f in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm xenstore-exists; do
	[ -f "$sdir/usr/bin/$f" ] && install_bin "$sdir/usr/bin/$f" "usr/bin/$f"
done
[ -f "$root/lib64/ld-linux-x86-64.so.2" ] || die "the dynamic loader was not collected"
# every library the programs need must be in the image
for f in usr/sbin/hbagent usr/sbin/hbctl usr/sbin/xenstored usr/sbin/xl usr/sbin/xenconsoled; do
	for lib in $(ldd "$root/$f" | awk '/=>/ { print $1 }'); do
		[ -e "$root/lib/x86_64-linux-gnu/$lib" ] || die "$f needs $lib, which was not collected"
	done
done

# the pool key: fixed, test pools only
printf 'hbxen test pool key, not a secret 0123456789\n' >"$root/etc/hbagent/pool.key"
chmod 600 "$root/etc/hbagent/pool.key"
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

# the configuration writer, shared by the init and the check below: the
# tests' one generator (tests/lib/mkconf, POSIX sh: busybox runs it)
install -m 755 "$here/../lib/mkconf" "$root/usr/bin/mkconf"
cat >"$root/etc/hbx-conf.sh" <<'CONF'
# hbx_conf: xhad.conf of host $index in a pool of $hosts (sourced by the init,
# by build-image.sh and by hbxen, which set MKCONF to tests/lib/mkconf;
# variables: index hosts backend t1 T1 t2 T2 Wh Ws W Tboot)
uuid_of() { printf '00000000-0000-4000-8000-0000000000%02x' $(($1 + 1)); }
hbx_conf() {
	set -- --gen 7c4b2a10-5d3e-4f60-8a71-92b3c4d5e6f7 --port 694 --key-file /etc/hbagent/pool.key
	i=0
	while [ $i -lt $hosts ]; do
		set -- "$@" --host "$(uuid_of $i)" "10.0.0.$((i + 1))"
		i=$((i + 1))
	done
	"${MKCONF:-mkconf}" "$@" --timing "$t1,$T1,$t2,$T2,$Wh,$Ws,$Tboot,$Tboot,$W" --local "$(uuid_of $index)" \
		--statefile /dev/vda --backend "$backend"
}
CONF

# the init
cat >"$root/init" <<'INIT'
#!/bin/sh
# hbxen dom0 init (tests/xen/build-image.sh has the protocol)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/hbagent /run/xenstored /run/hbx-cmd
exec </dev/console >/dev/console 2>&1
up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "$*"; }

kver=$(uname -r)
for m in $(cat /lib/modules/$kver/load-order); do
	insmod /lib/modules/$kver/$m.ko 2>/tmp/insmod.err || say "HBX-WARN insmod $m: $(cat /tmp/insmod.err)"
done
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || say "HBX-WARN mount xenfs failed"

# identity
index=""; hosts=1; backend=xen; doinit=0; start=1; period=2
t1=1; T1=10; t2=2; T2=15; Wh=15; Ws=30; W=5; Tboot=90
for w in $(cat /proc/cmdline); do
	case "$w" in
	hbx.index=*) index=${w#*=} ;;
	hbx.hosts=*) hosts=${w#*=} ;;
	hbx.backend=*) backend=${w#*=} ;;
	hbx.init=*) doinit=${w#*=} ;;
	hbx.start=*) start=${w#*=} ;;
	hbx.period=*) period=${w#*=} ;;
	hbx.t1=*) t1=${w#*=} ;;
	hbx.T1=*) T1=${w#*=} ;;
	hbx.t2=*) t2=${w#*=} ;;
	hbx.T2=*) T2=${w#*=} ;;
	hbx.Wh=*) Wh=${w#*=} ;;
	hbx.Ws=*) Ws=${w#*=} ;;
	hbx.W=*) W=${w#*=} ;;
	hbx.Tboot=*) Tboot=${w#*=} ;;
	esac
done
[ -n "$index" ] || { say "HBX-WARN no hbx.index on the command line, using 0"; index=0; }
ip=10.0.0.$((index + 1))

# xenstored (dom0 is its own xenstore domain here)
xenstored --pid-file /run/xenstored.pid >/run/xenstored.out 2>&1 ||
	say "HBX-WARN xenstored failed: $(cat /run/xenstored.out)"
xen-init-dom0 >/run/xen-init-dom0.out 2>&1 || say "HBX-WARN xen-init-dom0 failed: $(tail -n1 /run/xen-init-dom0.out)"
xenstore-write /local/domain/0/name Domain-0 2>/dev/null || say "HBX-WARN xenstore-write failed"

# network
ip link set lo up
ip addr add $ip/24 dev eth0 2>/dev/null && ip link set eth0 up || say "HBX-WARN eth0 not configured"

# the pool configuration (hbx_conf: /etc/hbx-conf.sh)
. /etc/hbx-conf.sh
hbx_conf >/etc/xensource/xhad.conf
say "HBX-BOOT index=$index hosts=$hosts ip=$ip backend=$backend uptime=$(up) kernel=$kver"
hbctl timeouts >/run/timeouts.txt 2>&1 || { say "HBX-WARN hbctl timeouts refused the configuration:"; cat /run/timeouts.txt; }

if [ "$index" = 0 ] && [ "$doinit" = 1 ]; then
	hbctl statefile init >/run/sfinit.out 2>&1
	say "HBX-SFINIT rc=$? $(tail -n1 /run/sfinit.out)"
elif [ "$index" != 0 ]; then
	n=0
	# dump exits 0 on a blank disk too: wait for host 0's format to show
	until hbctl statefile dump 2>/dev/null | grep -q '(matches the configuration)'; do
		n=$((n + 1)); [ $n -ge 120 ] && { say "HBX-WARN statefile still not valid"; break; }
		sleep 1
	done
fi

agent_pid=""
start_agent() {
	(
		hbagent --no-syslog --log-file /run/hbagent.log &
		echo $! >/run/hbagent.pid
		wait $!
		say "HBX-AGENT-EXIT rc=$? uptime=$(up)"
	) &
	sleep 0.2
	agent_pid=$(cat /run/hbagent.pid 2>/dev/null)
	say "HBX-AGENT-START pid=$agent_pid uptime=$(up)"
}
[ "$start" = 1 ] && start_agent

status_line() {
	out=$(hbctl --json --timeout 1500 status 2>/run/status.err)
	rc=$?
	if [ -n "$out" ] && [ "${out#\{}" != "$out" ]; then
		echo "HBX-STATUS $(echo "$out" | sed 's/^ *//' | tr -d '\n')"
	else
		echo "HBX-STATUS {\"hbx_error\":\"$(head -n1 /run/status.err | tr -d '"\\')\",\"rc\":$rc}"
	fi
}

# run_cmd SEQ CMD ARGS: runs once per SEQ, whichever channel brings it first
run_cmd() {
	seq=$1; cmd=$2; shift 2
	case "$seq" in *[!0-9]*|"") return ;; esac
	mkdir /run/hbx-cmd/$seq 2>/dev/null || return 0
	agent_pid=$(cat /run/hbagent.pid 2>/dev/null)
	rc=0
	case "$cmd" in
	stop-agent) kill -STOP $agent_pid; rc=$? ;;
	cont-agent) kill -CONT $agent_pid; rc=$? ;;
	kill-agent) kill -KILL $agent_pid; rc=$? ;;
	term-agent) kill -TERM $agent_pid; rc=$? ;;
	disarm|arm|shutdown) hbctl $cmd >/run/cmd.out 2>&1; rc=$?; sed "s/^/HBX-OUT $seq /" /run/cmd.out ;;
	status) status_line; rc=0 ;;
	start-agent) start_agent; rc=0 ;;
	start-guest)
		mkdir -p /run/xen /var/log/xen /var/lib/xen
		pidof xenconsoled >/dev/null || xenconsoled --log=none >/run/xenconsoled.out 2>&1
		xl create /etc/xen/guest.cfg >/run/cmd.out 2>&1; rc=$?
		xl list >>/run/cmd.out 2>&1
		sed "s/^/HBX-OUT $seq /" /run/cmd.out ;;
	sh) sh -c "$*" >/run/cmd.out 2>&1; rc=$?; sed "s/^/HBX-OUT $seq /" /run/cmd.out ;;
	*) rc=127 ;;
	esac
	echo "HBX-ACK $seq $cmd rc=$rc uptime=$(up)"
}
listen() { # read HBX-CMD lines from stdin
	while read -r tag seq cmd args; do
		[ "$tag" = HBX-CMD ] && run_cmd "$seq" "$cmd" $args
	done
}
# channel 1: the console
( while :; do listen </dev/console; sleep 1; done ) &
# channel 2: the virtio-serial port named hbx.cmd (EOF while nobody is connected)
for d in /sys/class/virtio-ports/*; do
	[ "$(cat $d/name 2>/dev/null)" = hbx.cmd ] || continue
	port=/dev/${d##*/}
	( while :; do listen <$port 2>/dev/null; sleep 1; done ) &
	say "HBX-CHANNEL $port"
done

while :; do
	status_line
	sleep "$period"
done
INIT
chmod 755 "$root/init"

# the configuration the init writes (defaults, 3 hosts) must pass hbctl's timing check
conf=$(mktemp)
(
	hosts=3 t1=1 T1=10 t2=2 T2=15 Wh=15 Ws=30 W=5 Tboot=90 index=0 backend=xen MKCONF=$root/usr/bin/mkconf
	. "$root/etc/hbx-conf.sh"
	hbx_conf
) | sed 's#/etc/hbagent/pool.key#'"$root"'/etc/hbagent/pool.key#' >"$conf"
"$build/agent/hbctl" -c "$conf" timeouts >"$out/timeouts.txt" 2>&1 || {
	cat "$out/timeouts.txt" >&2; rm -f "$conf"; die "hbctl timeouts refuses the default timing"; }
cp "$conf" "$out/xhad.conf.sample"
cp "$root/etc/hbx-conf.sh" "$out/hbx-conf.sh"
cp "$root/etc/hbagent/pool.key" "$out/pool.key"
rm -f "$conf"

(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) | gzip -6 >"$out/initrd.gz.tmp"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"

{
	echo "built $(date -u +%FT%TZ) in $(($(date +%s) - t0)) s"
	echo "kernel $kver ($(basename "$kdeb"))"
	for d in "$xdeb" "$udeb" "$sdeb" "$bdeb"; do echo "package $(basename "$d")"; done
	echo "modules $(tr '\n' ' ' <"$root/lib/modules/$kver/load-order")"
	echo "hbagent $("$build/agent/hbagent" --version 2>&1 | head -n1)"
	echo "initrd $(stat -c %s "$out/initrd.gz") bytes"
	(cd "$root" && find . -type f | sort)
} >"$out/manifest.txt"
log "done in $(($(date +%s) - t0)) s: $out/xen.elf $out/vmlinuz $out/initrd.gz ($(du -h "$out/initrd.gz" | cut -f1))"
