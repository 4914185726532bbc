#!/bin/bash
# run_xen_checks.sh BUILD_DIR [hbxen options]: build the Xen test image from
# BUILD_DIR into BUILD_DIR/xen-image (downloads cached in $HBXEN_CACHE) and
# run tests/xen/hbxen on it (the built-in one-host scenarios unless options
# say otherwise). Exit 77 (skip) without QEMU or root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [hbxen options]" >&2; exit 2; }
build=$1; shift
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: the Xen tests need root"; exit 77; }
"$here/build-image.sh" "$build" "$build/xen-image"
exec "$here/hbxen" --image "$build/xen-image" --hbctl "$build/agent/hbctl" "$@"
